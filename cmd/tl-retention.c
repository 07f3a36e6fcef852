/* tl-retention - add reuse and retention fields (DESIGN §6.3) to each
 * learner: capabilities, reuses, days since last, reuse score, retention
 * strength, churn risk, activity counts and the daily activity fields
 * (metrics/activity) for churn models; with --label,
 * churned. With --fit, write the capability half-life model (Kaplan–Meier
 * medians with Greenwood log-log intervals) instead. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/statsrows.h"
#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "metrics/activity.h"
#include "metrics/retention.h"
#include "record/field.h"
#include "record/run.h"
#include "config/params.h"

enum {
	OPT_CHURN_GAP = CHAR_MAX + 1, OPT_CONFIG, OPT_CURVES, OPT_EMIT_STATS, OPT_FIT, OPT_HALF_LIFE, OPT_MERGE,
	OPT_MODEL, OPT_PERIOD, OPT_RECENCY, OPT_REUSE_WEIGHT
};

static const struct option longopts[] = {
	{.name = "churn-gap", .has_arg = required_argument, .val = OPT_CHURN_GAP},
	{.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
	{.name = "curves", .has_arg = required_argument, .val = OPT_CURVES},
	{.name = "emit-stats", .has_arg = required_argument, .val = OPT_EMIT_STATS},
	{.name = "fit", .has_arg = no_argument, .val = OPT_FIT},
	{.name = "half-life", .has_arg = required_argument, .val = OPT_HALF_LIFE},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "model", .has_arg = required_argument, .val = OPT_MODEL},
	{.name = "period", .has_arg = required_argument, .val = OPT_PERIOD},
	{.name = "recency-half-life", .has_arg = required_argument, .val = OPT_RECENCY},
	{.name = "reuse-weight", .has_arg = required_argument, .val = OPT_REUSE_WEIGHT},
	TL_COMMON_LONGOPTS,
	{0}
};

#define CHURN_GAP_DAYS 30   /* --churn-gap */

struct options {
	struct tl_retention_params prm;
	tl_time churn_gap;
	int fit, merge;
	const char *model, *curves, *config, *emit_stats;
};

static const char synopsis[] =
	"usage: tl-retention [--model FILE] [--half-life DUR] [--recency-half-life DUR]\n"
	"                    [--reuse-weight W] [--period DUR] [--config FILE] [common options] [FILE ...]\n"
	"       tl-retention --fit [--churn-gap DUR] [--curves FILE] [--emit-stats FILE]\n"
	"                    [common options] [FILE ...]\n"
	"       tl-retention --fit --merge [--churn-gap DUR] [--curves FILE] [--emit-stats FILE]\n"
	"                    [--as-of TIME] [--output FILE] [STATS ...]\n";

static const char help[] =
	"Add retention fields (capabilities, reuses, days_since_last, reuse_score,\n"
	"retention_strength, churn_risk, active_days, events_last_7d, events_prev_7d,\n"
	"events_last_3d, active_days_7d, active_days_14d, active_days_decayed,\n"
	"activity_trend, longest_gap_days, weekend_share, events_per_active_day;\n"
	"with --label, churned) to each learner. Reads event CSV, event NDJSON or\n"
	"learner documents. With --fit, write the capability half-life model as CSV.\n\n"
	"      --model FILE           capability half-lives from a --fit model\n"
	"      --half-life DUR        half-life without a model row (default " TL_XSTR(TL_RETENTION_HALF_LIFE_DAYS) "d)\n"
	"      --recency-half-life D  half-life of the reuse recency weight (default " TL_XSTR(TL_RETENTION_RECENCY_DAYS) "d)\n"
	"      --reuse-weight W       weight of reuse_score in the strength (default " TL_XSTR(TL_RETENTION_REUSE_WEIGHT) ")\n"
	"      --period DUR           period length P (default " TL_XSTR(TL_RETENTION_PERIOD_DAYS) "d)\n"
	"      --config FILE          churn weights of churn_risk (default: the built-in v2,\n"
	"                             0.7 retention_strength, 0.3 velocity_momentum)\n"
	"      --fit                  write the Kaplan-Meier half-life model, not records\n"
	"      --churn-gap DUR        --fit: censor a last use closer to as-of (default " TL_XSTR(CHURN_GAP_DAYS) "d)\n"
	"      --curves FILE          --fit: also write the survival curves as CSV\n"
	"      --emit-stats FILE      --fit: also write the fit's sufficient statistics\n"
	"      --merge                --fit: read --emit-stats files, not events, and fit\n"
	"                             all their learners\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

