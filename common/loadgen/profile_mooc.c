/* profile_mooc.c - tl-loadgen --profile mooc: the learners of the default
 * profile (archetype, behaviour, domains, adoptions: loadgen.c) living in
 * days instead of a continuous stream of sessions, with a first-day
 * leave, a heavy-tailed intensity, bursts of sessions within a day and a
 * weekly cycle; calibrated to the KDD Cup 2015 marginals that
 * man/tl-loadgen.1 (The mooc profile) states. */
#include <math.h>

#include "loadgen/loadgen.h"
#include "loadgen/model_impl.h"
#include "util/rng.h"
#include "util/tltime.h"

/* Share of events by weekday, Monday first: the KDD Cup 2015 figures. */
static const double WEEKDAY_SHARE[7] = {0.188, 0.138, 0.141, 0.147, 0.122, 0.118, 0.146};
#define WEEKDAY_MAX 0.188        /* the largest of them */
/* The calibrated constants (man/tl-loadgen.1 names them in words). */
#define DAY_RATE 1.5             /* active days per day of engagement e */
#define FIRST_DAY_DAYS 10.5      /* the first-day leave weighs this many days of hazard */
#define VISIT_DAYS 6.0           /* a later active day's leave: the same */
#define INTENSITY_MEDIAN 1.8     /* median multiplier on the events per session beyond the first */
#define INTENSITY_SD 1.35        /* sd of its logarithm */
#define COMMITMENT 1.5           /* which also divides the leaves' hazard by exp(COMMITMENT Z) */
#define BURSTS 1.5               /* mean sessions beyond the first on an active day */
#define SESSION_GAP_MIN 600.0    /* seconds between two sessions of a day, at least, */
#define SESSION_GAP_MEAN 3600.0  /* and an exponential beyond it, of this mean */
#define DAY_FIRST 25200.0        /* a return day's first session: 07:00 */
#define DAY_SPAN 50400.0         /* to 21:00 UTC */

/* What the profile adds to a learner's behaviour. */
struct mooc {
	double cont;   /* chance that a session goes on after an event */
	double burst;  /* chance that a day has another session */
	double leave;  /* chance to leave after the first day */
	double leave2; /* chance to leave after a later active day */
};

/* The weekday of a day number, 0 Monday (day 0, 1970-01-01, a Thursday). */
static int weekday(int64_t day) { return (int)(((day + 3) % 7 + 7) % 7); }

/* The relative activity of a day: 1 on average over a week. */
static double day_weight(int64_t day) { return 7.0 * WEEKDAY_SHARE[weekday(day)]; }

static int64_t day_of(double t) { return (int64_t)floor(t / SECS_PER_DAY); }

static void draw_mooc(const struct tl_lg_person *p, struct tl_rng *r, struct mooc *m)
{
	double extra = 1.0 / (1.0 - p->cont) - 1.0;  /* the person's mean events per session - 1 */
	double z = det_normal(r), active = 1.0 - det_exp(-DAY_RATE * p->rate0);
	double h = p->hazard * det_exp(-COMMITMENT * z) / active;  /* a day's hazard, per active day */
	m->cont = 1.0 - 1.0 / (1.0 + extra * INTENSITY_MEDIAN * det_exp(INTENSITY_SD * z));
	m->burst = BURSTS / (1.0 + BURSTS);
	m->leave = 1.0 - det_exp(-FIRST_DAY_DAYS * h);
	m->leave2 = 1.0 - det_exp(-VISIT_DAYS * h);
}

/* The join: uniform from start to end, thinned to the daytime of a return
 * day and by the weekday's weight (after 64 refusals the last draw stands,
 * for a window of a few hours). */
static double join_time(const struct tl_lg_config *c, struct tl_rng *r)
{
	int64_t start = tl_floor_div(c->start, TL_SEC), end = tl_floor_div(c->end, TL_SEC), t, day;
	int tries = 0;
	double tod;
	do {
		t = start + (int64_t)tl_rng_below(r, (uint64_t)(end - start));
		day = tl_floor_div(t, 86400);
		tod = (double)(t - day * 86400);
	} while (++tries < 64 && (tod < DAY_FIRST || tod >= DAY_FIRST + DAY_SPAN ||
				  tl_rng_uniform(r) * WEEKDAY_MAX >= WEEKDAY_SHARE[weekday(day)]));
	return (double)t;
}

/* The sessions of one active day from t (s): 1 + a geometric number, each
 * of 1 + a geometric number of events 15 to 285 s apart; the next session
 * starts after a gap, while the day lasts. Returns 0 at end + horizon. */
static int one_day(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
		   const struct mooc *m, struct tl_rng *r, double t)
{
	double midnight = (double)(day_of(t) + 1) * SECS_PER_DAY, tmax = (double)w->tmax + 1.0;
	for (;;) {
		int d = tl_lg_draw_domain(w, p, r);
		double S = tl_lg_reuse_weights(w, p, t);
		do {
			if (t >= tmax)
				return 0;
			tl_lg_one_event(w, l, p, r, t, d, &S);
			t += 15.0 + (double)tl_rng_below(r, 271);
		} while (tl_rng_uniform(r) < m->cont);
		if (tl_rng_uniform(r) >= m->burst)
			return 1;
		t += SESSION_GAP_MIN + SESSION_GAP_MEAN * det_expo(r);
		if (t >= midnight)
			return 1;
	}
}

/* The join day, then day by day: the learner leaves with its daily hazard
 * (lambda e0 / e, as in the default profile), else is active with chance
 * w (1 - exp(-DAY_RATE e)), w the weekday's weight. An active day may be
 * its last (m.leave, m.leave2); e moves after each. */
void tl_lg_mooc_simulate(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
			 struct tl_rng *r)
{
	struct mooc m;
	draw_mooc(p, r, &m);
	double t = join_time(w->cfg, r), e = p->rate0;
	int64_t day = day_of(t), last = day_of((double)w->tmax);
	w->nadopt = 0;
	if (!one_day(w, l, p, &m, r, t) || tl_rng_uniform(r) < m.leave)
		return;
	for (;;) {
		e = clamp(e * det_exp(p->drift + ENGAGEMENT_NOISE * (2.0 * tl_rng_uniform(r) - 1.0)),
			  1e-3, ENGAGEMENT_MAX * p->rate0);
		double stay = det_exp(-p->hazard * p->rate0 / e);
		do {
			if (++day > last || tl_rng_uniform(r) >= stay)
				return;
		} while (tl_rng_uniform(r) >= day_weight(day) * (1.0 - det_exp(-DAY_RATE * e)));
		t = (double)day * SECS_PER_DAY + DAY_FIRST + DAY_SPAN * tl_rng_uniform(r);
		if (!one_day(w, l, p, &m, r, t) || tl_rng_uniform(r) < m.leave2)
			return;
	}
}

/* For the archetype's median learner (Z = 0) at its initial engagement
 * on an average weekday: the first day's leave, then 30 days, each left
 * with the daily hazard and, when active, with a later day's leave. */
double tl_lg_mooc_churn(int a)
{
	const struct tl_lg_archetype *A = &tl_lg_archs[a];
	double active = 1.0 - det_exp(-DAY_RATE * A->rate0), h = A->hazard / active;
	double day = det_exp(-A->hazard) * (1.0 - active * (1.0 - det_exp(-VISIT_DAYS * h)));
	double stay = det_exp(-FIRST_DAY_DAYS * h);
	for (int i = 0; i < 30; i++)
		stay *= day;
	return 1.0 - stay;
}
