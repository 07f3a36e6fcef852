/* report_ab.c - the sections drawn from tl-abtest's JSON report: the
 * decision, the primary metric, guardrails, segments and cohort mix
 * (report.h). Numbers are the report's text, copied. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/table.h"
#include "util/err.h"

#define MAX_ROWS 4096   /* metrics items and segments shown */

/* What the sections need of the report, found once. */
struct ab {
	const struct tl_rjson *j;
	struct tl_str root, primary, mix;   /* mix: the segment_mix object, or null */
	const char *arm[2];
	const char *metric;
	struct tl_str seg[MAX_ROWS];        /* the primary metric's segments */
	size_t nseg;
	struct tl_str other[MAX_ROWS];      /* other metrics' overall results */
	size_t nother;
};

static const char *const crit_text[][2] = {
	{"srm", "sample ratio mismatch: the arms' sizes are off the expected split"},
	{"significance", "the primary lift is not significant"},
	{"min_lift", "the lift is below the minimum lift"},
	{"negative_segment", "a segment was harmed (a significant negative difference)"},
	{"segment_mix", "the segment mix differs between the arms by more than allowed"},
};

static int is_segment(const struct tl_rjson *j, struct tl_str item)
{
	return !tl_rjson_is_null(tl_rjson_need(j, item, "segment"));
}

/* ab_find: the arms, the primary metric (the first overall result), its
 * segments and the other metrics' overall results. */
static void ab_find(struct ab *a, const struct tl_rjson *j)
{
	struct tl_rjson_iter it;
	struct tl_str k, v, metrics;
	memset(a, 0, sizeof *a);
	a->j = j, a->root = tl_rjson_root(j);
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, a->root, "arms"), '{');
	for (int i = 0; i < 2; i++) {
		if (!tl_rjson_iter_next(&it, &k, &v))
			tl_rjson_die(j, a->root, "'arms' does not name two arms");
		a->arm[i] = tl_rjson_decode(j, (struct tl_str){k.p - 1, k.n + 2});
	}
	a->mix = tl_rjson_need(j, a->root, "segment_mix");
	metrics = tl_rjson_need(j, a->root, "metrics");
	tl_rjson_iter_begin(&it, j, metrics, '[');
	while (tl_rjson_iter_next(&it, NULL, &v)) {
		const char *name = tl_rjson_string(j, v, "metric");
		name = name ? name : "";
		if (!a->metric && !is_segment(j, v))
			a->primary = v, a->metric = name;
		else if (a->metric && strcmp(name, a->metric) == 0 && is_segment(j, v) && a->nseg < MAX_ROWS)
			a->seg[a->nseg++] = v;
		else if (a->metric && !is_segment(j, v) && a->nother < MAX_ROWS)
			a->other[a->nother++] = v;
	}
	if (!a->metric)
		tl_rjson_die(j, metrics, "no overall result (an item with segment null) in 'metrics'");
}

#define T(buf, obj, key) tl_report_text(buf, sizeof buf, a->j, obj, key)

/* ---- 1. the decision ------------------------------------------------------ */

static void harmed_items(struct tl_doc *d, const struct ab *a)
{
	struct tl_rjson_iter it;
	struct tl_str v;
	int any = 0;
	tl_rjson_iter_begin(&it, a->j, tl_rjson_need(a->j, a->root, "metrics"), '[');
	while (tl_rjson_iter_next(&it, NULL, &v)) {
		if (!is_segment(a->j, v) || !tl_rjson_bool(a->j, v, "negative"))
			continue;
		const char *m = tl_rjson_string(a->j, v, "metric"), *s = tl_rjson_string(a->j, v, "segment");
		char l[64];
		tl_doc_item(d, "Harmed: segment %s on %s, lift %s.", s, m, T(l, v, "lift"));
		any = 1;
	}
	if (!any)
		tl_doc_item(d, "No segment has a significant negative difference (none was harmed).");
}

