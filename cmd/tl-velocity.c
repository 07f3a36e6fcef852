/* tl-velocity - add adoption velocity fields (DESIGN §6.1) to each learner:
 * interactions, adoptions, periods, tenure, simple and EMA velocity, trend,
 * prediction and momentum; with --label, next_velocity_actual, next_active
 * and next_velocity_active. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/opts.h"
#include "metrics/retention.h"
#include "record/run.h"
#include "config/params.h"
#include "metrics/velocity.h"

enum { OPT_ALPHA = CHAR_MAX + 1, OPT_CONFIG, OPT_DECAY, OPT_PERIOD, OPT_TREND_WINDOW };

static const struct option longopts[] = {
	{.name = "alpha", .has_arg = required_argument, .val = OPT_ALPHA},
	{.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
	{.name = "decay-half-life", .has_arg = required_argument, .val = OPT_DECAY},
	{.name = "period", .has_arg = required_argument, .val = OPT_PERIOD},
	{.name = "trend-window", .has_arg = required_argument, .val = OPT_TREND_WINDOW},
	TL_COMMON_LONGOPTS,
	{0}
};

static const char synopsis[] =
	"usage: tl-velocity [--period DUR] [--alpha A] [--decay-half-life DUR]\n"
	"                   [--trend-window W] [--config FILE] [common options] [FILE ...]\n";

static const char help[] =
	"Add adoption velocity fields (interactions, adoptions, periods, tenure_days,\n"
	"velocity_simple, velocity, velocity_trend, velocity_next, velocity_momentum)\n"
	"to each learner. Reads event CSV, event NDJSON or learner documents.\n\n"
	"      --period DUR           period length P (default " TL_XSTR(TL_VELOCITY_PERIOD_DAYS) "d)\n"
	"      --alpha A              EMA weight in (0,1] (default " TL_XSTR(TL_VELOCITY_ALPHA) ")\n"
	"      --decay-half-life DUR  recency decay Hv (default " TL_XSTR(TL_VELOCITY_DECAY_DAYS) "d; 0 = off)\n"
	"      --trend-window W       periods in the OLS trend (default " TL_XSTR(TL_VELOCITY_TREND_WINDOW) ")\n"
	"      --config FILE          churn weights for churn_risk, when the record has\n"
	"                             retention_strength (default: the built-in v2)\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

struct options {
	struct tl_velocity_params prm;
	const char *config;
};

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1) {
		switch (opt) {
		case OPT_ALPHA: o->prm.alpha = tl_opt_double("--alpha", optarg, 1e-9, 1); break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_DECAY: o->prm.decay_half_life = tl_opt_duration("--decay-half-life", optarg, 1); break;
		case OPT_PERIOD: o->prm.period = tl_opt_duration("--period", optarg, 0); break;
		case OPT_TREND_WINDOW: o->prm.trend_window = (int)tl_opt_long("--trend-window", optarg, 1, 1000000); break;
		default: usage(TL_EX_USAGE);
		}
	}
}

/* §6.3: churn_risk uses velocity_momentum when the record has it. When
 * tl-retention ran first (the record has retention_strength), recompute
 * churn_risk here so every order of the tools gives the same fields. */
static void put_churn_risk(struct tl_writer *w, const struct tl_learner *l, const struct tl_velocity *v,
			   double momentum_weight)
{
	const struct tl_attr *rs = tl_learner_attr(l, "retention_strength");
	double s = NAN;
	if (rs && tl_attr_number(rs, &s) <= 0)
		s = NAN;
	tl_put_num(w, "churn_risk", tl_retention_churn_risk(s, v->momentum, momentum_weight));
}

static void put_fields(struct tl_writer *w, const struct tl_velocity *v, tl_time asof, int label)
{
	tl_put_int(w, "interactions", v->interactions);
	tl_put_int(w, "adoptions", v->adoptions);
	tl_put_int(w, "periods", v->periods);
	tl_put_num(w, "tenure_days", v->tenure_days);
	tl_put_num(w, "velocity_simple", v->velocity_simple);
	tl_put_num(w, "velocity", v->velocity);
	tl_put_num(w, "velocity_trend", v->trend);
	tl_put_num(w, "velocity_next", v->next);
	tl_put_num(w, "velocity_momentum", v->momentum);
	if (label) {
		int active = v->next_interactions > 0;
		tl_put_num(w, "next_velocity_actual", v->next_actual);
		tl_put_int(w, "next_active", active);
		tl_put_num(w, "next_velocity_active", active ? v->next_actual : NAN);
	}
	tl_put_time(w, "as_of", asof);
}

struct velocity_state {
	struct tl_velocity_params prm;
	int label;
	int churn;   /* -1: decided by the first learner (the same fields for all) */
	double momentum_weight;   /* the config's churn weight of velocity_momentum */
};

static void velocity_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct velocity_state *st = state;
	struct tl_velocity v;
	tl_velocity_compute(l, npast, asof, &st->prm, &v);
	put_fields(w, &v, asof, st->label);
	if (st->churn < 0)
		st->churn = tl_learner_attr(l, "retention_strength") != NULL;
	if (st->churn)
		put_churn_risk(w, l, &v, st->momentum_weight);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.prm = TL_VELOCITY_DEFAULTS};

	tl_front_init("tl-velocity", argv, &common);
	parse_options(argc, argv, &common, &o);
	struct tl_algo_params algo;
	tl_algo_params_load(o.config, &algo);
	struct velocity_state st = {.prm = o.prm, .label = common.label, .churn = -1,
				    .momentum_weight = algo.churn_momentum};
	static const struct tl_tool tool = {.learner = velocity_learner, .state_size = sizeof st};
	struct tl_run *run = tl_run_open(&common, argc - optind, argv + optind, TL_READ_EVENTS);
	tl_run_all(run, &tool, &st);
	return tl_run_close(run);
}
