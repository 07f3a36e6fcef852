/* source.c - input files read line by line (see source.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csvrow.h"
#include "io/inflate.h"
#include "util/err.h"
#include "util/out.h"
#include "io/source.h"

#define READ_CHUNK (1 << 20)

void tl_source_open(struct tl_source *s, const char *name)
{
	if (strcmp(name, "-") == 0) {
		s->f = stdin;
		s->name = "-";
		tl_pipe_grow(STDIN_FILENO);
	} else {
		s->f = fopen(name, "r");
		if (!s->f)
			tl_die(TL_EX_NOINPUT, "%s:", name);
		s->name = name;
	}
	s->fd = fileno(s->f);
	s->beg = s->end = s->scanned = 0;
	s->eof = 0;
	s->lineno = 0;
	s->pos = 0;
	s->ranged = 0;
	s->sniffed = 0;
}

void tl_source_share(struct tl_source *s, const struct tl_source *from)
{
	s->f = NULL;
	s->fd = from->fd;
	s->name = from->name;
	s->beg = s->end = s->scanned = 0;
	s->eof = 1;
	s->lineno = 0;
}

/* leave_mem: back to the source's own buffer after tl_source_mem. */
static void leave_mem(struct tl_source *s)
{
	if (s->in_mem) {
		s->buf = s->own_buf;
		s->cap = s->own_cap;
		s->in_mem = 0;
	}
}

void tl_source_mem(struct tl_source *s, const char *p, size_t n, long lineno)
{
	if (!s->in_mem) {
		s->own_buf = s->buf;
		s->own_cap = s->cap;
		s->in_mem = 1;
	}
	s->buf = (char *)p;   /* read only: fill() is never called on it */
	s->cap = n;
	s->beg = s->scanned = 0;
	s->end = n;
	s->eof = 1;
	s->ranged = 0;
	s->lineno = lineno;
}

size_t tl_source_take(struct tl_source *s, const char **p)
{
	*p = s->buf + s->beg;
	size_t n = s->end - s->beg;
	s->beg = s->end;
	s->scanned = 0;
	return n;
}

void tl_source_range(struct tl_source *s, uint64_t from, uint64_t to, long lineno)
{
	leave_mem(s);
	s->ranged = 1;
	s->pos = from;
	s->range_end = to;
	s->beg = s->end = s->scanned = 0;
	s->eof = from >= to;
	s->lineno = lineno;
}

/* read_raw: read(2), not fread: on a pipe fread waits to fill the whole
 * buffer, which serialises the stages of a pipeline. */
static size_t read_raw(struct tl_source *s, char *to, size_t want)
{
	ssize_t got;
	do
		got = s->ranged ? pread(s->fd, to, want, (off_t)s->pos) : read(s->fd, to, want);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		tl_die(TL_EX_IOERR, "%s: read error:", s->name);
	return (size_t)got;
}

/* sniff: the first read of a file: gzip or zstd magic bytes switch the
 * source to decompressing them (the bytes read go to the decompressor).
 * A pipe may give fewer bytes than a magic: read on while they could
 * still begin one (only then: a terminal would wait). */
static size_t sniff(struct tl_source *s, size_t want)
{
	unsigned char *at = (unsigned char *)s->buf + s->end;
	size_t got = read_raw(s, (char *)at, want), more = 1;
	while (got < TL_Z_MAGIC_MAX && more && got < want && tl_inflate_prefix(at, got))
		got += more = read_raw(s, (char *)at + got, want - got);
	s->sniffed = 1;
	enum tl_zkind kind = tl_inflate_kind(at, got);
	if (kind == TL_Z_NONE)
		return got;
	s->z = tl_inflate_new(kind, s->fd, s->name, (const char *)at, got);
	return tl_inflate_read(s->z, (char *)at, want);
}

static void fill(struct tl_source *s)
{
	if (s->beg > 0) {
		memmove(s->buf, s->buf + s->beg, s->end - s->beg);
		s->end -= s->beg;
		s->beg = 0;
	}
	size_t chunk = s->read_size ? s->read_size : READ_CHUNK;
	if (s->end + chunk / 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : chunk;
		s->buf = tl_xrealloc(s->buf, s->cap + TL_CSV_PAD);
		memset(s->buf + s->cap, 0, TL_CSV_PAD);
	}
	size_t want = s->cap - s->end;
	if (s->ranged && s->range_end - s->pos < want)
		want = (size_t)(s->range_end - s->pos);
	size_t got = s->z ? tl_inflate_read(s->z, s->buf + s->end, want)
		     : !s->sniffed && !s->ranged ? sniff(s, want) : read_raw(s, s->buf + s->end, want);
	if (got == 0)
		s->eof = 1;
	s->end += got;
	s->pos += got;
	if (s->ranged && s->pos >= s->range_end)
		s->eof = 1;
}

