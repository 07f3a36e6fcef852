/* reader_csv.c - the record reader's CSV: records through csvrow.c (a
 * quoted field may span lines), the header and --map, event and learner
 * rows, and fast_rows, the loop over plain event rows of one learner. */
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "util/err.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

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

/* rd_csv_record: the next CSV record's fields. Returns 1, 0 at end of file,
 * or -1 for a bad record that was skipped. *raw spans its text. */
int rd_csv_record(struct tl_reader *r, struct tl_str *raw)
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
			rd_bad(r, r->raw, r->rawlen, "bad CSV: %s", tl_csv_error(r->csv));
			return -1;
		}
		if (!multi) {
			if (blank(p, n))
				continue;
			r->rec_line = r->src.lineno;
			rd_cut_stream(r, p, n);
			if (rd_skip_line(r, p, n))   /* --shard: another shard's learner, counted */
				continue;
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
					rd_bad(r, raw->p, raw->n, "field %zu%s%s%s is longer than --max-field (%zu bytes)", i + 1,
					    i < r->ncols ? " (" : "", i < r->ncols ? r->colnames[i].p : "", i < r->ncols ? ")" : "",
					    r->opt->max_field);
					return -1;
				}
			rd_bad(r, raw->p, raw->n, "bad CSV: %s: '%s'", tl_csv_error(r->csv), rd_show(*raw, shown));
			return -1;
		}
		if (tl_csv_nfields(r->csv) != r->ncols) {
			rd_bad(r, raw->p, raw->n, "expected %zu fields, found %zu", r->ncols, tl_csv_nfields(r->csv));
			return -1;
		}
		char msg[80];
		if (rd_check_utf8(*raw, msg, sizeof msg)) {
			rd_bad(r, raw->p, raw->n, "%s", msg);
			return -1;
		}
		return 1;
	}
}

struct tl_csv *rd_csv_new(const struct tl_common *c)
{
	struct tl_csv *csv = tl_csv_new(c->max_field);
	if (c->delim != ',' || c->tsv)
		tl_csv_set_delim(csv, c->delim, c->tsv);
	return csv;
}

static int by_name(const void *a, const void *b)
{
	const struct tl_str *x = *(const struct tl_str *const *)a, *y = *(const struct tl_str *const *)b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* no_duplicates: a header naming a column twice is bad input: every later
 * reader would pick one of the two (sorted, so a wide header costs
 * n log n). */
static void no_duplicates(struct tl_reader *r, const struct tl_str *f, size_t n)
{
	const struct tl_str **sorted = tl_xmalloc((n ? n : 1) * sizeof *sorted);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &f[i];
	qsort(sorted, n, sizeof *sorted, by_name);
	const struct tl_str *dup = NULL;
	for (size_t i = 1; i < n && !dup; i++)
		if (by_name(&sorted[i - 1], &sorted[i]) == 0)
			dup = sorted[i];
	free(sorted);   /* before tl_die: no leak report on the error path */
	if (dup)
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "duplicate column '%.*s'",
			  (int)(dup->n > 60 ? 60 : dup->n), dup->p);
}

/* separator_hint: why a header has no learner_id column, when it looks
 * separated by another character than the one read (a message's tail). */
static const char *separator_hint(const struct tl_reader *r, const struct tl_str *f, size_t n)
{
	char d = r->opt->delim;
	if (n == 1 && d != '\t' && memchr(f[0].p, '\t', f[0].n))
		return d == ',' ? ": the header has tabs, not commas: try --tsv" : ": the header has tabs: try --tsv";
	if (n == 1 && d != ';' && memchr(f[0].p, ';', f[0].n))
		return d == ',' ? ": the header has semicolons, not commas: try -d ';'" : ": the header has semicolons: try -d ';'";
	if (n == 1 && d != ',' && memchr(f[0].p, ',', f[0].n))
		return r->opt->tsv ? ": the header has commas, not tabs: drop --tsv" : ": the header has commas: drop -d";
	return "";
}

