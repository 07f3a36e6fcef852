/* err.h - messages and exit codes shared by every tl tool (sysexits, §4). */
#ifndef TL_ERR_H
#define TL_ERR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

enum tl_exit {
	TL_EX_OK = 0,         /* success */
	TL_EX_GATE = 1,       /* tl-abtest --gate: the decision failed */
	TL_EX_USAGE = 64,     /* bad option or argument */
	TL_EX_DATAERR = 65,   /* bad input data */
	TL_EX_NOINPUT = 66,   /* an input file cannot be opened */
	TL_EX_SOFTWARE = 70,  /* internal error (a bug, or out of memory) */
	TL_EX_CANTCREAT = 73, /* an output file cannot be created */
	TL_EX_IOERR = 74      /* read or write error */
};

/* A message built in a buffer before it is printed (a parser's error,
 * the reason a fit failed, ...): char msg[TL_MSG_MAX]. Longer ones are cut. */
#define TL_MSG_MAX 512

/* tl_setprogname: remember basename(argv0) for message prefixes. */
void tl_setprogname(const char *argv0);
const char *tl_progname(void);

/* tl_add_die_hook: register a hook run by tl_die (and tl_usage_error)
 * before exiting, in the order added; adding one twice adds it once.
 * util/out removes temporary outputs and marks a cut stream; record/run
 * writes the failure's --metrics. At most 4. */
void tl_add_die_hook(void (*hook)(void));
/* In a die hook: the message just printed (without "\n", cut at 4 KiB)
 * and the exit status. */
const char *tl_die_message(void);
int tl_die_status(void);

/* "tl-x: msg\n" on stderr. A format ending in ':' appends strerror(errno). */
void tl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* tl_die_catch: on this thread, tl_die and tl_die_at jump to jb (set
 * with setjmp) instead of printing and exiting; NULL restores them. A
 * worker thread (run.c) uses it so that whatever would end the run is
 * met again, and reported with the right line, by the main thread. */
void tl_die_catch(jmp_buf *jb);

/* tl_warn then exit(code) (after the die hook). */
_Noreturn void tl_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "tl-x: FILE:LINE: msg" then exit(code). */
_Noreturn void tl_die_at(int code, const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* tl_vdie_at: tl_die_at for a caller that takes its own format and
 * arguments (a module's "die at the current row"). */
_Noreturn void tl_vdie_at(int code, const char *file, long line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* A usage error: message, "Try 'tl-x --help' ...", exit 64. */
_Noreturn void tl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that never returns NULL (exits 70 with a message instead). */
void *tl_xmalloc(size_t n);
void *tl_xcalloc(size_t n, size_t size);
void *tl_xrealloc(void *p, size_t n);
char *tl_xstrdup(const char *s);
char *tl_xstrndup(const char *s, size_t n);

#endif
