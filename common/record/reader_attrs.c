/* reader_attrs.c - the attributes of the records the reader builds:
 * names an input may not use for an attribute, because tl writes them
 * itself (tl(7) "Reserved names"). */
#include <string.h>

#include "util/err.h"
#include "record/reader_impl.h"

/* Each reserved name, why, and in which shapes: the writer puts a
 * learner's id and events at the top of its document, a tool that uses
 * an as-of writes it as as_of (which a learner row or document carries on
 * as its as-of), and a ts column makes rows event rows. */
static const struct {
	const char *name, *why;
	int in_rows;   /* also reserved in learner rows */
} RESERVED[] = {
	{"learner_id", "--map takes learner_id from another column, so this one would be a second learner_id", 1},
	{"ts", "--map takes ts from another column, so this one would be a second ts", 1},
	{"events", "tl writes the learner's events under this name", 1},
	{"as_of", "tl writes the as-of it used under this name", 0},
};

const char *rd_reserved(struct tl_str name, int event_rows)
{
	for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++)
		if ((event_rows || RESERVED[i].in_rows) && str_eq(name, RESERVED[i].name))
			return RESERVED[i].why;
	return NULL;
}

_Noreturn void rd_reserved_die(const char *file, long line, const char *what, struct tl_str name, const char *why)
{
	tl_die_at(TL_EX_DATAERR, file, line, "%s \"%.*s\" is a reserved name: %s; rename the %s", what, (int)name.n,
		  name.p, why, what);
}

void rd_reserved_columns(const struct tl_reader *r)
{
	int event_rows = r->col[COL_TS] >= 0;
	for (size_t i = 0; i < r->ncols; i++) {
		int canon = (int)i == r->col[COL_ID];
		for (int k = 0; k < NCANON && event_rows; k++)   /* learner rows: every other column is an attribute */
			canon |= r->col[k] == (int)i;
		const char *why = canon ? NULL : rd_reserved(r->colnames[i], event_rows);
		if (why)
			rd_reserved_die(r->src.name, r->rec_line, "column", r->colnames[i], why);
	}
}
