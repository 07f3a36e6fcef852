/* eval.c - prediction-versus-truth metrics for tl-eval (DESIGN §9). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "metrics/eval.h"

/* ---- binary ----------------------------------------------------------------- */

static int by_score(const void *a, const void *b)
{
	double x = ((const struct tl_eval_pair *)a)->score, y = ((const struct tl_eval_pair *)b)->score;
	return (x > y) - (x < y);
}

/* count_labels: positives and negatives of p[i..j). */
static void count_labels(const struct tl_eval_pair *p, size_t i, size_t j, double *pos, double *neg)
{
	*pos = *neg = 0;
	for (; i < j; i++)
		*(p[i].label ? pos : neg) += 1;
}

/* group_end: the end of the run of scores equal to p[i].score (p sorted). */
static size_t group_end(const struct tl_eval_pair *p, size_t n, size_t i)
{
	size_t j = i + 1;
	while (j < n && p[j].score == p[i].score)
		j++;
	return j;
}

/* A positive beats every negative with a lower score and ties with one
 * half of those with an equal score: U = Σ_groups pos_g·(neg_below +
 * neg_g/2), which equals R_pos - P(P+1)/2 with midranks. All counts are
 * integers or halves, exact in doubles below 2^52. */
double tl_eval_roc_auc(struct tl_eval_pair *p, size_t n)
{
	double P, N, u = 0, below = 0;
	if (n > 1)
		qsort(p, n, sizeof *p, by_score);
	count_labels(p, 0, n, &P, &N);
	if (P == 0 || N == 0)
		return NAN;
	for (size_t i = 0, j; i < n; i = j) {
		double pg, ng;
		j = group_end(p, n, i);
		count_labels(p, i, j, &pg, &ng);
		u += pg * (below + 0.5 * ng);
		below += ng;
	}
	return u / (P * N);
}

/* Walk the thresholds from the highest score down; at each distinct
 * score all its tied records enter together. */
double tl_eval_average_precision(struct tl_eval_pair *p, size_t n)
{
	double P, N, tp = 0, fp = 0, ap = 0;
	if (n > 1)
		qsort(p, n, sizeof *p, by_score);
	count_labels(p, 0, n, &P, &N);
	if (P == 0)
		return NAN;
	size_t j = n;
	while (j > 0) {
		size_t i = j - 1;
		while (i > 0 && p[i - 1].score == p[j - 1].score)
			i--;
		double pg, ng;
		count_labels(p, i, j, &pg, &ng);
		tp += pg;
		fp += ng;
		ap += (pg / P) * (tp / (tp + fp));
		j = i;
	}
	return ap;
}

size_t tl_eval_roc_curve(struct tl_eval_pair *p, size_t n, struct tl_eval_roc_point **out)
{
	long long tp = 0, fp = 0;
	size_t k = 0, j = n;
	*out = NULL;
	if (n > 1)
		qsort(p, n, sizeof *p, by_score);
	if (n)
		*out = tl_xmalloc(n * sizeof **out);
	while (j > 0) {
		size_t i = j - 1;
		while (i > 0 && p[i - 1].score == p[j - 1].score)
			i--;
		for (size_t m = i; m < j; m++)
			*(p[m].label ? &tp : &fp) += 1;
		(*out)[k++] = (struct tl_eval_roc_point){p[i].score, tp, fp};
		j = i;
	}
	return k;
}

static void brier_and_bins(const struct tl_eval_pair *p, size_t n, struct tl_eval_binary *out)
{
	struct tl_ksum b = {0, 0};
	out->unit_scores = 1;
	for (size_t i = 0; i < n; i++) {
		double s = p[i].score;
		if (!(s >= 0 && s <= 1)) {
			out->unit_scores = 0;
			break;
		}
		tl_ksum_add(&b, (s - p[i].label) * (s - p[i].label));
		int k = s >= 1 ? TL_EVAL_BINS - 1 : (int)(s * TL_EVAL_BINS);
		out->bins[k].n++;
		out->bins[k].pos += p[i].label;
		out->bins[k].sum_score += s;
	}
	if (!out->unit_scores || n == 0) {
		memset(out->bins, 0, sizeof out->bins);
		out->brier = NAN;
		return;
	}
	out->brier = tl_ksum_value(&b) / (double)n;
}

void tl_eval_binary(struct tl_eval_pair *p, size_t n, struct tl_eval_binary *out)
{
	memset(out, 0, sizeof *out);
	out->n = (long long)n;
	for (size_t i = 0; i < n; i++)
		out->pos += p[i].label;
	out->neg = out->n - out->pos;
	out->roc_auc = tl_eval_roc_auc(p, n);
	out->pr_auc = tl_eval_average_precision(p, n);
	brier_and_bins(p, n, out);
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
	size_t t = find_class(c, truth, tn), p = find_class(c, pred, pn);
	int same = tn == pn && memcmp(truth, pred, tn) == 0;
	int new_t = t == c->k, new_p = p == c->k;
	if (c->max_classes && c->k + new_t + (new_p && !same) > c->max_classes)
		return -1;
	if (new_t)
		t = add_class(c, truth, tn);
	if (new_p)
		p = same ? t : add_class(c, pred, pn);
	c->m[t * c->cap + p]++;
	c->n++;
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
	tl_ksum_add(&a->abs, fabs(e));
	tl_ksum_add(&a->sq, e * e);
	tl_ksum_add(&a->err, e);
}

double tl_eval_mae(const struct tl_eval_numeric *a) { return a->n ? tl_ksum_value(&a->abs) / (double)a->n : NAN; }
double tl_eval_rmse(const struct tl_eval_numeric *a) { return a->n ? sqrt(tl_ksum_value(&a->sq) / (double)a->n) : NAN; }
double tl_eval_bias(const struct tl_eval_numeric *a) { return a->n ? tl_ksum_value(&a->err) / (double)a->n : NAN; }
double tl_eval_within(const struct tl_eval_numeric *a) { return ratio(a->within, a->n); }
