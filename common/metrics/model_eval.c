/* model_eval.c - tl-model's evaluations beyond the fit (DESIGN §11): the
 * held-out split of the learners (by a hash of the id, with its own salt)
 * and the model's metrics on the held-out records; the out-of-fold
 * predictions file; the fit's lines on stderr and its --metrics gauges. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/eval.h"
#include "metrics/model_impl.h"
#include "io/csvrow.h"
#include "record/run.h"
#include "util/err.h"
#include "util/rng.h"

int tl_model_held_out(const char *id, size_t n, double fraction)
{
	uint64_t h = tl_hash64(id, n, TL_MODEL_HOLDOUT_SALT);
	return (double)(h >> 11) * 0x1p-53 < fraction;
}

char *tl_model_prob_field(const struct tl_model *m, size_t k)
{
	char *field = tl_xmalloc(strlen(m->classes[k]) + 3);
	return strcat(strcpy(field, "p_"), m->classes[k]);
}

char *tl_model_pred_field(const struct tl_model *m)
{
	const char *suffix = m->kind == TL_MODEL_LOGISTIC ? "_probability" : "_predicted";
	char *field = tl_xmalloc(strlen(m->target) + strlen(suffix) + 1);
	return strcat(strcpy(field, m->target), suffix);
}

/* ---- the classes of a fit in memory ------------------------------------------ */

long tl_model_class_of(struct tl_model_classes *c, const char *s, size_t n)
{
	for (size_t k = 0; k < c->n; k++)
		if (strlen(c->name[k]) == n && memcmp(c->name[k], s, n) == 0)
			return (long)k;
	if (c->n == TL_MODEL_MAX_CLASSES)
		return -1;
	c->name = tl_xrealloc(c->name, (c->n + 1) * sizeof *c->name);
	c->name[c->n] = tl_xstrndup(s, n);
	return (long)c->n++;
}

static const char *const *sort_names;

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_names[*(const size_t *)a], sort_names[*(const size_t *)b]);
}

long tl_model_classes_set(struct tl_model *m, const struct tl_model_classes *c, double *y, size_t n, double *yh,
			  size_t nh)
{
	size_t *order = tl_xmalloc((c->n ? c->n : 1) * sizeof *order), *rank = tl_xmalloc((c->n ? c->n : 1) * sizeof *rank);
	size_t used = 0;
	long unseen = -1;
	for (size_t k = 0; k < c->n; k++)
		rank[k] = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		rank[(size_t)y[i]] = 0;   /* has a training record */
	for (size_t k = 0; k < c->n; k++)
		if (rank[k] == 0)
			order[used++] = k;
	sort_names = (const char *const *)c->name;
	qsort(order, used, sizeof *order, by_name);
	m->classes = tl_xcalloc(used ? used : 1, sizeof *m->classes);
	for (size_t k = 0; k < used; k++) {
		rank[order[k]] = k;
		m->classes[k] = tl_xstrdup(c->name[order[k]]);
	}
	m->nclass = used;
	for (size_t i = 0; i < n; i++)
		y[i] = (double)rank[(size_t)y[i]];
	for (size_t i = 0; i < nh && unseen < 0; i++) {
		if (rank[(size_t)yh[i]] == SIZE_MAX)
			unseen = (long)yh[i];
		yh[i] = (double)rank[(size_t)yh[i]];
	}
	free(order);
	free(rank);
	return unseen;
}

void tl_model_classes_free(struct tl_model_classes *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->name[k]);
	free(c->name);
	memset(c, 0, sizeof *c);
}

/* ---- held out -------------------------------------------------------------- */

/* model_eta: m's linear predictor for x, in tl_model_predict's order. */
static double model_eta(const struct tl_model *m, const double *x)
{
	double eta = m->intercept;
	for (size_t j = 0; j < m->p; j++)
		eta += m->feat[j].coef * fit_zval(x[j], m->feat[j].mean, m->feat[j].sd);
	return eta;
}

static void holdout_binary(struct tl_model *m, const struct tl_model_data *d)
{
	struct tl_eval_pair *pr = tl_xmalloc((d->n ? d->n : 1) * sizeof *pr);
	struct tl_xsum loss = {0};
	for (size_t i = 0; i < d->n; i++) {
		double eta = model_eta(m, d->X + i * m->p);
		pr[i] = (struct tl_eval_pair){fit_sigmoid(eta), d->y[i] > 0.5};
		tl_xsum_add(&loss, fit_loss(eta, d->y[i]));
	}
	m->ho.auc = tl_eval_roc_auc(pr, d->n);
	m->ho.log_loss = d->n ? tl_xsum_value(&loss) / (double)d->n : NAN;
	free(pr);
}

static void holdout_classes(struct tl_model *m, const struct tl_model_data *d)
{
	size_t c = m->nclass;
	long *conf = tl_xcalloc(c * c, sizeof *conf);
	double *prob = tl_xmalloc(c * sizeof *prob);
	struct tl_xsum loss = {0};
	for (size_t i = 0; i < d->n; i++) {
		size_t y = (size_t)d->y[i], k = tl_model_predict_classes(m, d->X + i * m->p, prob);
		conf[y * c + k]++;
		tl_xsum_add(&loss, -log(prob[y]));
	}
	tl_model_class_metrics(conf, c, &m->ho.accuracy, &m->ho.macro_f1);
	m->ho.log_loss = d->n ? tl_xsum_value(&loss) / (double)d->n : NAN;
	free(conf);
	free(prob);
}

