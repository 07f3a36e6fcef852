/* test_retention.c - unit tests of retention.c: Kaplan–Meier against
 * published reference values, §6.3 per-learner fields (the §6.4 worked
 * example and §6.5 edge cases), the fit's CSV and the model lookup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/retention.h"
#include "util/stats.h"
#include "unit.h"

/* ---- Kaplan–Meier ------------------------------------------------------ */

/* Freireich et al., Blood 21:699 (1963), remission times in weeks of the
 * 6-MP and placebo groups, as printed in Kleinbaum & Klein, Survival
 * Analysis: A Self-Learning Text (ch. 1-2), and Collett, Modelling
 * Survival Data in Medical Research (ch. 2); also R's MASS::gehan. */
static const int mp6[][2] = {   /* {weeks, censored} */
	{6, 0}, {6, 0}, {6, 0}, {6, 1}, {7, 0}, {9, 1}, {10, 0}, {10, 1}, {11, 1}, {13, 0}, {16, 0},
	{17, 1}, {19, 1}, {20, 1}, {22, 0}, {23, 0}, {25, 1}, {32, 1}, {32, 1}, {34, 1}, {35, 1}};
/* Control (placebo) group, no censoring. */
static const int ctl[] = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23};

static struct tl_km_step steps[64];
static struct tl_km_obs obs[64];

/* collect: the tl_km callback that stores the steps in steps[]. */
static void collect(void *ctx, const struct tl_km_step *s)
{
	size_t *k = ctx;
	if (*k < 64)
		steps[(*k)++] = *s;
}

static size_t km(size_t n, double z, struct tl_km_summary *s)
{
	size_t k = 0;
	size_t r = tl_km(obs, n, z, collect, &k, s);
	CHECK(r == k);
	return r;
}

static const struct tl_km_step *at(size_t k, int64_t t)
{
	for (size_t i = 0; i < k; i++)
		if (steps[i].t == t)
			return &steps[i];
	return NULL;
}

static void km_6mp(void)
{
	size_t n = sizeof mp6 / sizeof mp6[0];
	for (size_t i = 0; i < n; i++)   /* given sorted by time */
		obs[i] = (struct tl_km_obs){mp6[i][0], 0, (uint32_t)mp6[i][1]};
	struct tl_km_summary s;
	size_t k = km(n, tl_norm_quantile(0.975), &s);
	CHECK(k == 16 && s.n == 21 && s.events == 9 && s.censored == 12);
	/* S(t) to 3 decimals: the KM table of the 6-MP group in Kleinbaum &
	 * Klein (ch. 2) and Collett (ch. 2). Greenwood standard error of S
	 * and the 95% log-log band: R survival::survfit(Surv(time, cens) ~ 1,
	 * conf.type = "log-log") on the 6-MP group, columns std.err, lower
	 * 95% CI, upper 95% CI as R prints them (cross-checked with an
	 * independent Python computation of the same formulas). */
	static const struct { int t, n, d; double S, se, lo, hi; } ref[] = {
		{6, 21, 3, 0.857, 0.0764, 0.620, 0.952}, {7, 17, 1, 0.807, 0.0869, 0.563, 0.923},
		{10, 15, 1, 0.753, 0.0963, 0.503, 0.889}, {13, 12, 1, 0.690, 0.1068, 0.432, 0.849},
		{16, 11, 1, 0.627, 0.1141, 0.368, 0.805}, {22, 7, 1, 0.538, 0.1282, 0.268, 0.747},
		{23, 6, 1, 0.448, 0.1346, 0.188, 0.680}};
	for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
		const struct tl_km_step *st = at(k, ref[i].t);
		CHECK(st != NULL);
		if (!st)
			continue;
		CHECK(st->at_risk == (uint64_t)ref[i].n && st->events == (uint64_t)ref[i].d);
		CHECK_NEAR(st->surv, ref[i].S, 5e-4);
		CHECK_NEAR(st->surv * sqrt(st->greenwood), ref[i].se, 5e-5);
		CHECK_NEAR(st->lower, ref[i].lo, 5e-4);
		CHECK_NEAR(st->upper, ref[i].hi, 5e-4);
	}
	/* exact products: S(6) = 18/21 (the censored 6+ is at risk at 6) */
	CHECK_NEAR(at(k, 6)->surv, 18.0 / 21, 1e-15);
	CHECK_NEAR(at(k, 23)->surv, 18.0 / 21 * 16 / 17 * 14 / 15 * 11 / 12 * 10 / 11 * 6 / 7 * 5 / 6, 1e-15);
	/* censoring-only times: the curve and band stay, the risk set shrinks */
	CHECK(at(k, 9)->events == 0 && at(k, 9)->censored == 1 && at(k, 9)->at_risk == 16);
	CHECK_NEAR(at(k, 9)->surv, at(k, 7)->surv, 0);
	CHECK_NEAR(at(k, 35)->surv, at(k, 23)->surv, 0);
	/* median 23 (Kleinbaum & Klein; Collett); 95% CI (13, NA): R print of
	 * survfit(..., conf.type = "log-log"): 0.95LCL 13, 0.95UCL NA. */
	CHECK_NEAR(s.median, 23, 0);
	CHECK_NEAR(s.ci_low, 13, 0);
	CHECK(isnan(s.ci_high));
}

