/* input.c - the tools' JSON reports as text, CSV side files and the
 * tl-score summary as tables (input.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sidefile.h"
#include "report/input.h"
#include "util/err.h"
#include "util/file.h"

#define JSON_DEPTH 64
#define FIELD_MAX (1 << 20)   /* the longest CSV field of a side file */

/* bad: "FILE:LINE: msg" and exit 65, after closing the side file s and
 * freeing text (either may be NULL; msg may point into them). */
static _Noreturn void bad(struct tl_sidefile *s, char *text, const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static _Noreturn void bad(struct tl_sidefile *s, char *text, const char *file, long line, const char *fmt, ...)
{
	char msg[TL_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s)
		tl_sidefile_close(s);
	free(text);
	tl_die_at(TL_EX_DATAERR, file, line, "%s", msg);
}

/* ---- JSON ---------------------------------------------------------------- */

void tl_rjson_load(struct tl_rjson *d, const char *path, const char *what)
{
	int rc = tl_read_file(path, &d->text, &d->n);
	if (rc)
		tl_die(rc, "cannot %s %s %s:", rc == TL_EX_NOINPUT ? "open" : "read", what, path);
	d->name = path;
	d->strings = tl_xcalloc(1, sizeof *d->strings);
	const char *end = d->text + d->n, *p = tl_json_skip_ws(d->text, end), *q;
	if (p == end)
		tl_die(TL_EX_DATAERR, "%s: empty: not a %s", path, what);
	if (*p != '{' || !(q = tl_json_skip_value(p, end, JSON_DEPTH)))
		tl_die_at(TL_EX_DATAERR, path, tl_rjson_line(d, p), "not a %s (bad JSON or not an object)", what);
	q = tl_json_skip_ws(q, end);
	if (q != end)
		tl_die_at(TL_EX_DATAERR, path, tl_rjson_line(d, q), "text after the %s's JSON object", what);
}

void tl_rjson_free(struct tl_rjson *d)
{
	if (d->strings) {
		for (size_t i = 0; i < d->strings->n; i++)
			free(d->strings->s[i]);
		free(d->strings->s);
		free(d->strings);
	}
	free(d->text);
	d->text = NULL, d->strings = NULL;
}

struct tl_str tl_rjson_root(const struct tl_rjson *d)
{
	const char *end = d->text + d->n, *p = tl_json_skip_ws(d->text, end);
	return (struct tl_str){p, (size_t)(tl_json_skip_value(p, end, JSON_DEPTH) - p)};
}

long tl_rjson_line(const struct tl_rjson *d, const char *p)
{
	long line = 1;
	for (const char *c = d->text; c < p; c++)
		line += *c == '\n';
	return line;
}

void tl_rjson_die(const struct tl_rjson *d, struct tl_str v, const char *fmt, ...)
{
	char msg[TL_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tl_die_at(TL_EX_DATAERR, d->name, tl_rjson_line(d, v.p), "%s", msg);
}

void tl_rjson_iter_begin(struct tl_rjson_iter *i, const struct tl_rjson *d, struct tl_str v, char open)
{
	i->d = d;
	i->object = open == '{';
	if (tl_json_iter_begin(&i->it, v.p, v.p + v.n, open) < 0)
		tl_rjson_die(d, v, "%s, not '%.*s'", i->object ? "expected an object" : "expected an array",
			     (int)(v.n > 40 ? 40 : v.n), v.p);
}

int tl_rjson_iter_next(struct tl_rjson_iter *i, struct tl_str *key, struct tl_str *v)
{
	struct tl_str k = {0};
	int rc = i->object ? tl_json_iter_member(&i->it, &k) : tl_json_iter_item(&i->it);
	if (rc <= 0)
		return 0;   /* the document was checked whole: rc < 0 cannot happen */
	const char *q = tl_json_skip_value(i->it.p, i->it.end, JSON_DEPTH);
	*v = (struct tl_str){i->it.p, (size_t)(q - i->it.p)};
	i->it.p = q;
	if (key)
		*key = k;
	return 1;
}

int tl_rjson_get(const struct tl_rjson *d, struct tl_str obj, const char *key, struct tl_str *v)
{
	struct tl_rjson_iter i;
	struct tl_str k;
	tl_rjson_iter_begin(&i, d, obj, '{');
	while (tl_rjson_iter_next(&i, &k, v))
		if (tl_json_key_is(k, key))
			return 1;
	return 0;
}

struct tl_str tl_rjson_need(const struct tl_rjson *d, struct tl_str obj, const char *key)
{
	struct tl_str v;
	if (!tl_rjson_get(d, obj, key, &v))
		tl_rjson_die(d, obj, "no member '%s' in this object", key);
	return v;
}

int tl_rjson_is_null(struct tl_str v)
{
	return v.n == 4 && memcmp(v.p, "null", 4) == 0;
}

struct tl_str tl_rjson_number(const struct tl_rjson *d, struct tl_str obj, const char *key)
{
	struct tl_str v = tl_rjson_need(d, obj, key);
	if (!tl_rjson_is_null(v) && !(v.n && (*v.p == '-' || (*v.p >= '0' && *v.p <= '9'))))
		tl_rjson_die(d, v, "'%s' is not a number: '%.*s'", key, (int)(v.n > 40 ? 40 : v.n), v.p);
	return v;
}

const char *tl_rjson_decode(const struct tl_rjson *d, struct tl_str v)
{
	struct tl_rjson_strings *p = d->strings;
	if (v.n < 2 || *v.p != '"')
		tl_rjson_die(d, v, "expected a string, not '%.*s'", (int)(v.n > 40 ? 40 : v.n), v.p);
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->s = tl_xrealloc(p->s, p->cap * sizeof *p->s);
	}
	char *s = p->s[p->n++] = tl_xmalloc(v.n);
	long n = tl_json_unescape((struct tl_str){v.p + 1, v.n - 2}, s);
	if (n < 0)
		tl_rjson_die(d, v, "bad escape in a string");
	s[n] = '\0';
	return s;
}

const char *tl_rjson_string(const struct tl_rjson *d, struct tl_str obj, const char *key)
{
	struct tl_str v = tl_rjson_need(d, obj, key);
	return tl_rjson_is_null(v) ? NULL : tl_rjson_decode(d, v);
}

int tl_rjson_bool(const struct tl_rjson *d, struct tl_str obj, const char *key)
{
	struct tl_str v = tl_rjson_need(d, obj, key);
	if (v.n == 4 && memcmp(v.p, "true", 4) == 0)
		return 1;
	if (v.n == 5 && memcmp(v.p, "false", 5) == 0)
		return 0;
	tl_rjson_die(d, v, "'%s' is not true or false", key);
}

double tl_rjson_double(struct tl_str v)
{
	char buf[64];
	if (tl_rjson_is_null(v) || v.n >= sizeof buf)
		return NAN;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	return strtod(buf, NULL);
}

/* ---- JSON lines ---------------------------------------------------------- */

/* line_torn: whether the bad line p[0..n) is one cut short (input.h). */
static int line_torn(const char *p, size_t n, int unterminated)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	return n && *p == '{' && (unterminated || p[n - 1] != '}');
}

