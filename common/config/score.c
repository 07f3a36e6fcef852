/* score.c - rule configs for tl-score (DESIGN §7): parse and validate with
 * cJSON (errors carry the JSON path), evaluate rules and the composite
 * score, canary buckets, and calibration of multipliers. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/file.h"
#include "util/rng.h"
#include "config/score.h"

/* ---- which tool produces a field (for "missing field" messages) ---- */

static const struct {
	const char *field, *tool;
} FIELD_TOOLS[] = {
	{"interactions", "tl-velocity"}, {"adoptions", "tl-velocity"},
	{"periods", "tl-velocity"}, {"tenure_days", "tl-velocity"},
	{"velocity_simple", "tl-velocity"}, {"velocity", "tl-velocity"},
	{"velocity_trend", "tl-velocity"}, {"velocity_next", "tl-velocity"},
	{"velocity_momentum", "tl-velocity"}, {"next_velocity_actual", "tl-velocity --label"},
	{"domain_entropy", "tl-affinity"}, {"domain_concentration", "tl-affinity"},
	{"top_domain", "tl-affinity"}, {"top_domain_share", "tl-affinity"},
	{"domains", "tl-affinity"}, {"is_specialist", "tl-affinity"},
	{"transfer_score", "tl-affinity"}, {"transfer_pair", "tl-affinity"},
	{"capabilities", "tl-retention"}, {"reuses", "tl-retention"},
	{"days_since_last", "tl-retention"}, {"reuse_score", "tl-retention"},
	{"retention_strength", "tl-retention"}, {"churn_risk", "tl-retention"},
	{"active_days", "tl-retention"}, {"events_last_7d", "tl-retention"},
	{"events_prev_7d", "tl-retention"}, {"churned", "tl-retention --label"},
	{"archetype", "tl-score"}, {"roi_multiplier", "tl-score"}, {"score", "tl-score"},
	{"algo_version", "tl-score"}, {"archetype_reason", "tl-score"},
	{"true_archetype", "tl-loadgen --truth"}, {"roi", "tl-loadgen --outcome"},
	{"arm", "tl-loadgen --arm-split or tl-score --canary"},
};

const char *tl_score_field_tool(const char *field)
{
	for (size_t i = 0; i < sizeof FIELD_TOOLS / sizeof FIELD_TOOLS[0]; i++)
		if (strcmp(FIELD_TOOLS[i].field, field) == 0)
			return FIELD_TOOLS[i].tool;
	return NULL;
}

/* ---- parsing helpers ---------------------------------------------------- */

struct parse {
	struct tl_score_config *cfg;
	char *err;
	size_t errcap;
};

/* perr: "path: message" into p->err; returns -1. */
static int perr(struct parse *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parse *p, const char *path, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(p->err, p->errcap, "%s: ", path);
	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < p->errcap)
		vsnprintf(p->err + k, p->errcap - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j)) return "a string";
	if (cJSON_IsNumber(j)) return "a number";
	if (cJSON_IsBool(j)) return "a boolean";
	if (cJSON_IsNull(j)) return "null";
	if (cJSON_IsArray(j)) return "an array";
	return "an object";
}

/* check_dups: no member twice. check_keys: every member of obj is in allowed (NULL-terminated), none
 * twice, and each of required is present. */
static int check_dups(struct parse *p, const cJSON *obj, const char *path)
{
	for (const cJSON *m = obj->child; m; m = m->next)
		for (const cJSON *o = obj->child; o != m; o = o->next)
			if (strcmp(o->string, m->string) == 0)
				return perr(p, path, "duplicate key \"%s\"", m->string);
	return 0;
}

static int check_keys(struct parse *p, const cJSON *obj, const char *path,
		      const char *const *allowed, const char *const *required)
{
	for (const cJSON *m = obj->child; m; m = m->next) {
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], m->string) != 0)
			i++;
		if (!allowed[i])
			return perr(p, path, "unknown key \"%s\"", m->string);
	}
	if (check_dups(p, obj, path) < 0)
		return -1;
	for (size_t i = 0; required[i]; i++)
		if (!cJSON_GetObjectItemCaseSensitive(obj, required[i]))
			return perr(p, path, "missing key \"%s\"", required[i]);
	return 0;
}

