/* test_tltime.c - tl_civil_from_days (shared by tl_time_format and
 * tl-loadgen's dates): known dates, and a round trip with tl_time_parse
 * over every day from 1600 to 2400. */
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
	return UNIT_DONE();
}
