/* loadgen.c - tl-loadgen's generative model of learners: the archetypes,
 * the capability catalogue, one learner's events (the options are in
 * options.c, the writer in writer.c, the exact real helpers and the world
 * in model_impl.h, --profile mooc's days in profile_mooc.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "loadgen/loadgen.h"
#include "loadgen/model_impl.h"
#include "util/rng.h"
#include "util/tltime.h"

#define ZIPF_EXPONENT 1.1
#define HALF_LIFE_DAYS 45.0      /* median capability half-life */
#define HALF_LIFE_SD 0.18        /* sd of its logarithm */

/* ---- archetypes -------------------------------------------------- */

/* The archetypes' medians (struct tl_lg_archetype in model_impl.h). */
const struct tl_lg_archetype tl_lg_archs[TL_LG_NARCH] = {
	{"fast_learner", 1.80, 0.30, -0.050, 0.030, 3.0, 0.20, 0.55, 1.0, 3, 0.5, 0.9, 0.10, 0.7},
	{"specialist", 1.60, 0.20, -0.030, 0.022, 3.0, 0.25, 0.20, 1.0, 2, 0.05, 0.40, 0.03, 0.9},
	{"power_user", 1.40, 0.80, -0.020, 0.030, 4.2, 0.30, 0.12, 1.5, 3, 0.4, 0.8, 0.05, 0.8},
	{"long_term_retainer", 1.50, 0.10, 0.000, 0.008, 3.0, 0.20, 0.12, 3.0, 3, 0.6, 1.0, 0.10, 0.8},
	{"generalist", 1.00, 0.25, -0.150, 0.040, 2.2, 0.45, 0.35, 1.0, 0, 1.0, 1.0, 0.00, 0.1},
};

const char *tl_lg_arch_name(int a) { return tl_lg_archs[a].name; }
double tl_lg_arch_roi(int a) { return tl_lg_archs[a].roi; }

