/* model_impl.h - private to metrics/: a fit in passes (DESIGN §11). One
 * fit holds the units it fits: unit 0 is the model on every training
 * record; with --cv K, unit f + 1 is fold f's model, fitted on the other
 * folds. Each pass, the records add to sums (model_pass.c) that the step
 * (model_fit.c) turns into the next pass: pass 0 the moments, for the
 * standardisation; then Newton passes, each evaluating every unit that has
 * not converged at its candidate coefficients; then one pass for the
 * metrics. The stats and state files (model_files.c, model_stats.c,
 * model_state.c) carry the sums and the fit between processes; every sum
 * is exact (util/xsum.h), so a fit over shards is the single fit. A
 * multinomial fit (model_multi.c) has (C - 1)(p + 1) coefficients per
 * unit, class 0 the reference; when its classes are not known before
 * pass 0 (over shards), the sums of pass 0 collect them, and the step of
 * pass 0 orders them by bytes and sizes the units. */
#ifndef TL_MODEL_IMPL_H
#define TL_MODEL_IMPL_H

#include <stdint.h>

#include "metrics/eval.h"
#include "metrics/model.h"
#include "io/sidefile.h"
#include "util/xsum.h"

enum fit_phase { PH_MOMENTS, PH_NEWTON, PH_METRICS, PH_DONE };
enum unit_status { U_START, U_RUNNING, U_DONE };

/* One unit's standardisation, Newton iteration and metrics. */
struct fit_unit {
	long n, positives;
	double *mean, *sd;          /* p */
	long *missing;              /* p */
	double *b, *dir, *cand;     /* q = p + 1: accepted, direction, evaluated next */
	double f, step;             /* the objective at b; the step of cand */
	int iterations, halvings;
	enum unit_status status;
	double metric;              /* the metrics pass: AUC, RMSE or accuracy (unit 0: training) */
	double log_loss;            /* unit 0, logistic; every unit, multinomial */
	long *class_n;              /* multinomial: nclass */
	double f1;                  /* multinomial: macro F1 */
};

/* One shard as pass 0 saw it: its training records' fingerprint. */
struct shard_id {
	uint64_t fp;
	long records, skipped;
	long line;                  /* in the state file */
};

/* Where each setting is in the state file, for messages. */
enum { SET_KIND, SET_TARGET, SET_L2, SET_FOLDS, SET_FEATURE, SET_N };

struct tl_fit {
	struct tl_model set;        /* the settings: kind, target, l2, feat (spec, field, tf), p */
	int k;                      /* folds; 0 without cross-validation */
	struct tl_model_params prm;
	long pass;
	enum fit_phase phase;
	size_t nunits;
	struct fit_unit *u;
	long skipped;
	struct shard_id *shard;     /* pass 0's shards, sorted; none in memory */
	size_t nshards;
	char state[17];             /* the state file's hash, hex; "" before pass 1 */
	const char *path;           /* the state file, or NULL */
	long line[SET_N];           /* its setting records (SET_FEATURE: the count) */
	double cv;                  /* the metrics pass: the pooled out-of-fold metric */
	double cv_f1, cv_log_loss;  /* multinomial */
};

/* Pass 0: the moments of one fold's records (all records without CV). */
struct group {
	long rows, positives;
	long *count;                /* p: records with a value */
	double *min, *max;          /* p */
	struct tl_xsum *sum, *sumsq;
	long *class_n;              /* multinomial: nclass */
};

/* A Newton pass: one unit's sums at its candidate; the metrics pass: the
 * loss (logistic, unit 0) or squared error (linear) in loss. */
struct usums {
	struct tl_xsum loss, *grad, *hess;   /* q, and q (q + 1) / 2 (lower triangle) */
	long *conf;                 /* multinomial, the metrics pass: nclass^2 */
};

/* The metrics pass, logistic: a unit's predictions and targets. */
struct pairs {
	struct tl_eval_pair *p;
	size_t n, cap;
};

