/* test_affinity.c - unit tests of §6.2 (affinity.c): the worked example of
 * §6.4, the §6.5 edge cases, the name table and the cohort pair table.
 * Expected values are computed by hand (shown next to each check). */
#include <stdlib.h>

#include "metrics/affinity.h"
#include "unit.h"

/* A learner built from a table: names are interned by hand, ts in days. */
struct ev { double day; const char *dom, *cap, *action; };

static struct tl_learner L;
static struct tl_event evs[64];
static struct tl_str doms[16], caps[16];

static int32_t intern(struct tl_str *tab, size_t *n, const char *s)
{
	if (!s || !*s)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(tab[i].p, s) == 0)
			return (int32_t)i;
	tab[*n] = (struct tl_str){s, strlen(s)};
	return (int32_t)(*n)++;
}

static struct tl_learner *learner(const struct ev *e, size_t n)
{
	memset(&L, 0, sizeof L);
	L.id = (struct tl_str){"L", 1};
	L.ev = evs;
	L.domains = doms;
	L.caps = caps;
	for (size_t i = 0; i < n; i++) {
		struct tl_event *x = &evs[i];
		memset(x, 0, sizeof *x);
		x->ts = (tl_time)(e[i].day * (double)TL_DAY);
		x->dom = intern(doms, &L.ndomains, e[i].dom);
		x->cap = intern(caps, &L.ncaps, e[i].cap);
		x->use = x->cap >= 0 && strcmp(e[i].action, "interact") != 0;
	}
	L.nev = n;
	return &L;
}

static const char *dom_name(int32_t i) { return i >= 0 ? L.domains[i].p : "(none)"; }

static const struct tl_affinity_params DEF = TL_AFFINITY_DEFAULTS;

static void worked_example(void)
{
	/* §6.4: n = {math:4, code:1}, u = {math:3, code:1}, a = {math:1, code:1} */
	static const struct ev e[] = {
		{0, "math", "algebra", "use"}, {1, "math", "", "interact"}, {8, "math", "algebra", "use"},
		{9, "code", "loops", "use"}, {19, "math", "algebra", "use"}};
	struct tl_affinity a;
	tl_affinity_compute(learner(e, 5), 5, &DEF, &a);
	double H = -(0.8 * log2(0.8) + 0.2 * log2(0.2));   /* 0.721928 */
	CHECK_NEAR(a.entropy, H, 1e-15);
	CHECK_NEAR(a.entropy, 0.721928, 5e-7);
	CHECK_NEAR(a.concentration, 1 - H / 3, 1e-15);       /* M = 8: log2 M = 3 */
	CHECK_NEAR(a.concentration, 0.759357, 5e-7);
	CHECK_STR(dom_name(a.top), "math");
	CHECK_NEAR(a.top_share, 0.8, 1e-15);
	CHECK(a.domains == 2);
	CHECK(a.specialist == 1);
	CHECK_NEAR(a.transfer, 0.5, 1e-15);                   /* (U·A - Σ u_d a_d)/(U·A) = (4·2 - 4)/8 */
	CHECK_STR(dom_name(a.pair_a), "math");
	CHECK_STR(dom_name(a.pair_b), "code");
	/* only the first 2 events at or before as-of: math only, n = 2 */
	tl_affinity_compute(&L, 2, &DEF, &a);
	CHECK(a.domains == 1);
	CHECK_NEAR(a.entropy, 0, 0);
	CHECK_NEAR(a.concentration, 1, 0);
	CHECK(isnan(a.transfer) == 0 && a.transfer == 0);     /* u_m·a_m only: Σ_{A≠B} = 0 */
	CHECK(a.pair_a < 0 && a.pair_b < 0);                  /* largest product 0: empty */
}

static void no_domain(void)
{
	/* §6.5: no event at or before as-of, or none with a domain: empty */
	static const struct ev e[] = {{0, "", "x", "use"}, {1, "", "", "interact"}, {2, "d", "y", "use"}};
	struct tl_affinity a;
	tl_affinity_compute(learner(e, 3), 0, &DEF, &a);
	CHECK(a.domains == 0 && a.specialist == -1 && a.top < 0);
	CHECK(isnan(a.entropy) && isnan(a.concentration) && isnan(a.top_share) && isnan(a.transfer));
	tl_affinity_compute(&L, 2, &DEF, &a);
	CHECK(a.domains == 0 && a.specialist == -1 && a.top < 0 && a.pair_a < 0);
	CHECK(isnan(a.entropy) && isnan(a.transfer));
}

