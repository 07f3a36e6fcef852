/* statsfile.c - the side files of --emit-stats and --merge (statsfile.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/sidefile.h"
#include "io/statsfile.h"
#include "util/err.h"
#include "util/num.h"

#define STATS_FIELD_MAX 65536   /* a name or an exact sum */
#define STATS_LINE_MAX (1 << 20)

struct tl_stats_in {
	const char *name;
	struct tl_sidefile *sf;
	const struct tl_stats_spec *want;
};

/* ---- writing ----------------------------------------------------------- */

static void put_row(FILE *f, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tl_csv_put_field(f, v[i], strlen(v[i]));
		putc(i + 1 < n ? ',' : '\n', f);
	}
}

void tl_stats_head(FILE *f, const struct tl_stats_spec *s)
{
	const char *magic[] = {TL_STATS_MAGIC, TL_STATS_VERSION, s->tool, s->kind};
	put_row(f, magic, 4);
	for (size_t i = 0; i < s->nparam; i++) {
		const char *p[] = {"param", s->param[i].name, s->param[i].value};
		put_row(f, p, 3);
	}
	put_row(f, s->col, s->ncol);
}

void tl_stats_put_xsum(FILE *f, const struct tl_xsum *x)
{
	double t[TL_XSUM_TERMS];
	size_t k = tl_xsum_terms(x, t);
	if (k == 0)
		putc('0', f);
	for (size_t i = 0; i < k; i++)
		fprintf(f, "%s%.17g", i ? " " : "", t[i]);
}

const char *tl_stats_duration(tl_time d, char *buf)
{
	long long s = (long long)(d / TL_SEC), us = (long long)(d % TL_SEC);
	if (us == 0) {
		snprintf(buf, TL_STATS_VALUE_MAX, "%llds", s);
		return buf;
	}
	int n = snprintf(buf, TL_STATS_VALUE_MAX, "%lld.%06lld", s, us);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	buf[n] = 's';
	buf[n + 1] = '\0';
	return buf;
}

const char *tl_stats_as_of(const struct tl_common *c, char *buf)
{
	buf[0] = '\0';
	if (c->has_as_of && !c->as_of_field)
		buf[tl_time_format(c->as_of, buf)] = '\0';
	return buf;
}

/* ---- reading ----------------------------------------------------------- */

