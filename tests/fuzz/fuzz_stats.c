/* fuzz_stats.c - libFuzzer harness for the tl-abtest stats files
 * (abtest/statsfile.c, --merge of --emit-stats files): the input is one
 * to three stats files separated by a line holding one form feed
 * ("\n\f\n"), each read from a memfd by its /proc/self/fd path, merged as
 * tl-abtest --merge does. A bad file ends the merge in tl_die, caught
 * with tl_die_catch (statsfile.c frees what it left at the next merge).
 *
 * Invariants, each an abort when broken: a merge that succeeds reports
 * in JSON as one strict JSON value (RFC 8259, valid UTF-8; no NaN or
 * infinity gets out), and in text and Markdown without dying; its
 * --emit-stats is merged again without dying, and that merge emits the
 * same bytes (a merged file is a fixed point of merge and emit). */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abtest/abtest.h"
#include "io/json.h"
#include "util/err.h"
#include "memfile.h"

#define MAX_FILES 3

/* merge: tl_abtest_merge of files, or NULL when it died. */
static struct tl_abtest *merge(int nfiles, char **files)
{
	static jmp_buf jb;
	static const struct tl_ab_params params = TL_AB_DEFAULTS;
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		return NULL;
	}
	tl_die_catch(&jb);
	struct tl_abtest *ab = tl_abtest_merge(nfiles, files, "control", NULL, &params);
	tl_die_catch(NULL);
	return ab;
}

/* report: the report in format fmt, in a malloc'd buffer (*n bytes), or
 * NULL when it died. */
static char *report(struct tl_abtest *ab, enum tl_ab_format fmt, size_t *n)
{
	static jmp_buf jb;
	static char *buf;
	static FILE *f;
	buf = NULL;
	f = open_memstream(&buf, n);
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		fclose(f);
		free(buf);
		return NULL;
	}
	tl_die_catch(&jb);
	if (fmt == (enum tl_ab_format)-1)
		tl_abtest_emit(ab, f);
	else
		tl_abtest_report(ab, f, fmt);
	tl_die_catch(NULL);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[MAX_FILES];
	mem_name names[MAX_FILES];
	char *files[MAX_FILES];
	int nfiles = mem_files(data, size, MAX_FILES, fds, names, files);
	struct tl_abtest *ab = merge(nfiles, files);
	for (int i = 0; i < nfiles; i++)
		close(fds[i]);
	if (!ab)
		return 0;
	size_t n;
	char *json = report(ab, TL_AB_JSON, &n);
	/* tl_abtest_report exits 65 when an arm has no learner: a refusal */
	if (json && (!tl_json_strict(json, n) || tl_utf8_check(json, n) != n))
		abort();
	free(json);
	free(report(ab, TL_AB_TEXT, &n));
	free(report(ab, TL_AB_MD, &n));
	size_t n1, n2;
	char *emit1 = report(ab, (enum tl_ab_format)-1, &n1);
	tl_abtest_free(ab);
	if (!emit1)
		abort();
	char name[32], *again[1] = {name};
	int fd = mem_file(emit1, n1, name, sizeof name);
	ab = merge(1, again);
	close(fd);
	if (!ab)
		abort();   /* what --emit-stats wrote of a merge is refused */
	char *emit2 = report(ab, (enum tl_ab_format)-1, &n2);
	tl_abtest_free(ab);
	if (!emit2 || n1 != n2 || memcmp(emit1, emit2, n1) != 0)
		abort();
	free(emit1);
	free(emit2);
	return 0;
}