static void decision(struct tl_doc *d, const struct tl_report *r, const struct ab *a)
{
	struct tl_str dec = tl_rjson_need(a->j, a->root, "decision"), v;
	int pass = tl_rjson_bool(a->j, dec, "pass");
	char l[64], lo[64], hi[64], p[64], pa[64], al[64];
	tl_doc_verdict(d, "Decision", pass ? "PASS" : "FAIL", pass ? "pass" : "fail");
	struct tl_rjson_iter it;
	tl_rjson_iter_begin(&it, a->j, tl_rjson_need(a->j, dec, "failed"), '[');
	while (tl_rjson_iter_next(&it, NULL, &v)) {
		const char *c = tl_rjson_decode(a->j, v);
		const char *why = "a criterion of tl-abtest";
		for (size_t i = 0; i < sizeof crit_text / sizeof *crit_text; i++)
			if (strcmp(c, crit_text[i][0]) == 0)
				why = crit_text[i][1];
		tl_doc_item(d, "Failed: %s (%s).", c, why);
	}
	tl_doc_item(d, "%s, %s vs %s: lift %s, CI [%s, %s], p = %s, adjusted p = %s (alpha %s).", a->metric,
		    a->arm[1], a->arm[0], T(l, a->primary, "lift"), T(lo, a->primary, "lift_ci_low"),
		    T(hi, a->primary, "lift_ci_high"), T(p, a->primary, "p"), T(pa, a->primary, "p_adjusted"),
		    T(al, a->root, "alpha"));
	if (r->min_lift)
		tl_doc_item(d, "Minimum lift to pass: %s (tl-report --min-lift).", r->min_lift);
	harmed_items(d, a);
	if (!tl_rjson_is_null(a->mix))
		tl_doc_item(d, "Cohort mix: largest share difference %s (limit %s).", T(l, a->mix, "max_diff"),
			    r->max_mix_diff);
}

/* ---- 2. the primary metric ---------------------------------------------- */

static void primary(struct tl_doc *d, const struct ab *a)
{
	struct tl_table t = {.ncol = 6};
	static const char *const arm_keys[2][5] = {
		{"n_control", "mean_control", "sd_control", "ci_control_low", "ci_control_high"},
		{"n_treatment", "mean_treatment", "sd_treatment", "ci_treatment_low", "ci_treatment_high"}};
	const char *kind = tl_rjson_string(a->j, a->primary, "kind"), *note = tl_rjson_string(a->j, a->primary, "note");
	struct tl_str v;
	char al[64];
	tl_doc_para(d, "Metric %s (%s), treatment arm %s against control arm %s; intervals at level 1 - alpha, "
		       "alpha %s.", a->metric, kind ? kind : "?", a->arm[1], a->arm[0], T(al, a->root, "alpha"));
	tl_table_cell(&t, "arm"), tl_table_cell(&t, "n"), tl_table_cell(&t, "mean"), tl_table_cell(&t, "sd");
	tl_table_cell(&t, "CI low"), tl_table_cell(&t, "CI high");
	for (int i = 0; i < 2; i++) {
		tl_table_cell(&t, a->arm[i]);
		for (int k = 0; k < 5; k++)
			tl_report_num(&t, a->j, a->primary, arm_keys[i][k]);
	}
	tl_doc_table(d, "Per arm", &t);
	t.ncol = 4;
	tl_table_cell(&t, "estimate"), tl_table_cell(&t, "value"), tl_table_cell(&t, "CI low");
	tl_table_cell(&t, "CI high");
	tl_table_cell(&t, "difference, treatment - control");
	tl_report_num(&t, a->j, a->primary, "diff"), tl_report_num(&t, a->j, a->primary, "diff_ci_low");
	tl_report_num(&t, a->j, a->primary, "diff_ci_high");
	tl_table_cell(&t, "relative lift");
	tl_report_num(&t, a->j, a->primary, "lift"), tl_report_num(&t, a->j, a->primary, "lift_ci_low");
	tl_report_num(&t, a->j, a->primary, "lift_ci_high");
	tl_doc_table(d, "The effect", &t);
	t.ncol = 2;
	tl_table_cell(&t, "test"), tl_table_cell(&t, "value");
	static const char *const test_keys[] = {"t", "z", "df", "p", "p_adjusted"};
	for (size_t k = 0; k < sizeof test_keys / sizeof *test_keys; k++)
		if (tl_rjson_get(a->j, a->primary, test_keys[k], &v))
			tl_table_cell(&t, test_keys[k]), tl_report_num(&t, a->j, a->primary, test_keys[k]);
	tl_doc_table(d, kind && strcmp(kind, "binary") == 0 ? "Two-proportion z-test" : "Welch t-test", &t);
	if (note)
		tl_doc_para(d, "Note: %s.", note);
}

