/* test_abtest.c - common/abtest/ (tests.c, accum.c, report.c, statsfile.c) against
 * independently computed values.
 *
 * Sources (recorded per case below):
 *  [R]     R's t.test documentation and output: the sleep data
 *          (t = -1.8608, df = 17.776, p-value = 0.07939, 95% CI -3.3654832
 *          0.2054832) and the ?t.test examples t.test(1:10, y = c(7:20))
 *          (P = .00001855; t = -5.4349, df = 21.982, CI -11.052802 -4.947198)
 *          and t.test(1:10, y = c(7:20, 200)) (P = .1245).
 *  [New]   Newcombe, Stat. Med. 17 (1998) 873-890, Table II, method 10
 *          (published to 4 decimals).
 *  [Wiki]  Wikipedia, "Welch's t-test", example 1: t = 2.46 (sign as
 *          A2 - A1), df ~ 24.99, p = 0.021 (published rounded).
 *  [mp]    testdata/abtest-reference.py: mpmath 1.3 at 40 digits (regularized
 *          incomplete beta / gamma, erfinv, findroot), an implementation
 *          independent of common/util/stats.c; full digits below come from it and
 *          agree with [R], [New] and [Wiki] to their published precision.
 *  [hand]  worked by hand in the comment next to the check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abtest/abtest.h"
#include "unit.h"

#define REL 1e-10

static struct tl_moments mom(const double *x, size_t n)
{
	struct tl_moments m = {0};
	for (size_t i = 0; i < n; i++)
		tl_moments_add(&m, x[i]);
	return m;
}

static struct tl_moments seq_mom(double from, double to)
{
	struct tl_moments m = {0};
	for (double v = from; v <= to; v++)
		tl_moments_add(&m, v);
	return m;
}

/* A reference Welch case: the expected values from [mp]. */
struct welch_case {
	const char *name;
	double t, df, p, lo, hi, lift, lift_lo, lift_hi;
};

static void check_welch(const struct tl_moments *c, const struct tl_moments *t, const struct welch_case *w)
{
	struct tl_ab_test r;
	int before = unit_failures;
	tl_ab_welch(c, t, 0.05, &r);
	CHECK_REL(r.stat, w->t, REL);
	CHECK_REL(r.df, w->df, REL);
	CHECK_REL(r.p, w->p, 1e-9);
	CHECK_REL(r.diff_lo, w->lo, 1e-9);
	CHECK_REL(r.diff_hi, w->hi, 1e-9);
	CHECK_REL(r.lift, w->lift, REL);
	CHECK_REL(r.lift_lo, w->lift_lo, 1e-9);
	CHECK_REL(r.lift_hi, w->lift_hi, 1e-9);
	CHECK(r.note == NULL);
	if (unit_failures > before)
		fprintf(stderr, "  (in the Welch case %s)\n", w->name);
}

