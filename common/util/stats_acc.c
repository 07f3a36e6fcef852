/* stats_acc.c - one-pass accumulators: moments and co-moments by Welford's
 * update [Wel] and the pairwise merge [CGL], Neumaier's compensated sum
 * [Neu] (the sources: the comment at the top of stats.c). */
#include "util/stats.h"

#include <math.h>
#include <string.h>

/* Welford's update [Wel]: mean_n = mean + d/n, m2 += d (x - mean_n). */
void tl_moments_add(struct tl_moments *m, double x)
{
	double d = x - m->mean;
	m->n += 1;
	m->mean += d / m->n;
	m->m2 += d * (x - m->mean);
}

/* Pairwise combination [CGL]: with delta = mean_b - mean_a,
 * mean = mean_a + delta n_b/n, m2 = m2_a + m2_b + delta^2 n_a n_b / n. */
void tl_moments_merge(struct tl_moments *a, const struct tl_moments *b)
{
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double n = a->n + b->n, delta = b->mean - a->mean;
	a->mean += delta * (b->n / n);
	a->m2 += b->m2 + delta * delta * (a->n * (b->n / n));
	a->n = n;
}

double tl_moments_var(const struct tl_moments *m)
{
	return m->n < 2 ? NAN : m->m2 / (m->n - 1);
}

double tl_moments_sd(const struct tl_moments *m)
{
	return sqrt(tl_moments_var(m));
}

/* Bivariate Welford update [Wel]: C += (x - mean_x_old)(y - mean_y_new). */
void tl_comoments_add(struct tl_comoments *c, double x, double y)
{
	double dx = x - c->mean_x, dy = y - c->mean_y;
	c->n += 1;
	c->mean_x += dx / c->n;
	c->mean_y += dy / c->n;
	c->m2x += dx * (x - c->mean_x);
	c->m2y += dy * (y - c->mean_y);
	c->cxy += dx * (y - c->mean_y);
}

/* Pairwise combination [CGL] of co-moments: cxy = cxy_a + cxy_b + dx dy n_a n_b / n. */
void tl_comoments_merge(struct tl_comoments *a, const struct tl_comoments *b)
{
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double n = a->n + b->n, dx = b->mean_x - a->mean_x, dy = b->mean_y - a->mean_y;
	double w = a->n * (b->n / n);
	a->mean_x += dx * (b->n / n);
	a->mean_y += dy * (b->n / n);
	a->m2x += b->m2x + dx * dx * w;
	a->m2y += b->m2y + dy * dy * w;
	a->cxy += b->cxy + dx * dy * w;
	a->n = n;
}

double tl_comoments_cov(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->cxy / (c->n - 1);
}

double tl_comoments_var_x(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->m2x / (c->n - 1);
}

double tl_comoments_var_y(const struct tl_comoments *c)
{
	return c->n < 2 ? NAN : c->m2y / (c->n - 1);
}

/* Neumaier's variant of Kahan summation [Neu]: the lost low part of each
 * addition goes into comp, whichever operand is larger. */
void tl_ksum_add(struct tl_ksum *k, double x)
{
	double t = k->sum + x;
	if (fabs(k->sum) >= fabs(x))
		k->comp += (k->sum - t) + x;
	else
		k->comp += (x - t) + k->sum;
	k->sum = t;
}

double tl_ksum_value(const struct tl_ksum *k)
{
	return k->sum + k->comp;
}

/* ---- the exact sum ------------------------------------------------------------
 * A double is m 2^e with an integer m < 2^53 and e >= -1074; its bits land
 * at fixed-point positions e + 1074 .. e + 1126 < 2100, spread over three
 * 32-bit limbs. Limbs are int64, so each may take 2^31 additions of 32-bit
 * chunks before the carries must be propagated; they are every 2^30. */

#define LIMB_BITS 32
#define LIMB_MASK 0xffffffffu
#define LIMB_BASE 4294967296.0   /* 2^32 */
#define XSUM_CARRY_EVERY (1u << 30)

/* carry: propagate the carries so that limbs 0 .. L-2 are in [0, 2^32)
 * and the top one holds the sign. */
static void carry(struct tl_xsum *s)
{
	for (int i = 0; i < TL_XSUM_LIMBS - 1; i++) {
		int64_t low = (int64_t)((uint64_t)s->limb[i] & LIMB_MASK);
		int64_t c = (s->limb[i] - low) / (int64_t)LIMB_BASE;   /* exact: a multiple of 2^32 */
		s->limb[i] = low;
		s->limb[i + 1] += c;
	}
	s->adds = 0;
}

