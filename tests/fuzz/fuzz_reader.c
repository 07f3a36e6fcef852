/* fuzz_reader.c - libFuzzer harness for the record reader end to end
 * (record/reader.h over every input shape of §2, written back as learner
 * documents by record/writer.h, as run.c does).
 *
 * The input: its first byte picks the options (bits below), the rest is
 * up to three input files separated by a line holding one form feed
 * ("\n\f\n"), each read from a memfd by its /proc/self/fd path. A die of
 * the reader (tl_die, tl_die_at: bad input without --skip-bad, a bad
 * header) is caught with tl_die_catch and the reader closed, so nothing
 * leaks and memory stays bounded (make fuzz: -rss_limit_mb).
 *
 * Invariants, each an abort when broken:
 *  A. --skip-bad, grouped: the counts reconcile as run.c's tl_run_close
 *     demands (records read = the learners' events, or 1 per learner row
 *     or document without events, + rejected; learners read = returned);
 *     each learner's events are sorted by ts and its domain and capability
 *     indices are in range; every output line is one strict JSON object
 *     (RFC 8259, valid UTF-8, no duplicate key), and cJSON reads it with a
 *     string learner_id.
 *  B. without --skip-bad: the run dies exactly when A died or rejected a
 *     record, and otherwise writes A's output byte for byte.
 *  C. --ungrouped (one file of events, which A read without dying): it
 *     does not die, reads as many records as A and reconciles. (With more
 *     files, one whose every row A rejected may be of learner rows, which
 *     --ungrouped refuses: the harness cannot see a file's shape.)
 *  D. A's output read back (without --skip-bad) does not die, gives as
 *     many learners, and is written back byte for byte: documents are a
 *     fixed point of read and write. Only when A rejected nothing: the
 *     first good line decides the shape (tl(7)), and a line that passes
 *     for a document but is then rejected can make A read event lines as
 *     documents, which its output then no longer is.
 *  E. --shard 0/2 and 1/2, when B read the input whole: neither dies (a
 *     shard checks no more than the whole), each reads B's records and
 *     learners, skipped ones included (tl(7) SHARDS), and B's output is
 *     theirs interleaved: each learner's document in its shard's, in order.
 * The xAPI shape gets its own harness (fuzz_xapi.c) with that reader. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "io/json.h"
#include "record/reader.h"
#include "record/writer.h"
#include "util/err.h"
#include "memfile.h"

enum {
	OPT_ROWS = 1,        /* TL_READ_ROWS (else events) */
	OPT_BOTH = 2,        /* TL_READ_EVENTS | TL_READ_ROWS */
	OPT_SMALL = 4,       /* --max-field 16 */
	OPT_MAP = 8,         /* --map learner_id=user --map ts=time */
	OPT_COUNT = 16,      /* --count-field n */
	OPT_AS_OF = 32,      /* --as-of-field as_of */
	OPT_UNIT = 64,       /* --ts-unit ms --epoch 2000-01-01 */
	OPT_STATS = 128      /* --stats (the varied-attribute tracking) */
};
#define MAX_FILES 3
#define MAX_EVENTS 4096   /* --max-events: a count field cannot ask for millions */

struct pass {
	struct tl_counts k;
	uint64_t records, learners;   /* as the harness counted them */
	int died, rows, events;       /* a learner without, with events was read */
	int docs;                     /* a learner of documents or rows */
	char *out;                    /* the documents written */
	size_t nout;
};

static void options(struct tl_common *c, unsigned o)
{
	tl_common_init(c);
	c->max_events = MAX_EVENTS;
	if (o & OPT_SMALL)
		c->max_field = 16;
	if (o & OPT_MAP) {
		static const char *canon[] = {"learner_id", "ts"}, *source[] = {"user", "time"};
		c->nmap = 2;
		memcpy(c->map_canon, canon, sizeof canon);
		memcpy(c->map_source, source, sizeof source);
	}
	if (o & OPT_COUNT)
		c->count_field = "n";
	if (o & OPT_AS_OF)
		c->as_of_field = "as_of";
	if (o & OPT_UNIT) {
		c->ts_unit = TL_SEC / 1000;
		c->epoch = (tl_time)946684800 * TL_SEC;
	}
	c->stats = (o & OPT_STATS) != 0;
}

static int reader_flags(unsigned o)
{
	int f = o & OPT_BOTH ? TL_READ_EVENTS | TL_READ_ROWS : o & OPT_ROWS ? TL_READ_ROWS : TL_READ_EVENTS;
	return f | TL_READ_TS_TEXT | TL_READ_DOMAINS;   /* as run.c for documents */
}

