/* test_xsum.c - unit tests of common/util/xsum.c: exact sums, correctly
 * rounded against an independent integer reference, independent of order
 * and of splitting and merging; ties to even, subnormals, overflow, the
 * carries, products, the terms and their text. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"
#include "util/xsum.h"
#include "unit.h"

static double sum_of(const double *v, size_t n)
{
	struct tl_xsum s;
	tl_xsum_init(&s);
	for (size_t i = 0; i < n; i++)
		tl_xsum_add(&s, v[i]);
	return tl_xsum_value(&s);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void test_known(void)
{
	double cancel[] = {1e16, 1, -1e16}, tenth[10], big[] = {DBL_MAX, DBL_MAX, -DBL_MAX};
	for (int i = 0; i < 10; i++)
		tenth[i] = 0.1;
	CHECK(sum_of(cancel, 3) == 1);
	CHECK(sum_of(tenth, 10) == 1);             /* naive: 0.9999999999999999 */
	CHECK(sum_of(big, 2) == INFINITY);
	CHECK(sum_of(big, 3) == DBL_MAX);          /* no overflow on the way */
	double neg[] = {-DBL_MAX, -DBL_MAX};
	CHECK(sum_of(neg, 2) == -INFINITY);
	double two53 = 9007199254740992.0;         /* 2^53: ulp 2 */
	double tie[] = {two53, 1}, above[] = {two53, 1, 0x1p-30}, odd[] = {two53, 2, 1};
	CHECK(sum_of(tie, 2) == two53);            /* a tie goes to the even neighbour */
	CHECK(sum_of(above, 3) == two53 + 2);      /* anything above the tie rounds up */
	CHECK(sum_of(odd, 3) == two53 + 4);        /* 2^53 + 3: between +2 (odd) and +4 (even) */
	double sub[] = {4.9406564584124654e-324, 4.9406564584124654e-324, 4.9406564584124654e-324};
	CHECK(sum_of(sub, 3) == 1.4821969375237396e-323);
	double halfmin[] = {DBL_MIN / 2, DBL_MIN / 2};
	CHECK(sum_of(halfmin, 2) == DBL_MIN);
	double mixed[] = {-0.5, 0.25, -1e-300, 1e-300};
	CHECK(sum_of(mixed, 4) == -0.25);
	CHECK(sum_of(mixed, 0) == 0);
	struct tl_xsum s;
	tl_xsum_init(&s);
	tl_xsum_add(&s, 1);
	tl_xsum_add(&s, INFINITY);
	CHECK(tl_xsum_value(&s) == INFINITY);   /* as IEEE addition gives */
	tl_xsum_add(&s, -INFINITY);
	CHECK(isnan(tl_xsum_value(&s)));
	tl_xsum_init(&s);
	tl_xsum_add_product(&s, 0.1, 0.1);
	tl_xsum_add(&s, -(0.1 * 0.1));
	CHECK(tl_xsum_value(&s) == fma(0.1, 0.1, -(0.1 * 0.1)) && tl_xsum_value(&s) != 0);
}

/* Random values k 2^e (|k| < 2^52, -30 <= e <= 0), summed exactly as
 * integers in units of 2^-30 and rounded by the 128-bit conversion. */
static void test_reference(void)
{
	enum { N = 20000 };
	static double v[N];
	struct tl_rng r;
	tl_rng_seed(&r, 42);
	for (int trial = 0; trial < 20; trial++) {
		__int128 exact = 0;
		struct tl_xsum parts[3], all, back;
		memset(parts, 0, sizeof parts);
		tl_xsum_init(&all);
		tl_xsum_init(&back);
		for (int i = 0; i < N; i++) {
			long long k = (long long)(tl_rng_next(&r) >> 12) - (1LL << 51);
			int e = -(int)tl_rng_below(&r, 31);
			v[i] = ldexp((double)k, e);
			exact += (__int128)k * ((__int128)1 << (e + 30));
		}
		double want = ldexp((double)exact, -30), t[TL_XSUM_TERMS_MAX];
		CHECK(same_bits(sum_of(v, N), want));
		for (int i = N - 1; i > 0; i--) {   /* another order, in three parts */
			size_t j = tl_rng_below(&r, (uint64_t)i + 1);
			double x = v[i];
			v[i] = v[j], v[j] = x;
		}
		for (int i = 0; i < N; i++)
			tl_xsum_add(&parts[i % 3], v[i]);
		for (int i = 0; i < 3; i++)
			tl_xsum_merge(&all, &parts[i]);
		CHECK(same_bits(tl_xsum_value(&all), want));
		int n = tl_xsum_terms(&all, t);
		CHECK(n >= 1 && n <= 3 && t[0] == want);
		for (int i = n - 1; i >= 0; i--)
			tl_xsum_add(&back, t[i]);
		CHECK(same_bits(tl_xsum_value(&back), want));
		double t2[TL_XSUM_TERMS_MAX];
		CHECK(tl_xsum_terms(&back, t2) == n && memcmp(t, t2, (size_t)n * sizeof *t) == 0);
	}
}

/* After 2^29 additions the carries are propagated (each addition adds
 * less than 2^33 to a limb, so 2^29 of them fit in 63 bits): started just
 * below, the count crosses it several times, with values of both signs
 * and every limb position. */
static void test_carries(void)
{
	struct tl_xsum s;
	struct tl_rng r;
	__int128 exact = 0;
	tl_xsum_init(&s);
	tl_rng_seed(&r, 7);
	s.adds = TL_XSUM_CARRY_EVERY - 3;
	for (int i = 0; i < 3000; i++) {
		long long k = (long long)(tl_rng_next(&r) >> 11) - (1LL << 52);   /* |k| <= 2^52 */
		tl_xsum_add(&s, ldexp((double)k, -20));
		exact += k;
		if (i % 1000 == 500)
			s.adds = TL_XSUM_CARRY_EVERY - 1;
	}
	CHECK(same_bits(tl_xsum_value(&s), ldexp((double)exact, -20)));
	CHECK(s.adds < 1000);
}

static void test_text(void)
{
	struct tl_xsum s, back;
	tl_xsum_init(&s);
	tl_xsum_init(&back);
	char *buf = NULL;
	size_t n;
	tl_xsum_add(&s, 1);
	tl_xsum_add(&s, 1e-30);
	tl_xsum_add(&s, -3e-300);
	FILE *f = open_memstream(&buf, &n);
	tl_xsum_print(&s, f);
	fclose(f);
	CHECK_STR(buf, "1 1.0000000000000001e-30 -3.0000000000000002e-300");
	CHECK(tl_xsum_parse(&back, buf, n) == 0);
	double a[TL_XSUM_TERMS_MAX], b[TL_XSUM_TERMS_MAX];
	CHECK(tl_xsum_terms(&s, a) == 3 && tl_xsum_terms(&back, b) == 3 && memcmp(a, b, sizeof *a * 3) == 0);
	free(buf);
	static const char *const bad[] = {"", " 1", "1 ", "1  2", "nan", "inf", "1e999", "0x10", "1,2"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(tl_xsum_parse(&back, bad[i], strlen(bad[i])) < 0);
	tl_xsum_init(&s);
	f = open_memstream(&buf, &n);
	tl_xsum_print(&s, f);
	fclose(f);
	CHECK_STR(buf, "0");
	free(buf);
}

int main(void)
{
	test_known();
	test_reference();
	test_carries();
	test_text();
	return UNIT_DONE();
}
