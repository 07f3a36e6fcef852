/* tl-model - learned scores from learner fields (DESIGN §11): --fit reads
 * labelled learner records and writes a JSON model (logistic regression by
 * IRLS or ridge regression, standardised features, optional K-fold
 * cross-validation); over shards, --fit --emit-stats writes a shard's sums
 * of one pass and --merge turns them into the next pass's state, or the
 * model (tl-model(1) SHARDED FITS); --model adds the model's prediction
 * to each record. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datadir.h"
#include "util/err.h"
#include "metrics/model.h"
#include "util/opts.h"
#include "util/out.h"
#include "record/field.h"
#include "record/run.h"

enum {
	OPT_CV = CHAR_MAX + 1, OPT_EMIT, OPT_FEATURES, OPT_FEATURES_FILE, OPT_FIELD, OPT_FIT, OPT_HOLDOUT,
	OPT_HOLDOUT_FIELD, OPT_KIND, OPT_L2, OPT_MERGE, OPT_MODEL, OPT_OOF, OPT_STATE, OPT_TARGET, OPT_TIMES
};

static const struct option longopts[] = {
	{.name = "cv", .has_arg = required_argument, .val = OPT_CV},
	{.name = "emit-stats", .has_arg = no_argument, .val = OPT_EMIT},
	{.name = "features", .has_arg = required_argument, .val = OPT_FEATURES},
	{.name = "features-file", .has_arg = required_argument, .val = OPT_FEATURES_FILE},
	{.name = "field", .has_arg = required_argument, .val = OPT_FIELD},
	{.name = "fit", .has_arg = no_argument, .val = OPT_FIT},
	{.name = "holdout", .has_arg = required_argument, .val = OPT_HOLDOUT},
	{.name = "holdout-field", .has_arg = required_argument, .val = OPT_HOLDOUT_FIELD},
	{.name = "kind", .has_arg = required_argument, .val = OPT_KIND},
	{.name = "l2", .has_arg = required_argument, .val = OPT_L2},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "model", .has_arg = required_argument, .val = OPT_MODEL},
	{.name = "oof", .has_arg = required_argument, .val = OPT_OOF},
	{.name = "state", .has_arg = required_argument, .val = OPT_STATE},
	{.name = "target", .has_arg = required_argument, .val = OPT_TARGET},
	{.name = "times", .has_arg = required_argument, .val = OPT_TIMES},
	TL_COMMON_LONGOPTS,
	{0}
};

#define L2_DEFAULT 1   /* --l2 */

struct options {
	int fit, emit, merge;
	const char *model;       /* --model FILE */
	const char *state;       /* --state FILE */
	const char *target;
	const char *field;       /* --field NAME */
	const char *times;       /* --times FIELD */
	const char *oof;         /* --oof FILE */
	double holdout;          /* --holdout F, else 0 */
	int holdout_set;
	char *ho_field, *ho_value;   /* --holdout-field FIELD=VALUE */
	struct tl_feature_specs specs;   /* --features, --features-file, in order */
	int kind_set, l2_set;
	enum tl_model_kind kind;
	double l2;
	int cv;
};

static const char synopsis[] =
	"usage: tl-model --fit --target FIELD --features LIST | --features-file FILE\n"
	"                [--kind logistic|linear|multinomial] [--l2 LAMBDA] [--cv K [--oof FILE]]\n"
	"                [--holdout F | --holdout-field FIELD=VALUE]\n"
	"                [--emit-stats [--state FILE]] [common options] [FILE ...]\n"
	"       tl-model --merge [--state FILE] [--output FILE] [STATS ...]\n"
	"       tl-model --model FILE [--field NAME] [--times FIELD] [common options] [FILE ...]\n";

