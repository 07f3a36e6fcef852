/* retention_fit.c - the capability half-life model (§6.3, §6.5): the
 * Kaplan–Meier fit of every capability and of all pooled, its model and
 * curve CSV, and its sufficient statistics (--emit-stats, --merge): per
 * capability and duration, the stopped and censored counts, exact
 * integers, so a merge of shards writes the single run's bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/affinity.h"
#include "io/csvrow.h"
#include "io/statsrows.h"
#include "util/err.h"
#include "util/num.h"
#include "metrics/retention.h"
#include "util/stats.h"

/* Counts of one capability (key) at one duration, from stats files. */
struct cell {
	int64_t t;
	uint32_t key;
	uint64_t events, censored;
};

/* Observations come from learners (obs, 16 bytes each) or, merged, as
 * counts (cells); a fit with both turns its obs into cells. */
struct tl_km_fit {
	tl_time gap;
	struct tl_names caps;
	struct tl_km_obs *obs;
	size_t n, cap;
	struct cell *cell;
	size_t ncell, cellcap;
	uint64_t merged;            /* observations the cells count */
	int sorted;                 /* obs sorted by (key, t), cells also combined */
};

struct tl_km_fit *tl_km_fit_new(tl_time churn_gap)
{
	struct tl_km_fit *f = tl_xcalloc(1, sizeof *f);
	f->gap = churn_gap;
	return f;
}

void tl_km_fit_observe(struct tl_km_fit *f, struct tl_str name, tl_time t, tl_time since_last)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 1024;
		f->obs = tl_xrealloc(f->obs, f->cap * sizeof *f->obs);
	}
	uint32_t key = (uint32_t)tl_names_add(&f->caps, name.p, name.n, NULL);
	f->obs[f->n++] = (struct tl_km_obs){t, key, since_last < f->gap};
	f->sorted = 0;
}

static void add_cell(struct tl_km_fit *f, uint32_t key, int64_t t, uint64_t d, uint64_t c)
{
	if (f->ncell == f->cellcap) {
		f->cellcap = f->cellcap ? 2 * f->cellcap : 1024;
		f->cell = tl_xrealloc(f->cell, f->cellcap * sizeof *f->cell);
	}
	f->cell[f->ncell++] = (struct cell){t, key, d, c};
	f->sorted = 0;
}

static int obs_by_key_time(const void *x, const void *y)
{
	const struct tl_km_obs *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->t > b->t) - (a->t < b->t);
}

static int obs_by_time(const void *x, const void *y)
{
	const struct tl_km_obs *a = x, *b = y;
	return (a->t > b->t) - (a->t < b->t);
}

static int cell_by_key_time(const void *x, const void *y)
{
	const struct cell *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->t > b->t) - (a->t < b->t);
}

static int count_by_time(const void *x, const void *y)
{
	const struct tl_km_count *a = x, *b = y;
	return (a->t > b->t) - (a->t < b->t);
}

/* fit_sort: obs sorted by (key, t); cells (when there are any) sorted and
 * each (key, t) once, the obs among them. */
static void fit_sort(struct tl_km_fit *f)
{
	if (f->sorted)
		return;
	if (f->ncell && f->n) {
		for (size_t i = 0; i < f->n; i++)
			add_cell(f, f->obs[i].key, f->obs[i].t, !f->obs[i].censored, f->obs[i].censored);
		f->merged += f->n;
		f->n = 0;
	}
	if (f->n > 1)   /* qsort's base may not be NULL, even for 0 items */
		qsort(f->obs, f->n, sizeof *f->obs, obs_by_key_time);
	if (f->ncell > 1)
		qsort(f->cell, f->ncell, sizeof *f->cell, cell_by_key_time);
	size_t k = 0;
	for (size_t i = 0; i < f->ncell; i++) {
		struct cell *c = &f->cell[i];
		if (k && f->cell[k - 1].key == c->key && f->cell[k - 1].t == c->t) {
			f->cell[k - 1].events += c->events;
			f->cell[k - 1].censored += c->censored;
		} else {
			f->cell[k++] = *c;
		}
	}
	f->ncell = k;
	f->sorted = 1;
}

static _Thread_local const struct tl_names *sort_caps;

static int by_name(const void *x, const void *y)
{
	struct tl_str a = sort_caps->names[*(const uint32_t *)x], b = sort_caps->names[*(const uint32_t *)y];
	int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
	return c ? c : (a.n > b.n) - (a.n < b.n);
}

/* The capabilities in name order, and where each key's rows start in the
 * sorted obs or cells: start[key]..start[key + 1]. Both are the caller's. */