static void parse_options(int argc, char **argv, struct tl_common *common, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, common, usage)) != -1) {
		switch (opt) {
		case OPT_CHURN_GAP: o->churn_gap = tl_opt_duration("--churn-gap", optarg, 0); break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_CURVES: o->curves = optarg; break;
		case OPT_EMIT_STATS: o->emit_stats = optarg; break;
		case OPT_FIT: o->fit = 1; break;
		case OPT_MERGE: o->merge = 1; break;
		case OPT_HALF_LIFE:
			o->prm.half_life_days = tl_days(tl_opt_duration("--half-life", optarg, 0));
			break;
		case OPT_MODEL: o->model = optarg; break;
		case OPT_PERIOD: o->prm.period = tl_opt_duration("--period", optarg, 0); break;
		case OPT_RECENCY: o->prm.recency_half_life = tl_opt_duration("--recency-half-life", optarg, 0); break;
		case OPT_REUSE_WEIGHT: o->prm.reuse_weight = tl_opt_double("--reuse-weight", optarg, 0, 1); break;
		default: usage(TL_EX_USAGE);
		}
	}
	if (o->fit && o->model)
		tl_usage_error("--fit writes a model; it cannot be combined with --model");
	if (o->curves && !o->fit)
		tl_usage_error("--curves needs --fit");
	if ((o->emit_stats || o->merge) && !o->fit)
		tl_usage_error("%s needs --fit", o->merge ? "--merge" : "--emit-stats");
	tl_common_output(common, "--curves", o->curves);
	tl_common_output(common, "--emit-stats", o->emit_stats);
	o->prm.churn_horizon = common->churn_horizon;
	struct tl_algo_params algo;   /* §6.3: the churn weights come from the config */
	tl_algo_params_load(o->config, &algo);
	o->prm.momentum_weight = algo.churn_momentum;
}

/* The record's velocity_momentum (from tl-velocity), NAN when absent or
 * empty; anything else is bad data. */
static double momentum_of(const struct tl_learner *l)
{
	const struct tl_attr *a = tl_learner_attr(l, "velocity_momentum");
	double v;
	return a && tl_field_number(l, a, &v) > 0 ? v : NAN;
}

static void put_fields(struct tl_writer *w, const struct tl_retention *r, const struct tl_activity *a, tl_time asof,
		       int label)
{
	tl_put_int(w, "capabilities", r->capabilities);
	tl_put_int(w, "reuses", r->reuses);
	tl_put_num(w, "days_since_last", r->days_since_last);
	tl_put_num(w, "reuse_score", r->reuse_score);
	tl_put_num(w, "retention_strength", r->strength);
	tl_put_num(w, "churn_risk", r->churn_risk);
	tl_put_int(w, "active_days", r->active_days);
	tl_put_int(w, "events_last_7d", r->events_last_7d);
	tl_put_int(w, "events_prev_7d", r->events_prev_7d);
	tl_put_int(w, "events_last_3d", a->events_last_3d);
	tl_put_int(w, "active_days_7d", a->active_days_7d);
	tl_put_int(w, "active_days_14d", a->active_days_14d);
	tl_put_num(w, "active_days_decayed", a->active_days_decayed);
	tl_put_num(w, "activity_trend", a->trend);
	tl_put_num(w, "longest_gap_days", a->longest_gap_days);
	tl_put_num(w, "weekend_share", a->weekend_share);
	tl_put_num(w, "events_per_active_day", a->events_per_active_day);
	if (label)
		tl_put_int(w, "churned", r->churned);
	tl_put_time(w, "as_of", asof);
}

