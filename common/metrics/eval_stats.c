/* eval_stats.c - tl-eval's accumulator and its stats file (eval_acc.h):
 * --emit-stats writes the sufficient statistics in the layout of
 * io/statsrows.h, --merge adds files of them into one accumulator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/statsrows.h"
#include "metrics/eval_acc.h"
#include "util/err.h"
#include "util/num.h"

#define STATS_TOOL "tl-eval"
#define STATS_VERSION 1
#define MAX_COUNT 9007199254740992.0   /* 2^53: counts stay exact in doubles */

static const char *const mode_names[] = {"classification", "binary", "numeric"};

struct tl_eval_acc *tl_eval_acc_new(const struct tl_eval_setup *s, size_t max_classes)
{
	struct tl_eval_acc *a = tl_xcalloc(1, sizeof *a);
	a->s = *s;
	tl_confusion_init(&a->conf);
	a->conf.max_classes = max_classes;
	return a;
}

void tl_eval_acc_free(struct tl_eval_acc *a)
{
	if (!a)
		return;
	tl_confusion_free(&a->conf);
	tl_eval_hist_free(&a->hist);
	for (int i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a);
}

/* ---- --emit-stats ------------------------------------------------------------ */

static void put_text(FILE *f, const char *s)
{
	fputc(',', f);
	tl_csv_put_field(f, s, strlen(s));
}

/* put_sum: ",P1 P2 ..." the exact sum as its parts (util/stats.h). */
static void put_sum(FILE *f, const struct tl_xsum *s)
{
	double parts[TL_XSUM_MAX_PARTS];
	size_t k = tl_xsum_parts(s, parts);
	fputc(',', f);
	if (k == 0)
		fputc('0', f);
	for (size_t i = 0; i < k; i++) {
		const char *sep = i ? " " : "";
		if (isnan(parts[i]))
			fprintf(f, "%snan", sep);
		else if (isinf(parts[i]))
			fprintf(f, "%s%sinf", sep, parts[i] < 0 ? "-" : "");
		else
			fprintf(f, "%s%.17g", sep, parts[i]);
	}
}

static void emit_params(const struct tl_eval_setup *s, FILE *f)
{
	const char *names[][2] = {{"truth", s->truth}, {"pred", s->pred}, {"score", s->score},
				  {"label", s->label}, {"actual", s->actual}};
	tl_statsrows_head(f, STATS_TOOL, STATS_VERSION);
	tl_statsrows_param(f, "mode", mode_names[s->mode]);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i][1])
			tl_statsrows_param(f, names[i][0], names[i][1]);
	if (s->mode == TL_EVAL_NUMERIC) {
		tl_statsrows_param_num(f, "tolerance", s->tolerance);
		for (int b = 0; b < s->nbaseline; b++)
			tl_statsrows_param(f, "baseline", s->baseline[b]);
	}
}

void tl_eval_emit(struct tl_eval_acc *a, FILE *f)
{
	emit_params(&a->s, f);
	tl_statsrows_learners_put(f, &a->ids);
	fprintf(f, "learners,%lld\nskipped,%lld\n", a->learners, a->skipped);
	if (a->s.mode == TL_EVAL_CLASS) {
		tl_confusion_sort(&a->conf);
		for (size_t t = 0; t < a->conf.k; t++)
			for (size_t p = 0; p < a->conf.k; p++) {
				long long c = tl_confusion_at(&a->conf, t, p);
				if (c == 0)
					continue;
				fputs("cell", f);
				put_text(f, a->conf.labels[t]);
				put_text(f, a->conf.labels[p]);
				fprintf(f, ",%lld\n", c);
			}
	} else if (a->s.mode == TL_EVAL_BINARY) {
		tl_eval_hist_compact(&a->hist);
		for (size_t i = 0; i < a->hist.n; i++)
			fprintf(f, "score,%.17g,%lld,%lld\n", a->hist.b[i].score, a->hist.b[i].pos, a->hist.b[i].neg);
	} else {
		for (int b = 0; b <= a->s.nbaseline; b++) {
			const struct tl_eval_numeric *m = &a->num[b];
			fprintf(f, "numeric,%d,%lld,%lld", b, m->n, m->within);
			put_sum(f, &m->abs);
			put_sum(f, &m->sq);
			put_sum(f, &m->err);
			fputc('\n', f);
		}
	}
}

