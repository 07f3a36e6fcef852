/* abtest.c - two-arm experiment statistics (DESIGN §8, issue 5).
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

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "util/err.h"
#include "io/json.h"
#include "util/rng.h"

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

/* ==== the accumulator =================================================== */

/* Running state of the sequential test of one (metric, segment). */
struct seq {
	double p, lo, hi;
	int looked;
};

struct seg {
	char *name;
	size_t len;
	double learners[2];
	struct tl_comoments *cell;   /* [metric * 2 + arm] */
	struct seq *seq;             /* [metric] */
};

struct tl_abtest {
	struct tl_ab_setup s;
	struct tl_ab_params p;
	char *arm[2];
	struct seg *seg;
	size_t nseg, segcap;
	size_t *slot, nslot;         /* hash table: segment index + 1, 0 = empty */
	unsigned long learners;
	struct seq *seq_all;         /* [metric] */
	char **owned;                /* strings of a merged setup */
	size_t nowned;
};

struct tl_abtest *tl_abtest_new(const struct tl_ab_setup *s, const struct tl_ab_params *p)
{
	struct tl_abtest *ab = tl_xcalloc(1, sizeof *ab);
	ab->s = *s;
	ab->p = *p;
	ab->arm[0] = tl_xstrdup(s->control);
	ab->nslot = 16;
	ab->slot = tl_xcalloc(ab->nslot, sizeof *ab->slot);
	ab->seq_all = tl_xcalloc(s->nmetrics ? s->nmetrics : 1, sizeof *ab->seq_all);
	return ab;
}

