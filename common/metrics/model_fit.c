/* model_fit.c - tl-model's fitting (DESIGN §11), the step from one pass's
 * sums to the next pass (metrics/model_impl.h): standardised features with
 * mean imputation (pass 0), logistic regression by Newton/IRLS with step
 * halving and an L2 penalty on the slopes (not the intercept), ridge
 * regression as one Newton step from 0 (the normal equations), K-fold
 * cross-validation as K more units fitted in the same passes, the
 * metrics. A fit in memory (tl_model_fit) runs the same passes over its
 * one shard. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model_impl.h"
#include "util/err.h"

/* ---- linear algebra ---------------------------------------------------------- */

/* cholesky: factor the q x q symmetric matrix a (row-major, lower triangle
 * used) in place as L L'. -1 when a pivot is not clearly positive: below
 * 1e-11 times the largest diagonal entry (a singular or nearly singular
 * system). */
static int cholesky(double *a, size_t q)
{
	double dmax = 0;
	for (size_t i = 0; i < q; i++)
		dmax = fmax(dmax, a[i * q + i]);
	for (size_t j = 0; j < q; j++) {
		double d = a[j * q + j];
		for (size_t k = 0; k < j; k++)
			d -= a[j * q + k] * a[j * q + k];
		if (!(d > 1e-11 * dmax))
			return -1;
		d = sqrt(d);
		a[j * q + j] = d;
		for (size_t i = j + 1; i < q; i++) {
			double s = a[i * q + j];
			for (size_t k = 0; k < j; k++)
				s -= a[i * q + k] * a[j * q + k];
			a[i * q + j] = s / d;
		}
	}
	return 0;
}

/* chol_solve: solve L L' x = b in place in b. */
static void chol_solve(const double *l, size_t q, double *b)
{
	for (size_t i = 0; i < q; i++) {
		for (size_t k = 0; k < i; k++)
			b[i] -= l[i * q + k] * b[k];
		b[i] /= l[i * q + i];
	}
	for (size_t i = q; i-- > 0;) {
		for (size_t k = i + 1; k < q; k++)
			b[i] -= l[k * q + i] * b[k];
		b[i] /= l[i * q + i];
	}
}

static double max_abs(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

/* ---- the fit ------------------------------------------------------------------- */

void fit_alloc(struct tl_fit *f)
{
	size_t p = f->set.p, q = fit_q(f);
	f->nunits = 1 + (size_t)f->k;
	f->u = tl_xcalloc(f->nunits, sizeof *f->u);
	for (size_t i = 0; i < f->nunits; i++) {
		struct fit_unit *u = &f->u[i];
		u->mean = tl_xcalloc(p, sizeof *u->mean);
		u->sd = tl_xcalloc(p, sizeof *u->sd);
		u->missing = tl_xcalloc(p, sizeof *u->missing);
		u->b = tl_xcalloc(q, sizeof *u->b);
		u->dir = tl_xcalloc(q, sizeof *u->dir);
		u->cand = tl_xcalloc(q, sizeof *u->cand);
		u->class_n = fit_multi(f) ? tl_xcalloc(f->set.nclass, sizeof *u->class_n) : NULL;
		u->metric = u->log_loss = u->f1 = NAN;
	}
	f->cv = NAN;
}

struct tl_fit *tl_fit_new(const struct tl_model *m, int k, const struct tl_model_params *prm)
{
	struct tl_fit *f = tl_xcalloc(1, sizeof *f);
	f->set.kind = m->kind;
	f->set.target = tl_xstrdup(m->target);
	f->set.l2 = m->l2;
	f->set.p = m->p;
	f->set.feat = tl_xcalloc(m->p, sizeof *f->set.feat);
	for (size_t j = 0; j < m->p; j++) {
		f->set.feat[j].spec = tl_xstrdup(m->feat[j].spec);
		f->set.feat[j].field = tl_xstrdup(m->feat[j].field);
		f->set.feat[j].tf = m->feat[j].tf;
	}
	if (m->kind == TL_MODEL_MULTINOMIAL && m->nclass) {
		f->set.nclass = m->nclass;
		f->set.classes = tl_xcalloc(m->nclass, sizeof *f->set.classes);
		for (size_t k = 0; k < m->nclass; k++)
			f->set.classes[k] = tl_xstrdup(m->classes[k]);
	}
	f->skipped = m->skipped;
	f->k = k;
	f->prm = *prm;
	fit_alloc(f);
	return f;
}

void tl_fit_free(struct tl_fit *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nunits; i++) {
		struct fit_unit *u = &f->u[i];
		free(u->mean);
		free(u->sd);
		free(u->missing);
		free(u->b);
		free(u->dir);
		free(u->cand);
		free(u->class_n);
	}
	free(f->u);
	free(f->shard);
	tl_model_free(&f->set);
	free(f);
}

