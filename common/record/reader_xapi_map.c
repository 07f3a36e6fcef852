/* reader_xapi_map.c - an xAPI statement as an event (tl(7) "xAPI
 * statements"): the paths read from it in one validating pass
 * (io/jsonpath.h), --map over them, the verb table that makes a verb a use
 * or an interaction (config/xapi-verbs.json), and the learner's result
 * fields. */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/jsonpath.h"
#include "util/datadir.h"
#include "util/err.h"
#include "util/file.h"
#include "util/num.h"
#include "record/reader_impl.h"

/* The value slots of a statement. */
enum {
	X_NAME, X_HOME, X_MBOX, X_SHA1, X_OPENID, X_TS, X_STORED, X_DOM, X_CAP, X_VERB,
	X_COMPLETION, X_SUCCESS, X_SCALED, X_NSLOTS
};

struct verb {
	struct tl_str iri;   /* NULL p: an empty slot */
	int action;
};

struct xmap {
	struct tl_jpaths paths;
	const char *mapped[NCANON];   /* --map's path of each canonical name, or NULL */
	struct verb *verbs;
	size_t vmask;
	char *verbs_text;             /* the table's file: the IRIs point into it */
	struct tl_arena arena;        /* IRIs with escapes, decoded */
};

/* ---- the verb table -------------------------------------------------- */

/* verbs_path: the table to read (tl(7) "xAPI statements"): --xapi-verbs,
 * TL_XAPI_VERBS, else the shipped one, each a path or a shipped name. */
static const char *verbs_path(const struct tl_common *c, char *buf, size_t cap)
{
	const char *env = getenv("TL_XAPI_VERBS");
	const char *name = c->xapi_verbs ? c->xapi_verbs : env && *env ? env : "xapi-verbs";
	return tl_data_path(name, ".json", buf, cap);
}

static long line_of(const char *text, const char *p)
{
	long line = 1;
	for (const char *q = text; (q = memchr(q, '\n', (size_t)(p - q))); q++)
		line++;
	return line;
}

static struct verb *verb_slot(struct xmap *m, struct tl_str iri)
{
	size_t j = tl_hash64(iri.p, iri.n, 0x78) & m->vmask;
	while (m->verbs[j].iri.p && !(m->verbs[j].iri.n == iri.n && memcmp(m->verbs[j].iri.p, iri.p, iri.n) == 0))
		j = (j + 1) & m->vmask;
	return &m->verbs[j];
}

/* verbs_list: the array at p of the table's member "use" or "interact". */
static const char *verbs_list(struct xmap *m, const char *path, const char *p, const char *end, int action)
{
	struct tl_json_iter it;
	int rc;
	if (tl_json_iter_begin(&it, p, end, '[') < 0)
		tl_die_at(TL_EX_DATAERR, path, line_of(m->verbs_text, p), "a verb list is not an array");
	while ((rc = tl_json_iter_item(&it)) > 0) {
		const char *q = tl_json_skip_value(it.p, end, 2);
		struct tl_str iri;
		if (!q || rd_json_string((struct tl_str){it.p, (size_t)(q - it.p)}, &m->arena, &iri) < 0 || !iri.n)
			tl_die_at(TL_EX_DATAERR, path, line_of(m->verbs_text, it.p), "a verb is not a non-empty string");
		struct verb *v = verb_slot(m, iri);
		if (v->iri.p)
			tl_die_at(TL_EX_DATAERR, path, line_of(m->verbs_text, it.p), "verb '%.*s' is listed twice",
				  (int)iri.n, iri.p);
		*v = (struct verb){iri, action};
		it.p = q;
	}
	return it.p;
}

/* verbs_load: read the table: {"format":"tl-xapi-verbs 1","use":[IRI...],
 * "interact":[IRI...]}, strict JSON. */
