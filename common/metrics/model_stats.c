/* model_stats.c - tl-model's stats file (DESIGN §11, tl-model(1) SHARDED
 * FITS): --emit-stats writes one shard's sums of one pass, --merge adds
 * the shards' files into the sums of the pass over all the records,
 * checking that they are of this pass, these settings and pass 0's
 * shards. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model_impl.h"
#include "util/err.h"
#include "util/file.h"

static const char stats_format[] = "tl-model stats 1";

/* ---- --emit-stats ------------------------------------------------------------------ */

/* The classes of pass 0's sums: those seen (a shard's), or the fit's. */
static size_t sums_classes(const struct tl_fit_sums *s, char *const **names)
{
	*names = s->fit->set.nclass ? s->fit->set.classes : s->cls;
	return s->fit->set.nclass ? s->fit->set.nclass : s->ncls;
}

static void emit_moments(struct wr *w, const struct tl_fit_sums *s)
{
	const struct tl_fit *f = s->fit;
	char *const *names;
	size_t nc = fit_multi(f) ? sums_classes(s, &names) : 0;
	if (fit_multi(f)) {
		put_long(w, "seen", -1, -1, (long)nc);
		for (size_t k = 0; k < nc; k++)
			put_text(w, "class", (long)k, names[k]);
	}
	for (size_t g = 0; g < s->ngroups; g++) {
		const struct group *gr = &s->g[g];
		put_long(w, "rows", (long)g, -1, gr->rows);
		if (f->set.kind == TL_MODEL_LOGISTIC)
			put_long(w, "positives", (long)g, -1, gr->positives);
		for (size_t k = 0; k < nc; k++)
			put_long(w, "class_n", (long)g, (long)k, gr->class_n[k]);
		for (size_t j = 0; j < f->set.p; j++) {
			put_long(w, "count", (long)g, (long)j, gr->count[j]);
			put_num(w, "min", (long)g, (long)j, gr->min[j]);
			put_num(w, "max", (long)g, (long)j, gr->max[j]);
			put_xsum(w, "sum", (long)g, (long)j, -1, &gr->sum[j]);
			put_xsum(w, "sumsq", (long)g, (long)j, -1, &gr->sumsq[j]);
		}
	}
}

static void emit_newton(struct wr *w, const struct tl_fit_sums *s)
{
	const struct tl_fit *f = s->fit;
	size_t q = fit_q(f);
	for (size_t u = 0; u < f->nunits; u++) {
		const struct usums *a = &s->us[u];
		if (f->u[u].status == U_DONE)
			continue;
		if (f->set.kind != TL_MODEL_LINEAR)
			put_xsum(w, "loss", (long)u, -1, -1, &a->loss);
		for (size_t i = 0; i < q; i++)
			put_xsum(w, "grad", (long)u, (long)i, -1, &a->grad[i]);
		for (size_t i = 0; i < q; i++)
			for (size_t k = 0; k <= i; k++)
				if (fit_hess_own(f, i, k))
					put_xsum(w, "hess", (long)u, (long)i, (long)k, &a->hess[fit_hess_at(f, i, k)]);
	}
}

static void emit_metrics(struct wr *w, const struct tl_fit_sums *s)
{
	const struct tl_fit *f = s->fit;
	if (f->set.kind == TL_MODEL_LINEAR) {
		for (size_t u = 0; u < f->nunits; u++)
			put_xsum(w, "sqerr", (long)u, -1, -1, &s->us[u].loss);
		return;
	}
	if (fit_multi(f)) {
		size_t c = f->set.nclass;
		for (size_t u = 0; u < f->nunits; u++) {
			put_xsum(w, "loss", (long)u, -1, -1, &s->us[u].loss);
			for (size_t i = 0; i < c * c; i++)
				put_long(w, "confusion", (long)u, (long)i, s->us[u].conf[i]);
		}
		return;
	}
	put_xsum(w, "loss", 0, -1, -1, &s->us[0].loss);
	for (size_t u = 0; u < f->nunits; u++) {
		put_long(w, "scores", (long)u, -1, (long)s->pr[u].n);
		for (size_t i = 0; i < s->pr[u].n; i++)
			put_num(w, "score", (long)u, s->pr[u].p[i].label, s->pr[u].p[i].score);
	}
}

