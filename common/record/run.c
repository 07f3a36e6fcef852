/* run.c - the streaming driver: reader -> tool -> writer, with counts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/out.h"
#include "record/run.h"
#include "record/run_impl.h"

/* The open runs: reachable until tl_run_close, also when a bad record
 * exits through tl_die in the middle of a loop (no leak report). */
static struct tl_run *open_runs;

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* check_paths: --rejects only with --skip-bad, --memory only with
 * --ungrouped, and no output file that is an input or another output
 * (tl(7) FILES). */
static void check_paths(const struct tl_common *c, int nfiles, char **files)
{
	if (c->rejects && !c->skip_bad)
		tl_usage_error("--rejects needs --skip-bad (without it the first bad row stops the run)");
	if (c->max_rejects && !c->skip_bad)
		tl_usage_error("--max-rejects needs --skip-bad (without it the first bad row stops the run)");
	if (c->memory_set && !c->ungrouped)
		tl_usage_error("--memory needs --ungrouped (it bounds the memory of the sort that groups the input)");
	const char *out[3 + TL_TOOL_OUT_MAX] = {c->output, c->rejects, c->metrics};
	const char *opt[3 + TL_TOOL_OUT_MAX] = {"--output", "--rejects", "--metrics"};
	for (int i = 0; i < c->ntool_out; i++) {
		out[3 + i] = c->tool_out[i];
		opt[3 + i] = c->tool_out_opt[i];
	}
	tl_paths_distinct(out, opt, 3 + c->ntool_out, files, nfiles);
}

static void metric(FILE *f, const char *name, const char *help, double v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s{tool=\"%s\"} %.17g\n", name, help, name, name, tl_progname(), v);
}

/* run_metrics: the run's own metrics (tl(7) METRICS). All are gauges: the
 * file is rewritten by every run, as Prometheus's guidance for batch jobs
 * has it. last_success is 0 when no run has succeeded, -1 for this run's
 * end. */
static void run_metrics(FILE *f, const struct tl_run *run, int status, double last_success)
{
	static const struct tl_counts none;
	const struct tl_counts *k = run->reader ? tl_reader_counts(run->reader) : &none;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	metric(f, "tl_run_success", "1 when the run succeeded, 0 when it failed.", status == 0);
	metric(f, "tl_run_exit_status", "The run's exit status (0 success, 65 bad data, ...).", status);
	metric(f, "tl_run_duration_seconds", "Wall-clock seconds of the run.", monotonic() - run->t_start);
	double end = now.tv_sec + now.tv_nsec * 1e-9;
	metric(f, "tl_run_end_timestamp_seconds", "When the run ended (Unix time).", end);
	if (last_success < 0)
		last_success = end;
	if (last_success > 0)
		metric(f, "tl_last_success_timestamp_seconds", "When a run last succeeded (Unix time).", last_success);
	metric(f, "tl_records_read", "Input records read by the run.", (double)k->records_read);
	metric(f, "tl_records_used", "Records at or before as-of, used by the metrics.", (double)run->used);
	metric(f, "tl_records_future", "Records after as-of (labels only).", (double)run->future);
	metric(f, "tl_records_rejected", "Bad records skipped (--skip-bad).", (double)k->records_rejected);
	metric(f, "tl_learners_read", "Learners read.", (double)k->learners_read);
	metric(f, "tl_learners_written", "Learner records written.", (double)run->written);
	if (run->c->shard.n) {
		metric(f, "tl_records_skipped", "--shard: records of the learners of other shards.",
		       (double)k->records_skipped);
		metric(f, "tl_learners_skipped", "--shard: learners of other shards.", (double)k->learners_skipped);
	}
	if (run->c->ungrouped) {
		metric(f, "tl_sort_runs_spilled", "--ungrouped: sorted runs spilled to $TMPDIR (0: sorted in memory).",
		       (double)k->sort_spills);
		metric(f, "tl_sort_merge_passes", "--ungrouped: merge passes that wrote the runs again.",
		       (double)k->sort_passes);
	}
	if (k->xapi_statements) {
		metric(f, "tl_xapi_statements", "xAPI statements read.", (double)k->xapi_statements);
		metric(f, "tl_xapi_unknown_verbs", "xAPI statements whose verb is not in the verb table.",
		       (double)k->xapi_unknown_verbs);
	}
}

/* tool_gauges: the tool's gauges, each name's samples together under one
 * HELP and TYPE (the text format wants a family in one block), in the
 * order the names first came. A tool has a few dozen. */
