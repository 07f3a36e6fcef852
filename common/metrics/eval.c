/* eval.c - prediction-versus-truth metrics for tl-eval (DESIGN §9). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "metrics/eval.h"

/* ---- binary: from the histogram (eval_hist.c) ---------------------------------- */

/* A positive beats every negative with a lower score and ties with one
 * half of those with an equal score: U = Σ_scores pos_s·(neg_below +
 * neg_s/2), which equals R_pos - P(P+1)/2 with midranks. All counts are
 * integers or halves, exact in doubles below 2^52. */
static double hist_auc(const struct tl_eval_hist *h, double P, double N)
{
	double u = 0, below = 0;
	if (P == 0 || N == 0)
		return NAN;
	for (size_t i = 0; i < h->n; i++) {
		double pg = (double)h->b[i].pos, ng = (double)h->b[i].neg;
		u += pg * (below + 0.5 * ng);
		below += ng;
	}
	return u / (P * N);
}

/* Walk the thresholds from the highest score down; at each distinct
 * score all its tied records enter together. */
static double hist_ap(const struct tl_eval_hist *h, double P)
{
	double tp = 0, fp = 0, ap = 0;
	if (P == 0)
		return NAN;
	for (size_t i = h->n; i-- > 0;) {
		double pg = (double)h->b[i].pos, ng = (double)h->b[i].neg;
		tp += pg;
		fp += ng;
		ap += (pg / P) * (tp / (tp + fp));
	}
	return ap;
}

double tl_eval_roc_auc(struct tl_eval_pair *p, size_t n)
{
	struct tl_eval_hist h = {0};
	double P = 0;
	for (size_t i = 0; i < n; i++) {
		tl_eval_hist_add(&h, p[i].score, p[i].label, !p[i].label);
		P += p[i].label;
	}
	tl_eval_hist_compact(&h);
	double auc = hist_auc(&h, P, (double)n - P);
	tl_eval_hist_free(&h);
	return auc;
}

size_t tl_eval_roc_curve(const struct tl_eval_hist *h, struct tl_eval_roc_point **out)
{
	long long tp = 0, fp = 0;
	size_t k = 0;
	*out = h->n ? tl_xmalloc(h->n * sizeof **out) : NULL;
	for (size_t i = h->n; i-- > 0;) {
		tp += h->b[i].pos;
		fp += h->b[i].neg;
		(*out)[k++] = (struct tl_eval_roc_point){h->b[i].score, tp, fp};
	}
	return k;
}

/* Brier = Σ (s - y)² / n and the bins' score sums, each term a count
 * times a square or a score, added exactly: the sums of one record at a
 * time. */
static void brier_and_bins(const struct tl_eval_hist *h, struct tl_eval_binary *out)
{
	struct tl_xsum b = {0}, bin[TL_EVAL_BINS];
	memset(bin, 0, sizeof bin);
	out->unit_scores = h->n == 0 || (h->b[0].score >= 0 && h->b[h->n - 1].score <= 1);
	if (!out->unit_scores || h->n == 0) {
		out->brier = NAN;
		return;
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct tl_eval_bucket *e = &h->b[i];
		double s = e->score;
		tl_xsum_add_product(&b, (double)e->pos, (s - 1) * (s - 1));
		tl_xsum_add_product(&b, (double)e->neg, s * s);
		int k = s >= 1 ? TL_EVAL_BINS - 1 : (int)(s * TL_EVAL_BINS);
		out->bins[k].n += e->pos + e->neg;
		out->bins[k].pos += e->pos;
		tl_xsum_add_product(&bin[k], (double)(e->pos + e->neg), s);
	}
	for (int k = 0; k < TL_EVAL_BINS; k++)
		out->bins[k].sum_score = tl_xsum_value(&bin[k]);
	out->brier = tl_xsum_value(&b) / (double)out->n;
}

void tl_eval_binary(struct tl_eval_hist *h, struct tl_eval_binary *out)
{
	memset(out, 0, sizeof *out);
	tl_eval_hist_compact(h);
	for (size_t i = 0; i < h->n; i++) {
		out->pos += h->b[i].pos;
		out->neg += h->b[i].neg;
	}
	out->n = out->pos + out->neg;
	out->roc_auc = hist_auc(h, (double)out->pos, (double)out->neg);
	out->pr_auc = hist_ap(h, (double)out->pos);
	brier_and_bins(h, out);
}

/* ---- classification ------------------------------------------------------------ */

void tl_confusion_init(struct tl_confusion *c) { memset(c, 0, sizeof *c); }

/* find_class: the index of name, or c->k when it is new. */
static size_t find_class(const struct tl_confusion *c, const char *name, size_t n)
{
	size_t i = 0;
	while (i < c->k && !(strlen(c->labels[i]) == n && memcmp(c->labels[i], name, n) == 0))
		i++;
	return i;
}

