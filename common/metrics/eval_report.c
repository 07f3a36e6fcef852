/* eval_report.c - tl-eval's report (eval_acc.h): text and Markdown
 * tables (report/table.h) and JSON, and the ROC curve file. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "metrics/eval_acc.h"
#include "report/table.h"

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
static void print_table(FILE *f, enum tl_eval_format fmt, const char *title, struct tl_table *t)
{
	fprintf(f, fmt == TL_EVAL_MD ? "\n### %s\n\n" : "\n%s\n", title);
	tl_table_write(f, t, fmt == TL_EVAL_MD ? TL_TABLE_MD : TL_TABLE_TEXT);
	tl_table_clear(t);
}

/* ---- reports ------------------------------------------------------------- */

static void class_text(FILE *f, enum tl_eval_format fmt, const struct tl_eval_acc *s)
{
	const struct tl_eval_setup *o = &s->s;
	struct tl_table t = EVAL_TABLE(5);
	struct tl_macro m;
	fprintf(f, fmt == TL_EVAL_MD ? "## classification: %s vs %s\n\n" : "classification: truth %s, prediction %s\n",
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
	print_table(f, fmt, "per class", &t);
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
	print_table(f, fmt, "confusion matrix (rows: truth, columns: prediction)", &t);
}

static void binary_text(FILE *f, enum tl_eval_format fmt, const struct tl_eval_acc *s, const struct tl_eval_binary *b)
{
	const struct tl_eval_setup *o = &s->s;
	struct tl_table t = EVAL_TABLE(2);
	fprintf(f, fmt == TL_EVAL_MD ? "## binary: %s vs %s\n\n" : "binary: score %s, label %s\n", o->score, o->label);
	fprintf(f, "learners %lld, evaluated %lld (%lld positive, %lld negative), skipped %lld (empty)\n",
		s->learners, b->n, b->pos, b->neg, s->skipped);
	cell(&t, "metric"), cell(&t, "value");
	cell(&t, "roc_auc"), num_cell(&t, b->roc_auc);
	cell(&t, "pr_auc (average precision)"), num_cell(&t, b->pr_auc);
	cell(&t, "brier"), num_cell(&t, b->brier);
	print_table(f, fmt, "metrics", &t);
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
	print_table(f, fmt, "calibration", &t);
}

static void numeric_text(FILE *f, enum tl_eval_format fmt, const struct tl_eval_acc *s)
{
	const struct tl_eval_setup *o = &s->s;
	struct tl_table t = EVAL_TABLE(5);
	fprintf(f, fmt == TL_EVAL_MD ? "## numeric: %s vs %s\n\n" : "numeric: prediction %s, actual %s\n", o->pred,
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
	print_table(f, fmt, "metrics", &t);
}

/* ---- JSON ------------------------------------------------------------------ */

static cJSON *class_json(const struct tl_eval_acc *s)
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

static cJSON *numeric_json(const struct tl_eval_acc *s)
{
	const struct tl_eval_setup *o = &s->s;
	cJSON *r = cJSON_CreateObject(), *bl;
	cJSON_AddNumberToObject(r, "tolerance", o->tolerance);
	numeric_members(r, &s->num[0]);
	bl = cJSON_AddObjectToObject(r, "baselines");
	for (int b = 0; b < o->nbaseline; b++)
		numeric_members(cJSON_AddObjectToObject(bl, o->baseline[b]), &s->num[1 + b]);
	return r;
}

static void write_json(FILE *f, const struct tl_eval_acc *s, const struct tl_eval_binary *b)
{
	const struct tl_eval_setup *o = &s->s;
	static const char *const modes[] = {"classification", "binary", "numeric"};
	cJSON *r = cJSON_CreateObject(), *body;
	cJSON_AddStringToObject(r, "mode", modes[o->mode]);
	const char *names[][2] = {{"truth", o->truth}, {"pred", o->pred}, {"score", o->score},
				  {"label", o->label}, {"actual", o->actual}};
	for (size_t i = 0; i < 5; i++)
		if (names[i][1])
			cJSON_AddStringToObject(r, names[i][0], names[i][1]);
	cJSON_AddNumberToObject(r, "learners", (double)s->learners);
	cJSON_AddNumberToObject(r, "n", (double)(o->mode == TL_EVAL_CLASS ? s->conf.n : o->mode == TL_EVAL_BINARY ? b->n
										   : s->num[0].n));
	cJSON_AddNumberToObject(r, "skipped", (double)s->skipped);
	body = o->mode == TL_EVAL_CLASS ? class_json(s) : o->mode == TL_EVAL_BINARY ? binary_json(b) : numeric_json(s);
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

void tl_eval_report(struct tl_eval_acc *a, FILE *f, enum tl_eval_format fmt)
{
	struct tl_eval_binary b = {0};
	if (a->s.mode == TL_EVAL_BINARY)
		tl_eval_binary(&a->hist, &b);
	if (a->s.mode == TL_EVAL_CLASS)
		tl_confusion_sort(&a->conf);
	if (fmt == TL_EVAL_JSON)
		write_json(f, a, &b);
	else if (a->s.mode == TL_EVAL_CLASS)
		class_text(f, fmt, a);
	else if (a->s.mode == TL_EVAL_BINARY)
		binary_text(f, fmt, a, &b);
	else
		numeric_text(f, fmt, a);
}

/* The ROC curve as CSV: one row per distinct score, highest first; rates
 * with round-trip precision, empty when a class is absent. */
void tl_eval_curve(struct tl_eval_acc *a, FILE *f)
{
	struct tl_eval_roc_point *pt;
	tl_eval_hist_compact(&a->hist);
	size_t k = tl_eval_roc_curve(&a->hist, &pt);
	long long pos = k ? pt[k - 1].tp : 0, neg = k ? pt[k - 1].fp : 0;
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
	free(pt);
}
