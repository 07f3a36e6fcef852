/* test_loadgen.c - unit tests of the tl-loadgen model (common/loadgen/).
 * The file is included, not linked, to reach its exact exp/log helpers;
 * libtl.a's copy is then never pulled in. */
#include "loadgen/loadgen.c"

#include "unit.h"

/* The helpers match libm to an ulp or two, and hit exact known bits (the
 * bits are what makes the output the same on every machine). */
static void test_exact_helpers(void)
{
	struct tl_rng r;
	double worst_exp = 0, worst_log = 0;
	tl_rng_seed(&r, 77);
	for (int i = 0; i < 200000; i++) {
		double x = (2 * tl_rng_uniform(&r) - 1) * 700, y = exp((2 * tl_rng_uniform(&r) - 1) * 700);
		double e = fabs(det_exp(x) - exp(x)) / exp(x);
		double l = fabs(det_log(y) - log(y)) / (fabs(log(y)) > 1 ? fabs(log(y)) : 1);
		worst_exp = e > worst_exp ? e : worst_exp;
		worst_log = l > worst_log ? l : worst_log;
	}
	CHECK(worst_exp < 1e-15);
	CHECK(worst_log < 1e-15);
	/* pinned bits: a change here changes every output byte */
	CHECK(det_exp(0) == 1.0);
	CHECK(det_exp(1) == 0x1.5bf0a8b14576ap+1);  /* 1 ulp above e, by design */
	CHECK(det_exp(-2.5) == 0x1.50385c094f425p-4);
	CHECK(det_log(1) == 0.0);
	CHECK(det_log(2) == 0x1.62e42fefa39efp-1);
	CHECK(det_log(10) == 0x1.26bb1bbb55516p+1);
	CHECK(det_exp(-800) == 0.0);
	CHECK_NEAR(det_log(1e-310), log(1e-310), 1e-12);
}

static void test_catalogue(void)
{
	struct tl_lg_config c;
	tl_lg_config_init(&c);
	c.domains = 7;
	c.capabilities = 1000;
	struct tl_lg_world *w = tl_lg_world_new(&c);
	int inside = 0, per_domain[7] = {0};
	for (long j = 0; j < c.capabilities; j++) {
		double h = tl_lg_cap_half_life_days(w, j);
		inside += h >= 30 && h <= 60;
		int d = tl_lg_cap_domain(w, j);
		per_domain[d]++;
		const char *dn = tl_lg_domain_name(w, d), *cn = tl_lg_cap_name(w, j);
		CHECK(strncmp(cn, dn, strlen(dn)) == 0 && cn[strlen(dn)] == '-');
	}
	CHECK(inside >= 800);
	for (int d = 0; d < 7; d++)
		CHECK(per_domain[d] == 142 || per_domain[d] == 143);
	CHECK_STR(tl_lg_domain_name(w, 0), "math");
	/* capability k of a domain is its k-th most popular */
	CHECK_STR(tl_lg_cap_name(w, w->dom_cap[w->dom_off[3]]), "science-1");
	tl_lg_world_free(w);
}

