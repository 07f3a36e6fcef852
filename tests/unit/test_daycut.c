/* test_daycut.c - unit tests of daycut.c, the days of a learner: the UTC
 * days and their event ranges (midnight belongs to the day it starts,
 * days before 1970, only the first npast events), the recent bins by
 * whole days before as-of and their bounds, and the reused buffer. */
#include <string.h>

#include "metrics/daycut.h"
#include "unit.h"
#include "unit_days.h"

/* Day 0 and its last microsecond, 1 (midnight: day 1) and 1.5, 4, 9.25;
 * as-of day 10, and an event on day 12 after it. */
static void days(void)
{
	static const double d[] = {0, 0.5, 1, 1.5, 4, 9.25, 12};
	const struct tl_learner *l = learner(JAN1, d, 7);
	evs[1].ts = JAN1 + TL_DAY - 1;
	struct tl_daycut c;
	tl_daycut_build(l, 6, JAN1 + day(10), &c);   /* day 12 is the future */
	CHECK(c.l == l && c.npast == 6 && c.asof == JAN1 + day(10));
	CHECK_EQ(c.n, 4);
	CHECK_EQ(c.d[0].day, JAN1_DAY);
	CHECK_EQ(c.d[0].end, 2);
	CHECK_EQ(c.d[1].day, JAN1_DAY + 1);
	CHECK_EQ(c.d[1].end, 4);
	CHECK_EQ(c.d[2].day, JAN1_DAY + 4);
	CHECK_EQ(c.d[2].end, 5);
	CHECK_EQ(c.d[3].day, JAN1_DAY + 9);
	CHECK_EQ(c.d[3].end, 6);
	CHECK_EQ(tl_daycut_start(&c, 0), 0);
	CHECK_EQ(tl_daycut_start(&c, 2), 4);
	/* days back floor((T - ts) / 1d): 10, 9, 9, 8, 6, 0 */
	static const long long want[TL_DAYCUT_BACK] = {1, 0, 0, 0, 0, 0, 1, 0, 1, 2, 1, 0, 0, 0};
	for (int k = 0; k < TL_DAYCUT_BACK; k++)
		CHECK_EQ(c.back[k], want[k]);
	CHECK_EQ(tl_daycut_count(&c, 0, 7), 2);
	CHECK_EQ(tl_daycut_count(&c, 7, 14), 4);
	CHECK_EQ(tl_daycut_count(&c, 3, 3), 0);
	tl_daycut_build(l, 0, JAN1, &c);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(tl_daycut_count(&c, 0, 14), 0);
}

/* The bins are (T-(k+1)d, T-kd]: an event at T-kd exactly is k days back,
 * T-14d is in none, nor anything before; as-of not at midnight. */
static void bounds(void)
{
	static const double d[] = {-30, 0.25, 1.25, 7.25, 8.25, 14.25};
	struct tl_daycut c;
	tl_daycut_build(learner(JAN1, d, 6), 6, JAN1 + day(14.25), &c);
	CHECK_EQ(c.back[0], 1);    /* T */
	CHECK_EQ(c.back[6], 1);    /* day 8.25 */
	CHECK_EQ(c.back[7], 1);    /* T-7d exactly */
	CHECK_EQ(c.back[13], 1);   /* T-13d */
	CHECK_EQ(tl_daycut_count(&c, 0, 14), 4);   /* T-14d and day -30 are out */
	CHECK_EQ(c.n, 6);
	tl_daycut_build(&L, 5, JAN1 + day(14.25) - 1, &c);   /* one microsecond earlier */
	CHECK_EQ(c.back[0], 0);
	CHECK_EQ(c.back[5], 1);    /* day 8.25: 6d - 1us back */
	CHECK_EQ(c.back[6], 1);    /* day 7.25 */
	CHECK_EQ(c.back[12], 1);   /* day 1.25 */
	CHECK_EQ(c.back[13], 1);   /* day 0.25: 14d - 1us back, now in */
	CHECK_EQ(tl_daycut_count(&c, 0, 14), 4);
}

/* UTC days before 1970: 1969-12-31T12:00 is day -1, 1970-01-01T00:00 day 0. */
static void before_1970(void)
{
	static const double d[] = {-1.5, -1, -0.5, 0, 0.5};
	struct tl_daycut c;
	tl_daycut_build(learner(0, d, 5), 5, day(1), &c);
	CHECK_EQ(c.n, 3);
	CHECK(c.d[0].day == -2 && c.d[0].end == 1);
	CHECK(c.d[1].day == -1 && c.d[1].end == 3);
	CHECK(c.d[2].day == 0 && c.d[2].end == 5);
}

/* A long learner grows the buffer; a short one after it sees only its own
 * days. */
static void reuse(void)
{
	static double d[1000];
	for (int i = 0; i < 1000; i++)
		d[i] = i * 0.75;   /* 750 days: days 0, 0, 1, 2, 3, 3, ... */
	struct tl_daycut c;
	tl_daycut_build(learner(JAN1, d, 1000), 1000, JAN1 + day(750), &c);
	CHECK_EQ(c.n, 750);
	CHECK_EQ(c.d[749].day, JAN1_DAY + 749);
	CHECK_EQ(c.d[749].end, 1000);
	CHECK_EQ(tl_daycut_count(&c, 0, 14), 18);   /* (736, 750]: i = 982 .. 999 */
	static const double s[] = {2, 2.5};
	tl_daycut_build(learner(JAN1, s, 2), 2, JAN1 + day(3), &c);
	CHECK_EQ(c.n, 1);
	CHECK(c.d[0].day == JAN1_DAY + 2 && c.d[0].end == 2);
}

int main(void)
{
	days();
	bounds();
	before_1970();
	reuse();
	return UNIT_DONE();
}
