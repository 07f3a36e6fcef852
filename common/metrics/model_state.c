/* model_state.c - tl-model's state file (DESIGN §11, tl-model(1) SHARDED
 * FITS): what --merge hands to the next pass: the settings, pass 0's
 * shards, and each unit's standardisation and Newton iteration, every
 * number written with %.17g, so that it reads back exactly. Its hash
 * names it in the stats computed from it. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model_impl.h"
#include "util/err.h"
#include "util/file.h"
#include "util/rng.h"

static const char state_format[] = "tl-model state 1";
static const char *const statuses[] = {"start", "running", "done"};

/* Salt of the state file's hash ("tl-state"). */
#define STATE_SALT 0x746c2d7374617465ULL

/* ---- writing ------------------------------------------------------------------- */

static void put_word(struct wr *w, const char *name, long unit, const char *word)
{
	put_rec(w, name, unit, -1, -1);
	fprintf(w->f, "%s\n", word);
}

static void put_unit(struct wr *w, const struct tl_fit *f, size_t i)
{
	const struct fit_unit *u = &f->u[i];
	long n = (long)i;
	put_long(w, "n", n, -1, u->n);
	if (f->set.kind == TL_MODEL_LOGISTIC)
		put_long(w, "positives", n, -1, u->positives);
	for (size_t k = 0; fit_multi(f) && k < f->set.nclass; k++)
		put_long(w, "class_n", n, (long)k, u->class_n[k]);
	for (size_t j = 0; j < f->set.p; j++) {
		put_num(w, "mean", n, (long)j, u->mean[j]);
		put_num(w, "sd", n, (long)j, u->sd[j]);
		put_long(w, "missing", n, (long)j, u->missing[j]);
	}
	put_word(w, "status", n, statuses[u->status]);
	put_long(w, "iterations", n, -1, u->iterations);
	put_long(w, "halvings", n, -1, u->halvings);
	put_num(w, "step", n, -1, u->step);
	put_num(w, "objective", n, -1, u->f);
	for (size_t j = 0; j < fit_q(f); j++) {
		put_num(w, "b", n, (long)j, u->b[j]);
		put_num(w, "dir", n, (long)j, u->dir[j]);
		put_num(w, "cand", n, (long)j, u->cand[j]);
	}
}

void tl_fit_write_state(const struct tl_fit *f, FILE *out)
{
	struct wr w = {out, 0};
	char fp[17];
	put_header(&w, state_format);
	put_long(&w, "pass", -1, -1, f->pass);
	put_word(&w, "phase", -1, f->phase == PH_NEWTON ? "newton" : "metrics");
	put_settings(&w, f);
	put_long(&w, "skipped", -1, -1, f->skipped);
	put_long(&w, "shards", -1, -1, (long)f->nshards);
	for (size_t i = 0; i < f->nshards; i++) {
		snprintf(fp, sizeof fp, "%016" PRIx64, f->shard[i].fp);
		put_text(&w, "shard", (long)i, fp);
		put_long(&w, "shard_records", -1, (long)i, f->shard[i].records);
		put_long(&w, "shard_skipped", -1, (long)i, f->shard[i].skipped);
	}
	for (size_t i = 0; i < f->nunits; i++)
		put_unit(&w, f, i);
	put_end(&w);
}

/* ---- reading ----------------------------------------------------------------------- */

static int word(const struct tl_str *v, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (v->n == strlen(words[i]) && memcmp(v->p, words[i], v->n) == 0)
			return i;
	return -1;
}

/* get: the next record's value as a number in [lo, hi]. */
static double get(struct rec *r, const char *name, long unit, long i, double lo, double hi)
{
	double v = rec_num(r, rec_expect(r, name, unit, i, -1));
	if (!(v >= lo && v <= hi))
		rec_die(r, "%s %.17g is out of range", name, v);
	return v;
}

static long get_count(struct rec *r, const char *name, long unit, long i, long hi)
{
	long v = rec_count(r, rec_expect(r, name, unit, i, -1));
	if (v > hi)
		rec_die(r, "%s %ld is more than %ld", name, v, hi);
	return v;
}

