/* csvrow.c - CSV record splitting: comma scan fast path, libcsv fallback. */
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "util/err.h"
#include "io/obuf.h"

struct tl_csv {
	struct csv_parser parser;
	size_t max_field;
	int force_slow;
	unsigned long quoted;   /* lines given to libcsv */
	int in_record;          /* libcsv is inside a multi-line record */
	int done;               /* libcsv ended the record */
	int records;            /* ... how many times (> 1: a bare CR inside the line) */
	int too_long;
	struct tl_str *fields;
	size_t nfields, cap;
	char *scratch;          /* libcsv field bytes, fields point here */
	size_t slen, scap;
	size_t *offs;           /* field offsets into scratch while filling */
	const char *error;
	char delim;             /* the field separator (',') */
	char quote;             /* '"', or '\n' for TSV: no quote in a line */
};

static int no_space(unsigned char c) { (void)c; return 0; }

static void parser_init(struct tl_csv *c)
{
	if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		tl_die(TL_EX_SOFTWARE, "cannot initialise libcsv");
	csv_set_space_func(&c->parser, no_space);
	csv_set_delim(&c->parser, (unsigned char)c->delim);
}

struct tl_csv *tl_csv_new(size_t max_field)
{
	struct tl_csv *c = tl_xcalloc(1, sizeof *c);
	c->max_field = max_field;
	const char *slow = getenv("TL_CSV_SLOW");
	c->force_slow = slow && *slow && strcmp(slow, "0") != 0;
	c->delim = ',';
	c->quote = '"';
	parser_init(c);
	return c;
}

void tl_csv_set_delim(struct tl_csv *c, char delim, int tsv)
{
	c->delim = delim;
	c->quote = tsv ? '\n' : '"';   /* a line holds no '\n': nothing is a quote */
	if (tsv)
		c->force_slow = 0;      /* TSV has no libcsv path */
	csv_free(&c->parser);
	parser_init(c);
}

void tl_csv_free(struct tl_csv *c)
{
	if (!c)
		return;
	csv_free(&c->parser);
	free(c->fields);
	free(c->scratch);
	free(c->offs);
	free(c);
}

static void reserve_fields(struct tl_csv *c, size_t n)
{
	if (n <= c->cap)
		return;
	c->cap = n * 2;
	c->fields = tl_xrealloc(c->fields, c->cap * sizeof *c->fields);
	c->offs = tl_xrealloc(c->offs, (c->cap + 1) * sizeof *c->offs);
}

/* libcsv field callback: append to scratch, remember the offset. */
static void on_field(void *s, size_t len, void *data)
{
	struct tl_csv *c = data;
	if (len > c->max_field)
		c->too_long = 1;
	reserve_fields(c, c->nfields + 1);
	if (c->slen + len + 1 > c->scap) {
		c->scap = (c->slen + len + 1) * 2;
		c->scratch = tl_xrealloc(c->scratch, c->scap);
	}
	c->offs[c->nfields] = c->slen;
	if (len)
		memcpy(c->scratch + c->slen, s, len);
	c->slen += len;
	c->fields[c->nfields++].n = len;
}

static void on_record(int term, void *data)
{
	(void)term;
	((struct tl_csv *)data)->done = 1;
	((struct tl_csv *)data)->records++;
}

static int finish_slow(struct tl_csv *c)
{
	for (size_t i = 0; i < c->nfields; i++)
		c->fields[i].p = c->scratch + c->offs[i];
	c->in_record = 0;
	if (c->too_long) {
		c->error = "a field is longer than --max-field";
		return TL_CSV_ERR;
	}
	return TL_CSV_ROW;
}

