/* test_tltime.c - tl_civil_from_days (shared by tl_time_format and
 * tl-loadgen's dates): known dates, and a round trip with tl_time_parse
 * over every day from 1600 to 2400; numbers in other units
 * (tl_time_parse_as: --ts-unit, --epoch). */
#include <inttypes.h>
#include <stdio.h>

#include "util/tltime.h"
#include "unit.h"

int main(void)
{
	int64_t y;
	int m, d;
	tl_civil_from_days(0, &y, &m, &d);
	CHECK(y == 1970 && m == 1 && d == 1);
	tl_civil_from_days(-1, &y, &m, &d);
	CHECK(y == 1969 && m == 12 && d == 31);
	tl_civil_from_days(11016, &y, &m, &d);
	CHECK(y == 2000 && m == 2 && d == 29);
	tl_civil_from_days(20240, &y, &m, &d);
	CHECK(y == 2025 && m == 6 && d == 1);

	int bad = 0;
	for (int64_t z = -135140; z <= 157054; z++) {
		char s[32];
		tl_time t;
		tl_civil_from_days(z, &y, &m, &d);
		int n = snprintf(s, sizeof s, "%04" PRId64 "-%02d-%02d", y, m, d);
		if (tl_time_parse(s, (size_t)n, &t) != 0 || t != z * TL_DAY)
			bad++;
	}
	CHECK(bad == 0);

	/* numbers: exact decimals, units, an epoch, the range */
	tl_time t, ms = TL_SEC / 1000, epoch = (tl_time)946684800 * TL_SEC;   /* 2000-01-01 */
	CHECK(tl_time_parse_as("1433946701.25", 13, TL_SEC, 0, &t) == 1 && t == 1433946701250000);
	CHECK(tl_time_parse_as("1433946701.1", 12, TL_SEC, 0, &t) == 1 && t == 1433946701100000);
	CHECK(tl_time_parse_as("1433946701000", 13, ms, 0, &t) == 1 && t == 1433946701000000);
	CHECK(tl_time_parse_as("1433946701000", 13, TL_SEC, 0, &t) == TL_TIME_RANGE);
	CHECK(tl_time_parse_as("1433946701123456", 16, 1, 0, &t) == 1 && t == 1433946701123456);
	CHECK(tl_time_parse_as("1.0000009", 9, TL_SEC, 0, &t) == 1 && t == 1000000);   /* truncated */
	CHECK(tl_time_parse_as("-10", 3, TL_DAY, epoch, &t) == 1 && t == epoch - 10 * TL_DAY);
	CHECK(tl_time_parse_as("1.5", 3, TL_DAY, epoch, &t) == 1 && t == epoch + 36 * 3600 * TL_SEC);
	CHECK(tl_time_parse_as("-0.5", 4, TL_DAY, epoch, &t) == 1 && t == epoch - 12 * 3600 * TL_SEC);
	CHECK(tl_time_parse_as("2e3", 3, TL_SEC, 0, &t) == 1 && t == 2000 * TL_SEC);
	CHECK(tl_time_parse_as("2025-01-01", 10, TL_DAY, epoch, &t) == 0 && t == (tl_time)1735689600 * TL_SEC);
	CHECK(tl_time_parse_as("3000000", 7, TL_DAY, epoch, &t) == TL_TIME_RANGE);
	CHECK(tl_time_parse_as("99999999999999999999999999", 26, TL_SEC, 0, &t) == TL_TIME_RANGE);
	CHECK(tl_time_parse_as("1e999", 5, TL_SEC, 0, &t) == TL_TIME_RANGE);
	CHECK(tl_time_parse_as("12a", 3, TL_SEC, 0, &t) == -1);
	CHECK(tl_time_parse_as("-", 1, TL_SEC, 0, &t) == -1);
	CHECK(tl_time_parse_as(".", 1, TL_SEC, 0, &t) == -1);
	return UNIT_DONE();
}
