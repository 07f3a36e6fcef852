/* tests.c - the tests of tl-abtest on summaries (DESIGN §8): pure
 * functions of moments and counts, no accumulator.
 *
 * Sources of the formulas:
 *  [Welch]  B. L. Welch, "The generalization of Student's problem when
 *           several different population variances are involved",
 *           Biometrika 34 (1947) 28-35; Satterthwaite, Biometrics 2 (1946).
 *  [DM]     Deng, Knoblich & Lu, "Applying the delta method in metric
 *           analytics", KDD 2018: Var(Yt/Yc) by the delta method.
 *  [New]    R. G. Newcombe, "Interval estimation for the difference between
 *           independent proportions", Stat. Med. 17 (1998) 873-890, method 10
 *           (hybrid score interval from two Wilson intervals).
 *  [Wil]    E. B. Wilson, JASA 22 (1927) 209-212 (score interval).
 *  [Holm]   S. Holm, Scand. J. Statist. 6 (1979) 65-70.
 *  [BH]     Benjamini & Hochberg, JRSS B 57 (1995) 289-300.
 *  [CUPED]  Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online
 *           controlled experiments by utilizing pre-experiment data",
 *           WSDM 2013.
 *  [mSPRT]  Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests",
 *           KDD 2017, and "Always valid inference", Oper. Res. 70 (2022).
 */
#include "abtest/abtest.h"

#include <math.h>
#include <stdlib.h>

#include "util/err.h"

/* ==== tests on summaries ================================================ */

/* z_{1-alpha/2}: the two-sided normal critical value. */
static double zcrit(double alpha)
{
	return tl_norm_quantile(1 - alpha / 2);
}

static void test_init(struct tl_ab_test *r)
{
	r->diff = r->diff_lo = r->diff_hi = NAN;
	r->lift = r->lift_lo = r->lift_hi = NAN;
	r->stat = r->df = r->p = NAN;
	r->note = NULL;
}

void tl_ab_lift(double mc, double vmc, double mt, double vmt, double alpha,
		double *lift, double *lo, double *hi)
{
	*lift = *lo = *hi = NAN;
	if (!(mc != 0) || isnan(mt) || isinf(mc))
		return;
	/* [DM]: Var(mt/mc) = Var(mt)/mc^2 + mt^2 Var(mc)/mc^4 (independent arms) */
	double var = vmt / (mc * mc) + (mt / mc) * (mt / mc) * vmc / (mc * mc);
	double h = zcrit(alpha) * sqrt(var);
	*lift = (mt - mc) / mc;
	*lo = *lift - h;
	*hi = *lift + h;
}

void tl_ab_mean_ci(const struct tl_moments *m, double alpha, double *lo, double *hi)
{
	double h = tl_t_quantile(1 - alpha / 2, m->n - 1) * tl_moments_sd(m) / sqrt(m->n);
	*lo = m->mean - h;
	*hi = m->mean + h;
}

void tl_ab_welch(const struct tl_moments *c, const struct tl_moments *t, double alpha,
		 struct tl_ab_test *r)
{
	test_init(r);
	if (c->n < 1 || t->n < 1) {
		r->note = "an arm has no values";
		return;
	}
	r->diff = t->mean - c->mean;
	if (c->n < 2 || t->n < 2) {
		r->note = "fewer than 2 values in an arm: no variance, no t-test";
		return;
	}
	double vc = tl_moments_var(c) / c->n, vt = tl_moments_var(t) / t->n, v = vc + vt;
	tl_ab_lift(c->mean, vc, t->mean, vt, alpha, &r->lift, &r->lift_lo, &r->lift_hi);
	if (!(v > 0)) {
		r->note = "zero variance in both arms: the t-test is undefined";
		r->lift_lo = r->lift_hi = NAN;
		return;
	}
	/* [Welch]: df = v^2 / (vc^2/(nc-1) + vt^2/(nt-1)), written with the
	 * shares vc/v, vt/v so that tiny variances do not underflow */
	double sc = vc / v, st = vt / v, se = sqrt(v);
	r->df = 1 / (sc * sc / (c->n - 1) + st * st / (t->n - 1));
	r->stat = r->diff / se;
	r->p = tl_t_sf2(r->stat, r->df);
	double h = tl_t_quantile(1 - alpha / 2, r->df) * se;
	r->diff_lo = r->diff - h;
	r->diff_hi = r->diff + h;
	if (isnan(r->lift) && !r->note)
		r->note = "control mean is 0: the lift is undefined";
}