static uint32_t *cap_order(const struct tl_km_fit *f, size_t **start)
{
	size_t ncaps = f->caps.n;
	*start = tl_xcalloc(ncaps + 1, sizeof **start);
	for (size_t i = 0; i < f->n; i++)
		(*start)[f->obs[i].key + 1]++;
	for (size_t i = 0; i < f->ncell; i++)
		(*start)[f->cell[i].key + 1]++;
	for (size_t c = 0; c < ncaps; c++)
		(*start)[c + 1] += (*start)[c];
	uint32_t *order = tl_xmalloc((ncaps + 1) * sizeof *order);
	for (size_t c = 0; c < ncaps; c++)
		order[c] = (uint32_t)c;
	sort_caps = &f->caps;
	if (ncaps > 1)
		qsort(order, ncaps, sizeof *order, by_name);
	return order;
}

/* ---- the model and the curves ------------------------------------------ */

static void put_days(FILE *f, double t)
{
	if (isnan(t))
		putc(',', f);
	else
		fprintf(f, ",%.17g", t / (double)TL_DAY);
}

/* A curve row of --curves. */
struct curve_ctx {
	FILE *f;
	struct tl_str name;
};

static void curve_row(void *ctx, const struct tl_km_step *s)
{
	const struct curve_ctx *c = ctx;
	tl_csv_put_field(c->f, c->name.p, c->name.n);
	fprintf(c->f, ",%.17g,%llu,%llu,%.17g\n", tl_days(s->t), (unsigned long long)s->at_risk,
		(unsigned long long)s->events, s->surv);
}

/* One model row and, when curves is set, its curve rows: of the obs
 * [0, n), or of the counts cnt[0, n) when cnt is set. */
static void fit_row(FILE *model, FILE *curves, struct tl_str name, const struct tl_km_obs *obs,
		    const struct tl_km_count *cnt, size_t n, double z)
{
	struct tl_km_summary s;
	struct curve_ctx c = {curves, name};
	if (cnt)
		tl_km_counts(cnt, n, z, curves ? curve_row : NULL, &c, &s);
	else
		tl_km(obs, n, z, curves ? curve_row : NULL, &c, &s);
	tl_csv_put_field(model, name.p, name.n);
	fprintf(model, ",%llu,%llu,%llu", (unsigned long long)s.n, (unsigned long long)s.events,
		(unsigned long long)s.censored);
	put_days(model, s.median);
	put_days(model, s.ci_low);
	put_days(model, s.ci_high);
	putc('\n', model);
}

/* The counts of the cells [0, n) in buf, in t order, each t once. */
static size_t cells_counts(const struct cell *cl, size_t n, struct tl_km_count *buf, int by_time)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (struct tl_km_count){cl[i].t, cl[i].events, cl[i].censored};
	if (!by_time || n < 2)
		return n;
	qsort(buf, n, sizeof *buf, count_by_time);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && buf[k - 1].t == buf[i].t) {
			buf[k - 1].events += buf[i].events;
			buf[k - 1].censored += buf[i].censored;
		} else {
			buf[k++] = buf[i];
		}
	}
	return k;
}

void tl_km_fit_write(struct tl_km_fit *f, FILE *model, FILE *curves)
{
	double z = tl_norm_quantile(0.975);
	fit_sort(f);
	size_t *start;
	uint32_t *order = cap_order(f, &start);
	struct tl_km_count *buf = f->ncell ? tl_xmalloc(f->ncell * sizeof *buf) : NULL;
	fputs("capability,learners,stopped,censored,half_life_days,ci_low,ci_high\n", model);
	if (curves)
		fputs("capability,day,at_risk,events,survival\n", curves);
	for (size_t i = 0; i < f->caps.n; i++) {
		uint32_t c = order[i];
		size_t n = start[c + 1] - start[c];
		if (buf)
			cells_counts(f->cell + start[c], n, buf, 0);
		fit_row(model, curves, f->caps.names[c], buf ? NULL : f->obs + start[c], buf, n, z);
	}
	struct tl_str all = {"*", 1};
	if (buf) {
		fit_row(model, curves, all, NULL, buf, cells_counts(f->cell, f->ncell, buf, 1), z);
	} else {
		if (f->n > 1)
			qsort(f->obs, f->n, sizeof *f->obs, obs_by_time);
		f->sorted = 0;
		fit_row(model, curves, all, f->obs, NULL, f->n, z);
	}
	free(buf);
	free(order);
	free(start);
}

size_t tl_km_fit_censored(struct tl_km_fit *f, size_t *n)
{
	size_t c = 0;
	for (size_t i = 0; i < f->n; i++)
		c += f->obs[i].censored != 0;
	for (size_t i = 0; i < f->ncell; i++)
		c += f->cell[i].censored;
	*n = f->n + f->merged;
	return c;
}

