/* reader_xapi.c - how a file holds xAPI statements (tl(7) "xAPI
 * statements"): one per line (NDJSON, read like event NDJSON), or JSON
 * values that may span lines: statements, arrays of them and LRS pages
 * {"statements":[...]}, pretty-printed or not. The statement's event is
 * read by reader_xapi_map.c. */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "util/err.h"
#include "record/reader_impl.h"

/* The framing of the current file. */
struct xframe {
	int stream;              /* 0: one statement per line; 1: JSON values */
	int check_first;         /* the first value must be a statement (pretty JSON) */
	const char *p, *end;     /* stream: the unread rest of the current line */
	int have;                /* p..end is a line's rest */
	int in_array;            /* inside a top-level array */
	int want_item;           /* ... and an item comes next, not ',' or ']' */
	int depth, in_str, esc;  /* value_end's state across lines */
	char *acc;               /* a value that spans lines, joined by '\n' */
	size_t accn, acccap;
	/* an LRS page being read: its members, then its statements' items */
	int page, in_items;
	struct tl_json_iter pit, sit;
	const char *page_pos;    /* counted up to here: page_line */
	long page_line;
};

/* value_end: the byte after the value that starts (depth 0) or continues
 * at p, or NULL when the line ends first; only brackets and strings are
 * followed here, the statement's parse validates it. */
static const char *value_end(struct xframe *f, const char *p, const char *end)
{
	for (; p < end; p++) {
		char c = *p;
		if (f->in_str) {
			if (f->esc)
				f->esc = 0;
			else if (c == '\\')
				f->esc = 1;
			else if (c == '"')
				f->in_str = 0;
		} else if (c == '"') {
			f->in_str = 1;
		} else if (c == '{' || c == '[') {
			f->depth++;
		} else if ((c == '}' || c == ']') && --f->depth <= 0) {
			return p + 1;
		}
	}
	return NULL;
}

static void acc_append(struct tl_reader *r, struct xframe *f, const char *p, size_t n)
{
	if (f->accn + n + 1 > r->src.max_line)
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "a JSON value is longer than %zu bytes%s",
			  r->src.max_line, r->src.max_line_why ? r->src.max_line_why : "");
	if (f->accn + n + 1 > f->acccap) {
		f->acccap = (f->accn + n + 1) * 2;
		f->acc = tl_xrealloc(f->acc, f->acccap);
	}
	memcpy(f->acc + f->accn, p, n);
	f->accn += n;
}

/* next_line: the next line into f; 0 at the end of the file. */
static int next_line(struct tl_reader *r, struct xframe *f)
{
	const char *p;
	size_t n;
	if (!tl_source_line(&r->src, &p, &n))
		return 0;
	rd_cut_stream(r, p, n);
	f->p = p;
	f->end = p + n;
	f->have = 1;
	return 1;
}

/* take_value: the value starting at p (on line r->rec_line), whole: a
 * span of the line when it ends there, else joined in f->acc. */
static struct tl_str take_value(struct tl_reader *r, struct xframe *f, const char *p)
{
	f->depth = f->in_str = f->esc = 0;
	const char *q = value_end(f, p, f->end);
	if (q) {
		f->p = q;
		return (struct tl_str){p, (size_t)(q - p)};
	}
	f->accn = 0;
	acc_append(r, f, p, (size_t)(f->end - p));
	for (;;) {
		acc_append(r, f, "\n", 1);
		if (!next_line(r, f))
			tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line,
				  "the input ends inside the JSON value that begins here");
		q = value_end(f, f->p, f->end);
		acc_append(r, f, f->p, (size_t)((q ? q : f->end) - f->p));
		if (q) {
			f->p = q;
			return (struct tl_str){f->acc, f->accn};
		}
	}
}

/* page_statements: the statements array of the object v, or NULL when v
 * is not an LRS page. */
static const char *page_statements(struct tl_str v)
{
	struct tl_json_iter it;
	struct tl_str key;
	const char *end = v.p + v.n;
	if (tl_json_iter_begin(&it, v.p, end, '{') < 0)
		return NULL;
	while (tl_json_iter_member(&it, &key) > 0) {
		if (tl_json_key_is(key, "statements") && it.p < end && *it.p == '[')
			return it.p;
		if (!(it.p = tl_json_skip_value(it.p, end, 64)))
			return NULL;
	}
	return NULL;
}

static void page_die(struct tl_reader *r, struct xframe *f, const char *why)
{
	tl_die_at(TL_EX_DATAERR, r->src.name, f->page_line, "an LRS page: %s", why);
}

/* page_next: the next statement of the page; 0 when it has no more. */
static int page_next(struct tl_reader *r, struct xframe *f, struct tl_str *raw)
{
	struct tl_str key;
	int rc;
	for (;;) {
		if (f->in_items) {
			if ((rc = tl_json_iter_item(&f->sit)) < 0)
				page_die(r, f, f->sit.why);
			if (rc == 0) {
				f->in_items = 0;
				f->pit.p = f->sit.p;
				continue;
			}
			const char *q = tl_json_skip_value(f->sit.p, f->sit.end, 64);
			if (!q)
				page_die(r, f, "bad JSON in its statements");
			for (const char *n; (n = memchr(f->page_pos, '\n', (size_t)(f->sit.p - f->page_pos)));)
				f->page_pos = n + 1, f->page_line++;
			r->rec_line = f->page_line;
			*raw = (struct tl_str){f->sit.p, (size_t)(q - f->sit.p)};
			f->sit.p = q;
			return 1;
		}
		if ((rc = tl_json_iter_member(&f->pit, &key)) <= 0) {
			if (rc < 0)
				page_die(r, f, f->pit.why);
			f->page = 0;
			return 0;
		}
		if (tl_json_key_is(key, "statements")) {
			if (tl_json_iter_begin(&f->sit, f->pit.p, f->pit.end, '[') < 0)
				page_die(r, f, "statements is not an array");
			f->in_items = 1;
		} else if (!(f->pit.p = tl_json_skip_value(f->pit.p, f->pit.end, 64))) {
			page_die(r, f, "bad JSON");
		}
	}
}

