/* fuzz_modelfit.c - libFuzzer harness for tl-model's sharded fit
 * (metrics/model_stats.c, model_state.c, model_files.c): the input is one
 * to four files separated by a line holding one form feed ("\n\f\n"),
 * each read from a memfd by its /proc/self/fd path. They are merged as
 * stats files without a state (tl-model --merge STATS...), and, when there
 * are two or more, the first is read as a state and the others merged
 * with it (--merge --state STATE STATS...); a merge that succeeds takes
 * its step. A bad file ends in tl_die, caught with tl_die_catch (the
 * readers free what it left at their next call).
 *
 * Invariants, each an abort when broken: a state that reads back is
 * written and read again, and written the same (a fixed point); the state
 * a step writes reads back; a finished fit's model file is strict JSON
 * that tl_model_read takes; without a state, the merged sums, emitted as
 * one stats file, merge again and emit the same bytes. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json.h"
#include "metrics/model.h"
#include "util/err.h"
#include "memfile.h"

#define MAX_FILES 4

static const struct tl_model_params prm = TL_MODEL_PARAMS_DEFAULTS;

/* merge: tl_fit_merge of files into *f, or NULL when it died. */
static struct tl_fit_sums *merge(struct tl_fit **f, int nfiles, char **files)
{
	static jmp_buf jb;
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		return NULL;
	}
	tl_die_catch(&jb);
	struct tl_fit_sums *s = tl_fit_merge(f, nfiles, files, &prm);
	tl_die_catch(NULL);
	return s;
}

static struct tl_fit *read_state(const char *path)
{
	static jmp_buf jb;
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		return NULL;
	}
	tl_die_catch(&jb);
	struct tl_fit *f = tl_fit_read_state(path, &prm);
	tl_die_catch(NULL);
	return f;
}

/* out: what write (0: the state of f, 1: the stats of s, 2: the model of
 * f) writes, malloc'd (*n bytes), or NULL when it died. */
static char *out(int what, const struct tl_fit *f, const struct tl_fit_sums *s, size_t *n)
{
	static jmp_buf jb;
	static char *buf;
	static FILE *o;
	buf = NULL;
	o = open_memstream(&buf, n);
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		fclose(o);
		free(buf);
		return NULL;
	}
	tl_die_catch(&jb);
	if (what == 0) {
		tl_fit_write_state(f, o);
	} else if (what == 1) {
		tl_fit_emit(s, o);
	} else {
		struct tl_model m;
		tl_fit_model(f, &m);
		tl_model_write(&m, o);
		tl_model_free(&m);
	}
	tl_die_catch(NULL);
	fclose(o);
	return buf;
}

/* reread: the state text t read back, or an abort. */
static struct tl_fit *reread(const char *t, size_t n)
{
	char name[32];
	int fd = mem_file(t, n, name, sizeof name);
	struct tl_fit *f = read_state(name);
	close(fd);
	if (!f)
		abort();   /* a state tl-model wrote is refused */
	return f;          /* its path is gone: only written, not merged with */
}

/* check_state: f written, read back and written again gives the same bytes. */
static void check_state(const struct tl_fit *f)
{
	size_t n1, n2;
	char *a = out(0, f, NULL, &n1);
	if (!a)
		abort();
	struct tl_fit *g = reread(a, n1);
	char *b = out(0, g, NULL, &n2);
	if (!b || n1 != n2 || memcmp(a, b, n1) != 0)
		abort();
	tl_fit_free(g);
	free(a);
	free(b);
}

/* step: the step of f by s, then the invariants of what it writes. */
static void step(struct tl_fit *f, struct tl_fit_sums *s)
{
	char err[512] = "";
	size_t n;
	if (tl_fit_step(f, s, err, sizeof err) < 0) {
		if (!err[0])
			abort();   /* a refusal says why */
		return;
	}
	if (!tl_fit_done(f)) {
		check_state(f);
		return;
	}
	char *json = out(2, f, NULL, &n);
	struct tl_model m;
	if (!json || !tl_json_strict(json, n) || tl_model_read(&m, json, n, err, sizeof err) < 0)
		abort();
	tl_model_free(&m);
	free(json);
}

/* emitted_again: without a state, the merge of the emitted sums emits
 * the same bytes. */
static void emitted_again(const struct tl_fit_sums *s)
{
	size_t n1, n2;
	char *a = out(1, NULL, s, &n1), name[32], *files[1] = {name};
	if (!a)
		return;   /* a sum that overflows: tl_fit_emit refuses it */
	int fd = mem_file(a, n1, name, sizeof name);
	struct tl_fit *f = NULL;
	struct tl_fit_sums *t = merge(&f, 1, files);
	close(fd);
	if (!t)
		abort();
	char *b = out(1, NULL, t, &n2);
	if (!b || n1 != n2 || memcmp(a, b, n1) != 0)
		abort();
	tl_fit_sums_free(t);
	tl_fit_free(f);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[MAX_FILES];
	mem_name names[MAX_FILES];
	char *files[MAX_FILES];
	int nfiles = mem_files(data, size, MAX_FILES, fds, names, files);
	struct tl_fit *f = NULL;
	struct tl_fit_sums *s = merge(&f, nfiles, files);
	if (s) {
		emitted_again(s);
		step(f, s);
	}
	tl_fit_sums_free(s);
	tl_fit_free(f);
	f = nfiles > 1 ? read_state(files[0]) : NULL;
	if (f) {
		check_state(f);
		s = merge(&f, nfiles - 1, files + 1);
		if (s)
			step(f, s);
		tl_fit_sums_free(s);
		tl_fit_free(f);
	}
	for (int i = 0; i < nfiles; i++)
		close(fds[i]);
	return 0;
}
