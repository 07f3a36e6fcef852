/* inflate.c - gzip and zstd input decompressed as a stream (see inflate.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "io/inflate.h"

#define IN_SIZE (1 << 18)   /* compressed bytes read at a time */
#define NBLK 4               /* blocks of the ring (threaded decoding) */
#define BLK_SIZE (1 << 20)   /* decompressed bytes of a block */

static const unsigned char gzip_magic[] = {0x1f, 0x8b};
static const unsigned char zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};

/* An error the decoder found, raised by z_raise on the reading thread. */
enum { E_NONE, E_READ, E_BAD, E_MEM };

/* How a block of the ring ends: filled (the decoder had more), at a
 * natural end (its input was used up, or a member or frame ended), at
 * the end of the data, or at an error. */
enum { B_FULL, B_NAT, B_EOF, B_ERR };

struct block {
	char *data;
	size_t len;
	int end;
};

/* The ring the decoder thread fills: blocks [head, head + count) are
 * decoded, off bytes of block head already given; the decoder writes
 * block (head + count) % NBLK outside the lock, which only it touches. */
struct ring {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	struct block b[NBLK];
	unsigned head, count;
	size_t off;
	int stop, joined;
	int wake[2];   /* a pipe: tl_inflate_free wakes a decoder in poll(2) */
};

struct tl_inflate {
	enum tl_zkind kind;
	int fd;
	const char *name;
	unsigned char *in;       /* compressed bytes: [at, len) not yet given */
	size_t at, len;
	int in_eof;              /* the descriptor has no more bytes */
	int open;                /* inside a gzip member or a zstd frame */
	int full;                /* zstd filled the output: it may hold more */
	int natural;             /* the last decode ended short of its output */
	int err, err_no;         /* E_*, and errno of E_READ */
	const char *what, *why;  /* E_BAD: "corrupt" or "truncated", and why */
	z_stream zs;
	ZSTD_DStream *ds;
	struct ring *ring;       /* not NULL: a decoder thread fills it */
};


enum tl_zkind tl_inflate_kind(const unsigned char *p, size_t n)
{
	if (n >= sizeof gzip_magic && memcmp(p, gzip_magic, sizeof gzip_magic) == 0)
		return TL_Z_GZIP;
	if (n >= sizeof zstd_magic && memcmp(p, zstd_magic, sizeof zstd_magic) == 0)
		return TL_Z_ZSTD;
	return TL_Z_NONE;
}

int tl_inflate_prefix(const unsigned char *p, size_t n)
{
	return (n < sizeof gzip_magic && memcmp(p, gzip_magic, n) == 0) ||
	       (n < sizeof zstd_magic && memcmp(p, zstd_magic, n) == 0);
}

const char *tl_inflate_what(enum tl_zkind kind) { return kind == TL_Z_GZIP ? "gzip" : "zstd"; }

/* refill: more compressed bytes when all were given; 0 at the end, -1
 * on a read error (recorded). The decoder thread waits for bytes in
 * poll(2), which tl_inflate_free interrupts (then it reads no more). */
static int refill(struct tl_inflate *z)
{
	if (z->at < z->len)
		return 1;
	if (z->in_eof)
		return 0;
	ssize_t got;
	if (z->ring) {
		struct pollfd pf[2] = {{.fd = z->fd, .events = POLLIN}, {.fd = z->ring->wake[0], .events = POLLIN}};
		while (poll(pf, 2, -1) < 0 && errno == EINTR)
			;
		if (pf[1].revents)
			return 0;   /* stopped: the ring is freed, nothing reads on */
	}
	do
		got = read(z->fd, z->in, IN_SIZE);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		z->err = E_READ;
		z->err_no = errno;
		return -1;
	}
	z->at = 0;
	z->len = (size_t)got;
	z->in_eof = got == 0;
	return got > 0;
}

static void bad(struct tl_inflate *z, const char *what, const char *why)
{
	z->err = E_BAD;
	z->what = what;
	z->why = why;
}

/* z_raise: exit as the error z recorded says (on the reading thread). */
static _Noreturn void z_raise(const struct tl_inflate *z)
{
	if (z->err == E_READ) {
		errno = z->err_no;
		tl_die(TL_EX_IOERR, "%s: read error:", z->name);
	}
	if (z->err == E_MEM)
		tl_die(TL_EX_SOFTWARE, "out of memory");
	tl_die(TL_EX_DATAERR, "%s: %s %s data: %s", z->name, z->what, tl_inflate_what(z->kind), z->why);
}

