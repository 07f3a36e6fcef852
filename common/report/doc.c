/* doc.c - the report document as Markdown and self-contained HTML (doc.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/svg.h"
#include "util/err.h"

/* The page's style: readable on screen, on paper and without pictures;
 * plots shrink to the page width (max-width) and never overflow it, nor
 * does a long word of the text (a config's sha256): it wraps. */
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
	"figcaption{font-size:.9em;color:#333}p,li{overflow-wrap:anywhere}\n"
	".table-wrap{max-width:100%;overflow-x:auto}\n"
	".pass strong{color:#176317}.fail strong{color:#a01010}.hold strong{color:#8a5a00}\n"
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

/* block: text written once to each output, between its prefix and
 * suffix (Markdown text escaped as Markdown, HTML as XML). */
static void block(struct tl_doc *d, const char *md_pre, const char *md_post, const char *html_pre,
		  const char *html_post, const char *text)
{
	if (d->md) {
		fputs(md_pre, d->md);
		md_text(d->md, text);
		fputs(md_post, d->md);
	}
	if (d->html) {
		fputs(html_pre, d->html);
		tl_svg_xml(d->html, text);
		fputs(html_post, d->html);
	}
}

void tl_doc_section(struct tl_doc *d, int n, const char *id, const char *title)
{
	char md[32], html[160];
	close_list(d);
	snprintf(md, sizeof md, "\n## %d. ", n);
	snprintf(html, sizeof html, "%s<section id=\"%s\">\n<h2>%d. ", d->in_section ? "</section>\n" : "", id, n);
	block(d, md, "\n", html, "</h2>\n", title);
	d->in_section = 1;
}

void tl_doc_subsection(struct tl_doc *d, const char *title)
{
	close_list(d);
	block(d, "\n### ", "\n", "<h3>", "</h3>\n", title);
}

void tl_doc_para(struct tl_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = tl_table_vformat(fmt, ap);
	va_end(ap);
	close_list(d);
	block(d, "\n", "\n", "<p>", "</p>\n", s);
	free(s);
}

void tl_doc_verdict(struct tl_doc *d, const char *label, const char *value, const char *cls)
{
	char html[96];
	close_list(d);
	snprintf(html, sizeof html, "<p class=\"%s\">", cls);
	block(d, "\n", ": **", html, ": <strong>", label);
	block(d, "", "**\n", "", "</strong></p>\n", value);
}

void tl_doc_item(struct tl_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = tl_table_vformat(fmt, ap);
	va_end(ap);
	if (!d->in_list)
		block(d, "\n", "", "<ul>\n", "", "");
	d->in_list = 1;
	block(d, "- ", "\n", "<li>", "</li>\n", s);
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
