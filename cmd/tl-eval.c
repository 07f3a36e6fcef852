/* tl-eval - compare predictions with truth carried in learner records
 * (DESIGN §9): class labels (precision, recall, F1, confusion matrix), a
 * score against a 0/1 label (ROC AUC, PR AUC, Brier, calibration bins) or
 * a number against its actual value (MAE, RMSE, share within a tolerance,
 * and the same for naive baselines). Writes a report, not records. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "metrics/eval.h"
#include "util/opts.h"
#include "record/field.h"
#include "record/run.h"
#include "report/table.h"
#include "util/out.h"

#define MAX_BASELINES 16
#define TOLERANCE_DEFAULT 0.1   /* --tolerance */
#define MAX_CLASSES_DEFAULT 1000   /* --max-classes */

enum { OPT_ACTUAL = CHAR_MAX + 1, OPT_BASELINE, OPT_CURVE, OPT_LABEL_FIELD, OPT_MAX_CLASSES, OPT_PRED,
       OPT_SCORE, OPT_TOLERANCE, OPT_TRUTH };
enum mode { MODE_CLASS, MODE_BINARY, MODE_NUMERIC };
enum format { FMT_TEXT, FMT_JSON, FMT_MD };

/* tl-eval's --label takes a field, so it comes before (and shadows) the
 * common --label flag. */
static const struct option longopts[] = {
	{.name = "actual", .has_arg = required_argument, .val = OPT_ACTUAL},
	{.name = "baseline", .has_arg = required_argument, .val = OPT_BASELINE},
	{.name = "curve", .has_arg = required_argument, .val = OPT_CURVE},
	{.name = "format", .has_arg = required_argument, .val = 'o'},
	{.name = "label", .has_arg = required_argument, .val = OPT_LABEL_FIELD},
	{.name = "max-classes", .has_arg = required_argument, .val = OPT_MAX_CLASSES},
	{.name = "pred", .has_arg = required_argument, .val = OPT_PRED},
	{.name = "score", .has_arg = required_argument, .val = OPT_SCORE},
	{.name = "tolerance", .has_arg = required_argument, .val = OPT_TOLERANCE},
	{.name = "truth", .has_arg = required_argument, .val = OPT_TRUTH},
	TL_COMMON_LONGOPTS,
	{0}
};

struct options {
	const char *truth, *pred, *score, *label, *actual, *curve;
	const char *baseline[MAX_BASELINES];
	int nbaseline;
	double tolerance;
	long max_classes;
	enum format format;
	enum mode mode;
};

/* Everything one pass collects. */
struct state {
	const struct options *o;
	long long learners, skipped;
	struct tl_confusion conf;
	struct tl_eval_pair *pairs;
	size_t npairs, cap;
	struct tl_eval_numeric num[1 + MAX_BASELINES];
	struct tl_field_buf truth, pred;
};

static const char synopsis[] =
	"usage: tl-eval --truth FIELD --pred FIELD [--max-classes N] [-o text|json|md]\n"
	"               [common options] [FILE ...]\n"
	"       tl-eval --score FIELD --label FIELD [--curve FILE] [-o text|json|md]\n"
	"               [common options] [FILE ...]\n"
	"       tl-eval --pred FIELD --actual FIELD [--tolerance T] [--baseline FIELD ...]\n"
	"               [-o text|json|md] [common options] [FILE ...]\n";

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
	"  -o, --format F         text (default), json or md (--format: the older spelling)\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1) {
		switch (opt) {
		case OPT_ACTUAL: o->actual = optarg; break;
		case OPT_BASELINE:
			if (o->nbaseline == MAX_BASELINES)
				tl_usage_error("at most %d --baseline fields", MAX_BASELINES);
			o->baseline[o->nbaseline++] = optarg;
			break;
		case OPT_CURVE: o->curve = optarg; break;
		case 'o':   /* -o, and --format, its older spelling */
			if (strcmp(optarg, "text") == 0) o->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0) o->format = FMT_JSON;
			else if (strcmp(optarg, "md") == 0) o->format = FMT_MD;
			else tl_usage_error("-o wants text, json or md, not '%s'", optarg);
			break;
		case OPT_LABEL_FIELD: o->label = optarg; break;
		case OPT_PRED: o->pred = optarg; break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_MAX_CLASSES: o->max_classes = tl_opt_long("--max-classes", optarg, 2, 1000000); break;
		case OPT_TOLERANCE: o->tolerance = tl_opt_double("--tolerance", optarg, 0, HUGE_VAL); break;
		case OPT_TRUTH: o->truth = optarg; break;
		default: usage(TL_EX_USAGE);
		}
	}
	if (o->truth && o->pred && !o->score && !o->label && !o->actual && !o->nbaseline)
		o->mode = MODE_CLASS;
	else if (o->score && o->label && !o->truth && !o->pred && !o->actual && !o->nbaseline)
		o->mode = MODE_BINARY;
	else if (o->pred && o->actual && !o->truth && !o->score && !o->label)
		o->mode = MODE_NUMERIC;
	else
		tl_usage_error("give one of: --truth and --pred; --score and --label; --pred and --actual");
	if (o->curve && o->mode != MODE_BINARY)
		tl_usage_error("--curve needs --score and --label");
	tl_common_output(c, "--curve", o->curve);
}

