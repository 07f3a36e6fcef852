/* learner.c - struct tl_learner: the reader's builder (a learner with its
 * own arena, events sorted by ts, domains and capabilities interned) and
 * the API on a parsed learner (attributes, numbers, text, the past). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/num.h"
#include "record/reader_impl.h"

/* ---- the learner builder --------------------------------------------- */

void rd_intern_reset(struct intern *t)
{
	t->n = 0;
	t->last = -1;
	if (++t->gen == 0) {   /* generation wrapped: clear for real */
		memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
		t->gen = 1;
	}
}

void rd_intern_grow(struct intern *t)
{
	size_t size = t->slots ? (t->mask + 1) * 2 : 64;
	struct slot *old = t->slots;
	size_t oldsize = old ? t->mask + 1 : 0;
	t->slots = tl_xcalloc(size, sizeof *t->slots);
	t->mask = size - 1;
	for (size_t i = 0; i < oldsize; i++)
		if (old[i].gen == t->gen) {
			const struct tl_str *name = &t->names[old[i].idx];
			size_t j = name_hash(name->p, name->n, old[i].word, old[i].word2) & t->mask;
			while (t->slots[j].gen == t->gen)
				j = (j + 1) & t->mask;
			t->slots[j] = old[i];
		}
	free(old);
}

void rd_build_start(struct build *b, struct tl_str id, const char *file, long line, enum tl_shape shape)
{
	tl_arena_reset(&b->arena);
	rd_intern_reset(&b->doms);
	rd_intern_reset(&b->caps);
	struct tl_event *ev = b->l.ev;
	struct tl_attr *attrs = b->l.attrs;
	memset(&b->l, 0, sizeof b->l);
	b->l.ev = ev;
	b->l.attrs = attrs;
	b->l.id.p = tl_arena_dup(&b->arena, id.p, id.n);
	b->l.id.n = id.n;
	b->l.file = file;
	b->l.line = line;
	b->l.shape = shape;
	b->sorted = 1;
	b->max_ts = INT64_MIN;
	memset(&b->xs, 0, sizeof b->xs);
}

void rd_build_attr_ref(struct build *b, struct tl_str name, struct tl_str value, int json)
{
	if (b->l.nattrs == b->attrcap) {
		b->attrcap = b->attrcap ? b->attrcap * 2 : 16;
		b->l.attrs = tl_xrealloc(b->l.attrs, b->attrcap * sizeof *b->l.attrs);
	}
	b->l.attrs[b->l.nattrs++] = (struct tl_attr){name, value, json};
}

void rd_build_attr(struct build *b, struct tl_str name, struct tl_str value, int json)
{
	rd_build_attr_ref(b, (struct tl_str){tl_arena_dup(&b->arena, name.p, name.n), name.n},
			  (struct tl_str){tl_arena_dup(&b->arena, value.p, value.n), value.n}, json);
}

/* Stable merge sort of events by ts (§6.5: ties keep input order). */
static void sort_events(struct tl_event *ev, size_t n, struct tl_event *tmp)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_events(ev, h, tmp);
	sort_events(ev + h, n - h, tmp);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = ev[j].ts < ev[i].ts ? ev[j++] : ev[i++];
	while (i < h)
		tmp[k++] = ev[i++];
	memcpy(ev, tmp, k * sizeof *ev);
}

struct tl_learner *rd_build_finish(struct build *b, int has_events)
{
	struct tl_learner *l = &b->l;
	if (!b->sorted) {
		struct tl_event *tmp = tl_xmalloc(l->nev * sizeof *tmp);
		sort_events(l->ev, l->nev, tmp);
		free(tmp);
	}
	l->has_events = has_events;
	if (l->shape == TL_SHAPE_XAPI)
		rd_xapi_attrs(b);   /* its result fields, once all its statements are in */
	l->domains = b->doms.names;
	l->ndomains = b->doms.n;
	l->caps = b->caps.names;
	l->ncaps = b->caps.n;
	return l;
}

void rd_build_free(struct build *b)
{
	tl_arena_free(&b->arena);
	free(b->l.ev);
	free(b->l.attrs);
	free(b->doms.slots);
	free(b->doms.names);
	free(b->caps.slots);
	free(b->caps.names);
}

/* ---- attribute access ------------------------------------------------ */

const struct tl_attr *tl_learner_attr(const struct tl_learner *l, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < l->nattrs; i++)
		if (l->attrs[i].name.n == n && memcmp(l->attrs[i].name.p, name, n) == 0)
			return &l->attrs[i];
	return NULL;
}

long tl_attr_text(const struct tl_attr *a, char *buf, size_t cap)
{
	struct tl_str v = a->value;
	if (a->json && str_eq(v, "null"))
		return buf[0] = '\0', 0;
	if (a->json && v.n >= 2 && v.p[0] == '"') {
		if (v.n - 2 >= cap)
			return -1;
		long n = tl_json_unescape((struct tl_str){v.p + 1, v.n - 2}, buf);
		if (n >= 0)
			buf[n] = '\0';
		return n;
	}
	if (v.n >= cap)
		return -1;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	return (long)v.n;
}

int tl_attr_number(const struct tl_attr *a, double *out)
{
	char buf[128];
	long n = tl_attr_text(a, buf, sizeof buf);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	return tl_num_parse(buf, (size_t)n, out) < 0 ? -1 : 1;   /* the one number rule */
}

size_t tl_learner_past(const struct tl_learner *l, tl_time asof)
{
	size_t lo = 0, hi = l->nev;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->ev[mid].ts <= asof)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
