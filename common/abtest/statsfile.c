/* statsfile.c - the stats CSV of tl-abtest (DESIGN §8): --emit-stats
 * writes an accumulator's sufficient statistics, --merge folds such files
 * back into one accumulator, exactly as one pass over all the learners. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest/internal.h"
#include "io/csvrow.h"
#include "io/sidefile.h"
#include "util/err.h"
#include "util/num.h"

/* ==== the stats CSV: emit and merge ===================================== */

static const char *const stats_cols[] = {
	"by", "segment", "arm", "metric", "kind", "covariate",
	"n", "mean", "m2", "mean_x", "m2_x", "c_xy"
};
#define NSTATS_COLS (sizeof stats_cols / sizeof stats_cols[0])

static void put_str(FILE *f, const char *s, size_t n, int comma)
{
	tl_csv_put_field(f, s ? s : "", s ? n : 0);
	if (comma)
		fputc(',', f);
}

static void emit_row(FILE *f, const struct tl_abtest *ab, const struct seg *g, int a, long m)
{
	const char *by = ab->s.by, *arm = ab->arm[a];
	put_str(f, by, by ? strlen(by) : 0, 1);
	put_str(f, g->name, g->len, 1);
	put_str(f, arm, strlen(arm), 1);
	if (m < 0) {
		fprintf(f, ",learners,,%.17g,,,,,\n", g->learners[a]);
		return;
	}
	const struct tl_ab_metric *mt = &ab->s.metric[m];
	const struct tl_comoments *c = &g->cell[2 * m + a];
	const char *cov = is_cuped(ab, (size_t)m) ? ab->s.covariate : NULL;
	put_str(f, mt->name, strlen(mt->name), 1);
	fputs(mt->kind == TL_AB_BINARY ? "binary," : "numeric,", f);
	put_str(f, cov, cov ? strlen(cov) : 0, 1);
	fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", c->n, c->mean_y, c->m2y, c->mean_x,
		c->m2x, c->cxy);
}

void tl_abtest_emit(const struct tl_abtest *ab, FILE *f)
{
	for (size_t i = 0; i < NSTATS_COLS; i++)
		fprintf(f, "%s%s", stats_cols[i], i + 1 < NSTATS_COLS ? "," : "\n");
	for (size_t i = 0; i < ab->nseg; i++)
		for (int a = 0; a < 2; a++) {
			if (!ab->arm[a])
				continue;
			emit_row(f, ab, &ab->seg[i], a, -1);
			for (size_t m = 0; m < ab->s.nmetrics; m++)
				emit_row(f, ab, &ab->seg[i], a, (long)m);
		}
}

/* One parsed row of a stats file. */
struct srow {
	char *f[6];                  /* by .. covariate */
	double v[6];                 /* n .. c_xy */
	const char *file;
	long line;
};

struct sfile {
	struct srow *row;
	size_t n, cap;
};

static double stats_num(const struct tl_str *s, int optional, const char *file, long line,
			const char *col)
{
	char buf[64];
	if (s->n == 0 && optional)
		return 0;
	if (s->n == 0 || s->n >= sizeof buf)
		tl_die_at(TL_EX_DATAERR, file, line, "bad %s: '%.*s'", col, (int)s->n, s->p);
	memcpy(buf, s->p, s->n);
	buf[s->n] = '\0';
	double v = 0;
	int nonneg = col[0] == 'n' || (col[0] == 'm' && col[1] == '2');   /* n, m2, m2_x */
	if (tl_num_parse(s->p, s->n, &v) < 0 || (nonneg && v < 0))
		tl_die_at(TL_EX_DATAERR, file, line, "bad %s: '%s'", col, buf);
	return v;
}

