/* test_activity.c - unit tests of activity.c, the daily activity fields of
 * tl-retention, against values computed by hand (the sums are in the
 * comments): window boundaries, UTC days, the OLS slope, the longest gap
 * with its tail to as-of, weekdays before 1970, no event; and against a
 * direct per-event reference on pseudo-random learners, bit for bit. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "metrics/activity.h"
#include "unit.h"
#include "unit_days.h"

/* tl_activity_compute on the first npast events of l as of asof, cut
 * into days as tl-retention cuts them. */
static void activity(const struct tl_learner *l, size_t npast, tl_time asof, struct tl_activity *out)
{
	struct tl_daycut days;
	tl_daycut_build(l, npast, asof, &days);
	tl_activity_compute(&days, out);
}

/* The §6.4 worked example: events Jan 1, 2, 9, 10, 20 at midnight, as-of
 * Jan 29 00:00. */
static void worked(void)
{
	static const double d[] = {0, 1, 8, 9, 19};
	struct tl_activity a;
	activity(learner(JAN1, d, 5), 5, JAN1 + day(28), &a);
	CHECK_EQ(a.events_last_3d, 0);      /* none in (Jan 26, Jan 29] */
	CHECK_EQ(a.active_days_7d, 0);      /* none in (Jan 22, Jan 29] */
	CHECK_EQ(a.active_days_14d, 1);     /* Jan 20 in (Jan 15, Jan 29] */
	/* ages of the days' starts: 28, 27, 20, 19, 9 days; half-life 2 days */
	CHECK_NEAR(a.active_days_decayed, exp2(-14) + exp2(-13.5) + exp2(-10) + exp2(-9.5) + exp2(-4.5), 1e-15);
	CHECK_NEAR(a.active_days_decayed, 0.0466992, 5e-8);
	/* one event 9 days back: (6.5 - 9) / 227.5, 227.5 = Σ_{k=0}^{13} (6.5 - k)^2 */
	CHECK_NEAR(a.trend, -2.5 / 227.5, 1e-15);
	/* gaps 0, 6, 0, 9 days; the tail Jan 21 00:00 to Jan 29 00:00 is 8 */
	CHECK_NEAR(a.longest_gap_days, 9, 0);
	CHECK_NEAR(a.weekend_share, 0, 0);   /* Wed, Thu, Thu, Fri, Mon */
	CHECK_NEAR(a.events_per_active_day, 1, 0);
}

/* As-of Wed Jan 15 12:00 (day 14.5); events on days 0 (Wed), 3.5 (Sat),
 * 4.25 (Sun), 7.5 and 7.75 (Wed Jan 8), 11.5 (Sun), 12 (Mon), 14.5 (= T). */
