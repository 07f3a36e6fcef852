/* report_ret.c - the retention section (tl-retention --fit and
 * --curves), how the report was computed, and the whole document
 * (report.h). */
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/table.h"
#include "util/err.h"
#include "util/opts.h"

/* A row or curve to rank by its learners. */
struct ranked {
	size_t i;
	double learners;
	const char *name;
};

static int by_learners(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->learners != y->learners)
		return x->learners < y->learners ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* top: the indexes of the top n items by learners, then the pooled one
 * ("*") when there is one; returns their count (at most n + 1). */
static size_t top(struct ranked *r, size_t k, size_t n, size_t *out)
{
	size_t m = 0, pooled = k;
	for (size_t i = 0; i < k; i++)
		if (strcmp(r[i].name, "*") == 0)
			pooled = i, r[i].learners = -1;
	qsort(r, k, sizeof *r, by_learners);
	for (size_t i = 0; i < k && m < n; i++)
		if (r[i].learners >= 0)
			out[m++] = r[i].i;
	if (pooled < k)
		out[m++] = pooled;
	return m;
}

static void model_table(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rtable *m = &r->model;
	struct ranked *rk = tl_xmalloc((m->nrow + 1) * sizeof *rk);
	size_t *pick = tl_xmalloc((m->nrow + 1) * sizeof *pick), n;
	int lc = tl_rtable_col(m, "learners"), cc = tl_rtable_col(m, "capability");
	for (size_t i = 0; i < m->nrow; i++)
		rk[i] = (struct ranked){i, tl_rtable_number(m, i, lc), tl_rtable_at(m, i, cc)};
	n = top(rk, m->nrow, (size_t)r->top, pick);
	struct tl_table t = {.ncol = m->ncol};
	for (size_t c = 0; c < m->ncol; c++)
		tl_table_cell(&t, m->head[c]);
	for (size_t k = 0; k < n; k++)
		for (size_t c = 0; c < m->ncol; c++)
			tl_table_cell(&t, tl_rtable_at(m, pick[k], (int)c));
	char cap[160];
	snprintf(cap, sizeof cap, "Capability half-lives in days (Kaplan-Meier medians): the top %ld "
		 "capabilities by learners, and * (all pooled)", r->top);
	tl_doc_table(d, cap, &t);
	free(rk), free(pick);
}

struct km_ctx {
	struct tl_plot_curve *c;
	size_t n;
};

static void draw_km(FILE *f, const void *ctx)
{
	const struct km_ctx *k = ctx;
	tl_plot_km(f, "Survival of capability use (Kaplan-Meier)", k->c, k->n);
}

static void km_plot(struct tl_doc *d, const struct tl_report *r)
{
	struct ranked *rk = tl_xmalloc((r->ncurves + 1) * sizeof *rk);
	size_t *pick = tl_xmalloc((r->ncurves + 1) * sizeof *pick), n;
	for (size_t i = 0; i < r->ncurves; i++)
		rk[i] = (struct ranked){i, (double)r->curves[i].at_risk[0], r->curves[i].name};
	n = top(rk, r->ncurves, (size_t)r->top, pick);
	struct tl_plot_curve *c = tl_xmalloc((n + 1) * sizeof *c);
	char **label = tl_xmalloc((n + 1) * sizeof *label);
	for (size_t k = 0; k < n; k++) {
		const struct tl_report_curve *s = &r->curves[pick[k]];
		const char *learners = tl_rtable_at(&r->curves_table, s->first, 2);
		int pooled = strcmp(s->name, "*") == 0;
		size_t len = strlen(s->name) + strlen(learners) + 32;
		label[k] = tl_xmalloc(len);
		if (pooled)
			snprintf(label[k], len, "all, pooled (n %s)", learners);
		else
			snprintf(label[k], len, "%s (n %s)", s->name, learners);
		c[k] = (struct tl_plot_curve){label[k], s->n, s->day, s->surv, s->lower, s->upper, pooled};
	}
	struct km_ctx ctx = {c, n};
	char cap[200];
	snprintf(cap, sizeof cap, "Kaplan-Meier survival of the top %ld capabilities by learners and of all pooled, "
		 "with 95%% pointwise bands", r->top);
	tl_report_figure(d, cap, draw_km, &ctx);
	for (size_t k = 0; k < n; k++)
		free(label[k]);
	free(label), free(c), free(rk), free(pick);
}

