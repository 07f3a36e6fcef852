/* plot.c - the report's plots over report/svg.h (plot.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/plot.h"
#include "report/svg.h"
#include "util/err.h"

#define WIDTH 760
#define LEGEND_W 200      /* the legend column at the right */
#define ROW_H 26          /* a row of a category plot */
#define CHAR_W 7.5        /* the width of a label character, about */

/* ---- Kaplan-Meier ------------------------------------------------------- */

static void km_curve(struct tl_svg *s, const struct tl_plot_curve *c, const char *color)
{
	size_t n = c->n + 1;
	double *x = tl_xmalloc(n * sizeof *x), *y = tl_xmalloc(n * sizeof *y);
	double *lo = tl_xmalloc(n * sizeof *lo), *hi = tl_xmalloc(n * sizeof *hi);
	x[0] = 0, y[0] = lo[0] = hi[0] = 1;
	memcpy(x + 1, c->x, c->n * sizeof *x), memcpy(y + 1, c->y, c->n * sizeof *y);
	memcpy(lo + 1, c->lo, c->n * sizeof *lo), memcpy(hi + 1, c->hi, c->n * sizeof *hi);
	char attrs[128];
	snprintf(attrs, sizeof attrs, "class=\"band\" fill=\"%s\" fill-opacity=\"%s\"", color,
		 c->pooled ? "0.25" : "0.12");
	tl_svg_band(s, x, lo, hi, y, n, 1, attrs);
	snprintf(attrs, sizeof attrs, "class=\"curve\" stroke=\"%s\" stroke-width=\"%s\"", color,
		 c->pooled ? "2.5" : "1.5");
	tl_svg_path(s, x, y, n, 1, attrs);
	free(x), free(y), free(lo), free(hi);
}

void tl_plot_km(FILE *f, const char *title, const struct tl_plot_curve *c, size_t n)
{
	struct tl_svg s;
	double xmax = 0, lo = 0;
	static const double margin[4] = {64, LEGEND_W + 16, 36, 56};
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i].n; k++)
			xmax = fmax(xmax, c[i].x[k]);
	tl_svg_nice(&lo, &xmax);
	tl_svg_begin(&s, f, "km", WIDTH, 420, title);
	tl_svg_area(&s, margin, 0, xmax, 0, 1);
	tl_svg_axes(&s, "days from adoption to last use", "share still using, S(t)", 0);
	struct tl_svg_legend *e = tl_xmalloc((n + 1) * sizeof *e);
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *color = c[i].pooled ? "#000000" : tl_svg_color(k++);
		km_curve(&s, &c[i], color);
		e[i] = (struct tl_svg_legend){c[i].label, color, TL_SVG_KEY_LINE};
	}
	e[n] = (struct tl_svg_legend){"95% band (Greenwood)", "#7f7f7f", TL_SVG_KEY_BOX};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, n + 1);
	free(e);
	tl_svg_end(&s);
}

/* ---- categories: the forest plot and the mix ----------------------------- */

static double label_width(const char *const *names, size_t n)
{
	size_t w = 8;
	for (size_t i = 0; i < n; i++)
		w = strlen(names[i]) > w ? strlen(names[i]) : w;
	return 24 + CHAR_W * (double)w;
}

/* row_y: the data y of category row i of n, top first (rows are 1 apart). */
static double row_y(size_t i, size_t n)
{
	return (double)(n - i) - 0.5;
}

/* category_labels: the names left of the rows. */
static void category_labels(struct tl_svg *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_svg_text(s, s->left - 8, tl_svg_y(s, row_y(i, n)) + 4, "end", "class=\"category\"", names[i]);
}

static void forest_range(const struct tl_plot_ci *r, size_t n, double min, const char *min_label, double *lo,
			 double *hi)
{
	*lo = *hi = 0;
	for (size_t i = 0; i < n; i++) {
		double v[3] = {r[i].v, r[i].lo, r[i].hi};
		for (int k = 0; k < 3; k++)
			if (!isnan(v[k]))
				*lo = fmin(*lo, v[k]), *hi = fmax(*hi, v[k]);
	}
	if (min_label && !isnan(min))
		*lo = fmin(*lo, min), *hi = fmax(*hi, min);
	tl_svg_nice(lo, hi);
}

