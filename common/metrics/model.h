/* model.h - learned scores from learner fields (DESIGN §11): feature specs
 * with transforms, standardisation, mean imputation, logistic regression by
 * penalised IRLS, ridge regression, multinomial (softmax) regression by
 * Newton, K-fold cross-validation (ROC AUC by tl_eval_roc_auc of
 * metrics/eval.h, RMSE, or accuracy and macro F1), out-of-fold predictions,
 * a held-out split, the JSON model file, and applying it to records. */
#ifndef TL_MODEL_H
#define TL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record/field.h"
#include "util/str.h"

enum tl_model_kind { TL_MODEL_LOGISTIC, TL_MODEL_LINEAR, TL_MODEL_MULTINOMIAL };

/* A feature's transform, applied to the field's value before anything else. */
enum tl_transform { TL_TF_NONE, TL_TF_LOG1P, TL_TF_SQRT };

/* One feature. mean and sd describe the transformed values of the training
 * rows that have a value (sd: sample sd, n-1; 0 for a constant feature);
 * coef multiplies the standardised value (x - mean) / sd. */
struct tl_feature {
	char *spec;              /* as given, e.g. "log1p:interactions" */
	char *field;             /* the record field, e.g. "interactions" */
	enum tl_transform tf;
	double mean, sd, coef;
	long missing;            /* training rows imputed with mean */
	double *mcoef;           /* multinomial: one coefficient per class (the reference's 0), owned */
};

/* Salt of the fold hash: fold = tl_hash64(learner_id, salt) mod K. */
#define TL_MODEL_FOLD_SALT 0x746c2d6d6f64656cULL   /* "tl-model" */
/* Salt of the held-out split: held out when tl_hash64(learner_id, salt)
 * >> 11, over 2^53, is below the fraction. */
#define TL_MODEL_HOLDOUT_SALT 0x746c2d686f6c646fULL   /* "tl-holdo" */

/* A held-out evaluation (tl-model --holdout, --holdout-field): how the
 * records were held out, and the model's metrics on them (NAN: not
 * computed; n 0: no held-out part). */
struct tl_holdout {
	double fraction;         /* --holdout F, else 0 */
	char *field, *value;     /* --holdout-field FIELD=VALUE, else NULL */
	long n;
	double auc, log_loss, rmse, accuracy, macro_f1;
};

/* Fitting controls. */
struct tl_model_params {
	int max_iter;            /* IRLS iterations (default 100) */
	double tol;              /* stop when max |step| <= tol * (1 + max |beta|) */
};

#define TL_MODEL_PARAMS_DEFAULTS {100, 1e-10}

/* A model. The caller sets kind, target, feat[].spec/field/tf, p and l2
 * before fitting; tl_model_fit fills the rest. Metrics are NAN when not
 * computed. */
struct tl_model {
	enum tl_model_kind kind;
	char *target;
	struct tl_feature *feat;
	size_t p;
	double intercept;
	double l2;               /* penalty: objective -loglik + l2/2 * sum coef^2 */
	long n;                  /* training rows */
	long skipped;            /* records skipped for an empty target */
	long positives;          /* logistic: training rows with target 1 */
	int iterations;
	double train_auc, train_log_loss, train_rmse;
	int cv_k;                /* 0: no cross-validation */
	double cv_auc, cv_rmse;  /* pooled over the out-of-fold predictions */
	double *cv_fold;         /* cv_k per-fold values (AUC or RMSE), owned */
	long *cv_fold_n;         /* cv_k held-out row counts, owned */
	struct tl_holdout ho;    /* strings owned */
	/* multinomial (softmax) regression: the classes of the target in byte
	 * order, class 0 the reference (its intercept and coefficients 0);
	 * eta_k = mint[k] + sum_j feat[j].mcoef[k] z_j. The metrics are the
	 * accuracy, macro F1 and log loss; cv_fold holds the folds' accuracy. */
	char **classes;
	size_t nclass;
	double *mint;            /* nclass intercepts */
	long *class_n;           /* nclass training records */
	double train_accuracy, train_macro_f1, cv_accuracy, cv_macro_f1, cv_log_loss;
};

