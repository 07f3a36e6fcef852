/* num.c - numbers written without printf on the hot path: integers, and
 * %.6g exactly as printf writes it (DESIGN §2); the one number reader. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"

/* Integer formatting without printf (hot path). */
size_t tl_format_int(long long v, char *buf)
{
	char tmp[24];
	size_t n = 0, k = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = tmp[--n];
	return k;
}

/* Exact powers of ten 10^0 .. 10^22 (all representable as doubles). */
static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* |v| scaled to 6 significant digits for decimal exponent e: one correctly
 * rounded multiply or divide by an exact power of ten. */
static int scale6(double a, int e, double *s)
{
	int k = 5 - e;
	if (k < -22 || k > 22)
		return -1;
	*s = k >= 0 ? a * pow10_exact[k] : a / pow10_exact[-k];
	return 0;
}

static size_t put_digits(char *out, long long m, int ndig)
{
	for (int i = ndig - 1; i >= 0; i--, m /= 10)
		out[i] = (char)('0' + m % 10);
	return (size_t)ndig;
}

/* layout_g6: the nd significant digits dig (no trailing zeros) with
 * decimal exponent e, laid out as %g does: exponent form outside
 * 1e-4 <= |v| < 1e6, else plain; returns the end. */
static char *layout_g6(char *o, const char *dig, int nd, int e)
{
	if (e < -4 || e >= 6) {          /* d.ddddde+XX */
		*o++ = dig[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, dig + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = e < 0 ? '-' : '+';
		int x = e < 0 ? -e : e;
		o += put_digits(o, x, x >= 100 ? 3 : 2);
	} else if (e >= 0) {             /* ddd.ddd */
		int intd = e + 1;
		memcpy(o, dig, (size_t)intd);
		o += intd;
		if (nd > intd) {
			*o++ = '.';
			memcpy(o, dig + intd, (size_t)(nd - intd));
			o += nd - intd;
		}
	} else {                         /* 0.000ddd */
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -e - 1; i++)
			*o++ = '0';
		memcpy(o, dig, (size_t)nd);
		o += nd;
	}
	return o;
}

size_t tl_format_g6(double v, char *buf)
{
	double a = fabs(v), s;
	if (!(a >= 1e-17 && a < 1e27))
		return 0;
	/* decimal exponent from the binary one: floor(e2 * log10(2)) is at most
	 * one below floor(log10(a)); the scaling below corrects it */
	uint64_t bits;
	memcpy(&bits, &a, sizeof bits);
	int e2 = (int)((bits >> 52) & 0x7ff) - 1023;
	int e = (int)floor(e2 * 0.30102999566398120);
	if (scale6(a, e, &s) < 0)
		return 0;
	if (s < 100000 && scale6(a, --e, &s) < 0)
		return 0;
	if (s >= 1000000 && scale6(a, ++e, &s) < 0)
		return 0;
	if (s >= 1000000 && scale6(a, ++e, &s) < 0)
		return 0;
	double fl = floor(s);
	if (fabs(s - fl - 0.5) < 1e-6)   /* too close to a tie: let printf decide */
		return 0;
	long long m = (long long)fl + (s - fl > 0.5);
	if (m == 1000000)
		m = 100000, e++;
	char dig[6];
	put_digits(dig, m, 6);
	int nd = 6;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	char *o = buf;
	if (v < 0)
		*o++ = '-';
	o = layout_g6(o, dig, nd, e);
	*o = '\0';
	return (size_t)(o - buf);
}

double tl_round_g6(double v)
{
	char buf[32];
	if (!isfinite(v))
		return v;
	size_t n = tl_format_g6(v, buf);
	if (n == 0)
		snprintf(buf, sizeof buf, "%.6g", v);
	return strtod(buf, NULL);
}


static size_t skip_digits(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

int tl_num_parse(const char *s, size_t n, double *out)
{
	char buf[128];
	size_t i = 0, j;
	if (n == 0 || n >= sizeof buf)
		return TL_NUM_BAD;
	if (s[i] == '-' || s[i] == '+')
		i++;
	j = skip_digits(s, i, n);
	int digits = j > i;
	if (j < n && s[j] == '.') {
		size_t k = skip_digits(s, j + 1, n);
		digits |= k > j + 1;
		j = k;
	}
	if (!digits)
		return TL_NUM_BAD;
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		size_t e = j + 1 < n && (s[j + 1] == '+' || s[j + 1] == '-') ? j + 2 : j + 1;
		j = skip_digits(s, e, n);
		if (j == e)
			return TL_NUM_BAD;
	}
	if (j != n)
		return TL_NUM_BAD;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	double v = strtod(buf, NULL);
	*out = v;
	return errno == ERANGE || !isfinite(v) ? TL_NUM_RANGE : 0;
}

int tl_uint_parse(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	if (n == 0)
		return TL_NUM_BAD;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TL_NUM_BAD;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10 || d > max)   /* v * 10 + d > max, without wrapping */
			return TL_NUM_BAD;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
