/* err.c - messages, exit codes and checked allocation. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static const char *progname = "tl";
static void (*die_hook)(void);
static _Thread_local jmp_buf *die_jump;   /* tl_die_catch */

void tl_die_catch(jmp_buf *jb) { die_jump = jb; }

void tl_setprogname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *tl_progname(void) { return progname; }

void tl_set_die_hook(void (*hook)(void)) { die_hook = hook; }

static void vwarn_prefixed(const char *file, long line, const char *fmt, va_list ap)
{
	int saved = errno;
	fflush(stdout);
	if (file)
		fprintf(stderr, "%s: %s:%ld: ", progname, file, line);
	else
		fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	size_t n = strlen(fmt);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void tl_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_prefixed(NULL, 0, fmt, ap);
	va_end(ap);
}

static _Noreturn void finish(int code)
{
	if (die_hook)
		die_hook();
	exit(code);
}

void tl_die(int code, const char *fmt, ...)
{
	va_list ap;
	if (die_jump)
		longjmp(*die_jump, 1);
	va_start(ap, fmt);
	vwarn_prefixed(NULL, 0, fmt, ap);
	va_end(ap);
	finish(code);
}

void tl_die_at(int code, const char *file, long line, const char *fmt, ...)
{
	va_list ap;
	if (die_jump)
		longjmp(*die_jump, 1);
	va_start(ap, fmt);
	vwarn_prefixed(file, line, fmt, ap);
	va_end(ap);
	finish(code);
}

void tl_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_prefixed(NULL, 0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	finish(TL_EX_USAGE);
}

static void *checked(void *p)
{
	if (!p)
		tl_die(TL_EX_SOFTWARE, "out of memory");
	return p;
}

void *tl_xmalloc(size_t n) { return checked(malloc(n ? n : 1)); }
void *tl_xcalloc(size_t n, size_t size) { return checked(calloc(n ? n : 1, size ? size : 1)); }
void *tl_xrealloc(void *p, size_t n) { return checked(realloc(p, n ? n : 1)); }
char *tl_xstrdup(const char *s) { return checked(strdup(s)); }
char *tl_xstrndup(const char *s, size_t n) { return checked(strndup(s, n)); }
