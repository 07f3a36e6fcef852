/* test_format.c - the fast %.6g formatter equals printf, time parsing, and
 * the stats files' count reader. */
#include <stdint.h>
#include <stdlib.h>

#include "util/rng.h"
#include "util/tltime.h"
#include "unit.h"
#include "util/num.h"

/* Random doubles across magnitudes, ties and round numbers: tl_format_g6
 * must equal snprintf("%.6g") whenever it answers. */
static void check_g6(void)
{
	struct tl_rng r;
	tl_rng_seed(&r, 42);
	long answered = 0, mismatches = 0;
	for (long i = 0; i < 2000000; i++) {
		double v;
		switch (i % 4) {
		case 0: v = (tl_rng_uniform(&r) - 0.5) * pow(10, (double)tl_rng_below(&r, 40) - 20); break;
		case 1: v = (double)tl_rng_below(&r, 10000000) / pow(10, (double)tl_rng_below(&r, 12)); break;
		case 2: v = ((double)tl_rng_below(&r, 2000000) + 0.5) / pow(10, (double)tl_rng_below(&r, 8)); break;
		default: { uint64_t bits = tl_rng_next(&r); memcpy(&v, &bits, 8); }
		}
		if (!isfinite(v))
			continue;
		char a[64], b[64];
		size_t n = tl_format_g6(v, a);
		if (!n)
			continue;
		answered++;
		snprintf(b, sizeof b, "%.6g", v);
		if (strcmp(a, b) != 0 && mismatches++ < 5)
			fprintf(stderr, "g6(%.17g) = %s, printf %s\n", v, a, b);
	}
	CHECK(mismatches == 0);
	CHECK(answered > 1000000);
	char buf[32];
	tl_format_g6(0.1715, buf);
	CHECK_STR(buf, "0.1715");
	tl_format_g6(-0.0912, buf);
	CHECK_STR(buf, "-0.0912");
	tl_format_g6(4.24713e-07, buf);
	CHECK_STR(buf, "4.24713e-07");
	tl_format_g6(999999.5, buf);   /* tie: printf decides (returns 0) */
}

static tl_time T(const char *s)
{
	tl_time t = -1;
	CHECK(tl_time_parse(s, strlen(s), &t) == 0);
	return t;
}

static void check_time(void)
{
	tl_time base = (tl_time)1735689600 * TL_SEC;   /* 2025-01-01T00:00:00Z */
	CHECK(T("2025-01-01") == base);
	CHECK(T("2025-01-01T00:00Z") == base);
	CHECK(T("2025-01-01t00:00:00z") == base);
	CHECK(T("2025-01-01 00:00:00") == base);
	CHECK(T("1735689600") == base);
	CHECK(T("2025-01-01T02:00:00+02:00") == base);
	CHECK(T("2025-01-01T02:00:00+0200") == base);
	CHECK(T("2025-01-01T02:00:00+02") == base);
	CHECK(T("2024-12-31T22:00:00-02:00") == base);
	CHECK(T("2025-01-01T00:00:00.5Z") == base + TL_SEC / 2);
	CHECK(T("2025-01-01T00:00:00,25Z") == base + TL_SEC / 4);
	CHECK(T("2025-01-01T00:00:00.1234567Z") == base + 123456);
	CHECK(T("1970-01-01T00:00:00Z") == 0);
	CHECK(T("-5") == -5 * TL_SEC);   /* a number, before the epoch */
	CHECK(T("2000-02-29T00:00:00Z") == (tl_time)951782400 * TL_SEC);
	CHECK(T("2025-05-29T14:13:44Z") == (tl_time)1748528024 * TL_SEC);
	static const char *bad[] = {"", "2025-13-01", "2025-02-29", "2025-01-01T24:00", "2025-01-01T10",
		"2025-01-01T10:00:00+", "2025-01-01T10:00:00Zx", "20250101", "2025-1-01", "abc", "2025-01-01T10:00:00.",
		"2025-01-01T10:60:00Z", "1.5.2", "1e", "--5", "0x10", "nan", "inf", " 5", "5 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tl_time t;
		int rc = tl_time_parse(bad[i], strlen(bad[i]), &t);
		CHECK(rc < 0 || (strcmp(bad[i], "20250101") == 0 && t == (tl_time)20250101 * TL_SEC));
		if (rc == 0 && strcmp(bad[i], "20250101") != 0)
			fprintf(stderr, "accepted bad time '%s'\n", bad[i]);
	}
	char buf[40];
	tl_time_format(base, buf);
	CHECK_STR(buf, "2025-01-01T00:00:00Z");
	tl_time_format(base + TL_SEC / 2, buf);
	CHECK_STR(buf, "2025-01-01T00:00:00.5Z");
	tl_time_format(-TL_SEC, buf);
	CHECK_STR(buf, "1969-12-31T23:59:59Z");
	tl_time d;
	CHECK(tl_duration_parse("7d", &d) == 0 && d == 7 * TL_DAY);
	CHECK(tl_duration_parse("90", &d) == 0 && d == 90 * TL_SEC);
	CHECK(tl_duration_parse("1.5h", &d) == 0 && d == 5400 * TL_SEC);
	CHECK(tl_duration_parse("2w", &d) == 0 && d == 14 * TL_DAY);
	CHECK(tl_duration_parse("3m", &d) == 0 && d == 180 * TL_SEC);
	CHECK(tl_duration_parse("7x", &d) < 0);
	CHECK(tl_duration_parse("-1d", &d) < 0);
	CHECK(tl_duration_parse("d", &d) < 0);
	CHECK(tl_floor_div(-1, 7) == -1 && tl_floor_div(7, 7) == 1 && tl_floor_div(-7, 7) == -1);
}