/* ---- 3. guardrails ------------------------------------------------------- */

static void srm(struct tl_doc *d, const struct ab *a)
{
	struct tl_table t = {.ncol = 3};
	struct tl_rjson_iter it;
	struct tl_str k, v, expected = tl_rjson_need(a->j, a->root, "expected");
	char c[64], p[64];
	tl_table_cell(&t, "arm"), tl_table_cell(&t, "learners"), tl_table_cell(&t, "expected share");
	tl_rjson_iter_begin(&it, a->j, tl_rjson_need(a->j, a->root, "arms"), '{');
	while (tl_rjson_iter_next(&it, &k, &v)) {
		const char *name = tl_rjson_decode(a->j, (struct tl_str){k.p - 1, k.n + 2});
		tl_table_cell(&t, name);
		tl_table_cellf(&t, "%.*s", (int)v.n, v.p);
		tl_report_num(&t, a->j, expected, name);
	}
	tl_doc_table(d, "Sample ratio", &t);
	tl_doc_para(d, "Sample ratio mismatch check: chi2 = %s, p = %s.", T(c, a->root, "srm_chi2"),
		    T(p, a->root, "srm_p"));
}

static void guardrails(struct tl_doc *d, const struct ab *a)
{
	srm(d, a);
	if (!a->nother) {
		tl_doc_para(d, "No other metric was tested (tl-abtest had one --metric or --binary).");
		return;
	}
	struct tl_table t = {.ncol = 7};
	static const char *const head[] = {"metric", "kind", "lift", "lift CI low", "lift CI high", "p_adjusted",
					   "negative"};
	for (size_t i = 0; i < 7; i++)
		tl_table_cell(&t, head[i]);
	for (size_t i = 0; i < a->nother; i++) {
		const char *m = tl_rjson_string(a->j, a->other[i], "metric"), *k = tl_rjson_string(a->j, a->other[i], "kind");
		tl_table_cell(&t, m ? m : ""), tl_table_cell(&t, k ? k : "");
		tl_report_num(&t, a->j, a->other[i], "lift");
		tl_report_num(&t, a->j, a->other[i], "lift_ci_low"), tl_report_num(&t, a->j, a->other[i], "lift_ci_high");
		tl_report_num(&t, a->j, a->other[i], "p_adjusted");
		tl_table_cell(&t, tl_rjson_bool(a->j, a->other[i], "negative") ? "yes" : "no");
	}
	tl_doc_table(d, "Other metrics (overall)", &t);
}

/* ---- 4. segments ---------------------------------------------------------- */

struct forest_ctx {
	const struct tl_plot_ci *rows;
	size_t n;
	const char *title, *min_label;
	double min;
};

static void draw_forest(FILE *f, const void *ctx)
{
	const struct forest_ctx *c = ctx;
	tl_plot_forest(f, c->title, c->rows, c->n, c->min, c->min_label);
}

/* ci_row: a forest row from a metrics item; tip is malloc'd. */
static struct tl_plot_ci ci_row(const struct ab *a, struct tl_str v, const char *name)
{
	char l[64], lo[64], hi[64], tip[256];
	snprintf(tip, sizeof tip, "%s: lift %s, CI [%s, %s]", name, T(l, v, "lift"), T(lo, v, "lift_ci_low"),
		 T(hi, v, "lift_ci_high"));
	return (struct tl_plot_ci){name, tl_xstrdup(tip), tl_rjson_double(tl_rjson_number(a->j, v, "lift")),
				   tl_rjson_double(tl_rjson_number(a->j, v, "lift_ci_low")),
				   tl_rjson_double(tl_rjson_number(a->j, v, "lift_ci_high"))};
}

