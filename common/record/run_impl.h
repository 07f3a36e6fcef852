/* run_impl.h - the run's insides, shared by run.c (open, next, emit,
 * metrics, close) and run_all.c (the learner loop and its worker threads).
 * Private to record/. */
#ifndef TL_RUN_IMPL_H
#define TL_RUN_IMPL_H
#include <stdint.h>
#include <stdio.h>

#include "util/opts.h"
#include "util/shard.h"
#include "record/reader.h"
#include "record/writer.h"

struct gauge {
	const char *name, *help;
	char *labels;
	double value;
};

/* How the as-of of a run's learners stood to their events, for the
 * warnings of tl(7) As-of: the smallest as-of minus last event, with
 * them, over the learners with events; whether the start time was used. */
struct tl_asof_gap {
	int any, now_used;
	tl_time gap, last, asof;
};

struct tl_run {
	const struct tl_common *c;
	struct tl_reader *reader;
	struct tl_writer *writer;
	FILE *out;
	tl_time now;
	double t_start, t_progress;
	uint64_t used, future, written;
	struct tl_learner_set learners;   /* every learner tl_run_next gave, and the workers */
	struct tl_asof_gap gap;
	int uses_as_of;     /* the tool reads events (TL_READ_EVENTS): its metrics use as-of */
	struct tl_learner *cur;
	struct gauge *gauges;
	size_t ngauges;
	int progress;
	int in_chunks;      /* tl_run_all is reading ranges: NULL ends a range */
	int metrics_done;   /* --metrics written (a later failure leaves it) */
	struct tl_run *next_open;
};

/* tl_run_learner_asof: the as-of of learner l (--as-of-field, --as-of,
 * the record's, or now) and its events up to it (*npast), added to the
 * used and future counts and to g. */
void tl_run_learner_asof(const struct tl_common *c, tl_time now, const struct tl_learner *l, tl_time *asof,
			 size_t *npast, uint64_t *used, uint64_t *future, struct tl_asof_gap *g);
/* tl_run_gap_merge: fold a chunk's g into the run's (in file order). */
void tl_run_gap_merge(struct tl_asof_gap *run, const struct tl_asof_gap *g);
/* tl_run_show_progress: the --progress line (final: the last one). */
void tl_run_show_progress(struct tl_run *run, int final);
#endif