/* ---- reading fields ------------------------------------------------------- */

/* number: the field as a number; 0 when empty, else 1; exits when absent or not a number. */
static int number(const struct tl_learner *l, const char *name, double *v)
{
	return tl_field_number(l, tl_field_need(l, name, NULL), v);
}

static void collect_class(struct state *s, const struct options *o, const struct tl_learner *l)
{
	size_t tn = tl_field_text(tl_field_need(l, o->truth, NULL), &s->truth);
	size_t pn = tl_field_text(tl_field_need(l, o->pred, NULL), &s->pred);
	if (!tn || !pn)
		s->skipped++;
	else if (tl_confusion_add(&s->conf, s->truth.p, tn, s->pred.p, pn) < 0)
		tl_field_die(l, ": more than %ld classes (--max-classes): are '%s' and '%s' free text?", o->max_classes,
			     o->truth, o->pred);
}

static void collect_binary(struct state *s, const struct options *o, const struct tl_learner *l)
{
	double x;
	int hs = number(l, o->score, &x), y = tl_field_boolean(l, tl_field_need(l, o->label, NULL));
	if (!hs || y < 0) {
		s->skipped++;
		return;
	}
	if (s->npairs == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->pairs = tl_xrealloc(s->pairs, s->cap * sizeof *s->pairs);
	}
	s->pairs[s->npairs++] = (struct tl_eval_pair){x, y};
}

static void collect_numeric(struct state *s, const struct options *o, const struct tl_learner *l)
{
	double v[1 + MAX_BASELINES], actual;
	int ok = number(l, o->actual, &actual) & number(l, o->pred, &v[0]);
	for (int b = 0; b < o->nbaseline; b++)
		ok &= number(l, o->baseline[b], &v[1 + b]);
	if (!ok) {
		s->skipped++;
		return;
	}
	for (int b = 0; b <= o->nbaseline; b++)
		tl_eval_numeric_add(&s->num[b], v[b], actual, o->tolerance);
}

/* ---- tables for text and md (report/table.h) ----------------------------- */

/* Columns fitted to their cells, two spaces apart; md marks the first :---. */
#define EVAL_TABLE(k) {.ncol = (k), .gap = 2, .md_colon_left = 1}