static void forest(struct tl_doc *d, const struct tl_report *r, const struct ab *a, const char **names)
{
	struct tl_plot_ci *rows = tl_xmalloc((a->nseg + 1) * sizeof *rows);
	char title[256], minl[128];
	rows[0] = ci_row(a, a->primary, "overall");
	for (size_t i = 0; i < a->nseg; i++)
		rows[i + 1] = ci_row(a, a->seg[i], names[i]);
	snprintf(title, sizeof title, "Lift of %s per segment, with its interval (1 - alpha)", a->metric);
	snprintf(minl, sizeof minl, "minimum lift %s", r->min_lift ? r->min_lift : "");
	struct forest_ctx c = {rows, a->nseg + 1, title, r->min_lift ? minl : NULL,
			       r->min_lift ? strtod(r->min_lift, NULL) : NAN};
	tl_report_figure(d, title, draw_forest, &c);
	for (size_t i = 0; i <= a->nseg; i++)
		free((char *)rows[i].tip);
	free(rows);
}

static void segments(struct tl_doc *d, const struct tl_report *r, const struct ab *a)
{
	if (!a->nseg) {
		tl_doc_para(d, "No segments: tl-abtest was run without --by.");
		return;
	}
	struct tl_table t = {.ncol = 8};
	static const char *const keys[] = {"n_control", "n_treatment", "lift", "lift_ci_low", "lift_ci_high",
					   "p_adjusted"};
	const char **names = tl_xmalloc((a->nseg + 1) * sizeof *names);
	tl_table_cell(&t, "segment");
	for (size_t k = 0; k < 6; k++)
		tl_table_cell(&t, keys[k]);
	tl_table_cell(&t, "negative");
	for (size_t i = 0; i < a->nseg; i++) {
		names[i] = tl_rjson_string(a->j, a->seg[i], "segment");
		tl_table_cell(&t, names[i]);
		for (size_t k = 0; k < 6; k++)
			tl_report_num(&t, a->j, a->seg[i], keys[k]);
		tl_table_cell(&t, tl_rjson_bool(a->j, a->seg[i], "negative") ? "yes" : "no");
	}
	tl_doc_table(d, "Per segment (p_adjusted: Holm, BH or none, as tl-abtest ran)", &t);
	forest(d, r, a, names);
	free(names);
}

/* ---- 5. cohort mix ----------------------------------------------------------- */

struct mix_ctx {
	const struct tl_plot_share *m;
	size_t n;
	const char *const *arm;
	const char *limit_label;
	double limit;
};

static void draw_mix(FILE *f, const void *ctx)
{
	const struct mix_ctx *c = ctx;
	tl_plot_mix(f, "Segment mix per arm", c->m, c->n, c->arm, c->limit, c->limit_label);
}

static void mix_plot(struct tl_doc *d, const struct tl_report *r, const struct ab *a, struct tl_str segs)
{
	struct tl_plot_share *m = tl_xmalloc(MAX_ROWS * sizeof *m);
	struct tl_rjson_iter it;
	struct tl_str v;
	size_t n = 0;
	char tip[256], sc[64], st[64], lim[96];
	tl_rjson_iter_begin(&it, a->j, segs, '[');
	while (n < MAX_ROWS && tl_rjson_iter_next(&it, NULL, &v)) {
		const char *name = tl_rjson_string(a->j, v, "segment");
		T(sc, v, "share_control"), T(st, v, "share_treatment");
		m[n] = (struct tl_plot_share){name, NULL, NULL, tl_rjson_double(tl_rjson_number(a->j, v, "share_control")),
					      tl_rjson_double(tl_rjson_number(a->j, v, "share_treatment"))};
		snprintf(tip, sizeof tip, "%s, %s: share %s", name, a->arm[0], sc);
		m[n].tip_control = tl_xstrdup(tip);
		snprintf(tip, sizeof tip, "%s, %s: share %s", name, a->arm[1], st);
		m[n++].tip_treatment = tl_xstrdup(tip);
	}
	snprintf(lim, sizeof lim, "%s share \xc2\xb1 %s", a->arm[0], r->max_mix_diff);
	const char *arm[2] = {a->arm[0], a->arm[1]};
	struct mix_ctx c = {m, n, arm, lim, strtod(r->max_mix_diff, NULL)};
	tl_report_figure(d, "Segment mix per arm: each bar is a segment's share of its arm; the band is the control "
			    "share plus or minus the limit", draw_mix, &c);
	for (size_t i = 0; i < n; i++)
		free((char *)m[i].tip_control), free((char *)m[i].tip_treatment);
	free(m);
}

