/* daycut.h - the days of a learner: its past events cut once into UTC
 * days, and the recent events binned by whole days before as-of, for the
 * metrics that count by day (retention.c's active_days and the 7-day
 * counts, activity.c's daily activity fields). */
#ifndef TL_DAYCUT_H
#define TL_DAYCUT_H

#include <stddef.h>
#include <stdint.h>

#include "record/reader.h"

/* The recent bins: k = 0 .. TL_DAYCUT_BACK - 1 whole days before as-of. */
#define TL_DAYCUT_BACK 14

/* One active UTC day, [day·1d, (day+1)·1d). Its events are l->ev[start
 * .. end), start being the previous day's end (0 for the first). */
struct tl_day {
	int64_t day;        /* floor(ts / 1d), days since 1970-01-01 */
	size_t end;         /* one past the index of its last event */
};

/* The first npast events of l (sorted by time, all at or before asof) by
 * UTC day, in time order: n days, each with at least one event. back[k]
 * counts the events with floor((asof - ts) / 1d) = k, that is those in
 * (asof - (k+1)d, asof - kd]. */
struct tl_daycut {
	const struct tl_learner *l;
	size_t npast;
	tl_time asof;
	const struct tl_day *d;
	size_t n;
	long long back[TL_DAYCUT_BACK];
};

/* tl_daycut_build: cut the first npast events of l (at or before asof)
 * into *out, in one pass over them. out->d is a buffer of the calling
 * thread, reused across calls (no allocation once it is large enough):
 * valid until that thread's next tl_daycut_build. */
void tl_daycut_build(const struct tl_learner *l, size_t npast, tl_time asof, struct tl_daycut *out);

/* tl_daycut_count: the events in (asof - to·1d, asof - from·1d], for
 * 0 <= from <= to <= TL_DAYCUT_BACK. */
long long tl_daycut_count(const struct tl_daycut *c, int from, int to);

/* tl_daycut_start: the index of day i's first event. */
static inline size_t tl_daycut_start(const struct tl_daycut *c, size_t i)
{
	return i ? c->d[i - 1].end : 0;
}

#endif
