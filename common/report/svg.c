/* svg.c - SVG drawing primitives of the report's plots (svg.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "util/err.h"

#define TICKS 5           /* about this many ticks per axis */
#define MERGE 2.0         /* points per pixel kept by tl_svg_path */

void tl_svg_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc(' ', f);   /* XML 1.0 has no other control characters */
			else
				fputc(*s, f);
		}
	}
}

const char *tl_svg_color(size_t i)
{
	static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
					      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
	return palette[i % (sizeof palette / sizeof *palette)];
}

void tl_svg_begin(struct tl_svg *s, FILE *f, const char *cls, double w, double h, const char *title)
{
	memset(s, 0, sizeof *s);
	s->f = f, s->w = w, s->h = h;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot %s\" viewBox=\"0 0 %g %g\" "
		   "width=\"%g\" height=\"%g\" role=\"img\" font-family=\"DejaVu Sans, Verdana, sans-serif\" "
		   "font-size=\"12\">\n<title>", cls, w, h, w, h);
	tl_svg_xml(f, title);
	fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
	tl_svg_text(s, w / 2, 20, "middle", "font-size=\"14\" font-weight=\"bold\"", title);
}

void tl_svg_end(struct tl_svg *s)
{
	fputs("</svg>\n", s->f);
}

void tl_svg_area(struct tl_svg *s, const double margin[4], double x0, double x1, double y0, double y1)
{
	s->left = margin[0], s->right = s->w - margin[1], s->top = margin[2], s->bottom = s->h - margin[3];
	if (!(x1 > x0))
		x0 -= 0.5, x1 = x0 + 1;
	if (!(y1 > y0))
		y0 -= 0.5, y1 = y0 + 1;
	s->x0 = x0, s->x1 = x1, s->y0 = y0, s->y1 = y1;
}

/* step_of: a round step (1, 2 or 5 times a power of ten) near range/TICKS. */
static double step_of(double range)
{
	double raw = range / TICKS, p = pow(10, floor(log10(raw))), m = raw / p;
	return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

void tl_svg_nice(double *lo, double *hi)
{
	if (!(*hi > *lo))
		*lo -= 0.5, *hi += 0.5;
	double st = step_of(*hi - *lo);
	*lo = floor(*lo / st + 1e-9) * st;
	*hi = ceil(*hi / st - 1e-9) * st;
}

double tl_svg_x(const struct tl_svg *s, double v)
{
	return s->left + (v - s->x0) / (s->x1 - s->x0) * (s->right - s->left);
}

double tl_svg_y(const struct tl_svg *s, double v)
{
	return s->bottom - (v - s->y0) / (s->y1 - s->y0) * (s->bottom - s->top);
}

/* tick_label: v to the decimals of step (a percentage when percent). */
static void tick_label(char *buf, size_t n, double v, double step, int percent)
{
	if (percent)
		v *= 100, step *= 100;
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (fabs(v) < step * 1e-6)
		v = 0;   /* no "-0" */
	snprintf(buf, n, "%.*f%s", dec, v, percent ? "%" : "");
}

/* ticks: the ticks, grid lines and labels of one axis. */
static void ticks(struct tl_svg *s, int y, int flags)
{
	double lo = y ? s->y0 : s->x0, hi = y ? s->y1 : s->x1, st = step_of(hi - lo);
	int percent = flags & (y ? TL_SVG_PCT_Y : TL_SVG_PCT_X);
	if (!y && (flags & TL_SVG_WHOLE_X))
		st = fmax(st, 1);   /* 1, 2, 5, 10...: whole numbers */
	char buf[64];
	for (double v = ceil(lo / st - 1e-9) * st; v <= hi + st * 1e-9; v += st) {
		double p = y ? tl_svg_y(s, v) : tl_svg_x(s, v);
		tick_label(buf, sizeof buf, v, st, percent);
		if (y) {
			fprintf(s->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n"
				      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
				s->left, p, s->right, p, s->left - 5, p, s->left, p);
			tl_svg_text(s, s->left - 8, p + 4, "end", "class=\"ytick\"", buf);
		} else {
			fprintf(s->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n"
				      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
				p, s->top, p, s->bottom, p, s->bottom, p, s->bottom + 5);
			tl_svg_text(s, p, s->bottom + 18, "middle", "class=\"xtick\"", buf);
		}
	}
}

void tl_svg_axes(struct tl_svg *s, const char *xlabel, const char *ylabel, int flags)
{
	char rot[96];
	ticks(s, 0, flags);
	if (ylabel)
		ticks(s, 1, flags);
	fprintf(s->f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		      "stroke=\"#000000\"/>\n", s->left, s->top, s->right - s->left, s->bottom - s->top);
	tl_svg_text(s, (s->left + s->right) / 2, s->bottom + 38, "middle", "class=\"xlabel\"", xlabel);
	if (ylabel) {
		double x = 16, y = (s->top + s->bottom) / 2;
		snprintf(rot, sizeof rot, "class=\"ylabel\" transform=\"rotate(-90 %.1f %.1f)\"", x, y);
		tl_svg_text(s, x, y, "middle", rot, ylabel);
	}
}

void tl_svg_text(struct tl_svg *s, double x, double y, const char *anchor, const char *attrs, const char *text)
{
	fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor, attrs ? " " : "",
		attrs ? attrs : "");
	tl_svg_xml(s->f, text);
	fputs("</text>\n", s->f);
}

