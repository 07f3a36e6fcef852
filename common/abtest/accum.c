/* accum.c - tl-abtest's accumulator (sufficient statistics per arm x
 * segment, the looks of the sequential test) and the analysis that turns
 * it into a report: per (metric, segment) tests, adjusted p-values, SRM,
 * segment mix and the decision (DESIGN §8). The formulas: tests.c. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest/internal.h"
#include "util/err.h"
#include "util/rng.h"

/* ==== the accumulator =================================================== */

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

const char *const ab_crit_name[NCRIT] = {
	"srm", "significance", "min_lift", "negative_segment", "segment_mix"
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
	int k = snprintf(buf, sizeof buf, "%s: ", ab_crit_name[crit]);
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

/* arm_counts: the learners of each arm, checked before the report
 * allocates anything (a caught die, tl_die_catch, then leaks nothing). */
static void arm_counts(struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	for (size_t i = 0; i < ab->nseg; i++)
		for (int a = 0; a < 2; a++)
			rep->n[a] += ab->seg[i].learners[a];
	check_arms(rep);
}

static void srm_and_mix(struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	size_t ns = ab->nseg;
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

void ab_report_make(struct report *rep, const struct tl_abtest *ab)
{
	*rep = (struct report){.ab = ab};
	arm_counts(rep);
	rep->order = tl_xmalloc((ab->nseg ? ab->nseg : 1) * sizeof *rep->order);
	for (size_t i = 0; i < ab->nseg; i++)
		rep->order[i] = &ab->seg[i];
	qsort(rep->order, ab->nseg, sizeof *rep->order, seg_cmp);
	srm_and_mix(rep);
	build_rows(rep);
	decide(rep);
	warn_notes(rep);
}

void ab_report_free(struct report *rep)
{
	for (size_t i = 0; i < rep->nwhy; i++)
		free(rep->why[i]);
	free(rep->why);
	free(rep->row);
	free(rep->order);
}
