/* model_files.c - the records of tl-model's stats and state files (DESIGN
 * §11, tl-model(1) SHARDED FITS): CSV of five fields, record,unit,i,j,value,
 * read by io/sidefile in the order they are written, and the settings
 * both files begin with. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "metrics/model_impl.h"
#include "util/err.h"
#include "util/num.h"

static const char header[] = "record,unit,i,j,value";

/* ---- writing --------------------------------------------------------------------- */

static void put_index(FILE *out, long v)
{
	if (v >= 0)
		fprintf(out, "%ld", v);
	fputc(',', out);
}

void put_rec(struct wr *w, const char *name, long unit, long i, long j)
{
	fprintf(w->f, "%s,", name);
	put_index(w->f, unit);
	put_index(w->f, i);
	put_index(w->f, j);
	w->n++;
}

void put_text(struct wr *w, const char *name, long i, const char *value)
{
	put_rec(w, name, -1, i, -1);
	tl_csv_put_field(w->f, value, strlen(value));
	fputc('\n', w->f);
}

void put_long(struct wr *w, const char *name, long unit, long i, long v)
{
	put_rec(w, name, unit, i, -1);
	fprintf(w->f, "%ld\n", v);
}

void put_num(struct wr *w, const char *name, long unit, long i, double v)
{
	put_rec(w, name, unit, i, -1);
	if (isfinite(v))
		fprintf(w->f, "%.17g", v);
	fputc('\n', w->f);
}

void put_xsum(struct wr *w, const char *name, long unit, long i, long j, const struct tl_xsum *s)
{
	if (!isfinite(tl_xsum_value(s)))
		tl_die(TL_EX_DATAERR, "the sum '%s' of unit %ld overflows: values too large to fit", name, unit);
	put_rec(w, name, unit, i, j);
	tl_xsum_print(s, w->f);
	fputc('\n', w->f);
}

void put_header(struct wr *w, const char *format)
{
	fprintf(w->f, "%s\n", header);
	put_text(w, "format", -1, format);
}

void put_settings(struct wr *w, const struct tl_fit *f)
{
	static const char *const kinds[] = {"logistic", "linear", "multinomial"};
	put_text(w, "kind", -1, kinds[f->set.kind]);
	put_text(w, "target", -1, f->set.target);
	put_num(w, "l2", -1, -1, f->set.l2);
	put_long(w, "folds", -1, -1, f->k);
	put_long(w, "features", -1, -1, (long)f->set.p);
	for (size_t j = 0; j < f->set.p; j++)
		put_text(w, "feature", (long)j, f->set.feat[j].spec);
	if (!fit_multi(f))
		return;
	put_long(w, "classes", -1, -1, (long)f->set.nclass);   /* 0 in pass 0: not known yet */
	for (size_t k = 0; k < f->set.nclass; k++)
		put_text(w, "class", (long)k, f->set.classes[k]);
}

void put_end(struct wr *w) { put_long(w, "end", -1, -1, w->n + 1); }

/* ---- reading ----------------------------------------------------------------------- */

void rec_die(const struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_vdie_at(TL_EX_DATAERR, r->file, r->line, fmt, ap);
}

static int is(const struct tl_str *s, const char *want)
{
	return s->n == strlen(want) && memcmp(s->p, want, s->n) == 0;
}

int rec_next(struct rec *r)
{
	if (!tl_sidefile_next(r->sf)) {
		r->line = tl_sidefile_lines(r->sf);
		return 0;
	}
	r->line = tl_sidefile_line(r->sf);
	r->f = tl_sidefile_fields(r->sf);
	if (tl_sidefile_nfields(r->sf) != 5)
		rec_die(r, "expected 5 fields (record,unit,i,j,value), found %zu", tl_sidefile_nfields(r->sf));
	r->count++;
	return 1;
}

void rec_open(struct rec *r, struct tl_sidefile *in, const char *file, const char *format)
{
	*r = (struct rec){.sf = in, .file = file};
	if (!tl_sidefile_next(in))
		rec_die(r, "empty file, not a %s file", format);
	const struct tl_str *f = tl_sidefile_fields(in);
	r->line = tl_sidefile_line(in);
	if (tl_sidefile_nfields(in) != 5 || !(is(&f[0], "record") && is(&f[1], "unit") && is(&f[2], "i") &&
					      is(&f[3], "j") && is(&f[4], "value")))
		rec_die(r, "not a %s file (its first line is not '%s')", format, header);
	if (!is(rec_expect(r, "format", -1, -1, -1), format))
		rec_die(r, "format '%.*s' is not '%s'", (int)r->f[4].n, r->f[4].p, format);
}

