/* reader.c - the record reader: detects the input shape (§2), splits CSV
 * through csvrow.c, reads JSON with the json.c scanner, and groups events into
 * learners with memory bounded by the largest learner (§2, §5). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "io/csvrow.h"
#include "util/err.h"
#include "record/reader.h"
#include "util/rng.h"
#include "io/obuf.h"
#include "io/source.h"

/* Canonical event columns (§2). */
enum { COL_ID, COL_TS, COL_DOMAIN, COL_CAP, COL_ACTION, NCANON };
static const char *const canon_names[NCANON] = {"learner_id", "ts", "domain", "capability", "action"};

/* A name -> index table for one learner's domains or capabilities. */
struct intern {
	struct slot { uint64_t word, word2; uint32_t gen, len; int32_t idx; } *slots;
	size_t mask;
	uint32_t gen;
	struct tl_str *names;
	size_t n, cap;
	int32_t last;         /* index of the last lookup, -1 none */
};

/* A learner being built, with its own arena. */
struct build {
	struct tl_learner l;
	struct tl_arena arena;
	size_t evcap, attrcap;
	int sorted;
	struct intern doms, caps;
	tl_time max_ts;
};

/* Remembers which learners were seen (grouping check, §2): a fixed table
 * of SEEN_SLOTS 64-bit fingerprints and first lines (12 MiB, so memory does
 * not grow with the input). It holds the first SEEN_MAX learners exactly;
 * later learners are checked against those but not remembered. */
#define SEEN_SLOTS (1u << 20)
#define SEEN_MAX (SEEN_SLOTS / 4 * 3)
struct seen_slot {
	uint64_t fp;         /* 0 = empty */
	uint32_t line;       /* first line, saturated at UINT32_MAX */
} __attribute__((packed)); /* 12 bytes: a probe touches one place, not two */
struct seen {
	struct seen_slot *slot;
	size_t n;
};

struct tl_reader {
	const struct tl_common *opt;
	int flags;
	char **files;
	int nfiles, next_file;
	struct tl_source src;
	enum tl_shape shape;
	int have_header;
	/* CSV header of the current file */
	struct tl_csv *csv;
	int col[NCANON];          /* column index of each canonical field, -1 absent */
	size_t ncols;
	struct tl_str *colnames;  /* header names (owned copies) */
	char *colbuf;
	/* grouping */
	struct build b[2];
	int cur;                  /* b[cur] is being filled */
	int pending;              /* b[cur] holds a started learner */
	struct seen seen;
	struct tl_counts counts;
	FILE *rejects;
	struct tl_arena jarena;   /* decoded JSON strings of one record */
	char *raw;                /* raw text of a multi-line CSV record */
	size_t rawlen, rawcap;
	long rec_line;            /* first line of the record being parsed */
	/* chunks (tl_reader_chunk_*): a chunk reader reports nothing; a bad
	 * record or a quote fails the chunk, and its learners' fingerprints wait
	 * for the grouping check of the reader that merges it */
	int chunk;
	int failed;
	unsigned long quoted_seen;  /* tl_csv_quoted when the range began */
	struct chunk_learner { uint64_t fp; long line; } *fps;
	size_t nfps, fpcap;
	/* --ungrouped: everything read first, then served */
	struct tl_learner **all;
	size_t nall, served;
};

/* ---- small helpers ---------------------------------------------------- */

static int str_eq(struct tl_str a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && memcmp(a.p, b, n) == 0;
}

/* The first (up to) 8 bytes of a name as a word, zero-padded. */
static inline uint64_t first_word(const char *p, size_t n)
{
	uint64_t w = 0;
	if (n >= 8) {
		memcpy(&w, p, 8);
	} else if (n >= 4) {      /* two overlapping 4-byte loads */
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		w = lo | (uint64_t)hi << (8 * (n - 4));
	} else {
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)(unsigned char)p[i] << (8 * i);
	}
	return w;
}

/* The last 8 bytes of a name of 9 to 16 bytes (overlapping the first
 * word), else 0: with the first word and the length it decides equality
 * of names up to 16 bytes without a memcmp call. */
static inline uint64_t last_word(const char *p, size_t n)
{
	uint64_t w = 0;
	if (n > 8 && n <= 16)
		memcpy(&w, p + n - 8, 8);
	return w;
}

static inline uint32_t name_hash(uint64_t word, size_t n)
{
	uint64_t h = (word ^ n) * 0x9E3779B97F4A7C15ULL;
	return (uint32_t)(h >> 32);
}

/* bad: a bad record. Strict mode exits 65; --skip-bad writes the raw text
 * to --rejects, counts it, and returns so the caller skips the record. */
static void bad(struct tl_reader *r, const char *raw, size_t rawn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void bad(struct tl_reader *r, const char *raw, size_t rawn, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (r->chunk) {
		r->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!r->opt->skip_bad)
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "%s", msg);
	r->counts.records_rejected++;
	r->counts.records_read++;
	if (r->rejects) {
		fwrite(raw, 1, rawn, r->rejects);
		putc('\n', r->rejects);
	}
}

/* Quote a value for a message: at most 60 bytes, control bytes as '?'. */
static const char *show(struct tl_str s, char *buf)
{
	size_t n = s.n > 60 ? 60 : s.n;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s.p[i] < 0x20 ? '?' : s.p[i];
	strcpy(buf + n, s.n > 60 ? "..." : "");
	return buf;
}

/* ---- the learner builder ---------------------------------------------- */

static void intern_reset(struct intern *t)
{
	t->n = 0;
	t->last = -1;
	if (++t->gen == 0) {   /* generation wrapped: clear for real */
		memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
		t->gen = 1;
	}
}

static void intern_grow(struct intern *t)
{
	size_t size = t->slots ? (t->mask + 1) * 2 : 64;
	struct slot *old = t->slots;
	size_t oldsize = old ? t->mask + 1 : 0;
	t->slots = tl_xcalloc(size, sizeof *t->slots);
	t->mask = size - 1;
	for (size_t i = 0; i < oldsize; i++)
		if (old[i].gen == t->gen) {
			size_t j = name_hash(old[i].word, old[i].len) & t->mask;
			while (t->slots[j].gen == t->gen)
				j = (j + 1) & t->mask;
			t->slots[j] = old[i];
		}
	free(old);
}

/* slot_is: whether slot s holds the name p[0..n) with words w, w2. */
static inline int slot_is(const struct intern *t, const struct slot *s, uint64_t w, uint64_t w2, const char *p,
			  size_t n)
{
	return s->word == w && s->word2 == w2 && s->len == n &&
	       (n <= 16 || memcmp(t->names[s->idx].p, p, n) == 0);
}

/* intern: the index of name in t, adding a copy to arena when new. Slots
 * hold the name's first and last 8 bytes, so names up to 16 bytes compare
 * in two steps; the slot of the last lookup is tried first (consecutive
 * events repeat). */
