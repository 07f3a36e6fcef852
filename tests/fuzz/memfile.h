/* memfile.h - the harnesses' one way to hand bytes to code that opens a
 * file by name: a memfd, named by its /proc/self/fd path. */
#ifndef TL_FUZZ_MEMFILE_H
#define TL_FUZZ_MEMFILE_H

#include <stdio.h>
#include <stdlib.h>
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

#endif
