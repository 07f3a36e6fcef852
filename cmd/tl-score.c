/* tl-score - assign each learner an archetype, its ROI multiplier and a
 * composite score with a JSON rule config (DESIGN §7); canary assignment
 * between two configs; calibration of multipliers from an outcome. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "record/field.h"
#include "record/run.h"
#include "report/table.h"
#include "config/score.h"

enum {
	OPT_CALIBRATE = CHAR_MAX + 1, OPT_CANARY, OPT_CONFIG, OPT_OUTCOME, OPT_PRINT_CONFIG,
	OPT_SALT, OPT_SUMMARY, OPT_SUMMARY_FILE, OPT_TREATMENT
};

static const struct option longopts[] = {
	{.name = "calibrate", .has_arg = no_argument, .val = OPT_CALIBRATE},
	{.name = "canary", .has_arg = required_argument, .val = OPT_CANARY},
	{.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
	{.name = "outcome", .has_arg = required_argument, .val = OPT_OUTCOME},
	{.name = "print-config", .has_arg = no_argument, .val = OPT_PRINT_CONFIG},
	{.name = "salt", .has_arg = required_argument, .val = OPT_SALT},
	{.name = "summary", .has_arg = no_argument, .val = OPT_SUMMARY},
	{.name = "summary-file", .has_arg = required_argument, .val = OPT_SUMMARY_FILE},
	{.name = "treatment", .has_arg = required_argument, .val = OPT_TREATMENT},
	TL_COMMON_LONGOPTS,
	{0}
};

#define SALT_DEFAULT 0   /* --salt */

struct options {
	const char *config, *treatment, *outcome, *summary_file;
	double canary;            /* percent treated, < 0 when no canary */
	uint64_t salt;
	int calibrate, summary, print_config;
};

/* Per arm × archetype sums for --summary and --metrics. */
struct tally {
	const char **arch;
	size_t narch;
	uint32_t *slots;   /* arch index + 1 by name hash: 100,000 rules are not n^2 */
	size_t mask;
	long long *n[2], *nscore[2];
	double *score[2], *mult[2];
	long long nchurn[2];        /* learners with a churn_risk (tl-retention) */
	double churn[2];            /* ... and its sum */
};

static const char synopsis[] =
	"usage: tl-score [--config FILE] [--canary PCT --treatment FILE [--salt S]]\n"
	"                [--summary] [--summary-file FILE] [common options] [FILE ...]\n"
	"       tl-score --calibrate --outcome FIELD [--config FILE] [common options] [FILE ...]\n"
	"       tl-score --print-config [--config FILE]\n";

static const char help[] =
	"Add archetype, roi_multiplier, score, algo_version and archetype_reason to\n"
	"each learner record (learner rows or documents), by a JSON rule config.\n\n"
	"      --config FILE       rule config (default: the built-in v2)\n"
	"      --canary PCT        score PCT percent of learners with --treatment; adds arm\n"
	"      --treatment FILE    the treatment config of --canary\n"
	"      --salt S            canary hash salt, an integer (default " TL_XSTR(SALT_DEFAULT) ")\n"
	"      --summary           print archetype counts and means on stderr at the end\n"
	"      --summary-file FILE write that summary to FILE instead\n"
	"      --calibrate         write a config whose multipliers are mean outcomes\n"
	"      --outcome FIELD     the outcome field of --calibrate\n"
	"      --print-config      print the config as JSON and exit\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

static void parse_options(int argc, char **argv, struct tl_common *common, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, common, usage)) != -1) {
		switch (opt) {
		case OPT_CALIBRATE: o->calibrate = 1; break;
		case OPT_CANARY: o->canary = tl_opt_double("--canary", optarg, 0, 100); break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_OUTCOME: o->outcome = optarg; break;
		case OPT_PRINT_CONFIG: o->print_config = 1; break;
		case OPT_SALT: o->salt = (uint64_t)tl_opt_long("--salt", optarg, 0, LONG_MAX); break;
		case OPT_SUMMARY: o->summary = 1; break;
		case OPT_SUMMARY_FILE: o->summary = 1; o->summary_file = optarg; break;
		case OPT_TREATMENT: o->treatment = optarg; break;
		default: usage(TL_EX_USAGE);
		}
	}
	if ((o->canary >= 0) != (o->treatment != NULL))
		tl_usage_error("--canary and --treatment go together");
	if (o->calibrate != (o->outcome != NULL))
		tl_usage_error("--calibrate and --outcome go together");
	if (o->calibrate && (o->canary >= 0 || o->summary))
		tl_usage_error("--calibrate writes a config: it takes neither --canary nor --summary");
	tl_common_output(common, "--summary-file", o->summary_file);
}