/* get_name: a string of 1..TL_SCORE_NAME_MAX of [A-Za-z0-9_] (extra also
 * allows the characters in extra). */
static int get_name(struct parse *p, const cJSON *j, const char *path, const char *extra, char **out)
{
	if (!cJSON_IsString(j))
		return perr(p, path, "must be a string, not %s", type_name(j));
	const char *s = j->valuestring;
	size_t n = strlen(s);
	if (n == 0 || n > TL_SCORE_NAME_MAX)
		return perr(p, path, "must have 1 to %d characters", TL_SCORE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && !(extra && strchr(extra, s[i])))
			return perr(p, path, "\"%s\": only letters, digits and _%s are allowed", s,
				    extra ? extra : "");
	*out = tl_xstrdup(s);
	return 0;
}

/* get_number: a JSON number (finite) within [lo, hi]. */
static int get_number(struct parse *p, const cJSON *j, const char *path, const char *what,
		      double lo, double hi, double *out)
{
	if (!cJSON_IsNumber(j)) {
		char *text = cJSON_PrintUnformatted(j);
		int rc = perr(p, path, "%s must be a number, not %s%s%.40s", what, type_name(j),
			      text ? " " : "", text ? text : "");
		free(text);
		return rc;
	}
	if (!isfinite(j->valuedouble) || j->valuedouble < lo || j->valuedouble > hi)
		return perr(p, path, "%s must be between %g and %g, not %.17g", what, lo, hi, j->valuedouble);
	*out = j->valuedouble;
	return 0;
}

/* field_slot: the index of name in cfg->fields (added when new). */
static int field_slot(struct tl_score_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nfields; i++)
		if (strcmp(cfg->fields[i], name) == 0)
			return (int)i;
	cfg->fields = tl_xrealloc(cfg->fields, (cfg->nfields + 1) * sizeof *cfg->fields);
	cfg->fields[cfg->nfields] = tl_xstrdup(name);
	return (int)cfg->nfields++;
}

/* ---- the config's parts ------------------------------------------------- */

static const char *const OPS[] = {"<", "<=", ">", ">=", "==", "!="};

static int parse_cond(struct parse *p, const cJSON *j, const char *path, struct tl_score_cond *c)
{
	char sub[256], *field = NULL;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != 3)
		return perr(p, path, "a condition must be an array [\"field\", \"op\", number]");
	snprintf(sub, sizeof sub, "%.200s[0]", path);
	if (get_name(p, cJSON_GetArrayItem(j, 0), sub, NULL, &field) < 0)
		return -1;
	c->slot = field_slot(p->cfg, field);
	free(field);
	const cJSON *op = cJSON_GetArrayItem(j, 1);
	snprintf(sub, sizeof sub, "%.200s[1]", path);
	if (!cJSON_IsString(op))
		return perr(p, sub, "the operator must be a string, not %s", type_name(op));
	size_t k = 0;
	while (k < 6 && strcmp(OPS[k], op->valuestring) != 0)
		k++;
	if (k == 6)
		return perr(p, sub, "unknown operator \"%.20s\" (use <, <=, >, >=, == or !=)", op->valuestring);
	c->op = (enum tl_score_op)k;
	snprintf(sub, sizeof sub, "%.200s[2]", path);
	return get_number(p, cJSON_GetArrayItem(j, 2), sub, "the threshold", -HUGE_VAL, HUGE_VAL, &c->threshold);
}