static void km_control(void)
{
	size_t n = sizeof ctl / sizeof ctl[0];
	for (size_t i = 0; i < n; i++)
		obs[i] = (struct tl_km_obs){ctl[i], 0, 0};
	struct tl_km_summary s;
	size_t k = km(n, tl_norm_quantile(0.975), &s);
	CHECK(k == 12 && s.events == 21 && s.censored == 0);
	/* no censoring: S is the empirical survival; median 8 (Kleinbaum &
	 * Klein: S(8) = 0.381) */
	CHECK_NEAR(at(k, 8)->surv, 8.0 / 21, 1e-15);
	CHECK_NEAR(s.median, 8, 0);
	/* the log-log interval (4, 11): computed independently in Python from
	 * the same definitions (band at 4: 0.4254 <= 0.5, at 3: 0.5194; upper
	 * band at 11: 0.4818, at 8: 0.5778) */
	CHECK_NEAR(at(k, 3)->lower, 0.5193914153284287, 1e-12);
	CHECK_NEAR(at(k, 4)->lower, 0.4253504355652472, 1e-12);
	CHECK_NEAR(at(k, 8)->upper, 0.577788677745831, 1e-12);
	CHECK_NEAR(at(k, 11)->upper, 0.4818196480090256, 1e-12);
	CHECK_NEAR(s.ci_low, 4, 0);
	CHECK_NEAR(s.ci_high, 11, 0);
	/* the last time has S = 0: the band is undefined there */
	CHECK(at(k, 23)->surv == 0 && isnan(at(k, 23)->lower) && isnan(at(k, 23)->upper));
}

