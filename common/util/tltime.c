/* tltime.c - ISO-8601 / epoch timestamp parsing and formatting, durations. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"
#include "util/tltime.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day number z (tltime.h). */
void tl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dim[m - 1];
}

/* Read exactly k digits at *p (bounded by end) into *v. */
static int digits(const char **p, const char *end, int k, int *v)
{
	int x = 0;
	for (int i = 0; i < k; i++) {
		if (*p >= end || (unsigned)(**p - '0') > 9)
			return -1;
		x = x * 10 + (**p - '0');
		(*p)++;
	}
	*v = x;
	return 0;
}

/* A number of units after an epoch, with a fraction (one number rule of
 * util/num): plain decimals exactly, in integers (1433946701.1 s is
 * ...701.100000, not a rounding of a double); a value with an exponent
 * through a double. Finer than a microsecond truncates toward zero.
 * 0, -1 when s is not a number, TL_TIME_RANGE when it overflows. */
static int parse_number(const char *s, size_t n, tl_time unit, tl_time epoch, tl_time *out)
{
	size_t i = 0, nd = 0;
	int neg = n > 0 && s[0] == '-';
	i = n > 0 && (s[0] == '-' || s[0] == '+');
	__int128 whole = 0, frac = 0, scale = 1;
	for (; i < n && (unsigned)(s[i] - '0') <= 9; i++, nd++)
		if ((whole = whole * 10 + (s[i] - '0')) > (__int128)1 << 80)
			return TL_TIME_RANGE;
	if (i < n && s[i] == '.')
		for (i++; i < n && (unsigned)(s[i] - '0') <= 9; i++, nd++)
			if (scale < (__int128)1000000000000000000)   /* 18 digits: below a microsecond of a day */
				frac = frac * 10 + (s[i] - '0'), scale *= 10;
	if (nd == 0)
		return -1;
	__int128 us;
	if (i < n && s[i] != 'e' && s[i] != 'E')
		return -1;   /* a date, or not a number */
	if (i < n) {   /* an exponent: through a double */
		double v;
		int rc = tl_num_parse(s, n, &v);
		if (rc == TL_NUM_RANGE)
			return TL_TIME_RANGE;
		if (rc < 0)
			return -1;
		double x = v * (double)unit;
		if (!(fabs(x) < 1e20))
			return TL_TIME_RANGE;
		us = (__int128)trunc(x);
	} else {
		us = whole * unit + frac * unit / scale;
		us = neg ? -us : us;
	}
	us += epoch;
	if (us < INT64_MIN / 2 || us > INT64_MAX / 2)
		return TL_TIME_RANGE;
	*out = (tl_time)us;
	return 0;
}

