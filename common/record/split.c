/* split.c - tl-split (record/split.h): the record reader's files, shapes
 * and records, each record read only as far as its learner_id and copied
 * as read into the file of its shard (util/shard.h). */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "util/err.h"
#include "util/out.h"
#include "util/shard.h"
#include "record/split.h"
#include "record/reader_impl.h"
#include "record/reader_shard.h"

struct split {
	const struct tl_common *c;
	struct tl_reader *r;
	uint64_t n;
	const char *pattern;
	int nfiles;
	char **files;
	FILE **out;               /* NULL until the first file with a shape */
	char **paths;
	uint64_t *records;        /* per file */
	uint64_t written;
	int shaped;               /* a file with a header or a record was met */
	enum tl_shape shape;      /* ... its shape */
	char *header;             /* ... its CSV header, nheader bytes */
	size_t nheader;
	char *first;              /* ... its name */
};

void tl_split_check_pattern(const char *pattern)
{
	const char *pct = strchr(pattern, '%');
	if (!*pattern || (pct && (strncmp(pct, "%d", 2) != 0 || strchr(pct + 1, '%'))))
		tl_usage_error("-o wants a prefix, or a pattern with one %%d and no other %%: '%s'", pattern);
}

/* path_of: file i of the pattern: "%d" replaced by i, else PATTERN-i.EXT. */
static char *path_of(const char *pattern, uint64_t i, const char *ext)
{
	const char *d = strstr(pattern, "%d");
	size_t n = strlen(pattern) + strlen(ext) + 32;
	char *p = tl_xmalloc(n);
	if (d)
		snprintf(p, n, "%.*s%llu%s", (int)(d - pattern), pattern, (unsigned long long)i, d + 2);
	else
		snprintf(p, n, "%s-%llu.%s", pattern, (unsigned long long)i, ext);
	return p;
}

/* open_outputs: the n files (temporaries until the run ends well), named
 * after the shape of the first input with one; none may be an input or
 * the --rejects file. Each CSV file starts with the header. */
static void open_outputs(struct split *sp)
{
	const char *ext = !is_csv_shape(sp->shape) ? "ndjson" : sp->c->tsv ? "tsv" : "csv";
	size_t k = (size_t)sp->n;
	sp->paths = tl_xcalloc(k + 1, sizeof *sp->paths);
	const char **opt = tl_xcalloc(k + 1, sizeof *opt);
	for (size_t i = 0; i < k; i++) {
		sp->paths[i] = path_of(sp->pattern, i, ext);
		opt[i] = "-o";
	}
	sp->paths[k] = (char *)sp->c->rejects;
	opt[k] = "--rejects";
	tl_paths_distinct((const char *const *)sp->paths, opt, (int)k + 1, sp->files, sp->nfiles);
	free(opt);
	sp->out = tl_xcalloc(k, sizeof *sp->out);
	sp->records = tl_xcalloc(k, sizeof *sp->records);
	for (size_t i = 0; i < k; i++) {
		sp->out[i] = tl_output_open(sp->paths[i]);
		if (sp->shaped && is_csv_shape(sp->shape)) {
			fwrite(sp->header, 1, sp->nheader, sp->out[i]);
			putc('\n', sp->out[i]);
		}
	}
}

/* new_file: the file just opened and detected. The first with a header
 * or records fixes the shape (and the header) of every output; the
 * others must have the same. An empty file is no shape. */
static void new_file(struct split *sp)
{
	struct tl_reader *r = sp->r;
	if (r->shape == TL_SHAPE_EVENT_CSV && r->ncols == 0)
		return;   /* empty */
	if (!sp->shaped) {
		sp->shaped = 1;
		sp->shape = r->shape;
		sp->first = tl_xstrdup(r->src.name);
		if (is_csv_shape(r->shape)) {
			sp->header = tl_xmalloc(r->nheader + 1);
			memcpy(sp->header, r->header, r->nheader);
			sp->nheader = r->nheader;
		}
		open_outputs(sp);
		return;
	}
	if (r->shape != sp->shape || (is_csv_shape(r->shape) && !(r->nheader == sp->nheader &&
								      memcmp(r->header, sp->header, r->nheader) == 0)))
		tl_die_at(TL_EX_DATAERR, r->src.name, r->rec_line,
			  "%s than %s: the files split together must have one shape and one header",
			  r->shape != sp->shape ? "another shape of records" : "another header", sp->first);
}

/* json_why: why the JSON line raw has no learner_id that reads. */
static const char *json_why(struct tl_str raw)
{
	const char *end = raw.p + raw.n, *q = tl_json_skip_ws(raw.p, end), *v = tl_json_skip_value(q, end, 64);
	if (!v || tl_json_skip_ws(v, end) != end)
		return "bad JSON";
	return *q == '{' ? "missing learner_id" : "not a JSON object";
}

/* json_record: the learner_id of an NDJSON line (an event line through
 * --map's path, else its learner_id member); NULL or why not. */