static void km_edges(void)
{
	struct tl_km_summary s;
	double z = tl_norm_quantile(0.975);
	/* S equals 0.5 exactly at t = 1: the median is 1 (§6.5; R would print
	 * the midpoint 1.5) */
	obs[0] = (struct tl_km_obs){1, 0, 0};
	obs[1] = (struct tl_km_obs){2, 0, 0};
	km(2, z, &s);
	CHECK_NEAR(s.median, 1, 0);
	/* (1 - 1/4)(1 - 1/3) = 0.5 in exact arithmetic: still found */
	for (int i = 0; i < 4; i++)
		obs[i] = (struct tl_km_obs){i + 1, 0, 0};
	km(4, z, &s);
	CHECK_NEAR(s.median, 2, 0);
	/* S never below 0.5 (2/3): empty median and upper limit; the lower
	 * band at 5 is 0.054 (S^exp(1.96·sqrt(1/6)/ln(3/2)), so the lower
	 * limit is reached on its own, as R reports it */
	obs[0] = (struct tl_km_obs){5, 0, 0};
	obs[1] = (struct tl_km_obs){6, 0, 1};
	obs[2] = (struct tl_km_obs){7, 0, 1};
	km(3, z, &s);
	CHECK(isnan(s.median) && isnan(s.ci_high));
	CHECK_NEAR(steps[0].lower, exp(log(2.0 / 3) * exp(1.959963984540054 * sqrt(1.0 / 6) / log(1.5))), 1e-12);
	CHECK_NEAR(s.ci_low, 5, 0);
	/* a single event: S = 0, median reached, band undefined */
	km(1, z, &s);
	CHECK_NEAR(s.median, 5, 0);
	CHECK(isnan(s.ci_low) && isnan(s.ci_high));
	/* all censored: S stays 1, no band */
	obs[0].censored = 1;
	size_t k = km(3, z, &s);
	CHECK(k == 3 && steps[2].surv == 1 && isnan(steps[0].lower) && s.events == 0);
	CHECK(tl_km(obs, 0, z, NULL, NULL, &s) == 0 && s.n == 0 && isnan(s.median));
}

/* ---- per-learner fields ---------------------------------------------- */

struct ev { double day; const char *dom, *cap, *action; };

static struct tl_learner L;
static struct tl_event evs[512];
static struct tl_str caps[64];

static int32_t intern(const char *s)
{
	if (!s || !*s)
		return -1;
	for (size_t i = 0; i < L.ncaps; i++)
		if (strcmp(caps[i].p, s) == 0)
			return (int32_t)i;
	caps[L.ncaps] = (struct tl_str){s, strlen(s)};
	return (int32_t)L.ncaps++;
}

static tl_time day(double d) { return (tl_time)(d * (double)TL_DAY); }

/* days counted from 2025-01-01T00:00:00Z */
#define JAN1 ((tl_time)1735689600 * TL_SEC)

static struct tl_learner *learner(const struct ev *e, size_t n)
{
	memset(&L, 0, sizeof L);
	L.id = (struct tl_str){"L", 1};
	L.ev = evs;
	L.caps = caps;
	for (size_t i = 0; i < n; i++) {
		evs[i] = (struct tl_event){0};
		evs[i].ts = JAN1 + day(e[i].day);
		evs[i].dom = -1;
		evs[i].cap = intern(e[i].cap);
		evs[i].use = evs[i].cap >= 0 && strcmp(e[i].action, "interact") != 0;
	}
	L.nev = n;
	return &L;
}

static const struct tl_retention_params DEF = TL_RETENTION_DEFAULTS;

/* tl_retention_compute on the first npast events of l as of asof, cut
 * into days as tl-retention cuts them. */
static void retention(const struct tl_learner *l, size_t npast, tl_time asof, double momentum,
		      const struct tl_retention_params *prm, struct tl_retention *out)
{
	struct tl_daycut days;
	tl_daycut_build(l, npast, asof, &days);
	tl_retention_compute(&days, momentum, prm, out);
}

