/* test_eval.c - unit tests of common/metrics/eval.c against hand-computed values,
 * a published ROC AUC and a brute-force pair count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/eval.h"
#include "util/rng.h"
#include "unit.h"

static double auc_of(const double *s, const int *y, size_t n)
{
	struct tl_eval_pair *p = malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = (struct tl_eval_pair){s[i], y[i]};
	double a = tl_eval_roc_auc(p, n);
	free(p);
	return a;
}

/* binary_of: every binary metric of the pairs, through a histogram. */
static void binary_of(const struct tl_eval_pair *p, size_t n, struct tl_eval_binary *b)
{
	struct tl_eval_hist h = {0};
	for (size_t i = 0; i < n; i++)
		tl_eval_hist_add(&h, p[i].score, p[i].label, !p[i].label);
	tl_eval_binary(&h, b);
	tl_eval_hist_free(&h);
}

static double ap_of(const double *s, const int *y, size_t n)
{
	struct tl_eval_pair *p = malloc(n * sizeof *p);
	struct tl_eval_binary b;
	for (size_t i = 0; i < n; i++)
		p[i] = (struct tl_eval_pair){s[i], y[i]};
	binary_of(p, n, &b);
	free(p);
	return b.pr_auc;
}

static void test_auc_hand(void)
{
	/* positives 0.9, 0.8, 0.3; negatives 0.8, 0.3, 0.1:
	 * 0.9 beats 3; 0.8 beats 2 and ties 1; 0.3 beats 1 and ties 1: 7/9. */
	double s[] = {0.9, 0.8, 0.8, 0.3, 0.3, 0.1};
	int y[] = {1, 1, 0, 0, 1, 0};
	CHECK_NEAR(auc_of(s, y, 6), 7.0 / 9, 1e-15);
	int perfect[] = {1, 1, 1, 0, 0, 0}, reversed[] = {0, 0, 0, 1, 1, 1};
	double distinct[] = {6, 5, 4, 3, 2, 1};
	CHECK_NEAR(auc_of(distinct, perfect, 6), 1.0, 0);
	CHECK_NEAR(auc_of(distinct, reversed, 6), 0.0, 0);
	double tied[] = {1, 1, 1, 1, 1, 1};
	CHECK_NEAR(auc_of(tied, perfect, 6), 0.5, 0);
	int one_class[] = {1, 1, 1, 1, 1, 1};
	CHECK(isnan(auc_of(distinct, one_class, 6)));
	struct tl_eval_binary b;
	binary_of(NULL, 0, &b);           /* no records */
	CHECK(b.n == 0 && isnan(b.roc_auc) && isnan(b.pr_auc) && isnan(b.brier) && b.unit_scores);
}

/* Ties across the classes, by hand with midranks: ascending scores
 *   0.1 N | 0.2 P, 0.2 N | 0.5 P, 0.5 P, 0.5 N, 0.5 N | 0.9 P
 * ranks 1 | 2.5 2.5 | 5.5 x4 | 8, so R_pos = 2.5 + 5.5 + 5.5 + 8 = 21.5 and
 * U = R_pos - P(P+1)/2 = 21.5 - 10 = 11.5 of P·N = 16: 0.71875 (by pairs:
 * 0.2 beats 1, ties 1: 1.5; each 0.5 beats 2, ties 2: 3; 0.9 beats 4).
 * Then tl-model's former cases (its tl_auc is now this function):
 * {0.1 N, 0.4 N, 0.35 P, 0.8 P}: 0.35 beats 0.1, 0.8 beats both: 3/4; all
 * scores tied: 1/2; positives 0.5, 0.9, 0.1 vs negatives 0.2, 0.5:
 * (1 + 0.5) + 2 + 0 = 3.5 of 6. The order of the input does not matter. */
