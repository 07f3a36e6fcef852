/* field.c - a command's access to learner fields, and its messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/num.h"
#include "record/field.h"

/* ---- which tool produces a field (for the missing-field message) ---- */

static const struct {
	const char *field, *tool;
} FIELD_TOOLS[] = {
	{.field = "interactions", .tool = "tl-velocity"},
	{.field = "adoptions", .tool = "tl-velocity"},
	{.field = "periods", .tool = "tl-velocity"},
	{.field = "tenure_days", .tool = "tl-velocity"},
	{.field = "velocity_simple", .tool = "tl-velocity"},
	{.field = "velocity", .tool = "tl-velocity"},
	{.field = "velocity_trend", .tool = "tl-velocity"},
	{.field = "velocity_next", .tool = "tl-velocity"},
	{.field = "velocity_momentum", .tool = "tl-velocity"},
	{.field = "next_velocity_actual", .tool = "tl-velocity --label"},
	{.field = "next_active", .tool = "tl-velocity --label"},
	{.field = "next_velocity_active", .tool = "tl-velocity --label"},
	{.field = "domain_entropy", .tool = "tl-affinity"},
	{.field = "domain_concentration", .tool = "tl-affinity"},
	{.field = "top_domain", .tool = "tl-affinity"},
	{.field = "top_domain_share", .tool = "tl-affinity"},
	{.field = "domains", .tool = "tl-affinity"},
	{.field = "is_specialist", .tool = "tl-affinity"},
	{.field = "transfer_score", .tool = "tl-affinity"},
	{.field = "transfer_pair", .tool = "tl-affinity"},
	{.field = "capabilities", .tool = "tl-retention"},
	{.field = "reuses", .tool = "tl-retention"},
	{.field = "days_since_last", .tool = "tl-retention"},
	{.field = "reuse_score", .tool = "tl-retention"},
	{.field = "retention_strength", .tool = "tl-retention"},
	{.field = "churn_risk", .tool = "tl-retention"},
	{.field = "active_days", .tool = "tl-retention"},
	{.field = "events_last_7d", .tool = "tl-retention"},
	{.field = "events_prev_7d", .tool = "tl-retention"},
	{.field = "events_last_3d", .tool = "tl-retention"},
	{.field = "active_days_7d", .tool = "tl-retention"},
	{.field = "active_days_14d", .tool = "tl-retention"},
	{.field = "active_days_decayed", .tool = "tl-retention"},
	{.field = "activity_trend", .tool = "tl-retention"},
	{.field = "longest_gap_days", .tool = "tl-retention"},
	{.field = "weekend_share", .tool = "tl-retention"},
	{.field = "events_per_active_day", .tool = "tl-retention"},
	{.field = "churned", .tool = "tl-retention --label"},
	{.field = "archetype", .tool = "tl-score"},
	{.field = "roi_multiplier", .tool = "tl-score"},
	{.field = "score", .tool = "tl-score"},
	{.field = "algo_version", .tool = "tl-score"},
	{.field = "archetype_reason", .tool = "tl-score"},
	{.field = "true_archetype", .tool = "tl-loadgen --truth"},
	{.field = "roi", .tool = "tl-loadgen --outcome"},
	{.field = "arm", .tool = "tl-loadgen --arm-split or tl-score --canary"},
};

const char *tl_field_tool(const char *field)
{
	for (size_t i = 0; i < sizeof FIELD_TOOLS / sizeof FIELD_TOOLS[0]; i++)
		if (strcmp(FIELD_TOOLS[i].field, field) == 0)
			return FIELD_TOOLS[i].tool;
	return NULL;
}

/* ---- messages ---------------------------------------------------------- */

const char *tl_field_quote(const char *s, size_t n, char *buf)
{
	size_t k = n;
	if (n > TL_FIELD_QUOTE) {
		k = TL_FIELD_QUOTE;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;   /* not inside a UTF-8 character */
	}
	memcpy(buf, s, k);
	strcpy(buf + k, k < n ? "..." : "");
	return buf;
}

