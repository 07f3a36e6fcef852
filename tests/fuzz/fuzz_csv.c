/* fuzz_csv.c - libFuzzer harness for io/csvrow: every line of the input is
 * split by a splitter on the fast path and by one forced through libcsv
 * (TL_CSV_SLOW); they must agree on the outcome, the field count and every
 * field's bytes, and no field may pass max_field in a row that was
 * accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"

#define MAX_FIELD 64

static struct tl_csv *fast, *slow;

static void fresh(void)
{
	tl_csv_free(fast);
	tl_csv_free(slow);
	unsetenv("TL_CSV_SLOW");
	fast = tl_csv_new(MAX_FIELD);
	setenv("TL_CSV_SLOW", "1", 1);
	slow = tl_csv_new(MAX_FIELD);
	unsetenv("TL_CSV_SLOW");
}

static void same(void)
{
	size_t n = tl_csv_nfields(fast);
	if (n != tl_csv_nfields(slow))
		abort();
	const struct tl_str *a = tl_csv_fields(fast), *b = tl_csv_fields(slow);
	for (size_t i = 0; i < n; i++)
		if (a[i].n != b[i].n || (a[i].n && memcmp(a[i].p, b[i].p, a[i].n) != 0) || a[i].n > MAX_FIELD)
			abort();
}

/* blank: the record reader skips such a line before splitting it (libcsv
 * reads an empty line as no record, the fast path as one empty field). */
static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + TL_CSV_PAD);
	fresh();
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		memcpy(buf, p, n);
		memset(buf + n, 0, TL_CSV_PAD);
		if (blank(buf, n) && tl_csv_plain_ok(fast)) {
			p += n + 1;
			continue;
		}
		int x = tl_csv_split(fast, buf, n), y = tl_csv_split(slow, buf, n);
		if (x != y)
			abort();
		if (x == TL_CSV_ROW)
			same();
		if (x == TL_CSV_ERR)
			fresh();   /* after an error a reader starts over */
		p += n + 1;
	}
	if (tl_csv_eof(fast) != tl_csv_eof(slow))
		abort();
	free(buf);
	return 0;
}
