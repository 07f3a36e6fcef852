/* test_table.c - common/report/table.c, the text and Markdown table
 * printer, against hand-written expected output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/table.h"
#include "unit.h"

/* out: the table written in fmt, as a string (static, overwritten). */
static const char *out(const struct tl_table *t, enum tl_table_format fmt)
{
	static char *buf;
	size_t n;
	free(buf);
	FILE *f = open_memstream(&buf, &n);
	tl_table_write(f, t, fmt);
	fclose(f);
	return buf;
}

static void cells(struct tl_table *t, const char *const *s)
{
	for (; *s; s++)
		tl_table_cell(t, *s);
}

static void test_text_fitted(void)
{
	/* the tl-eval layout: widths fitted, first column left, others right */
	struct tl_table t = {.ncol = 3, .gap = 2};
	cells(&t, (const char *const[]){"class", "n", "f1", "a", "12345", "0.5", "longer name", "7", "-", NULL});
	CHECK_STR(out(&t, TL_TABLE_TEXT),
		  "class            n   f1\n"
		  "a            12345  0.5\n"
		  "longer name      7    -\n");
	tl_table_clear(&t);
	CHECK(t.n == 0 && t.cell == NULL && t.ncol == 3);
	cells(&t, (const char *const[]){"x", "y", "z", NULL});   /* reused after clear */
	CHECK_STR(out(&t, TL_TABLE_TEXT), "x  y  z\n");
	tl_table_clear(&t);
}

static void test_text_fixed(void)
{
	/* the tl-abtest layout: an indent, fixed widths (printf's %-6s %5s),
	 * a left column padded inside the row, a left last column not padded */
	static const struct tl_table_col col[] = {{.width = 6, .fixed = 1}, {.width = 5, .fixed = 1},
		{.align = TL_ALIGN_LEFT, .width = 8, .fixed = 1, .gap = 2}, {.width = 3, .fixed = 1},
		{.align = TL_ALIGN_LEFT, .gap = 2}};
	struct tl_table t = {.ncol = 5, .col = col, .indent = "  ", .gap = 1};
	cells(&t, (const char *const[]){"arm", "n", "CI", "p", "", "ctl", "3", "[1, 2]", "0.5", "",
					 "a_long_arm", "123456", "[-1, 20]", "1", "NEGATIVE", NULL});
	char want[256];
	snprintf(want, sizeof want, "  %-6s %5s  %-8s %3s\n  %-6s %5s  %-8s %3s\n  %-6s %5s  %-8s %3s  NEGATIVE\n",
		 "arm", "n", "CI", "p", "ctl", "3", "[1, 2]", "0.5", "a_long_arm", "123456", "[-1, 20]", "1");
	CHECK_STR(out(&t, TL_TABLE_TEXT), want);
	/* Markdown: --- for left columns, ---: for right; an empty header cell is "| |" */
	CHECK_STR(out(&t, TL_TABLE_MD),
		  "| arm | n | CI | p | |\n"
		  "|---|---:|---|---:|---|\n"
		  "| ctl | 3 | [1, 2] | 0.5 |  |\n"
		  "| a_long_arm | 123456 | [-1, 20] | 1 | NEGATIVE |\n");
	tl_table_clear(&t);
}

static void test_text_align_and_trailing(void)
{
	/* an explicit alignment; no trailing blanks: a row stops at its last
	 * non-empty cell, a left cell there is not padded */
	static const struct tl_table_col col[] = {{.align = TL_ALIGN_RIGHT}, {.align = TL_ALIGN_LEFT},
		{.width = 4}};
	struct tl_table t = {.ncol = 3, .col = col, .gap = 1};
	cells(&t, (const char *const[]){"a", "bb", "c", "dddd", "e", "", "", "", "", NULL});
	CHECK_STR(out(&t, TL_TABLE_TEXT), "   a bb    c\ndddd e\n\n");
	tl_table_clear(&t);
	/* a last row short of cells reads as empty cells */
	struct tl_table u = {.ncol = 2, .gap = 2};
	cells(&u, (const char *const[]){"k", "v", "only", NULL});
	CHECK_STR(out(&u, TL_TABLE_TEXT), "k     v\nonly\n");
	CHECK_STR(out(&u, TL_TABLE_MD), "| k | v |\n|---|---:|\n| only |  |\n");
	tl_table_clear(&u);
	struct tl_table none = {.ncol = 2};
	CHECK_STR(out(&none, TL_TABLE_TEXT), "");
}

static void test_md_escape(void)
{
	struct tl_table t = {.ncol = 2, .gap = 2, .md_colon_left = 1};
	cells(&t, (const char *const[]){"class", "n", "a|b", "1", "two\nlines\r", "2", NULL});
	CHECK_STR(out(&t, TL_TABLE_MD),
		  "| class | n |\n"
		  "|:---|---:|\n"
		  "| a\\|b | 1 |\n"
		  "| two lines  | 2 |\n");
	/* text keeps the cells as they are */
	CHECK_STR(out(&t, TL_TABLE_TEXT), "class       n\na|b         1\ntwo\nlines\r  2\n");
	tl_table_clear(&t);
	char *buf;
	size_t n;
	FILE *f = open_memstream(&buf, &n);
	tl_table_md_put(f, "x|y\nz");
	fclose(f);
	CHECK_STR(buf, "x\\|y z");
	free(buf);
}

static void test_never_cut(void)
{
	/* a cell far longer than any buffer: written whole, column fitted to it */
	enum { N = 5000 };
	char *big = malloc(N + 1);
	memset(big, 'x', N);
	big[N] = '\0';
	struct tl_table t = {.ncol = 2, .gap = 1};
	tl_table_cell(&t, "h");
	tl_table_cellf(&t, "%s|%d", big, 42);
	tl_table_cell(&t, "r");
	tl_table_cell(&t, "1");
	const char *s = out(&t, TL_TABLE_TEXT);
	CHECK(strlen(s) == 2 * (1 + 1 + N + 3 + 1));
	CHECK(strncmp(s + 2 + N, "|42\n", 4) == 0);
	CHECK(strcmp(s + strlen(s) - 3, " 1\n") == 0);
	s = out(&t, TL_TABLE_MD);
	CHECK(strstr(s, "\\|42 |\n") != NULL && strlen(s) == N + 13 + 11 + 10);   /* row, alignment row, row */
	tl_table_clear(&t);
	free(big);
}

int main(void)
{
	test_text_fitted();
	test_text_fixed();
	test_text_align_and_trailing();
	test_md_escape();
	test_never_cut();
	return UNIT_DONE();
}
