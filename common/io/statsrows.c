/* statsrows.c - stats files in blocks of a head, parameters and rows
 * (statsrows.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/sidefile.h"
#include "io/statsrows.h"
#include "util/err.h"
#include "util/num.h"

#define STATS_MAX_FIELD ((size_t)1 << 20)     /* a class label, a field name */
#define STATS_MAX_BYTES ((size_t)1 << 40)     /* rows grow with the data: no real limit */
#define STATS_MAX_LINE ((size_t)16 << 20)     /* but a line is bounded (/dev/zero) */

void tl_statsrows_head(FILE *f, const char *tool, int version)
{
	fputs("tl-stats,", f);
	tl_csv_put_field(f, tool, strlen(tool));
	fprintf(f, ",%d\n", version);
}

void tl_statsrows_param(FILE *f, const char *name, const char *value)
{
	fputs("param,", f);
	tl_csv_put_field(f, name, strlen(name));
	fputc(',', f);
	tl_csv_put_field(f, value, strlen(value));
	fputc('\n', f);
}

void tl_statsrows_param_num(FILE *f, const char *name, double value)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g", value);
	tl_statsrows_param(f, name, buf);
}

void tl_statsrows_learners_put(FILE *f, const struct tl_learner_set *l)
{
	if (l && l->known)
		fprintf(f, "learner_ids,%llu,%016llx\n", (unsigned long long)l->count, (unsigned long long)l->fp);
}

struct param {
	char *name, *value;
	long line;
};

struct block_learners {   /* a block's learners record */
	uint64_t count, fp;
	const char *file;   /* of files */
	long line;
};

struct tl_statsrows {
	char *tool;
	int version;
	struct tl_sidefile *in;
	char *file;                 /* the file being read (owned) */
	char **files;               /* every file named, for first_file (owned) */
	size_t nfiles;
	long records;               /* of this file */
	struct param *first;        /* the first block's parameters */
	size_t nfirst, capfirst;
	char *first_file;
	long first_line;
	int in_block, have_first;
	size_t nparam;              /* parameters seen in the current block */
	int rows;                   /* the current block has had a row */
	long block_line;
	int head_waits;             /* the record read is a head, checked at the next call */
	int at_end;                 /* BLOCK_END was returned: the line is the block's */
	int has_learners;           /* the current block had its learners record */
	size_t nblocks;
	struct block_learners *lrn; /* the blocks' learners records */
	size_t nlrn, caplrn;
	struct tl_learner_set sum;  /* of lrn */
};

struct tl_statsrows *tl_statsrows_new(const char *tool, int version)
{
	struct tl_statsrows *r = tl_xcalloc(1, sizeof *r);
	r->tool = tl_xstrdup(tool);
	r->version = version;
	return r;
}

void tl_statsrows_open(struct tl_statsrows *r, const char *path)
{
	if (r->in)
		tl_sidefile_close(r->in);
	r->in = NULL;
	r->files = tl_xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	r->file = r->files[r->nfiles++] = tl_xstrdup(path);
	r->in = strcmp(path, "-") == 0 ? tl_sidefile_stream(stdin, r->file, STATS_MAX_FIELD)
				       : tl_sidefile_open(r->file, STATS_MAX_FIELD);
	tl_sidefile_limits(r->in, STATS_MAX_BYTES, STATS_MAX_LINE);
	r->records = 0;
	r->in_block = r->head_waits = r->at_end = 0;
}

size_t tl_statsrows_nfields(const struct tl_statsrows *r) { return tl_sidefile_nfields(r->in); }
const struct tl_str *tl_statsrows_fields(const struct tl_statsrows *r) { return tl_sidefile_fields(r->in); }
const char *tl_statsrows_file(const struct tl_statsrows *r) { return r->file; }
long tl_statsrows_line(const struct tl_statsrows *r) { return r->at_end ? r->block_line : tl_sidefile_line(r->in); }
size_t tl_statsrows_nparams(const struct tl_statsrows *r) { return r->nfirst; }
const char *tl_statsrows_param_name(const struct tl_statsrows *r, size_t i) { return r->first[i].name; }
const char *tl_statsrows_param_value(const struct tl_statsrows *r, size_t i) { return r->first[i].value; }
long tl_statsrows_param_line(const struct tl_statsrows *r, size_t i) { return r->first[i].line; }
const char *tl_statsrows_first_file(const struct tl_statsrows *r) { return r->first_file; }
long tl_statsrows_first_line(const struct tl_statsrows *r) { return r->first_line; }

