/* model_pass.c - one pass of a fit over some training records (DESIGN
 * §11; metrics/model_impl.h): the moments of each fold (pass 0), each
 * active unit's objective, gradient and Hessian at its candidate (Newton
 * passes), the predictions and errors (the metrics pass). Every sum is
 * exact, so a shard's sums merged with the others' are those of one pass
 * over all the records, whatever their order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model_impl.h"
#include "util/err.h"
#include "util/rng.h"

/* Salt of the shard fingerprint's hash ("tl-fprnt"). */
#define FP_SALT 0x746c2d6670726e74ULL

/* ---- prediction --------------------------------------------------------------- */

double fit_zval(double x, double mean, double sd)
{
	if (isnan(x) || !(sd > 0))
		return 0;
	return (x - mean) / sd;
}

double fit_sigmoid(double eta)
{
	if (eta >= 0)
		return 1 / (1 + exp(-eta));
	double e = exp(eta);
	return e / (1 + e);
}

double fit_loss(double eta, double y)
{
	return fmax(eta, 0) + log1p(exp(-fabs(eta))) - y * eta;
}

double fit_eta(const struct tl_fit *f, const struct fit_unit *u, const double *b, const double *x)
{
	double eta = b[0];
	for (size_t j = 0; j < f->set.p; j++)
		eta += b[j + 1] * fit_zval(x[j], u->mean[j], u->sd[j]);
	return eta;
}

double tl_model_predict(const struct tl_model *m, const double *x)
{
	double eta = m->intercept;
	for (size_t j = 0; j < m->p; j++)
		eta += m->feat[j].coef * fit_zval(x[j], m->feat[j].mean, m->feat[j].sd);
	return m->kind == TL_MODEL_LOGISTIC ? fit_sigmoid(eta) : eta;
}

double tl_fit_size(size_t p, int k)
{
	return ((double)k + 1) * ((double)p + 2) * ((double)p + 3) / 2 * (double)sizeof(struct tl_xsum);
}

/* ---- the sums ------------------------------------------------------------------- */

static void group_alloc(struct group *g, size_t p, size_t nclass)
{
	g->class_n = nclass ? tl_xcalloc(nclass, sizeof *g->class_n) : NULL;
	g->count = tl_xcalloc(p, sizeof *g->count);
	g->min = tl_xmalloc(p * sizeof *g->min);
	g->max = tl_xmalloc(p * sizeof *g->max);
	g->sum = tl_xcalloc(p, sizeof *g->sum);
	g->sumsq = tl_xcalloc(p, sizeof *g->sumsq);
	for (size_t j = 0; j < p; j++) {
		g->min[j] = INFINITY;
		g->max[j] = -INFINITY;
	}
}

struct tl_fit_sums *tl_fit_sums_new(const struct tl_fit *f)
{
	struct tl_fit_sums *s = tl_xcalloc(1, sizeof *s);
	size_t p = f->set.p, q = fit_q(f);
	s->fit = f;
	s->nunits = f->nunits;
	s->z = tl_xmalloc((fit_multi(f) ? fit_multi_scratch(f) : p ? p : 1) * sizeof *s->z);
	if (f->phase == PH_MOMENTS) {
		s->ngroups = f->k ? (size_t)f->k : 1;
		s->g = tl_xcalloc(s->ngroups, sizeof *s->g);
		for (size_t i = 0; i < s->ngroups; i++)
			group_alloc(&s->g[i], p, fit_multi(f) ? f->set.nclass : 0);
		return s;
	}
	s->us = tl_xcalloc(f->nunits, sizeof *s->us);
	for (size_t u = 0; f->phase == PH_NEWTON && u < f->nunits; u++)
		if (f->u[u].status != U_DONE) {
			s->us[u].grad = tl_xcalloc(q, sizeof *s->us[u].grad);
			s->us[u].hess = tl_xcalloc(fit_hess_n(f), sizeof *s->us[u].hess);
		}
	if (f->phase == PH_METRICS && f->set.kind == TL_MODEL_LOGISTIC)
		s->pr = tl_xcalloc(f->nunits, sizeof *s->pr);
	for (size_t u = 0; f->phase == PH_METRICS && fit_multi(f) && u < f->nunits; u++)
		s->us[u].conf = tl_xcalloc(f->set.nclass * f->set.nclass, sizeof *s->us[u].conf);
	return s;
}