void tl_abtest_free(struct tl_abtest *ab)
{
	if (!ab)
		return;
	for (size_t i = 0; i < ab->nseg; i++) {
		free(ab->seg[i].name);
		free(ab->seg[i].cell);
		free(ab->seg[i].seq);
	}
	for (size_t i = 0; i < ab->nowned; i++)
		free(ab->owned[i]);
	free(ab->owned);
	free(ab->seg);
	free(ab->slot);
	free(ab->seq_all);
	free(ab->arm[0]);
	free(ab->arm[1]);
	free(ab);
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

int tl_abtest_arm(struct tl_abtest *ab, const char *name, size_t n)
{
	if (n == 0)
		return -1;
	if (same(name, n, ab->arm[0], strlen(ab->arm[0])))
		return 0;
	if (!ab->arm[1])
		ab->arm[1] = tl_xstrndup(name, n);
	return same(name, n, ab->arm[1], strlen(ab->arm[1])) ? 1 : -1;
}

const char *tl_abtest_arm_name(const struct tl_abtest *ab, int a)
{
	return ab->arm[a];
}

static void rehash(struct tl_abtest *ab)
{
	free(ab->slot);
	ab->nslot *= 2;
	ab->slot = tl_xcalloc(ab->nslot, sizeof *ab->slot);
	for (size_t i = 0; i < ab->nseg; i++) {
		size_t h = tl_hash64(ab->seg[i].name, ab->seg[i].len, 0) & (ab->nslot - 1);
		while (ab->slot[h])
			h = (h + 1) & (ab->nslot - 1);
		ab->slot[h] = i + 1;
	}
}

size_t tl_abtest_segment(struct tl_abtest *ab, const char *name, size_t n)
{
	size_t h = tl_hash64(name, n, 0) & (ab->nslot - 1);
	for (; ab->slot[h]; h = (h + 1) & (ab->nslot - 1)) {
		struct seg *g = &ab->seg[ab->slot[h] - 1];
		if (same(g->name, g->len, name, n))
			return ab->slot[h] - 1;
	}
	if (ab->nseg == ab->segcap) {
		ab->segcap = ab->segcap ? 2 * ab->segcap : 8;
		ab->seg = tl_xrealloc(ab->seg, ab->segcap * sizeof *ab->seg);
	}
	struct seg *g = &ab->seg[ab->nseg];
	memset(g, 0, sizeof *g);
	g->name = tl_xstrndup(name, n);
	g->len = n;
	g->cell = tl_xcalloc(2 * (ab->s.nmetrics ? ab->s.nmetrics : 1), sizeof *g->cell);
	g->seq = tl_xcalloc(ab->s.nmetrics ? ab->s.nmetrics : 1, sizeof *g->seq);
	ab->slot[h] = ++ab->nseg;
	if (2 * ab->nseg > ab->nslot)
		rehash(ab);
	return ab->nseg - 1;
}

static void look(struct tl_abtest *ab);

void tl_abtest_add(struct tl_abtest *ab, int a, size_t seg, const double *y, double x)
{
	struct seg *g = &ab->seg[seg];
	g->learners[a] += 1;
	for (size_t m = 0; m < ab->s.nmetrics; m++) {
		if (isnan(y[m]))
			continue;
		int cov = ab->s.covariate && ab->s.metric[m].kind == TL_AB_NUMERIC;
		tl_comoments_add(&g->cell[2 * m + a], cov ? x : 0, y[m]);
	}
	ab->learners++;
	if (ab->p.sequential && ab->p.look_every && ab->learners % ab->p.look_every == 0)
		look(ab);
}

/* ==== analysis of one (metric, segment) ================================= */

/* One item of the report's metrics list. */
struct row {
	size_t metric;
	const struct seg *seg;       /* NULL: overall */
	int cuped;
	struct tl_moments arm[2];    /* analysed values (CUPED-adjusted) */
	double sd[2], ci_lo[2], ci_hi[2], var_diff;
	struct tl_ab_test t;
	double p_adj;
	int negative;
	double theta, vr, diff_raw, p_raw;
	struct seq seq;
	double p_seq_adj;
	double base_mean, base_sd, n_arm, power, detect;
};

static int is_cuped(const struct tl_abtest *ab, size_t m)
{
	return ab->s.covariate && ab->s.metric[m].kind == TL_AB_NUMERIC;
}

static void raw_moments(const struct tl_comoments cell[2], struct tl_moments mom[2])
{
	for (int a = 0; a < 2; a++)
		mom[a] = (struct tl_moments){cell[a].n, cell[a].mean_y, cell[a].m2y};
}

/* The variance of the difference of means (unpooled for proportions). */
static double var_diff(const struct tl_moments mom[2], enum tl_ab_kind kind)
{
	double v = 0;
	for (int a = 0; a < 2; a++) {
		if (kind == TL_AB_BINARY)
			v += mom[a].mean * (1 - mom[a].mean) / mom[a].n;
		else
			v += tl_moments_var(&mom[a]) / mom[a].n;
	}
	return v;
}

/* One look of the mixture SPRT, folded into the running state s. */
static void seq_look(const struct tl_abtest *ab, size_t m, const struct tl_comoments cell[2],
		     struct seq *s)
{
	struct tl_moments mom[2];
	if (is_cuped(ab, m))
		tl_ab_cuped(cell, mom);
	else
		raw_moments(cell, mom);
	if (mom[0].n < 2 || mom[1].n < 2)
		return;
	double v = var_diff(mom, ab->s.metric[m].kind);
	double sd = sqrt((mom[0].m2 + mom[1].m2) / (mom[0].n + mom[1].n - 2));
	double tau = ab->p.mixture_sd * sd, p, lo, hi;
	tl_ab_msprt(mom[1].mean - mom[0].mean, v, tau * tau, ab->p.alpha, &p, &lo, &hi);
	if (isnan(p))
		return;
	if (!s->looked) {
		*s = (struct seq){p, lo, hi, 1};
		return;
	}
	s->p = fmin(s->p, p);      /* always-valid p: the running minimum */
	s->lo = fmax(s->lo, lo);   /* confidence sequence: the running intersection */
	s->hi = fmin(s->hi, hi);
}

static void merge_cells(const struct tl_abtest *ab, struct seg *const *order, size_t m,
			struct tl_comoments out[2])
{
	memset(out, 0, 2 * sizeof *out);
	for (size_t i = 0; i < ab->nseg; i++)
		for (int a = 0; a < 2; a++)
			tl_comoments_merge(&out[a], &order[i]->cell[2 * m + a]);
}

static void look(struct tl_abtest *ab)
{
	struct seg **order = tl_xmalloc((ab->nseg ? ab->nseg : 1) * sizeof *order);
	for (size_t i = 0; i < ab->nseg; i++)
		order[i] = &ab->seg[i];
	for (size_t m = 0; m < ab->s.nmetrics; m++) {
		struct tl_comoments all[2];
		merge_cells(ab, order, m, all);
		seq_look(ab, m, all, &ab->seq_all[m]);
		for (size_t i = 0; ab->s.by && i < ab->nseg; i++)
			seq_look(ab, m, &ab->seg[i].cell[2 * m], &ab->seg[i].seq[m]);
	}
	free(order);
}

/* Per-arm intervals: Student t for means, Wilson for proportions. */
static void arm_ci(struct row *r, enum tl_ab_kind kind, double alpha)
{
	for (int a = 0; a < 2; a++) {
		const struct tl_moments *k = &r->arm[a];
		r->sd[a] = tl_moments_sd(k);
		if (kind == TL_AB_BINARY)
			tl_ab_wilson(round(k->mean * k->n), k->n, alpha, &r->ci_lo[a], &r->ci_hi[a]);
		else
			tl_ab_mean_ci(k, alpha, &r->ci_lo[a], &r->ci_hi[a]);
	}
}

static void analyze(const struct tl_abtest *ab, size_t m, const struct tl_comoments cell[2],
		    const struct seq *seq, struct row *r)
{
	enum tl_ab_kind kind = ab->s.metric[m].kind;
	double alpha = ab->p.alpha;
	r->metric = m;
	r->cuped = is_cuped(ab, m);
	r->theta = r->vr = r->diff_raw = r->p_raw = NAN;
	r->p_adj = r->p_seq_adj = NAN;
	r->base_mean = r->base_sd = r->n_arm = r->power = r->detect = NAN;
	if (r->cuped) {
		struct tl_moments raw[2];
		struct tl_ab_test rt;
		raw_moments(cell, raw);
		tl_ab_welch(&raw[0], &raw[1], alpha, &rt);
		r->diff_raw = rt.diff;
		r->p_raw = rt.p;
		r->theta = tl_ab_cuped(cell, r->arm);
		r->vr = 1 - var_diff(r->arm, kind) / var_diff(raw, kind);
	} else {
		raw_moments(cell, r->arm);
	}
	if (kind == TL_AB_BINARY)
		tl_ab_two_prop(&r->arm[0], &r->arm[1], alpha, &r->t);
	else
		tl_ab_welch(&r->arm[0], &r->arm[1], alpha, &r->t);
	r->var_diff = var_diff(r->arm, kind);
	arm_ci(r, kind, alpha);
	r->seq = *seq;
	if (ab->p.sequential)
		seq_look(ab, m, cell, &r->seq);
}

/* Power of the input and the sample size for --mde (normal approximation). */
static void analyze_power(const struct tl_abtest *ab, struct row *r)
{
	const struct tl_ab_params *p = &ab->p;
	double mc = r->arm[0].mean, se = sqrt(r->var_diff);
	r->base_mean = mc;
	r->base_sd = r->sd[0];
	if (ab->s.metric[r->metric].kind == TL_AB_BINARY)
		r->base_sd = sqrt(mc * (1 - mc));
	r->detect = tl_ab_mde(se, p->alpha, p->power) / fabs(mc);
	if (p->mde > 0) {
		double delta = p->mde * fabs(mc);
		r->n_arm = tl_ab_sample_size(r->base_sd, delta, p->alpha, p->power);
		r->power = tl_ab_power(se, delta, p->alpha);
	}
	if (!isfinite(r->detect))
		r->detect = NAN;
}

/* ==== the report ======================================================== */

enum { CRIT_SRM, CRIT_SIGNIFICANCE, CRIT_MIN_LIFT, CRIT_NEGATIVE, CRIT_MIX, NCRIT };
static const char *const crit_name[NCRIT] = {
	"srm", "significance", "min_lift", "negative_segment", "segment_mix"
};

struct report {
	const struct tl_abtest *ab;
	struct seg **order;          /* segments sorted by name */
	double n[2], srm_chi2, srm_p;
	double mix_max, mix_chi2, mix_df, mix_p;
	struct row *row;
	size_t nrow;
	unsigned failed;             /* bit per criterion */
	char **why;
	size_t nwhy;
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = *(struct seg *const *)a, *y = *(struct seg *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void fail(struct report *rep, int crit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct report *rep, int crit, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int k = snprintf(buf, sizeof buf, "%s: ", crit_name[crit]);
	vsnprintf(buf + k, sizeof buf - (size_t)k, fmt, ap);
	va_end(ap);
	rep->failed |= 1u << crit;
	rep->why = tl_xrealloc(rep->why, (rep->nwhy + 1) * sizeof *rep->why);
	rep->why[rep->nwhy++] = tl_xstrdup(buf);
}

static void check_arms(const struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	if (rep->n[0] == 0)
		tl_die(TL_EX_DATAERR, "no learner in the control arm '%s'%s%s%s", ab->arm[0],
		       ab->arm[1] ? " (the only arm is '" : "", ab->arm[1] ? ab->arm[1] : "",
		       ab->arm[1] ? "'; see --control)" : "");
	if (rep->n[1] == 0)
		tl_die(TL_EX_DATAERR, "no treatment arm: every learner is in '%s'", ab->arm[0]);
}

static void srm_and_mix(struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	size_t ns = ab->nseg;
	for (size_t i = 0; i < ns; i++)
		for (int a = 0; a < 2; a++)
			rep->n[a] += ab->seg[i].learners[a];
	check_arms(rep);
	rep->srm_p = tl_ab_srm(rep->n, ab->p.expect, 2, &rep->srm_chi2);
	rep->mix_max = rep->mix_chi2 = rep->mix_df = rep->mix_p = NAN;
	if (!ab->s.by)
		return;
	double *tab = tl_xmalloc(2 * ns * sizeof *tab);
	rep->mix_max = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct seg *g = rep->order[i];
		tab[i] = g->learners[0];
		tab[ns + i] = g->learners[1];
		rep->mix_max = fmax(rep->mix_max, fabs(g->learners[1] / rep->n[1] - g->learners[0] / rep->n[0]));
	}
	rep->mix_p = tl_ab_homogeneity(tab, 2, (int)ns, &rep->mix_chi2, &rep->mix_df);
	free(tab);
}

/* Adjusted p-values of a family of rows [from, from + n) with stride. */
static void adjust_family(struct report *rep, size_t from, size_t n, size_t stride)
{
	double *p = tl_xmalloc(2 * (n ? n : 1) * sizeof *p), *q = p + n;
	enum tl_ab_correction c = rep->ab->p.correction;
	for (size_t i = 0; i < n; i++)
		p[i] = rep->row[from + i * stride].t.p;
	tl_ab_adjust(p, n, c, q);
	for (size_t i = 0; i < n; i++)
		rep->row[from + i * stride].p_adj = q[i];
	for (size_t i = 0; i < n; i++)
		p[i] = rep->row[from + i * stride].seq.looked ? rep->row[from + i * stride].seq.p : NAN;
	tl_ab_adjust(p, n, c, q);
	for (size_t i = 0; i < n; i++)
		rep->row[from + i * stride].p_seq_adj = q[i];
	free(p);
}

/* The p-value the decision uses: sequential when asked for. */
static double decision_p(const struct tl_abtest *ab, const struct row *r)
{
	return ab->p.sequential ? r->p_seq_adj : r->p_adj;
}

static void build_rows(struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	size_t per = 1 + (ab->s.by ? ab->nseg : 0), nm = ab->s.nmetrics;
	rep->nrow = nm * per;
	rep->row = tl_xcalloc(rep->nrow ? rep->nrow : 1, sizeof *rep->row);
	for (size_t m = 0; m < nm; m++) {
		struct tl_comoments all[2];
		struct row *r = &rep->row[m * per];
		merge_cells(ab, rep->order, m, all);
		analyze(ab, m, all, &ab->seq_all[m], r);
		if (ab->p.power > 0)
			analyze_power(ab, r);
		for (size_t i = 1; i < per; i++) {
			const struct seg *g = rep->order[i - 1];
			analyze(ab, m, &g->cell[2 * m], &g->seq[m], &r[i]);
			r[i].seg = g;
		}
	}
	adjust_family(rep, 0, nm, per);  /* the metrics' overall results */
	for (size_t m = 0; m < nm && per > 1; m++)
		adjust_family(rep, m * per + 1, per - 1, 1);  /* each metric's segments */
	for (size_t i = 0; i < rep->nrow; i++) {
		struct row *r = &rep->row[i];
		r->negative = r->t.diff < 0 && decision_p(ab, r) < ab->p.alpha;
	}
}

static const char *seg_label(const struct seg *g)
{
	return g->len ? g->name : "(empty)";
}

static void decide(struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	const struct tl_ab_params *p = &ab->p;
	if (!(rep->srm_p >= p->srm_alpha))
		fail(rep, CRIT_SRM, "SRM p = %.6g < %g: the arms are not split %g:%g", rep->srm_p,
		     p->srm_alpha, p->expect[0], p->expect[1]);
	for (size_t i = 0; i < rep->nrow; i++) {
		const struct row *r = &rep->row[i];
		const char *name = ab->s.metric[r->metric].name;
		double dp = decision_p(ab, r);
		if (r->seg) {
			if (r->negative)
				fail(rep, CRIT_NEGATIVE, "%s: segment %s has a significant negative lift "
				     "(diff %.6g, p_adjusted %.6g)", name, seg_label(r->seg), r->t.diff, dp);
			continue;
		}
		if (isnan(dp))
			fail(rep, CRIT_SIGNIFICANCE, "%s: no p-value (%s)", name,
			     r->t.note ? r->t.note : "too few values");
		else if (!(dp < p->alpha))
			fail(rep, CRIT_SIGNIFICANCE, "%s: %sp_adjusted %.6g is not below alpha %g", name,
			     p->sequential ? "sequential " : "", dp, p->alpha);
		if (isnan(r->t.lift))
			fail(rep, CRIT_MIN_LIFT, "%s: no lift (%s)", name, r->t.note ? r->t.note : "no values");
		else if (!(r->t.lift >= p->min_lift))
			fail(rep, CRIT_MIN_LIFT, "%s: lift %.4g%% is below the minimum %.4g%%", name,
			     100 * r->t.lift, 100 * p->min_lift);
	}
	if (ab->s.by && !(rep->mix_max <= p->max_mix_diff))
		fail(rep, CRIT_MIX, "segment mix by %s differs by %.4g%% (limit %.4g%%)", ab->s.by,
		     100 * rep->mix_max, 100 * p->max_mix_diff);
}

static void warn_notes(const struct report *rep)
{
	for (size_t i = 0; i < rep->nrow; i++) {
		const struct row *r = &rep->row[i];
		if (!r->t.note)
			continue;
		if (r->seg)
			tl_warn("%s, segment %s: %s", rep->ab->s.metric[r->metric].name,
				seg_label(r->seg), r->t.note);
		else
			tl_warn("%s: %s", rep->ab->s.metric[r->metric].name, r->t.note);
	}
}

/* ---- number formatting for the text and markdown reports ---- */

/* A few rotating buffers, so that one printf can format several numbers. */
static char *fbuf(void)
{
	static char buf[16][48];
	static int next;
	next = (next + 1) % 16;
	return buf[next];
}

static const char *g6(double v)
{
	char *b = fbuf();
	if (isnan(v))
		return "-";
	snprintf(b, 48, "%.6g", v);
	return b;
}

static const char *pct(double v)
{
	char *b = fbuf();
	if (isnan(v))
		return "-";
	snprintf(b, 48, "%.4g%%", 100 * v);
	return b;
}

static const char *ci(double lo, double hi, int percent)
{
	char *b = fbuf();
	if (isnan(lo) || isnan(hi))
		return "-";
	snprintf(b, 48, "[%s, %s]", percent ? pct(lo) : g6(lo), percent ? pct(hi) : g6(hi));
	return b;
}

static const char *corr_name(enum tl_ab_correction c)
{
	return c == TL_AB_HOLM ? "holm" : c == TL_AB_BH ? "bh" : "none";
}

/* ---- JSON ---- */

static void jnum(FILE *f, const char *key, double v)
{
	fprintf(f, ",\"%s\":", key);
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static void jstr(FILE *f, const char *s)
{
	if (s)
		tl_json_put_string(f, s, strlen(s));
	else
		fputs("null", f);
}

static void json_extras(FILE *f, const struct tl_abtest *ab, const struct row *r)
{
	if (r->cuped) {
		fputs(",\"cuped\":{\"covariate\":", f);
		jstr(f, ab->s.covariate);
		jnum(f, "theta", r->theta);
		jnum(f, "variance_reduction", r->vr);
		jnum(f, "diff_unadjusted", r->diff_raw);
		jnum(f, "p_unadjusted", r->p_raw);
		fputc('}', f);
	}
	if (ab->p.sequential) {
		fprintf(f, ",\"sequential\":{\"method\":\"msprt\"");
		jnum(f, "p", r->seq.looked ? r->seq.p : NAN);
		jnum(f, "p_adjusted", r->p_seq_adj);
		jnum(f, "cs_low", r->seq.looked ? r->seq.lo : NAN);
		jnum(f, "cs_high", r->seq.looked ? r->seq.hi : NAN);
		fputc('}', f);
	}
	if (ab->p.power > 0 && !r->seg) {
		fputs(",\"power\":{\"target_power\":", f);
		fprintf(f, "%.17g", ab->p.power);
		jnum(f, "baseline_mean", r->base_mean);
		jnum(f, "baseline_sd", r->base_sd);
		jnum(f, "mde", ab->p.mde > 0 ? ab->p.mde : NAN);
		jnum(f, "n_per_arm", r->n_arm);
		jnum(f, "achieved_power", r->power);
		jnum(f, "detectable_lift", r->detect);
		fputc('}', f);
	}
}

static void json_row(FILE *f, const struct tl_abtest *ab, const struct row *r)
{
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	fputs("{\"metric\":", f);
	jstr(f, ab->s.metric[r->metric].name);
	fprintf(f, ",\"kind\":\"%s\",\"segment\":", bin ? "binary" : "numeric");
	if (r->seg)
		tl_json_put_string(f, r->seg->name, r->seg->len);
	else
		fputs("null", f);
	jnum(f, "n_control", r->arm[0].n);
	jnum(f, "n_treatment", r->arm[1].n);
	jnum(f, "mean_control", r->arm[0].n > 0 ? r->arm[0].mean : NAN);
	jnum(f, "mean_treatment", r->arm[1].n > 0 ? r->arm[1].mean : NAN);
	jnum(f, "sd_control", r->sd[0]);
	jnum(f, "sd_treatment", r->sd[1]);
	jnum(f, "ci_control_low", r->ci_lo[0]);
	jnum(f, "ci_control_high", r->ci_hi[0]);
	jnum(f, "ci_treatment_low", r->ci_lo[1]);
	jnum(f, "ci_treatment_high", r->ci_hi[1]);
	jnum(f, "diff", r->t.diff);
	jnum(f, "diff_ci_low", r->t.diff_lo);
	jnum(f, "diff_ci_high", r->t.diff_hi);
	fprintf(f, ",\"diff_ci_method\":\"%s\"", bin ? "newcombe" : "welch");
	jnum(f, "lift", r->t.lift);
	jnum(f, "lift_ci_low", r->t.lift_lo);
	jnum(f, "lift_ci_high", r->t.lift_hi);
	if (bin) {
		jnum(f, "z", r->t.stat);
	} else {
		jnum(f, "t", r->t.stat);
		jnum(f, "df", r->t.df);
	}
	jnum(f, "p", r->t.p);
	jnum(f, "p_adjusted", r->p_adj);
	fprintf(f, ",\"negative\":%s,\"note\":", r->negative ? "true" : "false");
	jstr(f, r->t.note);
	json_extras(f, ab, r);
	fputc('}', f);
}

static void json_mix(FILE *f, const struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	fputs(",\n\"segment_mix\":", f);
	if (!ab->s.by) {
		fputs("null", f);
		return;
	}
	fputs("{\"by\":", f);
	jstr(f, ab->s.by);
	fputs(",\"segments\":[", f);
	for (size_t i = 0; i < ab->nseg; i++) {
		const struct seg *g = rep->order[i];
		fputs(i ? ",{\"segment\":" : "{\"segment\":", f);
		tl_json_put_string(f, g->name, g->len);
		jnum(f, "n_control", g->learners[0]);
		jnum(f, "n_treatment", g->learners[1]);
		jnum(f, "share_control", g->learners[0] / rep->n[0]);
		jnum(f, "share_treatment", g->learners[1] / rep->n[1]);
		fputc('}', f);
	}
	fputc(']', f);
	jnum(f, "max_diff", rep->mix_max);
	jnum(f, "chi2", rep->mix_chi2);
	jnum(f, "df", rep->mix_df);
	jnum(f, "p", rep->mix_p);
	fputc('}', f);
}

static void write_json(FILE *f, const struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	fputs("{\"arms\":{", f);
	jstr(f, ab->arm[0]);
	fprintf(f, ":%.17g,", rep->n[0]);
	jstr(f, ab->arm[1]);
	fprintf(f, ":%.17g}", rep->n[1]);
	fputs(",\"expected\":{", f);
	for (int a = 0; a < 2; a++) {
		jstr(f, ab->arm[a]);
		fprintf(f, ":%.17g%s", ab->p.expect[a] / (ab->p.expect[0] + ab->p.expect[1]), a ? "}" : ",");
	}
	jnum(f, "srm_chi2", rep->srm_chi2);
	jnum(f, "srm_p", rep->srm_p);
	fprintf(f, ",\"alpha\":%.17g,\"correction\":\"%s\"", ab->p.alpha, corr_name(ab->p.correction));
	json_mix(f, rep);
	fputs(",\n\"metrics\":[", f);
	for (size_t i = 0; i < rep->nrow; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_row(f, ab, &rep->row[i]);
	}
	fprintf(f, "\n],\n\"decision\":{\"pass\":%s,\"failed\":[", rep->failed ? "false" : "true");
	for (int c = 0, k = 0; c < NCRIT; c++)
		if (rep->failed & (1u << c))
			fprintf(f, "%s\"%s\"", k++ ? "," : "", crit_name[c]);
	fputs("]}}\n", f);
}

/* ---- text ---- */

/* md_cell: text for a markdown table cell, from a few rotating buffers that
 * grow as needed: '|' would end the cell (escaped as \|), and a line
 * break (a quoted CSV value may hold one) would end the row. */
static const char *md_cell(const char *s)
{
	static char *buf[8];
	static size_t cap[8];
	static int next;
	size_t n = strlen(s);
	next = (next + 1) % 8;
	if (cap[next] < 2 * n + 1) {
		cap[next] = 2 * n + 1;
		buf[next] = tl_xrealloc(buf[next], cap[next]);
	}
	char *d = buf[next];
	for (; *s; s++) {
		if (*s == '|')
			*d++ = '\\';
		*d++ = *s == '\n' || *s == '\r' ? ' ' : *s;
	}
	*d = '\0';
	return buf[next];
}

static void text_metric_head(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	const char *name = ab->s.metric[r->metric].name;
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	double lvl = 100 * (1 - ab->p.alpha);
	if (md)
		fprintf(f, "\n## %s (%s)\n\n| arm | n | %s | sd | %.4g%% CI |\n|---|---:|---:|---:|---|\n",
			name, bin ? "binary" : "numeric", bin ? "proportion" : "mean", lvl);
	else
		fprintf(f, "\n%s (%s)\n  %-12s %10s %12s %12s  %.4g%% CI\n", name,
			bin ? "binary: pooled two-proportion z-test" : "numeric: Welch t-test",
			"arm", "n", bin ? "proportion" : "mean", "sd", lvl);
	for (int a = 0; a < 2; a++) {
		const struct tl_moments *k = &r->arm[a];
		double mean = k->n > 0 ? k->mean : NAN;
		if (md)
			fprintf(f, "| %s | %.17g | %s | %s | %s |\n", md_cell(ab->arm[a]), k->n, g6(mean),
				g6(r->sd[a]), ci(r->ci_lo[a], r->ci_hi[a], 0));
		else
			fprintf(f, "  %-12s %10.17g %12s %12s  %s\n", ab->arm[a], k->n, g6(mean),
				g6(r->sd[a]), ci(r->ci_lo[a], r->ci_hi[a], 0));
	}
}

static void text_metric_test(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	const char *pre = md ? "" : "  ", *eol = md ? "  \n" : "\n";
	if (md)
		fputc('\n', f);
	fprintf(f, "%sdiff %s, %.4g%% CI %s (%s)%s", pre, g6(r->t.diff), 100 * (1 - ab->p.alpha),
		ci(r->t.diff_lo, r->t.diff_hi, 0), bin ? "Newcombe hybrid score" : "Welch", eol);
	fprintf(f, "%slift %s, %.4g%% CI %s (delta method)%s", pre, pct(r->t.lift),
		100 * (1 - ab->p.alpha), ci(r->t.lift_lo, r->t.lift_hi, 1), eol);
	if (bin)
		fprintf(f, "%sz = %s, p = %s, p_adjusted = %s (%s)%s", pre, g6(r->t.stat), g6(r->t.p),
			g6(r->p_adj), corr_name(ab->p.correction), eol);
	else
		fprintf(f, "%st = %s, df = %s, p = %s, p_adjusted = %s (%s)%s", pre, g6(r->t.stat),
			g6(r->t.df), g6(r->t.p), g6(r->p_adj), corr_name(ab->p.correction), eol);
	if (r->t.note)
		fprintf(f, "%snote: %s%s", pre, r->t.note, eol);
}

static void text_metric_extras(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	const char *pre = md ? "" : "  ", *eol = md ? "  \n" : "\n";
	if (r->cuped)
		fprintf(f, "%sCUPED on %s: theta = %s, variance reduction %s (unadjusted diff %s, p = %s)%s",
			pre, ab->s.covariate, g6(r->theta), pct(r->vr), g6(r->diff_raw), g6(r->p_raw), eol);
	if (ab->p.sequential)
		fprintf(f, "%ssequential (mSPRT, tau = %g sd): always-valid p = %s, p_adjusted = %s, "
			"%.4g%% confidence sequence %s%s", pre, ab->p.mixture_sd,
			g6(r->seq.looked ? r->seq.p : NAN), g6(r->p_seq_adj), 100 * (1 - ab->p.alpha),
			r->seq.looked ? ci(r->seq.lo, r->seq.hi, 0) : "-", eol);
	if (ab->p.power > 0 && !r->seg) {
		fprintf(f, "%spower: baseline mean %s, sd %s; detectable lift at power %g: %s", pre,
			g6(r->base_mean), g6(r->base_sd), ab->p.power, pct(r->detect));
		if (ab->p.mde > 0)
			fprintf(f, "; lift %s needs %s per arm, achieved power %s", pct(ab->p.mde),
				g6(r->n_arm), g6(r->power));
		fputs(eol, f);
	}
}

/* The width of the segment column: the longest label, at least min. */
static int seg_width(const struct tl_abtest *ab, int min)
{
	int w = min;
	for (size_t i = 0; i < ab->nseg; i++) {
		int len = (int)strlen(seg_label(&ab->seg[i]));
		w = len > w ? len : w;
	}
	return w;
}

static void text_segments(FILE *f, const struct tl_abtest *ab, const struct row *r, size_t n, int md)
{
	int w = seg_width(ab, 16);
	if (md)
		fprintf(f, "\n| %s | n control | n treatment | diff | lift | lift CI | p | p_adjusted | |\n"
			"|---|---:|---:|---:|---:|---|---:|---:|---|\n", md_cell(ab->s.by));
	else
		fprintf(f, "\n  %-*s %9s %11s %12s %9s  %-22s %11s %11s\n", w, ab->s.by, "n control",
			"n treatment", "diff", "lift", "lift CI", "p", "p_adjusted");
	for (size_t i = 0; i < n; i++, r++) {
		if (md)
			fprintf(f, "| %s | %.17g | %.17g | %s | %s | %s | %s | %s | %s |\n",
				md_cell(seg_label(r->seg)), r->arm[0].n, r->arm[1].n, g6(r->t.diff), pct(r->t.lift),
				ci(r->t.lift_lo, r->t.lift_hi, 1), g6(r->t.p), g6(r->p_adj),
				r->negative ? "**negative**" : "");
		else
			fprintf(f, "  %-*s %9.17g %11.17g %12s %9s  %-22s %11s %11s%s\n",
				w, seg_label(r->seg), r->arm[0].n, r->arm[1].n, g6(r->t.diff), pct(r->t.lift),
				ci(r->t.lift_lo, r->t.lift_hi, 1), g6(r->t.p), g6(r->p_adj),
				r->negative ? "  NEGATIVE" : "");
	}
}

static void text_mix(FILE *f, const struct report *rep, int md)
{
	const struct tl_abtest *ab = rep->ab;
	int w = seg_width(ab, 17);
	if (md)
		fprintf(f, "\n## Segment mix by %s\n\n| %s | %s | %s | diff |\n|---|---:|---:|---:|\n",
			ab->s.by, md_cell(ab->s.by), md_cell(ab->arm[0]), md_cell(ab->arm[1]));
	else
		fprintf(f, "\nsegment mix by %s (share of learners)\n  %-*s %10s %10s %10s\n", ab->s.by,
			w, ab->s.by, ab->arm[0], ab->arm[1], "diff");
	for (size_t i = 0; i < ab->nseg; i++) {
		const struct seg *g = rep->order[i];
		double sc = g->learners[0] / rep->n[0], st = g->learners[1] / rep->n[1];
		if (md)
			fprintf(f, "| %s | %s | %s | %s |\n", md_cell(seg_label(g)), pct(sc), pct(st), pct(st - sc));
		else
			fprintf(f, "  %-*s %10s %10s %10s\n", w, seg_label(g), pct(sc), pct(st), pct(st - sc));
	}
	fprintf(f, "%slargest difference %s (limit %s); homogeneity chi2 = %s, df = %s, p = %s\n",
		md ? "\n" : "  ", pct(rep->mix_max), pct(ab->p.max_mix_diff), g6(rep->mix_chi2),
		g6(rep->mix_df), g6(rep->mix_p));
}

static void text_head(FILE *f, const struct report *rep, int md)
{
	const struct tl_abtest *ab = rep->ab;
	const struct tl_ab_params *p = &ab->p;
	double w = p->expect[0] + p->expect[1];
	if (md)
		fprintf(f, "# A/B test: %s vs %s\n\n| arm | learners | share | expected |\n"
			"|---|---:|---:|---:|\n", md_cell(ab->arm[1]), md_cell(ab->arm[0]));
	else
		fprintf(f, "tl-abtest: treatment '%s' vs control '%s' (alpha %g)\n  %-12s %10s %10s %10s\n",
			ab->arm[1], ab->arm[0], p->alpha, "arm", "learners", "share", "expected");
	for (int a = 0; a < 2; a++)
		fprintf(f, md ? "| %s | %.17g | %s | %s |\n" : "  %-12s %10.17g %10s %10s\n", md ? md_cell(ab->arm[a]) : ab->arm[a],
			rep->n[a], pct(rep->n[a] / (rep->n[0] + rep->n[1])), pct(p->expect[a] / w));
	fprintf(f, "%sSRM: chi2 = %s, df = 1, p = %s (%s at %g)\n", md ? "\n" : "",
		g6(rep->srm_chi2), g6(rep->srm_p), rep->srm_p >= p->srm_alpha ? "ok" : "MISMATCH",
		p->srm_alpha);
}

static void write_text(FILE *f, const struct report *rep, int md)
{
	const struct tl_abtest *ab = rep->ab;
	size_t per = 1 + (ab->s.by ? ab->nseg : 0);
	text_head(f, rep, md);
	for (size_t i = 0; i < rep->nrow; i += per) {
		text_metric_head(f, ab, &rep->row[i], md);
		text_metric_test(f, ab, &rep->row[i], md);
		text_metric_extras(f, ab, &rep->row[i], md);
		if (per > 1)
			text_segments(f, ab, &rep->row[i + 1], per - 1, md);
	}
	if (ab->s.by)
		text_mix(f, rep, md);
	fprintf(f, md ? "\n## Decision: **%s**\n" : "\ndecision: %s\n", rep->failed ? "FAIL" : "PASS");
	if (md && rep->nwhy)
		fputc('\n', f);
	for (size_t i = 0; i < rep->nwhy; i++)
		fprintf(f, md ? "- %s\n" : "  %s\n", rep->why[i]);
}

int tl_abtest_report(struct tl_abtest *ab, FILE *f, enum tl_ab_format fmt)
{
	struct report rep = {.ab = ab};
	rep.order = tl_xmalloc((ab->nseg ? ab->nseg : 1) * sizeof *rep.order);
	for (size_t i = 0; i < ab->nseg; i++)
		rep.order[i] = &ab->seg[i];
	qsort(rep.order, ab->nseg, sizeof *rep.order, seg_cmp);
	srm_and_mix(&rep);
	build_rows(&rep);
	decide(&rep);
	warn_notes(&rep);
	if (fmt == TL_AB_JSON)
		write_json(f, &rep);
	else
		write_text(f, &rep, fmt == TL_AB_MD);
	for (size_t i = 0; i < rep.nwhy; i++)
		free(rep.why[i]);
	free(rep.why);
	free(rep.row);
	free(rep.order);
	return rep.failed == 0;
}

void tl_ab_plan(FILE *f, enum tl_ab_format fmt, double mean, double sd, const struct tl_ab_params *p)
{
	double n = tl_ab_sample_size(sd, p->mde * fabs(mean), p->alpha, p->power);
	if (fmt == TL_AB_JSON) {
		fprintf(f, "{\"power\":{\"target_power\":%.17g", p->power);
		jnum(f, "alpha", p->alpha);
		jnum(f, "baseline_mean", mean);
		jnum(f, "baseline_sd", sd);
		jnum(f, "mde", p->mde);
		jnum(f, "n_per_arm", n);
		fputs("}}\n", f);
		return;
	}
	fprintf(f, "%spower: baseline mean %s, sd %s; lift %s at alpha %g (two-sided), power %g\n"
		"%ssample size per arm: %s (normal approximation)\n", fmt == TL_AB_MD ? "# " : "",
		g6(mean), g6(sd), pct(p->mde), p->alpha, p->power, fmt == TL_AB_MD ? "\n" : "", g6(n));
}

/* ==== the stats CSV: emit and merge ===================================== */

static const char *const stats_cols[] = {
	"by", "segment", "arm", "metric", "kind", "covariate",
	"n", "mean", "m2", "mean_x", "m2_x", "c_xy"
};
#define NSTATS_COLS (sizeof stats_cols / sizeof stats_cols[0])

static void put_str(FILE *f, const char *s, size_t n, int comma)
{
	tl_csv_put_field(f, s ? s : "", s ? n : 0);
	if (comma)
		fputc(',', f);
}

static void emit_row(FILE *f, const struct tl_abtest *ab, const struct seg *g, int a, long m)
{
	const char *by = ab->s.by, *arm = ab->arm[a];
	put_str(f, by, by ? strlen(by) : 0, 1);
	put_str(f, g->name, g->len, 1);
	put_str(f, arm, strlen(arm), 1);
	if (m < 0) {
		fprintf(f, ",learners,,%.17g,,,,,\n", g->learners[a]);
		return;
	}
	const struct tl_ab_metric *mt = &ab->s.metric[m];
	const struct tl_comoments *c = &g->cell[2 * m + a];
	const char *cov = is_cuped(ab, (size_t)m) ? ab->s.covariate : NULL;
	put_str(f, mt->name, strlen(mt->name), 1);
	fputs(mt->kind == TL_AB_BINARY ? "binary," : "numeric,", f);
	put_str(f, cov, cov ? strlen(cov) : 0, 1);
	fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", c->n, c->mean_y, c->m2y, c->mean_x,
		c->m2x, c->cxy);
}

void tl_abtest_emit(const struct tl_abtest *ab, FILE *f)
{
	for (size_t i = 0; i < NSTATS_COLS; i++)
		fprintf(f, "%s%s", stats_cols[i], i + 1 < NSTATS_COLS ? "," : "\n");
	for (size_t i = 0; i < ab->nseg; i++)
		for (int a = 0; a < 2; a++) {
			if (!ab->arm[a])
				continue;
			emit_row(f, ab, &ab->seg[i], a, -1);
			for (size_t m = 0; m < ab->s.nmetrics; m++)
				emit_row(f, ab, &ab->seg[i], a, (long)m);
		}
}

/* One parsed row of a stats file. */
struct srow {
	char *f[6];                  /* by .. covariate */
	double v[6];                 /* n .. c_xy */
	const char *file;
	long line;
};

struct sfile {
	struct srow *row;
	size_t n, cap;
};

static double stats_num(const struct tl_str *s, int optional, const char *file, long line,
			const char *col)
{
	char buf[64], *end;
	if (s->n == 0 && optional)
		return 0;
	if (s->n == 0 || s->n >= sizeof buf)
		tl_die_at(TL_EX_DATAERR, file, line, "bad %s: '%.*s'", col, (int)s->n, s->p);
	memcpy(buf, s->p, s->n);
	buf[s->n] = '\0';
	errno = 0;
	double v = strtod(buf, &end);
	int nonneg = col[0] == 'n' || (col[0] == 'm' && col[1] == '2');   /* n, m2, m2_x */
	if (*end || errno || !isfinite(v) || (nonneg && v < 0))
		tl_die_at(TL_EX_DATAERR, file, line, "bad %s: '%s'", col, buf);
	return v;
}

static void stats_fields(struct sfile *sf, const struct tl_csv *csv, const char *file, long line)
{
	const struct tl_str *fd = tl_csv_fields(csv);
	size_t nf = tl_csv_nfields(csv), hdr = 0;
	while (hdr < NSTATS_COLS && hdr < nf &&
	       same(fd[hdr].p, fd[hdr].n, stats_cols[hdr], strlen(stats_cols[hdr])))
		hdr++;
	if (line == 1 && (hdr < NSTATS_COLS || nf != NSTATS_COLS))
		tl_die_at(TL_EX_DATAERR, file, line, "not a tl-abtest --emit-stats file (column %zu "
			  "is '%.*s', expected '%s')", hdr + 1, hdr < nf ? (int)fd[hdr].n : 0,
			  hdr < nf ? fd[hdr].p : "", hdr < NSTATS_COLS ? stats_cols[hdr] : "");
	if (nf != NSTATS_COLS)
		tl_die_at(TL_EX_DATAERR, file, line, "expected %zu fields, found %zu", NSTATS_COLS, nf);
	if (hdr == NSTATS_COLS)   /* the header, also where files were concatenated */
		return;
	if (sf->n == sf->cap) {
		sf->cap = sf->cap ? 2 * sf->cap : 64;
		sf->row = tl_xrealloc(sf->row, sf->cap * sizeof *sf->row);
	}
	struct srow *r = &sf->row[sf->n++];
	for (int i = 0; i < 6; i++)
		r->f[i] = tl_xstrndup(fd[i].p, fd[i].n);
	int learners = strcmp(r->f[4], "learners") == 0;
	for (int i = 0; i < 6; i++)
		r->v[i] = stats_num(&fd[6 + i], learners ? i > 0 : 0, file, line, stats_cols[6 + i]);
	r->file = file;
	r->line = line;
}

static void stats_read(struct sfile *sf, const char *file)
{
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!in)
		tl_die(TL_EX_NOINPUT, "%s:", file);
	struct tl_csv *csv = tl_csv_new(1 << 20);
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, start = 0;
	ssize_t len;
	int more = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		tl_csv_pad(&line, &cap, (size_t)len);
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (!more)
			start = lineno;
		int rc = tl_csv_split(csv, line, (size_t)len);
		if (rc == TL_CSV_ERR)
			tl_die_at(TL_EX_DATAERR, file, lineno, "bad CSV: %s", tl_csv_error(csv));
		more = rc == TL_CSV_MORE;
		if (!more)
			stats_fields(sf, csv, file, start);
	}
	if (ferror(in))
		tl_die(TL_EX_IOERR, "%s:", file);
	if (more || lineno == 0)
		tl_die_at(TL_EX_DATAERR, file, lineno, "%s", more ? "unterminated quoted field" : "empty file");
	free(line);
	tl_csv_free(csv);
	if (in != stdin)
		fclose(in);
}