int tl_fit_done(const struct tl_fit *f) { return f->phase == PH_DONE; }
int tl_fit_oof_pass(const struct tl_fit *f) { return f->phase == PH_METRICS && f->k > 0; }

/* ---- pass 0: the standardisation ------------------------------------------------- */

/* standardise: the mean and sample sd (n - 1) of count values from their
 * exact sum and sum of squares: the mean is the rounded sum over count,
 * corrected by the rounded remainder; the sum of squared deviations from
 * it, sumsq - 2 mean sum + count mean^2, is computed exactly. */
static void standardise(long count, const struct tl_xsum *sum, const struct tl_xsum *sumsq, double *mean,
			double *sd)
{
	double n = (double)count, c0 = tl_xsum_value(sum) / n, t[TL_XSUM_TERMS_MAX];
	struct tl_xsum r = *sum, m2 = *sumsq;
	tl_xsum_add_product(&r, -n, c0);
	*mean = c0 + tl_xsum_value(&r) / n;
	int nt = tl_xsum_terms(sum, t);
	for (int i = 0; i < nt; i++)
		tl_xsum_add_product(&m2, -2 * *mean, t[i]);
	double a = *mean * *mean, b = fma(*mean, *mean, -a);
	tl_xsum_add_product(&m2, n, a);
	tl_xsum_add_product(&m2, n, b);
	*sd = sqrt(tl_xsum_value(&m2) / (n - 1));
}

/* feature_moments: unit ui's feature j from the groups it is fitted on. */
static int feature_moments(struct tl_fit *f, size_t ui, size_t j, const struct tl_fit_sums *s, char *err,
			   size_t cap)
{
	struct fit_unit *u = &f->u[ui];
	const struct tl_feature *ft = &f->set.feat[j];
	struct tl_xsum sum = {0}, sumsq = {0};
	double lo = INFINITY, hi = -INFINITY;
	long count = 0;
	for (size_t g = 0; g < s->ngroups; g++)
		if (ui == 0 || g != ui - 1) {
			count += s->g[g].count[j];
			lo = fmin(lo, s->g[g].min[j]);
			hi = fmax(hi, s->g[g].max[j]);
			tl_xsum_merge(&sum, &s->g[g].sum[j]);
			tl_xsum_merge(&sumsq, &s->g[g].sumsq[j]);
		}
	if (count == 0) {
		snprintf(err, cap, "feature '%s' has no value in the training data", ft->spec);
		return -1;
	}
	u->missing[j] = u->n - count;
	u->mean[j] = lo, u->sd[j] = 0;   /* a constant feature */
	if (lo < hi)
		standardise(count, &sum, &sumsq, &u->mean[j], &u->sd[j]);
	if (!isfinite(u->mean[j]) || !isfinite(u->sd[j])) {
		snprintf(err, cap, "feature '%s' has values too large to standardise", ft->spec);
		return -1;
	}
	if (!(u->sd[j] > 0) && f->set.l2 == 0) {
		snprintf(err, cap, "singular system: feature '%s' is constant in the training data; "
			 "drop it or use --l2 > 0", ft->spec);
		return -1;
	}
	return 0;
}

/* unit_moments: unit ui's standardisation and starting point. */
static int unit_moments(struct tl_fit *f, size_t ui, const struct tl_fit_sums *s, char *err, size_t cap)
{
	struct fit_unit *u = &f->u[ui];
	int logistic = f->set.kind == TL_MODEL_LOGISTIC;
	for (size_t g = 0; g < s->ngroups; g++)
		if (ui == 0 || g != ui - 1) {
			u->n += s->g[g].rows;
			u->positives += s->g[g].positives;
		}
	for (size_t j = 0; j < f->set.p; j++)
		if (feature_moments(f, ui, j, s, err, cap) < 0)
			return -1;
	if (u->n == 0) {
		snprintf(err, cap, "no training records");
		return -1;
	}
	if (logistic && (u->positives == 0 || u->positives == u->n)) {
		snprintf(err, cap, "target '%s' is %d for every training record; logistic needs both 0 and 1",
			 f->set.target, u->positives ? 1 : 0);
		return -1;
	}
	if (logistic) {
		double ybar = (double)u->positives / (double)u->n;
		u->cand[0] = log(ybar / (1 - ybar));
	}
	if (fit_multi(f) && fit_multi_start(f, u, ui, s, err, cap) < 0)
		return -1;
	u->status = U_START;
	return 0;
}