static void worked_example(void)
{
	/* §6.4: as-of Jan 29, t0 = Jan 1, K = 4. Period ends Jan 8, 15, 22,
	 * 29, (Feb 5 -> Jan 29): weights 2^(-21/30), 2^(-14/30), 2^(-7/30), 1, 1.
	 * algebra (period 0) used in 1 and 2 of 1..4; loops (period 1) in none
	 * of 2..4. */
	static const struct ev e[] = {
		{0, "math", "algebra", "use"}, {1, "math", "", "interact"}, {8, "math", "algebra", "use"},
		{9, "code", "loops", "use"}, {19, "math", "algebra", "use"}};
	double w1 = exp2(-14.0 / 30), w2 = exp2(-7.0 / 30);
	double reuse = (w1 + w2) / ((w1 + w2 + 1 + 1) + (w2 + 1 + 1));
	double mean = ((1 - 9.0 / 90) + (1 - 19.0 / 90)) / 2;
	double strength = 0.5 * reuse + 0.5 * mean;
	struct tl_retention r;
	tl_time T = JAN1 + day(28);
	retention(learner(e, 5), 5, T, NAN, &DEF, &r);
	CHECK(r.capabilities == 2 && r.reuses == 2);
	CHECK_NEAR(r.days_since_last, 9, 0);
	CHECK_NEAR(r.reuse_score, reuse, 1e-15);
	CHECK_NEAR(r.reuse_score, 0.245029, 5e-7);          /* §6.4 */
	CHECK_NEAR(r.strength, strength, 1e-15);
	CHECK_NEAR(r.strength, 0.544737, 5e-7);             /* §6.4 */
	/* churn_risk uses the written (%.6g) strength, so any tool order agrees */
	CHECK_NEAR(r.churn_risk, 1 - 0.544737, 1e-15);       /* no momentum */
	retention(&L, 5, T, 0.343, &DEF, &r);
	CHECK_NEAR(r.churn_risk, 1 - (0.7 * 0.544737 + 0.3 * 0.343), 1e-15);
	CHECK_NEAR(r.churn_risk, 0.515784, 5e-7);           /* §6.4 */
	/* churn-model counts: days Jan 1, 2, 9, 10, 20; Jan 20 is in
	 * (Jan 15, Jan 22], none in (Jan 22, Jan 29] */
	CHECK(r.active_days == 5 && r.events_last_7d == 0 && r.events_prev_7d == 1);
	/* retention_c with h = 0 (§6.5): 1 only when l_c = T */
	struct tl_retention_params h0 = DEF;
	h0.half_life_days = 0;
	h0.reuse_weight = 0;
	retention(&L, 5, JAN1 + day(19), NAN, &h0, &r);   /* algebra at T: 1, loops 0 */
	CHECK_NEAR(r.strength, 0.5, 0);
}

static void empty_and_labels(void)
{
	static const struct ev e[] = {{0, "", "", "interact"}, {10, "", "c", "use"}, {40, "", "c", "use"}};
	struct tl_retention r;
	/* no event at or before as-of: counts 0, everything else empty;
	 * churned still computed: the event at day 0 is in (T, T + 30d] */
	retention(learner(e, 3), 0, JAN1 - day(1), NAN, &DEF, &r);
	CHECK(r.capabilities == 0 && r.reuses == 0 && r.active_days == 0 && r.events_last_7d == 0);
	CHECK(isnan(r.days_since_last) && isnan(r.reuse_score) && isnan(r.strength) && isnan(r.churn_risk));
	CHECK(r.churned == 0);
	/* no capability: empty strength and churn_risk, days_since_last set */
	retention(&L, 1, JAN1 + day(3), 0.5, &DEF, &r);
	CHECK(r.capabilities == 0 && isnan(r.strength) && isnan(r.churn_risk));
	CHECK_NEAR(r.days_since_last, 3, 0);
	/* churned: next event at day 10 = T + 30d exactly -> not churned */
	retention(&L, 1, JAN1 + day(10) - 30 * TL_DAY, NAN, &DEF, &r);
	CHECK(r.churned == 0);
	retention(&L, 1, JAN1 + day(10) - 30 * TL_DAY - 1, NAN, &DEF, &r);
	CHECK(r.churned == 1);
	/* every capability adopted in period K: reuse_score empty, the mean alone */
	retention(&L, 2, JAN1 + day(12), NAN, &DEF, &r);
	CHECK(isnan(r.reuse_score));
	CHECK_NEAR(r.strength, 1 - 2.0 / 90, 1e-15);
	/* days_since_last counts from the last event of any action */
	static const struct ev e2[] = {{0, "", "c", "use"}, {5, "", "", "interact"}};
	retention(learner(e2, 2), 2, JAN1 + day(6), NAN, &DEF, &r);
	CHECK_NEAR(r.days_since_last, 1, 0);
	/* 7-day windows: asof-7d is in the previous window, asof-14d in none */
	static const struct ev e3[] = {{0, "", "", ""}, {1, "", "", ""}, {7.5, "", "", ""}, {8, "", "", ""},
				       {14.5, "", "", ""}, {15, "", "", ""}};
	retention(learner(e3, 6), 6, JAN1 + day(15), NAN, &DEF, &r);
	CHECK(r.events_last_7d == 2 && r.events_prev_7d == 2 && r.active_days == 6);
}

