/* abtest.h - two-arm experiment statistics (DESIGN §8): sufficient
 * statistics per arm x segment, Welch and two-proportion tests, delta-method
 * lift, SRM and segment-mix checks, Holm/BH, CUPED, power, mixture SPRT,
 * and the stats CSV that shards emit and --merge folds back together. */
#ifndef TL_ABTEST_H
#define TL_ABTEST_H

#include <stddef.h>
#include <stdio.h>

#include "util/stats.h"

#define TL_AB_MAX_METRICS 64

enum tl_ab_kind { TL_AB_NUMERIC, TL_AB_BINARY };
enum tl_ab_correction { TL_AB_HOLM, TL_AB_BH, TL_AB_NONE };
enum tl_ab_format { TL_AB_TEXT, TL_AB_JSON, TL_AB_MD };

/* ---- tests on summaries (pure functions; NaN = cannot be computed) ---- */

/* A two-sample comparison, treatment minus control. stat is Welch's t or
 * the pooled z; df is NaN for z. note says why stat and p are NaN (or
 * why lift is), else NULL. */
struct tl_ab_test {
	double diff, diff_lo, diff_hi;
	double lift, lift_lo, lift_hi;
	double stat, df, p;
	const char *note;
};

/* tl_ab_welch: Welch's t-test of two arms' moments: t, the
 * Welch-Satterthwaite df, the exact two-sided Student-t p-value, the
 * 1-alpha t interval of the difference and the delta-method interval of
 * the lift diff/mean_c. */
void tl_ab_welch(const struct tl_moments *c, const struct tl_moments *t, double alpha,
		 struct tl_ab_test *r);

/* tl_ab_two_prop: the pooled two-proportion z-test of 0/1 moments
 * (mean = proportion), Newcombe's hybrid score interval (method 10) of
 * the difference and the delta-method interval of the lift. */
void tl_ab_two_prop(const struct tl_moments *c, const struct tl_moments *t, double alpha,
		    struct tl_ab_test *r);

/* tl_ab_lift: lift = mt/mc - 1 with a normal delta-method interval, given
 * the means and the variances of the means (var/n). NaN when mc = 0. */
void tl_ab_lift(double mc, double vmc, double mt, double vmt, double alpha,
		double *lift, double *lo, double *hi);

/* tl_ab_mean_ci: the 1-alpha Student-t interval of one arm's mean. */
void tl_ab_mean_ci(const struct tl_moments *m, double alpha, double *lo, double *hi);

/* tl_ab_wilson: the 1-alpha Wilson score interval of x successes in n. */
void tl_ab_wilson(double x, double n, double alpha, double *lo, double *hi);

/* tl_ab_srm: chi-square goodness of fit of counts obs[k] against the
 * expected shares weight[k] (any positive scale); returns the p-value
 * (k-1 df) and sets *chi2. */
double tl_ab_srm(const double *obs, const double *weight, int k, double *chi2);

/* tl_ab_homogeneity: chi-square test of homogeneity of a rows x cols
 * table of counts (row-major); columns with a zero total are dropped.
 * Returns the p-value, NaN when fewer than 2 rows or columns remain. */
double tl_ab_homogeneity(const double *tab, int rows, int cols, double *chi2, double *df);

/* tl_ab_adjust: adjusted p-values (Holm step-down, Benjamini-Hochberg
 * step-up, or none) of p[0..m); NaN entries stay NaN and are not counted. */
void tl_ab_adjust(const double *p, size_t m, enum tl_ab_correction c, double *adj);

/* tl_ab_cuped: CUPED (Deng et al. 2013) for one metric. cell[2] hold the
 * (x = covariate, y = metric) co-moments of control and treatment; theta
 * = cov(y,x)/var(x) of both arms pooled; out[a] gets the moments of
 * y - theta (x - mean_x pooled) per arm. Returns theta (0 when var(x) = 0). */
double tl_ab_cuped(const struct tl_comoments cell[2], struct tl_moments out[2]);

/* Power (normal approximation, two-sided test at alpha). */
/* tl_ab_sample_size: learners per arm to detect an absolute difference
 * delta with the given power when each arm has standard deviation sd. */
double tl_ab_sample_size(double sd, double delta, double alpha, double power);
/* tl_ab_power: the power to detect delta when the difference has std. error se. */
double tl_ab_power(double se, double delta, double alpha);
/* tl_ab_mde: the smallest |delta| detected with the given power at std. error se. */
double tl_ab_mde(double se, double alpha, double power);

