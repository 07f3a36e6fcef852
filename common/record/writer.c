/* writer.c - learner documents with in-place field replacement, and
 * learner rows with a header fixed by the first learner. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/obuf.h"
#include "util/err.h"
#include "record/writer.h"
#include "util/num.h"
#include "util/opts.h"

enum kind { K_NUM, K_STR, K_NULL };

struct field {
	const char *name;
	size_t name_len;
	enum kind kind;
	size_t off, len;     /* text in w->text */
	int done;            /* written in place of an attribute */
};

/* A CSV column: an attribute or a computed field. */
struct column {
	char *name;
	int field;           /* index into fields, or -1 for an attribute */
	size_t attr_hint;    /* the attribute's index in the first learner */
};

struct tl_writer {
	struct tl_obuf ob;    /* records are assembled here, then fwrite */
	int csv;              /* TL_OUT_CSV or TL_OUT_TSV: rows; 0: documents */
	const struct tl_learner *l;
	struct field *fields;
	size_t nfields, fieldcap;
	char *text;
	size_t tlen, tcap;
	struct column *cols;  /* CSV header, NULL until the first learner */
	size_t ncols;
	size_t first_nfields;
	struct frags {        /* a learner's event members, escaped once */
		char *text;       /* ,"domain":"…" then ,"capability":"…" */
		size_t cap;
		struct tl_str *at;   /* the domains' fragments, then the caps' */
		size_t atcap;
	} frag;
};

struct tl_writer *tl_writer_open(FILE *f, int csv)
{
	struct tl_writer *w = tl_xcalloc(1, sizeof *w);
	w->ob.f = f;
	w->csv = csv;
	return w;
}

void tl_writer_begin(struct tl_writer *w, const struct tl_learner *l)
{
	w->l = l;
	w->nfields = 0;
	w->tlen = 0;
}

static void add_field(struct tl_writer *w, const char *name, enum kind kind, const char *s, size_t n)
{
	if (w->nfields == w->fieldcap) {
		w->fieldcap = w->fieldcap ? w->fieldcap * 2 : 32;
		w->fields = tl_xrealloc(w->fields, w->fieldcap * sizeof *w->fields);
	}
	if (w->tlen + n > w->tcap) {
		w->tcap = (w->tlen + n) * 2 + 256;
		w->text = tl_xrealloc(w->text, w->tcap);
	}
	if (n)
		memcpy(w->text + w->tlen, s, n);
	w->fields[w->nfields++] = (struct field){name, strlen(name), kind, w->tlen, n, 0};
	w->tlen += n;
}

void tl_put_int(struct tl_writer *w, const char *name, long long v)
{
	char buf[24];
	add_field(w, name, K_NUM, buf, tl_format_int(v, buf));
}

void tl_put_num(struct tl_writer *w, const char *name, double v)
{
	char buf[32];
	if (!isfinite(v))
		return tl_put_empty(w, name);
	if (v == 0)
		v = 0;   /* no "-0" */
	if (v == (double)(long long)v && fabs(v) < 1e6)
		return tl_put_int(w, name, (long long)v);
	size_t n = tl_format_g6(v, buf);
	if (n == 0)
		n = (size_t)snprintf(buf, sizeof buf, "%.6g", v);
	add_field(w, name, K_NUM, buf, n);
}

void tl_put_num17(struct tl_writer *w, const char *name, double v)
{
	char buf[32];
	if (!isfinite(v))
		return tl_put_empty(w, name);
	add_field(w, name, K_NUM, buf, (size_t)snprintf(buf, sizeof buf, "%.17g", v));
}

void tl_put_empty(struct tl_writer *w, const char *name) { add_field(w, name, K_NULL, "", 0); }

void tl_put_text(struct tl_writer *w, const char *name, const char *s, size_t n)
{
	add_field(w, name, K_STR, s, n);
}

void tl_put_time(struct tl_writer *w, const char *name, tl_time t)
{
	/* as-of is mostly the same instant for every learner: format it once */
	static _Thread_local tl_time last = INT64_MIN;
	static _Thread_local char buf[40];
	static _Thread_local size_t n;
	if (t != last) {
		n = tl_time_format(t, buf);
		last = t;
	}
	add_field(w, name, K_STR, buf, n);
}