/* reuse_score against a direct sum over periods (the closed form of the
 * denominator must agree), on a long pseudo-random history. */
static void reuse_long(void)
{
	static const char *names[] = {"a", "b", "c", "d", "e"};
	static struct ev e[400];
	uint64_t x = 12345;
	double t = 0;
	for (int i = 0; i < 400; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t += (double)(x >> 40) / (double)(1 << 24) * 3;   /* 0..3 days apart */
		e[i] = (struct ev){t, "", names[(x >> 20) % 5], (x >> 30) % 4 ? "use" : "interact"};
	}
	struct tl_retention_params prm = DEF;
	prm.recency_half_life = 11 * TL_DAY + 7 * TL_SEC;
	prm.period = 5 * TL_DAY;
	tl_time T = JAN1 + day(t + 0.3);
	struct tl_retention r;
	retention(learner(e, 400), 400, T, NAN, &prm, &r);
	/* direct: for each capability, each period after its adoption */
	double lambda = log(2) / tl_days(prm.recency_half_life), num = 0, den = 0;
	tl_time t0 = evs[0].ts;
	int64_t K = (T - t0) / prm.period;
	for (size_t c = 0; c < L.ncaps; c++) {
		int64_t ap = -1;
		for (int64_t p = 0; p <= K; p++) {
			int used = 0;
			for (size_t i = 0; i < L.nev; i++)
				used |= evs[i].use && evs[i].cap == (int32_t)c && (evs[i].ts - t0) / prm.period == p;
			if (ap < 0) {
				ap = used ? p : -1;
				continue;
			}
			tl_time end = t0 + (p + 1) * prm.period;
			double w = exp(-lambda * tl_days((end < T ? T - end : 0)));
			num += used * w;
			den += w;
		}
	}
	CHECK(K > 100);
	CHECK_REL(r.reuse_score, num / den, 1e-12);
}

/* ---- fit and model ----------------------------------------------------- */