static const char help[] =
	"Fit a logistic, linear or multinomial model on learner fields and write it as JSON (--fit),\n"
	"or add a model's prediction to each learner record (--model).\n\n"
	"      --fit                   fit a model; the output is the model file\n"
	"      --target FIELD          the field to predict (0/1 for logistic, a class for multinomial)\n"
	"      --features LIST         comma-separated feature specs: FIELD, log1p:FIELD,\n"
	"                              sqrt:FIELD (may be repeated)\n"
	"      --features-file FILE    feature specs, one a line ('#' comments)\n"
	"      --kind KIND             logistic (default), linear or multinomial\n"
	"      --l2 LAMBDA             L2 penalty on the standardised slopes (default " TL_XSTR(L2_DEFAULT) ")\n"
	"      --cv K                  also report K-fold cross-validated AUC or RMSE\n"
	"      --oof FILE              write each training record's out-of-fold prediction\n"
	"      --holdout F             hold out a fraction F of the learners (by id hash)\n"
	"                              and report the model's metrics on them\n"
	"      --holdout-field FIELD=VALUE  hold out the records whose FIELD is VALUE\n"
	"      --emit-stats            write this shard's sums of one pass (CSV), not the model\n"
	"      --state FILE            the state of the pass (written by --merge)\n"
	"      --merge                 sum the shards' stats files: write the next state,\n"
	"                              or the model file when the fit is complete\n"
	"      --model FILE            apply the model in FILE to each record\n"
	"      --field NAME            the prediction's field (default TARGET_probability,\n"
	"                              or TARGET_predicted for a linear or multinomial model)\n"
	"      --times FIELD           multiply the prediction by the record's number FIELD\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

/* ---- options ----------------------------------------------------------------- */

static void holdout_field(struct options *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		tl_usage_error("--holdout-field: '%s' is not FIELD=VALUE", arg);
	free(o->ho_field);
	free(o->ho_value);
	o->ho_field = tl_xstrndup(arg, (size_t)(eq - arg));
	o->ho_value = tl_xstrdup(eq + 1);
}

static void check_options(const struct options *o);

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1) {
		switch (opt) {
		case OPT_CV: o->cv = (int)tl_opt_long("--cv", optarg, 2, 1000); break;
		case OPT_EMIT: o->emit = 1; break;
		case OPT_FEATURES: tl_feature_specs_add_list(&o->specs, optarg); break;
		case OPT_FEATURES_FILE: tl_feature_specs_add_file(&o->specs, optarg); break;
		case OPT_FIELD: o->field = optarg; break;
		case OPT_FIT: o->fit = 1; break;
		case OPT_HOLDOUT: o->holdout = tl_opt_double("--holdout", optarg, 0, 1); o->holdout_set = 1; break;
		case OPT_HOLDOUT_FIELD: holdout_field(o, optarg); break;
		case OPT_KIND:
			if (strcmp(optarg, "logistic") && strcmp(optarg, "linear") && strcmp(optarg, "multinomial"))
				tl_usage_error("--kind: '%s' is not logistic, linear or multinomial", optarg);
			o->kind = strcmp(optarg, "logistic") == 0 ? TL_MODEL_LOGISTIC
				: strcmp(optarg, "linear") == 0 ? TL_MODEL_LINEAR : TL_MODEL_MULTINOMIAL;
			o->kind_set = 1;
			break;
		case OPT_L2: o->l2 = tl_opt_double("--l2", optarg, 0, 1e300); o->l2_set = 1; break;
		case OPT_MERGE: o->merge = 1; break;
		case OPT_MODEL: o->model = optarg; break;
		case OPT_OOF: o->oof = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_TARGET: o->target = optarg; break;
		case OPT_TIMES: o->times = optarg; break;
		default: usage(TL_EX_USAGE);
		}
	}
	check_options(o);
}

