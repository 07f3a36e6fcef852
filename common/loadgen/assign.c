/* assign.c - tl-loadgen --assignment: the outcomes of a population's
 * learners in the arms another tool assigned them (tl-score --canary), so
 * that a rollout drill sees effects that depend on its own assignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "io/sidefile.h"
#include "loadgen/loadgen.h"
#include "util/opts.h"

static int span_is(const struct tl_str *s, const char *want)
{
	size_t n = strlen(want);
	return s->n == n && memcmp(s->p, want, n) == 0;
}

/* The columns learner_id and arm of the header, or exit 65. */
static void find_columns(struct tl_sidefile *in, size_t *id, size_t *arm)
{
	const char *name = tl_sidefile_name(in);
	if (!tl_sidefile_next(in))
		tl_die(TL_EX_DATAERR, "%s: empty assignment file (want a header learner_id,arm)", name);
	const struct tl_str *f = tl_sidefile_fields(in);
	*id = *arm = (size_t)-1;
	for (size_t i = 0; i < tl_sidefile_nfields(in); i++) {
		if (span_is(&f[i], "learner_id"))
			*id = i;
		else if (span_is(&f[i], "arm"))
			*arm = i;
	}
	if (*id == (size_t)-1 || *arm == (size_t)-1)
		tl_die_at(TL_EX_DATAERR, name, 1, "the header has no learner_id or no arm column");
}

/* The learner number of a tl-loadgen id (L and digits), or -1. */
static long learner_index(const struct tl_str *s)
{
	if (s->n < 2 || s->n > 19 || s->p[0] != 'L')
		return -1;
	long k = 0;
	for (size_t i = 1; i < s->n; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return -1;
		k = k * 10 + (s->p[i] - '0');
	}
	return k >= 1 ? k : -1;
}

void tl_lg_write_assigned(const struct tl_lg_config *c, FILE *f, const char *name)
{
	struct tl_sidefile *in = tl_sidefile_open(c->assignment, TL_MAX_FIELD_DEFAULT);
	size_t id, arm;
	find_columns(in, &id, &arm);
	fputs("learner_id,true_archetype,arm,roi,churned\n", f);
	while (tl_sidefile_next(in)) {
		const struct tl_str *fl = tl_sidefile_fields(in);
		long line = tl_sidefile_line(in);
		if (tl_sidefile_nfields(in) <= (id > arm ? id : arm))
			tl_die_at(TL_EX_DATAERR, c->assignment, line, "too few fields");
		long k = learner_index(&fl[id]);
		if (k < 0)
			tl_die_at(TL_EX_DATAERR, c->assignment, line, "learner id '%.*s' is not tl-loadgen's (L and a number)",
				  (int)fl[id].n, fl[id].p);
		int treated = span_is(&fl[arm], "treatment");
		if (!treated && !span_is(&fl[arm], "control"))
			tl_die_at(TL_EX_DATAERR, c->assignment, line, "arm '%.*s' is neither control nor treatment",
				  (int)fl[arm].n, fl[arm].p);
		struct tl_lg_outcome o;
		tl_lg_assigned_outcome(c, k, treated, &o);
		fprintf(f, "%.*s,%s,%s,%.6g,%d\n", (int)fl[id].n, fl[id].p, tl_lg_arch_name(o.arch),
			treated ? "treatment" : "control", o.roi, o.churned);
	}
	tl_sidefile_close(in);
	if (ferror(f))
		tl_die(TL_EX_IOERR, "write error on %s", name);
}
