/* activity.h - the daily activity of one learner before as-of, the inputs
 * of a learned churn score beside §6.3's (tl-retention(1) OUTPUT FIELDS):
 * recent events and active days, a recency-weighted count of active days,
 * the trend of daily counts, the longest time without activity, the
 * weekend share and the events per active day. */
#ifndef TL_ACTIVITY_H
#define TL_ACTIVITY_H

#include <stddef.h>

#include "metrics/daycut.h"

/* The window of the trend, in days, and the half-life of the weight of
 * active_days_decayed, in days. */
#define TL_ACTIVITY_TREND_DAYS 14
#define TL_ACTIVITY_DECAY_HALF_LIFE_DAYS 2

/* Windows are (T - Nd, T]; a UTC day is [k·86400 s, (k+1)·86400 s).
 * Doubles are NAN when the learner has no event at or before T. */
struct tl_activity {
	long long events_last_3d;    /* events in (T-3d, T] */
	long long active_days_7d;    /* distinct UTC days of the events in (T-7d, T] */
	long long active_days_14d;   /* the same in (T-14d, T] */
	double active_days_decayed;  /* Σ over active UTC days of 2^(-days(T - day start) / 2) */
	double trend;                /* OLS slope of the daily counts of the last 14 days, per day */
	double longest_gap_days;     /* the longest time without an event, first active day to T */
	double weekend_share;        /* share of the events on a Saturday or Sunday (UTC) */
	double events_per_active_day;
};

/* tl_activity_compute: fill *out from the days of a learner's past before
 * as-of (tl_daycut_build). */
void tl_activity_compute(const struct tl_daycut *c, struct tl_activity *out);

#endif