static int parse_rule(struct parse *p, const cJSON *j, const char *path, struct tl_score_rule *r)
{
	static const char *const allowed[] = {"name", "archetype", "multiplier", "when", NULL};
	static const char *const required[] = {"archetype", "multiplier", NULL};
	char sub[256];
	if (!cJSON_IsObject(j))
		return perr(p, path, "a rule must be an object, not %s", type_name(j));
	if (check_keys(p, j, path, allowed, required) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%.200s.archetype", path);
	if (get_name(p, cJSON_GetObjectItemCaseSensitive(j, "archetype"), sub, NULL, &r->archetype) < 0)
		return -1;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	snprintf(sub, sizeof sub, "%.200s.name", path);
	if (!name)
		r->name = tl_xstrdup(r->archetype);
	else if (get_name(p, name, sub, NULL, &r->name) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%.200s.multiplier", path);
	if (get_number(p, cJSON_GetObjectItemCaseSensitive(j, "multiplier"), sub, "the multiplier",
		       0, 1e6, &r->multiplier) < 0)
		return -1;
	const cJSON *when = cJSON_GetObjectItemCaseSensitive(j, "when");
	if (!when)
		return 0;
	snprintf(sub, sizeof sub, "%.200s.when", path);
	if (!cJSON_IsArray(when))
		return perr(p, sub, "must be an array of conditions, not %s", type_name(when));
	int n = cJSON_GetArraySize(when);
	if (n > TL_SCORE_COND_MAX)
		return perr(p, sub, "more than %d conditions", TL_SCORE_COND_MAX);
	r->cond = tl_xcalloc((size_t)n + 1, sizeof *r->cond);
	for (const cJSON *c = when->child; c; c = c->next, r->ncond++) {
		snprintf(sub, sizeof sub, "%.200s.when[%zu]", path, r->ncond);
		if (parse_cond(p, c, sub, &r->cond[r->ncond]) < 0)
			return -1;
	}
	return 0;
}

static int parse_rules(struct parse *p, const cJSON *j)
{
	struct tl_score_config *cfg = p->cfg;
	char sub[256];
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0)
		return perr(p, "$.rules", "must be a non-empty array of rules");
	cfg->rules = tl_xcalloc((size_t)cJSON_GetArraySize(j), sizeof *cfg->rules);
	for (const cJSON *r = j->child; r; r = r->next) {
		snprintf(sub, sizeof sub, "$.rules[%zu]", cfg->nrules);
		struct tl_score_rule *rule = &cfg->rules[cfg->nrules++];
		if (parse_rule(p, r, sub, rule) < 0)
			return -1;
		if (rule->ncond == 0 && r->next)
			return perr(p, sub, "a rule without conditions matches every learner: it must be the last rule");
	}
	if (cfg->rules[cfg->nrules - 1].ncond > 0)
		return perr(p, sub, "missing the final default rule: the last rule must have no conditions");
	return 0;
}

static int parse_score_weights(struct parse *p, const cJSON *j)
{
	struct tl_score_config *cfg = p->cfg;
	char sub[256];
	double total = 0;
	if (!cJSON_IsObject(j) || !j->child)
		return perr(p, "$.score_weights", "must be a non-empty object {\"field\": weight, ...}");
	if (check_dups(p, j, "$.score_weights") < 0)
		return -1;
	cfg->terms = tl_xcalloc((size_t)cJSON_GetArraySize(j), sizeof *cfg->terms);
	for (const cJSON *m = j->child; m; m = m->next) {
		char *field = NULL;
		snprintf(sub, sizeof sub, "$.score_weights.%.64s", m->string);
		cJSON key = {.type = cJSON_String, .valuestring = m->string};
		if (get_name(p, &key, sub, NULL, &field) < 0)
			return -1;
		struct tl_score_term *t = &cfg->terms[cfg->nterms++];
		t->slot = field_slot(cfg, field);
		free(field);
		if (get_number(p, m, sub, "a weight", -1e6, 1e6, &t->weight) < 0)
			return -1;
		total += fabs(t->weight);
	}
	if (!(total > 0))
		return perr(p, "$.score_weights", "the weights must not all be 0");
	return 0;
}

static int parse_churn(struct parse *p, const cJSON *j)
{
	static const char *const keys[] = {"retention_strength", "velocity_momentum", NULL};
	struct tl_score_config *cfg = p->cfg;
	if (!cJSON_IsObject(j))
		return perr(p, "$.churn_weights", "must be an object, not %s", type_name(j));
	if (check_keys(p, j, "$.churn_weights", keys, keys) < 0 ||
	    get_number(p, cJSON_GetObjectItemCaseSensitive(j, keys[0]), "$.churn_weights.retention_strength",
		       "a weight", 0, 1, &cfg->churn_retention) < 0 ||
	    get_number(p, cJSON_GetObjectItemCaseSensitive(j, keys[1]), "$.churn_weights.velocity_momentum",
		       "a weight", 0, 1, &cfg->churn_momentum) < 0)
		return -1;
	if (fabs(cfg->churn_retention + cfg->churn_momentum - 1) > 1e-9)
		return perr(p, "$.churn_weights", "the weights must sum to 1, not %.17g",
			    cfg->churn_retention + cfg->churn_momentum);
	return 0;
}

/* A number or null (NAN). */
static int get_number_or_null(struct parse *p, const cJSON *j, const char *path, double *out)
{
	if (cJSON_IsNull(j)) {
		*out = NAN;
		return 0;
	}
	return get_number(p, j, path, "the value", -HUGE_VAL, HUGE_VAL, out);
}

static int parse_calib_entry(struct parse *p, const cJSON *j, const char *path, struct tl_score_calib *c)
{
	static const char *const keys[] = {"n", "mean", "ci95", NULL};
	char sub[256];
	double n;
	if (!cJSON_IsObject(j))
		return perr(p, path, "must be an object, not %s", type_name(j));
	if (check_keys(p, j, path, keys, keys) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%.200s.n", path);
	if (get_number(p, cJSON_GetObjectItemCaseSensitive(j, "n"), sub, "n", 0, 9e15, &n) < 0)
		return -1;
	if (n != floor(n))
		return perr(p, sub, "n must be a whole number");
	c->n = (long long)n;
	snprintf(sub, sizeof sub, "%.200s.mean", path);
	if (get_number_or_null(p, cJSON_GetObjectItemCaseSensitive(j, "mean"), sub, &c->mean) < 0)
		return -1;
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(j, "ci95");
	snprintf(sub, sizeof sub, "%.200s.ci95", path);
	if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2)
		return perr(p, sub, "must be an array [low, high]");
	snprintf(sub, sizeof sub, "%.200s.ci95[0]", path);
	if (get_number_or_null(p, ci->child, sub, &c->lo) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%.200s.ci95[1]", path);
	return get_number_or_null(p, ci->child->next, sub, &c->hi);
}

static int parse_calibration(struct parse *p, const cJSON *j)
{
	static const char *const keys[] = {"outcome", "archetypes", NULL};
	struct tl_score_config *cfg = p->cfg;
	char sub[256];
	if (!cJSON_IsObject(j))
		return perr(p, "$.calibration", "must be an object, not %s", type_name(j));
	if (check_keys(p, j, "$.calibration", keys, keys) < 0 ||
	    get_name(p, cJSON_GetObjectItemCaseSensitive(j, "outcome"), "$.calibration.outcome", NULL,
		     &cfg->calib_outcome) < 0)
		return -1;
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "archetypes");
	if (!cJSON_IsObject(a))
		return perr(p, "$.calibration.archetypes", "must be an object, not %s", type_name(a));
	if (check_dups(p, a, "$.calibration.archetypes") < 0)
		return -1;
	cfg->calib = tl_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *cfg->calib);
	for (const cJSON *m = a->child; m; m = m->next) {
		snprintf(sub, sizeof sub, "$.calibration.archetypes.%.64s", m->string);
		struct tl_score_calib *c = &cfg->calib[cfg->ncalib++];
		c->archetype = tl_xstrdup(m->string);
		if (parse_calib_entry(p, m, sub, c) < 0)
			return -1;
	}
	return 0;
}

