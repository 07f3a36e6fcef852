/* model_json.c - tl-model's model file (DESIGN §11): writing the fitted
 * model as JSON, and reading it back with every member checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "io/json.h"
#include "util/err.h"
#include "metrics/model.h"

/* ---- the model file -------------------------------------------------------- */

/* A number with round-trip precision (§2), null when not finite. */
static cJSON *jnum(double v)
{
	char buf[40];
	if (!isfinite(v))
		return cJSON_CreateNull();
	snprintf(buf, sizeof buf, "%.17g", v);
	return cJSON_CreateRaw(buf);
}

static cJSON *jint(long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", v);
	return cJSON_CreateRaw(buf);
}

/* jnums: an array of n numbers. */
static cJSON *jnums(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, jnum(v[i]));
	return a;
}

static const char *kind_name(enum tl_model_kind k)
{
	return k == TL_MODEL_LOGISTIC ? "logistic" : k == TL_MODEL_LINEAR ? "linear" : "multinomial";
}

static cJSON *json_features(const struct tl_model *m)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t j = 0; j < m->p; j++) {
		const struct tl_feature *f = &m->feat[j];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "spec", f->spec);
		cJSON_AddStringToObject(o, "field", f->field);
		cJSON_AddStringToObject(o, "transform", tl_transform_name(f->tf));
		cJSON_AddItemToObject(o, "mean", jnum(f->mean));
		cJSON_AddItemToObject(o, "sd", jnum(f->sd));
		if (m->kind == TL_MODEL_MULTINOMIAL)
			cJSON_AddItemToObject(o, "coef", jnums(f->mcoef, m->nclass));
		else
			cJSON_AddItemToObject(o, "coef", jnum(f->coef));
		cJSON_AddItemToObject(o, "missing", jint(f->missing));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* json_classes: the multinomial metrics. */
static void json_classes(cJSON *o, double accuracy, double f1, double log_loss)
{
	cJSON_AddItemToObject(o, "accuracy", jnum(accuracy));
	cJSON_AddItemToObject(o, "macro_f1", jnum(f1));
	cJSON_AddItemToObject(o, "log_loss", jnum(log_loss));
}

static cJSON *json_cv(const struct tl_model *m)
{
	const char *metric = m->kind == TL_MODEL_LOGISTIC ? "auc" : m->kind == TL_MODEL_LINEAR ? "rmse" : "accuracy";
	if (m->cv_k == 0)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject(), *folds = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "k", jint(m->cv_k));
	if (m->kind == TL_MODEL_MULTINOMIAL)
		json_classes(o, m->cv_accuracy, m->cv_macro_f1, m->cv_log_loss);
	else
		cJSON_AddItemToObject(o, metric, jnum(m->kind == TL_MODEL_LOGISTIC ? m->cv_auc : m->cv_rmse));
	for (int f = 0; f < m->cv_k; f++) {
		cJSON *fo = cJSON_CreateObject();
		cJSON_AddItemToObject(fo, "n", jint(m->cv_fold_n[f]));
		cJSON_AddItemToObject(fo, metric, jnum(m->cv_fold[f]));
		cJSON_AddItemToArray(folds, fo);
	}
	cJSON_AddItemToObject(o, "folds", folds);
	return o;
}

/* json_holdout: how the records were held out and the metrics on them. */
static cJSON *json_holdout(const struct tl_model *m)
{
	const struct tl_holdout *h = &m->ho;
	cJSON *o = cJSON_CreateObject();
	if (h->field) {
		cJSON_AddStringToObject(o, "field", h->field);
		cJSON_AddStringToObject(o, "value", h->value);
	} else {
		cJSON_AddItemToObject(o, "fraction", jnum(h->fraction));
	}
	cJSON_AddItemToObject(o, "n", jint(h->n));
	if (m->kind == TL_MODEL_LOGISTIC) {
		cJSON_AddItemToObject(o, "auc", jnum(h->auc));
		cJSON_AddItemToObject(o, "log_loss", jnum(h->log_loss));
	} else if (m->kind == TL_MODEL_LINEAR) {
		cJSON_AddItemToObject(o, "rmse", jnum(h->rmse));
	} else {
		json_classes(o, h->accuracy, h->macro_f1, h->log_loss);
	}
	return o;
}