static void read_unit(struct rec *r, struct tl_fit *f, size_t i)
{
	struct fit_unit *u = &f->u[i];
	long n = (long)i;
	u->n = get_count(r, "n", n, -1, 1L << 53);
	if (f->set.kind == TL_MODEL_LOGISTIC)
		u->positives = get_count(r, "positives", n, -1, u->n);
	for (size_t k = 0; fit_multi(f) && k < f->set.nclass; k++)
		if ((u->class_n[k] = get_count(r, "class_n", n, (long)k, u->n)) == 0)
			rec_die(r, "class %zu has no training record", k);
	for (size_t j = 0; j < f->set.p; j++) {
		u->mean[j] = get(r, "mean", n, (long)j, -HUGE_VAL, HUGE_VAL);
		u->sd[j] = get(r, "sd", n, (long)j, 0, HUGE_VAL);
		u->missing[j] = get_count(r, "missing", n, (long)j, u->n);
	}
	int st = word(rec_expect(r, "status", n, -1, -1), statuses, 3);
	if (st < 0)
		rec_die(r, "status '%.*s' is not start, running or done", (int)r->f[4].n, r->f[4].p);
	u->status = (enum unit_status)st;
	u->iterations = (int)get_count(r, "iterations", n, -1, f->prm.max_iter);
	u->halvings = (int)get_count(r, "halvings", n, -1, 59);
	u->step = get(r, "step", n, -1, 0, 1);
	u->f = get(r, "objective", n, -1, -HUGE_VAL, HUGE_VAL);
	for (size_t j = 0; j < fit_q(f); j++) {
		u->b[j] = get(r, "b", n, (long)j, -HUGE_VAL, HUGE_VAL);
		u->dir[j] = get(r, "dir", n, (long)j, -HUGE_VAL, HUGE_VAL);
		u->cand[j] = get(r, "cand", n, (long)j, -HUGE_VAL, HUGE_VAL);
	}
	if (f->phase == PH_METRICS && u->status != U_DONE)
		rec_die(r, "unit %zu has not converged, but the phase is metrics", i);
}

static void read_shards(struct rec *r, struct tl_fit *f)
{
	long n = rec_count(r, rec_expect(r, "shards", -1, -1, -1));
	if (n < 1 || n > 1000000)
		rec_die(r, "%ld shards", n);
	f->nshards = (size_t)n;
	f->shard = tl_xcalloc(f->nshards, sizeof *f->shard);
	for (long i = 0; i < n; i++) {
		struct shard_id *s = &f->shard[i];
		s->fp = rec_hex(r, rec_expect(r, "shard", -1, i, -1));
		s->line = r->line;
		s->records = get_count(r, "shard_records", -1, i, 1L << 53);
		s->skipped = get_count(r, "shard_skipped", -1, i, 1L << 53);
	}
}

/* The state file being read: what a tl_die leaves allocated, kept
 * reachable, and freed by the next read when the die was caught. */
static struct {
	char *text;
	FILE *in;
	struct tl_sidefile *sf;
	struct tl_model set;
	struct tl_fit *f;
} reading;

static void reading_free(void)
{
	if (reading.sf)
		tl_sidefile_close(reading.sf);
	if (reading.in)
		fclose(reading.in);
	free(reading.text);
	tl_model_free(&reading.set);
	tl_fit_free(reading.f);
	memset(&reading, 0, sizeof reading);
}

/* read_fit: the fit of the records after the format, in reading.f. */
static void read_fit(struct rec *r, const struct tl_model_params *prm)
{
	static const char *const phases[] = {"newton", "metrics"};
	long line[SET_N], pass = rec_count(r, rec_expect(r, "pass", -1, -1, -1));
	int k, ph = word(rec_expect(r, "phase", -1, -1, -1), phases, 2);
	if (pass < 1 || ph < 0)
		rec_die(r, "pass %ld, phase '%.*s': not the state of a pass after the first", pass, (int)r->f[4].n,
			r->f[4].p);
	rec_settings(r, &reading.set, &k, line);
	if (reading.set.kind == TL_MODEL_MULTINOMIAL && reading.set.nclass < 2)
		rec_die(r, "a multinomial state without its classes");
	struct tl_fit *f = reading.f = tl_fit_new(&reading.set, k, prm);
	memcpy(f->line, line, sizeof line);
	f->pass = pass;
	f->phase = ph ? PH_METRICS : PH_NEWTON;
	f->skipped = get_count(r, "skipped", -1, -1, 1L << 53);
	read_shards(r, f);
	for (size_t i = 0; i < f->nunits; i++)
		read_unit(r, f, i);
	rec_end(r);
}

struct tl_fit *tl_fit_read_state(const char *path, const struct tl_model_params *prm)
{
	size_t n;
	reading_free();   /* a read that a caught die ended */
	int rc = tl_read_file(path, &reading.text, &n);
	if (rc)
		tl_die(rc, "%s:", path);
	reading.in = n ? fmemopen(reading.text, n, "r") : NULL;
	if (!reading.in)
		tl_die_at(TL_EX_DATAERR, path, 0, "empty file, not a %s file", state_format);
	reading.sf = tl_sidefile_stream(reading.in, path, 1 << 20);
	struct rec r;
	rec_open(&r, reading.sf, path, state_format);
	read_fit(&r, prm);
	struct tl_fit *f = reading.f;
	f->path = path;
	snprintf(f->state, sizeof f->state, "%016" PRIx64, tl_hash64(reading.text, n, STATE_SALT));
	reading.f = NULL;   /* the caller's */
	reading_free();
	return f;
}

void tl_fit_check(const struct tl_fit *f, const struct tl_model *m, int k)
{
	char what[TL_MSG_MAX];
	size_t feat = 0;
	int d = settings_differ(f, m, k, &feat, what, sizeof what);
	if (d >= 0)
		tl_die_at(TL_EX_DATAERR, f->path, f->line[d] + (long)feat, "the options give %s as this state", what);
}
