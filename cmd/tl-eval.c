/* tl-eval - compare predictions with truth carried in learner records
 * (DESIGN §9): class labels (precision, recall, F1, confusion matrix), a
 * score against a 0/1 label (ROC AUC, PR AUC, Brier, calibration bins) or
 * a number against its actual value (MAE, RMSE, share within a tolerance,
 * and the same for naive baselines). Writes a report, not records; or its
 * sufficient statistics (--emit-stats), which --merge adds up. The work
 * is in metrics/eval_acc.h. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/eval_acc.h"
#include "record/field.h"
#include "record/run.h"
#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"

#define TOLERANCE_DEFAULT 0.1   /* --tolerance */
#define MAX_CLASSES_DEFAULT 1000   /* --max-classes */

enum { OPT_ACTUAL = CHAR_MAX + 1, OPT_BASELINE, OPT_CURVE, OPT_EMIT, OPT_LABEL_FIELD, OPT_MAX_CLASSES, OPT_MERGE,
       OPT_PRED, OPT_SCORE, OPT_TOLERANCE, OPT_TRUTH };

/* tl-eval's --label takes a field, so it comes before (and shadows) the
 * common --label flag. */
static const struct option longopts[] = {
	{.name = "actual", .has_arg = required_argument, .val = OPT_ACTUAL},
	{.name = "baseline", .has_arg = required_argument, .val = OPT_BASELINE},
	{.name = "curve", .has_arg = required_argument, .val = OPT_CURVE},
	{.name = "emit-stats", .has_arg = no_argument, .val = OPT_EMIT},
	{.name = "format", .has_arg = required_argument, .val = 'o'},
	{.name = "label", .has_arg = required_argument, .val = OPT_LABEL_FIELD},
	{.name = "max-classes", .has_arg = required_argument, .val = OPT_MAX_CLASSES},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "pred", .has_arg = required_argument, .val = OPT_PRED},
	{.name = "score", .has_arg = required_argument, .val = OPT_SCORE},
	{.name = "tolerance", .has_arg = required_argument, .val = OPT_TOLERANCE},
	{.name = "truth", .has_arg = required_argument, .val = OPT_TRUTH},
	TL_COMMON_LONGOPTS,
	{0}
};

struct options {
	struct tl_eval_setup s;
	const char *curve;
	long max_classes;
	enum tl_eval_format format;
	int emit, merge;
};

/* One pass: the accumulator and the buffers of the text fields. */
struct state {
	const struct options *o;
	struct tl_eval_acc *a;
	struct tl_field_buf truth, pred;
};

static const char synopsis[] =
	"usage: tl-eval --truth FIELD --pred FIELD [--max-classes N] [-o text|json|md]\n"
	"               [--emit-stats] [common options] [FILE ...]\n"
	"       tl-eval --score FIELD --label FIELD [--curve FILE] [-o text|json|md]\n"
	"               [--emit-stats] [common options] [FILE ...]\n"
	"       tl-eval --pred FIELD --actual FIELD [--tolerance T] [--baseline FIELD ...]\n"
	"               [-o text|json|md] [--emit-stats] [common options] [FILE ...]\n"
	"       tl-eval --merge [options] [STATS ...]\n";

static const char help[] =
	"Compare predictions with truth in learner records and write a report.\n\n"
	"      --truth FIELD      true class (classification, with --pred)\n"
	"      --pred FIELD       predicted class, or predicted number (with --actual)\n"
	"      --score FIELD      a score ranking positives high (with --label)\n"
	"      --label FIELD      the 0/1 truth of --score\n"
	"      --actual FIELD     the actual number of --pred\n"
	"      --curve FILE       binary: also write the ROC curve to FILE as CSV\n"
	"      --max-classes N    most distinct classes (default " TL_XSTR(MAX_CLASSES_DEFAULT) ")\n"
	"      --tolerance T      absolute tolerance of within_tolerance (default " TL_XSTR(TOLERANCE_DEFAULT) ")\n"
	"      --baseline FIELD   a naive prediction to compare (repeatable)\n"
	"  -o, --format F         text (default), json or md (--format: the older spelling)\n"
	"      --emit-stats       write sufficient statistics (CSV), not a report\n"
	"      --merge            read --emit-stats files and report on all their learners\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

static void option(struct options *o, int opt, const char *arg)
{
	struct tl_eval_setup *s = &o->s;
	switch (opt) {
	case OPT_ACTUAL: s->actual = arg; break;
	case OPT_BASELINE:
		if (s->nbaseline == TL_EVAL_MAX_BASELINES)
			tl_usage_error("at most %d --baseline fields", TL_EVAL_MAX_BASELINES);
		s->baseline[s->nbaseline++] = arg;
		break;
	case OPT_CURVE: o->curve = arg; break;
	case OPT_EMIT: o->emit = 1; break;
	case 'o':   /* -o, and --format, its older spelling */
		if (strcmp(arg, "text") == 0) o->format = TL_EVAL_TEXT;
		else if (strcmp(arg, "json") == 0) o->format = TL_EVAL_JSON;
		else if (strcmp(arg, "md") == 0) o->format = TL_EVAL_MD;
		else tl_usage_error("-o wants text, json or md, not '%s'", arg);
		break;
	case OPT_LABEL_FIELD: s->label = arg; break;
	case OPT_MAX_CLASSES: o->max_classes = tl_opt_long("--max-classes", arg, 2, 1000000); break;
	case OPT_MERGE: o->merge = 1; break;
	case OPT_PRED: s->pred = arg; break;
	case OPT_SCORE: s->score = arg; break;
	case OPT_TOLERANCE: s->tolerance = tl_opt_double("--tolerance", arg, 0, HUGE_VAL); s->tolerance_set = 1; break;
	case OPT_TRUTH: s->truth = arg; break;
	default: usage(TL_EX_USAGE);
	}
}