static void stats_fields(struct sfile *sf, const struct tl_str *fd, size_t nf, int first,
			 const char *file, long line)
{
	size_t hdr = 0;
	while (hdr < NSTATS_COLS && hdr < nf &&
	       same(fd[hdr].p, fd[hdr].n, stats_cols[hdr], strlen(stats_cols[hdr])))
		hdr++;
	if (first && (hdr < NSTATS_COLS || nf != NSTATS_COLS))
		tl_die_at(TL_EX_DATAERR, file, line, "not a tl-abtest --emit-stats file (column %zu "
			  "is '%.*s', expected '%s')", hdr + 1, hdr < nf ? (int)fd[hdr].n : 0,
			  hdr < nf ? fd[hdr].p : "", hdr < NSTATS_COLS ? stats_cols[hdr] : "");
	if (nf != NSTATS_COLS)
		tl_die_at(TL_EX_DATAERR, file, line, "expected %zu fields, found %zu", NSTATS_COLS, nf);
	if (hdr == NSTATS_COLS)   /* the header, also where files were concatenated */
		return;
	if (sf->n == sf->cap) {
		sf->cap = sf->cap ? 2 * sf->cap : 64;
		sf->row = tl_xrealloc(sf->row, sf->cap * sizeof *sf->row);
	}
	for (int i = 0; i < 6; i++)   /* a name is text: a NUL would cut it, and two arms become one */
		if (memchr(fd[i].p, '\0', fd[i].n))
			tl_die_at(TL_EX_DATAERR, file, line, "bad %s: a NUL byte", stats_cols[i]);
	struct srow *r = &sf->row[sf->n++];
	for (int i = 0; i < 6; i++)
		r->f[i] = tl_xstrndup(fd[i].p, fd[i].n);
	int learners = strcmp(r->f[4], "learners") == 0;
	for (int i = 0; i < 6; i++)
		r->v[i] = stats_num(&fd[6 + i], learners ? i > 0 : 0, file, line, stats_cols[6 + i]);
	unsigned long long n = 0;   /* read as an integer: 2^53 + 1 is refused, not rounded */
	if (tl_uint_parse(fd[6].p, fd[6].n, TL_COUNT_MAX, &n) < 0)
		tl_die_at(TL_EX_DATAERR, file, line, "bad n: '%.*s' (a count of learners)", (int)fd[6].n, fd[6].p);
	r->file = file;
	r->line = line;
}

static int is_learners(const struct srow *r) { return strcmp(r->f[4], "learners") == 0; }

/* same_cell: q and r are of one file, segment and arm. */
static int same_cell(const struct srow *q, const struct srow *r)
{
	return q->file == r->file && strcmp(q->f[0], r->f[0]) == 0 && strcmp(q->f[1], r->f[1]) == 0 &&
	       strcmp(q->f[2], r->f[2]) == 0;
}

/* by_cell: rows ordered by file, segment field, segment and arm (a cell),
 * its learners rows first, then by metric. */
static const struct sfile *cell_sf;   /* qsort has no context */
static int by_cell(const void *a, const void *b)
{
	const struct srow *x = &cell_sf->row[*(const size_t *)a], *y = &cell_sf->row[*(const size_t *)b];
	if (x->file != y->file)
		return (uintptr_t)x->file < (uintptr_t)y->file ? -1 : 1;
	int c = 0;
	for (int k = 0; k < 3 && !c; k++)
		c = strcmp(x->f[k], y->f[k]);
	if (!c)
		c = is_learners(y) - is_learners(x);
	if (!c && !is_learners(x))
		c = strcmp(x->f[3], y->f[3]);
	return c;
}

/* cell_sums: for each row, the total n of its cell over its file
 * (concatenated files hold a cell several times): nsum[i] of the rows of
 * its metric, lsum[i] of the cell's learners rows. Sorted: n log n. */
static void cell_sums(const struct sfile *sf, double *nsum, double *lsum)
{
	size_t *ix = tl_xmalloc((sf->n ? sf->n : 1) * sizeof *ix);
	for (size_t i = 0; i < sf->n; i++)
		ix[i] = i;
	cell_sf = sf;
	qsort(ix, sf->n, sizeof *ix, by_cell);
	double learners = 0;
	for (size_t i = 0, j; i < sf->n; i = j) {
		const struct srow *r = &sf->row[ix[i]];
		if (i == 0 || !same_cell(&sf->row[ix[i - 1]], r))
			learners = 0;   /* a new cell */
		double sum = 0;
		for (j = i; j < sf->n && by_cell(&ix[i], &ix[j]) == 0; j++)
			sum += sf->row[ix[j]].v[0];
		if (is_learners(r))
			learners = sum;
		for (size_t k = i; k < j; k++) {
			nsum[ix[k]] = sum;
			lsum[ix[k]] = learners;
		}
	}
	free(ix);
}

/* binary_ok: the n, mean and m2 in v are those of some k ones in n
 * (mean k/n, m2 k(n-k)/n), to the precision --emit-stats writes. */
static int binary_ok(const double *v)
{
	double n = v[0], k = v[1] * n, tol = 1e-9 * (n > 1 ? n : 1);
	return v[1] >= 0 && v[1] <= 1 && fabs(k - round(k)) <= tol &&
	       fabs(v[2] - round(k) * (n - round(k)) / n) <= tol;
}

/* stats_consistent: a tampered or damaged stats file must not decide an
 * experiment: each metric's n is at most its arm's learners, and a 0/1
 * metric's mean and m2 are those of some count of ones, k of n
 * (mean k/n, m2 k(n-k)/n), to the precision --emit-stats writes. */
