/* retention.c - §6.3: reuse score, retention strength, churn risk, and the
 * churn-model counts of one learner; Kaplan–Meier with Greenwood log-log
 * intervals; a learner's observations of the half-life fit (the fit itself,
 * its writers and its stats: retention_fit.c) and the model's reader. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/affinity.h"
#include "io/csvrow.h"
#include "io/sidefile.h"
#include "util/err.h"
#include "metrics/retention.h"
#include "util/num.h"
#include "util/stats.h"

/* ---- per-learner scratch, reused across learners --------------------- */

/* Per capability index: adoption and last use (a_c, l_c of §6.3) and
 * their periods; list holds the used capabilities in adoption order. */
struct capst {
	tl_time first, last;
	int64_t ap, lp;
};

static _Thread_local struct {   /* per thread: run.c may use two */
	struct capst *c;
	int32_t *list;
	unsigned char *seen;
	size_t cap;
} R;

static void reserve(size_t ncaps)
{
	if (ncaps > R.cap) {
		R.cap = ncaps * 2;
		R.c = tl_xrealloc(R.c, R.cap * sizeof *R.c);
		R.list = tl_xrealloc(R.list, R.cap * sizeof *R.list);
		R.seen = tl_xrealloc(R.seen, R.cap);
	}
	if (ncaps)
		memset(R.seen, 0, ncaps);
}

/* The period grid of §3 and the recency weights of §6.3: the end of
 * period p < K is t0 + (p+1)P <= T, so w(end of p) = w_{K-1}·q^(K-1-p)
 * with q = exp(-λP); the end of K is clamped to T, so its weight is 1. */
struct grid {
	tl_time t0, T, P;
	int64_t K;
	double wK1;        /* w(end of K-1) = exp(-λ·days(T - (t0 + K·P))) */
	double x;          /* λ·P in days: -log q */
	double em1x;       /* expm1(-x), the denominator of every tail */
	int64_t cached_p;
	double cached_w;
};

static void grid_init(struct grid *g, tl_time t0, tl_time T, const struct tl_retention_params *prm)
{
	double lambda = log(2) / tl_days(prm->recency_half_life);
	g->t0 = t0, g->T = T, g->P = prm->period;
	g->K = (T - t0) / prm->period;
	g->wK1 = exp(-lambda * tl_days(T - (t0 + g->K * prm->period)));
	g->x = lambda * tl_days(prm->period);
	g->em1x = expm1(-g->x);
	g->cached_p = -1;
	g->cached_w = 0;
}

static double grid_weight(struct grid *g, int64_t p)
{
	if (p != g->cached_p) {
		g->cached_p = p;
		g->cached_w = p >= g->K ? 1 : g->wK1 * exp(-(double)(g->K - 1 - p) * g->x);
	}
	return g->cached_w;
}

/* Σ w(end of p) over p = a+1 .. K, in closed form (geometric series). */
static double grid_tail(const struct grid *g, int64_t a)
{
	if (a >= g->K)
		return 0;
	int64_t n = g->K - 1 - a;   /* periods a+1 .. K-1 */
	return 1 + (n > 0 ? g->wK1 * expm1(-(double)n * g->x) / g->em1x : 0);
}

/* One pass over the past events: uses, a_c/l_c, and the numerator of
 * reuse_score, Σ [c used in p]·w(end of p) over periods after a_c's. */
static double walk(const struct tl_learner *l, size_t npast, struct grid *g, struct tl_retention *out)
{
	double num = 0;
	for (size_t i = 0; i < npast; i++) {
		const struct tl_event *e = &l->ev[i];
		if (!e->use)
			continue;
		int64_t p = (e->ts - g->t0) / g->P;
		struct capst *c = &R.c[e->cap];
		if (!R.seen[e->cap]) {
			R.seen[e->cap] = 1;
			*c = (struct capst){e->ts, e->ts, p, p};
			R.list[out->capabilities++] = e->cap;
			continue;
		}
		out->reuses++;
		c->last = e->ts;
		if (p != c->lp) {
			c->lp = p;
			num += grid_weight(g, p);
		}
	}
	return num;
}

/* retention_c = clamp(1 - days(T - l_c)/(2 h_c), 0, 1); h_c = 0: 1 at T. */
static double retention_c(tl_time T, tl_time last, double h)
{
	if (h <= 0)
		return last == T ? 1 : 0;
	double r = 1 - tl_days(T - last) / (2 * h);
	return r < 0 ? 0 : r > 1 ? 1 : r;
}

/* Both inputs are taken as written in records (6 significant digits,
 * §2): tl-velocity reads retention_strength from the record and
 * tl-retention reads velocity_momentum, so computing from the written
 * values makes every order of the tools give the same churn_risk. */