static void test_auc_ties_midranks(void)
{
	double s[] = {0.5, 0.1, 0.9, 0.2, 0.5, 0.5, 0.2, 0.5};
	int y[] = {1, 0, 1, 0, 0, 1, 1, 0};
	CHECK(auc_of(s, y, 8) == 0.71875);
	double r[] = {0.9, 0.5, 0.5, 0.5, 0.5, 0.2, 0.2, 0.1};
	int ry[] = {1, 0, 1, 0, 1, 1, 0, 0};
	CHECK(auc_of(r, ry, 8) == 0.71875);
	double s1[] = {0.1, 0.4, 0.35, 0.8}, s2[] = {1, 1, 1, 1};
	int y1[] = {0, 0, 1, 1};
	CHECK(auc_of(s1, y1, 4) == 0.75);
	CHECK(auc_of(s2, y1, 4) == 0.5);
	double s3[] = {0.2, 0.5, 0.5, 0.9, 0.1};
	int y3[] = {0, 1, 0, 1, 1};
	CHECK_NEAR(auc_of(s3, y3, 5), 3.5 / 6, 1e-15);
	CHECK(isnan(auc_of(s1, (int[]){1, 1, 1, 1}, 4)));
	CHECK(isnan(auc_of(s1, (int[]){0, 0, 0, 0}, 4)));
}

/* Hanley & McNeil (1982), Radiology 143:29-36, Table 1: CT images rated
 * 1 (definitely normal) .. 5 (definitely abnormal); 58 normal, 51
 * abnormal; their area is 0.893. Exactly: U = 2642 of 58·51 = 2958. */
static void test_auc_hanley_mcneil(void)
{
	static const int normal[5] = {33, 6, 6, 11, 2}, abnormal[5] = {3, 2, 2, 11, 33};
	double s[109];
	int y[109];
	size_t n = 0;
	for (int r = 0; r < 5; r++) {
		for (int k = 0; k < normal[r]; k++)
			s[n] = r + 1, y[n++] = 0;
		for (int k = 0; k < abnormal[r]; k++)
			s[n] = r + 1, y[n++] = 1;
	}
	CHECK(n == 109);
	double auc = auc_of(s, y, n);
	CHECK_NEAR(auc, 2642.0 / 2958.0, 1e-15);
	CHECK_NEAR(auc, 0.893, 0.0005);
}

/* Against the definition: P(s+ > s-) + P(s+ = s-)/2 over all pairs. */
static void test_auc_brute_force(void)
{
	struct tl_rng r;
	tl_rng_seed(&r, 42);
	enum { N = 700 };
	static double s[N];
	static int y[N];
	for (int i = 0; i < N; i++) {
		s[i] = (double)tl_rng_below(&r, 20) / 4;    /* many ties */
		y[i] = tl_rng_uniform(&r) < 0.2 + s[i] / 10;
	}
	double wins = 0, pairs = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (y[i] && !y[j]) {
				pairs++;
				wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
			}
	CHECK_NEAR(auc_of(s, y, N), wins / pairs, 1e-12);
}

static void test_average_precision(void)
{
	double s[] = {0.9, 0.8, 0.8, 0.3, 0.3, 0.1};
	int y[] = {1, 1, 0, 0, 1, 0};
	/* thresholds 0.9: P=1 ΔR=1/3; 0.8: P=2/3 ΔR=1/3; 0.3: P=3/5 ΔR=1/3. */
	CHECK_NEAR(ap_of(s, y, 6), 1.0 / 3 + 2.0 / 9 + 1.0 / 5, 1e-15);
	double s2[] = {0.9, 0.8, 0.7};
	int y2[] = {1, 0, 1};
	CHECK_NEAR(ap_of(s2, y2, 3), 0.5 + (2.0 / 3) * 0.5, 1e-15);
	double tied[] = {1, 1, 1, 1, 1, 1};
	CHECK_NEAR(ap_of(tied, y, 6), 0.5, 1e-15);
	int none[] = {0, 0, 0, 0, 0, 0};
	CHECK(isnan(ap_of(s, none, 6)));
}

