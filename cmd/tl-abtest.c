/* tl-abtest - compare a treatment arm with the control arm (DESIGN §8):
 * reads learner records carrying an arm field and writes a report (text,
 * JSON or markdown) with per-metric tests, lift, SRM, segments and the
 * ship decision; --gate exits 1 when the decision fails. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest/abtest.h"
#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "record/field.h"
#include "record/run.h"

#define ARM_DEFAULT "arm"           /* --arm */
#define CONTROL_DEFAULT "control"   /* --control */
#define POWER_DEFAULT 0.8           /* --power, when --mde is given */

enum {
	OPT_ALPHA = CHAR_MAX + 1, OPT_ARM, OPT_BASE_MEAN, OPT_BASE_SD, OPT_BINARY, OPT_BY,
	OPT_CONTROL, OPT_CORRECTION, OPT_COVARIATE, OPT_EMIT, OPT_EXPECT, OPT_GATE,
	OPT_LOOK_EVERY, OPT_MAX_MIX, OPT_MDE, OPT_MERGE, OPT_METRIC, OPT_MIN_LIFT,
	OPT_MIXTURE_SD, OPT_POWER, OPT_SEQUENTIAL, OPT_SRM_ALPHA
};

static const struct option longopts[] = {
	{.name = "alpha", .has_arg = required_argument, .val = OPT_ALPHA},
	{.name = "arm", .has_arg = required_argument, .val = OPT_ARM},
	{.name = "baseline-mean", .has_arg = required_argument, .val = OPT_BASE_MEAN},
	{.name = "baseline-sd", .has_arg = required_argument, .val = OPT_BASE_SD},
	{.name = "binary", .has_arg = required_argument, .val = OPT_BINARY},
	{.name = "by", .has_arg = required_argument, .val = OPT_BY},
	{.name = "control", .has_arg = required_argument, .val = OPT_CONTROL},
	{.name = "correction", .has_arg = required_argument, .val = OPT_CORRECTION},
	{.name = "covariate", .has_arg = required_argument, .val = OPT_COVARIATE},
	{.name = "emit-stats", .has_arg = no_argument, .val = OPT_EMIT},
	{.name = "expect", .has_arg = required_argument, .val = OPT_EXPECT},
	{.name = "format", .has_arg = required_argument, .val = 'o'},
	{.name = "gate", .has_arg = no_argument, .val = OPT_GATE},
	{.name = "look-every", .has_arg = required_argument, .val = OPT_LOOK_EVERY},
	{.name = "max-mix-diff", .has_arg = required_argument, .val = OPT_MAX_MIX},
	{.name = "mde", .has_arg = required_argument, .val = OPT_MDE},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "metric", .has_arg = required_argument, .val = OPT_METRIC},
	{.name = "min-lift", .has_arg = required_argument, .val = OPT_MIN_LIFT},
	{.name = "mixture-sd", .has_arg = required_argument, .val = OPT_MIXTURE_SD},
	{.name = "power", .has_arg = required_argument, .val = OPT_POWER},
	{.name = "sequential", .has_arg = no_argument, .val = OPT_SEQUENTIAL},
	{.name = "srm-alpha", .has_arg = required_argument, .val = OPT_SRM_ALPHA},
	TL_COMMON_LONGOPTS,
	{0}
};

struct options {
	struct tl_ab_setup s;
	struct tl_ab_params p;
	const char *arm;             /* the arm field */
	enum tl_ab_format fmt;
	int gate, emit, merge;
	double base_mean, base_sd;   /* planning mode when base_mean is set */
	int plan;
};

static const char synopsis[] =
	"usage: tl-abtest --metric FIELD | --binary FIELD ... [--arm FIELD] [--control NAME]\n"
	"                 [--by FIELD] [--covariate FIELD] [--expect C:T] [--alpha A]\n"
	"                 [--min-lift L] [--correction holm|bh|none] [--sequential]\n"
	"                 [--look-every N] [--mixture-sd D] [--power P] [--mde L] [--gate]\n"
	"                 [-o text|json|md] [--emit-stats] [common options] [FILE ...]\n"
	"       tl-abtest --merge [options] [STATS ...]\n"
	"       tl-abtest --baseline-mean M --baseline-sd S --mde L [--power P] [--alpha A]\n";