static const char *own(struct tl_abtest *ab, const char *s)
{
	ab->owned = tl_xrealloc(ab->owned, (ab->nowned + 1) * sizeof *ab->owned);
	return ab->owned[ab->nowned++] = tl_xstrdup(s);
}

/* The setup the stats rows describe; checked for consistency. */
static void stats_setup(const struct sfile *sf, struct tl_ab_setup *s)
{
	const char *by = NULL, *cov = NULL;
	for (size_t i = 0; i < sf->n; i++) {
		const struct srow *r = &sf->row[i];
		if (i == 0)
			by = r->f[0];
		else if (strcmp(by, r->f[0]) != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "segment field '%s' differs from '%s'",
				  r->f[0], by);
		if (strcmp(r->f[4], "learners") == 0)
			continue;
		enum tl_ab_kind kind = strcmp(r->f[4], "binary") == 0 ? TL_AB_BINARY : TL_AB_NUMERIC;
		if (kind == TL_AB_NUMERIC && strcmp(r->f[4], "numeric") != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "bad kind '%s'", r->f[4]);
		if (kind == TL_AB_NUMERIC && !cov)
			cov = r->f[5];
		if (kind == TL_AB_NUMERIC && strcmp(cov, r->f[5]) != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "covariate '%s' differs from '%s'",
				  r->f[5], cov);
		size_t m = 0;
		while (m < s->nmetrics && strcmp(s->metric[m].name, r->f[3]) != 0)
			m++;
		if (m == s->nmetrics) {
			if (m == TL_AB_MAX_METRICS)
				tl_die_at(TL_EX_DATAERR, r->file, r->line, "more than %d metrics", TL_AB_MAX_METRICS);
			s->metric[s->nmetrics++] = (struct tl_ab_metric){r->f[3], kind};
		} else if (s->metric[m].kind != kind) {
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "metric '%s' is both numeric and binary", r->f[3]);
		}
	}
	s->by = by && *by ? by : NULL;
	s->covariate = cov && *cov ? cov : NULL;
}

