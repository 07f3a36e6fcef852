/* score.c - rule configs for tl-score (DESIGN §7): the tool behind each
 * field, the built-in config, writing a config, evaluating rules and the
 * composite score, canary buckets, and calibration of multipliers (the
 * parser is in score_parse.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/rng.h"
#include "config/score.h"

/* ---- operators ------------------------------------------------------------ */

static const char *const OPS[] = {"<", "<=", ">", ">=", "==", "!="};

const char *tl_score_op_name(enum tl_score_op op) { return OPS[op]; }

/* ---- the built-in config: the shipped config/v2.json -------------------- */

/* Keep identical to config/v2.json (tests/tl-score.bats compares them). */
static const char TL_SCORE_V2[] =
	"{\n"
	"  \"algo_version\": \"v2\",\n"
	"  \"description\": \"The new metrics: specialists by domain concentration and domain count, long-term retainers by reuse score or recent activity after a long tenure, power users by volume with a low adoption rate, fast learners by adoption rate with enough adoptions. Thresholds tuned for macro F1 on tl-loadgen seeds 101 and 102 (10000 learners each).\",\n"
	"  \"domains\": 8,\n"
	"  \"churn_weights\": {\"retention_strength\": 0.7, \"velocity_momentum\": 0.3},\n"
	"  \"score_weights\": {\"retention_strength\": 0.4, \"velocity_momentum\": 0.3, \"domain_concentration\": 0.3},\n"
	"  \"rules\": [\n"
	"    {\"archetype\": \"specialist\", \"multiplier\": 1.68,\n"
	"     \"when\": [[\"domain_concentration\", \">=\", 0.67], [\"domains\", \"<=\", 2]]},\n"
	"    {\"name\": \"retainer_reuse\", \"archetype\": \"long_term_retainer\", \"multiplier\": 1.65,\n"
	"     \"when\": [[\"reuse_score\", \">=\", 0.01], [\"tenure_days\", \">=\", 158]]},\n"
	"    {\"name\": \"retainer_active\", \"archetype\": \"long_term_retainer\", \"multiplier\": 1.65,\n"
	"     \"when\": [[\"days_since_last\", \"<=\", 45], [\"tenure_days\", \">=\", 77]]},\n"
	"    {\"archetype\": \"power_user\", \"multiplier\": 1.47,\n"
	"     \"when\": [[\"interactions\", \">=\", 24], [\"velocity_simple\", \"<=\", 0.22]]},\n"
	"    {\"name\": \"fast_many\", \"archetype\": \"fast_learner\", \"multiplier\": 1.92,\n"
	"     \"when\": [[\"velocity_simple\", \">=\", 0.24], [\"adoptions\", \">=\", 6]]},\n"
	"    {\"name\": \"fast_steep\", \"archetype\": \"fast_learner\", \"multiplier\": 1.92,\n"
	"     \"when\": [[\"velocity_simple\", \">=\", 0.58], [\"adoptions\", \">=\", 4]]},\n"
	"    {\"archetype\": \"generalist\", \"multiplier\": 1.05}\n"
	"  ]\n"
	"}\n";

void tl_score_config_builtin(struct tl_score_config *cfg)
{
	char err[TL_MSG_MAX];
	if (tl_score_config_parse(TL_SCORE_V2, sizeof TL_SCORE_V2 - 1, cfg, err, sizeof err) < 0)
		tl_die(TL_EX_SOFTWARE, "internal error: built-in config: %s", err);
}

/* ---- writing a config ---------------------------------------------------- */

static cJSON *rules_json(const struct tl_score_config *cfg)
{
	cJSON *rules = cJSON_CreateArray();
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct tl_score_rule *r = &cfg->rules[i];
		cJSON *o = cJSON_CreateObject();
		if (strcmp(r->name, r->archetype) != 0)
			cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "archetype", r->archetype);
		cJSON_AddNumberToObject(o, "multiplier", r->multiplier);
		if (r->ncond) {
			cJSON *when = cJSON_AddArrayToObject(o, "when");
			for (size_t k = 0; k < r->ncond; k++) {
				cJSON *c = cJSON_CreateArray();
				cJSON_AddItemToArray(c, cJSON_CreateString(cfg->fields[r->cond[k].slot]));
				cJSON_AddItemToArray(c, cJSON_CreateString(OPS[r->cond[k].op]));
				cJSON_AddItemToArray(c, cJSON_CreateNumber(r->cond[k].threshold));
				cJSON_AddItemToArray(when, c);
			}
		}
		cJSON_AddItemToArray(rules, o);
	}
	return rules;
}