static int name_is(struct tl_str s, const char *name)
{
	size_t n = strlen(name);
	return s.n == n && memcmp(s.p, name, n) == 0;
}

static struct field *field_named(struct tl_writer *w, struct tl_str name)
{
	for (size_t i = 0; i < w->nfields; i++)
		if (name.n == w->fields[i].name_len && memcmp(name.p, w->fields[i].name, name.n) == 0)
			return &w->fields[i];
	return NULL;
}

static void put_json_value(struct tl_writer *w, const struct field *fd)
{
	if (fd->kind == K_NULL)
		tl_obuf_lit(&w->ob, "null");
	else if (fd->kind == K_STR)
		tl_obuf_json_string(&w->ob, w->text + fd->off, fd->len);
	else
		tl_obuf_put(&w->ob, w->text + fd->off, fd->len);
}

static void put_json_member(struct tl_writer *w, const struct field *fd)
{
	tl_obuf_json_string(&w->ob, fd->name, strlen(fd->name));
	tl_obuf_putc(&w->ob, ':');
	put_json_value(w, fd);
}

/* A document read as a document: copy its bytes, replacing the values of
 * members the tool recomputed, and add the new members before '}'. */
static void write_doc_passthrough(struct tl_writer *w)
{
	const struct tl_learner *l = w->l;
	const char *cursor = l->raw.p, *end = l->raw.p + l->raw.n;
	for (size_t i = 0; i < l->nattrs; i++) {
		const struct tl_attr *a = &l->attrs[i];
		if (a->value.p[0] != '"' && name_is(a->name, "learner_id")) {
			/* a number: written as the string it is read as, as event rows write it */
			tl_obuf_put(&w->ob, cursor, (size_t)(a->value.p - cursor));
			tl_obuf_json_string(&w->ob, l->id.p, l->id.n);
			cursor = a->value.p + a->value.n;
			continue;
		}
		struct field *fd = field_named(w, a->name);
		if (!fd)
			continue;
		tl_obuf_put(&w->ob, cursor, (size_t)(l->attrs[i].value.p - cursor));
		put_json_value(w, fd);
		fd->done = 1;
		cursor = l->attrs[i].value.p + l->attrs[i].value.n;
	}
	const char *close = end;
	while (close > cursor && close[-1] != '}')
		close--;
	close--;   /* the object's closing brace */
	tl_obuf_put(&w->ob, cursor, (size_t)(close - cursor));
	int any = l->nattrs > 0;
	for (size_t i = 0; i < w->nfields; i++) {
		if (w->fields[i].done)
			continue;
		if (any)
			tl_obuf_putc(&w->ob, ',');
		put_json_member(w, &w->fields[i]);
		any = 1;
	}
	tl_obuf_putc(&w->ob, '}');
	tl_obuf_putc(&w->ob, '\n');
}

/* FRAG_PAD: readable bytes after every fragment, so that a copy can move
 * whole 32-byte blocks (fixed-size moves, no memcpy call). */
#define FRAG_PAD 32

/* build_frags: the ,"domain":"…" and ,"capability":"…" members of each of
 * l's domains and capabilities, escaped once per learner rather than once
 * per event (a learner repeats a few names over many events). */
static void build_frags(struct frags *f, const struct tl_learner *l)
{
	size_t names = l->ndomains + l->ncaps, need = FRAG_PAD;
	for (size_t i = 0; i < names; i++) {
		struct tl_str s = i < l->ndomains ? l->domains[i] : l->caps[i - l->ndomains];
		need += 16 + 6 * s.n;
	}
	if (need > f->cap) {
		f->cap = need * 2;
		f->text = tl_xrealloc(f->text, f->cap);
	}
	if (names > f->atcap) {
		f->atcap = names * 2;
		f->at = tl_xrealloc(f->at, f->atcap * sizeof *f->at);
	}
	char *d = f->text;
	for (size_t i = 0; i < names; i++) {
		int dom = i < l->ndomains;
		struct tl_str s = dom ? l->domains[i] : l->caps[i - l->ndomains];
		char *start = d;
		memcpy(d, dom ? ",\"domain\":" : ",\"capability\":", dom ? 10 : 14);
		d = tl_json_escape(d + (dom ? 10 : 14), s.p, s.n);
		f->at[i] = (struct tl_str){start, (size_t)(d - start)};
	}
	memset(d, 0, FRAG_PAD);
}

