/* tltime.h - timestamps and durations (§3, §6.5): UTC microseconds. */
#ifndef TL_TIME_H
#define TL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* A point in time or a duration, in microseconds (UTC, since 1970). */
typedef int64_t tl_time;

#define TL_SEC ((tl_time)1000000)
#define TL_DAY ((tl_time)86400 * TL_SEC)

/* tl_time_parse: parse s[0..n) as ISO-8601 (date, optional time with
 * 'T', 't' or ' ', optional seconds and fraction after '.' or ',', zone
 * 'Z', +hh:mm, +hhmm, +hh or none = UTC) or as epoch seconds, a number
 * (util/num's rule: a sign, a fraction, an exponent). Fractions finer
 * than a microsecond are truncated. Instants outside the years 0000 to
 * 9999 (UTC) are refused: tl could not write them back (§2). Returns 0
 * and stores *out, or -1 when s is not a valid timestamp. */
int tl_time_parse(const char *s, size_t n, tl_time *out);

/* tl_time_parse_as: the one timestamp parser. tl_time_parse with a
 * number read as epoch + number x unit (--ts-unit, --epoch: TL_SEC and
 * 0 are epoch seconds). Returns 0 for ISO-8601, 1 for a number, -1 when
 * s is not a timestamp, TL_TIME_RANGE for a number outside the years
 * 0000 to 9999 (milliseconds read as seconds, say). */
#define TL_TIME_RANGE (-2)
int tl_time_parse_as(const char *s, size_t n, tl_time unit, tl_time epoch, tl_time *out);

/* tl_duration_parse: a non-negative number with an optional unit
 * s m h d w (bare = seconds). Returns 0 and *out; -1 when s is not a
 * duration, TL_DURATION_TOO_LONG over TL_DURATION_MAX_SECS (about 31,700
 * years), TL_DURATION_TOO_SHORT when it is not zero but rounds to 0 us. */
#define TL_DURATION_MAX_SECS 1e12
#define TL_DURATION_TOO_LONG (-2)
#define TL_DURATION_TOO_SHORT (-3)
int tl_duration_parse(const char *s, tl_time *out);

/* tl_time_format: write t as "YYYY-MM-DDTHH:MM:SSZ" (with a fraction
 * only when t is not a whole second) into buf, which holds >= 40 bytes.
 * Returns the length written. */
size_t tl_time_format(tl_time t, char *buf);

/* tl_civil_from_days: the proleptic Gregorian date of a day number
 * (days since 1970-01-01; H. Hinnant's civil_from_days). */
void tl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* tl_days: a duration in days as a double. */
static inline double tl_days(tl_time d) { return (double)d / (double)TL_DAY; }

/* tl_floor_div: floor(a / b) for b > 0, exact for negative a. */
static inline int64_t tl_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

#endif