/* print_compact: one value on one line. */
static void print_compact(const cJSON *v, FILE *f)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		tl_die(TL_EX_SOFTWARE, "out of memory");
	fputs(s, f);
	cJSON_free(s);
}

/* print_model: one top-level member a line, and one line for each element
 * of an array (a feature, a fold), so that grep finds a feature with its
 * coefficient. */
static void print_model(const cJSON *o, FILE *f)
{
	fputs("{\n", f);
	for (const cJSON *m = o->child; m; m = m->next) {
		fprintf(f, "  \"%s\": ", m->string);
		if (cJSON_IsArray(m)) {
			fputs("[\n", f);
			for (const cJSON *e = m->child; e; e = e->next) {
				fputs("    ", f);
				print_compact(e, f);
				fputs(e->next ? ",\n" : "\n", f);
			}
			fputs("  ]", f);
		} else {
			print_compact(m, f);
		}
		fputs(m->next ? ",\n" : "\n", f);
	}
	fputs("}\n", f);
}

/* json_class_names: the classes, and their training records. */
static void json_class_names(cJSON *o, const struct tl_model *m)
{
	cJSON *names = cJSON_CreateArray(), *n = cJSON_CreateArray();
	for (size_t k = 0; k < m->nclass; k++) {
		cJSON_AddItemToArray(names, cJSON_CreateString(m->classes[k]));
		cJSON_AddItemToArray(n, jint(m->class_n[k]));
	}
	cJSON_AddItemToObject(o, "classes", names);
	cJSON_AddItemToObject(o, "class_n", n);
}

void tl_model_write(const struct tl_model *m, FILE *f)
{
	int multi = m->kind == TL_MODEL_MULTINOMIAL;
	cJSON *o = cJSON_CreateObject(), *train = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "tl-model 1");
	cJSON_AddStringToObject(o, "kind", kind_name(m->kind));
	cJSON_AddStringToObject(o, "target", m->target);
	if (multi)
		json_class_names(o, m);
	cJSON_AddItemToObject(o, "features", json_features(m));
	cJSON_AddItemToObject(o, "intercept", multi ? jnums(m->mint, m->nclass) : jnum(m->intercept));
	cJSON_AddItemToObject(o, "l2", jnum(m->l2));
	cJSON_AddItemToObject(o, "n", jint(m->n));
	cJSON_AddItemToObject(o, "skipped", jint(m->skipped));
	if (m->kind == TL_MODEL_LOGISTIC)
		cJSON_AddItemToObject(o, "positives", jint(m->positives));
	cJSON_AddItemToObject(o, "iterations", jint(m->iterations));
	if (m->kind == TL_MODEL_LOGISTIC) {
		cJSON_AddItemToObject(train, "auc", jnum(m->train_auc));
		cJSON_AddItemToObject(train, "log_loss", jnum(m->train_log_loss));
	} else if (!multi) {
		cJSON_AddItemToObject(train, "rmse", jnum(m->train_rmse));
	} else {
		json_classes(train, m->train_accuracy, m->train_macro_f1, m->train_log_loss);
	}
	cJSON_AddItemToObject(o, "train", train);
	cJSON_AddItemToObject(o, "cv", json_cv(m));
	if (m->ho.field || m->ho.fraction > 0)
		cJSON_AddItemToObject(o, "holdout", json_holdout(m));
	print_model(o, f);
	cJSON_Delete(o);
}

/* get_num: a finite number member (NULL path when optional and absent). */
static int get_num(const cJSON *o, const char *name, int required, double *out, const char *where,
		   char *err, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!v && !required)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		snprintf(err, cap, "%s'%s' is %s", where, name, v ? "not a finite number" : "missing");
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

/* get_count: the optional whole count name (learners, missing values) of
 * o in *out (0 when absent): 0 to 2^53, exact as a double and a long. */
