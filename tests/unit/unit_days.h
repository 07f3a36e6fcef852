/* unit_days.h - the test learner of the day-cut tests (test_daycut.c,
 * test_activity.c): events at base + days[i], in days, with no domain or
 * capability, in one static learner. */
#ifndef TL_UNIT_DAYS_H
#define TL_UNIT_DAYS_H
#include <string.h>

#include "record/reader.h"
#include "util/tltime.h"

/* 2025-01-01T00:00:00Z, a Wednesday, UTC day 20089 */
#define JAN1 ((tl_time)1735689600 * TL_SEC)
#define JAN1_DAY 20089

static struct tl_learner L;
static struct tl_event evs[1024];

static tl_time day(double d) { return (tl_time)(d * (double)TL_DAY); }

/* A learner with events at base + days[i] (sorted); n of them. */
static const struct tl_learner *learner(tl_time base, const double *days, size_t n)
{
	memset(&L, 0, sizeof L);
	L.id = (struct tl_str){"L", 1};
	L.ev = evs;
	for (size_t i = 0; i < n; i++) {
		evs[i] = (struct tl_event){0};
		evs[i].ts = base + day(days[i]);
		evs[i].dom = evs[i].cap = -1;
	}
	L.nev = n;
	return &L;
}
#endif
