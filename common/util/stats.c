/* stats.c - special functions, distributions and one-pass accumulators.
 *
 * Sources of the algorithms (cited again at each function):
 *  [NR]   Press, Teukolsky, Vetterling, Flannery, Numerical Recipes, 3rd ed.,
 *         2007, sect. 6.2 (incomplete gamma: series and continued fraction)
 *         and 6.4 (incomplete beta: continued fraction, symmetry switch);
 *         modified Lentz method, sect. 5.2 (Lentz 1976, Thompson & Barnett 1986).
 *  [DM]   DiDonato & Morris, "Significant digit computation of the incomplete
 *         beta function ratios", ACM TOMS 18 (1992) 360-373 (TOMS 708): the
 *         large-parameter prefactor of I_x(a,b) written without cancellation.
 *  [Tem]  Temme, "Special Functions", Wiley 1996, sect. 11.2: the same for
 *         x^a e^-x / Gamma(a).
 *  [R]    R nmath lbeta.c / lgammacor.c / pgamma.c (Morten Welinder's
 *         log1pmx and lgamma1p): Stirling correction, lbeta for large args.
 *  [T654] DiDonato & Morris, "Computation of the incomplete gamma function
 *         ratios and their inverse", ACM TOMS 12 (1986) 377-393: the
 *         coefficients of Temme's expansion near eta = 0.
 *  [AS]   Abramowitz & Stegun, Handbook of Mathematical Functions, 1964:
 *         6.1.33 (series of log Gamma(1+a)), 6.1.41 (Stirling series),
 *         6.5.29 (series of the incomplete gamma), 26.7.1 and 26.7.5
 *         (Student t, Cornish-Fisher expansion), 26.4.19 (chi-square).
 *  [W88]  Wichura, "Algorithm AS 241: The percentage points of the normal
 *         distribution", Applied Statistics 37 (1988) 477-484 (PPND16).
 *  [Wel]  Welford, "Note on a method for calculating corrected sums of
 *         squares and products", Technometrics 4 (1962) 419-420.
 *  [CGL]  Chan, Golub & LeVeque, "Updating formulae and a pairwise algorithm
 *         for computing sample variances", Stanford STAN-CS-79-773 (1979);
 *         COMPSTAT 1982.
 *  [Neu]  Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation
 *         endlicher Summen", ZAMM 54 (1974) 39-51.
 *
 * Accuracy, measured against mpmath at 50-60 digits over grids of the whole
 * domain (relative errors): normal cdf, sf and quantile ~1e-16; t cdf and sf2
 * ~1e-14 for any df > 0 (deep tails p < 1e-30: about |log p| ulps); t quantile
 * ~1e-14 (times 1/df, its condition number, for df < 1); P, Q and chi-square
 * ~1e-14, about |log p| ulps in deep tails, and ~sqrt(a) ulps near the
 * centre for a > 1e6 (the condition number there); I_x(a,b) ~1e-14 and
 * |log p| ulps in deep tails, but the continued fraction loses accuracy when
 * one parameter is large and the other exceeds 1 (4e-12 at a = 1e5, b = 3
 * near the mode; 6e-13 at a = 3e6, b = 1e7; ~sqrt(a) ulps at a = b beyond
 * 1e8), and returns NaN if it does not converge within its budget.  Cases
 * with b <= 1 (the t distribution) use an asymptotic expansion instead.
 */
#include "util/stats.h"

#include <float.h>
#include <math.h>

#define LN_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */
#define TWO_PI 6.28318530717958647693
#define PI 3.14159265358979323846
#define EULER_GAMMA 0.57721566490153286061
#define TWO_OVER_SQRTPI 1.12837916709551257390
#define SQRT1_2_HI 0.70710678118654757274   /* sqrt(1/2) rounded to double */
#define SQRT1_2_LO (-4.8336466567264567e-17) /* sqrt(1/2) - SQRT1_2_HI */
#define FPMIN 1e-300                          /* Lentz: replaces a zero divisor */
#define CF_EPS (2 * DBL_EPSILON)              /* convergence of series and CFs */
#define TEMME_MIN_A 1e8                       /* gammainc: asymptotic from here */

