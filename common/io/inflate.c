/* inflate.c - gzip and zstd input decompressed as a stream (see inflate.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/err.h"
#include "io/inflate.h"

#define IN_SIZE (1 << 18)   /* compressed bytes read at a time */

static const unsigned char gzip_magic[] = {0x1f, 0x8b};
static const unsigned char zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};

struct tl_inflate {
	enum tl_zkind kind;
	int fd;
	const char *name;
	unsigned char *in;       /* compressed bytes: [at, len) not yet given */
	size_t at, len;
	int in_eof;              /* the descriptor has no more bytes */
	int open;                /* inside a gzip member or a zstd frame */
	int full;                /* zstd filled the output: it may hold more */
	z_stream zs;
	ZSTD_DStream *ds;
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
	return z;
}

void tl_inflate_free(struct tl_inflate *z)
{
	if (!z)
		return;
	if (z->kind == TL_Z_GZIP)
		inflateEnd(&z->zs);
	else
		ZSTD_freeDStream(z->ds);
	free(z->in);
	free(z);
}

/* refill: more compressed bytes when all were given; 0 at the end. */
static int refill(struct tl_inflate *z)
{
	if (z->at < z->len)
		return 1;
	if (z->in_eof)
		return 0;
	ssize_t got;
	do
		got = read(z->fd, z->in, IN_SIZE);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		tl_die(TL_EX_IOERR, "%s: read error:", z->name);
	z->at = 0;
	z->len = (size_t)got;
	z->in_eof = got == 0;
	return got > 0;
}

static _Noreturn void bad(const struct tl_inflate *z, const char *what, const char *why)
{
	tl_die(TL_EX_DATAERR, "%s: %s %s data: %s", z->name, what, tl_inflate_what(z->kind), why);
}

/* gzip_read: inflate members one after another (cat a.gz b.gz is one
 * stream, as gzip -d reads it); anything but a member after a member is
 * an error, not ignored. */
static size_t gzip_read(struct tl_inflate *z, char *out, size_t cap)
{
	z->zs.next_out = (unsigned char *)out;
	z->zs.avail_out = (unsigned)cap;
	while (z->zs.avail_out == cap) {
		if (!refill(z)) {
			if (z->open)
				bad(z, "truncated", "the file ends inside a compressed member");
			return 0;
		}
		if (!z->open && z->in[z->at] != gzip_magic[0])
			bad(z, "corrupt", "bytes after the last member are not gzip");
		z->zs.next_in = z->in + z->at;
		z->zs.avail_in = (unsigned)(z->len - z->at);
		int rc = inflate(&z->zs, Z_NO_FLUSH);
		z->at = z->len - z->zs.avail_in;
		z->open = 1;
		if (rc == Z_STREAM_END) {
			inflateReset(&z->zs);
			z->open = 0;
		} else if (rc == Z_MEM_ERROR) {
			tl_die(TL_EX_SOFTWARE, "out of memory");
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			bad(z, "corrupt", z->zs.msg ? z->zs.msg : "inflate failed");
		}
	}
	return cap - z->zs.avail_out;
}

/* zstd_read: frames one after another (libzstd goes on to the next frame
 * by itself, and skips skippable frames). */
static size_t zstd_read(struct tl_inflate *z, char *out, size_t cap)
{
	ZSTD_outBuffer ob = {out, cap, 0};
	while (ob.pos == 0) {
		if (!z->full && !refill(z)) {
			if (z->open)
				bad(z, "truncated", "the file ends inside a frame");
			return 0;
		}
		ZSTD_inBuffer ib = {z->in, z->len, z->at};
		size_t rc = ZSTD_decompressStream(z->ds, &ob, &ib);
		z->at = ib.pos;
		if (ZSTD_isError(rc))
			bad(z, "corrupt", ZSTD_getErrorName(rc));
		z->open = rc != 0;
		z->full = ob.pos == ob.size;
	}
	return ob.pos;
}

size_t tl_inflate_read(struct tl_inflate *z, char *out, size_t cap)
{
	if (cap > (1u << 30))
		cap = 1u << 30;   /* zlib counts in unsigned int */
	return z->kind == TL_Z_GZIP ? gzip_read(z, out, cap) : zstd_read(z, out, cap);
}