static int32_t intern(struct intern *t, struct tl_arena *a, const char *p, size_t n)
{
	uint64_t w = first_word(p, n), w2 = last_word(p, n);
	if (t->last >= 0 && slot_is(t, &t->slots[t->last], w, w2, p, n))
		return t->slots[t->last].idx;
	if (!t->slots || (t->n + 1) * 2 > t->mask + 1)
		intern_grow(t);
	size_t j = name_hash(w, n) & t->mask;
	for (; t->slots[j].gen == t->gen; j = (j + 1) & t->mask)
		if (slot_is(t, &t->slots[j], w, w2, p, n))
			break;
	if (t->slots[j].gen != t->gen) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->names = tl_xrealloc(t->names, t->cap * sizeof *t->names);
		}
		t->names[t->n] = (struct tl_str){tl_arena_dup(a, p, n), n};
		t->slots[j] = (struct slot){w, w2, t->gen, (uint32_t)n, (int32_t)t->n++};
	}
	t->last = (int32_t)j;
	return t->slots[j].idx;
}


static void build_start(struct build *b, struct tl_str id, const char *file, long line, enum tl_shape shape)
{
	tl_arena_reset(&b->arena);
	intern_reset(&b->doms);
	intern_reset(&b->caps);
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
}

/* attr_slot: a new attribute slot of b. */
static struct tl_attr *attr_slot(struct build *b)
{
	if (b->l.nattrs == b->attrcap) {
		b->attrcap = b->attrcap ? b->attrcap * 2 : 16;
		b->l.attrs = tl_xrealloc(b->l.attrs, b->attrcap * sizeof *b->l.attrs);
	}
	return &b->l.attrs[b->l.nattrs++];
}

/* build_attr_ref: add an attribute whose spans stay valid while the learner
 * is (a learner row or document is returned before the next read). */
static void build_attr_ref(struct build *b, struct tl_str name, struct tl_str value, int json, const char *member)
{
	*attr_slot(b) = (struct tl_attr){name, value, json, member};
}

/* build_attr: add an attribute, copying name and value into the arena
 * (event rows: the learner outlives the row it came from). */
static void build_attr(struct build *b, struct tl_str name, struct tl_str value, int json)
{
	build_attr_ref(b, (struct tl_str){tl_arena_dup(&b->arena, name.p, name.n), name.n},
		       (struct tl_str){tl_arena_dup(&b->arena, value.p, value.n), value.n}, json, NULL);
}

/* The parsed fields of one event, spans into the input. */
struct event_in {
	tl_time ts;
	struct tl_str ts_text, dom, cap;
	int action, ts_json;
};

static void build_event(struct build *b, const struct event_in *in, int keep_text, int domains)
{
	if (b->l.nev == b->evcap) {
		b->evcap = b->evcap ? b->evcap * 2 : 64;
		b->l.ev = tl_xrealloc(b->l.ev, b->evcap * sizeof *b->l.ev);
	}
	struct tl_event *e = &b->l.ev[b->l.nev++];
	e->ts = in->ts;
	e->action = (uint8_t)in->action;
	e->dom = domains && in->dom.n ? intern(&b->doms, &b->arena, in->dom.p, in->dom.n) : -1;
	e->cap = in->cap.n ? intern(&b->caps, &b->arena, in->cap.p, in->cap.n) : -1;
	e->use = e->cap >= 0 && in->action != TL_ACTION_INTERACT;
	e->ts_json = (uint8_t)in->ts_json;
	e->ts_text.n = keep_text ? in->ts_text.n : 0;
	e->ts_text.p = keep_text ? tl_arena_dup(&b->arena, in->ts_text.p, in->ts_text.n) : NULL;
	if (in->ts < b->max_ts)
		b->sorted = 0;
	else
		b->max_ts = in->ts;
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

static struct tl_learner *build_finish(struct build *b, int has_events)
{
	struct tl_learner *l = &b->l;
	if (!b->sorted) {
		struct tl_event *tmp = tl_xmalloc(l->nev * sizeof *tmp);
		sort_events(l->ev, l->nev, tmp);
		free(tmp);
	}
	l->has_events = has_events;
	l->domains = b->doms.names;
	l->ndomains = b->doms.n;
	l->caps = b->caps.names;
	l->ncaps = b->caps.n;
	return l;
}

/* ---- attribute access ------------------------------------------------- */

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
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end || end == buf || errno == ERANGE || v != v)
		return -1;
	*out = v;
	return 1;
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

/* ---- grouping check --------------------------------------------------- */

/* seen_check: the first line of id if it was seen before, else 0 (and
 * remember it, while there is room). */
static uint64_t seen_fp(struct tl_str id) { return tl_hash64(id.p, id.n, 0x746c) | 1; }

/* seen_alloc: the zeroed table, in huge pages where the system gives them:
 * the probes are random, one per learner, and with 4 KiB pages each one
 * missed the TLB as well as the cache (the CSV path ran 16% faster). */
static struct seen_slot *seen_alloc(void)
{
	size_t size = SEEN_SLOTS * sizeof(struct seen_slot);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tl_die(TL_EX_SOFTWARE, "out of memory");
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);   /* a hint: 4 KiB pages work too */
#endif
	return p;
}

/* seen_find: the slot of fp, or of the empty slot where it would go. */
static size_t seen_find(struct seen *s, uint64_t fp)
{
	if (!s->slot)
		s->slot = seen_alloc();
	size_t j = fp & (SEEN_SLOTS - 1);
	while (s->slot[j].fp && s->slot[j].fp != fp)
		j = (j + 1) & (SEEN_SLOTS - 1);
	return j;
}

/* seen_add: the first line of fp if it was seen before, else 0 (and
 * remembers it, while there is room). *slot gets the slot filled, or
 * SIZE_MAX when none was. */
static long seen_add(struct seen *s, uint64_t fp, long line, size_t *slot)
{
	size_t j = seen_find(s, fp);
	*slot = SIZE_MAX;
	if (s->slot[j].fp)
		return s->slot[j].line;
	if (s->n < SEEN_MAX) {
		s->slot[j].fp = fp;
		s->slot[j].line = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
		s->n++;
		*slot = j;
	}
	return 0;
}

static long seen_check(struct seen *s, struct tl_str id, long line)
{
	size_t slot;
	return seen_add(s, seen_fp(id), line, &slot);
}

/* ---- input files ------------------------------------------------------ */

/* close_file: done with the current file (the next call opens the next). */
static void close_file(struct tl_reader *r)
{
	tl_source_close(&r->src);
}

static int open_next_file(struct tl_reader *r)
{
	close_file(r);
	if (r->next_file >= r->nfiles)
		return 0;
	tl_source_open(&r->src, r->files[r->next_file++]);
	r->have_header = 0;
	return 1;
}

static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static int parse_action(struct tl_str a)
{
	switch (a.n) {
	case 0: return TL_ACTION_EMPTY;
	case 3: return memcmp(a.p, "use", 3) == 0 ? TL_ACTION_USE : -1;
	case 5: return memcmp(a.p, "adopt", 5) == 0 ? TL_ACTION_ADOPT : -1;
	case 8: return memcmp(a.p, "interact", 8) == 0 ? TL_ACTION_INTERACT : -1;
	}
	return -1;
}

/* check_event: validate timestamp and action text; NULL or a message. */
static const char *check_event(struct event_in *in, struct tl_str action, char *msg, size_t cap)
{
	char shown[80];
	if (!in->ts_json) {
		if (in->ts_text.n == 0)
			return "missing ts";
		if (tl_time_parse(in->ts_text.p, in->ts_text.n, &in->ts) < 0) {
			snprintf(msg, cap, "bad timestamp '%s'", show(in->ts_text, shown));
			return msg;
		}
	}
	if ((in->action = parse_action(action)) < 0) {
		snprintf(msg, cap, "unknown action '%s' (valid: interact, use, adopt, or empty)",
			 show(action, shown));
		return msg;
	}
	return NULL;
}

