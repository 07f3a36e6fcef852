/* report_more.c - loading the report's inputs, the sections of tl-eval
 * and tl-retention, how it was computed, and the whole document
 * (report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/table.h"
#include "util/err.h"
#include "util/opts.h"

/* ---- loading ----------------------------------------------------------------- */

/* curve_row: row i of the --curves table into curve c, checked. */
static void curve_row(const struct tl_rtable *t, struct tl_report_curve *c, size_t i)
{
	size_t k = i - c->first;
	double v[4];
	for (int col = 1; col <= 4; col++) {
		v[col - 1] = tl_rtable_number(t, i, col);
		if (isnan(v[col - 1]) || v[col - 1] < 0)
			tl_die_at(TL_EX_DATAERR, t->name, t->line[i], "%s: not a non-negative number: '%s'",
				  t->head[col], tl_rtable_at(t, i, col));
	}
	if (v[1] != floor(v[1]) || v[2] != floor(v[2]) || v[2] > v[1] || v[1] > 1e9 || v[3] > 1)
		tl_die_at(TL_EX_DATAERR, t->name, t->line[i], "not a curve row (at_risk and events counts up "
			  "to 1e9, events <= at_risk, survival in [0,1])");
	if (k && (v[0] <= c->day[k - 1] || v[1] > (double)c->at_risk[k - 1] - (double)c->events[k - 1]))
		tl_die_at(TL_EX_DATAERR, t->name, t->line[i], "the curve of '%s' does not go on from the row before "
			  "(days rise, at_risk falls by the events and censored)", c->name);
	c->day[k] = v[0], c->at_risk[k] = (uint64_t)v[1], c->events[k] = (uint64_t)v[2], c->surv[k] = v[3];
	c->lower[k] = c->upper[k] = NAN;
}

/* load_curves: split the --curves table into its capabilities' curves. */
static void load_curves(struct tl_report *r)
{
	static const char *const need[] = {"capability", "day", "at_risk", "events", "survival", NULL};
	struct tl_rtable *t = &r->curves_table;
	tl_rtable_csv(t, r->curves_path, need);
	if (tl_rtable_col(t, "capability") != 0 || tl_rtable_col(t, "survival") != 4 || t->ncol != 5)
		tl_die_at(TL_EX_DATAERR, t->name, 1, "not a curves file of tl-retention --curves (header "
			  "capability,day,at_risk,events,survival)");
	r->curves = tl_xcalloc(t->nrow + 1, sizeof *r->curves);
	for (size_t i = 0; i < t->nrow; i++) {
		const char *name = tl_rtable_at(t, i, 0);
		struct tl_report_curve *c = r->ncurves ? &r->curves[r->ncurves - 1] : NULL;
		if (!c || strcmp(c->name, name) != 0) {
			for (size_t k = 0; k < r->ncurves; k++)
				if (strcmp(r->curves[k].name, name) == 0)
					tl_die_at(TL_EX_DATAERR, t->name, t->line[i], "the rows of '%s' are not together", name);
			c = &r->curves[r->ncurves++];
			size_t n = 1;
			while (i + n < t->nrow && strcmp(tl_rtable_at(t, i + n, 0), name) == 0)
				n++;
			*c = (struct tl_report_curve){name, i, n, tl_xmalloc(n * sizeof(double)), tl_xmalloc(n * sizeof(double)),
						      tl_xmalloc(n * sizeof(double)), tl_xmalloc(n * sizeof(double)),
						      tl_xmalloc(n * sizeof(uint64_t)), tl_xmalloc(n * sizeof(uint64_t))};
		}
		curve_row(t, c, i);
	}
}

/* ---- what the sections read, checked when loading: a bad input stops
 * the run before anything is written ---- */

/* need_numbers: each of keys (NULL-terminated) a number or null in obj. */
static void need_numbers(const struct tl_rjson *j, struct tl_str obj, const char *const *keys)
{
	for (; *keys; keys++)
		tl_rjson_number(j, obj, *keys);
}

/* need_each: need_numbers over every item (open '[') or member ('{') of v. */
static void need_each(const struct tl_rjson *j, struct tl_str v, char open, const char *const *keys)
{
	struct tl_rjson_iter it;
	struct tl_str item;
	tl_rjson_iter_begin(&it, j, v, open);
	while (tl_rjson_iter_next(&it, NULL, &item))
		need_numbers(j, item, keys);
}

