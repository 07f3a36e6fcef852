/* columns.c - the columns of an export, the values and types of a
 * learner, and the run's summary (export.h). */
#include <errno.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/tltime.h"
#include "export/export.h"

/* ---- types ------------------------------------------------------------ */

static size_t digits(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* json_number: s[0..n) is a JSON number; *integral: without fraction or
 * exponent; *exp: with an exponent. */
static int json_number(const char *s, size_t n, int *integral, int *exp)
{
	size_t i = (n && s[0] == '-'), j;
	if (i == n)
		return 0;
	if (s[i] == '0')
		j = i + 1;
	else if ((j = digits(s, i, n)) == i)
		return 0;
	*integral = 1, *exp = 0;
	if (j < n && s[j] == '.') {
		size_t k = digits(s, j + 1, n);
		if (k == j + 1)
			return 0;
		j = k, *integral = 0;
	}
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		size_t k = j + 1 + (j + 1 < n && (s[j + 1] == '+' || s[j + 1] == '-')), m = digits(s, k, n);
		if (m == k)
			return 0;
		j = m, *integral = 0, *exp = 1;
	}
	return j == n;
}

static int all_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '1' && s[i] <= '9')
			return 0;
	return 1;
}

enum tl_xtype tl_xtype_of(const char *s, size_t n)
{
	int integral, exp;
	char buf[64];
	if (!n)
		return TL_XT_NULL;
	if (!json_number(s, n, &integral, &exp) || n >= sizeof buf)
		return TL_XT_TEXT;
	if (s[0] == '-' && !exp && all_zero(s, n))
		return TL_XT_TEXT;   /* SQLite keeps no negative zero: "-0" would read back as 0 */
	if (integral && n < 19)
		return TL_XT_INTEGER;   /* at most 18 digits: fits 64 bits */
	if (!integral && !exp)
		return TL_XT_REAL;      /* under 64 digits and no exponent: finite */
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	if (integral) {
		long long v = strtoll(buf, NULL, 10);
		if (errno == 0 && v)
			return TL_XT_INTEGER;
		if (errno == 0 && s[0] != '-')
			return TL_XT_INTEGER;
		errno = 0;
	}
	double d = strtod(buf, NULL);
	if (d == 0 && s[0] == '-')
		return TL_XT_TEXT;   /* SQLite keeps no negative zero: "-0" would read back as 0 */
	return errno == ERANGE && (d > 1 || d < -1) ? TL_XT_TEXT : TL_XT_REAL;   /* overflow: no REAL holds it */
}

const char *tl_xtype_name(enum tl_xtype t)
{
	return t == TL_XT_INTEGER ? "INTEGER" : t == TL_XT_REAL ? "REAL" : "TEXT";
}

/* utf8_len: the length of the UTF-8 character at s (n bytes left), or 0
 * when it is not one (overlong forms, surrogates and values past U+10FFFF
 * included). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (!k || k > n || s[0] > 0xF4)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) || (s[0] == 0xF0 && s[1] < 0x90) ||
	    (s[0] == 0xF4 && s[1] >= 0x90))
		return 0;
	return k;
}

const char *tl_xname_bad(const char *s, size_t n)
{
	if (!n)
		return "is empty";
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return "has a control character";
		size_t k = utf8_len((const unsigned char *)s + i, n - i);
		if (!k)
			return "is not UTF-8";
		i += k;
	}
	return NULL;
}

/* ---- columns ---------------------------------------------------------- */

static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z') x += 32;
		if (y >= 'A' && y <= 'Z') y += 32;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

long tl_xcols_find(const struct tl_xcols *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (same_name(x->c[i].name, name))
			return (long)i;
	return -1;
}

static int skipped_member(struct tl_str name)
{
	return (name.n == 10 && memcmp(name.p, "learner_id", 10) == 0) || (name.n == 6 && memcmp(name.p, "events", 6) == 0);
}

/* add: column name[0..n), checked; from_option: it comes from --fields
 * (a usage error), else from learner l. */
static void add(struct tl_xcols *x, const char *name, size_t n, const struct tl_learner *l, int from_option)
{
	char q[TL_FIELD_QUOTE_BUF], what[TL_MSG_MAX];
	const char *why = tl_xname_bad(name, n);
	tl_field_quote(name, n, q);
	if (why)
		snprintf(what, sizeof what, "field name '%s' cannot be a column: it %s", q, why);
	x->c = tl_xrealloc(x->c, (x->n + 1) * sizeof *x->c);
	struct tl_xcol *c = &x->c[x->n];
	*c = (struct tl_xcol){.name = tl_xstrndup(name, n), .hint = x->n ? x->n - 1 : 0};
	long twin = why ? -1 : tl_xcols_find(x, c->name);
	if (twin >= 0)
		snprintf(what, sizeof what, "fields '%s' and '%s' collide: column names ignore ASCII case",
			 x->c[twin].name, q);
	x->n++;
	if (!why && twin < 0)
		return;
	if (from_option)
		tl_usage_error("--fields: %s", what);
	tl_die_at(TL_EX_DATAERR, l->file, l->line, "%s", what);
}

void tl_xcols_init(struct tl_xcols *x, const char *fields, const struct tl_learner *first)
{
	*x = (struct tl_xcols){.all = !fields};
	add(x, "learner_id", 10, first, 0);
	if (fields) {
		for (const char *p = fields;; p++) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			if (!(n == 10 && memcmp(p, "learner_id", 10) == 0))
				add(x, p, n, first, 1);
			if (!e)
				break;
			p = e;
		}
	} else if (first) {
		for (size_t i = 0; i < first->nattrs; i++)
			if (!skipped_member(first->attrs[i].name))
				add(x, first->attrs[i].name.p, first->attrs[i].name.n, first, 0);
	}
	x->v = tl_xcalloc(x->n, sizeof *x->v);
}

