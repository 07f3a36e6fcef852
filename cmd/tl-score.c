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
#include "config/score.h"
#include "metrics/model.h"

enum {
	OPT_CALIBRATE = CHAR_MAX + 1, OPT_CANARY, OPT_CONFIG, OPT_EMIT_STATS, OPT_MERGE, OPT_MODEL, OPT_OUTCOME,
	OPT_PRINT_CONFIG, OPT_SALT, OPT_SUMMARY, OPT_SUMMARY_FILE, OPT_TREATMENT
};

static const struct option longopts[] = {
	{.name = "calibrate", .has_arg = no_argument, .val = OPT_CALIBRATE},
	{.name = "canary", .has_arg = required_argument, .val = OPT_CANARY},
	{.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
	{.name = "emit-stats", .has_arg = required_argument, .val = OPT_EMIT_STATS},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "model", .has_arg = required_argument, .val = OPT_MODEL},
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
	const char *config, *treatment, *outcome, *summary_file, *emit_stats;
	const char *model;        /* --model FILE: a multinomial tl-model */
	double canary;            /* percent treated, < 0 when no canary */
	uint64_t salt;
	int calibrate, summary, print_config, merge;
};

static const char synopsis[] =
	"usage: tl-score [--config FILE] [--model FILE | --canary PCT --treatment FILE [--salt S]]\n"
	"                [--summary] [--summary-file FILE] [--emit-stats FILE] [common options] [FILE ...]\n"
	"       tl-score --merge --summary [--summary-file FILE] [--config FILE]\n"
	"                [--canary PCT --treatment FILE [--salt S]] [--emit-stats FILE] [STATS ...]\n"
	"       tl-score --calibrate --outcome FIELD [--config FILE] [--emit-stats FILE]\n"
	"                [common options] [FILE ...]\n"
	"       tl-score --calibrate --merge --outcome FIELD [--config FILE] [--emit-stats FILE]\n"
	"                [--output FILE] [STATS ...]\n"
	"       tl-score --print-config [--config FILE]\n";

static const char help[] =
	"Add archetype, roi_multiplier, score, algo_version and archetype_reason to\n"
	"each learner record (learner rows or documents), by a JSON rule config.\n\n"
	"      --config FILE       rule config (default: the built-in v2)\n"
	"      --model FILE        the archetype from a multinomial tl-model model, not the rules\n"
	"      --canary PCT        score PCT percent of learners with --treatment; adds arm\n"
	"      --treatment FILE    the treatment config of --canary\n"
	"      --salt S            canary hash salt, an integer (default " TL_XSTR(SALT_DEFAULT) ")\n"
	"      --summary           print archetype counts and means on stderr at the end\n"
	"      --summary-file FILE write that summary to FILE instead\n"
	"      --calibrate         write a config whose multipliers are mean outcomes\n"
	"      --outcome FIELD     the outcome field of --calibrate\n"
	"      --emit-stats FILE   also write the sufficient statistics of the summary\n"
	"                          (or, with --calibrate, of the calibration)\n"
	"      --merge             read --emit-stats files, not records, and summarise\n"
	"                          (or calibrate) all their learners\n"
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
		case OPT_EMIT_STATS: o->emit_stats = optarg; break;
		case OPT_MERGE: o->merge = 1; break;
		case OPT_MODEL: o->model = optarg; break;
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
	if (o->merge && !o->calibrate && !o->summary && !o->emit_stats)
		tl_usage_error("--merge needs --summary, --calibrate or --emit-stats: it writes no records");
	if (o->model && (o->canary >= 0 || o->calibrate || o->merge || o->print_config))
		tl_usage_error("--model scores records: it takes none of --canary, --calibrate, --merge and --print-config");
	if (o->print_config && (o->merge || o->emit_stats))
		tl_usage_error("--print-config takes neither --merge nor --emit-stats");
	tl_common_output(common, "--summary-file", o->summary_file);
	tl_common_output(common, "--emit-stats", o->emit_stats);
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

