/* fuzz_fitstats.c - libFuzzer harness for the stats files (io/statsrows,
 * tl(7) STATS FILES) of tl-retention --fit, tl-affinity --transfer-pairs,
 * tl-score --summary and --calibrate, each merged as its --merge does. The
 * input is one to three stats files separated by a line holding one form
 * feed ("\n\f\n", as fuzz_stats.c), each read from a memfd by its
 * /proc/self/fd path; every kind's merge is tried, with fixed parameters
 * (churn gap 30d, as-of 2025-06-01, the built-in config v2, no canary,
 * outcome roi: the seeds in tests/fuzz/seeds/fitstats have them). A bad
 * file ends a merge in tl_die, caught with tl_die_catch; the harness frees
 * the result being built and tl_statsrows_merge the reader it left.
 *
 * Invariants, each an abort when broken: a merge that succeeds writes its
 * result without dying; the files merged in the reverse order write the
 * same bytes and learners (exact counts and sums: no order shows); and its --emit-stats
 * merges again to the same statistics (a fixed point of merge and emit). */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/score.h"
#include "metrics/affinity.h"
#include "metrics/retention.h"
#include "util/err.h"
#include "memfile.h"

#define MAX_FILES 3
#define AS_OF "2025-06-01T00:00:00Z"

/* One kind: make a result, merge files into it, write it (the tool's
 * output) or emit it, free it. */
struct kind {
	void *(*make)(void);
	void (*merge)(void *r, int nfiles, char **files, struct tl_learner_set *ids);
	void (*write)(void *r, FILE *f);
	void (*emit)(void *r, FILE *f, const struct tl_learner_set *ids);
	void (*free)(void *r);
};

static void *km_make(void) { return tl_km_fit_new(30 * TL_DAY); }
static void km_merge(void *r, int n, char **f, struct tl_learner_set *ids) { tl_km_fit_merge(r, n, f, AS_OF, ids); }
static void km_write(void *r, FILE *f) { tl_km_fit_write(r, f, f); }
static void km_emit(void *r, FILE *f, const struct tl_learner_set *ids) { tl_km_fit_emit(r, f, AS_OF, ids); }
static void km_free(void *r) { tl_km_fit_free(r); }

static void *pairs_make(void) { return tl_pairs_new(); }
static void pairs_merge(void *r, int n, char **f, struct tl_learner_set *ids) { tl_pairs_merge(r, n, f, AS_OF, ids); }
static void pairs_write(void *r, FILE *f) { tl_pairs_write(r, f); }
static void pairs_emit(void *r, FILE *f, const struct tl_learner_set *ids) { tl_pairs_emit(r, f, AS_OF, ids); }
static void pairs_free(void *r) { tl_pairs_free(r); }

/* tl-score: a config, and the tally or the calibration of it. */
struct score {
	struct tl_score_config cfg;
	struct tl_score_setup su;
	struct tl_score_tally t;
	struct tl_score_calibration c;
};

static void *score_make(void)
{
	struct score *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	tl_score_config_builtin(&s->cfg);
	s->su = (struct tl_score_setup){&s->cfg, NULL, 0, 0};
	tl_score_tally_init(&s->t, &s->su);
	tl_score_calibration_init(&s->c, &s->cfg);
	return s;
}

static void score_free(void *r)
{
	struct score *s = r;
	tl_score_tally_free(&s->t);
	tl_score_calibration_free(&s->c);
	tl_score_config_free(&s->cfg);
	free(s);
}

static void tally_merge(void *r, int n, char **f, struct tl_learner_set *ids)
{
	struct score *s = r;
	tl_score_tally_merge(&s->t, &s->su, n, f, ids);
}

static void tally_write(void *r, FILE *f) { struct score *s = r; tl_score_tally_print(f, &s->t, &s->su); }
static void tally_emit(void *r, FILE *f, const struct tl_learner_set *ids)
{
	struct score *s = r;
	tl_score_tally_emit(f, &s->t, &s->su, ids);
}