struct retention_state {
	struct tl_retention_params prm;
	int label;
};

static void retention_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	const struct retention_state *st = state;
	struct tl_daycut days;   /* the learner's events cut into days once, for both */
	struct tl_retention r;
	struct tl_activity a;
	tl_daycut_build(l, npast, asof, &days);
	tl_retention_compute(&days, momentum_of(l), &st->prm, &r);
	tl_activity_compute(&days, &a);
	put_fields(w, &r, &a, asof, st->label);
}

/* --fit: one observation per (learner, capability), then the model. */
static void fit_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	(void)w;
	tl_km_fit_add(state, l, npast, asof);
}

/* The model and curves of f, and its statistics with --emit-stats. */
static void fit_write(struct tl_km_fit *km, FILE *model, const struct options *o, const struct tl_common *common,
		      const struct tl_learner_set *ids)
{
	FILE *curves = o->curves ? tl_output_open(o->curves) : NULL;
	FILE *stats = o->emit_stats ? tl_output_open(o->emit_stats) : NULL;
	char as_of[TL_STATSROWS_VALUE_MAX];
	size_t n, censored = tl_km_fit_censored(km, &n);
	if (n > 0 && censored == n)   /* every half-life is empty: say why (tl-retention(1)) */
		tl_warn("warning: all %zu observations were censored (each last use less than --churn-gap %gd before as-of): "
			"every half-life is empty; a later as-of or a shorter --churn-gap gives some", n, tl_days(o->churn_gap));
	tl_km_fit_write(km, model, curves);
	if (stats) {
		tl_km_fit_emit(km, stats, tl_statsrows_as_of(common, as_of), ids);
		tl_output_commit(stats);
	}
	if (curves)
		tl_output_commit(curves);
}

static int fit(struct tl_common *common, int nfiles, char **files, const struct options *o)
{
	struct tl_km_fit *km = tl_km_fit_new(o->churn_gap);
	char as_of[TL_STATSROWS_VALUE_MAX];
	if (o->merge) {
		struct tl_learner_set ids;
		tl_km_fit_merge(km, nfiles, files, tl_statsrows_as_of(common, as_of), &ids);
		FILE *model = tl_output_open(common->output);
		fit_write(km, model, o, common, &ids);
		tl_output_commit(model);
		tl_km_fit_free(km);
		return TL_EX_OK;
	}
	struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_EVENTS);
	static const struct tl_tool tool = {.learner = fit_learner, .report = 1};
	tl_run_all(run, &tool, km);
	struct tl_learner_set ids = tl_run_learners(run);
	fit_write(km, tl_run_output(run), o, common, &ids);
	tl_km_fit_free(km);
	return tl_run_close(run);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.prm = TL_RETENTION_DEFAULTS, .churn_gap = CHURN_GAP_DAYS * TL_DAY};

	tl_front_init("tl-retention", argv, &common);
	parse_options(argc, argv, &common, &o);
	if (o.fit)
		return fit(&common, argc - optind, argv + optind, &o);

	struct tl_retention_model *model = o.model ? tl_retention_model_read(o.model) : NULL;
	o.prm.model = model;
	struct tl_run *run = tl_run_open(&common, argc - optind, argv + optind, TL_READ_EVENTS);
	struct retention_state st = {.prm = o.prm, .label = common.label};
	static const struct tl_tool tool = {.learner = retention_learner, .state_size = sizeof st};
	tl_run_all(run, &tool, &st);
	int status = tl_run_close(run);
	tl_retention_model_free(model);
	return status;
}
