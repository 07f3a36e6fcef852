/* obuf.c - output buffer growth, flushing, JSON and CSV escaping. */
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "obuf.h"

void tl_obuf_grow(struct tl_obuf *o, size_t k)
{
	size_t cap = o->cap ? o->cap : 1 << 16;
	while (o->n + k > cap)
		cap *= 2;
	o->p = tl_xrealloc(o->p, cap);
	o->cap = cap;
}

void tl_obuf_flush(struct tl_obuf *o)
{
	if (o->n && o->f)
		fwrite(o->p, 1, o->n, o->f);
	o->n = 0;
}

void tl_obuf_free(struct tl_obuf *o)
{
	free(o->p);
	o->p = NULL;
	o->n = o->cap = 0;
}

/* Bytes a JSON string must escape: 1 for a control byte, '"' or '\\'. */
static const unsigned char json_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* Whether any of the 8 bytes in x must be escaped: a control byte, '"' or
 * '\\' (the exact "has zero byte" / "has byte less than" word tests). */
static inline int word_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs ? 1 : 0;
}

void tl_obuf_json_string(struct tl_obuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *d = tl_obuf_room(o, 6 * n + 2), *start = d;
	*d++ = '"';
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {   /* 8 plain bytes at a time */
		uint64_t x;
		memcpy(&x, s + i, 8);
		if (word_special(x))
			break;
		memcpy(d, &x, 8);
		d += 8;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!json_special[c]) {
			*d++ = (char)c;
			continue;
		}
		*d++ = '\\';
		switch (c) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			*d++ = 'u', *d++ = '0', *d++ = '0';
			*d++ = hex[c >> 4], *d++ = hex[c & 15];
		}
	}
	*d++ = '"';
	o->n += (size_t)(d - start);
}

void tl_obuf_csv_field(struct tl_obuf *o, const char *s, size_t n)
{
	size_t quotes = 0;
	int special = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		quotes += c == '"';
		special |= c == ',' || c == '"' || c == '\n' || c == '\r';
	}
	if (!special) {
		tl_obuf_put(o, s, n);
		return;
	}
	char *d = tl_obuf_room(o, n + quotes + 2), *start = d;
	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*d++ = '"';
		*d++ = s[i];
	}
	*d++ = '"';
	o->n += (size_t)(d - start);
}

void tl_obuf_fput(FILE *f, void (*put)(struct tl_obuf *, const char *, size_t), const char *s, size_t n,
		  size_t worst)
{
	char small[512];
	struct tl_obuf o = {small, 0, sizeof small, f};
	if (worst > sizeof small)
		o = (struct tl_obuf){NULL, 0, 0, f};
	put(&o, s, n);
	tl_obuf_flush(&o);
	if (o.p != small)
		tl_obuf_free(&o);
}