static const char help[] =
	"Compare a treatment arm with the control arm of an experiment: per metric,\n"
	"means, difference and lift with intervals, Welch t-test (numeric) or pooled\n"
	"two-proportion z-test (0/1), sample-ratio mismatch, segments and a decision.\n\n"
	"      --metric FIELD         a numeric metric (repeatable)\n"
	"      --binary FIELD         a 0/1 metric (repeatable)\n"
	"      --arm FIELD            the arm field (default " ARM_DEFAULT ")\n"
	"      --control NAME         the control arm (default " CONTROL_DEFAULT ")\n"
	"      --by FIELD             also test each segment of FIELD\n"
	"      --covariate FIELD      CUPED variance reduction of numeric metrics\n"
	"      --expect C:T           expected control:treatment split (default 50:50)\n"
	"      --alpha A              significance level, intervals 1-A (default 0.05)\n"
	"      --min-lift L           smallest lift that passes (default 0)\n"
	"      --correction C         holm (default), bh or none\n"
	"      --srm-alpha A          SRM fails below this p (default 0.001)\n"
	"      --max-mix-diff D       largest segment share difference (default 0.02)\n"
	"      --sequential           always-valid p-values (mixture SPRT)\n"
	"      --look-every N         with --sequential, a look every N learners\n"
	"      --mixture-sd D         mixture sd, in pooled sds (default 0.1)\n"
	"      --power P              target power: report power and detectable lift\n"
	"      --mde L                relative effect for --power (sample size, power)\n"
	"      --baseline-mean M      planning: no input, sample size per arm\n"
	"      --baseline-sd S        planning: the metric's sd\n"
	"      --gate                 exit 1 when the decision fails\n"
	"  -o, --format F             text (default), json or md (--format: the older spelling)\n"
	"      --emit-stats           write sufficient statistics (CSV), not a report\n"
	"      --merge                read --emit-stats files and report on their sum\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

static void add_metric(struct options *o, const char *name, enum tl_ab_kind kind)
{
	if (!*name)
		tl_usage_error("%s: empty field name", kind == TL_AB_BINARY ? "--binary" : "--metric");
	for (size_t i = 0; i < o->s.nmetrics; i++)
		if (strcmp(o->s.metric[i].name, name) == 0)
			tl_usage_error("metric '%s' given twice", name);
	if (o->s.nmetrics == TL_AB_MAX_METRICS)
		tl_usage_error("more than %d metrics", TL_AB_MAX_METRICS);
	o->s.metric[o->s.nmetrics++] = (struct tl_ab_metric){name, kind};
}

static void parse_expect(struct options *o, const char *arg)
{
	char *colon = strchr(arg, ':');
	if (!colon)
		tl_usage_error("--expect: want CONTROL:TREATMENT, e.g. 50:50, got '%s'", arg);
	char *c = tl_xstrndup(arg, (size_t)(colon - arg));
	o->p.expect[0] = tl_opt_double("--expect", c, 1e-12, 1e300);
	o->p.expect[1] = tl_opt_double("--expect", colon + 1, 1e-12, 1e300);
	free(c);
}

static int pick(const char *opt, const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	tl_usage_error("%s: '%s' is not one of %s|%s%s%s", opt, arg, names[0], names[1],
		       n > 2 ? "|" : "", n > 2 ? names[2] : "");
}