static void tool_gauges(FILE *f, const struct tl_run *run)
{
	for (size_t i = 0; i < run->ngauges; i++) {
		const struct gauge *g = &run->gauges[i];
		size_t first = 0;
		while (strcmp(run->gauges[first].name, g->name) != 0)
			first++;
		if (first < i)
			continue;   /* printed with its family */
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", g->name, g->help, g->name);
		for (size_t j = i; j < run->ngauges; j++) {
			const struct gauge *h = &run->gauges[j];
			if (strcmp(h->name, g->name) == 0)
				fprintf(f, "%s{tool=\"%s\"%s%s} %.17g\n", h->name, tl_progname(), h->labels ? "," : "",
					h->labels ? h->labels : "", h->value);
		}
	}
}

static void write_metrics(struct tl_run *run)
{
	FILE *f = tl_output_open(run->c->metrics);
	run_metrics(f, run, 0, -1);
	tool_gauges(f, run);
	tl_output_commit(f);
}

/* previous_last_success: tl_last_success_timestamp_seconds in the metrics
 * file a previous run left at path, or 0. A failed run carries it over, so
 * that "no success for a day" can be alerted on. Never exits. */
static double previous_last_success(const char *path)
{
	struct stat st;
	FILE *f = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (1 << 20) ? fopen(path, "r") : NULL;
	double v = 0;
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "tl_last_success_timestamp_seconds{", 34) == 0) {
			const char *sp = strrchr(line, ' ');
			v = sp ? strtod(sp + 1, NULL) : 0;
		}
	if (f)
		fclose(f);
	return v > 0 && v < 1e12 ? v : 0;
}

/* write_failure_metrics (a die hook): a run that fails still writes its
 * --metrics, at once (its other outputs are not published): success 0, the
 * exit status, the counts so far and the last success carried over; the
 * tool's own gauges are left out, as they describe no whole run. */
static void write_failure_metrics(void)
{
	for (struct tl_run *run = open_runs; run; run = run->next_open) {
		const char *path = run->c->metrics;
		if (!path || run->metrics_done++)
			continue;
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		if (!f)
			continue;
		run_metrics(f, run, tl_die_status(), previous_last_success(path));
		if (fclose(f) == 0 && tl_output_write_now(path, buf, n) != 0)
			fprintf(stderr, "%s: %s: cannot write the failure's metrics: %s\n", tl_progname(), path,
				strerror(errno));
		free(buf);
	}
}

/* reject_limit: exit 65 when more records were rejected than --max-rejects
 * allows (after the reconciliation: the metrics say why). */
static void reject_limit(const struct tl_common *c, const struct tl_counts *k)
{
	if (!c->max_rejects)
		return;
	double rejected = (double)k->records_rejected;
	uint64_t read = k->records_read - k->records_skipped;   /* --shard: of the shard's records */
	double limit = c->max_rejects_pct ? c->max_rejects_n / 100 * (double)read : c->max_rejects_n;
	if (rejected > limit)
		tl_die(TL_EX_DATAERR, "%llu of %llu records were rejected (%.3g%%), more than --max-rejects %s allows",
		       (unsigned long long)k->records_rejected, (unsigned long long)read,
		       read ? 100 * rejected / (double)read : 0.0, c->max_rejects);
}

/* count_rows: with --count-field, where every row went (a record is then
 * an event): "; rows read R = counted C + count 0 Z + rejected J". */
static const char *count_rows(const struct tl_common *c, const struct tl_counts *k)
{
	static char buf[160];
	if (!c->count_field)
		return "";
	int n = snprintf(buf, sizeof buf, "; rows read %llu = counted %llu + count 0 %llu + rejected %llu",
			 (unsigned long long)(k->rows_counted + k->rows_zero + k->records_rejected + k->rows_skipped),
			 (unsigned long long)k->rows_counted, (unsigned long long)k->rows_zero,
			 (unsigned long long)k->records_rejected);
	if (c->shard.n && n > 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, " + skipped %llu", (unsigned long long)k->rows_skipped);
	return buf;
}

struct tl_run *tl_run_open(const struct tl_common *c, int nfiles, char **files, int flags)
{
	if (c->bad_as_of_env && !c->has_as_of)
		tl_usage_error("TL_AS_OF is not a valid time: '%s'", c->bad_as_of_env);
	check_paths(c, nfiles, files);
	if (c->as_of_field && c->as_of_cli)
		tl_usage_error("--as-of and --as-of-field are two as-ofs: give one");
	struct tl_run *run = tl_xcalloc(1, sizeof *run);
	run->c = c;
	run->uses_as_of = (flags & TL_READ_EVENTS) != 0;
	run->t_start = monotonic();
	run->now = (tl_time)time(NULL) * TL_SEC;
	run->next_open = open_runs;
	open_runs = run;   /* from here a failure writes its --metrics */
	tl_add_die_hook(write_failure_metrics);
	run->out = tl_output_open(c->output);
	/* documents written from event rows need each event's text back */
	run->reader = tl_reader_open(c, nfiles, files, flags | (c->out_csv ? 0 : TL_READ_TS_TEXT | TL_READ_DOMAINS));
	run->writer = tl_writer_open(run->out, c->out_csv);
	run->progress = c->progress && isatty(STDERR_FILENO);
	return run;
}