static void boundaries(void)
{
	static const double d[] = {0, 3.5, 4.25, 7.5, 7.75, 11.5, 12, 14.5};
	struct tl_activity a;
	activity(learner(JAN1, d, 8), 8, JAN1 + day(14.5), &a);
	/* (T-3d, T] = (day 11.5, day 14.5]: 12 and 14.5; 11.5 is T-3d exactly */
	CHECK_EQ(a.events_last_3d, 2);
	/* (day 7.5, day 14.5]: 7.75 (UTC day 7; 7.5 is T-7d, out), 11.5, 12,
	 * 14.5: days 7, 11, 12, 14 */
	CHECK_EQ(a.active_days_7d, 4);
	/* (day 0.5, day 14.5]: days 3, 4, 7, 11, 12, 14 (day 0's event is out) */
	CHECK_EQ(a.active_days_14d, 6);
	/* days 0, 3, 4, 7, 11, 12, 14 start 14.5, 11.5, 10.5, 7.5, 3.5, 2.5,
	 * 0.5 days before T */
	CHECK_NEAR(a.active_days_decayed, exp2(-7.25) + exp2(-5.75) + exp2(-5.25) + exp2(-3.75) + exp2(-1.75) +
		   exp2(-1.25) + exp2(-0.25), 1e-15);
	/* days back floor((T - ts) / 1d): 14 (out of the 14 bins), 11, 10, 7,
	 * 6, 3, 2, 0; Σ (6.5 - k) = -4.5 - 3.5 - 0.5 + 0.5 + 3.5 + 4.5 + 6.5 */
	CHECK_NEAR(a.trend, 6.5 / 227.5, 1e-15);
	/* whole days without an event between active days: 2, 0, 2, 3, 0, 1;
	 * T is inside the last active day, so the tail counts none */
	CHECK_NEAR(a.longest_gap_days, 3, 0);
	CHECK_NEAR(a.weekend_share, 3.0 / 8, 0);   /* 3.5, 4.25, 11.5 */
	CHECK_NEAR(a.events_per_active_day, 8.0 / 7, 1e-15);
	/* only the first npast events are the learner's past */
	activity(&L, 3, JAN1 + day(4.5), &a);
	CHECK_EQ(a.events_last_3d, 2);
	CHECK_NEAR(a.events_per_active_day, 1, 0);
	CHECK_NEAR(a.weekend_share, 2.0 / 3, 1e-15);
}

/* One event: the tail is the gap; as-of not at midnight makes it
 * fractional. No event: counts 0, the rest empty. */
static void tail_and_empty(void)
{
	static const double d[] = {0};
	struct tl_activity a;
	activity(learner(JAN1, d, 1), 1, JAN1 + day(10), &a);
	CHECK_NEAR(a.longest_gap_days, 9, 0);                 /* Jan 2 00:00 to Jan 11 00:00 */
	CHECK_NEAR(a.trend, (6.5 - 10) / 227.5, 1e-15);
	activity(&L, 1, JAN1 + day(10.25), &a);
	CHECK_NEAR(a.longest_gap_days, 9.25, 1e-12);
	activity(&L, 1, JAN1 + day(14), &a);
	CHECK_NEAR(a.trend, 0, 0);                            /* 14 days back: no bin */
	CHECK_EQ(a.active_days_14d, 0);                       /* T-14d exactly is out */
	activity(&L, 1, JAN1 + day(14) - 1, &a);
	CHECK_EQ(a.active_days_14d, 1);
	CHECK_NEAR(a.trend, (6.5 - 13) / 227.5, 1e-15);
	activity(&L, 0, JAN1, &a);
	CHECK(a.events_last_3d == 0 && a.active_days_7d == 0 && a.active_days_14d == 0);
	CHECK(isnan(a.active_days_decayed) && isnan(a.trend) && isnan(a.longest_gap_days));
	CHECK(isnan(a.weekend_share) && isnan(a.events_per_active_day));
}

/* UTC weekdays before 1970: 1969-12-31 is a Wednesday, Dec 28 a Sunday,
 * Dec 27 a Saturday; a day is [00:00, 24:00) UTC. */
static void weekdays(void)
{
	static const double d[] = {-5, -4.5, -4, -3.5, -1, -0.5, 0, 2, 3};
	struct tl_activity a;
	activity(learner(0, d, 9), 9, day(3), &a);
	/* Sat -5, Sat -4.5, Sun -4, Sun -3.5 (Dec 28 12:00), Wed -1, Wed -0.5,
	 * Thu 0, Sat 2 (Jan 3), Sun 3 (Jan 4) */
	CHECK_NEAR(a.weekend_share, 6.0 / 9, 1e-15);
	CHECK_NEAR(a.events_per_active_day, 9.0 / 6, 1e-15);   /* days -5, -4, -1, 0, 2, 3 */
	CHECK_NEAR(a.longest_gap_days, 2, 0);                  /* Dec 29, 30 */
}

/* The fields by their definitions, one event at a time: each event's UTC
 * day and whole days back, no day cut (what activity.c computed before
 * the days of daycut.h). */