/* ---- Newton passes ------------------------------------------------------------------ */

static void singular_msg(double l2, char *err, size_t cap)
{
	snprintf(err, cap, "singular system: the features are collinear; drop one of them or %s",
		 l2 > 0 ? "raise --l2" : "use --l2 > 0");
}

/* max_slope: the largest |slope| of b. */
static double max_slope(const struct tl_fit *f, const double *b)
{
	double m = 0;
	for (size_t i = 0; i < fit_q(f); i++)
		if (fit_is_slope(f, i))
			m = fmax(m, fabs(b[i]));
	return m;
}

/* fail: why unit u stops (slopes that ran away without a penalty: the
 * data are separated). */
static int fail(const struct tl_fit *f, const struct fit_unit *u, int singular, char *err, size_t cap)
{
	if (f->set.l2 == 0 && max_slope(f, u->b) > 15)
		snprintf(err, cap, "no finite solution: the features separate the target perfectly "
			 "(or nearly); use --l2 > 0");
	else if (singular)
		singular_msg(f->set.l2, err, cap);
	else
		snprintf(err, cap, "IRLS did not converge in %d iterations", f->prm.max_iter);
	return -1;
}

/* newton_dir: the step that maximises the quadratic model at the
 * candidate (the gradient and Hessian of a, penalised) in u->dir; -1 when
 * the system is singular. */
static int newton_dir(const struct tl_fit *f, struct fit_unit *u, const struct usums *a)
{
	size_t q = fit_q(f);
	double l2 = f->set.l2, *h = tl_xcalloc(q * q, sizeof *h);
	for (size_t i = 0; i < q; i++) {
		int slope = fit_is_slope(f, i);
		u->dir[i] = tl_xsum_value(&a->grad[i]) - (slope ? l2 * u->cand[i] : 0);
		for (size_t k = 0; k <= i; k++)
			h[i * q + k] = tl_xsum_value(&a->hess[fit_hess_at(f, i, k)]);
		if (slope)
			h[i * q + i] += l2;
	}
	int rc = cholesky(h, q);
	if (rc == 0)
		chol_solve(h, q, u->dir);
	free(h);
	return rc;
}

/* next_iteration: from the accepted b (the candidate just evaluated), the
 * next Newton step, unless the iterations are used up or the slopes ran
 * away. */
static int next_iteration(const struct tl_fit *f, struct fit_unit *u, const struct usums *a, char *err,
			  size_t cap)
{
	size_t q = fit_q(f);
	if (u->iterations >= f->prm.max_iter || (f->set.l2 == 0 && max_slope(f, u->b) > 1e4))
		return fail(f, u, 0, err, cap);
	if (newton_dir(f, u, a) < 0)
		return fail(f, u, 1, err, cap);
	u->iterations++;
	u->step = 1;
	u->halvings = 0;
	for (size_t j = 0; j < q; j++)
		u->cand[j] = u->b[j] + u->step * u->dir[j];
	u->status = U_RUNNING;
	return 0;
}

/* objective: the penalised objective at the candidate: the sum of
 * log(1 + e^eta) - y eta, + l2/2 sum b_j^2. */
static double objective(const struct tl_fit *f, const struct fit_unit *u, const struct usums *a)
{
	struct tl_xsum k = a->loss;
	for (size_t j = 1; j < fit_q(f); j++)
		if (fit_is_slope(f, j))
			tl_xsum_add(&k, 0.5 * f->set.l2 * u->cand[j] * u->cand[j]);
	return tl_xsum_value(&k);
}

/* unit_newton: unit u after the evaluation of its candidate. */
static int unit_newton(const struct tl_fit *f, struct fit_unit *u, const struct usums *a, char *err, size_t cap)
{
	size_t q = fit_q(f);
	if (f->set.kind == TL_MODEL_LINEAR) {   /* one exact step from 0 */
		if (newton_dir(f, u, a) < 0) {
			singular_msg(f->set.l2, err, cap);
			return -1;
		}
		for (size_t j = 0; j < q; j++)
			u->b[j] = u->cand[j] + u->dir[j];
		u->iterations = 1;
		u->status = U_DONE;
		return 0;
	}
	double fc = objective(f, u, a);
	if (u->status == U_RUNNING && !(fc <= u->f + 1e-12 * fabs(u->f)) && u->halvings < 59) {
		u->halvings++;
		u->step /= 2;
		for (size_t j = 0; j < q; j++)
			u->cand[j] = u->b[j] + u->step * u->dir[j];
		return 0;
	}
	double moved = u->status == U_RUNNING ? u->step * max_abs(u->dir, q) : INFINITY;
	memcpy(u->b, u->cand, q * sizeof *u->b);
	u->f = fc;
	if (moved <= f->prm.tol * (1 + max_abs(u->b, q))) {
		u->status = U_DONE;
		return 0;
	}
	return next_iteration(f, u, a, err, cap);
}

