/* test_json.c - the validating JSON scanner: accepts exactly the JSON of
 * RFC 8259 values, finds members and items, decodes strings. */
#include "io/json.h"
#include "io/obuf.h"
#include "unit.h"

static int valid(const char *s)
{
	const char *end = s + strlen(s), *q = tl_json_skip_value(s, end, 64);
	return q && tl_json_skip_ws(q, end) == end;
}

static void check_values(void)
{
	static const char *good[] = {
		"0", "-0", "1.5", "-1.5e10", "1E+2", "2e-3", "\"\"", "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\"",
		"true", "false", "null", "[]", "{}", "[1,[2,[3]],{\"a\":{}}]", "{ \"a\" : [ 1 , 2 ] }",
		"\"0123456789abcdef0123456789abcdef\\\"tail\"", "\"\xc3\xa9t\xc3\xa9\"",
	};
	static const char *bad[] = {
		"", "01", "1.", ".5", "-", "+1", "1e", "\"", "\"abc", "\"\\x\"", "\"\\u12\"", "\"tab\there\"",
		"tru", "nul", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "[", "{",
		"\"0123456789abcdef0123456789abcdef", "\"0123456789abcdef\x01 and more bytes\"",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CHECK(valid(good[i]));
		if (!valid(good[i]))
			fprintf(stderr, "  rejected: %s\n", good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(!valid(bad[i]));
		if (valid(bad[i]))
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	/* nesting deeper than the limit is rejected, not a stack overflow */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	CHECK(tl_json_skip_value(deep, deep + 200, 64) == NULL);
	CHECK(tl_json_skip_value(deep + 40, deep + 160, 64) != NULL);
}

static int count_member(void *ctx, const struct tl_json_member *m)
{
	int *n = ctx;
	if (*n == 1)
		CHECK(m->value.n == 7 && memcmp(m->value.p, "[1, 2 ]", 7) == 0);
	(*n)++;
	return 0;
}

static void check_members_and_strings(void)
{
	const char *doc = "{\"a\":1, \"b\" : [1, 2 ] ,\"c\\u0064\":\"x\"}";
	const char *why;
	int n = 0;
	CHECK(tl_json_members(doc, doc + strlen(doc), count_member, &n, &why) == doc + strlen(doc));
	CHECK(n == 3);
	struct tl_json_iter it;
	struct tl_str key;
	CHECK(tl_json_iter_begin(&it, doc, doc + strlen(doc), '{') == 0);
	CHECK(tl_json_iter_member(&it, &key) == 1 && TL_JSON_KEY_IS(key, "a"));
	it.p = tl_json_skip_value(it.p, it.end, 64);
	CHECK(tl_json_iter_member(&it, &key) == 1 && TL_JSON_KEY_IS(key, "b"));
	it.p = tl_json_skip_value(it.p, it.end, 64);
	CHECK(tl_json_iter_member(&it, &key) == 1 && tl_json_key_is(key, "cd") && !TL_JSON_KEY_IS(key, "cd"));
	it.p = tl_json_skip_value(it.p, it.end, 64);
	CHECK(tl_json_iter_member(&it, &key) == 0);
	const char *bad = "{\"a\":1 \"b\":2}";
	CHECK(tl_json_members(bad, bad + strlen(bad), NULL, NULL, &why) == NULL);
	CHECK_STR(why, "bad JSON: expected ',' or '}'");

	char out[64];
	const char *esc = "a\\u00e9\\ud83d\\ude00\\n\\\"";
	long k = tl_json_unescape((struct tl_str){esc, strlen(esc)}, out);
	CHECK(k == 9 && memcmp(out, "a\xc3\xa9\xf0\x9f\x98\x80\n\"", 9) == 0);
	CHECK(tl_json_unescape((struct tl_str){"\\q", 2}, out) < 0);
}

/* The special-byte masks, the word one and the 16-byte one, against a
 * byte-by-byte reference: every byte value at every position. */
static int special_byte(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

static void check_special_masks(void)
{
	int word_bad = 0, block_bad = 0;
	for (int c = 0; c < 256; c++)
		for (int at = 0; at < 16; at++) {
			char buf[16];
			memset(buf, 'a', sizeof buf);
			buf[at] = (char)c;
			unsigned want = special_byte((unsigned char)c) ? 1u << at : 0;
			uint64_t x;
			memcpy(&x, buf + (at < 8 ? 0 : 8), 8);
			uint64_t m = tl_json_special(x);   /* the lowest flagged byte is exact */
			int lowest = m ? (at < 8 ? 0 : 8) + __builtin_ctzll(m) / 8 : -1;
			word_bad += lowest != (want ? at : -1);
#ifdef __SSE2__
			block_bad += tl_json_special16(buf) != want;
#endif
		}
	CHECK(word_bad == 0);
	CHECK(block_bad == 0);
}

/* UTF-8 (RFC 3629 table 3) and surrogate escapes; duplicate keys. */
static void check_utf8_and_duplicates(void)
{
	static const char *ok[] = {"", "plain ascii text.", "\xc3\xa9", "\xe2\x82\xac", "\xed\x9f\xbf",
				   "\xee\x80\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "0123456789\xc2\x80"};
	static const char *no[] = {"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc3", "\xe0\x9f\xbf", "\xed\xa0\x80",
				   "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe2\x82"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		CHECK_EQ(tl_utf8_check(ok[i], strlen(ok[i])), strlen(ok[i]));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		CHECK_EQ(tl_utf8_check(no[i], strlen(no[i])), 0);
	CHECK_EQ(tl_utf8_check("abcdefghij\xff", 11), 10);
	CHECK(valid("\"\\ud83d\\ude00\""));
	CHECK(!valid("\"\\ud83d\""));
	CHECK(!valid("\"\\ude00\""));
	CHECK(!valid("\"\\ud83d\\u0041\""));
	CHECK(tl_json_skip_value("\"a\\\0b\"", "\"a\\\0b\"" + 6, 64) == NULL);   /* a backslash and a NUL (fuzz) */
	struct tl_str k[40];
	char names[40][16];
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "k%d", i);
		k[i] = (struct tl_str){names[i], strlen(names[i])};
	}
	CHECK_EQ(tl_json_duplicate(k, 40), -1);
	CHECK_EQ(tl_json_duplicate(k, 5), -1);
	k[37] = k[3];
	k[30] = k[20];
	CHECK_EQ(tl_json_duplicate(k, 40), 30);
	CHECK_EQ(tl_json_duplicate(k, 31), 30);
	CHECK_EQ(tl_json_duplicate(k, 30), -1);
}

int main(void)
{
	check_utf8_and_duplicates();
	check_values();
	check_members_and_strings();
	check_special_masks();
	return UNIT_DONE();
}
