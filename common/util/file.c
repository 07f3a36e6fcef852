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
		size_t want = cap - len - 1;
		if (want > TL_FILE_MAX + 1 - len)   /* one byte more tells a file that is too long */
			want = TL_FILE_MAX + 1 - len;
		len += k = fread(buf + len, 1, want, f);
	} while (k > 0 && len <= TL_FILE_MAX);
	if (ferror(f) || len > TL_FILE_MAX) {
		int e = ferror(f) ? errno : EFBIG, rc = ferror(f) ? TL_EX_IOERR : TL_EX_DATAERR;
		fclose(f);
		free(buf);
		errno = e;
		return rc;
	}
	fclose(f);
	buf[len] = '\0';
	*text = buf;
	*n = len;
	return 0;
}
