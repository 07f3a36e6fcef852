/* activity.c - the daily activity of one learner before as-of
 * (activity.h; the definitions are tl-retention(1)'s OUTPUT FIELDS). One
 * pass over the past events, which are sorted by time. */
#include <math.h>

#include "util/tltime.h"
#include "metrics/activity.h"

/* The UTC weekday of day number d (days since 1970-01-01, a Thursday):
 * 0 Sunday .. 6 Saturday. */
static int weekday(int64_t d)
{
	int w = (int)((d + 4) % 7);
	return w < 0 ? w + 7 : w;
}

/* What the pass keeps between events. */
struct pass {
	int64_t lastday, gap;           /* the previous active UTC day; the longest gap so far */
	int64_t last7, last14;          /* the last UTC day counted in each window */
	long long days, weekend;
	double trend_num;               /* Σ over events of (N-1)/2 - k, k the event's day back */
};

static void add_day(struct pass *p, int64_t d, tl_time asof, struct tl_activity *out)
{
	tl_time start = d * TL_DAY;
	if (p->days && d - p->lastday - 1 > p->gap)
		p->gap = d - p->lastday - 1;
	p->days++;
	p->lastday = d;
	out->active_days_decayed += exp2(-tl_days(asof - start) / TL_ACTIVITY_DECAY_HALF_LIFE_DAYS);
}

/* An event of UTC day d in the windows (T-7d, T] and (T-14d, T]: its
 * day counts once in each it is in. */
static void add_window(struct pass *p, tl_time ts, int64_t d, tl_time asof, struct tl_activity *out)
{
	if (ts > asof - 7 * TL_DAY && d != p->last7) {
		out->active_days_7d++;
		p->last7 = d;
	}
	if (ts > asof - 14 * TL_DAY && d != p->last14) {
		out->active_days_14d++;
		p->last14 = d;
	}
}

void tl_activity_compute(const struct tl_learner *l, size_t npast, tl_time asof, struct tl_activity *out)
{
	*out = (struct tl_activity){0, 0, 0, NAN, NAN, NAN, NAN, NAN};
	if (npast == 0)
		return;
	struct pass p = {INT64_MIN, 0, INT64_MIN, INT64_MIN, 0, 0, 0};
	const double mid = (TL_ACTIVITY_TREND_DAYS - 1) / 2.0;
	out->active_days_decayed = 0;
	for (size_t i = 0; i < npast; i++) {
		tl_time ts = l->ev[i].ts;
		int64_t d = tl_floor_div(ts, TL_DAY), back = (asof - ts) / TL_DAY;
		if (d != p.lastday)
			add_day(&p, d, asof, out);
		add_window(&p, ts, d, asof, out);
		if (back < 3)
			out->events_last_3d++;
		if (back < TL_ACTIVITY_TREND_DAYS)
			p.trend_num += mid - (double)back;
		int w = weekday(d);
		p.weekend += w == 0 || w == 6;
	}
	double n = TL_ACTIVITY_TREND_DAYS;
	out->trend = p.trend_num / (n * (n * n - 1) / 12);
	double tail = tl_days(asof - (p.lastday + 1) * TL_DAY);
	out->longest_gap_days = tail > (double)p.gap ? tail : (double)p.gap;
	out->weekend_share = (double)p.weekend / (double)npast;
	out->events_per_active_day = (double)npast / (double)p.days;
}
