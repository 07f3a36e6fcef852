/* opts.c - common options and checked option values. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/opts.h"

void tl_front_init(const char *name, char **argv, struct tl_common *c)
{
	argv[0] = (char *)name;   /* getopt_long's messages name argv[0] */
	tl_setprogname(name);
	tl_common_init(c);
}

/* Whether the tool writes a report (tl_front_report): its help leaves out
 * the options of learner records. */
static int report_tool;

void tl_common_output(struct tl_common *c, const char *opt, const char *path)
{
	if (c->ntool_out == TL_TOOL_OUT_MAX)
		tl_die(TL_EX_SOFTWARE, "more than %d tool outputs", TL_TOOL_OUT_MAX);
	c->tool_out_opt[c->ntool_out] = opt;
	c->tool_out[c->ntool_out++] = path;
}

void tl_front_report(struct tl_common *c)
{
	c->report = report_tool = 1;
}

void tl_usage_own(int status, const char *synopsis, const char *help)
{
	FILE *f = status ? stderr : stdout;
	fputs(synopsis, f);
	if (status) {
		fprintf(f, "Try '%s --help' for more information.\n", tl_progname());
		exit(status);
	}
	fputs(help, f);
}

void tl_usage(int status, const char *synopsis, const char *help)
{
	tl_usage_own(status, synopsis, help);
	tl_common_usage(stdout);
}

void tl_exit_written(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		tl_die(TL_EX_IOERR, "write error on standard output:");
	exit(TL_EX_OK);
}

void tl_common_init(struct tl_common *c)
{
	memset(c, 0, sizeof *c);
	c->max_field = TL_MAX_FIELD_DEFAULT;
	c->delim = ',';
	c->max_events = TL_MAX_EVENTS_DEFAULT;
	c->memory = (size_t)TL_MEMORY_DEFAULT_MIB << 20;
	c->churn_horizon = TL_CHURN_HORIZON_DAYS * TL_DAY;
	c->ts_unit = TL_SEC;
	const char *env = getenv("TL_AS_OF");
	if (env && *env) {
		if (tl_time_parse(env, strlen(env), &c->as_of) < 0)
			c->bad_as_of_env = env;   /* an error for tools that read records */
		else
			c->has_as_of = 1;
	}
}

/* The --map copies live until exit (kept reachable here). */
static char *map_copies[TL_MAP_MAX];
static int nmap_copies;

/* The --map texts live until exit (the reader keeps pointers into them). */
static void free_map_copies(void)
{
	for (int i = 0; i < nmap_copies; i++)
		free(map_copies[i]);
}

static void add_map(struct tl_common *c, const char *arg)
{
	if (nmap_copies == 0)
		atexit(free_map_copies);
	if (nmap_copies == TL_MAP_MAX)
		tl_usage_error("--map: given too many times");
	char *copy = map_copies[nmap_copies++] = tl_xstrdup(arg), *save = NULL;
	for (char *pair = strtok_r(copy, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq || eq == pair || !eq[1])
			tl_usage_error("--map wants canonical=source pairs: '%s'", pair);
		*eq = '\0';
		static const char *canon[] = {"learner_id", "ts", "domain", "capability", "action"};
		int ok = 0;
		for (size_t i = 0; i < 5; i++)
			ok |= strcmp(pair, canon[i]) == 0;
		if (!ok)
			tl_usage_error("--map: '%s' is not one of learner_id, ts, domain, capability, action", pair);
		for (int m = 0; m < c->nmap; m++)
			if (strcmp(c->map_canon[m], pair) == 0)
				tl_usage_error("--map: %s is mapped twice", pair);
		if (c->nmap == TL_MAP_MAX)
			tl_usage_error("--map: too many pairs");
		c->map_canon[c->nmap] = pair;
		c->map_source[c->nmap++] = eq + 1;
	}
}

