/* json.h - a small validating JSON scanner for pass-through: it finds the
 * spans of values without building trees, so documents are copied byte for
 * byte and unneeded values (a document's events) are skipped cheaply. */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/str.h"

/* One member of an object: key (still escaped, without quotes), the raw
 * value text, and the start of the member (its key's opening quote). */
struct tl_json_member {
	struct tl_str key;
	struct tl_str value;
	const char *start;
};

/* tl_json_skip_ws: first non-whitespace byte at or after p (or end). */
const char *tl_json_skip_ws(const char *p, const char *end);

/* tl_json_skip_value: validate the JSON value at p and return the byte
 * after it, or NULL on a syntax error. depth limits nesting. */
const char *tl_json_skip_value(const char *p, const char *end, int depth);

/* tl_json_members: scan the object at p (after whitespace), calling
 * fn(ctx, member) for each member in order; fn returns non-zero to stop.
 * Returns the byte after the object, or NULL on a syntax error (*why set). */
const char *tl_json_members(const char *p, const char *end,
			    int (*fn)(void *ctx, const struct tl_json_member *m),
			    void *ctx, const char **why);

/* An iterator over the members of an object or the items of an array,
 * for callers that parse some values themselves and skip others: after
 * tl_json_iter_member / tl_json_iter_item returns 1, it.p is the value's
 * first byte; the caller consumes the value and sets it.p to its end. */
struct tl_json_iter {
	const char *p, *end;
	const char *why;     /* the error, when a call returned -1 */
	char close;
	int first;
};

/* tl_json_iter_begin: p (after whitespace) must open with open ('{' or
 * '['); 0, or -1 with it->why. */
int tl_json_iter_begin(struct tl_json_iter *it, const char *p, const char *end, char open);
/* The next member: 1 with *key (escaped, no quotes), 0 after the closing
 * brace (it->p is past it), -1 on a syntax error (it->why). */
int tl_json_iter_member(struct tl_json_iter *it, struct tl_str *key);
/* The next item of an array: 1, 0 after ']', -1 on a syntax error. */
int tl_json_iter_item(struct tl_json_iter *it);

/* TL_JSON_KEY_IS: key equals the string literal lit (unescaped keys; see
 * tl_json_key_is for keys that may hold escapes). */
#define TL_JSON_KEY_IS(key, lit) ((key).n == sizeof(lit) - 1 && memcmp((key).p, lit, sizeof(lit) - 1) == 0)

/* tl_json_key_is: whether the escaped key span equals the plain name. */
int tl_json_key_is(struct tl_str key, const char *name);

/* tl_json_unescape: decode the body of a JSON string (no quotes) into out,
 * which has room for body.n bytes; returns the decoded length, or -1 for
 * a bad escape. */
long tl_json_unescape(struct tl_str body, char *out);

/* tl_json_duplicate: the index of the first name of names[0..n) (decoded
 * keys) that equals an earlier one, or -1. Up to 32 names are compared
 * pairwise; more are sorted (n log n, an index array allocated). */
long tl_json_duplicate(const struct tl_str *names, size_t n);

/* tl_utf8_check_from: tl_utf8_check of p[0..n) whose bytes before i are
 * ASCII. */
size_t tl_utf8_check_from(const char *p, size_t n, size_t i);

/* tl_utf8_check: n when p[0..n) is valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), else the offset of the
 * first byte of the first bad sequence. Inline for the ASCII prefix, 16
 * bytes (SSE2) or a word at a time: every input line goes through it. */
static inline size_t tl_utf8_check(const char *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	while (i + 16 <= n && !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i))))
		i += 16;
#endif
	for (uint64_t w; i + 8 <= n && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0);)
		i += 8;
	for (; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return tl_utf8_check_from(p, n, i);
	return n;
}

/* tl_json_strict: whether text[0..n) is one JSON value (RFC 8259, nesting
 * at most 64) and whitespace: what cJSON also accepts (a NUL or a control
 * byte in a string, +1, 01, NaN, text after the value) is not. For the
 * JSON side files, so that they follow the rules of the input. */
int tl_json_strict(const char *text, size_t n);
#define tl_json_strict_why "not strict JSON (RFC 8259): a NUL or control byte in a string, " \
	"a number like +1, 01 or NaN, text after the value, or nesting deeper than 64"

/* tl_json_put_string: write s[0..n) as a quoted, escaped JSON string. */
void tl_json_put_string(FILE *f, const char *s, size_t n);


#endif
