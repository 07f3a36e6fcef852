/* sqlite.h - tl-export --sqlite: learners into a table of an SQLite
 * database, typed from the data, indexed, with a runs table; built in a
 * temporary file renamed into place, or --upsert into the existing file in
 * one transaction. Every value is a bound parameter; every name a quoted
 * identifier. */
#ifndef TL_EXPORT_SQLITE_H
#define TL_EXPORT_SQLITE_H

#include "export/export.h"

struct tl_xsqlite_opts {
	const char *path;          /* the database */
	const char *table;         /* the learners' table */
	int upsert;                /* update path in place (a new file when it does not exist) */
	const char *const *index;  /* more fields to index */
	int nindex;
};

struct tl_xsqlite;

/* tl_xsqlite_check_table: exit 64 when name cannot be the learners' table
 * (an empty or control-character name, runs, sqlite_...). */
void tl_xsqlite_check_table(const char *name);

/* tl_xsqlite_open: open the database to build (a temporary file
 * next to PATH, named as util/out names its temporaries, removed when the run fails or is stopped by
 * SIGTERM, SIGINT or SIGHUP) or, with upsert and an existing PATH, PATH
 * itself. Exits 73 when it cannot be created, 65 when PATH is not a
 * database. o must outlive the handle. */
struct tl_xsqlite *tl_xsqlite_open(const struct tl_xsqlite_opts *o);

/* tl_xsqlite_start: the columns are known (first: the first learner, or
 * NULL): stage them. An --index field that is not a column exits 65. */
void tl_xsqlite_start(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_learner *first);

/* tl_xsqlite_row: stage learner l's values (x->v). A learner id met
 * before exits 65. */
void tl_xsqlite_row(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_learner *l);

/* tl_xsqlite_finish: write the typed table, its indexes and the run's row
 * of runs, and commit (the temporary file is flushed to disk). With
 * upsert, a column whose existing type cannot hold the new values exits
 * 65. */
void tl_xsqlite_finish(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_xsummary *sum);

/* tl_xsqlite_publish: rename the built file over PATH (nothing to do
 * after an in-place upsert) and free s. Exits 73 when the rename fails. */
void tl_xsqlite_publish(struct tl_xsqlite *s);

#endif
