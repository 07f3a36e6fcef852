/* json.c - validating JSON scanner for spans, string unescape and escape. */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/obuf.h"
#include "util/err.h"

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

const char *tl_json_skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static long hex4(const char *p);

/* skip_u_escape: p at the 'u' of a \u escape; the last byte of it (of
 * the pair, for a surrogate pair), or NULL: a lone surrogate (\ud800
 * without its \udc00-\udfff) is not a character, and no UTF-8 can hold
 * it. */
static const char *skip_u_escape(const char *p, const char *end)
{
	long cp = end - p >= 5 ? hex4(p + 1) : -1;
	if (cp < 0 || (cp >= 0xDC00 && cp < 0xE000))
		return NULL;
	p += 4;
	if (cp < 0xD800 || cp >= 0xDC00)
		return p;
	if (end - p < 7 || p[1] != '\\' || p[2] != 'u')
		return NULL;
	long lo = hex4(p + 3);
	return lo >= 0xDC00 && lo < 0xE000 ? p + 6 : NULL;
}

/* p at the opening quote; returns the byte after the closing quote. Plain
 * runs are skipped 16 bytes at a time (SSE2) while 16 bytes remain. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
#ifdef __SSE2__
		while (end - p >= 16) {
			unsigned m = tl_json_special16(p);
			if (m) {
				p += __builtin_ctz(m);
				break;
			}
			p += 16;
		}
		if (p >= end)
			return NULL;
#endif
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				if (!(p = skip_u_escape(p, end)))
					return NULL;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {   /* strchr finds the NUL too */
				return NULL;
			}
		}
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && (unsigned)(*p - '0') <= 9)
		p++;
	return p == s ? NULL : p;
}

static const char *skip_number(const char *p, const char *end)
{
	if (*p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = skip_digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = skip_digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = skip_digits(p, end)))
			return NULL;
	}
	return p;
}

static const char *skip_literal(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

static const char *skip_container(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';
	int object = close == '}';
	p = tl_json_skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || !(p = skip_string(p, end)))
				return NULL;
			p = tl_json_skip_ws(p, end);
			if (p >= end || *p++ != ':')
				return NULL;
			p = tl_json_skip_ws(p, end);
		}
		if (!(p = tl_json_skip_value(p, end, depth - 1)))
			return NULL;
		p = tl_json_skip_ws(p, end);
		if (p < end && *p == ',') {
			p = tl_json_skip_ws(p + 1, end);
			continue;
		}
		return p < end && *p == close ? p + 1 : NULL;
	}
}

const char *tl_json_skip_value(const char *p, const char *end, int depth)
{
	if (p >= end || depth <= 0)
		return NULL;
	switch (*p) {
	case '"': return skip_string(p, end);
	case '{': case '[': return skip_container(p, end, depth);
	case 't': return skip_literal(p, end, "true");
	case 'f': return skip_literal(p, end, "false");
	case 'n': return skip_literal(p, end, "null");
	default:
		if (*p == '-' || (unsigned)(*p - '0') <= 9)
			return skip_number(p, end);
		return NULL;
	}
}

int tl_json_iter_begin(struct tl_json_iter *it, const char *p, const char *end, char open)
{
	it->end = end;
	it->first = 1;
	it->why = open == '{' ? "not a JSON object" : "not a JSON array";
	p = tl_json_skip_ws(p, end);
	if (p >= end || *p != open)
		return -1;
	it->close = open == '{' ? '}' : ']';
	it->p = p + 1;
	return 0;
}

/* Past the separator before the next element: 1 more, 0 closed, -1 bad. */
static int iter_step(struct tl_json_iter *it)
{
	const char *p = tl_json_skip_ws(it->p, it->end);
	if (p < it->end && *p == it->close) {
		it->p = p + 1;
		return 0;
	}
	if (!it->first) {
		if (p >= it->end || *p != ',') {
			it->why = it->close == '}' ? "bad JSON: expected ',' or '}'" : "bad JSON: expected ',' or ']'";
			return -1;
		}
		p = tl_json_skip_ws(p + 1, it->end);
	}
	it->first = 0;
	it->p = p;
	return 1;
}

int tl_json_iter_member(struct tl_json_iter *it, struct tl_str *key)
{
	int rc = iter_step(it);
	if (rc <= 0)
		return rc;
	const char *p = it->p, *q;
	it->why = "bad JSON: expected a quoted key";
	if (p >= it->end || *p != '"' || !(q = skip_string(p, it->end)))
		return -1;
	*key = (struct tl_str){p + 1, (size_t)(q - p - 2)};
	p = tl_json_skip_ws(q, it->end);
	it->why = "bad JSON: expected ':' after a key";
	if (p >= it->end || *p++ != ':')
		return -1;
	it->p = tl_json_skip_ws(p, it->end);
	it->why = "bad JSON value";
	return 1;
}

