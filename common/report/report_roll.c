/* report_roll.c - the rollout of tl-rollout(1) from its audit log: the
 * entries checked when loading, the final decision in words (in section
 * 1), and the section with the looks' table and the plot of the lift and
 * its confidence sequence across looks and stages (report.h). Numbers are
 * the audit log's text, copied. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/table.h"
#include "util/err.h"

#define WHAT "tl-rollout audit log"

/* event: the entry's event (start or abort), or NULL for a look. */
static const char *event(const struct tl_rjson *j, struct tl_str e)
{
	struct tl_str v;
	return tl_rjson_get(j, e, "event", &v) && !tl_rjson_is_null(v) ? tl_rjson_decode(j, v) : NULL;
}

/* need_text: member key of obj, a string (not null). */
static const char *need_text(const struct tl_rjson *j, struct tl_str obj, const char *key)
{
	const char *s = tl_rjson_string(j, obj, key);
	if (!s)
		tl_rjson_die(j, obj, "'%s' is null", key);
	return s;
}

static void need_numbers(const struct tl_rjson *j, struct tl_str obj, const char *const *keys)
{
	for (; *keys; keys++)
		tl_rjson_number(j, obj, *keys);
}

static void check_criteria(const struct tl_rjson *j, struct tl_str e)
{
	struct tl_rjson_iter it;
	struct tl_str c, v;
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, e, "criteria"), '[');
	while (tl_rjson_iter_next(&it, NULL, &c)) {
		const char *name = need_text(j, c, "name");
		need_text(j, c, "result");
		if (tl_rjson_get(j, c, "reason", &v))
			tl_rjson_string(j, c, "reason");
		if (strcmp(name, "lift") == 0)
			tl_rjson_number(j, c, "min_lift"), tl_rjson_string(j, c, "metric");
	}
}

/* check_look: what the report reads of a look's entry. */
static void check_look(const struct tl_rjson *j, struct tl_str e)
{
	static const char *const top[] = {"look", "stage_look", "pct", NULL};
	static const char *const arms[] = {"control", "treatment", NULL};
	static const char *const roi[] = {"lift", "lift_low", "lift_high", "p_seq", NULL};
	static const char *const seq[] = {"gain", "harm", NULL};
	static const char *const texts[] = {"ts", "stage", "reason", "active"};
	need_numbers(j, e, top);
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)
		need_text(j, e, texts[k]);
	const char *d = need_text(j, e, "decision");
	if (strcmp(d, "promote") && strcmp(d, "hold") && strcmp(d, "abort"))
		tl_rjson_die(j, e, "'decision' is not promote, hold or abort: '%s'", d);
	need_numbers(j, tl_rjson_need(j, e, "n_outcomes"), arms);
	struct tl_str v = tl_rjson_need(j, e, "roi");
	if (!tl_rjson_is_null(v))
		need_numbers(j, v, roi);
	need_numbers(j, tl_rjson_need(j, e, "sequential"), seq);
	need_text(j, tl_rjson_need(j, e, "control"), "algo_version");
	need_text(j, tl_rjson_need(j, e, "treatment"), "algo_version");
	check_criteria(j, e);
}

static void check_entry(const struct tl_rjson *j, struct tl_str e)
{
	const char *ev = event(j, e);
	if (!ev) {
		check_look(j, e);
	} else if (strcmp(ev, "start") == 0) {
		need_text(j, e, "ts"), need_text(j, e, "stage"), tl_rjson_number(j, e, "pct");
		need_text(j, e, "rollout_sha256");
		for (int k = 0; k < 2; k++) {
			struct tl_str c = tl_rjson_need(j, e, k ? "treatment" : "control");
			need_text(j, c, "algo_version"), need_text(j, c, "sha256");
		}
	} else if (strcmp(ev, "abort") == 0) {
		need_text(j, e, "ts"), need_text(j, e, "reason"), need_text(j, e, "active"), need_text(j, e, "stage");
		tl_rjson_number(j, e, "look");
	} else {
		tl_rjson_die(j, e, "'event' is not start or abort: '%s'", ev);
	}
}

void tl_report_load_rollout(struct tl_report *r)
{
	tl_rjson_load_lines(&r->rollout, r->rollout_path, WHAT, &r->entries);
	for (size_t i = 0; i < r->entries.n; i++)
		check_entry(&r->rollout, r->entries.item[i]);
}

/* ---- what the parts share ------------------------------------------------ */

#define T(buf, obj, key) tl_report_text(buf, sizeof buf, j, obj, key)

