/* reader_json.c - the record reader's JSON, with the json.c scanner (one
 * validating pass): event NDJSON lines, and learner documents with their
 * events array (tl's own event objects on a fast path). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/obuf.h"
#include "util/err.h"
#include "util/num.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

/* ---- event objects --------------------------------------------------- */

/* The members of one event object that tl reads, as raw value spans. */
struct json_event_raw {
	struct tl_str id, ts, dom, cap, action;
	const char *count_name;   /* --count-field, or NULL */
	struct tl_str count;
};

/* event_slot: where to store the value span of a member tl reads, or NULL. */
static struct tl_str *event_slot(struct json_event_raw *e, struct tl_str key)
{
	if (TL_JSON_KEY_IS(key, "ts")) return &e->ts;
	if (TL_JSON_KEY_IS(key, "domain")) return &e->dom;
	if (TL_JSON_KEY_IS(key, "capability")) return &e->cap;
	if (TL_JSON_KEY_IS(key, "action")) return &e->action;
	if (TL_JSON_KEY_IS(key, "learner_id")) return &e->id;
	if (e->count_name && tl_json_key_is(key, e->count_name)) return &e->count;
	if (memchr(key.p, '\\', key.n)) {   /* an escaped key: compare decoded */
		static const char *const names[] = {"ts", "domain", "capability", "action", "learner_id"};
		struct tl_str *slots[] = {&e->ts, &e->dom, &e->cap, &e->action, &e->id};
		for (int i = 0; i < 5; i++)
			if (tl_json_key_is(key, names[i]))
				return slots[i];
	}
	return NULL;
}

/* The keys of one object, decoded, for the duplicate check: a few on the
 * stack, more in the record's arena. */
struct keys {
	struct tl_str *k, small[16];
	size_t n, cap;
};

/* keys_add: key, decoded when escaped is set and it has an escape. */
static void keys_add(struct keys *ks, struct tl_arena *a, struct tl_str key, int escaped)
{
	if (ks->n == ks->cap) {
		struct tl_str *k = tl_arena_alloc(a, 2 * ks->cap * sizeof *k);
		memcpy(k, ks->k, ks->n * sizeof *k);
		ks->k = k;
		ks->cap *= 2;
	}
	if (escaped && memchr(key.p, '\\', key.n)) {
		char *buf = tl_arena_alloc(a, key.n + 1);
		long n = tl_json_unescape(key, buf);
		key = (struct tl_str){buf, n < 0 ? 0 : (size_t)n};
	}
	ks->k[ks->n++] = key;
}

/* duplicate_key: a message naming a key ks holds twice (or key d of it,
 * when d >= 0), or NULL. */
static const char *duplicate_key(const struct keys *ks, long d, char *msg, size_t cap)
{
	if (d < 0)
		d = tl_json_duplicate(ks->k, ks->n);
	if (d < 0)
		return NULL;
	char shown[80];
	snprintf(msg, cap, "duplicate key '%s'", rd_show(ks->k[d], shown));
	return msg;
}

/* scan_event: one pass over the event object at p; the end, or NULL with
 * *why (a key given twice is bad input: msg holds the text). */
static const char *scan_event(const char *p, const char *end, struct json_event_raw *e, struct tl_arena *a,
			      const char **why, char *msg, size_t cap)
{
	struct tl_json_iter it;
	struct tl_str key;
	struct keys ks;   /* not zeroed: small[] is written before it is read */
	ks.k = ks.small, ks.n = 0, ks.cap = 16;
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
		if (slot && slot->p) {   /* a canonical key again */
			ks.n = 0;
			keys_add(&ks, a, key, 1);
			*why = duplicate_key(&ks, 0, msg, cap);
			return NULL;
		}
		if (slot)
			*slot = (struct tl_str){it.p, (size_t)(q - it.p)};
		else   /* the others are checked at the end (none equals a canonical key) */
			keys_add(&ks, a, key, 1);
		it.p = q;
	}
	*why = it.why;
	if (rc == 0 && (*why = duplicate_key(&ks, -1, msg, cap)))
		return NULL;
	return rc == 0 ? it.p : NULL;
}

int rd_json_string(struct tl_str raw, struct tl_arena *a, struct tl_str *out)
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

/* event_fields: the event (and with id non-NULL its learner_id) from the
 * raw spans of e; NULL or a message. */