/* Zone suffix: Z, +hh:mm, +hhmm, +hh (or '-'). Stores the offset in seconds. */
static int parse_zone(const char *p, const char *end, int64_t *off)
{
	*off = 0;
	if (p == end)
		return 0;
	if (*p == 'Z' || *p == 'z')
		return p + 1 == end ? 0 : -1;
	if (*p != '+' && *p != '-')
		return -1;
	int sign = *p++ == '-' ? -1 : 1, hh, mm = 0;
	if (digits(&p, end, 2, &hh) < 0)
		return -1;
	if (p < end && *p == ':')
		p++;
	if (p < end && digits(&p, end, 2, &mm) < 0)
		return -1;
	if (p != end || hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* Time of day after the date: HH:MM[:SS[.frac]]; stores seconds and usec. */
static int parse_clock(const char **pp, const char *end, int64_t *secs, int64_t *usec)
{
	const char *p = *pp;
	int hh, mi, ss = 0;
	if (digits(&p, end, 2, &hh) < 0 || p >= end || *p++ != ':' || digits(&p, end, 2, &mi) < 0)
		return -1;
	*usec = 0;
	if (p < end && *p == ':') {
		p++;
		if (digits(&p, end, 2, &ss) < 0)
			return -1;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			int nd = 0;
			int64_t f = 0;
			while (p < end && (unsigned)(*p - '0') <= 9) {
				if (nd < 6)
					f = f * 10 + (*p - '0');
				nd++;
				p++;
			}
			if (nd == 0)
				return -1;
			for (int i = nd; i < 6; i++)
				f *= 10;
			*usec = f;
		}
	}
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;
	*secs = hh * 3600 + mi * 60 + ss;
	*pp = p;
	return 0;
}

/* The date part of the last timestamp parsed: consecutive events mostly
 * share a day, so its days-since-epoch is reused (one per thread: the
 * reader's read-ahead thread parses timestamps too). */
static _Thread_local char cached_date[10];
static _Thread_local int64_t cached_days;

static int parse_date(const char **pp, const char *end, int64_t *days)
{
	const char *p = *pp;
	uint64_t a, b;
	uint16_t c, e;
	if (end - p >= 10 && (memcpy(&a, p, 8), memcpy(&b, cached_date, 8), a == b) &&
	    (memcpy(&c, p + 8, 2), memcpy(&e, cached_date + 8, 2), c == e)) {
		*days = cached_days;
		*pp = p + 10;
		return 0;
	}
	int y, m, d;
	if (digits(&p, end, 4, &y) < 0 || p >= end || *p++ != '-' || digits(&p, end, 2, &m) < 0 ||
	    p >= end || *p++ != '-' || digits(&p, end, 2, &d) < 0)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	memcpy(cached_date, *pp, 10);
	cached_days = *days;
	*pp = p;
	return 0;
}

/* Two decimal digits at s, or -1. */
static inline int dig2(const char *s)
{
	unsigned a = (unsigned)(s[0] - '0'), b = (unsigned)(s[1] - '0');
	return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* The common form YYYY-MM-DDTHH:MM:SSZ, parsed in one step; -1 when s
 * has another form (the general parser then decides). */
static int parse_common(const char *s, size_t n, tl_time *out)
{
	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[19] != 'Z')
		return -1;
	/* "HH:MM:SS" as one little-endian word: colons at bytes 2 and 5,
	 * digits elsewhere (high nibble 3, and no carry out of the low one
	 * when 6 is added); then each byte pair d0 * 10 + d1 in one multiply */
	const uint64_t digits = 0xFFFF00FFFF00FFFFULL, nib = 0xF0F0F0F0F0F0F0F0ULL, threes = 0x3030303030303030ULL;
	uint64_t t;
	memcpy(&t, s + 11, 8);
	if ((t & ~digits) != 0x00003A00003A0000ULL || (t & nib & digits) != (threes & digits) ||
	    ((t + 0x0606060606060606ULL) & nib & digits) != (threes & digits))
		return -1;
	uint64_t dt = t - threes, v = dt * 10 + (dt >> 8);
	int hh = (int)(v & 0xFF), mi = (int)(v >> 24 & 0xFF), ss = (int)(v >> 48 & 0xFF);
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;
	/* the date: "YYYY-MM-" as a word; its month's first day is cached, so
	 * a new day in the same month costs two digits */
	static _Thread_local uint64_t cached_ym;
	static _Thread_local int64_t cached_base;
	static _Thread_local int cached_dim;
	uint64_t ym;
	memcpy(&ym, s, 8);
	int d = dig2(s + 8);
	if (ym != cached_ym || d < 1 || d > cached_dim) {
		int yh = dig2(s), yl = dig2(s + 2), m = dig2(s + 5);
		if ((yh | yl | m | d) < 0 || m < 1 || m > 12 || d < 1)
			return -1;
		int y = yh * 100 + yl, dim = days_in_month(y, m);
		if (d > dim)
			return -1;
		cached_ym = ym;
		cached_base = days_from_civil(y, m, 1);
		cached_dim = dim;
	}
	int64_t days = cached_base + d - 1;
	*out = (days * 86400 + hh * 3600 + mi * 60 + ss) * TL_SEC;
	return 0;
}

/* The instants tl can write back in ISO form (§2): 0000-01-01T00:00:00Z
 * to 9999-12-31T23:59:59.999999Z. */
#define TIME_MIN (-62167219200LL * TL_SEC)
#define TIME_END (253402300800LL * TL_SEC)

static int parse_iso(const char *s, size_t n, tl_time *out);

int tl_time_parse_as(const char *s, size_t n, tl_time unit, tl_time epoch, tl_time *out)
{
	tl_time t;
	int rc = 0;
	if (parse_common(s, n, &t) == 0)
		rc = 0;
	else if ((rc = parse_number(s, n, unit, epoch, &t)) == 0)
		rc = 1;
	else if (rc == TL_TIME_RANGE)
		return rc;
	else if ((rc = parse_iso(s, n, &t)) < 0)
		return -1;
	if (t < TIME_MIN || t >= TIME_END)
		return rc == 1 ? TL_TIME_RANGE : -1;
	*out = t;
	return rc;
}

int tl_time_parse(const char *s, size_t n, tl_time *out)
{
	return tl_time_parse_as(s, n, TL_SEC, 0, out) < 0 ? -1 : 0;
}

/* The general ISO-8601 form (parse_common took the usual one). */
static int parse_iso(const char *s, size_t n, tl_time *out)
{
	const char *p = s, *end = s + n;
	int64_t days, secs = 0, usec = 0, off = 0;
	if (parse_date(&p, end, &days) < 0)
		return -1;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (parse_clock(&p, end, &secs, &usec) < 0)
			return -1;
	}
	if (parse_zone(p, end, &off) < 0)
		return -1;
	*out = (days * 86400 + secs - off) * TL_SEC + usec;
	return 0;
}

int tl_duration_parse(const char *s, tl_time *out)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800},
	};
	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	size_t n = strlen(s);
	int64_t mult = 1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s[n - 1] == units[i].unit) {
			mult = units[i].secs;
			n--;
		}
	double v = 0;
	int rc = tl_num_parse(s, n, &v);   /* the one number rule: no hex, no inf */
	if (rc == TL_NUM_RANGE)
		return fabs(v) >= 1 ? TL_DURATION_TOO_LONG : TL_DURATION_TOO_SHORT;
	if (rc < 0 || v < 0)
		return -1;
	double secs = v * (double)mult;
	if (!(secs <= TL_DURATION_MAX_SECS))   /* also infinity and strtod's overflow */
		return TL_DURATION_TOO_LONG;
	if (v > 0 && secs * (double)TL_SEC < 0.5)
		return TL_DURATION_TOO_SHORT;
	*out = (tl_time)(secs * (double)TL_SEC + 0.5);
	return 0;
}

size_t tl_time_format(tl_time t, char *buf)
{
	int64_t secs = tl_floor_div(t, TL_SEC), usec = t - secs * TL_SEC;
	int64_t days = tl_floor_div(secs, 86400), sod = secs - days * 86400;
	int64_t y;
	int m, d;
	tl_civil_from_days(days, &y, &m, &d);
	int n = snprintf(buf, 40, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d", y, m, d,
			 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (usec) {
		n += snprintf(buf + n, 40 - n, ".%06d", (int)usec);
		while (buf[n - 1] == '0')
			n--;
	}
	buf[n++] = 'Z';
	buf[n] = '\0';
	return (size_t)n;
}
