/* eval.h - metrics that compare predictions with truth (DESIGN §9):
 * confusion matrix with per-class precision / recall / F1, ROC AUC (exact
 * under ties), PR AUC (average precision), Brier score, calibration bins
 * (eval.c, from a histogram of the scores: eval_hist.c), and MAE / RMSE /
 * share within a tolerance. Each is a function of statistics that merge
 * exactly (metrics/eval_acc.h: tl-eval's pass, stats file and report). */
#ifndef TL_EVAL_H
#define TL_EVAL_H

#include <stddef.h>

#include "util/stats.h"
#include "util/xsum.h"

/* ---- binary: a score against a 0/1 label ---- */

struct tl_eval_pair {
	double score;
	int label;                /* 0 or 1 */
};

/* The evaluated records of one distinct score: all that ROC AUC with
 * ties, average precision, the ROC curve, Brier and the calibration bins
 * need, so a histogram of them is exact, and two merge by adding counts. */
struct tl_eval_bucket {
	double score;
	long long pos, neg;
};

/* A score histogram (zero-initialize): b[0, n) distinct scores ascending,
 * b[n, n + pending) added since, merged in by tl_eval_hist_compact, which
 * tl_eval_hist_add also calls when the pending ones reach a quarter of n
 * (at least 65536): memory grows with the distinct scores. */
struct tl_eval_hist {
	struct tl_eval_bucket *b;
	size_t n, pending, cap;
};

/* tl_eval_hist_add: pos positives and neg negatives at score (finite;
 * -0 is 0). */
void tl_eval_hist_add(struct tl_eval_hist *h, double score, long long pos, long long neg);
void tl_eval_hist_compact(struct tl_eval_hist *h);
void tl_eval_hist_free(struct tl_eval_hist *h);

#define TL_EVAL_BINS 10

/* One calibration bin [i/10, (i+1)/10) (the last one includes 1). */
struct tl_eval_bin {
	long long n, pos;
	double sum_score;
};

struct tl_eval_binary {
	long long n, pos, neg;
	double roc_auc;           /* NAN without both classes */
	double pr_auc;            /* average precision; NAN without positives */
	double brier;             /* NAN unless every score is in [0,1] */
	int unit_scores;          /* every score is in [0,1] (Brier, bins valid) */
	struct tl_eval_bin bins[TL_EVAL_BINS];
};

/* tl_eval_roc_auc: the Mann-Whitney U / (pos·neg), ties counted one half
 * (midranks), of p[0..n) (sorts p). NAN when a class is absent. */
double tl_eval_roc_auc(struct tl_eval_pair *p, size_t n);

/* One point of the ROC curve: the records with score >= threshold are
 * called positive; tp and fp count the true and false positives then. */
struct tl_eval_roc_point {
	double threshold;
	long long tp, fp;
};

/* tl_eval_roc_curve: the ROC curve of h (compacted), one point per
 * distinct score, highest first (tied scores enter together; the last
 * point has every record positive). Returns the number of points, with
 * them in *out (malloc'd, the caller frees; NULL when h is empty). */
size_t tl_eval_roc_curve(const struct tl_eval_hist *h, struct tl_eval_roc_point **out);

/* tl_eval_binary: every binary metric of h (compacts it): ROC AUC; average
 * precision, sum over the distinct thresholds, highest first, of
 * (R_k - R_{k-1}) P_k; Brier and the bins from exact sums (util/xsum.h
 * tl_xsum), so they depend on the histogram only. */
void tl_eval_binary(struct tl_eval_hist *h, struct tl_eval_binary *out);

/* ---- classification: a confusion matrix of class labels ---- */

struct tl_confusion {
	char **labels;            /* class names (owned) */
	size_t k, cap;
	long long *m;             /* m[truth * cap + pred] */
	long long n;
	size_t max_classes;       /* refuse more distinct labels (0: no limit) */
};

struct tl_class_metrics {
	long long support;        /* truth == class */
	long long predicted;      /* pred == class */
	long long tp;
	double precision, recall, f1;   /* NAN when undefined (0/0) */
};

struct tl_macro {
	size_t classes;           /* classes with support > 0 */
	double precision, recall, f1, accuracy;
};

void tl_confusion_init(struct tl_confusion *c);
/* tl_confusion_add: count one (truth, pred) pair; names are copied.
 * Returns 0, or -1 (nothing counted) when a new label would make more
 * than max_classes: the matrix is quadratic in the classes. */
int tl_confusion_add(struct tl_confusion *c, const char *truth, size_t tn, const char *pred, size_t pn);
/* tl_confusion_add_n: the same for count pairs (a merged cell). */
int tl_confusion_add_n(struct tl_confusion *c, const char *truth, size_t tn, const char *pred, size_t pn,
		       long long count);
/* tl_confusion_sort: order the classes by name (bytewise). */
void tl_confusion_sort(struct tl_confusion *c);
long long tl_confusion_at(const struct tl_confusion *c, size_t truth, size_t pred);
void tl_confusion_class(const struct tl_confusion *c, size_t i, struct tl_class_metrics *out);
/* tl_confusion_macro: unweighted means over the classes with support > 0;
 * an undefined precision or F1 counts as 0 there. */
void tl_confusion_macro(const struct tl_confusion *c, struct tl_macro *out);
void tl_confusion_free(struct tl_confusion *c);

/* ---- numeric: a prediction against its actual value ---- */

/* Exact sums (util/xsum.h): merged from shards they are the
 * sums of one pass, to the last bit. */
struct tl_eval_numeric {
	long long n, within;
	struct tl_xsum abs, sq, err;
};

/* tl_eval_numeric_add: one (pred, actual); within when |pred - actual| <=
 * tol + 1e-9 (the slack absorbs decimal round-off such as 0.4 - 0.3). */
void tl_eval_numeric_add(struct tl_eval_numeric *a, double pred, double actual, double tol);
double tl_eval_mae(const struct tl_eval_numeric *a);
double tl_eval_rmse(const struct tl_eval_numeric *a);
double tl_eval_bias(const struct tl_eval_numeric *a);    /* mean(pred - actual) */
double tl_eval_within(const struct tl_eval_numeric *a);  /* share within tol */

#endif