/* First index i in cum[0..n) with u < cum[i] (n - 1 when none). */
static long search_cum(const double *cum, long n, double u)
{
	long lo = 0, hi = n - 1;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (u < cum[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- the catalogue ----------------------------------------------- */


static const char *const DOMAIN_NAMES[] = {
	"math", "code", "writing", "science", "language", "data", "design", "business",
	"history", "music", "health", "finance", "art", "law", "physics", "biology",
};
#define NDOMAIN_NAMES (sizeof DOMAIN_NAMES / sizeof DOMAIN_NAMES[0])

static void build_domains(struct tl_lg_world *w, struct tl_rng *r)
{
	const struct tl_lg_config *c = w->cfg;
	long C = c->capabilities, *fill = tl_xcalloc((size_t)c->domains, sizeof *fill);
	for (int d = 0; d < c->domains; d++) {
		if ((size_t)d < NDOMAIN_NAMES)
			snprintf(w->dom_name[d], MAX_NAME, "%s", DOMAIN_NAMES[d]);
		else
			snprintf(w->dom_name[d], MAX_NAME, "domain%d", d + 1);
	}
	/* Capability of global popularity rank j: domains dealt evenly, shuffled. */
	for (long j = 0; j < C; j++)
		w->cap_dom[j] = (int32_t)(j % c->domains);
	for (long j = C - 1; j > 0; j--) {
		long k = (long)tl_rng_below(r, (uint64_t)j + 1);
		int32_t t = w->cap_dom[j];
		w->cap_dom[j] = w->cap_dom[k];
		w->cap_dom[k] = t;
	}
	for (long j = 0; j < C; j++)
		w->dom_off[w->cap_dom[j] + 1]++;
	for (int d = 0; d < c->domains; d++)
		w->dom_off[d + 1] += w->dom_off[d];
	for (long j = 0; j < C; j++) {
		int d = w->cap_dom[j];
		long at = w->dom_off[d] + fill[d]++;
		double weight = det_exp(-ZIPF_EXPONENT * det_log((double)(j + 1)));
		w->dom_cap[at] = (int32_t)j;
		w->dom_cum[at] = (fill[d] > 1 ? w->dom_cum[at - 1] : 0.0) + weight;
		snprintf(w->cap_name[j], MAX_NAME, "%s-%ld", w->dom_name[d], fill[d]);
		w->cap_hl[j] = HALF_LIFE_DAYS * SECS_PER_DAY * det_exp(HALF_LIFE_SD * det_normal(r));
	}
	for (int d = 0; d < c->domains; d++)
		w->dom_pop[d] = (d ? w->dom_pop[d - 1] : 0.0) + w->dom_cum[w->dom_off[d + 1] - 1];
	free(fill);
}

struct tl_lg_world *tl_lg_world_new(const struct tl_lg_config *c)
{
	struct tl_lg_world *w = tl_xcalloc(1, sizeof *w);
	size_t C = (size_t)c->capabilities, M = (size_t)c->domains;
	struct tl_rng r;
	w->cfg = c;
	w->tmax = tl_floor_div(c->end + c->horizon, TL_SEC);
	w->dom_name = tl_xcalloc(M, sizeof *w->dom_name);
	w->cap_name = tl_xcalloc(C, sizeof *w->cap_name);
	w->cap_dom = tl_xcalloc(C, sizeof *w->cap_dom);
	w->cap_hl = tl_xcalloc(C, sizeof *w->cap_hl);
	w->dom_off = tl_xcalloc(M + 1, sizeof *w->dom_off);
	w->dom_cap = tl_xcalloc(C, sizeof *w->dom_cap);
	w->dom_cum = tl_xcalloc(C, sizeof *w->dom_cum);
	w->stamp = tl_xcalloc(C, sizeof *w->stamp);
	w->adopt_cap = tl_xcalloc(C, sizeof *w->adopt_cap);
	w->adopt_t = tl_xcalloc(C, sizeof *w->adopt_t);
	w->reuse_cum = tl_xcalloc(C, sizeof *w->reuse_cum);
	w->dom_pop = tl_xcalloc(M, sizeof *w->dom_pop);
	seed_stream(&r, c->seed, 0, STREAM_WORLD);
	build_domains(w, &r);
	return w;
}

void tl_lg_world_free(struct tl_lg_world *w)
{
	if (!w)
		return;
	free(w->dom_name);
	free(w->cap_name);
	free(w->cap_dom);
	free(w->cap_hl);
	free(w->dom_off);
	free(w->dom_cap);
	free(w->dom_cum);
	free(w->stamp);
	free(w->adopt_cap);
	free(w->adopt_t);
	free(w->reuse_cum);
	free(w->dom_pop);
	free(w);
}

const struct tl_lg_config *tl_lg_world_config(const struct tl_lg_world *w) { return w->cfg; }
const char *tl_lg_domain_name(const struct tl_lg_world *w, int dom) { return w->dom_name[dom]; }
const char *tl_lg_cap_name(const struct tl_lg_world *w, long cap) { return w->cap_name[cap]; }
int tl_lg_cap_domain(const struct tl_lg_world *w, long cap) { return w->cap_dom[cap]; }
double tl_lg_cap_half_life_days(const struct tl_lg_world *w, long cap)
{
	return w->cap_hl[cap] / SECS_PER_DAY;
}

/* ---- one learner ------------------------------------------------- */


static int draw_arch(const struct tl_lg_config *c, struct tl_rng *r)
{
	double u = tl_rng_uniform(r), cum = 0;
	int last = 0;
	for (int a = 0; a < TL_LG_NARCH; a++) {
		if (c->mix[a] <= 0)
			continue;
		last = a;
		cum += c->mix[a];
		if (u < cum)
			return a;
	}
	return last;  /* u beyond a sum rounded below 1 */
}

/* A domain with probability proportional to its popularity (the sum of
 * its capabilities' Zipf weights), so adoptions follow Zipf overall. */
static int popular_domain(const struct tl_lg_world *w, struct tl_rng *r)
{
	int M = w->cfg->domains;
	return (int)search_cum(w->dom_pop, M, tl_rng_uniform(r) * w->dom_pop[M - 1]);
}

static void draw_person(struct tl_lg_world *w, struct tl_rng *r, int a, struct tl_lg_person *p)
{
	const struct tl_lg_archetype *A = &tl_lg_archs[a];
	int M = w->cfg->domains;
	p->rate0 = A->rate0 * lognormal(r, 0.5);
	p->drift = A->drift + 0.02 * det_normal(r);
	p->hazard = A->hazard * lognormal(r, 0.5);
	p->cont = 1.0 - 1.0 / (1.0 + (A->per_session - 1.0) * lognormal(r, 0.3));
	p->interact = clamp(A->interact * lognormal(r, 0.3), 0.02, 0.9);
	p->adopt = clamp(A->adopt * lognormal(r, 0.3), 0.01, 0.9);
	p->hl_mult = A->hl_mult;
	p->explore = A->explore;
	p->stick = A->stick;
	p->nfocus = A->focus < M ? A->focus : M;
	/* Focus domains: distinct, drawn by popularity; weights 1, q, q^2, ... */
	double q = A->ratio_lo + (A->ratio_hi - A->ratio_lo) * tl_rng_uniform(r), wgt = 1, cum = 0;
	for (int k = 0; k < p->nfocus; k++) {
		int d = popular_domain(w, r), tries = 0, dup;
		do {
			dup = 0;
			for (int i = 0; i < k; i++)
				dup |= p->focus[i] == d;
			if (dup)  /* redraw; after 64 tries take the next free domain */
				d = ++tries < 64 ? popular_domain(w, r) : (d + 1) % M;
		} while (dup);
		p->focus[k] = d;
		cum += wgt;
		p->focus_cum[k] = cum;
		wgt *= q;
	}
}

int tl_lg_draw_domain(const struct tl_lg_world *w, const struct tl_lg_person *p, struct tl_rng *r)
{
	if (p->nfocus == 0)  /* generalists roam all domains alike */
		return (int)tl_rng_below(r, (uint64_t)w->cfg->domains);
	if (tl_rng_uniform(r) < p->explore)
		return popular_domain(w, r);
	double u = tl_rng_uniform(r) * p->focus_cum[p->nfocus - 1];
	int k = 0;
	while (k < p->nfocus - 1 && u >= p->focus_cum[k])
		k++;
	return p->focus[k];
}

/* A capability of domain d the learner has not used, by Zipf popularity;
 * -1 when the learner has used all of d. */
static long new_capability(struct tl_lg_world *w, int d, struct tl_rng *r)
{
	long off = w->dom_off[d], n = w->dom_off[d + 1] - off;
	const double *cum = w->dom_cum + off;
	for (int tries = 0; tries < 16; tries++) {
		long cap = w->dom_cap[off + search_cum(cum, n, tl_rng_uniform(r) * cum[n - 1])];
		if (w->stamp[cap] != w->run)
			return cap;
	}
	for (long i = 0; i < n; i++)
		if (w->stamp[w->dom_cap[off + i]] != w->run)
			return w->dom_cap[off + i];
	return -1;
}

/* Recompute the cumulative reuse propensities 2^(-age/half-life) at t. */
double tl_lg_reuse_weights(struct tl_lg_world *w, const struct tl_lg_person *p, double t)
{
	double cum = 0;
	for (long i = 0; i < w->nadopt; i++) {
		double age = t - w->adopt_t[i], hl = w->cap_hl[w->adopt_cap[i]] * p->hl_mult;
		cum += det_exp(-0.69314718055994531 * age / hl);
		w->reuse_cum[i] = cum;
	}
	return cum;
}

static void push_event(struct tl_lg_learner *l, double t, long cap, int dom)
{
	if (l->n == l->size) {
		l->size = l->size ? 2 * l->size : 256;
		l->ev = tl_xrealloc(l->ev, l->size * sizeof *l->ev);
	}
	l->ev[l->n++] = (struct tl_lg_event){(int64_t)floor(t), (int32_t)cap, dom};
}

void tl_lg_one_event(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
		     struct tl_rng *r, double t, int d, double *S)
{
	if (tl_rng_uniform(r) >= p->stick)
		d = tl_lg_draw_domain(w, p, r);
	if (tl_rng_uniform(r) < p->interact) {
		push_event(l, t, -1, d);
		return;
	}
	double p_adopt = *S < 1.0 - p->adopt ? 1.0 - *S : p->adopt;
	long cap = -1;
	if (w->nadopt == 0 || tl_rng_uniform(r) < p_adopt)
		cap = new_capability(w, d, r);
	if (cap >= 0) {
		w->stamp[cap] = w->run;
		w->adopt_cap[w->nadopt] = (int32_t)cap;
		w->adopt_t[w->nadopt] = t;
		*S += 1.0;
		w->reuse_cum[w->nadopt++] = *S;
	} else if (w->nadopt > 0) {
		cap = w->adopt_cap[search_cum(w->reuse_cum, w->nadopt, tl_rng_uniform(r) * *S)];
	}
	push_event(l, t, cap, cap >= 0 ? w->cap_dom[cap] : d);
}

/* The default profile: sessions from the join time until churn or end +
 * horizon. */
static void simulate(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
		     struct tl_rng *r)
{
	const struct tl_lg_config *c = w->cfg;
	int64_t start = tl_floor_div(c->start, TL_SEC), end = tl_floor_div(c->end, TL_SEC);
	double t = (double)(start + (int64_t)tl_rng_below(r, (uint64_t)(end - start)));
	double e = p->rate0, tmax = (double)w->tmax + 1.0;
	w->nadopt = 0;
	for (;;) {
		int d = tl_lg_draw_domain(w, p, r);
		double S = tl_lg_reuse_weights(w, p, t);
		do {
			if (t >= tmax)
				return;
			tl_lg_one_event(w, l, p, r, t, d, &S);
			t += 15.0 + (double)tl_rng_below(r, 271);
		} while (tl_rng_uniform(r) < p->cont);
		double gap = det_expo(r) / e, churn = det_expo(r) / (p->hazard * p->rate0 / e);
		if (churn < gap)
			return;
		t += gap * SECS_PER_DAY;
		e = clamp(e * det_exp(p->drift + ENGAGEMENT_NOISE * (2.0 * tl_rng_uniform(r) - 1.0)),
			  1e-3, ENGAGEMENT_MAX * p->rate0);
	}
}

/* Stable insertion sort by ts: linear on the (already sorted) output. */
static void sort_events(struct tl_lg_learner *l)
{
	for (size_t i = 1; i < l->n; i++) {
		struct tl_lg_event x = l->ev[i];
		size_t j = i;
		while (j > 0 && l->ev[j - 1].ts > x.ts) {
			l->ev[j] = l->ev[j - 1];
			j--;
		}
		l->ev[j] = x;
	}
}

/* Arm and outcome from their own stream, so they never move an event. */
static void draw_outcome(const struct tl_lg_config *c, struct tl_lg_learner *l)
{
	struct tl_rng r;
	seed_stream(&r, c->seed, l->index, STREAM_OUTCOME);
	double u = tl_rng_uniform(&r), sd = c->outcome_sd;
	l->arm = c->arms ? (u < c->control_share ? 0 : 1) : -1;
	double mean = tl_lg_archs[l->arch].roi * (l->arm == 1 ? 1.0 + c->effect : 1.0);
	l->roi = mean * det_exp(sd * det_normal(&r) - 0.5 * sd * sd);
}

void tl_lg_generate(struct tl_lg_world *w, long index, struct tl_lg_learner *l)
{
	struct tl_rng r;
	struct tl_lg_person p;
	seed_stream(&r, w->cfg->seed, index, STREAM_EVENTS);
	w->run++;  /* forget the previous learner's capabilities */
	l->index = index;
	l->n = 0;
	l->arch = draw_arch(w->cfg, &r);
	draw_person(w, &r, l->arch, &p);
	if (w->cfg->profile == TL_LG_PROFILE_MOOC)
		tl_lg_mooc_simulate(w, l, &p, &r);
	else
		simulate(w, l, &p, &r);
	sort_events(l);
	draw_outcome(w->cfg, l);
}

double tl_lg_arch_churn(const struct tl_lg_config *c, int a)
{
	if (c->profile == TL_LG_PROFILE_MOOC)
		return tl_lg_mooc_churn(a);
	return 1.0 - det_exp(-30.0 * tl_lg_archs[a].hazard);
}

/* The archetype is the first draw of the events stream (tl_lg_generate),
 * so it is the population's truth without simulating the events; the
 * outcome has its own stream, the arm comes from the caller. */
void tl_lg_assigned_outcome(const struct tl_lg_config *c, long index, int treated, struct tl_lg_outcome *o)
{
	struct tl_rng r;
	seed_stream(&r, c->seed, index, STREAM_EVENTS);
	o->arch = draw_arch(c, &r);
	seed_stream(&r, c->seed, index, STREAM_ASSIGNED);
	double sd = c->outcome_sd, mean = tl_lg_archs[o->arch].roi * (treated ? 1.0 + c->effect : 1.0);
	o->roi = mean * det_exp(sd * det_normal(&r) - 0.5 * sd * sd);
	double p = clamp(tl_lg_arch_churn(c, o->arch) + (treated ? c->churn_effect : 0.0), 0.0, 1.0);
	o->churned = tl_rng_uniform(&r) < p;
}

void tl_lg_learner_free(struct tl_lg_learner *l)
{
	free(l->ev);
	l->ev = NULL;
	l->n = l->size = 0;
}