void tl_fit_emit(const struct tl_fit_sums *s, FILE *out)
{
	const struct tl_fit *f = s->fit;
	struct wr w = {out, 0};
	char fp[17];
	snprintf(fp, sizeof fp, "%016" PRIx64, s->id.fp);
	put_header(&w, stats_format);
	put_long(&w, "pass", -1, -1, f->pass);
	put_text(&w, "state", -1, f->state);
	put_settings(&w, f);
	put_text(&w, "shard", -1, fp);
	put_long(&w, "records", -1, -1, s->id.records);
	put_long(&w, "skipped", -1, -1, s->id.skipped);
	if (f->phase == PH_MOMENTS)
		emit_moments(&w, s);
	else if (f->phase == PH_NEWTON)
		emit_newton(&w, s);
	else
		emit_metrics(&w, s);
	put_end(&w);
}

/* ---- --merge: one file ---------------------------------------------------------------- */

/* The file's classes to the merged sums' (read_classes), reachable when a
 * bad file dies. */
static long *class_map;

/* read_classes: a multinomial shard's classes of pass 0, as the merged
 * sums' classes (map: the file's to the sums'). */
static size_t read_classes(struct rec *r, struct tl_fit_sums *s, long **map)
{
	free(class_map);
	class_map = NULL;
	long n = rec_count(r, rec_expect(r, "seen", -1, -1, -1));
	if (n > TL_MODEL_MAX_CLASSES)
		rec_die(r, "%ld classes: more than %d", n, TL_MODEL_MAX_CLASSES);
	*map = class_map = tl_xcalloc((size_t)(n ? n : 1), sizeof **map);
	for (long k = 0; k < n; k++) {
		const struct tl_str *v = rec_expect(r, "class", -1, k, -1);
		char *name = rec_text(v);
		long c = *name ? tl_fit_class(s, name, strlen(name)) : -1;
		for (long j = 0; c >= 0 && j < k; j++)
			if ((*map)[j] == c)
				c = -1;
		free(name);
		if (c < 0)
			rec_die(r, "class %ld is empty, given twice, or beyond %d", k, TL_MODEL_MAX_CLASSES);
		(*map)[k] = c;
	}
	return (size_t)n;
}

/* read_class_n: group g's counts of the file's nc classes. */
static long read_class_n(struct rec *r, struct group *gr, size_t g, size_t nc, const long *map)
{
	long sum = 0;
	for (size_t k = 0; k < nc; k++) {
		long c = rec_count(r, rec_expect(r, "class_n", (long)g, (long)k, -1));
		gr->class_n[map[k]] += c;
		sum += c;
	}
	return sum;
}

static void read_moments(struct rec *r, struct tl_fit_sums *s, long records)
{
	const struct tl_fit *f = s->fit;
	long total = 0, *map = NULL;
	size_t nc = fit_multi(f) ? read_classes(r, s, &map) : 0;
	for (size_t g = 0; g < s->ngroups; g++) {
		struct group *gr = &s->g[g];
		long rows = rec_count(r, rec_expect(r, "rows", (long)g, -1, -1)), pos = 0;
		if (f->set.kind == TL_MODEL_LOGISTIC && (pos = rec_count(r, rec_expect(r, "positives", (long)g, -1, -1))) > rows)
			rec_die(r, "%ld positives of %ld records", pos, rows);
		if (fit_multi(f) && read_class_n(r, gr, g, nc, map) != rows)
			rec_die(r, "the classes' records add up to other than %ld", rows);
		gr->rows += rows;
		gr->positives += pos;
		total += rows;
		for (size_t j = 0; j < f->set.p; j++) {
			long c = rec_count(r, rec_expect(r, "count", (long)g, (long)j, -1));
			if (c > rows)
				rec_die(r, "%ld values of %ld records", c, rows);
			gr->count[j] += c;
			for (int m = 0; m < 2; m++) {
				const struct tl_str *v = rec_expect(r, m ? "max" : "min", (long)g, (long)j, -1);
				if ((v->n == 0) != (c == 0))
					rec_die(r, "a minimum and maximum when there are values, else none");
				if (c)
					*(m ? &gr->max[j] : &gr->min[j]) = m ? fmax(gr->max[j], rec_num(r, v)) : fmin(gr->min[j], rec_num(r, v));
			}
			rec_xsum(r, rec_expect(r, "sum", (long)g, (long)j, -1), &gr->sum[j]);
			rec_xsum(r, rec_expect(r, "sumsq", (long)g, (long)j, -1), &gr->sumsq[j]);
		}
	}
	if (total != records)
		rec_die(r, "the folds' records add up to %ld, not %ld", total, records);
	free(class_map);
	class_map = NULL;
}

