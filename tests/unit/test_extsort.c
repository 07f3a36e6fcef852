/* test_extsort.c - util/extsort: records come back in (key, order added)
 * order, intact, whether the sort stays in memory, spills runs, or needs
 * merge passes; keys of bytes in memcmp order, a key before the longer
 * keys it begins (with NUL bytes, which a zero-padded prefix would tie),
 * keys that share a long prefix, keys that tie on 8 bytes after it, the
 * empty key; records longer than the buffers; the empty sort. */
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

/* The keys of a case: number k of nkeys as text of a style. */
enum { DECIMAL, URL, BYTES, TIES };

static size_t key_of(int style, uint32_t k, char *out)
{
	switch (style) {
	case DECIMAL:   /* learner0000042: 7 bytes after the shared prefix */
		return (size_t)sprintf(out, "learner%07u", (unsigned)k);
	case URL:       /* a long shared prefix, and more than 8 bytes after it */
		return (size_t)sprintf(out, "https://lms.example.org/users/%u/profile", (unsigned)k);
	case TIES: {    /* the same 8 bytes after the shared prefix, then the rest */
		int n = sprintf(out, "x%08u", (unsigned)(k % 3));
		return (size_t)(n + sprintf(out + n, "12345678%u", (unsigned)(k * 7919 % 1000)));
	}
	}
	size_t n = 0;   /* BYTES: 0 to 11 bytes of 0x00, 'a', 0xFF: prefixes of each other */
	for (uint32_t v = k; v; v /= 4)
		out[n++] = "\0a\xff"[v % 4 == 3 ? 0 : v % 4];
	return n;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* run_case: N records with keys of style below nkeys through a sort of
 * memory bytes; 1 when all came back in order and intact. */
static int run_case(size_t memory, uint32_t nkeys, int style, size_t *spills, size_t *passes)
{
	struct tl_xsort *s = tl_xsort_new(memory, "unit");
	char key[128], last[128];
	for (uint32_t i = 0; i < N; i++) {
		size_t kn = key_of(style, (uint32_t)(next_rand() % nkeys), key);
		fill(tl_xsort_add(s, key, kn, len_of(i)), i, len_of(i));
	}
	tl_xsort_done(s);
	uint32_t seq, last_seq = 0;
	const void *k, *p;
	size_t kn, n, lastn = 0, count = 0;
	int ok = 1;
	while (tl_xsort_next(s, &k, &kn, &p, &n)) {
		ok &= intact(p, n, &seq);
		int c = count ? key_cmp(last, lastn, k, kn) : -1;
		ok &= c <= 0;
		if (c == 0)
			ok &= seq > last_seq;
		memcpy(last, k, kn);
		lastn = kn, last_seq = seq;
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
	for (int style = DECIMAL; style <= TIES; style++) {
		CHECK(run_case(64u << 20, 300, style, &spills, &passes));
		CHECK_EQ(spills, 0);
		CHECK(run_case(256u << 10, 300, style, &spills, &passes));
		CHECK(spills > 1);
		CHECK_EQ(passes, 0);
		CHECK(run_case(16u << 10, 5000, style, &spills, &passes));
		CHECK(spills > 100);
		CHECK(passes > 1);
	}
	CHECK(run_case(64u << 20, 1, DECIMAL, &spills, &passes));    /* one key: input order */
	CHECK(run_case(64u << 20, 1, BYTES, &spills, &passes));      /* the empty key only */
	CHECK(run_case(64u << 20, 1u << 22, BYTES, &spills, &passes)); /* 11 bytes: a prefix of 8 and ties */

	struct tl_xsort *s = tl_xsort_new(1u << 20, "unit");
	tl_xsort_done(s);
	const void *k, *p;
	size_t kn, n;
	CHECK_EQ(tl_xsort_next(s, &k, &kn, &p, &n), 0);
	tl_xsort_free(s);
	return UNIT_DONE();
}
