/* daycut.c - a learner's past events cut into UTC days in one pass, and
 * the last TL_DAYCUT_BACK days before as-of counted from the end
 * (daycut.h). */
#include "util/err.h"
#include "util/tltime.h"
#include "metrics/daycut.h"

/* The days of the last learner cut, per thread: run.c may use two. */
static _Thread_local struct tl_day *days;
static _Thread_local size_t days_cap;

/* back[k] from the end of the past: bound is as-of - (k+1)d, so an event
 * after it is k whole days before as-of. Stops at the first event that is
 * TL_DAYCUT_BACK days or more before as-of. */
static void count_back(struct tl_daycut *c)
{
	const struct tl_event *ev = c->l->ev;
	tl_time bound = c->asof - TL_DAY;
	int k = 0;
	for (size_t i = c->npast; i-- > 0;) {
		while (ev[i].ts <= bound) {
			if (++k == TL_DAYCUT_BACK)
				return;
			bound -= TL_DAY;
		}
		c->back[k]++;
	}
}

void tl_daycut_build(const struct tl_learner *l, size_t npast, tl_time asof, struct tl_daycut *out)
{
	*out = (struct tl_daycut){.l = l, .npast = npast, .asof = asof};
	if (npast > days_cap) {
		days_cap = npast * 2;
		days = tl_xrealloc(days, days_cap * sizeof *days);
	}
	size_t n = 0;
	tl_time next = INT64_MIN;   /* the start of the UTC day after the current one */
	for (size_t i = 0; i < npast; i++) {
		tl_time ts = l->ev[i].ts;
		if (ts < next)
			continue;
		int64_t d = tl_floor_div(ts, TL_DAY);
		if (n)
			days[n - 1].end = i;
		days[n++].day = d;
		next = (d + 1) * TL_DAY;
	}
	if (n)
		days[n - 1].end = npast;
	out->d = days;
	out->n = n;
	count_back(out);
}

long long tl_daycut_count(const struct tl_daycut *c, int from, int to)
{
	long long n = 0;
	for (int k = from; k < to; k++)
		n += c->back[k];
	return n;
}
