/* obuf.c - output buffer growth, flushing, JSON and CSV escaping. */
#include <stdint.h>
#include <stdlib.h>

#include "util/err.h"
#include "io/obuf.h"

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

/* escape_bytes: s[0..n) escaped at d (room for 6n); the new end. */
static char *escape_bytes(char *d, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
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
	return d;
}

/* tl_json_escape: plain strings (the common case) are checked and copied
 * a word at a time with fixed-size moves (no memcpy call): a last word
 * overlapping the one before covers the tail, and strings of 4 to 7
 * bytes are two overlapping 4-byte halves. */
char *tl_json_escape(char *d, const char *s, size_t n)
{
	*d++ = '"';
	size_t i = 0;
	if (n >= 8) {
		uint64_t x;
		for (; i + 8 <= n; i += 8) {
			memcpy(&x, s + i, 8);
			if (tl_json_special(x))
				goto escape;
			memcpy(d + i, &x, 8);
		}
		if (i < n) {
			memcpy(&x, s + n - 8, 8);
			if (tl_json_special(x))
				goto escape;
			memcpy(d + n - 8, &x, 8);
		}
	} else if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		if (tl_json_special(lo | (uint64_t)hi << 32))
			goto escape;
		memcpy(d, &lo, 4);
		memcpy(d + n - 4, &hi, 4);
	} else {
		for (; i < n; i++) {
			if (json_special[(unsigned char)s[i]])
				goto escape;
			d[i] = s[i];
		}
	}
	d += n;
	*d++ = '"';
	return d;
escape:   /* s[0..i) is written */
	d = escape_bytes(d + i, (const unsigned char *)s + i, n - i);
	*d++ = '"';
	return d;
}

void tl_obuf_json_string(struct tl_obuf *o, const char *s, size_t n)
{
	char *d = tl_obuf_room(o, 6 * n + 2);
	o->n += (size_t)(tl_json_escape(d, s, n) - d);
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
