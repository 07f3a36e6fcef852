/* test_file.c - tl_read_file: contents and length (past one buffer, with
 * NUL bytes), an empty file, a missing file, a directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/err.h"
#include "util/file.h"
#include "unit.h"

int main(void)
{
	char path[] = "/tmp/tl-test-file-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	size_t big = 200000;
	char *want = malloc(big);
	for (size_t i = 0; i < big; i++)
		want[i] = (char)(i * 7 % 251);
	CHECK(write(fd, want, big) == (ssize_t)big);
	close(fd);

	char *text;
	size_t n;
	CHECK(tl_read_file(path, &text, &n) == 0);
	CHECK(n == big && memcmp(text, want, big) == 0 && text[n] == '\0');
	free(text);

	FILE *f = fopen(path, "w");
	fclose(f);
	CHECK(tl_read_file(path, &text, &n) == 0);
	CHECK(n == 0 && text && text[0] == '\0');
	free(text);
	unlink(path);

	CHECK(tl_read_file(path, &text, &n) == TL_EX_NOINPUT && errno == ENOENT && !text);
	CHECK(tl_read_file("/tmp", &text, &n) == TL_EX_IOERR && errno == EISDIR && !text);
	free(want);
	return UNIT_DONE();
}