static void forest_row(struct tl_svg *s, const struct tl_plot_ci *r, size_t i, size_t n)
{
	double y = row_y(i, n);
	const char *color = i ? "#1f77b4" : "#000000";
	char attrs[96];
	if (isnan(r->v)) {
		tl_svg_text(s, tl_svg_x(s, 0) + 6, tl_svg_y(s, y) + 4, "start", "class=\"na\"", "not computed");
		return;
	}
	if (!isnan(r->lo) && !isnan(r->hi)) {
		snprintf(attrs, sizeof attrs, "class=\"ci\" stroke=\"%s\" stroke-width=\"2\"", color);
		tl_svg_line(s, r->lo, y, r->hi, y, attrs);
	}
	snprintf(attrs, sizeof attrs, "class=\"%s\" fill=\"%s\"", i ? "lift" : "lift overall", color);
	tl_svg_dot(s, r->v, y, i ? 4.5 : 6, attrs, r->tip);
}

void tl_plot_forest(FILE *f, const char *title, const struct tl_plot_ci *rows, size_t n, double min,
		    const char *min_label)
{
	struct tl_svg s;
	const char **names = tl_xmalloc((n + 1) * sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = rows[i].name;
	double lo, hi, margin[4] = {label_width(names, n), LEGEND_W + 16, 36, 56};
	forest_range(rows, n, min, min_label, &lo, &hi);
	tl_svg_begin(&s, f, "forest", WIDTH, 36 + 56 + ROW_H * (double)n + 8, title);
	tl_svg_area(&s, margin, lo, hi, 0, (double)n);
	tl_svg_axes(&s, "relative lift, treatment vs control", NULL, 1);
	category_labels(&s, names, n);
	free(names);
	tl_svg_line(&s, 0, 0, 0, (double)n, "class=\"zero\" stroke=\"#555555\" stroke-width=\"1.5\"");
	if (min_label && !isnan(min))
		tl_svg_line(&s, min, 0, min, (double)n, "class=\"min-lift\" stroke=\"#d62728\" stroke-width=\"1.5\" "
							 "stroke-dasharray=\"6,4\"");
	if (n && !isnan(rows[0].v))
		tl_svg_line(&s, rows[0].v, 0, rows[0].v, (double)n, "class=\"overall\" stroke=\"#000000\" "
								  "stroke-dasharray=\"2,3\"");
	for (size_t i = 0; i < n; i++)
		forest_row(&s, &rows[i], i, n);
	struct tl_svg_legend e[4] = {{"lift and its interval", "#1f77b4", TL_SVG_KEY_DOT},
				     {"overall lift", "#000000", TL_SVG_KEY_DASH},
				     {"zero (no effect)", "#555555", TL_SVG_KEY_LINE},
				     {min_label, "#d62728", TL_SVG_KEY_DASH}};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, min_label && !isnan(min) ? 4 : 3);
	tl_svg_end(&s);
}

void tl_plot_mix(FILE *f, const char *title, const struct tl_plot_share *m, size_t n, const char *const arm[2],
		 double limit, const char *limit_label)
{
	struct tl_svg s;
	const char **names = tl_xmalloc((n + 1) * sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = m[i].name;
	double lo = 0, hi = 0, margin[4] = {label_width(names, n), LEGEND_W + 16, 36, 56};
	for (size_t i = 0; i < n; i++)
		hi = fmax(hi, fmax(m[i].control + limit, m[i].treatment));
	tl_svg_nice(&lo, &hi);
	tl_svg_begin(&s, f, "mix", WIDTH, 36 + 56 + 1.4 * ROW_H * (double)n + 8, title);
	tl_svg_area(&s, margin, 0, hi, 0, (double)n);
	tl_svg_axes(&s, "share of the arm's learners", NULL, 1);
	category_labels(&s, names, n);
	free(names);
	for (size_t i = 0; i < n; i++) {
		double y = row_y(i, n);
		tl_svg_rect(&s, fmax(0, m[i].control - limit), y - 0.45, m[i].control + limit, y + 0.45,
			    "class=\"band\" fill=\"#7f7f7f\" fill-opacity=\"0.25\"", NULL);
		tl_svg_rect(&s, 0, y + 0.02, m[i].control, y + 0.34, "class=\"bar control\" fill=\"#1f77b4\"",
			    m[i].tip_control);
		tl_svg_rect(&s, 0, y - 0.34, m[i].treatment, y - 0.02, "class=\"bar treatment\" fill=\"#ff7f0e\"",
			    m[i].tip_treatment);
	}
	struct tl_svg_legend e[3] = {{arm[0], "#1f77b4", TL_SVG_KEY_BOX}, {arm[1], "#ff7f0e", TL_SVG_KEY_BOX},
				     {limit_label, "#7f7f7f", TL_SVG_KEY_BOX}};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, 3);
	tl_svg_end(&s);
}