static void add_item(struct tl_rjson_lines *l, size_t *cap, struct tl_str v)
{
	if (l->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		l->item = tl_xrealloc(l->item, *cap * sizeof *l->item);
	}
	l->item[l->n++] = v;
}

void tl_rjson_load_lines(struct tl_rjson *d, const char *path, const char *what, struct tl_rjson_lines *l)
{
	int rc = tl_read_file(path, &d->text, &d->n);
	if (rc)
		tl_die(rc, "cannot %s %s %s:", rc == TL_EX_NOINPUT ? "open" : "read", what, path);
	d->name = path;
	d->strings = tl_xcalloc(1, sizeof *d->strings);
	memset(l, 0, sizeof *l);
	size_t cap = 0;
	long ln = 0;
	for (const char *p = d->text, *end = d->text + d->n, *nl; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl : end;
		ln++;
		const char *v = tl_json_skip_ws(p, nl), *q = v < nl ? tl_json_skip_value(v, nl, JSON_DEPTH) : NULL;
		if (v == nl)
			continue;
		if (q && *v == '{' && tl_json_skip_ws(q, nl) == nl) {
			add_item(l, &cap, (struct tl_str){v, (size_t)(q - v)});
		} else if (line_torn(v, (size_t)(nl - v), nl == end)) {
			l->torn = tl_xrealloc(l->torn, (l->ntorn + 1) * sizeof *l->torn);
			l->torn[l->ntorn++] = ln;
		} else {
			tl_die_at(TL_EX_DATAERR, path, ln, "not an entry of a %s (bad JSON, or not one JSON object on the line)", what);
		}
	}
	if (!l->n)
		tl_die(TL_EX_DATAERR, "%s: empty: no entry of a %s", path, what);
}

