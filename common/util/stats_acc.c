/* stats_acc.c - one-pass accumulators: moments and co-moments by Welford's
 * update [Wel] and the pairwise merge [CGL], Neumaier's compensated sum
 * [Neu], the exact sum [She] (the sources: the comment at the top of
 * stats.c). */
#include "util/stats.h"

#include <math.h>
#include <stdlib.h>

#include "util/err.h"

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

/* ---- the exact sum: a non-overlapping expansion [She] ------------------ */

static void xsum_special(struct tl_xsum *s, double x)
{
	s->special = s->has_special ? s->special + x : x;
	s->has_special = 1;
}

/* Shewchuk's GROW-EXPANSION with the two-sum of |x| >= |y| (Dekker's
 * fast two-sum), zero parts dropped: after it the parts sum exactly to
 * the old sum plus x. */
void tl_xsum_add(struct tl_xsum *s, double x)
{
	if (!isfinite(x)) {
		xsum_special(s, x);
		return;
	}
	size_t i = 0;
	for (size_t j = 0; j < s->n; j++) {
		double y = s->part[j];
		if (fabs(x) < fabs(y)) {
			double t = x;
			x = y;
			y = t;
		}
		double hi = x + y, lo = y - (hi - x);
		if (lo != 0)
			s->part[i++] = lo;
		x = hi;
	}
	if (!isfinite(x)) {   /* the sum overflowed */
		s->n = i;
		xsum_special(s, x);
		return;
	}
	if (x != 0 && i == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->part = tl_xrealloc(s->part, s->cap * sizeof *s->part);
	}
	if (x != 0)   /* no zero part: the text form has none either */
		s->part[i++] = x;
	s->n = i;
}

void tl_xsum_add_square(struct tl_xsum *s, double x)
{
	double p = x * x;
	tl_xsum_add(s, p);
	if (isfinite(p))
		tl_xsum_add(s, fma(x, x, -p));
}

void tl_xsum_add_sum(struct tl_xsum *a, const struct tl_xsum *b)
{
	for (size_t i = 0; i < b->n; i++)
		tl_xsum_add(a, b->part[i]);
	if (b->has_special)
		xsum_special(a, b->special);
}

/* The parts from the largest down until a sum is inexact, then the
 * round-half-even correction from the sign of the rest (as in fsum). */
double tl_xsum_value(const struct tl_xsum *s)
{
	if (s->has_special)
		return s->special;
	size_t n = s->n;
	if (n == 0)
		return 0;
	double hi = s->part[--n], lo = 0;
	while (n > 0) {
		double x = hi, y = s->part[--n];
		hi = x + y;
		lo = y - (hi - x);
		if (lo != 0)
			break;
	}
	if (n > 0 && ((lo < 0 && s->part[n - 1] < 0) || (lo > 0 && s->part[n - 1] > 0))) {
		double y = lo * 2, x = hi + y;
		if (y == x - hi)
			hi = x;
	}
	return hi;
}

void tl_xsum_clear(struct tl_xsum *s)
{
	s->n = 0;
	s->special = 0;
	s->has_special = 0;
}

size_t tl_xsum_terms(const struct tl_xsum *s, double *t)
{
	if (s->has_special) {
		t[0] = s->special;
		return 1;
	}
	struct tl_xsum r = {0};
	size_t k = 0;
	tl_xsum_add_sum(&r, s);
	while (r.n > 0 && k < TL_XSUM_TERMS) {   /* each term leaves < 2^-52 of the rest: at most ~41 */
		t[k] = tl_xsum_value(&r);
		tl_xsum_add(&r, -t[k++]);
	}
	tl_xsum_free(&r);
	return k;
}

/* e += sign·a·b exactly (both halves of fma's two-product). */
static void add_product(struct tl_xsum *e, double a, double b, double sign)
{
	double p = a * b;
	tl_xsum_add(e, sign * p);
	if (isfinite(p))
		tl_xsum_add(e, sign * fma(a, b, -p));
}

double tl_xsum_m2(double n, const struct tl_xsum *s1, const struct tl_xsum *s2)
{
	if (n < 1)
		return 0;
	if (s1->has_special || s2->has_special)
		return s1->special * 0 + s2->special;   /* inf or NaN, as plain sums give */
	struct tl_xsum e = {0};
	for (size_t i = 0; i < s2->n; i++)
		add_product(&e, s2->part[i], n, 1);
	for (size_t i = 0; i < s1->n; i++)
		for (size_t j = 0; j < s1->n; j++)
			add_product(&e, s1->part[i], s1->part[j], -1);
	double v = tl_xsum_value(&e) / n;
	tl_xsum_free(&e);
	return v < 0 ? 0 : v;   /* only an underflowed part can make it negative */
}

void tl_xsum_free(struct tl_xsum *s)
{
	free(s->part);
	*s = (struct tl_xsum){0};
}