struct tl_fit_sums {
	const struct tl_fit *fit;
	size_t nunits;              /* fit's, for freeing without it */
	struct shard_id id;         /* this shard's records (a merge: their sum) */
	size_t ngroups;
	struct group *g;            /* PH_MOMENTS */
	struct usums *us;           /* PH_NEWTON, PH_METRICS: nunits */
	struct pairs *pr;           /* PH_METRICS, logistic: nunits */
	double *z;                  /* scratch: p, and multinomial 2 nclass + p + 1 */
	/* Pass 0 of a multinomial fit whose classes are not known yet (a
	 * shard's, a merge's): the classes seen, in the order seen; each
	 * group's class_n has ncls counts. */
	char **cls;
	size_t ncls;
};

static inline int fit_multi(const struct tl_fit *f) { return f->set.kind == TL_MODEL_MULTINOMIAL; }
/* The coefficients: p + 1 (the intercept first); multinomial: p + 1 for
 * each class but the reference, class k's from (k - 1)(p + 1). */
static inline size_t fit_q(const struct tl_fit *f)
{
	return fit_multi(f) ? (f->set.nclass ? f->set.nclass - 1 : 0) * (f->set.p + 1) : f->set.p + 1;
}
/* fit_is_slope: coefficient i is penalised (not an intercept). */
static inline int fit_is_slope(const struct tl_fit *f, size_t i) { return i % (f->set.p + 1) != 0; }
static inline size_t hess_n(size_t q) { return q * (q + 1) / 2; }
/* The index of H[i][j], j <= i, in the lower triangle. */
static inline size_t hess_at(size_t i, size_t j) { return i * (i + 1) / 2 + j; }
/* The Hessian's entries (exact sums), and the one of H[i][k], k <= i: the
 * lower triangle, or multinomial tl_multi_hess_at's; fit_hess_own: H[i][k]
 * is the entry's own (not the mirror, within a block, of another). */
static inline size_t fit_hess_n(const struct tl_fit *f)
{
	return fit_multi(f) ? (f->set.nclass < 2 ? 0 : tl_multi_hess_n(f->set.nclass, f->set.p + 1)) : hess_n(fit_q(f));
}
static inline size_t fit_hess_at(const struct tl_fit *f, size_t i, size_t k)
{
	return fit_multi(f) ? tl_multi_hess_at(f->set.p + 1, i, k) : hess_at(i, k);
}
static inline int fit_hess_own(const struct tl_fit *f, size_t i, size_t k)
{
	return !fit_multi(f) || k % (f->set.p + 1) <= i % (f->set.p + 1);
}

/* fit_zval: the standardised value of x for mean and sd (0 when empty). */
double fit_zval(double x, double mean, double sd);
/* fit_eta: unit u's linear predictor at coefficients b for the
 * transformed values x, in the order of operations of tl_model_predict. */
double fit_eta(const struct tl_fit *f, const struct fit_unit *u, const double *b, const double *x);
double fit_sigmoid(double eta);
/* fit_loss: the negative log-likelihood of one 0/1 target y at eta. */
double fit_loss(double eta, double y);
/* fit_unit_of: the unit a fold's held-out records are predicted by. */
static inline size_t fit_unit_of(const struct tl_fit *f, int fold) { return f->k ? (size_t)fold + 1 : 0; }

/* ---- multinomial (model_multi.c) ---- */
/* fit_multi_eta: unit u's linear predictors at b for x: eta[0] = 0, then
 * each other class's, in the order of tl_model_predict_classes. */
void fit_multi_eta(const struct tl_fit *f, const struct fit_unit *u, const double *b, const double *x, double *eta);
/* fit_softmax: the probabilities of eta[0..c) in prob; returns log sum e^eta. */
double fit_softmax(const double *eta, size_t c, double *prob);
size_t fit_argmax(const double *eta, size_t c);
size_t fit_multi_scratch(const struct tl_fit *f);
void fit_multi_newton_row(struct tl_fit_sums *s, size_t u, const double *x, double y);
void fit_multi_metrics_row(struct tl_fit_sums *s, size_t u, const double *x, double y);
/* fit_multi_start: unit u's class counts and starting intercepts; -1
 * with a message when a class has no record. */
