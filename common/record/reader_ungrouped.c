/* reader_ungrouped.c - --ungrouped: every event record is read at open (copied
 * into one arena), then learners are served in the order of their first
 * row, each with its events in input order before the sort. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "record/reader_impl.h"

/* One event row, copied: the slot of its learner and the event. */
struct urow {
	uint32_t slot;
	struct event_in ev;
};

/* One learner: its attributes (copied from its first row) and rows. */
struct uslot {
	struct tl_str id;
	struct tl_attr *attrs;
	size_t nattrs, nrows, pos;   /* pos: the end of its rows in order */
	const char *file;
	long line;
	enum tl_shape shape;
};

/* Everything --ungrouped read. */
struct ustore {
	struct tl_arena arena;
	struct urow *rows;
	size_t nrows, rowcap;
	struct uslot *slots;
	size_t nslots, slotcap;
	struct intern ids;      /* id -> slot */
	size_t *order;          /* rows sorted by slot, stable */
	size_t next;            /* next slot to serve */
};

static struct tl_str dup_str(struct tl_arena *a, struct tl_str s)
{
	return (struct tl_str){tl_arena_dup(a, s.p, s.n), s.n};
}

static void ustore_new_slot(struct tl_reader *r, struct ustore *u, const struct record *rec)
{
	struct build *tmp = &r->b[1];
	rd_start_learner(r, tmp, rec);
	if (u->nslots == u->slotcap) {
		u->slotcap = u->slotcap ? u->slotcap * 2 : 1024;
		u->slots = tl_xrealloc(u->slots, u->slotcap * sizeof *u->slots);
	}
	struct uslot *s = &u->slots[u->nslots++];
	*s = (struct uslot){u->ids.names[u->nslots - 1], NULL, tmp->l.nattrs, 0, 0, r->src.name, r->rec_line, r->shape};
	s->attrs = tl_arena_alloc(&u->arena, (s->nattrs + 1) * sizeof *s->attrs);
	for (size_t i = 0; i < s->nattrs; i++) {
		s->attrs[i] = tmp->l.attrs[i];
		s->attrs[i].name = dup_str(&u->arena, tmp->l.attrs[i].name);
		s->attrs[i].value = dup_str(&u->arena, tmp->l.attrs[i].value);
	}
}

static void ustore_add(struct tl_reader *r, struct ustore *u, const struct record *rec)
{
	size_t before = u->ids.n;
	uint32_t slot = (uint32_t)intern(&u->ids, &u->arena, rec->id.p, rec->id.n);
	if (u->ids.n > before)
		ustore_new_slot(r, u, rec);
	else if (r->varied)
		rd_varied_record(r, u->slots[slot].attrs, u->slots[slot].nattrs, rec);
	if (u->slots[slot].nrows >= r->opt->max_events) {
		char shown[80];
		rd_bad(r, rec->raw.p, rec->raw.n, "learner '%s' has more than %zu events (--max-events)",
		    rd_show(rec->id, shown), r->opt->max_events);
		return;
	}
	if (u->nrows == u->rowcap) {
		u->rowcap = u->rowcap ? u->rowcap * 2 : 4096;
		u->rows = tl_xrealloc(u->rows, u->rowcap * sizeof *u->rows);
	}
	struct urow *w = &u->rows[u->nrows++];
	*w = (struct urow){slot, rec->ev};
	w->ev.ts_text = dup_str(&u->arena, rec->ev.ts_text);
	w->ev.dom = dup_str(&u->arena, rec->ev.dom);
	w->ev.cap = dup_str(&u->arena, rec->ev.cap);
	u->slots[slot].nrows++;
	r->counts.records_read++;
}

/* rd_ustore_load: read every event record, then order rows by learner. */
void rd_ustore_load(struct tl_reader *r)
{
	struct ustore *u = r->ustore = tl_xcalloc(1, sizeof *u);
	u->ids.gen = 1;
	u->ids.last = -1;
	while (r->src.f || rd_open_and_detect(r)) {
		if (!is_event_shape(r->shape))
			tl_die_at(TL_EX_USAGE, r->src.name, r->rec_line, "--ungrouped needs event rows, not learner records");
		struct record rec;
		int rc = rd_event_record(r, &rec);
		if (rc > 0)
			ustore_add(r, u, &rec);
		else if (rc == 0)
			rd_close_file(r);
	}
	size_t pos = 0;
	for (size_t s = 0; s < u->nslots; s++) {
		u->slots[s].pos = pos;
		pos += u->slots[s].nrows;
	}
	u->order = tl_xmalloc((u->nrows + 1) * sizeof *u->order);
	for (size_t i = 0; i < u->nrows; i++)
		u->order[u->slots[u->rows[i].slot].pos++] = i;
}

struct tl_learner *rd_ustore_next(struct tl_reader *r)
{
	struct ustore *u = r->ustore;
	if (u->next == u->nslots)
		return NULL;
	struct uslot *s = &u->slots[u->next];
	size_t end = s->pos, beg = end - s->nrows;
	u->next++;
	struct build *b = &r->b[0];
	rd_build_start(b, s->id, s->file, s->line, s->shape);
	for (size_t i = 0; i < s->nattrs; i++)
		rd_build_attr(b, s->attrs[i].name, s->attrs[i].value, s->attrs[i].json);
	for (size_t i = beg; i < end; i++)
		build_event(b, &u->rows[u->order[i]].ev, 1, r->flags & TL_READ_DOMAINS);
	r->counts.learners_read++;
	return rd_build_finish(b, 1);
}

void rd_ustore_free(struct ustore *u)
{
	if (!u)
		return;
	tl_arena_free(&u->arena);
	free(u->rows);
	free(u->slots);
	free(u->ids.slots);
	free(u->ids.names);
	free(u->order);
	free(u);
}
