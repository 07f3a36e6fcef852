/* reader_impl.h - the record reader's insides, shared by its files in
 * record/: reader_core.c (files, shape detection, grouping, the calls of
 * reader.h), learner.c (building a learner, and the API on one),
 * reader_csv.c, reader_json.c, reader_xapi.c and reader_xapi_map.c (xAPI
 * statements), reader_ungrouped.c (--ungrouped), reader_chunk.c (the
 * chunks of record/chunk.h, for run.c) and reader_shard.c (--shard, its
 * calls in reader_shard.h).
 * Only the .c files of record/ include it; commands see record/reader.h.
 *
 * The helpers of the fast loops (the CSV rows of fast_rows, the events of
 * a document) are static inline here, so that splitting the reader into
 * files did not move them out of their callers' reach. */
#ifndef TL_READER_IMPL_H
#define TL_READER_IMPL_H

#include <stdint.h>
#include <string.h>

#include "util/arena.h"
#include "io/csvrow.h"
#include "io/source.h"
#include "util/err.h"
#include "util/rng.h"
#include "io/jsonpath.h"
#include "record/reader.h"

/* Canonical event columns (§2), and their names (reader_core.c). */
enum { COL_ID, COL_TS, COL_DOMAIN, COL_CAP, COL_ACTION, NCANON };
extern const char *const rd_canon_names[NCANON];

/* The most columns the fast CSV loop (and chunks) handle. */
#define FAST_MAX_COLS 64

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
	struct xapi_sums { uint32_t completions, successes, scored; double score_sum; } xs;
	tl_time xs_cutoff;    /* xAPI results count at or before it (--as-of) */
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

/* --shard (reader_shard.c): the learner of another shard whose rows are
 * being skipped; with --ungrouped, the fingerprints of those met. */
struct skip {
	char *id;                 /* its id, n bytes (cap allocated) */
	size_t n, cap;
	int on;
};

struct ustore;   /* reader_ungrouped.c */
struct xframe;   /* reader_xapi.c */
struct xmap;     /* reader_xapi_map.c */

/* With --stats: the attributes of event rows whose value varied within a
 * learner (reader_attrs.c). */
struct varied {
	struct tl_str *names;     /* sorted, owned copies */
	size_t n, cap;
	size_t *acol, nacol;      /* CSV: the header's attribute columns, in order */
	unsigned char *done;      /* per attribute column: noted already */
	size_t open;              /* attribute columns not noted yet */
	unsigned char *seen;      /* JSON: the learner's attributes met on a line */
	size_t seencap;
};

struct tl_reader {
	const struct tl_common *opt;
	int flags;
	char **files;
	int nfiles, next_file;
	struct tl_source src;
	enum tl_shape shape;
	/* CSV header of the current file */
	struct tl_csv *csv;
	int col[NCANON];          /* column index of each canonical field, -1 absent */
	int col_count;            /* the --count-field column, -1 none */
	int col_as_of;            /* the --as-of-field column, -1 none */
	size_t ncols;
	struct tl_str *colnames;  /* header names (owned copies) */
	char *header;             /* the header line as read (tl-split), nheader bytes */
	size_t nheader;
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
	/* --ungrouped: everything read at open, then served; NULL otherwise */
	struct ustore *ustore;
	struct xframe *xframe;    /* xAPI statements: how the file holds them */
	struct xmap *xmap;        /* ... and what is read from each */
	struct tl_jpaths *jmap;   /* --map of event NDJSON, NULL when none */
	char line_why[96];        /* why src.max_line is what it is */
	struct varied *varied;    /* --stats of event rows; NULL otherwise */
	char ts_iso[40];          /* a converted ts as text (rd_parse_ts) */
	struct skip skip;         /* --shard */
};


/* What an xAPI statement's result says (event_in.res bits). */
enum { RES_COMPLETION = 1, RES_SUCCESS = 2, RES_SCORE = 4 };

/* The parsed fields of one event, spans into the input. Whatever keeps
 * events for later (--ungrouped) keeps res and score too: build_event
 * counts them into the learner's xAPI result fields. */
struct event_in {
	tl_time ts;
	struct tl_str ts_text, dom, cap;
	int action, ts_json;
	uint64_t count;   /* --count-field: the events the row stands for, else 1 */
	int res;           /* RES_* of an xAPI statement, else 0 */
	double score;      /* result.score.scaled when RES_SCORE */
};