static void read_newton(struct rec *r, struct tl_fit_sums *s)
{
	const struct tl_fit *f = s->fit;
	size_t q = fit_q(f);
	for (size_t u = 0; u < f->nunits; u++) {
		struct usums *a = &s->us[u];
		if (f->u[u].status == U_DONE)
			continue;
		if (f->set.kind != TL_MODEL_LINEAR)
			rec_xsum(r, rec_expect(r, "loss", (long)u, -1, -1), &a->loss);
		for (size_t i = 0; i < q; i++)
			rec_xsum(r, rec_expect(r, "grad", (long)u, (long)i, -1), &a->grad[i]);
		for (size_t i = 0; i < q; i++)
			for (size_t k = 0; k <= i; k++)
				if (fit_hess_own(f, i, k))
					rec_xsum(r, rec_expect(r, "hess", (long)u, (long)i, (long)k), &a->hess[fit_hess_at(f, i, k)]);
	}
}

/* read_scores: unit u's n predictions, "score,U,Y,,P" with Y 0 or 1. */
static void read_scores(struct rec *r, struct tl_fit_sums *s, size_t u, long n)
{
	for (long i = 0; i < n; i++) {
		long y;
		const struct tl_str *v = rec_expect_y(r, "score", (long)u, &y);
		double p = rec_num(r, v);
		if (!(p >= 0 && p <= 1))
			rec_die(r, "the prediction %.17g is not a probability", p);
		fit_pairs_add(&s->pr[u], p, (double)y);
	}
}

/* read_confusion: a multinomial fit's losses and confusion counts. */
static void read_confusion(struct rec *r, struct tl_fit_sums *s, long records)
{
	const struct tl_fit *f = s->fit;
	size_t c = f->set.nclass;
	long held_out = 0;
	for (size_t u = 0; u < f->nunits; u++) {
		long n = 0;
		rec_xsum(r, rec_expect(r, "loss", (long)u, -1, -1), &s->us[u].loss);
		for (size_t i = 0; i < c * c; i++) {
			long v = rec_count(r, rec_expect(r, "confusion", (long)u, (long)i, -1));
			s->us[u].conf[i] += v;
			n += v;
		}
		if (u == 0 ? n != records : n > records - held_out)
			rec_die(r, "%ld predictions of %ld records", n, u ? records - held_out : records);
		held_out += u ? n : 0;
	}
	if (f->k && held_out != records)
		rec_die(r, "the folds hold %ld of the %ld records", held_out, records);
}

static void read_metrics(struct rec *r, struct tl_fit_sums *s, long records)
{
	const struct tl_fit *f = s->fit;
	long held_out = 0;
	if (f->set.kind == TL_MODEL_LINEAR) {
		for (size_t u = 0; u < f->nunits; u++)
			rec_xsum(r, rec_expect(r, "sqerr", (long)u, -1, -1), &s->us[u].loss);
		return;
	}
	if (fit_multi(f)) {
		read_confusion(r, s, records);
		return;
	}
	rec_xsum(r, rec_expect(r, "loss", 0, -1, -1), &s->us[0].loss);
	for (size_t u = 0; u < f->nunits; u++) {
		long n = rec_count(r, rec_expect(r, "scores", (long)u, -1, -1));
		if (u == 0 ? n != records : n > records - held_out)
			rec_die(r, "%ld predictions of %ld records", n, u ? records - held_out : records);
		held_out += u ? n : 0;
		read_scores(r, s, u, n);
	}
	if (f->k && held_out != records)
		rec_die(r, "the folds hold %ld of the %ld records", held_out, records);
}

