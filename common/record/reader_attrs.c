/* reader_attrs.c - the attributes of the records the reader builds:
 * names an input may not use for an attribute, because tl writes them
 * itself (tl(7) "Reserved names"), and, for --stats, the attribute columns
 * or keys whose value varied within a learner (tl(7) "Attributes": only
 * the first row's value is kept). */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "util/err.h"
#include "record/reader_impl.h"

/* Each reserved name, why, and in which shapes: the writer puts a
 * learner's id and events at the top of its document, a tool that uses
 * an as-of writes it as as_of (which a learner row or document carries on
 * as its as-of), and a ts column makes rows event rows. */
static const struct {
	const char *name, *why;
	int in_rows;   /* also reserved in learner rows */
} RESERVED[] = {
	{"learner_id", "--map takes learner_id from another column, so this one would be a second learner_id", 1},
	{"ts", "--map takes ts from another column, so this one would be a second ts", 1},
	{"events", "tl writes the learner's events under this name", 1},
	{"as_of", "tl writes the as-of it used under this name", 0},
};

const char *rd_reserved(struct tl_str name, int event_rows)
{
	for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++)
		if ((event_rows || RESERVED[i].in_rows) && str_eq(name, RESERVED[i].name))
			return RESERVED[i].why;
	return NULL;
}

_Noreturn void rd_reserved_die(const char *file, long line, const char *what, struct tl_str name, const char *why)
{
	tl_die_at(TL_EX_DATAERR, file, line, "%s \"%.*s\" is a reserved name: %s; rename the %s", what, (int)name.n,
		  name.p, why, what);
}

void rd_reserved_columns(const struct tl_reader *r)
{
	int event_rows = r->col[COL_TS] >= 0;
	for (size_t i = 0; i < r->ncols; i++) {
		int canon = (int)i == r->col[COL_ID];
		for (int k = 0; k < NCANON && event_rows; k++)   /* learner rows: every other column is an attribute */
			canon |= r->col[k] == (int)i;
		const char *why = canon ? NULL : rd_reserved(r->colnames[i], event_rows);
		if (why)
			rd_reserved_die(r->src.name, r->rec_line, "column", r->colnames[i], why);
	}
}

void rd_reserved_attrs(const struct build *b)
{
	for (size_t i = 0; i < b->l.nattrs; i++) {
		const char *why = rd_reserved(b->l.attrs[i].name, 1);
		if (why)
			rd_reserved_die(b->l.file, b->l.line, "key", b->l.attrs[i].name, why);
	}
}

/* ---- attributes that varied within a learner (--stats) ---------------- */

/* note: name joins the sorted set of varied names (once). */
static void note(struct varied *v, struct tl_str name)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(v->names[mid].p, name.p, v->names[mid].n < name.n ? v->names[mid].n : name.n);
		c = c ? c : (v->names[mid].n > name.n) - (v->names[mid].n < name.n);
		if (c == 0)
			return;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 8;
		v->names = tl_xrealloc(v->names, v->cap * sizeof *v->names);
	}
	memmove(v->names + lo + 1, v->names + lo, (v->n - lo) * sizeof *v->names);
	char *copy = tl_xmalloc(name.n + 1);   /* not strndup: a name may hold a NUL */
	memcpy(copy, name.p, name.n);
	copy[name.n] = '\0';
	v->names[lo] = (struct tl_str){copy, name.n};
	v->n++;
}

static int noted(const struct varied *v, struct tl_str name)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->names[i].n == name.n && memcmp(v->names[i].p, name.p, name.n) == 0)
			return 1;
	return 0;
}

void rd_varied_header(struct tl_reader *r)
{
	struct varied *v = r->varied;
	if (!v || r->col[COL_TS] < 0)
		return;
	v->acol = tl_xrealloc(v->acol, (r->ncols + 1) * sizeof *v->acol);
	v->done = tl_xrealloc(v->done, r->ncols + 1);
	v->nacol = v->open = 0;
	for (size_t i = 0; i < r->ncols; i++) {
		int canon = r->col_count == (int)i;   /* a count is per row, not an attribute */
		for (int k = 0; k < NCANON; k++)
			canon |= r->col[k] == (int)i;
		if (canon)
			continue;
		v->done[v->nacol] = (unsigned char)noted(v, r->colnames[i]);
		v->open += !v->done[v->nacol];
		v->acol[v->nacol++] = i;
	}
}

/* A learner's first-row attributes. */
struct first {
	const struct tl_attr *a;
	size_t n;
};

/* attr_named: the attribute name of f, tried at hint first (a learner's
 * attributes are in the header's order, unless it began in another file). */
static const struct tl_attr *attr_named(struct first f, struct tl_str name, size_t hint)
{
	if (hint < f.n && f.a[hint].name.n == name.n && memcmp(f.a[hint].name.p, name.p, name.n) == 0)
		return &f.a[hint];
	for (size_t i = 0; i < f.n; i++)
		if (f.a[i].name.n == name.n && memcmp(f.a[i].name.p, name.p, name.n) == 0)
			return &f.a[i];
	return NULL;
}

/* vary_column: attribute column j (named name) holds f in a later row of
 * learner l: noted, and not compared again, when it differs. */