/* check_options: the options that go together. */
static void check_options(const struct options *o)
{
	if (o->fit + o->merge + !!o->model != 1)
		tl_usage_error("give one of --fit, --merge and --model FILE");
	if (o->emit && !o->fit)
		tl_usage_error("--emit-stats applies only with --fit");
	if (o->state && !o->emit && !o->merge)
		tl_usage_error("--state applies only with --emit-stats or --merge");
	if (o->state && !*o->state)
		tl_usage_error("--state: empty file name");
	if (o->fit && (!o->target || !*o->target))
		tl_usage_error("--fit needs --target FIELD");
	if (o->fit && !o->specs.n)
		tl_usage_error("--fit needs --features LIST or --features-file FILE");
	if (!o->model && (o->field || o->times))
		tl_usage_error("%s applies only with --model", o->field ? "--field" : "--times");
	if (o->times && !*o->times)
		tl_usage_error("--times: empty field name");
	if (!o->fit && (o->target || o->specs.n || o->kind_set || o->l2_set || o->cv))
		tl_usage_error("--target, --features, --kind, --l2 and --cv apply only with --fit");
	if (o->field && !*o->field)
		tl_usage_error("--field: empty name");
	if (!o->fit && (o->oof || o->holdout_set || o->ho_field))
		tl_usage_error("--oof, --holdout and --holdout-field apply only with --fit");
	if (o->oof && !o->cv)
		tl_usage_error("--oof needs --cv K (the predictions of the fold models)");
	if (o->oof && !*o->oof)
		tl_usage_error("--oof: empty file name");
	if (o->holdout_set && !(o->holdout > 0 && o->holdout < 1))
		tl_usage_error("--holdout: %g is not a fraction strictly between 0 and 1", o->holdout);
	if (o->holdout_set && o->ho_field)
		tl_usage_error("give one of --holdout and --holdout-field");
	if (o->emit && (o->holdout_set || o->ho_field))
		tl_usage_error("--holdout and --holdout-field apply only to a fit in one process, not with --emit-stats");
	if (o->fit && tl_fit_size(o->specs.n, o->cv) > TL_FIT_MAX_SUMS)
		tl_usage_error("%zu features with %d folds: the sums of a pass would take %.0f MiB, more than %.0f",
			       o->specs.n, o->cv, tl_fit_size(o->specs.n, o->cv) / 1048576, TL_FIT_MAX_SUMS / 1048576);
}

static void model_init(struct tl_model *m, const struct options *o)
{
	char err[TL_MSG_MAX];
	memset(m, 0, sizeof *m);
	m->kind = o->kind;
	m->target = tl_xstrdup(o->target);
	m->l2 = o->l2;
	m->feat = tl_xcalloc(o->specs.n, sizeof *m->feat);
	for (size_t j = 0; j < o->specs.n; j++, m->p++)
		if (tl_feature_parse(o->specs.spec[j], &m->feat[j], err, sizeof err) < 0)
			tl_usage_error("%s", err);
	m->cv_auc = m->cv_rmse = NAN;
}

/* What --fit reads, learner by learner: into rows, or a shard's sums. */
struct fitting {
	const struct options *o;
	struct tl_model m;
	struct tl_model_rows r, ho;       /* the training records; the held-out ones */
	struct tl_fit *fit;      /* --emit-stats: the pass, */
	struct tl_fit_sums *s;   /* and this shard's sums */
	FILE *oof;               /* --emit-stats --oof, in the metrics pass */
	double *oofp;            /* its class probabilities (multinomial) */
	struct tl_field_buf tb;
	struct tl_model_target cl;
	double *x;
	long n;                  /* training records */
	int cv;
};

/* held_out: the learner is held out of the fit (--holdout, --holdout-field). */
static int held_out(struct fitting *ft, const struct tl_learner *l)
{
	const struct options *o = ft->o;
	if (o->holdout_set)
		return tl_model_held_out(l->id.p, l->id.n, o->holdout);
	if (!o->ho_field)
		return 0;
	const struct tl_attr *a = tl_field_need(l, o->ho_field, "--holdout-field");
	tl_field_text(a, &ft->tb);
	return strcmp(ft->tb.p, o->ho_value) == 0;
}

/* shard_oof: a shard's out-of-fold prediction of l, in the metrics pass. */
static void shard_oof(struct fitting *ft, const struct tl_learner *l, int fold, double y)
{
	double one, *pred = ft->m.nclass ? ft->oofp : &one;
	if (ft->m.nclass)
		tl_fit_predict_classes(ft->fit, (size_t)fold + 1, ft->x, pred);
	else
		one = tl_fit_predict(ft->fit, (size_t)fold + 1, ft->x);
	tl_model_oof_row(ft->oof, &ft->m, l->id.p, l->id.n, fold, y, pred);
}