/* criterion: the criterion name of look e, or an empty span. */
static struct tl_str criterion(const struct tl_rjson *j, struct tl_str e, const char *name)
{
	struct tl_rjson_iter it;
	struct tl_str c;
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, e, "criteria"), '[');
	while (tl_rjson_iter_next(&it, NULL, &c))
		if (strcmp(tl_rjson_string(j, c, "name"), name) == 0)
			return c;
	return (struct tl_str){0};
}

/* lift_criterion: the lift criterion of the last look that has one. */
static struct tl_str lift_criterion(const struct tl_report *r)
{
	for (size_t i = r->entries.n; i-- > 0;)
		if (!event(&r->rollout, r->entries.item[i])) {
			struct tl_str c = criterion(&r->rollout, r->entries.item[i], "lift");
			if (c.p)
				return c;
		}
	return (struct tl_str){0};
}

/* metric: the primary metric's name, from the lift criterion. */
static const char *metric(const struct tl_report *r)
{
	struct tl_str c = lift_criterion(r);
	const char *m = c.p ? tl_rjson_string(&r->rollout, c, "metric") : NULL;
	return m ? m : "the primary metric";
}

/* ---- 1. the decision ------------------------------------------------------- */

/* non_pass: an item for each criterion of look e that did not pass. */
static void non_pass(struct tl_doc *d, const struct tl_rjson *j, struct tl_str e)
{
	struct tl_rjson_iter it;
	struct tl_str c, v;
	tl_rjson_iter_begin(&it, j, tl_rjson_need(j, e, "criteria"), '[');
	while (tl_rjson_iter_next(&it, NULL, &c)) {
		const char *res = tl_rjson_string(j, c, "result"), *why = NULL;
		if (strcmp(res, "pass") == 0)
			continue;
		if (tl_rjson_get(j, c, "reason", &v))
			why = tl_rjson_string(j, c, "reason");
		tl_doc_item(d, "%s: %s%s%s%s.", strcmp(res, "abort") == 0 ? "Aborted" : "Held",
			    tl_rjson_string(j, c, "name"), why ? " (" : "", why ? why : "", why ? ")" : "");
	}
}

static void look_decision(struct tl_doc *d, const struct tl_report *r, struct tl_str e)
{
	const struct tl_rjson *j = &r->rollout;
	const char *dec = tl_rjson_string(j, e, "decision"), *stage = tl_rjson_string(j, e, "stage");
	const char *active = tl_rjson_string(j, e, "active"), *reason = tl_rjson_string(j, e, "reason");
	char l[64], pct[64], k[64], lo[64], hi[64], p[64], g[64], h[64];
	tl_doc_verdict(d, "Rollout decision", strcmp(dec, "promote") == 0 ? "PROMOTE" : strcmp(dec, "hold") == 0 ? "HOLD" : "ABORT",
		       strcmp(dec, "promote") == 0 ? "pass" : strcmp(dec, "hold") == 0 ? "hold" : "fail");
	T(l, e, "look"), T(pct, e, "pct"), T(k, e, "stage_look");
	if (strcmp(dec, "promote") == 0)
		tl_doc_item(d, "At look %s (stage %s at %s%%, its look %s) every criterion passed: stage %s is promoted, "
			       "the active release is now %s.", l, stage, pct, k, stage, active);
	else if (strcmp(dec, "hold") == 0)
		tl_doc_item(d, "At look %s (stage %s at %s%%, its look %s) there is not enough evidence yet (%s): stage %s "
			       "stays active.", l, stage, pct, k, reason, active);
	else
		tl_doc_item(d, "At look %s (stage %s at %s%%, its look %s) the rollout aborted (%s): the active release is "
			       "now %s, the control config alone.", l, stage, pct, k, reason, active);
	non_pass(d, j, e);
	struct tl_str roi = tl_rjson_need(j, e, "roi"), seq = tl_rjson_need(j, e, "sequential");
	if (!tl_rjson_is_null(roi))
		tl_doc_item(d, "%s over the stage: lift %s, confidence sequence [%s, %s], always-valid p = %s (the stage's "
			       "running p: gain %s, harm %s).", metric(r), T(l, roi, "lift"), T(lo, roi, "lift_low"),
			    T(hi, roi, "lift_high"), T(p, roi, "p_seq"), T(g, seq, "gain"), T(h, seq, "harm"));
	tl_doc_item(d, "Control %s, treatment %s.", tl_rjson_string(j, tl_rjson_need(j, e, "control"), "algo_version"),
		    tl_rjson_string(j, tl_rjson_need(j, e, "treatment"), "algo_version"));
}

