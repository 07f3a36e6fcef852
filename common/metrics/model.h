/* model.h - learned scores from learner fields (DESIGN §11): feature specs
 * with transforms, standardisation, mean imputation, logistic regression by
 * penalised IRLS, ridge regression, K-fold cross-validation (ROC AUC by
 * tl_eval_roc_auc of metrics/eval.h, or RMSE), and the JSON model file. */
#ifndef TL_MODEL_H
#define TL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tl_model_kind { TL_MODEL_LOGISTIC, TL_MODEL_LINEAR };

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
};

/* Salt of the fold hash: fold = tl_hash64(learner_id, salt) mod K. */
#define TL_MODEL_FOLD_SALT 0x746c2d6d6f64656cULL   /* "tl-model" */

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
};

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

/* tl_model_fit: fit m on the n rows of X (row-major n x m->p transformed
 * values, NAN = empty, imputed with the mean) and y (0/1 for logistic)
 * for which use[i] is non-zero (use NULL: all rows). Deterministic.
 * Returns 0, or -1 with a message in err: no rows, a feature without any
 * value, a constant feature without penalty, one class only (logistic),
 * a singular system, perfect separation without penalty, no convergence. */
int tl_model_fit(struct tl_model *m, const double *X, const double *y, size_t n,
		 const unsigned char *use, const struct tl_model_params *prm, char *err, size_t cap);

/* tl_model_cv: K-fold cross-validation of m's settings (kind, features,
 * l2) over the folds fold[i] in 0..k-1: each fold is predicted by a model
 * fitted on the other folds. Sets m->cv_k, cv_auc or cv_rmse and the
 * per-fold arrays; pred (n values, may be NULL) gets the out-of-fold
 * predictions. Call after tl_model_fit. Returns 0 or -1 with err. */
int tl_model_cv(struct tl_model *m, const double *X, const double *y, size_t n,
		const int *fold, int k, const struct tl_model_params *prm, double *pred,
		char *err, size_t cap);

/* tl_model_predict: the prediction for one row x of m->p transformed
 * values (NAN = empty, imputed): a probability (logistic) or a value. */
double tl_model_predict(const struct tl_model *m, const double *x);

/* tl_model_auc: the ROC AUC of score against 0/1 targets y, by
 * tl_eval_roc_auc (Mann-Whitney with midranks, exact under ties); NAN when
 * a class is absent. */
double tl_model_auc(const double *score, const double *y, size_t n);

/* tl_rmse: root mean squared error; NAN when n is 0. */
double tl_rmse(const double *pred, const double *y, size_t n);

/* tl_model_write: the model as JSON (numbers %.17g) to f. */
void tl_model_write(const struct tl_model *m, FILE *f);

/* tl_model_read: parse a model file's text into *m (which the caller then
 * frees with tl_model_free). Returns 0, or -1 with a message in err. */
int tl_model_read(struct tl_model *m, const char *text, size_t n, char *err, size_t cap);

/* tl_model_free: free what m owns (not m itself) and zero it. */
void tl_model_free(struct tl_model *m);

#endif
