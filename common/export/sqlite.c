/* sqlite.c - tl-export --sqlite (sqlite.h). The learners are staged as
 * text in a TEMP table while the input is read (the column types are known
 * only at its end), then copied into the table declared with the widest
 * type of each column, where SQLite's column affinity turns the text into
 * INTEGER and REAL values. A new database is built in a temporary next to
 * PATH (util/out.h, tl_output_named) with no journal, as a failed build is thrown away
 * whole, and renamed over PATH. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/err.h"
#include "util/num.h"
#include "util/opts.h"
#include "io/obuf.h"
#include "export/sqlite.h"
#include "util/out.h"

#define STAGE "temp.\"tl_export_staging\""
#define CACHE_PRAGMAS "PRAGMA main.cache_size=-65536; PRAGMA temp.cache_size=-65536; PRAGMA busy_timeout=10000;"

struct tl_xsqlite {
	const struct tl_xsqlite_opts *o;
	sqlite3 *db;
	sqlite3_stmt *insert;
	char *tmp;          /* the file being built, NULL for an in-place upsert */
	struct tl_obuf sql; /* SQL text being built */
	long long updated;  /* upsert: staged learners already in the table */
	char *real;         /* per column: staged text goes through tl_real */
};

/* ---- SQLite calls ----------------------------------------------------- */

/* fail: exit with SQLite's message about PATH, by the kind of error. */
_Noreturn static void fail(struct tl_xsqlite *s, int rc, const char *what)
{
	int code = TL_EX_SOFTWARE;
	switch (rc & 0xff) {
	case SQLITE_NOTADB: case SQLITE_CORRUPT: code = TL_EX_DATAERR; break;
	case SQLITE_CANTOPEN: case SQLITE_READONLY: case SQLITE_PERM: code = TL_EX_CANTCREAT; break;
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_BUSY: case SQLITE_LOCKED: code = TL_EX_IOERR; break;
	}
	tl_die(code, "%s: %s: %s", s->o->path, what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static void exec(struct tl_xsqlite *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fail(s, rc, sql[0] == 'P' ? "setting up" : "writing");
}

static sqlite3_stmt *prepare(struct tl_xsqlite *s, const char *sql)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		fail(s, rc, "preparing");
	return st;
}

/* step_done: run st to its end and finalize it. */
static void step_done(struct tl_xsqlite *s, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		fail(s, rc, "writing");
	sqlite3_finalize(st);
}

/* ---- SQL text: quoted identifiers, never data ------------------------- */

static void put(struct tl_obuf *b, const char *s) { tl_obuf_put(b, s, strlen(s)); }

/* ident: name as a quoted identifier ("a""b" for a"b). */
static void ident(struct tl_obuf *b, const char *name)
{
	tl_obuf_putc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			tl_obuf_putc(b, '"');
		tl_obuf_putc(b, *p);
	}
	tl_obuf_putc(b, '"');
}

/* text: the SQL built so far, NUL-terminated; the next put starts anew. */
static const char *text(struct tl_obuf *b)
{
	tl_obuf_putc(b, '\0');
	b->n = 0;
	return b->p;
}

static void table(struct tl_xsqlite *s)
{
	put(&s->sql, "main.");
	ident(&s->sql, s->o->table);
}

/* columns: "a","b",... of x. */
static void columns(struct tl_obuf *b, const struct tl_xcols *x)
{
	for (size_t i = 0; i < x->n; i++) {
		put(b, i ? "," : "");
		ident(b, x->c[i].name);
	}
}

/* staged: the staged columns of x for the typed table: those of real[]
 * through tl_real (below), the others as they are. */
static void staged(struct tl_obuf *b, const struct tl_xcols *x, const char *real)
{
	for (size_t i = 0; i < x->n; i++) {
		put(b, i ? (real[i] ? ",tl_real(" : ",") : "");
		ident(b, x->c[i].name);
		put(b, real[i] ? ")" : "");
	}
}

/* tl_real(x): the double nearest the staged text x (strtod), x itself
 * when it is not text. SQLite's own text-to-REAL conversion is off by one
 * unit in the last place for some values (2.41272e-05 in 3.40), so a REAL
 * column would not hold the number its text names. The text is a JSON
 * number (export.h types). */
