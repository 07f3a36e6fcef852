/* opts.h - the options every tl tool shares (§4, §5) and checked
 * parsers for option values. */
#ifndef TL_OPTS_H
#define TL_OPTS_H

#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "util/tltime.h"

#define TL_VERSION "0.1.0"

/* Long-only common options; tools number theirs from CHAR_MAX + 1. */
enum {
	TL_OPT_VERSION = 0x1000, TL_OPT_OUTPUT, TL_OPT_METRICS, TL_OPT_PROGRESS,
	TL_OPT_STATS, TL_OPT_SKIP_BAD, TL_OPT_REJECTS, TL_OPT_MAX_FIELD,
	TL_OPT_MAX_EVENTS, TL_OPT_MAP, TL_OPT_UNGROUPED, TL_OPT_AS_OF,
	TL_OPT_LABEL, TL_OPT_CHURN_HORIZON
};

/* Short options every tool accepts (prepend to the tool's own). */
#define TL_COMMON_SHORTOPTS "ho:"

/* Append to a tool's struct option table (before the {0} terminator). */
#define TL_COMMON_LONGOPTS \
	{"as-of", required_argument, 0, TL_OPT_AS_OF}, \
	{"churn-horizon", required_argument, 0, TL_OPT_CHURN_HORIZON}, \
	{"help", no_argument, 0, 'h'}, \
	{"label", no_argument, 0, TL_OPT_LABEL}, \
	{"map", required_argument, 0, TL_OPT_MAP}, \
	{"max-events", required_argument, 0, TL_OPT_MAX_EVENTS}, \
	{"max-field", required_argument, 0, TL_OPT_MAX_FIELD}, \
	{"metrics", required_argument, 0, TL_OPT_METRICS}, \
	{"output", required_argument, 0, TL_OPT_OUTPUT}, \
	{"progress", no_argument, 0, TL_OPT_PROGRESS}, \
	{"rejects", required_argument, 0, TL_OPT_REJECTS}, \
	{"skip-bad", no_argument, 0, TL_OPT_SKIP_BAD}, \
	{"stats", no_argument, 0, TL_OPT_STATS}, \
	{"ungrouped", no_argument, 0, TL_OPT_UNGROUPED}, \
	{"version", no_argument, 0, TL_OPT_VERSION}

#define TL_MAP_MAX 8

/* What the common options set. */
struct tl_common {
	int out_csv;              /* -o csv (else ndjson) */
	const char *output;       /* --output FILE, NULL = stdout */
	const char *metrics;      /* --metrics FILE */
	int progress;             /* --progress */
	int stats;                /* --stats */
	int skip_bad;             /* --skip-bad */
	const char *rejects;      /* --rejects FILE */
	size_t max_field;         /* --max-field BYTES (default 65536) */
	size_t max_events;        /* --max-events N per learner (default 10M) */
	int ungrouped;            /* --ungrouped */
	int has_as_of;            /* --as-of or TL_AS_OF given */
	const char *bad_as_of_env; /* TL_AS_OF that is not a time (tl_run_open fails) */
	tl_time as_of;
	int label;                /* --label */
	tl_time churn_horizon;    /* --churn-horizon (default 30d) */
	int nmap;                 /* --map canonical=source pairs */
	const char *map_canon[TL_MAP_MAX];
	const char *map_source[TL_MAP_MAX];
};

/* tl_common_init: defaults, then TL_AS_OF from the environment (an
 * invalid one is reported by tl_run_open, unless --as-of overrides it). */
void tl_common_init(struct tl_common *c);

/* tl_common_option: apply option opt (from getopt_long) if it is common.
 * Returns 1 when handled (--version and -h print and exit), else 0. */
int tl_common_option(struct tl_common *c, int opt, const char *arg, void (*usage)(int));

/* tl_common_usage: print the common options' help block to f. */
void tl_common_usage(FILE *f);

/* Checked option values: each exits 64 naming the option on a bad value. */
double tl_opt_double(const char *name, const char *arg, double lo, double hi);
long tl_opt_long(const char *name, const char *arg, long lo, long hi);
/* A duration (§6.5); zero is allowed only when allow_zero. */
tl_time tl_opt_duration(const char *name, const char *arg, int allow_zero);
tl_time tl_opt_time(const char *name, const char *arg);

#endif