static void ties_and_clamps(void)
{
	/* top_domain tie: b and a both 2 events, b seen first -> a */
	static const struct ev e[] = {{0, "b", "", ""}, {1, "a", "", ""}, {2, "b", "", ""}, {3, "a", "", ""}, {4, "c", "", ""}};
	struct tl_affinity a;
	tl_affinity_compute(learner(e, 5), 5, &DEF, &a);
	CHECK_STR(dom_name(a.top), "a");
	CHECK_NEAR(a.top_share, 0.4, 1e-15);
	/* H = -(2·0.4 log2 0.4 + 0.2 log2 0.2) = 1.521928 */
	CHECK_NEAR(a.entropy, -(0.8 * log2(0.4) + 0.2 * log2(0.2)), 1e-14);
	CHECK(a.specialist == 0);
	/* D = 3 > M = 2: concentration clamps to 0 */
	struct tl_affinity_params m2 = {2, 1.2, 0.6};
	tl_affinity_compute(&L, 5, &m2, &a);
	CHECK_NEAR(a.concentration, 0, 0);
	/* D = 2 = M, uniform: H = 1, concentration 0; H < 1.2 but share 0.5 */
	tl_affinity_compute(&L, 4, &m2, &a);
	CHECK_NEAR(a.entropy, 1, 1e-15);
	CHECK_NEAR(a.concentration, 0, 1e-15);
	CHECK(a.specialist == 0);
	/* thresholds are strict: share 0.5 > 0.5 is false, > 0.49 true */
	struct tl_affinity_params loose = {8, 1.2, 0.49};
	tl_affinity_compute(&L, 4, &loose, &a);
	CHECK(a.specialist == 1);
	struct tl_affinity_params tight = {8, 1.0, 0.49};   /* H = 1 < 1 is false */
	tl_affinity_compute(&L, 4, &tight, &a);
	CHECK(a.specialist == 0);
}

static void transfer_rules(void)
{
	/* pair ties go to the smallest (A, B): y>x and x>y both 1·1 -> x>y */
	static const struct ev e1[] = {{0, "y", "p", "use"}, {1, "x", "q", "use"}};
	struct tl_affinity a;
	tl_affinity_compute(learner(e1, 2), 2, &DEF, &a);
	CHECK_STR(dom_name(a.pair_a), "x");
	CHECK_STR(dom_name(a.pair_b), "y");
	CHECK_NEAR(a.transfer, 2.0 / 4.0, 1e-15);           /* u·a off-diagonal 2 of U·A = 4 */
	/* §6.5: an adoption without a domain is not counted in any a_d; its
	 * later use in domain d is a reuse (u_d only); adopt of a used
	 * capability is a reuse; interact with a capability is no use. */
	static const struct ev e2[] = {{0, "", "p", "use"}, {1, "d", "p", "adopt"}, {2, "e", "q", "interact"},
				       {3, "e", "p", "use"}};
	tl_affinity_compute(learner(e2, 4), 4, &DEF, &a);
	CHECK(isnan(a.transfer));                              /* Σ a_B = 0 */
	CHECK(a.pair_a < 0);
	CHECK(a.domains == 2);
	/* ties in the top pair with A equal: smallest B wins; u = {m:2}, a = {z:1, k:1, m:1} */
	static const struct ev e3[] = {{0, "m", "c1", "use"}, {1, "m", "c1", "use"}, {2, "z", "c2", "use"},
				       {3, "k", "c3", "use"}};
	tl_affinity_compute(learner(e3, 4), 4, &DEF, &a);
	/* u = {m:2, z:1, k:1}, a = {m:1, z:1, k:1}: products m>z = m>k = 2 -> m>k */
	CHECK_STR(dom_name(a.pair_a), "m");
	CHECK_STR(dom_name(a.pair_b), "k");
	/* transfer = (U·A - Σ u_d a_d) / (U·A) = (4·3 - (2+1+1)) / 12 = 8/12 */
	CHECK_NEAR(a.transfer, 8.0 / 12.0, 1e-15);
}

static void names(void)
{
	struct tl_names t = {0};
	char buf[32];
	int bad = 0, added = 1;
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof buf, "name%d", i);
		bad += !(tl_names_add(&t, buf, strlen(buf), &added) == (size_t)i && added);
	}
	CHECK(bad == 0);
	CHECK(tl_names_add(&t, "name7", 5, &added) == 7 && !added);
	CHECK(tl_names_find(&t, "name999", 7) == 999);
	CHECK(tl_names_find(&t, "name1000", 8) == -1);
	CHECK(tl_names_find(&t, "name", 4) == -1);
	CHECK_STR(t.names[42].p, "name42");
	tl_names_free(&t);
	CHECK(tl_names_find(&t, "x", 1) == -1);
}

static void pairs(void)
{
	struct tl_pairs *p = tl_pairs_new();
	struct tl_affinity a;
	/* learner 1: u = {m:2, c:1}, a = {m:1, c:1}: m>c = 2, c>m = 1 */
	static const struct ev e1[] = {{0, "m", "x", "use"}, {1, "m", "x", "use"}, {2, "c", "y", "use"}};
	tl_affinity_compute(learner(e1, 3), 3, &DEF, &a);
	tl_pairs_add(p, &L);
	/* learner 2 (domains in another order): u = {c:1, m:1}, a = same: c>m = 1, m>c = 1 */
	static const struct ev e2[] = {{0, "c", "y", "use"}, {1, "m", "x", "use"}};
	tl_affinity_compute(learner(e2, 2), 2, &DEF, &a);
	tl_pairs_add(p, &L);
	FILE *f = tmpfile();
	tl_pairs_write(p, f);
	rewind(f);
	char out[512] = {0};
	CHECK(fread(out, 1, sizeof out - 1, f) > 0);
	/* m>c: 2 learners, 3 of total 5; c>m: 2 learners, 2 */
	CHECK_STR(out, "pair,learners,sum_products,share\nm>c,2,3,0.59999999999999998\nc>m,2,2,0.40000000000000002\n");
	fclose(f);
	tl_pairs_free(p);
}

int main(void)
{
	worked_example();
	no_domain();
	ties_and_clamps();
	transfer_rules();
	names();
	pairs();
	return UNIT_DONE();
}