static void real_of_text(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT)
		sqlite3_result_value(cx, argv[0]);
	else
		sqlite3_result_double(cx, strtod((const char *)sqlite3_value_text(argv[0]), NULL));
}

/* ---- opening ---------------------------------------------------------- */

void tl_xsqlite_check_table(const char *name)
{
	const char *why = tl_xname_bad(name, strlen(name));
	if (why)
		tl_usage_error("--table '%s' cannot be a table name: it %s", name, why);
	if (sqlite3_stricmp(name, "runs") == 0 || sqlite3_stricmp(name, "archetype_counts") == 0 ||
	    sqlite3_strnicmp(name, "sqlite_", 7) == 0)
		tl_usage_error("--table '%s' is a name tl-export or SQLite keeps for itself", name);
}

struct tl_xsqlite *tl_xsqlite_open(const struct tl_xsqlite_opts *o)
{
	struct tl_xsqlite *s = tl_xcalloc(1, sizeof *s);
	struct stat st;
	s->o = o;
	if (!(o->upsert && stat(o->path, &st) == 0))
		s->tmp = tl_output_named(o->path);   /* with the mode the database gets */
	int rc = sqlite3_open_v2(s->tmp ? s->tmp : o->path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		fail(s, rc, "opening");
	sqlite3_extended_result_codes(s->db, 1);
	rc = sqlite3_create_function_v2(s->db, "tl_real", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, real_of_text,
					NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fail(s, rc, "setting up");
	exec(s, CACHE_PRAGMAS);
	if (s->tmp)
		exec(s, "PRAGMA main.journal_mode=OFF; PRAGMA main.synchronous=OFF;");
	else
		exec(s, "PRAGMA main.user_version");   /* "file is not a database" now, before the input is read */
	exec(s, "PRAGMA temp.journal_mode=OFF; BEGIN");
	return s;
}

/* ---- staging ---------------------------------------------------------- */

void tl_xsqlite_start(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_learner *first)
{
	struct tl_obuf *b = &s->sql;
	for (int i = 0; i < s->o->nindex; i++)
		if (tl_xcols_find(x, s->o->index[i]) >= 0)
			continue;
		else if (!x->all)
			tl_usage_error("--index %s is not one of --fields", s->o->index[i]);
		else if (first)
			tl_field_missing(first, s->o->index[i], "--index");
	put(b, "CREATE TEMP TABLE \"tl_export_staging\" (");
	columns(b, x);
	put(b, ", PRIMARY KEY(\"learner_id\"))");
	exec(s, text(b));
	put(b, "INSERT INTO " STAGE " VALUES (");
	for (size_t i = 0; i < x->n; i++) {
		char num[24];
		num[tl_format_int((long long)i + 1, num)] = '\0';
		put(b, i ? ",?" : "?");
		put(b, num);
	}
	put(b, ")");
	s->insert = prepare(s, text(b));
}

void tl_xsqlite_row(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_learner *l)
{
	sqlite3_stmt *st = s->insert;
	for (size_t i = 0; i < x->n; i++) {
		const struct tl_xval *v = &x->v[i];
		int rc = v->type == TL_XT_NULL ? sqlite3_bind_null(st, (int)i + 1)
					       : sqlite3_bind_text64(st, (int)i + 1, v->p, v->n, SQLITE_STATIC, SQLITE_UTF8);
		if (rc != SQLITE_OK)
			fail(s, rc, "binding a value");
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		tl_field_die(l, " appears twice in the input (learner_id is the table's primary key)");
	if (rc != SQLITE_DONE)
		fail(s, rc, "writing");
	sqlite3_reset(st);
}

/* ---- the typed table -------------------------------------------------- */

static void create_table(struct tl_xsqlite *s, const struct tl_xcols *x)
{
	struct tl_obuf *b = &s->sql;
	put(b, "CREATE TABLE ");
	table(s);
	put(b, " (\"learner_id\" TEXT PRIMARY KEY NOT NULL");
	for (size_t i = 1; i < x->n; i++) {
		put(b, ", ");
		ident(b, x->c[i].name);
		put(b, " ");
		put(b, tl_xtype_name(x->c[i].type));
	}
	put(b, ")");
	exec(s, text(b));
}

/* make_index: an index on the columns named (NULL-terminated), named
 * "TABLE.a.b"; in an existing database only when it is not there. */
static void make_index(struct tl_xsqlite *s, const char *const *names)
{
	struct tl_obuf *b = &s->sql, name = {0};
	put(&name, s->o->table);
	for (const char *const *p = names; *p; p++) {
		put(&name, ".");
		put(&name, *p);
	}
	put(b, s->tmp ? "CREATE INDEX " : "CREATE INDEX IF NOT EXISTS ");
	put(b, "main.");
	ident(b, text(&name));
	put(b, " ON ");
	ident(b, s->o->table);
	put(b, " (");
	for (const char *const *p = names; *p; p++) {
		put(b, p == names ? "" : ", ");
		ident(b, *p);
	}
	put(b, ")");
	exec(s, text(b));
	tl_obuf_free(&name);
}

/* indexes: (archetype, churn_risk), which serves lookups by archetype,
 * the top churn risks of one archetype and counts by archetype; churn_risk;
 * each --index field that is not indexed first already. Then ANALYZE, so
 * the planner knows how many learners share a value of each index (5
 * archetypes among a million learners: archetype is no filter to start
 * from). An index on archetype alone would be a third smaller but makes
 * the GROUP BY no faster: its time is SQLite's per-row work, not pages. */
static void indexes(struct tl_xsqlite *s, const struct tl_xcols *x)
{
	long a = tl_xcols_find(x, "archetype"), c = tl_xcols_find(x, "churn_risk");
	const char *ac[3] = {a >= 0 ? x->c[a].name : NULL, c >= 0 ? x->c[c].name : NULL, NULL};
	if (a >= 0)
		make_index(s, ac);
	if (c >= 0)
		make_index(s, ac + 1);
	for (int i = 0; i < s->o->nindex; i++) {
		long k = tl_xcols_find(x, s->o->index[i]);
		int dup = k <= 0 || k == a || k == c;   /* learner_id is the primary key */
		for (int j = 0; j < i && !dup; j++)
			dup = tl_xcols_find(x, s->o->index[j]) == k;
		const char *one[2] = {k > 0 ? x->c[k].name : NULL, NULL};
		if (!dup)
			make_index(s, one);
	}
	put(&s->sql, "ANALYZE ");
	table(s);
	exec(s, text(&s->sql));
}

/* ---- the runs table --------------------------------------------------- */

static const char runs_schema[] =
	"CREATE TABLE IF NOT EXISTS main.runs (run INTEGER PRIMARY KEY, exported_at TEXT, mode TEXT, "
	"table_name TEXT, as_of TEXT, algo_version TEXT, tool_version TEXT, sqlite_version TEXT, "
	"learners INTEGER, inserted INTEGER, updated INTEGER, table_learners INTEGER, archetypes TEXT)";

/* archetypes_json: {"name":count,...} of sum into b, NUL-terminated. */
static void archetypes_json(struct tl_obuf *b, const struct tl_xsummary *sum)
{
	tl_obuf_putc(b, '{');
	for (size_t i = 0; i < sum->narch; i++) {
		char num[24];
		put(b, i ? "," : "");
		tl_obuf_json_string(b, sum->arch[i], strlen(sum->arch[i]));
		tl_obuf_putc(b, ':');
		tl_obuf_put(b, num, tl_format_int(sum->arch_n[i], num));
	}
	put(b, "}");
	tl_obuf_putc(b, '\0');
}

static long long count_rows(struct tl_xsqlite *s)
{
	put(&s->sql, "SELECT count(*) FROM ");
	table(s);
	sqlite3_stmt *st = prepare(s, text(&s->sql));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail(s, sqlite3_errcode(s->db), "counting");
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* archetype_counts: the table's learners per archetype, recounted by
 * every export (a GROUP BY over a million learners takes longer than a
 * service's query may; this row set is read at once). */
static void archetype_counts(struct tl_xsqlite *s, const struct tl_xcols *x)
{
	long a = tl_xcols_find(x, "archetype");
	if (a < 0 && !s->tmp)
		return;   /* an upsert without archetypes changes none */
	exec(s, "CREATE TABLE IF NOT EXISTS main.archetype_counts (table_name TEXT NOT NULL, archetype TEXT, "
		"learners INTEGER NOT NULL, PRIMARY KEY (table_name, archetype))");
	sqlite3_stmt *st = prepare(s, "DELETE FROM main.archetype_counts WHERE table_name = ?1");
	sqlite3_bind_text(st, 1, s->o->table, -1, SQLITE_STATIC);
	step_done(s, st);
	if (a < 0)
		return;
	put(&s->sql, "INSERT INTO main.archetype_counts SELECT ?1, ");
	ident(&s->sql, x->c[a].name);
	put(&s->sql, ", count(*) FROM ");
	table(s);
	put(&s->sql, " GROUP BY 2");
	st = prepare(s, text(&s->sql));
	sqlite3_bind_text(st, 1, s->o->table, -1, SQLITE_STATIC);
	step_done(s, st);
}

static void runs_row(struct tl_xsqlite *s, const struct tl_xsummary *sum)
{
	char asof[40];
	struct tl_obuf arch = {0};
	archetypes_json(&arch, sum);
	exec(s, runs_schema);
	sqlite3_stmt *st = prepare(s, "INSERT INTO main.runs (exported_at, mode, table_name, as_of, algo_version, "
				   "tool_version, sqlite_version, learners, inserted, updated, table_learners, "
				   "archetypes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	const char *txt[7] = {sum->exported_at, s->tmp ? "create" : "upsert", s->o->table,
			      tl_xsummary_as_of(sum, asof), sum->algo, TL_XTOOL_VERSION, sqlite3_libversion()};
	for (int i = 0; i < 7; i++)
		if (txt[i][0])
			sqlite3_bind_text(st, i + 1, txt[i], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, sum->learners);
	sqlite3_bind_int64(st, 9, sum->learners - s->updated);
	sqlite3_bind_int64(st, 10, s->updated);
	sqlite3_bind_int64(st, 11, count_rows(s));
	sqlite3_bind_text(st, 12, arch.p, -1, SQLITE_TRANSIENT);
	step_done(s, st);
	tl_obuf_free(&arch);
}

/* ---- upsert ----------------------------------------------------------- */

/* existing_type: the declared type of column name in the table, "" when
 * it has none, NULL when there is no such column; *pk its primary-key
 * position. The result lives until the next call. */
static const char *existing_type(struct tl_xsqlite *s, const char *name, int *pk)
{
	static char type[64];
	sqlite3_stmt *st = prepare(s, "SELECT type, pk FROM pragma_table_info(?1, 'main') WHERE name = ?2 COLLATE NOCASE");
	sqlite3_bind_text(st, 1, s->o->table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(s, rc, "reading the table's columns");
	const char *t = NULL;
	if (rc == SQLITE_ROW) {
		snprintf(type, sizeof type, "%s", (const char *)sqlite3_column_text(st, 0));
		*pk = sqlite3_column_int(st, 1);
		t = type;
	}
	sqlite3_finalize(st);
	return t;
}

static int table_exists(struct tl_xsqlite *s)
{
	sqlite3_stmt *st = prepare(s, "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE");
	sqlite3_bind_text(st, 1, s->o->table, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(s, rc, "reading the schema");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* Affinities (SQLite's rules for a declared type, in this order). */
enum affinity { AFF_INTEGER, AFF_TEXT, AFF_BLOB, AFF_REAL, AFF_NUMERIC };

static enum affinity affinity(const char *t)
{
	char up[64];
	size_t i = 0;
	for (; t[i] && i < sizeof up - 1; i++)
		up[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i]);
	up[i] = '\0';
	if (strstr(up, "INT"))
		return AFF_INTEGER;
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
		return AFF_TEXT;
	if (!up[0] || strstr(up, "BLOB"))
		return AFF_BLOB;
	if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
		return AFF_REAL;
	return AFF_NUMERIC;
}

/* narrower: a column of affinity a cannot hold values of type want as
 * they are (text in a number column, a fraction in an INTEGER one). */
static int narrower(enum affinity a, enum tl_xtype want)
{
	if (a == AFF_INTEGER)
		return want >= TL_XT_REAL;
	return (a == AFF_REAL || a == AFF_NUMERIC) && want == TL_XT_TEXT;
}

/* fit_columns: check each column against the table, add the new ones;
 * real[i]: column i is REAL here and holds numbers there (through
 * tl_real: a text column keeps the text as written). */
static void fit_columns(struct tl_xsqlite *s, const struct tl_xcols *x, char *real)
{
	int pk = 0;
	const char *t = existing_type(s, "learner_id", &pk);
	if (!t || pk != 1)
		tl_die(TL_EX_DATAERR, "%s: table '%s' has no primary key learner_id: not one tl-export made; "
		       "export without --upsert", s->o->path, s->o->table);
	for (size_t i = 1; i < x->n; i++) {
		const struct tl_xcol *c = &x->c[i];
		if (!(t = existing_type(s, c->name, &pk))) {
			put(&s->sql, "ALTER TABLE ");
			table(s);
			put(&s->sql, " ADD COLUMN ");
			ident(&s->sql, c->name);
			put(&s->sql, " ");
			put(&s->sql, tl_xtype_name(c->type));
			exec(s, text(&s->sql));
			real[i] = c->type == TL_XT_REAL;
			continue;
		}
		enum affinity a = affinity(t);
		real[i] = c->type == TL_XT_REAL && a != AFF_TEXT && a != AFF_BLOB;
		if (narrower(a, c->type))
			tl_die_at(TL_EX_DATAERR, c->file, c->line, "field '%s' holds %s ('%s'), but column '%s' of table "
				  "'%s' in %s is %s: export without --upsert to rebuild it", c->name,
				  c->type == TL_XT_TEXT ? "text" : "a number that is not an integer", c->sample,
				  c->name, s->o->table, s->o->path, t);
	}
}

static void upsert(struct tl_xsqlite *s, const struct tl_xcols *x)
{
	struct tl_obuf *b = &s->sql;
	char *real = s->real = tl_xcalloc(x->n, 1);   /* reachable from s when a check exits */
	fit_columns(s, x, real);
	put(b, "SELECT count(*) FROM " STAGE " WHERE \"learner_id\" IN (SELECT \"learner_id\" FROM ");
	table(s);
	put(b, ")");
	sqlite3_stmt *st = prepare(s, text(b));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail(s, sqlite3_errcode(s->db), "counting");
	s->updated = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	put(b, "INSERT INTO ");
	table(s);
	put(b, " (");
	columns(b, x);
	put(b, ") SELECT ");
	staged(b, x, real);
	put(b, " FROM " STAGE " WHERE true ON CONFLICT(\"learner_id\") DO ");
	if (x->n == 1)
		put(b, "NOTHING");
	for (size_t i = 1; i < x->n; i++) {
		put(b, i == 1 ? "UPDATE SET " : ", ");
		ident(b, x->c[i].name);
		put(b, " = excluded.");
		ident(b, x->c[i].name);
	}
	exec(s, text(b));
}

/* ---- the end ---------------------------------------------------------- */

static void copy_all(struct tl_xsqlite *s, const struct tl_xcols *x)
{
	create_table(s, x);
	put(&s->sql, "INSERT INTO ");
	table(s);
	char *real = s->real = tl_xcalloc(x->n, 1);
	for (size_t i = 0; i < x->n; i++)
		real[i] = x->c[i].type == TL_XT_REAL;
	put(&s->sql, " SELECT ");
	staged(&s->sql, x, real);
	put(&s->sql, " FROM " STAGE " ORDER BY rowid");
	exec(s, text(&s->sql));
}

void tl_xsqlite_finish(struct tl_xsqlite *s, const struct tl_xcols *x, const struct tl_xsummary *sum)
{
	if (!s->insert)
		tl_xsqlite_start(s, x, NULL);
	sqlite3_finalize(s->insert);
	s->insert = NULL;
	if (!s->tmp) {
		exec(s, "COMMIT; BEGIN IMMEDIATE");   /* the staging is done; now lock the database */
		if (table_exists(s))
			upsert(s, x);
		else
			copy_all(s, x);
	} else
		copy_all(s, x);
	indexes(s, x);
	archetype_counts(s, x);
	runs_row(s, sum);
	exec(s, "COMMIT");
	int rc = sqlite3_close(s->db);
	s->db = NULL;
	if (rc != SQLITE_OK)
		fail(s, rc, "closing");
	if (!s->tmp)
		return;
	int fd = open(s->tmp, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0)
		tl_die(TL_EX_IOERR, "write error on %s:", s->o->path);   /* the user's name, not the temporary's */
	close(fd);
}

void tl_xsqlite_publish(struct tl_xsqlite *s)
{
	if (s->tmp) {
		tl_output_named_publish(s->tmp, s->o->path);
		free(s->tmp);
	}
	tl_obuf_free(&s->sql);
	free(s->real);
	free(s);
}