static int get_count(const cJSON *o, const char *name, long *out, const char *where, char *err, size_t cap)
{
	double v = 0;
	if (get_num(o, name, 0, &v, where, err, cap) < 0)
		return -1;
	if (!(v >= 0 && v <= 9007199254740992.0 && v == floor(v))) {
		snprintf(err, cap, "%s'%s' is not a count: %g", where, name, v);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* get_nums: the member name of o, an array of n finite numbers, into a
 * new *out. */
static int get_nums(const cJSON *o, const char *name, size_t n, double **out, const char *where, char *err,
		    size_t cap)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t i = 0;
	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
		snprintf(err, cap, "%s'%s' is %s", where, name, a ? "not an array of one number per class" : "missing");
		return -1;
	}
	*out = tl_xcalloc(n, sizeof **out);
	for (const cJSON *v = a->child; v; v = v->next, i++) {
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
			snprintf(err, cap, "%s'%s'[%zu] is not a finite number", where, name, i);
			return -1;
		}
		(*out)[i] = v->valuedouble;
	}
	return 0;
}

static int read_feature(const cJSON *o, size_t j, struct tl_feature *f, size_t nclass, char *err, size_t cap)
{
	char where[48], why[TL_MSG_MAX];
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o, "spec"), *tr;
	snprintf(where, sizeof where, "features[%zu]: ", j);
	if (!cJSON_IsString(spec)) {
		snprintf(err, cap, "%s'spec' is missing or not a string", where);
		return -1;
	}
	if (tl_feature_parse(spec->valuestring, f, why, sizeof why) < 0) {
		snprintf(err, cap, "%s%s", where, why);
		return -1;
	}
	tr = cJSON_GetObjectItemCaseSensitive(o, "transform");
	if (tr && (!cJSON_IsString(tr) || strcmp(tr->valuestring, tl_transform_name(f->tf)) != 0)) {
		snprintf(err, cap, "%s'transform' does not match the spec '%s'", where, f->spec);
		return -1;
	}
	if (get_num(o, "mean", 1, &f->mean, where, err, cap) < 0 || get_num(o, "sd", 1, &f->sd, where, err, cap) < 0 ||
	    (nclass ? get_nums(o, "coef", nclass, &f->mcoef, where, err, cap) : get_num(o, "coef", 1, &f->coef, where, err, cap)) < 0 ||
	    get_count(o, "missing", &f->missing, where, err, cap) < 0)
		return -1;
	if (f->sd < 0) {
		snprintf(err, cap, "%s'sd' is negative", where);
		return -1;
	}
	return 0;
}

/* no_duplicates: no object of the file (at any depth) names a member
 * twice, the rule of every JSON tl reads (tl(7)). */
static int no_duplicates(const cJSON *o, const char *where, char *err, size_t cap)
{
	size_t n = 0, i = 0;
	for (const cJSON *c = o->child; c; c = c->next, n++)
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && no_duplicates(c, c->string ? c->string : where, err, cap) < 0)
			return -1;
	if (!cJSON_IsObject(o))
		return 0;
	struct tl_str *names = tl_xmalloc((n ? n : 1) * sizeof *names);
	for (const cJSON *c = o->child; c; c = c->next, i++)
		names[i] = (struct tl_str){c->string, strlen(c->string)};
	long d = tl_json_duplicate(names, n);
	if (d >= 0)
		snprintf(err, cap, "%s%sduplicate key '%s'", where, *where ? ": " : "", names[d].p);
	free(names);
	return d >= 0 ? -1 : 0;
}

/* duplicate_feature: a feature given twice would be counted twice. */
static int duplicate_feature(const struct tl_model *m, char *err, size_t cap)
{
	struct tl_str *specs = tl_xmalloc((m->p ? m->p : 1) * sizeof *specs);
	for (size_t j = 0; j < m->p; j++)
		specs[j] = (struct tl_str){m->feat[j].spec, strlen(m->feat[j].spec)};
	long d = tl_json_duplicate(specs, m->p);
	if (d >= 0)
		snprintf(err, cap, "features[%ld]: '%s' is given twice", d, m->feat[d].spec);
	free(specs);
	return d >= 0 ? -1 : 0;
}

/* read_classes: a multinomial model's classes: two or more distinct
 * non-empty strings, in byte order. */