static const char *event_fields(struct tl_reader *r, const struct json_event_raw *e, struct event_in *in,
				struct tl_str *id, char *msg, size_t cap)
{
	struct tl_arena *a = &r->jarena;
	if (id) {
		if (!e->id.p)
			return "missing learner_id";
		if (e->id.p[0] == '-' || (unsigned)(e->id.p[0] - '0') <= 9)
			*id = e->id;     /* a number: its text is the id */
		else if (rd_json_string(e->id, a, id) < 0)
			return "learner_id is neither a string nor a number";
		if (!id->n)
			return "missing learner_id";
	}
	struct tl_str action;
	if (rd_json_string(e->dom, a, &in->dom) < 0)
		return "domain is not a string";
	if (rd_json_string(e->cap, a, &in->cap) < 0)
		return "capability is not a string";
	if (rd_json_string(e->action, a, &action) < 0)
		return "action is not a string";
	in->ts_json = 0;
	in->res = 0;
	if (e->ts.p && (e->ts.p[0] == '-' || (unsigned)(e->ts.p[0] - '0') <= 9)) {
		in->ts_json = 1;   /* a number: written back as it was (unless converted) */
		in->ts_text = e->ts;
	} else if (rd_json_string(e->ts, a, &in->ts_text) < 0) {
		return "ts is neither a string nor a number";
	}
	in->count = 1;
	if (e->count_name && !e->count.p) {
		snprintf(msg, cap, "no '%s' member (--count-field)", e->count_name);
		return msg;
	}
	if (e->count_name && rd_parse_count(r, in, e->count, 1, msg, cap))
		return msg;
	return rd_check_event(r, in, action, msg, cap);
}

/* rd_json_event: read the event object raw[0..n); NULL or a message. With
 * id non-NULL, learner_id is read too (event NDJSON). */
const char *rd_json_event(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			  char *msg, size_t cap, const char **endp)
{
	struct json_event_raw e = {0};
	e.count_name = id ? r->opt->count_field : NULL;   /* event lines: documents hold events one by one */
	const char *why, *end = scan_event(raw.p, raw.p + raw.n, &e, &r->jarena, &why, msg, cap);
	if (!end)
		return why;
	if (endp)
		*endp = end;   /* an item of a document's array ends here */
	if (id && tl_json_skip_ws(end, raw.p + raw.n) != raw.p + raw.n)
		return "bad JSON: text after the object";
	return event_fields(r, &e, in, id, msg, cap);
}

/* ---- --map of event NDJSON (nested paths) ---------------------------- */

const char *rd_map_source(const struct tl_common *c, int k)
{
	for (int i = 0; i < c->nmap; i++)
		if (strcmp(c->map_canon[i], rd_canon_names[k]) == 0)
			return c->map_source[i];
	return NULL;
}

void rd_map_path(struct tl_jpaths *t, const char *path, int slot)
{
	if (tl_jpaths_add(t, path, strlen(path), slot) < 0)
		tl_usage_error("--map: '%s' is not a path of keys joined by '.', or it clashes with another", path);
}

void rd_jmap_open(struct tl_reader *r)
{
	const struct tl_common *c = r->opt;
	if (!c->nmap)
		return;
	r->jmap = tl_xcalloc(1, sizeof *r->jmap);
	tl_jpaths_init(r->jmap);
	for (int k = 0; k < NCANON; k++) {   /* slot NCANON: --count-field's member */
		const char *src = rd_map_source(c, k);
		rd_map_path(r->jmap, src ? src : rd_canon_names[k], k);
	}
	const char *count = c->count_field;
	if (count && tl_jpaths_add(r->jmap, count, strlen(count), NCANON) < 0)
		tl_usage_error("--count-field: '%s' clashes with a --map path", count);
}

/* top_duplicate: a message naming a top-level key of the (valid) object
 * raw given twice, or NULL: the paths' scan checks only its own keys, and
 * an event line is checked whole, --map or not. */
static const char *top_duplicate(struct tl_reader *r, struct tl_str raw, char *msg, size_t cap)
{
	struct keys ks;   /* not zeroed: small[] is written before it is read */
	ks.k = ks.small, ks.n = 0, ks.cap = 16;
	struct tl_json_iter it;
	struct tl_str key;
	tl_json_iter_begin(&it, raw.p, raw.p + raw.n, '{');
	while (tl_json_iter_member(&it, &key) > 0 && (it.p = tl_json_skip_value(it.p, raw.p + raw.n, 64)))
		keys_add(&ks, &r->jarena, key, 1);
	return duplicate_key(&ks, -1, msg, cap);
}

const char *rd_jpaths_line(const struct tl_jpaths *t, struct tl_str raw, struct tl_str *v, char *msg, size_t cap)
{
	struct tl_str dup;
	const char *why, *end = tl_jpaths_scan(t, raw.p, raw.p + raw.n, v, &why, &dup);
	char shown[80];
	if (!end && why && strcmp(why, "duplicate key") == 0) {
		snprintf(msg, cap, "duplicate key '%s'", rd_show(dup, shown));
		return msg;
	}
	if (!end)
		return why;
	if (tl_json_skip_ws(end, raw.p + raw.n) != raw.p + raw.n)
		return "bad JSON: text after the object";
	return NULL;
}

