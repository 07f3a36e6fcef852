/* test_score.c - unit tests of common/config/score*.c: config validation with
 * JSON paths, rule evaluation and reasons, composite score, canary
 * stability, calibration intervals, config round trip. */
#include <stdlib.h>
#include <string.h>

#include "record/field.h"
#include "config/score.h"
#include "unit.h"

static const char *GOOD =
	"{\"algo_version\": \"t1\", \"domains\": 8,\n"
	" \"churn_weights\": {\"retention_strength\": 0.7, \"velocity_momentum\": 0.3},\n"
	" \"score_weights\": {\"velocity\": 0.5, \"churn_risk\": -0.25, \"domain_concentration\": 0.25},\n"
	" \"rules\": [\n"
	"  {\"name\": \"fast\", \"archetype\": \"fast_learner\", \"multiplier\": 1.9,\n"
	"   \"when\": [[\"velocity\", \">=\", 0.35], [\"velocity_trend\", \">\", 0]]},\n"
	"  {\"archetype\": \"specialist\", \"multiplier\": 1.6, \"when\": [[\"is_specialist\", \"==\", 1]]},\n"
	"  {\"archetype\": \"fast_learner\", \"multiplier\": 1.7, \"when\": [[\"adoptions\", \">\", 10]]},\n"
	"  {\"archetype\": \"generalist\", \"multiplier\": 1.0}]}\n";

/* expect_error: parsing text fails with a message that starts with want. */
static void expect_error(const char *text, const char *want)
{
	struct tl_score_config cfg;
	char err[512];
	int rc = tl_score_config_parse(text, strlen(text), &cfg, err, sizeof err);
	CHECK(rc == -1);
	if (rc == -1 && strncmp(err, want, strlen(want)) != 0) {
		unit_failures++;
		fprintf(stderr, "error \"%s\", want it to start with \"%s\"\n", err, want);
	}
	if (rc == 0)
		tl_score_config_free(&cfg);
}

/* replace: GOOD with the first occurrence of from replaced by to. */
static char *replace(const char *from, const char *to)
{
	const char *at = strstr(GOOD, from);
	size_t n = strlen(GOOD) - strlen(from) + strlen(to);
	char *s = calloc(n + 1, 1);
	memcpy(s, GOOD, (size_t)(at - GOOD));
	strcat(s, to);
	strcat(s, at + strlen(from));
	return s;
}

