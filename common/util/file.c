/* file.c - read a whole file into memory (file.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/file.h"

int tl_read_file(const char *path, char **text, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	*text = NULL;
	*n = 0;
	if (!f)
		return TL_EX_NOINPUT;
	do {
		if (len + 65536 > cap)
			buf = tl_xrealloc(buf, cap = cap * 2 + 65536);
		len += k = fread(buf + len, 1, cap - len - 1, f);
	} while (k > 0);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		errno = e;
		return TL_EX_IOERR;
	}
	fclose(f);
	buf[len] = '\0';
	*text = buf;
	*n = len;
	return 0;
}
