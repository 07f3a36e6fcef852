/* model.c - tl-model's features (DESIGN §11): the specs as given, feature
 * specs and their transforms, the K-fold of a learner id (by hash). The fitting is in
 * model_fit.c (the step from pass to pass) and model_pass.c (a pass's
 * sums), its files in model_files.c, model_stats.c and model_state.c, the
 * model file in model_json.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datadir.h"
#include "util/err.h"
#include "metrics/model.h"
#include "util/rng.h"

/* ---- feature specs as given ------------------------------------------------- */

static void add_spec(struct tl_feature_specs *fs, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (!n)
		tl_usage_error("--features: empty feature spec");
	char *spec = tl_xstrndup(s, n);
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->spec[i], spec) == 0)
			tl_usage_error("feature '%s' is given twice", spec);
	fs->spec = tl_xrealloc(fs->spec, (fs->n + 1) * sizeof *fs->spec);
	fs->spec[fs->n++] = spec;
}

void tl_feature_specs_add_list(struct tl_feature_specs *fs, const char *list)
{
	for (const char *p = list;; ) {
		const char *comma = strchr(p, ',');
		add_spec(fs, p, comma ? (size_t)(comma - p) : strlen(p));
		if (!comma)
			break;
		p = comma + 1;
	}
}

void tl_feature_specs_add_file(struct tl_feature_specs *fs, const char *path)
{
	char found[TL_DATA_PATH_MAX];
	path = tl_data_path(path, ".features", found, sizeof found);   /* --features-file churn */
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (!f)
		tl_die(TL_EX_NOINPUT, "%s:", path);
	while ((n = getline(&line, &cap, f)) > 0) {
		char *hash = strchr(line, '#');
		size_t len = hash ? (size_t)(hash - line) : (size_t)n;
		while (len && strchr(" \t\r\n", line[len - 1]))
			len--;
		size_t start = strspn(line, " \t");
		if (start < len)
			add_spec(fs, line + start, len - start);
	}
	if (ferror(f))
		tl_die(TL_EX_IOERR, "%s:", path);
	free(line);
	fclose(f);
}

void tl_feature_specs_free(struct tl_feature_specs *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->spec[i]);
	free(fs->spec);
	fs->spec = NULL;
	fs->n = 0;
}

/* ---- features -------------------------------------------------------------- */

static const char *const tf_names[] = {"none", "log1p", "sqrt"};

const char *tl_transform_name(enum tl_transform tf) { return tf_names[tf]; }

int tl_feature_parse(const char *spec, struct tl_feature *f, char *err, size_t cap)
{
	const char *colon = strchr(spec, ':'), *name = spec;
	memset(f, 0, sizeof *f);
	f->tf = TL_TF_NONE;
	if (colon) {
		size_t k = (size_t)(colon - spec);
		if (k == 5 && memcmp(spec, "log1p", 5) == 0)
			f->tf = TL_TF_LOG1P;
		else if (k == 4 && memcmp(spec, "sqrt", 4) == 0)
			f->tf = TL_TF_SQRT;
		else {
			snprintf(err, cap, "feature '%s': unknown transform '%.*s' (valid: log1p, sqrt)", spec, (int)k, spec);
			return -1;
		}
		name = colon + 1;
	}
	if (!*name) {
		snprintf(err, cap, "feature '%s': empty field name", spec);
		return -1;
	}
	f->spec = tl_xstrdup(spec);
	f->field = tl_xstrdup(name);
	return 0;
}

int tl_transform_apply(enum tl_transform tf, double x, double *out)
{
	if (!isfinite(x))
		return -1;
	switch (tf) {
	case TL_TF_LOG1P:
		if (x <= -1)
			return -1;
		*out = log1p(x);
		return 0;
	case TL_TF_SQRT:
		if (x < 0)
			return -1;
		*out = sqrt(x);
		return 0;
	default:
		*out = x;
		return 0;
	}
}

int tl_model_fold(const char *id, size_t n, int k)
{
	return (int)(tl_hash64(id, n, TL_MODEL_FOLD_SALT) % (uint64_t)k);
}

void tl_model_free(struct tl_model *m)
{
	for (size_t j = 0; j < m->p; j++) {
		free(m->feat[j].spec);
		free(m->feat[j].field);
		free(m->feat[j].mcoef);
	}
	free(m->feat);
	for (size_t k = 0; k < m->nclass; k++)
		free(m->classes[k]);
	free(m->classes);
	free(m->mint);
	free(m->class_n);
	free(m->target);
	free(m->cv_fold);
	free(m->cv_fold_n);
	free(m->ho.field);
	free(m->ho.value);
	memset(m, 0, sizeof *m);
}
