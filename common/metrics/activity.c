/* activity.c - the daily activity of one learner before as-of
 * (activity.h; the definitions are tl-retention(1)'s OUTPUT FIELDS), from
 * the learner's days (daycut.h): one pass over the active days, none over
 * the events. */
#include <math.h>

#include "util/tltime.h"
#include "metrics/activity.h"

_Static_assert(TL_ACTIVITY_TREND_DAYS <= TL_DAYCUT_BACK, "the trend's days are daycut's recent bins");

/* The UTC weekday of day number d (days since 1970-01-01, a Thursday):
 * 0 Sunday .. 6 Saturday. */
static int weekday(int64_t d)
{
	int w = (int)((d + 4) % 7);
	return w < 0 ? w + 7 : w;
}

/* The days in (T-7d, T] and (T-14d, T]: a day is in a window when its
 * last event is; the days are in time order, so they are a tail. */
static void windows(const struct tl_daycut *c, struct tl_activity *out)
{
	const struct tl_event *ev = c->l->ev;
	for (size_t i = c->n; i-- > 0;) {
		tl_time last = ev[c->d[i].end - 1].ts;
		if (last <= c->asof - 14 * TL_DAY)
			break;
		out->active_days_14d++;
		out->active_days_7d += last > c->asof - 7 * TL_DAY;
	}
}

/* The OLS slope of the daily counts n_k, k = 0 .. N-1 days back (bins
 * of (T-(k+1)d, T-kd]): Σ_k n_k·((N-1)/2 - k) / (N(N²-1)/12). The terms
 * are multiples of 1/2, so the sum is exact in any order. */
static double trend(const struct tl_daycut *c)
{
	const double n = TL_ACTIVITY_TREND_DAYS, mid = (n - 1) / 2;
	double num = 0;
	for (int k = 0; k < TL_ACTIVITY_TREND_DAYS; k++)
		num += (double)c->back[k] * (mid - (double)k);
	return num / (n * (n * n - 1) / 12);
}

void tl_activity_compute(const struct tl_daycut *c, struct tl_activity *out)
{
	*out = (struct tl_activity){0, 0, 0, NAN, NAN, NAN, NAN, NAN};
	if (c->npast == 0)
		return;
	out->events_last_3d = tl_daycut_count(c, 0, 3);
	windows(c, out);
	out->trend = trend(c);
	int64_t gap = 0;             /* the longest run of days without an event between two active days */
	long long weekend = 0;
	out->active_days_decayed = 0;
	for (size_t i = 0; i < c->n; i++) {
		int64_t d = c->d[i].day;
		if (i && d - c->d[i - 1].day - 1 > gap)
			gap = d - c->d[i - 1].day - 1;
		out->active_days_decayed += exp2(-tl_days(c->asof - d * TL_DAY) / TL_ACTIVITY_DECAY_HALF_LIFE_DAYS);
		int w = weekday(d);
		if (w == 0 || w == 6)
			weekend += (long long)(c->d[i].end - tl_daycut_start(c, i));
	}
	double tail = tl_days(c->asof - (c->d[c->n - 1].day + 1) * TL_DAY);
	out->longest_gap_days = tail > (double)gap ? tail : (double)gap;
	out->weekend_share = (double)weekend / (double)c->npast;
	out->events_per_active_day = (double)c->npast / (double)c->n;
}