/* read_values: cfg's fields of l, or exit 65 naming the field and its tool. */
static void read_values(const struct tl_score_config *cfg, const struct tl_learner *l, double *v)
{
	size_t bad;
	int rc = tl_score_values(cfg, l, v, &bad);
	if (rc == 0)
		return;
	const char *field = cfg->fields[bad];
	if (rc == -1) {
		char used_by[TL_SCORE_NAME_MAX + 16];
		snprintf(used_by, sizeof used_by, "config %s", cfg->version);
		tl_field_missing(l, field, used_by);
	}
	tl_field_bad(l, tl_learner_attr(l, field), "is not a number");
}

static size_t tally_arch(struct tally *t, const char *a)
{
	uint32_t h = 2166136261u;
	for (const char *q = a; *q; q++)
		h = (h ^ (unsigned char)*q) * 16777619u;
	size_t j = h & t->mask;
	for (; t->slots[j]; j = (j + 1) & t->mask)
		if (strcmp(t->arch[t->slots[j] - 1], a) == 0)
			return t->slots[j] - 1;
	t->arch[t->narch] = a;
	t->slots[j] = (uint32_t)(t->narch + 1);
	return t->narch++;
}

static void tally_init(struct tally *t, const struct tl_score_config *c, const struct tl_score_config *tr)
{
	size_t cap = c->nrules + (tr ? tr->nrules : 0);
	memset(t, 0, sizeof *t);
	t->arch = tl_xcalloc(cap, sizeof *t->arch);
	for (t->mask = 63; t->mask < 2 * cap; t->mask = 2 * t->mask + 1)
		;
	t->slots = tl_xcalloc(t->mask + 1, sizeof *t->slots);
	for (int arm = 0; arm < 2; arm++) {
		t->n[arm] = tl_xcalloc(cap, sizeof *t->n[arm]);
		t->nscore[arm] = tl_xcalloc(cap, sizeof *t->nscore[arm]);
		t->score[arm] = tl_xcalloc(cap, sizeof *t->score[arm]);
		t->mult[arm] = tl_xcalloc(cap, sizeof *t->mult[arm]);
	}
	for (size_t i = 0; i < c->nrules; i++)
		tally_arch(t, c->rules[i].archetype);
	for (size_t i = 0; tr && i < tr->nrules; i++)
		tally_arch(t, tr->rules[i].archetype);
}

static void tally_free(struct tally *t)
{
	for (int arm = 0; arm < 2; arm++) {
		free(t->n[arm]);
		free(t->nscore[arm]);
		free(t->score[arm]);
		free(t->mult[arm]);
	}
	free(t->arch);
	free(t->slots);
}

static void tally_add(struct tally *t, int arm, const struct tl_score_result *r)
{
	size_t a = tally_arch(t, r->rule->archetype);
	t->n[arm][a]++;
	t->mult[arm][a] += r->rule->multiplier;
	if (!isnan(r->score)) {
		t->nscore[arm][a]++;
		t->score[arm][a] += r->score;
	}
}

static void print_row(struct tl_table *tab, const char *name, long long n, long long total, long long nscore,
		      double score, double mult)
{
	tl_table_cell(tab, name);
	tl_table_cellf(tab, "%lld", n);
	tl_table_cellf(tab, "%.4f", total ? (double)n / (double)total : 0.0);
	if (nscore)
		tl_table_cellf(tab, "%.4f", score / (double)nscore);
	else
		tl_table_cell(tab, "-");
	if (n)
		tl_table_cellf(tab, "%.4f", mult / (double)n);
	else
		tl_table_cell(tab, "-");
}

/* print_arm: one arm's table (report/table.h), columns at fixed widths. */
static void print_arm(FILE *f, const struct tally *t, int arm)
{
	static const struct tl_table_col col[] = {{.width = 20, .fixed = 1}, {.width = 9, .fixed = 1},
		{.width = 8, .fixed = 1}, {.width = 11, .fixed = 1}, {.width = 16, .fixed = 1}};
	static const char *const head[] = {"archetype", "learners", "share", "mean_score", "mean_multiplier"};
	struct tl_table tab = {.ncol = 5, .col = col, .gap = 1};
	long long n = 0, ns = 0;
	double s = 0, m = 0;
	for (size_t c = 0; c < tab.ncol; c++)
		tl_table_cell(&tab, head[c]);
	for (size_t a = 0; a < t->narch; a++)
		n += t->n[arm][a], ns += t->nscore[arm][a], s += t->score[arm][a], m += t->mult[arm][a];
	for (size_t a = 0; a < t->narch; a++)
		print_row(&tab, t->arch[a], t->n[arm][a], n, t->nscore[arm][a], t->score[arm][a], t->mult[arm][a]);
	print_row(&tab, "all", n, n, ns, s, m);
	tl_table_write(f, &tab, TL_TABLE_TEXT);
	tl_table_clear(&tab);
	if (n)
		fprintf(f, "portfolio average multiplier: %.4f\n", m / (double)n);
	else
		fprintf(f, "portfolio average multiplier: -\n");
}

