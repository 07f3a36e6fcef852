/* score_parse.c - reading a tl-score rule config (DESIGN §7): parse and
 * validate the JSON with cJSON, every error carrying the JSON path of
 * what is wrong; load a config file; free a config. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "io/json.h"
#include "util/err.h"
#include "util/datadir.h"
#include "util/file.h"
#include "config/score.h"

/* ---- parsing helpers ---------------------------------------------------- */

struct parse {
	struct tl_score_config *cfg;
	char *err;
	size_t errcap;
	/* the field names seen: slot + 1 by hash (0 empty), so that a config
	 * of many rules is read in linear time */
	uint32_t *slots;
	size_t mask, fcap;
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

/* check_dups: no member twice (names sorted: n log n, not n^2). check_keys:
 * every member of obj is in allowed (NULL-terminated), none twice, and each
 * of required is present. */
static int check_dups(struct parse *p, const cJSON *obj, const char *path)
{
	size_t n = 0, i = 0;
	for (const cJSON *m = obj->child; m; m = m->next)
		n++;
	if (n < 2)
		return 0;
	struct tl_str *names = tl_xmalloc(n * sizeof *names);
	for (const cJSON *m = obj->child; m; m = m->next, i++)
		names[i] = (struct tl_str){m->string, strlen(m->string)};
	long d = tl_json_duplicate(names, n);
	const char *dup = d >= 0 ? names[d].p : NULL;
	free(names);
	return dup ? perr(p, path, "duplicate key \"%s\"", dup) : 0;
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

static uint32_t field_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* field_slot: the index of name in cfg->fields (added when new). */
static int field_slot(struct parse *p, const char *name)
{
	struct tl_score_config *cfg = p->cfg;
	if (!p->slots || (cfg->nfields + 1) * 2 > p->mask + 1) {   /* grow and rehash */
		size_t size = p->slots ? (p->mask + 1) * 2 : 64;
		free(p->slots);
		p->slots = tl_xcalloc(size, sizeof *p->slots);
		p->mask = size - 1;
		for (size_t i = 0; i < cfg->nfields; i++) {
			size_t j = field_hash(cfg->fields[i]) & p->mask;
			while (p->slots[j])
				j = (j + 1) & p->mask;
			p->slots[j] = (uint32_t)(i + 1);
		}
	}
	size_t j = field_hash(name) & p->mask;
	for (; p->slots[j]; j = (j + 1) & p->mask)
		if (strcmp(cfg->fields[p->slots[j] - 1], name) == 0)
			return (int)(p->slots[j] - 1);
	if (cfg->nfields == p->fcap) {
		p->fcap = p->fcap ? 2 * p->fcap : 16;
		cfg->fields = tl_xrealloc(cfg->fields, p->fcap * sizeof *cfg->fields);
	}
	cfg->fields[cfg->nfields] = tl_xstrdup(name);
	p->slots[j] = (uint32_t)(cfg->nfields + 1);
	return (int)cfg->nfields++;
}

/* ---- the config's parts ------------------------------------------------- */

static int parse_cond(struct parse *p, const cJSON *j, const char *path, struct tl_score_cond *c)
{
	char sub[256], *field = NULL;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != 3)
		return perr(p, path, "a condition must be an array [\"field\", \"op\", number]");
	snprintf(sub, sizeof sub, "%.200s[0]", path);
	if (get_name(p, cJSON_GetArrayItem(j, 0), sub, NULL, &field) < 0)
		return -1;
	c->slot = field_slot(p, field);
	free(field);
	const cJSON *op = cJSON_GetArrayItem(j, 1);
	snprintf(sub, sizeof sub, "%.200s[1]", path);
	if (!cJSON_IsString(op))
		return perr(p, sub, "the operator must be a string, not %s", type_name(op));
	size_t k = 0;
	while (k < 6 && strcmp(tl_score_op_name((enum tl_score_op)k), op->valuestring) != 0)
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
		t->slot = field_slot(p, field);
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
static void syntax_error(struct parse *p, const char *text, size_t n, const char *bad, const char *what)
{
	long line = 1, col = 1;
	for (const char *q = text; bad && q < bad && q < text + n; q++, col++)
		if (*q == '\n')
			line++, col = 0;
	snprintf(p->err, p->errcap, "line %ld, column %ld: %s", line, col, what);
}

int tl_score_config_parse(const char *text, size_t n, struct tl_score_config *cfg, char *err, size_t errcap)
{
	struct parse p = {.cfg = cfg, .err = err, .errcap = errcap};
	const char *end = NULL;
	memset(cfg, 0, sizeof *cfg);
	size_t bad = tl_utf8_check(text, n);   /* cJSON copies any bytes into strings */
	if (bad < n) {
		syntax_error(&p, text, n, text + bad, "invalid UTF-8");
		return -1;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (!root) {
		syntax_error(&p, text, n, cJSON_GetErrorPtr(), "bad JSON");
		return -1;
	}
	while (end < text + n && (isspace((unsigned char)*end) || *end == '\0'))
		end++;
	int rc = end < text + n ? (syntax_error(&p, text, n, end, "bad JSON"), -1)
		 : !tl_json_strict(text, n) ? perr(&p, "$", "%s", tl_json_strict_why) : parse_top(&p, root);
	cJSON_Delete(root);
	free(p.slots);
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
	char err[TL_MSG_MAX], *buf, found[TL_DATA_PATH_MAX];
	size_t n;
	path = tl_data_path(path, ".json", found, sizeof found);   /* --config v1: a shipped config */
	int got = tl_read_file(path, &buf, &n);
	if (got == TL_EX_DATAERR)
		tl_die(got, "config %s: longer than %zu bytes, the limit of a side file", path, TL_FILE_MAX);
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