void tl_fit_sums_free(struct tl_fit_sums *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ngroups; i++) {
		free(s->g[i].count);
		free(s->g[i].min);
		free(s->g[i].max);
		free(s->g[i].sum);
		free(s->g[i].sumsq);
		free(s->g[i].class_n);
	}
	for (size_t u = 0; s->us && u < s->nunits; u++) {
		free(s->us[u].grad);
		free(s->us[u].hess);
		free(s->us[u].conf);
	}
	for (size_t u = 0; s->pr && u < s->nunits; u++)
		free(s->pr[u].p);
	for (size_t k = 0; k < s->ncls; k++)
		free(s->cls[k]);
	free(s->cls);
	free(s->g);
	free(s->us);
	free(s->pr);
	free(s->z);
	free(s);
}

/* ---- one record ------------------------------------------------------------------ */

static void moments_row(struct tl_fit_sums *s, const double *x, double y, int fold)
{
	const struct tl_fit *f = s->fit;
	struct group *g = &s->g[f->k ? fold : 0];
	g->rows++;
	g->positives += f->set.kind == TL_MODEL_LOGISTIC && y == 1;
	if (g->class_n)
		g->class_n[(size_t)y]++;
	for (size_t j = 0; j < f->set.p; j++) {
		if (isnan(x[j]))
			continue;
		g->count[j]++;
		g->min[j] = fmin(g->min[j], x[j]);
		g->max[j] = fmax(g->max[j], x[j]);
		tl_xsum_add(&g->sum[j], x[j]);
		tl_xsum_add_product(&g->sumsq[j], x[j], x[j]);
	}
}

/* newton_row: the record's terms of unit u's objective, gradient (of the
 * log-likelihood) and negated Hessian at u's candidate; the penalty is
 * the step's. */
static void newton_row(struct tl_fit_sums *s, size_t u, const double *x, double y)
{
	const struct tl_fit *f = s->fit;
	const struct fit_unit *un = &f->u[u];
	struct usums *a = &s->us[u];
	size_t p = f->set.p;
	double *z = s->z, eta = un->cand[0], w = 1, res;
	for (size_t j = 0; j < p; j++)
		z[j] = fit_zval(x[j], un->mean[j], un->sd[j]);
	for (size_t j = 0; j < p; j++)
		eta += un->cand[j + 1] * z[j];
	if (f->set.kind == TL_MODEL_LOGISTIC) {
		double mu = fit_sigmoid(eta);
		w = mu * (1 - mu);
		res = y - mu;
		tl_xsum_add(&a->loss, fit_loss(eta, y));
	} else {
		res = y - eta;
	}
	tl_xsum_add(&a->grad[0], res);
	tl_xsum_add(&a->hess[0], w);
	for (size_t i = 1; i <= p; i++) {
		double wz = w * z[i - 1];
		struct tl_xsum *h = &a->hess[hess_at(i, 0)];
		tl_xsum_add(&a->grad[i], res * z[i - 1]);
		tl_xsum_add(&h[0], wz);
		for (size_t k = 1; k <= i; k++)
			tl_xsum_add(&h[k], wz * z[k - 1]);
	}
}

void fit_pairs_add(struct pairs *pr, double score, double y)
{
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? 2 * pr->cap : 256;
		pr->p = tl_xrealloc(pr->p, pr->cap * sizeof *pr->p);
	}
	pr->p[pr->n++] = (struct tl_eval_pair){score, y > 0.5};
}

