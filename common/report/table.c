/* table.c - the table printer of the text and Markdown reports. */
#include "report/table.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static void push(struct tl_table *t, char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->cell = tl_xrealloc(t->cell, t->cap * sizeof *t->cell);
	}
	t->cell[t->n++] = s;
}

void tl_table_cell(struct tl_table *t, const char *s)
{
	push(t, tl_xstrdup(s));
}

char *tl_table_vformat(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		tl_die(TL_EX_SOFTWARE, "report text: bad format '%s'", fmt);
	char *s = tl_xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void tl_table_vcellf(struct tl_table *t, const char *fmt, va_list ap)
{
	push(t, tl_table_vformat(fmt, ap));
}

void tl_table_cellf(struct tl_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_table_vcellf(t, fmt, ap);
	va_end(ap);
}

void tl_table_clear(struct tl_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
	t->cell = NULL;
	t->n = t->cap = 0;
}

void tl_table_md_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

/* The cell at row r, column c ("" past the last cell). */
static const char *at(const struct tl_table *t, size_t r, size_t c)
{
	size_t i = r * t->ncol + c;
	return i < t->n ? t->cell[i] : "";
}

static int left(const struct tl_table *t, size_t c)
{
	enum tl_table_align a = t->col ? t->col[c].align : TL_ALIGN_AUTO;
	return a == TL_ALIGN_AUTO ? c == 0 : a == TL_ALIGN_LEFT;
}

static void spaces(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

/* The text width of column c: its least width, or the widest cell. */
static size_t col_width(const struct tl_table *t, size_t c, size_t rows)
{
	size_t w = t->col && t->col[c].width > 0 ? (size_t)t->col[c].width : 0;
	if (t->col && t->col[c].fixed)
		return w;
	for (size_t r = 0; r < rows; r++) {
		size_t len = strlen(at(t, r, c));
		w = len > w ? len : w;
	}
	return w;
}

static void text_row(FILE *f, const struct tl_table *t, size_t r, const size_t *w)
{
	size_t end = t->ncol;
	while (end > 0 && !*at(t, r, end - 1))
		end--;
	fputs(t->indent ? t->indent : "", f);
	for (size_t c = 0; c < end; c++) {
		const char *s = at(t, r, c);
		size_t len = strlen(s), pad = w[c] > len ? w[c] - len : 0;
		if (c > 0)
			spaces(f, (size_t)(t->col && t->col[c].gap > 0 ? t->col[c].gap : t->gap));
		if (!left(t, c))
			spaces(f, pad);
		fputs(s, f);
		if (left(t, c) && c + 1 < end)
			spaces(f, pad);
	}
	fputc('\n', f);
}

static void md_row(FILE *f, const struct tl_table *t, size_t r)
{
	fputc('|', f);
	for (size_t c = 0; c < t->ncol; c++) {
		const char *s = at(t, r, c);
		fputc(' ', f);
		if (*s || r > 0) {
			tl_table_md_put(f, s);
			fputc(' ', f);
		}
		fputc('|', f);
	}
	fputc('\n', f);
	if (r > 0)
		return;
	fputc('|', f);
	for (size_t c = 0; c < t->ncol; c++)
		fputs(!left(t, c) ? "---:|" : t->md_colon_left ? ":---|" : "---|", f);
	fputc('\n', f);
}

void tl_table_write(FILE *f, const struct tl_table *t, enum tl_table_format fmt)
{
	if (t->ncol == 0)
		return;
	size_t rows = (t->n + t->ncol - 1) / t->ncol;
	size_t *w = tl_xcalloc(t->ncol, sizeof *w);
	for (size_t c = 0; fmt == TL_TABLE_TEXT && c < t->ncol; c++)
		w[c] = col_width(t, c, rows);
	for (size_t r = 0; r < rows; r++) {
		if (fmt == TL_TABLE_MD)
			md_row(f, t, r);
		else
			text_row(f, t, r, w);
	}
	free(w);
}
