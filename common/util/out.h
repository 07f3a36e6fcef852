/* out.h - output files: atomic replacement, checked close (§4). */
#ifndef TL_OUT_H
#define TL_OUT_H

#include <pthread.h>
#include <stdio.h>

/* tl_output_open: open an output. NULL or "-" is stdout; a path is written
 * to a temporary file in the same directory and renamed over the path by
 * tl_output_commit, so a failed run never leaves a partial file (tl_die
 * removes the temporary); a new file gets mode 0666 & ~umask, as a shell
 * redirect gives. Exits 73 when it cannot be created. A symbolic link is
 * followed (its target is replaced); a device, a FIFO and the process's
 * own streams (/dev/stdout, /dev/fd/N, /proc/self/fd/N) are written in
 * place, never replaced. */
FILE *tl_output_open(const char *path);

/* The first word of the line a failed tool ends its standard output with,
 * when that is a pipe or a file: "#tl-abort tl-NAME: message". A reader
 * that meets it fails (tl(7) PIPELINES). */
#define TL_ABORT_MARK "#tl-abort"

/* tl_output_named: for a writer that opens its file by name (SQLite):
 * create an empty temporary next to path (PATH.tmp and six random
 * characters, made by mkstemp), with the mode
 * the output gets, removed as the other outputs' temporaries are (tl_die,
 * SIGTERM, SIGINT, SIGHUP, and an exit before it is published). Returns
 * its name (the caller frees it). Exits 73 when it cannot be created. */
char *tl_output_named(const char *path);

/* tl_scratch_file: a new scratch file, read and written, in $TMPDIR (else
 * /tmp), named tl-WHAT. and six random characters and unlinked at once, so
 * it is gone however the process ends (SIGKILL too). Exits 73 when it
 * cannot be created. */
FILE *tl_scratch_file(const char *what);
/* tl_scratch_dir: where tl_scratch_file makes its files, for messages. */
const char *tl_scratch_dir(void);

/* tl_output_named_publish: rename tmp (from tl_output_named) over path
 * now, and flush the directory (best effort). Exits 73 when that fails. */
void tl_output_named_publish(const char *tmp, const char *path);

/* tl_output_unmarked: f (stdout) is not a stream of records (tl-export's
 * RESP for redis-cli, or nothing at all): a failure leaves it as it is,
 * with no "#tl-abort" line. */
void tl_output_unmarked(FILE *f);

/* tl_output_write_now: write p[0..n) to path at once, through a temporary
 * renamed into place (mode 0666 & ~umask), outside the outputs published
 * at exit: the metrics of a failed run. Returns 0, or -1 with errno. */
int tl_output_write_now(const char *path, const char *p, size_t n);

/* tl_output_commit: flush and close f; for a path, fsync it. A write error
 * (e.g. a full disk) exits 74. f is invalid after. The committed file is
 * renamed into place when the process exits normally (exit or a return
 * from main, whatever the status), together with the tool's other outputs;
 * a tl_die before then removes them all, so a failed run publishes none. */
void tl_output_commit(FILE *f);

/* tl_pipe_grow: when fd is a pipe, ask for a 1 MiB pipe buffer (best
 * effort): tools in a pipeline then hand over records in large blocks
 * instead of 64 KiB ones, and switch between processes less. */
void tl_pipe_grow(int fd);

/* tl_thread_start: pthread_create with SIGTERM, SIGINT and SIGHUP blocked
 * in the new thread, so they reach the thread that opens the outputs,
 * which holds them while a temporary exists unknown to the handler that
 * removes the temporaries. 0, or pthread_create's error. */
int tl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* tl_output_abort_all: remove every temporary not yet committed
 * (installed as the die hook by tl_output_open). */
void tl_output_abort_all(void);

/* tl_paths_distinct: exit 64 when an output path names the same file as
 * an input or as another output: the same device and inode when the file
 * exists, else the same directory entry. out[nout] may hold NULLs and "-"
 * (stdout), which are skipped, as are inputs that are "-"; devices such as
 * /dev/null may be named twice. optname[i] names out[i] in the message. */
void tl_paths_distinct(const char *const *out, const char *const *optname, int nout,
		       char *const *in, int nin);

#endif