/* ---- the score against its label ---------------------------------------- */

static void unit_square(struct tl_svg *s, FILE *f, const char *cls, const char *title, const char *xl,
			const char *yl)
{
	static const double margin[4] = {64, LEGEND_W + 16, 36, 56};
	tl_svg_begin(s, f, cls, WIDTH, 420, title);
	tl_svg_area(s, margin, 0, 1, 0, 1);
	tl_svg_axes(s, xl, yl, 0);
	tl_svg_line(s, 0, 0, 1, 1, "class=\"diagonal\" stroke=\"#7f7f7f\" stroke-dasharray=\"5,3\"");
}

void tl_plot_roc(FILE *f, const char *title, const double *fpr, const double *tpr, size_t n)
{
	struct tl_svg s;
	double *x = tl_xmalloc((n + 1) * sizeof *x), *y = tl_xmalloc((n + 1) * sizeof *y);
	x[0] = y[0] = 0;
	memcpy(x + 1, fpr, n * sizeof *x), memcpy(y + 1, tpr, n * sizeof *y);
	unit_square(&s, f, "roc", title, "false positive rate", "true positive rate");
	tl_svg_path(&s, x, y, n + 1, 0, "class=\"curve\" stroke=\"#1f77b4\" stroke-width=\"2\"");
	struct tl_svg_legend e[2] = {{"the score", "#1f77b4", TL_SVG_KEY_LINE},
				     {"chance (AUC 0.5)", "#7f7f7f", TL_SVG_KEY_DASH}};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, 2);
	tl_svg_end(&s);
	free(x), free(y);
}

void tl_plot_calibration(FILE *f, const char *title, const double *score, const double *rate,
			 const char *const *tip, size_t n)
{
	struct tl_svg s;
	unit_square(&s, f, "calibration", title, "mean score in the bin", "observed rate of label 1");
	tl_svg_path(&s, score, rate, n, 0, "class=\"curve\" stroke=\"#1f77b4\" stroke-width=\"1.5\"");
	for (size_t i = 0; i < n; i++)
		if (!isnan(score[i]) && !isnan(rate[i]))
			tl_svg_dot(&s, score[i], rate[i], 4.5, "class=\"bin\" fill=\"#1f77b4\"", tip[i]);
	struct tl_svg_legend e[2] = {{"bins of 0.1 of the score", "#1f77b4", TL_SVG_KEY_DOT},
				     {"perfect calibration", "#7f7f7f", TL_SVG_KEY_DASH}};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, 2);
	tl_svg_end(&s);
}

/* ---- a rollout's looks ---------------------------------------------------- */

static const char *decision_color(const char *decision)
{
	return strcmp(decision, "promote") == 0 ? "#2ca02c" : strcmp(decision, "abort") == 0 ? "#d62728" : "#ff7f0e";
}

