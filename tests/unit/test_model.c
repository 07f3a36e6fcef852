/* test_model.c - unit tests of common/metrics/model*.c: reference coefficients,
 * separation, singular systems, ridge, imputation, RMSE, CV, JSON round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/eval.h"
#include "metrics/model.h"
#include "unit.h"

/* mtcars (R datasets; Henderson & Velleman 1981, from Motor Trend 1974):
 * hp, wt, disp, am for the 32 cars in R's row order. */
static const double mtcars[32][4] = {
	{110, 2.620, 160, 1}, {110, 2.875, 160, 1}, {93, 2.320, 108, 1}, {110, 3.215, 258, 0},
	{175, 3.440, 360, 0}, {105, 3.460, 225, 0}, {245, 3.570, 360, 0}, {62, 3.190, 146.7, 0},
	{95, 3.150, 140.8, 0}, {123, 3.440, 167.6, 0}, {123, 3.440, 167.6, 0}, {180, 4.070, 275.8, 0},
	{180, 3.730, 275.8, 0}, {180, 3.780, 275.8, 0}, {205, 5.250, 472, 0}, {215, 5.424, 460, 0},
	{230, 5.345, 440, 0}, {66, 2.200, 78.7, 1}, {52, 1.615, 75.7, 1}, {65, 1.835, 71.1, 1},
	{97, 2.465, 120.1, 0}, {150, 3.520, 318, 0}, {150, 3.435, 304, 0}, {245, 3.840, 350, 0},
	{175, 3.845, 400, 0}, {66, 1.935, 79, 1}, {91, 2.140, 120.3, 1}, {113, 1.513, 95.1, 1},
	{264, 3.170, 351, 1}, {175, 2.770, 145, 1}, {335, 3.570, 301, 1}, {109, 2.780, 121, 1},
};

static const struct tl_model_params prm = TL_MODEL_PARAMS_DEFAULTS;

/* fit: m on the n rows of X and y, without cross-validation. */
static int fit(struct tl_model *m, const double *X, const double *y, size_t n, char *err, size_t cap)
{
	struct tl_model_data d = {X, y, NULL, n};
	return tl_model_fit(m, &d, 0, &prm, NULL, err, cap);
}

/* new_model: a model over the given specs (NULL-terminated). */
static void new_model(struct tl_model *m, enum tl_model_kind kind, double l2, const char *target,
		      const char *const *specs)
{
	char err[200];
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->l2 = l2;
	m->target = strdup(target);
	for (m->p = 0; specs[m->p]; m->p++)
		;
	m->feat = calloc(m->p, sizeof *m->feat);
	for (size_t j = 0; j < m->p; j++)
		CHECK(tl_feature_parse(specs[j], &m->feat[j], err, sizeof err) == 0);
}

/* raw-scale coefficients: slope_j = coef_j / sd_j, intercept adjusted. */
static void raw_coefs(const struct tl_model *m, double *b)
{
	b[0] = m->intercept;
	for (size_t j = 0; j < m->p; j++) {
		b[j + 1] = m->feat[j].coef / m->feat[j].sd;
		b[0] -= b[j + 1] * m->feat[j].mean;
	}
}

/* fit am on columns c1, c2 of mtcars without penalty. */
static void fit_mtcars(struct tl_model *m, int c1, int c2, const char *s1, const char *s2)
{
	const char *specs[] = {s1, s2, NULL};
	double X[64], y[32];
	char err[300] = "";
	for (int i = 0; i < 32; i++) {
		X[2 * i] = mtcars[i][c1];
		X[2 * i + 1] = mtcars[i][c2];
		y[i] = mtcars[i][3];
	}
	new_model(m, TL_MODEL_LOGISTIC, 0, "am", specs);
	CHECK(fit(m, X, y, 32, err, sizeof err) == 0);
	if (*err)
		fprintf(stderr, "fit: %s\n", err);
}