void tl_report_rollout_decision(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rjson *j = &r->rollout;
	struct tl_str e = r->entries.item[r->entries.n - 1];
	const char *ev = event(j, e);
	char l[64];
	if (!ev) {
		look_decision(d, r, e);
	} else if (strcmp(ev, "abort") == 0) {
		tl_doc_verdict(d, "Rollout decision", "ABORT", "fail");
		tl_doc_item(d, "Aborted by hand (tl-rollout --abort, reason %s) at %s, after look %s in stage %s: the active "
			       "release is now %s, the control config alone.", tl_rjson_string(j, e, "reason"),
			    tl_rjson_string(j, e, "ts"), T(l, e, "look"), tl_rjson_string(j, e, "stage"),
			    tl_rjson_string(j, e, "active"));
	} else {
		tl_doc_verdict(d, "Rollout decision", "NONE YET", "hold");
		tl_doc_item(d, "The rollout started at %s at stage %s and has taken no look yet.",
			    tl_rjson_string(j, e, "ts"), tl_rjson_string(j, e, "stage"));
	}
}

/* ---- the rollout section ---------------------------------------------------- */

static void looks_table(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rjson *j = &r->rollout;
	static const char *const head[] = {"look", "stage", "pct", "n control", "n treatment", "lift",
					   "CS low", "CS high", "always-valid p", "decision", "reason"};
	struct tl_table t = {.ncol = 11};
	for (size_t c = 0; c < 11; c++)
		tl_table_cell(&t, head[c]);
	for (size_t i = 0; i < r->entries.n; i++) {
		struct tl_str e = r->entries.item[i], roi, n;
		if (event(j, e))
			continue;
		tl_report_num(&t, j, e, "look"), tl_table_cell(&t, tl_rjson_string(j, e, "stage"));
		tl_report_num(&t, j, e, "pct");
		n = tl_rjson_need(j, e, "n_outcomes");
		tl_report_num(&t, j, n, "control"), tl_report_num(&t, j, n, "treatment");
		roi = tl_rjson_need(j, e, "roi");
		static const char *const keys[] = {"lift", "lift_low", "lift_high", "p_seq"};
		for (size_t k = 0; k < 4; k++)
			tl_rjson_is_null(roi) ? tl_table_cell(&t, "n/a") : tl_report_num(&t, j, roi, keys[k]);
		const char *why = tl_rjson_string(j, e, "reason");
		tl_table_cell(&t, tl_rjson_string(j, e, "decision")), tl_table_cell(&t, *why ? why : "-");
	}
	tl_doc_table(d, "Looks (n: learners with an outcome in the stage so far, per arm; the lift over the stage, "
			"its confidence sequence CS and its always-valid p at the look)", &t);
}

/* The plot's looks, with their labels and tooltips (owned). */
struct looks_ctx {
	struct tl_plot_look *l;
	size_t n;
	const char *title, *min_label;
	double min;
};

static void draw_looks(FILE *f, const void *ctx)
{
	const struct looks_ctx *c = ctx;
	tl_plot_looks(f, c->title, c->l, c->n, c->min, c->min_label);
}

/* plot_look: look e as a mark of the plot. */
static struct tl_plot_look plot_look(const struct tl_rjson *j, struct tl_str e)
{
	char l[64], pct[64], lift[64], lo[64], hi[64], p[64], buf[512];
	struct tl_str roi = tl_rjson_need(j, e, "roi");
	const char *stage = tl_rjson_string(j, e, "stage"), *dec = tl_rjson_string(j, e, "decision");
	const char *why = tl_rjson_string(j, e, "reason");
	int none = tl_rjson_is_null(roi);
	snprintf(buf, sizeof buf, "%s %s%%", stage, T(pct, e, "pct"));
	char *label = tl_xstrdup(buf);
	snprintf(buf, sizeof buf, "look %s, %s: lift %s, confidence sequence [%s, %s], always-valid p %s; %s%s%s%s",
		 T(l, e, "look"), label, none ? "n/a" : T(lift, roi, "lift"), none ? "n/a" : T(lo, roi, "lift_low"),
		 none ? "n/a" : T(hi, roi, "lift_high"), none ? "n/a" : T(p, roi, "p_seq"), dec, *why ? " (" : "", why,
		 *why ? ")" : "");
	struct tl_plot_look k = {stage, label, dec, tl_xstrdup(buf), NAN, NAN, NAN};
	if (!none)
		k.lift = tl_rjson_double(tl_rjson_number(j, roi, "lift")),
		k.lo = tl_rjson_double(tl_rjson_number(j, roi, "lift_low")),
		k.hi = tl_rjson_double(tl_rjson_number(j, roi, "lift_high"));
	return k;
}

