/* model_rows.c - what tl-model --fit reads from a learner record in one
 * process (DESIGN §11): the target's value (a 0/1 field, a number, or a
 * class of a multinomial target), and the training and held-out records
 * buffered as rows of transformed values, with the learner ids that
 * --oof writes back in input order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/model.h"
#include "record/field.h"
#include "util/err.h"
#include "util/out.h"

/* class_value: the class of a's text in *y (a new one added), or 0 when empty. */
static int class_value(struct tl_model_target *t, const struct tl_learner *l, const struct tl_attr *a, double *y)
{
	size_t n = tl_field_text(a, &t->tb);
	if (n == 0)
		return 0;
	long k = t->s ? tl_fit_class(t->s, t->tb.p, n) : tl_model_class_of(&t->known, t->tb.p, n);
	if (k == -1 && t->s)
		tl_field_bad(l, a, "is none of the classes of pass 0 (did the input change?)");
	if (k < 0)
		tl_field_bad(l, a, "is a class beyond the " TL_XSTR(TL_MODEL_MAX_CLASSES) " a multinomial target may have");
	*y = (double)k;
	return 1;
}

int tl_model_target_value(struct tl_model_target *t, const struct tl_model *m, const struct tl_learner *l, double *y)
{
	const struct tl_attr *a = tl_field_need(l, m->target, "--target");
	if (m->kind == TL_MODEL_MULTINOMIAL)
		return class_value(t, l, a, y);
	if (m->kind == TL_MODEL_LOGISTIC) {
		int b = tl_field_boolean_for(l, a, "a logistic model needs 0 or 1 (use --kind linear for numbers)");
		*y = b;
		return b >= 0;
	}
	if (tl_field_number(l, a, y) == 0)
		return 0;
	if (!isfinite(*y))
		tl_field_bad(l, a, "is not a number");
	return 1;
}

void tl_model_target_free(struct tl_model_target *t)
{
	free(t->tb.p);
	tl_model_classes_free(&t->known);
}

static void rows_add_id(struct tl_model_rows *r, const struct tl_str *id)
{
	if (r->n == 1)
		r->off[0] = 0;
	if (r->ids_len + id->n > r->ids_cap) {
		r->ids_cap = 2 * (r->ids_cap + id->n) + 1024;
		r->ids = tl_xrealloc(r->ids, r->ids_cap);
	}
	memcpy(r->ids + r->ids_len, id->p, id->n);
	r->ids_len += id->n;
	r->off[r->n] = r->ids_len;
}

void tl_model_rows_add(struct tl_model_rows *r, const double *x, size_t p, double y, int fold, const struct tl_str *id)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->X = tl_xrealloc(r->X, r->cap * p * sizeof *r->X);
		r->y = tl_xrealloc(r->y, r->cap * sizeof *r->y);
		r->fold = tl_xrealloc(r->fold, r->cap * sizeof *r->fold);
		if (r->keep_ids)
			r->off = tl_xrealloc(r->off, (r->cap + 1) * sizeof *r->off);
	}
	memcpy(r->X + r->n * p, x, p * sizeof *x);
	r->y[r->n] = y;
	r->fold[r->n] = fold;
	r->n++;
	if (r->keep_ids)
		rows_add_id(r, id);
}

void tl_model_rows_write_oof(const char *path, const struct tl_model *m, const struct tl_model_rows *r,
			     const double *oof)
{
	FILE *f = tl_output_open(path);
	tl_model_oof_header(f, m);
	for (size_t i = 0; i < r->n; i++)
		tl_model_oof_row(f, m, r->ids + r->off[i], r->off[i + 1] - r->off[i], r->fold[i], r->y[i],
				 oof + i * (m->nclass ? m->nclass : 1));
	tl_output_commit(f);
}

void tl_model_rows_free(struct tl_model_rows *r)
{
	free(r->X);
	free(r->y);
	free(r->fold);
	free(r->ids);
	free(r->off);
}
