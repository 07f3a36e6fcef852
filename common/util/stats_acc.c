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
