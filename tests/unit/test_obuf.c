/* test_obuf.c - JSON string escaping (obuf.c) against a byte-at-a-time
 * reference of RFC 8259 §7 as tl writes it: '"' and '\\' escaped, \n \r \t
 * by name, other control bytes as \u00XX, everything else as is. The word
 * fast path copies 8 bytes at a time, so every length and every position
 * of a special byte is tried. */
#include <stdint.h>
#include <stdlib.h>

#include "io/obuf.h"
#include "unit.h"

static size_t reference(const unsigned char *s, size_t n, char *out)
{
	size_t k = 0;
	out[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c == '"' || c == '\\')
			k += (size_t)sprintf(out + k, "\\%c", c);
		else if (c == '\n')
			k += (size_t)sprintf(out + k, "\\n");
		else if (c == '\r')
			k += (size_t)sprintf(out + k, "\\r");
		else if (c == '\t')
			k += (size_t)sprintf(out + k, "\\t");
		else if (c < 0x20)
			k += (size_t)sprintf(out + k, "\\u%04x", c);
		else
			out[k++] = (char)c;
	}
	out[k++] = '"';
	return k;
}

static int same_as_reference(const unsigned char *s, size_t n)
{
	char want[6 * 64 + 2];
	size_t wn = reference(s, n, want);
	struct tl_obuf o = {0};
	tl_obuf_json_string(&o, (const char *)s, n);
	int ok = o.n == wn && memcmp(o.p, want, wn) == 0;
	tl_obuf_free(&o);
	return ok;
}

int main(void)
{
	/* every byte value at every position of strings of length 1..24 */
	unsigned char s[64];
	for (size_t n = 1; n <= 24; n++)
		for (size_t at = 0; at < n; at++) {
			int bad = 0;
			for (int c = 0; c < 256; c++) {
				memset(s, 'a', n);
				s[at] = (unsigned char)c;
				bad += !same_as_reference(s, n);
			}
			CHECK(bad == 0);
		}
	/* random strings over a mix of plain, special and high bytes */
	static const unsigned char pool[] = {'a', 'Z', '0', ' ', '-', '"', '\\', '\n', '\r', '\t', 0x01, 0x1f, 0x7f,
					     0x80, 0xc3, 0xa9, 0xff, '/', 0x20, 0x21};
	uint64_t x = 88172645463325252ULL;
	int bad = 0;
	for (int t = 0; t < 200000; t++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = x % 41;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly plain, so the 8-byte path runs */
			s[i] = x % 8 ? (unsigned char)('a' + x % 26) : pool[(x >> 8) % sizeof pool];
		}
		bad += !same_as_reference(s, n);
	}
	CHECK(bad == 0);
	CHECK(same_as_reference((const unsigned char *)"", 0));
	return UNIT_DONE();
}