/* ---- --merge: the setup of the files ------------------------------------------ */

/* own: a copy of s that a keeps. */
static const char *own(struct tl_eval_acc *a, const char *s)
{
	return a->owned[a->nowned++] = tl_xstrdup(s);
}

/* set_param: parameter i of the first block into a's setup (names copied). */
static void set_param(const struct tl_statsrows *r, size_t i, struct tl_eval_acc *a)
{
	const char *name = tl_statsrows_param_name(r, i), *v = tl_statsrows_param_value(r, i);
	const char **field = strcmp(name, "truth") == 0	   ? &a->s.truth
			     : strcmp(name, "pred") == 0   ? &a->s.pred
			     : strcmp(name, "score") == 0  ? &a->s.score
			     : strcmp(name, "label") == 0  ? &a->s.label
			     : strcmp(name, "actual") == 0 ? &a->s.actual
							   : NULL;
	int mode = 0;
	while (mode < 3 && strcmp(v, mode_names[mode]) != 0)
		mode++;
	if (i == 0 && strcmp(name, "mode") == 0 && mode < 3) {
		a->s.mode = (enum tl_eval_mode)mode;
	} else if (i > 0 && field && !*field && *v) {
		*field = own(a, v);
	} else if (i > 0 && strcmp(name, "tolerance") == 0 && !a->s.tolerance_set &&
		   tl_num_parse(v, strlen(v), &a->s.tolerance) == 0 && a->s.tolerance >= 0) {
		a->s.tolerance_set = 1;
	} else if (i > 0 && strcmp(name, "baseline") == 0 && *v && a->s.nbaseline < TL_EVAL_MAX_BASELINES) {
		a->s.baseline[a->s.nbaseline++] = own(a, v);
	} else if (i == 0) {
		tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), tl_statsrows_param_line(r, i),
			  "the first parameter is not one of the modes: %s '%s'", name, v);
	} else {
		tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), tl_statsrows_param_line(r, i),
			  "unexpected parameter %s '%s'", name, v);
	}
}

/* files_setup: the setup the first block's parameters describe. */
static void files_setup(const struct tl_statsrows *r, struct tl_eval_acc *a)
{
	size_t n = tl_statsrows_nparams(r);
	if (n == 0)
		tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), tl_statsrows_first_line(r), "no parameters");
	for (size_t i = 0; i < n; i++)
		set_param(r, i, a);
	const struct tl_eval_setup *s = &a->s;
	int mode = (int)s->mode;
	int ok = mode == TL_EVAL_CLASS	  ? s->truth && s->pred && !s->score && !s->label && !s->actual
		 : mode == TL_EVAL_BINARY ? s->score && s->label && !s->truth && !s->pred && !s->actual
		 : mode == TL_EVAL_NUMERIC ? s->pred && s->actual && s->tolerance_set && !s->truth && !s->score &&
					     !s->label
					   : 0;
	ok = ok && (mode == TL_EVAL_NUMERIC || s->nbaseline == 0);
	if (!ok)
		tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), tl_statsrows_first_line(r),
			  "the parameters do not describe one mode of tl-eval");
}

static int differs(const char *want, const char *got) { return want && strcmp(want, got ? got : "") != 0; }

/* check_want: the options given with --merge are those of the files. */
static void check_want(const struct tl_statsrows *r, const struct tl_eval_setup *got, const struct tl_eval_setup *want)
{
	const char *opt = differs(want->truth, got->truth)     ? "--truth"
			  : differs(want->pred, got->pred)     ? "--pred"
			  : differs(want->score, got->score)   ? "--score"
			  : differs(want->label, got->label)   ? "--label"
			  : differs(want->actual, got->actual) ? "--actual"
							       : NULL;
	if (!opt && want->tolerance_set && !(got->mode == TL_EVAL_NUMERIC && want->tolerance == got->tolerance))
		opt = "--tolerance";
	int nb = want->nbaseline;
	for (int b = 0; !opt && nb && b <= nb; b++)
		if (b == nb ? got->nbaseline != nb : b >= got->nbaseline || strcmp(want->baseline[b], got->baseline[b]))
			opt = "--baseline";
	if (opt)
		tl_die_at(TL_EX_DATAERR, tl_statsrows_first_file(r), tl_statsrows_first_line(r),
			  "%s is not what these statistics were computed with (their parameters are the "
			  "options to give, or none)", opt);
}

