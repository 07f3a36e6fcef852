/* table.h - the one table printer of the text and Markdown reports
 * (tl-eval, tl-abtest, tl-score --summary).
 *
 * A table is a header row and data rows of ncol cells, added cell by cell.
 * Text aligns the columns with spaces (the first column left, the others
 * right, unless a column says otherwise); Markdown writes a pipe table
 * whose cells have '|' escaped as \| and line breaks written as spaces, so
 * that every row keeps its columns. No cell is ever cut. */
#ifndef TL_REPORT_TABLE_H
#define TL_REPORT_TABLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum tl_table_format { TL_TABLE_TEXT, TL_TABLE_MD };
enum tl_table_align { TL_ALIGN_AUTO, TL_ALIGN_LEFT, TL_ALIGN_RIGHT };

/* How one column is written; all zero is the default. */
struct tl_table_col {
	enum tl_table_align align;   /* AUTO: left for the first column, else right */
	int width;                   /* text: the least width */
	int fixed;                   /* text: the width is not fitted to the cells:
				      * a wider cell pushes the rest of its row
				      * right, as printf's %*s does */
	int gap;                     /* text: spaces before the column; 0: the table's */
};

struct tl_table {
	size_t ncol;                     /* cells per row */
	const struct tl_table_col *col;  /* ncol settings, or NULL: all default */
	const char *indent;              /* text: written before each row (NULL: none) */
	int gap;                         /* text: spaces between columns */
	int md_colon_left;               /* md: mark left columns :--- rather than --- */
	char **cell;                     /* the cells, header first, row by row (owned) */
	size_t n, cap;
};

/* tl_table_cell: append a copy of s as the next cell. */
void tl_table_cell(struct tl_table *t, const char *s);

/* tl_table_cellf: append a printf-formatted cell (of any length). */
void tl_table_cellf(struct tl_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_table_vcellf(struct tl_table *t, const char *fmt, va_list ap);

/* tl_table_vformat: the printf result as a string (malloc'd: free it), as
 * a cell's; for the other text of a report. A bad format exits 70. */
char *tl_table_vformat(const char *fmt, va_list ap);

/* tl_table_write: write the table to f; a last row with fewer than ncol
 * cells is written as if the rest were empty.
 * Text: each row is indent, then the cells padded to their column's width
 * (the widest cell, at least width; only width when fixed), separated by
 * gap spaces. Rows carry no trailing blanks: a row ends at its last
 * non-empty cell, and that cell is not padded when left-aligned.
 * Markdown: "| a | b |" rows, the alignment row after the header (---: for
 * right, --- or :--- for left); an empty header cell is written "| |". */
void tl_table_write(FILE *f, const struct tl_table *t, enum tl_table_format fmt);

/* tl_table_clear: free the cells, keep the settings (for the next table). */
void tl_table_clear(struct tl_table *t);

/* tl_table_md_put: write s to f as Markdown cell text ('|' as \|, line
 * breaks as spaces), for a heading that must read as the cells do. */
void tl_table_md_put(FILE *f, const char *s);

#endif