/* Iteration budget for series and continued fractions whose length grows like
 * sqrt(s) near the transition region (s = the largest shape parameter). */
static long iter_limit(double s)
{
	double n = 1000 + 20 * sqrt(s);
	return n < 1e7 ? (long)n : 10000000L; /* NaN-safe */
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* lgammacor(x) = log Gamma(x) - ((x-1/2) log x - x + log sqrt(2 pi)) for
 * x >= 10, from the Stirling series [AS 6.1.41]; the first omitted term is
 * below 1e-18 at x = 10. */
static double lgammacor(double x)
{
	static const double c[] = {
		1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
		-691.0 / 360360, 1.0 / 156, -3617.0 / 122400,
	};
	double r = 1 / x, r2 = r * r, s = 0;
	for (int i = (int)(sizeof c / sizeof c[0]) - 1; i >= 0; i--)
		s = s * r2 + c[i];
	return s * r;
}

/* log(1+u) - u without cancellation for small |u| (after [R] log1pmx):
 * with r = u/(2+u), log(1+u) = 2 atanh(r) = 2r(1 + r^2/3 + r^4/5 + ...),
 * and 2r - u = -r u, hence log(1+u) - u = r (2 r^2 (1/3 + r^2/5 + ...) - u). */
static double log1pmx(double u)
{
	if (u < -0.5 || u > 1)
		return log1p(u) - u;
	double r = u / (2 + u), y = r * r, s = 0, p = 1;
	for (int k = 3; k < 200; k += 2) {
		double t = p / k;
		s += t;
		if (t < 1e-17 * s)
			break;
		p *= y;
	}
	return r * (2 * y * s - u);
}

/* log Gamma(1+a) for 0 <= a <= 0.5 with full relative accuracy, from
 * [AS 6.1.33] log Gamma(1+a) = -gamma a + sum_{k>=2} (-1)^k zeta(k) a^k / k,
 * split as -gamma a + (a - log1p(a)) + sum (-1)^k (zeta(k)-1) a^k / k
 * (the second sum converges like (a/2)^k). zeta(k)-1 to 17 digits. */
static double lgamma1p_small(double a)
{
	static const double zm1[] = { /* zeta(k) - 1, k = 2..30 */
		6.44934066848226406e-01, 2.02056903159594292e-01, 8.23232337111381857e-02,
		3.69277551433699266e-02, 1.73430619844491402e-02, 8.34927738192282713e-03,
		4.07735619794433960e-03, 2.00839282608221426e-03, 9.94575127818085256e-04,
		4.94188604119464529e-04, 2.46086553308048320e-04, 1.22713347578489145e-04,
		6.12481350587048277e-05, 3.05882363070204933e-05, 1.52822594086518710e-05,
		7.63719763789976257e-06, 3.81729326499984022e-06, 1.90821271655393897e-06,
		9.53962033872796212e-07, 4.76932986787806447e-07, 2.38450502727733004e-07,
		1.19219925965311064e-07, 5.96081890512594801e-08, 2.98035035146522793e-08,
		1.49015548283650427e-08, 7.45071178983543006e-09, 3.72533402478845728e-09,
		1.86265972351304914e-09, 9.31327432419668166e-10,
	};
	double s = 0;
	for (int k = 30; k >= 2; k--) /* Horner in a: sum (-1)^k zm1[k] a^k / k */
		s = s * a + ((k & 1) ? -zm1[k - 2] : zm1[k - 2]) / k;
	return -EULER_GAMMA * a - log1pmx(a) + s * a * a;
}

/* log B(a,b); for large arguments through the Stirling correction so that
 * the huge lgamma terms do not cancel [R lbeta.c]. */
double tl_lbeta(double a, double b)
{
	if (isnan(a) || isnan(b) || a <= 0 || b <= 0)
		return NAN;
	double p = a < b ? a : b, q = a < b ? b : a;
	if (isinf(q))
		return -INFINITY;
	if (p >= 10) {
		double corr = lgammacor(p) + lgammacor(q) - lgammacor(p + q);
		return -0.5 * log(q) + LN_SQRT_2PI + corr + (p - 0.5) * log(p / (p + q)) +
		       q * log1p(-p / (p + q));
	}
	if (q >= 10) {
		double corr = lgammacor(q) - lgammacor(p + q);
		return lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q));
	}
	return lgamma(p) + lgamma(q) - lgamma(p + q);
}