static void option(struct options *o, int opt, const char *arg)
{
	static const char *const fmts[] = {"text", "json", "md"};
	static const char *const corrs[] = {"holm", "bh", "none"};
	switch (opt) {
	case OPT_ALPHA: o->p.alpha = tl_opt_double("--alpha", arg, 1e-12, 0.5); break;
	case OPT_ARM: o->arm = arg; break;
	case OPT_BASE_MEAN: o->base_mean = tl_opt_double("--baseline-mean", arg, -1e300, 1e300); o->plan = 1; break;
	case OPT_BASE_SD: o->base_sd = tl_opt_double("--baseline-sd", arg, 1e-300, 1e300); break;
	case OPT_BINARY: add_metric(o, arg, TL_AB_BINARY); break;
	case OPT_BY: o->s.by = arg; break;
	case OPT_CONTROL: o->s.control = arg; break;
	case OPT_CORRECTION: o->p.correction = (enum tl_ab_correction)pick("--correction", arg, corrs, 3); break;
	case OPT_COVARIATE: o->s.covariate = arg; break;
	case OPT_EMIT: o->emit = 1; break;
	case OPT_EXPECT: parse_expect(o, arg); break;
	case 'o': o->fmt = (enum tl_ab_format)pick("-o", arg, fmts, 3); break;   /* or --format */
	case OPT_GATE: o->gate = 1; break;
	case OPT_LOOK_EVERY: o->p.look_every = (unsigned long)tl_opt_long("--look-every", arg, 1, LONG_MAX); break;
	case OPT_MAX_MIX: o->p.max_mix_diff = tl_opt_double("--max-mix-diff", arg, 0, 1); break;
	case OPT_MDE: o->p.mde = tl_opt_double("--mde", arg, 1e-12, 1e12); break;
	case OPT_MERGE: o->merge = 1; break;
	case OPT_METRIC: add_metric(o, arg, TL_AB_NUMERIC); break;
	case OPT_MIN_LIFT: o->p.min_lift = tl_opt_double("--min-lift", arg, -1e12, 1e12); break;
	case OPT_MIXTURE_SD: o->p.mixture_sd = tl_opt_double("--mixture-sd", arg, 1e-12, 1e12); break;
	case OPT_POWER: o->p.power = tl_opt_double("--power", arg, 1e-9, 1 - 1e-9); break;
	case OPT_SEQUENTIAL: o->p.sequential = 1; break;
	case OPT_SRM_ALPHA: o->p.srm_alpha = tl_opt_double("--srm-alpha", arg, 0, 1); break;
	default: usage(TL_EX_USAGE);
	}
}

/* Combinations that cannot work are usage errors. */
static void check_options(struct options *o, int noperands)
{
	if (o->p.mde > 0 && o->p.power == 0)
		o->p.power = POWER_DEFAULT;
	if (o->plan) {
		if (!(o->base_sd > 0) || !(o->p.mde > 0) || o->base_mean == 0)
			tl_usage_error("--baseline-mean needs a non-zero mean, --baseline-sd and --mde");
		if (noperands || o->s.nmetrics || o->merge || o->emit)
			tl_usage_error("--baseline-mean plans an experiment: it reads no input");
		return;
	}
	if (o->base_sd > 0)
		tl_usage_error("--baseline-sd needs --baseline-mean");
	if (!o->merge && o->s.nmetrics == 0)
		tl_usage_error("no metric: give --metric FIELD or --binary FIELD");
	if (o->p.look_every && !o->p.sequential)
		tl_usage_error("--look-every needs --sequential");
	if (o->p.look_every && (o->merge || o->emit))
		tl_usage_error("--look-every cannot be combined with --merge or --emit-stats");
	if (o->gate && o->emit)
		tl_usage_error("--gate cannot be combined with --emit-stats");
	if (!*o->arm || !*o->s.control || (o->s.by && !*o->s.by) || (o->s.covariate && !*o->s.covariate))
		tl_usage_error("empty field or arm name");
}

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1)
		option(o, opt, optarg);
	check_options(o, argc - optind);
}

/* ---- reading learners ---- */

enum { F_ARM, F_BY, F_COV, F_METRIC };

struct reading {
	const struct options *o;
	struct tl_abtest *ab;
	size_t seg0;                 /* the one segment without --by */
	struct tl_field_buf buf;
	size_t hint[F_METRIC + TL_AB_MAX_METRICS];  /* attribute positions seen last */
	double y[TL_AB_MAX_METRICS];
};

/* A metric value: NaN when empty or null; exit 65 when not a finite
 * number (or not 0/1 for a binary metric; JSON true/false are 1/0). */
static double number(const struct tl_learner *l, const struct tl_attr *a, int binary)
{
	double v = NAN;
	if (binary) {
		int b = tl_field_boolean(l, a);
		return b < 0 ? NAN : b;
	}
	if (tl_field_number(l, a, &v) == 0)
		return NAN;
	if (!isfinite(v))
		tl_field_bad(l, a, "is not a number");
	return v;
}

