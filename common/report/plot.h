/* plot.h - the plots of tl-report, each one SVG picture written to f:
 * Kaplan-Meier curves with their bands, a forest plot of lifts, the
 * segment mix per arm, a ROC curve, a calibration plot and a rollout's
 * lift across its looks. The data are doubles read from the inputs'
 * text; labels and tooltips are the inputs' text, copied. */
#ifndef TL_REPORT_PLOT_H
#define TL_REPORT_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* One survival curve: S(x[i]) = y[i] after x[i], its pointwise band
 * [lo[i], hi[i]] (NAN where undefined); label names it in the legend. */
struct tl_plot_curve {
	const char *label;
	size_t n;
	const double *x, *y, *lo, *hi;
	int pooled;          /* drawn black and thicker, last in the legend */
};

/* tl_plot_km: the curves on one plot, starting at (0, 1). */
void tl_plot_km(FILE *f, const char *title, const struct tl_plot_curve *c, size_t n);

/* One row of a forest plot: its name, the estimate and its interval (NAN
 * when missing), and the tooltip (the values as the input wrote them). */
struct tl_plot_ci {
	const char *name, *tip;
	double v, lo, hi;
};

/* tl_plot_forest: rows[0] is the overall result, drawn first and as a
 * vertical line; the zero line, and the min line when min_label is set. */
void tl_plot_forest(FILE *f, const char *title, const struct tl_plot_ci *rows, size_t n, double min,
		    const char *min_label);

/* One segment of the mix: its shares in the control and treatment arms. */
struct tl_plot_share {
	const char *name, *tip_control, *tip_treatment;
	double control, treatment;
};

/* tl_plot_mix: bars per segment and arm, with the band control share
 * +- limit (limit_label names it) behind them. */
void tl_plot_mix(FILE *f, const char *title, const struct tl_plot_share *m, size_t n, const char *const arm[2],
		 double limit, const char *limit_label);

/* tl_plot_roc: true against false positive rates, from the origin, and
 * the chance diagonal. */
void tl_plot_roc(FILE *f, const char *title, const double *fpr, const double *tpr, size_t n);

/* tl_plot_calibration: observed rate against mean score per bin (NAN
 * bins skipped), with the diagonal of perfect calibration. */
void tl_plot_calibration(FILE *f, const char *title, const double *score, const double *rate,
			 const char *const *tip, size_t n);

/* One look of a rollout: its stage (label: the stage as the legend of
 * its run of looks says it, "ramp 10%"), its decision (promote, hold or
 * abort: the dot's colour), the lift and its confidence sequence (NAN
 * when missing) and the tooltip. */
struct tl_plot_look {
	const char *stage, *stage_label, *decision, *tip;
	double lift, lo, hi;
};

/* tl_plot_looks: the lift at looks 1..n with its confidence sequence as
 * a bar; a vertical line where the stage changes, each stage's looks
 * labelled on top; the zero line, and the min line when min_label is set. */
void tl_plot_looks(FILE *f, const char *title, const struct tl_plot_look *l, size_t n, double min,
		   const char *min_label);

#endif