int fit_multi_start(struct tl_fit *f, struct fit_unit *u, size_t ui, const struct tl_fit_sums *s, char *err,
		    size_t cap);
void fit_multi_metrics(struct tl_fit *f, const struct tl_fit_sums *s);
/* fit_multi_adopt: after pass 0 without known classes, f's classes are
 * those of s in byte order, s's counts renumbered and f's units sized
 * for them; -1 with a message when there are fewer than 2. */
int fit_multi_adopt(struct tl_fit *f, struct tl_fit_sums *s, char *err, size_t cap);
void fit_multi_model(const struct tl_fit *f, struct tl_model *m);

/* fit_alloc: f's units for its settings (set, k), zeroed. */
void fit_alloc(struct tl_fit *f);
void fit_pairs_add(struct pairs *pr, double score, double y);

/* ---- the stats and state files (model_files.c) ----
 * CSV records of five fields, record,unit,i,j,value, in the order
 * tl-model writes them; a reader walks that order and stops at the first
 * record out of it: "FILE:LINE: what", exit 65. */

/* A file being read, record by record. */
struct rec {
	struct tl_sidefile *sf;
	const char *file;
	long line, count;           /* count: records after the header */
	const struct tl_str *f;     /* the current record's five fields */
};

/* A file being written: its records after the header line. */
struct wr {
	FILE *f;
	long n;
};

/* put_rec: the first four fields of a record and the comma before the
 * value (unit, i, j: -1 leaves them empty). */
void put_rec(struct wr *w, const char *name, long unit, long i, long j);
/* Records of a value: text (quoted as CSV needs), a count, a number
 * (%.17g; empty when not finite), an exact sum (its terms). */
void put_text(struct wr *w, const char *name, long i, const char *value);
void put_long(struct wr *w, const char *name, long unit, long i, long v);
void put_num(struct wr *w, const char *name, long unit, long i, double v);
void put_xsum(struct wr *w, const char *name, long unit, long i, long j, const struct tl_xsum *s);
/* put_header: the header line and the format record. */
void put_header(struct wr *w, const char *format);
/* put_settings: kind, target, l2, folds and the features of f. */
void put_settings(struct wr *w, const struct tl_fit *f);
/* put_end: the last record: the number of records, itself included. */
void put_end(struct wr *w);

/* rec_open: r reads in (named file), which must start with the header
 * line and the format record. */
void rec_open(struct rec *r, struct tl_sidefile *in, const char *file, const char *format);
/* rec_next: the next record in r->f, 0 at the end of the file. */
int rec_next(struct rec *r);
/* rec_expect: the next record must be name with these unit, i and j (-1:
 * empty); returns its value. */
const struct tl_str *rec_expect(struct rec *r, const char *name, long unit, long i, long j);
/* rec_expect_y: the same with i 0 or 1 (the target), in *y. */
const struct tl_str *rec_expect_y(struct rec *r, const char *name, long unit, long *y);
int rec_is(const struct rec *r, const char *name);
_Noreturn void rec_die(const struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Values: a whole count (0 to 2^53), a finite number, an exact sum, text
 * (malloc'd). */
long rec_count(const struct rec *r, const struct tl_str *v);
double rec_num(const struct rec *r, const struct tl_str *v);
void rec_xsum(const struct rec *r, const struct tl_str *v, struct tl_xsum *s);
char *rec_text(const struct tl_str *v);
/* rec_hex: a shard fingerprint, 16 lower-case hex digits. */
uint64_t rec_hex(const struct rec *r, const struct tl_str *v);
/* rec_end: the end record, then the end of the file. */
void rec_end(struct rec *r);
/* rec_settings: the settings records into *set (a new model: tl_model_free)
 * and *k, with their lines in line[]. */
void rec_settings(struct rec *r, struct tl_model *set, int *k, long *line);
/* settings_differ: -1 when set and k are f's settings, else the SET_ that
 * differs, described in what; for SET_FEATURE, *feature is 0 when the
 * counts differ, else 1 + the feature that does. */
int settings_differ(const struct tl_fit *f, const struct tl_model *set, int k, size_t *feature, char *what,
		    size_t cap);

#endif