static void test_welch_published(void)
{
	/* [R] sleep: extra ~ group; group 2 is the control, group 1 the treatment */
	static const double g1[] = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
	static const double g2[] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
	struct tl_moments c = mom(g2, 10), t = mom(g1, 10);
	struct tl_ab_test r;
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_NEAR(r.stat, -1.8608, 5e-5);        /* [R] as printed */
	CHECK_NEAR(r.df, 17.776, 5e-4);
	CHECK_NEAR(r.p, 0.07939, 5e-6);
	CHECK_NEAR(r.diff_lo, -3.3654832, 5e-8);
	CHECK_NEAR(r.diff_hi, 0.2054832, 5e-8);
	check_welch(&c, &t, &(struct welch_case){"sleep [R][mp]", -1.8608134674868531,
		17.77647351617849, 0.079394140187358138, -3.365483230711711, 0.20548323071171097,
		-0.67811158798283262, -1.1839392519351183, -0.17228392403054698});

	/* [R] t.test(1:10, y = c(7:20)): control 7:20, treatment 1:10 */
	c = seq_mom(7, 20), t = seq_mom(1, 10);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_NEAR(r.p, 0.00001855, 5e-9);
	CHECK_NEAR(r.stat, -5.4349, 5e-5);
	CHECK_NEAR(r.df, 21.982, 5e-4);
	CHECK_NEAR(r.diff_lo, -11.052802, 5e-7);
	CHECK_NEAR(r.diff_hi, -4.947198, 5e-7);
	check_welch(&c, &t, &(struct welch_case){"R 1:10 vs 7:20 [R][mp]", -5.4349297638940596,
		21.982212340188994, 1.8552818325118113e-5, -11.052801725158161, -4.9471982748418393,
		-0.59259259259259259, -0.74652321921862578, -0.43866196596655941});

	/* [R] t.test(1:10, y = c(7:20, 200)): P = .1245 */
	tl_moments_add(&c, 200);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_NEAR(r.p, 0.1245, 5e-5);
	check_welch(&c, &t, &(struct welch_case){"R 1:10 vs c(7:20, 200) [R][mp]",
		-1.6329026332012052, 14.164598953012474, 0.12451349808974539, -47.24289988710192,
		6.3762332204352537, -0.78791773778920308, -1.0005912474474168, -0.57524422813098939});

	/* [Wiki] example 1: A1 control, A2 treatment */
	static const double a1[] = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6,
				    23.1, 19.6, 19.0, 21.7, 21.4};
	static const double a2[] = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2,
				    21.9, 22.1, 22.9, 20.5, 24.4};
	c = mom(a1, 15), t = mom(a2, 15);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_NEAR(r.stat, 2.46, 0.005);
	CHECK_NEAR(r.p, 0.021, 0.0005);
	check_welch(&c, &t, &(struct welch_case){"Wikipedia example 1 [Wiki][mp]", 2.4553563982860045,
		24.988529290231414, 0.02137800146286706, 0.34923706619240477, 3.9840962671409281,
		0.10406660262568042, 0.015081144021847792, 0.19305206122951306});
}

static void test_welch_small(void)
{
	/* n = 2 in both arms: df = 1.4706 (non-integer, below 2) [mp] */
	static const double c2[] = {1, 2}, t2[] = {3, 5};
	struct tl_moments c = mom(c2, 2), t = mom(t2, 2);
	check_welch(&c, &t, &(struct welch_case){"n = 2 vs n = 2 [mp]", 2.2360679774997897,
		1.4705882352941176, 0.19872738893452614, -4.4185228300710693, 9.4185228300710693,
		1.6666666666666667, -0.5110710939333936, 3.8444044272667269});

	/* n = 2 vs n = 3, variances 50 vs 0.01: df -> 1, t = 0, p = 1 [mp] */
	static const double c3[] = {0, 10}, t3[] = {4.9, 5.0, 5.1};
	c = mom(c3, 2), t = mom(t3, 3);
	struct tl_ab_test r;
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_NEAR(r.stat, 0, 1e-13);
	CHECK_REL(r.df, 1.0002666755531851, REL);
	CHECK_NEAR(r.p, 1, 1e-12);
	CHECK_REL(r.diff_hi, 63.495244799524527, 1e-9);
	CHECK_REL(r.lift_hi, 1.9600946444505051, 1e-9);

	/* n = 30 vs n = 5, variances in ratio ~1:10^4 [mp] */
	double cc[30];
	static const double tt[] = {9, 10.5, 11, 12, 13.5};
	for (int i = 0; i < 30; i++)
		cc[i] = 10 + (i % 5 - 2) * 0.01;
	c = mom(cc, 30), t = mom(tt, 5);
	check_welch(&c, &t, &(struct welch_case){"n = 30 vs n = 5, unequal variances [mp]",
		1.5964465092587793, 4.0000976508036677, 0.18562285735616014, -0.88694875174010342,
		3.2869487517401034, 0.12, -0.027324725225771356, 0.26732472522577136});

	/* a tiny p at df ~ 4.85 [mp] */
	static const double c4[] = {1.0, 1.1, 0.9}, t4[] = {5.0, 5.2, 4.8, 5.1};
	c = mom(c4, 3), t = mom(t4, 4);
	check_welch(&c, &t, &(struct welch_case){"tiny p [mp]", 39.04823563084959, 4.8495960223741452,
		3.0065478706611316e-7, 3.7575396140980014, 4.2924603859019984, 4.0249999999999997,
		3.4322593953941343, 4.6177406046058652});
}