int rec_is(const struct rec *r, const char *name) { return is(&r->f[0], name); }

/* index_is: field s holds v (-1: empty). */
static int index_is(const struct tl_str *s, long v)
{
	char buf[24];
	if (v < 0)
		return s->n == 0;
	snprintf(buf, sizeof buf, "%ld", v);
	return is(s, buf);
}

static void where(char *buf, size_t cap, const char *name, long unit, long i, long j)
{
	int n = snprintf(buf, cap, "'%s'", name);
	if (unit >= 0)
		n += snprintf(buf + n, cap - (size_t)n, " of unit %ld", unit);
	if (i >= 0)
		n += snprintf(buf + n, cap - (size_t)n, " at i %ld", i);
	if (j >= 0)
		snprintf(buf + n, cap - (size_t)n, ", j %ld", j);
}

const struct tl_str *rec_expect(struct rec *r, const char *name, long unit, long i, long j)
{
	char want[96];
	where(want, sizeof want, name, unit, i, j);
	if (!rec_next(r))
		rec_die(r, "the file ends where a record %s is expected", want);
	if (!rec_is(r, name) || !index_is(&r->f[1], unit) || !index_is(&r->f[2], i) || !index_is(&r->f[3], j))
		rec_die(r, "expected the record %s here, found '%.*s,%.*s,%.*s,%.*s'", want, (int)r->f[0].n,
			r->f[0].p, (int)r->f[1].n, r->f[1].p, (int)r->f[2].n, r->f[2].p, (int)r->f[3].n, r->f[3].p);
	return &r->f[4];
}

const struct tl_str *rec_expect_y(struct rec *r, const char *name, long unit, long *y)
{
	if (!rec_next(r))
		rec_die(r, "the file ends where a record '%s' of unit %ld is expected", name, unit);
	*y = index_is(&r->f[2], 1);
	if (!rec_is(r, name) || !index_is(&r->f[1], unit) || !(*y || index_is(&r->f[2], 0)) || r->f[3].n)
		rec_die(r, "expected a record '%s' of unit %ld with i 0 or 1 here, found '%.*s,%.*s,%.*s,%.*s'", name,
			unit, (int)r->f[0].n, r->f[0].p, (int)r->f[1].n, r->f[1].p, (int)r->f[2].n, r->f[2].p,
			(int)r->f[3].n, r->f[3].p);
	return &r->f[4];
}

double rec_num(const struct rec *r, const struct tl_str *v)
{
	double x;
	if (tl_num_parse(v->p, v->n, &x) != 0 || !isfinite(x))
		rec_die(r, "'%.*s' is not a finite number", (int)v->n, v->p);
	return x;
}

long rec_count(const struct rec *r, const struct tl_str *v)
{
	double x;
	if (tl_num_parse(v->p, v->n, &x) != 0 || !(x >= 0 && x <= 9007199254740992.0 && x == floor(x)))
		rec_die(r, "'%.*s' is not a count", (int)v->n, v->p);
	return (long)x;
}

void rec_xsum(const struct rec *r, const struct tl_str *v, struct tl_xsum *s)
{
	if (tl_xsum_parse(s, v->p, v->n) < 0)
		rec_die(r, "'%.*s' is not a sum (numbers separated by single spaces)", (int)v->n, v->p);
}

uint64_t rec_hex(const struct rec *r, const struct tl_str *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < v->n; i++) {
		char c = v->p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0 || v->n != 16)
			rec_die(r, "'%.*s' is not a fingerprint (16 hex digits)", (int)v->n, v->p);
		x = x << 4 | (uint64_t)d;
	}
	if (v->n != 16)
		rec_die(r, "'%.*s' is not a fingerprint (16 hex digits)", (int)v->n, v->p);
	return x;
}

char *rec_text(const struct tl_str *v) { return tl_xstrndup(v->p, v->n); }

void rec_end(struct rec *r)
{
	if (rec_count(r, rec_expect(r, "end", -1, -1, -1)) != r->count)
		rec_die(r, "the end record counts %.*s records, the file has %ld", (int)r->f[4].n, r->f[4].p,
			r->count);
	if (rec_next(r))
		rec_die(r, "a record after the end record");
}

/* ---- the settings ------------------------------------------------------------------ */

/* rec_classes: a multinomial fit's classes: none (pass 0), or 2 or more
 * distinct ones in byte order. */
