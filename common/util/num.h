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
#endif
