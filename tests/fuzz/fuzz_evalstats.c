/* fuzz_evalstats.c - libFuzzer harness for the tl-eval stats files
 * (metrics/eval_stats.c over io/statsrows.c, --merge of --emit-stats
 * files): the input is one to three stats files separated by a line
 * holding one form feed ("\n\f\n"), each read from a memfd by its
 * /proc/self/fd path, merged as tl-eval --merge does. A bad file ends the
 * merge in tl_die, caught with tl_die_catch (eval_stats.c frees what it
 * left at the next merge).
 *
 * Invariants, each an abort when broken: a merge that succeeds reports
 * in JSON as one strict JSON value (RFC 8259, valid UTF-8), and in text
 * and Markdown, and writes its curve, without dying; its --emit-stats is
 * merged again without dying, and that merge emits the same bytes (a
 * merged file is a fixed point of merge and emit). */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json.h"
#include "metrics/eval_acc.h"
#include "util/err.h"
#include "memfile.h"

#define MAX_FILES 3
#define MAX_CLASSES 1000

/* merge: tl_eval_merge of files, or NULL when it died. */
static struct tl_eval_acc *merge(int nfiles, char **files)
{
	static jmp_buf jb;
	static const struct tl_eval_setup none = {0};
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		return NULL;
	}
	tl_die_catch(&jb);
	struct tl_eval_acc *a = tl_eval_merge(nfiles, files, &none, MAX_CLASSES);
	tl_die_catch(NULL);
	return a;
}

enum { OUT_EMIT = -1, OUT_CURVE = -2 };

/* output: the report in format fmt (or the stats, or the curve) in a
 * malloc'd buffer of *n bytes; aborts when it dies (nothing a merge
 * accepted may fail to report). */
static char *output(struct tl_eval_acc *a, int fmt, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	if (!f)
		abort();
	if (fmt == OUT_EMIT)
		tl_eval_emit(a, f);
	else if (fmt == OUT_CURVE)
		tl_eval_curve(a, f);
	else
		tl_eval_report(a, f, (enum tl_eval_format)fmt);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[MAX_FILES];
	mem_name names[MAX_FILES];
	char *files[MAX_FILES];
	int nfiles = mem_files(data, size, MAX_FILES, fds, names, files);
	struct tl_eval_acc *a = merge(nfiles, files);
	for (int i = 0; i < nfiles; i++)
		close(fds[i]);
	if (!a)
		return 0;
	size_t n;
	char *json = output(a, TL_EVAL_JSON, &n);
	if (!tl_json_strict(json, n) || tl_utf8_check(json, n) != n)
		abort();
	free(json);
	free(output(a, TL_EVAL_TEXT, &n));
	free(output(a, TL_EVAL_MD, &n));
	if (a->s.mode == TL_EVAL_BINARY)
		free(output(a, OUT_CURVE, &n));
	size_t n1, n2;
	char *emit1 = output(a, OUT_EMIT, &n1);
	tl_eval_acc_free(a);
	char name[32], *again[1] = {name};
	int fd = mem_file(emit1, n1, name, sizeof name);
	a = merge(1, again);
	close(fd);
	if (!a)
		abort();   /* what --emit-stats wrote of a merge is refused */
	char *emit2 = output(a, OUT_EMIT, &n2);
	tl_eval_acc_free(a);
	if (n1 != n2 || memcmp(emit1, emit2, n1) != 0)
		abort();
	free(emit1);
	free(emit2);
	return 0;
}