static void cell(struct tl_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(struct tl_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_table_vcellf(t, fmt, ap);
	va_end(ap);
}

static void num_cell(struct tl_table *t, double v)
{
	if (isnan(v))
		cell(t, "-");
	else
		cell(t, "%.4f", v);
}

/* print_table: title, then the table (header row first). Frees the cells. */
static void print_table(FILE *f, enum format fmt, const char *title, struct tl_table *t)
{
	fprintf(f, fmt == FMT_MD ? "\n### %s\n\n" : "\n%s\n", title);
	tl_table_write(f, t, fmt == FMT_MD ? TL_TABLE_MD : TL_TABLE_TEXT);
	tl_table_clear(t);
}

/* ---- reports ------------------------------------------------------------- */

static void class_text(FILE *f, const struct options *o, struct state *s)
{
	struct tl_table t = EVAL_TABLE(5);
	struct tl_macro m;
	fprintf(f, o->format == FMT_MD ? "## classification: %s vs %s\n\n" : "classification: truth %s, prediction %s\n",
		o->truth, o->pred);
	fprintf(f, "learners %lld, evaluated %lld, skipped %lld (empty truth or prediction)\n", s->learners,
		s->conf.n, s->skipped);
	cell(&t, "class"), cell(&t, "precision"), cell(&t, "recall"), cell(&t, "f1"), cell(&t, "support");
	for (size_t i = 0; i < s->conf.k; i++) {
		struct tl_class_metrics c;
		tl_confusion_class(&s->conf, i, &c);
		cell(&t, "%s", s->conf.labels[i]), num_cell(&t, c.precision), num_cell(&t, c.recall);
		num_cell(&t, c.f1), cell(&t, "%lld", c.support);
	}
	tl_confusion_macro(&s->conf, &m);
	cell(&t, "macro"), num_cell(&t, m.precision), num_cell(&t, m.recall), num_cell(&t, m.f1);
	cell(&t, "%lld", s->conf.n);
	print_table(f, o->format, "per class", &t);
	if (isnan(m.accuracy))
		fprintf(f, "\naccuracy -\n");
	else
		fprintf(f, "\naccuracy %.4f\n", m.accuracy);
	t.ncol = s->conf.k + 1;
	cell(&t, "truth \\ pred");
	for (size_t j = 0; j < s->conf.k; j++)
		cell(&t, "%s", s->conf.labels[j]);
	for (size_t i = 0; i < s->conf.k; i++) {
		cell(&t, "%s", s->conf.labels[i]);
		for (size_t j = 0; j < s->conf.k; j++)
			cell(&t, "%lld", tl_confusion_at(&s->conf, i, j));
	}
	print_table(f, o->format, "confusion matrix (rows: truth, columns: prediction)", &t);
}

static void binary_text(FILE *f, const struct options *o, const struct tl_eval_binary *b, long long skipped,
			long long learners)
{
	struct tl_table t = EVAL_TABLE(2);
	fprintf(f, o->format == FMT_MD ? "## binary: %s vs %s\n\n" : "binary: score %s, label %s\n", o->score, o->label);
	fprintf(f, "learners %lld, evaluated %lld (%lld positive, %lld negative), skipped %lld (empty)\n",
		learners, b->n, b->pos, b->neg, skipped);
	cell(&t, "metric"), cell(&t, "value");
	cell(&t, "roc_auc"), num_cell(&t, b->roc_auc);
	cell(&t, "pr_auc (average precision)"), num_cell(&t, b->pr_auc);
	cell(&t, "brier"), num_cell(&t, b->brier);
	print_table(f, o->format, "metrics", &t);
	if (!b->unit_scores) {
		fprintf(f, "\nscores outside [0,1]: no Brier score or calibration table\n");
		return;
	}
	t.ncol = 4;
	cell(&t, "bin"), cell(&t, "n"), cell(&t, "mean_score"), cell(&t, "observed_rate");
	for (int k = 0; k < TL_EVAL_BINS; k++) {
		const struct tl_eval_bin *e = &b->bins[k];
		cell(&t, "[%.1f,%.1f%c", k / 10.0, (k + 1) / 10.0, k == TL_EVAL_BINS - 1 ? ']' : ')');
		cell(&t, "%lld", e->n);
		num_cell(&t, e->n ? e->sum_score / (double)e->n : NAN);
		num_cell(&t, e->n ? (double)e->pos / (double)e->n : NAN);
	}
	print_table(f, o->format, "calibration", &t);
}

static void numeric_text(FILE *f, const struct options *o, const struct state *s)
{
	struct tl_table t = EVAL_TABLE(5);
	fprintf(f, o->format == FMT_MD ? "## numeric: %s vs %s\n\n" : "numeric: prediction %s, actual %s\n", o->pred,
		o->actual);
	fprintf(f, "learners %lld, evaluated %lld, skipped %lld (an empty field), tolerance %g\n", s->learners,
		s->num[0].n, s->skipped, o->tolerance);
	cell(&t, "predictor"), cell(&t, "mae"), cell(&t, "rmse"), cell(&t, "bias"), cell(&t, "within_tolerance");
	for (int b = 0; b <= o->nbaseline; b++) {
		const struct tl_eval_numeric *a = &s->num[b];
		cell(&t, "%s%s", b ? o->baseline[b - 1] : o->pred, b ? " (baseline)" : "");
		num_cell(&t, tl_eval_mae(a)), num_cell(&t, tl_eval_rmse(a)), num_cell(&t, tl_eval_bias(a));
		num_cell(&t, tl_eval_within(a));
	}
	print_table(f, o->format, "metrics", &t);
}

/* ---- JSON ------------------------------------------------------------------ */

static cJSON *class_json(const struct state *s)
{
	cJSON *r = cJSON_CreateObject(), *classes, *conf, *labels, *matrix;
	struct tl_macro m;
	tl_confusion_macro(&s->conf, &m);
	cJSON_AddNumberToObject(r, "accuracy", m.accuracy);
	cJSON_AddNumberToObject(r, "macro_precision", m.precision);
	cJSON_AddNumberToObject(r, "macro_recall", m.recall);
	cJSON_AddNumberToObject(r, "macro_f1", m.f1);
	classes = cJSON_AddObjectToObject(r, "classes");
	for (size_t i = 0; i < s->conf.k; i++) {
		struct tl_class_metrics c;
		tl_confusion_class(&s->conf, i, &c);
		cJSON *o = cJSON_AddObjectToObject(classes, s->conf.labels[i]);
		cJSON_AddNumberToObject(o, "precision", c.precision);
		cJSON_AddNumberToObject(o, "recall", c.recall);
		cJSON_AddNumberToObject(o, "f1", c.f1);
		cJSON_AddNumberToObject(o, "support", (double)c.support);
		cJSON_AddNumberToObject(o, "predicted", (double)c.predicted);
	}
	conf = cJSON_AddObjectToObject(r, "confusion");
	labels = cJSON_AddArrayToObject(conf, "labels");
	matrix = cJSON_AddArrayToObject(conf, "matrix");
	for (size_t i = 0; i < s->conf.k; i++) {
		cJSON *row = cJSON_CreateArray();
		cJSON_AddItemToArray(labels, cJSON_CreateString(s->conf.labels[i]));
		for (size_t j = 0; j < s->conf.k; j++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)tl_confusion_at(&s->conf, i, j)));
		cJSON_AddItemToArray(matrix, row);
	}
	return r;
}