void tl_ab_wilson(double x, double n, double alpha, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!(n > 0) || x < 0 || x > n)
		return;
	double z = zcrit(alpha), z2 = z * z, p = x / n;
	double den = 1 + z2 / n, mid = (p + z2 / (2 * n)) / den;
	double h = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den;
	*lo = mid - h < 0 ? 0 : mid - h;
	*hi = mid + h > 1 ? 1 : mid + h;
}

void tl_ab_two_prop(const struct tl_moments *c, const struct tl_moments *t, double alpha,
		    struct tl_ab_test *r)
{
	test_init(r);
	if (c->n < 1 || t->n < 1) {
		r->note = "an arm has no values";
		return;
	}
	double nc = c->n, nt = t->n, xc = round(c->mean * nc), xt = round(t->mean * nt);
	double pc = xc / nc, pt = xt / nt, lc, uc, lt, ut;
	r->diff = pt - pc;
	/* [New] method 10 from the Wilson intervals [Wil] of both arms */
	tl_ab_wilson(xc, nc, alpha, &lc, &uc);
	tl_ab_wilson(xt, nt, alpha, &lt, &ut);
	r->diff_lo = r->diff - sqrt((pt - lt) * (pt - lt) + (uc - pc) * (uc - pc));
	r->diff_hi = r->diff + sqrt((ut - pt) * (ut - pt) + (pc - lc) * (pc - lc));
	tl_ab_lift(pc, pc * (1 - pc) / nc, pt, pt * (1 - pt) / nt, alpha, &r->lift, &r->lift_lo,
		   &r->lift_hi);
	double pool = (xc + xt) / (nc + nt);
	double se0 = sqrt(pool * (1 - pool) * (1 / nc + 1 / nt));
	if (!(se0 > 0)) {
		r->note = pool == 0 ? "every value is 0: the z-test is undefined"
				    : "every value is 1: the z-test is undefined";
		return;
	}
	r->stat = r->diff / se0;
	r->p = 2 * tl_norm_sf(fabs(r->stat));
	if (isnan(r->lift))
		r->note = "control proportion is 0: the lift is undefined";
}

double tl_ab_srm(const double *obs, const double *weight, int k, double *chi2)
{
	double n = 0, w = 0, x = 0;
	for (int i = 0; i < k; i++)
		n += obs[i], w += weight[i];
	*chi2 = NAN;
	if (!(n > 0) || !(w > 0) || k < 2)
		return NAN;
	for (int i = 0; i < k; i++) {
		double e = n * weight[i] / w;
		x += (obs[i] - e) * (obs[i] - e) / e;
	}
	*chi2 = x;
	return tl_chi2_sf(x, k - 1);
}

double tl_ab_homogeneity(const double *tab, int rows, int cols, double *chi2, double *df)
{
	double n = 0, x = 0;
	int nr = 0, nc = 0;
	*chi2 = *df = NAN;
	double *rs = tl_xcalloc((size_t)rows + (size_t)cols, sizeof *rs), *cs = rs + rows;
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++)
			rs[i] += tab[i * cols + j], cs[j] += tab[i * cols + j], n += tab[i * cols + j];
	for (int i = 0; i < rows; i++)
		nr += rs[i] > 0;
	for (int j = 0; j < cols; j++)
		nc += cs[j] > 0;
	if (nr < 2 || nc < 2) {
		free(rs);
		return NAN;
	}
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++) {
			double e = rs[i] * cs[j] / n;
			if (e > 0)
				x += (tab[i * cols + j] - e) * (tab[i * cols + j] - e) / e;
		}
	free(rs);
	*chi2 = x;
	*df = (double)(nr - 1) * (nc - 1);
	return tl_chi2_sf(x, *df);
}

