/* test_inflate.c - io/inflate.c on its decoder thread and without it
 * (TL_THREADS=1): the same bytes for any read size, the same bytes before
 * an error in the middle, and tl_inflate_free before the end (the ring
 * full, or the thread waiting in read(2) on a pipe still open). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/err.h"
#include "io/inflate.h"
#include "unit.h"

#define PLAIN (5u << 20)

static char *plain;

static unsigned char *gzip_of(const char *p, size_t n, size_t *out)
{
	z_stream zs = {0};
	deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&zs, n);
	unsigned char *c = malloc(cap);
	zs.next_in = (unsigned char *)p;
	zs.avail_in = (unsigned)n;
	zs.next_out = c;
	zs.avail_out = (unsigned)cap;
	deflate(&zs, Z_FINISH);
	*out = cap - zs.avail_out;
	deflateEnd(&zs);
	return c;
}

static unsigned char *zstd_of(const char *p, size_t n, size_t *out)
{
	size_t cap = ZSTD_compressBound(n);
	unsigned char *c = malloc(cap);
	*out = ZSTD_compress(c, cap, p, n, 3);
	return c;
}

/* read_all: the bytes inflated from c (n bytes, through a file) until the
 * end or a caught error (*failed), read with sizes cycling from step. */
static size_t read_all(const unsigned char *c, size_t n, char *to, size_t step, int *failed)
{
	FILE *f = tmpfile();
	fwrite(c, 1, n, f);
	fflush(f);
	lseek(fileno(f), 4, SEEK_SET);
	struct tl_inflate *z = tl_inflate_new(tl_inflate_kind(c, 4), fileno(f), "t", (const char *)c, 4);
	static size_t got;
	got = 0;
	jmp_buf jb;
	*failed = 1;
	if (setjmp(jb) == 0) {
		tl_die_catch(&jb);
		size_t k;
		for (size_t i = 0; (k = tl_inflate_read(z, to + got, step + i % 3 * 4099)) > 0; i++)
			got += k;
		*failed = 0;
	}
	tl_die_catch(NULL);
	tl_inflate_free(z);
	fclose(f);
	return got;
}

static void same_both_ways(const unsigned char *c, size_t n, size_t step)
{
	char *a = malloc(PLAIN + (8u << 20)), *b = malloc(PLAIN + (8u << 20));
	int fa, fb;
	setenv("TL_THREADS", "1", 1);
	size_t na = read_all(c, n, a, step, &fa);
	unsetenv("TL_THREADS");
	size_t nb = read_all(c, n, b, step, &fb);
	CHECK_EQ(na, nb);
	CHECK_EQ(fa, fb);
	CHECK(memcmp(a, b, na < nb ? na : nb) == 0);
	if (!fa)
		CHECK(na == PLAIN && memcmp(a, plain, PLAIN) == 0);
	free(a);
	free(b);
}

/* early_free: read a little, then free, with the ring full (a file) or
 * the thread in read(2) on a pipe whose writer is still open. */
static void early_free(const unsigned char *c, size_t n)
{
	char buf[100];
	int fd[2];
	CHECK(pipe(fd) == 0);
	CHECK(write(fd[1], c, 60000) == 60000);   /* a zstd block or more; less than a pipe holds */
	struct tl_inflate *z = tl_inflate_new(tl_inflate_kind(c, 4), fd[0], "p", "", 0);
	CHECK(tl_inflate_read(z, buf, sizeof buf) > 0);
	tl_inflate_free(z);
	close(fd[0]);
	close(fd[1]);
	char *out = malloc(PLAIN);
	FILE *f = tmpfile();
	fwrite(c, 1, n, f);
	fflush(f);
	rewind(f);
	z = tl_inflate_new(tl_inflate_kind(c, 4), fileno(f), "f", "", 0);
	CHECK(tl_inflate_read(z, out, 10) == 10);
	tl_inflate_free(z);
	fclose(f);
	free(out);
}

int main(void)
{
	plain = malloc(PLAIN);
	unsigned s = 1;
	for (size_t i = 0; i < PLAIN; i++) {
		s = s * 1103515245u + 12345u;
		plain[i] = (i % 61 == 60) ? '\n' : (char)('a' + (s >> 16) % 7);
	}
	for (int k = 0; k < 2; k++) {
		size_t n;
		unsigned char *c = k ? zstd_of(plain, PLAIN, &n) : gzip_of(plain, PLAIN, &n);
		same_both_ways(c, n, 1 << 20);
		same_both_ways(c, n, 70001);
		for (size_t at = n / 3; at < n; at += n / 4) {   /* corrupt in the middle */
			memset(c + at, 0xff, 16);
			same_both_ways(c, n, 1 << 20);
			same_both_ways(c, n, 1000003);
		}
		early_free(c, n);
		free(c);
	}
	free(plain);
	return UNIT_DONE();
}
