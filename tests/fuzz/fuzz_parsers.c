/* fuzz_parsers.c - libFuzzer harness for the small parsers of util/: a
 * timestamp that parses formats back to a text that parses to the same
 * time, in every --ts-unit after an epoch too; a duration is positive and bounded; a number of tl_num_parse is
 * finite and is what strtod reads from the same text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"
#include "util/tltime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	tl_time t, u;
	if (tl_time_parse(s, size, &t) == 0) {
		char buf[64];
		size_t n = tl_time_format(t, buf);
		if (n == 0 || n >= sizeof buf || tl_time_parse(buf, n, &u) != 0 || u != t)
			abort();
	}
	static const tl_time units[] = {1, TL_SEC / 1000, TL_SEC, TL_DAY};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		int rc = tl_time_parse_as(s, size, units[i], (tl_time)946684800 * TL_SEC, &t);
		if (rc < TL_TIME_RANGE || rc > 1)
			abort();
		if (rc >= 0) {
			char buf[64];
			size_t n = tl_time_format(t, buf);
			if (n == 0 || n >= sizeof buf || tl_time_parse(buf, n, &u) != 0 || u != t)
				abort();
		}
	}
	if (tl_duration_parse(s, &t) == 0 && (t < 0 || t > (tl_time)(1e12 * TL_SEC)))
		abort();
	double v;
	int rc = tl_num_parse(s, size, &v);
	if (rc == 0 && (!isfinite(v) || v != strtod(s, NULL) || memchr(s, ' ', size) || memchr(s, 'x', size)))
		abort();
	free(s);
	return 0;
}