/* ts_unit: --ts-unit s, ms, us or d, in microseconds. */
static tl_time ts_unit(const char *arg)
{
	static const struct { const char *name; tl_time us; } units[] = {
		{"s", TL_SEC}, {"ms", TL_SEC / 1000}, {"us", 1}, {"d", TL_DAY},
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(arg, units[i].name) == 0)
			return units[i].us;
	tl_usage_error("--ts-unit wants s, ms, us or d, not '%s'", arg);
}

/* set_delim: -d CHAR (one byte, or \t or "tab" for a tab) or --tsv. */
static void set_delim(struct tl_common *c, const char *arg, int tsv)
{
	if (tsv) {
		c->delim = '\t';
		c->tsv = 1;
		return;
	}
	if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0)
		arg = "\t";
	if (strlen(arg) != 1 || strchr("\"\r\n", *arg))
		tl_usage_error("-d wants one character (not a quote or a line break), \\t or tab: '%s'", arg);
	c->delim = *arg;
	c->tsv = 0;
}

/* max_rejects: --max-rejects N (records) or P% (of the records read). */
static void max_rejects(struct tl_common *c, const char *arg)
{
	size_t n = strlen(arg);
	int pct = n > 1 && arg[n - 1] == '%';
	char num[64];
	if (n - pct >= sizeof num)
		tl_usage_error("--max-rejects: not a count or a percentage: '%s'", arg);
	memcpy(num, arg, n - pct);
	num[n - pct] = '\0';
	c->max_rejects = arg;
	c->max_rejects_pct = pct;
	c->max_rejects_n = pct ? tl_opt_double("--max-rejects", num, 0, 100)
			       : (double)tl_opt_long("--max-rejects", num, 0, LONG_MAX);
}

/* xapi_option: the options of xAPI statements; 1 when opt is one. */
static int xapi_option(struct tl_common *c, int opt, const char *arg)
{
	switch (opt) {
	case TL_OPT_XAPI_ACTOR:
		if (strcmp(arg, "name") && strcmp(arg, "homepage"))
			tl_usage_error("--xapi-actor wants name or homepage, not '%s'", arg);
		c->xapi_homepage = strcmp(arg, "homepage") == 0;
		return 1;
	case TL_OPT_XAPI_DOMAIN:
		if (strcmp(arg, "parent") == 0) c->xapi_domain = TL_XAPI_PARENT;
		else if (strcmp(arg, "grouping") == 0) c->xapi_domain = TL_XAPI_GROUPING;
		else if (strcmp(arg, "category") == 0) c->xapi_domain = TL_XAPI_CATEGORY;
		else tl_usage_error("--xapi-domain wants parent, grouping or category, not '%s'", arg);
		return 1;
	case TL_OPT_XAPI_VERBS: c->xapi_verbs = arg; return 1;
	case TL_OPT_STRICT_VERBS: c->strict_verbs = 1; return 1;
	}
	return 0;
}