/* parse_top: the top-level object. */
static int parse_top(struct parse *p, const cJSON *root)
{
	static const char *const allowed[] = {"algo_version", "description", "domains", "churn_weights",
					      "score_weights", "rules", "calibration", NULL};
	static const char *const required[] = {"algo_version", "domains", "churn_weights",
					       "score_weights", "rules", NULL};
	struct tl_score_config *cfg = p->cfg;
	double m;
	if (!cJSON_IsObject(root))
		return perr(p, "$", "the config must be a JSON object, not %s", type_name(root));
	if (check_keys(p, root, "$", allowed, required) < 0)
		return -1;
	if (get_name(p, cJSON_GetObjectItemCaseSensitive(root, "algo_version"), "$.algo_version", ".+-",
		     &cfg->version) < 0)
		return -1;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (d && !cJSON_IsString(d))
		return perr(p, "$.description", "must be a string, not %s", type_name(d));
	if (d)
		cfg->description = tl_xstrdup(d->valuestring);
	if (get_number(p, cJSON_GetObjectItemCaseSensitive(root, "domains"), "$.domains", "M", 2, 1e6, &m) < 0)
		return -1;
	if (m != floor(m))
		return perr(p, "$.domains", "M must be a whole number, not %.17g", m);
	cfg->domains = (long)m;
	const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "calibration");
	if (parse_churn(p, cJSON_GetObjectItemCaseSensitive(root, "churn_weights")) < 0 ||
	    parse_rules(p, cJSON_GetObjectItemCaseSensitive(root, "rules")) < 0 ||
	    parse_score_weights(p, cJSON_GetObjectItemCaseSensitive(root, "score_weights")) < 0 ||
	    (cal && parse_calibration(p, cal) < 0))
		return -1;
	return 0;
}

