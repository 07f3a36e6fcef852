/* xsum.h - exact sums of doubles. The accumulator is a fixed-point number
 * wide enough for every finite double (a long accumulator: 68 signed limbs
 * of 32 bits from 2^-1074 up), so adding never rounds: the sum of a set of
 * values does not depend on their order, nor on how they were split into
 * partial sums that were merged. It is rounded once, correctly (to
 * nearest, ties to even), when it is read, and it can be written exactly
 * as a few doubles (its terms) and read back. Merged fits (tl-model's
 * sharded --fit) equal the single run bit for bit through it. */
#ifndef TL_XSUM_H
#define TL_XSUM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TL_XSUM_LIMBS 68
/* The most terms tl_xsum_terms gives (each holds 53 of the ~2150 bits). */
#define TL_XSUM_TERMS_MAX 48

/* Zero-initialise: struct tl_xsum s = {0}; or tl_xsum_init. */
struct tl_xsum {
	int64_t limb[TL_XSUM_LIMBS];   /* limb i weighs 2^(32 i - 1074) */
	uint32_t adds;                 /* since the carries were last propagated */
	/* Infinities and NaN are kept aside: the value is NaN with a NaN or
	 * both infinities added, else the infinity added. */
	unsigned char inf_pos, inf_neg, nan;
};

void tl_xsum_init(struct tl_xsum *s);

/* tl_xsum_carry: propagate s's carries (tl_xsum_add does, every
 * TL_XSUM_CARRY_EVERY additions: each adds less than 2^33 to a limb). */
#define TL_XSUM_CARRY_EVERY (1u << 29)
void tl_xsum_carry(struct tl_xsum *s);

/* tl_xsum_add: s += v exactly; an infinity or NaN is kept aside. Inline: the sums of a fit add millions of terms. */
static inline void tl_xsum_add(struct tl_xsum *s, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	int e = (int)(u >> 52) & 0x7ff;
	uint64_t m = u & 0xfffffffffffffu;
	if (e == 0x7ff) {
		if (m)
			s->nan = 1;
		else if (u >> 63)
			s->inf_neg = 1;
		else
			s->inf_pos = 1;
		return;
	}
	if (e)
		m |= (uint64_t)1 << 52;
	else
		e = 1;
	int pos = e - 1, k = pos >> 5, sh = pos & 31;   /* m 2^pos in units of 2^-1074 */
	uint64_t lo = (m & 0xffffffffu) << sh, hi = (m >> 32) << sh;
	int64_t a0 = (int64_t)(lo & 0xffffffffu), a1 = (int64_t)((lo >> 32) + (hi & 0xffffffffu));
	int64_t a2 = (int64_t)(hi >> 32);
	if (u >> 63) {
		a0 = -a0;
		a1 = -a1;
		a2 = -a2;
	}
	s->limb[k] += a0;
	s->limb[k + 1] += a1;
	s->limb[k + 2] += a2;
	if (++s->adds >= TL_XSUM_CARRY_EVERY)
		tl_xsum_carry(s);
}

/* tl_xsum_add_product: s += a * b exactly (the product's rounding error
 * is added too, by fma). */
void tl_xsum_add_product(struct tl_xsum *s, double a, double b);

/* tl_xsum_merge: s += t exactly. */
void tl_xsum_merge(struct tl_xsum *s, const struct tl_xsum *t);

/* tl_xsum_value: the sum rounded to the nearest double (ties to even);
 * +-inf beyond the largest double; with infinities or NaN added, NaN
 * (a NaN, or both infinities) or the infinity added. */
double tl_xsum_value(const struct tl_xsum *s);

/* tl_xsum_terms: the exact sum as at most TL_XSUM_TERMS_MAX doubles, the
 * largest first, each the rounded remainder of the ones before it, in
 * t[]: returns how many (0 for a zero sum; -1 when the sum is not finite).
 * Adding the terms to an empty accumulator gives s back. */
int tl_xsum_terms(const struct tl_xsum *s, double *t);

/* tl_xsum_parts: the sum as at most TL_XSUM_MAX_PARTS doubles whose exact
 * sum it is: its terms (as tl_xsum_terms; a finite sum beyond the double
 * range is one part, its infinity), then the infinities and NaN kept
 * aside, one part each. Adding the parts to a zero sum gives the same sum
 * back, so they are what a stats file writes. */
#define TL_XSUM_MAX_PARTS (TL_XSUM_TERMS_MAX + 3)
size_t tl_xsum_parts(const struct tl_xsum *s, double *parts);

/* tl_xsum_print: the terms to f, %.17g separated by single spaces ("0"
 * for zero), so that tl_xsum_parse reads the exact sum back. */
void tl_xsum_print(const struct tl_xsum *s, FILE *f);

/* tl_xsum_parse: add the terms in p[0..n) (numbers separated by single
 * spaces, as tl_xsum_print writes them) to s. Returns 0, or -1 when the
 * text is not such a list of finite numbers. */
int tl_xsum_parse(struct tl_xsum *s, const char *p, size_t n);

#endif
