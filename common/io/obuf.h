/* obuf.h - an output buffer: records are assembled with memcpy and written
 * to their FILE in large blocks (no stdio call per value). */
#ifndef TL_OBUF_H
#define TL_OBUF_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>

struct tl_obuf {
	char *p;
	size_t n, cap;
	FILE *f;
};

/* tl_obuf_grow: make room for k more bytes (exits 70 when out of memory). */
void tl_obuf_grow(struct tl_obuf *o, size_t k);
/* tl_obuf_flush: write the buffered bytes to o->f (errors show in ferror). */
void tl_obuf_flush(struct tl_obuf *o);
void tl_obuf_free(struct tl_obuf *o);

static inline char *tl_obuf_room(struct tl_obuf *o, size_t k)
{
	if (o->n + k > o->cap)
		tl_obuf_grow(o, k);
	return o->p + o->n;
}

static inline void tl_obuf_put(struct tl_obuf *o, const char *s, size_t k)
{
	if (!k)
		return;
	memcpy(tl_obuf_room(o, k), s, k);
	o->n += k;
}

static inline void tl_obuf_putc(struct tl_obuf *o, char c)
{
	*tl_obuf_room(o, 1) = c;
	o->n++;
}

#define tl_obuf_lit(o, lit) tl_obuf_put(o, lit, sizeof(lit) - 1)

/* tl_json_escape: s[0..n) as a quoted, escaped JSON string at d, which
 * has room for 6n + 2 bytes; returns the end. */
char *tl_json_escape(char *d, const char *s, size_t n);
/* tl_obuf_json_string: s[0..n) as a quoted, escaped JSON string. */
void tl_obuf_json_string(struct tl_obuf *o, const char *s, size_t n);
/* tl_obuf_csv_field: s[0..n) as a CSV field, quoted when needed. */
void tl_obuf_csv_field(struct tl_obuf *o, const char *s, size_t n);

/* tl_obuf_fput: put(s, n) straight to f through a small buffer (worst:
 * the most bytes put may write), for writers outside a record loop. */
void tl_obuf_fput(FILE *f, void (*put)(struct tl_obuf *, const char *, size_t), const char *s, size_t n,
		  size_t worst);

/* tl_json_special: a mask with the high bit set in the lowest byte of the
 * 8 bytes in x (little-endian) that a JSON string cannot hold as is: a
 * control byte, '"' or '\\'; 0 when there is none. Bytes above the
 * lowest flagged one may be flagged wrongly (borrows), never the lowest. */
static inline uint64_t tl_json_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

#ifdef __SSE2__
#include <emmintrin.h>
/* tl_json_special16: the mask of the 16 bytes at p that a JSON string
 * cannot hold as is (a control byte, '"' or '\\'): bit i for p[i]. */
static inline unsigned tl_json_special16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);   /* v <= 0x1f */
	__m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), bslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, bslash), ctl));
}
#endif
#endif