static void reference(const struct tl_learner *l, size_t npast, tl_time T, struct tl_activity *r)
{
	*r = (struct tl_activity){0, 0, 0, 0, 0, 0, 0, 0};
	int64_t last = INT64_MIN, last7 = INT64_MIN, last14 = INT64_MIN, gap = 0;
	long long days = 0, weekend = 0;
	for (size_t i = 0; i < npast; i++) {
		tl_time ts = l->ev[i].ts;
		int64_t d = tl_floor_div(ts, TL_DAY), back = (T - ts) / TL_DAY;
		if (d != last) {
			if (days && d - last - 1 > gap)
				gap = d - last - 1;
			days++;
			last = d;
			r->active_days_decayed += exp2(-tl_days(T - d * TL_DAY) / 2);
		}
		r->events_last_3d += ts > T - 3 * TL_DAY;
		r->active_days_7d += ts > T - 7 * TL_DAY && d != last7;
		last7 = ts > T - 7 * TL_DAY ? d : last7;
		r->active_days_14d += ts > T - 14 * TL_DAY && d != last14;
		last14 = ts > T - 14 * TL_DAY ? d : last14;
		r->trend += back < 14 ? 6.5 - (double)back : 0;
		int64_t w = d + 4 - 7 * tl_floor_div(d + 4, 7);   /* 0 Sunday */
		weekend += w == 0 || w == 6;
	}
	r->trend /= 14 * (14 * 14 - 1) / 12.0;
	double tail = tl_days(T - (last + 1) * TL_DAY);
	r->longest_gap_days = tail > (double)gap ? tail : (double)gap;
	r->weekend_share = (double)weekend / (double)npast;
	r->events_per_active_day = (double)npast / (double)days;
}

/* 400 learners of 1 to 64 events up to 3 days apart, from before 1970 to
 * 2025, as-of anywhere from before their first event to 20 days after
 * their last: every field equal to the reference. Half the learners have
 * their times and as-of on whole hours, so that events fall on midnight
 * and on the window bounds T - kd exactly; half to the microsecond. */
static void against_reference(void)
{
	uint64_t x = 2718281828;
	int same = 1, tried = 0;
	for (int n = 0; n < 400; n++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t nev = 1 + (x >> 58);
		tl_time t = (n % 2 ? JAN1 : 0) - (tl_time)((x >> 30) % 50) * TL_DAY;
		tl_time unit = n % 4 < 2 ? 3600 * TL_SEC : 1;
		memset(&L, 0, sizeof L);
		L.ev = evs;
		for (size_t i = 0; i < nev; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			t += (x >> 40) % 4 == 0 ? 0 : (tl_time)((x >> 20) % (uint64_t)(3 * TL_DAY)) / unit * unit;
			evs[i] = (struct tl_event){.ts = t, .dom = -1, .cap = -1};
		}
		L.nev = nev;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		tl_time T = evs[0].ts - TL_DAY + (tl_time)((x >> 16) % (uint64_t)(t - evs[0].ts + 21 * TL_DAY)) / unit * unit;
		size_t npast = 0;
		while (npast < nev && evs[npast].ts <= T)
			npast++;
		if (npast == 0)
			continue;
		struct tl_activity a, r;
		activity(&L, npast, T, &a);
		reference(&L, npast, T, &r);
		tried++;
		same &= a.events_last_3d == r.events_last_3d && a.active_days_7d == r.active_days_7d &&
			a.active_days_14d == r.active_days_14d && a.active_days_decayed == r.active_days_decayed &&
			a.trend == r.trend && a.longest_gap_days == r.longest_gap_days &&
			a.weekend_share == r.weekend_share && a.events_per_active_day == r.events_per_active_day;
	}
	CHECK(tried > 300);
	CHECK(same);
}

int main(void)
{
	worked();
	boundaries();
	tail_and_empty();
	weekdays();
	against_reference();
	return UNIT_DONE();
}