/* copy_blocks: n bytes from s (FRAG_PAD readable past them) to d, with
 * room for n rounded up to 32. */
static inline char *copy_blocks(char *d, const char *s, size_t n)
{
	for (size_t k = 0; k < n; k += 32)
		memcpy(d + k, s + k, 32);
	return d + n;
}

/* write_event: one event object, assembled in room reserved once: the ts
 * as written, then the learner's fragments. */
static void write_event(struct tl_writer *w, const struct tl_learner *l, const struct tl_event *e)
{
	/* the rest of the event for each enum tl_action_text, padded to 32 */
#define ACTION(a) {",\"action\":\"" a "\"}", sizeof(",\"action\":\"" a "\"}") - 1}
	static const struct {
		char text[32];
		unsigned char len;
	} actions[] = {{"}", 1}, ACTION("interact"), ACTION("use"), ACTION("adopt")};
#undef ACTION
	struct tl_str none = {"", 0};
	struct tl_str dom = e->dom >= 0 ? w->frag.at[e->dom] : none;
	struct tl_str cap = e->cap >= 0 ? w->frag.at[l->ndomains + (size_t)e->cap] : none;
	char *d = tl_obuf_room(&w->ob, e->ts_text.n + dom.n + cap.n + 3 * 32 + 16), *start = d;
	/* a ts was parsed, so its text has nothing to escape (digits, - : . +
	 * T Z, space): a JSON number as it was, a string in quotes */
	memcpy(d, "{\"ts\":\"", 8);
	d += e->ts_json ? 6 : 7;
	memcpy(d, e->ts_text.p, e->ts_text.n);
	d += e->ts_text.n;
	if (!e->ts_json)
		*d++ = '"';
	d = copy_blocks(d, dom.p, dom.n);
	d = copy_blocks(d, cap.p, cap.n);
	memcpy(d, actions[e->action].text, 32);
	d += actions[e->action].len;
	w->ob.n += (size_t)(d - start);
}

/* A learner read from event rows: build its document. */
static void write_doc_from_events(struct tl_writer *w)
{
	const struct tl_learner *l = w->l;
	tl_obuf_lit(&w->ob, "{\"learner_id\":");
	tl_obuf_json_string(&w->ob, l->id.p, l->id.n);
	tl_obuf_lit(&w->ob, ",\"events\":[");
	build_frags(&w->frag, l);
	for (size_t i = 0; i < l->nev; i++) {
		if (i)
			tl_obuf_putc(&w->ob, ',');
		write_event(w, l, &l->ev[i]);
	}
	tl_obuf_putc(&w->ob, ']');
	for (size_t i = 0; i < l->nattrs; i++) {
		const struct tl_attr *a = &l->attrs[i];
		tl_obuf_putc(&w->ob, ',');
		struct field *fd = field_named(w, a->name);
		if (fd) {
			put_json_member(w, fd);
			fd->done = 1;
			continue;
		}
		tl_obuf_json_string(&w->ob, a->name.p, a->name.n);
		tl_obuf_putc(&w->ob, ':');
		if (a->json)
			tl_obuf_put(&w->ob, a->value.p, a->value.n);
		else
			tl_obuf_json_string(&w->ob, a->value.p, a->value.n);
	}
	for (size_t i = 0; i < w->nfields; i++)
		if (!w->fields[i].done) {
			tl_obuf_putc(&w->ob, ',');
			put_json_member(w, &w->fields[i]);
		}
	tl_obuf_putc(&w->ob, '}');
	tl_obuf_putc(&w->ob, '\n');
}

static int skip_attr(struct tl_str name)
{
	return name_is(name, "learner_id") || name_is(name, "events");
}