void rd_read_header(struct tl_reader *r, const struct tl_str *f, size_t n)
{
	no_duplicates(r, f, n);
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
		/* --map is one simultaneous renaming: each canonical name takes its
		 * own source column, never another mapping's result (no chains) */
		const char *want = rd_canon_names[k];
		for (int m = 0; m < r->opt->nmap; m++)
			if (strcmp(r->opt->map_canon[m], rd_canon_names[k]) == 0) {
				want = r->opt->map_source[m];
				break;
			}
		r->col[k] = -1;
		for (size_t i = 0; i < n && r->col[k] < 0; i++)   /* names are unique: no_duplicates */
			if (str_eq(r->colnames[i], want))
				r->col[k] = (int)i;
		if (k == COL_ID && r->col[k] < 0)
			tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "no '%s' column in the header%s", want,
				  separator_hint(r, f, n));
	}
	r->col_count = r->col_as_of = -1;
	for (size_t i = 0; i < n; i++) {
		if (r->opt->count_field && str_eq(r->colnames[i], r->opt->count_field))
			r->col_count = (int)i;
		if (r->opt->as_of_field && str_eq(r->colnames[i], r->opt->as_of_field))
			r->col_as_of = (int)i;
	}
	if (r->opt->as_of_field && r->col_as_of < 0)
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "no '%s' column in the header (--as-of-field)",
			  r->opt->as_of_field);
	if (r->opt->count_field && r->col_count < 0 && r->col[COL_TS] >= 0)   /* event rows */
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line, "no '%s' column in the header (--count-field)",
			  r->opt->count_field);
	rd_reserved_columns(r);
	rd_varied_header(r);
}

/* rd_csv_event: a CSV event record's fields; NULL or a message. */
const char *rd_csv_event(struct tl_reader *r, const struct tl_str *f, struct event_in *in, char *msg, size_t cap)
{
	static const struct tl_str empty = {"", 0};
	in->ts_text = f[r->col[COL_TS]];
	in->dom = r->col[COL_DOMAIN] >= 0 ? f[r->col[COL_DOMAIN]] : empty;
	in->cap = r->col[COL_CAP] >= 0 ? f[r->col[COL_CAP]] : empty;
	in->ts_json = 0;
	in->count = 1;
	if (r->col_count >= 0 && rd_parse_count(r, in, f[r->col_count], 0, msg, cap))
		return msg;
	return rd_check_event(r, in, r->col[COL_ACTION] >= 0 ? f[r->col[COL_ACTION]] : empty, msg, cap);
}

void rd_csv_attrs(struct tl_reader *r, struct build *b, const struct tl_str *f)
{
	for (size_t i = 0; i < r->ncols; i++) {
		int canon = r->col_count == (int)i;
		for (int k = 0; k < NCANON; k++)
			canon |= r->col[k] == (int)i;
		if (!canon)
			rd_build_attr(b, r->colnames[i], f[i], 0);
	}
}

/* rd_row_record: the next learner row (CSV without ts). */
int rd_row_record(struct tl_reader *r)
{
	struct tl_str raw;
	int rc = rd_csv_record(r, &raw);
	if (rc <= 0)
		return rc;
	const struct tl_str *f = tl_csv_fields(r->csv);
	if (!f[r->col[COL_ID]].n) {
		rd_bad(r, raw.p, raw.n, "missing learner_id");
		return -1;
	}
	if (r->opt->shard.n && rd_shard_other(r, f[r->col[COL_ID]])) {
		rd_skip_learner(r, 1);
		return 2;
	}
	struct build *b = &r->b[r->cur];
	rd_build_start(b, f[r->col[COL_ID]], r->src.name, r->rec_line, TL_SHAPE_ROW_CSV);
	for (size_t i = 0; i < r->ncols; i++) {
		if ((int)i == r->col[COL_ID])
			continue;
		rd_build_attr_ref(b, r->colnames[i], f[i], 0);   /* fields live until the next read */
		if ((int)i == r->col_as_of) {
			char msg[160];
			if (rd_as_of_value(r, f[i], 0, &b->l.as_of, msg, sizeof msg)) {
				rd_bad(r, raw.p, raw.n, "%s", msg);
				return -1;
			}
			b->l.has_as_of = 1;
		} else if (str_eq(r->colnames[i], "as_of") && f[i].n && r->col_as_of < 0) {
			if (tl_time_parse(f[i].p, f[i].n, &b->l.as_of) < 0) {
				rd_bad(r, raw.p, raw.n, "bad as_of");
				return -1;
			}
			b->l.has_as_of = 1;
		}
	}
	rd_build_finish(b, 0);
	r->counts.records_read++;
	return 1;
}

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