static void print_summary(const struct options *o, const struct tally *t, const struct tl_score_config *c,
			  const struct tl_score_config *tr)
{
	FILE *f = o->summary_file ? tl_output_open(o->summary_file) : stderr;
	if (!tr) {
		fprintf(f, "tl-score summary: config %s\n", c->version);
		print_arm(f, t, 0);
	} else {
		fprintf(f, "tl-score summary: arm control, config %s\n", c->version);
		print_arm(f, t, 0);
		fprintf(f, "\ntl-score summary: arm treatment (%g%%), config %s\n", o->canary, tr->version);
		print_arm(f, t, 1);
	}
	if (o->summary_file)
		tl_output_commit(f);
}

/* add_gauges: per arm, the learners per archetype, the portfolio's mean
 * ROI multiplier, the mean churn_risk (when the input has it) and the
 * config's version (an info gauge, for tl-batch's dashboard). */
static void add_gauges(struct tl_run *run, const struct tally *t, int canary, const struct tl_score_config *c,
		       const struct tl_score_config *tr)
{
	char labels[200];
	for (int arm = 0; arm <= canary; arm++) {
		const char *arm_label = canary ? (arm ? "arm=\"treatment\"," : "arm=\"control\",") : "";
		long long n = 0;
		double mult = 0;
		for (size_t a = 0; a < t->narch; a++) {
			snprintf(labels, sizeof labels, "%sarchetype=\"%s\"", arm_label, t->arch[a]);
			tl_run_gauge(run, "tl_score_learners", "Learners per archetype.", labels, (double)t->n[arm][a]);
			n += t->n[arm][a], mult += t->mult[arm][a];
		}
		snprintf(labels, sizeof labels, "%salgo_version=\"%s\"", arm_label, (arm ? tr : c)->version);
		tl_run_gauge(run, "tl_score_config_info", "The config that scored the learners (1).", labels, 1);
		labels[strlen(arm_label) ? strlen(arm_label) - 1 : 0] = '\0';   /* the arm label alone */
		if (n)
			tl_run_gauge(run, "tl_score_roi_multiplier_mean", "The portfolio's mean ROI multiplier.",
				     labels[0] ? labels : NULL, mult / (double)n);
		if (t->nchurn[arm])
			tl_run_gauge(run, "tl_score_churn_risk_mean", "Mean churn_risk of the learners that have one.",
				     labels[0] ? labels : NULL, t->churn[arm] / (double)t->nchurn[arm]);
	}
}

static void put_result(struct tl_writer *w, const struct tl_score_config *cfg, const struct tl_score_result *r,
		       const char *arm)
{
	tl_put_text(w, "archetype", r->rule->archetype, strlen(r->rule->archetype));
	tl_put_num(w, "roi_multiplier", r->rule->multiplier);
	tl_put_num(w, "score", r->score);
	tl_put_text(w, "algo_version", cfg->version, strlen(cfg->version));
	tl_put_text(w, "archetype_reason", r->reason, strlen(r->reason));
	if (arm)
		tl_put_text(w, "arm", arm, strlen(arm));
}

/* What scoring reads and tallies, learner by learner. */
struct scoring {
	const struct options *o;
	const struct tl_score_config *cfg, *tr;   /* tr: the --canary treatment, or NULL */
	double *v, *tv;                           /* their fields' values */
	struct tally tally;
};

static void score_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct scoring *sc = state;
	const struct tl_score_config *tr = sc->tr;
	struct tl_score_result res;
	(void)asof, (void)npast;
	int treated = tr && tl_score_canary_treated(tl_score_canary_bucket(l->id.p, l->id.n, sc->o->salt),
						    sc->o->canary);
	read_values(sc->cfg, l, sc->v);
	if (tr)
		read_values(tr, l, sc->tv);
	const struct tl_score_config *use = treated ? tr : sc->cfg;
	tl_score_eval(use, treated ? sc->tv : sc->v, &res);
	put_result(w, use, &res, tr ? (treated ? "treatment" : "control") : NULL);
	tally_add(&sc->tally, treated, &res);
	const struct tl_attr *risk = tl_learner_attr(l, "churn_risk");
	double v;
	if (risk && tl_field_number(l, risk, &v)) {
		sc->tally.nchurn[treated]++;
		sc->tally.churn[treated] += v;
	}
}

