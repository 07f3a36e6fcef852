/* reader_ungrouped.c - --ungrouped: every event record is read at open
 * into the external sort of util/extsort.h, keyed by the bytes of its
 * learner_id, within --memory. The sort is stable, so a learner's
 * records come back together and in input order; learners are built one
 * at a time as they come, in the byte order of their ids (that of sort(1)
 * in the C locale), each with its events in input order before the sort
 * by ts (learner.c). Runs that pass --memory are spilled to a scratch
 * file and merged; with or without spills the sort is the same, and so is
 * the output.
 *
 * Nothing is held per learner while reading, so memory stays within
 * --memory whatever the number of learners (tl(7) Grouping): each record
 * carries what its learner needs should it be the learner's first row
 * (its file and line, its attributes, its --as-of-field) and, with
 * --rejects, its text. What depends on the rows before it (the first row
 * that is not rejected, --max-events, attributes that varied) is decided
 * when the learner is built, as the grouped reader decides it. A
 * --count-field row is one record of the sort, expanded then. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/extsort.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

/* What the records need of an input file: its name and, for event CSV,
 * the names of its attribute columns (a record holds their values). */
struct ufile {
	const char *name;
	struct tl_str *names;
	size_t n;
	int named;
};

/* The sort of the records, and the learner being served. */
struct ustore {
	struct tl_xsort *sort;
	struct ufile *files;      /* one per input file, as r->files */
	struct tl_arena arena;    /* their attribute names */
	struct tl_attr *row;      /* a record's attributes (spans into it) */
	size_t rowcap;
	char *id;                 /* the id of the records being read */
	size_t idn, idcap;
	int have;                 /* the sort's next record: */
	const void *key, *rec;
	size_t keyn, len;
};

/* A record as the sort holds it: this header, then the bytes of the ts
 * text, the domain and the capability (text and domain only when the
 * reader keeps them: TL_READ_TS_TEXT, TL_READ_DOMAINS); with RES_SCORE the
 * score (a double); with --count-field the row's count (uint64_t); with
 * --as-of-field one byte, AS_OF_OK and the as-of (tl_time) or AS_OF_BAD
 * and why the row cannot start its learner (a string); nattrs attributes,
 * each its value (a string; event CSV, whose names are the file's) or
 * its name and value (event NDJSON); with --rejects the record's text. A
 * string is its length (uint32_t) and its bytes. */
struct uev {
	tl_time ts;
	int64_t line;
	uint32_t file;    /* an index of r->files */
	uint32_t ts_n, dom_n, cap_n, nattrs;
	uint8_t action, ts_json, shape;
	uint8_t res;      /* an xAPI statement's result (RES_*) */
};
enum { AS_OF_OK, AS_OF_BAD };
/* --shard: another shard's learner is its id in the sort, as a record of
 * no bytes (a record is at least its header), once for each run of its
 * rows: the learner is counted when the sort hands its id back, so the
 * count takes no memory beyond --memory's. */
#define SKIPPED 0
#define STR_HDR sizeof(uint32_t)   /* a string's length */

/* A record read back from the sort: spans into it. */
struct urec {
	struct uev h;
	struct event_in ev;
	int as_of_state;
	tl_time as_of;
	struct tl_str why, raw;
	const char *attrs;    /* the encoded attributes */
};

static void put(char **p, const void *src, size_t n)
{
	if (n)
		memcpy(*p, src, n);
	*p += n;
}

static void put_str(char **p, struct tl_str s)
{
	uint32_t n = (uint32_t)s.n;
	put(p, &n, sizeof n);
	put(p, s.p, s.n);
}

static struct tl_str take_str(const char **p)
{
	uint32_t n;
	memcpy(&n, *p, sizeof n);
	struct tl_str s = {*p + sizeof n, n};
	*p += sizeof n + n;
	return s;
}

/* file_names: the attribute names of event CSV file f, from the first of
 * its records (the attributes of b, whose values are that record's). */