static void stats_consistent(const struct sfile *sf)
{
	double *nsum = tl_xmalloc((sf->n ? sf->n : 1) * sizeof *nsum);
	double *lsum = tl_xmalloc((sf->n ? sf->n : 1) * sizeof *lsum);
	cell_sums(sf, nsum, lsum);
	size_t i = 0;
	int over = 0, binary = 0;
	double n = 0, learners = 0;
	for (; i < sf->n && !over && !binary; i++) {   /* in file order: the first bad row is named */
		const struct srow *r = &sf->row[i];
		if (is_learners(r))
			continue;
		n = nsum[i], learners = lsum[i];
		over = n > learners;
		binary = !over && strcmp(r->f[4], "binary") == 0 && r->v[0] != 0 && !binary_ok(r->v);
	}
	free(nsum);   /* before the die: a caught one leaks nothing */
	free(lsum);
	const struct srow *r = over || binary ? &sf->row[i - 1] : NULL;
	if (over)
		tl_die_at(TL_EX_DATAERR, r->file, r->line, "n %.17g of '%s' exceeds the %.17g learners of arm '%s'",
			  n, r->f[3], learners, r->f[2]);
	if (binary)
		tl_die_at(TL_EX_DATAERR, r->file, r->line,
			  "'%s' is a 0/1 metric, but its mean %.17g and m2 %.17g are not those of k ones in %.17g",
			  r->f[3], r->v[1], r->v[2], r->v[0]);
}

/* The merge under way: what a bad file's tl_die leaves allocated, kept
 * reachable, and freed by the next merge when the die was caught
 * (tl_die_catch: a caller that goes on, such as the fuzz harness), so
 * that memory stays bounded by one merge. */
static struct {
	struct sfile sf;
	struct tl_sidefile *in;
	struct tl_abtest *ab;
} merging;

static void sfile_free(struct sfile *sf)
{
	for (size_t i = 0; i < sf->n; i++)
		for (int k = 0; k < 6; k++)
			free(sf->row[i].f[k]);
	free(sf->row);
	*sf = (struct sfile){0};
}

static void merging_free(void)
{
	sfile_free(&merging.sf);
	if (merging.in)
		tl_sidefile_close(merging.in);
	tl_abtest_free(merging.ab);   /* NULL: nothing */
	merging.in = NULL;
	merging.ab = NULL;
}

/* stats_read: the rows of one --emit-stats file (io/sidefile.h: a BOM and
 * blank lines are skipped, as in every side file). */
static void stats_read(struct sfile *sf, const char *file)
{
	struct tl_sidefile *in = strcmp(file, "-") == 0 ? tl_sidefile_stream(stdin, file, 1 << 20)
						       : tl_sidefile_open(file, 1 << 20);
	merging.in = in;
	long records = 0;
	while (tl_sidefile_next(in))
		stats_fields(sf, tl_sidefile_fields(in), tl_sidefile_nfields(in), records++ == 0, file,
			     tl_sidefile_line(in));
	if (records == 0)
		tl_die_at(TL_EX_DATAERR, file, tl_sidefile_lines(in), "empty file");
	merging.in = NULL;
	tl_sidefile_close(in);
}

static const char *own(struct tl_abtest *ab, const char *s)
{
	ab->owned = tl_xrealloc(ab->owned, (ab->nowned + 1) * sizeof *ab->owned);
	return ab->owned[ab->nowned++] = tl_xstrdup(s);
}

/* The setup the stats rows describe; checked for consistency. */
static void stats_setup(const struct sfile *sf, struct tl_ab_setup *s)
{
	const char *by = NULL, *cov = NULL;
	for (size_t i = 0; i < sf->n; i++) {
		const struct srow *r = &sf->row[i];
		if (i == 0)
			by = r->f[0];
		else if (strcmp(by, r->f[0]) != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "segment field '%s' differs from '%s'",
				  r->f[0], by);
		if (strcmp(r->f[4], "learners") == 0)
			continue;
		enum tl_ab_kind kind = strcmp(r->f[4], "binary") == 0 ? TL_AB_BINARY : TL_AB_NUMERIC;
		if (kind == TL_AB_NUMERIC && strcmp(r->f[4], "numeric") != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "bad kind '%s'", r->f[4]);
		if (kind == TL_AB_NUMERIC && !cov)
			cov = r->f[5];
		if (kind == TL_AB_NUMERIC && strcmp(cov, r->f[5]) != 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "covariate '%s' differs from '%s'",
				  r->f[5], cov);
		size_t m = 0;
		while (m < s->nmetrics && strcmp(s->metric[m].name, r->f[3]) != 0)
			m++;
		if (m == s->nmetrics) {
			if (m == TL_AB_MAX_METRICS)
				tl_die_at(TL_EX_DATAERR, r->file, r->line, "more than %d metrics", TL_AB_MAX_METRICS);
			s->metric[s->nmetrics++] = (struct tl_ab_metric){r->f[3], kind};
		} else if (s->metric[m].kind != kind) {
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "metric '%s' is both numeric and binary", r->f[3]);
		}
	}
	s->by = by && *by ? by : NULL;
	s->covariate = cov && *cov ? cov : NULL;
}