static void test_brier_bins(void)
{
	struct tl_eval_pair p[] = {{0.9, 1}, {0.8, 1}, {0.8, 0}, {0.3, 0}, {0.3, 1}, {0.1, 0}, {1.0, 1}, {0.0, 0}};
	struct tl_eval_binary b;
	binary_of(p, 8, &b);
	/* .01 + .04 + .64 + .09 + .49 + .01 + 0 + 0 = 1.28 */
	CHECK_NEAR(b.brier, 1.28 / 8, 1e-15);
	CHECK(b.n == 8 && b.pos == 4 && b.neg == 4 && b.unit_scores);
	CHECK(b.bins[9].n == 2 && b.bins[9].pos == 2);   /* 0.9 and 1.0 */
	CHECK(b.bins[8].n == 2 && b.bins[8].pos == 1);
	CHECK(b.bins[3].n == 2 && b.bins[1].n == 1 && b.bins[0].n == 1);
	CHECK_NEAR(b.bins[9].sum_score, 1.9, 1e-15);
	struct tl_eval_pair q[] = {{2.5, 1}, {0.5, 0}};
	binary_of(q, 2, &b);
	CHECK(!b.unit_scores && isnan(b.brier) && b.bins[5].n == 0);
	CHECK_NEAR(b.roc_auc, 1.0, 0);
}

/* The histogram against a direct count: scores from few distinct values
 * (batches fold into existing buckets) and from many (batches of new
 * ones, merged in between), in random order, with -0 and 0 one score. */
static void test_hist(void)
{
	struct tl_rng r;
	tl_rng_seed(&r, 7);
	enum { N = 600000, K = 400000 };
	static long long pos[K], neg[K];
	struct tl_eval_hist h = {0}, two = {0}, half = {0};
	for (int i = 0; i < N; i++) {
		int k = (int)tl_rng_below(&r, i < N / 2 ? 50 : K), y = tl_rng_uniform(&r) < 0.3;
		double s = k == 0 && (i & 1) ? -0.0 : k;
		*(y ? &pos[k] : &neg[k]) += 1;
		tl_eval_hist_add(&h, s, y, !y);
		tl_eval_hist_add(i % 3 ? &two : &half, s, y, !y);
	}
	tl_eval_hist_compact(&h);
	int ok = 1;
	size_t used = 0;
	for (int k = 0; k < K; k++)
		used += pos[k] + neg[k] > 0;
	CHECK(h.n == used);
	for (size_t i = 0, k = 0; i < h.n && ok; i++, k++) {
		while (pos[k] + neg[k] == 0)
			k++;
		ok = h.b[i].score == (double)k && h.b[i].pos == pos[k] && h.b[i].neg == neg[k];
		ok = ok && !(h.b[i].score == 0 && signbit(h.b[i].score));
	}
	CHECK(ok);
	/* a histogram merged from another's buckets is the same */
	tl_eval_hist_compact(&half);
	for (size_t i = 0; i < half.n; i++)
		tl_eval_hist_add(&two, half.b[i].score, half.b[i].pos, half.b[i].neg);
	tl_eval_hist_compact(&two);
	CHECK(two.n == h.n && memcmp(two.b, h.b, h.n * sizeof *h.b) == 0);
	struct tl_eval_binary a, b;
	tl_eval_binary(&h, &a);
	tl_eval_binary(&two, &b);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	tl_eval_hist_free(&h);
	tl_eval_hist_free(&two);
	tl_eval_hist_free(&half);
}

