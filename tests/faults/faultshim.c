/* faultshim.c - an LD_PRELOAD library for tests/faults.bats: I/O that
 * fails on the files whose path contains $TL_FAULT_PATH (the descriptors
 * opened by open, openat, creat, mkstemp, mkostemp, fopen and their 64
 * forms), as a failing disk would:
 *   TL_FAULT=eio-fsync   fsync and fdatasync fail with EIO;
 *   TL_FAULT=enospc      write and pwrite fail with ENOSPC once
 *                        $TL_FAULT_AFTER bytes (default 0) are written;
 *   TL_FAULT=eio         the same with EIO;
 *   TL_FAULT=short       write and pwrite write at most 3 bytes a call;
 *   TL_FAULT=full        the file is created, then its descriptor made
 *                        one of /dev/full: every write fails with ENOSPC,
 *                        stdio's too;
 *   TL_FAULT=term-at-create  SIGTERM is raised as soon as the file is
 *                        created, inside the call that makes it: a signal
 *                        in the instant between a temporary's making and
 *                        the moment the tool knows of it.
 * glibc's stdio writes through its own internal write, which no preload
 * sees: a stdio stream (FILE) fails by fsync or full here, or on a full
 * tmpfs or past ulimit -f (the tests); the write(2) callers (util/out's
 * tl_output_write_now, SQLite) meet the write faults. Not linked into any
 * tool (built by the Makefile as $(BUILD)/faultshim.so). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 1024
static int syscall_close(int fd);
static unsigned char marked[MAX_FD];
static long long written;

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f)
		abort();
	return f;
}

static int mark(int fd, const char *path)
{
	const char *want = getenv("TL_FAULT_PATH");
	if (fd >= 0 && fd < MAX_FD)
		marked[fd] = want && *want && path && strstr(path, want) != NULL;
	const char *m = getenv("TL_FAULT");
	if (fd >= 0 && fd < MAX_FD && marked[fd] && m && strcmp(m, "term-at-create") == 0)
		raise(SIGTERM);
	if (fd >= 0 && fd < MAX_FD && marked[fd] && m && strcmp(m, "full") == 0) {
		static int (*real_open)(const char *, int, ...);
		if (!real_open)
			real_open = real("open");
		int full = real_open("/dev/full", O_WRONLY);
		if (full < 0 || dup2(full, fd) < 0)
			abort();
		if (full != fd)
			(void)syscall_close(full);
	}
	return fd;
}

static int faulty(int fd) { return fd >= 0 && fd < MAX_FD && marked[fd]; }

static const char *mode(void)
{
	const char *m = getenv("TL_FAULT");
	return m ? m : "";
}

/* write_fault: -1 with errno when this write must fail; else how many of n
 * bytes to write. */
static ssize_t write_fault(int fd, size_t n)
{
	if (!faulty(fd))
		return (ssize_t)n;
	const char *m = mode();
	if (strcmp(m, "short") == 0)
		return n > 3 ? 3 : (ssize_t)n;
	if (strcmp(m, "enospc") != 0 && strcmp(m, "eio") != 0)
		return (ssize_t)n;
	const char *after = getenv("TL_FAULT_AFTER");
	long long room = (after ? atoll(after) : 0) - written;
	if (room <= 0) {
		errno = strcmp(m, "eio") == 0 ? EIO : ENOSPC;
		return -1;
	}
	return (ssize_t)n < room ? (ssize_t)n : (ssize_t)room;
}

#define OPEN_LIKE(name)                                                          \
	int name(const char *path, int flags, ...)                               \
	{                                                                        \
		static int (*f)(const char *, int, ...);                         \
		va_list ap;                                                      \
		va_start(ap, flags);                                             \
		mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0; \
		va_end(ap);                                                      \
		if (!f)                                                          \
			f = real(#name);                                         \
		return mark(f(path, flags, m), path);                            \
	}
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                        \
	int name(int dir, const char *path, int flags, ...)                      \
	{                                                                        \
		static int (*f)(int, const char *, int, ...);                    \
		va_list ap;                                                      \
		va_start(ap, flags);                                             \
		mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0; \
		va_end(ap);                                                      \
		if (!f)                                                          \
			f = real(#name);                                         \
		return mark(f(dir, path, flags, m), path);                       \
	}
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int creat(const char *path, mode_t m)
{
	static int (*f)(const char *, mode_t);
	if (!f)
		f = real("creat");
	return mark(f(path, m), path);
}

#define MKSTEMP_LIKE(name)                                 \
	int name(char *tmpl)                               \
	{                                                  \
		static int (*f)(char *);                   \
		if (!f)                                    \
			f = real(#name);                   \
		return mark(f(tmpl), tmpl);                \
	}
MKSTEMP_LIKE(mkstemp)
MKSTEMP_LIKE(mkstemp64)

int mkostemp(char *tmpl, int flags)
{
	static int (*f)(char *, int);
	if (!f)
		f = real("mkostemp");
	return mark(f(tmpl, flags), tmpl);
}

#define FOPEN_LIKE(name)                                           \
	FILE *name(const char *path, const char *m)                \
	{                                                          \
		static FILE *(*f)(const char *, const char *);     \
		if (!f)                                            \
			f = real(#name);                           \
		FILE *s = f(path, m);                              \
		if (s)                                             \
			mark(fileno(s), path);                     \
		return s;                                          \
	}
FOPEN_LIKE(fopen)
FOPEN_LIKE(fopen64)

ssize_t write(int fd, const void *p, size_t n)
{
	static ssize_t (*f)(int, const void *, size_t);
	if (!f)
		f = real("write");
	ssize_t k = write_fault(fd, n);
	if (k < 0)
		return -1;
	k = f(fd, p, (size_t)k);
	if (k > 0 && faulty(fd))
		written += k;
	return k;
}

#define PWRITE_LIKE(name, off_type)                                          \
	ssize_t name(int fd, const void *p, size_t n, off_type off)          \
	{                                                                    \
		static ssize_t (*f)(int, const void *, size_t, off_type);    \
		if (!f)                                                      \
			f = real(#name);                                     \
		ssize_t k = write_fault(fd, n);                              \
		if (k < 0)                                                   \
			return -1;                                           \
		k = f(fd, p, (size_t)k, off);                                \
		if (k > 0 && faulty(fd))                                     \
			written += k;                                        \
		return k;                                                    \
	}
PWRITE_LIKE(pwrite, off_t)
PWRITE_LIKE(pwrite64, off_t)

#define SYNC_LIKE(name)                                                         \
	int name(int fd)                                                        \
	{                                                                       \
		static int (*f)(int);                                           \
		if (!f)                                                         \
			f = real(#name);                                        \
		if (faulty(fd) && strcmp(mode(), "eio-fsync") == 0) {           \
			errno = EIO;                                            \
			return -1;                                              \
		}                                                               \
		return f(fd);                                                   \
	}
SYNC_LIKE(fsync)
SYNC_LIKE(fdatasync)

int fclose(FILE *s)
{
	static int (*f)(FILE *);
	if (!f)
		f = real("fclose");
	int fd = fileno(s);
	if (fd >= 0 && fd < MAX_FD)
		marked[fd] = 0;
	return f(s);
}

int close(int fd)
{
	static int (*f)(int);
	if (!f)
		f = real("close");
	if (fd >= 0 && fd < MAX_FD)
		marked[fd] = 0;
	return f(fd);
}

static int syscall_close(int fd)
{
	static int (*f)(int);
	if (!f)
		f = real("close");
	return f(fd);
}
