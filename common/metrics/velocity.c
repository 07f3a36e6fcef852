/* velocity.c - §6.1: periods, EMA with decay, OLS trend, momentum. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "metrics/velocity.h"

/* Scratch reused across learners: capability seen flags, last W E_p. */
static _Thread_local unsigned char *seen;   /* per thread: run.c may use two */
static _Thread_local size_t seen_cap;
static _Thread_local double *ring;
static _Thread_local size_t ring_cap;

static void reserve(size_t ncaps, size_t w)
{
	if (ncaps > seen_cap) {
		seen_cap = ncaps * 2;
		seen = tl_xrealloc(seen, seen_cap);
	}
	if (w > ring_cap) {
		ring_cap = w;
		ring = tl_xrealloc(ring, ring_cap * sizeof *ring);
	}
	if (ncaps)
		memset(seen, 0, ncaps);
}

/* The EMA walk over periods 0..K (§6.1). Empty periods have v = 0, so
 * E decays by (1-α) each; long empty runs before the trend window are
 * skipped in closed form. */
struct walk {
	const struct tl_velocity_params *prm;
	tl_time t0, asof;
	long long K, first_kept;    /* periods >= first_kept go to the ring */
	long long p;                /* last period computed, -1 before */
	double E, maxE;
	int W;
};

static void keep(struct walk *w)
{
	if (w->p >= w->first_kept)
		ring[w->p % w->W] = w->E;
}

/* Periods p+1 .. target-1 are empty. */
static void skip_empty(struct walk *w, long long target)
{
	long long next = w->p + 1;
	if (next >= target)
		return;
	if (next < w->first_kept) {
		long long jump = (target < w->first_kept ? target : w->first_kept) - next;
		w->E *= pow(1 - w->prm->alpha, (double)jump);
		w->p += jump;
	}
	while (w->p + 1 < target) {
		w->E *= 1 - w->prm->alpha;
		w->p++;
		keep(w);
	}
}

static void period_done(struct walk *w, long long p, long long I, long long A)
{
	skip_empty(w, p);
	double v = (double)A / (double)I;
	double decay = 1;
	if (w->prm->decay_half_life > 0) {
		tl_time age = w->asof - (w->t0 + (p + 1) * w->prm->period);
		if (age < 0)
			age = 0;
		decay = exp2(-(double)age / (double)w->prm->decay_half_life);
	}
	w->E = p == 0 ? v * decay : w->prm->alpha * v * decay + (1 - w->prm->alpha) * w->E;
	w->p = p;
	if (w->E > w->maxE)
		w->maxE = w->E;
	keep(w);
}

/* OLS slope and the prediction at K+1 over the kept periods (§6.1). */
static void trend(const struct walk *w, struct tl_velocity *out)
{
	long long n = w->K - w->first_kept + 1;
	if (n < 2) {
		out->trend = 0;
		out->next = w->E;
		return;
	}
	double xm = (double)(w->first_kept + w->K) / 2, ym = 0, sxy = 0, sxx = 0;
	for (long long p = w->first_kept; p <= w->K; p++)
		ym += ring[p % w->W];
	ym /= (double)n;
	for (long long p = w->first_kept; p <= w->K; p++) {
		double dx = (double)p - xm;
		sxy += dx * (ring[p % w->W] - ym);
		sxx += dx * dx;
	}
	out->trend = sxy / sxx;
	double next = ym + out->trend * ((double)(w->K + 1) - xm);
	out->next = next < 0 ? 0 : next > 1 ? 1 : next;
}

/* The label window (asof, asof+P] (§3, §6.5): adoptions are first uses
 * ever; seen holds every capability used at or before as-of. */
static double next_actual(const struct tl_learner *l, size_t npast, tl_time asof, tl_time period,
			  long long *events)
{
	long long I = 0, A = 0;
	for (size_t i = npast; i < l->nev && l->ev[i].ts <= asof + period; i++) {
		const struct tl_event *e = &l->ev[i];
		I++;
		if (e->use && !seen[e->cap]) {
			seen[e->cap] = 1;
			A++;
		}
	}
	*events = I;
	return I ? (double)A / (double)I : 0;
}

void tl_velocity_compute(const struct tl_learner *l, size_t npast, tl_time asof,
			 const struct tl_velocity_params *prm, struct tl_velocity *out)
{
	reserve(l->ncaps, (size_t)prm->trend_window);
	*out = (struct tl_velocity){0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0};
	if (npast > 0) {
		struct walk w = {prm, l->ev[0].ts, asof, 0, 0, -1, 0, 0, prm->trend_window};
		w.K = (asof - w.t0) / prm->period;
		w.first_kept = w.K - w.W + 1 > 0 ? w.K - w.W + 1 : 0;
		long long I = 0, A = 0, cur = 0;
		tl_time cur_end = w.t0 + prm->period;   /* events are sorted: divide only at a new period */
		for (size_t i = 0; i < npast; i++) {
			const struct tl_event *e = &l->ev[i];
			if (e->ts >= cur_end) {
				long long p = (e->ts - w.t0) / prm->period;
				cur_end = w.t0 + (p + 1) * prm->period;
				period_done(&w, cur, I, A);
				out->interactions += I, out->adoptions += A;
				I = A = 0;
				cur = p;
			}
			I++;
			if (e->use && !seen[e->cap]) {
				seen[e->cap] = 1;
				A++;
			}
		}
		period_done(&w, cur, I, A);
		out->interactions += I, out->adoptions += A;
		skip_empty(&w, w.K + 1);
		out->periods = w.K + 1;
		out->tenure_days = tl_days(asof - w.t0);
		out->velocity_simple = (double)out->adoptions / (double)out->interactions;
		out->velocity = w.E;
		out->momentum = w.maxE > 0 ? w.E / w.maxE : 0;
		trend(&w, out);
	}
	out->next_actual = next_actual(l, npast, asof, prm->period, &out->next_interactions);
}