/* rd_fast_rows: append the plain event CSV rows that follow in the buffer and
 * continue the current learner, without the general record path: no quote,
 * no CR, the header's field count, no field over --max-field, a valid ts
 * and action, the same learner_id, room under --max-events. The first row
 * that is anything else is left unread for the general path, which reads,
 * checks and reports it exactly as before (§5). */
void rd_fast_rows(struct tl_reader *r)
{
	struct tl_source *s = &r->src;
	struct build *b = &r->b[r->cur];
	int keep = r->flags & TL_READ_TS_TEXT, domains = r->flags & TL_READ_DOMAINS;
	size_t ncols = r->ncols;
	uint32_t commas[FAST_MAX_COLS];
	if (ncols > FAST_MAX_COLS || r->col[COL_TS] < 0 || !tl_csv_plain_ok(r->csv) || r->col_count >= 0)
		return;   /* (counted rows take the general path) */
	while (b->l.nev < r->opt->max_events) {
		const char *line = s->buf + s->beg;
		long len = tl_csv_scan_line(r->csv, line, s->end - s->beg, ncols, commas);
		if (len <= 0 || (size_t)len > r->opt->max_field)   /* no field can be longer */
			return;
		size_t n = (size_t)len;
		if (tl_utf8_check(line, n) != n)   /* the general path reports it */
			return;
		struct tl_str id = plain_field(line, n, commas, ncols, r->col[COL_ID]);
		if (id.n != b->l.id.n || !same_id(id.p, b->l.id.p, id.n))
			return;
		struct event_in in;
		in.ts_text = plain_field(line, n, commas, ncols, r->col[COL_TS]);
		in.dom = plain_field(line, n, commas, ncols, r->col[COL_DOMAIN]);
		in.cap = plain_field(line, n, commas, ncols, r->col[COL_CAP]);
		in.ts_json = 0;
		in.count = 1;
		in.res = 0;
		in.action = parse_action(plain_field(line, n, commas, ncols, r->col[COL_ACTION]));
		char msg[160];
		if (in.ts_text.n == 0 || in.action < 0 || rd_parse_ts(r, &in, msg, sizeof msg))
			return;
		build_event(b, &in, keep, domains);
		if (r->varied && r->varied->open)
			rd_varied_plain(r, &b->l, line, n, commas);
		r->counts.records_read++;
		s->beg += n + 1;
		s->lineno++;
	}
}

/* rd_fast_skip: the event CSV rows that follow in the buffer and continue
 * the learner being skipped (--shard), counted, as rd_csv_record would
 * (rd_skip_line): a line is found and its learner_id compared, nothing
 * else. A line that is not such a row, or not whole in the buffer, or
 * that starts with '#' (a failed upstream tool's "#tl-abort", which
 * rd_csv_record reports), is left for the general path. */
void rd_fast_skip(struct tl_reader *r)
{
	struct tl_source *s = &r->src;
	while (r->skip.on && r->col_count < 0 && s->beg < s->end) {
		const char *line = s->buf + s->beg, *nl = memchr(line, '\n', s->end - s->beg);
		if (!nl || *line == '#')
			return;
		size_t n = (size_t)(nl - line);
		if (!rd_skip_line(r, line, n))
			return;
		s->beg += n + 1;
		s->lineno++;
	}
}