/* start_page: read the statements of the page v next. */
static void start_page(struct tl_reader *r, struct xframe *f, struct tl_str v)
{
	tl_json_iter_begin(&f->pit, v.p, v.p + v.n, '{');
	f->page = 1;
	f->in_items = 0;
	f->page_pos = v.p;
	f->page_line = r->rec_line;
}

/* check_first: pretty-printed JSON that is not xAPI gets its cause named. */
static void check_first(struct tl_reader *r, struct xframe *f, struct tl_str v)
{
	f->check_first = 0;
	if (rd_xapi_is_statement(v))
		return;
	tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, f->in_array
		  ? "a JSON array of objects that are not xAPI statements (no actor and verb): "
		    "tl reads JSON one object per line (NDJSON: jq -c '.[]')"
		  : "pretty-printed JSON that is not xAPI statements (no actor and verb): "
		    "tl reads JSON one object per line (NDJSON: jq -c .)");
}

/* stream_value: the next top-level value or array item at f->p in *v;
 * 1, 0 when the line has nothing more, or 2 when a separator was taken. */
static int stream_value(struct tl_reader *r, struct xframe *f, struct tl_str *v)
{
	const char *p = tl_json_skip_ws(f->p, f->end);
	f->p = p;
	if (p == f->end)
		return 0;
	if (f->in_array && (*p == ']' || (*p == ',' && !f->want_item))) {
		f->in_array = *p == ',';
		f->want_item = 1;
		f->p = p + 1;
		return 2;
	}
	if (!f->in_array && *p == '[') {
		f->in_array = f->want_item = 1;
		f->p = p + 1;
		return 2;
	}
	r->rec_line = r->src.lineno;
	if (*p != '{' || (f->in_array && !f->want_item))
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, f->in_array
			  ? "bad JSON: expected a statement object, ',' or ']' in the array"
			  : "bad JSON: expected a statement object, an array of them or an LRS page");
	f->want_item = 0;
	*v = take_value(r, f, p);
	return 1;
}

/* stream_next: the next statement of a stream of JSON values. */
static int stream_next(struct tl_reader *r, struct xframe *f, struct tl_str *raw)
{
	for (;;) {
		if (f->page && page_next(r, f, raw))
			return 1;
		if (!f->have && !next_line(r, f)) {
			if (f->in_array)
				tl_die_at(TL_EX_DATAERR, r->src.name, r->src.lineno, "the input ends inside a JSON array");
			return 0;
		}
		int rc = stream_value(r, f, raw);
		if (rc == 0)
			f->have = 0;
		if (rc != 1)
			continue;
		if (!f->in_array && page_statements(*raw)) {
			f->check_first = 0;
			start_page(r, f, *raw);
			continue;
		}
		if (f->check_first)
			check_first(r, f, *raw);
		return 1;
	}
}

int rd_xapi_next(struct tl_reader *r, struct tl_str *raw)
{
	struct xframe *f = r->xframe;
	if (!f->stream)
		return rd_ndjson_line(r, raw);
	return stream_next(r, f, raw);
}

/* A first line that is one JSON object and nothing after it. */
static int whole_object(const char *p, const char *end, struct tl_str *v)
{
	struct xframe f = {0};
	const char *q = value_end(&f, p, end);
	if (!q || tl_json_skip_ws(q, end) != end)
		return 0;
	*v = (struct tl_str){p, (size_t)(q - p)};
	return 1;
}

int rd_xapi_first(struct tl_reader *r, const char *line, size_t n)
{
	const char *end = line + n, *p = tl_json_skip_ws(line, end);
	struct tl_str v;
	int stream;
	if (p < end && *p == '[') {
		const char *q = tl_json_skip_ws(p + 1, end);
		if (q < end && *q != '{' && *q != ']')
			return 0;   /* not an array of objects: a CSV header perhaps */
		stream = 1;
	} else if (p < end && *p == '{' && whole_object(p, end, &v)) {
		if (rd_xapi_is_statement(v))
			stream = 0;
		else if (page_statements(v))
			stream = 1;
		else
			return 0;   /* event NDJSON or documents */
	} else if (p < end && *p == '{') {
		struct xframe f = {0};
		const char *last = end;
		while (last > p && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r'))
			last--;
		/* it spans lines when the line stops where JSON must go on; else
		 * it is a line cut short, or text after an object: event NDJSON
		 * reports it */
		if (value_end(&f, p, end) || f.in_str || !strchr("{[,:", last[-1]))
			return 0;
		stream = 1;
	} else {
		return 0;
	}
	if (!r->xframe)
		r->xframe = tl_xcalloc(1, sizeof *r->xframe);
	struct xframe *f = r->xframe;
	char *acc = f->acc;
	size_t cap = f->acccap;
	*f = (struct xframe){.stream = stream, .check_first = stream, .acc = acc, .acccap = cap};
	rd_xapi_open(r);
	r->shape = TL_SHAPE_XAPI;
	tl_source_unread(&r->src, line);
	return 1;
}

void rd_xapi_free(struct tl_reader *r)
{
	if (r->xframe)
		free(r->xframe->acc);
	free(r->xframe);
	rd_xapi_map_free(r);
}