/* R, glm(am ~ hp + wt, family = binomial, data = mtcars): summary() prints
 * 18.86630, 0.03626, -8.08348 (a standard example, reproduced in many R
 * tutorials; r-tutor.com uses this model). More digits from an independent
 * pure-python IRLS (Gauss-Jordan, tolerance 1e-13), which reproduces R's
 * printed values:
 * 18.86629871720416, 0.036255596082216617, -8.083475182444651. */
static void test_reference_hp_wt(void)
{
	struct tl_model m;
	double b[3];
	fit_mtcars(&m, 0, 1, "hp", "wt");
	raw_coefs(&m, b);
	CHECK_NEAR(b[0], 18.86630, 0.5e-5);
	CHECK_NEAR(b[1], 0.03626, 0.5e-5);
	CHECK_NEAR(b[2], -8.08348, 0.5e-5);
	CHECK_REL(b[0], 18.86629871720416, 1e-6);
	CHECK_REL(b[1], 0.036255596082216617, 1e-6);
	CHECK_REL(b[2], -8.083475182444651, 1e-6);
	CHECK(m.n == 32 && m.positives == 13);
	tl_model_free(&m);
}

/* R, glm(am ~ disp + hp, family = binomial, data = mtcars): 1.40342,
 * -0.09518, 0.12170 (statology.org, "How to Interpret glm Output in R");
 * python IRLS: 1.4034220319118693, -0.09517972275569973, 0.12170172590460782. */
static void test_reference_disp_hp(void)
{
	struct tl_model m;
	double b[3];
	fit_mtcars(&m, 2, 0, "disp", "hp");
	raw_coefs(&m, b);
	CHECK_NEAR(b[0], 1.40342, 0.5e-5);
	CHECK_NEAR(b[1], -0.09518, 0.5e-5);
	CHECK_NEAR(b[2], 0.12170, 0.5e-5);
	CHECK_REL(b[0], 1.4034220319118693, 1e-6);
	CHECK_REL(b[1], -0.09517972275569973, 1e-6);
	CHECK_REL(b[2], 0.12170172590460782, 1e-6);
	tl_model_free(&m);
}

/* The penalised score equations at the optimum (KKT): sum(y - mu) = 0 and
 * sum((y - mu) z_j) = l2 * coef_j, computed here independently. */
static void check_stationary(const struct tl_model *m, const double *X, const double *y, size_t n)
{
	for (size_t j = 0; j <= m->p; j++) {
		double g = 0;
		for (size_t i = 0; i < n; i++) {
			double mu = tl_model_predict(m, X + i * m->p);
			const struct tl_feature *f = j ? &m->feat[j - 1] : NULL;
			double z = j ? (X[i * m->p + j - 1] - f->mean) / f->sd : 1;
			g += (y[i] - mu) * z;
		}
		CHECK_NEAR(g, j ? m->l2 * m->feat[j - 1].coef : 0, 1e-9);
	}
}

static void test_separable(void)
{
	const char *specs[] = {"x", NULL};
	double X[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 0, 0, 1, 1, 1};
	struct tl_model m;
	char err[300] = "";
	new_model(&m, TL_MODEL_LOGISTIC, 1, "y", specs);
	CHECK(fit(&m, X, y, 6, err, sizeof err) == 0);
	CHECK(isfinite(m.feat[0].coef) && m.feat[0].coef > 0 && m.feat[0].coef < 10);
	CHECK_NEAR(m.intercept, 0, 1e-12);          /* symmetric data */
	CHECK_NEAR(m.train_auc, 1, 0);
	check_stationary(&m, X, y, 6);
	tl_model_free(&m);

	new_model(&m, TL_MODEL_LOGISTIC, 0, "y", specs);
	CHECK(fit(&m, X, y, 6, err, sizeof err) < 0);
	CHECK(strstr(err, "separate") != NULL);
	tl_model_free(&m);
}