/* a (log(1+u) - u) where 1+u = r/r0 is a ratio of positive numbers, u given:
 * near u = 0 through log1pmx; for r < r0/2 from log r - log r0 (lr, lr0),
 * since 1+u would have lost the relative accuracy of a tiny ratio. */
static double ratio_term(double a, double u, double lr, double lr0)
{
	return a * (u < -0.5 ? (lr - lr0) - u : log1pmx(u));
}

/* x^a y^b / B(a,b) with y = 1-x given separately (no loss when x is near 1).
 * For a, b >= 10 in the form of [DM] (TOMS 708 brcomp): with
 * d = (a+b)(x - x0), x0 = a/(a+b), the huge terms of a log x + b log y - lbeta
 * cancel analytically, leaving (x/x0)^a (y/y0)^b = exp(a (log(1+d/a) - d/a)
 * + b (log(1-d/b) + d/b)) and the Stirling form of B(a,b). */
static double beta_front(double a, double b, double x, double y)
{
	double lx = x <= 0.5 ? log(x) : log1p(-y);
	double ly = y <= 0.5 ? log(y) : log1p(-x);
	if (a >= 10 && b >= 10) {
		double d = x * b - y * a;
		double e = ratio_term(a, d / a, lx, -log1p(b / a)) +
			   ratio_term(b, -d / b, ly, -log1p(a / b));
		double corr = lgammacor(a) + lgammacor(b) - lgammacor(a + b);
		return sqrt(b * (a / (a + b)) / TWO_PI) * exp(e - corr);
	}
	double lb = tl_lbeta(a, b);
	if (fabs(lb) < 700) { /* pow is exact to ~1 ulp even for large a log x */
		double px = x <= 0.5 ? pow(x, a) : exp(a * lx);
		double py = y <= 0.5 ? pow(y, b) : exp(b * ly);
		if (px >= DBL_MIN && py >= DBL_MIN) /* ordered against underflow */
			return lb < 0 ? px * exp(-lb) * py : px * py * exp(-lb);
	}
	return exp(a * lx + b * ly - lb);
}

/* Continued fraction for I_x(a,b) [NR 6.4, betacf], evaluated by the modified
 * Lentz method [NR 5.2]; converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab / qap * x, h;
	long lim = iter_limit(a > b ? a : b);
	if (fabs(d) < FPMIN)
		d = FPMIN;
	d = 1 / d;
	h = d;
	for (long k = 1; k <= lim; k++) {
		double m = (double)k, m2 = 2 * m, aa, del;
		/* the coefficients, ordered so that no product overflows for huge a, b */
		aa = m * x / (a + m2) * ((b - m) / (qam + m2)); /* even step */
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < FPMIN ? FPMIN : d);
		c = fabs(c) < FPMIN ? FPMIN : c;
		h *= d * c;
		aa = -((a + m) / (a + m2)) * ((qab + m) / (qap + m2)) * x; /* odd step */
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < FPMIN ? FPMIN : d);
		c = fabs(c) < FPMIN ? FPMIN : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < CF_EPS)
			return h;
	}
	return NAN; /* not converged within the budget */
}

/* I_x(a,b) for a >= 15, b <= 1 by the asymptotic expansion for large a of
 * [DM] sect. 9 (TOMS 708 bgrat, after Temme): with nu = a + (b-1)/2 and
 * z = -nu log x,  I_x(a,b) = G (Q(b,z) + r sum_n d_n J_n),
 * G = Gamma(a+b)/(Gamma(a) nu^b), r = e^-z z^b / Gamma(b), J_0 = Q(b,z)/r,
 * J_n = ((b+2n-2)(b+2n-1) J_{n-1} + (z+b+2n-1) (log(x)/2)^(2n-2)) / (4 nu^2),
 * d_n the coefficients of (sinh(s/2)/(s/2))^(b-1) in s^2n.  Uses only log x
 * = log1p(-y), so it keeps full accuracy for x near 1, where the continued
 * fraction in x cancels (t distribution with large df).  Returns -1 when
 * the expansion does not settle. */