static void looks_plot(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rjson *j = &r->rollout;
	struct looks_ctx c = {tl_xmalloc((r->entries.n + 1) * sizeof *c.l), 0, NULL, NULL, NAN};
	char title[256], minl[128], ml[64];
	for (size_t i = 0; i < r->entries.n; i++)
		if (!event(j, r->entries.item[i]))
			c.l[c.n++] = plot_look(j, r->entries.item[i]);
	if (!c.n) {
		free(c.l);
		return;
	}
	struct tl_str lc = lift_criterion(r);
	const char *min = lc.p && !tl_rjson_is_null(tl_rjson_number(j, lc, "min_lift")) ? T(ml, lc, "min_lift")
											  : r->min_lift;
	snprintf(minl, sizeof minl, "minimum lift %s", min ? min : "");
	c.min_label = min ? minl : NULL, c.min = min ? strtod(min, NULL) : NAN;
	snprintf(title, sizeof title, "Lift of %s at each look, with its confidence sequence", metric(r));
	c.title = title;
	tl_report_figure(d, "The lift of each look over its stage, with its confidence sequence (valid at every look), "
			    "by stage; the dot's colour is the look's decision", draw_looks, &c);
	for (size_t i = 0; i < c.n; i++)
		free((char *)c.l[i].stage_label), free((char *)c.l[i].tip);
	free(c.l);
}

/* events: the start, manual aborts, and the lines skipped as torn. */
static void events(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rjson *j = &r->rollout;
	char l[64], p[64];
	for (size_t i = 0; i < r->entries.n; i++) {
		struct tl_str e = r->entries.item[i];
		const char *ev = event(j, e);
		if (ev && strcmp(ev, "start") == 0)
			tl_doc_item(d, "Started at %s at stage %s (%s%%): control %s, treatment %s.",
				    tl_rjson_string(j, e, "ts"), tl_rjson_string(j, e, "stage"), T(p, e, "pct"),
				    tl_rjson_string(j, tl_rjson_need(j, e, "control"), "algo_version"),
				    tl_rjson_string(j, tl_rjson_need(j, e, "treatment"), "algo_version"));
		else if (ev)
			tl_doc_item(d, "Aborted by hand (reason %s) at %s, after look %s: the active release is now %s.",
				    tl_rjson_string(j, e, "reason"), tl_rjson_string(j, e, "ts"), T(l, e, "look"),
				    tl_rjson_string(j, e, "active"));
	}
	for (size_t i = 0; i < r->entries.ntorn; i++)
		tl_doc_item(d, "Line %ld of the audit log is torn (cut short by a run killed while it wrote it) and is "
			       "skipped, as tl-rollout skips it.", r->entries.torn[i]);
}

void tl_report_rollout(struct tl_doc *d, const struct tl_report *r, int n)
{
	tl_doc_section(d, n, "rollout", "Rollout");
	if (!r->rollout_path) {
		tl_doc_para(d, "No tl-rollout audit log was given (--rollout).");
		return;
	}
	tl_doc_para(d, "The audit log of tl-rollout, %s: one entry per look, in order.", r->rollout_path);
	events(d, r);
	looks_table(d, r);
	looks_plot(d, r);
}

/* tl_report_rollout_settings: an item of "how it was computed". */
void tl_report_rollout_settings(struct tl_doc *d, const struct tl_report *r)
{
	const struct tl_rjson *j = &r->rollout;
	struct tl_str lc = lift_criterion(r);
	char m[64];
	for (size_t i = 0; i < r->entries.n; i++) {
		struct tl_str e = r->entries.item[i];
		const char *ev = event(j, e);
		if (ev && strcmp(ev, "start") == 0)
			tl_doc_item(d, "tl-rollout: control %s (sha256 %s), treatment %s (sha256 %s), rollout config sha256 %s.",
				    tl_rjson_string(j, tl_rjson_need(j, e, "control"), "algo_version"),
				    tl_rjson_string(j, tl_rjson_need(j, e, "control"), "sha256"),
				    tl_rjson_string(j, tl_rjson_need(j, e, "treatment"), "algo_version"),
				    tl_rjson_string(j, tl_rjson_need(j, e, "treatment"), "sha256"),
				    tl_rjson_string(j, e, "rollout_sha256"));
	}
	if (lc.p)
		tl_doc_item(d, "tl-rollout: minimum lift %s, in the stages that require a lift (its lift criterion).",
			    T(m, lc, "min_lift"));
}