static void file_names(struct ustore *u, struct ufile *f, const struct build *b)
{
	f->named = 1;
	f->n = b->l.nattrs;
	f->names = tl_arena_alloc(&u->arena, (f->n + 1) * sizeof *f->names);
	for (size_t i = 0; i < f->n; i++) {
		struct tl_str s = b->l.attrs[i].name;
		f->names[i] = (struct tl_str){tl_arena_dup(&u->arena, s.p, s.n), s.n};
	}
}

/* record_size: the bytes of rec's record (struct uev) with attributes b,
 * the as-of state and why it is bad; sets h. */
static size_t record_size(const struct tl_reader *r, const struct record *rec, const struct build *b,
			  const char *why, struct uev *h)
{
	const struct event_in *ev = &rec->ev;
	memset(h, 0, sizeof *h);   /* padding too: the bytes may go to a file */
	h->ts = ev->ts;
	h->line = r->rec_line;
	h->file = (uint32_t)(r->next_file - 1);
	h->ts_n = r->flags & TL_READ_TS_TEXT ? (uint32_t)ev->ts_text.n : 0;
	h->dom_n = r->flags & TL_READ_DOMAINS ? (uint32_t)ev->dom.n : 0;
	h->cap_n = (uint32_t)ev->cap.n;
	h->nattrs = (uint32_t)b->l.nattrs;
	h->action = (uint8_t)ev->action, h->ts_json = (uint8_t)ev->ts_json;
	h->shape = (uint8_t)r->shape, h->res = (uint8_t)ev->res;
	size_t n = sizeof *h + h->ts_n + h->dom_n + h->cap_n;
	n += ev->res & RES_SCORE ? sizeof ev->score : 0;
	n += r->opt->count_field ? sizeof ev->count : 0;
	n += r->opt->as_of_field ? 1 + (why ? STR_HDR + strlen(why) : sizeof(tl_time)) : 0;
	for (size_t i = 0; i < b->l.nattrs; i++)
		n += STR_HDR + b->l.attrs[i].value.n + (r->shape == TL_SHAPE_EVENT_CSV ? 0 : STR_HDR + b->l.attrs[i].name.n);
	return n + (r->rejects ? STR_HDR + rec->raw.n : 0);
}

/* ustore_add: rec into the sort, with what its learner needs of it. */
static void ustore_add(struct tl_reader *r, struct ustore *u, const struct record *rec)
{
	char msg[200];
	tl_time as_of = 0;
	const char *why = r->opt->as_of_field ? rd_record_as_of(r, rec, &as_of, msg, sizeof msg) : NULL;
	struct build *b = &r->b[1];   /* only its attributes */
	struct ufile *f = &u->files[r->next_file - 1];
	f->name = r->src.name;
	tl_arena_reset(&b->arena);
	b->l.nattrs = 0;
	if (r->shape != TL_SHAPE_EVENT_CSV || !f->named || f->n)   /* a CSV file without attributes: none */
		rd_record_attrs(r, b, rec);
	if (r->shape == TL_SHAPE_EVENT_CSV && !f->named)
		file_names(u, f, b);
	struct uev h;
	const struct event_in *ev = &rec->ev;
	char *p = tl_xsort_add(u->sort, rec->id.p, rec->id.n, record_size(r, rec, b, why, &h));
	put(&p, &h, sizeof h);
	put(&p, ev->ts_text.p, h.ts_n);
	put(&p, ev->dom.p, h.dom_n);
	put(&p, ev->cap.p, h.cap_n);
	put(&p, &ev->score, ev->res & RES_SCORE ? sizeof ev->score : 0);
	put(&p, &ev->count, r->opt->count_field ? sizeof ev->count : 0);
	if (r->opt->as_of_field) {
		*p++ = why ? AS_OF_BAD : AS_OF_OK;
		if (why)
			put_str(&p, (struct tl_str){why, strlen(why)});
		else
			put(&p, &as_of, sizeof as_of);
	}
	for (size_t i = 0; i < b->l.nattrs; i++) {
		if (r->shape != TL_SHAPE_EVENT_CSV)
			put_str(&p, b->l.attrs[i].name);
		put_str(&p, b->l.attrs[i].value);
	}
	if (r->rejects)
		put_str(&p, rec->raw);
}

