/* source.h - an input file read line by line, whole or as byte ranges
 * (tl_source_range: the reader's chunks, read with pread(2), so that two
 * threads can read different ranges of one file). */
#ifndef TL_SOURCE_H
#define TL_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TL_SOURCE_NO_END UINT64_MAX

struct tl_source {
	FILE *f;              /* NULL: no file open */
	int fd;               /* f's descriptor (a range reader may share one) */
	const char *name;
	char *buf;            /* the bytes read: [beg, end) not yet returned */
	size_t cap, beg, end;
	int eof;              /* the file (or the range) has no more bytes */
	long lineno;          /* line number of the line last returned */
	uint64_t pos;         /* file offset of buf[end] */
	int ranged;           /* reading [pos, range_end) with pread */
	uint64_t range_end;
	size_t read_size;     /* bytes per read (0: 1 MiB) */
	int in_mem;           /* reading tl_source_mem's bytes; own_buf is ours */
	char *own_buf;
	size_t own_cap;
	size_t scanned;       /* bytes after beg searched for '\n' already */
	size_t max_line;      /* the longest line (0: no limit), and why */
	const char *max_line_why;
	size_t max_json;      /* when not 0: a line that starts with '{' may be
			       * this long instead (until the shape is known) */
	const char *max_json_why;
	int sniffed;          /* the first bytes were looked at for a magic */
	struct tl_inflate *z; /* not NULL: the file is compressed (io/inflate.h);
			       * it is read in order, never in ranges */
};

/* tl_source_open: open name ("-": stdin) for reading; exits 66 when it
 * cannot be opened. gzip or zstd data (told by its first bytes, on the
 * first read) is decompressed: the lines are those of the data. */
void tl_source_open(struct tl_source *s, const char *name);

/* tl_source_close: close the file (a range reader's descriptor is not
 * its own: fd < 0 after tl_source_share leaves it open). */
void tl_source_close(struct tl_source *s);

/* tl_source_free: close, and release the buffer. */
void tl_source_free(struct tl_source *s);

/* tl_source_line: the next physical line, without its '\n', valid until
 * the next call; 0 at the end of the file or range. Exits 74 on a read
 * error, and 65 (FILE:LINE: a line is longer than N bytes, then
 * max_line_why) as soon as a line passes max_line, so the buffer never
 * holds much more than max_line bytes. Each byte is searched for the
 * line end once, however many reads a long line takes. The TL_CSV_PAD
 * bytes after the line are readable. */
int tl_source_line(struct tl_source *s, const char **p, size_t *n);

/* tl_source_not_text: exits 65 naming the likely cause when the first
 * bytes p[0..n) of the file are not text: another compression (xz,
 * bzip2, ...), a zip archive, a database, UTF-16, a NUL byte; returns
 * when they may be text. */
void tl_source_not_text(const struct tl_source *s, const char *p, size_t n);

/* tl_source_unread: give back the line last returned (p is its start). */
void tl_source_unread(struct tl_source *s, const char *p);

/* tl_source_compressed: the bytes read are decompressed (known once a
 * line was read): offsets are not the file's, so no tl_source_range. */
static inline int tl_source_compressed(const struct tl_source *s) { return s->z != NULL; }

/* tl_source_offset: the file offset of the next unread byte. */
static inline uint64_t tl_source_offset(const struct tl_source *s) { return s->pos - (s->end - s->beg); }

/* tl_source_range: from now on read the bytes [from, to) of the file
 * (TL_SOURCE_NO_END: to its end), the first being on line lineno + 1.
 * Unread bytes are dropped. */
void tl_source_range(struct tl_source *s, uint64_t from, uint64_t to, long lineno);

/* tl_source_mem: from now on read the n bytes at p (whole lines, followed
 * by TL_CSV_PAD readable bytes; not copied, so they must outlive the
 * reading), the first on line lineno + 1. */
void tl_source_mem(struct tl_source *s, const char *p, size_t n, long lineno);

/* tl_source_take: the bytes read but not returned yet; the source then
 * holds none. */
size_t tl_source_take(struct tl_source *s, const char **p);

/* tl_source_share: make s read ranges of the file open in from (s does
 * not own the descriptor). */
void tl_source_share(struct tl_source *s, const struct tl_source *from);

#endif