void tl_run_show_progress(struct tl_run *run, int final)
{
	double t = monotonic();
	if (!final && t - run->t_progress < 0.5)
		return;
	run->t_progress = t;
	const struct tl_counts *k = tl_reader_counts(run->reader);
	double secs = t - run->t_start > 1e-9 ? t - run->t_start : 1e-9;
	fprintf(stderr, "\r%s: %llu learners, %.0f records/s%s", tl_progname(),
		(unsigned long long)k->learners_read, (double)k->records_read / secs, final ? "\n" : "");
}

void tl_run_gap_merge(struct tl_asof_gap *run, const struct tl_asof_gap *g)
{
	int now_used = run->now_used | g->now_used;
	if (g->any && (!run->any || g->gap < run->gap))
		*run = *g;
	run->now_used = now_used;
}

/* tl_run_learner_asof: l's as-of and events at or before it (§3), counted as used
 * or future (§5). */
void tl_run_learner_asof(const struct tl_common *c, tl_time now, const struct tl_learner *l, tl_time *asof,
			 size_t *npast, uint64_t *used, uint64_t *future, struct tl_asof_gap *g)
{
	/* --as-of-field: the reader gave every learner its own (or rejected it) */
	*asof = c->as_of_field ? l->as_of : c->has_as_of ? c->as_of : l->has_as_of ? l->as_of : now;
	if (l->has_events) {
		*npast = tl_learner_past(l, *asof);
		*used += *npast;
		*future += l->nev - *npast;
		g->now_used |= !c->as_of_field && !c->has_as_of && !l->has_as_of;
		if (l->nev) {   /* sorted: the last event is the latest */
			struct tl_asof_gap mine = {1, 0, *asof - l->ev[l->nev - 1].ts, l->ev[l->nev - 1].ts, *asof};
			tl_run_gap_merge(g, &mine);
		}
	} else {
		*npast = 0;
		++*used;
	}
}

struct tl_learner *tl_run_next(struct tl_run *run, tl_time *asof, size_t *npast)
{
	struct tl_learner *l = tl_reader_next(run->reader);
	run->cur = l;
	if (run->progress && (l ? (tl_reader_counts(run->reader)->learners_read & 1023) == 0 : !run->in_chunks))
		tl_run_show_progress(run, !l);
	if (!l)
		return NULL;
	tl_run_learner_asof(run->c, run->now, l, asof, npast, &run->used, &run->future, &run->gap);
	tl_learner_set_add(&run->learners, l->id.p, l->id.n);
	tl_writer_begin(run->writer, l);
	return l;
}

struct tl_learner_set tl_run_learners(const struct tl_run *run)
{
	struct tl_learner_set s = run->learners;
	s.known = 1;
	return s;
}

struct tl_writer *tl_run_writer(struct tl_run *run) { return run->writer; }
FILE *tl_run_output(struct tl_run *run) { return run->out; }

void tl_run_emit(struct tl_run *run)
{
	tl_writer_end(run->writer);
	run->written++;
	if (ferror(run->out))
		tl_die(TL_EX_IOERR, "write error on %s:", run->c->output ? run->c->output : "standard output");
}

void tl_run_consumed(struct tl_run *run) { run->written++; }

void tl_run_gauge(struct tl_run *run, const char *name, const char *help, const char *labels, double value)
{
	if ((run->ngauges & (run->ngauges - 1)) == 0)   /* 0, 1, 2, 4, ...: grow by doubling */
		run->gauges = tl_xrealloc(run->gauges, (run->ngauges ? 2 * run->ngauges : 1) * sizeof *run->gauges);
	run->gauges[run->ngauges++] = (struct gauge){name, help, labels ? tl_xstrdup(labels) : NULL, value};
}

/* print_counts: the --stats line of the reconciliation (tl(7)
 * RECONCILIATION); with --shard the other shards' records and learners. */