static void fit_and_model(void)
{
	struct tl_km_fit *f = tl_km_fit_new(30 * TL_DAY);
	/* learner 1 (as-of day 100): x used days 0..10 (ends 90 d before:
	 * stopped, 10 d), y days 5..95 (censored, 90 d) */
	static const struct ev e1[] = {{0, "", "x", "use"}, {5, "", "y", "use"}, {10, "", "x", "use"},
				       {95, "", "y", "use"}, {120, "", "x", "use"}};
	tl_km_fit_add(f, learner(e1, 5), 4, JAN1 + day(100));
	/* learner 2: x days 0..20 (stopped, 20 d) */
	static const struct ev e2[] = {{0, "", "x", "use"}, {20, "", "x", "adopt"}, {21, "", "y", "interact"}};
	tl_km_fit_add(f, learner(e2, 3), 3, JAN1 + day(100));
	FILE *m = tmpfile(), *c = tmpfile();
	tl_km_fit_write(f, m, c);
	tl_km_fit_free(f);
	char buf[1024] = {0};
	rewind(m);
	CHECK(fread(buf, 1, sizeof buf - 1, m) > 0);
	/* x: two events at 10 and 20: S(10) = 0.5 -> median 10; band at 10
	 * (S = 0.5, se² = 1/(2·1)): lower 0.5^exp(1.96·0.7071/0.6931) = 0.0246
	 * -> ci_low 10; upper 0.5^exp(-2.0) = 0.9105, at 20 S = 0 (no band)
	 * -> ci_high empty. *: obs 10, 20, 90+: S(10) = 2/3, S(20) = 1/3 ->
	 * median 20; lower band at 10 = 0.054 -> 10; upper at 20 = 0.774 */
	CHECK_STR(buf, "capability,learners,stopped,censored,half_life_days,ci_low,ci_high\n"
		       "x,2,2,0,10,10,\n"
		       "y,1,0,1,,,\n"
		       "*,3,2,1,20,10,\n");
	memset(buf, 0, sizeof buf);
	rewind(c);
	CHECK(fread(buf, 1, sizeof buf - 1, c) > 0);
	CHECK_STR(buf, "capability,day,at_risk,events,survival\n"
		       "x,10,2,1,0.5\nx,20,1,1,0\n"
		       "y,90,1,0,1\n"
		       "*,10,3,1,0.66666666666666663\n*,20,2,1,0.33333333333333331\n*,90,1,0,0.33333333333333331\n");
	fclose(m);
	fclose(c);

	/* the model: a row, an empty half-life (falls back to *), the * row */
	char path[] = "/tmp/test_retention_XXXXXX";
	int fd = mkstemp(path);
	FILE *w = fdopen(fd, "w");
	fputs("\xEF\xBB\xBF" "capability,half_life_days,learners,stopped,censored\n\n"
	      "\"a,b\",12.5,3,2,1\nempty,,1,0,1\n*,40,4,2,2\n", w);
	fclose(w);
	struct tl_retention_model *mod = tl_retention_model_read(path);
	CHECK_NEAR(tl_retention_model_half_life(mod, "a,b", 3, 45), 12.5, 0);
	CHECK_NEAR(tl_retention_model_half_life(mod, "empty", 5, 45), 40, 0);
	CHECK_NEAR(tl_retention_model_half_life(mod, "other", 5, 45), 40, 0);
	tl_retention_model_free(mod);
	w = fopen(path, "w");
	fputs("capability,learners,stopped,censored,half_life_days,ci_low,ci_high\nq,1,1,0,0,,\n", w);
	fclose(w);
	mod = tl_retention_model_read(path);
	CHECK_NEAR(tl_retention_model_half_life(mod, "q", 1, 45), 0, 0);
	CHECK_NEAR(tl_retention_model_half_life(mod, "other", 5, 45), 45, 0);   /* no * row */
	/* the model in tl_retention_compute: h_q = 0 -> retention 0 unless l = T */
	static const struct ev e3[] = {{0, "", "q", "use"}, {1, "", "z", "use"}};
	struct tl_retention_params prm = DEF;
	prm.model = mod;
	struct tl_retention r;
	retention(learner(e3, 2), 2, JAN1 + day(1), NAN, &prm, &r);
	CHECK_NEAR(r.strength, (0 + 1) / 2.0, 1e-15);        /* z: l = T -> 1; q: h 0 -> 0 */
	tl_retention_model_free(mod);
	unlink(path);
}

/* tl_km_counts gives tl_km's steps and summary, bit for bit, on random
 * observations with many ties. */
