/* model_fit.c - tl-model's fitting (DESIGN §11): prediction, standardised
 * features with mean imputation, logistic regression by Newton/IRLS with
 * an L2 penalty on the slopes (not the intercept), ridge regression by the
 * normal equations, K-fold cross-validation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "metrics/model.h"
#include "util/stats.h"

/* ---- prediction ------------------------------------------------------------- */

/* The standardised value of feature f for the transformed value x. */
static double zval(const struct tl_feature *f, double x)
{
	if (isnan(x) || !(f->sd > 0))
		return 0;
	return (x - f->mean) / f->sd;
}

static double sigmoid(double eta)
{
	if (eta >= 0)
		return 1 / (1 + exp(-eta));
	double e = exp(eta);
	return e / (1 + e);
}

static double linpred(const struct tl_model *m, const double *x)
{
	double eta = m->intercept;
	for (size_t j = 0; j < m->p; j++)
		eta += m->feat[j].coef * zval(&m->feat[j], x[j]);
	return eta;
}

double tl_model_predict(const struct tl_model *m, const double *x)
{
	double eta = linpred(m, x);
	return m->kind == TL_MODEL_LOGISTIC ? sigmoid(eta) : eta;
}

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

/* ---- the design ---------------------------------------------------------------- */

/* The rows used by one fit, standardised: z is rows x p, yv is rows. */
struct design {
	size_t rows, p;
	double *z, *yv;
};

/* standardise: the training mean, sd and missing count of every feature
 * over the used rows. -1 with err when a feature has no value, or is
 * constant while there is no penalty to pin its coefficient. */
static int standardise(struct tl_model *m, const double *X, size_t n, const unsigned char *use,
		       char *err, size_t cap)
{
	for (size_t j = 0; j < m->p; j++) {
		struct tl_feature *f = &m->feat[j];
		struct tl_moments mo = {0, 0, 0};
		f->missing = 0;
		for (size_t i = 0; i < n; i++) {
			if (use && !use[i])
				continue;
			double x = X[i * m->p + j];
			if (isnan(x))
				f->missing++;
			else
				tl_moments_add(&mo, x);
		}
		if (mo.n == 0) {
			snprintf(err, cap, "feature '%s' has no value in the training data", f->spec);
			return -1;
		}
		f->mean = mo.mean;
		f->sd = mo.n >= 2 ? tl_moments_sd(&mo) : 0;
		if (!(f->sd > 0) && m->l2 == 0) {
			snprintf(err, cap, "singular system: feature '%s' is constant in the training data; "
				"drop it or use --l2 > 0", f->spec);
			return -1;
		}
	}
	return 0;
}

static void design_build(struct design *d, const struct tl_model *m, const double *X, const double *y,
			 size_t n, const unsigned char *use)
{
	size_t r = 0, p = m->p;
	for (size_t i = 0; i < n; i++)
		r += !use || use[i];
	d->rows = r;
	d->p = p;
	d->z = tl_xmalloc((r * p + 1) * sizeof *d->z);
	d->yv = tl_xmalloc((r ? r : 1) * sizeof *d->yv);
	r = 0;
	for (size_t i = 0; i < n; i++) {
		if (use && !use[i])
			continue;
		for (size_t j = 0; j < p; j++)
			d->z[r * p + j] = zval(&m->feat[j], X[i * p + j]);
		d->yv[r++] = y[i];
	}
}

static void design_free(struct design *d)
{
	free(d->z);
	free(d->yv);
}

/* eta of row r for the coefficients b (b[0] intercept), in the same order
 * of operations as linpred, so fitted and applied predictions agree. */
static double row_eta(const struct design *d, size_t r, const double *b)
{
	double eta = b[0];
	const double *z = d->z + r * d->p;
	for (size_t j = 0; j < d->p; j++)
		eta += b[j + 1] * z[j];
	return eta;
}

/* ---- logistic regression ---------------------------------------------------- */