static void test_errors(void)
{
	static const struct { const char *from, *to, *want; } cases[] = {
		{"\"domains\": 8", "\"domains\": 8, \"colour\": 1", "$: unknown key \"colour\""},
		{"\"multiplier\": 1.6", "\"multiplyer\": 1.6", "$.rules[1]: unknown key \"multiplyer\""},
		{"\">=\", 0.35", "\"=>\", 0.35", "$.rules[0].when[0][1]: unknown operator \"=>\""},
		{"\">\", 0]", "\">\", \"zero\"]", "$.rules[0].when[1][2]: the threshold must be a number, not a string \"zero\""},
		{",\n  {\"archetype\": \"generalist\", \"multiplier\": 1.0}", "", "$.rules[2]: missing the final default rule"},
		{"\"multiplier\": 1.6, \"when\": [[\"is_specialist\", \"==\", 1]]", "\"multiplier\": 1.6",
		 "$.rules[1]: a rule without conditions matches every learner"},
		{"\"domains\": 8", "\"domains\": 1", "$.domains: M must be between 2 and"},
		{"\"domains\": 8", "\"domains\": 8.5", "$.domains: M must be a whole number"},
		{"\"domains\": 8,", "", "$: missing key \"domains\""},
		{"0.7, \"velocity_momentum\": 0.3", "0.7, \"velocity_momentum\": 0.2", "$.churn_weights: the weights must sum to 1"},
		{"\"velocity\": 0.5,", "\"velocity\": 0.5, \"velocity\": 0.1,", "$.score_weights: duplicate key \"velocity\""},
		{"[\"velocity\", \">=\", 0.35]", "[\"velocity\", \">=\"]", "$.rules[0].when[0]: a condition must be an array"},
		{"[\"adoptions\"", "[\"adop tions\"", "$.rules[2].when[0][0]: \"adop tions\": only letters"},
		{"\"t1\"", "7", "$.algo_version: must be a string, not a number"},
		{"\"multiplier\": 1.0}", "\"multiplier\": -1}", "$.rules[3].multiplier: the multiplier must be between 0"},
		{"\"rules\": [", "\"rules\": 5, \"x\": [", "$: unknown key \"x\""},
		{"\"name\": \"fast\",", "\"name\": \"fast\", \"name\": \"quick\",", "$.rules[0]: duplicate key \"name\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = replace(cases[i].from, cases[i].to);
		expect_error(text, cases[i].want);
		free(text);
	}
	expect_error("{\"algo_version\": \"x\",\n  \"domains\": }", "line 2, column 14: bad JSON");
	expect_error("[1, 2]", "$: the config must be a JSON object, not an array");
	expect_error("{} {}", "line 1, column 4: bad JSON");
}

static void test_eval(void)
{
	struct tl_score_config cfg;
	struct tl_score_result r;
	char err[512];
	CHECK(tl_score_config_parse(GOOD, strlen(GOOD), &cfg, err, sizeof err) == 0);
	CHECK(cfg.nrules == 4 && cfg.nterms == 3 && cfg.domains == 8);
	/* fields in first-use order: rules first, then score terms */
	CHECK(cfg.nfields == 6);
	CHECK_STR(cfg.fields[0], "velocity");
	CHECK_STR(cfg.fields[4], "churn_risk");
	/* velocity, velocity_trend, is_specialist, adoptions, churn_risk, domain_concentration */
	double v[] = {0.41, 0.02, 1, 3, 0.2, 0.6};
	tl_score_eval(&cfg, v, &r);
	CHECK_STR(r.rule->archetype, "fast_learner");
	CHECK_STR(r.reason, "fast: velocity=0.41>=0.35 & velocity_trend=0.02>0");
	/* (0.5·0.41 + 0.25·(1 - 0.2) + 0.25·0.6) / 1 */
	CHECK_NEAR(r.score, 0.5 * 0.41 + 0.25 * 0.8 + 0.25 * 0.6, 1e-15);
	v[1] = 0;                  /* trend not > 0: the next rule decides */
	tl_score_eval(&cfg, v, &r);
	CHECK_STR(r.rule->archetype, "specialist");
	CHECK_STR(r.reason, "specialist: is_specialist=1==1");
	v[2] = NAN;                /* empty never matches */
	v[3] = 11;
	tl_score_eval(&cfg, v, &r);
	CHECK(r.rule == &cfg.rules[2]);
	CHECK_NEAR(r.rule->multiplier, 1.7, 0);
	CHECK_STR(r.reason, "fast_learner: adoptions=11>10");
	v[3] = 10;
	v[0] = 1.5;                /* clamped to 1 in the score */
	tl_score_eval(&cfg, v, &r);
	CHECK_STR(r.reason, "generalist: default");
	CHECK_NEAR(r.score, 0.5 + 0.25 * 0.8 + 0.25 * 0.6, 1e-15);
	v[4] = NAN;                /* an empty term: no score */
	tl_score_eval(&cfg, v, &r);
	CHECK(isnan(r.score));
	tl_score_config_free(&cfg);
}

static void test_canary(void)
{
	char id[16];
	int at1 = 0, at10 = 0, lost = 0;
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(id, sizeof id, "L%07d", i);
		unsigned b = tl_score_canary_bucket(id, (size_t)n, 7);
		CHECK(b < 10000);
		int t1 = tl_score_canary_treated(b, 1), t10 = tl_score_canary_treated(b, 10);
		at1 += t1;
		at10 += t10;
		lost += t1 && !t10;
		if (!tl_score_canary_treated(b, 100) || tl_score_canary_treated(b, 0))
			lost++;
	}
	CHECK(lost == 0);
	/* binomial sd at 20000: 1% -> 14, 10% -> 42; allow 4 sd */
	CHECK(at1 > 200 - 56 && at1 < 200 + 56);
	CHECK(at10 > 2000 - 170 && at10 < 2000 + 170);
	CHECK(tl_score_canary_treated(49, 0.5) && !tl_score_canary_treated(50, 0.5));
	/* the salt changes the assignment */
	int same = 0;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(id, sizeof id, "L%07d", i);
		same += tl_score_canary_bucket(id, (size_t)n, 7) == tl_score_canary_bucket(id, (size_t)n, 8);
	}
	CHECK(same < 10);
}

