/* test_model_multi.c - unit tests of tl-model's multinomial regression
 * (common/metrics/model_multi.c): a record's loss, gradient and Hessian
 * (tl_multi_terms) against hand-computed values and against central
 * differences of the loss and the gradient; the accuracy and macro F1 of
 * confusion counts; the fit's stationarity and its round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model.h"
#include "unit.h"

/* H[a][b] of the blocks of 2 coefficients, either order. */
static double hat(const double *h, size_t a, size_t b) { return h[tl_multi_hess_at(2, a, b)]; }

/* At b = 0 with 3 classes every P is 1/3: loss log 3; the gradient
 * (y_k - 1/3) zt; the blocks P_k (d_kl - P_l) zt zt' = 2/9 zz' on the
 * diagonal, -1/9 zz' off it. */
static void test_terms_at_zero(void)
{
	double b[4] = {0}, zt[2] = {1, 0.5}, work[6], g[4], h[10];
	double loss = tl_multi_terms(3, 2, b, zt, 1, work, g, h);
	CHECK_NEAR(loss, log(3), 1e-15);
	CHECK_NEAR(g[0], 2.0 / 3, 1e-15);
	CHECK_NEAR(g[1], 1.0 / 3, 1e-15);
	CHECK_NEAR(g[2], -1.0 / 3, 1e-15);
	CHECK_NEAR(g[3], -1.0 / 6, 1e-15);
	CHECK_NEAR(hat(h, 0, 0), 2.0 / 9, 1e-15);
	CHECK_NEAR(hat(h, 1, 0), 1.0 / 9, 1e-15);
	CHECK_NEAR(hat(h, 1, 1), 1.0 / 18, 1e-15);
	CHECK_NEAR(hat(h, 2, 0), -1.0 / 9, 1e-15);
	CHECK_NEAR(hat(h, 2, 1), -1.0 / 18, 1e-15);
	CHECK_NEAR(hat(h, 3, 0), -1.0 / 18, 1e-15);
	CHECK_NEAR(hat(h, 3, 1), -1.0 / 36, 1e-15);
	CHECK_NEAR(hat(h, 2, 2), 2.0 / 9, 1e-15);
	CHECK_NEAR(hat(h, 3, 2), 1.0 / 9, 1e-15);
	CHECK_NEAR(hat(h, 3, 3), 1.0 / 18, 1e-15);
}

/* eta = (0, log 2, 0): P = (1/4, 1/2, 1/4); y = 2: loss log 4; gradient
 * (-1/2, 3/4) zt; blocks 1/4, -1/8 and 3/16 times zt zt' (zt = (1, 2)). */
static void test_terms_hand(void)
{
	double b[4] = {log(2), 0, 0, 0}, zt[2] = {1, 2}, work[6], g[4], h[10];
	double loss = tl_multi_terms(3, 2, b, zt, 2, work, g, h);
	CHECK_NEAR(loss, log(4), 1e-15);
	CHECK_NEAR(g[0], -0.5, 1e-15);
	CHECK_NEAR(g[1], -1, 1e-15);
	CHECK_NEAR(g[2], 0.75, 1e-15);
	CHECK_NEAR(g[3], 1.5, 1e-15);
	CHECK_NEAR(hat(h, 0, 0), 0.25, 1e-15);
	CHECK_NEAR(hat(h, 1, 1), 1, 1e-15);
	CHECK_NEAR(hat(h, 2, 0), -0.125, 1e-15);
	CHECK_NEAR(hat(h, 3, 0), -0.25, 1e-15);
	CHECK_NEAR(hat(h, 2, 1), -0.25, 1e-15);
	CHECK_NEAR(hat(h, 3, 3), 0.75, 1e-15);
}

/* At a general point of 4 classes and 3 coefficients each, the gradient
 * is minus the loss's derivative and the Hessian the gradient's negated
 * derivative (central differences). */
static void test_terms_differences(void)
{
	enum { C = 4, R = 3, Q = (C - 1) * R };
	double b[Q] = {0.3, -1.2, 0.7, -0.4, 0.9, 0.1, 1.1, -0.6, -0.8}, zt[R] = {1, -0.7, 1.9};
	double work[2 * C], g[Q], h[Q * (Q + 1) / 2], gp[Q], gm[Q], hs[Q * (Q + 1) / 2];
	CHECK_EQ(tl_multi_hess_n(C, R), 36);   /* 6 blocks of 6 */
	tl_multi_terms(C, R, b, zt, 3, work, g, h);
	for (size_t a = 0; a < Q; a++) {
		double e = 1e-6, keep = b[a];
		b[a] = keep + e;
		double lp = tl_multi_terms(C, R, b, zt, 3, work, gp, hs);
		b[a] = keep - e;
		double lm = tl_multi_terms(C, R, b, zt, 3, work, gm, hs);
		b[a] = keep;
		CHECK_NEAR(g[a], -(lp - lm) / (2 * e), 1e-8);
		for (size_t c = 0; c < Q; c++)
			CHECK_NEAR(h[tl_multi_hess_at(R, c, a)], -(gp[c] - gm[c]) / (2 * e), 1e-8);
	}
}