/* ---- --merge: the rows -------------------------------------------------------- */

/* What one block's rows add up to, checked at its end. */
struct block {
	double learners, skipped, evaluated;
	double n[1 + TL_EVAL_MAX_BASELINES];
};

/* tally: add v to a block count (each is at most 2^53, and so is a sum). */
static void tally(const struct tl_statsrows *r, double *to, long long v)
{
	*to += (double)v;
	if (*to > MAX_COUNT)
		tl_statsrows_die(r, "the counts of the block add up to more than 2^53");
}

/* need: the row has n fields and belongs to the mode m (-1: any). */
static void need(const struct tl_statsrows *r, const struct tl_eval_acc *a, size_t n, int m)
{
	const struct tl_str *kind = &tl_statsrows_fields(r)[0];
	if (m >= 0 && (int)a->s.mode != m)
		tl_statsrows_die(r, "a %.*s row in the stats of the %s mode", kind->n > 32 ? 32 : (int)kind->n, kind->p,
				 mode_names[a->s.mode]);
	if (tl_statsrows_nfields(r) != n)
		tl_statsrows_die(r, "a %.*s row has %zu fields, not %zu", (int)kind->n, kind->p, n,
				 tl_statsrows_nfields(r));
}

static void row_cell(const struct tl_statsrows *r, struct tl_eval_acc *a, struct block *k)
{
	need(r, a, 4, TL_EVAL_CLASS);
	struct tl_str t = tl_statsrows_text(r, 1, "truth class"), p = tl_statsrows_text(r, 2, "predicted class");
	long long c = tl_statsrows_count(r, 3, "count");
	if (t.n == 0 || p.n == 0)
		tl_statsrows_die(r, "an empty class name (a learner with an empty class is skipped, not counted)");
	tally(r, &k->evaluated, c);
	if (c && tl_confusion_add_n(&a->conf, t.p, t.n, p.p, p.n, c) < 0)
		tl_statsrows_die(r, "more than %zu classes (--max-classes)", a->conf.max_classes);
}

static void row_score(const struct tl_statsrows *r, struct tl_eval_acc *a, struct block *k)
{
	need(r, a, 4, TL_EVAL_BINARY);
	double s = tl_statsrows_number(r, 1, "score");
	long long pos = tl_statsrows_count(r, 2, "positives"), neg = tl_statsrows_count(r, 3, "negatives");
	tally(r, &k->evaluated, pos);
	tally(r, &k->evaluated, neg);
	if (pos + neg)
		tl_eval_hist_add(&a->hist, s, pos, neg);
}

/* add_sum: field i, an exact sum as its parts (put_sum), into to. */
static void add_sum(const struct tl_statsrows *r, size_t i, const char *what, struct tl_xsum *to)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	size_t at = 0, nparts = 0;
	do {
		size_t end = at;
		while (end < f->n && f->p[end] != ' ')
			end++;
		const char *t = f->p + at;
		size_t n = end - at;
		double v;
		if (n == 3 && memcmp(t, "inf", 3) == 0)
			v = INFINITY;
		else if (n == 4 && memcmp(t, "-inf", 4) == 0)
			v = -INFINITY;
		else if (n == 3 && memcmp(t, "nan", 3) == 0)
			v = NAN;
		else if (tl_num_parse(t, n, &v) < 0 || ++nparts > TL_XSUM_MAX_PARTS)
			tl_statsrows_die(r, "bad %s: '%.*s' (a sum, as numbers apart by spaces)", what,
					 f->n > 64 ? 64 : (int)f->n, f->p);
		tl_xsum_add(to, v);
		at = end + 1;
	} while (at <= f->n);
}

static void row_numeric(const struct tl_statsrows *r, struct tl_eval_acc *a, struct block *k)
{
	need(r, a, 7, TL_EVAL_NUMERIC);
	long long b = tl_statsrows_count(r, 1, "predictor");
	if (b > a->s.nbaseline)
		tl_statsrows_die(r, "predictor %lld: the parameters name %d baselines", b, a->s.nbaseline);
	struct tl_eval_numeric *m = &a->num[b];
	long long n = tl_statsrows_count(r, 2, "n"), within = tl_statsrows_count(r, 3, "within");
	if (within > n)
		tl_statsrows_die(r, "within %lld is more than n %lld", within, n);
	tally(r, &k->n[b], n);
	m->n += n;
	m->within += within;
	add_sum(r, 4, "sum of |error|", &m->abs);
	add_sum(r, 5, "sum of squared errors", &m->sq);
	add_sum(r, 6, "sum of errors", &m->err);
}