void tl_statsrows_die(const struct tl_statsrows *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_vdie_at(TL_EX_DATAERR, r->file, tl_statsrows_line(r), fmt, ap);
}

static int field_is(const struct tl_str *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

struct tl_str tl_statsrows_text(const struct tl_statsrows *r, size_t i, const char *what)
{
	struct tl_str f = tl_statsrows_fields(r)[i];
	if (memchr(f.p, '\0', f.n))
		tl_statsrows_die(r, "bad %s: a NUL byte", what);
	return f;
}

double tl_statsrows_number(const struct tl_statsrows *r, size_t i, const char *what)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	double v;
	if (tl_num_parse(f->p, f->n, &v) < 0)
		tl_statsrows_die(r, "bad %s: '%.*s' (a number)", what, f->n > 64 ? 64 : (int)f->n, f->p);
	return v;
}

long long tl_statsrows_count(const struct tl_statsrows *r, size_t i, const char *what)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	unsigned long long v = 0;
	if (tl_uint_parse(f->p, f->n, TL_COUNT_MAX, &v) < 0)
		tl_statsrows_die(r, "bad %s: '%.*s' (a count, 0 to 2^53)", what, f->n > 64 ? 64 : (int)f->n, f->p);
	return (long long)v;
}

/* head: the current record is a block's head: check it. */
static void head(struct tl_statsrows *r)
{
	const struct tl_str *fd = tl_statsrows_fields(r);
	char want[32];
	snprintf(want, sizeof want, "%d", r->version);
	if (tl_statsrows_nfields(r) != 3 || !field_is(&fd[1], r->tool))
		tl_statsrows_die(r, "not a %s --emit-stats file (the first record is not 'tl-stats,%s,%d')", r->tool,
				 r->tool, r->version);
	if (!field_is(&fd[2], want))
		tl_statsrows_die(r, "format version '%.*s' of %s's stats, this %s reads version %d",
				 fd[2].n > 16 ? 16 : (int)fd[2].n, fd[2].p, r->tool, r->tool, r->version);
	r->in_block = 1;
	r->nparam = 0;
	r->rows = 0;
	r->has_learners = 0;
	r->nblocks++;
	r->block_line = tl_sidefile_line(r->in);
	if (!r->have_first) {
		r->have_first = 1;
		r->first_file = r->file;
		r->first_line = r->block_line;
	}
}

/* param: the current record is a parameter: keep it (first block) or
 * check it against the first block's. */
static void param(struct tl_statsrows *r)
{
	if (tl_statsrows_nfields(r) != 3)
		tl_statsrows_die(r, "a param record has 3 fields, not %zu", tl_statsrows_nfields(r));
	if (r->rows)
		tl_statsrows_die(r, "a param record after the block's rows");
	struct tl_str name = tl_statsrows_text(r, 1, "parameter name"), value = tl_statsrows_text(r, 2, "parameter value");
	size_t i = r->nparam++;
	if (r->first_file == r->file && r->first_line == r->block_line) {   /* the first block */
		if (r->nfirst == r->capfirst) {
			r->capfirst = r->capfirst ? 2 * r->capfirst : 8;
			r->first = tl_xrealloc(r->first, r->capfirst * sizeof *r->first);
		}
		r->first[r->nfirst++] = (struct param){tl_xstrndup(name.p, name.n), tl_xstrndup(value.p, value.n),
						       tl_sidefile_line(r->in)};
		return;
	}
	if (i >= r->nfirst)
		tl_statsrows_die(r, "parameter %.*s is not in the first block (%s:%ld)", (int)name.n, name.p,
				 r->first_file, r->first_line);
	const struct param *p = &r->first[i];
	if (!(name.n == strlen(p->name) && memcmp(name.p, p->name, name.n) == 0))
		tl_statsrows_die(r, "parameter %.*s where the first block has %s (%s:%ld): the statistics "
				 "were computed with other options", (int)name.n, name.p, p->name, r->first_file, p->line);
	if (!(value.n == strlen(p->value) && memcmp(value.p, p->value, value.n) == 0))
		tl_statsrows_die(r, "parameter %s is '%.*s', but '%s' in %s:%ld: the statistics were computed "
				 "with other options", p->name, (int)value.n, value.p, p->value, r->first_file, p->line);
}