static void verbs_load(struct xmap *m, const struct tl_common *c)
{
	char buf[TL_DATA_PATH_MAX];
	const char *path = verbs_path(c, buf, sizeof buf);
	size_t n;
	int rc = tl_read_file(path, &m->verbs_text, &n);
	if (rc)
		tl_die(rc, "cannot read the xAPI verb table %s (give --xapi-verbs FILE or TL_XAPI_VERBS):", path);
	if (!tl_json_strict(m->verbs_text, n))
		tl_die_at(TL_EX_DATAERR, path, 1, "%s", tl_json_strict_why);
	size_t size = 1024;   /* at least twice the IRIs: each takes over 16 bytes */
	while (size < n / 8)
		size *= 2;
	m->vmask = size - 1;
	m->verbs = tl_xcalloc(m->vmask + 1, sizeof *m->verbs);
	const char *end = m->verbs_text + n;
	struct tl_json_iter it;
	struct tl_str key;
	int format = 0;
	if (tl_json_iter_begin(&it, m->verbs_text, end, '{') < 0)
		tl_die_at(TL_EX_DATAERR, path, 1, "the verb table is not a JSON object");
	while (tl_json_iter_member(&it, &key) > 0) {
		if (TL_JSON_KEY_IS(key, "use") || TL_JSON_KEY_IS(key, "interact")) {
			it.p = verbs_list(m, path, it.p, end, key.p[0] == 'u' ? TL_ACTION_USE : TL_ACTION_INTERACT);
		} else if (TL_JSON_KEY_IS(key, "format")) {
			const char *q = tl_json_skip_value(it.p, end, 1);
			format = q - it.p == 17 && memcmp(it.p, "\"tl-xapi-verbs 1\"", 17) == 0;
			it.p = q;
		} else {
			tl_die_at(TL_EX_DATAERR, path, line_of(m->verbs_text, key.p), "unknown key '%.*s' (valid: format, use, interact)",
				  (int)key.n, key.p);
		}
	}
	if (!format)
		tl_die_at(TL_EX_DATAERR, path, 1, "the verb table's format is not \"tl-xapi-verbs 1\"");
}

/* ---- the paths --------------------------------------------------------- */

static void paths_open(struct xmap *m, const struct tl_common *c)
{
	/* the trie keeps pointers into these texts: literals, never a buffer */
	static const char *const dom[] = {"context.contextActivities.parent", "context.contextActivities.grouping",
					  "context.contextActivities.category"};
	static const int slot_of[NCANON] = {X_NAME, X_TS, X_DOM, X_CAP, X_VERB};
	tl_jpaths_init(&m->paths);
	for (int k = 0; k < NCANON; k++)
		if ((m->mapped[k] = rd_map_source(c, k)))
			rd_map_path(&m->paths, m->mapped[k], slot_of[k]);
	if (!m->mapped[COL_ID]) {
		rd_map_path(&m->paths, "actor.account.name", X_NAME);
		rd_map_path(&m->paths, "actor.account.homePage", X_HOME);
		rd_map_path(&m->paths, "actor.mbox", X_MBOX);
		rd_map_path(&m->paths, "actor.mbox_sha1sum", X_SHA1);
		rd_map_path(&m->paths, "actor.openid", X_OPENID);
	}
	if (!m->mapped[COL_TS]) {
		rd_map_path(&m->paths, "timestamp", X_TS);
		rd_map_path(&m->paths, "stored", X_STORED);
	}
	if (!m->mapped[COL_DOMAIN])
		rd_map_path(&m->paths, dom[c->xapi_domain], X_DOM);
	if (!m->mapped[COL_CAP])
		rd_map_path(&m->paths, "object.id", X_CAP);
	if (!m->mapped[COL_ACTION])
		rd_map_path(&m->paths, "verb.id", X_VERB);
	rd_map_path(&m->paths, "result.completion", X_COMPLETION);
	rd_map_path(&m->paths, "result.success", X_SUCCESS);
	rd_map_path(&m->paths, "result.score.scaled", X_SCALED);
}

void rd_xapi_open(struct tl_reader *r)
{
	if (r->xmap)
		return;
	struct xmap *m = r->xmap = tl_xcalloc(1, sizeof *m);
	paths_open(m, r->opt);
	verbs_load(m, r->opt);
}

void rd_xapi_map_free(struct tl_reader *r)
{
	struct xmap *m = r->xmap;
	if (!m)
		return;
	free(m->verbs);
	free(m->verbs_text);
	tl_arena_free(&m->arena);
	free(m);
}

/* ---- one statement ----------------------------------------------------- */

static int has_actor_verb(void *ctx, const struct tl_json_member *mb)
{
	int *found = ctx;
	found[0] |= tl_json_key_is(mb->key, "actor");
	found[1] |= tl_json_key_is(mb->key, "verb");
	return found[0] && found[1];
}

int rd_xapi_is_statement(struct tl_str raw)
{
	int found[2] = {0, 0};
	const char *why;
	tl_json_members(raw.p, raw.p + raw.n, has_actor_verb, found, &why);
	return found[0] && found[1];
}