/* gzip_read: inflate members one after another (cat a.gz b.gz is one
 * stream, as gzip -d reads it); anything but a member after a member is
 * an error, not ignored. Stops after the first inflate call that gives
 * bytes; on an error (z->err) returns what that call gave before it. */
static size_t gzip_read(struct tl_inflate *z, char *out, size_t cap)
{
	z->zs.next_out = (unsigned char *)out;
	z->zs.avail_out = (unsigned)cap;
	int rc = Z_OK, more;
	while (z->zs.avail_out == cap) {
		if ((more = refill(z)) <= 0) {
			if (more == 0 && z->open)
				bad(z, "truncated", "the file ends inside a compressed member");
			return 0;
		}
		if (!z->open && z->in[z->at] != gzip_magic[0]) {
			bad(z, "corrupt", "bytes after the last member are not gzip");
			return 0;
		}
		z->zs.next_in = z->in + z->at;
		z->zs.avail_in = (unsigned)(z->len - z->at);
		rc = inflate(&z->zs, Z_NO_FLUSH);
		z->at = z->len - z->zs.avail_in;
		z->open = 1;
		if (rc == Z_STREAM_END) {
			inflateReset(&z->zs);
			z->open = 0;
		} else if (rc == Z_MEM_ERROR) {
			z->err = E_MEM;
			break;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			bad(z, "corrupt", z->zs.msg ? z->zs.msg : "inflate failed");
			break;
		}
	}
	z->natural = z->zs.avail_out > 0 || rc == Z_STREAM_END;
	return cap - z->zs.avail_out;
}

/* zstd_read: frames one after another (libzstd goes on to the next frame
 * by itself, and skips skippable frames); as gzip_read. */
static size_t zstd_read(struct tl_inflate *z, char *out, size_t cap)
{
	ZSTD_outBuffer ob = {out, cap, 0};
	size_t rc = 1;
	int more;
	while (ob.pos == 0) {
		if (!z->full && (more = refill(z)) <= 0) {
			if (more == 0 && z->open)
				bad(z, "truncated", "the file ends inside a frame");
			return 0;
		}
		ZSTD_inBuffer ib = {z->in, z->len, z->at};
		rc = ZSTD_decompressStream(z->ds, &ob, &ib);
		z->at = ib.pos;
		if (ZSTD_isError(rc)) {
			bad(z, "corrupt", ZSTD_getErrorName(rc));
			return ob.pos;
		}
		z->open = rc != 0;
		z->full = ob.pos == ob.size;
	}
	z->natural = !z->full || rc == 0;
	return ob.pos;
}

static size_t decode(struct tl_inflate *z, char *out, size_t cap)
{
	return z->kind == TL_Z_GZIP ? gzip_read(z, out, cap) : zstd_read(z, out, cap);
}

/* decoder: the thread: one decode a block, until the end or an error
 * (recorded in z, raised by the reader when it gets there) or stop. */
static void *decoder(void *arg)
{
	struct tl_inflate *z = arg;
	struct ring *r = z->ring;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->count == NBLK && !r->stop)
			pthread_cond_wait(&r->freed, &r->mu);
		if (r->stop)
			break;
		struct block *b = &r->b[(r->head + r->count) % NBLK];
		pthread_mutex_unlock(&r->mu);
		b->len = decode(z, b->data, BLK_SIZE);
		b->end = z->err ? B_ERR : b->len == 0 ? B_EOF : z->natural ? B_NAT : B_FULL;
		pthread_mutex_lock(&r->mu);
		r->count++;
		pthread_cond_signal(&r->filled);
		if (b->end == B_EOF || b->end == B_ERR)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void ring_free(struct ring *r)
{
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->freed);
	close(r->wake[0]);
	close(r->wake[1]);
	for (int i = 0; i < NBLK; i++)
		free(r->b[i].data);
	free(r);
}

