/* writer.h - the record writer: learner documents (NDJSON, pass-through
 * of everything the tool did not change) or learner rows (CSV). */
#ifndef TL_WRITER_H
#define TL_WRITER_H

#include <stdio.h>

#include "record/reader.h"

struct tl_writer;

/* tl_writer_open: write to f (owned by the caller) as CSV rows when csv,
 * else as learner documents; f = NULL: keep them in memory (below). */
struct tl_writer *tl_writer_open(FILE *f, int csv);

/* tl_writer_begin: start the record of learner l; then call tl_put_* for
 * each computed field (the same fields in the same order for every
 * learner), then tl_writer_end. A field named like an existing attribute
 * replaces its value in place. Names must outlive the writer. */
void tl_writer_begin(struct tl_writer *w, const struct tl_learner *l);
void tl_put_int(struct tl_writer *w, const char *name, long long v);
/* A number with %.6g (§2); NaN or infinity is written empty / null. */
void tl_put_num(struct tl_writer *w, const char *name, double v);
/* A number with round-trip precision (%.17g). */
void tl_put_num17(struct tl_writer *w, const char *name, double v);
void tl_put_empty(struct tl_writer *w, const char *name);
void tl_put_text(struct tl_writer *w, const char *name, const char *s, size_t n);
void tl_put_time(struct tl_writer *w, const char *name, tl_time t);
/* tl_writer_end: write the record. Exits 65 when a CSV row would lose an
 * attribute that the header (fixed by the first learner) lacks. */
void tl_writer_end(struct tl_writer *w);
/* A writer opened with f = NULL keeps its records in memory (no CSV header
 * line: run.c's chunks go after the main writer's records):
 * tl_writer_held gives them, tl_writer_clear drops them. */
size_t tl_writer_held(const struct tl_writer *w, const char **p);
void tl_writer_clear(struct tl_writer *w);
/* tl_writer_header: write the CSV header of the learner begun and the
 * fields put, without its row (rows of a run that saw no learner). */
void tl_writer_header(struct tl_writer *w);
/* tl_writer_started: the CSV header is written (always 1 for documents). */
int tl_writer_started(const struct tl_writer *w);
/* tl_writer_header_from: a CSV writer with no header yet takes the header
 * of writer from (and writes it, unless it is an in-memory writer). */
void tl_writer_header_from(struct tl_writer *w, const struct tl_writer *from);
/* tl_writer_raw: append records another writer made. */
void tl_writer_raw(struct tl_writer *w, const char *p, size_t n);
/* tl_writer_close: free the writer (the FILE stays open). */
void tl_writer_close(struct tl_writer *w);

#endif
