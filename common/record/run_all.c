/* run_all.c - tl_run_all: the learner loop of every tool, serial or on
 * worker threads over chunks of the input (tl(7) THREADS). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/csvrow.h"
#include "util/err.h"
#include "util/out.h"
#include "record/chunk.h"
#include "record/run.h"
#include "record/run_impl.h"

/* ---- tl_run_all: the learner loop, on worker threads for large files -----
 *
 * (tl(7) THREADS.) Two worker threads read chunks into memory, each with
 * its own reader, writer and copy of the tool's state; the main thread
 * appends the chunks' records in input order.
 * - Ranges: one regular file of event CSV is cut into chunks of about
 *   CHUNK_BYTES at learner boundaries, which the workers pread.
 * - Stream: learner documents (one learner a line) from any input; the
 *   workers read it in turn, each a chunk of whole lines.
 * A chunk is used only when it was clean: no bad record, no quote, no
 * learner seen before (checked against the main reader's table at the
 * merge), no tl_die. Otherwise the main thread reads the chunk again
 * itself, and meets the problem with the serial loop's message, line
 * number and exit code. A quote in event CSV means a quoted field could
 * span a boundary: the main thread then reads on to the end alone. */

#define CHUNK_BYTES (1u << 20)
#define NWORKERS 2
#define NSLOTS 4              /* chunks in flight: two read, two wait */

enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
	int state;
	uint64_t from, to;          /* ranges: the chunk's bytes in the file */
	char *buf;                  /* stream: the chunk's bytes, read in turn */
	size_t cap, len;
	int last;                   /* stream: the input ends with this chunk */
	int failed;                 /* something would have ended the run */
	struct tl_reader *reader;
	struct tl_writer *writer;
	void *tool_state;
	uint64_t used, future, written;
	struct tl_learner_set learners;
	struct tl_asof_gap gap;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[NSLOTS];
	uint64_t queued;            /* chunks queued so far */
	uint64_t wnext[NWORKERS];   /* the next chunk of each worker */
	struct tl_run *run;
	const struct tl_tool *tool;
	const void *state0;         /* the tool's state before any learner */
	/* stream mode (documents): the workers read the input in chunk order */
	int stream, in_eof, fd;
	const char *in_name;
	pthread_mutex_t in_mu;
	pthread_cond_t in_cv;
	uint64_t in_turn;           /* the chunk whose turn it is to read */
	char *carry;                /* a partial line for the next chunk */
	size_t ncarry, carrycap, chunk;
};

/* The workers and their pool live until exit: their thread-local scratch
 * stays reachable (no leak reports), and nothing needs joining. */
static struct pool *pool;
static int nworkers;
static unsigned long chunks_merged, chunks_reread;   /* TL_CHUNK_STATS */

static void slot_reserve(struct slot *s, size_t n)
{
	if (n <= s->cap)
		return;
	s->cap = 2 * n;
	s->buf = tl_xrealloc(s->buf, s->cap + TL_CSV_PAD);
	memset(s->buf + s->cap, 0, TL_CSV_PAD);
}

/* stream_read: chunk k's bytes, when its turn comes: the carried partial
 * line, then reads up to the chunk size and a line end (or the end of
 * input); the bytes after the last line end are carried to chunk k + 1. */
static void stream_read(struct pool *p, struct slot *s, uint64_t k)
{
	pthread_mutex_lock(&p->in_mu);
	while (p->in_turn != k)
		pthread_cond_wait(&p->in_cv, &p->in_mu);
	slot_reserve(s, p->ncarry + p->chunk);
	if (p->ncarry)
		memcpy(s->buf, p->carry, p->ncarry);
	size_t len = p->ncarry, whole = 0;
	const char *nl = len ? memrchr(s->buf, '\n', len) : NULL;
	if (nl)
		whole = (size_t)(nl - s->buf) + 1;
	while (!p->in_eof && (len < p->chunk || !whole)) {
		size_t want = len < p->chunk ? p->chunk - len : 1 << 16;   /* then on to a line end */
		slot_reserve(s, len + want);
		ssize_t got;
		do
			got = read(p->fd, s->buf + len, want);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			tl_die(TL_EX_IOERR, "%s: read error:", p->in_name);
		if (got == 0) {
			p->in_eof = 1;
			break;
		}
		nl = memrchr(s->buf + len, '\n', (size_t)got);
		len += (size_t)got;
		if (nl)
			whole = (size_t)(nl - s->buf) + 1;
	}
	if (p->in_eof)
		whole = len;
	p->ncarry = len - whole;
	if (p->ncarry > p->carrycap) {
		p->carrycap = 2 * p->ncarry;
		p->carry = tl_xrealloc(p->carry, p->carrycap);
	}
	if (p->ncarry)
		memcpy(p->carry, s->buf + whole, p->ncarry);
	s->len = whole;
	s->last = p->in_eof;
	memset(s->buf + whole, 0, TL_CSV_PAD);   /* what follows the lines reads as padding */
	p->in_turn++;
	pthread_cond_broadcast(&p->in_cv);
	pthread_mutex_unlock(&p->in_mu);
}