/* ---- JSON events (the json.c scanner: one validating pass) ------------ */

/* The members of one event object that tl reads, as raw value spans. */
struct json_event_raw {
	struct tl_str id, ts, dom, cap, action;
	struct tl_arena *arena;   /* for unescaped strings */
};

/* read_event_value: store the value span of a member tl reads. */
static struct tl_str *event_slot(struct json_event_raw *e, struct tl_str key)
{
	if (TL_JSON_KEY_IS(key, "ts")) return &e->ts;
	if (TL_JSON_KEY_IS(key, "domain")) return &e->dom;
	if (TL_JSON_KEY_IS(key, "capability")) return &e->cap;
	if (TL_JSON_KEY_IS(key, "action")) return &e->action;
	if (TL_JSON_KEY_IS(key, "learner_id")) return &e->id;
	if (memchr(key.p, '\\', key.n)) {   /* an escaped key: compare decoded */
		static const char *const names[] = {"ts", "domain", "capability", "action", "learner_id"};
		struct tl_str *slots[] = {&e->ts, &e->dom, &e->cap, &e->action, &e->id};
		for (int i = 0; i < 5; i++)
			if (tl_json_key_is(key, names[i]))
				return slots[i];
	}
	return NULL;
}

/* scan_event: one pass over the event object at p; the end, or NULL. */
static const char *scan_event(const char *p, const char *end, struct json_event_raw *e, const char **why)
{
	struct tl_json_iter it;
	struct tl_str key;
	int rc;
	if (tl_json_iter_begin(&it, p, end, '{') < 0) {
		*why = "an event is not a JSON object";
		return NULL;
	}
	while ((rc = tl_json_iter_member(&it, &key)) > 0) {
		const char *q = tl_json_skip_value(it.p, end, 64);
		if (!q)
			break;
		struct tl_str *slot = event_slot(e, key);
		if (slot)
			*slot = (struct tl_str){it.p, (size_t)(q - it.p)};
		it.p = q;
	}
	*why = it.why;
	return rc == 0 ? it.p : NULL;
}

/* json_string: a raw JSON value as text: a string (decoded), null or
 * absent (empty). Returns -1 for another type. */
static int json_string(struct tl_str raw, struct tl_arena *a, struct tl_str *out)
{
	*out = (struct tl_str){"", 0};
	if (!raw.p || (raw.n == 4 && memcmp(raw.p, "null", 4) == 0))
		return 0;
	if (raw.p[0] != '"')
		return -1;
	struct tl_str body = {raw.p + 1, raw.n - 2};
	if (!memchr(body.p, '\\', body.n)) {
		*out = body;
		return 0;
	}
	char *buf = tl_arena_alloc(a, body.n + 1);
	long n = tl_json_unescape(body, buf);
	if (n < 0)
		return -1;
	*out = (struct tl_str){buf, (size_t)n};
	return 0;
}

/* json_number_time: a JSON number of epoch seconds as tl_time. */
static int json_number_time(struct tl_str raw, tl_time *out)
{
	char buf[64];
	if (raw.n >= sizeof buf)
		return -1;
	memcpy(buf, raw.p, raw.n);
	buf[raw.n] = '\0';
	double v = strtod(buf, NULL);
	if (!(v > -1e13 && v < 1e13))
		return -1;
	*out = (tl_time)llround(v * 1e6);
	return 0;
}

/* json_event: read the event object raw[0..n); NULL or a message. With id
 * non-NULL, learner_id is read too (event NDJSON). */
static const char *json_event(struct tl_str raw, struct tl_arena *a, struct event_in *in, struct tl_str *id,
			      char *msg, size_t cap, const char **endp)
{
	struct json_event_raw e = {.arena = a};
	const char *why, *end = scan_event(raw.p, raw.p + raw.n, &e, &why);
	if (!end)
		return why;
	if (endp)
		*endp = end;   /* an item of a document's array ends here */
	if (id) {
		if (tl_json_skip_ws(end, raw.p + raw.n) != raw.p + raw.n)
			return "bad JSON: text after the object";
		if (!e.id.p)
			return "missing learner_id";
		if (e.id.p[0] == '-' || (unsigned)(e.id.p[0] - '0') <= 9)
			*id = e.id;     /* a number: its text is the id */
		else if (json_string(e.id, a, id) < 0)
			return "learner_id is neither a string nor a number";
		if (!id->n)
			return "missing learner_id";
	}
	struct tl_str action;
	if (json_string(e.dom, a, &in->dom) < 0)
		return "domain is not a string";
	if (json_string(e.cap, a, &in->cap) < 0)
		return "capability is not a string";
	if (json_string(e.action, a, &action) < 0)
		return "action is not a string";
	in->ts_json = 0;
	if (e.ts.p && (e.ts.p[0] == '-' || (unsigned)(e.ts.p[0] - '0') <= 9)) {
		if (json_number_time(e.ts, &in->ts) < 0)
			return "ts is out of range";
		in->ts_json = 1;
		in->ts_text = e.ts;
	} else if (json_string(e.ts, a, &in->ts_text) < 0) {
		return "ts is neither a string nor a number";
	}
	return check_event(in, action, msg, cap);
}

/* ---- CSV records -------------------------------------------------------- */

static void raw_append(struct tl_reader *r, const char *p, size_t n)
{
	if (r->rawlen + n + 1 > r->rawcap) {
		r->rawcap = (r->rawlen + n + 1) * 2;
		r->raw = tl_xrealloc(r->raw, r->rawcap);
	}
	memcpy(r->raw + r->rawlen, p, n);
	r->rawlen += n;
}

/* quoted_line: a line went to libcsv. A quoted field may span lines, so
 * chunk boundaries after this point cannot be trusted: a chunk reader
 * fails its chunk, and a reader on a range reads on to the end of file. */
static void quoted_line(struct tl_reader *r)
{
	r->quoted_seen = tl_csv_quoted(r->csv);
	if (r->chunk) {
		r->failed = 1;
	} else if (r->src.ranged && r->src.range_end != TL_SOURCE_NO_END) {
		r->src.range_end = TL_SOURCE_NO_END;
		r->src.eof = 0;
	}
}

/* csv_record: the next CSV record's fields. Returns 1, 0 at end of file,
 * or -1 for a bad record that was skipped. *raw spans its text. */
