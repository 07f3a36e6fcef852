/* csvrow.h - split CSV records into fields: a fast path for lines without
 * quotes (scan for commas), libcsv (RFC 4180, strict) for any other line.
 * Both give identical fields; TL_CSV_SLOW=1 in the environment forces
 * libcsv for every line, so tests can compare the two paths. */
#ifndef TL_CSVROW_H
#define TL_CSVROW_H

#include <stddef.h>

#include "json.h"

enum { TL_CSV_ROW, TL_CSV_MORE, TL_CSV_ERR };

/* Readable bytes a caller keeps after every line it passes in. */
#define TL_CSV_PAD 32

struct tl_csv;

/* tl_csv_new: a splitter; fields longer than max_field are an error. */
struct tl_csv *tl_csv_new(size_t max_field);
void tl_csv_free(struct tl_csv *c);

/* tl_csv_split: split one physical line (without its '\n'; a final '\r'
 * is dropped). Returns TL_CSV_ROW with the fields ready, TL_CSV_MORE when
 * a quoted field continues on the next line (call again with it), or
 * TL_CSV_ERR with tl_csv_error() set. Field spans are valid until the next
 * call and may point into line. The TL_CSV_PAD bytes after line[n) must
 * be readable (the fast path loads 32 bytes at a time). */
int tl_csv_split(struct tl_csv *c, const char *line, size_t n);

/* tl_csv_split_plain: tl_csv_split for a line without quotes or CR only:
 * TL_CSV_ROW, TL_CSV_ERR (a field over max_field), or -1 (the line needs
 * libcsv, or TL_CSV_SLOW is set) with the splitter's state unchanged. */
int tl_csv_split_plain(struct tl_csv *c, const char *line, size_t n);

/* tl_csv_eof: at end of input; returns TL_CSV_ERR when a quoted field is
 * still open, else TL_CSV_ROW with no fields. */
int tl_csv_eof(struct tl_csv *c);

size_t tl_csv_nfields(const struct tl_csv *c);
const struct tl_str *tl_csv_fields(const struct tl_csv *c);
const char *tl_csv_error(const struct tl_csv *c);

/* tl_csv_put_field: write s[0..n) to f, quoted when it needs to be. */
void tl_csv_put_field(FILE *f, const char *s, size_t n);

#endif