/* score_columns: the fields of a row, for the header of no learner. */
static void score_columns(void *state, struct tl_writer *w)
{
	const struct scoring *sc = state;
	struct tl_score_result none = {.rule = &sc->cfg->rules[0], .score = NAN};
	put_result(w, sc->cfg, &none, sc->tr ? "control" : NULL);
}

static int score_run(struct tl_common *common, const struct options *o, int nfiles, char **files)
{
	struct tl_score_config cfg, trt, *tr = o->treatment ? &trt : NULL;
	tl_score_config_load(o->config, &cfg);
	if (tr)
		tl_score_config_load(o->treatment, tr);
	struct scoring sc = {.o = o, .cfg = &cfg, .tr = tr, .v = tl_xcalloc(cfg.nfields + 1, sizeof *sc.v),
			     .tv = tl_xcalloc(tr ? tr->nfields + 1 : 1, sizeof *sc.tv)};
	tally_init(&sc.tally, &cfg, tr);
	struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = score_learner, .one_thread = 1,   /* the tally */
					    .columns = score_columns};
	tl_run_all(run, &tool, &sc);
	add_gauges(run, &sc.tally, tr != NULL, &cfg, tr);
	int rc = tl_run_close(run);
	if (o->summary)
		print_summary(o, &sc.tally, &cfg, tr);
	free(sc.v);
	free(sc.tv);
	tally_free(&sc.tally);
	tl_score_config_free(&cfg);
	if (tr)
		tl_score_config_free(tr);
	return rc;
}

/* learner_text: field name of l as plain text in buf, or exit 65. */
static const char *learner_text(const struct tl_learner *l, const char *name, char *buf, size_t cap)
{
	if (tl_attr_text(tl_field_need(l, name, NULL), buf, cap) < 0)
		tl_field_die(l, ": field '%s' is too long", name);
	return buf;
}

/* What calibration reads, learner by learner. */
struct calibration {
	const struct options *o;
	const struct tl_score_config *cfg;
	struct tl_score_calibration cal;
	long long skipped;
};

static void calibrate_one(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct calibration *c = state;
	char arch[TL_SCORE_NAME_MAX + 2], ver[TL_SCORE_NAME_MAX + 2];
	double y;
	(void)asof, (void)npast, (void)w;
	learner_text(l, "archetype", arch, sizeof arch);
	const struct tl_attr *va = tl_learner_attr(l, "algo_version");
	if (va && tl_attr_text(va, ver, sizeof ver) >= 0 && *ver && strcmp(ver, c->cfg->version) != 0)
		tl_field_die(l, " was scored by %s, but the config is %s (use --config)", ver, c->cfg->version);
	if (tl_field_number(l, tl_field_need(l, c->o->outcome, NULL), &y) == 0) {
		c->skipped++;
		return;
	}
	if (tl_score_calibration_add(&c->cal, arch, strlen(arch), y) < 0)
		tl_field_die(l, ": archetype '%s' is not in config %s", arch, c->cfg->version);
}

static int calibrate_run(struct tl_common *common, const struct options *o, int nfiles, char **files)
{
	struct tl_score_config cfg;
	struct calibration c = {.o = o, .cfg = &cfg};
	tl_score_config_load(o->config, &cfg);
	tl_score_calibration_init(&c.cal, &cfg);
	struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = calibrate_one, .report = 1};
	tl_run_all(run, &tool, &c);
	tl_score_calibrate(&cfg, &c.cal, o->outcome);
	for (size_t k = 0; k < c.cal.n; k++)
		if (c.cal.m[k].n == 0)
			tl_warn("archetype %s has no outcomes: its multiplier is unchanged", c.cal.archetypes[k]);
	if (c.skipped)
		tl_warn("skipped %lld learner(s) with an empty %s", c.skipped, o->outcome);
	tl_score_config_write(tl_run_output(run), &cfg);
	int rc = tl_run_close(run);
	tl_score_calibration_free(&c.cal);
	tl_score_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.canary = -1, .salt = SALT_DEFAULT};

	tl_front_init("tl-score", argv, &common);
	parse_options(argc, argv, &common, &o);
	if (o.print_config) {
		struct tl_score_config cfg;
		tl_score_config_load(o.config, &cfg);
		FILE *f = tl_output_open(common.output);
		tl_score_config_write(f, &cfg);
		tl_output_commit(f);
		tl_score_config_free(&cfg);
		return 0;
	}
	if (o.calibrate)
		return calibrate_run(&common, &o, argc - optind, argv + optind);
	return score_run(&common, &o, argc - optind, argv + optind);
}