static int csv_record(struct tl_reader *r, struct tl_str *raw)
{
	const char *p;
	size_t n;
	int multi = 0;
	r->rawlen = 0;
	for (;;) {
		if (!tl_source_line(&r->src, &p, &n)) {
			if (!multi)
				return 0;
			tl_csv_eof(r->csv);
			bad(r, r->raw, r->rawlen, "%s", tl_csv_error(r->csv));
			return -1;
		}
		if (!multi) {
			if (blank(p, n))
				continue;
			r->rec_line = r->src.lineno;
		}
		int rc = tl_csv_split(r->csv, p, n);
		if (tl_csv_quoted(r->csv) != r->quoted_seen)
			quoted_line(r);
		if (rc == TL_CSV_MORE || multi) {
			if (multi)
				raw_append(r, "\n", 1);
			raw_append(r, p, n);
		}
		*raw = multi || rc == TL_CSV_MORE ? (struct tl_str){r->raw, r->rawlen} : (struct tl_str){p, n};
		if (rc == TL_CSV_MORE) {
			multi = 1;
			continue;
		}
		if (rc == TL_CSV_ERR) {
			char shown[80];
			const struct tl_str *f = tl_csv_fields(r->csv);
			for (size_t i = 0; i < tl_csv_nfields(r->csv); i++)
				if (f[i].n > r->opt->max_field && f[i].p) {
					bad(r, raw->p, raw->n, "field %zu%s%s%s is longer than --max-field (%zu bytes)", i + 1,
					    i < r->ncols ? " (" : "", i < r->ncols ? r->colnames[i].p : "", i < r->ncols ? ")" : "",
					    r->opt->max_field);
					return -1;
				}
			bad(r, raw->p, raw->n, "bad CSV: %s: '%s'", tl_csv_error(r->csv), show(*raw, shown));
			return -1;
		}
		if (tl_csv_nfields(r->csv) != r->ncols) {
			bad(r, raw->p, raw->n, "expected %zu fields, found %zu", r->ncols, tl_csv_nfields(r->csv));
			return -1;
		}
		return 1;
	}
}

static void read_header(struct tl_reader *r, const struct tl_str *f, size_t n)
{
	free(r->colnames);
	free(r->colbuf);
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += f[i].n + 1;
	r->colnames = tl_xmalloc(n * sizeof *r->colnames);
	r->colbuf = tl_xmalloc(total + 1);
	char *q = r->colbuf;
	for (size_t i = 0; i < n; i++) {
		memcpy(q, f[i].p, f[i].n);
		q[f[i].n] = '\0';
		r->colnames[i] = (struct tl_str){q, f[i].n};
		q += f[i].n + 1;
	}
	r->ncols = n;
	for (int k = 0; k < NCANON; k++) {
		const char *want = canon_names[k];
		for (int m = 0; m < r->opt->nmap; m++)
			if (strcmp(r->opt->map_canon[m], want) == 0)
				want = r->opt->map_source[m];
		r->col[k] = -1;
		for (size_t i = 0; i < n; i++)
			if (str_eq(r->colnames[i], want)) {
				if (r->col[k] >= 0)
					tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "duplicate column '%s'", want);
				r->col[k] = (int)i;
			}
		if (k == COL_ID && r->col[k] < 0)
			tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "no '%s' column in the header", want);
	}
}

/* csv_event: a CSV event record's fields; NULL or a message. */
static const char *csv_event(struct tl_reader *r, const struct tl_str *f, struct event_in *in, char *msg, size_t cap)
{
	static const struct tl_str empty = {"", 0};
	in->ts_text = f[r->col[COL_TS]];
	in->dom = r->col[COL_DOMAIN] >= 0 ? f[r->col[COL_DOMAIN]] : empty;
	in->cap = r->col[COL_CAP] >= 0 ? f[r->col[COL_CAP]] : empty;
	in->ts_json = 0;
	return check_event(in, r->col[COL_ACTION] >= 0 ? f[r->col[COL_ACTION]] : empty, msg, cap);
}

static void csv_attrs(struct tl_reader *r, struct build *b, const struct tl_str *f)
{
	for (size_t i = 0; i < r->ncols; i++) {
		int canon = 0;
		for (int k = 0; k < NCANON; k++)
			canon |= r->col[k] == (int)i;
		if (!canon)
			build_attr(b, r->colnames[i], f[i], 0);
	}
}

/* ---- NDJSON records ----------------------------------------------------- */

/* ndjson_line: the next non-blank line of the file; 0 at end. */
static int ndjson_line(struct tl_reader *r, struct tl_str *line)
{
	const char *p;
	size_t n;
	while (tl_source_line(&r->src, &p, &n)) {
		if (blank(p, n))
			continue;
		r->rec_line = r->src.lineno;
		*line = (struct tl_str){p, n};
		return 1;
	}
	return 0;
}

/* Attributes of an event NDJSON line: every non-canonical member. */
static int member_attr(void *ctx, const struct tl_json_member *m)
{
	struct build *b = ctx;
	for (int k = 0; k < NCANON; k++)
		if (tl_json_key_is(m->key, canon_names[k]))
			return 0;
	char *name = tl_arena_alloc(&b->arena, m->key.n + 1);
	long n = tl_json_unescape(m->key, name);
	build_attr(b, (struct tl_str){name, n < 0 ? 0 : (size_t)n}, m->value, 1);
	return 0;
}

/* ---- event records of either shape ----------------------------------- */

struct record {
	struct tl_str id, raw;
	struct event_in ev;
	const struct tl_str *fields;   /* CSV */
};

/* event_record: the next event of the current file. 1, 0 at end of file,
 * -1 when a bad record was skipped. */
static int event_record(struct tl_reader *r, struct record *rec)
{
	char msg[256];
	const char *why;
	tl_arena_reset(&r->jarena);
	if (r->shape == TL_SHAPE_EVENT_CSV) {
		int rc = csv_record(r, &rec->raw);
		if (rc <= 0)
			return rc;
		rec->fields = tl_csv_fields(r->csv);
		rec->id = rec->fields[r->col[COL_ID]];
		if (!rec->id.n)
			why = "missing learner_id";
		else
			why = csv_event(r, rec->fields, &rec->ev, msg, sizeof msg);
	} else {
		if (!ndjson_line(r, &rec->raw))
			return 0;
		why = json_event(rec->raw, &r->jarena, &rec->ev, &rec->id, msg, sizeof msg, NULL);
	}
	if (!why && (rec->ev.dom.n > r->opt->max_field || rec->ev.cap.n > r->opt->max_field ||
		     rec->id.n > r->opt->max_field))
		why = "a field is longer than --max-field";
	if (why) {
		char shown[80];
		if (strncmp(why, "bad JSON", 8) == 0 || strcmp(why, "not a JSON object") == 0)
			bad(r, rec->raw.p, rec->raw.n, "%s: '%s'", why, show(rec->raw, shown));
		else
			bad(r, rec->raw.p, rec->raw.n, "%s", why);
		return -1;
	}
	return 1;
}

static void start_learner(struct tl_reader *r, struct build *b, const struct record *rec)
{
	build_start(b, rec->id, r->src.name, r->rec_line, r->shape);
	if (r->shape == TL_SHAPE_EVENT_CSV) {
		csv_attrs(r, b, rec->fields);
	} else {
		const char *why;
		tl_json_members(rec->raw.p, rec->raw.p + rec->raw.n, member_attr, b, &why);
	}
}

/* add_event: append rec's event to b, unless it exceeds --max-events. */
static int add_event(struct tl_reader *r, struct build *b, const struct record *rec)
{
	if (b->l.nev >= r->opt->max_events) {
		char shown[80];
		bad(r, rec->raw.p, rec->raw.n, "learner '%s' has more than %zu events (--max-events)",
		    show(rec->id, shown), r->opt->max_events);
		return 0;
	}
	build_event(b, &rec->ev, r->flags & TL_READ_TS_TEXT, r->flags & TL_READ_DOMAINS);
	r->counts.records_read++;
	return 1;
}

/* ---- documents and learner rows ------------------------------------------ */

/* doc_attr: a member of a document becomes an attribute (its value stays
 * in the line buffer); learner_id and as_of are also read. NULL or a
 * message. */