static void check_metric(const struct tl_rjson *j, struct tl_str m)
{
	static const char *const keys[] = {"n_control", "n_treatment", "mean_control", "mean_treatment", "sd_control",
					   "sd_treatment", "ci_control_low", "ci_control_high", "ci_treatment_low",
					   "ci_treatment_high", "diff", "diff_ci_low", "diff_ci_high", "lift",
					   "lift_ci_low", "lift_ci_high", "p", "p_adjusted", NULL};
	struct tl_str v;
	need_numbers(j, m, keys);
	tl_rjson_string(j, m, "metric"), tl_rjson_string(j, m, "kind"), tl_rjson_string(j, m, "segment");
	tl_rjson_string(j, m, "note"), tl_rjson_bool(j, m, "negative");
	static const char *const tests[] = {"t", "z", "df"};
	for (size_t k = 0; k < 3; k++)
		if (tl_rjson_get(j, m, tests[k], &v))
			tl_rjson_number(j, m, tests[k]);
}

static void check_abtest(const struct tl_rjson *j)
{
	static const char *const top[] = {"srm_chi2", "srm_p", "alpha", NULL};
	static const char *const mix[] = {"max_diff", "chi2", "df", "p", NULL};
	static const char *const seg[] = {"n_control", "n_treatment", "share_control", "share_treatment", NULL};
	struct tl_str root = tl_rjson_root(j), v, k;
	struct tl_rjson_iter it;
	need_numbers(j, root, top);
	tl_rjson_string(j, root, "correction");
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, root, "arms"), '{');
	while (tl_rjson_iter_next(&it, &k, &v))
		tl_rjson_number(j, tl_rjson_need(j, root, "expected"),
				tl_rjson_decode(j, (struct tl_str){k.p - 1, k.n + 2}));
	struct tl_str m = tl_rjson_need(j, root, "segment_mix");
	if (!tl_rjson_is_null(m)) {
		need_numbers(j, m, mix), tl_rjson_string(j, m, "by");
		need_each(j, tl_rjson_need(j, m, "segments"), '[', seg);
		tl_rjson_iter_begin(&it, j, tl_rjson_need(j, m, "segments"), '[');
		while (tl_rjson_iter_next(&it, NULL, &v))
			tl_rjson_string(j, v, "segment");
	}
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, root, "metrics"), '[');
	while (tl_rjson_iter_next(&it, NULL, &v))
		check_metric(j, v);
	struct tl_str dec = tl_rjson_need(j, root, "decision");
	tl_rjson_bool(j, dec, "pass");
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, dec, "failed"), '[');
	while (tl_rjson_iter_next(&it, NULL, &v))
		tl_rjson_decode(j, v);
}

static void check_eval(const struct tl_rjson *j, const char *mode)
{
	static const char *const counts[] = {"learners", "n", "skipped", NULL};
	static const char *const cls[] = {"accuracy", "macro_precision", "macro_recall", "macro_f1", NULL};
	static const char *const per_class[] = {"precision", "recall", "f1", "support", "predicted", NULL};
	static const char *const bin[] = {"positives", "negatives", "roc_auc", "pr_auc", "brier", NULL};
	static const char *const cal[] = {"bin_low", "bin_high", "n", "mean_score", "observed_rate", NULL};
	static const char *const num[] = {"tolerance", "mae", "rmse", "bias", "within_tolerance", NULL};
	struct tl_str root = tl_rjson_root(j);
	need_numbers(j, root, counts);
	if (strcmp(mode, "classification") == 0) {
		need_numbers(j, root, cls), tl_rjson_string(j, root, "truth"), tl_rjson_string(j, root, "pred");
		need_each(j, tl_rjson_need(j, root, "classes"), '{', per_class);
	} else if (strcmp(mode, "binary") == 0) {
		need_numbers(j, root, bin), tl_rjson_string(j, root, "score"), tl_rjson_string(j, root, "label");
		need_each(j, tl_rjson_need(j, root, "calibration"), '[', cal);
	} else {
		need_numbers(j, root, num), tl_rjson_string(j, root, "pred"), tl_rjson_string(j, root, "actual");
		need_each(j, tl_rjson_need(j, root, "baselines"), '{', num + 1);
	}
}