static void vary_column(struct varied *v, struct first l, size_t j, struct tl_str name, struct tl_str f)
{
	const struct tl_attr *a = attr_named(l, name, j);
	if (a && a->value.n == f.n && memcmp(a->value.p, f.p, f.n) == 0)
		return;
	note(v, name);
	v->done[j] = 1;
	v->open--;
}

void rd_varied_plain(struct tl_reader *r, const struct tl_learner *l, const char *line, size_t n,
		     const uint32_t *commas)
{
	struct varied *v = r->varied;
	for (size_t j = 0; j < v->nacol && v->open; j++) {
		if (v->done[j])
			continue;
		size_t k = v->acol[j], from = k ? commas[k - 1] + 1 : 0, to = k == r->ncols - 1 ? n : commas[k];
		vary_column(v, (struct first){l->attrs, l->nattrs}, j, r->colnames[k], (struct tl_str){line + from, to - from});
	}
}

/* The members of one event line against the learner's attributes. */
struct vary_json {
	struct varied *v;
	struct first l;
	struct tl_arena *arena;
	const char *count_name;   /* --count-field: per line, not an attribute */
	size_t k;      /* non-canonical members so far */
	const struct tl_common *c;
};

static int vary_member(void *ctx, const struct tl_json_member *m)
{
	struct vary_json *c = ctx;
	for (int k = 0; k < NCANON; k++)
		if (tl_json_key_is(m->key, rd_canon_names[k]))
			return 0;
	if (c->count_name && tl_json_key_is(m->key, c->count_name))
		return 0;
	if (c->c->nmap && rd_json_mapped_key(c->c, m->key))
		return 0;   /* the source of a canonical field, as for the attributes */
	struct tl_str key = m->key;
	if (memchr(key.p, '\\', key.n)) {
		char *buf = tl_arena_alloc(c->arena, key.n + 1);
		long n = tl_json_unescape(key, buf);
		key = (struct tl_str){buf, n < 0 ? 0 : (size_t)n};
	}
	const struct tl_attr *a = attr_named(c->l, key, c->k++);
	if (a)
		c->v->seen[a - c->l.a] = 1;
	if (!a || a->value.n != m->value.n || memcmp(a->value.p, m->value.p, m->value.n) != 0)
		note(c->v, key);
	return 0;
}

void rd_varied_record(struct tl_reader *r, const struct tl_attr *attrs, size_t nattrs, const struct record *rec)
{
	struct varied *v = r->varied;
	struct first l = {attrs, nattrs};
	if (r->shape == TL_SHAPE_XAPI)
		return;   /* a statement's members are its event's: none is an attribute */
	if (r->shape == TL_SHAPE_EVENT_CSV) {
		for (size_t j = 0; j < v->nacol && v->open; j++)
			if (!v->done[j])
				vary_column(v, l, j, r->colnames[v->acol[j]], rec->fields[v->acol[j]]);
		return;
	}
	if (nattrs > v->seencap) {
		v->seencap = 2 * nattrs;
		v->seen = tl_xrealloc(v->seen, v->seencap);
	}
	if (nattrs)   /* seen may be NULL: memset(NULL, 0, 0) is undefined */
		memset(v->seen, 0, nattrs);
	struct vary_json c = {v, l, &r->jarena, r->opt->count_field, 0, r->opt};
	const char *why;
	tl_json_members(rec->raw.p, rec->raw.p + rec->raw.n, vary_member, &c, &why);
	for (size_t i = 0; i < nattrs; i++)
		if (!v->seen[i])   /* on the first line only */
			note(v, attrs[i].name);
}

void rd_varied_attrs(struct tl_reader *r, const struct tl_attr *attrs, size_t nattrs, const struct tl_attr *row,
		     size_t n, int json)
{
	struct varied *v = r->varied;
	struct first l = {attrs, nattrs};
	if (json && nattrs > v->seencap) {
		v->seencap = 2 * nattrs;
		v->seen = tl_xrealloc(v->seen, v->seencap);
	}
	if (json && nattrs)
		memset(v->seen, 0, nattrs);
	for (size_t i = 0; i < n; i++) {
		const struct tl_attr *a = attr_named(l, row[i].name, i);
		if (a && json)
			v->seen[a - attrs] = 1;
		if (!a || a->value.n != row[i].value.n || memcmp(a->value.p, row[i].value.p, row[i].value.n) != 0)
			note(v, row[i].name);
	}
	for (size_t i = 0; json && i < nattrs; i++)
		if (!v->seen[i])   /* on the first line only */
			note(v, attrs[i].name);
}

void rd_varied_merge(struct tl_reader *r, const struct tl_reader *w)
{
	if (!w->varied)
		return;
	for (size_t i = 0; i < w->varied->n; i++)
		note(r->varied, w->varied->names[i]);
}

void rd_varied_free(struct varied *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		free((char *)v->names[i].p);
	free(v->names);
	free(v->acol);
	free(v->done);
	free(v->seen);
	free(v);
}

size_t tl_reader_varied(const struct tl_reader *r, const struct tl_str **names)
{
	*names = r->varied ? r->varied->names : NULL;
	return r->varied ? r->varied->n : 0;
}