static const char *doc_attr(struct build *b, struct tl_str key, struct tl_str value)
{
	char *name = (char *)key.p;
	long n = (long)key.n;
	if (memchr(key.p, '\\', key.n)) {
		name = tl_arena_alloc(&b->arena, key.n + 1);
		n = tl_json_unescape(key, name);
	}
	build_attr_ref(b, (struct tl_str){name, n < 0 ? 0 : (size_t)n}, value, 1, key.p - 1);
	const struct tl_attr *a = &b->l.attrs[b->l.nattrs - 1];
	if (str_eq(a->name, "learner_id")) {
		char *buf = tl_arena_alloc(&b->arena, value.n + 1);
		long k = tl_attr_text(a, buf, value.n + 1);
		if (k <= 0 || value.p[0] == '{' || value.p[0] == '[' || value.p[0] == 't' || value.p[0] == 'f')
			return "missing learner_id";
		b->l.id = (struct tl_str){buf, (size_t)k};
	} else if (str_eq(a->name, "as_of") && !str_eq(value, "null")) {
		char buf[64];
		long k = tl_attr_text(a, buf, sizeof buf);
		if (k < 0 || tl_time_parse(buf, (size_t)k, &b->l.as_of) < 0)
			return "bad as_of";
		b->l.has_as_of = 1;
	}
	return NULL;
}

/* doc_events: read the events array at p into b, in one pass. Returns its
 * end, or NULL with *why (msg holds the text). */
/* plain_string: the closing quote of the JSON string body at p, or NULL
 * when it has a backslash or a control byte (or no end before end). */
static inline const char *plain_string(const char *p, const char *end)
{
	/* 16 bytes (SSE2) or a word at a time; the line's buffer has
	 * TL_CSV_PAD readable bytes after end, and a hit at or past end is
	 * no hit */
#ifdef __SSE2__
	for (; p < end; p += 16) {
		unsigned m = tl_json_special16(p);
		if (m) {
			const char *q = p + __builtin_ctz(m);
			return q < end && *q == '"' ? q : NULL;
		}
	}
#else
	for (; p < end; p += 8) {
		uint64_t x, m;
		memcpy(&x, p, 8);
		if ((m = tl_json_special(x)) != 0) {
			const char *q = p + __builtin_ctzll(m) / 8;
			return q < end && *q == '"' ? q : NULL;
		}
	}
#endif
	return NULL;
}

/* fast_member: at p, the member ,"key":"value" (key given with its
 * quotes and colon) with a plain value: stores it and returns the end;
 * returns p when the member is not there, NULL when it is but not plain. */
static inline const char *fast_member(const char *p, const char *end, const char *key, size_t klen,
				       struct tl_str *value)
{
	if ((size_t)(end - p) < klen + 1 || memcmp(p, key, klen) != 0 || p[klen] != '"')
		return p;
	const char *q = plain_string(p + klen + 1, end);
	if (!q)
		return NULL;
	*value = (struct tl_str){p + klen + 1, (size_t)(q - (p + klen + 1))};
	return q + 1;
}

/* fast_event: an event object exactly as tl's writer makes it, {"ts":"…"
 * then ,"domain", ,"capability" and ,"action" when present, plain strings,
 * no spaces: its end, or NULL for anything else (json_event reads it). */
static const char *fast_event(const char *p, const char *end, struct event_in *in, struct tl_str *action)
{
	static const struct tl_str empty = {"", 0};
	in->dom = in->cap = *action = empty;
	in->ts_json = 0;
	in->ts_text = empty;
	const char *q = fast_member(p, end, "{\"ts\":", 6, &in->ts_text);
	if (q == p || !q || !in->ts_text.n)   /* ts comes first and is a non-empty string */
		return NULL;
	if (!(q = fast_member(q, end, ",\"domain\":", 10, &in->dom)) ||
	    !(q = fast_member(q, end, ",\"capability\":", 14, &in->cap)) ||
	    !(q = fast_member(q, end, ",\"action\":", 10, action)) || q >= end || *q != '}')
		return NULL;
	return q + 1;
}

static const char *doc_events(struct tl_reader *r, struct build *b, const char *p, const char *end,
			      char *msg, size_t cap, const char **why)
{
	struct tl_json_iter it;
	int rc;
	*why = "events is not an array";
	if (tl_json_iter_begin(&it, p, end, '[') < 0)
		return NULL;
	for (size_t i = 0; (rc = tl_json_iter_item(&it)) > 0; i++) {
		struct event_in in;
		struct tl_str action;
		char inner[200];
		const char *e, *q = fast_event(it.p, end, &in, &action);
		if (q) {
			it.p = q;
			e = check_event(&in, action, inner, sizeof inner);
		} else {
			e = json_event((struct tl_str){it.p, (size_t)(end - it.p)}, &r->jarena, &in, NULL, inner,
				       sizeof inner, &it.p);
		}
		if (!e && (in.dom.n > r->opt->max_field || in.cap.n > r->opt->max_field))
			e = "a field is longer than --max-field";
		if (!e && b->l.nev >= r->opt->max_events)
			e = "more events than --max-events";
		if (e) {
			snprintf(msg, cap, "event %zu: %s", i + 1, e);
			*why = msg;
			return NULL;
		}
		build_event(b, &in, 0, r->flags & TL_READ_DOMAINS);
	}
	*why = it.why;
	return rc == 0 ? it.p : NULL;
}

/* doc_members: every member of the document in line; the events parsed
 * when the tool needs them. NULL or a message. */
static const char *doc_members(struct tl_reader *r, struct build *b, struct tl_str line, char *msg, size_t cap)
{
	const char *end = line.p + line.n, *why;
	int rc, has_events = 0, need = (r->flags & TL_READ_EVENTS) != 0;
	struct tl_json_iter it;
	struct tl_str key;
	if (tl_json_iter_begin(&it, line.p, end, '{') < 0)
		return it.why;
	while ((rc = tl_json_iter_member(&it, &key)) > 0) {
		const char *v = it.p, *q;
		int events = TL_JSON_KEY_IS(key, "events");
		has_events |= events;
		if (events && need)
			q = doc_events(r, b, v, end, msg, cap, &why);
		else if (!(q = tl_json_skip_value(v, end, 64)))
			why = it.why;
		if (!q)
			return why;
		if ((why = doc_attr(b, key, (struct tl_str){v, (size_t)(q - v)})))
			return why;
		it.p = q;
	}
	if (rc < 0)
		return it.why;
	if (tl_json_skip_ws(it.p, end) != end)
		return "bad JSON: text after the object";
	if (!b->l.id.n)
		return "missing learner_id";
	if (need && !has_events)
		return "no events array (this tool needs events)";
	return NULL;
}

/* doc_record: the next document. 1, 0 at end of file, -1 skipped. */
static int doc_record(struct tl_reader *r)
{
	struct tl_str line;
	char msg[300];
	tl_arena_reset(&r->jarena);
	if (!ndjson_line(r, &line))
		return 0;
	struct build *b = &r->b[r->cur];
	build_start(b, (struct tl_str){"", 0}, r->src.name, r->rec_line, TL_SHAPE_DOC);
	const char *why = doc_members(r, b, line, msg, sizeof msg);
	if (why) {
		char shown[80];
		if (strncmp(why, "bad JSON", 8) == 0 || strcmp(why, "not a JSON object") == 0)
			bad(r, line.p, line.n, "%s: '%s'", why, show(line, shown));
		else
			bad(r, line.p, line.n, "%s", why);
		return -1;
	}
	b->l.raw = line;
	build_finish(b, (r->flags & TL_READ_EVENTS) != 0);
	r->counts.records_read += b->l.has_events ? b->l.nev : 1;
	return 1;
}