static void load_eval(struct tl_report *r, int i)
{
	tl_rjson_load(&r->eval[i], r->eval_path[i], "tl-eval report");
	const char *mode = tl_rjson_string(&r->eval[i], tl_rjson_root(&r->eval[i]), "mode");
	if (!mode || (strcmp(mode, "classification") && strcmp(mode, "binary") && strcmp(mode, "numeric")))
		tl_rjson_die(&r->eval[i], tl_rjson_root(&r->eval[i]), "'mode' is not classification, binary or numeric");
	check_eval(&r->eval[i], mode);
}

void tl_report_load(struct tl_report *r)
{
	static const char *const roc_need[] = {"tpr", "fpr", NULL};
	static const char *const model_need[] = {"capability", "learners", "stopped", "censored", "half_life_days",
						 NULL};
	if (r->abtest_path) {
		tl_rjson_load(&r->abtest, r->abtest_path, "tl-abtest report");
		check_abtest(&r->abtest);
	}
	for (int i = 0; i < r->neval; i++)
		load_eval(r, i);
	if (r->curve_path) {
		tl_rtable_csv(&r->roc, r->curve_path, roc_need);
		for (size_t i = 0; i < r->roc.nrow; i++)
			tl_rtable_number(&r->roc, i, tl_rtable_col(&r->roc, "tpr")),
				tl_rtable_number(&r->roc, i, tl_rtable_col(&r->roc, "fpr"));
	}
	if (r->model_path) {
		tl_rtable_csv(&r->model, r->model_path, model_need);
		for (size_t i = 0; i < r->model.nrow; i++)
			tl_rtable_number(&r->model, i, tl_rtable_col(&r->model, "learners"));
	}
	if (r->curves_path)
		load_curves(r);
	if (r->summary_path)
		r->nsummary = tl_rtable_summary(r->summary, TL_REPORT_MAX_SUMMARY, r->summary_path);
	if (r->rollout_path)
		tl_report_load_rollout(r);
}

void tl_report_free(struct tl_report *r)
{
	tl_rjson_free(&r->abtest);
	for (int i = 0; i < r->neval; i++)
		tl_rjson_free(&r->eval[i]);
	for (size_t i = 0; i < r->ncurves; i++) {
		struct tl_report_curve *c = &r->curves[i];
		free(c->day), free(c->surv), free(c->lower), free(c->upper), free(c->at_risk), free(c->events);
	}
	free(r->curves);
	if (r->curve_path)
		tl_rtable_free(&r->roc);
	if (r->model_path)
		tl_rtable_free(&r->model);
	if (r->curves_path)
		tl_rtable_free(&r->curves_table);
	for (size_t i = 0; i < r->nsummary; i++)
		tl_rtable_free(&r->summary[i]);
	tl_rjson_free(&r->rollout);
	tl_rjson_lines_free(&r->entries);
}

/* ---- shared by the sections ------------------------------------------------------ */

void tl_report_num(struct tl_table *t, const struct tl_rjson *j, struct tl_str obj, const char *key)
{
	struct tl_str v = tl_rjson_number(j, obj, key);
	if (tl_rjson_is_null(v))
		tl_table_cell(t, "n/a");
	else
		tl_table_cellf(t, "%.*s", (int)v.n, v.p);
}

const char *tl_report_text(char *buf, size_t n, const struct tl_rjson *j, struct tl_str obj, const char *key)
{
	struct tl_str v = tl_rjson_number(j, obj, key);
	if (tl_rjson_is_null(v))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.*s", (int)v.n, v.p);
	return buf;
}

void tl_report_figure(struct tl_doc *d, const char *caption, void (*draw)(FILE *f, const void *ctx),
		      const void *ctx)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = d->html ? open_memstream(&buf, &n) : NULL;
	if (d->html && !f)
		tl_die(TL_EX_SOFTWARE, "cannot draw a figure in memory:");
	if (f) {
		draw(f, ctx);
		if (fclose(f) != 0)
			tl_die(TL_EX_SOFTWARE, "cannot draw a figure in memory:");
	}
	tl_doc_figure(d, buf, n, caption);
	free(buf);
}

/* ---- 6. model validation ------------------------------------------------------- */