static void looks_range(const struct tl_plot_look *l, size_t n, double min, const char *min_label, double *lo,
			double *hi)
{
	*lo = *hi = 0;
	for (size_t i = 0; i < n; i++) {
		double v[3] = {l[i].lift, l[i].lo, l[i].hi};
		for (int k = 0; k < 3; k++)
			if (!isnan(v[k]))
				*lo = fmin(*lo, v[k]), *hi = fmax(*hi, v[k]);
	}
	if (min_label && !isnan(min))
		*lo = fmin(*lo, min), *hi = fmax(*hi, min);
	tl_svg_nice(lo, hi);
}

/* stages: a line before each look whose stage is not the one before, and
 * each run's label above the plot (two rows, so that short runs do not
 * overwrite each other). */
static void stages(struct tl_svg *s, const struct tl_plot_look *l, size_t n)
{
	for (size_t i = 0, run = 0; i < n; i++) {
		if (i && strcmp(l[i].stage, l[i - 1].stage) == 0)
			continue;
		double x = (double)i + 0.5;
		if (i)
			tl_svg_line(s, x, s->y0, x, s->y1, "class=\"stage\" stroke=\"#555555\" stroke-dasharray=\"3,3\"");
		tl_svg_text(s, tl_svg_x(s, x) + 4, s->top - 6 - 14 * (double)(run++ % 2), "start", "class=\"stage-label\"",
			    l[i].stage_label);
	}
}

static void look_mark(struct tl_svg *s, const struct tl_plot_look *l, size_t i)
{
	double x = (double)i + 1;
	const char *color = decision_color(l->decision);
	char attrs[96], text[64];
	if (isnan(l->lift)) {
		snprintf(attrs, sizeof attrs, "class=\"na\" fill=\"%s\"", color);
		snprintf(text, sizeof text, "n/a: %s", l->decision);
		tl_svg_text(s, tl_svg_x(s, x), tl_svg_y(s, 0) - 6, "middle", attrs, text);
		return;
	}
	if (!isnan(l->lo) && !isnan(l->hi))
		tl_svg_line(s, x, l->lo, x, l->hi, "class=\"cs\" stroke=\"#1f77b4\" stroke-width=\"2\"");
	snprintf(attrs, sizeof attrs, "class=\"lift %s\" fill=\"%s\"", l->decision, color);
	tl_svg_dot(s, x, l->lift, 5, attrs, l->tip);
}

void tl_plot_looks(FILE *f, const char *title, const struct tl_plot_look *l, size_t n, double min,
		   const char *min_label)
{
	struct tl_svg s;
	double lo, hi;
	static const double margin[4] = {72, LEGEND_W + 16, 72, 56};
	looks_range(l, n, min, min_label, &lo, &hi);
	tl_svg_begin(&s, f, "rollout", WIDTH, 440, title);
	tl_svg_area(&s, margin, 0.5, (double)n + 0.5, lo, hi);
	tl_svg_axes(&s, "look", "relative lift, treatment vs control", TL_SVG_PCT_Y | TL_SVG_WHOLE_X);
	tl_svg_line(&s, s.x0, 0, s.x1, 0, "class=\"zero\" stroke=\"#555555\" stroke-width=\"1.5\"");
	int min_on = min_label && !isnan(min);
	if (min_on)
		tl_svg_line(&s, s.x0, min, s.x1, min, "class=\"min-lift\" stroke=\"#d62728\" stroke-width=\"1.5\" "
						       "stroke-dasharray=\"6,4\"");
	stages(&s, l, n);
	for (size_t i = 0; i < n; i++)
		look_mark(&s, &l[i], i);
	struct tl_svg_legend e[7] = {{"lift: promote", "#2ca02c", TL_SVG_KEY_DOT},
				     {"lift: hold", "#ff7f0e", TL_SVG_KEY_DOT},
				     {"lift: abort", "#d62728", TL_SVG_KEY_DOT},
				     {"confidence sequence", "#1f77b4", TL_SVG_KEY_LINE},
				     {"stage change", "#555555", TL_SVG_KEY_DASH},
				     {"zero (no effect)", "#555555", TL_SVG_KEY_LINE},
				     {min_label, "#d62728", TL_SVG_KEY_DASH}};
	tl_svg_legend(&s, s.right + 16, s.top + 12, e, min_on ? 7 : 6);
	tl_svg_end(&s);
}
