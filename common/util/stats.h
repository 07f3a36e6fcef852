/* stats.h - special functions, distributions and one-pass accumulators
 * (stats.c: the special functions, and the sources and accuracy of every
 * algorithm; stats_dist.c: the distributions; stats_acc.c: accumulators).
 *
 * Double precision throughout.  Every function returns NaN for invalid
 * arguments (NaN inputs, a shape or degrees of freedom <= 0, a probability
 * outside [0,1], ...) and never prints or aborts.  Degrees of freedom may be
 * non-integer (Welch).
 */
#ifndef TL_STATS_H
#define TL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- special functions ---- */

/* log B(a,b) = lgamma(a)+lgamma(b)-lgamma(a+b), accurate also for large a, b > 0. */
double tl_lbeta(double a, double b);
/* Regularized incomplete beta I_x(a,b), a,b > 0, 0 <= x <= 1. */
double tl_betainc(double a, double b, double x);
/* I_x(a,b) with y = 1 - x given exactly (e.g. x and y of a t statistic,
 * where 1 - x would round); no argument checks: a, b > 0 finite. */
double tl_betainc_xy(double a, double b, double x, double y);
/* Regularized lower incomplete gamma P(a,x), a > 0, x >= 0. */
double tl_gammainc_p(double a, double x);
/* Regularized upper incomplete gamma Q(a,x) = 1 - P(a,x), accurate when small. */
double tl_gammainc_q(double a, double x);

/* ---- normal distribution ---- */

/* Standard normal CDF Phi(z); full relative accuracy in the lower tail. */
double tl_norm_cdf(double z);
/* Standard normal survival 1 - Phi(z); full relative accuracy in the upper tail. */
double tl_norm_sf(double z);
/* Standard normal quantile Phi^-1(p), 0 <= p <= 1 (+-inf at 0 and 1). */
double tl_norm_quantile(double p);

/* ---- Student t distribution (df > 0, may be non-integer; df = inf is normal) ---- */

/* P(T <= t). */
double tl_t_cdf(double t, double df);
/* Two-sided p-value P(|T| >= |t|), exact through the incomplete beta. */
double tl_t_sf2(double t, double df);
/* Quantile: the t with P(T <= t) = p, 0 <= p <= 1 (+-inf at 0 and 1). */
double tl_t_quantile(double p, double df);

/* ---- chi-square distribution (k > 0 degrees of freedom, may be non-integer) ---- */

/* P(X <= x); 0 for x <= 0. */
double tl_chi2_cdf(double x, double k);
/* P(X > x); 1 for x <= 0; full relative accuracy in the upper tail. */
double tl_chi2_sf(double x, double k);

/* ---- one-pass accumulators (zero-initialize: struct tl_moments m = {0};) ---- */

/* Count, mean and sum of squared deviations of one variable. */
struct tl_moments {
	double n, mean, m2;
};

/* Add one observation (Welford update). */
void tl_moments_add(struct tl_moments *m, double x);
/* Fold accumulator b into a, as if all of b's values had been added to a. */
void tl_moments_merge(struct tl_moments *a, const struct tl_moments *b);
/* Sample variance m2/(n-1); NaN when n < 2. */
double tl_moments_var(const struct tl_moments *m);
/* Sample standard deviation sqrt(var); NaN when n < 2. */
double tl_moments_sd(const struct tl_moments *m);

/* Co-moments of a pair (x, y): means, sums of squared deviations and of cross products. */
struct tl_comoments {
	double n, mean_x, mean_y, m2x, m2y, cxy;
};

/* Add one pair (x, y). */
void tl_comoments_add(struct tl_comoments *c, double x, double y);
/* Fold accumulator b into a. */
void tl_comoments_merge(struct tl_comoments *a, const struct tl_comoments *b);
/* Sample covariance cxy/(n-1); NaN when n < 2. */
double tl_comoments_cov(const struct tl_comoments *c);
/* Sample variance of x, m2x/(n-1); NaN when n < 2. */
double tl_comoments_var_x(const struct tl_comoments *c);
/* Sample variance of y, m2y/(n-1); NaN when n < 2. */
double tl_comoments_var_y(const struct tl_comoments *c);

/* Kahan-Neumaier compensated sum (zero-initialize). */
struct tl_ksum {
	double sum, comp;
};

/* Add x to the compensated sum. */
void tl_ksum_add(struct tl_ksum *k, double x);
/* Current value of the sum (sum + compensation). */
double tl_ksum_value(const struct tl_ksum *k);

#endif
