/* xsum.c - exact sums of doubles in a long accumulator (xsum.h, where the
 * addition is, inline). A double is m 2^(e-1075) with a 53-bit m (e >= 1),
 * or m 2^-1074 (subnormal): in units of 2^-1074 it is m shifted left by
 * e - 1 bits, at most 2098 bits, which land in three 32-bit limbs. Limbs
 * are signed 64-bit, so additions need no carry until 2^29 of them have
 * been made (each adds less than 2^33 to a limb); then the carries are
 * propagated. Reading rounds the
 * top 64 bits, with a sticky bit for everything below them, to a double
 * by the hardware's conversion (to nearest, ties to even). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/num.h"
#include "util/xsum.h"

#define TWO32 4294967296.0

void tl_xsum_init(struct tl_xsum *s) { memset(s, 0, sizeof *s); }

/* normalize: propagate the carries: every limb but the top one in
 * [0, 2^32); the top one holds the sign (0 or negative). */
static void normalize(struct tl_xsum *s)
{
	for (int i = 0; i + 1 < TL_XSUM_LIMBS; i++) {
		int64_t lo = (int64_t)((uint64_t)s->limb[i] & 0xffffffffu);
		s->limb[i + 1] += (s->limb[i] - lo) / (int64_t)TWO32;
		s->limb[i] = lo;
	}
	s->adds = 0;
}

void tl_xsum_carry(struct tl_xsum *s) { normalize(s); }

void tl_xsum_add_product(struct tl_xsum *s, double a, double b)
{
	double p = a * b;
	tl_xsum_add(s, p);
	if (isfinite(p))
		tl_xsum_add(s, fma(a, b, -p));
}

void tl_xsum_merge(struct tl_xsum *s, const struct tl_xsum *t)
{
	struct tl_xsum c = *t;
	normalize(&c);
	normalize(s);
	for (int i = 0; i < TL_XSUM_LIMBS; i++)
		s->limb[i] += c.limb[i];
	s->adds = 1;
	s->inf_pos |= t->inf_pos;
	s->inf_neg |= t->inf_neg;
	s->nan |= t->nan;
}

/* limb i of the normalized magnitude, 0 below the first. */
static uint64_t at(const struct tl_xsum *s, int i) { return i < 0 ? 0 : (uint64_t)s->limb[i]; }

/* magnitude: the top 64 bits of the normalized, non-negative s, with a
 * sticky low bit, in *r, and their weight's exponent; 0 when s is 0. */
static int magnitude(const struct tl_xsum *s, uint64_t *r, int *exp2)
{
	int t = TL_XSUM_LIMBS - 1;
	while (t >= 0 && s->limb[t] == 0)
		t--;
	if (t < 0)
		return 0;
	int hb = 31 - __builtin_clz((unsigned)s->limb[t]);   /* the top bit of limb t */
	uint64_t low = at(s, t - 2), sticky = low & (((uint64_t)1 << (hb + 1)) - 1);
	*r = (at(s, t) << (63 - hb)) | (at(s, t - 1) << (31 - hb)) | (low >> (hb + 1));
	for (int i = t - 3; i >= 0 && !sticky; i--)
		sticky = s->limb[i] != 0;
	*r |= sticky != 0;
	*exp2 = 32 * (t - 2) + hb + 1 - 1074;
	return 1;
}

double tl_xsum_value(const struct tl_xsum *s)
{
	struct tl_xsum c = *s;
	uint64_t r;
	int exp2, neg;
	if (s->nan || (s->inf_pos && s->inf_neg))
		return NAN;
	if (s->inf_pos || s->inf_neg)
		return s->inf_pos ? INFINITY : -INFINITY;
	normalize(&c);
	neg = c.limb[TL_XSUM_LIMBS - 1] < 0;
	if (neg) {
		for (int i = 0; i < TL_XSUM_LIMBS; i++)
			c.limb[i] = -c.limb[i];
		normalize(&c);
	}
	if (!magnitude(&c, &r, &exp2))
		return 0;
	double v = ldexp((double)r, exp2);   /* exact: a normal result, or r < 2^52 */
	return neg ? -v : v;
}

int tl_xsum_terms(const struct tl_xsum *s, double *t)
{
	struct tl_xsum c = *s;
	int n = 0;
	for (;;) {
		double d = tl_xsum_value(&c);
		if (!isfinite(d))
			return -1;
		if (d == 0 || n == TL_XSUM_TERMS_MAX)
			return n;
		t[n++] = d;
		tl_xsum_add(&c, -d);
	}
}

size_t tl_xsum_parts(const struct tl_xsum *s, double *parts)
{
	struct tl_xsum finite = *s;
	finite.inf_pos = finite.inf_neg = finite.nan = 0;
	int n = tl_xsum_terms(&finite, parts);
	size_t k = n < 0 ? 0 : (size_t)n;
	if (n < 0)   /* beyond the double range: one part, its infinity */
		parts[k++] = tl_xsum_value(&finite);
	if (s->inf_pos)
		parts[k++] = INFINITY;
	if (s->inf_neg)
		parts[k++] = -INFINITY;
	if (s->nan)
		parts[k++] = NAN;
	return k;
}

void tl_xsum_print(const struct tl_xsum *s, FILE *f)
{
	double t[TL_XSUM_TERMS_MAX];
	int n = tl_xsum_terms(s, t);
	if (n <= 0)
		fputs(n == 0 ? "0" : "nan", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.17g", i ? " " : "", t[i]);
}

int tl_xsum_parse(struct tl_xsum *s, const char *p, size_t n)
{
	size_t i = 0, terms = 0;
	while (i < n) {
		size_t j = i;
		double v;
		while (j < n && p[j] != ' ')
			j++;
		if (j == i || tl_num_parse(p + i, j - i, &v) != 0 || !isfinite(v) || ++terms > TL_XSUM_TERMS_MAX)
			return -1;
		tl_xsum_add(s, v);
		i = j + 1;
		if (j + 1 == n)   /* a trailing space */
			return -1;
	}
	return n ? 0 : -1;
}