static void test_penalised_mtcars(void)
{
	const char *specs[] = {"hp", "log1p:wt", NULL};
	double X[64], y[32];
	char err[300];
	struct tl_model m;
	for (int i = 0; i < 32; i++) {
		X[2 * i] = mtcars[i][0];
		X[2 * i + 1] = log1p(mtcars[i][1]);
		y[i] = mtcars[i][3];
	}
	new_model(&m, TL_MODEL_LOGISTIC, 2.5, "am", specs);
	CHECK(fit(&m, X, y, 32, err, sizeof err) == 0);
	check_stationary(&m, X, y, 32);
	tl_model_free(&m);
}

static void test_singular(void)
{
	const char *two[] = {"a", "b", NULL}, *one[] = {"a", "c", NULL};
	double X[] = {1, 2, 2, 4, 3, 6, 4, 8, 5, 10, 6, 12};       /* b = 2a */
	double C[] = {1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7};          /* c constant */
	double y[] = {0, 1, 0, 1, 1, 0};
	struct tl_model m;
	char err[300] = "";
	new_model(&m, TL_MODEL_LOGISTIC, 0, "y", two);
	CHECK(fit(&m, X, y, 6, err, sizeof err) < 0);
	CHECK(strstr(err, "singular system") != NULL && strstr(err, "collinear") != NULL);
	tl_model_free(&m);
	new_model(&m, TL_MODEL_LINEAR, 0, "y", two);
	CHECK(fit(&m, X, y, 6, err, sizeof err) < 0);
	CHECK(strstr(err, "singular system") != NULL);
	tl_model_free(&m);
	new_model(&m, TL_MODEL_LOGISTIC, 0, "y", one);
	CHECK(fit(&m, C, y, 6, err, sizeof err) < 0);
	CHECK(strstr(err, "feature 'c' is constant") != NULL);
	tl_model_free(&m);
	/* with a penalty a constant feature gets coefficient 0 */
	new_model(&m, TL_MODEL_LOGISTIC, 1, "y", one);
	CHECK(fit(&m, C, y, 6, err, sizeof err) == 0);
	CHECK(m.feat[1].sd == 0 && m.feat[1].coef == 0);
	tl_model_free(&m);
}

static void test_targets(void)
{
	const char *specs[] = {"x", NULL};
	double X[] = {1, 2, 3, 4}, y2[] = {0, 1, 2, 1}, y1[] = {1, 1, 1, 1};
	struct tl_model m;
	char err[300] = "";
	new_model(&m, TL_MODEL_LOGISTIC, 1, "t", specs);
	CHECK(fit(&m, X, y2, 4, err, sizeof err) < 0);
	CHECK(strstr(err, "needs 0 or 1") != NULL);
	CHECK(fit(&m, X, y1, 4, err, sizeof err) < 0);
	CHECK(strstr(err, "both 0 and 1") != NULL);
	tl_model_free(&m);
}

/* Ridge with one feature, by hand: z = (x - 2.5)/sd, sd = sqrt(5/3),
 * sum z^2 = n - 1 = 3; y = 2 + 3x exactly: slope(z) = 3 sd * 3/(3 + l2). */
static void test_ridge(void)
{
	const char *specs[] = {"x", NULL};
	double X[] = {1, 2, 3, 4}, y[] = {5, 8, 11, 14};
	struct tl_model m;
	char err[300];
	double sd = sqrt(5.0 / 3);
	new_model(&m, TL_MODEL_LINEAR, 0, "y", specs);
	CHECK(fit(&m, X, y, 4, err, sizeof err) == 0);
	CHECK_NEAR(m.feat[0].coef, 3 * sd, 1e-12);
	CHECK_NEAR(m.intercept, 9.5, 1e-12);
	CHECK_NEAR(m.train_rmse, 0, 1e-12);
	m.l2 = 2;
	CHECK(fit(&m, X, y, 4, err, sizeof err) == 0);
	CHECK_NEAR(m.feat[0].coef, 3 * sd * 3 / 5, 1e-12);
	CHECK_NEAR(m.intercept, 9.5, 1e-12);
	tl_model_free(&m);
}