void tl_report_retention(struct tl_doc *d, const struct tl_report *r, int n)
{
	tl_doc_section(d, n, "retention", "Retention");
	if (!r->model_path && !r->curves_path)
		tl_doc_para(d, "No tl-retention model or curves were given (--model, --curves).");
	if (r->model_path)
		model_table(d, r);
	if (r->curves_path && r->ncurves)
		km_plot(d, r);
}

/* ---- 8. how it was computed ------------------------------------------------------ */

static void inputs(struct tl_doc *d, const struct tl_report *r)
{
	if (r->abtest_path)
		tl_doc_item(d, "tl-abtest --format json: %s", r->abtest_path);
	for (int i = 0; i < r->neval; i++)
		tl_doc_item(d, "tl-eval --format json: %s", r->eval_path[i]);
	if (r->curve_path)
		tl_doc_item(d, "tl-eval --curve: %s", r->curve_path);
	if (r->model_path)
		tl_doc_item(d, "tl-retention --fit: %s", r->model_path);
	if (r->curves_path)
		tl_doc_item(d, "tl-retention --curves: %s", r->curves_path);
	if (r->summary_path)
		tl_doc_item(d, "tl-score --summary: %s", r->summary_path);
	if (r->rollout_path)
		tl_doc_item(d, "tl-rollout audit log: %s", r->rollout_path);
}

void tl_report_computed(struct tl_doc *d, const struct tl_report *r, int n)
{
	tl_doc_section(d, n, "computed", "How it was computed");
	tl_doc_para(d, "Inputs, as the tools wrote them:");
	inputs(d, r);
	tl_doc_para(d, "Versions and settings:");
	tl_doc_item(d, "tl-report %s; the inputs do not record the versions of the tools that wrote them.",
		    TL_VERSION);
	for (size_t i = 0; i < r->nsummary; i++)
		tl_doc_item(d, "tl-score config: %s", r->summary[i].title);
	if (r->abtest_path) {
		struct tl_str root = tl_rjson_root(&r->abtest), a = tl_rjson_number(&r->abtest, root, "alpha");
		const char *corr = tl_rjson_string(&r->abtest, root, "correction");
		tl_doc_item(d, "tl-abtest: alpha %.*s, correction %s.", (int)a.n, a.p, corr ? corr : "n/a");
	}
	if (r->rollout_path)
		tl_report_rollout_settings(d, r);
	tl_doc_item(d, "As of: %s.", r->as_of ? r->as_of : "not given (tl-report --as-of); the inputs do not record it");
	tl_doc_item(d, "Minimum lift: %s; largest segment mix difference: %s (tl-report --min-lift, --max-mix-diff, "
		       "as tl-abtest was run).", r->min_lift ? r->min_lift : "not given", r->max_mix_diff);
	tl_doc_para(d, "Every number above is copied from its input as the input wrote it; none is recomputed. "
		       "Only the plots' axis ticks are made by tl-report.");
}

void tl_report_write(const struct tl_report *r, FILE *md, FILE *html)
{
	struct tl_doc d = {.md = md, .html = html};
	tl_doc_begin(&d, r->title);
	tl_report_abtest(&d, r);
	tl_report_rollout(&d, r, 6);
	tl_report_validation(&d, r, 7);
	tl_report_retention(&d, r, 8);
	tl_report_computed(&d, r, 9);
	tl_doc_end(&d);
}