static void km_counts_same(void)
{
	static struct tl_km_obs o[600];
	static struct tl_km_count cnt[600];
	static struct tl_km_step a[600];
	uint64_t r = 99;
	size_t n = 600;
	for (size_t i = 0; i < n; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		o[i] = (struct tl_km_obs){(int64_t)(r >> 58), 0, (uint32_t)(r >> 20) % 3 == 0};
	}
	for (size_t i = 1; i < n; i++)   /* insertion sort by t */
		for (size_t j = i; j > 0 && o[j - 1].t > o[j].t; j--) {
			struct tl_km_obs t = o[j];
			o[j] = o[j - 1];
			o[j - 1] = t;
		}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!m || cnt[m - 1].t != o[i].t)
			cnt[m++] = (struct tl_km_count){o[i].t, 0, 0};
		o[i].censored ? cnt[m - 1].censored++ : cnt[m - 1].events++;
	}
	struct tl_km_summary s1, s2;
	double z = tl_norm_quantile(0.975);
	size_t k1 = 0, k2 = tl_km(o, n, z, collect, &k1, &s1);
	CHECK(k1 == k2 && k1 <= 64);
	memcpy(a, steps, k1 * sizeof *a);
	size_t k3 = 0;
	CHECK(tl_km_counts(cnt, m, z, collect, &k3, &s2) == k2 && k3 == k1);
	CHECK(memcmp(a, steps, k1 * sizeof *a) == 0);
	CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
}

/* --emit-stats of the fit of fit_and_model, and a merge of it twice: the
 * counts per capability and duration, doubled. */
static void fit_stats(void)
{
	struct tl_km_fit *f = tl_km_fit_new(30 * TL_DAY);
	static const struct ev e1[] = {{0, "", "x", "use"}, {5, "", "y", "use"}, {10, "", "x", "use"},
				       {95, "", "y", "use"}};
	tl_km_fit_add(f, learner(e1, 4), 4, JAN1 + day(100));
	static const struct ev e2[] = {{0, "", "x", "use"}, {20, "", "x", "adopt"}};
	tl_km_fit_add(f, learner(e2, 2), 2, JAN1 + day(100));
	char path[] = "/tmp/test_retention_XXXXXX", buf[1024] = {0};
	FILE *w = fdopen(mkstemp(path), "w+");
	tl_km_fit_emit(f, w, "2025-04-11T00:00:00Z", NULL);   /* no learner_ids: a file of before */
	tl_km_fit_free(f);
	rewind(w);
	CHECK(fread(buf, 1, sizeof buf - 1, w) > 0);
	fclose(w);
	CHECK_STR(buf, "tl-stats,tl-retention,1\nparam,churn_gap,2592000s\nparam,as_of,2025-04-11T00:00:00Z\n"
		       "duration,x,864000000000,1,0\nduration,x,1728000000000,1,0\nduration,y,7776000000000,0,1\n");
	struct tl_km_fit *g = tl_km_fit_new(30 * TL_DAY);
	char *files[] = {path, path};
	tl_km_fit_merge(g, 2, files, "2025-04-11T00:00:00Z", NULL);   /* unchecked: the same file twice */
	size_t n, censored = tl_km_fit_censored(g, &n);
	CHECK(n == 6 && censored == 2);
	FILE *m = tmpfile();
	tl_km_fit_write(g, m, NULL);
	tl_km_fit_free(g);
	memset(buf, 0, sizeof buf);
	rewind(m);
	CHECK(fread(buf, 1, sizeof buf - 1, m) > 0);
	fclose(m);
	/* x: 10, 10, 20, 20: S(10) = 0.5, Greenwood 2/(4·2) = 0.25, the upper
	 * band 0.5^exp(-1.96·0.5/0.6931) = 0.845 > 0.5; S(20) = 0 has no band:
	 * ci_high empty */
	CHECK_STR(buf, "capability,learners,stopped,censored,half_life_days,ci_low,ci_high\n"
		       "x,4,4,0,10,10,\n"
		       "y,2,0,2,,,\n"
		       "*,6,4,2,20,10,\n");
	unlink(path);
}

int main(void)
{
	km_6mp();
	km_counts_same();
	km_control();
	km_edges();
	worked_example();
	empty_and_labels();
	reuse_long();
	fit_and_model();
	fit_stats();
	return UNIT_DONE();
}