static void test_welch_large_and_zero(void)
{
	struct tl_moments c = {0}, t = {0};
	for (int i = 0; i < 1000; i++)
		tl_moments_add(&c, 1 + ((i * 7919) % 1000) / 500.0);
	for (int i = 0; i < 1500; i++)
		tl_moments_add(&t, 1.05 + ((i * 104729) % 997) / 400.0);
	check_welch(&c, &t, &(struct welch_case){"large n 1000 vs 1500 [mp]", 11.132633082528111,
		2415.3681931083196, 4.1512454918604483e-28, 0.23920658688702899, 0.34149341311297109,
		0.14524762381190597, 0.11779115358773239, 0.17270409403607955});

	/* control variance 0: df = n_t - 1 = 3 exactly [mp] */
	static const double c5[] = {5, 5, 5}, t5[] = {1, 2, 3, 4};
	struct tl_ab_test r;
	c = mom(c5, 3), t = mom(t5, 4);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK_REL(r.stat, -3.8729833462074169, REL);
	CHECK_REL(r.df, 3, 1e-14);
	CHECK_REL(r.p, 0.030466291662170991, 1e-9);
	CHECK_REL(r.diff_lo, -4.554260256760522, 1e-9);

	/* both variances 0: a clear note, no t, no p */
	static const double c6[] = {2, 2, 2}, t6[] = {3, 3};
	c = mom(c6, 3), t = mom(t6, 2);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK(isnan(r.stat) && isnan(r.p) && isnan(r.df));
	CHECK_NEAR(r.diff, 1, 0);
	CHECK(r.note && strstr(r.note, "zero variance"));

	/* n = 1 in an arm */
	c = mom(c6, 1);
	tl_ab_welch(&c, &t, 0.05, &r);
	CHECK(isnan(r.p) && r.note && strstr(r.note, "fewer than 2"));

	/* one arm's mean CI [mp]: sleep group 2, t_{0.975,9} sd/sqrt(10) */
	static const double g2[] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
	double lo, hi;
	c = mom(g2, 10);
	tl_ab_mean_ci(&c, 0.05, &lo, &hi);
	CHECK_REL(lo, 0.89767753937670514, 1e-10);
	CHECK_REL(hi, 3.7623224606232949, 1e-10);
}

static struct tl_moments props(double x, double n)
{
	struct tl_moments m = {0};
	for (double i = 0; i < n; i++)
		tl_moments_add(&m, i < x ? 1 : 0);
	return m;
}

static void check_prop(double xc, double nc, double xt, double nt, double z, double p,
		       double lo, double hi, double pub_lo, double pub_hi)
{
	struct tl_moments c = props(xc, nc), t = props(xt, nt);
	struct tl_ab_test r;
	int before = unit_failures;
	tl_ab_two_prop(&c, &t, 0.05, &r);
	if (isnan(z)) {
		CHECK(isnan(r.stat) && isnan(r.p) && r.note != NULL);
	} else {
		CHECK_REL(r.stat, z, REL);
		CHECK_REL(r.p, p, 1e-9);
	}
	CHECK_NEAR(r.diff_lo, lo, 1e-12);
	CHECK_NEAR(r.diff_hi, hi, 1e-12);
	if (!isnan(pub_lo)) {   /* [New] Table II, method 10, 4 decimals */
		CHECK_NEAR(r.diff_lo, pub_lo, 5e-5);
		CHECK_NEAR(r.diff_hi, pub_hi, 5e-5);
	}
	if (unit_failures > before)
		fprintf(stderr, "  (in the proportions case %g/%g vs %g/%g)\n", xc, nc, xt, nt);
}

