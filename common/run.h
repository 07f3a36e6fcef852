/* run.h - the streaming loop every tool shares: read learners, resolve
 * as-of (§3), write records, and account for every input record (§5):
 * --stats, --metrics (Prometheus text), --progress, atomic --output. */
#ifndef TL_RUN_H
#define TL_RUN_H

#include "opts.h"
#include "reader.h"
#include "writer.h"

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

/* tl_run_output: the output stream (for tools that write reports). */
FILE *tl_run_output(struct tl_run *run);

/* tl_run_close: check the reconciliation, print --stats, write
 * --metrics, commit the output. Returns the exit status (0). */
int tl_run_close(struct tl_run *run);

#endif
