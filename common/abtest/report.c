/* report.c - tl-abtest's reports of an analysed experiment (accum.c):
 * text, Markdown and JSON, and the power planning report. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest/internal.h"
#include "io/json.h"
#include "report/table.h"
#include "util/err.h"

/* ---- number formatting for the text and markdown reports ---- */

/* A few rotating buffers, so that one printf can format several numbers. */
static char *fbuf(void)
{
	static char buf[16][48];
	static int next;
	next = (next + 1) % 16;
	return buf[next];
}

static const char *g6(double v)
{
	char *b = fbuf();
	if (isnan(v))
		return "-";
	snprintf(b, 48, "%.6g", v);
	return b;
}

static const char *pct(double v)
{
	char *b = fbuf();
	if (isnan(v))
		return "-";
	snprintf(b, 48, "%.4g%%", 100 * v);
	return b;
}

static const char *ci(double lo, double hi, int percent)
{
	char *b = fbuf();
	if (isnan(lo) || isnan(hi))
		return "-";
	snprintf(b, 48, "[%s, %s]", percent ? pct(lo) : g6(lo), percent ? pct(hi) : g6(hi));
	return b;
}

static const char *corr_name(enum tl_ab_correction c)
{
	return c == TL_AB_HOLM ? "holm" : c == TL_AB_BH ? "bh" : "none";
}

/* ---- JSON ---- */

