/* num.h - number formatting shared by the writer, the metrics that round
 * as the writer does (DESIGN §2), and the reports. */
#ifndef TL_NUM_H
#define TL_NUM_H
#include <stddef.h>
/* tl_format_int: v in decimal into buf (>= 21 bytes), not NUL-terminated;
 * returns the length. */
size_t tl_format_int(long long v, char *buf);
/* tl_format_g6: v exactly as printf's "%.6g" into buf (>= 16 bytes);
 * returns the length, or 0 when it leaves v to printf (far magnitudes,
 * near-ties). */
size_t tl_format_g6(double v, char *buf);
/* tl_round_g6: v as it reads back after being written with %.6g. */
double tl_round_g6(double v);

/* tl_num_parse: the one reader of a number in a record field or a side
 * file (tl(7) "Numbers in input"): s[0..n) must be all of a decimal,
 * [+-]?(D+[.D*]|.D+)([eE][+-]?D+), so no space, hex, inf or nan; 0 with
 * *out, TL_NUM_BAD for anything else (or more than 127 bytes), and
 * TL_NUM_RANGE when it is too large or too small to represent (1e999,
 * 1e-400) as a double (*out then holds strtod's +-HUGE_VAL, or what the
 * tiny value rounded to). */
enum { TL_NUM_BAD = -1, TL_NUM_RANGE = -2 };
int tl_num_parse(const char *s, size_t n, double *out);

/* tl_uint_parse: s[0..n) all decimal digits (leading zeros allowed) with a
 * value from 0 to max, in *out; 0, or TL_NUM_BAD (*out untouched). Exact:
 * read as an integer, so a count of 2^53 + 1 is refused against
 * TL_COUNT_MAX, where a double reader would round it to 2^53. */
#define TL_COUNT_MAX 9007199254740992ULL   /* 2^53: the last whole number a double holds exactly */
int tl_uint_parse(const char *s, size_t n, unsigned long long max, unsigned long long *out);
#endif
