/* err.c - messages, exit codes and checked allocation. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static const char *progname = "tl";
#define MAX_DIE_HOOKS 4
static void (*die_hooks[MAX_DIE_HOOKS])(void);
static int ndie_hooks;
static char die_message[4096];   /* the last message printed, for the hooks */
static int die_status;
static _Thread_local jmp_buf *die_jump;   /* tl_die_catch */

void tl_die_catch(jmp_buf *jb) { die_jump = jb; }

void tl_setprogname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *tl_progname(void) { return progname; }

void tl_add_die_hook(void (*hook)(void))
{
	for (int i = 0; i < ndie_hooks; i++)
		if (die_hooks[i] == hook)
			return;
	if (ndie_hooks == MAX_DIE_HOOKS)
		abort();   /* a programming error: the hooks are a fixed few */
	die_hooks[ndie_hooks++] = hook;
}

const char *tl_die_message(void) { return die_message; }
int tl_die_status(void) { return die_status; }

static void vwarn_prefixed(const char *file, long line, const char *fmt, va_list ap)
{
	int saved = errno;
	fflush(stdout);
	char *m = die_message;
	size_t room = sizeof die_message, used = 0;
	int k = file ? snprintf(m, room, "%s: %s:%ld: ", progname, file, line) : snprintf(m, room, "%s: ", progname);
	used = k > 0 && (size_t)k < room ? (size_t)k : room - 1;
	k = vsnprintf(m + used, room - used, fmt, ap);
	used = k > 0 && (size_t)k < room - used ? used + (size_t)k : room - 1;
	size_t n = strlen(fmt);
	if (n && fmt[n - 1] == ':')
		snprintf(m + used, room - used, " %s", strerror(saved));
	fprintf(stderr, "%s\n", m);
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
	die_status = code;
	for (int i = 0; i < ndie_hooks; i++)
		die_hooks[i]();
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

void tl_vdie_at(int code, const char *file, long line, const char *fmt, va_list ap)
{
	if (die_jump)
		longjmp(*die_jump, 1);
	vwarn_prefixed(file, line, fmt, ap);
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