static void fit_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct fitting *ft = state;
	double y;
	(void)asof, (void)npast, (void)w;
	if (!tl_model_target_value(&ft->cl, &ft->m, l, &y)) {
		ft->m.skipped++;
		if (ft->s)
			tl_fit_skip(ft->s);
		return;
	}
	tl_model_values(l, &ft->m, ft->x);
	if (held_out(ft, l)) {
		tl_model_rows_add(&ft->ho, ft->x, ft->m.p, y, 0, &l->id);
		return;
	}
	int fold = ft->cv > 0 ? tl_model_fold(l->id.p, l->id.n, ft->cv) : 0;
	ft->n++;
	if (ft->s) {
		if (ft->m.kind == TL_MODEL_MULTINOMIAL)
			tl_fit_tag_class(ft->s, l->id.p, l->id.n, ft->x, ft->cl.tb.p, strlen(ft->cl.tb.p));
		else
			tl_fit_tag(ft->s, l->id.p, l->id.n, ft->x, y);
		tl_fit_add(ft->s, ft->x, y, fold);
		if (ft->oof)
			shard_oof(ft, l, fold, y);
	} else {
		tl_model_rows_add(&ft->r, ft->x, ft->m.p, y, fold, &l->id);
	}
}

/* holdout: the fitted model's metrics on the held-out records. */
static void holdout(struct fitting *ft)
{
	const struct options *o = ft->o;
	struct tl_model_data d = {ft->ho.X, ft->ho.y, NULL, ft->ho.n};
	if (!o->holdout_set && !o->ho_field)
		return;
	ft->m.ho.fraction = o->holdout;
	ft->m.ho.field = o->ho_field ? tl_xstrdup(o->ho_field) : NULL;
	ft->m.ho.value = o->ho_value ? tl_xstrdup(o->ho_value) : NULL;
	tl_model_holdout(&ft->m, &d);
}

/* set_classes: the model's classes, those of the training records in byte
 * order, each record's class renumbered; exits 65 on a held-out record of
 * a class without training records, or sums too large. */
static void set_classes(struct fitting *ft)
{
	long unseen = tl_model_classes_set(&ft->m, &ft->cl.known, ft->r.y, ft->r.n, ft->ho.y, ft->ho.n);
	size_t c = ft->m.nclass;
	if (unseen >= 0)
		tl_die(TL_EX_DATAERR, "held-out class '%s' of target '%s' has no training record",
		       ft->cl.known.name[unseen], ft->m.target);
	if (tl_fit_size_classes(ft->m.p, ft->cv, c) > TL_FIT_MAX_SUMS)
		tl_die(TL_EX_DATAERR, "%zu classes of %zu features with %d folds: the sums of a pass would take %.0f MiB, more than %.0f",
		       c, ft->m.p, ft->cv, tl_fit_size_classes(ft->m.p, ft->cv, c) / 1048576, TL_FIT_MAX_SUMS / 1048576);
}

/* fit_one: the fit in memory, the model file its output. */
static void fit_one(struct tl_run *run, struct fitting *ft, const struct tl_model_params *prm)
{
	struct tl_model_data d = {ft->r.X, ft->r.y, ft->r.fold, ft->r.n};
	char err[TL_MSG_MAX];
	if (ft->m.kind == TL_MODEL_MULTINOMIAL)
		set_classes(ft);
	double *oof = ft->o->oof ? tl_xmalloc((ft->r.n ? ft->r.n : 1) * (ft->m.nclass ? ft->m.nclass : 1) * sizeof *oof)
				 : NULL;
	if (tl_model_fit(&ft->m, &d, ft->cv, prm, oof, err, sizeof err) < 0)
		tl_die(TL_EX_DATAERR, "%s", err);
	holdout(ft);
	tl_model_write(&ft->m, tl_run_output(run));
	if (oof)
		tl_model_rows_write_oof(ft->o->oof, &ft->m, &ft->r, oof);
	free(oof);
	tl_model_report_fit(&ft->m);
	tl_model_gauges(run, &ft->m, ft->m.n, ft->m.skipped);
}