static void add_column(struct tl_writer *w, const char *name, size_t n, int field, size_t hint)
{
	w->cols = tl_xrealloc(w->cols, (w->ncols + 1) * sizeof *w->cols);
	w->cols[w->ncols++] = (struct column){tl_xstrndup(name, n), field, hint};
}

/* The field separator of a row. */
static char sep(const struct tl_writer *w) { return w->csv == TL_OUT_TSV ? '\t' : ','; }

/* tsv_refuse: a TSV field cannot hold a tab or a line break, and TSV has
 * no quoting: such a value is an error, not escaped (tl(7) "Learner
 * rows"), so a TSV reader never splits a value. */
static _Noreturn void tsv_refuse(const struct tl_writer *w, const char *p, size_t n)
{
	const struct tl_learner *l = w->l;
	char shown[64];
	size_t k = n < 60 ? n : 60;
	for (size_t i = 0; i < k; i++)
		shown[i] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	strcpy(shown + k, n > k ? "..." : "");
	if (l && l->file)
		tl_die_at(TL_EX_DATAERR, l->file, l->line,
			  "learner '%.*s': the value '%s' holds a tab or a line break, which -o tsv cannot write; use -o csv",
			  (int)(l->id.n > 60 ? 60 : l->id.n), l->id.p, shown);
	tl_die(TL_EX_DATAERR, "the name '%s' holds a tab or a line break, which -o tsv cannot write; use -o csv", shown);
}