int tl_json_iter_item(struct tl_json_iter *it)
{
	int rc = iter_step(it);
	it->why = "bad JSON value";
	return rc;
}

const char *tl_json_members(const char *p, const char *end,
			    int (*fn)(void *ctx, const struct tl_json_member *m),
			    void *ctx, const char **why)
{
	struct tl_json_iter it;
	struct tl_json_member m;
	int rc, stopped = 0;
	if (tl_json_iter_begin(&it, p, end, '{') < 0) {
		*why = it.why;
		return NULL;
	}
	while ((rc = tl_json_iter_member(&it, &m.key)) > 0) {
		m.start = m.key.p - 1;
		const char *q = tl_json_skip_value(it.p, end, 64);
		if (!q) {
			*why = it.why;
			return NULL;
		}
		m.value = (struct tl_str){it.p, (size_t)(q - it.p)};
		if (!stopped && fn)
			stopped = fn(ctx, &m);
		it.p = q;
	}
	*why = it.why;
	return rc < 0 ? NULL : it.p;
}

int tl_json_key_is(struct tl_str key, const char *name)
{
	size_t n = strlen(name);
	if (key.n == n && memcmp(key.p, name, n) == 0)
		return 1;
	if (!memchr(key.p, '\\', key.n) || key.n > 256)
		return 0;
	char buf[256];
	long m = tl_json_unescape(key, buf);
	return m == (long)n && memcmp(buf, name, n) == 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) { out[0] = (char)cp; return 1; }
	if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static long hex4(const char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

long tl_json_unescape(struct tl_str body, char *out)
{
	const char *p = body.p, *end = body.p + body.n;
	char *o = out;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
		memmove(o, p, run);
		o += run;
		p += run;
		if (!bs)
			break;
		if (++p >= end)
			return -1;
		char c = *p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			long cp = end - p >= 4 ? hex4(p) : -1;
			if (cp < 0)
				return -1;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				long lo = hex4(p + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			/* a \u escape is 6 bytes and decodes to at most 4 */
			o += put_utf8(o, (unsigned)cp);
			break;
		}
		default: return -1;
		}
	}
	return (long)(o - out);
}

static int same_name(struct tl_str a, struct tl_str b)
{
	return a.n == b.n && (a.n == 0 || (a.p[0] == b.p[0] && memcmp(a.p, b.p, a.n) == 0));
}

/* by_name: names ordered by bytes then length, ties by index (the first
 * of equal names sorts first, so the duplicate reported is a later one). */
static _Thread_local const struct tl_str *sort_base;   /* qsort has no context */
static int by_name(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	struct tl_str a = sort_base[i], b = sort_base[j];
	int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
	if (!c)
		c = (a.n > b.n) - (a.n < b.n);
	return c ? c : (i > j) - (i < j);
}

long tl_json_duplicate(const struct tl_str *names, size_t n)
{
	if (n <= 32) {
		for (size_t j = 1; j < n; j++)
			for (size_t i = 0; i < j; i++)
				if (same_name(names[i], names[j]))
					return (long)j;
		return -1;
	}
	size_t *idx = tl_xmalloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_base = names;
	qsort(idx, n, sizeof *idx, by_name);
	long dup = -1;
	for (size_t i = 1; i < n; i++)
		if (same_name(names[idx[i - 1]], names[idx[i]]) && (dup < 0 || idx[i] < (size_t)dup))
			dup = (long)idx[i];
	free(idx);
	return dup;
}

/* utf8_seq: the length of the valid multi-byte sequence at p (lead byte
 * c >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF) len = 2;
	else if (c >= 0xE0 && c <= 0xEF) len = 3;
	else if (c >= 0xF0 && c <= 0xF4) len = 4;
	else return 0;
	if (c == 0xE0) lo = 0xA0;        /* overlong */
	else if (c == 0xED) hi = 0x9F;   /* a surrogate */
	else if (c == 0xF0) lo = 0x90;   /* overlong */
	else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
	if (left < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

size_t tl_utf8_check_from(const char *s, size_t n, size_t i)
{
	const unsigned char *p = (const unsigned char *)s;
	while (i < n) {
		uint64_t w;
		if (n - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0)) {
			i += 8;
			continue;
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_seq(p + i, n - i);
		if (!len)
			return i;
		i += len;
	}
	return n;
}

int tl_json_strict(const char *text, size_t n)
{
	const char *end = text + n, *q = tl_json_skip_value(tl_json_skip_ws(text, end), end, 64);
	return q && tl_json_skip_ws(q, end) == end;
}

void tl_json_put_string(FILE *f, const char *s, size_t n)
{
	tl_obuf_fput(f, tl_obuf_json_string, s, n, 6 * n + 2);
}