static int arm_of(struct reading *rd, const struct tl_learner *l)
{
	const struct tl_attr *a = tl_field_need_at(l, rd->o->arm, NULL, &rd->hint[F_ARM]);
	size_t n = tl_field_text(a, &rd->buf);
	int arm = tl_abtest_arm(rd->ab, rd->buf.p, n);
	if (arm >= 0)
		return arm;
	if (n == 0)
		tl_field_die(l, " has an empty '%s'", rd->o->arm);
	tl_die_at(TL_EX_DATAERR, l->file, l->line, "arm '%s' is neither the control '%s' nor the "
		  "treatment '%s': tl-abtest compares two arms (--control names the control)",
		  rd->buf.p, tl_abtest_arm_name(rd->ab, 0), tl_abtest_arm_name(rd->ab, 1));
}

static void add_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct reading *rd = state;
	const struct options *o = rd->o;
	int arm = arm_of(rd, l), need_cov = 0;
	size_t seg = rd->seg0;
	double x = NAN;
	(void)asof, (void)npast, (void)w;
	if (o->s.by) {
		size_t n = tl_field_text(tl_field_need_at(l, o->s.by, NULL, &rd->hint[F_BY]), &rd->buf);
		seg = tl_abtest_segment(rd->ab, rd->buf.p, n);
	}
	for (size_t m = 0; m < o->s.nmetrics; m++) {
		int bin = o->s.metric[m].kind == TL_AB_BINARY;
		const struct tl_attr *a = tl_field_need_at(l, o->s.metric[m].name, NULL, &rd->hint[F_METRIC + m]);
		rd->y[m] = number(l, a, bin);
		need_cov |= !bin && !isnan(rd->y[m]);
	}
	if (o->s.covariate) {
		x = number(l, tl_field_need_at(l, o->s.covariate, NULL, &rd->hint[F_COV]), 0);
		if (need_cov && isnan(x))
			tl_field_die(l, " has a metric but no covariate '%s'", o->s.covariate);
	}
	tl_abtest_add(rd->ab, arm, seg, rd->y, x);
}

/* One pass over the learners; the report (or the stats) goes to the run's
 * output, which tl_run_close commits atomically. Returns 1 when the
 * decision passes. */
static int run_input(struct options *o, struct tl_common *common, int nfiles, char **files, int *rc)
{
	struct tl_run *run = tl_run_open(common, nfiles, files, TL_READ_ROWS);
	struct reading rd = {.o = o, .ab = tl_abtest_new(&o->s, &o->p)};
	rd.seg0 = o->s.by ? 0 : tl_abtest_segment(rd.ab, "", 0);
	static const struct tl_tool tool = {.learner = add_learner, .report = 1};
	int pass = 1;
	tl_run_all(run, &tool, &rd);
	if (o->emit)
		tl_abtest_emit(rd.ab, tl_run_output(run));
	else
		pass = tl_abtest_report(rd.ab, tl_run_output(run), o->fmt);
	*rc = tl_run_close(run);
	tl_abtest_free(rd.ab);
	free(rd.buf.p);
	return pass;
}

static int run_merge(struct options *o, const struct tl_common *common, int nfiles, char **files)
{
	struct tl_abtest *ab = tl_abtest_merge(nfiles, files, o->s.control, &o->s, &o->p);
	FILE *f = tl_output_open(common->output);
	int pass = 1;
	if (o->emit)
		tl_abtest_emit(ab, f);
	else
		pass = tl_abtest_report(ab, f, o->fmt);
	tl_output_commit(f);
	tl_abtest_free(ab);
	return pass;
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.s = {.control = CONTROL_DEFAULT}, .p = TL_AB_DEFAULTS, .arm = ARM_DEFAULT,
			    .fmt = TL_AB_TEXT};
	int rc = TL_EX_OK, pass;

	tl_front_init("tl-abtest", argv, &common);
	tl_front_report(&common);
	common.own_o = 1;
	parse_options(argc, argv, &common, &o);
	if ((o.plan || o.merge) && common.shard_arg)
		tl_usage_error("--shard selects the learners of the input, and %s reads none",
			       o.plan ? "--baseline-mean" : "--merge");
	if (o.plan) {
		FILE *f = tl_output_open(common.output);
		tl_ab_plan(f, o.fmt, o.base_mean, o.base_sd, &o.p);
		tl_output_commit(f);
		return TL_EX_OK;
	}
	if (o.merge)
		pass = run_merge(&o, &common, argc - optind, argv + optind);
	else
		pass = run_input(&o, &common, argc - optind, argv + optind, &rc);
	if (rc != TL_EX_OK)
		return rc;
	return o.gate && !pass ? TL_EX_GATE : TL_EX_OK;
}
