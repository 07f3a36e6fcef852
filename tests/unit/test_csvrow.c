/* test_csvrow.c - the comma-scan fast path and libcsv split every line
 * of a fixture set into identical fields. */
#include <stdlib.h>

#include "io/csvrow.h"
#include "unit.h"

/* Split line with a fresh splitter; TL_CSV_SLOW decides the path. */
static int split(const char *line, int slow, char out[][64], size_t *n)
{
	char buf[256];
	size_t len = strlen(line);
	memset(buf, 0, sizeof buf);
	memcpy(buf, line, len);   /* keeps TL_CSV_PAD readable bytes after it */
	if (len + TL_CSV_PAD > sizeof buf)
		return -2;
	setenv("TL_CSV_SLOW", slow ? "1" : "0", 1);
	struct tl_csv *c = tl_csv_new(1000);
	int rc = tl_csv_split(c, buf, len);
	*n = tl_csv_nfields(c);
	for (size_t i = 0; rc == TL_CSV_ROW && i < *n; i++) {
		const struct tl_str *f = &tl_csv_fields(c)[i];
		memcpy(out[i], f->p, f->n);
		out[i][f->n] = '\0';
	}
	tl_csv_free(c);
	return rc;
}

/* scan: tl_csv_scan_line on text (a copy with TL_CSV_PAD zero bytes
 * after), into an array of exactly ncols - 1 offsets, so that the
 * sanitizer build catches a store past it */
static long scan_d(const char *text, size_t ncols, uint32_t *commas, char delim, int tsv)
{
	static char buf[512];
	size_t len = strlen(text);
	memset(buf, 0, sizeof buf);
	memcpy(buf, text, len);
	struct tl_csv *c = tl_csv_new(1000);
	if (delim != ',' || tsv)
		tl_csv_set_delim(c, delim, tsv);
	uint32_t *exact = malloc((ncols - 1) * sizeof *exact);
	long rc = tl_csv_scan_line(c, buf, len, ncols, exact);
	memcpy(commas, exact, (ncols - 1) * sizeof *exact);
	free(exact);
	tl_csv_free(c);
	return rc;
}

static long scan(const char *text, size_t ncols, uint32_t *commas) { return scan_d(text, ncols, commas, ',', 0); }

/* Other separators: TSV (quotes are ordinary bytes) and -d CHAR (CSV
 * quoting, CHAR for the comma), on both paths of the split. */
static void check_separators(void)
{
	uint32_t commas[8];
	CHECK(scan_d("a\t\"b\"\tc,d\n", 3, commas, '\t', 1) == 9 && commas[0] == 1 && commas[1] == 5);
	CHECK(scan_d("a\tb\r\n", 2, commas, '\t', 1) == -1);   /* a CR: the general path's */
	CHECK(scan_d("a;b;c\n", 3, commas, ';', 0) == 5 && commas[1] == 3);
	CHECK(scan_d("a;\"b\";c\n", 3, commas, ';', 0) == -1);   /* a quote: libcsv's */
	CHECK(scan_d("a,b;c\n", 2, commas, ';', 0) == 5 && commas[0] == 3);
	for (int slow = 0; slow <= 1; slow++) {
		static char buf[128];
		setenv("TL_CSV_SLOW", slow ? "1" : "0", 1);
		struct tl_csv *c = tl_csv_new(1000);
		tl_csv_set_delim(c, ';', 0);
		strcpy(buf, "x;\"a;b \"\"q\"\"\";z");
		memset(buf + strlen(buf), 0, TL_CSV_PAD);
		CHECK(tl_csv_split(c, buf, strlen(buf)) == TL_CSV_ROW && tl_csv_nfields(c) == 3);
		CHECK(tl_csv_fields(c)[1].n == 7 && memcmp(tl_csv_fields(c)[1].p, "a;b \"q\"", 7) == 0);
		tl_csv_set_delim(c, '\t', 1);
		strcpy(buf, "\"x\t\"y\"\tz");
		memset(buf + strlen(buf), 0, TL_CSV_PAD);
		CHECK(tl_csv_split(c, buf, strlen(buf)) == TL_CSV_ROW && tl_csv_nfields(c) == 3);
		CHECK(tl_csv_fields(c)[0].n == 2 && memcmp(tl_csv_fields(c)[0].p, "\"x", 2) == 0);
		tl_csv_free(c);
	}
}