/* The summary's outputs, opened before the input is read (after
 * tl_run_close, standard output is closed: /dev/stdout would be a new
 * file, renamed over the link): --summary-file or stderr, --emit-stats. */
struct summary_out {
	FILE *summary, *stats;
};

static void summary_open(const struct options *o, struct summary_out *so)
{
	so->summary = !o->summary ? NULL : o->summary_file ? tl_output_open(o->summary_file) : stderr;
	so->stats = o->emit_stats ? tl_output_open(o->emit_stats) : NULL;
}

static void summary_write(const struct summary_out *so, const struct tl_score_tally *t, const struct tl_score_setup *su,
			  const struct tl_learner_set *ids)
{
	if (so->summary)
		tl_score_tally_print(so->summary, t, su);
	if (so->summary && so->summary != stderr)
		tl_output_commit(so->summary);
	if (so->stats) {
		tl_score_tally_emit(so->stats, t, su, ids);
		tl_output_commit(so->stats);
	}
}

/* add_gauges: per arm, the learners per archetype, the portfolio's mean
 * ROI multiplier, the mean churn_risk (when the input has it) and the
 * config's version (an info gauge, for tl-batch's dashboard). */
static void add_gauges(struct tl_run *run, const struct tl_score_tally *t, int canary, const struct tl_score_config *c,
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
			n += t->n[arm][a], mult += t->sums[arm][a] ? tl_xsum_value(&t->sums[arm][a]->b) : 0;
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

/* --model: the model, each class's rule in the config (its multiplier),
 * a learner's feature values, probabilities and reason. */
struct learned {
	struct tl_model m;
	const struct tl_score_rule **rule;
	double *x, *prob;
	char reason[TL_SCORE_REASON_MAX];
};

/* What scoring reads and tallies, learner by learner. */
struct scoring {
	const struct options *o;
	const struct tl_score_config *cfg, *tr;   /* tr: the --canary treatment, or NULL */
	double *v, *tv;                           /* their fields' values */
	struct tl_score_tally tally;
	struct learned *lm;                       /* --model, or NULL */
};

/* learned_open: the model of --model, each class an archetype of cfg (the
 * first rule of the archetype gives its multiplier); exits 65 otherwise. */
static struct learned *learned_open(const char *path, const struct tl_score_config *cfg)
{
	struct learned *lm = tl_xcalloc(1, sizeof *lm);
	tl_model_load(path, &lm->m);
	if (lm->m.kind != TL_MODEL_MULTINOMIAL) {
		tl_model_free(&lm->m);
		tl_die(TL_EX_DATAERR, "%s: not a multinomial model (tl-model --fit --kind multinomial)", path);
	}
	lm->rule = tl_xcalloc(lm->m.nclass, sizeof *lm->rule);
	for (size_t k = 0; k < lm->m.nclass; k++) {
		for (size_t r = 0; r < cfg->nrules && !lm->rule[k]; r++)
			if (strcmp(cfg->rules[r].archetype, lm->m.classes[k]) == 0)
				lm->rule[k] = &cfg->rules[r];
		if (!lm->rule[k])
			tl_die(TL_EX_DATAERR, "%s: class '%s' is not an archetype of config %s", path, lm->m.classes[k],
			       cfg->version);
	}
	lm->x = tl_xcalloc(lm->m.p ? lm->m.p : 1, sizeof *lm->x);
	lm->prob = tl_xcalloc(lm->m.nclass, sizeof *lm->prob);
	return lm;
}

static void learned_free(struct learned *lm)
{
	if (!lm)
		return;
	free(lm->rule);
	free(lm->x);
	free(lm->prob);
	tl_model_free(&lm->m);
	free(lm);
}

/* learned_eval: the model's archetype of l in res, with its rule's
 * multiplier and the model's reason. */
static void learned_eval(struct learned *lm, const struct tl_learner *l, struct tl_score_result *res)
{
	tl_model_values(l, &lm->m, lm->x);
	size_t k = tl_model_predict_classes(&lm->m, lm->x, lm->prob);
	res->rule = lm->rule[k];
	tl_model_reason(&lm->m, lm->x, k, lm->prob, res->reason, sizeof res->reason);
}

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
	if (sc->lm) {   /* the model picks the archetype: the rules are not matched */
		res.score = tl_score_composite(use, sc->v);
		learned_eval(sc->lm, l, &res);
	} else {
		tl_score_eval(use, treated ? sc->tv : sc->v, &res);
	}
	put_result(w, use, &res, tr ? (treated ? "treatment" : "control") : NULL);
	tl_score_tally_add(&sc->tally, treated, &res);
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
	struct tl_score_setup su = {&cfg, tr, o->canary, o->salt};
	struct scoring sc = {.o = o, .cfg = &cfg, .tr = tr, .v = tl_xcalloc(cfg.nfields + 1, sizeof *sc.v),
			     .tv = tl_xcalloc(tr ? tr->nfields + 1 : 1, sizeof *sc.tv)};
	tl_score_tally_init(&sc.tally, &su);
	if (o->model)
		sc.lm = learned_open(o->model, &cfg);
	int rc = TL_EX_OK;
	struct summary_out so;
	struct tl_learner_set ids;
	if (o->merge) {
		tl_score_tally_merge(&sc.tally, &su, nfiles, files, &ids);
		summary_open(o, &so);
	} else {
		struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
		static const struct tl_tool tool = {.learner = score_learner, .one_thread = 1,   /* the tally */
						    .columns = score_columns};
		summary_open(o, &so);
		tl_run_all(run, &tool, &sc);
		add_gauges(run, &sc.tally, tr != NULL, &cfg, tr);
		ids = tl_run_learners(run);
		rc = tl_run_close(run);
	}
	summary_write(&so, &sc.tally, &su, &ids);
	learned_free(sc.lm);
	free(sc.v);
	free(sc.tv);
	tl_score_tally_free(&sc.tally);
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
		c->cal.skipped++;
		return;
	}
	if (tl_score_calibration_add(&c->cal, arch, strlen(arch), y) < 0)
		tl_field_die(l, ": archetype '%s' is not in config %s", arch, c->cfg->version);
}

