/* tl-report - the results report: reads what tl-abtest, tl-eval,
 * tl-retention, tl-score and tl-rollout wrote and writes one document,
 * as Markdown and as a self-contained HTML file with plots drawn as
 * inline SVG (the decision, the primary metric, guardrails, segments,
 * cohort mix, the rollout, model validation, retention, how it was
 * computed). Every number in it is copied from its input; reads no
 * learner records. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/retention.h"
#include "report/report.h"
#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "util/stats.h"

#define TOP_DEFAULT 5              /* --top */
#define MAX_MIX_DIFF_DEFAULT "0.02"   /* --max-mix-diff, tl-abtest's default */

enum { OPT_ABTEST = CHAR_MAX + 1, OPT_AS_OF, OPT_CURVE, OPT_CURVES, OPT_EVAL, OPT_HTML, OPT_MAX_MIX_DIFF,
       OPT_MIN_LIFT, OPT_MODEL, OPT_OUTPUT, OPT_ROLLOUT, OPT_SUMMARY, OPT_TITLE, OPT_TOP };

static const struct option longopts[] = {
	{.name = "abtest", .has_arg = required_argument, .val = OPT_ABTEST},
	{.name = "as-of", .has_arg = required_argument, .val = OPT_AS_OF},
	{.name = "curve", .has_arg = required_argument, .val = OPT_CURVE},
	{.name = "curves", .has_arg = required_argument, .val = OPT_CURVES},
	{.name = "eval", .has_arg = required_argument, .val = OPT_EVAL},
	{.name = "help", .has_arg = no_argument, .val = 'h'},
	{.name = "html", .has_arg = required_argument, .val = OPT_HTML},
	{.name = "max-mix-diff", .has_arg = required_argument, .val = OPT_MAX_MIX_DIFF},
	{.name = "min-lift", .has_arg = required_argument, .val = OPT_MIN_LIFT},
	{.name = "model", .has_arg = required_argument, .val = OPT_MODEL},
	{.name = "output", .has_arg = required_argument, .val = OPT_OUTPUT},
	{.name = "rollout", .has_arg = required_argument, .val = OPT_ROLLOUT},
	{.name = "summary", .has_arg = required_argument, .val = OPT_SUMMARY},
	{.name = "title", .has_arg = required_argument, .val = OPT_TITLE},
	{.name = "top", .has_arg = required_argument, .val = OPT_TOP},
	{.name = "version", .has_arg = no_argument, .val = TL_OPT_VERSION},
	{0}
};

struct options {
	const char *output, *html;
};

static const char synopsis[] =
	"usage: tl-report [--abtest FILE] [--eval FILE ...] [--curve FILE] [--model FILE]\n"
	"                 [--curves FILE] [--summary FILE] [--rollout FILE] [--min-lift L]\n"
	"                 [--max-mix-diff D] [--as-of TIME] [--top N] [--title TEXT]\n"
	"                 [--output FILE] [--html FILE]\n";

static const char help[] =
	"Write the results report (Markdown, and HTML with plots) from the tools' outputs.\n\n"
	"      --abtest FILE        tl-abtest --format json report\n"
	"      --eval FILE          tl-eval --format json report (repeatable, up to "
	TL_XSTR(TL_REPORT_MAX_EVAL) ")\n"
	"      --curve FILE         tl-eval --curve ROC curve of the binary --eval\n"
	"      --model FILE         tl-retention --fit half-life model\n"
	"      --curves FILE        tl-retention --curves survival curves\n"
	"      --summary FILE       tl-score --summary-file summary\n"
	"      --rollout FILE       tl-rollout audit log (STATE/audit.jsonl)\n"
	"      --min-lift L         the --min-lift tl-abtest ran with (drawn and quoted)\n"
	"      --max-mix-diff D     the --max-mix-diff tl-abtest ran with (default " MAX_MIX_DIFF_DEFAULT ")\n"
	"      --as-of TIME         the as-of of the inputs, quoted\n"
	"      --top N              capabilities shown, most learners first (default " TL_XSTR(TOP_DEFAULT) ")\n"
	"      --title TEXT         the report's title\n"
	"      --output FILE        write the Markdown to FILE atomically (default stdout)\n"
	"      --html FILE          also write the HTML report to FILE atomically\n"
	"  -h, --help               show this help\n"
	"      --version            show the version\n";

static void usage(int status)
{
	if (status)
		tl_usage(status, synopsis, help);
	fputs(synopsis, stdout);
	fputs(help, stdout);
}