void tl_model_holdout(struct tl_model *m, const struct tl_model_data *d)
{
	m->ho.n = (long)d->n;
	m->ho.auc = m->ho.log_loss = m->ho.rmse = m->ho.accuracy = m->ho.macro_f1 = NAN;
	if (m->kind == TL_MODEL_LOGISTIC) {
		holdout_binary(m, d);
		return;
	}
	if (m->kind == TL_MODEL_MULTINOMIAL) {
		holdout_classes(m, d);
		return;
	}
	struct tl_xsum sq = {0};
	for (size_t i = 0; i < d->n; i++) {
		double e = tl_model_predict(m, d->X + i * m->p) - d->y[i];
		tl_xsum_add(&sq, e * e);
	}
	m->ho.rmse = d->n ? sqrt(tl_xsum_value(&sq) / (double)d->n) : NAN;
}

/* ---- the out-of-fold predictions -------------------------------------------- */

static void put_field(FILE *f, char *owned)
{
	fputc(',', f);
	tl_csv_put_field(f, owned, strlen(owned));
	free(owned);
}

void tl_model_oof_header(FILE *f, const struct tl_model *m)
{
	fputs("learner_id,fold", f);
	put_field(f, tl_xstrdup(m->target));
	for (size_t k = 0; m->kind == TL_MODEL_MULTINOMIAL && k < m->nclass; k++)
		put_field(f, tl_model_prob_field(m, k));
	put_field(f, tl_model_pred_field(m));
	fputc('\n', f);
}

/* put_class: ",CLASS" */
static void put_class(FILE *f, const struct tl_model *m, size_t k)
{
	fputc(',', f);
	tl_csv_put_field(f, m->classes[k], strlen(m->classes[k]));
}

void tl_model_oof_row(FILE *f, const struct tl_model *m, const char *id, size_t n, int fold, double y,
		      const double *pred)
{
	tl_csv_put_field(f, id, n);
	fprintf(f, ",%d", fold);
	if (m->kind == TL_MODEL_LOGISTIC) {
		fprintf(f, ",%d,%.17g\n", y > 0.5, pred[0]);
	} else if (m->kind == TL_MODEL_LINEAR) {
		fprintf(f, ",%.17g,%.17g\n", y, pred[0]);
	} else {
		size_t best = 0;
		put_class(f, m, (size_t)y);
		for (size_t k = 0; k < m->nclass; k++) {
			fprintf(f, ",%.17g", pred[k]);
			best = pred[k] > pred[best] ? k : best;
		}
		put_class(f, m, best);
		fputc('\n', f);
	}
}

/* ---- the fit's report ------------------------------------------------------- */

/* report_classes: a multinomial fit's lines. */
static void report_classes(const struct tl_model *m)
{
	if (m->cv_k)
		tl_warn("%d-fold cross-validated accuracy %.6g, macro F1 %.6g, log loss %.6g (n %ld; training macro F1 %.6g)",
			m->cv_k, m->cv_accuracy, m->cv_macro_f1, m->cv_log_loss, m->n, m->train_macro_f1);
	if (m->ho.field || m->ho.fraction > 0)
		tl_warn("held-out accuracy %.6g, macro F1 %.6g, log loss %.6g (n %ld, not in the %ld training records)",
			m->ho.accuracy, m->ho.macro_f1, m->ho.log_loss, m->ho.n, m->n);
}

void tl_model_report_fit(const struct tl_model *m)
{
	int logistic = m->kind == TL_MODEL_LOGISTIC;
	if (m->skipped)
		tl_warn("skipped %ld record%s with an empty target '%s'", m->skipped, m->skipped == 1 ? "" : "s", m->target);
	if (m->kind == TL_MODEL_MULTINOMIAL) {
		report_classes(m);
		return;
	}
	if (m->cv_k)
		tl_warn("%d-fold cross-validated %s %.6g (n %ld; training %s %.6g)", m->cv_k,
			logistic ? "ROC AUC" : "RMSE", logistic ? m->cv_auc : m->cv_rmse, m->n,
			logistic ? "AUC" : "RMSE", logistic ? m->train_auc : m->train_rmse);
	if (m->ho.field || m->ho.fraction > 0)
		tl_warn("held-out %s %.6g (n %ld, not in the %ld training records)", logistic ? "ROC AUC" : "RMSE",
			logistic ? m->ho.auc : m->ho.rmse, m->ho.n, m->n);
}

void tl_model_gauges(struct tl_run *run, const struct tl_model *m, long n, long skipped)
{
	int logistic = m->kind == TL_MODEL_LOGISTIC, multi = m->kind == TL_MODEL_MULTINOMIAL;
	const char *cv = logistic ? "tl_model_cv_auc" : multi ? "tl_model_cv_macro_f1" : "tl_model_cv_rmse";
	const char *ho = logistic ? "tl_model_holdout_auc" : multi ? "tl_model_holdout_macro_f1" : "tl_model_holdout_rmse";
	tl_run_gauge(run, "tl_model_training_records", "Records the model was fitted on.", NULL, (double)n);
	tl_run_gauge(run, "tl_model_skipped_records", "Records skipped for an empty target.", NULL, (double)skipped);
	if (m->cv_k)
		tl_run_gauge(run, cv, "Cross-validated metric of the fitted model.", NULL,
			     logistic ? m->cv_auc : multi ? m->cv_macro_f1 : m->cv_rmse);
	if (m->ho.field || m->ho.fraction > 0) {
		tl_run_gauge(run, "tl_model_holdout_records", "Records held out of the fit.", NULL, (double)m->ho.n);
		tl_run_gauge(run, ho, "The fitted model's metric on the held-out records.", NULL,
			     logistic ? m->ho.auc : multi ? m->ho.macro_f1 : m->ho.rmse);
	}
}