/* tl_ab_msprt: the mixture sequential probability ratio test (Johari,
 * Koomen, Pekelis & Walsh 2017) of a difference diff with variance var
 * (normal approximation) under a N(0, tau2) mixture: the always-valid
 * p-value min(1, 1/Lambda) and the 1-alpha confidence sequence. */
void tl_ab_msprt(double diff, double var, double tau2, double alpha, double *p, double *lo,
		 double *hi);

/* ---- the experiment accumulator ---- */

struct tl_ab_metric {
	const char *name;
	enum tl_ab_kind kind;
};

/* What is measured; strings must outlive the accumulator (tl_abtest_new
 * copies the struct, not the strings). */
struct tl_ab_setup {
	const char *control;         /* the control arm's name */
	const char *by;              /* segment field, NULL for none */
	const char *covariate;       /* CUPED covariate of numeric metrics, or NULL */
	size_t nmetrics;
	struct tl_ab_metric metric[TL_AB_MAX_METRICS];
};

/* How the report decides. */
struct tl_ab_params {
	double alpha;                /* significance level and 1 - CI level */
	double min_lift;             /* smallest acceptable lift (fraction) */
	double expect[2];            /* expected control:treatment split */
	double srm_alpha;            /* SRM fails when its p is below */
	double max_mix_diff;         /* largest segment share difference */
	enum tl_ab_correction correction;
	int sequential;              /* report the mixture SPRT */
	double mixture_sd;           /* tau in units of the pooled sd */
	unsigned long look_every;    /* evaluate the SPRT every N learners (0: at the end) */
	double power;                /* target power; 0: no power report */
	double mde;                  /* relative effect for power; 0: none */
};

#define TL_AB_DEFAULTS { .alpha = 0.05, .min_lift = 0, .expect = {1, 1}, \
	.srm_alpha = 0.001, .max_mix_diff = 0.02, .correction = TL_AB_HOLM, \
	.sequential = 0, .mixture_sd = 0.1, .look_every = 0, .power = 0, .mde = 0 }

struct tl_abtest;

/* tl_abtest_new: an empty accumulator (memory grows with the number of
 * segments, never with the number of learners). */
struct tl_abtest *tl_abtest_new(const struct tl_ab_setup *s, const struct tl_ab_params *p);
void tl_abtest_free(struct tl_abtest *ab);

/* tl_abtest_arm: 0 for the control arm, 1 for the treatment arm (the
 * first other name seen), -1 for an empty name or a third arm. */
int tl_abtest_arm(struct tl_abtest *ab, const char *name, size_t n);

/* tl_abtest_arm_name: arm a's name, NULL when not seen yet. */
const char *tl_abtest_arm_name(const struct tl_abtest *ab, int a);

/* tl_abtest_segment: the index of segment name (created when new). */
size_t tl_abtest_segment(struct tl_abtest *ab, const char *name, size_t n);

/* tl_abtest_add: one learner of arm a in segment seg with metric values
 * y[m] (NaN: missing) and covariate x (used by numeric metrics when the
 * setup has a covariate). With look_every, runs the SPRT looks. */
void tl_abtest_add(struct tl_abtest *ab, int a, size_t seg, const double *y, double x);

/* tl_abtest_emit: write the sufficient statistics as CSV (%.17g). */
void tl_abtest_emit(const struct tl_abtest *ab, FILE *f);

/* tl_abtest_merge: fold stats CSV files (from tl_abtest_emit; none: stdin)
 * into a new accumulator with control arm name control. want's by and
 * covariate, when set, must be the files'; want's metrics, when any, must
 * be in the files with the same kind and are the ones kept, in want's
 * order. Bad files exit 65 (66 when unreadable) naming file and line. */
struct tl_abtest *tl_abtest_merge(int nfiles, char **files, const char *control,
				  const struct tl_ab_setup *want, const struct tl_ab_params *p);

/* tl_abtest_report: compute the report and write it to f in format fmt;
 * warnings (zero variance, ...) go to stderr. Returns 1 when the decision
 * passes, 0 when it fails. Exits 65 when an arm has no learner. */
int tl_abtest_report(struct tl_abtest *ab, FILE *f, enum tl_ab_format fmt);

/* tl_ab_plan: the power planning report (no input): learners per arm for
 * a relative effect mde of baseline mean mean with sd sd. */
void tl_ab_plan(FILE *f, enum tl_ab_format fmt, double mean, double sd, const struct tl_ab_params *p);

#endif
