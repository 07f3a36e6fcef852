/* opts.h - the options every tl tool shares (§4, §5) and checked
 * parsers for option values. */
#ifndef TL_OPTS_H
#define TL_OPTS_H

#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "util/shard.h"
#include "util/tltime.h"

/* TL_VERSION: set by the Makefile's VERSION (-DTL_VERSION), its one place. */
#ifndef TL_VERSION
#error "TL_VERSION is set by the Makefile (VERSION)"
#endif

/* TL_XSTR(M): macro M's value as a string literal, for a default named
 * once and used both in code and in a help text. */
#define TL_STR(x) #x
#define TL_XSTR(x) TL_STR(x)

/* Defaults of the common options. */
#define TL_MAX_FIELD_DEFAULT 65536
#define TL_TOOL_OUT_MAX 4        /* a tool's own output files (tl_common_output) */
#define TL_MAX_EVENTS_DEFAULT 10000000
#define TL_CHURN_HORIZON_DAYS 30
#define TL_MEMORY_DEFAULT_MIB 256   /* --memory (of --ungrouped's sort) */
#define TL_MEMORY_MIN (64 << 10)

/* Long-only common options; tools number theirs from CHAR_MAX + 1. */
enum {
	TL_OPT_VERSION = 0x1000, TL_OPT_OUTPUT, TL_OPT_METRICS, TL_OPT_PROGRESS,
	TL_OPT_STATS, TL_OPT_SKIP_BAD, TL_OPT_REJECTS, TL_OPT_MAX_FIELD,
	TL_OPT_MAX_EVENTS, TL_OPT_MAP, TL_OPT_UNGROUPED, TL_OPT_AS_OF,
	TL_OPT_LABEL, TL_OPT_CHURN_HORIZON, TL_OPT_MAX_REJECTS,
	TL_OPT_TS_UNIT, TL_OPT_EPOCH, TL_OPT_COUNT_FIELD, TL_OPT_AS_OF_FIELD, TL_OPT_TSV,
	TL_OPT_MEMORY,
	TL_OPT_XAPI_ACTOR, TL_OPT_XAPI_DOMAIN, TL_OPT_XAPI_VERBS, TL_OPT_STRICT_VERBS, TL_OPT_SHARD
};

/* Short options every tool accepts (prepend to the tool's own). */
#define TL_COMMON_SHORTOPTS "d:ho:"

/* Append to a tool's struct option table (before the {0} terminator). */
#define TL_COMMON_LONGOPTS \
	{.name = "as-of", .has_arg = required_argument, .val = TL_OPT_AS_OF}, \
	{.name = "as-of-field", .has_arg = required_argument, .val = TL_OPT_AS_OF_FIELD}, \
	{.name = "churn-horizon", .has_arg = required_argument, .val = TL_OPT_CHURN_HORIZON}, \
	{.name = "count-field", .has_arg = required_argument, .val = TL_OPT_COUNT_FIELD}, \
	{.name = "epoch", .has_arg = required_argument, .val = TL_OPT_EPOCH}, \
	{.name = "help", .has_arg = no_argument, .val = 'h'}, \
	{.name = "label", .has_arg = no_argument, .val = TL_OPT_LABEL}, \
	{.name = "map", .has_arg = required_argument, .val = TL_OPT_MAP}, \
	{.name = "max-events", .has_arg = required_argument, .val = TL_OPT_MAX_EVENTS}, \
	{.name = "max-field", .has_arg = required_argument, .val = TL_OPT_MAX_FIELD}, \
	{.name = "max-rejects", .has_arg = required_argument, .val = TL_OPT_MAX_REJECTS}, \
	{.name = "memory", .has_arg = required_argument, .val = TL_OPT_MEMORY}, \
	{.name = "metrics", .has_arg = required_argument, .val = TL_OPT_METRICS}, \
	{.name = "output", .has_arg = required_argument, .val = TL_OPT_OUTPUT}, \
	{.name = "progress", .has_arg = no_argument, .val = TL_OPT_PROGRESS}, \
	{.name = "rejects", .has_arg = required_argument, .val = TL_OPT_REJECTS}, \
	{.name = "shard", .has_arg = required_argument, .val = TL_OPT_SHARD}, \
	{.name = "skip-bad", .has_arg = no_argument, .val = TL_OPT_SKIP_BAD}, \
	{.name = "stats", .has_arg = no_argument, .val = TL_OPT_STATS}, \
	{.name = "strict-verbs", .has_arg = no_argument, .val = TL_OPT_STRICT_VERBS}, \
	{.name = "ts-unit", .has_arg = required_argument, .val = TL_OPT_TS_UNIT}, \
	{.name = "tsv", .has_arg = no_argument, .val = TL_OPT_TSV}, \
	{.name = "ungrouped", .has_arg = no_argument, .val = TL_OPT_UNGROUPED}, \
	{.name = "version", .has_arg = no_argument, .val = TL_OPT_VERSION}, \
	{.name = "xapi-actor", .has_arg = required_argument, .val = TL_OPT_XAPI_ACTOR}, \
	{.name = "xapi-domain", .has_arg = required_argument, .val = TL_OPT_XAPI_DOMAIN}, \
	{.name = "xapi-verbs", .has_arg = required_argument, .val = TL_OPT_XAPI_VERBS}