/* ---- the metrics pass ------------------------------------------------------------------ */

static double unit_rmse(const struct tl_fit_sums *s, size_t u, long n)
{
	return n ? sqrt(tl_xsum_value(&s->us[u].loss) / (double)n) : NAN;
}

static void step_metrics(struct tl_fit *f, struct tl_fit_sums *s)
{
	struct fit_unit *u0 = &f->u[0];
	if (fit_multi(f)) {
		fit_multi_metrics(f, s);
		return;
	}
	if (f->set.kind == TL_MODEL_LOGISTIC) {
		size_t n = 0;
		u0->metric = tl_eval_roc_auc(s->pr[0].p, s->pr[0].n);
		u0->log_loss = tl_xsum_value(&s->us[0].loss) / (double)u0->n;
		for (size_t u = 1; u < f->nunits; u++) {
			f->u[u].metric = tl_eval_roc_auc(s->pr[u].p, s->pr[u].n);
			n += s->pr[u].n;
		}
		struct tl_eval_pair *all = tl_xmalloc((n ? n : 1) * sizeof *all);
		n = 0;
		for (size_t u = 1; u < f->nunits; u++, n += s->pr[u - 1].n)
			memcpy(all + n, s->pr[u].p, s->pr[u].n * sizeof *all);
		f->cv = f->k ? tl_eval_roc_auc(all, n) : NAN;
		free(all);
		return;
	}
	struct tl_xsum pooled = {0};
	u0->metric = unit_rmse(s, 0, u0->n);
	for (size_t u = 1; u < f->nunits; u++) {
		f->u[u].metric = unit_rmse(s, u, u0->n - f->u[u].n);
		tl_xsum_merge(&pooled, &s->us[u].loss);
	}
	f->cv = f->k ? sqrt(tl_xsum_value(&pooled) / (double)u0->n) : NAN;
}

/* ---- the step ------------------------------------------------------------------------ */

/* fold_err: a fold's message names the fold. */
static void fold_err(const struct tl_fit *f, size_t u, const char *why, char *err, size_t cap)
{
	if (u == 0)
		snprintf(err, cap, "%s", why);
	else
		snprintf(err, cap, "cross-validation fold %zu of %d: %s", u, f->k, why);
}

int tl_fit_step(struct tl_fit *f, struct tl_fit_sums *s, char *err, size_t cap)
{
	char why[TL_MSG_MAX];
	int all_done = 1;
	if (f->phase == PH_MOMENTS && fit_multi(f) && !f->set.nclass && fit_multi_adopt(f, s, err, cap) < 0)
		return -1;
	for (size_t u = 0; u < f->nunits; u++) {
		int rc = 0;
		if (f->phase == PH_MOMENTS)
			rc = unit_moments(f, u, s, why, sizeof why);
		else if (f->phase == PH_NEWTON && f->u[u].status != U_DONE)
			rc = unit_newton(f, &f->u[u], &s->us[u], why, sizeof why);
		if (rc < 0) {
			fold_err(f, u, why, err, cap);
			return -1;
		}
		all_done &= f->u[u].status == U_DONE;
	}
	if (f->phase == PH_MOMENTS)
		f->skipped += s->id.skipped;
	if (f->phase == PH_METRICS)
		step_metrics(f, s);
	f->phase = f->phase == PH_MOMENTS ? PH_NEWTON
		 : f->phase == PH_NEWTON ? (all_done ? PH_METRICS : PH_NEWTON) : PH_DONE;
	f->pass++;
	return 0;
}

/* ---- the model ------------------------------------------------------------------------ */

static void model_cv(const struct tl_fit *f, struct tl_model *m)
{
	m->cv_k = f->k;
	if (!f->k)
		return;
	m->cv_fold = tl_xcalloc((size_t)f->k, sizeof *m->cv_fold);
	m->cv_fold_n = tl_xcalloc((size_t)f->k, sizeof *m->cv_fold_n);
	for (int k = 0; k < f->k; k++) {
		m->cv_fold[k] = f->u[k + 1].metric;
		m->cv_fold_n[k] = f->u[0].n - f->u[k + 1].n;
	}
	if (m->kind == TL_MODEL_LOGISTIC)
		m->cv_auc = f->cv;
	else if (m->kind == TL_MODEL_LINEAR)
		m->cv_rmse = f->cv;
}