/* start_emit: the pass of a shard's --emit-stats, its sums, and with
 * --oof in the metrics pass the predictions file. */
static void start_emit(struct fitting *ft, const struct options *o, const struct tl_model_params *prm)
{
	ft->fit = o->state ? tl_fit_read_state(o->state, prm) : tl_fit_new(&ft->m, o->cv, prm);
	if (o->state)
		tl_fit_check(ft->fit, &ft->m, o->cv);
	ft->s = tl_fit_sums_new(ft->fit);
	ft->cl.s = ft->s;
	if (o->oof && tl_fit_oof_pass(ft->fit)) {
		char *const *names;
		size_t c = tl_fit_classes(ft->fit, &names);
		ft->m.classes = tl_xcalloc(c ? c : 1, sizeof *ft->m.classes);
		for (ft->m.nclass = 0; ft->m.nclass < c; ft->m.nclass++)
			ft->m.classes[ft->m.nclass] = tl_xstrdup(names[ft->m.nclass]);
		ft->oofp = tl_xcalloc(c ? c : 1, sizeof *ft->oofp);
		ft->oof = tl_output_open(o->oof);
		tl_model_oof_header(ft->oof, &ft->m);
	}
}

static int fit_main(const struct tl_common *c, const struct options *o, int nfiles, char **files)
{
	struct fitting ft = {.o = o, .cv = o->cv};
	struct tl_model_params prm = TL_MODEL_PARAMS_DEFAULTS;
	const char *out[2] = {c->output, o->oof}, *outopt[2] = {"--output", "--oof"};
	tl_paths_distinct(out, outopt, 2, files, nfiles);
	model_init(&ft.m, o);
	ft.x = tl_xmalloc(ft.m.p * sizeof *ft.x);
	ft.r.keep_ids = !!o->oof;
	if (o->emit)   /* in ft, reachable when a bad record exits */
		start_emit(&ft, o, &prm);
	struct tl_run *run = tl_run_open(c, nfiles, files, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = fit_learner, .report = 1};
	tl_run_all(run, &tool, &ft);
	if (o->emit) {
		tl_fit_emit(ft.s, tl_run_output(run));
		tl_model_gauges(run, &ft.m, ft.n, ft.m.skipped);
		if (ft.oof)
			tl_output_commit(ft.oof);
	} else {
		fit_one(run, &ft, &prm);
	}
	int rc = tl_run_close(run);
	tl_fit_sums_free(ft.s);
	tl_fit_free(ft.fit);
	tl_model_rows_free(&ft.r);
	tl_model_rows_free(&ft.ho);
	free(ft.tb.p);
	free(ft.oofp);
	tl_model_target_free(&ft.cl);
	free(ft.x);
	tl_model_free(&ft.m);
	return rc;
}

/* ---- --merge ---------------------------------------------------------------------- */

static int merge_main(const struct tl_common *c, const struct options *o, int nfiles, char **files)
{
	struct tl_model_params prm = TL_MODEL_PARAMS_DEFAULTS;
	struct tl_fit *fit = o->state ? tl_fit_read_state(o->state, &prm) : NULL;
	struct tl_fit_sums *s = tl_fit_merge(&fit, nfiles, files, &prm);
	char err[TL_MSG_MAX];
	if (tl_fit_step(fit, s, err, sizeof err) < 0) {
		tl_fit_sums_free(s);   /* before the die */
		tl_fit_free(fit);
		tl_die(TL_EX_DATAERR, "%s", err);
	}
	FILE *out = tl_output_open(c->output);
	if (tl_fit_done(fit)) {
		struct tl_model m;
		tl_fit_model(fit, &m);
		tl_model_write(&m, out);
		tl_model_report_fit(&m);
		tl_model_free(&m);
	} else {
		tl_fit_write_state(fit, out);
	}
	tl_output_commit(out);
	tl_fit_sums_free(s);
	tl_fit_free(fit);
	return TL_EX_OK;
}