static int opt_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Options given with --merge must agree with the files; --metric and
 * --binary pick some of the files' metrics. */
static void stats_check(const struct tl_ab_setup *got, const struct tl_ab_setup *want,
			struct tl_ab_setup *use)
{
	*use = *got;
	if (!want)
		return;
	int ok = (!want->by || opt_same(want->by, got->by)) &&
		 (!want->covariate || opt_same(want->covariate, got->covariate));
	for (size_t i = 0; ok && i < want->nmetrics; i++) {
		size_t j = 0;
		while (j < got->nmetrics && strcmp(got->metric[j].name, want->metric[i].name) != 0)
			j++;
		ok = j < got->nmetrics && got->metric[j].kind == want->metric[i].kind;
	}
	if (!ok)
		tl_die(TL_EX_DATAERR, "the stats files do not match the options: each --metric and "
		       "--binary must be in them with its kind, and --by and --covariate must be "
		       "those they were emitted with");
	if (want->nmetrics) {   /* the options pick metrics, in their order */
		use->nmetrics = want->nmetrics;
		for (size_t i = 0; i < want->nmetrics; i++)
			use->metric[i] = want->metric[i];
	}
}

static void stats_fold(struct tl_abtest *ab, const struct sfile *sf)
{
	for (size_t i = 0; i < sf->n; i++) {
		const struct srow *r = &sf->row[i];
		int a = tl_abtest_arm(ab, r->f[2], strlen(r->f[2]));
		if (a < 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "arm '%s': only two arms, '%s' and '%s', "
				  "can be compared", r->f[2], ab->arm[0], ab->arm[1] ? ab->arm[1] : "");
		size_t si = tl_abtest_segment(ab, r->f[1], strlen(r->f[1]));  /* may move ab->seg */
		struct seg *g = &ab->seg[si];
		if (strcmp(r->f[4], "learners") == 0) {
			g->learners[a] += r->v[0];
			continue;
		}
		size_t m = 0;
		while (m < ab->s.nmetrics && strcmp(ab->s.metric[m].name, r->f[3]) != 0)
			m++;
		if (m == ab->s.nmetrics)   /* not among the metrics the options pick */
			continue;
		struct tl_comoments c = {r->v[0], r->v[3], r->v[1], r->v[4], r->v[2], r->v[5]};
		tl_comoments_merge(&g->cell[2 * m + a], &c);
	}
}

struct tl_abtest *tl_abtest_merge(int nfiles, char **files, const char *control,
				  const struct tl_ab_setup *want, const struct tl_ab_params *p)
{
	struct sfile sf = {0};
	struct tl_ab_setup got = {.control = control}, use;
	static char *stdin_only[] = {"-"};
	if (nfiles == 0)
		nfiles = 1, files = stdin_only;
	for (int i = 0; i < nfiles; i++)
		stats_read(&sf, files[i]);
	stats_setup(&sf, &got);
	stats_check(&got, want, &use);
	struct tl_abtest *ab = tl_abtest_new(&use, p);
	/* the setup's names point into the rows: keep copies the accumulator owns */
	for (size_t m = 0; m < use.nmetrics; m++)
		ab->s.metric[m].name = own(ab, use.metric[m].name);
	ab->s.by = use.by ? own(ab, use.by) : NULL;
	ab->s.covariate = use.covariate ? own(ab, use.covariate) : NULL;
	ab->s.control = ab->arm[0];
	stats_fold(ab, &sf);
	for (size_t i = 0; i < sf.n; i++)
		for (int k = 0; k < 6; k++)
			free(sf.row[i].f[k]);
	free(sf.row);
	return ab;
}
