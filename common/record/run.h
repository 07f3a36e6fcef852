/* run.h - the streaming loop every tool shares: read learners, resolve
 * as-of (§3), write records, and account for every input record (§5):
 * --stats, --metrics (Prometheus text), --progress, atomic --output. */
#ifndef TL_RUN_H
#define TL_RUN_H

#include "util/opts.h"
#include "util/shard.h"
#include "record/reader.h"
#include "record/writer.h"

struct tl_run;

/* tl_run_open: open the inputs (operands, else stdin) and the output.
 * flags are the reader's (TL_READ_EVENTS, TL_READ_ROWS). */
struct tl_run *tl_run_open(const struct tl_common *c, int nfiles, char **files, int flags);

/* tl_run_next: the next learner, or NULL at the end. *asof gets the
 * learner's as-of (--as-of, TL_AS_OF, its as_of field, or the start time)
 * and *npast the number of its events at or before it. The writer has
 * begun the learner's record: add fields, then call tl_run_emit. */
struct tl_learner *tl_run_next(struct tl_run *run, tl_time *asof, size_t *npast);

/* tl_run_writer: the writer for the current record. */
struct tl_writer *tl_run_writer(struct tl_run *run);

/* tl_run_emit: write the current learner's record. */
void tl_run_emit(struct tl_run *run);

/* tl_run_consumed: account for the current learner without writing a
 * record (tools whose output is a report, not records). */
void tl_run_consumed(struct tl_run *run);

/* tl_run_gauge: add a tool gauge to --metrics (labels like
 * "archetype=\"specialist\"" or NULL). name and help must outlive run. */
void tl_run_gauge(struct tl_run *run, const char *name, const char *help, const char *labels, double value);

/* tl_run_learners: the learners of the run so far (another shard's not
 * among them), known: what a stats file names (tl(7) STATS FILES). */
struct tl_learner_set tl_run_learners(const struct tl_run *run);

/* tl_run_output: the output stream (for tools that write reports). */
FILE *tl_run_output(struct tl_run *run);

/* A tool's work on one learner: add its fields to w. state is the tool's
 * own; tl_run_all gives a worker thread a copy of the initial state per
 * chunk, folded back with merge (NULL: nothing to fold). learner must not
 * write to shared state or exit on a learner of event CSV. */
struct tl_tool {
	void (*learner)(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w);
	size_t state_size;
	void (*merge)(void *state, const void *chunk_state);
	int one_thread;   /* the state cannot be split (a cohort table) */
	int report;       /* no records: the tool reports on the learners at the
			   * end (w is unused; one thread, tl_run_consumed) */
	/* columns: when rows (-o csv, tsv) had no learner, put the fields the
	 * tool writes (any values) so that the header line is still written.
	 * NULL: learner is called on a learner without events (its attributes
	 * those of the input's header, empty) with a copy of the state, as a
	 * worker's chunk is; a one_thread tool without columns writes only
	 * learner_id and those attributes. */
	void (*columns)(void *state, struct tl_writer *w);
};

/* tl_run_all: call tool->learner for every learner and write its record
 * (the tl_run_next / tl_run_emit loop), or only account for it when
 * tool->report (the tl_run_consumed loop); rows of no learner are the
 * header line alone (tool->columns). On one regular file of event
 * CSV of at least two chunks (1 MiB each; TL_CHUNK_BYTES=N sets it),
 * without --skip-bad, two worker threads read the chunks and the main
 * thread merges them in order; output, messages and counts are those of
 * the serial loop. TL_THREADS=1 keeps it to one thread. An open run stays
 * reachable from run.c until tl_run_close, also when a bad record exits
 * (no leak report). */
void tl_run_all(struct tl_run *run, const struct tl_tool *tool, void *state);

/* tl_run_close: check the reconciliation, print --stats, write
 * --metrics, commit the output. Returns the exit status (0). */
int tl_run_close(struct tl_run *run);

#endif