const char *rd_jmap_event(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			  char *msg, size_t cap)
{
	struct tl_str v[NCANON + 1] = {{0}};
	const char *why = rd_jpaths_line(r->jmap, raw, v, msg, cap);
	if (why)
		return why;
	if ((why = top_duplicate(r, raw, msg, cap)))
		return why;
	for (int k = 0; k <= COL_TS; k++) {   /* a mapped key that is missing is named */
		const char *src = rd_map_source(r->opt, k);
		if (src && !v[k].p) {
			snprintf(msg, cap, "missing %s: no key '%s' (--map %s=%s)", rd_canon_names[k], src,
				 rd_canon_names[k], src);
			return msg;
		}
	}
	struct json_event_raw e = {v[COL_ID], v[COL_TS], v[COL_DOMAIN], v[COL_CAP], v[COL_ACTION],
				   r->opt->count_field, v[NCANON]};
	return event_fields(r, &e, in, id, msg, cap);
}

/* ---- NDJSON lines ---------------------------------------------------- */

/* rd_ndjson_line: the next non-blank line of the file; 0 at end. */
int rd_ndjson_line(struct tl_reader *r, struct tl_str *line)
{
	const char *p;
	size_t n;
	while (tl_source_line(&r->src, &p, &n)) {
		if (blank(p, n))
			continue;
		r->rec_line = r->src.lineno;
		rd_cut_stream(r, p, n);
		*line = (struct tl_str){p, n};
		return 1;
	}
	return 0;
}

/* Attributes of an event NDJSON line: every member that is not a
 * canonical key, the --count-field member or the first key of a --map
 * path. */
struct attrs_of { struct build *b; const struct tl_common *c; };

int rd_json_mapped_key(const struct tl_common *c, struct tl_str key)
{
	for (int i = 0; i < c->nmap; i++) {
		const char *s = c->map_source[i], *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		char name[256];
		if (n < sizeof name && (memcpy(name, s, n), name[n] = '\0', tl_json_key_is(key, name)))
			return 1;
	}
	return 0;
}

static int member_attr(void *ctx, const struct tl_json_member *m)
{
	const struct attrs_of *of = ctx;
	struct build *b = of->b;
	for (int k = 0; k < NCANON; k++)
		if (tl_json_key_is(m->key, rd_canon_names[k]))
			return 0;
	if (of->c->count_field && tl_json_key_is(m->key, of->c->count_field))
		return 0;   /* the --count-field member is the row's, not the learner's */
	if (of->c->nmap && rd_json_mapped_key(of->c, m->key))
		return 0;   /* it holds a canonical field */
	char *name = tl_arena_alloc(&b->arena, m->key.n + 1);
	long n = tl_json_unescape(m->key, name);
	struct tl_str key = {name, n < 0 ? 0 : (size_t)n};
	rd_build_attr(b, key, m->value, 1);
	return 0;
}

void rd_json_attrs(struct build *b, struct tl_str raw, const struct tl_common *c)
{
	const char *why;
	struct attrs_of of = {b, c};
	tl_json_members(raw.p, raw.p + raw.n, member_attr, &of, &why);
}

struct member_of { const char *name; struct tl_str value; int found; };

static int find_member(void *ctx, const struct tl_json_member *m)
{
	struct member_of *f = ctx;
	if (!f->found && tl_json_key_is(m->key, f->name)) {
		f->value = m->value;
		f->found = 1;
	}
	return 0;
}

int rd_json_member(struct tl_str raw, const char *name, struct tl_str *value)
{
	const char *why;
	struct member_of f = {name, {"", 0}, 0};
	tl_json_members(raw.p, raw.p + raw.n, find_member, &f, &why);
	*value = f.value;
	return f.found;
}

static int has_member(void *ctx, const struct tl_json_member *m)
{
	int *found = ctx;
	if (tl_json_key_is(m->key, "events"))
		found[0] = 1;
	if (tl_json_key_is(m->key, "ts"))
		found[1] = 1;
	return 0;
}

int rd_json_is_doc(const char *p, size_t n, int need_events)
{
	int found[2] = {0, 0};
	const char *why;
	tl_json_members(p, p + n, has_member, found, &why);
	if (found[0] && found[1])   /* an event line with an events key */
		return -1;
	return found[0] || (!found[1] && !need_events);
}

/* ---- learner documents ----------------------------------------------- */

/* doc_attr: a member of a document becomes an attribute (its value stays
 * in the line buffer); learner_id and as_of are also read. NULL or a
 * message. */