/* truth rows, prediction columns: class 0: 3 right, 1 as class 1; class
 * 1: 2 right; class 2: no support, predicted once (from class 1).
 * Accuracy 5/7; F1 6/7 and 4/6 (2TP / (support + predicted)), class 2
 * left out of the mean. */
static void test_class_metrics(void)
{
	long conf[9] = {3, 1, 0, 0, 2, 1, 0, 0, 0}, none[9] = {0};
	double acc, f1;
	tl_model_class_metrics(conf, 3, &acc, &f1);
	CHECK_NEAR(acc, 5.0 / 7, 1e-15);
	CHECK_NEAR(f1, (6.0 / 7 + 4.0 / 6) / 2, 1e-15);
	tl_model_class_metrics(none, 3, &acc, &f1);
	CHECK(isnan(acc) && isnan(f1));
}

/* A fit of 3 classes on one feature: the penalised gradient is 0 at the
 * fitted coefficients; the probabilities sum to 1; the model file reads
 * back to the same predictions. */
static void test_fit(void)
{
	static const double x[12] = {-2, -1.5, -1, -0.2, 0.1, 0.4, 0.3, 0.9, 1.4, 1.8, 2.5, -0.5};
	static const double y[12] = {0, 0, 0, 1, 1, 1, 0, 2, 2, 2, 2, 1};
	const char *classes[3] = {"a", "b", "c"};
	struct tl_model m = {0}, back;
	char err[300];
	m.kind = TL_MODEL_MULTINOMIAL;
	m.target = strdup("t");
	m.l2 = 0.5;
	m.p = 1;
	m.feat = calloc(1, sizeof *m.feat);
	CHECK(tl_feature_parse("x", &m.feat[0], err, sizeof err) == 0);
	m.nclass = 3;
	m.classes = calloc(3, sizeof *m.classes);
	for (int k = 0; k < 3; k++)
		m.classes[k] = strdup(classes[k]);
	struct tl_model_data d = {x, y, NULL, 12};
	CHECK(tl_model_fit(&m, &d, 0, &(struct tl_model_params)TL_MODEL_PARAMS_DEFAULTS, NULL, err, sizeof err) == 0);
	double b[4] = {m.mint[1], m.feat[0].mcoef[1], m.mint[2], m.feat[0].mcoef[2]}, sum[4] = {0};
	for (int i = 0; i < 12; i++) {
		double zt[2] = {1, (x[i] - m.feat[0].mean) / m.feat[0].sd}, work[6], g[4], h[10];
		tl_multi_terms(3, 2, b, zt, (size_t)y[i], work, g, h);
		for (int a = 0; a < 4; a++)
			sum[a] += g[a];
	}
	CHECK_NEAR(sum[0], 0, 1e-9);
	CHECK_NEAR(sum[1] - m.l2 * b[1], 0, 1e-9);
	CHECK_NEAR(sum[2], 0, 1e-9);
	CHECK_NEAR(sum[3] - m.l2 * b[3], 0, 1e-9);
	CHECK(m.mint[0] == 0 && m.feat[0].mcoef[0] == 0 && m.class_n[0] == 4 && m.class_n[2] == 4);
	char *text;
	size_t n;
	FILE *f = open_memstream(&text, &n);
	tl_model_write(&m, f);
	fclose(f);
	CHECK(tl_model_read(&back, text, n, err, sizeof err) == 0);
	for (int i = 0; i < 12; i++) {
		double p[3], q[3];
		size_t k = tl_model_predict_classes(&m, &x[i], p), kb = tl_model_predict_classes(&back, &x[i], q);
		CHECK_NEAR(p[0] + p[1] + p[2], 1, 1e-15);
		CHECK(k == kb && p[0] == q[0] && p[1] == q[1] && p[2] == q[2]);
		CHECK(p[k] >= p[0] && p[k] >= p[1] && p[k] >= p[2]);
	}
	free(text);
	tl_model_free(&back);
	tl_model_free(&m);
}

int main(void)
{
	test_terms_at_zero();
	test_terms_hand();
	test_terms_differences();
	test_class_metrics();
	test_fit();
	return UNIT_DONE();
}
