/* reader_shard.c - --shard I/N (tl(7) SHARDS): the reader keeps the
 * learners of one shard, by util/shard.h's hash of the learner_id, and
 * skips the others at their first row: their rows are read only as far as
 * their learner_id (and --count-field's count, which says how many records
 * a row is), never built or computed, and counted as skipped so that the
 * run still accounts for every record of its input (tl(7) RECONCILIATION).
 * The CSV rows that follow a skipped row are passed over by rd_fast_skip
 * (reader_csv.c) without being split. */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "util/err.h"
#include "util/shard.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

static int same(struct tl_str a, const char *p, size_t n)
{
	return a.n == n && memcmp(a.p, p, n) == 0;
}

int rd_shard_other(struct tl_reader *r, struct tl_str id)
{
	const struct skip *s = &r->skip;
	if (s->on && same(id, s->id, s->n))
		return 1;
	if (r->pending && same(id, r->b[r->cur].l.id.p, r->b[r->cur].l.id.n))
		return 0;   /* the learner being built: in the shard */
	if (id.n > r->opt->max_field)
		return 0;   /* bad input, which the record's own path reports */
	return !tl_shard_keeps(&r->opt->shard, id.p, id.n);
}

/* skip_count: rec->ev.count from the --count-field value text (json: a
 * JSON value): the row's records; a value that is not a count is one, as
 * the shard that holds the learner rejects the row (one record). */
static void skip_count(struct tl_reader *r, struct record *rec, struct tl_str text, int json)
{
	char msg[160];
	rec->ev.count = 1;
	if (rd_parse_count(r, &rec->ev, text, json, msg, sizeof msg))
		rec->ev.count = 1;
}

int rd_shard_csv(struct tl_reader *r, struct record *rec)
{
	if (!rd_shard_other(r, rec->id))
		return 0;
	rec->ev.count = 1;
	if (r->col_count >= 0)
		skip_count(r, rec, rec->fields[r->col_count], 0);
	return 1;
}

int rd_json_id_text(struct tl_reader *r, struct tl_str v, struct tl_str *id)
{
	if (v.n && (v.p[0] == '-' || (unsigned)(v.p[0] - '0') <= 9))
		*id = v;   /* a number: its text is the id */
	else if (!v.p || rd_json_string(v, &r->jarena, id) < 0)
		return 0;
	return id->n > 0;
}

int rd_json_id(struct tl_reader *r, struct tl_str raw, int whole, struct tl_str *id, struct tl_str *count)
{
	const char *end = raw.p + raw.n, *cname = count ? r->opt->count_field : NULL;
	struct tl_json_iter it;
	struct tl_str key, v = {NULL, 0}, none;
	int rc = 1;
	count = count ? count : &none;
	*count = (struct tl_str){NULL, 0};
	if (tl_json_iter_begin(&it, raw.p, end, '{') < 0)
		return 0;
	while ((whole || !v.p || (cname && !count->p)) && (rc = tl_json_iter_member(&it, &key)) > 0) {
		const char *q = tl_json_skip_value(it.p, end, 64);
		if (!q)
			return 0;
		if (!v.p && tl_json_key_is(key, "learner_id"))
			v = (struct tl_str){it.p, (size_t)(q - it.p)};
		else if (cname && !count->p && tl_json_key_is(key, cname))
			*count = (struct tl_str){it.p, (size_t)(q - it.p)};
		it.p = q;
	}
	if (whole && (rc != 0 || tl_json_skip_ws(it.p, end) != end))
		return 0;
	return rd_json_id_text(r, v, id);
}

int rd_shard_json(struct tl_reader *r, struct record *rec)
{
	struct tl_str id, count;
	if (!rd_json_id(r, rec->raw, 0, &id, &count) || !rd_shard_other(r, id))
		return 0;
	rec->id = id;
	rec->ev.count = 1;
	if (count.p)
		skip_count(r, rec, count, 1);
	return 1;
}

int rd_skip_line(struct tl_reader *r, const char *p, size_t n)
{
	struct tl_str id;
	if (!r->skip.on || r->col_count >= 0 || n > r->opt->max_field || !rd_line_id(r, p, n, &id) ||
	    !same(id, r->skip.id, r->skip.n))
		return 0;
	rd_skip_row(r, 1);
	return 1;
}

int rd_skipping(const struct tl_reader *r, struct tl_str id)
{
	return r->skip.on && same(id, r->skip.id, r->skip.n);
}