double tl_retention_churn_risk(double strength, double momentum, double momentum_weight)
{
	if (isnan(strength))
		return NAN;
	strength = tl_round_g6(strength);
	if (isnan(momentum))
		return 1 - strength;
	return 1 - ((1 - momentum_weight) * strength + momentum_weight * tl_round_g6(momentum));
}

void tl_retention_compute(const struct tl_daycut *days, double momentum, const struct tl_retention_params *prm,
			  struct tl_retention *out)
{
	const struct tl_learner *l = days->l;
	size_t npast = days->npast;
	tl_time asof = days->asof;
	*out = (struct tl_retention){0, 0, 0, 0, 0, NAN, NAN, NAN, NAN, 1};
	out->churned = !(npast < l->nev && l->ev[npast].ts <= asof + prm->churn_horizon);
	if (npast == 0)
		return;
	out->active_days = (long long)days->n;
	out->events_last_7d = tl_daycut_count(days, 0, 7);
	out->events_prev_7d = tl_daycut_count(days, 7, 14);
	reserve(l->ncaps);
	struct grid g;
	grid_init(&g, l->ev[0].ts, asof, prm);
	double num = walk(l, npast, &g, out), den = 0, sum_ret = 0;
	out->days_since_last = tl_days(asof - l->ev[npast - 1].ts);
	for (long long i = 0; i < out->capabilities; i++) {
		int32_t cap = R.list[i];
		const struct capst *c = &R.c[cap];
		den += grid_tail(&g, c->ap);
		double h = prm->model ? tl_retention_model_half_life(prm->model, l->caps[cap].p, l->caps[cap].n,
								      prm->half_life_days)
				      : prm->half_life_days;
		sum_ret += retention_c(asof, c->last, h);
	}
	if (out->capabilities == 0)
		return;
	if (den > 0)
		out->reuse_score = num / den;
	double mean = sum_ret / (double)out->capabilities;
	out->strength = isnan(out->reuse_score) ? mean
			: prm->reuse_weight * out->reuse_score + (1 - prm->reuse_weight) * mean;
	out->churn_risk = tl_retention_churn_risk(out->strength, momentum, prm->momentum_weight);
}

/* ---- Kaplan–Meier ------------------------------------------------------ */

/* R's survfit uses this tolerance when it looks for S <= 0.5 (all.equal). */
#define KM_HALF (0.5 + 1.4901161193847656e-08)

/* The pointwise interval on the log-log scale (Kalbfleisch & Prentice;
 * R survfit conf.type = "log-log"): with se = sqrt(Greenwood sum), the
 * standard error of log S, the band is S^exp(±z·se/log S). */
static void loglog_band(double S, double gw, double z, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!(S > 0 && S < 1) || !isfinite(gw))
		return;
	double L = log(S), k = z * sqrt(gw) / L;   /* k < 0 */
	*lo = exp(L * exp(-k));
	*hi = exp(L * exp(k));
}

/* The median is the smallest t with S(t) <= 0.5 (§6.5). Its interval is
 * Brookmeyer & Crowley's (1982) inversion of the pointwise band, as R's
 * survfit (print, quantile) reports it: the lower limit is the smallest t
 * whose lower band is <= 0.5, the upper limit the smallest t whose upper
 * band is <= 0.5; times where the band is undefined (S = 1 or S = 0) are
 * skipped. Each limit is empty when not reached, independently of the
 * median. Unlike R, no midpoint is taken when a curve equals 0.5 over an
 * interval (§6.5: the smallest t). */
static void km_quantiles(const struct tl_km_step *s, struct tl_km_summary *sum)
{
	if (isnan(sum->median) && s->surv <= KM_HALF)
		sum->median = (double)s->t;
	if (isnan(sum->ci_low) && s->lower <= KM_HALF)
		sum->ci_low = (double)s->t;
	if (isnan(sum->ci_high) && s->upper <= KM_HALF)
		sum->ci_high = (double)s->t;
}

/* One step of the estimate: d events and c censored at t, of at_risk. */
struct km_walk {
	double S, gw, z;
	uint64_t at_risk;
	size_t k;
	struct tl_km_summary *sum;
	void (*fn)(void *ctx, const struct tl_km_step *s);
	void *ctx;
};

static void km_step(struct km_walk *w, int64_t t, uint64_t d, uint64_t c)
{
	struct tl_km_step s = {t, w->at_risk, d, c, 0, 0, NAN, NAN};
	if (d) {
		w->S *= (double)(w->at_risk - d) / (double)w->at_risk;
		w->gw += w->at_risk > d ? (double)d / ((double)w->at_risk * (double)(w->at_risk - d)) : INFINITY;
	}
	s.surv = w->S;
	s.greenwood = w->gw;
	loglog_band(w->S, w->gw, w->z, &s.lower, &s.upper);
	km_quantiles(&s, w->sum);
	w->sum->events += d;
	w->sum->censored += c;
	w->at_risk -= d + c;
	if (w->fn)
		w->fn(w->ctx, &s);
	w->k++;
}

