/* tl-loadgen - write a deterministic synthetic event log of learners of
 * five archetypes (§10), as event CSV, event NDJSON or learner documents.
 * The model lives in common/loadgen/; this file parses options and loops
 * over the learners of the shard (--shard: by the hash of tl(7) SHARDS). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "loadgen/loadgen.h"
#include "util/opts.h"
#include "util/out.h"

enum {
	OPT_ARM_SPLIT = CHAR_MAX + 1, OPT_ASSIGNMENT, OPT_CAPABILITIES, OPT_CHURN_EFFECT, OPT_DOMAINS, OPT_EFFECT, OPT_END,
	OPT_HORIZON, OPT_LEARNERS, OPT_MIX, OPT_OUTCOME, OPT_OUTCOME_SD, OPT_PROFILE, OPT_RATE, OPT_SEED,
	OPT_SHARD, OPT_START, OPT_TRUTH
};

static const struct option longopts[] = {
	{.name = "arm-split", .has_arg = required_argument, .val = OPT_ARM_SPLIT},
	{.name = "assignment", .has_arg = required_argument, .val = OPT_ASSIGNMENT},
	{.name = "capabilities", .has_arg = required_argument, .val = OPT_CAPABILITIES},
	{.name = "churn-effect", .has_arg = required_argument, .val = OPT_CHURN_EFFECT},
	{.name = "domains", .has_arg = required_argument, .val = OPT_DOMAINS},
	{.name = "effect", .has_arg = required_argument, .val = OPT_EFFECT},
	{.name = "end", .has_arg = required_argument, .val = OPT_END},
	{.name = "format", .has_arg = required_argument, .val = 'o'},
	{.name = "help", .has_arg = no_argument, .val = 'h'},
	{.name = "horizon", .has_arg = required_argument, .val = OPT_HORIZON},
	{.name = "learners", .has_arg = required_argument, .val = OPT_LEARNERS},
	{.name = "mix", .has_arg = required_argument, .val = OPT_MIX},
	{.name = "outcome", .has_arg = no_argument, .val = OPT_OUTCOME},
	{.name = "outcome-sd", .has_arg = required_argument, .val = OPT_OUTCOME_SD},
	{.name = "output", .has_arg = required_argument, .val = TL_OPT_OUTPUT},
	{.name = "profile", .has_arg = required_argument, .val = OPT_PROFILE},
	{.name = "rate", .has_arg = required_argument, .val = OPT_RATE},
	{.name = "seed", .has_arg = required_argument, .val = OPT_SEED},
	{.name = "shard", .has_arg = required_argument, .val = OPT_SHARD},
	{.name = "start", .has_arg = required_argument, .val = OPT_START},
	{.name = "truth", .has_arg = no_argument, .val = OPT_TRUTH},
	{.name = "version", .has_arg = no_argument, .val = TL_OPT_VERSION},
	{0}
};

static const char synopsis[] =
	"usage: tl-loadgen [-h] [-o csv|ndjson|learners] [--profile default|mooc]\n"
	"                  [--learners N] [--seed S]\n"
	"                  [--start TIME] [--end TIME] [--horizon DUR] [--domains M]\n"
	"                  [--capabilities C] [--mix NAME=SHARE,...] [--truth]\n"
	"                  [--arm-split A:B] [--effect E] [--outcome] [--outcome-sd SD]\n"
	"                  [--shard I/N] [--rate R] [--output FILE]\n"
	"       tl-loadgen --assignment FILE [--profile default|mooc] [--seed S]\n"
	"                  [--mix NAME=SHARE,...] [--effect E] [--churn-effect C]\n"
	"                  [--outcome-sd SD] [--output FILE]\n";

static const char help[] =
	"\nWrite a synthetic, deterministic event log of learners (see tl-loadgen(1)).\n\n"
	"  -o F                   csv (events, default), ndjson (events) or learners\n"
	"                         (one learner document per line)\n"
	"  -f, --format F         the same as -o (the older spellings)\n"
	"      --profile P        default (today's model) or mooc (calibrated to a real\n"
	"                         MOOC log: one-day learners, heavy tails, weekly cycle)\n"
	"      --learners N       learners L0000001..LN (default " TL_XSTR(TL_LG_DEFAULT_LEARNERS) ")\n"
	"      --seed S           random seed (default " TL_XSTR(TL_LG_DEFAULT_SEED) ")\n"
	"      --start TIME       first join time (default " TL_LG_DEFAULT_START ")\n"
	"      --end TIME         joins end here (default " TL_LG_DEFAULT_END ")\n"
	"      --horizon DUR      events continue until end + DUR (default " TL_XSTR(TL_LG_DEFAULT_HORIZON_DAYS) "d)\n"
	"      --domains M        number of domains (default " TL_XSTR(TL_LG_DEFAULT_DOMAINS) ")\n"
	"      --capabilities C   number of capabilities, C >= M (default " TL_XSTR(TL_LG_DEFAULT_CAPABILITIES) ")\n"
	"      --mix LIST         archetype shares, summing to 1 (default\n"
	"                         fast_learner=0.15,specialist=0.25,power_user=0.15,\n"
	"                         long_term_retainer=0.20,generalist=0.25)\n"
	"      --truth            add the column true_archetype\n"
	"      --arm-split A:B    add the column arm: control:treatment weights\n"
	"      --effect E         relative treatment effect on roi (default 0)\n"
	"      --outcome          add the column roi (mean: the v1 ROI multiplier)\n"
	"      --outcome-sd SD    sd of the lognormal roi noise (default " TL_XSTR(TL_LG_DEFAULT_OUTCOME_SD) ")\n"
	"      --assignment FILE  write the outcomes (roi, churned) of FILE's learner_id,arm rows\n"
	"      --churn-effect C   with --assignment: added to a treated learner's churn chance\n"
	"      --shard I/N        only the learners of shard I of N (tl(7) SHARDS)\n"
	"      --rate R           write at most R events per second\n"
	"      --output FILE      write FILE atomically instead of stdout\n"
	"  -h, --help             show this help\n"
	"      --version          show the version\n";

/* usage: the full help on stdout (for -h, the only call: errors go
 * through tl_usage_error, which prints the hint; tl-loadgen takes none of
 * the common options of tl(7), so not tl_usage). */