void tl_svg_line(struct tl_svg *s, double xa, double ya, double xb, double yb, const char *attrs)
{
	fprintf(s->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>\n", tl_svg_x(s, xa), tl_svg_y(s, ya),
		tl_svg_x(s, xb), tl_svg_y(s, yb), attrs);
}

/* close_with_title: end an element, with a <title> child when title is set. */
static void close_with_title(struct tl_svg *s, const char *tag, const char *title)
{
	if (!title) {
		fputs("/>\n", s->f);
		return;
	}
	fputs("><title>", s->f);
	tl_svg_xml(s->f, title);
	fprintf(s->f, "</title></%s>\n", tag);
}

void tl_svg_rect(struct tl_svg *s, double xa, double ya, double xb, double yb, const char *attrs,
		 const char *title)
{
	double x = fmin(tl_svg_x(s, xa), tl_svg_x(s, xb)), y = fmin(tl_svg_y(s, ya), tl_svg_y(s, yb));
	fprintf(s->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" %s", x, y,
		fabs(tl_svg_x(s, xb) - tl_svg_x(s, xa)), fabs(tl_svg_y(s, yb) - tl_svg_y(s, ya)), attrs);
	close_with_title(s, "rect", title);
}

void tl_svg_dot(struct tl_svg *s, double x, double y, double r, const char *attrs, const char *title)
{
	fprintf(s->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" %s", tl_svg_x(s, x), tl_svg_y(s, y), r, attrs);
	close_with_title(s, "circle", title);
}

/* ---- paths: data to pixels, merged within half a pixel ------------------ */

struct pts {
	double *x, *y;
	size_t n, cap;
	double col;          /* the merge column of the last point */
	int open;            /* the last column holds two points */
};

static void pts_raw(struct pts *p, double x, double y)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->x = tl_xrealloc(p->x, p->cap * sizeof *p->x);
		p->y = tl_xrealloc(p->y, p->cap * sizeof *p->y);
	}
	p->x[p->n] = x, p->y[p->n++] = y;
}

/* pts_add: a pixel point; within the column of the last one it replaces
 * that column's exit point, so a column keeps its entry and its exit. */
static void pts_add(struct pts *p, double x, double y)
{
	double col = round(x * MERGE);
	if (p->n && col == p->col) {
		if (p->open)
			p->y[p->n - 1] = y;
		else
			pts_raw(p, p->x[p->n - 1], y), p->open = 1;
		return;
	}
	pts_raw(p, x, y);
	p->col = col, p->open = 0;
}

/* trace: the pixel points of the data curve, forward or backward. */
static void trace(struct pts *p, const struct tl_svg *s, const double *x, const double *y, const double *mid,
		  size_t n, int step, int backward)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = backward ? n - 1 - k : k, prev = backward ? i + 1 : i - 1;
		double yi = isnan(y[i]) && mid ? mid[i] : y[i];
		if (isnan(x[i]) || isnan(yi))
			continue;
		if (step && k && !backward) {
			double yp = isnan(y[prev]) && mid ? mid[prev] : y[prev];
			if (!isnan(yp))
				pts_add(p, tl_svg_x(s, x[i]), tl_svg_y(s, yp));
		}
		pts_add(p, tl_svg_x(s, x[i]), tl_svg_y(s, yi));
		if (step && backward && i > 0) {
			double yp = isnan(y[i - 1]) && mid ? mid[i - 1] : y[i - 1];
			if (!isnan(yp))
				pts_add(p, tl_svg_x(s, x[i]), tl_svg_y(s, yp));
		}
	}
}

static void put_points(FILE *f, const struct pts *p)
{
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", p->x[i], p->y[i]);
}

void tl_svg_path(struct tl_svg *s, const double *x, const double *y, size_t n, int step, const char *attrs)
{
	struct pts p = {0};
	trace(&p, s, x, y, NULL, n, step, 0);
	fprintf(s->f, "<polyline fill=\"none\" %s points=\"", attrs);
	put_points(s->f, &p);
	fputs("\"/>\n", s->f);
	free(p.x), free(p.y);
}

void tl_svg_band(struct tl_svg *s, const double *x, const double *lo, const double *hi, const double *mid,
		 size_t n, int step, const char *attrs)
{
	struct pts p = {0};
	trace(&p, s, x, hi, mid, n, step, 0);
	p.col = NAN;   /* the lower bound starts a new column */
	trace(&p, s, x, lo, mid, n, step, 1);
	fprintf(s->f, "<polygon stroke=\"none\" %s points=\"", attrs);
	put_points(s->f, &p);
	fputs("\"/>\n", s->f);
	free(p.x), free(p.y);
}

void tl_svg_legend(struct tl_svg *s, double x, double y, const struct tl_svg_legend *e, size_t n)
{
	for (size_t i = 0; i < n; i++, y += 16) {
		const char *c = e[i].color;
		switch (e[i].key) {
		case TL_SVG_KEY_BOX:
			fprintf(s->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"%s\" "
				      "fill-opacity=\"0.5\"/>\n", x, y - 9, c);
			break;
		case TL_SVG_KEY_DOT:
			fprintf(s->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", x + 9, y - 4, c);
			break;
		default:
			fprintf(s->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				      "stroke-width=\"2\"%s/>\n", x, y - 4, x + 18, y - 4, c,
				e[i].key == TL_SVG_KEY_DASH ? " stroke-dasharray=\"5,3\"" : "");
		}
		tl_svg_text(s, x + 24, y, "start", "class=\"legend\"", e[i].label);
	}
}