static cJSON *calibration_json(const struct tl_score_config *cfg)
{
	cJSON *cal = cJSON_CreateObject(), *arch;
	cJSON_AddStringToObject(cal, "outcome", cfg->calib_outcome);
	arch = cJSON_AddObjectToObject(cal, "archetypes");
	for (size_t i = 0; i < cfg->ncalib; i++) {
		const struct tl_score_calib *c = &cfg->calib[i];
		cJSON *o = cJSON_AddObjectToObject(arch, c->archetype), *ci;
		cJSON_AddNumberToObject(o, "n", (double)c->n);
		cJSON_AddNumberToObject(o, "mean", c->mean);   /* NaN prints as null */
		ci = cJSON_AddArrayToObject(o, "ci95");
		cJSON_AddItemToArray(ci, cJSON_CreateNumber(c->lo));
		cJSON_AddItemToArray(ci, cJSON_CreateNumber(c->hi));
	}
	return cal;
}

void tl_score_config_write(FILE *f, const struct tl_score_config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *o;
	cJSON_AddStringToObject(root, "algo_version", cfg->version);
	if (cfg->description)
		cJSON_AddStringToObject(root, "description", cfg->description);
	cJSON_AddNumberToObject(root, "domains", (double)cfg->domains);
	o = cJSON_AddObjectToObject(root, "churn_weights");
	cJSON_AddNumberToObject(o, "retention_strength", cfg->churn_retention);
	cJSON_AddNumberToObject(o, "velocity_momentum", cfg->churn_momentum);
	o = cJSON_AddObjectToObject(root, "score_weights");
	for (size_t i = 0; i < cfg->nterms; i++)
		cJSON_AddNumberToObject(o, cfg->fields[cfg->terms[i].slot], cfg->terms[i].weight);
	cJSON_AddItemToObject(root, "rules", rules_json(cfg));
	if (cfg->calib_outcome)
		cJSON_AddItemToObject(root, "calibration", calibration_json(cfg));
	char *text = cJSON_Print(root);
	if (!text)
		tl_die(TL_EX_SOFTWARE, "out of memory");
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(root);
}

/* ---- evaluation ----------------------------------------------------------- */

int tl_score_values(const struct tl_score_config *cfg, const struct tl_learner *l, double *values, size_t *bad)
{
	for (size_t i = 0; i < cfg->nfields; i++) {
		const struct tl_attr *a = tl_learner_attr(l, cfg->fields[i]);
		*bad = i;
		if (!a)
			return -1;
		int rc = tl_attr_number(a, &values[i]);
		if (rc < 0)
			return -2;
		if (rc == 0)
			values[i] = NAN;
	}
	return 0;
}

static int cond_holds(const struct tl_score_cond *c, double x)
{
	if (isnan(x))
		return 0;
	switch (c->op) {
	case TL_OP_LT: return x < c->threshold;
	case TL_OP_LE: return x <= c->threshold;
	case TL_OP_GT: return x > c->threshold;
	case TL_OP_GE: return x >= c->threshold;
	case TL_OP_EQ: return x == c->threshold;
	case TL_OP_NE: return x != c->threshold;
	}
	return 0;
}

/* tl_score_composite: Σ w·clamp(x) (|w|·(1 - clamp(x)) for w < 0) / Σ |w|. */
double tl_score_composite(const struct tl_score_config *cfg, const double *values)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < cfg->nterms; i++) {
		double x = values[cfg->terms[i].slot], w = cfg->terms[i].weight;
		if (isnan(x))
			return NAN;
		x = x < 0 ? 0 : x > 1 ? 1 : x;
		num += w >= 0 ? w * x : -w * (1 - x);
		den += fabs(w);
	}
	return num / den;
}

static void reason(const struct tl_score_config *cfg, const struct tl_score_rule *r, const double *values,
		   char *buf)
{
	size_t cap = TL_SCORE_REASON_MAX;
	int k = snprintf(buf, cap, "%s:%s", r->name, r->ncond ? "" : " default");
	for (size_t i = 0; i < r->ncond; i++) {
		const struct tl_score_cond *c = &r->cond[i];
		k += snprintf(buf + k, cap - (size_t)k, "%s %s=%.6g%s%.6g", i ? " &" : "", cfg->fields[c->slot],
			      values[c->slot], OPS[c->op], c->threshold);
	}
}

void tl_score_eval(const struct tl_score_config *cfg, const double *values, struct tl_score_result *res)
{
	const struct tl_score_rule *r = cfg->rules;
	for (; r < cfg->rules + cfg->nrules - 1; r++) {
		size_t k = 0;
		while (k < r->ncond && cond_holds(&r->cond[k], values[r->cond[k].slot]))
			k++;
		if (k == r->ncond)
			break;
	}
	res->rule = r;
	res->score = tl_score_composite(cfg, values);
	reason(cfg, r, values, res->reason);
}

/* ---- canary ---------------------------------------------------------------- */

unsigned tl_score_canary_bucket(const char *id, size_t n, uint64_t salt)
{
	return (unsigned)(tl_hash64(id, n, salt) % 10000);
}

int tl_score_canary_treated(unsigned bucket, double pct) { return (double)bucket < pct * 100; }

/* ---- calibration ------------------------------------------------------------ */