static void check_learner(const struct tl_learner *l, const struct tl_common *c)
{
	if (l->nev > c->max_events || (!l->has_events && l->nev))
		abort();
	for (size_t i = 0; i < l->nev; i++) {
		const struct tl_event *e = &l->ev[i];
		if ((i && e->ts < l->ev[i - 1].ts) || e->dom >= (int32_t)l->ndomains || e->cap >= (int32_t)l->ncaps ||
		    e->dom < -1 || e->cap < -1)
			abort();
	}
}

/* put_fields: computed fields of every kind, one named like a common
 * attribute (arm) so that it is replaced in place. */
static void put_fields(struct tl_writer *w, const struct tl_learner *l)
{
	tl_put_int(w, "n_events", (long long)l->nev);
	tl_put_num(w, "ratio", (double)l->ncaps / (double)(l->nev + 1));
	struct tl_str cap = l->nev && l->ev[0].cap >= 0 ? l->caps[l->ev[0].cap] : (struct tl_str){"", 0};
	tl_put_text(w, "first_cap", cap.p, cap.n);   /* the earliest event's: caps[] are in input order */
	tl_put_time(w, "last_ts", l->nev ? l->ev[l->nev - 1].ts : 0);
	tl_put_empty(w, "arm");
}

/* One pass over files; a die is caught. The reader and the writer are
 * static so that the jump finds them (and nothing is lost). */
static void run_pass(const struct tl_common *c, int flags, int nfiles, char **files, struct pass *p)
{
	static struct tl_reader *r;
	static struct tl_writer *w;
	static jmp_buf jb;
	memset(p, 0, sizeof *p);
	r = NULL;
	w = tl_writer_open(NULL, 0);
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		p->died = 1;
	} else {
		tl_die_catch(&jb);
		r = tl_reader_open(c, nfiles, files, flags);
		struct tl_learner *l;
		while ((l = tl_reader_next(r))) {
			check_learner(l, c);
			p->learners++;
			p->records += l->has_events ? l->nev : 1;
			p->rows |= !l->has_events;
			p->events |= l->has_events;
			p->docs |= l->shape == TL_SHAPE_DOC || l->shape == TL_SHAPE_ROW_CSV;
			tl_writer_begin(w, l);
			put_fields(w, l);
			tl_writer_end(w);
		}
		tl_die_catch(NULL);
		p->k = *tl_reader_counts(r);
	}
	const char *out;
	p->nout = tl_writer_held(w, &out);
	p->out = malloc(p->nout + 1);
	if (p->nout)
		memcpy(p->out, out, p->nout);
	if (r)
		tl_reader_close(r);
	tl_writer_close(w);
}

static void check_counts(const struct pass *p)
{
	if (p->died)
		return;
	if (p->k.records_read != p->records + p->k.records_rejected + p->k.records_skipped ||
	    p->k.learners_read != p->learners + p->k.learners_skipped)
		abort();
}

/* check_doc: one output line is a strict JSON object, valid UTF-8, with
 * no key twice, and a string learner_id as cJSON reads it. */
static void check_doc(const char *p, size_t n)
{
	if (!tl_json_strict(p, n) || tl_utf8_check(p, n) != n)
		abort();
	struct tl_json_iter it;
	struct tl_str key, keys[256];
	size_t nk = 0;
	char *dec = malloc(n + 1), *d = dec;
	if (tl_json_iter_begin(&it, p, p + n, '{') != 0)
		abort();
	while (tl_json_iter_member(&it, &key) > 0) {
		long k = tl_json_unescape(key, d);
		if (k < 0)
			abort();
		if (nk < 256)
			keys[nk++] = (struct tl_str){d, (size_t)k};
		d += k;
		it.p = tl_json_skip_value(it.p, p + n, 64);
		if (!it.p)
			abort();
	}
	if (tl_json_duplicate(keys, nk) >= 0)
		abort();
	free(dec);
	cJSON *doc = cJSON_ParseWithLength(p, n);
	if (!doc || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "learner_id")))
		abort();
	cJSON_Delete(doc);
}

static void check_output(const struct pass *p)
{
	const char *s = p->out, *end = s + p->nout;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			abort();   /* every record ends its line */
		check_doc(s, (size_t)(nl - s));
		s = nl + 1;
	}
}

