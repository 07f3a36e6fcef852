/* test_sidefile.c - the CSV side-file reader: a byte-order mark, blank
 * lines, quoted fields (one spanning lines), CRLF, and the line numbers
 * of records; bad CSV ends the read (caught with tl_die_catch). The stats
 * files over it (io/statsrows' merge of a tool's options): a head and rows
 * written and read back, exact sums through their text, the parameters'
 * canonical values, and a parameter of other options refused. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sidefile.h"
#include "io/statsrows.h"
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

/* A stats table read back: the sum of its counts and of its exact sums. */
struct stats_got {
	long long count;
	struct tl_xsum sum;
	int rows;
};

static void stats_row(void *ctx, const struct tl_statsrows *r)
{
	struct stats_got *g = ctx;
	if (!tl_statsrows_kind(r, "row", 4))
		tl_statsrows_die(r, "not a row");
	g->count += tl_statsrows_count(r, 2, "n");
	tl_statsrows_xsum(r, 3, "sum", &g->sum);
	g->rows++;
}

/* 1 when the merge of path with the parameters want ends in tl_die. */
static int merge_fails(char *path, const struct tl_statsrows_want *want, size_t n, struct stats_got *g)
{
	static jmp_buf jb;
	if (setjmp(jb)) {
		tl_die_catch(NULL);
		return 1;
	}
	tl_die_catch(&jb);
	tl_statsrows_merge("tl-test", 1, 1, &path, want, n, stats_row, g, NULL);
	tl_die_catch(NULL);
	return 0;
}

static void stats_files(void)
{
	char buf[TL_STATSROWS_VALUE_MAX];
	CHECK_STR(tl_statsrows_duration(30 * TL_DAY, buf), "2592000s");
	CHECK_STR(tl_statsrows_duration(TL_SEC / 2, buf), "0.5s");
	CHECK_STR(tl_statsrows_duration(1, buf), "0.000001s");
	CHECK_STR(tl_statsrows_duration(0, buf), "0s");
	static const struct tl_statsrows_want prm[] = {{"gap", "7s"}, {"as_of", ""}};
	char path[] = "/tmp/test_statsrows_XXXXXX";
	FILE *f = fdopen(mkstemp(path), "w");
	tl_statsrows_params(f, "tl-test", 1, prm, 2, NULL);
	struct tl_xsum a, all;
	tl_xsum_init(&all);
	for (int i = 0; i < 3; i++) {   /* 0.1 ten times per row: the terms carry what %.17g of it drops */
		tl_xsum_init(&a);
		for (int k = 0; k < 10; k++)
			tl_xsum_add(&a, 0.1 * (i + 1)), tl_xsum_add(&all, 0.1 * (i + 1));
		fprintf(f, "row,\"r,%d\",%d,", i, i + 1);
		tl_xsum_print(&a, f);
		fputc('\n', f);
	}
	fclose(f);
	struct stats_got g = {0};
	CHECK(!merge_fails(path, prm, 2, &g));
	CHECK(g.rows == 3 && g.count == 6);
	CHECK(tl_xsum_value(&g.sum) == tl_xsum_value(&all));
	static const struct tl_statsrows_want other[] = {{"gap", "8s"}, {"as_of", ""}}, fewer[] = {{"gap", "7s"}};
	CHECK(merge_fails(path, other, 2, &g));
	CHECK(merge_fails(path, fewer, 1, &g));   /* as_of was not expected: refused too, not ignored */
	unlink(path);
}

int main(void)
{
	struct got g;

	stats_files();

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