/* row_record: the next learner row (CSV without ts). */
static int row_record(struct tl_reader *r)
{
	struct tl_str raw;
	int rc = csv_record(r, &raw);
	if (rc <= 0)
		return rc;
	const struct tl_str *f = tl_csv_fields(r->csv);
	if (!f[r->col[COL_ID]].n) {
		bad(r, raw.p, raw.n, "missing learner_id");
		return -1;
	}
	struct build *b = &r->b[r->cur];
	build_start(b, f[r->col[COL_ID]], r->src.name, r->rec_line, TL_SHAPE_ROW_CSV);
	for (size_t i = 0; i < r->ncols; i++) {
		if ((int)i == r->col[COL_ID])
			continue;
		build_attr_ref(b, r->colnames[i], f[i], 0, NULL);   /* fields live until the next read */
		if (str_eq(r->colnames[i], "as_of") && f[i].n) {
			if (tl_time_parse(f[i].p, f[i].n, &b->l.as_of) < 0) {
				bad(r, raw.p, raw.n, "bad as_of");
				return -1;
			}
			b->l.has_as_of = 1;
		}
	}
	build_finish(b, 0);
	r->counts.records_read++;
	return 1;
}

/* ---- shape detection ------------------------------------------------------ */

static int has_member(void *ctx, const struct tl_json_member *m)
{
	int *found = ctx;
	if (tl_json_key_is(m->key, "events"))
		found[0] = 1;
	if (tl_json_key_is(m->key, "ts"))
		found[1] = 1;
	return 0;
}

/* detect: open the next file and decide its shape from its first
 * non-blank line; CSV headers are read here. 0 when no file is left. */