/* number_text: a number option, checked, kept as its text (the report quotes it). */
static const char *number_text(const char *name, const char *arg, double lo, double hi)
{
	tl_opt_double(name, arg, lo, hi);
	return arg;
}

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o, struct tl_report *r)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ABTEST: r->abtest_path = optarg; break;
		case OPT_AS_OF: tl_opt_time("--as-of", optarg), r->as_of = optarg; break;
		case OPT_CURVE: r->curve_path = optarg; break;
		case OPT_CURVES: r->curves_path = optarg; break;
		case OPT_EVAL:
			if (r->neval == TL_REPORT_MAX_EVAL)
				tl_usage_error("at most %d --eval reports", TL_REPORT_MAX_EVAL);
			r->eval_path[r->neval++] = optarg;
			break;
		case OPT_HTML: o->html = optarg; break;
		case OPT_MAX_MIX_DIFF: r->max_mix_diff = number_text("--max-mix-diff", optarg, 0, 1); break;
		case OPT_MIN_LIFT: r->min_lift = number_text("--min-lift", optarg, -HUGE_VAL, HUGE_VAL); break;
		case OPT_MODEL: r->model_path = optarg; break;
		case OPT_OUTPUT: o->output = optarg; break;
		case OPT_ROLLOUT: r->rollout_path = optarg; break;
		case OPT_SUMMARY: r->summary_path = optarg; break;
		case OPT_TITLE: r->title = optarg; break;
		case OPT_TOP: r->top = tl_opt_long("--top", optarg, 1, 1000); break;
		default:
			if (!tl_common_option(c, opt, optarg, usage))
				usage(TL_EX_USAGE);
		}
	}
	if (optind < argc)
		tl_usage_error("no operands: name each input by its option ('%s')", argv[optind]);
	if (!r->abtest_path && !r->neval && !r->model_path && !r->curves_path && !r->summary_path && !r->rollout_path)
		tl_usage_error("give at least one input: --abtest, --eval, --model, --curves, --summary or --rollout");
	if (r->curve_path && !r->neval)
		tl_usage_error("--curve needs the --eval report of the same score");
}

/* fill_band: the curve's 95% pointwise band, by the one Kaplan-Meier of
 * metrics/: the curve's rows give back its observations (events at row i,
 * and the censored ones: at_risk[i] - events[i] - at_risk[i + 1]). */
static void band_step(void *ctx, const struct tl_km_step *s)
{
	struct tl_report_curve *c = ctx;
	c->lower[s->t] = s->lower, c->upper[s->t] = s->upper;
}

static void fill_band(struct tl_report_curve *c, double z)
{
	struct tl_km_obs *obs = tl_xmalloc((c->at_risk[0] + 1) * sizeof *obs);
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t next = i + 1 < c->n ? c->at_risk[i + 1] : 0, censored = c->at_risk[i] - c->events[i] - next;
		for (uint64_t k = 0; k < c->events[i] + censored; k++)
			obs[n++] = (struct tl_km_obs){(int64_t)i, 0, k >= c->events[i]};
	}
	struct tl_km_summary sum;
	tl_km(obs, n, z, band_step, c, &sum);
	free(obs);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {0};
	struct tl_report r = {.title = "Results report", .max_mix_diff = MAX_MIX_DIFF_DEFAULT, .top = TOP_DEFAULT};

	tl_front_init("tl-report", argv, &common);
	parse_options(argc, argv, &common, &o, &r);
	const char *out[2] = {o.output, o.html}, *outopt[2] = {"--output", "--html"};
	char *in[TL_REPORT_MAX_EVAL + 6] = {(char *)r.abtest_path, (char *)r.curve_path, (char *)r.model_path,
					    (char *)r.curves_path, (char *)r.summary_path, (char *)r.rollout_path};
	for (int i = 0; i < r.neval; i++)
		in[6 + i] = (char *)r.eval_path[i];
	char *given[TL_REPORT_MAX_EVAL + 6];
	int ngiven = 0;
	for (int i = 0; i < 6 + r.neval; i++)
		if (in[i])
			given[ngiven++] = in[i];
	tl_paths_distinct(out, outopt, 2, given, ngiven);
	tl_report_load(&r);
	for (size_t i = 0; i < r.ncurves; i++)
		fill_band(&r.curves[i], tl_norm_quantile(0.975));
	FILE *md = tl_output_open(o.output), *html = o.html ? tl_output_open(o.html) : NULL;
	tl_report_write(&r, md, html);
	if (html)
		tl_output_commit(html);
	tl_output_commit(md);
	tl_report_free(&r);
	return 0;
}
