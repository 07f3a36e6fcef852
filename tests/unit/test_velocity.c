/* test_velocity.c - §6.1 on hand-built learners: the worked example of
 * §6.4 with decay off and on (values computed by hand from the formulas),
 * empty learners, the label window and the §6.5 rules. */
#include <stdlib.h>

#include "unit.h"
#include "metrics/velocity.h"

/* A learner from (day offset from 2025-01-01, capability or NULL, use). */
struct ev { double day; const char *cap; int use; };

static struct tl_learner make(const struct ev *evs, size_t n, struct tl_str *caps, size_t *ncaps, struct tl_event *out)
{
	tl_time t0 = (tl_time)1735689600 * TL_SEC;
	*ncaps = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t c = -1;
		if (evs[i].cap) {
			for (size_t k = 0; k < *ncaps; k++)
				if (strcmp(caps[k].p, evs[i].cap) == 0)
					c = (int32_t)k;
			if (c < 0) {
				caps[*ncaps] = (struct tl_str){evs[i].cap, strlen(evs[i].cap)};
				c = (int32_t)(*ncaps)++;
			}
		}
		out[i] = (struct tl_event){t0 + (tl_time)(evs[i].day * (double)TL_DAY), -1, c,
			(uint8_t)(evs[i].use && c >= 0), TL_ACTION_USE, 0, {NULL, 0}};
	}
	struct tl_learner l = {0};
	l.ev = out;
	l.nev = n;
	l.caps = caps;
	l.ncaps = *ncaps;
	l.has_events = 1;
	return l;
}

static const struct ev worked[] = {
	{0, "algebra", 1}, {1, NULL, 0}, {8, "algebra", 1}, {9, "loops", 1}, {19, "algebra", 1},
};

static void worked_example(void)
{
	struct tl_str caps[8];
	struct tl_event evs[8];
	size_t nc;
	struct tl_learner l = make(worked, 5, caps, &nc, evs);
	tl_time asof = evs[0].ts + 28 * TL_DAY;
	struct tl_velocity_params p = TL_VELOCITY_DEFAULTS;
	p.decay_half_life = 0;
	struct tl_velocity v;
	tl_velocity_compute(&l, 5, asof, &p, &v);
	CHECK(v.interactions == 5 && v.adoptions == 2 && v.periods == 5);
	CHECK_NEAR(v.tenure_days, 28, 1e-12);
	CHECK_NEAR(v.velocity_simple, 0.4, 1e-15);
	CHECK_NEAR(v.velocity, 0.1715, 1e-15);     /* §6.4: E = .5 .5 .35 .245 .1715 */
	CHECK_NEAR(v.momentum, 0.343, 1e-15);
	CHECK_NEAR(v.trend, -0.0912, 1e-15);
	CHECK_NEAR(v.next, 0.0797, 1e-15);
	CHECK_NEAR(v.next_actual, 0, 0);           /* no event after as-of */
	CHECK(v.next_interactions == 0);           /* so next_active 0 */

	/* decay on, Hv = 90d: age_p = 28 - 7(p+1) days, decay = 2^(-age/90) */
	p.decay_half_life = 90 * TL_DAY;
	tl_velocity_compute(&l, 5, asof, &p, &v);
	double d0 = pow(2, -21.0 / 90), d1 = pow(2, -14.0 / 90);
	double E0 = 0.5 * d0, E1 = 0.3 * 0.5 * d1 + 0.7 * E0, E2 = 0.7 * E1, E3 = 0.7 * E2, E4 = 0.7 * E3;
	CHECK_NEAR(v.velocity, E4, 1e-15);
	CHECK_NEAR(v.momentum, E4 / E1, 1e-15);
	double ym = (E0 + E1 + E2 + E3 + E4) / 5;
	double slope = (-2 * (E0 - ym) - (E1 - ym) + (E3 - ym) + 2 * (E4 - ym)) / 10;
	CHECK_NEAR(v.trend, slope, 1e-15);
	CHECK_NEAR(v.next, ym + slope * 3, 1e-15);

	/* trend window 2: the last two periods only */
	p.decay_half_life = 0;
	p.trend_window = 2;
	tl_velocity_compute(&l, 5, asof, &p, &v);
	CHECK_NEAR(v.trend, 0.1715 - 0.245, 1e-15);
	CHECK_NEAR(v.next, 0.1715 + (0.1715 - 0.245), 1e-15);
	/* trend window 1: a single point, trend 0, next = E_K (§6.5) */
	p.trend_window = 1;
	tl_velocity_compute(&l, 5, asof, &p, &v);
	CHECK(v.trend == 0);
	CHECK_NEAR(v.next, 0.1715, 1e-15);
}

