/* export.h - what every store of tl-export shares: the columns taken from
 * the first learner (or --fields), each learner's values with their types
 * (INTEGER, REAL, TEXT or NULL, the widest seen per column), and the
 * summary of a run (as-of, algorithm versions, archetype counts). The
 * stores are export/sqlite.h and export/redis.h. */
#ifndef TL_EXPORT_H
#define TL_EXPORT_H

#include <stddef.h>

#include "record/field.h"
#include "record/reader.h"

/* A value's type, in widening order: a column's type is the widest of
 * its values (an INTEGER column that meets 0.5 is REAL, one that meets
 * "abc" TEXT); NULL is an empty value (a column of only empty values is
 * TEXT). */
enum tl_xtype { TL_XT_NULL, TL_XT_INTEGER, TL_XT_REAL, TL_XT_TEXT };

/* tl_xtype_of: the type of the text s[0..n): INTEGER for a decimal integer
 * without a sign other than '-', leading zeros or a fraction that fits 64
 * bits; REAL for another finite JSON number ("0.5", "1e+06"); NULL when
 * empty; else TEXT. So "007" and a negative zero ("-0", "-0.0") are TEXT:
 * as numbers they would not read back as written (SQLite keeps no -0). */
enum tl_xtype tl_xtype_of(const char *s, size_t n);

/* tl_xtype_name: "INTEGER", "REAL" or "TEXT" (NULL: "TEXT"). */
const char *tl_xtype_name(enum tl_xtype t);

/* tl_xname_bad: why s[0..n) cannot be a column or hash field name (empty,
 * a control byte, not UTF-8), or NULL when it can. */
const char *tl_xname_bad(const char *s, size_t n);

/* One exported column. */
struct tl_xcol {
	char *name;             /* NUL-terminated (names hold no NUL) */
	size_t hint;            /* the field's position in the last learner */
	enum tl_xtype type;     /* the widest type seen */
	const char *file;       /* where the value that set type was */
	long line;
	char sample[TL_FIELD_QUOTE_BUF];   /* that value, quoted for messages */
	struct tl_field_buf buf;           /* the current value's text */
};

/* A learner's value of one column: its text and type (NULL: empty). */
struct tl_xval {
	const char *p;
	size_t n;
	enum tl_xtype type;
};

/* The columns of an export: c[0] is learner_id, then the fields. */
struct tl_xcols {
	struct tl_xcol *c;
	size_t n;
	int all;                /* every field of the learner (no --fields) */
	struct tl_xval *v;      /* the current learner's values, c[i] -> v[i] */
};

/* tl_xcols_init: the columns. fields is --fields (a comma-separated list;
 * NULL: every field of first, in its order, except events). A name that
 * cannot be a column, or two that collide (equal without regard to ASCII
 * case, as SQL identifiers are), exits 64 for --fields, else 65 naming the
 * first learner's file and line. first may be NULL (no learner) with
 * fields NULL: learner_id alone. */
void tl_xcols_init(struct tl_xcols *x, const char *fields, const struct tl_learner *first);

/* tl_xcols_find: the index of the column named name (ASCII case folded),
 * or -1. */
long tl_xcols_find(const struct tl_xcols *x, const char *name);

/* tl_xcols_values: fill x->v with l's values and widen the column types.
 * A field of the columns that l lacks, or (without --fields) a field l
 * has that the first learner had not, exits 65 naming l. The values stay
 * valid until the next call. */
void tl_xcols_values(struct tl_xcols *x, const struct tl_learner *l);

void tl_xcols_free(struct tl_xcols *x);

/* TL_XTOOL_VERSION: tool_version in the runs table and the cohort hash.
 * Every tool of one build has the toolkit's version (the Makefile's
 * VERSION, which --version prints), so this names the producing tools'
 * version as well as tl-export's when they come from one installation;
 * records carry algo_version (tl-score's), but no tool version. */
#define TL_XTOOL_VERSION "tl " TL_VERSION

/* The archetype counts and the other facts of a run. */
#define TL_XARCH_MAX 256
#define TL_XALGO_MAX 512

struct tl_xsummary {
	long long learners;
	int has_as_of;
	tl_time as_of;                 /* the latest as-of of the learners */
	char algo[TL_XALGO_MAX];       /* distinct algo_version values, first seen first, comma-separated */
	size_t narch;                  /* distinct archetype values, first seen first */
	char *arch[TL_XARCH_MAX];
	long long arch_n[TL_XARCH_MAX];
	long long arch_empty;          /* learners with an empty or no archetype */
	char exported_at[40];          /* the time of the export, ISO-8601 UTC */
	struct tl_field_buf buf;       /* scratch for the fields read */
};

/* tl_xsummary_init: zero s and stamp the export time (now). */
void tl_xsummary_init(struct tl_xsummary *s);

/* tl_xsummary_add: count learner l: its archetype and algo_version fields
 * (when it has them) and its as-of (asof when have_asof: the record's as_of
 * or --as-of). More than TL_XARCH_MAX archetypes exits 65 naming l. */
void tl_xsummary_add(struct tl_xsummary *s, const struct tl_learner *l, int have_asof, tl_time asof);

/* tl_xsummary_as_of: the as-of as ISO-8601 into buf (>= 40 bytes), or ""
 * when no learner had one. Returns buf. */
const char *tl_xsummary_as_of(const struct tl_xsummary *s, char *buf);

void tl_xsummary_free(struct tl_xsummary *s);

#endif