/* ustore_decode: the record p as d (spans into p). */
static void ustore_decode(const struct tl_reader *r, const void *rec, struct urec *d)
{
	const char *p = (const char *)rec + sizeof d->h;
	memcpy(&d->h, rec, sizeof d->h);
	const struct uev *h = &d->h;
	d->ev = (struct event_in){.ts = h->ts, .action = h->action, .ts_json = h->ts_json, .res = h->res, .count = 1};
	d->ev.ts_text = (struct tl_str){p, h->ts_n};
	d->ev.dom = (struct tl_str){p + h->ts_n, h->dom_n};
	d->ev.cap = (struct tl_str){p + h->ts_n + h->dom_n, h->cap_n};
	p += h->ts_n + h->dom_n + h->cap_n;
	if (h->res & RES_SCORE) {
		memcpy(&d->ev.score, p, sizeof d->ev.score);
		p += sizeof d->ev.score;
	}
	if (r->opt->count_field) {
		memcpy(&d->ev.count, p, sizeof d->ev.count);
		p += sizeof d->ev.count;
	}
	d->as_of_state = AS_OF_OK;
	if (r->opt->as_of_field) {
		d->as_of_state = *p++;
		if (d->as_of_state == AS_OF_BAD)
			d->why = take_str(&p);
		else
			memcpy(&d->as_of, p, sizeof d->as_of), p += sizeof d->as_of;
	}
	d->attrs = p;
	for (uint32_t i = 0; i < h->nattrs; i++) {
		if (h->shape != TL_SHAPE_EVENT_CSV)
			take_str(&p);
		take_str(&p);
	}
	d->raw = r->rejects ? take_str(&p) : (struct tl_str){"", 0};
}

/* ustore_attrs: d's attributes in u->row (spans into the record). */
static const struct tl_attr *ustore_attrs(struct ustore *u, const struct urec *d)
{
	if (d->h.nattrs > u->rowcap) {
		u->rowcap = 2 * d->h.nattrs;
		u->row = tl_xrealloc(u->row, u->rowcap * sizeof *u->row);
	}
	const char *p = d->attrs;
	int csv = d->h.shape == TL_SHAPE_EVENT_CSV;
	for (uint32_t i = 0; i < d->h.nattrs; i++) {
		struct tl_str name = csv ? u->files[d->h.file].names[i] : take_str(&p);
		u->row[i] = (struct tl_attr){name, take_str(&p), !csv};
	}
	return u->row;
}

/* The learner being built from its records. */
struct ulearner {
	int started;
	uint64_t nrows;   /* its events so far, a counted row being n */
};

/* ustore_start: learner l starts at record d (into b): its attributes,
 * where it began, and with --as-of-field its as-of; 0 when d is rejected
 * for its as-of (the learner then starts at its next record). */
static int ustore_start(struct tl_reader *r, struct ustore *u, struct build *b, const struct urec *d)
{
	const char *file = u->files[d->h.file].name;
	if (d->as_of_state == AS_OF_BAD) {
		rd_bad_at(r, file, d->h.line, d->raw.p, d->raw.n, "%.*s", (int)d->why.n, d->why.p);
		return 0;
	}
	rd_build_start(b, (struct tl_str){u->id, u->idn}, file, d->h.line, (enum tl_shape)d->h.shape);
	b->l.as_of = d->as_of;
	b->l.has_as_of = r->opt->as_of_field != NULL;
	const struct tl_attr *a = ustore_attrs(u, d);
	for (size_t i = 0; i < d->h.nattrs; i++)
		rd_build_attr(b, a[i].name, a[i].value, a[i].json);
	if (d->h.shape == TL_SHAPE_EVENT_NDJSON)
		rd_reserved_attrs(b);
	return 1;
}