static void usage(int status)
{
	(void)status;
	fputs(synopsis, stdout);
	fputs(help, stdout);
}

struct options {
	struct tl_lg_config lg;
};

/* Report what getopt_long rejected (opterr is off): arg is the word. */
static _Noreturn void bad_option(const char *arg)
{
	if (arg[0] == '-' && arg[1] != '-')
		tl_usage_error("unknown option '-%c'", optopt);
	int n = (int)strcspn(arg, "=");
	if (optopt != 0)  /* a known long option given a value it does not take */
		tl_usage_error("option '%.*s' takes no value", n, arg);
	tl_usage_error("unknown or ambiguous option '%.*s'", n, arg);
}

static void parse_options(int argc, char **argv, struct tl_common *common, struct options *o)
{
	struct tl_lg_config *c = &o->lg;
	int opt;
	opterr = 0;  /* our messages, with the tool's name, not argv[0] */
	while ((opt = getopt_long(argc, argv, ":f:ho:", longopts, NULL)) != -1) {
		if (tl_common_option(common, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'f':   /* -f and --format: the older spellings of -o */
		case 'o': tl_lg_parse_format(c, optarg); break;
		case OPT_ARM_SPLIT: tl_lg_parse_arm_split(c, optarg); break;
		case OPT_ASSIGNMENT: c->assignment = optarg; break;
		case OPT_CHURN_EFFECT: c->churn_effect = tl_opt_double("--churn-effect", optarg, -1, 1); break;
		case OPT_CAPABILITIES: c->capabilities = tl_opt_long("--capabilities", optarg, 1, 1000000); break;
		case OPT_DOMAINS: c->domains = (int)tl_opt_long("--domains", optarg, 1, 1000); break;
		case OPT_EFFECT: c->effect = tl_opt_double("--effect", optarg, -0.99, 100); break;
		case OPT_END: c->end = tl_opt_time("--end", optarg); break;
		case OPT_HORIZON: c->horizon = tl_opt_duration("--horizon", optarg, 1); break;
		case OPT_LEARNERS: c->learners = tl_opt_long("--learners", optarg, 0, 999999999999L); break;
		case OPT_MIX: tl_lg_parse_mix(c, optarg); break;
		case OPT_OUTCOME: c->outcome = 1; break;
		case OPT_OUTCOME_SD: c->outcome_sd = tl_opt_double("--outcome-sd", optarg, 0, 5); break;
		case OPT_PROFILE: tl_lg_parse_profile(c, optarg); break;
		case OPT_RATE: c->rate = tl_opt_double("--rate", optarg, 1e-3, 1e12); break;
		case OPT_SEED: c->seed = (uint64_t)tl_opt_long("--seed", optarg, 0, LONG_MAX); break;
		case OPT_SHARD: c->shard = tl_opt_shard("--shard", optarg, TL_SHARD_MAX); break;
		case OPT_START: c->start = tl_opt_time("--start", optarg); break;
		case OPT_TRUTH: c->truth = 1; break;
		case ':': tl_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: bad_option(argv[optind - 1]);
		}
	}
	if (optind < argc)
		tl_usage_error("unexpected operand '%s'", argv[optind]);
	/* Whole seconds: the join window and the horizon end on a second. */
	c->start = tl_floor_div(c->start, TL_SEC) * TL_SEC;
	c->end = tl_floor_div(c->end, TL_SEC) * TL_SEC;
	c->horizon = tl_floor_div(c->horizon, TL_SEC) * TL_SEC;
	tl_lg_config_check(c);
}

int main(int argc, char **argv)
{
	struct options o;
	struct tl_common common;
	struct tl_lg_learner learner = {0};

	tl_front_init("tl-loadgen", argv, &common);
	common.own_o = 1;   /* -o is its shape, not tl(7)'s rows or documents */
	tl_lg_config_init(&o.lg);
	parse_options(argc, argv, &common, &o);
	const struct tl_lg_config *cfg = &o.lg;

	const char *name = common.output && strcmp(common.output, "-") != 0 ? common.output : "standard output";
	FILE *out = tl_output_open(common.output);
	if (cfg->assignment) {
		tl_lg_write_assigned(cfg, out, name);
		tl_output_commit(out);
		return TL_EX_OK;
	}
	struct tl_lg_world *world = tl_lg_world_new(cfg);
	struct tl_lg_writer *wr = tl_lg_writer_new(out, name, world);
	tl_lg_write_header(wr);
	for (long k = 1; k <= cfg->learners; k++) {
		if (!tl_lg_in_shard(cfg, k))
			continue;
		tl_lg_generate(world, k, &learner);
		tl_lg_write_learner(wr, &learner);
	}
	tl_lg_writer_free(wr);
	tl_lg_learner_free(&learner);
	tl_lg_world_free(world);
	tl_output_commit(out);
	return TL_EX_OK;
}
