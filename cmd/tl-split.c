/* tl-split - split one input into N files by the shard of each learner
 * (tl(7) SHARDS), in one pass, for hosts that each get their own file.
 * The splitting lives in common/record/split.c; this file parses options. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/opts.h"
#include "record/split.h"

static const struct option longopts[] = {
	{.name = "help", .has_arg = no_argument, .val = 'h'},
	{.name = "map", .has_arg = required_argument, .val = TL_OPT_MAP},
	{.name = "max-field", .has_arg = required_argument, .val = TL_OPT_MAX_FIELD},
	{.name = "rejects", .has_arg = required_argument, .val = TL_OPT_REJECTS},
	{.name = "skip-bad", .has_arg = no_argument, .val = TL_OPT_SKIP_BAD},
	{.name = "stats", .has_arg = no_argument, .val = TL_OPT_STATS},
	{.name = "tsv", .has_arg = no_argument, .val = TL_OPT_TSV},
	{.name = "version", .has_arg = no_argument, .val = TL_OPT_VERSION},
	{.name = "xapi-actor", .has_arg = required_argument, .val = TL_OPT_XAPI_ACTOR},
	{0}
};

static const char synopsis[] =
	"usage: tl-split -n N -o PATTERN [--map C=S,...] [--tsv | -d CHAR] [--xapi-actor HOW]\n"
	"                [--skip-bad [--rejects FILE]] [--max-field BYTES] [--stats] [FILE ...]\n";

static const char help[] =
	"\nSplit the input into N files by the shard of each record's learner_id\n"
	"(tl(7) SHARDS): file I holds the header and the records of shard I of N\n"
	"as they were read, the learners that --shard I/N keeps.\n\n"
	"  -n N                  the number of files, 1 to " TL_XSTR(TL_SPLIT_MAX) "\n"
	"  -o PATTERN            file I is PATTERN with %d replaced by I, or\n"
	"                        PATTERN-I.csv (.tsv, .ndjson) when it has no %d\n"
	"      --map C=S,...     read canonical column C from input column S\n"
	"      --tsv             input is tab-separated (no quoting)\n"
	"  -d CHAR               input is CSV separated by CHAR (\\t: tab)\n"
	"      --xapi-actor HOW  xAPI learner_id: name (default) or homepage (homePage|name)\n"
	"      --skip-bad        skip records whose learner cannot be read (exit 0)\n"
	"      --rejects FILE    write skipped records there unchanged\n"
	"      --max-field BYTES longest field accepted (default " TL_XSTR(TL_MAX_FIELD_DEFAULT) ")\n"
	"      --stats           print the records of each file on stderr\n"
	"  -h, --help            show this help\n"
	"      --version         show the version\n";

/* usage: tl-split takes only some of tl(7)'s common options, listed in
 * its help, so not tl_usage's block. */
static void usage(int status) { tl_usage_own(status, synopsis, help); }

struct options {
	long n;
	const char *pattern;
};

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	c->own_o = 1;   /* -o is the files' pattern */
	while ((opt = getopt_long(argc, argv, "d:hn:o:", longopts, NULL)) != -1) {
		if (tl_common_option(c, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'n': o->n = tl_opt_long("-n", optarg, 1, TL_SPLIT_MAX); break;
		case 'o': o->pattern = optarg; break;
		default: usage(TL_EX_USAGE);
		}
	}
	if (!o->n || !o->pattern)
		tl_usage_error("-n N and -o PATTERN are needed");
	tl_split_check_pattern(o->pattern);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {0};

	tl_front_init("tl-split", argv, &common);
	parse_options(argc, argv, &common, &o);
	tl_split(&common, (uint64_t)o.n, o.pattern, argc - optind, argv + optind);
	return TL_EX_OK;
}