static const char *json_record(struct tl_reader *r, struct tl_str raw, struct tl_str *id, char *msg, size_t cap)
{
	const char *why = rd_check_utf8(raw, msg, cap);
	if (why)
		return why;
	if (!r->jmap || r->shape != TL_SHAPE_EVENT_NDJSON)
		return rd_json_id(r, raw, 1, id, NULL) ? NULL : json_why(raw);
	struct tl_str v[NCANON + 1] = {{0}};
	if ((why = rd_jpaths_line(r->jmap, raw, v, msg, cap)))
		return why;
	if (rd_json_id_text(r, v[COL_ID], id))
		return NULL;
	const char *src = rd_map_source(r->opt, COL_ID);
	if (!src)
		return "missing learner_id";
	snprintf(msg, cap, "missing learner_id: no key '%s' (--map learner_id=%s)", src, src);
	return msg;
}

/* next_record: the next record of the current file and its learner_id: 1,
 * 0 at the end of the file, -1 when it was bad (and skipped). */
static int next_record(struct tl_reader *r, struct tl_str *raw, struct tl_str *id)
{
	char msg[300];
	const char *why = NULL;
	tl_arena_reset(&r->jarena);
	if (is_csv_shape(r->shape)) {
		int rc = rd_csv_record(r, raw);
		if (rc <= 0)
			return rc;
		*id = tl_csv_fields(r->csv)[r->col[COL_ID]];
		why = id->n ? NULL : "missing learner_id";
	} else if (r->shape == TL_SHAPE_XAPI) {
		struct event_in ev;
		if (!rd_xapi_next(r, raw))
			return 0;
		r->counts.xapi_statements++;
		if (!(why = rd_check_utf8(*raw, msg, sizeof msg)))
			why = rd_xapi_statement(r, *raw, &ev, id, msg, sizeof msg);
	} else {
		if (!rd_ndjson_line(r, raw))
			return 0;
		why = json_record(r, *raw, id, msg, sizeof msg);
	}
	if (!why && id->n > r->opt->max_field)
		why = "a field is longer than --max-field";
	if (why) {
		char shown[80];
		if (strncmp(why, "bad JSON", 8) == 0 || strcmp(why, "not a JSON object") == 0)
			rd_bad(r, raw->p, raw->n, "%s: '%s'", why, rd_show(*raw, shown));
		else
			rd_bad(r, raw->p, raw->n, "%s", why);
		return -1;
	}
	return 1;
}

/* put: the record raw to its learner's file; an xAPI statement that spans
 * lines is written on one (its line breaks, between JSON tokens, left out). */
static void put(struct split *sp, struct tl_str raw, struct tl_str id)
{
	uint64_t k = tl_shard_of(id.p, id.n, sp->n);
	FILE *f = sp->out[k];
	if (sp->shape == TL_SHAPE_XAPI && (memchr(raw.p, '\n', raw.n) || memchr(raw.p, '\r', raw.n))) {
		for (size_t i = 0; i < raw.n; i++)
			if (raw.p[i] != '\n' && raw.p[i] != '\r')
				putc(raw.p[i], f);
	} else {
		fwrite(raw.p, 1, raw.n, f);
	}
	putc('\n', f);
	sp->records[k]++;
	sp->written++;
}

static void print_stats(const struct split *sp)
{
	const struct tl_counts *k = tl_reader_counts(sp->r);
	fprintf(stderr, "%s: records read %llu = written %llu + rejected %llu; files %llu\n", tl_progname(),
		(unsigned long long)(sp->written + k->records_rejected), (unsigned long long)sp->written,
		(unsigned long long)k->records_rejected, (unsigned long long)sp->n);
	for (uint64_t i = 0; i < sp->n; i++)
		fprintf(stderr, "%s: %s: records %llu\n", tl_progname(), sp->paths[i],
			(unsigned long long)sp->records[i]);
}

static void split_free(struct split *sp)
{
	for (uint64_t i = 0; sp->paths && i < sp->n; i++)
		free(sp->paths[i]);
	free(sp->paths);
	free(sp->out);
	free(sp->records);
	free(sp->header);
	free(sp->first);
}

void tl_split(const struct tl_common *c, uint64_t n, const char *pattern, int nfiles, char **files)
{
	static char *dash[] = {"-"};
	if (c->rejects && !c->skip_bad)
		tl_usage_error("--rejects needs --skip-bad (without it the first bad row stops the run)");
	struct split sp = {.c = c, .n = n, .pattern = pattern, .nfiles = nfiles ? nfiles : 1,
			   .files = nfiles ? files : dash};
	sp.r = tl_reader_open(c, nfiles, files, TL_READ_ROWS);
	struct tl_reader *r = sp.r;
	for (;;) {
		if (!r->src.f) {
			if (!rd_open_and_detect(r))
				break;
			new_file(&sp);
		}
		struct tl_str raw, id;
		int rc = next_record(r, &raw, &id);
		if (rc == 0)
			rd_close_file(r);
		else if (rc > 0)
			put(&sp, raw, id);
	}
	if (!sp.out)   /* no input had a shape: empty files */
		open_outputs(&sp);
	for (uint64_t i = 0; i < n; i++)
		tl_output_commit(sp.out[i]);
	if (c->stats)
		print_stats(&sp);
	tl_reader_close(r);
	split_free(&sp);
}