/* metric_table: the members keys[0..n) of obj as rows "metric | value". */
static void metric_table(struct tl_doc *d, const struct tl_rjson *j, struct tl_str obj, const char *const *keys,
			 size_t n, const char *caption)
{
	struct tl_table t = {.ncol = 2};
	tl_table_cell(&t, "metric"), tl_table_cell(&t, "value");
	for (size_t k = 0; k < n; k++)
		tl_table_cell(&t, keys[k]), tl_report_num(&t, j, obj, keys[k]);
	tl_doc_table(d, caption, &t);
}

static void eval_classes(struct tl_doc *d, const struct tl_rjson *j, struct tl_str root)
{
	static const char *const keys[] = {"accuracy", "macro_precision", "macro_recall", "macro_f1"};
	static const char *const ckeys[] = {"precision", "recall", "f1", "support", "predicted"};
	struct tl_table t = {.ncol = 6};
	struct tl_rjson_iter it;
	struct tl_str k, v;
	metric_table(d, j, root, keys, 4, "Classification");
	tl_table_cell(&t, "class");
	for (size_t c = 0; c < 5; c++)
		tl_table_cell(&t, ckeys[c]);
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, root, "classes"), '{');
	while (tl_rjson_iter_next(&it, &k, &v)) {
		tl_table_cell(&t, tl_rjson_decode(j, (struct tl_str){k.p - 1, k.n + 2}));
		for (size_t c = 0; c < 5; c++)
			tl_report_num(&t, j, v, ckeys[c]);
	}
	tl_doc_table(d, "Per class", &t);
}

struct cal_ctx {
	double score[16], rate[16];
	const char *tip[16];
	size_t n;
	const char *title;
};

static void draw_calibration(FILE *f, const void *ctx)
{
	const struct cal_ctx *c = ctx;
	tl_plot_calibration(f, c->title, c->score, c->rate, c->tip, c->n);
}

/* calibration: the table of the bins and their plot. */
static void calibration(struct tl_doc *d, const struct tl_rjson *j, struct tl_str root, const char *title)
{
	static const char *const keys[] = {"bin_low", "bin_high", "n", "mean_score", "observed_rate"};
	struct tl_table t = {.ncol = 5};
	struct tl_rjson_iter it;
	struct tl_str v;
	struct cal_ctx c = {.title = title};
	char tip[16][160];
	for (size_t k = 0; k < 5; k++)
		tl_table_cell(&t, keys[k]);
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, root, "calibration"), '[');
	while (tl_rjson_iter_next(&it, NULL, &v)) {
		for (size_t k = 0; k < 5; k++)
			tl_report_num(&t, j, v, keys[k]);
		if (c.n == 16)
			continue;
		struct tl_str ms = tl_rjson_number(j, v, "mean_score"), ob = tl_rjson_number(j, v, "observed_rate");
		snprintf(tip[c.n], sizeof tip[c.n], "n %.*s, mean score %.*s, observed %.*s",
			 (int)tl_rjson_number(j, v, "n").n, tl_rjson_number(j, v, "n").p, (int)ms.n, ms.p, (int)ob.n, ob.p);
		c.tip[c.n] = tip[c.n];
		c.score[c.n] = tl_rjson_double(ms), c.rate[c.n++] = tl_rjson_double(ob);
	}
	if (!c.n) {
		tl_table_clear(&t);
		tl_doc_para(d, "No calibration bins: a score lies outside [0,1].");
		return;
	}
	tl_doc_table(d, "Calibration bins", &t);
	tl_report_figure(d, title, draw_calibration, &c);
}

struct roc_ctx {
	const struct tl_rtable *t;
	const char *title;
};

static void draw_roc(FILE *f, const void *ctx)
{
	const struct roc_ctx *c = ctx;
	size_t n = c->t->nrow;
	double *x = tl_xmalloc((n + 1) * sizeof *x), *y = tl_xmalloc((n + 1) * sizeof *y);
	for (size_t i = 0; i < n; i++) {
		x[i] = tl_rtable_number(c->t, i, tl_rtable_col(c->t, "fpr"));
		y[i] = tl_rtable_number(c->t, i, tl_rtable_col(c->t, "tpr"));
	}
	tl_plot_roc(f, c->title, x, y, n);
	free(x), free(y);
}