static cJSON *binary_json(const struct tl_eval_binary *b)
{
	cJSON *r = cJSON_CreateObject(), *bins;
	cJSON_AddNumberToObject(r, "positives", (double)b->pos);
	cJSON_AddNumberToObject(r, "negatives", (double)b->neg);
	cJSON_AddNumberToObject(r, "roc_auc", b->roc_auc);
	cJSON_AddNumberToObject(r, "pr_auc", b->pr_auc);
	cJSON_AddStringToObject(r, "pr_auc_method", "average_precision");
	cJSON_AddNumberToObject(r, "brier", b->brier);
	bins = cJSON_AddArrayToObject(r, "calibration");
	for (int k = 0; b->unit_scores && k < TL_EVAL_BINS; k++) {
		const struct tl_eval_bin *e = &b->bins[k];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "bin_low", k / 10.0);
		cJSON_AddNumberToObject(o, "bin_high", (k + 1) / 10.0);
		cJSON_AddNumberToObject(o, "n", (double)e->n);
		cJSON_AddNumberToObject(o, "mean_score", e->n ? e->sum_score / (double)e->n : NAN);
		cJSON_AddNumberToObject(o, "observed_rate", e->n ? (double)e->pos / (double)e->n : NAN);
		cJSON_AddItemToArray(bins, o);
	}
	return r;
}

static void numeric_members(cJSON *o, const struct tl_eval_numeric *a)
{
	cJSON_AddNumberToObject(o, "mae", tl_eval_mae(a));
	cJSON_AddNumberToObject(o, "rmse", tl_eval_rmse(a));
	cJSON_AddNumberToObject(o, "bias", tl_eval_bias(a));
	cJSON_AddNumberToObject(o, "within_tolerance", tl_eval_within(a));
}

static cJSON *numeric_json(const struct options *o, const struct state *s)
{
	cJSON *r = cJSON_CreateObject(), *bl;
	cJSON_AddNumberToObject(r, "tolerance", o->tolerance);
	numeric_members(r, &s->num[0]);
	bl = cJSON_AddObjectToObject(r, "baselines");
	for (int b = 0; b < o->nbaseline; b++)
		numeric_members(cJSON_AddObjectToObject(bl, o->baseline[b]), &s->num[1 + b]);
	return r;
}