#define TL_MAP_MAX 8

/* The output modes of -o (tl_common's out_csv). */
enum { TL_OUT_NDJSON, TL_OUT_CSV, TL_OUT_TSV };

/* What the common options set. */
struct tl_common {
	int out_csv;              /* -o: TL_OUT_CSV or TL_OUT_TSV (learner rows, true),
				   * else TL_OUT_NDJSON (0) */
	const char *output;       /* --output FILE, NULL = stdout */
	const char *metrics;      /* --metrics FILE */
	int progress;             /* --progress */
	int stats;                /* --stats */
	int skip_bad;             /* --skip-bad */
	const char *rejects;      /* --rejects FILE */
	const char *max_rejects;  /* --max-rejects N or N% as given, NULL: no limit */
	double max_rejects_n;     /* ... its N */
	int max_rejects_pct;      /* ... N is a percentage of the records read */
	size_t max_field;         /* --max-field BYTES (TL_MAX_FIELD_DEFAULT) */
	size_t max_events;        /* --max-events N per learner (TL_MAX_EVENTS_DEFAULT) */
	int ungrouped;            /* --ungrouped */
	size_t memory;            /* --memory SIZE in bytes (TL_MEMORY_DEFAULT_MIB MiB) */
	int memory_set;           /* ... given */
	int report;               /* the tool writes a report (tl_front_report) */
	int own_o;                /* the tool reads -o itself: its own output modes
				   * (tl-loadgen's shapes, a report's formats) */
	const char *tool_out[TL_TOOL_OUT_MAX];     /* the tool's own output files */
	const char *tool_out_opt[TL_TOOL_OUT_MAX]; /* ... and their options */
	int ntool_out;
	int has_as_of;            /* --as-of or TL_AS_OF given */
	const char *bad_as_of_env; /* TL_AS_OF that is not a time (tl_run_open fails) */
	tl_time as_of;
	int label;                /* --label */
	tl_time churn_horizon;    /* --churn-horizon (TL_CHURN_HORIZON_DAYS) */
	char delim;               /* -d CHAR, --tsv: the input's field separator (',') */
	int tsv;                  /* --tsv: tab-separated, no quoting */
	int nmap;                 /* --map canonical=source pairs */
	const char *map_canon[TL_MAP_MAX];
	const char *map_source[TL_MAP_MAX];
	tl_time ts_unit;          /* --ts-unit: a numeric ts counts these (TL_SEC) */
	tl_time epoch;            /* --epoch: ... after this instant (0) */
	const char *count_field;  /* --count-field: a row stands for that many events */
	const char *as_of_field;  /* --as-of-field: each learner's as-of */
	int as_of_cli;            /* --as-of given (not TL_AS_OF) */
	/* xAPI statements (tl(7) "xAPI statements") */
	int xapi_homepage;        /* --xapi-actor homepage: homePage|name */
	int xapi_domain;          /* --xapi-domain: enum tl_xapi_domain */
	const char *xapi_verbs;   /* --xapi-verbs FILE, NULL: TL_XAPI_VERBS or the shipped table */
	int strict_verbs;         /* --strict-verbs */
	struct tl_shard shard;    /* --shard I/N: only its learners (n 0: all) */
	const char *shard_arg;    /* ... as given, NULL when not */
};

