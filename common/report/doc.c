/* doc.c - the report document as Markdown and self-contained HTML (doc.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/svg.h"
#include "util/err.h"

/* The page's style: readable on screen, on paper and without pictures;
 * plots shrink to the page width (max-width) and never overflow it. */
static const char style[] =
	"body{font-family:'DejaVu Sans',Verdana,sans-serif;font-size:15px;line-height:1.45;color:#111;"
	"background:#fff;margin:0 auto;padding:1em 1.5em;max-width:72em}\n"
	"h1{font-size:1.6em;margin:.3em 0 .6em}h2{font-size:1.3em;margin-top:1.6em;"
	"border-bottom:1px solid #ccc}h3{font-size:1.05em}\n"
	"table{border-collapse:collapse;margin:.6em 0 1em;max-width:100%;font-size:.8em}\n"
	"caption{text-align:left;font-weight:bold;padding:.2em 0}\n"
	"th,td{border:1px solid #ccc;padding:.15em .5em;vertical-align:top}th{background:#f2f2f2}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"figure{margin:1em 0}figure svg{display:block;max-width:100%;height:auto}\n"
	"figcaption{font-size:.9em;color:#333}\n"
	".table-wrap{max-width:100%;overflow-x:auto}\n"
	".pass strong{color:#176317}.fail strong{color:#a01010}\n"
	"@media print{body{max-width:none;padding:0;font-size:10pt}h2{break-after:avoid}"
	"td.n{white-space:normal;overflow-wrap:anywhere}.table-wrap{overflow:visible}"
	"figure,table{break-inside:avoid}a{color:inherit}}\n";

/* md_text: s for a Markdown paragraph: characters that could start markup
 * are escaped (the text of a report has names such as long_term_retainer). */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|#", *s))
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void close_list(struct tl_doc *d)
{
	if (!d->in_list)
		return;
	if (d->html)
		fputs("</ul>\n", d->html);
	d->in_list = 0;
}

void tl_doc_begin(struct tl_doc *d, const char *title)
{
	d->in_list = d->in_section = 0;
	if (d->md) {
		fputs("# ", d->md);
		md_text(d->md, title);
		fputs("\n", d->md);
	}
	if (!d->html)
		return;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", d->html);
	tl_svg_xml(d->html, title);
	fprintf(d->html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>", style);
	tl_svg_xml(d->html, title);
	fputs("</h1>\n", d->html);
}

void tl_doc_end(struct tl_doc *d)
{
	close_list(d);
	if (d->html)
		fprintf(d->html, "%s</main>\n</body>\n</html>\n", d->in_section ? "</section>\n" : "");
}

void tl_doc_section(struct tl_doc *d, int n, const char *id, const char *title)
{
	close_list(d);
	if (d->md) {
		fprintf(d->md, "\n## %d. ", n);
		md_text(d->md, title);
		fputs("\n", d->md);
	}
	if (d->html) {
		fprintf(d->html, "%s<section id=\"%s\">\n<h2>%d. ", d->in_section ? "</section>\n" : "", id, n);
		tl_svg_xml(d->html, title);
		fputs("</h2>\n", d->html);
	}
	d->in_section = 1;
}

void tl_doc_subsection(struct tl_doc *d, const char *title)
{
	close_list(d);
	if (d->md) {
		fputs("\n### ", d->md);
		md_text(d->md, title);
		fputs("\n", d->md);
	}
	if (d->html) {
		fputs("<h3>", d->html);
		tl_svg_xml(d->html, title);
		fputs("</h3>\n", d->html);
	}
}

/* vformat: the printf result, malloc'd. */
static char *vformat(const char *fmt, va_list ap)
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

void tl_doc_para(struct tl_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	close_list(d);
	if (d->md) {
		fputc('\n', d->md);
		md_text(d->md, s);
		fputc('\n', d->md);
	}
	if (d->html) {
		fputs("<p>", d->html);
		tl_svg_xml(d->html, s);
		fputs("</p>\n", d->html);
	}
	free(s);
}

void tl_doc_verdict(struct tl_doc *d, const char *label, const char *value, const char *cls)
{
	close_list(d);
	if (d->md) {
		fputc('\n', d->md);
		md_text(d->md, label);
		fputs(": **", d->md);
		md_text(d->md, value);
		fputs("**\n", d->md);
	}
	if (d->html) {
		fprintf(d->html, "<p class=\"%s\">", cls);
		tl_svg_xml(d->html, label);
		fputs(": <strong>", d->html);
		tl_svg_xml(d->html, value);
		fputs("</strong></p>\n", d->html);
	}
}

void tl_doc_item(struct tl_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!d->in_list) {
		if (d->md)
			fputc('\n', d->md);
		if (d->html)
			fputs("<ul>\n", d->html);
		d->in_list = 1;
	}
	if (d->md) {
		fputs("- ", d->md);
		md_text(d->md, s);
		fputc('\n', d->md);
	}
	if (d->html) {
		fputs("<li>", d->html);
		tl_svg_xml(d->html, s);
		fputs("</li>\n", d->html);
	}
	free(s);
}

static void html_table(FILE *f, const char *caption, const struct tl_table *t)
{
	fputs("<div class=\"table-wrap\"><table>\n<caption>", f);
	tl_svg_xml(f, caption);
	fputs("</caption>\n", f);
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->ncol;
		int head = i < t->ncol;
		if (c == 0)
			fputs(head ? "<thead><tr>" : "<tr>", f);
		fprintf(f, head ? "<th>" : c ? "<td class=\"n\">" : "<td>");
		tl_svg_xml(f, t->cell[i]);
		fputs(head ? "</th>" : "</td>", f);
		if (c == t->ncol - 1 || i == t->n - 1)
			fputs(head ? "</tr></thead>\n<tbody>\n" : "</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

void tl_doc_table(struct tl_doc *d, const char *caption, struct tl_table *t)
{
	close_list(d);
	if (d->md) {
		fputs("\n", d->md);
		md_text(d->md, caption);
		fputs(":\n\n", d->md);
		tl_table_write(d->md, t, TL_TABLE_MD);
	}
	if (d->html)
		html_table(d->html, caption, t);
	tl_table_clear(t);
}

void tl_doc_figure(struct tl_doc *d, const char *svg, size_t n, const char *caption)
{
	close_list(d);
	if (d->md) {
		fputs("\n*Figure: ", d->md);
		md_text(d->md, caption);
		fputs(" (drawn in the HTML report).*\n", d->md);
	}
	if (d->html) {
		fputs("<figure>\n", d->html);
		fwrite(svg, 1, n, d->html);
		fputs("<figcaption>", d->html);
		tl_svg_xml(d->html, caption);
		fputs("</figcaption>\n</figure>\n", d->html);
	}
}