void tl_field_die(const struct tl_learner *l, const char *fmt, ...)
{
	char id[TL_FIELD_QUOTE_BUF], what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	tl_die_at(TL_EX_DATAERR, l->file, l->line, "learner '%s'%s", tl_field_quote(l->id.p, l->id.n, id), what);
}

void tl_field_missing(const struct tl_learner *l, const char *name, const char *used_by)
{
	const char *tool = tl_field_tool(name);
	tl_field_die(l, " has no field '%s'%s%s (%s%s%s)", name, used_by ? ", used by " : "", used_by ? used_by : "",
		     tool ? "it is produced by " : "no tl tool produces it; add it to the input", tool ? tool : "",
		     tool ? ": run it first" : "");
}

void tl_field_bad(const struct tl_learner *l, const struct tl_attr *a, const char *what)
{
	char value[TL_FIELD_QUOTE_BUF];
	tl_field_die(l, ": field '%.*s' %s: '%s'", (int)a->name.n, a->name.p, what,
		     tl_field_quote(a->value.p, a->value.n, value));
}

/* ---- access -------------------------------------------------------------- */

const struct tl_attr *tl_field_need(const struct tl_learner *l, const char *name, const char *used_by)
{
	const struct tl_attr *a = tl_learner_attr(l, name);
	if (!a)
		tl_field_missing(l, name, used_by);
	return a;
}

const struct tl_attr *tl_field_need_at(const struct tl_learner *l, const char *name, const char *used_by,
				       size_t *hint)
{
	size_t n = strlen(name);
	if (*hint < l->nattrs) {
		const struct tl_attr *a = &l->attrs[*hint];
		if (a->name.n == n && memcmp(a->name.p, name, n) == 0)
			return a;
	}
	const struct tl_attr *a = tl_field_need(l, name, used_by);
	*hint = (size_t)(a - l->attrs);
	return a;
}

int tl_field_number(const struct tl_learner *l, const struct tl_attr *a, double *v)
{
	int rc = tl_attr_number(a, v);
	if (rc < 0)
		tl_field_bad(l, a, "is not a number");
	return rc;
}

/* bool_word: 0 or 1 for the text true or false in any case, else -1. */
static int bool_word(const char *s, size_t n)
{
	static const char *const words[2] = {"false", "true"};
	for (int v = 0; v < 2; v++) {
		size_t k = strlen(words[v]), i = 0;
		while (i < k && i < n && (s[i] | 0x20) == words[v][i])
			i++;
		if (i == k && n == k)
			return v;
	}
	return -1;
}

int tl_field_bool_value(const struct tl_attr *a)
{
	char buf[32];
	double v;
	long n = tl_attr_text(a, buf, sizeof buf);   /* a JSON literal, a JSON string or CSV text */
	if (n == 0)
		return -1;
	if (n < 0)
		return -2;
	int w = bool_word(buf, (size_t)n);
	if (w >= 0)
		return w;
	if (tl_num_parse(buf, (size_t)n, &v) < 0 || (v != 0 && v != 1))
		return -2;
	return v == 1;
}

int tl_field_boolean_for(const struct tl_learner *l, const struct tl_attr *a, const char *note)
{
	int b = tl_field_bool_value(a);
	if (b == -2) {
		char value[TL_FIELD_QUOTE_BUF];
		tl_field_die(l, ": field '%.*s' %s: '%s'%s%s", (int)a->name.n, a->name.p, TL_FIELD_NOT_BOOLEAN,
			     tl_field_quote(a->value.p, a->value.n, value), note ? "; " : "", note ? note : "");
	}
	return b;
}

int tl_field_boolean(const struct tl_learner *l, const struct tl_attr *a) { return tl_field_boolean_for(l, a, NULL); }

size_t tl_field_text(const struct tl_attr *a, struct tl_field_buf *b)
{
	if (b->cap < a->value.n + 1) {
		b->cap = 2 * a->value.n + 64;
		b->p = tl_xrealloc(b->p, b->cap);
	}
	long n = tl_attr_text(a, b->p, b->cap);   /* plain text is never longer than its value */
	if (n < 0) {
		b->p[0] = '\0';
		return 0;
	}
	return (size_t)n;
}
