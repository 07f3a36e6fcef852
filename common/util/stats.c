/* stats.c - special functions (log Beta, incomplete beta and gamma); the
 * distributions are in stats_dist.c, the accumulators in stats_acc.c.
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
 *  [She]  Shewchuk, "Adaptive precision floating-point arithmetic and fast
 *         robust geometric predicates", Discrete & Computational Geometry
 *         18 (1997) 305-363 (GROW-EXPANSION; the final rounding as in
 *         Python's math.fsum).
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
#define EULER_GAMMA 0.57721566490153286061
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
double tl_betainc_xy(double a, double b, double x, double y)
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
	return tl_betainc_xy(a, b, x, 1 - x);
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