static int opt_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Options given with --merge must agree with the files; --metric and
 * --binary pick some of the files' metrics. */
static void stats_check(const struct tl_ab_setup *got, const struct tl_ab_setup *want,
			struct tl_ab_setup *use)
{
	*use = *got;
	if (!want)
		return;
	int ok = (!want->by || opt_same(want->by, got->by)) &&
		 (!want->covariate || opt_same(want->covariate, got->covariate));
	for (size_t i = 0; ok && i < want->nmetrics; i++) {
		size_t j = 0;
		while (j < got->nmetrics && strcmp(got->metric[j].name, want->metric[i].name) != 0)
			j++;
		ok = j < got->nmetrics && got->metric[j].kind == want->metric[i].kind;
	}
	if (!ok)
		tl_die(TL_EX_DATAERR, "the stats files do not match the options: each --metric and "
		       "--binary must be in them with its kind, and --by and --covariate must be "
		       "those they were emitted with");
	if (want->nmetrics) {   /* the options pick metrics, in their order */
		use->nmetrics = want->nmetrics;
		for (size_t i = 0; i < want->nmetrics; i++)
			use->metric[i] = want->metric[i];
	}
}

static void stats_fold(struct tl_abtest *ab, const struct sfile *sf)
{
	for (size_t i = 0; i < sf->n; i++) {
		const struct srow *r = &sf->row[i];
		int a = tl_abtest_arm(ab, r->f[2], strlen(r->f[2]));
		if (a < 0)
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "arm '%s': only two arms, '%s' and '%s', "
				  "can be compared", r->f[2], ab->arm[0], ab->arm[1] ? ab->arm[1] : "");
		size_t si = tl_abtest_segment(ab, r->f[1], strlen(r->f[1]));  /* may move ab->seg */
		struct seg *g = &ab->seg[si];
		if (strcmp(r->f[4], "learners") == 0) {
			g->learners[a] += r->v[0];
			continue;
		}
		size_t m = 0;
		while (m < ab->s.nmetrics && strcmp(ab->s.metric[m].name, r->f[3]) != 0)
			m++;
		if (m == ab->s.nmetrics)   /* not among the metrics the options pick */
			continue;
		struct tl_comoments c = {r->v[0], r->v[3], r->v[1], r->v[4], r->v[2], r->v[5]}, *to = &g->cell[2 * m + a];
		tl_comoments_merge(to, &c);
		if (!isfinite(to->mean_x + to->mean_y + to->m2x + to->m2y + to->cxy))   /* --emit-stats would write inf */
			tl_die_at(TL_EX_DATAERR, r->file, r->line, "'%s': the statistics overflow when merged", r->f[3]);
	}
}

struct tl_abtest *tl_abtest_merge(int nfiles, char **files, const char *control,
				  const struct tl_ab_setup *want, const struct tl_ab_params *p)
{
	struct sfile *sf = &merging.sf;
	struct tl_ab_setup got = {.control = control}, use;
	static char *stdin_only[] = {"-"};
	merging_free();   /* a merge that a caught die ended */
	if (nfiles == 0)
		nfiles = 1, files = stdin_only;
	for (int i = 0; i < nfiles; i++)
		stats_read(sf, files[i]);
	stats_consistent(sf);
	stats_setup(sf, &got);
	stats_check(&got, want, &use);
	struct tl_abtest *ab = merging.ab = tl_abtest_new(&use, p);
	/* the setup's names point into the rows: keep copies the accumulator owns */
	for (size_t m = 0; m < use.nmetrics; m++)
		ab->s.metric[m].name = own(ab, use.metric[m].name);
	ab->s.by = use.by ? own(ab, use.by) : NULL;
	ab->s.covariate = use.covariate ? own(ab, use.covariate) : NULL;
	ab->s.control = ab->arm[0];
	stats_fold(ab, sf);
	merging.ab = NULL;   /* the caller's */
	sfile_free(sf);
	return ab;
}
