/* str.h - a byte span, the unit every parser and writer passes around. */
#ifndef TL_STR_H
#define TL_STR_H
#include <stddef.h>
/* A byte span (not NUL-terminated unless said so). */
struct tl_str {
	const char *p;
	size_t n;
};
#endif