/* Mean imputation: the mean and sd come from the rows with a value; an
 * empty value standardises to 0. */
static void test_impute(void)
{
	const char *specs[] = {"x", NULL};
	double X[] = {1, NAN, 3, 5}, y[] = {1, 2, 3, 4}, row[] = {NAN};
	struct tl_model m;
	char err[300];
	new_model(&m, TL_MODEL_LINEAR, 0, "y", specs);
	CHECK(fit(&m, X, y, 4, err, sizeof err) == 0);
	CHECK_NEAR(m.feat[0].mean, 3, 1e-15);
	CHECK_NEAR(m.feat[0].sd, 2, 1e-15);
	CHECK(m.feat[0].missing == 1);
	CHECK_NEAR(tl_model_predict(&m, row), m.intercept, 0);
	tl_model_free(&m);
}

static void test_features(void)
{
	struct tl_feature f;
	char err[200];
	double v;
	CHECK(tl_feature_parse("log1p:interactions", &f, err, sizeof err) == 0);
	CHECK_STR(f.field, "interactions");
	CHECK(f.tf == TL_TF_LOG1P);
	free(f.spec), free(f.field);
	CHECK(tl_feature_parse("sqrt:reuses", &f, err, sizeof err) == 0 && f.tf == TL_TF_SQRT);
	free(f.spec), free(f.field);
	CHECK(tl_feature_parse("days", &f, err, sizeof err) == 0 && f.tf == TL_TF_NONE);
	free(f.spec), free(f.field);
	CHECK(tl_feature_parse("log:x", &f, err, sizeof err) < 0);
	CHECK(strstr(err, "unknown transform 'log'") != NULL);
	CHECK(tl_feature_parse("sqrt:", &f, err, sizeof err) < 0);
	CHECK(tl_transform_apply(TL_TF_LOG1P, -1, &v) < 0);
	CHECK(tl_transform_apply(TL_TF_SQRT, -0.5, &v) < 0);
	CHECK(tl_transform_apply(TL_TF_SQRT, 9, &v) == 0 && v == 3);
	CHECK(tl_transform_apply(TL_TF_LOG1P, M_E - 1, &v) == 0 && fabs(v - 1) < 1e-15);
	CHECK(tl_transform_apply(TL_TF_NONE, INFINITY, &v) < 0);
}

static char *model_json(const struct tl_model *m, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	tl_model_write(m, f);
	fclose(f);
	return buf;
}

/* Determinism, and the JSON round trip: the model read back predicts
 * every row bit for bit like the fitted one; writing it again gives the
 * same bytes. */
static void test_roundtrip(void)
{
	struct tl_model a, b, c;
	char err[300];
	size_t n1, n2, n3;
	fit_mtcars(&a, 0, 1, "hp", "log1p:wt");
	fit_mtcars(&b, 0, 1, "hp", "log1p:wt");
	char *j1 = model_json(&a, &n1), *j2 = model_json(&b, &n2);
	CHECK(n1 == n2 && memcmp(j1, j2, n1) == 0);
	CHECK(tl_model_read(&c, j1, n1, err, sizeof err) == 0);
	for (int i = 0; i < 32; i++) {
		double x[2] = {mtcars[i][0], mtcars[i][1]};
		CHECK(tl_model_predict(&a, x) == tl_model_predict(&c, x));
	}
	CHECK(c.p == 2 && c.feat[1].tf == TL_TF_LOG1P && strcmp(c.target, "am") == 0);
	c.n = a.n, c.positives = a.positives, c.iterations = a.iterations;
	c.train_auc = a.train_auc, c.train_log_loss = a.train_log_loss;
	char *j3 = model_json(&c, &n3);
	CHECK(n3 == n1 && memcmp(j1, j3, n1) == 0);
	free(j1), free(j2), free(j3);
	tl_model_free(&a), tl_model_free(&b), tl_model_free(&c);

	static const char *const bad[] = {
		"[]", "{\"kind\":\"tree\"}", "{\"kind\":\"linear\",\"target\":\"y\",\"intercept\":1}",
		"{\"kind\":\"linear\",\"target\":\"y\",\"intercept\":1,\"features\":[{\"spec\":\"x\",\"mean\":1,\"sd\":1}]}",
		"{\"kind\":\"linear\",\"target\":\"y\",\"intercept\":1,\"features\":[{\"spec\":\"x\",\"mean\":1,\"sd\":-1,\"coef\":1}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(tl_model_read(&c, bad[i], strlen(bad[i]), err, sizeof err) < 0);
		tl_model_free(&c);
	}
}