/* extra_field: without --fields, l has a field that is not a column
 * (or one twice): exit 65 naming it. */
static void extra_field(const struct tl_xcols *x, const struct tl_learner *l)
{
	size_t seen = 0;
	for (size_t i = 0; i < l->nattrs; i++) {
		struct tl_str name = l->attrs[i].name;
		if (skipped_member(name))
			continue;
		char q[TL_FIELD_QUOTE_BUF];
		tl_field_quote(name.p, name.n, q);
		long k = -1;
		for (size_t j = 1; j < x->n && k < 0; j++)
			if (strlen(x->c[j].name) == name.n && memcmp(x->c[j].name, name.p, name.n) == 0)
				k = (long)j;
		if (k < 0)
			tl_field_die(l, " has field '%s', which the first learner has not (every learner needs the same fields)", q);
		if (++seen == x->n)
			tl_field_die(l, " has field '%s' twice", q);
	}
}

/* widen: column c meets value v of l. */
static void widen(struct tl_xcol *c, const struct tl_xval *v, const struct tl_learner *l)
{
	c->type = v->type;
	c->file = l->file;
	c->line = l->line;
	tl_field_quote(v->p, v->n, c->sample);
}

void tl_xcols_values(struct tl_xcols *x, const struct tl_learner *l)
{
	size_t members = 0;
	x->v[0] = (struct tl_xval){l->id.p, l->id.n, TL_XT_TEXT};
	for (size_t i = 1; i < x->n; i++) {
		struct tl_xcol *c = &x->c[i];
		const struct tl_attr *a = tl_field_need_at(l, c->name, NULL, &c->hint);
		struct tl_xval *v = &x->v[i];
		if (a->json && a->value.n == 4 && memcmp(a->value.p, "true", 4) == 0)
			*v = (struct tl_xval){"1", 1, TL_XT_INTEGER};
		else if (a->json && a->value.n == 5 && memcmp(a->value.p, "false", 5) == 0)
			*v = (struct tl_xval){"0", 1, TL_XT_INTEGER};
		else {
			v->n = tl_field_text(a, &c->buf);
			v->p = c->buf.p;
			v->type = tl_xtype_of(v->p, v->n);
		}
		if (v->type > c->type)
			widen(c, v, l);
	}
	if (!x->all)
		return;
	for (size_t i = 0; i < l->nattrs; i++)
		members += !skipped_member(l->attrs[i].name);
	if (members != x->n - 1)
		extra_field(x, l);
}

void tl_xcols_free(struct tl_xcols *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->c[i].name);
		free(x->c[i].buf.p);
	}
	free(x->c);
	free(x->v);
	*x = (struct tl_xcols){0};
}

/* ---- the summary ------------------------------------------------------ */

void tl_xsummary_init(struct tl_xsummary *s)
{
	*s = (struct tl_xsummary){0};
	size_t n = tl_time_format((tl_time)time(NULL) * TL_SEC, s->exported_at);
	s->exported_at[n] = '\0';
}

/* add_algo: v[0..n) to the distinct algorithm versions (names that do not
 * fit are left out, with "..." once). */
static void add_algo(struct tl_xsummary *s, const char *v, size_t n)
{
	size_t len = strlen(s->algo);
	for (const char *p = s->algo; *p;) {
		const char *e = strchr(p, ',');
		size_t k = e ? (size_t)(e - p) : strlen(p);
		if (k == n && memcmp(p, v, n) == 0)
			return;
		p = e ? e + 1 : p + k;
	}
	if (len + n + 5 >= sizeof s->algo || memchr(v, ',', n)) {
		if (len < 3 || strcmp(s->algo + len - 3, "...") != 0)
			strcpy(s->algo + len, len ? ",..." : "...");
		return;
	}
	if (len)
		s->algo[len++] = ',';
	memcpy(s->algo + len, v, n);
	s->algo[len + n] = '\0';
}

static void add_archetype(struct tl_xsummary *s, const char *v, size_t n, const struct tl_learner *l)
{
	if (!n) {
		s->arch_empty++;
		return;
	}
	for (size_t i = 0; i < s->narch; i++)
		if (strlen(s->arch[i]) == n && memcmp(s->arch[i], v, n) == 0) {
			s->arch_n[i]++;
			return;
		}
	if (s->narch == TL_XARCH_MAX)
		tl_field_die(l, ": more than %d distinct archetypes: is 'archetype' free text?", TL_XARCH_MAX);
	s->arch[s->narch] = tl_xstrndup(v, n);
	s->arch_n[s->narch++] = 1;
}

void tl_xsummary_add(struct tl_xsummary *s, const struct tl_learner *l, int have_asof, tl_time asof)
{
	const struct tl_attr *a;
	s->learners++;
	if (have_asof && (!s->has_as_of || asof > s->as_of))
		s->as_of = asof, s->has_as_of = 1;
	if ((a = tl_learner_attr(l, "algo_version"))) {
		size_t n = tl_field_text(a, &s->buf);
		if (n)
			add_algo(s, s->buf.p, n);
	}
	a = tl_learner_attr(l, "archetype");
	size_t n = a ? tl_field_text(a, &s->buf) : 0;
	add_archetype(s, s->buf.p, n, l);
}

const char *tl_xsummary_as_of(const struct tl_xsummary *s, char *buf)
{
	size_t n = s->has_as_of ? tl_time_format(s->as_of, buf) : 0;
	buf[n] = '\0';
	return buf;
}

void tl_xsummary_free(struct tl_xsummary *s)
{
	for (size_t i = 0; i < s->narch; i++)
		free(s->arch[i]);
	s->narch = 0;
	free(s->buf.p);
	s->buf = (struct tl_field_buf){0};
}
