/* model_multi.c - multinomial (softmax) regression in tl-model's passes
 * (DESIGN §11; metrics/model_impl.h): C classes, class 0 (the first in
 * byte order) the reference with eta_0 = 0, each other class k its
 * intercept and slopes on the standardised features, P(k) = e^eta_k /
 * sum_l e^eta_l. A record's terms of the negative log-likelihood
 * log sum_l e^eta_l - eta_y, its gradient and Hessian (exact sums, as
 * for logistic); the metrics pass's confusion counts; the model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model_impl.h"
#include "util/err.h"

void fit_multi_eta(const struct tl_fit *f, const struct fit_unit *u, const double *b, const double *x, double *eta)
{
	size_t p = f->set.p, r = p + 1;
	eta[0] = 0;
	for (size_t k = 1; k < f->set.nclass; k++) {
		const double *bk = b + (k - 1) * r;
		double e = bk[0];
		for (size_t j = 0; j < p; j++)
			e += bk[j + 1] * fit_zval(x[j], u->mean[j], u->sd[j]);
		eta[k] = e;
	}
}

double fit_softmax(const double *eta, size_t c, double *prob)
{
	double m = eta[0], sum = 0;
	for (size_t k = 1; k < c; k++)
		m = fmax(m, eta[k]);
	for (size_t k = 0; k < c; k++)
		sum += prob[k] = exp(eta[k] - m);
	for (size_t k = 0; k < c; k++)
		prob[k] /= sum;
	return m + log(sum);
}

size_t fit_argmax(const double *eta, size_t c)
{
	size_t best = 0;
	for (size_t k = 1; k < c; k++)
		if (eta[k] > eta[best])
			best = k;
	return best;
}

double tl_multi_terms(size_t c, size_t r, const double *b, const double *zt, size_t y, double *work,
		      double *grad, double *hess)
{
	double *eta = work, *prob = work + c;
	eta[0] = 0;
	for (size_t k = 1; k < c; k++) {
		const double *bk = b + (k - 1) * r;
		double e = bk[0];
		for (size_t j = 1; j < r; j++)
			e += bk[j] * zt[j];
		eta[k] = e;
	}
	double loss = fit_softmax(eta, c, prob) - eta[y];
	size_t tri = r * (r + 1) / 2;
	for (size_t k = 1; k < c; k++) {
		double res = (y == k) - prob[k];
		for (size_t i = 0; i < r; i++)
			grad[(k - 1) * r + i] = res * zt[i];
		for (size_t l = 1; l <= k; l++) {   /* block (k, l): its lower triangle */
			double w = prob[k] * ((k == l) - prob[l]), *h = hess + ((k - 1) * k / 2 + (l - 1)) * tri;
			for (size_t i = 0; i < r; i++) {
				double wz = w * zt[i];
				for (size_t j = 0; j <= i; j++)
					*h++ = wz * zt[j];
			}
		}
	}
	return loss;
}

/* The scratch of a multinomial record (tl_fit_sums z): the terms' work
 * (2 nclass), zt (p + 1), the gradient (q) and the Hessian (q (q + 1) / 2). */
size_t fit_multi_scratch(const struct tl_fit *f)
{
	size_t q = fit_q(f);
	return 2 * f->set.nclass + f->set.p + 1 + q + fit_hess_n(f);
}

void fit_multi_newton_row(struct tl_fit_sums *s, size_t u, const double *x, double y)
{
	const struct tl_fit *f = s->fit;
	const struct fit_unit *un = &f->u[u];
	struct usums *a = &s->us[u];
	size_t p = f->set.p, c = f->set.nclass, q = fit_q(f);
	double *work = s->z, *zt = work + 2 * c, *grad = zt + p + 1, *hess = grad + q;
	zt[0] = 1;
	for (size_t j = 0; j < p; j++)
		zt[j + 1] = fit_zval(x[j], un->mean[j], un->sd[j]);
	tl_xsum_add(&a->loss, tl_multi_terms(c, p + 1, un->cand, zt, (size_t)y, work, grad, hess));
	for (size_t i = 0; i < q; i++)
		tl_xsum_add(&a->grad[i], grad[i]);
	for (size_t i = 0, n = fit_hess_n(f); i < n; i++)
		tl_xsum_add(&a->hess[i], hess[i]);
}

