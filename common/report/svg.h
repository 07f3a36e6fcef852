/* svg.h - the drawing primitives of tl-report's plots: a picture with a
 * title, a plot area mapping a data range to pixels, axes with ticks and
 * labels, lines, steps, bands, dots, bars and a legend, written as SVG 1.1
 * text (well-formed XML, no script, no external reference). */
#ifndef TL_REPORT_SVG_H
#define TL_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

struct tl_svg {
	FILE *f;
	double w, h;                 /* the picture in px (its viewBox) */
	double left, right, top, bottom;   /* the plot area in px */
	double x0, x1, y0, y1;       /* the data range of the plot area */
};

/* tl_svg_xml: s written as XML text or attribute value (& < > " ' escaped). */
void tl_svg_xml(FILE *f, const char *s);

/* tl_svg_color: the i-th colour of the palette (cycles), "#rrggbb". */
const char *tl_svg_color(size_t i);

/* tl_svg_begin: open a w x h picture whose class is cls (the tests find
 * plots by it), with an accessible <title> and the title written on top. */
void tl_svg_begin(struct tl_svg *s, FILE *f, const char *cls, double w, double h, const char *title);
void tl_svg_end(struct tl_svg *s);

/* tl_svg_area: the plot area (margins in px from the picture's edges) and
 * the data range it shows; a range of zero width is widened. */
void tl_svg_area(struct tl_svg *s, const double margin[4], double x0, double x1, double y0, double y1);

/* tl_svg_nice: widen [*lo, *hi] to multiples of a round tick step. */
void tl_svg_nice(double *lo, double *hi);

/* Data to pixels. */
double tl_svg_x(const struct tl_svg *s, double v);
double tl_svg_y(const struct tl_svg *s, double v);

/* How tl_svg_axes labels the ticks (or'ed; 1 is the x axis in percent). */
enum { TL_SVG_PCT_X = 1, TL_SVG_PCT_Y = 2, TL_SVG_WHOLE_X = 4 /* x ticks at whole numbers only */ };

/* tl_svg_axes: the frame, grid lines, ticks and tick labels of both axes
 * and the axis labels (ylabel NULL: no numeric y axis, for categories);
 * flags: TL_SVG_PCT_X, TL_SVG_PCT_Y (tick labels as percentages),
 * TL_SVG_WHOLE_X. */
void tl_svg_axes(struct tl_svg *s, const char *xlabel, const char *ylabel, int flags);

/* tl_svg_text: text at pixel (x, y); anchor "start", "middle" or "end";
 * attrs: more attributes (NULL: none). */
void tl_svg_text(struct tl_svg *s, double x, double y, const char *anchor, const char *attrs, const char *text);

/* tl_svg_line: a straight line between data points. */
void tl_svg_line(struct tl_svg *s, double xa, double ya, double xb, double yb, const char *attrs);

/* tl_svg_rect: the rectangle between data points (xa, ya) and (xb, yb);
 * title, when not NULL, is its tooltip. */
void tl_svg_rect(struct tl_svg *s, double xa, double ya, double xb, double yb, const char *attrs,
		 const char *title);

/* tl_svg_dot: a circle of radius r px at a data point, with a tooltip. */
void tl_svg_dot(struct tl_svg *s, double x, double y, double r, const char *attrs, const char *title);

/* tl_svg_path: the polyline through (x[i], y[i]), or, with step, the step
 * function that holds y[i-1] up to x[i] (a survival curve). Points closer
 * than half a pixel are merged; NAN points are skipped. */
void tl_svg_path(struct tl_svg *s, const double *x, const double *y, size_t n, int step, const char *attrs);

/* tl_svg_band: the filled region between lo and hi (a NAN bound is
 * taken as mid, the curve itself), drawn as tl_svg_path draws. */
void tl_svg_band(struct tl_svg *s, const double *x, const double *lo, const double *hi, const double *mid,
		 size_t n, int step, const char *attrs);

/* One legend entry: its label, colour, and how it is drawn. */
enum tl_svg_key { TL_SVG_KEY_LINE, TL_SVG_KEY_DASH, TL_SVG_KEY_BOX, TL_SVG_KEY_DOT };
struct tl_svg_legend {
	const char *label, *color;
	enum tl_svg_key key;
};

/* tl_svg_legend: the entries in a column at pixel (x, y), top left. */
void tl_svg_legend(struct tl_svg *s, double x, double y, const struct tl_svg_legend *e, size_t n);

#endif
