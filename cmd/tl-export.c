/* tl-export - hand learner rows or documents to the stores product
 * services read: a table of an SQLite database (--sqlite FILE, typed,
 * indexed, with a runs table; rebuilt atomically or --upsert), and the
 * Redis protocol for redis-cli --pipe (--redis, one hash per learner and
 * one for the cohort). Writes no records. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/out.h"
#include "util/opts.h"
#include "record/run.h"
#include "export/export.h"
#include "export/redis.h"
#include "export/sqlite.h"

#define MAX_INDEX 16

enum { OPT_FIELDS = CHAR_MAX + 1, OPT_INDEX, OPT_PREFIX, OPT_REDIS, OPT_SQLITE, OPT_TABLE, OPT_TTL, OPT_UPSERT };

static const struct option longopts[] = {
	{.name = "fields", .has_arg = required_argument, .val = OPT_FIELDS},
	{.name = "index", .has_arg = required_argument, .val = OPT_INDEX},
	{.name = "prefix", .has_arg = required_argument, .val = OPT_PREFIX},
	{.name = "redis", .has_arg = no_argument, .val = OPT_REDIS},
	{.name = "sqlite", .has_arg = required_argument, .val = OPT_SQLITE},
	{.name = "table", .has_arg = required_argument, .val = OPT_TABLE},
	{.name = "ttl", .has_arg = required_argument, .val = OPT_TTL},
	{.name = "upsert", .has_arg = no_argument, .val = OPT_UPSERT},
	TL_COMMON_LONGOPTS,
	{0}
};

static const char synopsis[] =
	"usage: tl-export --sqlite DB [--table NAME] [--index FIELD ...] [--upsert]\n"
	"                 [--fields LIST] [common options] [FILE ...]\n"
	"       tl-export --redis [--prefix P] [--ttl DUR] [--fields LIST]\n"
	"                 [common options] [FILE ...]\n";

static const char help[] =
	"Export learner rows or documents to an SQLite database or as Redis commands\n"
	"for redis-cli --pipe (both in one run when both are given).\n\n"
	"      --sqlite DB        build the database DB (atomically: renamed into place)\n"
	"      --table NAME       the learners' table (default learners)\n"
	"      --index FIELD      index FIELD too (repeatable; archetype and churn_risk\n"
	"                         are always indexed)\n"
	"      --upsert           update DB in place in one transaction: insert new\n"
	"                         learners, replace the fields of known ones\n"
	"      --redis            write RESP on the output: HSET P:learner:ID per learner\n"
	"      --prefix P         the key prefix (default tl)\n"
	"      --ttl DUR          the keys expire after DUR\n"
	"      --fields LIST      export these fields (comma-separated; default: all)\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

struct options {
	struct tl_xsqlite_opts sql;
	const char *index[MAX_INDEX];
	const char *fields, *prefix;
	int redis;
	tl_time ttl;
};

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt, for_sql = 0, for_redis = 0;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1) {
		switch (opt) {
		case OPT_FIELDS: o->fields = optarg; break;
		case OPT_INDEX:
			if (o->sql.nindex == MAX_INDEX)
				tl_usage_error("at most %d --index fields", MAX_INDEX);
			o->index[o->sql.nindex++] = optarg, for_sql = 1;
			break;
		case OPT_PREFIX: o->prefix = optarg, for_redis = 1; break;
		case OPT_REDIS: o->redis = 1; break;
		case OPT_SQLITE: o->sql.path = optarg; break;
		case OPT_TABLE: o->sql.table = optarg, for_sql = 1; break;
		case OPT_TTL: o->ttl = tl_opt_duration("--ttl", optarg, 0), for_redis = 1; break;
		case OPT_UPSERT: o->sql.upsert = for_sql = 1; break;
		default: usage(TL_EX_USAGE);
		}
	}
	if (!o->sql.path && !o->redis)
		tl_usage_error("give --sqlite DB, --redis or both");
	if (for_sql && !o->sql.path)
		tl_usage_error("--table, --index and --upsert go with --sqlite");
	if (for_redis && !o->redis)
		tl_usage_error("--prefix and --ttl go with --redis");
	if (c->output && !o->redis)
		tl_usage_error("--output is where --redis writes; --sqlite names its own file");
	if (!*o->prefix)
		tl_usage_error("--prefix must not be empty");
	tl_xsqlite_check_table(o->sql.table);
	o->sql.index = o->index;
}

struct state {
	const struct options *o;
	int started, has_as_of;
	struct tl_xcols x;
	struct tl_xsummary sum;
	struct tl_xsqlite *sqlite;
	struct tl_xredis *redis;
};

/* start: the columns, from --fields or the first learner (NULL: none). */
static void start(struct state *st, const struct tl_learner *first)
{
	tl_xcols_init(&st->x, st->o->fields, first);
	if (st->sqlite)
		tl_xsqlite_start(st->sqlite, &st->x, first);
	st->started = 1;
}

static void export_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct state *st = state;
	(void)npast, (void)w;
	if (!st->started)
		start(st, l);
	tl_xcols_values(&st->x, l);
	tl_xsummary_add(&st->sum, l, l->has_as_of || st->has_as_of, asof);
	if (st->sqlite)
		tl_xsqlite_row(st->sqlite, &st->x, l);
	if (st->redis)
		tl_xredis_row(st->redis, &st->x);
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.sql.table = "learners", .prefix = "tl"};

	tl_front_init("tl-export", argv, &common);
	tl_front_report(&common);
	parse_options(argc, argv, &common, &o);
	tl_common_output(&common, "--sqlite", o.sql.path);
	struct tl_run *run = tl_run_open(&common, argc - optind, argv + optind, TL_READ_ROWS);
	tl_output_unmarked(tl_run_output(run));   /* stdout is RESP or nothing, not records */
	struct state st = {.o = &o, .has_as_of = common.has_as_of};
	tl_xsummary_init(&st.sum);
	st.sqlite = o.sql.path ? tl_xsqlite_open(&o.sql) : NULL;
	st.redis = o.redis ? tl_xredis_open(o.prefix, o.ttl) : NULL;
	static const struct tl_tool tool = {.learner = export_learner, .report = 1};
	tl_run_all(run, &tool, &st);
	if (!st.started)
		start(&st, NULL);
	if (st.sqlite)
		tl_xsqlite_finish(st.sqlite, &st.x, &st.sum);
	if (st.redis)
		tl_xredis_finish(st.redis, &st.sum, tl_run_output(run));
	int rc = tl_run_close(run);
	if (st.sqlite)
		tl_xsqlite_publish(st.sqlite);
	tl_xcols_free(&st.x);
	tl_xsummary_free(&st.sum);
	return rc;
}