static void row(const struct tl_statsrows *r, struct tl_eval_acc *a, struct block *k)
{
	const struct tl_str *kind = &tl_statsrows_fields(r)[0];
	int learners = kind->n == 8 && memcmp(kind->p, "learners", 8) == 0;
	if (learners || (kind->n == 7 && memcmp(kind->p, "skipped", 7) == 0)) {
		need(r, a, 2, -1);
		tally(r, learners ? &k->learners : &k->skipped, tl_statsrows_count(r, 1, learners ? "learners" : "skipped"));
	} else if (kind->n == 4 && memcmp(kind->p, "cell", 4) == 0) {
		row_cell(r, a, k);
	} else if (kind->n == 5 && memcmp(kind->p, "score", 5) == 0) {
		row_score(r, a, k);
	} else if (kind->n == 7 && memcmp(kind->p, "numeric", 7) == 0) {
		row_numeric(r, a, k);
	} else {
		tl_statsrows_die(r, "unknown row '%.*s'", kind->n > 32 ? 32 : (int)kind->n, kind->p);
	}
}

/* block_end: the block's counts agree (every learner is evaluated or
 * skipped, every predictor on the same ones); add its learners. */
static void block_end(const struct tl_statsrows *r, struct tl_eval_acc *a, const struct block *k)
{
	double evaluated = a->s.mode == TL_EVAL_NUMERIC ? k->n[0] : k->evaluated;
	for (int b = 1; a->s.mode == TL_EVAL_NUMERIC && b <= a->s.nbaseline; b++)
		if (k->n[b] != k->n[0])
			tl_statsrows_die(r, "baseline %d has n %.17g, the prediction %.17g: all are evaluated on "
					 "the same learners", b, k->n[b], k->n[0]);
	if (evaluated + k->skipped != k->learners)
		tl_statsrows_die(r, "the rows count %.17g learners evaluated and %.17g skipped, but %.17g learners",
				 evaluated, k->skipped, k->learners);
	a->learners += (long long)k->learners;
	a->skipped += (long long)k->skipped;
	if ((double)a->learners > MAX_COUNT)
		tl_statsrows_die(r, "more than 2^53 learners in all");
}

/* The merge under way: what a caught die leaves, freed by the next merge. */
static struct {
	struct tl_statsrows *r;
	struct tl_eval_acc *a;
} merging;

static void merging_free(void)
{
	tl_statsrows_free(merging.r);
	tl_eval_acc_free(merging.a);
	merging.r = NULL;
	merging.a = NULL;
}

/* read_file: every block of one file into a (its setup from the first
 * block of all, when *setup is 0). */
static void read_file(struct tl_statsrows *r, const char *path, struct tl_eval_acc *a, int *setup,
		      const struct tl_eval_setup *want)
{
	struct block k = {0};
	int rc;
	tl_statsrows_open(r, path);
	while ((rc = tl_statsrows_next(r)) != TL_STATSROWS_EOF) {
		if (!*setup) {
			files_setup(r, a);
			if (want)
				check_want(r, &a->s, want);
			*setup = 1;
		}
		if (rc == TL_STATSROWS_ROW) {
			row(r, a, &k);
		} else {
			block_end(r, a, &k);
			k = (struct block){0};
		}
	}
}

struct tl_eval_acc *tl_eval_merge(int nfiles, char **files, const struct tl_eval_setup *want, size_t max_classes)
{
	static char *stdin_only[] = {"-"};
	static const struct tl_eval_setup none = {0};
	int setup = 0;
	merging_free();   /* a merge that a caught die ended */
	if (nfiles == 0)
		nfiles = 1, files = stdin_only;
	struct tl_statsrows *r = merging.r = tl_statsrows_new(STATS_TOOL, STATS_VERSION);
	struct tl_eval_acc *a = merging.a = tl_eval_acc_new(&none, max_classes);
	for (int i = 0; i < nfiles; i++)
		read_file(r, files[i], a, &setup, want);
	a->ids = tl_statsrows_learners(r);
	merging.a = NULL;   /* the caller's */
	merging_free();
	return a;
}
