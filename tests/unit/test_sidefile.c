/* test_sidefile.c - the CSV side-file reader: a byte-order mark, blank
 * lines, quoted fields (one spanning lines), CRLF, and the line numbers
 * of records; bad CSV ends the read (caught with tl_die_catch). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/sidefile.h"
#include "util/err.h"
#include "unit.h"

/* A read file's records as "a|b|c" strings, one per record, with lines. */
struct got {
	char rec[16][128];
	long line[16];
	int n;
};

static struct tl_sidefile *open_text(const char *text, FILE **fp)
{
	*fp = tmpfile();
	fputs(text, *fp);
	rewind(*fp);
	return tl_sidefile_stream(*fp, "t.csv", 1000);
}

static void read_all(const char *text, struct got *g)
{
	FILE *f;
	struct tl_sidefile *s = open_text(text, &f);
	g->n = 0;
	while (g->n < 16 && tl_sidefile_next(s)) {
		char *o = g->rec[g->n];
		*o = '\0';
		for (size_t i = 0; i < tl_sidefile_nfields(s); i++) {
			const struct tl_str *fd = &tl_sidefile_fields(s)[i];
			snprintf(o + strlen(o), 128 - strlen(o), "%s%.*s", i ? "|" : "", (int)fd->n, fd->p);
		}
		g->line[g->n++] = tl_sidefile_line(s);
	}
	tl_sidefile_close(s);
	fclose(f);
}

/* 1 when reading text ends in tl_die / tl_die_at. */
static int fails(const char *text)
{
	static jmp_buf jb;
	static FILE *f;
	static struct tl_sidefile *s;
	s = open_text(text, &f);
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		tl_sidefile_close(s);
		fclose(f);
		return 1;
	}
	tl_die_catch(&jb);
	while (tl_sidefile_next(s))
		;
	tl_die_catch(NULL);
	tl_sidefile_close(s);
	fclose(f);
	return 0;
}

int main(void)
{
	struct got g;

	read_all("\xEF\xBB\xBF" "a,b\n1,2\n", &g);
	CHECK(g.n == 2);
	CHECK_STR(g.rec[0], "a|b");
	CHECK_STR(g.rec[1], "1|2");
	CHECK(g.line[0] == 1 && g.line[1] == 2);

	/* a BOM only counts at the start of the file */
	read_all("a\n\xEF\xBB\xBF" "b\n", &g);
	CHECK(g.n == 2);
	CHECK_STR(g.rec[1], "\xEF\xBB\xBF" "b");

	/* blank lines (LF, CRLF, a BOM-only first line) are skipped; lines count them */
	read_all("\xEF\xBB\xBF\n\na,b\r\n\r\n1,2\n\n", &g);
	CHECK(g.n == 2);
	CHECK_STR(g.rec[0], "a|b");
	CHECK_STR(g.rec[1], "1|2");
	CHECK(g.line[0] == 3 && g.line[1] == 5);

	/* CRLF everywhere, and no newline at the end */
	read_all("x,y\r\n3,4\r\n5,6", &g);
	CHECK(g.n == 3);
	CHECK_STR(g.rec[1], "3|4");
	CHECK_STR(g.rec[2], "5|6");

	/* quoted fields: commas, doubled quotes, a field over two lines, an
	 * empty line inside quotes is data; the record's line is its first */
	read_all("n,v\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\n\nlines\",z\n\"\",last\n", &g);
	CHECK(g.n == 4);
	CHECK_STR(g.rec[1], "a,b|say \"hi\"");
	CHECK_STR(g.rec[2], "two\n\nlines|z");
	CHECK(g.line[2] == 3);
	CHECK_STR(g.rec[3], "|last");
	CHECK(g.line[3] == 6);

	read_all("", &g);
	CHECK(g.n == 0);
	read_all("\n\r\n", &g);
	CHECK(g.n == 0);

	CHECK(!fails("a,b\n1,2\n"));
	CHECK(fails("a,b\n\"open,2\n"));       /* unterminated at the end */
	CHECK(fails("a,b\n\"x\"y,2\n"));       /* text after a closing quote */
	return UNIT_DONE();
}
