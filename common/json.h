/* json.h - a small validating JSON scanner for pass-through: it finds the
 * spans of values without building trees, so documents are copied byte for
 * byte and unneeded values (a document's events) are skipped cheaply. */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stdio.h>
#include <stddef.h>

/* A byte span (not NUL-terminated unless said so). */
struct tl_str {
	const char *p;
	size_t n;
};

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

/* tl_json_key_is: whether the escaped key span equals the plain name. */
int tl_json_key_is(struct tl_str key, const char *name);

/* tl_json_unescape: decode the body of a JSON string (no quotes) into out,
 * which has room for body.n bytes; returns the decoded length, or -1 for
 * a bad escape. */
long tl_json_unescape(struct tl_str body, char *out);

/* tl_json_put_string: write s[0..n) as a quoted, escaped JSON string. */
void tl_json_put_string(FILE *f, const char *s, size_t n);

#endif