void fit_multi_metrics_row(struct tl_fit_sums *s, size_t u, const double *x, double y)
{
	const struct tl_fit *f = s->fit;
	size_t c = f->set.nclass, yk = (size_t)y;
	double *eta = s->z, *prob = s->z + c;
	fit_multi_eta(f, &f->u[u], f->u[u].b, x, eta);
	tl_xsum_add(&s->us[u].loss, fit_softmax(eta, c, prob) - eta[yk]);
	s->us[u].conf[yk * c + fit_argmax(eta, c)]++;
}

int fit_multi_start(struct tl_fit *f, struct fit_unit *u, size_t ui, const struct tl_fit_sums *s, char *err,
		    size_t cap)
{
	size_t c = f->set.nclass, r = f->set.p + 1;
	for (size_t g = 0; g < s->ngroups; g++)
		if (ui == 0 || g != ui - 1)
			for (size_t k = 0; k < c; k++)
				u->class_n[k] += s->g[g].class_n[k];
	for (size_t k = 0; k < c; k++)
		if (u->class_n[k] == 0) {
			snprintf(err, cap, "class '%s' of target '%s' has no training record", f->set.classes[k],
				 f->set.target);
			return -1;
		}
	for (size_t k = 1; k < c; k++)
		u->cand[(k - 1) * r] = log((double)u->class_n[k] / (double)u->class_n[0]);
	return 0;
}

size_t tl_fit_classes(const struct tl_fit *f, char *const **names)
{
	*names = f->set.classes;
	return fit_multi(f) ? f->set.nclass : 0;
}

/* ---- classes found in pass 0 ------------------------------------------------- */

static const char *const *sort_cls;

static int by_class(const void *a, const void *b)
{
	return strcmp(sort_cls[*(const size_t *)a], sort_cls[*(const size_t *)b]);
}

/* resize_units: f's units' coefficients for its classes. */
static void resize_units(struct tl_fit *f)
{
	size_t q = fit_q(f);
	for (size_t i = 0; i < f->nunits; i++) {
		struct fit_unit *u = &f->u[i];
		free(u->b), free(u->dir), free(u->cand), free(u->class_n);
		u->b = tl_xcalloc(q, sizeof *u->b);
		u->dir = tl_xcalloc(q, sizeof *u->dir);
		u->cand = tl_xcalloc(q, sizeof *u->cand);
		u->class_n = tl_xcalloc(f->set.nclass, sizeof *u->class_n);
	}
}

int fit_multi_adopt(struct tl_fit *f, struct tl_fit_sums *s, char *err, size_t cap)
{
	size_t c = s->ncls, *order = tl_xmalloc((c ? c : 1) * sizeof *order);
	long *tmp = tl_xmalloc((c ? c : 1) * sizeof *tmp);
	if (c < 2) {
		free(order), free(tmp);
		snprintf(err, cap, "target '%s' has %zu class%s in the training data; multinomial needs 2 or more",
			 f->set.target, c, c == 1 ? "" : "es");
		return -1;
	}
	for (size_t k = 0; k < c; k++)
		order[k] = k;
	sort_cls = (const char *const *)s->cls;
	qsort(order, c, sizeof *order, by_class);
	f->set.classes = tl_xcalloc(c, sizeof *f->set.classes);
	for (size_t k = 0; k < c; k++)
		f->set.classes[k] = tl_xstrdup(s->cls[order[k]]);
	f->set.nclass = c;
	for (size_t g = 0; g < s->ngroups; g++) {
		for (size_t k = 0; k < c; k++)
			tmp[k] = s->g[g].class_n[order[k]];
		memcpy(s->g[g].class_n, tmp, c * sizeof *tmp);
	}
	free(order);
	free(tmp);
	resize_units(f);
	return 0;
}

/* ---- the metrics --------------------------------------------------------------- */

void tl_model_class_metrics(const long *conf, size_t c, double *accuracy, double *macro_f1)
{
	long n = 0, right = 0, classes = 0;
	double f1 = 0;
	for (size_t k = 0; k < c; k++) {
		long tp = conf[k * c + k], support = 0, predicted = 0;
		for (size_t l = 0; l < c; l++) {
			support += conf[k * c + l];
			predicted += conf[l * c + k];
		}
		n += support;
		right += tp;
		if (support > 0) {
			classes++;
			f1 += 2.0 * (double)tp / (double)(support + predicted);
		}
	}
	*accuracy = n ? (double)right / (double)n : NAN;
	*macro_f1 = classes ? f1 / (double)classes : NAN;
}