struct pidx {
	double p;
	size_t i;
};

static int pidx_cmp(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void tl_ab_adjust(const double *p, size_t m, enum tl_ab_correction c, double *adj)
{
	struct pidx *s = tl_xmalloc((m ? m : 1) * sizeof *s);
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		adj[i] = p[i];
		if (!isnan(p[i]))
			s[k++] = (struct pidx){p[i], i};
	}
	qsort(s, k, sizeof *s, pidx_cmp);
	if (c == TL_AB_HOLM) {  /* [Holm]: max_{j<=i} (k-j) p_(j), capped at 1 */
		double run = 0;
		for (size_t i = 0; i < k; i++) {
			double v = fmin(1, (double)(k - i) * s[i].p);
			run = fmax(run, v);
			adj[s[i].i] = run;
		}
	} else if (c == TL_AB_BH) {  /* [BH]: min_{j>=i} k/j p_(j), capped at 1 */
		double run = 1;
		for (size_t i = k; i-- > 0;) {
			double v = fmin(1, (double)k / (double)(i + 1) * s[i].p);
			run = fmin(run, v);
			adj[s[i].i] = run;
		}
	}
	free(s);
}

double tl_ab_cuped(const struct tl_comoments cell[2], struct tl_moments out[2])
{
	struct tl_comoments all = cell[0];
	tl_comoments_merge(&all, &cell[1]);
	/* [CUPED]: theta = cov(Y,X)/var(X) of the pooled sample; the adjusted
	 * metric Y - theta (X - mean X) has variance var Y - 2 theta cov + theta^2 var X */
	double theta = all.m2x > 0 ? all.cxy / all.m2x : 0;
	for (int a = 0; a < 2; a++) {
		const struct tl_comoments *k = &cell[a];
		double m2 = k->m2y - 2 * theta * k->cxy + theta * theta * k->m2x;
		out[a].n = k->n;
		out[a].mean = k->mean_y - theta * (k->mean_x - all.mean_x);
		out[a].m2 = m2 > 0 ? m2 : 0;
	}
	return theta;
}

double tl_ab_sample_size(double sd, double delta, double alpha, double power)
{
	double z = zcrit(alpha) + tl_norm_quantile(power);
	double n = 2 * sd * sd * z * z / (delta * delta);
	if (!isfinite(n) || !(delta != 0))
		return NAN;
	return ceil(n * (1 - 1e-12));  /* an exact integer must not round up */
}

double tl_ab_power(double se, double delta, double alpha)
{
	double z = zcrit(alpha), d = fabs(delta) / se;
	if (!(se > 0))
		return NAN;
	return tl_norm_cdf(d - z) + tl_norm_cdf(-d - z);
}

double tl_ab_mde(double se, double alpha, double power)
{
	return (zcrit(alpha) + tl_norm_quantile(power)) * se;
}

void tl_ab_msprt(double diff, double var, double tau2, double alpha, double *p, double *lo,
		 double *hi)
{
	*p = *lo = *hi = NAN;
	if (!(var > 0) || !(tau2 > 0) || isnan(diff))
		return;
	/* [mSPRT]: Lambda = sqrt(V/(V+tau2)) exp(diff^2 tau2 / (2 V (V+tau2)));
	 * the sequence is {theta: Lambda(theta) < 1/alpha} */
	double r = var + tau2;
	double logl = 0.5 * log(var / r) + diff * diff * tau2 / (2 * var * r);
	double h = sqrt(var * r / tau2 * (log(r / var) - 2 * log(alpha)));
	*p = logl <= 0 ? 1 : exp(-logl);
	*lo = diff - h;
	*hi = diff + h;
}
