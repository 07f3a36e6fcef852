/* report.h - the results report of tl-report(1): the inputs it reads
 * (what tl-abtest, tl-eval, tl-retention, tl-score and tl-rollout wrote)
 * and the document it writes from them, in the order of the sections:
 * the decision, the primary metric, guardrails, segments, cohort mix,
 * the rollout, model validation, retention, how it was computed. Every number written is
 * the text of an input's number, copied; only axis ticks are made here. */
#ifndef TL_REPORT_REPORT_H
#define TL_REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/input.h"

#define TL_REPORT_MAX_EVAL 4
#define TL_REPORT_MAX_SUMMARY 8

/* One survival curve of tl-retention --curves: rows [first, first + n)
 * of the table; lower and upper are its 95% band, NAN until filled (by
 * the caller: the band is Kaplan-Meier's, of metrics/). */
struct tl_report_curve {
	const char *name;
	size_t first, n;
	double *day, *surv, *lower, *upper;
	uint64_t *at_risk, *events;
};

struct tl_report {
	/* what the command line gave, as text */
	const char *title, *min_lift, *max_mix_diff, *as_of;
	long top;
	const char *abtest_path, *eval_path[TL_REPORT_MAX_EVAL], *curve_path, *model_path, *curves_path,
		*summary_path, *rollout_path;
	int neval;
	/* the inputs read (tl_report_load) */
	struct tl_rjson abtest, eval[TL_REPORT_MAX_EVAL];
	struct tl_rtable roc, model, curves_table, summary[TL_REPORT_MAX_SUMMARY];
	size_t nsummary, ncurves;
	struct tl_report_curve *curves;
	struct tl_rjson rollout;            /* tl-rollout's audit log, its entries in */
	struct tl_rjson_lines entries;
};

/* tl_report_load: read every input named in r (exits 65 or 66 on the
 * first bad or missing one, naming it) and check the members and
 * columns the report uses. */
void tl_report_load(struct tl_report *r);
void tl_report_free(struct tl_report *r);

/* tl_report_write: the document, to md and html (either may be NULL). */
void tl_report_write(const struct tl_report *r, FILE *md, FILE *html);

/* ---- private to report/report_*.c ---- */
struct tl_doc;
struct tl_table;
/* The sections of tl-abtest's report (report_ab.c). */
void tl_report_abtest(struct tl_doc *d, const struct tl_report *r);
/* The sections of the other inputs (report_more.c). */
void tl_report_validation(struct tl_doc *d, const struct tl_report *r, int n);
void tl_report_retention(struct tl_doc *d, const struct tl_report *r, int n);
void tl_report_computed(struct tl_doc *d, const struct tl_report *r, int n);
/* The rollout (report_roll.c): loading and checking its audit log, its
 * final decision (in section 1) and its section. */
void tl_report_load_rollout(struct tl_report *r);
void tl_report_rollout_decision(struct tl_doc *d, const struct tl_report *r);
void tl_report_rollout(struct tl_doc *d, const struct tl_report *r, int n);
void tl_report_rollout_settings(struct tl_doc *d, const struct tl_report *r);
/* tl_report_num: a cell with the text of number member key of obj
 * ("n/a" for null). */
void tl_report_num(struct tl_table *t, const struct tl_rjson *j, struct tl_str obj, const char *key);
/* tl_report_text: the text of number member key of obj as a C string
 * in buf[0..n) ("n/a" for null); returns buf. */
const char *tl_report_text(char *buf, size_t n, const struct tl_rjson *j, struct tl_str obj, const char *key);
/* tl_report_figure: run draw(f, ctx) into memory and add it as a figure
 * (nothing when the document has no HTML). */
void tl_report_figure(struct tl_doc *d, const char *caption, void (*draw)(FILE *f, const void *ctx),
		      const void *ctx);

#endif