static int open_and_detect(struct tl_reader *r)
{
	const char *p;
	size_t n;
	if (!open_next_file(r))
		return 0;
	struct tl_source *s = &r->src;
	do {
		if (!tl_source_line(s, &p, &n)) {
			r->shape = TL_SHAPE_EVENT_CSV;
			r->ncols = 0;
			s->eof = 1;
			return 1;     /* empty file: nothing to read */
		}
		if (s->lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3, n -= 3;
	} while (blank(p, n));
	r->rec_line = s->lineno;
	const char *q = tl_json_skip_ws(p, p + n);
	if (q < p + n && *q == '{') {
		int found[2] = {0, 0};
		const char *why;
		tl_json_members(p, p + n, has_member, found, &why);
		r->shape = found[0] || (!found[1] && !(r->flags & TL_READ_EVENTS)) ? TL_SHAPE_DOC : TL_SHAPE_EVENT_NDJSON;
		tl_source_unread(s, p);
		return 1;
	}
	int rc = tl_csv_split(r->csv, p, n);
	if (rc != TL_CSV_ROW)
		tl_die_at(TL_EX_DATAERR, s->name, r->rec_line, "bad CSV header: %s",
			  rc == TL_CSV_MORE ? "a quoted name spans lines" : tl_csv_error(r->csv));
	read_header(r, tl_csv_fields(r->csv), tl_csv_nfields(r->csv));
	r->shape = r->col[COL_TS] >= 0 ? TL_SHAPE_EVENT_CSV : TL_SHAPE_ROW_CSV;
	if (r->shape == TL_SHAPE_ROW_CSV && !(r->flags & TL_READ_ROWS))
		tl_die_at(TL_EX_DATAERR, s->name, r->rec_line,
			  "no 'ts' column: these are learner rows, and %s needs events", tl_progname());
	return 1;
}

/* ---- grouping ----------------------------------------------------------- */

static struct tl_learner *flush_pending(struct tl_reader *r)
{
	if (!r->pending)
		return NULL;
	r->pending = 0;
	r->counts.learners_read++;
	return build_finish(&r->b[r->cur], 1);
}

static int is_event_shape(enum tl_shape s) { return s == TL_SHAPE_EVENT_CSV || s == TL_SHAPE_EVENT_NDJSON; }

/* same_id: a == b for n bytes; ids are short, so no libc call for n <= 16. */
static inline int same_id(const char *a, const char *b, size_t n)
{
	if (n < 8 || n > 16)
		return memcmp(a, b, n) == 0;
	uint64_t x, y, u, v;
	memcpy(&x, a, 8), memcpy(&y, b, 8), memcpy(&u, a + n - 8, 8), memcpy(&v, b + n - 8, 8);
	return x == y && u == v;
}

/* The span of field k of a plain line of n bytes split at commas[]. */
static inline struct tl_str plain_field(const char *line, size_t n, const uint32_t *commas, size_t ncols, int k)
{
	static const char empty[1];
	if (k < 0)
		return (struct tl_str){empty, 0};
	size_t from = k == 0 ? 0 : commas[k - 1] + 1, to = (size_t)k == ncols - 1 ? n : commas[k];
	return (struct tl_str){line + from, to - from};
}

#define FAST_MAX_COLS 64

/* fast_rows: append the plain event CSV rows that follow in the buffer and
 * continue the current learner, without the general record path: no quote,
 * no CR, the header's field count, no field over --max-field, a valid ts
 * and action, the same learner_id, room under --max-events. The first row
 * that is anything else is left unread for the general path, which reads,
 * checks and reports it exactly as before (§5). */
static void fast_rows(struct tl_reader *r)
{
	struct tl_source *s = &r->src;
	struct build *b = &r->b[r->cur];
	int keep = r->flags & TL_READ_TS_TEXT, domains = r->flags & TL_READ_DOMAINS;
	size_t ncols = r->ncols;
	uint32_t commas[FAST_MAX_COLS];
	if (ncols > FAST_MAX_COLS || r->col[COL_TS] < 0 || !tl_csv_plain_ok(r->csv))
		return;
	while (b->l.nev < r->opt->max_events) {
		const char *line = s->buf + s->beg;
		long len = tl_csv_scan_line(line, s->end - s->beg, ncols, commas);
		if (len <= 0 || (size_t)len > r->opt->max_field)   /* no field can be longer */
			return;
		size_t n = (size_t)len;
		struct tl_str id = plain_field(line, n, commas, ncols, r->col[COL_ID]);
		if (id.n != b->l.id.n || !same_id(id.p, b->l.id.p, id.n))
			return;
		struct event_in in;
		in.ts_text = plain_field(line, n, commas, ncols, r->col[COL_TS]);
		in.dom = plain_field(line, n, commas, ncols, r->col[COL_DOMAIN]);
		in.cap = plain_field(line, n, commas, ncols, r->col[COL_CAP]);
		in.ts_json = 0;
		in.action = parse_action(plain_field(line, n, commas, ncols, r->col[COL_ACTION]));
		if (in.ts_text.n == 0 || in.action < 0 || tl_time_parse(in.ts_text.p, in.ts_text.n, &in.ts) < 0)
			return;
		build_event(b, &in, keep, domains);
		r->counts.records_read++;
		s->beg += n + 1;
		s->lineno++;
	}
}

/* chunk_learner: a chunk reader notes a new learner for the merge. */
static long chunk_learner(struct tl_reader *r, struct tl_str id)
{
	if (r->nfps == r->fpcap) {
		r->fpcap = r->fpcap ? 2 * r->fpcap : 1024;
		r->fps = tl_xrealloc(r->fps, r->fpcap * sizeof *r->fps);
	}
	r->fps[r->nfps++] = (struct chunk_learner){seen_fp(id), r->rec_line};
	return 0;
}

/* group_event: put rec into the current learner or start the next one.
 * Returns the learner that rec completed, or NULL. */
static struct tl_learner *group_event(struct tl_reader *r, const struct record *rec)
{
	struct build *b = &r->b[r->cur];
	if (r->pending && b->l.id.n == rec->id.n && memcmp(b->l.id.p, rec->id.p, rec->id.n) == 0) {
		add_event(r, b, rec);
		return NULL;
	}
	long first = r->chunk ? chunk_learner(r, rec->id) : seen_check(&r->seen, rec->id, r->rec_line);
	if (first) {
		char shown[80];
		bad(r, rec->raw.p, rec->raw.n,
		    "learner '%s' reappears after other learners (its rows began at line %ld); "
		    "group the input by learner or use --ungrouped", show(rec->id, shown), first);
		return NULL;
	}
	struct tl_learner *done = flush_pending(r);
	if (done)
		r->cur ^= 1;
	start_learner(r, &r->b[r->cur], rec);
	add_event(r, &r->b[r->cur], rec);
	r->pending = 1;
	return done;
}

/* ---- --ungrouped: read everything, then serve in first-seen order ------ */

struct urow {
	uint32_t slot;
	long line;
	const char *file;
	enum tl_shape shape;
	struct event_in ev;
};

struct uslot {
	struct tl_str id;
	struct tl_attr *attrs;
	size_t nattrs, nrows, pos;
	const char *file;
	long line;
	enum tl_shape shape;
};

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

static struct ustore *ustore;

static struct tl_str dup_str(struct tl_arena *a, struct tl_str s)
{
	return (struct tl_str){tl_arena_dup(a, s.p, s.n), s.n};
}

static void ustore_new_slot(struct tl_reader *r, struct ustore *u, const struct record *rec)
{
	struct build *tmp = &r->b[1];
	start_learner(r, tmp, rec);
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
	if (u->slots[slot].nrows >= r->opt->max_events) {
		char shown[80];
		bad(r, rec->raw.p, rec->raw.n, "learner '%s' has more than %zu events (--max-events)",
		    show(rec->id, shown), r->opt->max_events);
		return;
	}
	if (u->nrows == u->rowcap) {
		u->rowcap = u->rowcap ? u->rowcap * 2 : 4096;
		u->rows = tl_xrealloc(u->rows, u->rowcap * sizeof *u->rows);
	}
	struct urow *w = &u->rows[u->nrows++];
	*w = (struct urow){slot, r->rec_line, r->src.name, r->shape, rec->ev};
	w->ev.ts_text = dup_str(&u->arena, rec->ev.ts_text);
	w->ev.dom = dup_str(&u->arena, rec->ev.dom);
	w->ev.cap = dup_str(&u->arena, rec->ev.cap);
	u->slots[slot].nrows++;
	r->counts.records_read++;
}

/* ustore_load: read every event record, then order rows by learner. */
static void ustore_load(struct tl_reader *r)
{
	struct ustore *u = ustore = tl_xcalloc(1, sizeof *u);
	u->ids.gen = 1;
	u->ids.last = -1;
	while (r->src.f || open_and_detect(r)) {
		if (!is_event_shape(r->shape))
			tl_die_at(TL_EX_USAGE, r->src.name, r->rec_line, "--ungrouped needs event rows, not learner records");
		struct record rec;
		int rc = event_record(r, &rec);
		if (rc > 0)
			ustore_add(r, u, &rec);
		else if (rc == 0)
			close_file(r);
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

static struct tl_learner *ustore_next(struct tl_reader *r)
{
	struct ustore *u = ustore;
	if (u->next == u->nslots)
		return NULL;
	struct uslot *s = &u->slots[u->next];
	size_t end = s->pos, beg = end - s->nrows;
	u->next++;
	struct build *b = &r->b[0];
	build_start(b, s->id, s->file, s->line, s->shape);
	for (size_t i = 0; i < s->nattrs; i++)
		build_attr(b, s->attrs[i].name, s->attrs[i].value, s->attrs[i].json);
	for (size_t i = beg; i < end; i++)
		build_event(b, &u->rows[u->order[i]].ev, 1, r->flags & TL_READ_DOMAINS);
	r->counts.learners_read++;
	return build_finish(b, 1);
}

/* ---- the public API --------------------------------------------------------- */

struct tl_reader *tl_reader_open(const struct tl_common *c, int nfiles, char **files, int flags)
{
	static char *dash[] = {"-"};
	struct tl_reader *r = tl_xcalloc(1, sizeof *r);
	r->opt = c;
	r->flags = flags;
	r->files = nfiles ? files : dash;
	r->nfiles = nfiles ? nfiles : 1;
	r->csv = tl_csv_new(c->max_field);
	for (int i = 0; i < 2; i++)
		r->b[i].doms.gen = r->b[i].caps.gen = 1;
	if (c->rejects) {
		r->rejects = fopen(c->rejects, "w");
		if (!r->rejects)
			tl_die(TL_EX_CANTCREAT, "%s:", c->rejects);
	}
	if (c->ungrouped)
		ustore_load(r);
	return r;
}

struct tl_learner *tl_reader_next(struct tl_reader *r)
{
	if (ustore)
		return ustore_next(r);
	for (;;) {
		if (r->failed)
			return NULL;
		if (!r->chunk && !r->src.f && !open_and_detect(r))
			return flush_pending(r);
		if (!is_event_shape(r->shape) && r->pending)
			return flush_pending(r);
		if (!is_event_shape(r->shape)) {
			int rc = r->shape == TL_SHAPE_DOC ? doc_record(r) : row_record(r);
			if (rc > 0) {
				r->counts.learners_read++;
				return &r->b[r->cur].l;
			}
			if (rc == 0 && (r->chunk || r->src.in_mem))   /* the end of a chunk */
				return NULL;
			if (rc == 0)
				close_file(r);
			continue;
		}
		struct record rec;
		int rc = event_record(r, &rec);
		if (rc == 0 && r->src.ranged)   /* the end of a range: the caller sets the next */
			return flush_pending(r);
		if (rc == 0) {
			close_file(r);
			continue;
		}
		struct tl_learner *done = rc > 0 ? group_event(r, &rec) : NULL;
		if (r->pending && r->shape == TL_SHAPE_EVENT_CSV)
			fast_rows(r);
		if (done)
			return done;
	}
}

/* ---- chunks (the parallel loop of run.c) -------------------------------- */

int tl_reader_chunkable(struct tl_reader *r, uint64_t *data_off, uint64_t *size)
{
	struct stat st;
	if (r->nfiles != 1 || r->opt->ungrouped || ustore || r->pending || r->counts.records_read)
		return 0;
	if (!r->src.f && !open_and_detect(r))
		return 0;
	if (r->shape != TL_SHAPE_EVENT_CSV || r->ncols == 0 || r->ncols > FAST_MAX_COLS || !tl_csv_plain_ok(r->csv) ||
	    fstat(r->src.fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	off_t at = lseek(r->src.fd, 0, SEEK_CUR);   /* stdin may not start at 0 */
	if (at < 0)
		return 0;
	*data_off = (uint64_t)at - (r->src.end - r->src.beg);
	*size = (uint64_t)st.st_size;
	return *data_off <= *size;
}

/* The learner_id of a plain line (no quote), or 0 when it has a quote. */
static int line_id(const struct tl_reader *r, const char *p, size_t n, struct tl_str *id)
{
	if (memchr(p, '"', n))
		return 0;
	if (n && p[n - 1] == '\r')
		n--;
	const char *end = p + n;
	for (int k = 0; k < r->col[COL_ID] && p <= end; k++) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		p = c ? c + 1 : end + 1;
	}
	if (p > end) {
		*id = (struct tl_str){"", 0};
		return 1;
	}
	const char *c = memchr(p, ',', (size_t)(end - p));
	*id = (struct tl_str){p, (size_t)((c ? c : end) - p)};
	return 1;
}

uint64_t tl_reader_boundary(const struct tl_reader *r, uint64_t off, uint64_t size)
{
	struct tl_source s = {0};
	const char *p;
	size_t n;
	char *prev = tl_xmalloc(r->opt->max_field + 1);
	size_t nprev = SIZE_MAX;
	uint64_t at = size;
	tl_source_share(&s, &r->src);
	s.read_size = 1 << 14;
	tl_source_range(&s, off - 1, size, 0);   /* off > 0: skip to a line start */
	if (!tl_source_line(&s, &p, &n))
		goto done;
	for (;;) {
		uint64_t start = tl_source_offset(&s);
		struct tl_str id;
		if (!tl_source_line(&s, &p, &n) || !line_id(r, p, n, &id) || id.n > r->opt->max_field)
			break;
		if (blank(p, n))
			continue;
		if (nprev != SIZE_MAX && (id.n != nprev || memcmp(id.p, prev, id.n) != 0)) {
			at = start;
			break;
		}
		memcpy(prev, id.p, id.n);
		nprev = id.n;
	}
done:
	tl_source_free(&s);
	free(prev);
	return at;
}

void tl_reader_range(struct tl_reader *r, uint64_t from, uint64_t to, long lineno)
{
	tl_source_range(&r->src, from, to, lineno);
	r->quoted_seen = tl_csv_quoted(r->csv);
}

long tl_reader_lineno(const struct tl_reader *r) { return r->src.lineno; }
uint64_t tl_reader_range_end(const struct tl_reader *r) { return r->src.range_end; }

struct tl_reader *tl_reader_chunk_new(const struct tl_reader *r)
{
	struct tl_reader *w = tl_xcalloc(1, sizeof *w);
	w->opt = r->opt;
	w->flags = r->flags;
	w->chunk = 1;
	w->shape = r->shape;
	w->have_header = 1;
	w->ncols = r->ncols;
	memcpy(w->col, r->col, sizeof w->col);
	size_t total = 0;
	for (size_t i = 0; i < r->ncols; i++)
		total += r->colnames[i].n + 1;
	w->colnames = tl_xmalloc(r->ncols * sizeof *w->colnames);
	w->colbuf = tl_xmalloc(total + 1);
	if (total)   /* documents have no header */
		memcpy(w->colbuf, r->colbuf, total);
	for (size_t i = 0; i < r->ncols; i++)
		w->colnames[i] = (struct tl_str){w->colbuf + (r->colnames[i].p - r->colbuf), r->colnames[i].n};
	for (int i = 0; i < 2; i++)
		w->b[i].doms.gen = w->b[i].caps.gen = 1;
	tl_source_share(&w->src, &r->src);
	w->src.read_size = 1 << 18;
	return w;
}

void tl_reader_chunk_start(struct tl_reader *w, uint64_t from, uint64_t to)
{
	tl_csv_free(w->csv);   /* a failed chunk may have left a record open */
	w->csv = tl_csv_new(w->opt->max_field);
	tl_reader_range(w, from, to, 0);
	w->failed = 0;
	w->pending = 0;
	w->nfps = 0;
	memset(&w->counts, 0, sizeof w->counts);
}

int tl_reader_chunk_failed(const struct tl_reader *w) { return w->failed; }

int tl_reader_streamable(struct tl_reader *r)
{
	if (r->nfiles != 1 || r->opt->ungrouped || ustore || r->pending || r->counts.records_read)
		return 0;
	if (!r->src.f && !open_and_detect(r))
		return 0;
	return r->shape == TL_SHAPE_DOC;
}

int tl_reader_fd(const struct tl_reader *r) { return r->src.fd; }
const char *tl_reader_name(const struct tl_reader *r) { return r->src.name; }

size_t tl_reader_take_unread(struct tl_reader *r, const char **p, int *eof)
{
	*eof = r->src.eof;
	return tl_source_take(&r->src, p);
}

void tl_reader_mem(struct tl_reader *r, const char *p, size_t n, long lineno)
{
	tl_source_mem(&r->src, p, n, lineno);
}

void tl_reader_chunk_start_mem(struct tl_reader *w, const char *p, size_t n)
{
	tl_reader_chunk_start(w, 0, 0);
	tl_source_mem(&w->src, p, n, 0);
}

int tl_reader_chunk_merge(struct tl_reader *r, const struct tl_reader *w)
{
	size_t *slots = tl_xmalloc((w->nfps + 1) * sizeof *slots);
	long base = r->src.lineno;
	for (size_t i = 0; i < w->nfps; i++)
		if (seen_add(&r->seen, w->fps[i].fp, base + w->fps[i].line, &slots[i])) {
			while (i-- > 0)   /* undo, newest first: the table is as before */
				if (slots[i] != SIZE_MAX) {
					r->seen.slot[slots[i]].fp = 0;
					r->seen.n--;
				}
			free(slots);
			return -1;
		}
	free(slots);
	r->counts.records_read += w->counts.records_read;
	r->counts.learners_read += w->counts.learners_read;
	r->src.lineno += w->src.lineno;
	return 0;
}

const struct tl_counts *tl_reader_counts(const struct tl_reader *r) { return &r->counts; }

void tl_reader_close(struct tl_reader *r)
{
	if (r->rejects && (fflush(r->rejects) != 0 || ferror(r->rejects) || fclose(r->rejects) != 0))
		tl_die(TL_EX_IOERR, "write error on %s:", r->opt->rejects);
	tl_source_free(&r->src);
	tl_csv_free(r->csv);
	for (int i = 0; i < 2; i++) {
		tl_arena_free(&r->b[i].arena);
		free(r->b[i].l.ev);
		free(r->b[i].l.attrs);
		free(r->b[i].doms.slots);
		free(r->b[i].doms.names);
		free(r->b[i].caps.slots);
		free(r->b[i].caps.names);
	}
	if (ustore) {
		tl_arena_free(&ustore->arena);
		free(ustore->rows);
		free(ustore->slots);
		free(ustore->ids.slots);
		free(ustore->ids.names);
		free(ustore->order);
		free(ustore);
		ustore = NULL;
	}
	tl_arena_free(&r->jarena);
	if (r->seen.slot)
		munmap(r->seen.slot, SEEN_SLOTS * sizeof *r->seen.slot);
	free(r->fps);
	free(r->colnames);
	free(r->colbuf);
	free(r->raw);
	free(r);
}