static void write_json(FILE *f, const struct options *o, struct state *s, const struct tl_eval_binary *b)
{
	static const char *const modes[] = {"classification", "binary", "numeric"};
	cJSON *r = cJSON_CreateObject(), *body;
	cJSON_AddStringToObject(r, "mode", modes[o->mode]);
	const char *names[][2] = {{"truth", o->truth}, {"pred", o->pred}, {"score", o->score},
				  {"label", o->label}, {"actual", o->actual}};
	for (size_t i = 0; i < 5; i++)
		if (names[i][1])
			cJSON_AddStringToObject(r, names[i][0], names[i][1]);
	cJSON_AddNumberToObject(r, "learners", (double)s->learners);
	cJSON_AddNumberToObject(r, "n", (double)(o->mode == MODE_CLASS ? s->conf.n : o->mode == MODE_BINARY ? b->n
									      : s->num[0].n));
	cJSON_AddNumberToObject(r, "skipped", (double)s->skipped);
	body = o->mode == MODE_CLASS ? class_json(s) : o->mode == MODE_BINARY ? binary_json(b) : numeric_json(o, s);
	for (cJSON *m = body->child; m; m = body->child) {   /* move body's members into r */
		cJSON_DetachItemViaPointer(body, m);
		cJSON_AddItemToObject(r, m->string, m);
	}
	cJSON_Delete(body);
	char *out = cJSON_Print(r);
	fprintf(f, "%s\n", out);
	free(out);
	cJSON_Delete(r);
}

static void report(FILE *f, const struct options *o, struct state *s)
{
	struct tl_eval_binary b = {0};
	if (o->mode == MODE_BINARY)
		tl_eval_binary(s->pairs, s->npairs, &b);
	if (o->mode == MODE_CLASS)
		tl_confusion_sort(&s->conf);
	if (o->format == FMT_JSON)
		write_json(f, o, s, &b);
	else if (o->mode == MODE_CLASS)
		class_text(f, o, s);
	else if (o->mode == MODE_BINARY)
		binary_text(f, o, &b, s->skipped, s->learners);
	else
		numeric_text(f, o, s);
}

/* write_curve: the ROC curve as CSV (tl-eval(1), THE CURVE FILE): one
 * row per distinct score, highest first; rates with round-trip precision,
 * empty when a class is absent. */
static void write_curve(const char *path, struct state *s)
{
	struct tl_eval_roc_point *pt;
	size_t k = tl_eval_roc_curve(s->pairs, s->npairs, &pt);
	long long pos = k ? pt[k - 1].tp : 0, neg = k ? pt[k - 1].fp : 0;
	FILE *f = tl_output_open(path);
	fputs("threshold,tp,fp,tpr,fpr,precision\n", f);
	for (size_t i = 0; i < k; i++) {
		fprintf(f, "%.17g,%lld,%lld,", pt[i].threshold, pt[i].tp, pt[i].fp);
		if (pos)
			fprintf(f, "%.17g", (double)pt[i].tp / (double)pos);
		fputc(',', f);
		if (neg)
			fprintf(f, "%.17g", (double)pt[i].fp / (double)neg);
		fprintf(f, ",%.17g\n", (double)pt[i].tp / (double)(pt[i].tp + pt[i].fp));
	}
	tl_output_commit(f);
	free(pt);
}

static void eval_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct state *s = state;
	(void)asof, (void)npast, (void)w;
	s->learners++;
	if (s->o->mode == MODE_CLASS)
		collect_class(s, s->o, l);
	else if (s->o->mode == MODE_BINARY)
		collect_binary(s, s->o, l);
	else
		collect_numeric(s, s->o, l);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.tolerance = TOLERANCE_DEFAULT, .max_classes = MAX_CLASSES_DEFAULT};
	struct state s = {.o = &o};

	tl_front_init("tl-eval", argv, &common);
	tl_front_report(&common);
	common.own_o = 1;
	parse_options(argc, argv, &common, &o);
	tl_confusion_init(&s.conf);
	s.conf.max_classes = (size_t)o.max_classes;
	struct tl_run *run = tl_run_open(&common, argc - optind, argv + optind, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = eval_learner, .report = 1};
	tl_run_all(run, &tool, &s);
	report(tl_run_output(run), &o, &s);
	if (o.curve)
		write_curve(o.curve, &s);
	int rc = tl_run_close(run);
	tl_confusion_free(&s.conf);
	free(s.pairs);
	free(s.truth.p);
	free(s.pred.p);
	return rc;
}