/* put_cell: one field of a row: CSV quoted when it needs to be, TSV as is. */
static void put_cell(struct tl_writer *w, const char *p, size_t n)
{
	if (w->csv != TL_OUT_TSV) {
		tl_obuf_csv_field(&w->ob, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
			tsv_refuse(w, p, n);
	tl_obuf_put(&w->ob, p, n);
}

/* The CSV header: learner_id, the first learner's attributes (a computed
 * field with an attribute's name takes its place), the new fields. */
static void write_header(struct tl_writer *w)
{
	const struct tl_learner *l = w->l;
	add_column(w, "learner_id", 10, -1, 0);
	for (size_t i = 0; i < l->nattrs; i++) {
		if (skip_attr(l->attrs[i].name))
			continue;
		struct field *fd = field_named(w, l->attrs[i].name);
		if (fd)
			fd->done = 1;
		add_column(w, l->attrs[i].name.p, l->attrs[i].name.n, fd ? (int)(fd - w->fields) : -1, i);
	}
	for (size_t i = 0; i < w->nfields; i++)
		if (!w->fields[i].done)
			add_column(w, w->fields[i].name, strlen(w->fields[i].name), (int)i, 0);
	w->first_nfields = w->nfields;
	if (!w->ob.f)   /* a chunk's writer: the header is the main writer's */
		return;
	for (size_t c = 0; c < w->ncols; c++) {
		if (c)
			tl_obuf_putc(&w->ob, sep(w));
		put_cell(w, w->cols[c].name, strlen(w->cols[c].name));
	}
	tl_obuf_putc(&w->ob, '\n');
}

static const struct tl_attr *attr_for(const struct tl_learner *l, const struct column *c)
{
	if (c->attr_hint < l->nattrs && name_is(l->attrs[c->attr_hint].name, c->name))
		return &l->attrs[c->attr_hint];
	return tl_learner_attr(l, c->name);
}

static void put_csv_attr(struct tl_writer *w, const struct tl_attr *a)
{
	if (!a->json) {
		put_cell(w, a->value.p, a->value.n);
		return;
	}
	char small[256];
	char *buf = a->value.n < sizeof small ? small : tl_xmalloc(a->value.n + 1);
	long n = tl_attr_text(a, buf, a->value.n + 1);
	put_cell(w, buf, n < 0 ? 0 : (size_t)n);
	if (buf != small)
		free(buf);
}

/* Every attribute of l must have a column (nothing is dropped silently). */
static void check_columns(struct tl_writer *w)
{
	const struct tl_learner *l = w->l;
	for (size_t i = 0; i < l->nattrs; i++) {
		if (skip_attr(l->attrs[i].name))
			continue;
		size_t c;
		for (c = 0; c < w->ncols; c++)
			if (name_is(l->attrs[i].name, w->cols[c].name))
				break;
		if (c == w->ncols)
			tl_die_at(TL_EX_DATAERR, l->file, l->line,
				  "learner '%.*s' has the field '%.*s', which the CSV header (set by the first learner) lacks; use -o ndjson",
				  (int)l->id.n, l->id.p, (int)l->attrs[i].name.n, l->attrs[i].name.p);
	}
}

static void write_row(struct tl_writer *w)
{
	const struct tl_learner *l = w->l;
	if (!w->cols)
		write_header(w);
	if (w->nfields != w->first_nfields)
		tl_die(TL_EX_SOFTWARE, "internal error: the fields changed between learners");
	size_t matched = 0, own = 0;
	for (size_t c = 1; c < w->ncols; c++)
		matched += w->cols[c].field < 0 && attr_for(l, &w->cols[c]) != NULL;
	for (size_t i = 0; i < l->nattrs; i++)
		own += !skip_attr(l->attrs[i].name) && !field_named(w, l->attrs[i].name);
	if (matched != own)
		check_columns(w);
	for (size_t c = 0; c < w->ncols; c++) {
		if (c)
			tl_obuf_putc(&w->ob, sep(w));
		const struct column *col = &w->cols[c];
		if (c == 0) {
			put_cell(w, l->id.p, l->id.n);
		} else if (col->field >= 0) {
			const struct field *fd = &w->fields[col->field];
			if (fd->kind == K_NUM)   /* digits, sign, point, e: never quoted */
				tl_obuf_put(&w->ob, w->text + fd->off, fd->len);
			else
				put_cell(w, w->text + fd->off, fd->len);
		} else {
			const struct tl_attr *a = attr_for(l, col);
			if (a)
				put_csv_attr(w, a);
		}
	}
	tl_obuf_putc(&w->ob, '\n');
}

void tl_writer_end(struct tl_writer *w)
{
	if (w->csv)
		write_row(w);
	else if (w->l->shape == TL_SHAPE_DOC)
		write_doc_passthrough(w);
	else
		write_doc_from_events(w);
	if (w->ob.n >= 1 << 16 && w->ob.f)
		tl_obuf_flush(&w->ob);
}

void tl_writer_header(struct tl_writer *w)
{
	if (w->csv && !w->cols)
		write_header(w);
}

int tl_writer_started(const struct tl_writer *w) { return !w->csv || w->cols; }

void tl_writer_header_from(struct tl_writer *w, const struct tl_writer *from)
{
	if (!w->csv || w->cols || !from->cols)
		return;
	for (size_t c = 0; c < from->ncols; c++) {
		add_column(w, from->cols[c].name, strlen(from->cols[c].name), from->cols[c].field, from->cols[c].attr_hint);
		if (c && w->ob.f)
			tl_obuf_putc(&w->ob, sep(w));
		if (w->ob.f)
			put_cell(w, from->cols[c].name, strlen(from->cols[c].name));
	}
	if (w->ob.f)
		tl_obuf_putc(&w->ob, '\n');
	w->first_nfields = from->first_nfields;
}

size_t tl_writer_held(const struct tl_writer *w, const char **p)
{
	*p = w->ob.p;
	return w->ob.n;
}

void tl_writer_clear(struct tl_writer *w) { w->ob.n = 0; }

void tl_writer_raw(struct tl_writer *w, const char *p, size_t n)
{
	if (w->ob.n + n > 1 << 16)
		tl_obuf_flush(&w->ob);
	if (n >= 1 << 16 && w->ob.f)
		fwrite(p, 1, n, w->ob.f);
	else
		tl_obuf_put(&w->ob, p, n);
}

void tl_writer_close(struct tl_writer *w)
{
	tl_obuf_flush(&w->ob);
	tl_obuf_free(&w->ob);
	for (size_t c = 0; c < w->ncols; c++)
		free(w->cols[c].name);
	free(w->cols);
	free(w->fields);
	free(w->text);
	free(w->frag.text);
	free(w->frag.at);
	free(w);
}