/* The mode the fields name; with --merge the files name it, and the
 * fields given must be theirs (metrics/eval_stats.c checks). */
static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	struct tl_eval_setup *s = &o->s;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1)
		option(o, opt, optarg);
	if (s->truth && s->pred && !s->score && !s->label && !s->actual && !s->nbaseline)
		s->mode = TL_EVAL_CLASS;
	else if (s->score && s->label && !s->truth && !s->pred && !s->actual && !s->nbaseline)
		s->mode = TL_EVAL_BINARY;
	else if (s->pred && s->actual && !s->truth && !s->score && !s->label)
		s->mode = TL_EVAL_NUMERIC;
	else if (!o->merge)
		tl_usage_error("give one of: --truth and --pred; --score and --label; --pred and --actual");
	if (o->curve && s->mode != TL_EVAL_BINARY && !o->merge)
		tl_usage_error("--curve needs --score and --label");
	tl_common_output(c, "--curve", o->curve);
}

/* ---- reading fields ------------------------------------------------------- */

/* number: the field as a number; 0 when empty, else 1; exits when absent or not a number. */
static int number(const struct tl_learner *l, const char *name, double *v)
{
	return tl_field_number(l, tl_field_need(l, name, NULL), v);
}

/* text: the field as text in b; exits when absent or holding a NUL byte
 * (a class name is text: a NUL would cut it, and two classes become one). */
static size_t text(const struct tl_learner *l, const char *name, struct tl_field_buf *b)
{
	const struct tl_attr *a = tl_field_need(l, name, NULL);
	size_t n = tl_field_text(a, b);
	if (memchr(b->p, '\0', n))
		tl_field_bad(l, a, "holds a NUL byte");
	return n;
}

static void collect_class(struct state *s, const struct tl_eval_setup *o, const struct tl_learner *l)
{
	size_t tn = text(l, o->truth, &s->truth), pn = text(l, o->pred, &s->pred);
	if (!tn || !pn)
		s->a->skipped++;
	else if (tl_confusion_add(&s->a->conf, s->truth.p, tn, s->pred.p, pn) < 0)
		tl_field_die(l, ": more than %ld classes (--max-classes): are '%s' and '%s' free text?",
			     s->o->max_classes, o->truth, o->pred);
}

static void collect_binary(struct state *s, const struct tl_eval_setup *o, const struct tl_learner *l)
{
	double x;
	int hs = number(l, o->score, &x), y = tl_field_boolean(l, tl_field_need(l, o->label, NULL));
	if (!hs || y < 0)
		s->a->skipped++;
	else
		tl_eval_hist_add(&s->a->hist, x, y, !y);
}

static void collect_numeric(struct state *s, const struct tl_eval_setup *o, const struct tl_learner *l)
{
	double v[1 + TL_EVAL_MAX_BASELINES], actual;
	int ok = number(l, o->actual, &actual) & number(l, o->pred, &v[0]);
	for (int b = 0; b < o->nbaseline; b++)
		ok &= number(l, o->baseline[b], &v[1 + b]);
	if (!ok) {
		s->a->skipped++;
		return;
	}
	for (int b = 0; b <= o->nbaseline; b++)
		tl_eval_numeric_add(&s->a->num[b], v[b], actual, o->tolerance);
}

static void eval_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct state *s = state;
	(void)asof, (void)npast, (void)w;
	s->a->learners++;
	if (s->o->s.mode == TL_EVAL_CLASS)
		collect_class(s, &s->o->s, l);
	else if (s->o->s.mode == TL_EVAL_BINARY)
		collect_binary(s, &s->o->s, l);
	else
		collect_numeric(s, &s->o->s, l);
}

/* finish: the report, or the stats, to f; the curve file. */
static void finish(const struct options *o, struct tl_eval_acc *a, FILE *f)
{
	if (o->emit)
		tl_eval_emit(a, f);
	else
		tl_eval_report(a, f, o->format);
	if (o->curve) {
		if (a->s.mode != TL_EVAL_BINARY)
			tl_usage_error("--curve needs --score and --label: these stats are not of the binary mode");
		FILE *c = tl_output_open(o->curve);
		tl_eval_curve(a, c);
		tl_output_commit(c);
	}
}

static int run_input(const struct options *o, struct tl_common *common, int nfiles, char **files)
{
	struct state s = {.o = o, .a = tl_eval_acc_new(&o->s, (size_t)o->max_classes)};
	struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = eval_learner, .report = 1};
	tl_run_all(run, &tool, &s);
	s.a->ids = tl_run_learners(run);
	finish(o, s.a, tl_run_output(run));
	int rc = tl_run_close(run);
	tl_eval_acc_free(s.a);
	free(s.truth.p);
	free(s.pred.p);
	return rc;
}

static int run_merge(const struct options *o, const struct tl_common *common, int nfiles, char **files)
{
	struct tl_eval_acc *a = tl_eval_merge(nfiles, files, &o->s, (size_t)o->max_classes);
	FILE *f = tl_output_open(common->output);
	finish(o, a, f);
	tl_output_commit(f);
	tl_eval_acc_free(a);
	return TL_EX_OK;
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.s = {.tolerance = TOLERANCE_DEFAULT}, .max_classes = MAX_CLASSES_DEFAULT};

	tl_front_init("tl-eval", argv, &common);
	tl_front_report(&common);
	common.own_o = 1;
	parse_options(argc, argv, &common, &o);
	if (o.merge)
		return run_merge(&o, &common, argc - optind, argv + optind);
	return run_input(&o, &common, argc - optind, argv + optind);
}