/* params_done: the block's first row (or its end): it had every parameter. */
static void params_done(struct tl_statsrows *r)
{
	if (r->nparam < r->nfirst)
		tl_statsrows_die(r, "parameter %s of the first block (%s:%ld) is missing here",
				 r->first[r->nparam].name, r->first_file, r->first[r->nparam].line);
	r->rows = 1;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* hex64: field i as 1 to 16 hex digits. */
static uint64_t hex64(const struct tl_statsrows *r, size_t i, const char *what)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	uint64_t v = 0;
	int ok = f->n > 0 && f->n <= 16;
	for (size_t k = 0; ok && k < f->n; k++) {
		int d = hex_digit(f->p[k]);
		ok = d >= 0;
		v = v << 4 | (uint64_t)(ok ? d : 0);
	}
	if (!ok)
		tl_statsrows_die(r, "bad %s: '%.*s' (16 hex digits)", what, f->n > 32 ? 32 : (int)f->n, f->p);
	return v;
}

/* learners_record: the current record is the block's learners record: keep it,
 * unless another block had the same learners (a shard given twice). */
static void learners_record(struct tl_statsrows *r)
{
	if (tl_statsrows_nfields(r) != 3)
		tl_statsrows_die(r, "a learner_ids record has 3 fields, not %zu", tl_statsrows_nfields(r));
	if (r->has_learners)
		tl_statsrows_die(r, "a second learner_ids record in the block");
	if (r->rows)
		tl_statsrows_die(r, "a learner_ids record after the block's rows");
	params_done(r);
	struct block_learners b = {(uint64_t)tl_statsrows_count(r, 1, "learner count"), hex64(r, 2, "learners' fingerprint"),
				   r->file, tl_statsrows_line(r)};
	for (size_t i = 0; b.count && i < r->nlrn; i++)
		if (r->lrn[i].count == b.count && r->lrn[i].fp == b.fp)
			tl_statsrows_die(r, "the same learners as %s:%ld: a shard given twice", r->lrn[i].file, r->lrn[i].line);
	if (r->nlrn == r->caplrn) {
		r->caplrn = r->caplrn ? 2 * r->caplrn : 8;
		r->lrn = tl_xrealloc(r->lrn, r->caplrn * sizeof *r->lrn);
	}
	r->lrn[r->nlrn++] = b;
	r->has_learners = 1;
	tl_learner_set_join(&r->sum, &(struct tl_learner_set){b.count, b.fp, 1});
}

struct tl_learner_set tl_statsrows_learners(const struct tl_statsrows *r)
{
	struct tl_learner_set s = r->sum;
	s.known = r->nblocks > 0 && r->nlrn == r->nblocks;
	return s;
}

int tl_statsrows_next(struct tl_statsrows *r)
{
	r->at_end = 0;
	if (r->head_waits) {   /* BLOCK_END was returned for the block before this head */
		r->head_waits = 0;
		head(r);
	}
	for (;;) {
		if (!tl_sidefile_next(r->in)) {
			if (r->records == 0)
				tl_die_at(TL_EX_DATAERR, r->file, tl_sidefile_lines(r->in), "empty file");
			if (r->in_block) {
				if (!r->rows)
					params_done(r);
				r->in_block = 0;
				r->at_end = 1;
				return TL_STATSROWS_BLOCK_END;
			}
			return TL_STATSROWS_EOF;
		}
		const struct tl_str *fd = tl_statsrows_fields(r);
		int is_head = field_is(&fd[0], "tl-stats");
		if (r->records++ == 0 && !is_head)
			tl_statsrows_die(r, "not a %s --emit-stats file (the first record is not 'tl-stats,%s,%d')",
					 r->tool, r->tool, r->version);
		if (is_head && r->in_block) {
			if (!r->rows)
				params_done(r);
			r->head_waits = r->at_end = 1;
			return TL_STATSROWS_BLOCK_END;   /* the head is checked at the next call */
		}
		if (is_head)
			head(r);
		else if (field_is(&fd[0], "param"))
			param(r);
		else if (field_is(&fd[0], "learner_ids"))
			learners_record(r);
		else {
			if (!r->rows)
				params_done(r);
			return TL_STATSROWS_ROW;
		}
	}
}