static void cohort_mix(struct tl_doc *d, const struct tl_report *r, const struct ab *a)
{
	char b[64], c[64], df[64], p[64];
	if (tl_rjson_is_null(a->mix)) {
		tl_doc_para(d, "No segment mix: tl-abtest was run without --by.");
		return;
	}
	const char *by = tl_rjson_string(a->j, a->mix, "by");
	struct tl_str segs = tl_rjson_need(a->j, a->mix, "segments"), v;
	struct tl_rjson_iter it;
	struct tl_table t = {.ncol = 5};
	static const char *const keys[] = {"n_control", "n_treatment", "share_control", "share_treatment"};
	tl_table_cell(&t, by ? by : "segment");
	for (size_t k = 0; k < 4; k++)
		tl_table_cell(&t, keys[k]);
	tl_rjson_iter_begin(&it, a->j, segs, '[');
	while (tl_rjson_iter_next(&it, NULL, &v)) {
		const char *name = tl_rjson_string(a->j, v, "segment");
		tl_table_cell(&t, name ? name : "");
		for (size_t k = 0; k < 4; k++)
			tl_report_num(&t, a->j, v, keys[k]);
	}
	tl_doc_table(d, "Segment mix by arm", &t);
	tl_doc_para(d, "Largest share difference %s (limit %s); homogeneity chi2 = %s, df = %s, p = %s.",
		    T(b, a->mix, "max_diff"), r->max_mix_diff, T(c, a->mix, "chi2"), T(df, a->mix, "df"),
		    T(p, a->mix, "p"));
	mix_plot(d, r, a, segs);
}

static void summaries(struct tl_doc *d, const struct tl_report *r)
{
	for (size_t i = 0; i < r->nsummary; i++) {
		const struct tl_rtable *s = &r->summary[i];
		struct tl_table t = {.ncol = s->ncol};
		char cap[512];
		for (size_t c = 0; c < s->ncol; c++)
			tl_table_cell(&t, s->head[c]);
		for (size_t k = 0; k < s->nrow * s->ncol; k++)
			tl_table_cell(&t, s->cell[k]);
		snprintf(cap, sizeof cap, "Archetypes scored by tl-score: %s", s->title);
		tl_doc_table(d, cap, &t);
		tl_doc_para(d, "%s", s->footer);
	}
}

/* tl_report_abtest: sections 1 to 5. */
void tl_report_abtest(struct tl_doc *d, const struct tl_report *r)
{
	static const char *const missing = "No tl-abtest report was given (--abtest).";
	struct ab a;
	if (r->abtest_path)
		ab_find(&a, &r->abtest);
	tl_doc_section(d, 1, "decision", "The decision");
	r->abtest_path ? decision(d, r, &a) : tl_doc_para(d, "%s", missing);
	if (r->rollout_path)
		tl_report_rollout_decision(d, r);
	tl_doc_section(d, 2, "primary", "The primary metric");
	r->abtest_path ? primary(d, &a) : tl_doc_para(d, "%s", missing);
	tl_doc_section(d, 3, "guardrails", "Guardrails");
	r->abtest_path ? guardrails(d, &a) : tl_doc_para(d, "%s", missing);
	tl_doc_section(d, 4, "segments", "Segments");
	r->abtest_path ? segments(d, r, &a) : tl_doc_para(d, "%s", missing);
	tl_doc_section(d, 5, "mix", "Cohort mix");
	r->abtest_path ? cohort_mix(d, r, &a) : tl_doc_para(d, "%s", missing);
	if (r->nsummary)
		summaries(d, r);
}