void tl_fit_model(const struct tl_fit *f, struct tl_model *m)
{
	const struct fit_unit *u = &f->u[0];
	memset(m, 0, sizeof *m);
	m->kind = f->set.kind;
	m->target = tl_xstrdup(f->set.target);
	m->l2 = f->set.l2;
	m->p = f->set.p;
	m->feat = tl_xcalloc(m->p, sizeof *m->feat);
	for (size_t j = 0; j < m->p; j++) {
		struct tl_feature *ft = &m->feat[j];
		ft->spec = tl_xstrdup(f->set.feat[j].spec);
		ft->field = tl_xstrdup(f->set.feat[j].field);
		ft->tf = f->set.feat[j].tf;
		ft->mean = u->mean[j];
		ft->sd = u->sd[j];
		ft->coef = u->b[j + 1];
		ft->missing = u->missing[j];
	}
	m->intercept = u->b[0];
	m->n = u->n;
	m->skipped = f->skipped;
	m->positives = m->kind == TL_MODEL_LOGISTIC ? u->positives : 0;
	m->iterations = u->iterations;
	m->train_auc = m->train_log_loss = m->train_rmse = m->cv_auc = m->cv_rmse = NAN;
	if (m->kind == TL_MODEL_LOGISTIC) {
		m->train_auc = u->metric;
		m->train_log_loss = u->log_loss;
	} else if (m->kind == TL_MODEL_LINEAR) {
		m->train_rmse = u->metric;
	} else {
		fit_multi_model(f, m);
	}
	model_cv(f, m);
}

double tl_fit_predict(const struct tl_fit *f, size_t u, const double *x)
{
	double eta = fit_eta(f, &f->u[u], f->u[u].b, x);
	return f->set.kind == TL_MODEL_LOGISTIC ? fit_sigmoid(eta) : eta;
}

/* ---- a fit in memory: one shard ------------------------------------------------------- */

static int check_targets(const struct tl_model *m, const struct tl_model_data *d, char *err, size_t cap)
{
	for (size_t i = 0; m->kind == TL_MODEL_LOGISTIC && i < d->n; i++)
		if (d->y[i] != 0 && d->y[i] != 1) {
			snprintf(err, cap, "target '%s' has the value %.17g; logistic needs 0 or 1", m->target, d->y[i]);
			return -1;
		}
	for (size_t i = 0; m->kind == TL_MODEL_MULTINOMIAL && i < d->n; i++)
		if (!(d->y[i] >= 0 && d->y[i] < (double)m->nclass && d->y[i] == floor(d->y[i]))) {
			snprintf(err, cap, "target '%s': class %.17g is not one of the %zu", m->target, d->y[i], m->nclass);
			return -1;
		}
	if (m->kind == TL_MODEL_MULTINOMIAL && m->nclass < 2) {
		snprintf(err, cap, "target '%s' has %zu class%s in the training data; multinomial needs 2 or more",
			 m->target, m->nclass, m->nclass == 1 ? "" : "es");
		return -1;
	}
	return 0;
}

int tl_model_fit(struct tl_model *m, const struct tl_model_data *d, int k, const struct tl_model_params *prm,
		 double *oof, char *err, size_t cap)
{
	if (check_targets(m, d, err, cap) < 0)
		return -1;
	struct tl_fit *f = tl_fit_new(m, k, prm);
	int rc = 0;
	while (rc == 0 && !tl_fit_done(f)) {
		struct tl_fit_sums *s = tl_fit_sums_new(f);
		for (size_t i = 0; i < d->n; i++)
			tl_fit_add(s, d->X + i * m->p, d->y[i], k ? d->fold[i] : 0);
		rc = tl_fit_step(f, s, err, cap);
		tl_fit_sums_free(s);
	}
	if (rc == 0) {
		size_t c = m->kind == TL_MODEL_MULTINOMIAL ? m->nclass : 1;
		for (size_t i = 0; oof && i < d->n; i++) {
			size_t u = k ? (size_t)d->fold[i] + 1 : 0;
			if (c > 1)
				tl_fit_predict_classes(f, u, d->X + i * m->p, oof + i * c);
			else
				oof[i] = tl_fit_predict(f, u, d->X + i * m->p);
		}
		tl_model_free(m);
		tl_fit_model(f, m);
	}
	tl_fit_free(f);
	return rc;
}
