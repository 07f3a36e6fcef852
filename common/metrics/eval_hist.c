/* eval_hist.c - the score histogram of tl-eval's binary mode (eval.h):
 * counts of positives and negatives per distinct score, kept sorted by
 * merging batches of new scores into it. */
#include <stdlib.h>
#include <string.h>

#include "metrics/eval.h"
#include "util/err.h"

#define PENDING_MIN 65536   /* new buckets merged in at a time, at least */

static int by_score(const void *a, const void *b)
{
	double x = ((const struct tl_eval_bucket *)a)->score, y = ((const struct tl_eval_bucket *)b)->score;
	return (x > y) - (x < y);
}

/* sort_unique: sort b[0, n) by score and fold equal scores; returns the
 * number of distinct ones. */
static size_t sort_unique(struct tl_eval_bucket *b, size_t n)
{
	if (n < 2)
		return n;
	qsort(b, n, sizeof *b, by_score);
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		if (b[i].score == b[k].score) {
			b[k].pos += b[i].pos;
			b[k].neg += b[i].neg;
		} else {
			b[++k] = b[i];
		}
	}
	return k + 1;
}

/* Merge the sorted distinct pending buckets (copied aside) into b[0, n)
 * from the top down, then move the result to the front. */
void tl_eval_hist_compact(struct tl_eval_hist *h)
{
	if (!h->b)   /* nothing added */
		return;
	size_t p = sort_unique(h->b + h->n, h->pending);
	h->pending = 0;
	if (h->n == 0 || p == 0) {
		h->n += p;
		return;
	}
	struct tl_eval_bucket *q = tl_xmalloc(p * sizeof *q);
	memcpy(q, h->b + h->n, p * sizeof *q);
	size_t w = h->n + p;   /* one past the next write */
	size_t i = h->n, j = p;
	while (j > 0) {        /* w > i while pending ones remain: no unread bucket is overwritten */
		struct tl_eval_bucket x;
		if (i > 0 && h->b[i - 1].score > q[j - 1].score) {
			x = h->b[--i];
		} else if (i > 0 && h->b[i - 1].score == q[j - 1].score) {
			x = h->b[--i];
			j--;
			x.pos += q[j].pos;
			x.neg += q[j].neg;
		} else {
			x = q[--j];
		}
		h->b[--w] = x;
	}
	if (w > i)   /* equal scores were folded: close the gap */
		memmove(h->b + i, h->b + w, (h->n + p - w) * sizeof *h->b);
	h->n = i + (h->n + p - w);
	free(q);
}

/* batch: how many pending buckets wait before they are merged in. */
static size_t batch(size_t n) { return n / 4 > PENDING_MIN ? n / 4 : PENDING_MIN; }

/* The array holds the histogram and one batch: about 1.25 times the
 * distinct scores, and a copy of the batch while it is merged in. */
void tl_eval_hist_add(struct tl_eval_hist *h, double score, long long pos, long long neg)
{
	if (h->pending >= batch(h->n))
		tl_eval_hist_compact(h);
	if (h->n + h->pending == h->cap) {
		size_t want = h->n + batch(h->n), cap = h->cap ? 2 * h->cap : 256;
		h->cap = cap < want ? cap : want;   /* either is more than n + pending */
		h->b = tl_xrealloc(h->b, h->cap * sizeof *h->b);
	}
	h->b[h->n + h->pending++] = (struct tl_eval_bucket){score == 0 ? 0 : score, pos, neg};
}

void tl_eval_hist_free(struct tl_eval_hist *h)
{
	free(h->b);
	memset(h, 0, sizeof *h);
}
