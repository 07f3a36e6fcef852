/* test_csvrow.c - the comma-scan fast path and libcsv split every line
 * of a fixture set into identical fields. */
#include <stdlib.h>

#include "csvrow.h"
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

int main(void)
{
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
