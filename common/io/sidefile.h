/* sidefile.h - read a small CSV side file (a --model, stats or curve file)
 * record by record: a UTF-8 byte-order mark at the start is skipped, blank
 * lines are skipped, quoted fields may span lines (io/csvrow.h splits
 * them), a final CR is dropped. Bad CSV exits 65 as "FILE:LINE: bad CSV: what",
 * LINE being where the record starts. Not for event input (record/). */
#ifndef TL_SIDEFILE_H
#define TL_SIDEFILE_H

#include <stddef.h>
#include <stdio.h>

#include "util/str.h"

struct tl_sidefile;

/* tl_sidefile_open: open path for reading (exits 66 when it cannot be
 * opened); fields longer than max_field bytes are bad input. */
struct tl_sidefile *tl_sidefile_open(const char *path, size_t max_field);
/* tl_sidefile_stream: read f, named name in messages (e.g. stdin, "-");
 * tl_sidefile_close does not close f. */
struct tl_sidefile *tl_sidefile_stream(FILE *f, const char *name, size_t max_field);

/* tl_sidefile_next: the next record; 1 with its fields ready, 0 at the
 * end. Exits 74 on a read error, 65 on bad CSV (an unterminated quoted
 * field at the end included). */
int tl_sidefile_next(struct tl_sidefile *s);

size_t tl_sidefile_nfields(const struct tl_sidefile *s);
/* Valid until the next tl_sidefile_next. */
const struct tl_str *tl_sidefile_fields(const struct tl_sidefile *s);
/* The line where the current record starts (1-based); 0 before the first. */
long tl_sidefile_line(const struct tl_sidefile *s);
/* Physical lines read so far (blank ones included). */
long tl_sidefile_lines(const struct tl_sidefile *s);
const char *tl_sidefile_name(const struct tl_sidefile *s);

/* tl_sidefile_limits: a file longer than max_bytes, or a line longer than
 * max_line, is bad input (exit 65); both are TL_FILE_MAX (util/file.h)
 * unless set. A stats file, whose rows grow with the data, sets its own. */
void tl_sidefile_limits(struct tl_sidefile *s, size_t max_bytes, size_t max_line);

void tl_sidefile_close(struct tl_sidefile *s);

#endif
