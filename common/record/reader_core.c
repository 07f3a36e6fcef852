/* reader_core.c - the record reader: opens the input files, detects each
 * one's shape (§2), reads event records of either shape (reader_csv.c,
 * reader_json.c), and groups events into learners with memory bounded by
 * the largest learner (§2, §5): the grouping check, bad records, and the
 * calls of record/reader.h but the learner's (learner.c). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/arena.h"
#include "io/csvrow.h"
#include "util/err.h"
#include "util/out.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"
#include "io/source.h"

const char *const rd_canon_names[NCANON] = {"learner_id", "ts", "domain", "capability", "action"};

/* ---- small helpers --------------------------------------------------- */

static void bad_at(struct tl_reader *r, const char *file, long line, const char *raw, size_t rawn, const char *fmt,
		   va_list ap)
{
	char msg[512];
	if (r->chunk) {
		r->failed = 1;
		return;
	}
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (!r->opt->skip_bad)
		tl_die_at(TL_EX_DATAERR, file, line, "%s", msg);
	r->counts.records_rejected++;
	r->counts.records_read++;
	if (r->rejects) {
		fwrite(raw, 1, rawn, r->rejects);
		putc('\n', r->rejects);
	}
}

void rd_bad(struct tl_reader *r, const char *raw, size_t rawn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_at(r, r->src.name, r->rec_line, raw, rawn, fmt, ap);
	va_end(ap);
}

void rd_bad_at(struct tl_reader *r, const char *file, long line, const char *raw, size_t rawn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_at(r, file, line, raw, rawn, fmt, ap);
	va_end(ap);
}

const char *rd_show(struct tl_str s, char *buf)
{
	size_t n = s.n > 60 ? 60 : s.n;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s.p[i] < 0x20 ? '?' : s.p[i];
	strcpy(buf + n, s.n > 60 ? "..." : "");
	return buf;
}

/* ---- grouping check -------------------------------------------------- */

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

long rd_seen_add(struct seen *s, uint64_t fp, long line, size_t *slot)
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

/* seen_check: the first line of id if it was seen before, else 0 (and
 * remember it, while there is room). */
static long seen_check(struct seen *s, struct tl_str id, long line)
{
	size_t slot;
	return rd_seen_add(s, seen_fp(id), line, &slot);
}

/* ---- input files ----------------------------------------------------- */

void rd_close_file(struct tl_reader *r)
{
	tl_source_close(&r->src);
}