/* The head of one stats file, up to its body. */
struct head {
	long pass, pass_line, state_line;
	char *state;
	struct tl_model set;
	int k;
	long line[SET_N];
	struct shard_id id;
};

static void read_head(struct rec *r, struct head *h)
{
	h->pass = rec_count(r, rec_expect(r, "pass", -1, -1, -1));
	h->pass_line = r->line;
	h->state = rec_text(rec_expect(r, "state", -1, -1, -1));
	h->state_line = r->line;
	rec_settings(r, &h->set, &h->k, h->line);
	h->id.fp = rec_hex(r, rec_expect(r, "shard", -1, -1, -1));
	h->id.line = r->line;
	h->id.records = rec_count(r, rec_expect(r, "records", -1, -1, -1));
	h->id.skipped = rec_count(r, rec_expect(r, "skipped", -1, -1, -1));
}

/* check_head: the file is of f's pass, state and settings. */
static void check_head(struct rec *r, const struct tl_fit *f, const struct head *h, const char *first)
{
	char what[TL_MSG_MAX];
	size_t feat = 0;
	int d = settings_differ(f, &h->set, h->k, &feat, what, sizeof what);
	if (d >= 0)
		tl_die_at(TL_EX_DATAERR, r->file, h->line[d] + (long)feat, "%s as in %s: the stats are of other settings",
			  what, f->path ? f->path : first);
	if (h->pass != f->pass)
		tl_die_at(TL_EX_DATAERR, r->file, h->pass_line, "stats of pass %ld; %s", h->pass,
			  f->path ? "the state is at another pass" : "without --state, the stats of pass 0 are merged");
	if (strcmp(h->state, f->state) != 0)
		tl_die_at(TL_EX_DATAERR, r->file, h->state_line, "computed from the state %s, not from %s (%s)",
			  *h->state ? h->state : "(none)", f->state, f->path ? f->path : first);
}

/* The merge under way: what a bad file's tl_die leaves allocated, kept
 * reachable, and freed by the next merge when the die was caught
 * (tl_die_catch: a caller that goes on, such as the fuzz harness). */
static struct {
	struct tl_sidefile *in;
	struct head h;
	struct shard_id *ids;
	struct tl_fit_sums *s;
	struct tl_fit *fit;         /* made from the first file (pass 0) */
} merging;

static void head_free(struct head *h)
{
	free(h->state);
	tl_model_free(&h->set);
	*h = (struct head){0};
}

static void merging_free(void)
{
	if (merging.in)
		tl_sidefile_close(merging.in);
	head_free(&merging.h);
	free(merging.ids);
	tl_fit_sums_free(merging.s);
	tl_fit_free(merging.fit);
	memset(&merging, 0, sizeof merging);
	free(class_map);
	class_map = NULL;
}

/* read_stats: file's sums into merging.s, of the fit f (NULL: pass 0,
 * the fit of the first file's settings, made in merging.fit). */
static void read_stats(const struct tl_fit *f, const char *file, const char *first,
		       const struct tl_model_params *prm, struct shard_id *id)
{
	struct head *h = &merging.h;
	struct rec r;
	merging.in = strcmp(file, "-") == 0 ? tl_sidefile_stream(stdin, file, 1 << 20) : tl_sidefile_open(file, 1 << 20);
	tl_sidefile_limits(merging.in, SIZE_MAX, TL_FILE_MAX);   /* the last pass: a record per learner */
	rec_open(&r, merging.in, file, stats_format);
	read_head(&r, h);
	if (!f && !merging.fit && (h->pass != 0 || *h->state))
		tl_die_at(TL_EX_DATAERR, file, h->pass_line, "stats of pass %ld: give the state they were computed "
			  "from with --state", h->pass);
	if (!f && !merging.fit)
		merging.fit = tl_fit_new(&h->set, h->k, prm);
	f = f ? f : merging.fit;
	check_head(&r, f, h, first);
	if (!merging.s)
		merging.s = tl_fit_sums_new(f);
	if (f->phase == PH_MOMENTS)
		read_moments(&r, merging.s, h->id.records);
	else if (f->phase == PH_NEWTON)
		read_newton(&r, merging.s);
	else
		read_metrics(&r, merging.s, h->id.records);
	rec_end(&r);
	tl_sidefile_close(merging.in);
	merging.in = NULL;
	merging.s->id.records += h->id.records;
	merging.s->id.skipped += h->id.skipped;
	*id = h->id;
	head_free(h);
}