/* ring_start: the decoder thread; if none starts, decode on this one. */
static void ring_start(struct tl_inflate *z)
{
	struct ring *r = z->ring = tl_xcalloc(1, sizeof *r);
	for (int i = 0; i < NBLK; i++)
		r->b[i].data = tl_xmalloc(BLK_SIZE);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->freed, NULL);
	if (pipe(r->wake) != 0) {
		r->wake[0] = r->wake[1] = -1;
		ring_free(r);
		z->ring = NULL;
	} else if (tl_thread_start(&r->th, decoder, z) != 0) {
		ring_free(r);
		z->ring = NULL;
	}
}

static void ring_stop(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->freed);
	pthread_mutex_unlock(&r->mu);
	if (!r->joined) {
		while (write(r->wake[1], "", 1) < 0 && errno == EINTR)
			;
		pthread_join(r->th, NULL);
	}
	ring_free(r);
}

struct tl_inflate *tl_inflate_new(enum tl_zkind kind, int fd, const char *name, const char *p, size_t n)
{
	struct tl_inflate *z = tl_xcalloc(1, sizeof *z);
	z->kind = kind;
	z->fd = fd;
	z->name = name;
	z->in = tl_xmalloc(IN_SIZE > n ? IN_SIZE : n);
	memcpy(z->in, p, n);
	z->len = n;
	if (kind == TL_Z_GZIP) {
		if (inflateInit2(&z->zs, 15 + 16) != Z_OK)   /* 15 + 16: a gzip wrapper */
			tl_die(TL_EX_SOFTWARE, "cannot initialise zlib");
	} else if (!(z->ds = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(z->ds))) {
		tl_die(TL_EX_SOFTWARE, "cannot initialise libzstd");
	}
	if (tl_threads_allowed())
		ring_start(z);
	return z;
}

void tl_inflate_free(struct tl_inflate *z)
{
	if (!z)
		return;
	if (z->ring)
		ring_stop(z->ring);
	if (z->kind == TL_Z_GZIP)
		inflateEnd(&z->zs);
	else
		ZSTD_freeDStream(z->ds);
	free(z->in);
	free(z);
}

/* span: under the lock, the bytes the one-thread path would give for
 * cap, so that both give the same bytes before an error: up to cap, or
 * to a natural end before; -1 when the error comes first (that path
 * loses the bytes its failing call gave). Waits for the blocks it needs;
 * when the ring is all needed, the bytes it holds. */
static long span(struct ring *r, size_t cap)
{
	size_t acc = 0;
	for (unsigned i = 0;; i++) {
		if (i == NBLK)
			return (long)acc;
		while (i == r->count)
			pthread_cond_wait(&r->filled, &r->mu);
		const struct block *b = &r->b[(r->head + i) % NBLK];
		size_t avail = b->len - (i ? 0 : r->off);
		if (b->end == B_ERR)
			return acc + avail <= cap ? -1 : (long)cap;
		if (acc + avail > cap || (acc + avail == cap && b->end == B_NAT))
			return (long)cap;
		acc += avail;
		if (b->end != B_FULL)
			return (long)acc;
	}
}

/* ring_read: n bytes from the ring, freeing the blocks used up. */
static size_t ring_read(struct tl_inflate *z, char *out, size_t cap)
{
	struct ring *r = z->ring;
	pthread_mutex_lock(&r->mu);
	long n = span(r, cap);
	pthread_mutex_unlock(&r->mu);
	if (n < 0) {   /* the decoder has ended: join it before exiting */
		pthread_join(r->th, NULL);
		r->joined = 1;
		z_raise(z);
	}
	for (size_t done = 0; done < (size_t)n;) {
		const struct block *b = &r->b[r->head];
		size_t k = b->len - r->off < (size_t)n - done ? b->len - r->off : (size_t)n - done;
		memcpy(out + done, b->data + r->off, k);
		done += k;
		r->off += k;
		if (r->off == b->len) {
			pthread_mutex_lock(&r->mu);
			r->head = (r->head + 1) % NBLK;
			r->count--;
			r->off = 0;
			pthread_cond_signal(&r->freed);
			pthread_mutex_unlock(&r->mu);
		}
	}
	return (size_t)n;
}

size_t tl_inflate_read(struct tl_inflate *z, char *out, size_t cap)
{
	if (cap > (1u << 30))
		cap = 1u << 30;   /* zlib counts in unsigned int */
	if (z->ring)
		return ring_read(z, out, cap);
	size_t n = decode(z, out, cap);
	if (z->err)
		z_raise(z);
	return n;
}