/* The penalised objective: sum of log(1 + e^eta) - y eta, + l2/2 sum b_j^2. */
static double logit_objective(const struct design *d, const double *b, double l2)
{
	struct tl_ksum k = {0, 0};
	for (size_t r = 0; r < d->rows; r++) {
		double eta = row_eta(d, r, b);
		tl_ksum_add(&k, fmax(eta, 0) + log1p(exp(-fabs(eta))) - d->yv[r] * eta);
	}
	for (size_t j = 1; j <= d->p; j++)
		tl_ksum_add(&k, 0.5 * l2 * b[j] * b[j]);
	return tl_ksum_value(&k);
}

/* newton_system: gradient g (of the penalised log-likelihood) and the
 * negated Hessian h (q x q, lower triangle) at b. */
static void newton_system(const struct design *d, const double *b, double l2, double *g, double *h)
{
	size_t q = d->p + 1;
	memset(g, 0, q * sizeof *g);
	memset(h, 0, q * q * sizeof *h);
	for (size_t r = 0; r < d->rows; r++) {
		double mu = sigmoid(row_eta(d, r, b)), w = mu * (1 - mu), res = d->yv[r] - mu;
		const double *z = d->z + r * d->p;
		g[0] += res;
		h[0] += w;
		for (size_t i = 1; i < q; i++) {
			double wz = w * z[i - 1];
			g[i] += res * z[i - 1];
			h[i * q] += wz;
			for (size_t k = 1; k <= i; k++)
				h[i * q + k] += wz * z[k - 1];
		}
	}
	for (size_t j = 1; j < q; j++) {
		g[j] -= l2 * b[j];
		h[j * q + j] += l2;
	}
}

