/* velocity.h - adoption velocity of one learner (DESIGN §6.1). */
#ifndef TL_VELOCITY_H
#define TL_VELOCITY_H

#include <stddef.h>

#include "record/reader.h"

struct tl_velocity_params {
	tl_time period;          /* P, --period (default 7d) */
	double alpha;            /* α, --alpha (default 0.3) */
	tl_time decay_half_life; /* Hv, --decay-half-life (default 90d; 0 = off) */
	int trend_window;        /* W, --trend-window (default 8) */
};

/* The defaults, named once for the code and the tools' help texts. */
#define TL_VELOCITY_PERIOD_DAYS 7
#define TL_VELOCITY_ALPHA 0.3
#define TL_VELOCITY_DECAY_DAYS 90
#define TL_VELOCITY_TREND_WINDOW 8
#define TL_VELOCITY_DEFAULTS {TL_VELOCITY_PERIOD_DAYS * TL_DAY, TL_VELOCITY_ALPHA, \
			      TL_VELOCITY_DECAY_DAYS * TL_DAY, TL_VELOCITY_TREND_WINDOW}

/* The fields of §6.1. Doubles are NAN when they cannot be computed
 * (a learner with no event at or before as-of, §6.5). */
struct tl_velocity {
	long long interactions, adoptions, periods;
	double tenure_days, velocity_simple, velocity, trend, next, momentum;
	double next_actual;      /* label: velocity of (asof, asof+P], 0 when empty */
	long long next_interactions;   /* label: events in (asof, asof+P] */
};

/* tl_velocity_compute: fill *out from the learner's events, of which the
 * first npast are at or before asof. next_actual and next_interactions
 * are always computed.
 * Uses internal scratch buffers, one set per thread: the worker threads
 * of run.c may call it at the same time. */
void tl_velocity_compute(const struct tl_learner *l, size_t npast, tl_time asof,
			 const struct tl_velocity_params *prm, struct tl_velocity *out);

#endif
