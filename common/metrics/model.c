/* model.c - tl-model's features (DESIGN §11): feature specs and their
 * transforms, the K-fold of a learner id (by hash). The fitting is in
 * model_fit.c (the step from pass to pass) and model_pass.c (a pass's
 * sums), its files in model_files.c, model_stats.c and model_state.c, the
 * model file in model_json.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "metrics/model.h"
#include "util/rng.h"

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