static void print_counts(const struct tl_run *run, const struct tl_counts *k)
{
	fprintf(stderr, "%s: records read %llu = used %llu + future %llu + rejected %llu", tl_progname(),
		(unsigned long long)k->records_read, (unsigned long long)run->used, (unsigned long long)run->future,
		(unsigned long long)k->records_rejected);
	if (run->c->shard.n)
		fprintf(stderr, " + skipped %llu; learners read %llu = written %llu + skipped %llu (--shard %s)",
			(unsigned long long)k->records_skipped, (unsigned long long)k->learners_read,
			(unsigned long long)run->written, (unsigned long long)k->learners_skipped, run->c->shard_arg);
	else
		fprintf(stderr, "; learners read %llu, written %llu", (unsigned long long)k->learners_read,
			(unsigned long long)run->written);
	fprintf(stderr, "%s\n", count_rows(run->c, k));
}

/* print_varied: the --stats line of the attributes that varied within a
 * learner (tl(7) "Attributes"), when there are any: a few named. */
static void print_varied(const struct tl_reader *r)
{
	enum { SHOWN = 5 };
	const struct tl_str *names;
	size_t n = tl_reader_varied(r, &names);
	if (n == 0)
		return;
	fprintf(stderr, "%s: attributes varied within a learner %zu: ", tl_progname(), n);
	for (size_t i = 0; i < n && i < SHOWN; i++)
		fprintf(stderr, "%s%.*s", i ? ", " : "", (int)(names[i].n > 60 ? 60 : names[i].n), names[i].p);
	if (n > SHOWN)
		fprintf(stderr, " and %zu more", n - SHOWN);
	fprintf(stderr, "; each learner keeps its first row's value\n");
}

/* The gaps between as-of and the data that are worth a warning (tl(7)
 * As-of): the start time a month after the last event (a log replayed
 * without --as-of), a given as-of a year after it. */
#define WARN_NOW_GAP (30 * TL_DAY)
#define WARN_GAP (365 * TL_DAY)

/* asof_warnings: the as-of looks wrong; a warning, not an error (exit 0). */
static void asof_warnings(const struct tl_run *run)
{
	const struct tl_asof_gap *g = &run->gap;
	char t[40], e[40];
	if (!g->any || !run->uses_as_of)
		return;
	tl_time_format(g->asof, t);
	tl_time_format(g->last, e);
	if (run->used == 0 && run->future > 0) {
		tl_warn("warning: every record is after as-of (%s%s): %llu future records, none used; is the as-of right?",
			run->c->as_of_field ? "each learner's --as-of-field, e.g. " : "", t, (unsigned long long)run->future);
	} else if (g->now_used && g->gap > WARN_NOW_GAP) {
		tl_warn("warning: no as-of was given, so the current time %s was used, and the data ends %.0f days before it (%s): give --as-of",
			t, floor(tl_days(g->gap)), e);
	} else if (g->gap > WARN_GAP) {
		tl_warn("warning: as-of %s is %.0f days after the last event (%s), more than a year; is the as-of right?",
			t, floor(tl_days(g->gap)), e);
	}
}

int tl_run_close(struct tl_run *run)
{
	const struct tl_counts *k = tl_reader_counts(run->reader);
	if (k->records_read != run->used + run->future + k->records_rejected + k->records_skipped ||
	    k->learners_read != run->written + k->learners_skipped)
		tl_die(TL_EX_SOFTWARE, "internal error: counts do not reconcile (read %llu, used %llu, future %llu, rejected %llu, skipped %llu; learners %llu read, %llu written, %llu skipped)",
		       (unsigned long long)k->records_read, (unsigned long long)run->used,
		       (unsigned long long)run->future, (unsigned long long)k->records_rejected,
		       (unsigned long long)k->records_skipped, (unsigned long long)k->learners_read,
		       (unsigned long long)run->written, (unsigned long long)k->learners_skipped);
	reject_limit(run->c, k);
	asof_warnings(run);
	if (run->c->metrics)
		write_metrics(run);
	tl_writer_close(run->writer);
	tl_output_commit(run->out);
	if (run->c->stats)
		print_counts(run, k);
	if (run->c->stats)
		print_varied(run->reader);
	if (run->c->stats && k->xapi_statements)
		fprintf(stderr, "%s: xAPI statements %llu; unknown verbs %llu (read as interact)\n", tl_progname(),
			(unsigned long long)k->xapi_statements, (unsigned long long)k->xapi_unknown_verbs);
	tl_reader_close(run->reader);
	for (struct tl_run **p = &open_runs; *p; p = &(*p)->next_open)
		if (*p == run) {
			*p = run->next_open;
			break;
		}
	for (size_t i = 0; i < run->ngauges; i++)
		free(run->gauges[i].labels);
	free(run->gauges);
	free(run);
	return TL_EX_OK;
}