void tl_statsrows_free(struct tl_statsrows *r)
{
	if (!r)
		return;
	if (r->in)
		tl_sidefile_close(r->in);
	for (size_t i = 0; i < r->nfirst; i++) {
		free(r->first[i].name);
		free(r->first[i].value);
	}
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	free(r->lrn);
	free(r->first);
	free(r->tool);
	free(r);
}

/* ---- a merge that takes the options of its shards ------------------------ */

const char *tl_statsrows_duration(tl_time d, char *buf)
{
	long long sec = (long long)(d / TL_SEC), us = (long long)(d % TL_SEC);
	if (us == 0) {
		snprintf(buf, TL_STATSROWS_VALUE_MAX, "%llds", sec);
		return buf;
	}
	int n = snprintf(buf, TL_STATSROWS_VALUE_MAX, "%lld.%06lld", sec, us);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	buf[n] = 's';
	buf[n + 1] = '\0';
	return buf;
}

const char *tl_statsrows_as_of(const struct tl_common *c, char *buf)
{
	buf[0] = '\0';
	if (c->has_as_of && !c->as_of_field)
		buf[tl_time_format(c->as_of, buf)] = '\0';
	return buf;
}

void tl_statsrows_params(FILE *f, const char *tool, int version, const struct tl_statsrows_want *want, size_t n,
			 const struct tl_learner_set *l)
{
	tl_statsrows_head(f, tool, version);
	for (size_t i = 0; i < n; i++)
		tl_statsrows_param(f, want[i].name, want[i].value);
	tl_statsrows_learners_put(f, l);
}

/* expect: the first block's parameters are want[0..n). */
static void expect(const struct tl_statsrows *r, const struct tl_statsrows_want *want, size_t n)
{
	size_t got = tl_statsrows_nparams(r);
	for (size_t i = 0; i < n || i < got; i++) {
		long line = i < got ? tl_statsrows_param_line(r, i) : tl_statsrows_first_line(r);
		const char *name = i < got ? tl_statsrows_param_name(r, i) : "";
		if (i >= n)
			tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), line,
				  "an unexpected parameter %s (of another version of %s?)", name, r->tool);
		if (i >= got || strcmp(name, want[i].name) != 0)
			tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), line, "expected the parameter %s, found %s",
				  want[i].name, i < got ? name : "none");
		if (strcmp(tl_statsrows_param_value(r, i), want[i].value) != 0)
			tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), line,
				  "%s is '%s' in these statistics, '%s' in this merge: stats merge only with the "
				  "options they were written with", name, tl_statsrows_param_value(r, i), want[i].value);
	}
}

static struct tl_statsrows *merging;   /* what a caught die leaves */

void tl_statsrows_merge(const char *tool, int version, int nfiles, char **files, const struct tl_statsrows_want *want,
			size_t n, void (*row)(void *ctx, const struct tl_statsrows *r), void *ctx,
			struct tl_learner_set *learners)
{
	static char *stdin_only[] = {"-"};
	tl_statsrows_free(merging);
	if (nfiles == 0)
		nfiles = 1, files = stdin_only;
	struct tl_statsrows *r = merging = tl_statsrows_new(tool, version);
	int checked = 0, stdin_seen = 0, rc;
	for (int i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0 && stdin_seen++)
			tl_die(TL_EX_USAGE, "standard input ('-') can be read only once");
		tl_statsrows_open(r, files[i]);
		while ((rc = tl_statsrows_next(r)) != TL_STATSROWS_EOF) {
			if (!checked++)
				expect(r, want, n);
			if (rc == TL_STATSROWS_ROW)
				row(ctx, r);
		}
	}
	if (learners)
		*learners = tl_statsrows_learners(r);
	merging = NULL;
	tl_statsrows_free(r);
}

int tl_statsrows_kind(const struct tl_statsrows *r, const char *kind, size_t nfields)
{
	if (!field_is(&tl_statsrows_fields(r)[0], kind))
		return 0;
	if (tl_statsrows_nfields(r) != nfields)
		tl_statsrows_die(r, "%s row: %zu fields, not %zu", kind, tl_statsrows_nfields(r), nfields);
	return 1;
}

void tl_statsrows_xsum(const struct tl_statsrows *r, size_t i, const char *what, struct tl_xsum *to)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	if (tl_xsum_parse(to, f->p, f->n) < 0)
		tl_statsrows_die(r, "bad %s: '%.*s' (an exact sum: finite numbers apart by single spaces)", what,
				 f->n > 64 ? 64 : (int)f->n, f->p);
}