/* The feature specs of a fit as given, in order: --features LIST (comma
 * separated) and --features-file FILE (one a line, '#' comments, blank
 * lines skipped; FILE also a shipped name, "churn" for
 * config/churn.features). Surrounding blanks are trimmed; an empty spec or
 * one given twice is a usage error (exit 64), a file that cannot be read
 * exits 66 or 74. */
struct tl_feature_specs {
	char **spec;
	size_t n;
};
void tl_feature_specs_add_list(struct tl_feature_specs *fs, const char *list);
void tl_feature_specs_add_file(struct tl_feature_specs *fs, const char *path);
void tl_feature_specs_free(struct tl_feature_specs *fs);

/* tl_feature_parse: split spec ("NAME", "log1p:NAME", "sqrt:NAME") into
 * *f (allocating spec and field; other members zeroed). Returns 0, or -1
 * with a message in err (unknown transform, empty name). */
int tl_feature_parse(const char *spec, struct tl_feature *f, char *err, size_t cap);

/* tl_transform_name: "log1p", "sqrt" or "none". */
const char *tl_transform_name(enum tl_transform tf);

/* tl_transform_apply: *out = tf(x). Returns 0, or -1 when x is outside the
 * transform's domain (log1p: x <= -1; sqrt: x < 0) or not finite. */
int tl_transform_apply(enum tl_transform tf, double x, double *out);

/* tl_model_fold: the CV fold (0..k-1) of a learner id. */
int tl_model_fold(const char *id, size_t n, int k);

/* The training data of a fit held in memory: n rows of p transformed
 * values (row-major, NAN = empty, imputed with the mean), the targets (0/1
 * for logistic) and, with cross-validation, each row's fold (else NULL). */
struct tl_model_data {
	const double *X, *y;
	const int *fold;
	size_t n;
};

/* tl_model_fit: fit m (the caller sets kind, target, feat, p, l2 and
 * skipped) on d, and with k > 0 cross-validate it over the folds d->fold
 * (0..k-1): each fold is predicted by a model fitted, standardisation
 * included, on the other folds; oof (n values, may be NULL) gets those
 * predictions. The passes of a sharded fit (tl_fit_*, below) over the one
 * shard d: the same model, bit for bit. Deterministic. Returns 0, or -1
 * with a message in err: no rows, a feature without any value, a constant
 * feature without penalty, a target not 0/1 or of one class only
 * (logistic), a singular system, perfect separation without penalty, no
 * convergence (for a fold: "cross-validation fold F of K: ..."). */
int tl_model_fit(struct tl_model *m, const struct tl_model_data *d, int k, const struct tl_model_params *prm,
		 double *oof, char *err, size_t cap);

/* tl_model_held_out: learner id[0..n) falls in the held-out fraction. */
int tl_model_held_out(const char *id, size_t n, double fraction);

/* tl_model_holdout: the metrics of the fitted m on the held-out records d
 * (d->fold unused) into m->ho: ROC AUC and log loss (logistic), RMSE
 * (linear). */
void tl_model_holdout(struct tl_model *m, const struct tl_model_data *d);

/* tl_model_report_fit: the fit's lines on the standard error: records
 * skipped for an empty target, the cross-validated and held-out metrics. */
void tl_model_report_fit(const struct tl_model *m);

/* tl_model_gauges: a fit's --metrics gauges (records fitted and skipped,
 * the cross-validated and held-out metric of its kind). */
struct tl_run;
void tl_model_gauges(struct tl_run *run, const struct tl_model *m, long n, long skipped);

/* tl_model_pred_field: the default field of m's prediction, malloc'd:
 * TARGET_probability (logistic), TARGET_predicted (linear, and the class
 * of a multinomial model). */
char *tl_model_pred_field(const struct tl_model *m);

/* tl_model_prob_field: the field of class k's probability (multinomial),
 * malloc'd: p_CLASS. */
char *tl_model_prob_field(const struct tl_model *m, size_t k);

/* The out-of-fold predictions file (tl-model --oof): CSV, a header, then
 * one row per training record: learner_id, fold, the target, the
 * prediction (%.17g); multinomial: the class name, each class's
 * probability, the predicted class. */
void tl_model_oof_header(FILE *f, const struct tl_model *m);
/* tl_model_oof_row: id[0..n), its fold, its target y (a class index for
 * multinomial) and prediction (nclass probabilities for multinomial). */