void tl_source_unread(struct tl_source *s, const char *p)
{
	s->beg = (size_t)(p - s->buf);
	s->scanned = 0;
	s->lineno--;
}

/* Formats that are not text, by their first bytes, and what to do. */
static const struct {
	const char *magic;
	size_t n;
	const char *what;
} not_text[] = {
	{"\xFD" "7zXZ\0", 6, "xz-compressed data, which tl does not read: decompress it first (xz -dc; tl reads gzip and zstd)"},
	{"\x04\x22\x4D\x18", 4, "lz4-compressed data, which tl does not read: decompress it first (lz4 -dc; tl reads gzip and zstd)"},
	{"7z\xBC\xAF\x27\x1C", 6, "a 7-Zip archive, not text: extract the CSV or JSON file first"},
	{"PK\x03\x04", 4, "a zip archive (a spreadsheet?), not text: extract the file first, or export CSV"},
	{"SQLite format 3", 16, "an SQLite database, not text: export CSV first (sqlite3 -csv -header)"},
	{"PAR1", 4, "a Parquet file, not text: export CSV first"},
	{"\xFF\xFE", 2, "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"},
	{"\xFE\xFF", 2, "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"},
};

void tl_source_not_text(const struct tl_source *s, const char *p, size_t n)
{
	/* bzip2: "BZh", the block size digit, then a block's or the end's magic */
	if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
	    (memcmp(p + 4, "1AY&SY", 6) == 0 || memcmp(p + 4, "\x17rE8P\x90", 6) == 0))
		tl_die(TL_EX_DATAERR, "%s: bzip2-compressed data, which tl does not read: decompress it first "
		       "(bzip2 -dc; tl reads gzip and zstd)", s->name);
	for (size_t i = 0; i < sizeof not_text / sizeof not_text[0]; i++)
		if (n >= not_text[i].n && memcmp(p, not_text[i].magic, not_text[i].n) == 0)
			tl_die(TL_EX_DATAERR, "%s: %s", s->name, not_text[i].what);
	const char *q = p, *end = p + n;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	const char *nul = q < end && *q == '{' ? NULL : memchr(p, '\0', n);   /* JSON says where */
	if (nul)
		tl_die(TL_EX_DATAERR, "%s: binary input, not text (a NUL byte at byte %zu): tl reads CSV, TSV and NDJSON, "
		       "plain, gzip or zstd", s->name, (size_t)(nul - p) + 1);
}

/* too_long: the line at beg passes max_line: exits, unless it is JSON
 * and max_json lets it be longer. */
static void too_long(struct tl_source *s)
{
	const char *q = s->buf + s->beg, *end = s->buf + s->end;
	if (end - q >= 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0 && s->lineno == 0)
		q += 3;
	while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
		q++;
	if (s->max_json > s->max_line && q < end && *q == '{') {
		s->max_line = s->max_json;
		s->max_line_why = s->max_json_why;
		s->max_json = 0;
		return;
	}
	if (s->lineno == 0)   /* a first line without a line end: binary? */
		tl_source_not_text(s, s->buf + s->beg, s->end - s->beg);
	tl_die_at(TL_EX_DATAERR, s->name, s->lineno + 1, "a line is longer than %zu bytes%s", s->max_line,
		  s->max_line_why ? s->max_line_why : "");
}

int tl_source_line(struct tl_source *s, const char **p, size_t *n)
{
	for (;;) {
		size_t from = s->beg + s->scanned;
		char *nl = s->end > from ? memchr(s->buf + from, '\n', s->end - from) : NULL;
		size_t stop = nl ? (size_t)(nl - s->buf) : s->end;
		if (s->max_line && stop - s->beg > s->max_line) {
			too_long(s);
			continue;
		}
		if (nl || (s->eof && s->end > s->beg)) {
			*p = s->buf + s->beg;
			*n = stop - s->beg;
			s->beg = nl ? stop + 1 : stop;
			s->scanned = 0;
			s->lineno++;
			return 1;
		}
		if (s->eof)
			return 0;
		s->scanned = s->end - s->beg;   /* no '\n' there: not searched again */
		fill(s);
	}
}

void tl_source_close(struct tl_source *s)
{
	tl_inflate_free(s->z);
	s->z = NULL;
	if (s->f && s->f != stdin)
		fclose(s->f);
	s->f = NULL;
}

void tl_source_free(struct tl_source *s)
{
	tl_source_close(s);
	leave_mem(s);
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}