static double beta_grat(double a, double b, double x, double y)
{
	double bm1 = b - 1, nu = a + 0.5 * bm1;
	double lnx = y > 0.375 ? log(x) : log1p(-y), z = -nu * lnx;
	double lg = (a + b - 0.5) * log1p(b / a) - b - b * log1p(0.5 * bm1 / a) +
		    lgammacor(a + b) - lgammacor(a);
	double q = tl_gammainc_q(b, z), r = exp(b * log(z) - z - lgamma(b));
	double c[31], d[31], v = 0.25 / (nu * nu), t2 = 0.25 * lnx * lnx;
	double j, sum, t = 1, cn = 1;
	if (r == 0 || !(q > 0))
		return exp(lg) * q;
	j = q / r;
	sum = j;
	for (int n = 1, n2 = 0; n <= 30; n++) {
		double bp2n = b + n2, s = 0, coef = b - n;
		j = (bp2n * (bp2n + 1) * j + (z + bp2n + 1) * t) * v;
		n2 += 2;
		t *= t2;
		cn /= n2 * (n2 + 1.0);
		c[n] = cn;
		for (int i = 1; i < n; i++, coef += b)
			s += coef * c[i] * d[n - i];
		d[n] = bm1 * cn + s / n;
		sum += d[n] * j;
		if (!(sum > 0))
			return -1;
		if (fabs(d[n] * j) <= 1e-16 * sum)
			return exp(lg) * r * sum;
	}
	return -1;
}

/* I_x(a,b) with y = 1 - x supplied accurately; uses the symmetry
 * I_x(a,b) = 1 - I_y(b,a) when x > (a+1)/(a+b+2) [NR 6.4]. */
static double betainc_xy(double a, double b, double x, double y)
{
	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	double thr = (a + 1) / (a + b + 2);
	if (a >= 15 && b <= 1 && y < 0.5) {
		double g = beta_grat(a, b, x, y);
		if (g >= 0)
			return clamp01(g);
	}
	if (b >= 15 && a <= 1 && x < 0.5 && x >= thr) { /* the mirror image */
		double g = beta_grat(b, a, y, x);
		if (g >= 0)
			return clamp01(1 - g);
	}
	double f = beta_front(a, b, x, y);
	if (f == 0) /* x^a y^b / B(a,b) underflows: so does the tail that holds x */
		return x < thr ? 0 : 1;
	if (x < thr)
		return clamp01(f * beta_cf(a, b, x) / a);
	return clamp01(1 - f * beta_cf(b, a, y) / b);
}

double tl_betainc(double a, double b, double x)
{
	if (isnan(a) || isnan(b) || isnan(x) || !(a > 0) || !(b > 0) || isinf(a) ||
	    isinf(b) || x < 0 || x > 1)
		return NAN;
	return betainc_xy(a, b, x, 1 - x);
}

/* x^a e^-x / Gamma(a), x > 0.  For a >= 10 in Temme's form [Tem 11.2]:
 * sqrt(a/(2 pi)) exp(a (log(1+u) - u) - lgammacor(a)), u = (x-a)/a,
 * which avoids the cancellation of a log x - x - lgamma(a). */
static double gamma_front(double a, double x)
{
	if (a >= 10) {
		double r = x / a, lr = r > DBL_MIN ? log(r) : log(x) - log(a);
		return sqrt(a / TWO_PI) * exp(ratio_term(a, (x - a) / a, lr, 0) - lgammacor(a));
	}
	double e = a * log(x) - lgamma(a);
	if (x < 708) /* -x is exact and exp(-x) still normal: no rounding of e - x */
		return exp(e) * exp(-x);
	return exp(e - x);
}