void tl_model_oof_row(FILE *f, const struct tl_model *m, const char *id, size_t n, int fold, double y,
		      const double *pred);

/* The classes of a multinomial target as a fit in memory meets them, in
 * the order first seen (tl-model --fit); zero it before the first use. */
struct tl_model_classes {
	char **name;
	size_t n;
};
/* tl_model_class_of: the index of class s[0..n) in c, added when new; -1
 * when it would be one more than TL_MODEL_MAX_CLASSES. */
long tl_model_class_of(struct tl_model_classes *c, const char *s, size_t n);
/* tl_model_classes_set: m's classes: those of c that the training targets
 * y[0..n) (indices in c) have, in byte order, y renumbered to them, and
 * the held-out targets yh[0..nh) too. Returns -1, or the index in c of a
 * held-out class without training records. */
long tl_model_classes_set(struct tl_model *m, const struct tl_model_classes *c, double *y, size_t n, double *yh,
			  size_t nh);
void tl_model_classes_free(struct tl_model_classes *c);

/* ---- what --fit reads in one process (model_rows.c) ---- */

struct tl_learner;
struct tl_fit_sums;

/* The target of a fit being read: a multinomial target's classes, as first
 * seen in memory (known), or a shard's fit's (s, set by the caller). */
struct tl_model_target {
	struct tl_model_classes known;
	struct tl_field_buf tb;     /* the last class read, as text */
	struct tl_fit_sums *s;
};
/* tl_model_target_value: 1 with learner l's target in *y (a class index
 * for multinomial), or 0 when it is empty; exits 65 when it is absent, not
 * a number, not a 0/1 field (tl(7) "Booleans") for a logistic model, or a
 * class pass 0 did not see. */
int tl_model_target_value(struct tl_model_target *t, const struct tl_model *m, const struct tl_learner *l, double *y);
void tl_model_target_free(struct tl_model_target *t);

/* Records buffered for a fit in memory: n rows of p transformed values,
 * their targets and folds, and with keep_ids (--oof) the learner ids (row
 * i's is ids[off[i]..off[i + 1])). Zeroed is empty. */
struct tl_model_rows {
	double *X, *y;
	int *fold;
	size_t n, cap;
	int keep_ids;
	char *ids;
	size_t *off, ids_len, ids_cap;
};
void tl_model_rows_add(struct tl_model_rows *r, const double *x, size_t p, double y, int fold, const struct tl_str *id);
/* tl_model_rows_write_oof: the out-of-fold predictions oof of r's rows, in
 * their order, to path (util/out: published whole or not at all). */
void tl_model_rows_write_oof(const char *path, const struct tl_model *m, const struct tl_model_rows *r,
			     const double *oof);
void tl_model_rows_free(struct tl_model_rows *r);

/* tl_model_class_metrics: the accuracy and the macro F1 (the mean over
 * the classes with support of 2TP / (2TP + FP + FN), as tl-eval) of the
 * c x c confusion counts conf[truth * c + predicted]; NAN when empty. */
void tl_model_class_metrics(const long *conf, size_t c, double *accuracy, double *macro_f1);

/* tl_multi_terms: one record's terms of a multinomial fit of c classes
 * (class 0 the reference) at the coefficients b ((c - 1) r: class k's r
 * from (k - 1) r, the intercept first) for zt (r values: 1, then the
 * standardised features), y its class: returns the loss log sum_k
 * e^eta_k - eta_y; grad gets the gradient of the log-likelihood ((c - 1)
 * r), hess the negated Hessian H[a][b] = P_k (d_kl - P_l) zt_i zt_j, a =
 * (k - 1) r + i, b = (l - 1) r + j, each block (k, l) symmetric in i and
 * j: the tl_multi_hess_n entries at tl_multi_hess_at(r, a, b). work: 2 c
 * doubles. */
double tl_multi_terms(size_t c, size_t r, const double *b, const double *zt, size_t y, double *work,
		      double *grad, double *hess);
/* tl_multi_hess_n: the entries of the Hessian of c classes and r
 * coefficients each: the lower triangle of each block (k, l), l <= k,
 * (c - 1) c / 2 blocks of r (r + 1) / 2. */