static void test_two_prop(void)
{
	/* z and p: pooled z-test, p = erfc(|z|/sqrt 2) [mp]; CI: Newcombe method 10 [mp][New] */
	check_prop(48, 80, 56, 70, 2.6501719512585326, 0.0080450813681965847, 0.052431472402364878,
		   0.33387265403690598, 0.0524, 0.3339);
	check_prop(3, 10, 9, 10, 2.7386127875258306, 0.0061698993205441622, 0.17052272393450288,
		   0.80901797353548798, 0.1705, 0.8090);
	check_prop(2, 7, 6, 7, 2.1602468994692867, 0.030753561259274572, 0.058227927482312202,
		   0.80624963752422776, 0.0582, 0.8062);
	check_prop(0, 29, 5, 56, 1.6586488692392285, 0.097186568170579726, -0.038137147903536903,
		   0.19256001385511162, -0.0381, 0.1926);
	check_prop(0, 20, 0, 10, NAN, NAN, -0.16112515805281939, 0.27753279986288925, -0.1611, 0.2775);
	check_prop(0, 20, 10, 10, 5.4772255750516611, 4.3204630578274973e-8, 0.67908603714191467,
		   1.0, 0.6791, 1.0);
	check_prop(5000, 50000, 5250, 50000, 2.6065187138582607, 0.0091467825569232903,
		   0.0012402358152112732, 0.0087601539172411157, NAN, NAN);
}

static void test_srm_mix_adjust(void)
{
	/* [hand] 10070 vs 9930 at 50:50: chi2 = 2 * 70^2 / 10000 = 0.98; p [mp] */
	double obs[2] = {9930, 10070}, w[2] = {50, 50}, chi2;
	CHECK_REL(tl_ab_srm(obs, w, 2, &chi2), 0.32219880616258153, 1e-12);
	CHECK_REL(chi2, 0.98, 1e-14);
	/* [hand] 1:3 split of 100 observed as 30:70: (5^2/25 + 5^2/75) = 1.3333 */
	double obs2[2] = {30, 70}, w2[2] = {1, 3};
	tl_ab_srm(obs2, w2, 2, &chi2);
	CHECK_REL(chi2, 4.0 / 3, 1e-14);

	/* homogeneity of [[30,50,20],[35,40,25]]: chi2 [mp], df 2, p = exp(-chi2/2) */
	double tab[6] = {30, 50, 20, 35, 40, 25}, df;
	double p = tl_ab_homogeneity(tab, 2, 3, &chi2, &df);
	CHECK_REL(chi2, 2.0512820512820513, 1e-13);
	CHECK_NEAR(df, 2, 0);
	CHECK_REL(p, 0.3585665413731905, 1e-12);
	CHECK_REL(p, exp(-chi2 / 2), 1e-13);
	/* a zero column is dropped: the same table with an empty segment */
	double tab0[8] = {30, 50, 0, 20, 35, 40, 0, 25};
	CHECK_REL(tl_ab_homogeneity(tab0, 2, 4, &chi2, &df), 0.3585665413731905, 1e-12);
	CHECK(isnan(tl_ab_homogeneity(tab, 2, 1, &chi2, &df)));

	/* [hand] Holm and BH of (0.01, 0.04, 0.03, 0.005):
	 * Holm sorted .005 .01 .03 .04 -> x4 x3 x2 x1 = .02 .03 .06 .04 -> running max .02 .03 .06 .06
	 * BH: 4/j p = .02 .02 .04 .04 -> running min from the top: .02 .02 .04 .04 */
	double pv[5] = {0.01, 0.04, 0.03, 0.005, NAN}, adj[5];
	tl_ab_adjust(pv, 5, TL_AB_HOLM, adj);
	CHECK_NEAR(adj[0], 0.03, 1e-15);
	CHECK_NEAR(adj[1], 0.06, 1e-15);
	CHECK_NEAR(adj[2], 0.06, 1e-15);
	CHECK_NEAR(adj[3], 0.02, 1e-15);
	CHECK(isnan(adj[4]));
	tl_ab_adjust(pv, 5, TL_AB_BH, adj);
	CHECK_NEAR(adj[0], 0.02, 1e-15);
	CHECK_NEAR(adj[1], 0.04, 1e-15);
	CHECK_NEAR(adj[2], 0.04, 1e-15);
	CHECK_NEAR(adj[3], 0.02, 1e-15);
	tl_ab_adjust(pv, 5, TL_AB_NONE, adj);
	CHECK_NEAR(adj[1], 0.04, 0);
	double big[2] = {0.6, 0.7};   /* [hand] Holm caps at 1: 2*.6 -> 1, max(1, .7) = 1 */
	tl_ab_adjust(big, 2, TL_AB_HOLM, adj);
	CHECK_NEAR(adj[0], 1, 0);
	CHECK_NEAR(adj[1], 1, 0);
}