/* The one-step parse of YYYY-MM-DDTHH:MM:SSZ against the general parser,
 * which reads the same text with "+00:00" for "Z": every clock value 00..99
 * in each place, and every byte value at each clock position. */
static void check_common_form(void)
{
	char a[64], b[64];   /* room for any int, as the compiler reckons */
	int bad = 0, accepted = 0;
	for (int hh = 0; hh < 100; hh++)
		for (int mi = 0; mi < 100; mi += 7)
			for (int ss = 0; ss < 100; ss += 3) {
				snprintf(a, sizeof a, "2025-03-%02dT%02d:%02d:%02dZ", 1 + hh % 28, hh, mi, ss);
				snprintf(b, sizeof b, "2025-03-%02dT%02d:%02d:%02d+00:00", 1 + hh % 28, hh, mi, ss);
				tl_time ta = 0, tb = 0;
				int ra = tl_time_parse(a, 20, &ta), rb = tl_time_parse(b, strlen(b), &tb);
				bad += ra != rb || (ra == 0 && ta != tb);
				accepted += ra == 0;
			}
	for (int at = 11; at < 19; at++)
		for (int c = 0; c < 256; c++) {
			snprintf(a, sizeof a, "2025-03-07T21:48:36Z");
			snprintf(b, sizeof b, "2025-03-07T21:48:36+00:00");
			a[at] = b[at] = (char)c;
			tl_time ta = 0, tb = 0;
			int ra = tl_time_parse(a, 20, &ta), rb = tl_time_parse(b, 25, &tb);   /* c may be NUL */
			bad += ra != rb || (ra == 0 && ta != tb);
		}
	CHECK(bad == 0);
	CHECK(accepted == 24 * 9 * 20);   /* hh 0..23, mi 0..56 by 7, ss 0..57 by 3 */
}

/* tl_uint_parse: digits only, exact up to 2^53; 2^53 + 1 is refused, where
 * a double reader rounds it to 2^53 and accepts it. */
static void check_count(void)
{
	unsigned long long v = 7;
	CHECK(tl_uint_parse("0", 1, TL_COUNT_MAX, &v) == 0 && v == 0);
	CHECK(tl_uint_parse("12345", 5, TL_COUNT_MAX, &v) == 0 && v == 12345);
	CHECK(tl_uint_parse("9007199254740992", 16, TL_COUNT_MAX, &v) == 0 && v == 9007199254740992ULL);
	CHECK(tl_uint_parse("9007199254740993", 16, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("9999999999999999", 16, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("18446744073709551617", 20, TL_COUNT_MAX, &v) == TL_NUM_BAD);   /* 2^64 + 1 wraps to 1 */
	CHECK(tl_uint_parse("", 0, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("1.5", 3, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("-1", 2, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("+1", 2, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("1e3", 3, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("0000000000000000009", 19, TL_COUNT_MAX, &v) == 0 && v == 9);   /* leading zeros */
	CHECK(tl_uint_parse("18446744073709551615", 20, ~0ULL, &v) == 0 && v == ~0ULL);   /* 2^64 - 1, no wrap */
	CHECK(tl_uint_parse("18446744073709551616", 20, ~0ULL, &v) == TL_NUM_BAD);
	CHECK(tl_uint_parse("999999999999999999", 18, 999999999999999999ULL, &v) == 0);
	CHECK(tl_uint_parse("1000000000000000000", 19, 999999999999999999ULL, &v) == TL_NUM_BAD);
	v = 9007199254740992ULL;
	CHECK(tl_uint_parse("12 ", 3, TL_COUNT_MAX, &v) == TL_NUM_BAD);
	CHECK(v == 9007199254740992ULL);   /* a refusal leaves *out alone */
}

int main(void)
{
	check_g6();
	check_count();
	check_time();
	check_common_form();
	return UNIT_DONE();
}