/* ---- --merge: the shards ------------------------------------------------------------------ */

static int id_cmp(const void *a, const void *b)
{
	const struct shard_id *x = a, *y = b;
	if (x->fp != y->fp)
		return x->fp < y->fp ? -1 : 1;
	if (x->records != y->records)
		return x->records < y->records ? -1 : 1;
	return (x->skipped > y->skipped) - (x->skipped < y->skipped);
}

static int id_same(const struct shard_id *x, const struct shard_id *y) { return id_cmp(x, y) == 0; }

/* first_shards: pass 0's shards become the fit's; none twice (empty ones
 * aside: they are all alike). */
static void first_shards(struct tl_fit *f, const struct shard_id *ids, char **files, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (ids[i].records && id_same(&ids[i], &ids[j]))
				tl_die_at(TL_EX_DATAERR, files[i], ids[i].line, "the same records as %s: a shard given twice",
					  files[j]);
	f->shard = tl_xmalloc((size_t)n * sizeof *f->shard);
	memcpy(f->shard, ids, (size_t)n * sizeof *f->shard);
	f->nshards = (size_t)n;
	for (size_t i = 0; i < f->nshards; i++)
		f->shard[i].line = 0;
	qsort(f->shard, f->nshards, sizeof *f->shard, id_cmp);
}

/* unmatched: the first file that is none of f's shards (each matched
 * once, in used), else -1. */
static int unmatched(const struct tl_fit *f, const struct shard_id *ids, int n, unsigned char *used)
{
	for (int i = 0; i < n; i++) {
		size_t j = 0;
		while (j < f->nshards && (used[j] || !id_same(&f->shard[j], &ids[i])))
			j++;
		if (j == f->nshards)
			return i;
		used[j] = 1;
	}
	return -1;
}

/* same_shards: each file is one of pass 0's shards, each shard has a file. */
static void same_shards(const struct tl_fit *f, const struct shard_id *ids, char **files, int n)
{
	unsigned char *used = tl_xcalloc(f->nshards + 1, 1);
	int i = unmatched(f, ids, n, used);
	size_t j = 0;
	while (i < 0 && j < f->nshards && used[j])
		j++;
	free(used);   /* before a die */
	if (i >= 0)
		tl_die_at(TL_EX_DATAERR, files[i], ids[i].line, "shard %016" PRIx64 " (%ld records) is not one "
			  "of the %zu shards of pass 0%s: its input changed, or it is another shard's",
			  ids[i].fp, ids[i].records, f->nshards, n > (int)f->nshards ? " (or is given twice)" : "");
	if (j < f->nshards)
		tl_die_at(TL_EX_DATAERR, f->path, f->shard[j].line, "shard %016" PRIx64 " (%ld records) of pass 0 "
			  "has no stats file: %d given for %zu shards", f->shard[j].fp, f->shard[j].records, n,
			  f->nshards);
}

struct tl_fit_sums *tl_fit_merge(struct tl_fit **f, int nfiles, char **files, const struct tl_model_params *prm)
{
	static char *stdin_only[] = {"-"};
	merging_free();   /* a merge that a caught die ended */
	if (nfiles == 0)
		nfiles = 1, files = stdin_only;
	merging.ids = tl_xmalloc((size_t)nfiles * sizeof *merging.ids);
	for (int i = 0; i < nfiles; i++)
		read_stats(*f, files[i], files[0], prm, &merging.ids[i]);
	if (!*f)
		first_shards(merging.fit, merging.ids, files, nfiles);
	else
		same_shards(*f, merging.ids, files, nfiles);
	struct tl_fit_sums *s = merging.s;
	if (!*f)
		*f = merging.fit;   /* the caller's now */
	merging.s = NULL;
	merging.fit = NULL;
	merging_free();
	return s;
}