static const char *doc_attr(const struct tl_reader *r, struct build *b, struct tl_str key, struct tl_str value,
			    char *msg, size_t cap)
{
	char *name = (char *)key.p;
	long n = (long)key.n;
	if (memchr(key.p, '\\', key.n)) {
		name = tl_arena_alloc(&b->arena, key.n + 1);
		n = tl_json_unescape(key, name);
	}
	rd_build_attr_ref(b, (struct tl_str){name, n < 0 ? 0 : (size_t)n}, value, 1);
	const struct tl_attr *a = &b->l.attrs[b->l.nattrs - 1];
	if (str_eq(a->name, "learner_id")) {
		char *buf = tl_arena_alloc(&b->arena, value.n + 1);
		long k = tl_attr_text(a, buf, value.n + 1);
		if (k <= 0 || value.p[0] == '{' || value.p[0] == '[' || value.p[0] == 't' || value.p[0] == 'f')
			return "missing learner_id";
		b->l.id = (struct tl_str){buf, (size_t)k};
	} else if (r->opt->as_of_field && str_eq(a->name, r->opt->as_of_field)) {
		const char *why = rd_as_of_value(r, value, 1, &b->l.as_of, msg, cap);
		if (why)
			return why;
		b->l.has_as_of = 1;
	} else if (str_eq(a->name, "as_of") && !str_eq(value, "null") && !r->opt->as_of_field) {
		char buf[64];
		long k = tl_attr_text(a, buf, sizeof buf);
		if (k < 0 || tl_time_parse(buf, (size_t)k, &b->l.as_of) < 0)
			return "bad as_of";
		b->l.has_as_of = 1;
	}
	return NULL;
}

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
	in->res = 0;
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

/* doc_events: read the events array at p into b, in one pass. Returns its
 * end, or NULL with *why (msg holds the text). */
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
			e = rd_check_event(r, &in, action, inner, sizeof inner);
		} else {
			e = rd_json_event(r, (struct tl_str){it.p, (size_t)(end - it.p)}, &in, NULL, inner,
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

/* doc_duplicate: a message naming a member of the document b given
 * twice, or NULL. */
static const char *doc_duplicate(struct tl_reader *r, const struct build *b, char *msg, size_t cap)
{
	struct keys ks;   /* not zeroed: small[] is written before it is read */
	ks.k = ks.small, ks.n = 0, ks.cap = 16;
	for (size_t i = 0; i < b->l.nattrs; i++)
		keys_add(&ks, &r->jarena, b->l.attrs[i].name, 0);   /* decoded already */
	return duplicate_key(&ks, -1, msg, cap);
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
		if ((why = doc_attr(r, b, key, (struct tl_str){v, (size_t)(q - v)}, msg, cap)))
			return why;
		it.p = q;
	}
	if (rc < 0)
		return it.why;
	if (tl_json_skip_ws(it.p, end) != end)
		return "bad JSON: text after the object";
	if ((why = doc_duplicate(r, b, msg, cap)))
		return why;
	if (!b->l.id.n)
		return "missing learner_id";
	if (r->opt->as_of_field && !b->l.has_as_of) {
		snprintf(msg, cap, "no '%s' member (--as-of-field)", r->opt->as_of_field);
		return msg;
	}
	if (need && !has_events)
		return "no events array (this tool needs events)";
	return NULL;
}

/* rd_doc_record: the next document. 1, 0 at end of file, -1 skipped. */
int rd_doc_record(struct tl_reader *r)
{
	struct tl_str line;
	char msg[300];
	tl_arena_reset(&r->jarena);
	if (!rd_ndjson_line(r, &line))
		return 0;
	struct build *b = &r->b[r->cur];
	rd_build_start(b, (struct tl_str){"", 0}, r->src.name, r->rec_line, TL_SHAPE_DOC);
	if (r->opt->shard.n && rd_shard_doc(r, line))
		return 2;   /* another shard's: not checked further */
	const char *why = rd_check_utf8(line, msg, sizeof msg);
	if (!why)
		why = doc_members(r, b, line, msg, sizeof msg);
	if (why) {
		char shown[80];
		if (strncmp(why, "bad JSON", 8) == 0 || strcmp(why, "not a JSON object") == 0)
			rd_bad(r, line.p, line.n, "%s: '%s'", why, rd_show(line, shown));
		else
			rd_bad(r, line.p, line.n, "%s", why);
		return -1;
	}
	b->l.raw = line;
	rd_build_finish(b, (r->flags & TL_READ_EVENTS) != 0);
	r->counts.records_read += b->l.has_events ? b->l.nev : 1;
	return 1;
}