static int read_classes(struct tl_model *m, const cJSON *o, char *err, size_t cap)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "classes");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 2) {
		snprintf(err, cap, "'classes' is missing or not an array of two or more classes");
		return -1;
	}
	m->classes = tl_xcalloc((size_t)cJSON_GetArraySize(a), sizeof *m->classes);
	for (const cJSON *c = a->child; c; c = c->next, m->nclass++) {
		if (!cJSON_IsString(c) || !*c->valuestring) {
			snprintf(err, cap, "classes[%zu] is not a non-empty string", m->nclass);
			return -1;
		}
		m->classes[m->nclass] = tl_xstrdup(c->valuestring);
		if (m->nclass && strcmp(m->classes[m->nclass - 1], c->valuestring) >= 0) {
			snprintf(err, cap, "classes[%zu] '%s' is not after '%s' in byte order", m->nclass, c->valuestring,
				 m->classes[m->nclass - 1]);
			m->nclass++;
			return -1;
		}
	}
	return 0;
}

static int read_header(struct tl_model *m, const cJSON *o, char *err, size_t cap)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(o, "format");
	if (format && (!cJSON_IsString(format) || strcmp(format->valuestring, "tl-model 1") != 0)) {
		snprintf(err, cap, "'format' is not \"tl-model 1\" (a model this tl-model cannot read)");
		return -1;
	}
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	const cJSON *target = cJSON_GetObjectItemCaseSensitive(o, "target");
	if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "logistic") && strcmp(kind->valuestring, "linear") &&
				      strcmp(kind->valuestring, "multinomial"))) {
		snprintf(err, cap, "'kind' is missing or not \"logistic\", \"linear\" or \"multinomial\"");
		return -1;
	}
	m->kind = strcmp(kind->valuestring, "logistic") == 0 ? TL_MODEL_LOGISTIC
		: strcmp(kind->valuestring, "linear") == 0 ? TL_MODEL_LINEAR : TL_MODEL_MULTINOMIAL;
	if (!cJSON_IsString(target) || !*target->valuestring) {
		snprintf(err, cap, "'target' is missing or not a non-empty string");
		return -1;
	}
	m->target = tl_xstrdup(target->valuestring);
	if (m->kind == TL_MODEL_MULTINOMIAL && read_classes(m, o, err, cap) < 0)
		return -1;
	if ((m->nclass ? get_nums(o, "intercept", m->nclass, &m->mint, "", err, cap)
		       : get_num(o, "intercept", 1, &m->intercept, "", err, cap)) < 0 ||
	    get_num(o, "l2", 0, &m->l2, "", err, cap) < 0)
		return -1;
	return get_count(o, "n", &m->n, "", err, cap);
}

int tl_model_read(struct tl_model *m, const char *text, size_t n, char *err, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->train_auc = m->train_log_loss = m->train_rmse = m->cv_auc = m->cv_rmse = NAN;
	size_t bad = tl_utf8_check(text, n);
	if (bad < n) {
		snprintf(err, cap, "invalid UTF-8 at byte %zu", bad + 1);
		return -1;
	}
	cJSON *o = cJSON_ParseWithLength(text, n);
	int rc = -1;
	if (!cJSON_IsObject(o)) {
		snprintf(err, cap, "not a JSON object");
		goto out;
	}
	if (!tl_json_strict(text, n)) {
		snprintf(err, cap, "%s", tl_json_strict_why);
		goto out;
	}
	if (no_duplicates(o, "", err, cap) < 0 || read_header(m, o, err, cap) < 0)
		goto out;
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(o, "features");
	if (!cJSON_IsArray(fs) || cJSON_GetArraySize(fs) == 0) {
		snprintf(err, cap, "'features' is missing or not a non-empty array");
		goto out;
	}
	m->feat = tl_xcalloc((size_t)cJSON_GetArraySize(fs), sizeof *m->feat);
	for (const cJSON *f = fs->child; f; f = f->next, m->p++)
		if (read_feature(f, m->p, &m->feat[m->p], m->nclass, err, cap) < 0) {
			m->p++;     /* free what the failed feature holds */
			goto out;
		}
	if (duplicate_feature(m, err, cap) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}
