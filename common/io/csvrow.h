/* csvrow.h - split CSV records into fields: a fast path for lines without
 * quotes (scan for commas), libcsv (RFC 4180, strict) for any other line.
 * Both give identical fields; TL_CSV_SLOW=1 in the environment forces
 * libcsv for every line, so tests can compare the two paths. */
#ifndef TL_CSVROW_H
#define TL_CSVROW_H

#include <stddef.h>
#include <stdint.h>

#include "io/json.h"

enum { TL_CSV_ROW, TL_CSV_MORE, TL_CSV_ERR };

/* Readable bytes a caller keeps after every line it passes in. */
#define TL_CSV_PAD 64

/* tl_csv_pad: grow a getline(3) buffer holding n bytes so that TL_CSV_PAD
 * readable bytes follow them. */
void tl_csv_pad(char **buf, size_t *cap, size_t n);

struct tl_csv;

/* tl_csv_new: a splitter; fields longer than max_field are an error. */
struct tl_csv *tl_csv_new(size_t max_field);

/* tl_csv_set_delim: fields are separated by delim instead of ','; with
 * tsv, quotes are ordinary bytes (TSV: split at every delim, no field
 * holds one), else RFC 4180 quoting with delim for the comma. */
void tl_csv_set_delim(struct tl_csv *c, char delim, int tsv);
void tl_csv_free(struct tl_csv *c);

/* tl_csv_split: split one physical line (without its '\n'; a final '\r'
 * is dropped). Returns TL_CSV_ROW with the fields ready, TL_CSV_MORE when
 * a quoted field continues on the next line (call again with it), or
 * TL_CSV_ERR with tl_csv_error() set. Field spans are valid until the next
 * call and may point into line. The TL_CSV_PAD bytes after line[n) must
 * be readable (the fast path loads 32 bytes at a time). */
int tl_csv_split(struct tl_csv *c, const char *line, size_t n);

/* tl_csv_scan_line: the plain line at p, for the reader's fast loop: it
 * ends with '\n' within avail bytes, holds no quote and no CR, and has
 * exactly ncols fields (split at c's separator). Stores the offsets of
 * its ncols - 1 separators (commas) in
 * commas[] and returns its length without the '\n'; returns -1 for any
 * other line, which then goes to tl_csv_split. Newlines, commas and
 * specials are found in one pass of 64 bytes at a time, so p needs
 * TL_CSV_PAD readable bytes past avail. Changes no splitter state. */
long tl_csv_scan_line(const struct tl_csv *c, const char *p, size_t avail, size_t ncols, uint32_t *commas);

/* tl_csv_plain_ok: plain lines may bypass c (no record is open in libcsv
 * and TL_CSV_SLOW is not set). */
int tl_csv_plain_ok(const struct tl_csv *c);

/* tl_csv_quoted: how many lines went to libcsv (a quote, or TL_CSV_SLOW). */
unsigned long tl_csv_quoted(const struct tl_csv *c);

/* tl_csv_eof: at end of input; returns TL_CSV_ERR when a quoted field is
 * still open, else TL_CSV_ROW with no fields. */
int tl_csv_eof(struct tl_csv *c);

size_t tl_csv_nfields(const struct tl_csv *c);
const struct tl_str *tl_csv_fields(const struct tl_csv *c);
const char *tl_csv_error(const struct tl_csv *c);

/* tl_csv_put_field: write s[0..n) to f, quoted when it needs to be. */
void tl_csv_put_field(FILE *f, const char *s, size_t n);

#endif