static void edge_cases(void)
{
	struct tl_str caps[8];
	struct tl_event evs[8];
	size_t nc;
	struct tl_velocity_params p = TL_VELOCITY_DEFAULTS;
	p.decay_half_life = 0;
	struct tl_velocity v;
	/* no event at or before as-of: counts 0, ratios empty; label computed */
	static const struct ev later[] = {{10, "a", 1}, {11, "b", 1}, {12, "b", 1}, {30, "c", 1}};
	struct tl_learner l = make(later, 4, caps, &nc, evs);
	tl_time asof = evs[0].ts - TL_DAY;
	tl_velocity_compute(&l, 0, asof, &p, &v);
	CHECK(v.interactions == 0 && v.adoptions == 0 && v.periods == 0);
	CHECK(isnan(v.velocity) && isnan(v.velocity_simple) && isnan(v.tenure_days) && isnan(v.momentum));
	/* window (asof, asof+7d] holds days 10, 11, 12: adoptions a, b -> 2/3 */
	asof = evs[0].ts - 3 * TL_DAY;
	tl_velocity_compute(&l, 0, asof, &p, &v);
	CHECK_NEAR(v.next_actual, 2.0 / 3, 1e-15);
	CHECK(v.next_interactions == 3);
	/* the window is (asof, asof+P]: an event exactly at asof+P is in */
	asof = evs[2].ts - 7 * TL_DAY;
	tl_velocity_compute(&l, 0, asof, &p, &v);
	CHECK_NEAR(v.next_actual, 2.0 / 3, 1e-15);
	/* a capability used before as-of counts as a reuse in the window */
	tl_velocity_compute(&l, 1, evs[0].ts, &p, &v);
	CHECK_NEAR(v.next_actual, 1.0 / 2, 1e-15);   /* window days 11, 12: b new, b reuse */
	CHECK(v.next_interactions == 2);
	/* a window of reuses only: active, velocity 0 */
	tl_velocity_compute(&l, 2, evs[1].ts + TL_DAY / 2, &p, &v);
	CHECK(v.next_interactions == 1);              /* day 12: b again */
	CHECK_NEAR(v.next_actual, 0, 0);
	/* interactions and uses of an empty capability are never adoptions */
	static const struct ev plain[] = {{0, NULL, 1}, {1, "x", 0}, {2, "x", 1}, {3, "x", 1}};
	l = make(plain, 4, caps, &nc, evs);
	tl_velocity_compute(&l, 4, evs[3].ts, &p, &v);
	CHECK(v.interactions == 4 && v.adoptions == 1 && v.periods == 1);
	CHECK_NEAR(v.velocity, 0.25, 1e-15);
	CHECK_NEAR(v.momentum, 1, 0);
	CHECK(v.trend == 0);
	/* momentum 0 when every E_p is 0 */
	static const struct ev none[] = {{0, NULL, 0}, {20, NULL, 0}};
	l = make(none, 2, caps, &nc, evs);
	tl_velocity_compute(&l, 2, evs[1].ts, &p, &v);
	CHECK(v.momentum == 0 && v.velocity == 0 && v.velocity_simple == 0 && v.periods == 3);
	/* long inactivity: 400 empty weeks decay E by 0.7^400, trend over the last 8 */
	static const struct ev gap[] = {{0, "a", 1}};
	l = make(gap, 1, caps, &nc, evs);
	tl_velocity_compute(&l, 1, evs[0].ts + 400 * 7 * TL_DAY, &p, &v);
	CHECK(v.periods == 401);
	CHECK_REL(v.velocity, pow(0.7, 400), 1e-12);
	CHECK_NEAR(v.next, 0, 1e-60);
}

int main(void)
{
	worked_example();
	edge_cases();
	return UNIT_DONE();
}