void tl_score_calibration_init(struct tl_score_calibration *c, const struct tl_score_config *cfg)
{
	memset(c, 0, sizeof *c);
	c->archetypes = tl_xcalloc(cfg->nrules, sizeof *c->archetypes);
	c->m = tl_xcalloc(cfg->nrules, sizeof *c->m);   /* zeroed: empty sums */
	for (size_t i = 0; i < cfg->nrules; i++) {
		size_t k = 0;
		while (k < c->n && strcmp(c->archetypes[k], cfg->rules[i].archetype) != 0)
			k++;
		if (k == c->n)
			c->archetypes[c->n++] = cfg->rules[i].archetype;
	}
}

int tl_score_calibration_add(struct tl_score_calibration *c, const char *a, size_t n, double outcome)
{
	for (size_t k = 0; k < c->n; k++)
		if (strlen(c->archetypes[k]) == n && memcmp(c->archetypes[k], a, n) == 0) {
			struct tl_score_sums *x = tl_score_sums_of(&c->m[k].s);
			c->m[k].n++;
			tl_xsum_add(&x->a, outcome);
			tl_xsum_add_product(&x->b, outcome, outcome);
			return 0;
		}
	return -1;
}

struct tl_score_sums *tl_score_sums_of(struct tl_score_sums **p)
{
	if (!*p)
		*p = tl_xcalloc(1, sizeof **p);   /* zero: two empty sums */
	return *p;
}

/* exact_m2: Σ(y - mean)² of n terms whose sum is s1 and sum of squares
 * s2, from the exact n·s2 - s1² (the terms of each, multiplied exactly by
 * fma), rounded once, over n: the same bits for any order or split of the
 * terms (while no product underflows). NaN when a sum is not finite. */
static double exact_m2(double n, const struct tl_xsum *s1, const struct tl_xsum *s2)
{
	double t1[TL_XSUM_TERMS_MAX], t2[TL_XSUM_TERMS_MAX];
	int k1 = tl_xsum_terms(s1, t1), k2 = tl_xsum_terms(s2, t2);
	if (k1 < 0 || k2 < 0)
		return NAN;
	struct tl_xsum e;
	tl_xsum_init(&e);
	for (int i = 0; i < k2; i++)
		tl_xsum_add_product(&e, t2[i], n);
	for (int i = 0; i < k1; i++)
		for (int j = 0; j < k1; j++)
			tl_xsum_add_product(&e, -t1[i], t1[j]);
	double v = tl_xsum_value(&e) / n;
	return v < 0 ? 0 : v;   /* only an underflowed product makes it negative */
}

/* mean ± t(0.975, n-1)·sd/√n; NAN bounds when n < 2. The mean is the
 * exact sum rounded, over n; the sd from exact_m2: the same bits whatever
 * the order of the learners. */
static void calib_entry(const struct tl_score_outcomes *m, struct tl_score_calib *e)
{
	e->n = (long long)m->n;
	double mean = m->n > 0 ? tl_xsum_value(&m->s->a) / m->n : NAN;
	e->mean = mean;
	e->lo = e->hi = NAN;
	if (m->n >= 2) {
		double sd = sqrt(exact_m2(m->n, &m->s->a, &m->s->b) / (m->n - 1));
		double half = tl_t_quantile(0.975, m->n - 1) * sd / sqrt(m->n);
		e->lo = mean - half;
		e->hi = mean + half;
	}
}

void tl_score_calibrate(struct tl_score_config *cfg, const struct tl_score_calibration *c, const char *outcome)
{
	for (size_t i = 0; i < cfg->ncalib; i++)
		free(cfg->calib[i].archetype);
	free(cfg->calib);
	free(cfg->calib_outcome);
	cfg->calib_outcome = tl_xstrdup(outcome);
	cfg->calib = tl_xcalloc(c->n, sizeof *cfg->calib);
	cfg->ncalib = c->n;
	for (size_t k = 0; k < c->n; k++) {
		struct tl_score_calib *e = &cfg->calib[k];
		e->archetype = tl_xstrdup(c->archetypes[k]);
		calib_entry(&c->m[k], e);
		for (size_t i = 0; i < cfg->nrules && e->n > 0; i++)
			if (strcmp(cfg->rules[i].archetype, e->archetype) == 0)
				cfg->rules[i].multiplier = e->mean;
	}
	static const char suffix[] = "-calibrated";
	size_t n = strlen(cfg->version);
	if (n < sizeof suffix - 1 || strcmp(cfg->version + n - (sizeof suffix - 1), suffix) != 0) {
		cfg->version = tl_xrealloc(cfg->version, n + sizeof suffix);
		memcpy(cfg->version + n, suffix, sizeof suffix);
	}
}

void tl_score_calibration_free(struct tl_score_calibration *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->m[k].s);
	free(c->archetypes);
	free(c->m);
	memset(c, 0, sizeof *c);
}