/* add_class: append name as class c->k, growing the matrix. */
static size_t add_class(struct tl_confusion *c, const char *name, size_t n)
{
	if (c->k == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		long long *m = tl_xcalloc(cap * cap, sizeof *m);
		for (size_t t = 0; t < c->k; t++)
			memcpy(m + t * cap, c->m + t * c->cap, c->k * sizeof *m);
		free(c->m);
		c->m = m;
		c->labels = tl_xrealloc(c->labels, cap * sizeof *c->labels);
		c->cap = cap;
	}
	c->labels[c->k] = tl_xstrndup(name, n);
	return c->k++;
}

int tl_confusion_add(struct tl_confusion *c, const char *truth, size_t tn, const char *pred, size_t pn)
{
	return tl_confusion_add_n(c, truth, tn, pred, pn, 1);
}

int tl_confusion_add_n(struct tl_confusion *c, const char *truth, size_t tn, const char *pred, size_t pn,
		       long long count)
{
	size_t t = find_class(c, truth, tn), p = find_class(c, pred, pn);
	int same = tn == pn && memcmp(truth, pred, tn) == 0;
	int new_t = t == c->k, new_p = p == c->k;
	if (c->max_classes && c->k + new_t + (new_p && !same) > c->max_classes)
		return -1;
	if (new_t)
		t = add_class(c, truth, tn);
	if (new_p)
		p = same ? t : add_class(c, pred, pn);
	c->m[t * c->cap + p] += count;
	c->n += count;
	return 0;
}

long long tl_confusion_at(const struct tl_confusion *c, size_t truth, size_t pred)
{
	return c->m[truth * c->cap + pred];
}

static const struct tl_confusion *sort_ctx;

static int by_label(const void *a, const void *b)
{
	return strcmp(sort_ctx->labels[*(const size_t *)a], sort_ctx->labels[*(const size_t *)b]);
}

void tl_confusion_sort(struct tl_confusion *c)
{
	size_t *order = tl_xcalloc(c->k + 1, sizeof *order);
	for (size_t i = 0; i < c->k; i++)
		order[i] = i;
	sort_ctx = c;
	qsort(order, c->k, sizeof *order, by_label);
	long long *m = tl_xcalloc(c->cap * c->cap + 1, sizeof *m);
	char **labels = tl_xcalloc(c->cap + 1, sizeof *labels);
	for (size_t t = 0; t < c->k; t++) {
		labels[t] = c->labels[order[t]];
		for (size_t p = 0; p < c->k; p++)
			m[t * c->cap + p] = c->m[order[t] * c->cap + order[p]];
	}
	free(c->m);
	free(c->labels);
	free(order);
	c->m = m;
	c->labels = labels;
}

static double ratio(long long a, long long b) { return b ? (double)a / (double)b : NAN; }

void tl_confusion_class(const struct tl_confusion *c, size_t i, struct tl_class_metrics *out)
{
	memset(out, 0, sizeof *out);
	for (size_t j = 0; j < c->k; j++) {
		out->support += tl_confusion_at(c, i, j);
		out->predicted += tl_confusion_at(c, j, i);
	}
	out->tp = tl_confusion_at(c, i, i);
	out->precision = ratio(out->tp, out->predicted);
	out->recall = ratio(out->tp, out->support);
	/* F1 = 2TP / (2TP + FP + FN), the harmonic mean of P and R (0 when TP = 0). */
	out->f1 = ratio(2 * out->tp, out->support + out->predicted);
}

void tl_confusion_macro(const struct tl_confusion *c, struct tl_macro *out)
{
	long long correct = 0;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < c->k; i++) {
		struct tl_class_metrics m;
		tl_confusion_class(c, i, &m);
		correct += m.tp;
		if (m.support == 0)
			continue;
		out->classes++;
		out->precision += isnan(m.precision) ? 0 : m.precision;
		out->recall += m.recall;
		out->f1 += isnan(m.f1) ? 0 : m.f1;
	}
	double k = (double)out->classes;
	out->precision = k ? out->precision / k : NAN;
	out->recall = k ? out->recall / k : NAN;
	out->f1 = k ? out->f1 / k : NAN;
	out->accuracy = ratio(correct, c->n);
}

void tl_confusion_free(struct tl_confusion *c)
{
	for (size_t i = 0; i < c->k; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c->m);
	memset(c, 0, sizeof *c);
}

/* ---- numeric ---------------------------------------------------------------------- */

void tl_eval_numeric_add(struct tl_eval_numeric *a, double pred, double actual, double tol)
{
	double e = pred - actual;
	a->n++;
	a->within += fabs(e) <= tol + 1e-9;
	tl_xsum_add(&a->abs, fabs(e));
	tl_xsum_add(&a->sq, e * e);
	tl_xsum_add(&a->err, e);
}

double tl_eval_mae(const struct tl_eval_numeric *a) { return a->n ? tl_xsum_value(&a->abs) / (double)a->n : NAN; }
double tl_eval_rmse(const struct tl_eval_numeric *a) { return a->n ? sqrt(tl_xsum_value(&a->sq) / (double)a->n) : NAN; }
double tl_eval_bias(const struct tl_eval_numeric *a) { return a->n ? tl_xsum_value(&a->err) / (double)a->n : NAN; }
double tl_eval_within(const struct tl_eval_numeric *a) { return ratio(a->within, a->n); }