size_t tl_km(const struct tl_km_obs *obs, size_t n, double z,
	     void (*fn)(void *ctx, const struct tl_km_step *s), void *ctx, struct tl_km_summary *sum)
{
	*sum = (struct tl_km_summary){n, 0, 0, NAN, NAN, NAN};
	struct km_walk w = {1, 0, z, n, 0, sum, fn, ctx};
	for (size_t i = 0; i < n;) {
		int64_t t = obs[i].t;
		uint64_t d = 0, c = 0;
		for (; i < n && obs[i].t == t; i++)
			obs[i].censored ? c++ : d++;
		km_step(&w, t, d, c);
	}
	return w.k;
}

size_t tl_km_counts(const struct tl_km_count *cnt, size_t n, double z,
		    void (*fn)(void *ctx, const struct tl_km_step *s), void *ctx, struct tl_km_summary *sum)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += cnt[i].events + cnt[i].censored;
	*sum = (struct tl_km_summary){total, 0, 0, NAN, NAN, NAN};
	struct km_walk w = {1, 0, z, total, 0, sum, fn, ctx};
	for (size_t i = 0; i < n; i++)
		if (cnt[i].events + cnt[i].censored)
			km_step(&w, cnt[i].t, cnt[i].events, cnt[i].censored);
	return w.k;
}

/* ---- the fit: one observation per (learner, capability) ---------------- */

void tl_km_fit_add(struct tl_km_fit *f, const struct tl_learner *l, size_t npast, tl_time asof)
{
	reserve(l->ncaps);
	size_t ncaps = 0;
	for (size_t i = 0; i < npast; i++) {
		const struct tl_event *e = &l->ev[i];
		if (!e->use)
			continue;
		if (!R.seen[e->cap]) {
			R.seen[e->cap] = 1;
			R.c[e->cap].first = e->ts;
			R.list[ncaps++] = e->cap;
		}
		R.c[e->cap].last = e->ts;
	}
	for (size_t i = 0; i < ncaps; i++) {
		struct tl_str name = l->caps[R.list[i]];
		const struct capst *c = &R.c[R.list[i]];
		if (name.n == 1 && name.p[0] == '*')
			tl_die_at(TL_EX_DATAERR, l->file, l->line,
				  "learner '%.*s': a capability named '*' clashes with the pooled row of the model",
				  (int)l->id.n, l->id.p);
		tl_km_fit_observe(f, name, c->last - c->first, asof - c->last);
	}
}

/* ---- the model reader ----------------------------------------------- */

struct tl_retention_model {
	struct tl_names names;
	double *h;          /* half-life in days by name index, NAN = empty */
	long *line;         /* line of each row, for duplicate messages */
	size_t cap;
	double star;        /* the "*" row, NAN when absent or empty */
	long star_line;
};

enum { MC_CAP, MC_LEARNERS, MC_STOPPED, MC_CENSORED, MC_HALF, MC_LOW, MC_HIGH, MC_N };
#define MC_REQUIRED 5   /* the columns of §6.3; ci_low and ci_high are optional */
static const char *const model_cols[MC_N] = {
	"capability", "learners", "stopped", "censored", "half_life_days", "ci_low", "ci_high"};

/* A model file being read: the side-file reader and the header map. */
struct mreader {
	const char *path;
	struct tl_sidefile *sf;
	long recline;       /* the current record's line */
	int col[MC_N];      /* field index of each column, -1 absent */
	size_t ncols;
};

/* The next CSV record (blank lines skipped); 0 at the end. */
static int model_record(struct mreader *r)
{
	int got = tl_sidefile_next(r->sf);
	r->recline = tl_sidefile_line(r->sf);
	return got;
}

static void model_header(struct mreader *r)
{
	if (!model_record(r))
		tl_die_at(TL_EX_DATAERR, r->path, 1, "empty model file (no header)");
	const struct tl_str *f = tl_sidefile_fields(r->sf);
	r->ncols = tl_sidefile_nfields(r->sf);
	for (int c = 0; c < MC_N; c++)
		r->col[c] = -1;
	for (size_t i = 0; i < r->ncols; i++) {
		int c = 0;
		while (c < MC_N && !(strlen(model_cols[c]) == f[i].n && memcmp(model_cols[c], f[i].p, f[i].n) == 0))
			c++;
		if (c == MC_N)
			tl_die_at(TL_EX_DATAERR, r->path, r->recline, "unknown column '%.*s' (the columns are "
				  "capability,learners,stopped,censored,half_life_days,ci_low,ci_high)",
				  (int)(f[i].n > 60 ? 60 : f[i].n), f[i].p);
		if (r->col[c] >= 0)
			tl_die_at(TL_EX_DATAERR, r->path, r->recline, "duplicate column '%s'", model_cols[c]);
		r->col[c] = (int)i;
	}
	for (int c = 0; c < MC_REQUIRED; c++)
		if (r->col[c] < 0)
			tl_die_at(TL_EX_DATAERR, r->path, r->recline, "missing column '%s'", model_cols[c]);
}