/* CV: folds come from the id hash; each out-of-fold prediction is, bit
 * for bit, that of a model fitted on the other folds alone (the fold's
 * unit of the fit is that fit); cv_auc is the AUC of all of them. */
static void test_cv(void)
{
	struct tl_model m, t;
	double X[64], y[32], pred[32], Xs[64], ys[32];
	int fold[32], seen[4] = {0};
	char err[300], id[16];
	const char *specs[] = {"hp", "wt", NULL};
	new_model(&m, TL_MODEL_LOGISTIC, 1, "am", specs);
	for (int i = 0; i < 32; i++) {
		X[2 * i] = mtcars[i][0];
		X[2 * i + 1] = mtcars[i][1];
		y[i] = mtcars[i][3];
		snprintf(id, sizeof id, "car%d", i);
		fold[i] = tl_model_fold(id, strlen(id), 4);
		CHECK(fold[i] == tl_model_fold(id, strlen(id), 4) && fold[i] >= 0 && fold[i] < 4);
		seen[fold[i]]++;
	}
	CHECK(seen[0] && seen[1] && seen[2] && seen[3]);
	struct tl_model_data d = {X, y, fold, 32};
	CHECK(tl_model_fit(&m, &d, 4, &prm, pred, err, sizeof err) == 0);
	CHECK(m.cv_k == 4 && isfinite(m.cv_auc) && m.cv_auc > 0.5 && m.cv_auc <= 1);
	CHECK(m.cv_fold_n[0] + m.cv_fold_n[1] + m.cv_fold_n[2] + m.cv_fold_n[3] == 32);
	for (int k = 0; k < 4; k++) {
		size_t n = 0;
		for (int i = 0; i < 32; i++)
			if (fold[i] != k) {
				Xs[2 * n] = X[2 * i], Xs[2 * n + 1] = X[2 * i + 1], ys[n++] = y[i];
			}
		new_model(&t, TL_MODEL_LOGISTIC, 1, "am", specs);
		CHECK(fit(&t, Xs, ys, n, err, sizeof err) == 0);
		for (int i = 0; i < 32; i++)
			if (fold[i] == k)
				CHECK(pred[i] == tl_model_predict(&t, X + 2 * i));
		CHECK(m.cv_fold_n[k] == 32 - (long)n);
		tl_model_free(&t);
	}
	struct tl_eval_pair pairs[32];   /* cv_auc: the AUC of every out-of-fold prediction */
	for (int i = 0; i < 32; i++)
		pairs[i] = (struct tl_eval_pair){pred[i], y[i] > 0.5};
	CHECK(tl_eval_roc_auc(pairs, 32) == m.cv_auc);
	tl_model_free(&m);
}

int main(void)
{
	test_reference_hp_wt();
	test_reference_disp_hp();
	test_separable();
	test_penalised_mtcars();
	test_singular();
	test_targets();
	test_ridge();
	test_impute();
	test_features();
	test_roundtrip();
	test_cv();
	return UNIT_DONE();
}