static void calib_merge(void *r, int n, char **f, struct tl_learner_set *ids)
{
	struct score *s = r;
	tl_score_calibration_merge(&s->c, &s->cfg, "roi", n, f, ids);
}

static void calib_emit(void *r, FILE *f, const struct tl_learner_set *ids)
{
	struct score *s = r;
	tl_score_calibration_emit(f, &s->c, &s->cfg, "roi", ids);
}

static void calib_write(void *r, FILE *f)   /* on a copy: calibrating changes the config */
{
	struct score *s = r;
	struct tl_score_config cfg;
	tl_score_config_builtin(&cfg);
	tl_score_calibrate(&cfg, &s->c, "roi");
	tl_score_config_write(f, &cfg);
	tl_score_config_free(&cfg);
}

static const struct kind kinds[] = {
	{km_make, km_merge, km_write, km_emit, km_free},
	{pairs_make, pairs_merge, pairs_write, pairs_emit, pairs_free},
	{score_make, tally_merge, tally_write, tally_emit, score_free},
	{score_make, calib_merge, calib_write, calib_emit, score_free},
};

/* merge: the result of files merged as k does, or NULL when it died. */
static void *merge(const struct kind *k, int nfiles, char **files, struct tl_learner_set *ids)
{
	static jmp_buf jb;
	static void *r;
	r = k->make();
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		k->free(r);
		return NULL;
	}
	tl_die_catch(&jb);
	k->merge(r, nfiles, files, ids);
	tl_die_catch(NULL);
	return r;
}

/* output: what write (emit when emit is set) gives, in a malloc'd
 * buffer of *n bytes; a die there is a broken invariant. */
static char *output(const struct kind *k, void *r, const struct tl_learner_set *ids, int emit, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	static jmp_buf jb;
	if (!f)
		abort();
	if (setjmp(jb))
		abort();
	tl_die_catch(&jb);
	if (emit)
		k->emit(r, f, ids);
	else
		k->write(r, f);
	tl_die_catch(NULL);
	fclose(f);
	return buf;
}

static void check(const struct kind *k, int nfiles, char **files)
{
	struct tl_learner_set ids, qids;
	void *r = merge(k, nfiles, files, &ids);
	if (!r)
		return;
	char *rev[MAX_FILES];
	for (int i = 0; i < nfiles; i++)
		rev[i] = files[nfiles - 1 - i];
	void *q = merge(k, nfiles, rev, &qids);
	size_t n1, n2, e1, e2;
	char *w1 = output(k, r, &ids, 0, &n1), *s1 = output(k, r, &ids, 1, &e1);
	if (!q)
		abort();   /* the other order refused what this one took */
	char *w2 = output(k, q, &qids, 0, &n2);
	if (n1 != n2 || memcmp(w1, w2, n1) != 0 || ids.known != qids.known || ids.count != qids.count || ids.fp != qids.fp)
		abort();
	k->free(q);
	char name[32], *again[1] = {name};
	int fd = mem_file(s1, e1, name, sizeof name);
	q = merge(k, 1, again, &qids);
	close(fd);
	if (!q)
		abort();   /* what --emit-stats wrote of a merge is refused */
	char *s2 = output(k, q, &qids, 1, &e2);
	if (e1 != e2 || memcmp(s1, s2, e1) != 0)
		abort();
	k->free(q);
	k->free(r);
	free(w1);
	free(w2);
	free(s1);
	free(s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[MAX_FILES];
	mem_name names[MAX_FILES];
	char *files[MAX_FILES];
	int nfiles = mem_files(data, size, MAX_FILES, fds, names, files);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int i = 0; i < nfiles; i++)
			lseek(fds[i], 0, SEEK_SET);
		check(&kinds[k], nfiles, files);
	}
	for (int i = 0; i < nfiles; i++)
		close(fds[i]);
	return 0;
}