/* ---- --model ------------------------------------------------------------------------ */


/* What applying a model needs, learner by learner. */
struct applying {
	const struct tl_model *m;
	const char *field;
	const char *times;       /* --times: the factor's field, or NULL */
	char **pfield;           /* multinomial: p_CLASS */
	double *x, *prob;
	long imputed;
};

static void apply_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct applying *ap = state;
	const struct tl_model *m = ap->m;
	(void)asof, (void)npast;
	ap->imputed += (long)tl_model_values(l, m, ap->x);
	if (m->kind != TL_MODEL_MULTINOMIAL) {
		double y = tl_model_predict(m, ap->x), k;
		if (ap->times && !tl_field_number(l, tl_field_need(l, ap->times, "--times"), &k))
			k = NAN;   /* an empty factor: an empty prediction */
		tl_put_num(w, ap->field, ap->times ? y * k : y);
		return;
	}
	size_t k = tl_model_predict_classes(m, ap->x, ap->prob);
	for (size_t c = 0; c < m->nclass; c++)
		tl_put_num(w, ap->pfield[c], ap->prob[c]);
	tl_put_text(w, ap->field, m->classes[k], strlen(m->classes[k]));
}

static void apply_columns(void *state, struct tl_writer *w)
{
	const struct applying *ap = state;
	for (size_t c = 0; ap->m->kind == TL_MODEL_MULTINOMIAL && c < ap->m->nclass; c++)
		tl_put_num(w, ap->pfield[c], NAN);
	tl_put_num(w, ap->field, NAN);
}

static int apply_main(const struct tl_common *c, const struct options *o, int nfiles, char **files)
{
	struct tl_model m;
	char found[TL_DATA_PATH_MAX];
	tl_model_load(tl_data_path(o->model, ".json", found, sizeof found), &m);   /* --model velocity-active */
	if (o->times && m.kind == TL_MODEL_MULTINOMIAL) {
		tl_model_free(&m);
		tl_usage_error("--times applies to a logistic or linear model, not to %s's classes", o->model);
	}
	char *field = o->field ? tl_xstrdup(o->field) : tl_model_pred_field(&m);
	struct applying ap = {.m = &m, .field = field, .times = o->times, .x = tl_xmalloc(m.p * sizeof *ap.x)};
	if (m.kind == TL_MODEL_MULTINOMIAL) {
		ap.prob = tl_xmalloc(m.nclass * sizeof *ap.prob);
		ap.pfield = tl_xmalloc(m.nclass * sizeof *ap.pfield);
		for (size_t k = 0; k < m.nclass; k++)
			ap.pfield[k] = tl_model_prob_field(&m, k);
	}
	struct tl_run *run = tl_run_open(c, nfiles, files, TL_READ_ROWS);
	static const struct tl_tool tool = {.learner = apply_learner, .one_thread = 1, .columns = apply_columns};
	tl_run_all(run, &tool, &ap);
	tl_run_gauge(run, "tl_model_imputed_values", "Empty feature values imputed with the training mean.",
		     NULL, (double)ap.imputed);
	int rc = tl_run_close(run);
	free(ap.x);
	free(ap.prob);
	for (size_t k = 0; ap.pfield && k < m.nclass; k++)
		free(ap.pfield[k]);
	free(ap.pfield);
	free(field);
	tl_model_free(&m);
	return rc;
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.kind = TL_MODEL_LOGISTIC, .l2 = L2_DEFAULT};

	tl_front_init("tl-model", argv, &common);
	parse_options(argc, argv, &common, &o);
	int rc = o.fit ? fit_main(&common, &o, argc - optind, argv + optind)
		 : o.merge ? merge_main(&common, &o, argc - optind, argv + optind)
		       : apply_main(&common, &o, argc - optind, argv + optind);
	tl_feature_specs_free(&o.specs);
	free(o.ho_field);
	free(o.ho_value);
	return rc;
}