static void eval_binary(struct tl_doc *d, const struct tl_report *r, const struct tl_rjson *j, struct tl_str root,
			int *roc_done)
{
	static const char *const keys[] = {"positives", "negatives", "roc_auc", "pr_auc", "brier"};
	const char *score = tl_rjson_string(j, root, "score"), *label = tl_rjson_string(j, root, "label");
	char title[512], auc[64];
	struct tl_str a = tl_rjson_number(j, root, "roc_auc");
	metric_table(d, j, root, keys, 5, "Score against label");
	snprintf(auc, sizeof auc, "%.*s", (int)a.n, a.p);
	if (r->curve_path && !*roc_done) {
		snprintf(title, sizeof title, "ROC curve of %s against %s (ROC AUC %s)", score ? score : "",
			 label ? label : "", auc);
		struct roc_ctx c = {&r->roc, title};
		tl_report_figure(d, title, draw_roc, &c);
		*roc_done = 1;
	}
	snprintf(title, sizeof title, "Calibration of %s against %s", score ? score : "", label ? label : "");
	calibration(d, j, root, title);
}

static void eval_numeric(struct tl_doc *d, const struct tl_rjson *j, struct tl_str root)
{
	static const char *const keys[] = {"mae", "rmse", "bias", "within_tolerance"};
	struct tl_table t = {.ncol = 5};
	struct tl_rjson_iter it;
	struct tl_str k, v;
	const char *pred = tl_rjson_string(j, root, "pred");
	char tol[64];
	struct tl_str tv = tl_rjson_number(j, root, "tolerance");
	snprintf(tol, sizeof tol, "%.*s", (int)tv.n, tv.p);
	tl_table_cell(&t, "predictor");
	for (size_t c = 0; c < 4; c++)
		tl_table_cell(&t, keys[c]);
	tl_table_cell(&t, pred ? pred : "");
	for (size_t c = 0; c < 4; c++)
		tl_report_num(&t, j, root, keys[c]);
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, root, "baselines"), '{');
	while (tl_rjson_iter_next(&it, &k, &v)) {
		tl_table_cellf(&t, "%s (baseline)", tl_rjson_decode(j, (struct tl_str){k.p - 1, k.n + 2}));
		for (size_t c = 0; c < 4; c++)
			tl_report_num(&t, j, v, keys[c]);
	}
	char cap[128];
	snprintf(cap, sizeof cap, "Prediction against the actual value (tolerance %s)", tol);
	tl_doc_table(d, cap, &t);
}

/* eval_one: one tl-eval report under its own heading. */
static void eval_one(struct tl_doc *d, const struct tl_report *r, int i, int *roc_done)
{
	const struct tl_rjson *j = &r->eval[i];
	struct tl_str root = tl_rjson_root(j);
	const char *mode = tl_rjson_string(j, root, "mode"), *f[2];
	char h[512], n[3][64];
	static const char *const names[][2] = {{"truth", "pred"}, {"score", "label"}, {"pred", "actual"}};
	int m = strcmp(mode, "classification") == 0 ? 0 : strcmp(mode, "binary") == 0 ? 1 : 2;
	f[0] = tl_rjson_string(j, root, names[m][0]), f[1] = tl_rjson_string(j, root, names[m][1]);
	snprintf(h, sizeof h, "%s: %s against %s", mode, f[0] ? f[0] : "", f[1] ? f[1] : "");
	tl_doc_subsection(d, h);
	static const char *const counts[] = {"learners", "n", "skipped"};
	for (int k = 0; k < 3; k++) {
		struct tl_str v = tl_rjson_number(j, root, counts[k]);
		snprintf(n[k], sizeof n[k], "%.*s", (int)v.n, v.p);
	}
	tl_doc_para(d, "Learners %s, evaluated %s, skipped %s (from %s).", n[0], n[1], n[2], j->name);
	if (m == 0)
		eval_classes(d, j, root);
	else if (m == 1)
		eval_binary(d, r, j, root, roc_done);
	else
		eval_numeric(d, j, root);
}

void tl_report_validation(struct tl_doc *d, const struct tl_report *r, int n)
{
	int roc_done = 0;
	tl_doc_section(d, n, "validation", "Model validation");
	if (!r->neval)
		tl_doc_para(d, "No tl-eval report was given (--eval).");
	for (int i = 0; i < r->neval; i++)
		eval_one(d, r, i, &roc_done);
	if (r->curve_path && !roc_done)
		tl_doc_para(d, "The ROC curve of %s is not drawn: no --eval report is of the binary mode.", r->curve_path);
}
