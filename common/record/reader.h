/* reader.h - the record reader: every input shape of §2, detected
 * automatically, grouped into one learner at a time with bounded memory.
 * Commands never see libcsv or JSON trees; they see struct tl_learner.
 * (In record/: reader_core.c, learner.c, reader_csv.c, reader_json.c,
 * reader_xapi.c, reader_xapi_map.c, reader_ungrouped.c and
 * reader_chunk.c, sharing reader_impl.h.) */
#ifndef TL_READER_H
#define TL_READER_H

#include <stdint.h>
#include <stdio.h>

#include "io/json.h"
#include "util/opts.h"
#include "io/source.h"
#include "util/tltime.h"

/* The action as written (§2). A use (tl_event.use) is a use, adopt or
 * empty action with a capability; interact is never one. */
enum tl_action_text { TL_ACTION_EMPTY, TL_ACTION_INTERACT, TL_ACTION_USE, TL_ACTION_ADOPT };

/* One event of a learner, sorted by ts (stable: ties keep input order). */
struct tl_event {
	tl_time ts;
	int32_t dom;        /* index into learner->domains, -1 when empty */
	int32_t cap;        /* index into learner->caps, -1 when empty */
	uint8_t use;        /* 1: a use of cap (use/adopt/empty action, cap set) */
	uint8_t action;     /* enum tl_action_text, as written */
	uint8_t ts_json;    /* ts_text is raw JSON (a number), not plain text */
	struct tl_str ts_text; /* the timestamp as written, for re-serialising */
};

/* A learner attribute or, for documents, any top-level member. */
struct tl_attr {
	struct tl_str name;   /* plain text (unescaped) */
	struct tl_str value;  /* raw JSON text when json, else plain text */
	int json;
};

/* Input shapes (§2). */
enum tl_shape { TL_SHAPE_EVENT_CSV, TL_SHAPE_EVENT_NDJSON, TL_SHAPE_DOC, TL_SHAPE_ROW_CSV, TL_SHAPE_XAPI };

/* One learner. Valid until the next tl_reader_next call. */
struct tl_learner {
	struct tl_str id;           /* plain text */
	enum tl_shape shape;
	struct tl_event *ev;        /* sorted by ts; includes future events */
	size_t nev;
	int has_events;             /* events were read (0: rows, or skipped) */
	struct tl_str *domains;     /* names for tl_event.dom */
	size_t ndomains;
	struct tl_str *caps;        /* names for tl_event.cap */
	size_t ncaps;
	struct tl_attr *attrs;      /* attributes / document members in order */
	size_t nattrs;
	struct tl_str raw;          /* documents: the whole object, for pass-through */
	int has_as_of;              /* the record carries a valid as_of */
	tl_time as_of;
	const char *file;           /* where the learner's first row is */
	long line;
};

/* Reader flags. */
enum {
	TL_READ_EVENTS = 1,   /* the tool needs events (documents: parse them) */
	TL_READ_ROWS = 2,     /* learner rows / documents without events are fine */
	TL_READ_TS_TEXT = 4,  /* keep each event's ts text (for writing documents) */
	TL_READ_DOMAINS = 8   /* index domains (tl_event.dom); else dom is -1 */
};

/* Reconciliation counts (§5). records = CSV data rows, NDJSON event lines,
 * events inside accepted documents, learner rows; a rejected document
 * line counts as one rejected record. */
struct tl_counts {
	uint64_t records_read, records_rejected;
	uint64_t learners_read;
	/* --count-field: records are events; the rows that gave one or more,
	 * and the rows of count 0 (which stand for none) */
	uint64_t rows_counted, rows_zero;
	uint64_t sort_spills, sort_passes;   /* --ungrouped: runs spilled, merge passes */
	uint64_t xapi_statements, xapi_unknown_verbs;   /* xAPI input: read as interact */
	/* --shard: the learners of other shards and their records (also in
	 * learners_read, records_read) and rows (with --count-field) */
	uint64_t learners_skipped, records_skipped, rows_skipped;
};

/* A reader is used by one thread at a time; distinct readers may be used
 * on distinct threads at once (run.c's chunk readers, record/chunk.h). */
struct tl_reader;

/* tl_reader_open: read the named files in order (none, or "-": stdin).
 * Options come from c (--map, --skip-bad, --rejects, --max-field,
 * --max-events, --ungrouped, --memory). Exits 66 when a file cannot be opened. */
struct tl_reader *tl_reader_open(const struct tl_common *c, int nfiles, char **files, int flags);

/* tl_reader_next: the next learner, or NULL at the end of input.
 * Bad input exits 65 with "tool: FILE:LINE: what", unless --skip-bad. */
struct tl_learner *tl_reader_next(struct tl_reader *r);

/* tl_reader_counts: the counts so far. */
const struct tl_counts *tl_reader_counts(const struct tl_reader *r);

/* tl_reader_varied: with --stats, how many attribute columns or keys of
 * event rows held a value in a later row of a learner other than its
 * first row's (tl(7) "Attributes"), and their names, sorted, in *names
 * (valid until tl_reader_close); 0 without --stats. */
size_t tl_reader_varied(const struct tl_reader *r, const struct tl_str **names);

/* tl_reader_close: release everything (and flush the rejects file). */
void tl_reader_close(struct tl_reader *r);

/* tl_learner_attr: the attribute named name, or NULL. */
const struct tl_attr *tl_learner_attr(const struct tl_learner *l, const char *name);

/* tl_attr_number: parse an attribute as a number (a JSON number, or text /
 * a JSON string holding one). Returns 1 and *out; 0 when empty or null;
 * -1 when it is not a number. */
int tl_attr_number(const struct tl_attr *a, double *out);

/* tl_attr_text: the attribute's value as plain text (JSON strings
 * unescaped, null as empty) in buf of size cap; returns its length or -1
 * when it does not fit. */
long tl_attr_text(const struct tl_attr *a, char *buf, size_t cap);

/* tl_learner_past: how many events have ts <= asof (events are sorted). */
size_t tl_learner_past(const struct tl_learner *l, tl_time asof);

/* The chunk interface (tl_reader_chunk_*, tl_reader_range, ...) is in
 * record/chunk.h, private to record/ (record/run.c's threaded loop). */

#endif