static void read_chunk(struct pool *p, struct slot *s, uint64_t k)
{
	if (p->stream) {
		stream_read(p, s, k);
		tl_reader_chunk_start_mem(s->reader, s->buf, s->len);
	} else {
		tl_reader_chunk_start(s->reader, s->from, s->to);
	}
	tl_writer_clear(s->writer);
	memcpy(s->tool_state, p->state0, p->tool->state_size);
	s->used = s->future = s->written = 0;
	s->learners = (struct tl_learner_set){0, 0, 0};
	memset(&s->gap, 0, sizeof s->gap);
	s->failed = 0;
	jmp_buf jb;
	if (setjmp(jb)) {   /* a tl_die: the main thread will meet it again */
		tl_die_catch(NULL);
		s->failed = 1;
		return;
	}
	tl_die_catch(&jb);
	struct tl_learner *l;
	while ((l = tl_reader_next(s->reader))) {
		tl_time asof;
		size_t npast;
		tl_run_learner_asof(p->run->c, p->run->now, l, &asof, &npast, &s->used, &s->future, &s->gap);
		tl_learner_set_add(&s->learners, l->id.p, l->id.n);
		tl_writer_begin(s->writer, l);
		p->tool->learner(s->tool_state, l, asof, npast, s->writer);
		tl_writer_end(s->writer);
		s->written++;
	}
	tl_die_catch(NULL);
}

/* Worker w reads chunks w, w + NWORKERS, ...: a slot (its reader's
 * buffers and arenas, its output) then stays with one thread and its
 * core's cache; handing memory between cores costs more than an uneven
 * share of chunks. */
static void *worker_main(void *arg)
{
	int w = *(const int *)arg;
	struct pool *p = pool;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->queued <= p->wnext[w])
			pthread_cond_wait(&p->cv, &p->mu);
		uint64_t k = p->wnext[w];
		p->wnext[w] += NWORKERS;
		struct slot *s = &p->slot[k % NSLOTS];
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&p->mu);
		read_chunk(p, s, k);
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	return NULL;
}

static void pool_stop(void);

static int pool_start(struct tl_run *run, const struct tl_tool *tool, const void *state0)
{
	pthread_mutex_lock(&pool->mu);
	pool->run = run;
	pool->tool = tool;
	pool->state0 = state0;
	pool->queued = 0;
	for (int w = 0; w < NWORKERS; w++)
		pool->wnext[w] = (uint64_t)w;
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &pool->slot[i];
		s->state = SLOT_FREE;
		s->reader = tl_reader_chunk_new(run->reader);
		s->writer = tl_writer_open(NULL, run->c->out_csv);
		tl_writer_header_from(s->writer, run->writer);   /* stream: the first learner's */
		s->tool_state = tl_xmalloc(tool->state_size ? tool->state_size : 1);
	}
	pthread_mutex_unlock(&pool->mu);
	static const int index[NWORKERS] = {0, 1};
	for (; nworkers < NWORKERS; nworkers++) {
		pthread_t t;
		if (tl_thread_start(&t, worker_main, (void *)&index[nworkers]) != 0)
			break;
		pthread_detach(t);
	}
	if (nworkers < NWORKERS) {   /* every worker has its share of chunks */
		pool_stop();
		return 0;
	}
	return 1;
}

static void pool_stop(void)
{
	pthread_mutex_lock(&pool->mu);
	for (int i = 0; i < NSLOTS; i++)   /* let queued chunks finish */
		while (pool->slot[i].state == SLOT_QUEUED || pool->slot[i].state == SLOT_RUNNING)
			pthread_cond_wait(&pool->cv, &pool->mu);
	pthread_mutex_unlock(&pool->mu);
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &pool->slot[i];
		tl_reader_close(s->reader);
		tl_writer_close(s->writer);
		free(s->tool_state);
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
		s->state = SLOT_FREE;
	}
}