static void same_output(const struct pass *a, const struct pass *b)
{
	if (getenv("FUZZ_SHOW"))   /* what differs, when run on one input */
		fprintf(stderr, "--- first\n%.*s--- second\n%.*s", (int)a->nout, a->out, (int)b->nout, b->out);
	if (a->nout != b->nout || (a->nout && memcmp(a->out, b->out, a->nout) != 0))
		abort();
}

/* round_trip: D. Documents are read back with their events when the
 * learners had events (event rows read by a tool that wants rows). */
static void round_trip(const struct pass *a, unsigned o)
{
	int flags = reader_flags(o) | TL_READ_ROWS | (a->events ? TL_READ_EVENTS : 0);
	if (a->events && a->rows && !(reader_flags(o) & TL_READ_EVENTS))
		return;   /* documents whose events were not read, after event rows */
	struct tl_common c;
	options(&c, o & (OPT_ROWS | OPT_BOTH | OPT_UNIT));   /* documents keep a number ts as written */
	char name[32], *files[1] = {name};
	int fd = mem_file(a->out, a->nout, name, sizeof name);
	struct pass d;
	run_pass(&c, flags, 1, files, &d);
	close(fd);
	if (getenv("FUZZ_SHOW") && (d.died || d.learners != a->learners))
		fprintf(stderr, "--- read back (died %d, learners %llu of %llu)\n%.*s", d.died,
			(unsigned long long)d.learners, (unsigned long long)a->learners, (int)a->nout, a->out);
	if (d.died || d.learners != a->learners)
		abort();
	check_counts(&d);
	same_output(a, &d);
	free(d.out);
}

/* next_line: the line at *s (before end), *s moved past it; its length. */
static size_t next_line(const char **s, const char *end)
{
	const char *nl = memchr(*s, '\n', (size_t)(end - *s));
	size_t n = (size_t)(nl - *s) + 1;
	*s += n;
	return n;
}

/* shards: E, over the options of B (c, without --skip-bad). */
static void shards(struct tl_common *c, int flags, int nfiles, char **files, const struct pass *b)
{
	struct pass s[2];
	for (int i = 0; i < 2; i++) {
		c->shard = (struct tl_shard){(uint64_t)i, 2};
		run_pass(c, flags, nfiles, files, &s[i]);
		if (s[i].died || s[i].k.records_read != b->k.records_read || s[i].k.learners_read != b->k.learners_read)
			abort();
		check_counts(&s[i]);
	}
	c->shard = (struct tl_shard){0, 0};
	const char *p[2] = {s[0].out, s[1].out}, *end[2] = {s[0].out + s[0].nout, s[1].out + s[1].nout};
	const char *q = b->out, *qend = b->out + b->nout;
	while (q < qend) {
		const char *line = q;
		size_t n = next_line(&q, qend);
		int k = 0;
		while (k < 2 && !((size_t)(end[k] - p[k]) >= n && memcmp(p[k], line, n) == 0))
			k++;
		if (k == 2)
			abort();   /* a learner in neither shard's output, or out of order */
		p[k] += n;
	}
	if (p[0] != end[0] || p[1] != end[1])
		abort();   /* a shard wrote a learner the whole did not */
	free(s[0].out);
	free(s[1].out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned o = data[0];
	int fds[MAX_FILES];
	mem_name names[MAX_FILES];
	char *files[MAX_FILES];
	int nfiles = mem_files(data + 1, size - 1, MAX_FILES, fds, names, files);
	struct tl_common c;
	options(&c, o);
	struct pass a, b;
	c.skip_bad = 1;
	run_pass(&c, reader_flags(o), nfiles, files, &a);
	check_counts(&a);
	check_output(&a);
	c.skip_bad = 0;
	run_pass(&c, reader_flags(o), nfiles, files, &b);
	if (b.died != (a.died || a.k.records_rejected > 0))
		abort();
	if (!b.died) {
		check_counts(&b);
		same_output(&a, &b);
		shards(&c, reader_flags(o), nfiles, files, &b);
	}
	if (!a.died && !a.docs && a.learners && nfiles == 1 && !c.as_of_field && !c.count_field) {
		struct pass u;
		c.skip_bad = 1;
		c.ungrouped = 1;
		run_pass(&c, reader_flags(o) & ~TL_READ_ROWS, nfiles, files, &u);
		if (u.died || u.k.records_read != a.k.records_read)
			abort();
		check_counts(&u);
		free(u.out);
	}
	if (!a.died && a.nout && !c.count_field && !a.k.records_rejected)
		round_trip(&a, o);
	free(a.out);
	free(b.out);
	for (int i = 0; i < nfiles; i++)
		close(fds[i]);
	return 0;
}