/* text: the slot's value as a string (a number too when number_ok). */
static __attribute__((noinline)) const char *text(struct tl_reader *r, struct tl_str v, const char *what, int number_ok, struct tl_str *out,
			char *msg, size_t cap)
{
	if (number_ok && v.p && (v.p[0] == '-' || (unsigned)(v.p[0] - '0') <= 9)) {
		*out = v;
		return NULL;
	}
	if (rd_json_string(v, &r->jarena, out) == 0)
		return NULL;
	snprintf(msg, cap, "%s is not a string", what);
	return msg;
}

/* actor: the learner id (tl(7): account name, or homePage|name; else
 * mbox, mbox_sha1sum, openid), or what --map names. */
static const char *actor(struct tl_reader *r, const struct tl_str *v, struct tl_str *id, char *msg, size_t cap)
{
	static const char *const what[] = {"actor.account.name", "actor.account.homePage", "actor.mbox",
					   "actor.mbox_sha1sum", "actor.openid"};
	const char *m = r->xmap->mapped[COL_ID], *why;
	if (m) {
		if ((why = text(r, v[X_NAME], "learner_id", 1, id, msg, cap)))
			return why;
		if (!id->n)
			snprintf(msg, cap, "missing learner_id: no key '%s' (--map learner_id=%s)", m, m);
		return id->n ? NULL : msg;
	}
	for (int s = X_NAME; s <= X_OPENID; s++) {
		if (s == X_HOME || !v[s].p)
			continue;
		if ((why = text(r, v[s], what[s], 0, id, msg, cap)))
			return why;
		if (id->n)
			break;
	}
	if (!id->n)
		return "missing actor: no actor.account.name, actor.mbox, actor.mbox_sha1sum or actor.openid";
	struct tl_str home;
	if (r->opt->xapi_homepage && v[X_NAME].p && v[X_HOME].p) {
		if ((why = text(r, v[X_HOME], what[X_HOME], 0, &home, msg, cap)))
			return why;
		char *buf = tl_arena_alloc(&r->jarena, home.n + 1 + id->n);
		memcpy(buf, home.p, home.n);
		buf[home.n] = '|';
		memcpy(buf + home.n + 1, id->p, id->n);
		*id = (struct tl_str){buf, home.n + 1 + id->n};
	}
	return NULL;
}

/* when: the statement's time: timestamp, else stored (or --map's ts). */
static const char *when(struct tl_reader *r, const struct tl_str *v, struct event_in *in, char *msg, size_t cap)
{
	const char *m = r->xmap->mapped[COL_TS], *why;
	struct tl_str t = v[X_TS].p ? v[X_TS] : v[X_STORED];
	if ((why = text(r, t, m ? "ts" : v[X_TS].p ? "timestamp" : "stored", 0, &in->ts_text, msg, cap)))
		return why;
	if (!in->ts_text.n && m)
		snprintf(msg, cap, "missing ts: no key '%s' (--map ts=%s)", m, m);
	if (!in->ts_text.n)
		return m ? msg : "missing ts: no timestamp or stored";
	in->ts_json = 0;
	return rd_parse_ts(r, in, msg, cap);   /* the one reader of a ts */
}

/* activity_id: the id of an activity, or of the first of a list of them
 * (the value was validated by the statement's scan). */
static const char *activity_id(struct tl_reader *r, struct tl_str v, struct tl_str *out, char *msg, size_t cap)
{
	struct tl_json_iter it;
	struct tl_str key;
	*out = (struct tl_str){"", 0};
	if (!v.p || v.p[0] == '"' || v.p[0] == 'n')   /* (no context: v.p is NULL, and NULL + 0 is undefined) */
		return text(r, v, "domain", 0, out, msg, cap);
	const char *end = v.p + v.n;
	if (v.p[0] == '[' && (tl_json_iter_begin(&it, v.p, end, '[') < 0 || tl_json_iter_item(&it) <= 0))
		return NULL;   /* an empty list */
	const char *p = v.p[0] == '[' ? it.p : v.p;
	if (tl_json_iter_begin(&it, p, end, '{') < 0)
		return "domain: a context activity is not an object";
	while (tl_json_iter_member(&it, &key) > 0) {
		const char *q = tl_json_skip_value(it.p, end, 64);
		if (tl_json_key_is(key, "id"))
			return text(r, (struct tl_str){it.p, (size_t)(q - it.p)}, "domain: a context activity's id", 0, out,
				    msg, cap);
		it.p = q;
	}
	return NULL;
}