/* One event record of either shape. */
struct record {
	struct tl_str id, raw;
	struct event_in ev;
	const struct tl_str *fields;   /* CSV */
};

/* ---- small helpers --------------------------------------------------- */

static inline int str_eq(struct tl_str a, const char *b)
{
	size_t n = strlen(b);
	return a.n == n && memcmp(a.p, b, n) == 0;
}

static inline int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static inline int parse_action(struct tl_str a)
{
	switch (a.n) {
	case 0: return TL_ACTION_EMPTY;
	case 3: return memcmp(a.p, "use", 3) == 0 ? TL_ACTION_USE : -1;
	case 5: return memcmp(a.p, "adopt", 5) == 0 ? TL_ACTION_ADOPT : -1;
	case 8: return memcmp(a.p, "interact", 8) == 0 ? TL_ACTION_INTERACT : -1;
	}
	return -1;
}

/* rd_show: a value for a message in buf (at least 64 bytes): at most 60
 * bytes, control bytes as '?'. */
const char *rd_show(struct tl_str s, char *buf);

/* rd_bad: a bad record. Strict mode exits 65; --skip-bad writes the raw
 * text to --rejects, counts it, and returns so the caller skips the
 * record; a chunk reader only fails its chunk. */
void rd_bad(struct tl_reader *r, const char *raw, size_t rawn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* rd_bad_at: rd_bad of a record read earlier, at file:line (--ungrouped:
 * a row judged when its learner is built). */
void rd_bad_at(struct tl_reader *r, const char *file, long line, const char *raw, size_t rawn, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* ---- the learner builder (learner.c) --------------------------------- */

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

/* name_hash: of every byte of p[0..n) (w, w2: its first_word and
 * last_word). Names that share their first 8 bytes are common (ids
 * "learner0000001", xAPI activity URLs): a hash of the first word alone put
 * them all in one chain and made interning quadratic. */
static inline uint32_t name_hash(const char *p, size_t n, uint64_t w, uint64_t w2)
{
	const uint64_t k = 0x9E3779B97F4A7C15ULL;
	uint64_t h = (w ^ n) * k;
	if (n <= 16) {
		h = (h ^ w2) * k;
	} else {
		for (size_t i = 8; i < n; i += 8) {
			uint64_t x = 0;
			memcpy(&x, p + i, n - i < 8 ? n - i : 8);
			h = (h ^ x) * k;
		}
	}
	return (uint32_t)(h >> 32);
}

/* rd_intern_reset: t empty (its slots cleared by a new generation).
 * rd_intern_grow: t's slots doubled (64 at first). */
void rd_intern_reset(struct intern *t);
void rd_intern_grow(struct intern *t);

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
static inline int32_t intern(struct intern *t, struct tl_arena *a, const char *p, size_t n)
{
	uint64_t w = first_word(p, n), w2 = last_word(p, n);
	if (t->last >= 0 && slot_is(t, &t->slots[t->last], w, w2, p, n))
		return t->slots[t->last].idx;
	if (!t->slots || (t->n + 1) * 2 > t->mask + 1)
		rd_intern_grow(t);
	size_t j = name_hash(p, n, w, w2) & t->mask;
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

/* rd_xapi_note: count an xAPI statement's result into b (reader_xapi_map.c). */
void rd_xapi_note(struct build *b, const struct event_in *in);

/* build_event: append the event in to b (its ts text copied when
 * keep_text, its domain indexed when domains). */
static inline void build_event(struct build *b, const struct event_in *in, int keep_text, int domains)
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
	if (in->res)
		rd_xapi_note(b, in);
	if (in->ts < b->max_ts)
		b->sorted = 0;
	else
		b->max_ts = in->ts;
}

/* rd_build_start: b holds a new learner id (copied) from file:line. */
void rd_build_start(struct build *b, struct tl_str id, const char *file, long line, enum tl_shape shape);

/* rd_build_attr_ref: add an attribute whose spans stay valid while the
 * learner is (a learner row or document is returned before the next read). */
void rd_build_attr_ref(struct build *b, struct tl_str name, struct tl_str value, int json);

/* rd_build_attr: add an attribute, copying name and value into the arena
 * (event rows: the learner outlives the row it came from). */
void rd_build_attr(struct build *b, struct tl_str name, struct tl_str value, int json);

/* rd_build_finish: the learner of b, its events sorted by ts (stable). */
struct tl_learner *rd_build_finish(struct build *b, int has_events);

/* rd_build_free: release b's memory. */
void rd_build_free(struct build *b);

/* ---- reader_core.c: files, records, grouping ------------------------- */

/* rd_check_event: validate in's timestamp and the action text (setting
 * in->ts and in->action); NULL or a message (in msg, or static). */
const char *rd_check_event(struct tl_reader *r, struct event_in *in, struct tl_str action, char *msg, size_t cap);

/* rd_parse_count: in->count from the --count-field value text (json: a
 * JSON value, a number or a string); NULL or a message in msg. */
const char *rd_parse_count(struct tl_reader *r, struct event_in *in, struct tl_str text, int json, char *msg,
			   size_t cap);

/* rd_as_of_value: the --as-of-field value text (json: a raw JSON value)
 * as *out, read like a ts (--ts-unit, --epoch). NULL or a message. */
const char *rd_as_of_value(const struct tl_reader *r, struct tl_str text, int json, tl_time *out, char *msg,
			   size_t cap);

/* rd_parse_ts: in->ts from in->ts_text (--ts-unit, --epoch); a converted
 * number's text becomes ISO-8601 in r->ts_iso (valid until the next
 * call). NULL or a message in msg. */
const char *rd_parse_ts(struct tl_reader *r, struct event_in *in, char *msg, size_t cap);

/* rd_check_utf8: NULL when the record text raw is valid UTF-8 (every
 * output is UTF-8 JSON or CSV, so input that is not is bad input), else a
 * message in msg. */
const char *rd_check_utf8(struct tl_str raw, char *msg, size_t cap);

/* rd_close_file: done with the current file (the next read opens the next). */
void rd_close_file(struct tl_reader *r);

/* rd_open_and_detect: open the next file and decide its shape from its
 * first non-blank line; CSV headers are read here. 0 when no file is left. */
int rd_open_and_detect(struct tl_reader *r);
/* rd_cut_stream: exit 65 when line p[0..n) is a failed upstream tool's
 * "#tl-abort" line (in a worker thread: mark the chunk failed). */
void rd_cut_stream(struct tl_reader *r, const char *p, size_t n);

static inline int is_event_shape(enum tl_shape s)
{
	return s == TL_SHAPE_EVENT_CSV || s == TL_SHAPE_EVENT_NDJSON || s == TL_SHAPE_XAPI;
}
static inline int is_csv_shape(enum tl_shape s) { return s == TL_SHAPE_EVENT_CSV || s == TL_SHAPE_ROW_CSV; }

/* rd_event_record: the next event of the current file. 1, 0 at end of
 * file, -1 when a bad record was skipped, 2 for a row of another shard's
 * learner (--shard: only rec->id and rec->ev.count are set). */
int rd_event_record(struct tl_reader *r, struct record *rec);

/* rd_record_as_of: rec's --as-of-field in *out; NULL, or why rec cannot
 * start its learner (in msg, or static). rd_learner_as_of: the same for
 * rec, the row that starts the learner, in *out; 0 when rec was rejected
 * for it (the learner then starts at its next row). */
const char *rd_record_as_of(const struct tl_reader *r, const struct record *rec, tl_time *out, char *msg,
			    size_t cap);
int rd_learner_as_of(struct tl_reader *r, const struct record *rec, tl_time *out);

/* rd_record_attrs: rec's attributes appended to b, unchecked (event CSV:
 * the columns that are not canonical; event NDJSON: the members; an xAPI
 * statement: none). rd_start_learner: b starts the learner of rec, with
 * its attributes, checked (rd_reserved_attrs). */
void rd_record_attrs(struct tl_reader *r, struct build *b, const struct record *rec);
void rd_start_learner(struct tl_reader *r, struct build *b, const struct record *rec);

/* The grouping check's fingerprint of a learner id. */
static inline uint64_t seen_fp(struct tl_str id) { return tl_hash64(id.p, id.n, 0x746c) | 1; }

/* rd_seen_add: the first line of fp if it was seen before, else 0 (and
 * remembers it, while there is room). *slot gets the slot filled, or
 * SIZE_MAX when none was. */
long rd_seen_add(struct seen *s, uint64_t fp, long line, size_t *slot);

/* ---- reader_csv.c ---------------------------------------------------- */

/* rd_csv_record: the next CSV record's fields. Returns 1, 0 at end of
 * file, or -1 for a bad record that was skipped. *raw spans its text. */
int rd_csv_record(struct tl_reader *r, struct tl_str *raw);

/* rd_csv_new: a CSV splitter with c's --max-field, -d and --tsv. */
struct tl_csv *rd_csv_new(const struct tl_common *c);

/* rd_read_header: the CSV header f[0..n) (the columns of --map). */
void rd_read_header(struct tl_reader *r, const struct tl_str *f, size_t n);

/* rd_csv_event: a CSV event record's fields; NULL or a message. */
const char *rd_csv_event(struct tl_reader *r, const struct tl_str *f, struct event_in *in, char *msg, size_t cap);

/* rd_csv_attrs: the non-canonical fields of f become b's attributes. */
void rd_csv_attrs(struct tl_reader *r, struct build *b, const struct tl_str *f);

/* rd_row_record: the next learner row (CSV without ts) into b[cur]; 2
 * for another shard's (counted). */
int rd_row_record(struct tl_reader *r);

/* rd_fast_rows: append the plain rows that continue the current learner.
 * rd_fast_skip: count the plain rows that continue the one skipped. */
void rd_fast_rows(struct tl_reader *r);
void rd_fast_skip(struct tl_reader *r);

/* ---- reader_json.c --------------------------------------------------- */

/* rd_ndjson_line: the next non-blank line of the file; 0 at end. */
int rd_ndjson_line(struct tl_reader *r, struct tl_str *line);

/* rd_json_event: read the event object raw[0..n); NULL or a message. With
 * id non-NULL, learner_id is read too (event NDJSON); with endp non-NULL,
 * *endp gets the object's end. */
const char *rd_json_event(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			  char *msg, size_t cap, const char **endp);

/* rd_jpaths_line: scan the JSON object raw (one line or statement) for the
 * paths of t into v (by slot); NULL, or why it is bad (in msg when it
 * names a duplicate key): a scan error, a duplicate key, text after it. */
const char *rd_jpaths_line(const struct tl_jpaths *t, struct tl_str raw, struct tl_str *v, char *msg, size_t cap);

/* rd_map_source: --map's source path of canonical field k, or NULL. */
const char *rd_map_source(const struct tl_common *c, int k);

/* rd_map_path: add path (keys joined by '.') for slot to t; a usage error
 * (exit 64) when it is not a path or clashes with another. */
void rd_map_path(struct tl_jpaths *t, const char *path, int slot);

/* rd_json_attrs: the non-canonical members of the event line raw become
 * b's attributes (not --count-field's member, nor one holding a --map
 * path). */
void rd_json_attrs(struct build *b, struct tl_str raw, const struct tl_common *c);

/* rd_json_member: the raw value of the member name of the object raw in
 * *value; 0 when it has none. */
int rd_json_member(struct tl_str raw, const char *name, struct tl_str *value);

/* rd_json_is_doc: whether the first line p[0..n) (an object) starts
 * learner documents rather than event NDJSON; -1 when it has both ts and
 * events (an event line with a reserved key). */
int rd_json_is_doc(const char *p, size_t n, int need_events);

/* rd_doc_record: the next document into b[cur]. 1, 0 at end of file, -1
 * skipped, 2 another shard's (counted). */
int rd_doc_record(struct tl_reader *r);

/* rd_json_string: a raw JSON value as text: a string (decoded into a when
 * it has escapes), null or absent (empty). -1 for another type. */
int rd_json_string(struct tl_str raw, struct tl_arena *a, struct tl_str *out);

/* rd_jmap_event: the event NDJSON line raw read through --map (r->jmap);
 * NULL or a message. */
const char *rd_jmap_event(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			  char *msg, size_t cap);

/* rd_json_mapped_key: whether the (escaped) top-level key is the first
 * key of a --map path: the member holds a canonical field, it is not an
 * attribute. */
int rd_json_mapped_key(const struct tl_common *c, struct tl_str key);

/* rd_jmap_open: compile --map for JSON input into r->jmap (none: NULL). */
void rd_jmap_open(struct tl_reader *r);

/* ---- reader_xapi.c, reader_xapi_map.c: xAPI statements --------------- */

/* rd_xapi_first: whether the first line p[0..n) of a file starts xAPI
 * statements (an object with actor and verb, or an LRS page with
 * statements, or an array, or an object that spans lines); if so the file
 * is read as TL_SHAPE_XAPI (the line is given back). */
int rd_xapi_first(struct tl_reader *r, const char *p, size_t n);

/* rd_xapi_next: the next statement of the file in *raw (its first line
 * in r->rec_line); 0 at the end of the file. */
int rd_xapi_next(struct tl_reader *r, struct tl_str *raw);

/* rd_xapi_statement: the event of the statement raw (reader_xapi_map.c);
 * NULL or a message. */
const char *rd_xapi_statement(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			      char *msg, size_t cap);

/* rd_xapi_is_statement: whether the object raw has actor and verb members. */
int rd_xapi_is_statement(struct tl_str raw);

/* rd_xapi_attrs: b's xAPI result fields become its last attributes. */
void rd_xapi_attrs(struct build *b);

/* rd_xapi_open: r's xAPI mapping (the paths, the verb table), once. */
void rd_xapi_open(struct tl_reader *r);

/* rd_xapi_map_free: release r's xAPI mapping. */
void rd_xapi_map_free(struct tl_reader *r);

/* rd_xapi_free: release the xAPI state of r. */
void rd_xapi_free(struct tl_reader *r);

/* ---- reader_attrs.c -------------------------------------------------- */

/* rd_reserved: why name may not be an attribute (of event rows when
 * event_rows, else of learner rows), or NULL when it may (tl(7)
 * "Reserved names"). */
const char *rd_reserved(struct tl_str name, int event_rows);

/* rd_reserved_die: exit 65 with FILE:LINE: WHAT "NAME" is a reserved
 * name: WHY; rename the WHAT (what: "column" or "key"). */
_Noreturn void rd_reserved_die(const char *file, long line, const char *what, struct tl_str name, const char *why);

/* rd_reserved_columns: exit 65 when a column of the header just read
 * (after --map) would be an attribute with a reserved name.
 * rd_reserved_attrs: the same for a key among the attributes of b, which
 * an event NDJSON line started (at b's file and line). */
void rd_reserved_columns(const struct tl_reader *r);
void rd_reserved_attrs(const struct build *b);

/* rd_varied_header: with --stats, the attribute columns of the event CSV
 * header just read. rd_varied_plain: compare the plain row line[0..n),
 * split at commas[], with the learner l it continues; rd_varied_record:
 * an event record of either shape with the first-row attributes of its
 * learner. rd_varied_merge: a chunk's names into r. Each but the first
 * needs r->varied (rd_varied_plain also r->varied->open, for speed). */
void rd_varied_header(struct tl_reader *r);
void rd_varied_plain(struct tl_reader *r, const struct tl_learner *l, const char *line, size_t n,
		     const uint32_t *commas);
void rd_varied_record(struct tl_reader *r, const struct tl_attr *attrs, size_t nattrs, const struct record *rec);
/* rd_varied_attrs: as rd_varied_record, a later row's attributes row[0..n)
 * (json: of an event NDJSON line, where a first-row key it lacks varied
 * too) against its learner's first-row attributes (--ungrouped). */
void rd_varied_attrs(struct tl_reader *r, const struct tl_attr *attrs, size_t nattrs, const struct tl_attr *row,
		     size_t n, int json);
void rd_varied_merge(struct tl_reader *r, const struct tl_reader *w);
void rd_varied_free(struct varied *v);

/* ---- reader_ungrouped.c ---------------------------------------------- */

/* rd_ustore_load: read every event record (--ungrouped) into r->ustore. */
void rd_ustore_load(struct tl_reader *r);

/* rd_ustore_next: the next learner of r->ustore, in the byte order of
 * their ids, or NULL at the end. */
struct tl_learner *rd_ustore_next(struct tl_reader *r);

/* rd_ustore_free: release u (NULL is fine). */
void rd_ustore_free(struct ustore *u);

/* ---- reader_chunk.c -------------------------------------------------- */

/* rd_line_id: the learner_id of the plain CSV line p[0..n) (no quote;
 * TSV: any line) in *id, split at the separator only; 0 when it has a
 * quote. */
int rd_line_id(const struct tl_reader *r, const char *p, size_t n, struct tl_str *id);

/* rd_chunk_learner: a chunk reader notes a new learner for the merge; 0. */
long rd_chunk_learner(struct tl_reader *r, struct tl_str id);

#endif