/* The reader's fast loop: exactly ncols fields or -1, wherever the commas
 * fall against the 64-byte blocks the scan works in. */
static void check_scan_line(void)
{
	uint32_t commas[8];
	CHECK(scan("a,b,c\nnext", 3, commas) == 5 && commas[0] == 1 && commas[1] == 3);
	CHECK(scan("a,b,c\n", 2, commas) == -1);    /* one comma too many */
	CHECK(scan("a,b,c\n", 4, commas) == -1);    /* one too few */
	CHECK(scan("a,b,c", 3, commas) == -1);       /* no newline within avail */
	CHECK(scan("a,\"b\",c\n", 3, commas) == -1); /* a quote: libcsv's */
	CHECK(scan("a,b,c\r\n", 3, commas) == -1);  /* CR: libcsv's */
	CHECK(scan("a,b\nc,d,e,f\n", 2, commas) == 3);   /* commas after the newline do not count */
	/* a comma on each side of the block boundary, at bytes 62 and 65 */
	char line[200];
	for (int extra = 0; extra <= 2; extra++) {
		memset(line, 'x', sizeof line);
		line[62] = ',';
		line[65] = ',';
		size_t n = 100;
		if (extra >= 1)
			line[80] = ',';
		if (extra >= 2)
			line[130] = ',', n = 140;
		line[n] = '\n';
		line[n + 1] = '\0';
		CHECK(scan(line, 3, commas) == (extra == 0 ? (long)n : -1));
		CHECK(scan(line, 3 + (size_t)extra, commas) == (long)n);
		CHECK(commas[0] == 62 && commas[1] == 65);
	}
}

int main(void)
{
	check_scan_line();
	check_separators();
	static const char *lines[] = {
		"a,b,c", ",", ",,", "a", "learner_id,ts,domain,capability,action",
		"L1,2025-01-01T00:00:00Z,math,algebra,use", " spaced , fields ", "tab\there,x",
		"a,b,c\r", "0123456789abcdef,0123456789abcdef0,x", "trailing,",
		",leading", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,",
		"utf8 \xc3\xa9t\xc3\xa9,ok",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char a[32][64], b[32][64];
		size_t na, nb;
		int ra = split(lines[i], 0, a, &na), rb = split(lines[i], 1, b, &nb);
		CHECK(ra == TL_CSV_ROW && rb == TL_CSV_ROW);
		CHECK(na == nb);
		for (size_t k = 0; k < na && k < nb; k++)
			CHECK_STR(a[k], b[k]);
	}
	/* (blank lines never reach the splitter: the reader skips them) */
	/* quoted lines always take libcsv: RFC 4180 unquoting */
	char f[32][64];
	size_t n;
	CHECK(split("\"a,b\",\"say \"\"hi\"\"\",c", 0, f, &n) == TL_CSV_ROW && n == 3);
	CHECK_STR(f[0], "a,b");
	CHECK_STR(f[1], "say \"hi\"");
	CHECK(split("ab\"c,d", 0, f, &n) == TL_CSV_ERR);
	CHECK(split("\"open,d", 0, f, &n) == TL_CSV_MORE);
	/* a field over max_field is an error on both paths */
	setenv("TL_CSV_SLOW", "0", 1);
	struct tl_csv *c = tl_csv_new(3);
	char buf[64] = "ab,abcd";
	CHECK(tl_csv_split(c, buf, strlen(buf)) == TL_CSV_ERR);
	tl_csv_free(c);
	setenv("TL_CSV_SLOW", "1", 1);
	c = tl_csv_new(3);
	CHECK(tl_csv_split(c, buf, strlen(buf)) == TL_CSV_ERR);
	tl_csv_free(c);
	return UNIT_DONE();
}