int tl_common_option(struct tl_common *c, int opt, const char *arg, void (*usage)(int))
{
	if (opt == 'o' && c->own_o)
		return 0;
	switch (opt) {
	case 'h': usage(0); tl_exit_written();
	case TL_OPT_VERSION: printf("%s %s\n", tl_progname(), TL_VERSION); tl_exit_written();
	case 'o':
	case TL_OPT_LABEL:
	case TL_OPT_CHURN_HORIZON:
		if (c->report)
			tl_usage_error("%s does not apply: this tool writes a report, not learner records",
				       opt == 'o' ? "-o" : opt == TL_OPT_LABEL ? "--label" : "--churn-horizon");
		break;
	}
	switch (opt) {
	case 'o':
		if (strcmp(arg, "csv") == 0) c->out_csv = TL_OUT_CSV;
		else if (strcmp(arg, "tsv") == 0) c->out_csv = TL_OUT_TSV;
		else if (strcmp(arg, "ndjson") == 0) c->out_csv = TL_OUT_NDJSON;
		else tl_usage_error("-o wants csv, tsv or ndjson, not '%s'", arg);
		return 1;
	case TL_OPT_OUTPUT: c->output = arg; return 1;
	case 'd': set_delim(c, arg, 0); return 1;
	case TL_OPT_TSV: set_delim(c, arg, 1); return 1;
	case TL_OPT_METRICS: c->metrics = arg; return 1;
	case TL_OPT_PROGRESS: c->progress = 1; return 1;
	case TL_OPT_STATS: c->stats = 1; return 1;
	case TL_OPT_SKIP_BAD: c->skip_bad = 1; return 1;
	case TL_OPT_REJECTS: c->rejects = arg; return 1;
	case TL_OPT_MAX_REJECTS: max_rejects(c, arg); return 1;
	case TL_OPT_MAX_FIELD: c->max_field = (size_t)tl_opt_long("--max-field", arg, 1, 1L << 30); return 1;
	case TL_OPT_MAX_EVENTS: c->max_events = (size_t)tl_opt_long("--max-events", arg, 1, 1L << 40); return 1;
	case TL_OPT_MAP: add_map(c, arg); return 1;
	case TL_OPT_UNGROUPED: c->ungrouped = 1; return 1;
	case TL_OPT_MEMORY:
		c->memory = tl_opt_size("--memory", arg, TL_MEMORY_MIN, SIZE_MAX / 2);
		c->memory_set = 1;
		return 1;
	case TL_OPT_AS_OF: c->as_of = tl_opt_time("--as-of", arg); c->has_as_of = c->as_of_cli = 1; return 1;
	case TL_OPT_LABEL: c->label = 1; return 1;
	case TL_OPT_CHURN_HORIZON: c->churn_horizon = tl_opt_duration("--churn-horizon", arg, 0); return 1;
	case TL_OPT_TS_UNIT: c->ts_unit = ts_unit(arg); return 1;
	case TL_OPT_EPOCH: c->epoch = tl_opt_time("--epoch", arg); return 1;
	case TL_OPT_COUNT_FIELD: c->count_field = tl_opt_name("--count-field", arg); return 1;
	case TL_OPT_AS_OF_FIELD: c->as_of_field = tl_opt_name("--as-of-field", arg); return 1;
	case TL_OPT_SHARD: c->shard = tl_opt_shard("--shard", arg, TL_SHARD_MAX); c->shard_arg = arg; return 1;
	}
	return xapi_option(c, opt, arg);
}

void tl_common_usage(FILE *f)
{
	fputs("Common options:\n", f);
	if (!report_tool)
		fputs("  -o csv|tsv|ndjson      output learner rows (csv, tsv) or documents (ndjson, default)\n", f);
	fputs("      --output FILE      write FILE atomically instead of stdout\n"
	      "      --as-of TIME       observation cutoff (else TL_AS_OF, the record's as_of, now)\n", f);
	if (!report_tool)
		fputs("      --label            also compute label fields from events after as-of\n"
		      "      --churn-horizon D  label window for churned (default " TL_XSTR(TL_CHURN_HORIZON_DAYS) "d)\n", f);
	fputs("      --tsv              input is tab-separated (no quoting)\n"
	      "  -d CHAR                input is CSV separated by CHAR (\\t: tab)\n"
	      "      --map C=S,...      read canonical column C from input column S\n"
	      "      --ungrouped        accept rows of a learner spread out (sorts the input)\n"
	      "      --memory SIZE      --ungrouped's sort holds SIZE in memory, spills the rest\n"
	      "                         to $TMPDIR (K, M, G; default " TL_XSTR(TL_MEMORY_DEFAULT_MIB) "M)\n"
	      "      --skip-bad         skip bad rows instead of stopping (exit 0)\n"
	      "      --rejects FILE     write skipped rows there unchanged\n"
	      "      --max-rejects N|P% fail (exit 65) when more records are skipped\n"
	      "      --max-field BYTES  longest field accepted (default " TL_XSTR(TL_MAX_FIELD_DEFAULT) ")\n"
	      "      --max-events N     most events per learner (default " TL_XSTR(TL_MAX_EVENTS_DEFAULT) ")\n"
	      "      --xapi-actor HOW   xAPI learner_id: name (default) or homepage (homePage|name)\n"
	      "      --xapi-domain ACT  xAPI domain: parent (default), grouping or category\n"
	      "      --xapi-verbs FILE  the xAPI verb table (default: the shipped one)\n"
	      "      --strict-verbs     an xAPI verb missing from the table is bad input\n"
	      "      --shard I/N        only the learners of shard I of N (by a hash of the id)\n"
	      "      --stats            print the reconciliation counts on stderr\n"
	      "      --metrics FILE     write Prometheus text metrics to FILE\n"
	      "      --progress         show progress on stderr when it is a terminal\n"
	      "  -h, --help             show this help\n"
	      "      --version          show the version\n", f);
}