/* P(a,x) by the series [AS 6.5.29], [NR 6.2 gser]; for x < a+1. */
static double gamma_p_series(double a, double x)
{
	double sum = 1 / a, del = sum, ap = a;
	long lim = iter_limit(a);
	for (long n = 0; n < lim; n++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (del < sum * CF_EPS)
			break;
	}
	return sum * gamma_front(a, x);
}

/* Q(a,x) by the Legendre continued fraction [NR 6.2 gcf], modified Lentz;
 * for x >= a+1. */
static double gamma_q_cf(double a, double x)
{
	double b = x + 1 - a, c = 1 / FPMIN, d = 1 / b, h = d;
	long lim = iter_limit(a);
	for (long k = 1; k <= lim; k++) {
		double i = (double)k, an = -i * (i - a), del;
		b += 2;
		d = an * d + b;
		c = b + an / c;
		d = 1 / (fabs(d) < FPMIN ? FPMIN : d);
		c = fabs(c) < FPMIN ? FPMIN : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < CF_EPS)
			break;
	}
	return h * gamma_front(a, x);
}

/* Q(a,x) for a < 0.5, x < 1.5, where 1 - P would cancel.  From
 * gamma(a,x) = sum_n (-1)^n x^(a+n) / (n! (a+n)) [AS 6.5.29]:
 * Q = 1 - x^a/Gamma(1+a) (1 + a T),  T = sum_{n>=1} (-1)^n x^n / (n! (a+n)),
 * with 1 - x^a/Gamma(1+a) = -expm1(a log x - lgamma1p(a)) (cf. [R] pgamma.c). */
static double gamma_q_small_a(double a, double x)
{
	double w = a * log(x) - lgamma1p_small(a);
	double term = 1, t = 0;
	for (int n = 1; n < 200; n++) {
		term *= -x / n;
		double d = term / (a + n);
		t += d;
		if (fabs(d) <= 1e-17 * fabs(t))
			break;
	}
	return -expm1(w) - exp(w) * a * t;
}

/* P(a,x) or Q(a,x) for very large a by Temme's uniform asymptotic expansion
 * [Tem 11.2.4]: Q = erfc(eta sqrt(a/2))/2 + e^(-a eta^2/2)/sqrt(2 pi a) C0(eta)
 * + O(a^-3/2 e^(-a eta^2/2)), where eta^2/2 = lambda - 1 - log lambda,
 * lambda = x/a, sign(eta) = sign(lambda - 1), C0 = 1/(lambda-1) - 1/eta
 * (its Taylor series near eta = 0 from [T654]).
 * The omitted term is O(a^-3/2) relative: ~2e-15 at a = 1e8 (where the series
 * and the continued fraction need ~1e5 terms and lose ~sqrt(a) ulps). */
static double gamma_temme(double a, double x, int upper)
{
	double u = (x - a) / a, eta = copysign(sqrt(-2 * log1pmx(u)), u), c0, r, s;
	if (fabs(eta) < 0.01)
		c0 = ((((-139.0 / 777600 * eta + 1.0 / 2835) * eta + 1.0 / 864) * eta -
		       2.0 / 135) * eta + 1.0 / 12) * eta - 1.0 / 3;
	else
		c0 = 1 / u - 1 / eta;
	r = exp(-0.5 * a * eta * eta) / sqrt(TWO_PI * a) * c0;
	s = eta * sqrt(0.5 * a);
	return upper ? 0.5 * erfc(s) + r : 0.5 * erfc(-s) - r;
}

/* P(a,x) (upper = 0) or Q(a,x) (upper = 1), each computed directly where it
 * is the smaller one, so that small results keep full relative accuracy. */
static double gammainc(double a, double x, int upper)
{
	if (isnan(a) || isnan(x) || !(a > 0) || isinf(a) || x < 0)
		return NAN;
	if (x == 0)
		return upper ? 1 : 0;
	if (isinf(x))
		return upper ? 0 : 1;
	if (upper && a < 0.5 && x < 1.5)
		return clamp01(gamma_q_small_a(a, x));
	if (a >= TEMME_MIN_A)
		return clamp01(gamma_temme(a, x, upper));
	if (x < a + 1) {
		double p = clamp01(gamma_p_series(a, x));
		return upper ? 1 - p : p;
	}
	double q = clamp01(gamma_q_cf(a, x));
	return upper ? q : 1 - q;
}