static void test_confusion(void)
{
	struct tl_confusion c;
	tl_confusion_init(&c);
	/* truth/pred: (b,b) (b,a) (a,a) (a,a) (a,c) (c,a) (b,b) */
	const char *pairs[][2] = {{"b", "b"}, {"b", "a"}, {"a", "a"}, {"a", "a"}, {"a", "c"}, {"c", "a"}, {"b", "b"}};
	for (size_t i = 0; i < 7; i++)
		tl_confusion_add(&c, pairs[i][0], 1, pairs[i][1], 1);
	tl_confusion_sort(&c);
	CHECK(c.k == 3 && c.n == 7);
	CHECK_STR(c.labels[0], "a");
	CHECK_STR(c.labels[2], "c");
	CHECK(tl_confusion_at(&c, 0, 0) == 2 && tl_confusion_at(&c, 0, 2) == 1 && tl_confusion_at(&c, 1, 0) == 1);
	CHECK(tl_confusion_at(&c, 2, 0) == 1 && tl_confusion_at(&c, 1, 1) == 2 && tl_confusion_at(&c, 2, 2) == 0);
	struct tl_class_metrics m;
	tl_confusion_class(&c, 0, &m);    /* a: tp 2, predicted 4, support 3 */
	CHECK(m.tp == 2 && m.predicted == 4 && m.support == 3);
	CHECK_NEAR(m.precision, 0.5, 1e-15);
	CHECK_NEAR(m.recall, 2.0 / 3, 1e-15);
	CHECK_NEAR(m.f1, 2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3), 1e-15);
	tl_confusion_class(&c, 2, &m);    /* c: tp 0, predicted 1, support 1 */
	CHECK(m.precision == 0 && m.recall == 0 && m.f1 == 0);
	struct tl_macro mac;
	tl_confusion_macro(&c, &mac);     /* b: P 1, R 2/3, F1 0.8 */
	CHECK(mac.classes == 3);
	CHECK_NEAR(mac.precision, (0.5 + 1 + 0) / 3, 1e-15);
	CHECK_NEAR(mac.recall, (2.0 / 3 + 2.0 / 3 + 0) / 3, 1e-15);
	CHECK_NEAR(mac.f1, (4.0 / 7 + 0.8 + 0) / 3, 1e-15);
	CHECK_NEAR(mac.accuracy, 4.0 / 7, 1e-15);
	/* a class only predicted: no support, so not in the macro average. */
	tl_confusion_add(&c, "a", 1, "z", 1);
	tl_confusion_class(&c, 3, &m);
	CHECK(m.support == 0 && isnan(m.recall) && m.precision == 0);
	tl_confusion_macro(&c, &mac);
	CHECK(mac.classes == 3);
	tl_confusion_free(&c);
}

static void test_confusion_growth(void)
{
	struct tl_confusion c;
	char name[8];
	tl_confusion_init(&c);
	for (int i = 0; i < 40; i++) {
		int n = snprintf(name, sizeof name, "k%02d", 39 - i);
		tl_confusion_add(&c, name, (size_t)n, "k00", 3);
	}
	tl_confusion_sort(&c);
	CHECK(c.k == 40);
	CHECK_STR(c.labels[39], "k39");
	CHECK(tl_confusion_at(&c, 39, 0) == 1 && tl_confusion_at(&c, 0, 0) == 1);
	struct tl_class_metrics m;
	tl_confusion_class(&c, 0, &m);
	CHECK(m.predicted == 40 && m.support == 1);
	tl_confusion_free(&c);
}

static void test_numeric(void)
{
	struct tl_eval_numeric a = {0};
	tl_eval_numeric_add(&a, 0.45, 0.5, 0.1);
	tl_eval_numeric_add(&a, 0.4, 0.2, 0.1);
	tl_eval_numeric_add(&a, 0.3, 0.3, 0.1);
	tl_eval_numeric_add(&a, 0.41, 0.4, 0.1);
	tl_eval_numeric_add(&a, 0.4, 0.3, 0.1);    /* |e| = 0.10000000000000003: within */
	CHECK(a.n == 5 && a.within == 4);
	CHECK_NEAR(tl_eval_mae(&a), (0.05 + 0.2 + 0 + 0.01 + 0.1) / 5, 1e-15);
	CHECK_NEAR(tl_eval_rmse(&a), sqrt((0.0025 + 0.04 + 0 + 0.0001 + 0.01) / 5), 1e-15);
	CHECK_NEAR(tl_eval_bias(&a), (-0.05 + 0.2 + 0 + 0.01 + 0.1) / 5, 1e-15);
	CHECK_NEAR(tl_eval_within(&a), 0.8, 1e-15);
	struct tl_eval_numeric e = {0};
	CHECK(isnan(tl_eval_mae(&e)) && isnan(tl_eval_within(&e)));
}

int main(void)
{
	test_auc_hand();
	test_auc_ties_midranks();
	test_auc_hanley_mcneil();
	test_auc_brute_force();
	test_average_precision();
	test_brier_bins();
	test_hist();
	test_confusion();
	test_confusion_growth();
	test_numeric();
	return UNIT_DONE();
}