/* ustore_row: record d of the learner l being built in b. */
static void ustore_row(struct tl_reader *r, struct ustore *u, struct build *b, struct ulearner *l,
		       const struct urec *d)
{
	if (!l->started) {
		if (!(l->started = ustore_start(r, u, b, d)))
			return;
	} else if (r->varied && d->h.shape != TL_SHAPE_XAPI) {
		rd_varied_attrs(r, b->l.attrs, b->l.nattrs, ustore_attrs(u, d), d->h.nattrs,
				d->h.shape != TL_SHAPE_EVENT_CSV);
	}
	uint64_t n = d->ev.count;
	if (l->nrows >= r->opt->max_events || n > r->opt->max_events - l->nrows) {
		char shown[80];
		rd_bad_at(r, u->files[d->h.file].name, d->h.line, d->raw.p, d->raw.n,
			  "learner '%s' has more than %zu events (--max-events)",
			  rd_show((struct tl_str){u->id, u->idn}, shown), r->opt->max_events);
		return;
	}
	for (uint64_t k = 0; k < n; k++)
		build_event(b, &d->ev, r->flags & TL_READ_TS_TEXT, r->flags & TL_READ_DOMAINS);
	l->nrows += n;
	r->counts.records_read += n;
	r->counts.rows_counted++;
}

/* rd_ustore_load: read every event record into the sort, then sort. */
void rd_ustore_load(struct tl_reader *r)
{
	struct ustore *u = r->ustore = tl_xcalloc(1, sizeof *u);
	u->files = tl_xcalloc((size_t)r->nfiles, sizeof *u->files);
	u->sort = tl_xsort_new(r->opt->memory, "ungrouped");
	while (r->src.f || rd_open_and_detect(r)) {
		if (!is_event_shape(r->shape))
			tl_die_at(TL_EX_USAGE, r->src.name, r->rec_line, "--ungrouped needs event rows, not learner records");
		struct record rec;
		int rc = rd_event_record(r, &rec);
		if (rc > 0 && rec.ev.count == 0)   /* stands for no event: not a learner's row */
			r->counts.rows_zero++;
		else if (rc == 2 && rd_skip_unsorted(r, &rec))   /* --shard: another shard's */
			(void)tl_xsort_add(u->sort, rec.id.p, rec.id.n, SKIPPED);
		else if (rc > 0)
			ustore_add(r, u, &rec);
		else if (rc == 0)
			rd_close_file(r);
	}
	tl_xsort_done(u->sort);
	r->counts.sort_spills = tl_xsort_spills(u->sort);
	r->counts.sort_passes = tl_xsort_passes(u->sort);
	u->have = tl_xsort_next(u->sort, &u->key, &u->keyn, &u->rec, &u->len);
}

/* same_id: the sort's next record is of the learner u->id. */
static int same_id(const struct ustore *u)
{
	return u->have && u->keyn == u->idn && memcmp(u->key, u->id, u->idn) == 0;
}

struct tl_learner *rd_ustore_next(struct tl_reader *r)
{
	struct ustore *u = r->ustore;
	struct build *b = &r->b[0];
	while (u->have) {
		if (!u->id || u->keyn > u->idcap) {
			u->idcap = 2 * u->keyn + 16;
			u->id = tl_xrealloc(u->id, u->idcap);
		}
		memcpy(u->id, u->key, u->keyn);
		u->idn = u->keyn;
		if (u->len == SKIPPED) {   /* another shard's learner: counted, not built */
			while (same_id(u))
				u->have = tl_xsort_next(u->sort, &u->key, &u->keyn, &u->rec, &u->len);
			rd_skip_sorted(r);
			continue;
		}
		struct ulearner l = {0, 0};
		do {
			struct urec d;
			ustore_decode(r, u->rec, &d);
			ustore_row(r, u, b, &l, &d);
			u->have = tl_xsort_next(u->sort, &u->key, &u->keyn, &u->rec, &u->len);
		} while (same_id(u));
		if (l.started) {   /* else every row of it was rejected: no learner */
			r->counts.learners_read++;
			return rd_build_finish(b, 1);
		}
	}
	return NULL;
}

void rd_ustore_free(struct ustore *u)
{
	if (!u)
		return;
	tl_xsort_free(u->sort);
	tl_arena_free(&u->arena);
	free(u->files);
	free(u->row);
	free(u->id);
	free(u);
}