/* A field as a number: a count (digits only) or a non-negative finite
 * number; empty gives NAN when allow_empty. Exits 65 otherwise. */
static double model_number(const struct mreader *r, int c, int count, int allow_empty)
{
	if (r->col[c] < 0)
		return NAN;
	struct tl_str s = tl_sidefile_fields(r->sf)[r->col[c]];
	if (s.n == 0 && allow_empty)
		return NAN;
	int ok = s.n > 0 && s.n < 64;
	double v = 0;
	unsigned long long u = 0;
	if (ok && count) {   /* read as an integer: 2^53 + 1 is refused, not rounded */
		ok = tl_uint_parse(s.p, s.n, TL_COUNT_MAX, &u) == 0;
		v = (double)u;
	} else if (ok) {
		ok = tl_num_parse(s.p, s.n, &v) == 0 && v >= 0 && s.p[0] != '+';   /* the one number rule */
	}
	if (!ok)
		tl_die_at(TL_EX_DATAERR, r->path, r->recline, "bad %s '%.*s' (want %s)", model_cols[c],
			  (int)(s.n > 60 ? 60 : s.n), s.p,
			  count ? "a count" : allow_empty ? "a number >= 0 or empty" : "a number >= 0");
	return v;
}

static void model_row(struct tl_retention_model *m, struct mreader *r)
{
	if (tl_sidefile_nfields(r->sf) != r->ncols)
		tl_die_at(TL_EX_DATAERR, r->path, r->recline, "%zu fields, the header has %zu",
			  tl_sidefile_nfields(r->sf), r->ncols);
	struct tl_str name = tl_sidefile_fields(r->sf)[r->col[MC_CAP]];
	if (name.n == 0)
		tl_die_at(TL_EX_DATAERR, r->path, r->recline, "empty capability");
	double n = model_number(r, MC_LEARNERS, 1, 0), d = model_number(r, MC_STOPPED, 1, 0);
	double c = model_number(r, MC_CENSORED, 1, 0), h = model_number(r, MC_HALF, 0, 1);
	model_number(r, MC_LOW, 0, 1);
	model_number(r, MC_HIGH, 0, 1);
	if (n != d + c)
		tl_die_at(TL_EX_DATAERR, r->path, r->recline, "learners (%.0f) is not stopped + censored (%.0f)", n, d + c);
	long first = 0;
	if (name.n == 1 && name.p[0] == '*') {
		first = m->star_line;
		m->star = h;
		m->star_line = r->recline;
	} else {
		int added;
		size_t i = tl_names_add(&m->names, name.p, name.n, &added);
		if (i >= m->cap) {
			m->cap = (i + 1) * 2;
			m->h = tl_xrealloc(m->h, m->cap * sizeof *m->h);
			m->line = tl_xrealloc(m->line, m->cap * sizeof *m->line);
		}
		if (added) {
			m->h[i] = h;
			m->line[i] = r->recline;
		} else {
			first = m->line[i];
		}
	}
	if (first)
		tl_die_at(TL_EX_DATAERR, r->path, r->recline, "duplicate capability '%.*s' (first on line %ld)",
			  (int)(name.n > 60 ? 60 : name.n), name.p, first);
}

struct tl_retention_model *tl_retention_model_read(const char *path)
{
	struct mreader r = {path, tl_sidefile_open(path, 65536), 0, {0}, 0};
	struct tl_retention_model *m = tl_xcalloc(1, sizeof *m);
	m->star = NAN;
	model_header(&r);
	while (model_record(&r))
		model_row(m, &r);
	tl_sidefile_close(r.sf);
	return m;
}

double tl_retention_model_half_life(const struct tl_retention_model *m, const char *name, size_t n,
				    double fallback)
{
	long i = tl_names_find(&m->names, name, n);
	if (i >= 0 && !isnan(m->h[i]))
		return m->h[i];
	return isnan(m->star) ? fallback : m->star;
}

void tl_retention_model_free(struct tl_retention_model *m)
{
	if (!m)
		return;
	tl_names_free(&m->names);
	free(m->h);
	free(m->line);
	free(m);
}
