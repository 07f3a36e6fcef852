/* fuzz_json.c - libFuzzer harness for io/json: the scanner accepts a value
 * or not, without reading past the end; every string of an accepted
 * object decodes, and decodes to valid UTF-8 when the input is valid
 * UTF-8 (no lone surrogate gets through: tl(7) "Encoding"); the strict
 * check agrees with the scanner; the duplicate check finds only real
 * duplicates; the path scan (io/jsonpath) accepts what the scanner
 * accepts (but a path's key twice), ends where it ends, and finds values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/jsonpath.h"

static void check_string(struct tl_str body, int utf8)
{
	char *out = malloc(body.n + 1);
	long n = tl_json_unescape(body, out);
	if (n < 0 || (size_t)n > body.n)
		abort();
	if (utf8 && tl_utf8_check(out, (size_t)n) != (size_t)n)
		abort();
	free(out);
}

static void check_paths(const char *p, const char *end, const char *q)
{
	static const char *const paths[] = {"a", "a.b", "a.b.c", "actor.account.name", "verb.id"};
	struct tl_jpaths t;
	struct tl_str v[5] = {{0}}, dup;
	const char *why;
	tl_jpaths_init(&t);
	for (int i = 0; i < 5; i++)
		if (tl_jpaths_add(&t, paths[i], strlen(paths[i]), i) < 0)
			abort();
	const char *r = tl_jpaths_scan(&t, p, end, v, &why, &dup);
	if (r ? r != q : q && !(why && strcmp(why, "duplicate key") == 0))
		abort();
	for (int i = 0; r && i < 5; i++)
		if (v[i].p && tl_json_skip_value(v[i].p, v[i].p + v[i].n, 64) != v[i].p + v[i].n)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);   /* exactly size bytes: ASan sees an overread */
	memcpy(text, data, size);
	const char *end = text + size, *p = tl_json_skip_ws(text, end);
	const char *q = tl_json_skip_value(p, end, 64);
	int utf8 = tl_utf8_check(text, size) == size;
	if (tl_json_strict(text, size) != (q && tl_json_skip_ws(q, end) == end))
		abort();
	if (p < end && *p == '{')
		check_paths(p, end, q);
	if (q && *p == '"')
		check_string((struct tl_str){p + 1, (size_t)(q - p - 2)}, utf8);
	struct tl_json_iter it;
	struct tl_str key, keys[64];
	size_t nk = 0;
	if (q && *p == '{' && tl_json_iter_begin(&it, p, end, '{') == 0) {
		while (tl_json_iter_member(&it, &key) > 0) {
			check_string(key, utf8);
			if (nk < 64)
				keys[nk++] = key;
			const char *v = tl_json_skip_value(it.p, end, 64);
			if (!v)
				abort();   /* the whole object was valid */
			if (*it.p == '"')
				check_string((struct tl_str){it.p + 1, (size_t)(v - it.p - 2)}, utf8);
			it.p = v;
		}
		long d = tl_json_duplicate(keys, nk);
		if (d >= 0) {
			int found = 0;
			for (long i = 0; i < d; i++)
				found |= keys[i].n == keys[d].n && memcmp(keys[i].p, keys[d].p, keys[d].n) == 0;
			if (!found)
				abort();
		}
	}
	free(text);
	return 0;
}