static double max_abs(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

/* Slopes that have run away without a penalty: the data are separated. */
static int separated(const double *b, size_t q, double l2)
{
	return l2 == 0 && max_abs(b + 1, q - 1) > 15;
}

static void singular_msg(double l2, char *err, size_t cap)
{
	snprintf(err, cap, "singular system: the features are collinear; drop one of them or %s",
		l2 > 0 ? "raise --l2" : "use --l2 > 0");
}

static void separated_msg(char *err, size_t cap)
{
	snprintf(err, cap, "no finite solution: the features separate the target perfectly "
		"(or nearly); use --l2 > 0");
}

/* newton_step: the step that maximises the quadratic model at b, in g;
 * -1 when the system is singular. h is scratch. */
static int newton_step(const struct design *d, const double *b, double l2, double *g, double *h)
{
	size_t q = d->p + 1;
	newton_system(d, b, l2, g, h);
	if (cholesky(h, q) < 0)
		return -1;
	chol_solve(h, q, g);
	return 0;
}

/* logit_fit: penalised Newton/IRLS with step halving, from b (q values). */
static int logit_fit(const struct design *d, double l2, const struct tl_model_params *prm, double *b,
		     int *iters, char *err, size_t cap)
{
	size_t q = d->p + 1;
	double *g = tl_xmalloc(q * sizeof *g), *h = tl_xmalloc(q * q * sizeof *h);
	double *nb = tl_xmalloc(q * sizeof *nb);
	double f = logit_objective(d, b, l2);
	int rc = 1;
	*iters = 0;
	while (rc == 1 && *iters < prm->max_iter && !(l2 == 0 && max_abs(b + 1, q - 1) > 1e4)) {
		++*iters;
		if (newton_step(d, b, l2, g, h) < 0) {
			rc = -1;
			break;
		}
		double step = 1, fn = f;
		for (int half = 0; half < 60; half++, step /= 2) {
			for (size_t j = 0; j < q; j++)
				nb[j] = b[j] + step * g[j];
			fn = logit_objective(d, nb, l2);
			if (fn <= f + 1e-12 * fabs(f))
				break;
		}
		double moved = step * max_abs(g, q);
		memcpy(b, nb, q * sizeof *b);
		f = fn;
		if (moved <= prm->tol * (1 + max_abs(b, q)))
			rc = 0;
	}
	if (rc != 0 && separated(b, q, l2))
		separated_msg(err, cap);
	else if (rc < 0)
		singular_msg(l2, err, cap);
	else if (rc > 0)
		snprintf(err, cap, "IRLS did not converge in %d iterations", prm->max_iter);
	free(g);
	free(h);
	free(nb);
	return rc == 0 ? 0 : -1;
}

/* ---- ridge regression -------------------------------------------------------- */

static int ridge_fit(const struct design *d, double l2, double *b, char *err, size_t cap)
{
	size_t q = d->p + 1;
	double *h = tl_xcalloc(q * q, sizeof *h);
	memset(b, 0, q * sizeof *b);
	for (size_t r = 0; r < d->rows; r++) {
		const double *z = d->z + r * d->p;
		double y = d->yv[r];
		b[0] += y;
		h[0] += 1;
		for (size_t i = 1; i < q; i++) {
			b[i] += z[i - 1] * y;
			h[i * q] += z[i - 1];
			for (size_t k = 1; k <= i; k++)
				h[i * q + k] += z[i - 1] * z[k - 1];
		}
	}
	for (size_t j = 1; j < q; j++)
		h[j * q + j] += l2;
	int rc = cholesky(h, q);
	if (rc < 0)
		singular_msg(l2, err, cap);
	else
		chol_solve(h, q, b);
	free(h);
	return rc;
}

/* ---- fitting ------------------------------------------------------------------ */

/* check_target: logistic targets are 0/1 with both classes present. */
static int check_target(struct tl_model *m, const struct design *d, char *err, size_t cap)
{
	long pos = 0;
	for (size_t r = 0; r < d->rows; r++) {
		if (m->kind == TL_MODEL_LOGISTIC && d->yv[r] != 0 && d->yv[r] != 1) {
			snprintf(err, cap, "target '%s' has the value %.17g; logistic needs 0 or 1", m->target, d->yv[r]);
			return -1;
		}
		pos += d->yv[r] == 1;
	}
	m->positives = m->kind == TL_MODEL_LOGISTIC ? pos : 0;
	if (m->kind == TL_MODEL_LOGISTIC && (pos == 0 || pos == (long)d->rows)) {
		snprintf(err, cap, "target '%s' is %d for every training record; logistic needs both 0 and 1",
			m->target, pos ? 1 : 0);
		return -1;
	}
	return 0;
}

/* training metrics from the fitted model, through tl_model_predict. */
static void train_metrics(struct tl_model *m, const double *X, const double *y, size_t n,
			  const unsigned char *use)
{
	double *pr = tl_xmalloc((n ? n : 1) * sizeof *pr), *yy = tl_xmalloc((n ? n : 1) * sizeof *yy);
	struct tl_ksum ll = {0, 0};
	size_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (use && !use[i])
			continue;
		double eta = linpred(m, X + i * m->p);
		pr[r] = tl_model_predict(m, X + i * m->p);
		yy[r++] = y[i];
		tl_ksum_add(&ll, fmax(eta, 0) + log1p(exp(-fabs(eta))) - y[i] * eta);
	}
	m->train_auc = m->train_log_loss = m->train_rmse = NAN;
	if (m->kind == TL_MODEL_LOGISTIC) {
		m->train_auc = tl_model_auc(pr, yy, r);
		m->train_log_loss = tl_ksum_value(&ll) / (double)r;
	} else {
		m->train_rmse = tl_rmse(pr, yy, r);
	}
	free(pr);
	free(yy);
}

