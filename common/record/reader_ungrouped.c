/* reader_ungrouped.c - --ungrouped: every event record is read at open and
 * grouped by learner with the external sort of util/extsort.h, within
 * --memory: a record's key is its learner's rank (the order of the
 * learner's first row), so learners are served in the order of their
 * first row, each with its events in input order before the sort by ts
 * (learner.c). Runs that pass --memory are spilled to a scratch file and
 * merged; with or without spills the sort is the same, and so is the
 * output. The learners' ids and first-row attributes (and --as-of-field's
 * as-of) stay in memory and count toward --memory (tl(7) Grouping); a
 * --count-field row is one record of the sort, expanded when its learner
 * is built. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/extsort.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

/* One learner: its attributes (copied from its first row) and, with
 * --as-of-field, its as-of. A learner starts at its first row that is not
 * rejected, as when grouped: until then started is 0. */
struct uslot {
	struct tl_str id;
	struct tl_attr *attrs;
	size_t nattrs, nrows;
	const char *file;
	long line;
	enum tl_shape shape;
	int started;
	tl_time as_of;
};

/* The learners --ungrouped read, and the sort of their events. */
struct ustore {
	struct tl_arena arena;  /* ids and attributes */
	size_t held;            /* bytes taken from the arena */
	struct uslot *slots;
	size_t nslots, slotcap;
	struct intern ids;      /* id -> slot (the rank) */
	struct tl_xsort *sort;
	size_t next;            /* next slot to serve */
	int have;               /* the sort's next record: */
	uint32_t key;
	const void *rec;
	size_t len;
};

/* An event as the sort holds it: this header, then the bytes of the ts
 * text, the domain and the capability (text and domain only when the
 * reader keeps them: TL_READ_TS_TEXT, TL_READ_DOMAINS). */
struct uev {
	tl_time ts;
	uint32_t ts_n, dom_n, cap_n;
	uint8_t action, ts_json;
	uint8_t res;   /* an xAPI statement's result (RES_*); with RES_SCORE its
			* score follows the capability's bytes */
};
/* With --count-field, the row's count (uint64_t) comes last: a counted row
 * is one record of the sort, expanded when its learner is built, as the
 * grouped reader expands it (tl(7) Counted rows). */

static struct tl_str dup_str(struct ustore *u, struct tl_str s)
{
	u->held += (s.n + 16) & ~(size_t)15;
	return (struct tl_str){tl_arena_dup(&u->arena, s.p, s.n), s.n};
}

/* ustore_bytes: the learners' memory, which counts toward --memory. */
static size_t ustore_bytes(const struct ustore *u)
{
	return u->held + u->slotcap * sizeof *u->slots + (u->ids.mask + 1) * sizeof *u->ids.slots +
	       u->ids.cap * sizeof *u->ids.names;
}

static void ustore_new_slot(struct ustore *u)
{
	if (u->nslots == u->slotcap) {
		u->slotcap = u->slotcap ? u->slotcap * 2 : 1024;
		u->slots = tl_xrealloc(u->slots, u->slotcap * sizeof *u->slots);
	}
	u->slots[u->nslots] = (struct uslot){.id = u->ids.names[u->nslots]};
	u->nslots++;
	u->held += (u->ids.names[u->nslots - 1].n + 16) & ~(size_t)15;   /* the id, interned */
}

/* ustore_start: learner s starts at rec: its attributes, where it began,
 * and with --as-of-field its as-of; 0 when rec is rejected for that. */
static int ustore_start(struct tl_reader *r, struct ustore *u, struct uslot *s, const struct record *rec)
{
	if (r->opt->as_of_field && !rd_learner_as_of(r, rec, &s->as_of))
		return 0;
	struct build *tmp = &r->b[1];
	rd_start_learner(r, tmp, rec);
	s->nattrs = tmp->l.nattrs, s->file = r->src.name, s->line = r->rec_line, s->shape = r->shape;
	s->attrs = tl_arena_alloc(&u->arena, (s->nattrs + 1) * sizeof *s->attrs);
	u->held += (s->nattrs + 1) * sizeof *s->attrs;
	for (size_t i = 0; i < s->nattrs; i++) {
		s->attrs[i] = tmp->l.attrs[i];
		s->attrs[i].name = dup_str(u, tmp->l.attrs[i].name);
		s->attrs[i].value = dup_str(u, tmp->l.attrs[i].value);
	}
	s->started = 1;
	tl_xsort_other(u->sort, ustore_bytes(u));
	return 1;
}

/* ustore_put: the event of learner slot into the sort. */
static void ustore_put(struct tl_reader *r, struct ustore *u, uint32_t slot, const struct event_in *ev)
{
	static const struct tl_str none = {"", 0};
	struct tl_str ts = r->flags & TL_READ_TS_TEXT ? ev->ts_text : none;
	struct tl_str dom = r->flags & TL_READ_DOMAINS ? ev->dom : none;
	struct uev h;
	memset(&h, 0, sizeof h);   /* padding too: the bytes may go to a file */
	h.ts = ev->ts;
	h.ts_n = (uint32_t)ts.n, h.dom_n = (uint32_t)dom.n, h.cap_n = (uint32_t)ev->cap.n;
	h.action = (uint8_t)ev->action, h.ts_json = (uint8_t)ev->ts_json;
	h.res = (uint8_t)ev->res;
	size_t score = ev->res & RES_SCORE ? sizeof ev->score : 0;
	size_t count = r->opt->count_field ? sizeof ev->count : 0;
	char *p = tl_xsort_add(u->sort, slot, sizeof h + ts.n + dom.n + ev->cap.n + score + count);
	memcpy(p, &h, sizeof h);
	memcpy(p += sizeof h, ts.p, ts.n);
	memcpy(p += ts.n, dom.p, dom.n);
	memcpy(p += dom.n, ev->cap.p, ev->cap.n);
	memcpy(p += ev->cap.n, &ev->score, score);
	memcpy(p + score, &ev->count, count);
}