static inline size_t tl_multi_hess_n(size_t c, size_t r) { return (c - 1) * c / 2 * (r * (r + 1) / 2); }
/* tl_multi_hess_at: the entry of H[a][b] (either order). */
static inline size_t tl_multi_hess_at(size_t r, size_t a, size_t b)
{
	size_t t = a < b ? a : b, ka, kb, i, j;
	a = a < b ? b : a, b = t;
	ka = a / r, kb = b / r, i = a % r, j = b % r;
	if (j > i)
		t = i, i = j, j = t;
	return ((ka * (ka + 1) / 2 + kb) * (r * (r + 1)) / 2) + i * (i + 1) / 2 + j;
}

/* tl_model_predict_classes: a multinomial m's class probabilities for x
 * in prob (m->nclass); returns the predicted class: the highest linear
 * predictor, a tie to the first class in byte order. */
size_t tl_model_predict_classes(const struct tl_model *m, const double *x, double *prob);

/* tl_model_predict: the prediction for one row x of m->p transformed
 * values (NAN = empty, imputed): a probability (logistic) or a value. */
double tl_model_predict(const struct tl_model *m, const double *x);

/* tl_model_write: the model as JSON (numbers %.17g) to f. */
void tl_model_write(const struct tl_model *m, FILE *f);

/* tl_model_read: parse a model file's text into *m (which the caller then
 * frees with tl_model_free). Returns 0, or -1 with a message in err. */
int tl_model_read(struct tl_model *m, const char *text, size_t n, char *err, size_t cap);

/* ---- applying a model to learner records (model_apply.c) ----------------- */

struct tl_learner;

/* tl_model_load: the model file path into *m (tl_model_free); exits 66
 * when it cannot be read, 65 "PATH: bad model: what" when it is not one. */
void tl_model_load(const char *path, struct tl_model *m);

/* tl_model_value: the transformed value of feature f in learner l, NAN
 * when empty; exits 65 naming the record when the field is absent, not a
 * number, or outside the transform's domain. */
double tl_model_value(const struct tl_learner *l, const struct tl_feature *f);
/* tl_model_values: every feature of m in learner l into x[0..p); returns
 * how many are empty (NAN, imputed with the mean by the model). */
size_t tl_model_values(const struct tl_learner *l, const struct tl_model *m, double *x);

/* The most features a reason names. */
#define TL_MODEL_REASONS 3
/* tl_model_reason: why a multinomial m predicts class k (probabilities
 * prob) for the transformed values x, in buf: "model p=P" (P with %.2f),
 * then ": " and up to TL_MODEL_REASONS features "SPEC +Z.Zsd" separated
 * by ", ": those whose contribution (b_jk - mean_l b_jl) z_j, the push of
 * the feature towards class k above the mean class, is largest and
 * positive, largest first (a tie in the order of the features), with
 * their standardised values z_j (%+.1f). Cut to cap bytes. */
void tl_model_reason(const struct tl_model *m, const double *x, size_t k, const double *prob, char *buf, size_t cap);

/* tl_model_free: free what m owns (not m itself) and zero it. */
void tl_model_free(struct tl_model *m);

/* ---- a fit in passes, over shards (metrics/model_impl.h) ----------------- */

/* A fit under way: the settings, the pass, and each model's state (the
 * full model and, with k folds, each fold's). */
struct tl_fit;
/* One pass's sums over some training records: a shard's, or a merge's. */
struct tl_fit_sums;

/* The most memory the exact sums of one pass may take, 512 MiB: a fit of
 * p features and k folds has (k + 1)(p + 2)(p + 3) / 2 of them. */
#define TL_FIT_MAX_SUMS ((double)(512 << 20))
/* tl_fit_size: the bytes of one pass's sums for p features and k folds. */
double tl_fit_size(size_t p, int k);

/* tl_fit_new: a fit of the settings in m (kind, target, feat, p, l2,
 * skipped; copied) with k-fold cross-validation (0: none), at pass 0. */
struct tl_fit *tl_fit_new(const struct tl_model *m, int k, const struct tl_model_params *prm);
void tl_fit_free(struct tl_fit *f);
/* tl_fit_done: the model is complete (tl_fit_model). */
int tl_fit_done(const struct tl_fit *f);

