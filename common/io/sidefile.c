/* sidefile.c - a small CSV side file, record by record (sidefile.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "io/csvrow.h"
#include "io/sidefile.h"
#include "util/err.h"
#include "util/file.h"

struct tl_sidefile {
	const char *name;
	FILE *f;
	int owned;          /* f was opened here */
	char *buf;
	size_t bufcap;
	long lineno, recline;
	size_t bytes;       /* read so far: at most max_bytes */
	size_t max_bytes, max_line;
	struct tl_csv *csv;
};

struct tl_sidefile *tl_sidefile_stream(FILE *f, const char *name, size_t max_field)
{
	struct tl_sidefile *s = tl_xcalloc(1, sizeof *s);
	s->name = name;
	s->f = f;
	s->csv = tl_csv_new(max_field);
	s->max_bytes = s->max_line = TL_FILE_MAX;
	return s;
}

struct tl_sidefile *tl_sidefile_open(const char *path, size_t max_field)
{
	FILE *f = fopen(path, "r");
	if (!f)
		tl_die(TL_EX_NOINPUT, "%s:", path);
	struct tl_sidefile *s = tl_sidefile_stream(f, path, max_field);
	s->owned = 1;
	return s;
}

/* read_line: the next line into buf, its '\n' kept (getline(3), but a
 * file stops at max_bytes and a line at max_line, so /dev/zero does not
 * fill memory); -1 at the end. */
static ssize_t read_line(struct tl_sidefile *s)
{
	size_t n = 0;
	int c = 0;
	while (c != '\n' && (c = getc_unlocked(s->f)) != EOF) {
		if (++s->bytes > s->max_bytes)
			tl_die_at(TL_EX_DATAERR, s->name, s->lineno + 1,
				  "longer than %zu bytes, the limit of a side file", s->max_bytes);
		if (n >= s->max_line)
			tl_die_at(TL_EX_DATAERR, s->name, s->lineno + 1, "a line longer than %zu bytes", s->max_line);
		if (n + 1 >= s->bufcap) {
			s->bufcap = s->bufcap ? 2 * s->bufcap : 4096;
			s->buf = tl_xrealloc(s->buf, s->bufcap);
		}
		s->buf[n++] = (char)c;
	}
	if (n == 0)
		return -1;
	s->buf[n] = '\0';
	return (ssize_t)n;
}

int tl_sidefile_next(struct tl_sidefile *s)
{
	int more = 0;
	for (;;) {
		ssize_t n = read_line(s);
		if (n < 0) {
			if (ferror(s->f))
				tl_die(TL_EX_IOERR, "%s:", s->name);
			if (more && tl_csv_eof(s->csv) == TL_CSV_ERR)
				tl_die_at(TL_EX_DATAERR, s->name, s->recline, "bad CSV: %s", tl_csv_error(s->csv));
			return 0;
		}
		s->lineno++;
		tl_csv_pad(&s->buf, &s->bufcap, (size_t)n);
		char *p = s->buf;
		if (n > 0 && p[n - 1] == '\n')
			n--;
		if (s->lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3, n -= 3;
		if (!more) {
			if (n == 0 || (n == 1 && p[0] == '\r'))
				continue;
			s->recline = s->lineno;
		}
		size_t bad = tl_utf8_check(p, (size_t)n);
		if (bad < (size_t)n)
			tl_die_at(TL_EX_DATAERR, s->name, s->lineno, "invalid UTF-8 at byte %zu", bad + 1);
		int rc = tl_csv_split(s->csv, p, (size_t)n);
		if (rc == TL_CSV_ROW)
			return 1;
		if (rc == TL_CSV_ERR)
			tl_die_at(TL_EX_DATAERR, s->name, s->recline, "bad CSV: %s", tl_csv_error(s->csv));
		more = 1;
	}
}

size_t tl_sidefile_nfields(const struct tl_sidefile *s) { return tl_csv_nfields(s->csv); }
const struct tl_str *tl_sidefile_fields(const struct tl_sidefile *s) { return tl_csv_fields(s->csv); }
long tl_sidefile_line(const struct tl_sidefile *s) { return s->recline; }
long tl_sidefile_lines(const struct tl_sidefile *s) { return s->lineno; }
const char *tl_sidefile_name(const struct tl_sidefile *s) { return s->name; }

void tl_sidefile_limits(struct tl_sidefile *s, size_t max_bytes, size_t max_line)
{
	s->max_bytes = max_bytes;
	s->max_line = max_line;
}

void tl_sidefile_close(struct tl_sidefile *s)
{
	if (!s)
		return;
	if (s->owned)
		fclose(s->f);
	free(s->buf);
	tl_csv_free(s->csv);
	free(s);
}