void tl_rjson_lines_free(struct tl_rjson_lines *l)
{
	free(l->item), free(l->torn);
	memset(l, 0, sizeof *l);
}

/* ---- tables ------------------------------------------------------------- */

/* new_row: room for one more row (the arrays double: a row at a time was
 * quadratic under ASan's copying realloc, minutes for a 6 MB --curves);
 * returns its cells. */
static char **new_row(struct tl_rtable *t, long line)
{
	if (t->nrow == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cell = tl_xrealloc(t->cell, t->cap * t->ncol * sizeof *t->cell);
		t->line = tl_xrealloc(t->line, t->cap * sizeof *t->line);
	}
	memset(t->cell + t->nrow * t->ncol, 0, t->ncol * sizeof *t->cell);
	t->line[t->nrow] = line;
	return t->cell + t->nrow++ * t->ncol;
}

/* copy_fields: the record's fields as strings (malloc'd, in out[0..n)). */
static void copy_fields(const struct tl_sidefile *s, char **out)
{
	const struct tl_str *f = tl_sidefile_fields(s);
	for (size_t i = 0; i < tl_sidefile_nfields(s); i++)
		out[i] = tl_xstrndup(f[i].p, f[i].n);
}

static void check_need(const struct tl_rtable *t, struct tl_sidefile *s, const char *const *need)
{
	for (; need && *need; need++)
		if (tl_rtable_col(t, *need) < 0)
			bad(s, NULL, t->name, 1, "no column '%s' in the header", *need);
}

void tl_rtable_csv(struct tl_rtable *t, const char *path, const char *const *need)
{
	memset(t, 0, sizeof *t);
	t->name = tl_xstrdup(path);
	struct tl_sidefile *s = tl_sidefile_open(path, FIELD_MAX);
	if (!tl_sidefile_next(s)) {
		tl_sidefile_close(s);
		tl_die(TL_EX_DATAERR, "%s: empty: no CSV header", path);
	}
	t->ncol = tl_sidefile_nfields(s);
	t->head = tl_xmalloc(t->ncol * sizeof *t->head);
	copy_fields(s, t->head);
	check_need(t, s, need);
	while (tl_sidefile_next(s)) {
		if (tl_sidefile_nfields(s) != t->ncol)
			bad(s, NULL, path, tl_sidefile_line(s), "%zu fields, the header has %zu", tl_sidefile_nfields(s),
			    t->ncol);
		copy_fields(s, new_row(t, tl_sidefile_line(s)));
	}
	tl_sidefile_close(s);
}

int tl_rtable_col(const struct tl_rtable *t, const char *name)
{
	for (size_t i = 0; i < t->ncol; i++)
		if (strcmp(t->head[i], name) == 0)
			return (int)i;
	return -1;
}

const char *tl_rtable_at(const struct tl_rtable *t, size_t row, int col)
{
	return t->cell[row * t->ncol + (size_t)col];
}

