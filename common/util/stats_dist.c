/* stats_dist.c - the normal, Student t and chi-square distributions, on the
 * special functions of stats.c. The sources ([W88], [AS], [NR]) and the
 * accuracy measured: the comment at the top of stats.c. */
#include "util/stats.h"

#include <float.h>
#include <math.h>

#define PI 3.14159265358979323846
#define TWO_OVER_SQRTPI 1.12837916709551257390
#define SQRT1_2_HI 0.70710678118654757274   /* sqrt(1/2) rounded to double */
#define SQRT1_2_LO (-4.8336466567264567e-17) /* sqrt(1/2) - SQRT1_2_HI */

/* erfc(z / sqrt 2) with the product z/sqrt(2) carried as hi + lo (fma), and
 * erfc(hi + lo) = erfc(hi) - (2/sqrt pi) exp(-hi^2) lo to first order, so the
 * rounding of the argument does not cost ~z^2 ulps in the far tail. */
static double erfc_sqrt1_2(double z)
{
	double hi = z * SQRT1_2_HI;
	double lo = fma(z, SQRT1_2_HI, -hi) + z * SQRT1_2_LO;
	double r = erfc(hi);
	if (r == 0 || isinf(z))
		return r;
	return r - TWO_OVER_SQRTPI * exp(-hi * hi) * lo;
}

double tl_norm_cdf(double z)
{
	return 0.5 * erfc_sqrt1_2(-z);
}

double tl_norm_sf(double z)
{
	return 0.5 * erfc_sqrt1_2(z);
}

/* Rational approximation of [W88] AS 241 PPND16, relative accuracy ~1e-16.
 * The coefficients are those printed in the paper. */
double tl_norm_quantile(double p)
{
	static const double a[8] = {
		3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
		1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
		3.3430575583588128105e+4, 2.5090809287301226727e+3};
	static const double b[8] = {
		1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
		5.3941960214247511077e+3, 2.1213794301586595867e+4, 3.9307895800092710610e+4,
		2.8729085735721942674e+4, 5.2264952788528545610e+3};
	static const double c[8] = {
		1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
		3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
		2.27238449892691845833e-2, 7.74545014278341407640e-4};
	static const double d[8] = {
		1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
		6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2,
		5.47593808499534494600e-4, 1.05075007164441684324e-9};
	static const double e[8] = {
		6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
		2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
		2.71155556874348757815e-5, 2.01033439929228813265e-7};
	static const double f[8] = {
		1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
		1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5,
		1.42151175831644588870e-7, 2.04426310338993978564e-15};
	const double *num, *den;
	double q = p - 0.5, r, val, pn = 0, pd = 0;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0 || p == 1)
		return p == 0 ? -INFINITY : INFINITY;
	if (fabs(q) <= 0.425) {
		r = 0.180625 - q * q;
		num = a, den = b;
	} else {
		r = sqrt(-log(q < 0 ? p : 1 - p));
		if (r <= 5)
			r -= 1.6, num = c, den = d;
		else
			r -= 5, num = e, den = f;
	}
	for (int i = 7; i >= 0; i--) {
		pn = pn * r + num[i];
		pd = pd * r + den[i];
	}
	val = pn / pd;
	if (fabs(q) <= 0.425)
		return q * val;
	return q < 0 ? -val : val;
}

/* x = df/(df+t^2) and y = t^2/(df+t^2) = 1 - x, without overflow of t^2. */
static void t_xy(double t, double df, double *x, double *y)
{
	double t2 = t * t;
	if (t2 > df) {
		double r = df / fabs(t) / fabs(t);
		*x = r / (1 + r);
		*y = 1 / (1 + r);
	} else {
		double r = t2 / df;
		*x = 1 / (1 + r);
		*y = r / (1 + r);
	}
}

static int bad_df(double df)
{
	return isnan(df) || !(df > 0);
}

/* P(|T| >= |t|) = I_x(df/2, 1/2), x = df/(df+t^2) [AS 26.7.1]. */
double tl_t_sf2(double t, double df)
{
	double x, y;
	if (isnan(t) || bad_df(df))
		return NAN;
	if (isinf(df))
		return erfc_sqrt1_2(fabs(t));
	t_xy(t, df, &x, &y);
	return tl_betainc_xy(0.5 * df, 0.5, x, y);
}

double tl_t_cdf(double t, double df)
{
	if (isnan(t) || bad_df(df))
		return NAN;
	if (isinf(df))
		return tl_norm_cdf(t);
	double tail = 0.5 * tl_t_sf2(t, df); /* P(T > |t|) */
	return t < 0 ? tail : 1 - tail;
}

/* log of the t density: -log(sqrt(df) B(df/2,1/2)) - (df+1)/2 log(1+t^2/df). */
static double t_logpdf(double t, double df)
{
	return -0.5 * log(df) - tl_lbeta(0.5 * df, 0.5) - 0.5 * (df + 1) * log1p(t / df * t);
}

/* An upper bound of the t > 0 with P(T > t) = q: the density is below
 * its power-law envelope, so P(T > t) < df^(df/2-1) t^-df / B(df/2,1/2) =: U(t);
 * U(t_U) = q gives P(T > t_U) < q.  May be +inf. */