void tl_km_fit_free(struct tl_km_fit *f)
{
	if (!f)
		return;
	tl_names_free(&f->caps);
	free(f->obs);
	free(f->cell);
	free(f);
}

/* ---- the statistics: --emit-stats, --merge ----------------------------- */

#define STATS_TOOL "tl-retention"
#define STATS_VERSION 1

struct fit_params {
	struct tl_statsrows_want p[2];
	char gap[TL_STATSROWS_VALUE_MAX];
};

static void fit_params(const struct tl_km_fit *f, const char *as_of, struct fit_params *fp)
{
	fp->p[0] = (struct tl_statsrows_want){"churn_gap", tl_statsrows_duration(f->gap, fp->gap)};
	fp->p[1] = (struct tl_statsrows_want){"as_of", as_of};
}

static void emit_row(FILE *out, struct tl_str name, int64_t t, uint64_t d, uint64_t c)
{
	fputs("duration,", out);
	tl_csv_put_field(out, name.p, name.n);
	fprintf(out, ",%lld,%llu,%llu\n", (long long)t, (unsigned long long)d, (unsigned long long)c);
}

void tl_km_fit_emit(struct tl_km_fit *f, FILE *out, const char *as_of, const struct tl_learner_set *l)
{
	struct fit_params fp;
	fit_params(f, as_of, &fp);
	tl_statsrows_params(out, STATS_TOOL, STATS_VERSION, fp.p, 2, l);
	fit_sort(f);
	size_t *start;
	uint32_t *order = cap_order(f, &start);
	for (size_t i = 0; i < f->caps.n; i++) {
		uint32_t key = order[i];
		struct tl_str name = f->caps.names[key];
		for (size_t j = start[key], e; j < start[key + 1]; j = e) {
			if (f->ncell) {
				const struct cell *c = &f->cell[j];
				emit_row(out, name, c->t, c->events, c->censored);
				e = j + 1;
				continue;
			}
			uint64_t d = 0, c = 0;
			for (e = j; e < start[key + 1] && f->obs[e].t == f->obs[j].t; e++)
				f->obs[e].censored ? c++ : d++;
			emit_row(out, name, f->obs[j].t, d, c);
		}
	}
	free(order);
	free(start);
}

/* duration: field i, microseconds in digits (durations pass 2^53 us after
 * 285 years, so not a count). */
static int64_t duration(const struct tl_statsrows *r, size_t i)
{
	const struct tl_str *f = &tl_statsrows_fields(r)[i];
	unsigned long long v = 0;
	if (tl_uint_parse(f->p, f->n, 999999999999999999ULL, &v) < 0)   /* the years 0000 to 9999 are < 10^18 us */
		tl_statsrows_die(r, "bad duration_us: '%.*s' (microseconds, in digits)", (int)(f->n > 60 ? 60 : f->n), f->p);
	return (int64_t)v;
}

/* A duration row: duration,CAPABILITY,DURATION_US,STOPPED,CENSORED. */
static void merge_row(void *ctx, const struct tl_statsrows *r)
{
	struct tl_km_fit *f = ctx;
	if (!tl_statsrows_kind(r, "duration", 5))
		tl_statsrows_die(r, "unknown row '%.*s' (a duration row)", (int)(tl_statsrows_fields(r)[0].n > 32 ? 32
				 : tl_statsrows_fields(r)[0].n), tl_statsrows_fields(r)[0].p);
	struct tl_str name = tl_statsrows_text(r, 1, "capability");
	if (name.n == 0 || (name.n == 1 && name.p[0] == '*'))
		tl_statsrows_die(r, "bad capability '%.*s' (not empty, not '*')", (int)(name.n > 60 ? 60 : name.n), name.p);
	int64_t t = duration(r, 2);
	uint64_t d = (uint64_t)tl_statsrows_count(r, 3, "stopped"), c = (uint64_t)tl_statsrows_count(r, 4, "censored");
	if (d + c == 0)
		tl_statsrows_die(r, "a row of no observation (stopped and censored are 0)");
	f->merged += d + c;
	if (f->merged > (1ULL << 53))
		tl_statsrows_die(r, "more than 2^53 observations");
	add_cell(f, (uint32_t)tl_names_add(&f->caps, name.p, name.n, NULL), t, d, c);
}

void tl_km_fit_merge(struct tl_km_fit *f, int nfiles, char **files, const char *as_of, struct tl_learner_set *l)
{
	struct fit_params fp;
	fit_params(f, as_of, &fp);
	tl_statsrows_merge(STATS_TOOL, STATS_VERSION, nfiles, files, fp.p, 2, merge_row, f, l);
}