void tl_xsum_add(struct tl_xsum *s, double x)
{
	if (!isfinite(x)) {
		if (isnan(x))
			s->nan = 1;
		else if (x > 0)
			s->inf_pos = 1;
		else
			s->inf_neg = 1;
		return;
	}
	if (x == 0)
		return;
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	int ex = (int)((bits >> 52) & 0x7ff);
	uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
	if (ex)
		m |= UINT64_C(1) << 52;
	int off = ex ? ex - 1 : 0;   /* the position of m's bit 0 */
	int i = off / LIMB_BITS, sh = off % LIMB_BITS;
	int64_t c0 = (int64_t)((m << sh) & LIMB_MASK), c1 = (int64_t)((m >> (LIMB_BITS - sh)) & LIMB_MASK);
	int64_t c2 = sh ? (int64_t)(m >> (64 - sh)) : 0;
	if (bits >> 63) {
		c0 = -c0, c1 = -c1, c2 = -c2;
	}
	s->limb[i] += c0;
	s->limb[i + 1] += c1;
	s->limb[i + 2] += c2;
	if (++s->adds == XSUM_CARRY_EVERY)
		carry(s);
}

void tl_xsum_add_times(struct tl_xsum *s, double c, double x)
{
	double p = c * x;
	tl_xsum_add(s, p);
	if (isfinite(p))
		tl_xsum_add(s, fma(c, x, -p));   /* c x - p exactly */
}

void tl_xsum_merge(struct tl_xsum *a, const struct tl_xsum *b)
{
	struct tl_xsum t = *b;
	carry(a);
	carry(&t);
	for (int i = 0; i < TL_XSUM_LIMBS; i++)
		a->limb[i] += t.limb[i];
	carry(a);
	a->inf_pos |= b->inf_pos;
	a->inf_neg |= b->inf_neg;
	a->nan |= b->nan;
}

/* magnitude: s with carries propagated and made non-negative; returns -1
 * when the sum was negative, else 1. */
static int magnitude(struct tl_xsum *s)
{
	carry(s);
	if (s->limb[TL_XSUM_LIMBS - 1] >= 0)
		return 1;
	for (int i = 0; i < TL_XSUM_LIMBS; i++)
		s->limb[i] = -s->limb[i];
	carry(s);
	return -1;
}

/* limb_at: limb i as unsigned, 0 below limb 0. */
static uint64_t limb_at(const struct tl_xsum *s, int i) { return i < 0 ? 0 : (uint64_t)s->limb[i]; }

/* finite_value: the finite part of s rounded to nearest, ties to even. */
static double finite_value(struct tl_xsum s)
{
	int sign = magnitude(&s), h = TL_XSUM_LIMBS - 1;
	while (h >= 0 && s.limb[h] == 0)
		h--;
	if (h < 0)
		return 0;
	int nb = 0;
	while (nb < 64 && (limb_at(&s, h) >> nb))
		nb++;   /* the top limb's bits: 1..32 (more only past the range: inf anyway) */
	if (nb > LIMB_BITS)
		return sign * INFINITY;
	/* the 64 bits from the top one down, and whether any bit below is set */
	uint64_t top = limb_at(&s, h) << (64 - nb) | limb_at(&s, h - 1) << (LIMB_BITS - nb) | limb_at(&s, h - 2) >> nb;
	int sticky = (limb_at(&s, h - 2) & ((UINT64_C(1) << nb) - 1)) != 0;
	for (int i = h - 3; i >= 0 && !sticky; i--)
		sticky = s.limb[i] != 0;
	uint64_t q = top >> 11, rem = top & 0x7ff;
	if (rem > 0x400 || (rem == 0x400 && (sticky || (q & 1))))
		q++;
	int e = LIMB_BITS * h + nb - 1 - 1074 - 52;   /* the weight of q's bit 0 */
	return sign * ldexp((double)q, e);
}

double tl_xsum_value(const struct tl_xsum *s)
{
	if (s->nan || (s->inf_pos && s->inf_neg))
		return NAN;
	if (s->inf_pos)
		return INFINITY;
	if (s->inf_neg)
		return -INFINITY;
	return finite_value(*s);
}

size_t tl_xsum_parts(const struct tl_xsum *s, double *parts)
{
	struct tl_xsum r = *s;
	size_t k = 0;
	r.inf_pos = r.inf_neg = r.nan = 0;
	for (;;) {
		double v = finite_value(r);
		if (v == 0)
			break;
		parts[k++] = v;
		if (!isfinite(v) || k == TL_XSUM_MAX_PARTS - 3)
			break;
		tl_xsum_add(&r, -v);   /* exact: v is within the range the limbs hold */
	}
	if (s->inf_pos)
		parts[k++] = INFINITY;
	if (s->inf_neg)
		parts[k++] = -INFINITY;
	if (s->nan)
		parts[k++] = NAN;
	return k;
}