static double t_upper_bound(double q, double df)
{
	double lb = tl_lbeta(0.5 * df, 0.5), m = df * exp(lb) * q;
	if (m >= DBL_MIN && isfinite(m)) /* pow: no rounding of a large log */
		return sqrt(df) * pow(m, -1 / df);
	return exp(0.5 * log(df) - (log(df) + lb + log(q)) / df);
}

/* Cornish-Fisher start for the upper-q point of t [AS 26.7.5]. */
static double t_guess(double q, double df)
{
	double z = -tl_norm_quantile(q), z2 = z * z;
	double g1 = (z2 + 1) * z / 4;
	double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
	double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
	double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
	return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/* One Newton step for the t >= 0 that solves either P(T > t) = q (central = 0;
 * Newton in log t on log P, nearly linear for power-law tails) or
 * P(|T| < t) = c (central = 1; Newton in t).  Narrows [*lo, *hi]; sets *lo
 * to NaN when the cdf cannot be computed. */
static double t_newton_step(double t, double df, double target, int central,
			    double *lo, double *hi)
{
	double x, y, lpdf = t_logpdf(t, df);
	t_xy(t, df, &x, &y);
	if (central) {
		double g = tl_betainc_xy(0.5, 0.5 * df, y, x) - target; /* increasing in t */
		if (isnan(g))
			return *lo = NAN;
		*(g < 0 ? lo : hi) = t;
		return t - g / (2 * exp(lpdf));
	}
	double tail = 0.5 * tl_betainc_xy(0.5 * df, 0.5, x, y); /* decreasing in t */
	if (isnan(tail))
		return *lo = NAN;
	*(tail > target ? lo : hi) = t;
	if (tail <= 0)
		return NAN;
	double lr = log(tail / target); /* log(tail/q) without cancellation */
	if (!isfinite(lr))
		lr = log(tail) - log(target);
	return t * exp(lr * exp(log(tail) - lpdf - log(t))); /* no underflow of pdf */
}

/* Safeguarded Newton iteration: a step that leaves the bracket is replaced
 * by bisection (geometric when the bracket spans decades). */
static double t_solve(double df, double target, int central, double hi)
{
	double lo = 0, t;
	hi *= 1 + 1e-9; /* the bound is exact in theory, not after rounding */
	if (isinf(hi)) {
		double x, y;
		t_xy(DBL_MAX, df, &x, &y);
		if (central ? tl_betainc_xy(0.5, 0.5 * df, y, x) < target
			    : 0.5 * tl_betainc_xy(0.5 * df, 0.5, x, y) > target)
			return INFINITY; /* the quantile is beyond DBL_MAX */
		hi = DBL_MAX;
	}
	t = t_guess(central ? 0.5 * (1 - target) : target, df);
	if (!(t > lo && t < hi))
		t = 0.5 * hi;
	for (int it = 0; it < 200; it++) {
		double tn = t_newton_step(t, df, target, central, &lo, &hi);
		if (isnan(lo)) /* the cdf failed (only for absurd df) */
			return NAN;
		if (!(tn > lo && tn < hi))
			tn = (lo > 0 && hi > 4 * lo) ? sqrt(lo) * sqrt(hi) : 0.5 * lo + 0.5 * hi;
		if (fabs(tn - t) <= 1e-15 * tn || lo >= hi)
			return tn;
		t = tn;
	}
	return t;
}

/* Quantile of t: closed forms for df = 1, 2 [AS 26.7]; otherwise a safeguarded
 * Newton iteration on the exact cdf.  With q the upper tail probability, the
 * equation is P(T > t) = q in the tail (q < 1/4) and P(|T| < t) = 1 - 2q near
 * the centre, each solved where it has full relative accuracy. */
double tl_t_quantile(double p, double df)
{
	double q, c, t;
	if (isnan(p) || bad_df(df) || p < 0 || p > 1)
		return NAN;
	if (isinf(df))
		return tl_norm_quantile(p);
	if (p == 0 || p == 1)
		return p == 0 ? -INFINITY : INFINITY;
	q = p < 0.5 ? p : 1 - p;       /* exact for p >= 1/2 */
	c = p < 0.5 ? 1 - 2 * p : 2 * p - 1; /* = 1 - 2q, exact for q >= 1/4 */
	if (c == 0)
		return 0;
	if (df == 1)
		t = q < 0.25 ? 1 / tan(PI * q) : tan(PI * 0.5 * c);
	else if (df == 2)
		t = c / sqrt(2 * q * (1 - q));
	else if (q < 0.25) {
		double tu = t_upper_bound(q, df);
		/* Far tail: P(T > t) = U(t) (1 + O(df/t^2)), so t_U is the answer
		 * (and t^2 would overflow in the cdf). */
		if (tu > 1e150 && df / tu / tu < 1e-17)
			t = tu;
		else
			t = t_solve(df, q, 0, tu);
	} else {
		t = t_solve(df, c, 1, t_upper_bound(q, df));
	}
	return p < 0.5 ? -t : t;
}

/* Chi-square with k degrees of freedom: P(k/2, x/2) [AS 26.4.19]. */
double tl_chi2_cdf(double x, double k)
{
	if (isnan(x) || bad_df(k))
		return NAN;
	return x <= 0 ? 0 : tl_gammainc_p(0.5 * k, 0.5 * x);
}

double tl_chi2_sf(double x, double k)
{
	if (isnan(x) || bad_df(k))
		return NAN;
	return x <= 0 ? 1 : tl_gammainc_q(0.5 * k, 0.5 * x);
}