static void test_cuped(void)
{
	/* [mp] cuped(): theta from the pooled sample, Welch on the adjusted values */
	static const double c[][2] = {{1.0, 2.1}, {2.0, 2.9}, {3.0, 4.2}, {4.0, 4.8}, {5.0, 6.1}, {2.5, 3.4}};
	static const double t[][2] = {{1.5, 2.9}, {2.5, 3.8}, {3.5, 4.6}, {4.5, 5.9}, {0.5, 1.9}};
	struct tl_comoments cell[2];
	struct tl_moments adj[2];
	struct tl_ab_test r;
	memset(cell, 0, sizeof cell);
	for (int i = 0; i < 6; i++)
		tl_comoments_add(&cell[0], c[i][0], c[i][1]);
	for (int i = 0; i < 5; i++)
		tl_comoments_add(&cell[1], t[i][0], t[i][1]);
	CHECK_REL(tl_ab_cuped(cell, adj), 0.96549450549450548, 1e-13);
	CHECK_REL(adj[0].mean, 3.7338078588078587, 1e-13);
	CHECK_REL(adj[1].mean, 4.0394305694305694, 1e-13);
	CHECK_REL(tl_moments_sd(&adj[0]), 0.16043926564276197, 1e-10);
	CHECK_REL(tl_moments_sd(&adj[1]), 0.12165832771268748, 1e-10);
	tl_ab_welch(&adj[0], &adj[1], 0.05, &r);
	CHECK_REL(r.stat, 3.589288368220416, 1e-10);
	CHECK_REL(r.df, 8.9525819551005604, 1e-10);
	CHECK_REL(r.p, 0.0058956713684131797, 1e-9);
	/* a constant covariate: theta 0, nothing changes */
	struct tl_comoments k[2];
	memset(k, 0, sizeof k);
	tl_comoments_add(&k[0], 1, 3);
	tl_comoments_add(&k[0], 1, 5);
	tl_comoments_add(&k[1], 1, 4);
	CHECK_NEAR(tl_ab_cuped(k, adj), 0, 0);
	CHECK_NEAR(adj[0].mean, 4, 1e-15);
	CHECK_NEAR(adj[0].m2, 2, 1e-15);
}

static void test_power_msprt(void)
{
	/* [mp] n = 2 (z_.975 + z_.8)^2 / 0.25 = 62.79 -> 63 per arm (sd 1, delta 0.5),
	 * the textbook normal-approximation answer for d = 0.5 */
	CHECK_NEAR(tl_ab_sample_size(1, 0.5, 0.05, 0.8), 63, 0);
	CHECK_NEAR(tl_ab_sample_size(2, 1, 0.05, 0.8), 63, 0);
	CHECK_REL(tl_ab_power(0.2, 0.5, 0.05), 0.70541800111380021, 1e-12);
	CHECK_REL(tl_ab_mde(0.2, 0.05, 0.8), 0.56031704362259369, 1e-12);
	CHECK_NEAR(tl_ab_power(0.2, 0, 0.05), 0.05, 1e-15);   /* [hand] no effect: power = alpha */

	double p, lo, hi;   /* [mp] msprt() */
	tl_ab_msprt(0.3, 0.01, 0.04, 0.05, &p, &lo, &hi);
	CHECK_REL(p, 0.061097700790483081, 1e-12);
	CHECK_REL(lo, -0.0082389993889093028, 1e-10);
	CHECK_REL(hi, 0.6082389993889093, 1e-12);
	tl_ab_msprt(0.01, 0.01, 0.04, 0.05, &p, &lo, &hi);
	CHECK_NEAR(p, 1, 0);
	CHECK_REL(lo, -0.2982389993889093, 1e-12);
	tl_ab_msprt(0.01, 0, 0.04, 0.05, &p, &lo, &hi);
	CHECK(isnan(p));
}

