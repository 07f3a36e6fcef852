/* test_extsort.c - util/extsort: records come back in (key, order added)
 * order, intact, whether the sort stays in memory, spills runs, or needs
 * merge passes; records longer than the buffers; the empty sort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/extsort.h"
#include "unit.h"

#define N 20000

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* payload length of record i: mostly short, a few longer than a read
 * buffer (4 KiB at least), five longer than the write buffer (64 KiB) */
static size_t len_of(uint32_t i)
{
	return 8 + (i % 4999 == 0 ? 70000 + i % 7 : i % 97 == 0 ? 6000 + i % 3000 : i % 40);
}

static void fill(char *p, uint32_t i, size_t n)
{
	memcpy(p, &i, 4);
	memset(p + 4, 'a' + (int)(i % 26), n - 4);
}

static int intact(const char *p, size_t n, uint32_t *seq)
{
	uint32_t i;
	memcpy(&i, p, 4);
	*seq = i;
	if (n != len_of(i))
		return 0;
	for (size_t k = 4; k < n; k++)
		if (p[k] != 'a' + (int)(i % 26))
			return 0;
	return 1;
}

/* run_case: N records with keys below nkeys (times spread, so high key
 * bits are used) through a sort of memory bytes; 1 when all came back in
 * order and intact. */
static int run_case(size_t memory, uint32_t nkeys, uint32_t spread, size_t *spills, size_t *passes)
{
	struct tl_xsort *s = tl_xsort_new(memory, "unit");
	for (uint32_t i = 0; i < N; i++) {
		uint32_t key = (uint32_t)(next_rand() % nkeys) * spread;
		fill(tl_xsort_add(s, key, len_of(i)), i, len_of(i));
	}
	tl_xsort_done(s);
	uint32_t key, last_key = 0, seq, last_seq = 0;
	const void *p;
	size_t n, count = 0;
	int ok = 1;
	while (tl_xsort_next(s, &key, &p, &n)) {
		ok &= intact(p, n, &seq);
		if (count && key == last_key)
			ok &= seq > last_seq;
		if (count)
			ok &= key >= last_key;
		last_key = key, last_seq = seq;
		count++;
	}
	ok &= count == N;
	*spills = tl_xsort_spills(s);
	*passes = tl_xsort_passes(s);
	tl_xsort_free(s);
	return ok;
}

int main(void)
{
	size_t spills, passes;
	CHECK(run_case(64u << 20, 300, 1, &spills, &passes));
	CHECK_EQ(spills, 0);
	CHECK(run_case(256u << 10, 300, 1, &spills, &passes));
	CHECK(spills > 1);
	CHECK_EQ(passes, 0);
	CHECK(run_case(16u << 10, 5000, 1, &spills, &passes));
	CHECK(spills > 100);
	CHECK(passes > 1);
	CHECK(run_case(64u << 10, 7, 600000000, &spills, &passes));   /* keys up to 3.6e9 */
	CHECK(spills > 10);
	CHECK(run_case(64u << 20, 1, 0, &spills, &passes));           /* one key: input order */

	struct tl_xsort *s = tl_xsort_new(1u << 20, "unit");
	tl_xsort_done(s);
	uint32_t key;
	const void *p;
	size_t n;
	CHECK_EQ(tl_xsort_next(s, &key, &p, &n), 0);
	tl_xsort_free(s);
	return UNIT_DONE();
}