static int split_slow(struct tl_csv *c, const char *line, size_t n)
{
	c->quoted++;
	if (!c->in_record) {
		c->nfields = c->slen = 0;
		c->too_long = c->done = c->records = 0;
		c->in_record = 1;
	}
	if (csv_parse(&c->parser, line, n, on_field, on_record, c) != n ||
	    csv_parse(&c->parser, "\n", 1, on_field, on_record, c) != 1) {
		c->error = csv_error(&c->parser) == CSV_EPARSE
			   ? "a quote inside an unquoted field, or text after a closing quote"
			   : csv_strerror(csv_error(&c->parser));
		csv_free(&c->parser);
		parser_init(c);
		c->in_record = 0;
		return TL_CSV_ERR;
	}
	/* libcsv ends a record at a bare CR: a second record in the line, or
	 * one it began after the CR and left open (a quote after the CR) */
	if (c->records > 1 || (c->done && c->parser.pstate != 0)) {
		c->error = "a carriage return ends a record inside the line: lines that end in a bare CR "
			   "are not read (convert them: tr '\\r' '\\n')";
		csv_free(&c->parser);
		parser_init(c);
		c->in_record = 0;
		return TL_CSV_ERR;
	}
	if (!c->done) {
		/* an open quote eating the input: libcsv reports a field only when
		 * it ends, so the open one is measured in its buffer */
		if (c->parser.entry_pos > c->max_field || c->slen > c->max_field + 2) {
			c->error = "a quoted field is longer than --max-field (unterminated quote?)";
			csv_free(&c->parser);
			parser_init(c);
			c->in_record = 0;
			return TL_CSV_ERR;
		}
		return TL_CSV_MORE;
	}
	return finish_slow(c);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* The 16-bit masks of separators, newlines and quotes or CRs at p. */
static inline void masks16(const char *p, uint64_t *commas, uint64_t *nls, uint64_t *specials, int shift, char d,
			   char q)
{
	const __m128i comma = _mm_set1_epi8(d), nl = _mm_set1_epi8('\n');
	const __m128i quote = _mm_set1_epi8(q), cr = _mm_set1_epi8('\r');
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	*commas |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << shift;
	*nls |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << shift;
	*specials |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)))
		     << shift;
}
#else
static inline void masks16(const char *p, uint64_t *commas, uint64_t *nls, uint64_t *specials, int shift, char d,
			   char q)
{
	for (int i = 0; i < 16; i++) {
		*commas |= (uint64_t)(p[i] == d) << (shift + i);
		*nls |= (uint64_t)(p[i] == '\n') << (shift + i);
		*specials |= (uint64_t)(p[i] == q || p[i] == '\r') << (shift + i);
	}
}
#endif

/* The bit masks of separators (d), newlines and quotes (q) or CRs in the
 * 64 bytes at p. */
static inline void line_masks64(const char *p, uint64_t *commas, uint64_t *nls, uint64_t *specials, char d, char q)
{
	*commas = *nls = *specials = 0;
	for (int k = 0; k < 4; k++)
		masks16(p + 16 * k, commas, nls, specials, 16 * k, d, q);
}

int tl_csv_plain_ok(const struct tl_csv *c) { return !c->in_record && !c->force_slow; }
unsigned long tl_csv_quoted(const struct tl_csv *c) { return c->quoted; }

/* split_commas: the fields of a line at its commas, 64 bytes at a time
 * (the caller guarantees TL_CSV_PAD readable bytes past the line); -1 for
 * a line with a quote or CR (libcsv reads it), else 1 when a field is
 * longer than max_field, 0 when none is. */