int tl_model_fit(struct tl_model *m, const double *X, const double *y, size_t n,
		 const unsigned char *use, const struct tl_model_params *prm, char *err, size_t cap)
{
	struct design d;
	size_t q = m->p + 1;
	int rc;
	m->n = 0;
	m->iterations = 0;
	if (standardise(m, X, n, use, err, cap) < 0)
		return -1;
	design_build(&d, m, X, y, n, use);
	m->n = (long)d.rows;
	if (d.rows == 0) {
		snprintf(err, cap, "no training records");
		design_free(&d);
		return -1;
	}
	if (check_target(m, &d, err, cap) < 0) {
		design_free(&d);
		return -1;
	}
	double *b = tl_xcalloc(q, sizeof *b);
	if (m->kind == TL_MODEL_LOGISTIC) {
		double ybar = (double)m->positives / (double)d.rows;
		b[0] = log(ybar / (1 - ybar));
		rc = logit_fit(&d, m->l2, prm, b, &m->iterations, err, cap);
	} else {
		rc = ridge_fit(&d, m->l2, b, err, cap);
		m->iterations = 1;
	}
	if (rc == 0) {
		m->intercept = b[0];
		for (size_t j = 0; j < m->p; j++)
			m->feat[j].coef = b[j + 1];
		train_metrics(m, X, y, n, use);
	}
	free(b);
	design_free(&d);
	return rc;
}

/* ---- cross-validation --------------------------------------------------------- */

/* cv_fold: fit on every fold but f, predict fold f into pred. */
static int cv_fold(const struct tl_model *m, const double *X, const double *y, size_t n, const int *fold,
		   int f, const struct tl_model_params *prm, double *pred, unsigned char *use, char *err, size_t cap)
{
	struct tl_model t = *m;
	char why[TL_MSG_MAX];
	t.feat = tl_xmalloc(m->p * sizeof *t.feat);
	memcpy(t.feat, m->feat, m->p * sizeof *t.feat);
	t.cv_fold = NULL;
	t.cv_fold_n = NULL;
	for (size_t i = 0; i < n; i++)
		use[i] = fold[i] != f;
	int rc = tl_model_fit(&t, X, y, n, use, prm, why, sizeof why);
	if (rc < 0)
		snprintf(err, cap, "cross-validation fold %d of %d: %s", f + 1, m->cv_k, why);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (fold[i] == f)
			pred[i] = tl_model_predict(&t, X + i * m->p);
	free(t.feat);
	return rc;
}

/* fold_metric: the metric of the rows of fold f (f < 0: all rows). */
static double fold_metric(const struct tl_model *m, const double *pred, const double *y, size_t n,
			  const int *fold, int f, long *count)
{
	double *a = tl_xmalloc((n ? n : 1) * sizeof *a), *b = tl_xmalloc((n ? n : 1) * sizeof *b);
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (f < 0 || fold[i] == f) {
			a[r] = pred[i];
			b[r++] = y[i];
		}
	double v = m->kind == TL_MODEL_LOGISTIC ? tl_model_auc(a, b, r) : tl_rmse(a, b, r);
	*count = (long)r;
	free(a);
	free(b);
	return v;
}

int tl_model_cv(struct tl_model *m, const double *X, const double *y, size_t n,
		const int *fold, int k, const struct tl_model_params *prm, double *pred,
		char *err, size_t cap)
{
	double *pr = pred ? pred : tl_xmalloc((n ? n : 1) * sizeof *pr);
	unsigned char *use = tl_xmalloc(n ? n : 1);
	int rc = 0;
	long cnt;
	free(m->cv_fold);
	free(m->cv_fold_n);
	m->cv_k = k;
	m->cv_fold = tl_xcalloc((size_t)k, sizeof *m->cv_fold);
	m->cv_fold_n = tl_xcalloc((size_t)k, sizeof *m->cv_fold_n);
	for (int f = 0; f < k && rc == 0; f++)
		rc = cv_fold(m, X, y, n, fold, f, prm, pr, use, err, cap);
	for (int f = 0; f < k && rc == 0; f++)
		m->cv_fold[f] = fold_metric(m, pr, y, n, fold, f, &m->cv_fold_n[f]);
	m->cv_auc = m->cv_rmse = NAN;
	if (rc == 0 && m->kind == TL_MODEL_LOGISTIC)
		m->cv_auc = fold_metric(m, pr, y, n, fold, -1, &cnt);
	else if (rc == 0)
		m->cv_rmse = fold_metric(m, pr, y, n, fold, -1, &cnt);
	if (!pred)
		free(pr);
	free(use);
	return rc;
}