/* skip_set: the rows of learner id are skipped from here. */
static void skip_set(struct skip *s, struct tl_str id)
{
	if (id.n + 1 > s->cap) {
		s->cap = 2 * (id.n + 1);
		s->id = tl_xrealloc(s->id, s->cap);
	}
	memcpy(s->id, id.p, id.n);
	s->n = id.n;
	s->on = 1;
}

void rd_skip_start(struct tl_reader *r, struct tl_str id)
{
	skip_set(&r->skip, id);
	rd_skip_sorted(r);
}

void rd_skip_row(struct tl_reader *r, uint64_t n)
{
	r->counts.records_read += n;
	r->counts.records_skipped += n;
	r->counts.rows_skipped++;
}

/* string_end: the closing quote of the JSON string that opens at p (a
 * quote not escaped: after an even run of backslashes), or NULL. */
static const char *string_end(const char *p, const char *end)
{
	for (const char *q = p + 1;; q++) {
		if (!(q = memchr(q, '"', (size_t)(end - q))))
			return NULL;
		const char *b = q;
		while (b > p + 1 && b[-1] == '\\')
			b--;
		if (((q - b) & 1) == 0)
			return q;
	}
}

/* array_items: the items of the JSON array at p counted by its structure
 * alone (strings, nesting and commas), not checked: the records of a
 * skipped document are its events, but reading them is what skipping
 * saves. The array's end, or NULL when it does not end in the line. */
static const char *array_items(const char *p, const char *end, uint64_t *n)
{
	uint64_t commas = 0;
	int depth = 0, any = 0;
	p = tl_json_skip_ws(p, end);
	if (p >= end || *p != '[')
		return NULL;
	for (; p < end; p++) {
		switch (*p) {
		case '"':
			if (!(p = string_end(p, end)))
				return NULL;
			any |= depth == 1;
			break;
		case '[': case '{':
			any |= depth == 1;
			depth++;
			break;
		case ']': case '}':
			if (--depth == 0) {
				*n = commas + (uint64_t)any;
				return p + 1;
			}
			break;
		case ',': commas += depth == 1; break;
		case ' ': case '\t': case '\r': case '\n': break;
		default:
			if (depth == 0)
				return NULL;   /* not an array */
			any |= depth == 1;
		}
	}
	return NULL;
}

/* doc_skip: the learner_id of the document line, and its events (the
 * items of its events array) when the tool reads events, by one pass over
 * its members up to what is needed; 0 when they do not read. */
static int doc_skip(struct tl_reader *r, struct tl_str line, struct tl_str *id, uint64_t *nev)
{
	const char *end = line.p + line.n;
	int need = (r->flags & TL_READ_EVENTS) != 0, events = 0;
	struct tl_json_iter it;
	struct tl_str key, v = {NULL, 0};
	*nev = 0;
	if (tl_json_iter_begin(&it, line.p, end, '{') < 0)
		return 0;
	while ((!v.p || (need && !events)) && tl_json_iter_member(&it, &key) > 0) {
		const char *q;
		if (need && !events && TL_JSON_KEY_IS(key, "events")) {
			q = array_items(it.p, end, nev);
			events = 1;
		} else if ((q = tl_json_skip_value(it.p, end, 64)) && !v.p && tl_json_key_is(key, "learner_id")) {
			v = (struct tl_str){it.p, (size_t)(q - it.p)};
		}
		if (!q)
			return 0;
		it.p = q;
	}
	return (!need || events) && rd_json_id_text(r, v, id);
}

int rd_shard_doc(struct tl_reader *r, struct tl_str line)
{
	struct tl_str id;
	uint64_t nev;
	if (!doc_skip(r, line, &id, &nev) || !rd_shard_other(r, id))
		return 0;
	rd_skip_learner(r, (r->flags & TL_READ_EVENTS) ? nev : 1);
	return 1;
}

void rd_skip_learner(struct tl_reader *r, uint64_t records)
{
	rd_skip_sorted(r);
	rd_skip_row(r, records);
}

/* ---- --ungrouped: the skipped learners, counted once each ------------ */

int rd_skip_unsorted(struct tl_reader *r, const struct record *rec)
{
	int new_run = !rd_skipping(r, rec->id);
	if (new_run)
		skip_set(&r->skip, rec->id);   /* its next rows, when they follow, are cheaper */
	rd_skip_row(r, rec->ev.count);
	return new_run;
}

void rd_skip_sorted(struct tl_reader *r)
{
	r->counts.learners_skipped++;
	r->counts.learners_read++;
}

void rd_skip_free(struct skip *s)
{
	free(s->id);
}