/* Learner k is the same whatever was generated before it. */
static void test_learners(void)
{
	struct tl_lg_config c;
	tl_lg_config_init(&c);
	c.outcome = 1;
	c.arms = 1;
	c.effect = 0.25;
	struct tl_lg_world *w = tl_lg_world_new(&c);
	struct tl_lg_learner a = {0}, b = {0};
	tl_lg_generate(w, 17, &a);
	for (long k = 1; k <= 40; k++)
		tl_lg_generate(w, k, &b);
	tl_lg_generate(w, 17, &b);
	CHECK(a.n == b.n && a.n > 0 && memcmp(a.ev, b.ev, a.n * sizeof *a.ev) == 0);
	CHECK(a.arch == b.arch && a.arm == b.arm && a.roi == b.roi);

	int64_t lo = c.start / TL_SEC, join_hi = c.end / TL_SEC, hi = (c.end + c.horizon) / TL_SEC;
	double roi_sum[2] = {0}, n_arm[2] = {0};
	long counts[TL_LG_NARCH] = {0}, events = 0, sorted = 1, in_range = 1;
	const long N = 20000;
	for (long k = 1; k <= N; k++) {
		tl_lg_generate(w, k, &a);
		counts[a.arch]++;
		events += (long)a.n;
		in_range &= a.ev[0].ts >= lo && a.ev[0].ts < join_hi && a.ev[a.n - 1].ts <= hi;
		for (size_t i = 1; i < a.n; i++)
			sorted &= a.ev[i - 1].ts <= a.ev[i].ts;
		roi_sum[a.arm] += a.roi / tl_lg_arch_roi(a.arch);
		n_arm[a.arm]++;
	}
	CHECK(sorted);
	CHECK(in_range);
	CHECK(events > 25 * N && events < 38 * N);
	for (int i = 0; i < TL_LG_NARCH; i++)
		CHECK_NEAR((double)counts[i] / N, c.mix[i], 4 * sqrt(c.mix[i] * (1 - c.mix[i]) / N));
	/* lognormal noise, sd 0.5: the mean ratio has sd ~0.53/sqrt(n) */
	CHECK_NEAR(roi_sum[0] / n_arm[0], 1.0, 4 * 0.533 / sqrt(n_arm[0]));
	CHECK_NEAR(roi_sum[1] / n_arm[1], 1.25, 4 * 1.25 * 0.533 / sqrt(n_arm[1]));
	tl_lg_learner_free(&a);
	tl_lg_learner_free(&b);
	tl_lg_world_free(w);
}

/* --assignment: the archetype is the population's, the outcome a pure
 * function of (seed, index, arm) with the effects asked for. */
static void test_assigned(void)
{
	struct tl_lg_config c;
	tl_lg_config_init(&c);
	c.seed = 5;
	c.effect = -0.05;
	c.churn_effect = 0.03;
	struct tl_lg_world *w = tl_lg_world_new(&c);
	struct tl_lg_learner l = {0};
	struct tl_lg_outcome o, again;
	double roi[2] = {0}, churn[2] = {0}, want_churn = 0;
	const long N = 20000;
	long same_arch = 1;
	for (long k = 1; k <= N; k++) {
		int t = k % 2;
		tl_lg_assigned_outcome(&c, k, t, &o);
		if (k <= 300) {
			tl_lg_generate(w, k, &l);
			same_arch &= l.arch == o.arch;
		}
		roi[t] += o.roi / tl_lg_arch_roi(o.arch);
		churn[t] += o.churned - tl_lg_arch_churn(&c, o.arch);
		want_churn += tl_lg_arch_churn(&c, o.arch);
	}
	CHECK(same_arch);
	tl_lg_assigned_outcome(&c, 77, 1, &o);
	tl_lg_assigned_outcome(&c, 77, 1, &again);
	CHECK(o.arch == again.arch && o.roi == again.roi && o.churned == again.churned);
	CHECK_NEAR(tl_lg_arch_churn(&c, TL_LG_LONG_TERM_RETAINER), 1 - exp(-0.24), 1e-15);
	/* per arm N/2 learners; lognormal sd 0.5 and a Bernoulli at most 0.5 */
	CHECK_NEAR(roi[0] / (N / 2), 1.0, 4 * 0.533 / sqrt(N / 2));
	CHECK_NEAR(roi[1] / (N / 2), 0.95, 4 * 0.533 / sqrt(N / 2));
	CHECK_NEAR(churn[0] / (N / 2), 0.0, 4 * 0.5 / sqrt(N / 2));
	CHECK_NEAR(churn[1] / (N / 2), 0.03, 4 * 0.5 / sqrt(N / 2));
	CHECK(want_churn / N > 0.3 && want_churn / N < 0.7);
	tl_lg_learner_free(&l);
	tl_lg_world_free(w);
}

/* --profile mooc: learner k is still a pure function of (seed, k), its
 * archetype the first draw (so --assignment's truth is the log's), its
 * events sorted within the window; more one-day learners than the default
 * profile, and a mooc churn chance per archetype in (0, 1), ordered like
 * the hazards. */