/* --xapi-domain: which context.contextActivities list gives the domain. */
enum tl_xapi_domain { TL_XAPI_PARENT, TL_XAPI_GROUPING, TL_XAPI_CATEGORY };

/* tl_front_init: the first call of every tool's main. name is the tool's
 * name, a literal ("tl-velocity"): it becomes argv[0] and the message
 * prefix, so every message, getopt_long's too, starts "name: " however
 * the tool was run (by a path, a link). Then tl_common_init(c). */
void tl_front_init(const char *name, char **argv, struct tl_common *c);

/* tl_common_output: register a tool's own output file (its option opt, e.g.
 * "--curves"; path may be NULL) so that tl_run_open refuses it when it is
 * an input or another output. */
void tl_common_output(struct tl_common *c, const char *opt, const char *path);

/* tl_front_report: after tl_front_init, for a tool that writes a report,
 * not learner records (tl-eval, tl-abtest): -o, --label and
 * --churn-horizon are usage errors, and its help leaves them out. */
void tl_front_report(struct tl_common *c);

/* tl_usage: the body of a tool's usage(status). status 0 (--help): the
 * synopsis, help and the common options' block on stdout, returns; else
 * the synopsis and "Try 'NAME --help' for more information." on stderr,
 * then exit(status). synopsis starts "usage: ", as the man page's. */
void tl_usage(int status, const char *synopsis, const char *help);
/* tl_usage_own: tl_usage without the common options' block, for a tool
 * that takes only some of them (tl-split) and lists those in its help. */
void tl_usage_own(int status, const char *synopsis, const char *help);

/* tl_exit_written: exit 0 after --help or --version wrote to stdout, or
 * 74 with "NAME: write error on standard output: ..." when that failed. */
_Noreturn void tl_exit_written(void);

/* tl_common_init: defaults, then TL_AS_OF from the environment (an
 * invalid one is reported by tl_run_open, unless --as-of overrides it). */
void tl_common_init(struct tl_common *c);

/* tl_common_option: apply option opt (from getopt_long) if it is common.
 * Returns 1 when handled (--version and -h print and exit through
 * tl_exit_written; -h calls usage(0)), else 0. */
int tl_common_option(struct tl_common *c, int opt, const char *arg, void (*usage)(int));

/* tl_next_option: getopt_long over the common options and longopts; the
 * common ones are applied (tl_common_option), and the next one that is
 * the tool's own is returned, with its argument in optarg; -1 at the end.
 * The loop of every tool's parse_options. */
int tl_next_option(int argc, char **argv, const struct option *longopts, struct tl_common *c,
		   void (*usage)(int));

/* tl_common_usage: print the common options' help block to f. */
void tl_common_usage(FILE *f);

/* Checked option values: each exits 64 naming the option on a bad value. */
/* tl_threads_allowed: worker threads may run: TL_THREADS is not 1 and
 * the machine has two processors or more (tl(7) THREADS). */
int tl_threads_allowed(void);

double tl_opt_double(const char *name, const char *arg, double lo, double hi);
long tl_opt_long(const char *name, const char *arg, long lo, long hi);
/* A duration (§6.5); zero is allowed only when allow_zero. */
tl_time tl_opt_duration(const char *name, const char *arg, int allow_zero);
tl_time tl_opt_time(const char *name, const char *arg);
/* A field name (not empty). */
const char *tl_opt_name(const char *name, const char *arg);
/* A size in bytes: digits and an optional K, M or G (powers of 1024). */
size_t tl_opt_size(const char *name, const char *arg, size_t lo, size_t hi);
/* A shard I/N (util/shard.h), N at most max. */
struct tl_shard tl_opt_shard(const char *name, const char *arg, uint64_t max);

#endif
