/* input.h - reading what the tools write, for tl-report: a JSON report
 * kept as its text (a number is the span of its text, so that a report
 * copies it exactly, never reformatted), a CSV side file or the text of
 * tl-score --summary as a table of text cells. Bad input exits 65 with
 * "FILE:LINE: what", a file that cannot be opened 66. */
#ifndef TL_REPORT_INPUT_H
#define TL_REPORT_INPUT_H

#include <stddef.h>

#include "io/json.h"
#include "util/str.h"

/* ---- JSON reports (tl-abtest, tl-eval --format json) ---- */

/* The strings decoded from a document, freed with it. */
struct tl_rjson_strings {
	char **s;
	size_t n, cap;
};

struct tl_rjson {
	const char *name;   /* the path, for messages */
	char *text;         /* the whole file, NUL-terminated (owned) */
	size_t n;
	struct tl_rjson_strings *strings;   /* what tl_rjson_decode returned (owned) */
};

/* tl_rjson_load: read path and check that it holds one JSON object and
 * nothing after it; what names the input in messages ("tl-abtest report").
 * Exits 66 when path cannot be opened, 65 when it is not such JSON. */
void tl_rjson_load(struct tl_rjson *d, const char *path, const char *what);
void tl_rjson_free(struct tl_rjson *d);

/* tl_rjson_root: the span of the document's object. */
struct tl_str tl_rjson_root(const struct tl_rjson *d);

/* tl_rjson_line: the line (1-based) of byte p of the document. */
long tl_rjson_line(const struct tl_rjson *d, const char *p);

/* tl_rjson_die: "FILE:LINE: msg" for the value at span v, exit 65. */
_Noreturn void tl_rjson_die(const struct tl_rjson *d, struct tl_str v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* tl_rjson_get: the value of member key of the object obj: 1, or 0 when
 * obj has no such member. Exits 65 when obj is not an object. */
int tl_rjson_get(const struct tl_rjson *d, struct tl_str obj, const char *key, struct tl_str *v);

/* tl_rjson_need: the member's value; exits 65 naming it when missing. */
struct tl_str tl_rjson_need(const struct tl_rjson *d, struct tl_str obj, const char *key);

/* tl_rjson_number: the text of member key, which must be a number or
 * null (then "null"); exits 65 otherwise. */
struct tl_str tl_rjson_number(const struct tl_rjson *d, struct tl_str obj, const char *key);

/* tl_rjson_string: member key, a string (decoded, as tl_rjson_decode)
 * or null (NULL); exits 65 otherwise. */
const char *tl_rjson_string(const struct tl_rjson *d, struct tl_str obj, const char *key);

/* tl_rjson_bool: member key, true (1) or false (0); exits 65 otherwise. */
int tl_rjson_bool(const struct tl_rjson *d, struct tl_str obj, const char *key);

/* tl_rjson_decode: the JSON string at v (with its quotes), decoded; the
 * document owns it (valid until tl_rjson_free, so that no caller leaks it
 * when a later error exits). Exits 65 when v is not a string. */
const char *tl_rjson_decode(const struct tl_rjson *d, struct tl_str v);

int tl_rjson_is_null(struct tl_str v);

/* tl_rjson_double: the value of a number's text, NAN for null. */
double tl_rjson_double(struct tl_str v);

/* An iteration over the items of an array or the members of an object. */
struct tl_rjson_iter {
	const struct tl_rjson *d;
	struct tl_json_iter it;
	int object;
};

/* tl_rjson_iter_begin: over v, an array (open '[') or object ('{');
 * exits 65 when v is something else. */
void tl_rjson_iter_begin(struct tl_rjson_iter *i, const struct tl_rjson *d, struct tl_str v, char open);
/* tl_rjson_iter_next: the next item (key NULL for arrays, else the
 * member's key span, escaped, without quotes): 1, or 0 at the end. */
int tl_rjson_iter_next(struct tl_rjson_iter *i, struct tl_str *key, struct tl_str *v);

/* ---- JSON lines (the audit log of tl-rollout) ---- */

/* The objects of a JSON-lines file, one per line, in order. */
struct tl_rjson_lines {
	struct tl_str *item;   /* each object's span in the document's text (owned) */
	size_t n;
	long *torn;            /* the lines skipped as torn (owned) */
	size_t ntorn;
};

/* tl_rjson_load_lines: read path as JSON lines into d (its text) and l:
 * every line not blank must be one JSON object. A line cut short by a
 * writer killed mid-write is skipped and listed in l->torn: the last
 * line without its newline that is no complete object, or a line that
 * begins an object ('{') but neither is one nor ends with '}' (tl-rollout
 * ends such a line before it appends the next entry). Exits 66 when path
 * cannot be opened, 65 ("FILE:LINE: what") on any other bad line or
 * when no object is left. */
void tl_rjson_load_lines(struct tl_rjson *d, const char *path, const char *what, struct tl_rjson_lines *l);
void tl_rjson_lines_free(struct tl_rjson_lines *l);

/* ---- tables: CSV side files, the summary of tl-score ---- */

struct tl_rtable {
	char *name;         /* the path (owned) */
	char *title;        /* a summary block's title ("arm control, config v2"), or NULL */
	char *footer;       /* a summary block's last line, or NULL */
	size_t ncol, nrow;
	size_t cap;         /* rows allocated (grown by doubling) */
	char **head;        /* ncol column names */
	char **cell;        /* nrow * ncol cells, row by row */
	long *line;         /* each row's line in the file */
};

/* tl_rtable_csv: read the CSV file path whose header must hold every
 * column of need (a NULL-terminated list; others are kept too); a row
 * with another number of fields is bad input. Exits 66 or 65. */
void tl_rtable_csv(struct tl_rtable *t, const char *path, const char *const *need);

/* tl_rtable_summary: read the file of tl-score --summary-file (or its
 * stderr): one block per arm, each "tl-score summary: TITLE", a header,
 * rows of blank-separated words whose columns after the first are
 * numbers, and "portfolio average multiplier: X". Fills t[0..max) and
 * returns the number of blocks; exits 65 on anything else. */
size_t tl_rtable_summary(struct tl_rtable *t, size_t max, const char *path);

/* tl_rtable_col: the index of column name, or -1. */
int tl_rtable_col(const struct tl_rtable *t, const char *name);

/* tl_rtable_at: the text of a cell. */
const char *tl_rtable_at(const struct tl_rtable *t, size_t row, int col);

/* tl_rtable_number: a cell's value; NAN when empty; exits 65 with the
 * file, line and column when it is not a number. */
double tl_rtable_number(const struct tl_rtable *t, size_t row, int col);

void tl_rtable_free(struct tl_rtable *t);

#endif