static void test_mooc(void)
{
	struct tl_lg_config c;
	tl_lg_config_init(&c);
	tl_lg_parse_profile(&c, "mooc");
	CHECK(c.profile == TL_LG_PROFILE_MOOC);
	struct tl_lg_world *w = tl_lg_world_new(&c);
	struct tl_lg_learner a = {0}, b = {0};
	struct tl_lg_outcome o;
	tl_lg_generate(w, 17, &a);
	for (long k = 1; k <= 40; k++)
		tl_lg_generate(w, k, &b);
	tl_lg_generate(w, 17, &b);
	CHECK(a.n == b.n && a.n > 0 && memcmp(a.ev, b.ev, a.n * sizeof *a.ev) == 0);
	int64_t lo = c.start / TL_SEC, join_hi = c.end / TL_SEC, hi = (c.end + c.horizon) / TL_SEC;
	long same_arch = 1, sorted = 1, in_range = 1, one_day = 0;
	const long N = 3000;
	for (long k = 1; k <= N; k++) {
		tl_lg_generate(w, k, &a);
		tl_lg_assigned_outcome(&c, k, 0, &o);
		same_arch &= a.arch == o.arch;
		in_range &= a.n > 0 && a.ev[0].ts >= lo && a.ev[0].ts < join_hi && a.ev[a.n - 1].ts <= hi;
		for (size_t i = 1; i < a.n; i++)
			sorted &= a.ev[i - 1].ts <= a.ev[i].ts;
		one_day += a.ev[a.n - 1].ts / 86400 == a.ev[0].ts / 86400;
	}
	CHECK(same_arch && sorted && in_range);
	CHECK(one_day > N / 2);
	for (int i = 0; i < TL_LG_NARCH; i++) {
		double p = tl_lg_arch_churn(&c, i);
		CHECK(p > 0 && p < 1);
	}
	CHECK(tl_lg_arch_churn(&c, TL_LG_LONG_TERM_RETAINER) < tl_lg_arch_churn(&c, TL_LG_SPECIALIST));
	tl_lg_learner_free(&a);
	tl_lg_learner_free(&b);
	tl_lg_world_free(w);
}

static void test_parsers(void)
{
	struct tl_lg_config c;
	tl_lg_config_init(&c);
	tl_lg_parse_mix(&c, "generalist=0.7,specialist=0.3");
	CHECK(c.mix[TL_LG_GENERALIST] == 0.7 && c.mix[TL_LG_SPECIALIST] == 0.3 &&
	      c.mix[TL_LG_FAST_LEARNER] == 0);
	tl_lg_parse_arm_split(&c, "20:80");
	CHECK(c.arms && c.control_share == 0.2);
	/* the ids, and their shards by the vectors of tl(7) SHARDS */
	char id[32];
	CHECK_EQ(tl_lg_learner_id(&c, 1, id), 8);
	CHECK_STR(id, "L0000001");
	CHECK(tl_lg_in_shard(&c, 1) && tl_lg_in_shard(&c, 2));   /* no --shard: all */
	c.shard = (struct tl_shard){1, 7};
	CHECK(tl_lg_in_shard(&c, 1) && !tl_lg_in_shard(&c, 2));   /* L0000001: 1, L0000002: 3 */
	c.shard = (struct tl_shard){3, 7};
	CHECK(!tl_lg_in_shard(&c, 1) && tl_lg_in_shard(&c, 2));
	c.learners = 12345678;
	CHECK_EQ(tl_lg_learner_id(&c, 42, id), 9);
	CHECK_STR(id, "L00000042");
	tl_lg_parse_format(&c, "learners");
	CHECK(c.format == TL_LG_LEARNERS);
	CHECK_STR(tl_lg_arch_name(TL_LG_LONG_TERM_RETAINER), "long_term_retainer");
	CHECK(tl_lg_arch_roi(TL_LG_FAST_LEARNER) == 1.80);
}

int main(void)
{
	test_exact_helpers();
	test_catalogue();
	test_learners();
	test_assigned();
	test_mooc();
	test_parsers();
	return UNIT_DONE();
}