static void jnum(FILE *f, const char *key, double v)
{
	fprintf(f, ",\"%s\":", key);
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static void jstr(FILE *f, const char *s)
{
	if (s)
		tl_json_put_string(f, s, strlen(s));
	else
		fputs("null", f);
}

static void json_extras(FILE *f, const struct tl_abtest *ab, const struct row *r)
{
	if (r->cuped) {
		fputs(",\"cuped\":{\"covariate\":", f);
		jstr(f, ab->s.covariate);
		jnum(f, "theta", r->theta);
		jnum(f, "variance_reduction", r->vr);
		jnum(f, "diff_unadjusted", r->diff_raw);
		jnum(f, "p_unadjusted", r->p_raw);
		fputc('}', f);
	}
	if (ab->p.sequential) {
		fprintf(f, ",\"sequential\":{\"method\":\"msprt\"");
		jnum(f, "p", r->seq.looked ? r->seq.p : NAN);
		jnum(f, "p_adjusted", r->p_seq_adj);
		jnum(f, "cs_low", r->seq.looked ? r->seq.lo : NAN);
		jnum(f, "cs_high", r->seq.looked ? r->seq.hi : NAN);
		fputc('}', f);
	}
	if (ab->p.power > 0 && !r->seg) {
		fputs(",\"power\":{\"target_power\":", f);
		fprintf(f, "%.17g", ab->p.power);
		jnum(f, "baseline_mean", r->base_mean);
		jnum(f, "baseline_sd", r->base_sd);
		jnum(f, "mde", ab->p.mde > 0 ? ab->p.mde : NAN);
		jnum(f, "n_per_arm", r->n_arm);
		jnum(f, "achieved_power", r->power);
		jnum(f, "detectable_lift", r->detect);
		fputc('}', f);
	}
}

static void json_row(FILE *f, const struct tl_abtest *ab, const struct row *r)
{
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	fputs("{\"metric\":", f);
	jstr(f, ab->s.metric[r->metric].name);
	fprintf(f, ",\"kind\":\"%s\",\"segment\":", bin ? "binary" : "numeric");
	if (r->seg)
		tl_json_put_string(f, r->seg->name, r->seg->len);
	else
		fputs("null", f);
	jnum(f, "n_control", r->arm[0].n);
	jnum(f, "n_treatment", r->arm[1].n);
	jnum(f, "mean_control", r->arm[0].n > 0 ? r->arm[0].mean : NAN);
	jnum(f, "mean_treatment", r->arm[1].n > 0 ? r->arm[1].mean : NAN);
	jnum(f, "sd_control", r->sd[0]);
	jnum(f, "sd_treatment", r->sd[1]);
	jnum(f, "ci_control_low", r->ci_lo[0]);
	jnum(f, "ci_control_high", r->ci_hi[0]);
	jnum(f, "ci_treatment_low", r->ci_lo[1]);
	jnum(f, "ci_treatment_high", r->ci_hi[1]);
	jnum(f, "diff", r->t.diff);
	jnum(f, "diff_ci_low", r->t.diff_lo);
	jnum(f, "diff_ci_high", r->t.diff_hi);
	fprintf(f, ",\"diff_ci_method\":\"%s\"", bin ? "newcombe" : "welch");
	jnum(f, "lift", r->t.lift);
	jnum(f, "lift_ci_low", r->t.lift_lo);
	jnum(f, "lift_ci_high", r->t.lift_hi);
	if (bin) {
		jnum(f, "z", r->t.stat);
	} else {
		jnum(f, "t", r->t.stat);
		jnum(f, "df", r->t.df);
	}
	jnum(f, "p", r->t.p);
	jnum(f, "p_adjusted", r->p_adj);
	fprintf(f, ",\"negative\":%s,\"note\":", r->negative ? "true" : "false");
	jstr(f, r->t.note);
	json_extras(f, ab, r);
	fputc('}', f);
}

static void json_mix(FILE *f, const struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	fputs(",\n\"segment_mix\":", f);
	if (!ab->s.by) {
		fputs("null", f);
		return;
	}
	fputs("{\"by\":", f);
	jstr(f, ab->s.by);
	fputs(",\"segments\":[", f);
	for (size_t i = 0; i < ab->nseg; i++) {
		const struct seg *g = rep->order[i];
		fputs(i ? ",{\"segment\":" : "{\"segment\":", f);
		tl_json_put_string(f, g->name, g->len);
		jnum(f, "n_control", g->learners[0]);
		jnum(f, "n_treatment", g->learners[1]);
		jnum(f, "share_control", g->learners[0] / rep->n[0]);
		jnum(f, "share_treatment", g->learners[1] / rep->n[1]);
		fputc('}', f);
	}
	fputc(']', f);
	jnum(f, "max_diff", rep->mix_max);
	jnum(f, "chi2", rep->mix_chi2);
	jnum(f, "df", rep->mix_df);
	jnum(f, "p", rep->mix_p);
	fputc('}', f);
}

static void write_json(FILE *f, const struct report *rep)
{
	const struct tl_abtest *ab = rep->ab;
	fputs("{\"arms\":{", f);
	jstr(f, ab->arm[0]);
	fprintf(f, ":%.17g,", rep->n[0]);
	jstr(f, ab->arm[1]);
	fprintf(f, ":%.17g}", rep->n[1]);
	fputs(",\"expected\":{", f);
	for (int a = 0; a < 2; a++) {
		jstr(f, ab->arm[a]);
		fprintf(f, ":%.17g%s", ab->p.expect[a] / (ab->p.expect[0] + ab->p.expect[1]), a ? "}" : ",");
	}
	jnum(f, "srm_chi2", rep->srm_chi2);
	jnum(f, "srm_p", rep->srm_p);
	fprintf(f, ",\"alpha\":%.17g,\"correction\":\"%s\"", ab->p.alpha, corr_name(ab->p.correction));
	json_mix(f, rep);
	fputs(",\n\"metrics\":[", f);
	for (size_t i = 0; i < rep->nrow; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_row(f, ab, &rep->row[i]);
	}
	fprintf(f, "\n],\n\"decision\":{\"pass\":%s,\"failed\":[", rep->failed ? "false" : "true");
	for (int c = 0, k = 0; c < NCRIT; c++)
		if (rep->failed & (1u << c))
			fprintf(f, "%s\"%s\"", k++ ? "," : "", ab_crit_name[c]);
	fputs("]}}\n", f);
}

/* ---- text ---- */

/* The report's tables: text rows indented two spaces, columns one space
 * apart, each at a fixed least width (a longer cell pushes its row right);
 * in Markdown, cells escape '|' and line breaks (report/table.h). */
#define AB_TABLE(c) {.ncol = sizeof (c) / sizeof (c)[0], .col = (c), .indent = "  ", .gap = 1}

/* cells: the next cells of a row, up to a NULL. */
static void cells(struct tl_table *t, ...) __attribute__((sentinel));
static void cells(struct tl_table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	for (const char *s; (s = va_arg(ap, const char *));)
		tl_table_cell(t, s);
	va_end(ap);
}

static void put_table(FILE *f, struct tl_table *t, int md)
{
	tl_table_write(f, t, md ? TL_TABLE_MD : TL_TABLE_TEXT);
	tl_table_clear(t);
}

static void text_metric_head(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	static const struct tl_table_col col[] = {{.width = 12, .fixed = 1}, {.width = 10, .fixed = 1},
		{.width = 12, .fixed = 1}, {.width = 12, .fixed = 1}, {.align = TL_ALIGN_LEFT, .gap = 2}};
	struct tl_table t = AB_TABLE(col);
	const char *name = ab->s.metric[r->metric].name;
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	if (md)
		fprintf(f, "\n## %s (%s)\n\n", name, bin ? "binary" : "numeric");
	else
		fprintf(f, "\n%s (%s)\n", name, bin ? "binary: pooled two-proportion z-test" : "numeric: Welch t-test");
	cells(&t, "arm", "n", bin ? "proportion" : "mean", "sd", NULL);
	tl_table_cellf(&t, "%.4g%% CI", 100 * (1 - ab->p.alpha));
	for (int a = 0; a < 2; a++) {
		const struct tl_moments *k = &r->arm[a];
		tl_table_cell(&t, ab->arm[a]);
		tl_table_cellf(&t, "%.17g", k->n);
		cells(&t, g6(k->n > 0 ? k->mean : NAN), g6(r->sd[a]), ci(r->ci_lo[a], r->ci_hi[a], 0), NULL);
	}
	put_table(f, &t, md);
}

static void text_metric_test(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	int bin = ab->s.metric[r->metric].kind == TL_AB_BINARY;
	const char *pre = md ? "" : "  ", *eol = md ? "  \n" : "\n";
	if (md)
		fputc('\n', f);
	fprintf(f, "%sdiff %s, %.4g%% CI %s (%s)%s", pre, g6(r->t.diff), 100 * (1 - ab->p.alpha),
		ci(r->t.diff_lo, r->t.diff_hi, 0), bin ? "Newcombe hybrid score" : "Welch", eol);
	fprintf(f, "%slift %s, %.4g%% CI %s (delta method)%s", pre, pct(r->t.lift),
		100 * (1 - ab->p.alpha), ci(r->t.lift_lo, r->t.lift_hi, 1), eol);
	if (bin)
		fprintf(f, "%sz = %s, p = %s, p_adjusted = %s (%s)%s", pre, g6(r->t.stat), g6(r->t.p),
			g6(r->p_adj), corr_name(ab->p.correction), eol);
	else
		fprintf(f, "%st = %s, df = %s, p = %s, p_adjusted = %s (%s)%s", pre, g6(r->t.stat),
			g6(r->t.df), g6(r->t.p), g6(r->p_adj), corr_name(ab->p.correction), eol);
	if (r->t.note)
		fprintf(f, "%snote: %s%s", pre, r->t.note, eol);
}

static void text_metric_extras(FILE *f, const struct tl_abtest *ab, const struct row *r, int md)
{
	const char *pre = md ? "" : "  ", *eol = md ? "  \n" : "\n";
	if (r->cuped)
		fprintf(f, "%sCUPED on %s: theta = %s, variance reduction %s (unadjusted diff %s, p = %s)%s",
			pre, ab->s.covariate, g6(r->theta), pct(r->vr), g6(r->diff_raw), g6(r->p_raw), eol);
	if (ab->p.sequential)
		fprintf(f, "%ssequential (mSPRT, tau = %g sd): always-valid p = %s, p_adjusted = %s, "
			"%.4g%% confidence sequence %s%s", pre, ab->p.mixture_sd,
			g6(r->seq.looked ? r->seq.p : NAN), g6(r->p_seq_adj), 100 * (1 - ab->p.alpha),
			r->seq.looked ? ci(r->seq.lo, r->seq.hi, 0) : "-", eol);
	if (ab->p.power > 0 && !r->seg) {
		fprintf(f, "%spower: baseline mean %s, sd %s; detectable lift at power %g: %s", pre,
			g6(r->base_mean), g6(r->base_sd), ab->p.power, pct(r->detect));
		if (ab->p.mde > 0)
			fprintf(f, "; lift %s needs %s per arm, achieved power %s", pct(ab->p.mde),
				g6(r->n_arm), g6(r->power));
		fputs(eol, f);
	}
}

/* The width of the segment column: the longest label, at least min. */
static int seg_width(const struct tl_abtest *ab, int min)
{
	int w = min;
	for (size_t i = 0; i < ab->nseg; i++) {
		int len = (int)strlen(seg_label(&ab->seg[i]));
		w = len > w ? len : w;
	}
	return w;
}

static void text_segments(FILE *f, const struct tl_abtest *ab, const struct row *r, size_t n, int md)
{
	struct tl_table_col col[] = {{.width = seg_width(ab, 16), .fixed = 1}, {.width = 9, .fixed = 1},
		{.width = 11, .fixed = 1}, {.width = 12, .fixed = 1}, {.width = 9, .fixed = 1},
		{.align = TL_ALIGN_LEFT, .width = 22, .fixed = 1, .gap = 2}, {.width = 11, .fixed = 1},
		{.width = 11, .fixed = 1}, {.align = TL_ALIGN_LEFT, .gap = 2}};
	struct tl_table t = AB_TABLE(col);
	cells(&t, ab->s.by, "n control", "n treatment", "diff", "lift", "lift CI", "p", "p_adjusted", "", NULL);
	for (size_t i = 0; i < n; i++, r++) {
		tl_table_cell(&t, seg_label(r->seg));
		tl_table_cellf(&t, "%.17g", r->arm[0].n);
		tl_table_cellf(&t, "%.17g", r->arm[1].n);
		cells(&t, g6(r->t.diff), pct(r->t.lift), ci(r->t.lift_lo, r->t.lift_hi, 1), g6(r->t.p),
		      g6(r->p_adj), !r->negative ? "" : md ? "**negative**" : "NEGATIVE", NULL);
	}
	fputc('\n', f);
	put_table(f, &t, md);
}

static void text_mix(FILE *f, const struct report *rep, int md)
{
	const struct tl_abtest *ab = rep->ab;
	struct tl_table_col col[] = {{.width = seg_width(ab, 17), .fixed = 1}, {.width = 10, .fixed = 1},
		{.width = 10, .fixed = 1}, {.width = 10, .fixed = 1}};
	struct tl_table t = AB_TABLE(col);
	if (md)
		fprintf(f, "\n## Segment mix by %s\n\n", ab->s.by);
	else
		fprintf(f, "\nsegment mix by %s (share of learners)\n", ab->s.by);
	cells(&t, ab->s.by, ab->arm[0], ab->arm[1], "diff", NULL);
	for (size_t i = 0; i < ab->nseg; i++) {
		const struct seg *g = rep->order[i];
		double sc = g->learners[0] / rep->n[0], st = g->learners[1] / rep->n[1];
		cells(&t, seg_label(g), pct(sc), pct(st), pct(st - sc), NULL);
	}
	put_table(f, &t, md);
	fprintf(f, "%slargest difference %s (limit %s); homogeneity chi2 = %s, df = %s, p = %s\n",
		md ? "\n" : "  ", pct(rep->mix_max), pct(ab->p.max_mix_diff), g6(rep->mix_chi2),
		g6(rep->mix_df), g6(rep->mix_p));
}

static void text_head(FILE *f, const struct report *rep, int md)
{
	static const struct tl_table_col col[] = {{.width = 12, .fixed = 1}, {.width = 10, .fixed = 1},
		{.width = 10, .fixed = 1}, {.width = 10, .fixed = 1}};
	struct tl_table t = AB_TABLE(col);
	const struct tl_abtest *ab = rep->ab;
	const struct tl_ab_params *p = &ab->p;
	double w = p->expect[0] + p->expect[1];
	if (md) {
		fputs("# A/B test: ", f);
		tl_table_md_put(f, ab->arm[1]);
		fputs(" vs ", f);
		tl_table_md_put(f, ab->arm[0]);
		fputs("\n\n", f);
	} else {
		fprintf(f, "tl-abtest: treatment '%s' vs control '%s' (alpha %g)\n", ab->arm[1], ab->arm[0], p->alpha);
	}
	cells(&t, "arm", "learners", "share", "expected", NULL);
	for (int a = 0; a < 2; a++) {
		tl_table_cell(&t, ab->arm[a]);
		tl_table_cellf(&t, "%.17g", rep->n[a]);
		cells(&t, pct(rep->n[a] / (rep->n[0] + rep->n[1])), pct(p->expect[a] / w), NULL);
	}
	put_table(f, &t, md);
	fprintf(f, "%sSRM: chi2 = %s, df = 1, p = %s (%s at %g)\n", md ? "\n" : "",
		g6(rep->srm_chi2), g6(rep->srm_p), rep->srm_p >= p->srm_alpha ? "ok" : "MISMATCH",
		p->srm_alpha);
}

static void write_text(FILE *f, const struct report *rep, int md)
{
	const struct tl_abtest *ab = rep->ab;
	size_t per = 1 + (ab->s.by ? ab->nseg : 0);
	text_head(f, rep, md);
	for (size_t i = 0; i < rep->nrow; i += per) {
		text_metric_head(f, ab, &rep->row[i], md);
		text_metric_test(f, ab, &rep->row[i], md);
		text_metric_extras(f, ab, &rep->row[i], md);
		if (per > 1)
			text_segments(f, ab, &rep->row[i + 1], per - 1, md);
	}
	if (ab->s.by)
		text_mix(f, rep, md);
	fprintf(f, md ? "\n## Decision: **%s**\n" : "\ndecision: %s\n", rep->failed ? "FAIL" : "PASS");
	if (md && rep->nwhy)
		fputc('\n', f);
	for (size_t i = 0; i < rep->nwhy; i++)
		fprintf(f, md ? "- %s\n" : "  %s\n", rep->why[i]);
}

int tl_abtest_report(struct tl_abtest *ab, FILE *f, enum tl_ab_format fmt)
{
	struct report rep;
	ab_report_make(&rep, ab);
	if (fmt == TL_AB_JSON)
		write_json(f, &rep);
	else
		write_text(f, &rep, fmt == TL_AB_MD);
	int pass = rep.failed == 0;
	ab_report_free(&rep);
	return pass;
}

void tl_ab_plan(FILE *f, enum tl_ab_format fmt, double mean, double sd, const struct tl_ab_params *p)
{
	double n = tl_ab_sample_size(sd, p->mde * fabs(mean), p->alpha, p->power);
	if (fmt == TL_AB_JSON) {
		fprintf(f, "{\"power\":{\"target_power\":%.17g", p->power);
		jnum(f, "alpha", p->alpha);
		jnum(f, "baseline_mean", mean);
		jnum(f, "baseline_sd", sd);
		jnum(f, "mde", p->mde);
		jnum(f, "n_per_arm", n);
		fputs("}}\n", f);
		return;
	}
	fprintf(f, "%spower: baseline mean %s, sd %s; lift %s at alpha %g (two-sided), power %g\n"
		"%ssample size per arm: %s (normal approximation)\n", fmt == TL_AB_MD ? "# " : "",
		g6(mean), g6(sd), pct(p->mde), p->alpha, p->power, fmt == TL_AB_MD ? "\n" : "", g6(n));
}