static void test_calibration(void)
{
	struct tl_score_config cfg;
	struct tl_score_calibration cal;
	char err[512];
	CHECK(tl_score_config_parse(GOOD, strlen(GOOD), &cfg, err, sizeof err) == 0);
	tl_score_calibration_init(&cal, &cfg);
	CHECK(cal.n == 3);   /* fast_learner, specialist, generalist */
	CHECK(tl_score_calibration_add(&cal, "fast_learner", 12, 1) == 0);
	CHECK(tl_score_calibration_add(&cal, "fast_learner", 12, 2) == 0);
	CHECK(tl_score_calibration_add(&cal, "fast_learner", 12, 3) == 0);
	CHECK(tl_score_calibration_add(&cal, "specialist", 10, 4.5) == 0);
	CHECK(tl_score_calibration_add(&cal, "power_user", 10, 1) == -1);
	tl_score_calibrate(&cfg, &cal, "roi");
	CHECK_STR(cfg.version, "t1-calibrated");
	CHECK_STR(cfg.calib_outcome, "roi");
	CHECK(cfg.ncalib == 3 && cfg.calib[0].n == 3);
	/* mean 2, sd 1, t(0.975, 2) = 0.95·sqrt(2 / (4·0.975·0.025)) (closed form for 2 df) */
	double t = 0.95 * sqrt(2 / (4 * 0.975 * 0.025));
	CHECK_NEAR(t, 4.302652729749464, 1e-12);
	CHECK_NEAR(cfg.calib[0].mean, 2, 1e-15);
	CHECK_NEAR(cfg.calib[0].lo, 2 - t / sqrt(3), 1e-9);
	CHECK_NEAR(cfg.calib[0].hi, 2 + t / sqrt(3), 1e-9);
	CHECK_NEAR(cfg.rules[0].multiplier, 2, 1e-15);   /* both fast_learner rules */
	CHECK_NEAR(cfg.rules[2].multiplier, 2, 1e-15);
	CHECK_NEAR(cfg.rules[1].multiplier, 4.5, 0);
	CHECK(cfg.calib[1].n == 1 && isnan(cfg.calib[1].lo));
	CHECK(cfg.calib[2].n == 0 && isnan(cfg.calib[2].mean));
	CHECK_NEAR(cfg.rules[3].multiplier, 1.0, 0);     /* no outcomes: unchanged */
	tl_score_calibrate(&cfg, &cal, "roi");
	CHECK_STR(cfg.version, "t1-calibrated");         /* not twice */

	/* the written config reads back the same */
	FILE *f = tmpfile();
	tl_score_config_write(f, &cfg);
	long n = ftell(f);
	char *text = calloc((size_t)n + 1, 1);
	rewind(f);
	CHECK(fread(text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	struct tl_score_config back;
	CHECK(tl_score_config_parse(text, (size_t)n, &back, err, sizeof err) == 0);
	CHECK(back.nrules == 4 && back.ncalib == 3 && back.calib[0].n == 3);
	CHECK_NEAR(back.calib[0].lo, cfg.calib[0].lo, 0);
	CHECK(isnan(back.calib[2].mean));
	CHECK_STR(back.rules[0].name, "fast");
	CHECK(back.rules[0].ncond == 2 && back.rules[0].cond[1].op == TL_OP_GT);
	CHECK_NEAR(back.terms[1].weight, -0.25, 0);
	free(text);
	tl_score_config_free(&back);
	tl_score_calibration_free(&cal);
	tl_score_config_free(&cfg);
}

static void test_builtin_and_tools(void)
{
	struct tl_score_config cfg;
	tl_score_config_builtin(&cfg);
	CHECK_STR(cfg.version, "v2");
	CHECK(cfg.nrules >= 2 && cfg.rules[cfg.nrules - 1].ncond == 0);
	tl_score_config_free(&cfg);
	CHECK_STR(tl_field_tool("velocity"), "tl-velocity");
	CHECK_STR(tl_field_tool("domain_concentration"), "tl-affinity");
	CHECK_STR(tl_field_tool("churned"), "tl-retention --label");
	CHECK(tl_field_tool("shoe_size") == NULL);
}

int main(void)
{
	test_errors();
	test_eval();
	test_canary();
	test_calibration();
	test_builtin_and_tools();
	return UNIT_DONE();
}