double tl_opt_double(const char *name, const char *arg, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || isnan(v))
		tl_usage_error("%s: not a number: '%s'", name, arg);
	if (errno == ERANGE || !isfinite(v))
		tl_usage_error("%s: %s is %s to represent as a double", name, arg,
			       isfinite(v) && fabs(v) < 1 ? "too small" : "too large");
	if (v < lo || v > hi)
		tl_usage_error("%s: %s is out of range [%g, %g]", name, arg, lo, hi);
	return v;
}

long tl_opt_long(const char *name, const char *arg, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || errno)
		tl_usage_error("%s: not an integer: '%s'", name, arg);
	if (v < lo || v > hi)
		tl_usage_error("%s: %s is out of range [%ld, %ld]", name, arg, lo, hi);
	return v;
}

tl_time tl_opt_duration(const char *name, const char *arg, int allow_zero)
{
	tl_time d;
	int rc = tl_duration_parse(arg, &d);
	if (rc == TL_DURATION_TOO_LONG)
		tl_usage_error("%s: %s is out of range (at most %g seconds)", name, arg, TL_DURATION_MAX_SECS);
	if (rc == TL_DURATION_TOO_SHORT)
		tl_usage_error("%s: %s is too small to represent (under a microsecond)", name, arg);
	if (rc < 0)
		tl_usage_error("%s: not a duration (number with unit s, m, h, d or w): '%s'", name, arg);
	if (d == 0 && !allow_zero)
		tl_usage_error("%s: must be greater than zero: '%s'", name, arg);
	return d;
}

const char *tl_opt_name(const char *name, const char *arg)
{
	if (!*arg)
		tl_usage_error("%s: wants a field name", name);
	return arg;
}

tl_time tl_opt_time(const char *name, const char *arg)
{
	tl_time t;
	if (tl_time_parse(arg, strlen(arg), &t) < 0)
		tl_usage_error("%s: not a timestamp (ISO-8601 or epoch seconds, years 0000 to 9999): '%s'", name, arg);
	return t;
}

size_t tl_opt_size(const char *name, const char *arg, size_t lo, size_t hi)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	int shift = 0;
	if (*end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 : *end == 'G' || *end == 'g' ? 30 : -1;
	if (*arg < '0' || *arg > '9' || shift < 0 || (*end && !shift))
		tl_usage_error("%s: not a size (a number of bytes, or with K, M or G): '%s'", name, arg);
	if (errno || v > hi >> shift)
		tl_usage_error("%s: %s is too large", name, arg);
	if ((size_t)v << shift < lo)
		tl_usage_error("%s: %s is below the minimum of %zuK", name, arg, lo >> 10);
	return (size_t)v << shift;
}

struct tl_shard tl_opt_shard(const char *name, const char *arg, uint64_t max)
{
	struct tl_shard s;
	if (tl_shard_parse(arg, max, &s) < 0)
		tl_usage_error("%s wants I/N with 0 <= I < N <= %llu: '%s'", name, (unsigned long long)max, arg);
	return s;
}

int tl_next_option(int argc, char **argv, const struct option *longopts, struct tl_common *c,
		   void (*usage)(int))
{
	int opt;
	while ((opt = getopt_long(argc, argv, TL_COMMON_SHORTOPTS, longopts, NULL)) != -1)
		if (!tl_common_option(c, opt, optarg, usage))
			return opt;
	return -1;
}

int tl_threads_allowed(void)
{
	const char *threads = getenv("TL_THREADS");
	return !(threads && strcmp(threads, "1") == 0) && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}