static void queue_chunk(struct slot *s, uint64_t from, uint64_t to)
{
	pthread_mutex_lock(&pool->mu);
	s->from = from;
	s->to = to;
	s->state = SLOT_QUEUED;
	pool->queued++;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

static void wait_chunk(struct slot *s)
{
	pthread_mutex_lock(&pool->mu);
	while (s->state != SLOT_DONE)
		pthread_cond_wait(&pool->cv, &pool->mu);
	pthread_mutex_unlock(&pool->mu);
}

/* merge_chunk: append a clean chunk; 0 when the main thread must read it. */
static int merge_chunk(struct tl_run *run, const struct tl_tool *tool, void *state, struct slot *s)
{
	const char *p;
	size_t n = tl_writer_held(s->writer, &p);
	if (s->failed || tl_reader_chunk_failed(s->reader) || tl_reader_chunk_merge(run->reader, s->reader) < 0)
		return 0;
	tl_writer_header_from(run->writer, s->writer);
	tl_writer_raw(run->writer, p, n);
	if (ferror(run->out))
		tl_die(TL_EX_IOERR, "write error on %s:", run->c->output ? run->c->output : "standard output");
	run->used += s->used;
	run->future += s->future;
	tl_learner_set_join(&run->learners, &s->learners);
	tl_run_gap_merge(&run->gap, &s->gap);
	run->written += s->written;
	if (tool->merge)
		tool->merge(state, s->tool_state);
	return 1;
}

static void serial_loop(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	struct tl_learner *l;
	tl_time asof;
	size_t npast;
	while ((l = tl_run_next(run, &asof, &npast))) {
		tool->learner(state, l, asof, npast, run->writer);
		if (tool->report)
			tl_run_consumed(run);
		else
			tl_run_emit(run);
	}
}

/* range_loop: the main thread reads [from, to); 0 when a quote made it
 * read on to the end of the file. */
static int range_loop(struct tl_run *run, const struct tl_tool *tool, void *state, uint64_t from, uint64_t to)
{
	tl_reader_range(run->reader, from, to, tl_reader_lineno(run->reader));
	serial_loop(run, tool, state);
	return tl_reader_range_end(run->reader) == to;
}

static void chunk_stats(void)
{
	fprintf(stderr, "%s: chunks: %lu from the workers, %lu read again\n", tl_progname(), chunks_merged,
		chunks_reread);
}

static uint64_t env_bytes(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && atoll(v) > 0 ? (uint64_t)atoll(v) : dflt;
}

/* chunked: the pool reads the chunks of [at, size), the main thread merges
 * them in order (or reads them itself). */
static void chunked(struct tl_run *run, const struct tl_tool *tool, void *state, uint64_t at, uint64_t size,
		    uint64_t chunk)
{
	uint64_t next = at, merged = 0;   /* next: where the next chunk starts */
	for (;;) {
		while (next < size && pool->queued - merged < NSLOTS) {
			/* a chunk holds at most a learner more than chunk bytes, or
			 * runs to a quote, where its reader stops */
			uint64_t end = tl_reader_boundary(run->reader, next + chunk, size);
			queue_chunk(&pool->slot[pool->queued % NSLOTS], next, end);
			next = end;
		}
		if (merged == pool->queued)
			break;
		struct slot *s = &pool->slot[merged % NSLOTS];
		wait_chunk(s);
		int ok = 1;
		if (merge_chunk(run, tool, state, s)) {
			chunks_merged++;
		} else {
			chunks_reread++;
			ok = range_loop(run, tool, state, s->from, s->to);
		}
		merged++;
		pthread_mutex_lock(&pool->mu);
		s->state = SLOT_FREE;
		pthread_mutex_unlock(&pool->mu);
		if (!ok)
			break;   /* read to the end of the file */
	}
}

/* streamed: the workers read the documents in turn, the main thread
 * merges the chunks in order (or reads them itself) up to the last. */
static void streamed(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	uint64_t merged = 0;
	for (;;) {
		while (pool->queued - merged < NSLOTS)
			queue_chunk(&pool->slot[pool->queued % NSLOTS], 0, 0);
		struct slot *s = &pool->slot[merged % NSLOTS];
		wait_chunk(s);
		if (merge_chunk(run, tool, state, s)) {
			chunks_merged++;
		} else {
			chunks_reread++;
			tl_reader_mem(run->reader, s->buf, s->len, tl_reader_lineno(run->reader));
			serial_loop(run, tool, state);
		}
		merged++;
		int last = s->last;
		pthread_mutex_lock(&pool->mu);
		s->state = SLOT_FREE;
		pthread_mutex_unlock(&pool->mu);
		if (last)
			break;
	}
}

/* first_learner: documents: the main thread does the first learner (its
 * fields fix the CSV header and the tool's per-run choices). 0: none. */
static int first_learner(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	struct tl_learner *l;
	tl_time asof;
	size_t npast;
	if (!(l = tl_run_next(run, &asof, &npast)))
		return 0;
	tool->learner(state, l, asof, npast, run->writer);
	tl_run_emit(run);
	return 1;
}

/* stream_begin: the workers read the rest of the input in turn, starting
 * with what the main reader read ahead. */
static void stream_begin(struct tl_run *run, uint64_t chunk)
{
	const char *p;
	int eof;
	size_t n = tl_reader_take_unread(run->reader, &p, &eof);
	pool->stream = 1;
	pool->in_eof = eof;   /* then no read(2) again: a terminal would wait */
	pool->in_turn = 0;
	pool->fd = tl_reader_fd(run->reader);
	pool->in_name = tl_reader_name(run->reader);
	pool->chunk = chunk;
	if (n > pool->carrycap) {
		pool->carrycap = 2 * n;
		pool->carry = tl_xrealloc(pool->carry, pool->carrycap);
	}
	if (n)
		memcpy(pool->carry, p, n);
	pool->ncarry = n;
}

/* header_alone: rows of no learner still have their header line. */
static void header_alone(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	if (tool->report || !run->c->out_csv || tl_writer_started(run->writer))
		return;
	struct tl_learner *l = tl_reader_no_learner(run->reader);
	tl_writer_begin(run->writer, l);
	if (tool->columns) {
		tool->columns(state, run->writer);
	} else if (!tool->one_thread) {
		void *copy = tl_xmalloc(tool->state_size ? tool->state_size : 1);
		memcpy(copy, state, tool->state_size);
		tool->learner(copy, l, run->c->has_as_of ? run->c->as_of : run->now, 0, run->writer);
		free(copy);
	}
	tl_writer_header(run->writer);
}

static void run_loops(struct tl_run *run, const struct tl_tool *tool, void *state);

void tl_run_all(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	run_loops(run, tool, state);
	header_alone(run, tool, state);
}

static void run_loops(struct tl_run *run, const struct tl_tool *tool, void *state)
{
	uint64_t at = 0, size = 0;
	uint64_t chunk = env_bytes("TL_CHUNK_BYTES", CHUNK_BYTES);
	int mode = 0;   /* 1: ranges of event CSV, 2: a stream of documents */
	if (!tool->one_thread && !tool->report && tl_threads_allowed()) {
		/* --skip-bad keeps event CSV to one thread: a skipped row between
		 * two parts of a learner leaves the learner open, which a chunk
		 * boundary there would not (without it, the first bad row ends
		 * the run, as serially). Documents are one learner a line. */
		if (!run->c->skip_bad && tl_reader_chunkable(run->reader, &at, &size) && size - at >= 2 * chunk)
			mode = 1;
		else if (tl_reader_streamable(run->reader))
			mode = 2;
	}
	if (!mode) {
		serial_loop(run, tool, state);
		return;
	}
	if (!pool) {
		pool = tl_xcalloc(1, sizeof *pool);
		pthread_mutex_init(&pool->mu, NULL);
		pthread_cond_init(&pool->cv, NULL);
		pthread_mutex_init(&pool->in_mu, NULL);
		pthread_cond_init(&pool->in_cv, NULL);
	}
	if (mode == 2 && !first_learner(run, tool, state))
		return;
	void *state0 = tl_xmalloc(tool->state_size ? tool->state_size : 1);
	memcpy(state0, state, tool->state_size);
	if (!pool_start(run, tool, state0)) {
		free(state0);
		serial_loop(run, tool, state);   /* ranges: not begun; stream: from the carried bytes */
		return;
	}
	pool->stream = 0;
	if (mode == 2)
		stream_begin(run, chunk);
	if (getenv("TL_CHUNK_STATS"))
		atexit(chunk_stats);   /* also when a bad record ends the run */
	run->in_chunks = 1;
	if (mode == 1)
		chunked(run, tool, state, at, size, chunk);
	else
		streamed(run, tool, state);
	pool_stop();
	run->in_chunks = 0;
	if (run->progress)
		tl_run_show_progress(run, 1);
	free(state0);
}