/* The sufficient statistics of two shards, merged, equal those of one pass. */
static void test_emit_merge(void)
{
	struct tl_ab_setup s = {.control = "control", .by = "seg", .covariate = "pre", .nmetrics = 2,
				.metric = {{"roi", TL_AB_NUMERIC}, {"clicked", TL_AB_BINARY}}};
	struct tl_ab_params prm = TL_AB_DEFAULTS;
	struct tl_abtest *one = tl_abtest_new(&s, &prm), *sh[2];
	sh[0] = tl_abtest_new(&s, &prm);
	sh[1] = tl_abtest_new(&s, &prm);
	for (int i = 0; i < 2000; i++) {
		const char *arm = i % 3 ? "control" : "treat,\"B\"";
		const char *seg = i % 5 == 0 ? "x" : "y";
		double y[2] = {100 + (i * 37 % 101) / 7.0, (double)(i % 4 == 0)}, x = (i * 13 % 17) / 3.0;
		if (i % 11 == 0)
			y[0] = NAN;
		struct tl_abtest *abs[2] = {one, sh[i % 2]};
		for (int k = 0; k < 2; k++) {
			int a = tl_abtest_arm(abs[k], arm, strlen(arm));
			tl_abtest_add(abs[k], a, tl_abtest_segment(abs[k], seg, strlen(seg)), y, x);
		}
	}
	char path[2][64], *files[2] = {path[0], path[1]};
	for (int k = 0; k < 2; k++) {
		snprintf(path[k], sizeof path[k], "/tmp/test_abtest_%d_%d.csv", (int)getpid(), k);
		FILE *f = fopen(path[k], "w");
		tl_abtest_emit(sh[k], f);
		fclose(f);
	}
	struct tl_abtest *merged = tl_abtest_merge(2, files, "control", NULL, &prm);
	char *out[2];
	size_t len[2];
	struct tl_abtest *cmp[2] = {one, merged};
	for (int k = 0; k < 2; k++) {
		FILE *f = open_memstream(&out[k], &len[k]);
		tl_abtest_report(cmp[k], f, TL_AB_JSON);
		fclose(f);
	}
	CHECK(strstr(out[0], "\"treat,\\\"B\\\"\":") != NULL);
	CHECK(len[0] > 1000 && len[1] > 1000);
	/* every number agrees to 1e-9 relative */
	char *p = out[0], *q = out[1];
	int numbers = 0, bad = 0;
	while (*p && *q) {
		char *ep, *eq;
		double a = strtod(p, &ep), b = strtod(q, &eq);
		if (ep != p && eq != q && (*p == '-' || (*p >= '0' && *p <= '9'))) {
			numbers++;
			bad += !(fabs(a - b) <= 1e-9 * fmax(1, fabs(a)));
			p = ep, q = eq;
		} else {
			bad += *p != *q;
			p++, q++;
		}
	}
	CHECK(*p == 0 && *q == 0);
	CHECK(numbers > 100);
	CHECK(bad == 0);
	for (int k = 0; k < 2; k++) {
		unlink(path[k]);
		free(out[k]);
		tl_abtest_free(sh[k]);
	}
	tl_abtest_free(one);
	tl_abtest_free(merged);
}

int main(void)
{
	test_welch_published();
	test_welch_small();
	test_welch_large_and_zero();
	test_two_prop();
	test_srm_mix_adjust();
	test_cuped();
	test_power_msprt();
	test_emit_merge();
	return UNIT_DONE();
}