/* syntax_error: "line L, column C: bad JSON" for the byte at bad. */
static void syntax_error(struct parse *p, const char *text, size_t n, const char *bad)
{
	long line = 1, col = 1;
	for (const char *q = text; bad && q < bad && q < text + n; q++, col++)
		if (*q == '\n')
			line++, col = 0;
	snprintf(p->err, p->errcap, "line %ld, column %ld: bad JSON", line, col);
}

int tl_score_config_parse(const char *text, size_t n, struct tl_score_config *cfg, char *err, size_t errcap)
{
	struct parse p = {cfg, err, errcap};
	const char *end = NULL;
	memset(cfg, 0, sizeof *cfg);
	cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (!root) {
		syntax_error(&p, text, n, cJSON_GetErrorPtr());
		return -1;
	}
	while (end < text + n && (isspace((unsigned char)*end) || *end == '\0'))
		end++;
	int rc = end < text + n ? (syntax_error(&p, text, n, end), -1) : parse_top(&p, root);
	cJSON_Delete(root);
	if (rc < 0)
		tl_score_config_free(cfg);
	return rc;
}

void tl_score_config_load(const char *path, struct tl_score_config *cfg)
{
	if (!path) {
		tl_score_config_builtin(cfg);
		return;
	}
	char err[512], *buf;
	size_t n;
	int got = tl_read_file(path, &buf, &n);
	if (got)
		tl_die(got, "cannot %s config %s:", got == TL_EX_NOINPUT ? "open" : "read", path);
	int rc = tl_score_config_parse(buf, n, cfg, err, sizeof err);
	free(buf);
	if (rc < 0)
		tl_die(TL_EX_DATAERR, "%s: %s", path, err);
}

void tl_score_config_free(struct tl_score_config *cfg)
{
	for (size_t i = 0; i < cfg->nrules; i++) {
		free(cfg->rules[i].name);
		free(cfg->rules[i].archetype);
		free(cfg->rules[i].cond);
	}
	for (size_t i = 0; i < cfg->nfields; i++)
		free(cfg->fields[i]);
	for (size_t i = 0; i < cfg->ncalib; i++)
		free(cfg->calib[i].archetype);
	free(cfg->version);
	free(cfg->description);
	free(cfg->rules);
	free(cfg->terms);
	free(cfg->fields);
	free(cfg->calib_outcome);
	free(cfg->calib);
	memset(cfg, 0, sizeof *cfg);
}

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
	char err[512];
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

/* composite: Σ w·clamp(x) (|w|·(1 - clamp(x)) for w < 0) / Σ |w|. */
static double composite(const struct tl_score_config *cfg, const double *values)
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
	res->score = composite(cfg, values);
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
	c->m = tl_xcalloc(cfg->nrules, sizeof *c->m);
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
			tl_moments_add(&c->m[k], outcome);
			return 0;
		}
	return -1;
}

/* mean ± t(0.975, n-1)·sd/√n; NAN bounds when n < 2. */
static void calib_entry(const struct tl_moments *m, struct tl_score_calib *e)
{
	e->n = (long long)m->n;
	e->mean = m->n > 0 ? m->mean : NAN;
	e->lo = e->hi = NAN;
	if (m->n >= 2) {
		double half = tl_t_quantile(0.975, m->n - 1) * tl_moments_sd(m) / sqrt(m->n);
		e->lo = m->mean - half;
		e->hi = m->mean + half;
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
	free(c->archetypes);
	free(c->m);
	memset(c, 0, sizeof *c);
}