/* tl_fit_sums_new: empty sums for f's current pass. */
struct tl_fit_sums *tl_fit_sums_new(const struct tl_fit *f);
void tl_fit_sums_free(struct tl_fit_sums *s);
/* tl_fit_add: add one training record: x its p transformed values (NAN =
 * empty), y its target (0/1 for logistic), fold its fold (0 without CV). */
void tl_fit_add(struct tl_fit_sums *s, const double *x, double y, int fold);
/* tl_fit_skip: count a record skipped for an empty target. */
void tl_fit_skip(struct tl_fit_sums *s);
/* tl_fit_tag: add learner id[0..n) with its x and y to the shard's
 * fingerprint (a sum of hashes, so order does not matter), which each pass
 * after the first must find unchanged. */
void tl_fit_tag(struct tl_fit_sums *s, const char *id, size_t n, const double *x, double y);

/* The most classes of a multinomial target. */
#define TL_MODEL_MAX_CLASSES 1000
/* tl_fit_class: the class index of the target name[0..n) in a
 * multinomial fit: its place among the fit's classes (byte order) once
 * they are known, -1 when it is none of them; in pass 0 of a fit of
 * unknown classes (a shard's), the class in the order seen, added when
 * new; -2 when there would be more than TL_MODEL_MAX_CLASSES. Its result
 * is tl_fit_add's y. */
long tl_fit_class(struct tl_fit_sums *s, const char *name, size_t n);
/* tl_fit_classes: a multinomial fit's classes (none before pass 1). */
size_t tl_fit_classes(const struct tl_fit *f, char *const **names);
/* tl_fit_tag_class: tl_fit_tag for a multinomial record of class name. */
void tl_fit_tag_class(struct tl_fit_sums *s, const char *id, size_t n, const double *x, const char *name,
		      size_t len);

/* tl_fit_step: advance f by the pass whose sums (all the records') are s.
 * Returns 0, or -1 with a message in err (those of tl_model_fit). */
int tl_fit_step(struct tl_fit *f, struct tl_fit_sums *s, char *err, size_t cap);
/* tl_fit_model: the fitted model of a done f, as a new *m (tl_model_free). */
void tl_fit_model(const struct tl_fit *f, struct tl_model *m);
/* tl_fit_oof_pass: f's pass is the metrics pass of a cross-validated
 * fit, whose fold models are final (tl_fit_predict gives the out-of-fold
 * predictions). */
int tl_fit_oof_pass(const struct tl_fit *f);
/* tl_fit_predict: the prediction of unit u (0: the model; f + 1: fold f's)
 * for the transformed values x, after the Newton passes. */
double tl_fit_predict(const struct tl_fit *f, size_t u, const double *x);
/* tl_fit_predict_classes: the same for a multinomial fit: the class
 * probabilities in prob, the predicted class returned. */
size_t tl_fit_predict_classes(const struct tl_fit *f, size_t u, const double *x, double *prob);
/* tl_fit_size_classes: tl_fit_size for a multinomial fit of c classes. */
double tl_fit_size_classes(size_t p, int k, size_t c);

/* tl_fit_emit: the stats file of s (tl-model --emit-stats). */
void tl_fit_emit(const struct tl_fit_sums *s, FILE *out);
/* tl_fit_write_state: the state file of f (tl-model --merge, not done). */
void tl_fit_write_state(const struct tl_fit *f, FILE *out);
/* tl_fit_read_state: the fit a state file holds; exits 66 when it cannot
 * be read, 65 as "FILE:LINE: what" when it is not a state file. */
struct tl_fit *tl_fit_read_state(const char *path, const struct tl_model_params *prm);
/* tl_fit_check: exits 65 at the state file's line when its settings are
 * not those of m and k (a shard's options). */
void tl_fit_check(const struct tl_fit *f, const struct tl_model *m, int k);
/* tl_fit_merge: the sums of the stats files (one per shard, in any
 * order; none: the standard input) of *f's pass; when *f is NULL (pass 0,
 * no state), the fit of the first file's settings is made in *f. Exits 65
 * as "FILE:LINE: what" on a file that is not a stats file of this pass and
 * these settings, or of other shards than pass 0's. */
struct tl_fit_sums *tl_fit_merge(struct tl_fit **f, int nfiles, char **files, const struct tl_model_params *prm);

#endif