/* metrics_row: unit u's prediction of the record, with its loss (unit 0)
 * or squared error. */
static void metrics_row(struct tl_fit_sums *s, size_t u, const double *x, double y)
{
	const struct tl_fit *f = s->fit;
	double eta = fit_eta(f, &f->u[u], f->u[u].b, x);
	if (f->set.kind == TL_MODEL_LOGISTIC) {
		fit_pairs_add(&s->pr[u], fit_sigmoid(eta), y);
		if (u == 0)
			tl_xsum_add(&s->us[0].loss, fit_loss(eta, y));
	} else {
		double e = eta - y;
		tl_xsum_add(&s->us[u].loss, e * e);
	}
}

void tl_fit_add(struct tl_fit_sums *s, const double *x, double y, int fold)
{
	const struct tl_fit *f = s->fit;
	s->id.records++;
	switch (f->phase) {
	case PH_MOMENTS:
		moments_row(s, x, y, fold);
		break;
	case PH_NEWTON:
		for (size_t u = 0; u < f->nunits; u++)
			if (f->u[u].status != U_DONE && (u == 0 || (int)u - 1 != fold))
				(fit_multi(f) ? fit_multi_newton_row : newton_row)(s, u, x, y);
		break;
	case PH_METRICS:
		(fit_multi(f) ? fit_multi_metrics_row : metrics_row)(s, 0, x, y);
		if (f->k)
			(fit_multi(f) ? fit_multi_metrics_row : metrics_row)(s, (size_t)fold + 1, x, y);
		break;
	case PH_DONE:
		break;
	}
}

void tl_fit_skip(struct tl_fit_sums *s) { s->id.skipped++; }

/* class_cmp: name[0..n) against the NUL-terminated c, as bytes. */
static int class_cmp(const char *name, size_t n, const char *c)
{
	size_t m = strlen(c);
	int d = memcmp(name, c, n < m ? n : m);
	return d ? d : (n > m) - (n < m);
}

long tl_fit_class(struct tl_fit_sums *s, const char *name, size_t n)
{
	const struct tl_fit *f = s->fit;
	if (f->set.nclass) {   /* known: in byte order */
		size_t lo = 0, hi = f->set.nclass;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int d = class_cmp(name, n, f->set.classes[mid]);
			if (d == 0)
				return (long)mid;
			if (d < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		return -1;
	}
	for (size_t k = 0; k < s->ncls; k++)
		if (class_cmp(name, n, s->cls[k]) == 0)
			return (long)k;
	if (s->ncls == TL_MODEL_MAX_CLASSES || f->phase != PH_MOMENTS)
		return -2;
	s->cls = tl_xrealloc(s->cls, (s->ncls + 1) * sizeof *s->cls);
	s->cls[s->ncls] = tl_xstrndup(name, n);
	for (size_t g = 0; g < s->ngroups; g++) {
		s->g[g].class_n = tl_xrealloc(s->g[g].class_n, (s->ncls + 1) * sizeof *s->g[g].class_n);
		s->g[g].class_n[s->ncls] = 0;
	}
	return (long)s->ncls++;
}

void tl_fit_tag_class(struct tl_fit_sums *s, const char *id, size_t n, const double *x, const char *name,
		      size_t len)
{
	tl_fit_tag(s, id, n, x, (double)(tl_hash64(name, len, FP_SALT) >> 11));
}

/* mix: v's bits into the hash h. */
static uint64_t mix(uint64_t h, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	h ^= bits;
	return tl_splitmix64(&h);
}

void tl_fit_tag(struct tl_fit_sums *s, const char *id, size_t n, const double *x, double y)
{
	uint64_t h = tl_hash64(id, n, FP_SALT);
	for (size_t j = 0; j < s->fit->set.p; j++)
		h = mix(h, isnan(x[j]) ? NAN : x[j]);
	s->id.fp += mix(h, y);
}