static int split_commas(struct tl_csv *c, const char *line, size_t n)
{
	const char *start = line;
	size_t nf = 0, longest = 0;
	reserve_fields(c, 16);
	struct tl_str *fields = c->fields;
	size_t cap = c->cap;
	for (size_t i = 0; i < n; i += 64) {
		uint64_t m, nl, special, valid = n - i >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (n - i)) - 1;
		line_masks64(line + i, &m, &nl, &special, c->delim, c->quote);
		if (special & valid)
			return -1;
		for (m &= valid; m; m &= m - 1) {
			const char *at = line + i + (unsigned)__builtin_ctzll(m);
			size_t len = (size_t)(at - start);
			longest = len > longest ? len : longest;
			fields[nf++] = (struct tl_str){start, len};
			start = at + 1;
			if (nf + 1 >= cap) {
				reserve_fields(c, nf + 2);
				fields = c->fields;
				cap = c->cap;
			}
		}
	}
	size_t len = (size_t)(line + n - start);
	fields[nf++] = (struct tl_str){start, len};
	c->nfields = nf;
	return (len > longest ? len : longest) > c->max_field ? 1 : 0;
}

/* The fast path for a line without quotes; -1 sends it to libcsv. */
static int split_fast(struct tl_csv *c, const char *line, size_t n)
{
	c->nfields = 0;
	int rc = split_commas(c, line, n);
	if (rc <= 0)
		return rc < 0 ? -1 : TL_CSV_ROW;
	for (size_t i = 0; i < c->nfields; i++)
		if (c->fields[i].n > c->max_field) {
			c->error = "a field is longer than --max-field";
			return TL_CSV_ERR;
		}
	return TL_CSV_ROW;
}

long tl_csv_scan_line(const struct tl_csv *c, const char *p, size_t avail, size_t ncols, uint32_t *commas)
{
	size_t nc = 0;
	if (ncols == 0)
		return -1;
	for (size_t i = 0; i < avail; i += 64) {
		uint64_t cm, nl, special;
		line_masks64(p + i, &cm, &nl, &special, c->delim, c->quote);
		if (avail - i < 64) {   /* the padding past avail is not input: mask it */
			uint64_t valid = ((uint64_t)1 << (avail - i)) - 1;
			nl &= valid, cm &= valid, special &= valid;
		}
		uint64_t before = nl ? (nl & -nl) - 1 : ~(uint64_t)0;   /* bytes before the newline */
		cm &= before;
		if (special & before)
			return -1;
		for (; cm; cm &= cm - 1) {   /* (no popcount: x86-64's baseline lacks it) */
			if (nc == ncols - 1)
				return -1;   /* more commas than the header has */
			commas[nc++] = (uint32_t)(i + (unsigned)__builtin_ctzll(cm));
		}
		if (nl)
			return nc == ncols - 1 ? (long)(i + (unsigned)__builtin_ctzll(nl)) : -1;
	}
	return -1;
}

int tl_csv_split(struct tl_csv *c, const char *line, size_t n)
{
	if (n && line[n - 1] == '\r')
		n--;
	if (!c->in_record && !c->force_slow) {
		int rc = split_fast(c, line, n);
		if (rc >= 0)
			return rc;
	}
	if (c->quote == '\n') {   /* TSV: only a CR inside the line gets here */
		c->error = "a carriage return inside a tab-separated line";
		return TL_CSV_ERR;
	}
	return split_slow(c, line, n);
}

int tl_csv_eof(struct tl_csv *c)
{
	if (!c->in_record)
		return TL_CSV_ROW;
	c->in_record = 0;
	csv_free(&c->parser);
	parser_init(c);
	c->error = "unterminated quoted field at end of input";
	return TL_CSV_ERR;
}

void tl_csv_pad(char **buf, size_t *cap, size_t n)
{
	if (*cap < n + TL_CSV_PAD) {
		*cap = n + TL_CSV_PAD;
		*buf = tl_xrealloc(*buf, *cap);
		memset(*buf + n, 0, TL_CSV_PAD);
	}
}

size_t tl_csv_nfields(const struct tl_csv *c) { return c->nfields; }
const struct tl_str *tl_csv_fields(const struct tl_csv *c) { return c->fields; }
const char *tl_csv_error(const struct tl_csv *c) { return c->error; }

void tl_csv_put_field(FILE *f, const char *s, size_t n)
{
	tl_obuf_fput(f, tl_obuf_csv_field, s, n, 2 * n + 2);
}