static size_t sat_mul(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* The line limits (tl(7) "Line length"), from --max-field: a CSV header
 * (or the first line) is at most 64 times it (and at least 1 MiB), an
 * NDJSON line 4096 times it (and at least 64 MiB), and a CSV row of n columns
 * n * (2 * --max-field + 3) bytes, which no row of n fields within
 * --max-field can pass (a quoted field doubles its quotes). */
#define RD_HEADER_FIELDS 64
#define RD_JSON_FIELDS 4096

/* rd_line_limits: src's line limits: while detecting, those of a CSV
 * header (or a JSON first line); then those of the shape. */
static void rd_line_limits(struct tl_reader *r, int detecting)
{
	static const char json_why[] = " (an NDJSON line: 4096 x --max-field)";
	struct tl_source *s = &r->src;
	size_t f = r->opt->max_field, h = sat_mul(f, RD_HEADER_FIELDS), j = sat_mul(f, RD_JSON_FIELDS);
	h = h < (1u << 20) ? 1u << 20 : h;
	j = j < (64u << 20) ? 64u << 20 : j;
	s->max_json = 0;
	if (detecting) {
		s->max_line = h;
		s->max_line_why = " (a CSV header: 64 x --max-field; not CSV?)";
		s->max_json = j;
		s->max_json_why = json_why;
	} else if (!is_csv_shape(r->shape)) {
		s->max_line = j;
		s->max_line_why = json_why;
	} else {
		size_t n = r->ncols ? r->ncols : 1;
		s->max_line = sat_mul(n, sat_mul(f, 2) + 3);
		snprintf(r->line_why, sizeof r->line_why, " (%zu columns x (2 x --max-field + 3): no row fits)", n);
		s->max_line_why = r->line_why;
	}
}

static int open_next_file(struct tl_reader *r)
{
	rd_close_file(r);
	if (r->next_file >= r->nfiles)
		return 0;
	tl_source_open(&r->src, r->files[r->next_file++]);
	return 1;
}

/* ---- event records of either shape ----------------------------------- */

const char *rd_check_utf8(struct tl_str raw, char *msg, size_t cap)
{
	size_t at = tl_utf8_check(raw.p, raw.n);
	if (at == raw.n)
		return NULL;
	snprintf(msg, cap, "invalid UTF-8 at byte %zu (byte 0x%02X)", at + 1, (unsigned char)raw.p[at]);
	return msg;
}

int rd_event_record(struct tl_reader *r, struct record *rec)
{
	char msg[256];
	const char *why;
	tl_arena_reset(&r->jarena);
	rec->ev.res = 0;
	if (r->shape == TL_SHAPE_EVENT_CSV) {
		int rc = rd_csv_record(r, &rec->raw);
		if (rc <= 0)
			return rc;
		rec->fields = tl_csv_fields(r->csv);
		rec->id = rec->fields[r->col[COL_ID]];
		if (!rec->id.n)
			why = "missing learner_id";
		else if (r->opt->shard.n && rd_shard_csv(r, rec))
			return 2;
		else
			why = rd_csv_event(r, rec->fields, &rec->ev, msg, sizeof msg);
	} else if (r->shape == TL_SHAPE_XAPI) {
		if (!rd_xapi_next(r, &rec->raw))
			return 0;
		r->counts.xapi_statements++;
		why = rd_check_utf8(rec->raw, msg, sizeof msg);
		if (!why)
			why = rd_xapi_statement(r, rec->raw, &rec->ev, &rec->id, msg, sizeof msg);
	} else {
		if (!rd_ndjson_line(r, &rec->raw))
			return 0;
		why = rd_check_utf8(rec->raw, msg, sizeof msg);
		if (!why && r->opt->shard.n && !r->jmap && rd_shard_json(r, rec))
			return 2;
		if (!why && r->jmap)
			why = rd_jmap_event(r, rec->raw, &rec->ev, &rec->id, msg, sizeof msg);
		else if (!why)
			why = rd_json_event(r, rec->raw, &rec->ev, &rec->id, msg, sizeof msg, NULL);
	}
	if (!why && (rec->ev.dom.n > r->opt->max_field || rec->ev.cap.n > r->opt->max_field ||
		     rec->id.n > r->opt->max_field))
		why = "a field is longer than --max-field";
	if (why) {
		char shown[80];
		if (strncmp(why, "bad JSON", 8) == 0 || strcmp(why, "not a JSON object") == 0)
			rd_bad(r, rec->raw.p, rec->raw.n, "%s: '%s'", why, rd_show(rec->raw, shown));
		else
			rd_bad(r, rec->raw.p, rec->raw.n, "%s", why);
		return -1;
	}
	/* statements and --map's paths: the learner is known once read whole */
	if (r->opt->shard.n && (r->shape == TL_SHAPE_XAPI || r->jmap) && rd_shard_other(r, rec->id))
		return 2;
	return 1;
}

void rd_record_attrs(struct tl_reader *r, struct build *b, const struct record *rec)
{
	if (r->shape == TL_SHAPE_EVENT_CSV)
		rd_csv_attrs(r, b, rec->fields);
	else if (r->shape == TL_SHAPE_EVENT_NDJSON)   /* a statement's members are per event */
		rd_json_attrs(b, rec->raw, r->opt);
}

void rd_start_learner(struct tl_reader *r, struct build *b, const struct record *rec)
{
	rd_build_start(b, rec->id, r->src.name, r->rec_line, r->shape);
	rd_record_attrs(r, b, rec);
	if (r->shape == TL_SHAPE_EVENT_NDJSON)
		rd_reserved_attrs(b);
}

/* add_event: append rec's event to b, unless it exceeds --max-events. */
static int add_event(struct tl_reader *r, struct build *b, const struct record *rec)
{
	uint64_t n = rec->ev.count;
	if (b->l.nev >= r->opt->max_events || n > r->opt->max_events - b->l.nev) {
		char shown[80];
		rd_bad(r, rec->raw.p, rec->raw.n, "learner '%s' has more than %zu events (--max-events)",
		    rd_show(rec->id, shown), r->opt->max_events);
		return 0;
	}
	for (uint64_t k = 0; k < n; k++)   /* a counted row: n events (tl(7) Counted rows) */
		build_event(b, &rec->ev, r->flags & TL_READ_TS_TEXT, r->flags & TL_READ_DOMAINS);
	r->counts.records_read += n;
	r->counts.rows_counted++;
	return 1;
}

/* rd_cut_stream: a line that starts "#tl-abort" is the last line of a tool
 * that failed upstream in a pipeline (util/out.h): the input is cut short.
 * It ends the run, --skip-bad or not: skipping it would publish a part as
 * the whole (tl(7) PIPELINES). A worker thread leaves it to the main one. */
void rd_cut_stream(struct tl_reader *r, const char *p, size_t n)
{
	size_t k = sizeof TL_ABORT_MARK - 1;
	if (n < k || memcmp(p, TL_ABORT_MARK, k) != 0)
		return;
	if (r->chunk) {
		r->failed = 1;
		return;
	}
	size_t skip = n > k && p[k] == ' ' ? k + 1 : k;
	tl_die_at(TL_EX_DATAERR, r->src.name, r->src.lineno, "the input was cut short by a failure upstream: %.*s",
		  (int)(n - skip < 1024 ? n - skip : 1024), p + skip);
}

/* ---- shape detection ------------------------------------------------- */

/* json_first_line: with --skip-bad, bad JSON lines before the first good
 * one are rejected: a broken line must not decide the shape (a document
 * is told from an event line by its keys), or every event line after it
 * would be read as a learner's document. 0 when no good line is left. */
static int json_first_line(struct tl_reader *r, const char **p, size_t *n)
{
	struct tl_source *s = &r->src;
	for (;;) {
		const char *q = tl_json_skip_ws(*p, *p + *n), *v = tl_json_skip_value(q, *p + *n, 64);
		if (!r->opt->skip_bad || (v && *q == '{' && tl_json_skip_ws(v, *p + *n) == *p + *n))
			return 1;
		char shown[80];
		rd_bad(r, *p, *n, "bad JSON: '%s'", rd_show((struct tl_str){*p, *n}, shown));
		do {
			if (!tl_source_line(s, p, n)) {
				r->shape = TL_SHAPE_EVENT_NDJSON;
				s->eof = 1;
				return 0;
			}
		} while (blank(*p, *n));
		r->rec_line = s->lineno;
		rd_cut_stream(r, *p, *n);
	}
}

/* rd_open_and_detect: open the next file and decide its shape from its
 * first non-blank line; CSV headers are read here. 0 when no file is left. */
int rd_open_and_detect(struct tl_reader *r)
{
	const char *p;
	size_t n;
	if (!open_next_file(r))
		return 0;
	struct tl_source *s = &r->src;
	rd_line_limits(r, 1);
	do {
		if (!tl_source_line(s, &p, &n)) {
			r->shape = TL_SHAPE_EVENT_CSV;
			r->ncols = 0;
			s->eof = 1;
			return 1;     /* empty file: nothing to read */
		}
		if (s->lineno == 1)
			tl_source_not_text(s, p, n);
		if (s->lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3, n -= 3;
	} while (blank(p, n));
	r->rec_line = s->lineno;
	rd_cut_stream(r, p, n);
	const char *q = tl_json_skip_ws(p, p + n);
	if (rd_xapi_first(r, p, n)) {
		rd_line_limits(r, 0);
		return 1;
	}
	if (q < p + n && *q == '{') {
		if (!json_first_line(r, &p, &n))
			return 1;   /* every line was bad JSON */
		int doc = rd_json_is_doc(p, n, r->flags & TL_READ_EVENTS);
		if (doc < 0) {   /* an event line (it has ts) with the key events */
			struct tl_str events = {"events", 6};
			rd_reserved_die(s->name, r->rec_line, "key", events, rd_reserved(events, 1));
		}
		r->shape = doc ? TL_SHAPE_DOC : TL_SHAPE_EVENT_NDJSON;
		tl_source_unread(s, p);
		rd_line_limits(r, 0);
		return 1;
	}
	char msg[80];
	if (rd_check_utf8((struct tl_str){p, n}, msg, sizeof msg))
		tl_die_at(TL_EX_DATAERR, s->name, r->rec_line, "bad CSV header: %s", msg);
	int rc = tl_csv_split(r->csv, p, n);
	if (rc != TL_CSV_ROW)
		tl_die_at(TL_EX_DATAERR, s->name, r->rec_line, "bad CSV header: %s",
			  rc == TL_CSV_MORE ? "a quoted name spans lines" : tl_csv_error(r->csv));
	rd_read_header(r, tl_csv_fields(r->csv), tl_csv_nfields(r->csv));
	r->header = tl_xrealloc(r->header, n + 1);
	memcpy(r->header, p, n);
	r->nheader = n;
	r->shape = r->col[COL_TS] >= 0 ? TL_SHAPE_EVENT_CSV : TL_SHAPE_ROW_CSV;
	rd_line_limits(r, 0);
	if (r->shape == TL_SHAPE_ROW_CSV && !(r->flags & TL_READ_ROWS))
		tl_die_at(TL_EX_DATAERR, s->name, r->rec_line,
			  "no 'ts' column: these are learner rows, and %s needs events", tl_progname());
	return 1;
}

/* ---- grouping -------------------------------------------------------- */

static struct tl_learner *flush_pending(struct tl_reader *r)
{
	if (!r->pending)
		return NULL;
	r->pending = 0;
	r->counts.learners_read++;
	return rd_build_finish(&r->b[r->cur], 1);
}

/* reappears: the grouping check of the learner that rec starts: 1 when it
 * was seen before (rec is then bad input). */
static int reappears(struct tl_reader *r, const struct record *rec)
{
	long first = r->chunk ? rd_chunk_learner(r, rec->id) : seen_check(&r->seen, rec->id, r->rec_line);
	if (!first)
		return 0;
	char shown[80];
	rd_bad(r, rec->raw.p, rec->raw.n,
	    "learner '%s' reappears after other learners (its rows began at line %ld); "
	    "group the input by learner or use --ungrouped", rd_show(rec->id, shown), first);
	return 1;
}

/* skip_event: rec is a row of another shard's learner (--shard): counted
 * as skipped; when it starts that learner (checked for grouping as any
 * learner is), the current one is complete and returned. */
static struct tl_learner *skip_event(struct tl_reader *r, const struct record *rec)
{
	struct tl_learner *done = NULL;
	if (!rd_skipping(r, rec->id)) {
		if (reappears(r, rec))
			return NULL;
		if ((done = flush_pending(r)))
			r->cur ^= 1;
		rd_skip_start(r, rec->id);
	}
	rd_skip_row(r, rec->ev.count);
	return done;
}

/* group_event: put rec into the current learner or start the next one.
 * Returns the learner that rec completed, or NULL. */
static struct tl_learner *group_event(struct tl_reader *r, const struct record *rec)
{
	struct build *b = &r->b[r->cur];
	if (r->pending && b->l.id.n == rec->id.n && memcmp(b->l.id.p, rec->id.p, rec->id.n) == 0) {
		if (add_event(r, b, rec) && r->varied)
			rd_varied_record(r, b->l.attrs, b->l.nattrs, rec);
		return NULL;
	}
	tl_time as_of = 0;
	if (r->opt->as_of_field && !rd_learner_as_of(r, rec, &as_of))
		return NULL;
	if (reappears(r, rec))
		return NULL;
	struct tl_learner *done = flush_pending(r);
	if (done)
		r->cur ^= 1;
	r->skip.on = 0;
	rd_start_learner(r, &r->b[r->cur], rec);
	r->b[r->cur].l.as_of = as_of;
	r->b[r->cur].l.has_as_of = r->opt->as_of_field != NULL;
	add_event(r, &r->b[r->cur], rec);
	r->pending = 1;
	return done;
}

/* ---- the public API -------------------------------------------------- */

struct tl_reader *tl_reader_open(const struct tl_common *c, int nfiles, char **files, int flags)
{
	static char *dash[] = {"-"};
	struct tl_reader *r = tl_xcalloc(1, sizeof *r);
	r->opt = c;
	r->flags = flags;
	r->files = nfiles ? files : dash;
	r->nfiles = nfiles ? nfiles : 1;
	r->csv = rd_csv_new(c);
	for (int i = 0; i < 2; i++) {
		r->b[i].doms.gen = r->b[i].caps.gen = 1;
		r->b[i].xs_cutoff = c->has_as_of ? c->as_of : INT64_MAX;   /* xAPI results: not the future */
	}
	rd_jmap_open(r);
	if (c->rejects)   /* atomic, like every output: published only by a run that ends well */
		r->rejects = tl_output_open(c->rejects);
	if (c->stats)
		r->varied = tl_xcalloc(1, sizeof *r->varied);
	r->col_count = r->col_as_of = -1;
	if (c->ungrouped)
		rd_ustore_load(r);
	return r;
}

struct tl_learner *tl_reader_next(struct tl_reader *r)
{
	if (r->ustore)
		return rd_ustore_next(r);
	for (;;) {
		if (r->failed)
			return NULL;
		if (!r->chunk && !r->src.f && !rd_open_and_detect(r))
			return flush_pending(r);
		if (!is_event_shape(r->shape) && r->pending)
			return flush_pending(r);
		if (!is_event_shape(r->shape)) {
			int rc = r->shape == TL_SHAPE_DOC ? rd_doc_record(r) : rd_row_record(r);
			if (rc == 2)   /* another shard's learner, counted */
				continue;
			if (rc > 0) {
				r->counts.learners_read++;
				return &r->b[r->cur].l;
			}
			if (rc == 0 && (r->chunk || r->src.in_mem))   /* the end of a chunk */
				return NULL;
			if (rc == 0)
				rd_close_file(r);
			continue;
		}
		struct record rec;
		int rc = rd_event_record(r, &rec);
		if (rc == 0 && r->src.ranged)   /* the end of a range: the caller sets the next */
			return flush_pending(r);
		if (rc == 0) {
			rd_close_file(r);
			continue;
		}
		if (rc > 0 && rec.ev.count == 0) {   /* stands for no event: not a learner's row */
			r->counts.rows_zero++;
			continue;
		}
		struct tl_learner *done = rc == 2 ? skip_event(r, &rec) : rc > 0 ? group_event(r, &rec) : NULL;
		if (r->skip.on && r->shape == TL_SHAPE_EVENT_CSV)
			rd_fast_skip(r);
		else if (r->pending && r->shape == TL_SHAPE_EVENT_CSV)
			rd_fast_rows(r);
		if (done)
			return done;
	}
}

const struct tl_counts *tl_reader_counts(const struct tl_reader *r) { return &r->counts; }

void tl_reader_close(struct tl_reader *r)
{
	if (r->rejects)
		tl_output_commit(r->rejects);
	tl_source_free(&r->src);
	tl_csv_free(r->csv);
	for (int i = 0; i < 2; i++)
		rd_build_free(&r->b[i]);
	rd_ustore_free(r->ustore);
	rd_varied_free(r->varied);
	rd_skip_free(&r->skip);
	rd_xapi_free(r);
	free(r->jmap);
	tl_arena_free(&r->jarena);
	if (r->seen.slot)
		munmap(r->seen.slot, SEEN_SLOTS * sizeof *r->seen.slot);
	free(r->fps);
	free(r->colnames);
	free(r->colbuf);
	free(r->header);
	free(r->raw);
	free(r);
}