/* ustore_event: the event of a record of the sort (spans into it);
 * counted: the record ends with its row's count. */
static void ustore_event(const void *rec, int counted, struct event_in *ev)
{
	struct uev h;
	memcpy(&h, rec, sizeof h);
	const char *p = (const char *)rec + sizeof h;
	*ev = (struct event_in){.ts = h.ts, .action = h.action, .ts_json = h.ts_json, .res = h.res, .count = 1};
	ev->ts_text = (struct tl_str){p, h.ts_n};
	ev->dom = (struct tl_str){p + h.ts_n, h.dom_n};
	ev->cap = (struct tl_str){p + h.ts_n + h.dom_n, h.cap_n};
	p += h.ts_n + h.dom_n + h.cap_n;
	if (h.res & RES_SCORE) {
		memcpy(&ev->score, p, sizeof ev->score);
		p += sizeof ev->score;
	}
	if (counted)
		memcpy(&ev->count, p, sizeof ev->count);
}

static void ustore_add(struct tl_reader *r, struct ustore *u, const struct record *rec)
{
	size_t before = u->ids.n;
	uint32_t slot = (uint32_t)intern(&u->ids, &u->arena, rec->id.p, rec->id.n);
	if (u->ids.n > before)
		ustore_new_slot(u);
	struct uslot *s = &u->slots[slot];
	if (!s->started) {
		if (!ustore_start(r, u, s, rec))
			return;
	} else if (r->varied) {
		rd_varied_record(r, s->attrs, s->nattrs, rec);
	}
	uint64_t n = rec->ev.count, had = s->nrows;   /* events, a counted row being n */
	if (had >= r->opt->max_events || n > r->opt->max_events - had) {
		char shown[80];
		rd_bad(r, rec->raw.p, rec->raw.n, "learner '%s' has more than %zu events (--max-events)",
		    rd_show(rec->id, shown), r->opt->max_events);
		return;
	}
	ustore_put(r, u, slot, &rec->ev);
	s->nrows += n;
	r->counts.records_read += n;
	r->counts.rows_counted++;
}

/* rd_ustore_load: read every event record into the sort, then sort. */
void rd_ustore_load(struct tl_reader *r)
{
	struct ustore *u = r->ustore = tl_xcalloc(1, sizeof *u);
	u->ids.gen = 1;
	u->ids.last = -1;
	u->sort = tl_xsort_new(r->opt->memory, "ungrouped");
	while (r->src.f || rd_open_and_detect(r)) {
		if (!is_event_shape(r->shape))
			tl_die_at(TL_EX_USAGE, r->src.name, r->rec_line, "--ungrouped needs event rows, not learner records");
		struct record rec;
		int rc = rd_event_record(r, &rec);
		if (rc > 0 && rec.ev.count == 0)   /* stands for no event: not a learner's row */
			r->counts.rows_zero++;
		else if (rc == 2)   /* --shard: another shard's, not sorted */
			rd_skip_unsorted(r, &rec);
		else if (rc > 0)
			ustore_add(r, u, &rec);
		else if (rc == 0)
			rd_close_file(r);
	}
	tl_xsort_done(u->sort);
	r->counts.sort_spills = tl_xsort_spills(u->sort);
	r->counts.sort_passes = tl_xsort_passes(u->sort);
	u->have = tl_xsort_next(u->sort, &u->key, &u->rec, &u->len);
}

struct tl_learner *rd_ustore_next(struct tl_reader *r)
{
	struct ustore *u = r->ustore;
	while (u->next < u->nslots && !u->slots[u->next].started)
		u->next++;   /* every row of it was rejected: no learner, and no event in the sort */
	if (u->next == u->nslots)
		return NULL;
	uint32_t rank = (uint32_t)u->next;
	struct uslot *s = &u->slots[u->next++];
	struct build *b = &r->b[0];
	rd_build_start(b, s->id, s->file, s->line, s->shape);
	b->l.as_of = s->as_of;
	b->l.has_as_of = r->opt->as_of_field != NULL;
	for (size_t i = 0; i < s->nattrs; i++)
		rd_build_attr(b, s->attrs[i].name, s->attrs[i].value, s->attrs[i].json);
	for (; u->have && u->key == rank; u->have = tl_xsort_next(u->sort, &u->key, &u->rec, &u->len)) {
		struct event_in ev;
		ustore_event(u->rec, r->opt->count_field != NULL, &ev);
		for (uint64_t k = 0; k < ev.count; k++)
			build_event(b, &ev, r->flags & TL_READ_TS_TEXT, r->flags & TL_READ_DOMAINS);
	}
	r->counts.learners_read++;
	return rd_build_finish(b, 1);
}

void rd_ustore_free(struct ustore *u)
{
	if (!u)
		return;
	tl_xsort_free(u->sort);
	tl_arena_free(&u->arena);
	free(u->slots);
	free(u->ids.slots);
	free(u->ids.names);
	free(u);
}
