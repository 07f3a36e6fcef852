/* memfile.h - the harnesses' one way to hand bytes to code that opens a
 * file by name: a memfd, named by its /proc/self/fd path. */
#ifndef TL_FUZZ_MEMFILE_H
#define TL_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* mem_file: a memfd holding n bytes at p; its path in name. */
static inline int mem_file(const void *p, size_t n, char *name, size_t cap)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	snprintf(name, cap, "/proc/self/fd/%d", fd);
	return fd;
}

/* The path of a memfd: "/proc/self/fd/N". */
typedef char mem_name[32];

/* mem_files: the input cut into at most max files at each "\n\f\n"
 * (the newline before it stays in the file before); their descriptors in
 * fds, their paths in names and files. Returns how many. */
static inline int mem_files(const uint8_t *data, size_t size, int max, int *fds, mem_name *names,
			    char **files)
{
	const uint8_t *p = data, *end = data + size;
	int n = 0;
	for (;;) {
		const uint8_t *sep = n + 1 < max ? memmem(p, (size_t)(end - p), "\n\f\n", 3) : NULL;
		fds[n] = mem_file(p, (size_t)((sep ? sep + 1 : end) - p), names[n], sizeof names[n]);
		files[n] = names[n];
		n++;
		if (!sep)
			return n;
		p = sep + 3;
	}
}

#endif