/* is_number: s is a whole finite decimal number as the tools write them. */
static int is_number(const char *s)
{
	char *end;
	if (!*s || !(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9')))
		return 0;
	double v = strtod(s, &end);
	return !*end && isfinite(v);
}

double tl_rtable_number(const struct tl_rtable *t, size_t row, int col)
{
	const char *s = tl_rtable_at(t, row, col);
	if (!*s)
		return NAN;
	if (!is_number(s))
		tl_die_at(TL_EX_DATAERR, t->name, t->line[row], "%s: not a number: '%s'", t->head[col], s);
	return strtod(s, NULL);
}

void tl_rtable_free(struct tl_rtable *t)
{
	for (size_t i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	for (size_t i = 0; i < t->ncol; i++)
		free(t->head[i]);
	free(t->cell), free(t->head), free(t->line), free(t->name), free(t->title), free(t->footer);
	memset(t, 0, sizeof *t);
}

/* ---- the tl-score summary ----------------------------------------------- */

#define SUMMARY_TITLE "tl-score summary: "
#define SUMMARY_FOOTER "portfolio average multiplier: "
#define SUMMARY_MAXCOL 16

/* words: split line at blanks into w[0..max); returns the count. */
static size_t words(char *line, char **w, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *p = strtok_r(line, " \t", &save); p; p = strtok_r(NULL, " \t", &save), n++)
		if (n < max)
			w[n] = p;
	return n;
}

/* summary_row: one line of a block (its header or a row), or its footer. */
static void summary_row(struct tl_rtable *t, char *line, long ln, char *text)
{
	char *w[SUMMARY_MAXCOL];
	if (strncmp(line, SUMMARY_FOOTER, sizeof SUMMARY_FOOTER - 1) == 0) {
		if (!is_number(line + sizeof SUMMARY_FOOTER - 1))
			bad(NULL, text, t->name, ln, "not a number: '%s'", line);
		t->footer = tl_xstrdup(line);
		return;
	}
	size_t n = words(line, w, SUMMARY_MAXCOL);
	if (!t->head) {
		if (n < 2 || n > SUMMARY_MAXCOL)
			bad(NULL, text, t->name, ln, "not a summary header: '%s'", line);
		t->ncol = n;
		t->head = tl_xmalloc(n * sizeof *t->head);
		for (size_t i = 0; i < n; i++)
			t->head[i] = tl_xstrdup(w[i]);
		return;
	}
	if (n != t->ncol || n > SUMMARY_MAXCOL)
		bad(NULL, text, t->name, ln, "%zu columns, the header has %zu", n, t->ncol);
	for (size_t i = 1; i < n; i++)
		if (!is_number(w[i]))
			bad(NULL, text, t->name, ln, "%s: not a number: '%s'", t->head[i], w[i]);
	char **row = new_row(t, ln);
	for (size_t i = 0; i < n; i++)
		row[i] = tl_xstrdup(w[i]);
}

/* summary_line: line ln of the file, into the blocks t[0..*nb). */
static void summary_line(struct tl_rtable *t, size_t max, size_t *nb, char *line, long ln, const char *path,
			 char *text)
{
	if (strncmp(line, SUMMARY_TITLE, sizeof SUMMARY_TITLE - 1) == 0) {
		if (*nb && (!t[*nb - 1].footer || !t[*nb - 1].nrow))
			bad(NULL, text, path, ln, "the summary before ends early (no rows or no '%s' line)", SUMMARY_FOOTER);
		if (*nb == max)
			bad(NULL, text, path, ln, "more than %zu summaries", max);
		memset(&t[*nb], 0, sizeof *t);
		t[*nb].name = tl_xstrdup(path);
		t[(*nb)++].title = tl_xstrdup(line + sizeof SUMMARY_TITLE - 1);
	} else if (!*nb) {
		bad(NULL, text, path, ln, "not a tl-score summary (no '%s' line first)", SUMMARY_TITLE);
	} else if (t[*nb - 1].footer) {
		bad(NULL, text, path, ln, "a line after the summary's '%s' line", SUMMARY_FOOTER);
	} else {
		summary_row(&t[*nb - 1], line, ln, text);
	}
}

size_t tl_rtable_summary(struct tl_rtable *t, size_t max, const char *path)
{
	char *text;
	size_t n, nb = 0;
	int rc = tl_read_file(path, &text, &n);
	if (rc)
		tl_die(rc, "cannot %s summary %s:", rc == TL_EX_NOINPUT ? "open" : "read", path);
	long ln = 0;
	for (char *p = text, *nl; p < text + n; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = text + n;
		*nl = '\0';
		ln++;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p)
			summary_line(t, max, &nb, p, ln, path, text);
	}
	free(text);
	if (!nb)
		tl_die(TL_EX_DATAERR, "%s: empty: not a tl-score summary", path);
	if (!t[nb - 1].footer || !t[nb - 1].nrow)
		tl_die_at(TL_EX_DATAERR, path, ln, "the summary ends early (no rows or no '%s' line)", SUMMARY_FOOTER);
	return nb;
}