double tl_gammainc_p(double a, double x)
{
	return gammainc(a, x, 0);
}

double tl_gammainc_q(double a, double x)
{
	return gammainc(a, x, 1);
}

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
	return betainc_xy(0.5 * df, 0.5, x, y);
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
		double g = betainc_xy(0.5, 0.5 * df, y, x) - target; /* increasing in t */
		if (isnan(g))
			return *lo = NAN;
		*(g < 0 ? lo : hi) = t;
		return t - g / (2 * exp(lpdf));
	}
	double tail = 0.5 * betainc_xy(0.5 * df, 0.5, x, y); /* decreasing in t */
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
		if (central ? betainc_xy(0.5, 0.5 * df, y, x) < target
			    : 0.5 * betainc_xy(0.5 * df, 0.5, x, y) > target)
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

/* Welford's update [Wel]: mean_n = mean + d/n, m2 += d (x - mean_n). */
void tl_moments_add(struct tl_moments *m, double x)
{
	double d = x - m->mean;
	m->n += 1;
	m->mean += d / m->n;
	m->m2 += d * (x - m->mean);
}

/* Pairwise combination [CGL]: with delta = mean_b - mean_a,
 * mean = mean_a + delta n_b/n, m2 = m2_a + m2_b + delta^2 n_a n_b / n. */
void tl_moments_merge(struct tl_moments *a, const struct tl_moments *b)
{
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double n = a->n + b->n, delta = b->mean - a->mean;
	a->mean += delta * (b->n / n);
	a->m2 += b->m2 + delta * delta * (a->n * (b->n / n));
	a->n = n;
}

double tl_moments_var(const struct tl_moments *m)
{
	return m->n < 2 ? NAN : m->m2 / (m->n - 1);
}

double tl_moments_sd(const struct tl_moments *m)
{
	return sqrt(tl_moments_var(m));
}

/* Bivariate Welford update [Wel]: C += (x - mean_x_old)(y - mean_y_new). */
void tl_comoments_add(struct tl_comoments *c, double x, double y)
{
	double dx = x - c->mean_x, dy = y - c->mean_y;
	c->n += 1;
	c->mean_x += dx / c->n;
	c->mean_y += dy / c->n;
	c->m2x += dx * (x - c->mean_x);
	c->m2y += dy * (y - c->mean_y);
	c->cxy += dx * (y - c->mean_y);
}

/* Pairwise combination [CGL] of co-moments: cxy = cxy_a + cxy_b + dx dy n_a n_b / n. */
void tl_comoments_merge(struct tl_comoments *a, const struct tl_comoments *b)
{
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double n = a->n + b->n, dx = b->mean_x - a->mean_x, dy = b->mean_y - a->mean_y;
	double w = a->n * (b->n / n);
	a->mean_x += dx * (b->n / n);
	a->mean_y += dy * (b->n / n);
	a->m2x += b->m2x + dx * dx * w;
	a->m2y += b->m2y + dy * dy * w;
	a->cxy += b->cxy + dx * dy * w;
	a->n = n;
}

double tl_comoments_cov(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->cxy / (c->n - 1);
}

double tl_comoments_var_x(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->m2x / (c->n - 1);
}

double tl_comoments_var_y(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->m2y / (c->n - 1);
}

/* Neumaier's variant of Kahan summation [Neu]: the lost low part of each
 * addition goes into comp, whichever operand is larger. */
void tl_ksum_add(struct tl_ksum *k, double x)
{
	double t = k->sum + x;
	if (fabs(k->sum) >= fabs(x))
		k->comp += (k->sum - t) + x;
	else
		k->comp += (x - t) + k->sum;
	k->sum = t;
}

double tl_ksum_value(const struct tl_ksum *k)
{
	return k->sum + k->comp;
}