void fit_multi_metrics(struct tl_fit *f, const struct tl_fit_sums *s)
{
	size_t c = f->set.nclass;
	long *pooled = tl_xcalloc(c * c, sizeof *pooled);
	struct tl_xsum loss = {0};
	for (size_t u = 0; u < f->nunits; u++) {
		struct fit_unit *un = &f->u[u];
		long n = u ? f->u[0].n - un->n : un->n;
		tl_model_class_metrics(s->us[u].conf, c, &un->metric, &un->f1);
		un->log_loss = n ? tl_xsum_value(&s->us[u].loss) / (double)n : NAN;
		for (size_t i = 0; u && i < c * c; i++)
			pooled[i] += s->us[u].conf[i];
		if (u)
			tl_xsum_merge(&loss, &s->us[u].loss);
	}
	f->cv = f->cv_f1 = f->cv_log_loss = NAN;
	if (f->k) {
		tl_model_class_metrics(pooled, c, &f->cv, &f->cv_f1);
		f->cv_log_loss = tl_xsum_value(&loss) / (double)f->u[0].n;
	}
	free(pooled);
}

/* ---- the model ----------------------------------------------------------------- */

void fit_multi_model(const struct tl_fit *f, struct tl_model *m)
{
	const struct fit_unit *u = &f->u[0];
	size_t c = f->set.nclass, r = f->set.p + 1;
	m->nclass = c;
	m->classes = tl_xcalloc(c, sizeof *m->classes);
	m->mint = tl_xcalloc(c, sizeof *m->mint);
	m->class_n = tl_xcalloc(c, sizeof *m->class_n);
	for (size_t k = 0; k < c; k++) {
		m->classes[k] = tl_xstrdup(f->set.classes[k]);
		m->class_n[k] = u->class_n[k];
		m->mint[k] = k ? u->b[(k - 1) * r] : 0;
	}
	for (size_t j = 0; j < m->p; j++) {
		m->feat[j].mcoef = tl_xcalloc(c, sizeof *m->feat[j].mcoef);
		for (size_t k = 1; k < c; k++)
			m->feat[j].mcoef[k] = u->b[(k - 1) * r + j + 1];
	}
	m->train_accuracy = u->metric;
	m->train_macro_f1 = u->f1;
	m->train_log_loss = u->log_loss;
	m->cv_accuracy = f->cv;
	m->cv_macro_f1 = f->cv_f1;
	m->cv_log_loss = f->cv_log_loss;
}

/* The linear predictors of a record: on the stack for up to 64 classes. */
#define ETA_SMALL 64

size_t tl_fit_predict_classes(const struct tl_fit *f, size_t u, const double *x, double *prob)
{
	size_t c = f->set.nclass;
	double small[ETA_SMALL] = {0}, *eta = c <= ETA_SMALL ? small : tl_xmalloc(c * sizeof *eta);
	fit_multi_eta(f, &f->u[u], f->u[u].b, x, eta);
	fit_softmax(eta, c, prob);
	size_t k = fit_argmax(eta, c);
	if (eta != small)
		free(eta);
	return k;
}

/* In fit_multi_eta's order of operations; the reference's 0 coefficients
 * give it eta 0 exactly, as in the fit. */
size_t tl_model_predict_classes(const struct tl_model *m, const double *x, double *prob)
{
	size_t c = m->nclass;
	double small[ETA_SMALL] = {0}, *eta = c <= ETA_SMALL ? small : tl_xmalloc(c * sizeof *eta);
	for (size_t k = 0; k < c; k++) {
		double e = m->mint[k];
		for (size_t j = 0; j < m->p; j++)
			e += m->feat[j].mcoef[k] * fit_zval(x[j], m->feat[j].mean, m->feat[j].sd);
		eta[k] = e;
	}
	fit_softmax(eta, c, prob);
	size_t k = fit_argmax(eta, c);
	if (eta != small)
		free(eta);
	return k;
}

double tl_fit_size_classes(size_t p, int k, size_t c)
{
	double r = (double)p + 1, q = (double)(c - 1) * r, blocks = (double)(c - 1) * (double)c / 2;
	return ((double)k + 1) * (1 + q + blocks * r * (r + 1) / 2) * (double)sizeof(struct tl_xsum);
}