/* verb: the action of the verb IRI (an unknown one is interact, counted;
 * an error with --strict-verbs). */
static const char *verb(struct tl_reader *r, struct tl_str v, struct event_in *in, char *msg, size_t cap)
{
	struct tl_str iri;
	char shown[80];
	const char *why = text(r, v, "verb.id", 0, &iri, msg, cap);
	if (why)
		return why;
	if (!iri.n)
		return r->xmap->mapped[COL_ACTION] ? "missing action: no verb IRI at its --map path" : "missing verb.id";
	struct verb *e = verb_slot(r->xmap, iri);
	if (e->iri.p) {
		in->action = e->action;
		return NULL;
	}
	if (r->opt->strict_verbs) {
		snprintf(msg, cap, "unknown verb IRI '%s' (--strict-verbs)", rd_show(iri, shown));
		return msg;
	}
	r->counts.xapi_unknown_verbs++;
	in->action = TL_ACTION_INTERACT;
	return NULL;
}

static const char *result(const struct tl_str *v, struct event_in *in)
{
	in->res = 0;
	for (int s = X_COMPLETION; s <= X_SUCCESS; s++) {
		struct tl_str b = v[s];
		if (b.p && !(b.n == 4 && memcmp(b.p, "true", 4) == 0) && !(b.n == 5 && memcmp(b.p, "false", 5) == 0))
			return s == X_COMPLETION ? "result.completion is not a boolean" : "result.success is not a boolean";
		if (b.p && b.n == 4)
			in->res |= s == X_COMPLETION ? RES_COMPLETION : RES_SUCCESS;
	}
	if (v[X_SCALED].p) {
		if (tl_num_parse(v[X_SCALED].p, v[X_SCALED].n, &in->score) < 0)
			return "result.score.scaled is not a number";
		in->res |= RES_SCORE;
	}
	return NULL;
}

const char *rd_xapi_statement(struct tl_reader *r, struct tl_str raw, struct event_in *in, struct tl_str *id,
			      char *msg, size_t cap)
{
	struct tl_str v[X_NSLOTS] = {{0}};
	*id = in->dom = in->cap = (struct tl_str){"", 0};
	in->count = 1;   /* a statement is one event (--count-field is not read from it) */
	const char *why = rd_jpaths_line(&r->xmap->paths, raw, v, msg, cap);
	if (why)
		return why;
	if ((why = actor(r, v, id, msg, cap)) || (why = when(r, v, in, msg, cap)) ||
	    (why = activity_id(r, v[X_DOM], &in->dom, msg, cap)) ||
	    (why = text(r, v[X_CAP], "object.id", 0, &in->cap, msg, cap)) || (why = verb(r, v[X_VERB], in, msg, cap)))
		return why;
	return result(v, in);
}

/* ---- the learner's result fields --------------------------------------- */

void rd_xapi_note(struct build *b, const struct event_in *in)
{
	/* the learner's as-of when it is known while reading (--as-of-field,
	 * set before its first event; else --as-of or TL_AS_OF) */
	if (in->ts > (b->l.has_as_of ? b->l.as_of : b->xs_cutoff))
		return;
	b->xs.completions += (in->res & RES_COMPLETION) != 0;
	b->xs.successes += (in->res & RES_SUCCESS) != 0;
	if (in->res & RES_SCORE) {
		b->xs.scored++;
		b->xs.score_sum += in->score;
	}
}

static void int_attr(struct build *b, const char *name, long long v)
{
	char buf[24];
	size_t n = tl_format_int(v, buf);
	rd_build_attr(b, (struct tl_str){name, strlen(name)}, (struct tl_str){buf, n}, 1);
}

void rd_xapi_attrs(struct build *b)
{
	char buf[40];
	int_attr(b, "xapi_completions", b->xs.completions);
	int_attr(b, "xapi_successes", b->xs.successes);
	int_attr(b, "xapi_scored", b->xs.scored);
	size_t n = 4;
	memcpy(buf, "null", 4);
	if (b->xs.scored) {
		double mean = b->xs.score_sum / b->xs.scored;
		n = tl_format_g6(mean, buf);
		if (!n)
			n = (size_t)snprintf(buf, sizeof buf, "%.6g", mean);
	}
	rd_build_attr(b, (struct tl_str){"xapi_score_mean", 15}, (struct tl_str){buf, n}, 1);
	b->xs = (struct xapi_sums){0, 0, 0, 0};
}
