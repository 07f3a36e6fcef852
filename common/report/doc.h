/* doc.h - one document written twice: as Markdown and as one
 * self-contained HTML file (inline CSS and SVG, no script, no external
 * file or font). Either output may be NULL. Text is plain: the writer
 * escapes it for each format. */
#ifndef TL_REPORT_DOC_H
#define TL_REPORT_DOC_H

#include <stddef.h>
#include <stdio.h>

#include "report/table.h"

struct tl_doc {
	FILE *md, *html;
	int in_list;        /* a list is open */
	int in_section;     /* HTML: a section is open */
};

/* tl_doc_begin: the title (Markdown "# title", HTML head, style, h1). */
void tl_doc_begin(struct tl_doc *d, const char *title);
/* tl_doc_end: close the document (not the files). */
void tl_doc_end(struct tl_doc *d);

/* tl_doc_section: "## n. title" (HTML: a section with an id). */
void tl_doc_section(struct tl_doc *d, int n, const char *id, const char *title);
/* tl_doc_subsection: "### title". */
void tl_doc_subsection(struct tl_doc *d, const char *title);

/* tl_doc_para: a paragraph of text (printf format; the result escaped). */
void tl_doc_para(struct tl_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tl_doc_verdict: a paragraph "label: VALUE" with VALUE strong (bold);
 * cls is its HTML class (pass or fail). */
void tl_doc_verdict(struct tl_doc *d, const char *label, const char *value, const char *cls);

/* tl_doc_item: a bullet list item (lists close at the next block). */
void tl_doc_item(struct tl_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tl_doc_table: t (header row first) under caption; frees the cells.
 * Columns after the first are right-aligned in HTML (numbers). */
void tl_doc_table(struct tl_doc *d, const char *caption, struct tl_table *t);

/* tl_doc_figure: the SVG text svg[0..n) as a figure with a caption in
 * HTML; Markdown gets the caption and a pointer to the HTML file. */
void tl_doc_figure(struct tl_doc *d, const char *svg, size_t n, const char *caption);

#endif
