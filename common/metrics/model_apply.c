/* model_apply.c - applying a tl-model model file to learner records
 * (DESIGN §11): the file read and checked, a learner's feature values
 * (tl-model --model, tl-score --model), and the reason of a multinomial
 * model's class: the features that favour it most. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model.h"
#include "record/field.h"
#include "util/err.h"
#include "util/file.h"

void tl_model_load(const char *path, struct tl_model *m)
{
	char *text, err[TL_MSG_MAX];
	size_t n;
	int rc = tl_read_file(path, &text, &n);
	if (rc)
		tl_die(rc, "%s:", path);
	rc = tl_model_read(m, text, n, err, sizeof err);
	free(text);
	if (rc < 0) {
		tl_model_free(m);
		tl_die(TL_EX_DATAERR, "%s: bad model: %s", path, err);
	}
}

double tl_model_value(const struct tl_learner *l, const struct tl_feature *f)
{
	const struct tl_attr *a = tl_learner_attr(l, f->field);
	double x, v;
	if (!a) {
		char used_by[256];
		snprintf(used_by, sizeof used_by, "feature '%s'", f->spec);
		tl_field_missing(l, f->field, used_by);
	}
	if (tl_field_number(l, a, &x) == 0)
		return NAN;
	if (tl_transform_apply(f->tf, x, &v) < 0)
		tl_field_die(l, ": feature '%s': %.17g is outside the domain of %s", f->spec, x,
			     f->tf == TL_TF_NONE ? "a number (not finite)" :
			     f->tf == TL_TF_LOG1P ? "log1p (x > -1)" : "sqrt (x >= 0)");
	return v;
}

size_t tl_model_values(const struct tl_learner *l, const struct tl_model *m, double *x)
{
	size_t empty = 0;
	for (size_t j = 0; j < m->p; j++) {
		x[j] = tl_model_value(l, &m->feat[j]);
		empty += isnan(x[j]);
	}
	return empty;
}

/* contribution: feature j's push of class k above the mean class at x:
 * (b_jk - mean_l b_jl) z_j. */
static double contribution(const struct tl_model *m, size_t j, size_t k, const double *x, double *z)
{
	const struct tl_feature *f = &m->feat[j];
	double mean = 0;
	for (size_t l = 0; l < m->nclass; l++)
		mean += f->mcoef[l];
	mean /= (double)m->nclass;
	*z = isnan(x[j]) || !(f->sd > 0) ? 0 : (x[j] - f->mean) / f->sd;
	return (f->mcoef[k] - mean) * *z;
}

void tl_model_reason(const struct tl_model *m, const double *x, size_t k, const double *prob, char *buf, size_t cap)
{
	size_t best[TL_MODEL_REASONS], nbest = 0, len;
	double c[TL_MODEL_REASONS], z[TL_MODEL_REASONS];
	for (size_t j = 0; j < m->p; j++) {
		double zj, cj = contribution(m, j, k, x, &zj);
		if (!(cj > 0))
			continue;
		size_t at = nbest < TL_MODEL_REASONS ? nbest++ : TL_MODEL_REASONS;
		while (at > 0 && c[at - 1] < cj) {   /* descending; a tie keeps the feature order */
			if (at < TL_MODEL_REASONS)
				best[at] = best[at - 1], c[at] = c[at - 1], z[at] = z[at - 1];
			at--;
		}
		if (at < TL_MODEL_REASONS)
			best[at] = j, c[at] = cj, z[at] = zj;
	}
	len = (size_t)snprintf(buf, cap, "model p=%.2f", prob[k]);
	for (size_t i = 0; i < nbest && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s %+.1fsd", i ? ", " : ": ", m->feat[best[i]].spec, z[i]);
}