void tl_stats_bad(const struct tl_stats_in *in, const char *fmt, ...)
{
	char msg[TL_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tl_die_at(TL_EX_DATAERR, in->name, tl_sidefile_line(in->sf), "%s", msg);
}

static int is(const struct tl_str *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/* A field for a message: at most 60 bytes of it. */
#define SHOW(f) (int)((f)->n > 60 ? 60 : (f)->n), (f)->p

/* next_record: the next record of the preamble, or exit 65. */
static const struct tl_str *next_record(struct tl_stats_in *in, const char *what)
{
	if (!tl_sidefile_next(in->sf))
		tl_die_at(TL_EX_DATAERR, in->name, tl_sidefile_lines(in->sf) ? tl_sidefile_lines(in->sf) : 1,
			  "the file ends before its %s (a stats file of --emit-stats?)", what);
	return tl_sidefile_fields(in->sf);
}

static void check_magic(struct tl_stats_in *in)
{
	const struct tl_stats_spec *w = in->want;
	const struct tl_str *f = next_record(in, "first line");
	size_t n = tl_sidefile_nfields(in->sf);
	if (n != 4 || !is(&f[0], TL_STATS_MAGIC))
		tl_stats_bad(in, "not a stats file of --emit-stats (it starts '%.*s', not '" TL_STATS_MAGIC "')",
			     SHOW(&f[0]));
	if (!is(&f[1], TL_STATS_VERSION))
		tl_stats_bad(in, "stats format version '%.*s': this tl reads version " TL_STATS_VERSION,
			     SHOW(&f[1]));
	if (!is(&f[2], w->tool) || !is(&f[3], w->kind))
		tl_stats_bad(in, "the statistics of %.*s (%.*s), not of %s (%s)", SHOW(&f[2]), SHOW(&f[3]),
			     w->tool, w->kind);
}

static void check_params(struct tl_stats_in *in)
{
	const struct tl_stats_spec *w = in->want;
	for (size_t i = 0; i < w->nparam; i++) {
		const struct tl_str *f = next_record(in, "parameters");
		const char *name = w->param[i].name;
		if (tl_sidefile_nfields(in->sf) != 3 || !is(&f[0], "param") || !is(&f[1], name))
			tl_stats_bad(in, "expected the parameter %s (param,%s,VALUE), found '%.*s'", name, name,
				     SHOW(&f[tl_sidefile_nfields(in->sf) > 1 && is(&f[0], "param")]));
		if (!is(&f[2], w->param[i].value))
			tl_stats_bad(in, "%s is '%.*s' in these statistics, '%s' in this merge: stats merge only "
				     "with the options they were written with", name, SHOW(&f[2]), w->param[i].value);
	}
}

static void check_header(struct tl_stats_in *in)
{
	const struct tl_stats_spec *w = in->want;
	const struct tl_str *f = next_record(in, "column header");
	size_t n = tl_sidefile_nfields(in->sf);
	if (n >= 1 && is(&f[0], "param"))
		tl_stats_bad(in, "an unexpected parameter '%.*s' (written by another version of %s?)",
			     SHOW(&f[n > 1]), w->tool);
	for (size_t i = 0; i < w->ncol; i++)
		if (i >= n || !is(&f[i], w->col[i]))
			tl_stats_bad(in, "column %zu is '%.*s', expected '%s'", i + 1, i < n ? (int)f[i].n : 0,
				     i < n ? f[i].p : "", w->col[i]);
	if (n != w->ncol)
		tl_stats_bad(in, "%zu columns, expected %zu", n, w->ncol);
}

/* The file being read: what a bad file's tl_die leaves open, closed by
 * the next tl_stats_read when the die was caught (tl_die_catch: a caller
 * that goes on, such as a fuzz harness). */
static struct tl_sidefile *reading;

static void read_one(const char *file, const struct tl_stats_spec *want,
		     void (*row)(void *ctx, struct tl_stats_in *in), void *ctx)
{
	struct tl_stats_in in = {file, NULL, want};
	in.sf = strcmp(file, "-") == 0 ? tl_sidefile_stream(stdin, file, STATS_FIELD_MAX)
				       : tl_sidefile_open(file, STATS_FIELD_MAX);
	tl_sidefile_long(in.sf, STATS_LINE_MAX);   /* a cohort's statistics may pass 64 MiB */
	reading = in.sf;
	check_magic(&in);
	check_params(&in);
	check_header(&in);
	while (tl_sidefile_next(in.sf)) {
		size_t n = tl_sidefile_nfields(in.sf);
		if (n != want->ncol)
			tl_stats_bad(&in, "%zu fields, the header has %zu", n, want->ncol);
		row(ctx, &in);
	}
	reading = NULL;
	tl_sidefile_close(in.sf);
}

void tl_stats_read(int nfiles, char **files, const struct tl_stats_spec *want,
		   void (*row)(void *ctx, struct tl_stats_in *in), void *ctx)
{
	tl_sidefile_close(reading);   /* NULL: nothing */
	reading = NULL;
	if (nfiles == 0) {
		read_one("-", want, row, ctx);
		return;
	}
	int stdin_seen = 0;
	for (int i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0 && stdin_seen++)
			tl_die(TL_EX_USAGE, "standard input ('-') can be read only once");
		read_one(files[i], want, row, ctx);
	}
}

const struct tl_str *tl_stats_field(const struct tl_stats_in *in, size_t col)
{
	return &tl_sidefile_fields(in->sf)[col];
}

uint64_t tl_stats_count(const struct tl_stats_in *in, size_t col)
{
	const struct tl_str *f = tl_stats_field(in, col);
	uint64_t v = 0;
	int ok = f->n > 0 && f->n <= 16;   /* 2^53 has 16 digits */
	for (size_t i = 0; ok && i < f->n; i++) {
		ok = f->p[i] >= '0' && f->p[i] <= '9';
		v = v * 10 + (uint64_t)(f->p[i] - '0');
	}
	if (!ok || v > (1ULL << 53))
		tl_stats_bad(in, "bad %s '%.*s' (want a count)", in->want->col[col], SHOW(f));
	return v;
}

int64_t tl_stats_int(const struct tl_stats_in *in, size_t col)
{
	const struct tl_str *f = tl_stats_field(in, col);
	size_t neg = f->n > 0 && f->p[0] == '-';
	uint64_t v = 0;
	int ok = f->n > neg && f->n - neg <= 19;
	for (size_t i = neg; ok && i < f->n; i++) {
		ok = f->p[i] >= '0' && f->p[i] <= '9';
		v = v * 10 + (uint64_t)(f->p[i] - '0');
	}
	if (!ok || v > (uint64_t)INT64_MAX)
		tl_stats_bad(in, "bad %s '%.*s' (want an integer)", in->want->col[col], SHOW(f));
	return neg ? -(int64_t)v : (int64_t)v;
}

static double parse_num(const struct tl_stats_in *in, size_t col, const char *p, size_t n)
{
	double v;
	if (tl_num_parse(p, n, &v) != 0 || !isfinite(v))
		tl_stats_bad(in, "bad %s '%.*s' (want a finite number)", in->want->col[col],
			     (int)(n > 60 ? 60 : n), p);
	return v;
}

double tl_stats_num(const struct tl_stats_in *in, size_t col)
{
	const struct tl_str *f = tl_stats_field(in, col);
	return parse_num(in, col, f->p, f->n);
}

void tl_stats_xsum(const struct tl_stats_in *in, size_t col, struct tl_xsum *to)
{
	const struct tl_str *f = tl_stats_field(in, col);
	size_t i = 0;
	do {
		const char *sp = memchr(f->p + i, ' ', f->n - i);
		size_t end = sp ? (size_t)(sp - f->p) : f->n;
		double v = parse_num(in, col, f->p + i, end - i);
		if (fabs(v) > 0x1p1000)   /* so that no partial sum of a merge overflows */
			tl_stats_bad(in, "bad %s: %.*s is beyond 2^1000, too large to sum exactly", in->want->col[col],
				     (int)(end - i > 60 ? 60 : end - i), f->p + i);
		tl_xsum_add(to, v);
		i = end + 1;
	} while (i <= f->n);
}