/* The calibrated config of c (to out), its warnings, and its statistics
 * with --emit-stats. */
static void calibrate_write(const struct options *o, struct tl_score_config *cfg, const struct tl_score_calibration *c,
			    FILE *out, const struct tl_learner_set *ids)
{
	if (o->emit_stats) {   /* of the config the learners were scored with, before it is calibrated */
		FILE *f = tl_output_open(o->emit_stats);
		tl_score_calibration_emit(f, c, cfg, o->outcome, ids);
		tl_output_commit(f);
	}
	tl_score_calibrate(cfg, c, o->outcome);
	for (size_t k = 0; k < c->n; k++)
		if (c->m[k].n == 0)
			tl_warn("archetype %s has no outcomes: its multiplier is unchanged", c->archetypes[k]);
	if (c->skipped)
		tl_warn("skipped %lld learner(s) with an empty %s", c->skipped, o->outcome);
	tl_score_config_write(out, cfg);
}

static int calibrate_run(struct tl_common *common, const struct options *o, int nfiles, char **files)
{
	struct tl_score_config cfg;
	struct calibration c = {.o = o, .cfg = &cfg};
	tl_score_config_load(o->config, &cfg);
	tl_score_calibration_init(&c.cal, &cfg);
	int rc = TL_EX_OK;
	struct tl_learner_set ids;
	if (o->merge) {
		tl_score_calibration_merge(&c.cal, &cfg, o->outcome, nfiles, files, &ids);
		FILE *out = tl_output_open(common->output);
		calibrate_write(o, &cfg, &c.cal, out, &ids);
		tl_output_commit(out);
	} else {
		struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
		static const struct tl_tool tool = {.learner = calibrate_one, .report = 1};
		tl_run_all(run, &tool, &c);
		ids = tl_run_learners(run);
		calibrate_write(o, &cfg, &c.cal, tl_run_output(run), &ids);
		rc = tl_run_close(run);
	}
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