static void rec_classes(struct rec *r, struct tl_model *set, int k)
{
	long c = rec_count(r, rec_expect(r, "classes", -1, -1, -1));
	if (c == 1 || c > TL_MODEL_MAX_CLASSES || (c && tl_fit_size_classes(set->p, k, (size_t)c) > TL_FIT_MAX_SUMS))
		rec_die(r, "%ld classes: not a fit tl-model makes", c);
	set->classes = tl_xcalloc((size_t)(c ? c : 1), sizeof *set->classes);
	for (; set->nclass < (size_t)c; set->nclass++) {
		set->classes[set->nclass] = rec_text(rec_expect(r, "class", -1, (long)set->nclass, -1));
		if (!*set->classes[set->nclass] ||
		    (set->nclass && strcmp(set->classes[set->nclass - 1], set->classes[set->nclass]) >= 0)) {
			set->nclass++;
			rec_die(r, "class '%s' is empty or not after the one before in byte order", set->classes[set->nclass - 1]);
		}
	}
}

void rec_settings(struct rec *r, struct tl_model *set, int *k, long *line)
{
	char err[TL_MSG_MAX];
	const struct tl_str *v = rec_expect(r, "kind", -1, -1, -1);
	memset(set, 0, sizeof *set);
	line[SET_KIND] = r->line;
	if (!is(v, "logistic") && !is(v, "linear") && !is(v, "multinomial"))
		rec_die(r, "kind '%.*s' is not logistic, linear or multinomial", (int)v->n, v->p);
	set->kind = is(v, "logistic") ? TL_MODEL_LOGISTIC : is(v, "linear") ? TL_MODEL_LINEAR : TL_MODEL_MULTINOMIAL;
	set->target = rec_text(rec_expect(r, "target", -1, -1, -1));
	line[SET_TARGET] = r->line;
	set->l2 = rec_num(r, rec_expect(r, "l2", -1, -1, -1));
	line[SET_L2] = r->line;
	long folds = rec_count(r, rec_expect(r, "folds", -1, -1, -1));
	line[SET_FOLDS] = r->line;
	if (folds == 1 || folds > 1000 || set->l2 < 0)
		rec_die(r, "folds %ld or l2 %.17g is out of range", folds, set->l2);
	*k = (int)folds;
	long p = rec_count(r, rec_expect(r, "features", -1, -1, -1));
	line[SET_FEATURE] = r->line;
	if (p < 1 || tl_fit_size((size_t)p, *k) > TL_FIT_MAX_SUMS)
		rec_die(r, "%ld features with %d folds: not a fit tl-model makes", p, *k);
	set->feat = tl_xcalloc((size_t)p, sizeof *set->feat);
	for (; set->p < (size_t)p; set->p++) {
		char *spec = rec_text(rec_expect(r, "feature", -1, (long)set->p, -1));
		int bad = tl_feature_parse(spec, &set->feat[set->p], err, sizeof err);
		free(spec);
		if (bad < 0)
			rec_die(r, "%s", err);
		for (size_t j = 0; j < set->p; j++)
			if (strcmp(set->feat[j].spec, set->feat[set->p].spec) == 0) {
				set->p++;   /* freed with the others when the die is caught */
				rec_die(r, "feature '%s' is given twice", set->feat[j].spec);
			}
	}
	if (set->kind == TL_MODEL_MULTINOMIAL)
		rec_classes(r, set, *k);
}

int settings_differ(const struct tl_fit *f, const struct tl_model *set, int k, size_t *feature, char *what,
		    size_t cap)
{
	static const char *const kinds[] = {"logistic", "linear", "multinomial"};
	const struct tl_model *a = &f->set;
	if (a->kind != set->kind)
		return snprintf(what, cap, "kind %s, not %s", kinds[set->kind], kinds[a->kind]), SET_KIND;
	if (strcmp(a->target, set->target) != 0)
		return snprintf(what, cap, "target '%s', not '%s'", set->target, a->target), SET_TARGET;
	if (a->l2 != set->l2)
		return snprintf(what, cap, "l2 %.17g, not %.17g", set->l2, a->l2), SET_L2;
	if (f->k != k)
		return snprintf(what, cap, "%d folds, not %d", k, f->k), SET_FOLDS;
	for (size_t j = 0; j < a->p || j < set->p; j++)
		if (j >= a->p || j >= set->p || strcmp(a->feat[j].spec, set->feat[j].spec) != 0) {
			*feature = j >= a->p || j >= set->p ? 0 : j + 1;   /* 0: the count */
			if (!*feature)
				snprintf(what, cap, "%zu features, not %zu", set->p, a->p);
			else
				snprintf(what, cap, "feature %zu '%s', not '%s'", j + 1, set->feat[j].spec, a->feat[j].spec);
			return SET_FEATURE;
		}
	return -1;
}
