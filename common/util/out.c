/* out.c - atomic output files and checked stdout. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/out.h"

/* A tool's outputs are a handful; tl-split writes up to 1024 files
 * (record/split.h TL_SPLIT_MAX) and its --rejects. */
#define MAX_OUTPUTS 1040
#define PIPE_BYTES (1 << 20)
#define OUT_BUFSIZE (1 << 16)

struct pending {
	FILE *f;
	int unmarked; /* stdout that is no record stream: no cut-stream line */
	char *path;   /* final name, NULL for stdout */
	char *tmp;    /* temporary name */
	char *name;   /* for messages */
	int ready;    /* committed: renamed when the process exits (publish_all) */
};

static struct pending outputs[MAX_OUTPUTS];

/* The cut-stream line for a signal, made when stdout is opened (the
 * handler may only write(2) it). */
static char signal_mark[128];
static size_t signal_mark_len;

/* stdout_is_stream: stdout was opened as an output and is not yet
 * committed, and it is a pipe, socket or regular file: a reader of it may
 * be the next tool of a pipeline (not a terminal or a device). */
static int stdout_is_stream(void)
{
	int open = 0;
	for (int i = 0; i < MAX_OUTPUTS; i++)
		open |= outputs[i].f == stdout && !outputs[i].unmarked;
	struct stat st;
	return open && fstat(STDOUT_FILENO, &st) == 0 &&
	       (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* mark_cut_stream: end stdout with the line "#tl-abort MESSAGE" (tl(7)
 * PIPELINES), after a newline that ends any record a write left short,
 * so that the next tool fails instead of taking a cut stream for a whole
 * one. The message is one line. */
static void mark_cut_stream(void)
{
	if (!stdout_is_stream())
		return;
	char line[4200];
	int n = snprintf(line, sizeof line, "\n" TL_ABORT_MARK " %s\n", tl_die_message());
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	line[len - 1] = '\n';
	for (size_t i = 1; i + 1 < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	fflush(stdout);
	if (write(STDOUT_FILENO, line, len) < 0)
		return;   /* the reader is gone: nothing to mark */
}

void tl_output_abort_all(void)
{
	mark_cut_stream();
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i].tmp) {
			char *tmp = outputs[i].tmp;
			unlink(tmp);   /* first: a signal after it unlinks nothing more */
			outputs[i].tmp = NULL;   /* before the free: the signal handler reads it */
			outputs[i].ready = 0;
			free(tmp);
		}
}

/* on_signal: SIGTERM, SIGINT or SIGHUP during a run: remove the
 * temporaries (unlink is async-signal-safe; the names are complete before
 * a slot's tmp is set), then die by the same signal. */
static void on_signal(int sig)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i].tmp)
			unlink(outputs[i].tmp);
	if (signal_mark_len && stdout_is_stream() && write(STDOUT_FILENO, signal_mark, signal_mark_len) < 0)
		signal_mark_len = 0;   /* the reader is gone */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* hold / release: SIGTERM, SIGINT and SIGHUP blocked in this thread across
 * a step the handler must not cut (a temporary made, not yet in a slot). */
static void hold(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void release(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

int tl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t old;
	hold(&old);   /* the new thread inherits the mask */
	int rc = pthread_create(t, NULL, fn, arg);
	release(&old);
	return rc;
}

static void catch_signals(void)
{
	static int caught;
	if (caught++)
		return;
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigemptyset(&sa.sa_mask);
		struct sigaction old;
		/* a signal ignored by the caller (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

static struct pending *slot_for(FILE *f)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i].f == f && (f || !outputs[i].tmp))
			return &outputs[i];
	return NULL;
}

/* publish_all (atexit): rename every committed output into place. It runs
 * only when the process exits normally; tl_die removes the temporaries
 * first (tl_output_abort_all), so a run that fails at any step, after some
 * of its outputs were complete, publishes none of them (tl(7) FILES). */
static void publish_all(void)
{
	for (int i = 0; i < MAX_OUTPUTS; i++) {
		struct pending *s = &outputs[i];
		if (!s->ready) {
			if (s->tmp && !s->f) {   /* a named temporary never published */
				unlink(s->tmp);
				free(s->tmp);
				s->tmp = NULL;
			}
			continue;
		}
		if (rename(s->tmp, s->path) != 0) {
			fprintf(stderr, "%s: %s: %s\n", tl_progname(), s->path, strerror(errno));
			tl_output_abort_all();
			_exit(TL_EX_CANTCREAT);
		}
		char *tmp = s->tmp;
		s->tmp = NULL;
		free(tmp);
		free(s->path);
		s->path = NULL;
		s->ready = 0;
	}
}

void tl_output_unmarked(FILE *f)
{
	struct pending *s = slot_for(f);
	if (s && f)
		s->unmarked = 1;
}

void tl_pipe_grow(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);   /* best effort: the limit may be lower */
}

/* mkstemp_template: "BASE" and mkstemp's six placeholder characters (the
 * caller frees it). */
static char *mkstemp_template(const char *base)
{
	size_t len = strlen(base);
	char *tmp = tl_xmalloc(len + 7);
	memcpy(tmp, base, len);
	memset(tmp + len, 'X', 6);   /* the six characters mkstemp replaces */
	tmp[len + 6] = '\0';
	return tmp;
}

/* temp_name: PATH.tmp and six random characters, for mkstemp (the caller
 * frees it). */
static char *temp_name(const char *path)
{
	size_t n = strlen(path) + 5;
	char *base = tl_xmalloc(n);
	snprintf(base, n, "%s.tmp", path);
	char *tmp = mkstemp_template(base);
	free(base);
	return tmp;
}

const char *tl_scratch_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

FILE *tl_scratch_file(const char *what)
{
	const char *dir = tl_scratch_dir();
	size_t n = strlen(dir) + strlen(what) + 8;
	char *base = tl_xmalloc(n);
	snprintf(base, n, "%s/tl-%s.", dir, what);
	char *path = mkstemp_template(base);
	free(base);
	int fd = mkstemp(path);
	if (fd < 0)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	unlink(path);   /* gone with the process, whatever way it ends */
	free(path);
	FILE *f = fdopen(fd, "w+");
	if (!f)
		tl_die(TL_EX_CANTCREAT, "%s scratch file:", what);
	return f;
}

/* output_mode: mkstemp makes 0600; an output gets what a shell redirect
 * gives: the mode of the file it replaces, else 0666 & ~umask, so that a
 * reader running as another user (node_exporter reading a .prom file)
 * can read it. */
static mode_t output_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

static void create_mode(int fd, const char *path)
{
	if (fchmod(fd, output_mode(path)) != 0)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
}

/* open_temp: slot s's temporary for path, created with the output's mode
 * and removed on a signal from then on; its descriptor. */
static int open_temp(struct pending *s, const char *path)
{
	catch_signals();
	char *tmp = temp_name(path);
	sigset_t old;
	hold(&old);   /* a signal between mkstemp and the slot would leave the file */
	int fd = mkstemp(tmp);
	if (fd >= 0)
		s->tmp = tmp;   /* complete before the signal handler can see it */
	release(&old);
	if (fd < 0) {
		free(tmp);
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	}
	create_mode(fd, path);
	return fd;
}

/* stream_alias: the descriptor a path names when it is one of the
 * process's own streams (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N), else -1. Such an output is written to that descriptor
 * as it is, never replaced: a rename over /dev/stdout would put a file in
 * place of the system's link, and reopening it would truncate a file the
 * shell opened for appending. */
static int stream_alias(const char *path)
{
	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	const char *n = strncmp(path, "/dev/fd/", 8) == 0 ? path + 8
		      : strncmp(path, "/proc/self/fd/", 14) == 0 ? path + 14 : NULL;
	if (!n || *n < '0' || *n > '9' || strlen(n) > 6 || strspn(n, "0123456789") != strlen(n))
		return -1;
	return atoi(n);
}

/* final_path: where the output named path is published: a symbolic link
 * is followed to the file it names, so the link stays and its target is
 * replaced (a link to nothing is replaced itself). The caller frees it. */
static char *final_path(const char *path)
{
	struct stat st;
	char *real;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(path, NULL)))
		return real;
	return tl_xstrdup(path);
}

static void publish_at_exit(void)
{
	static int registered;
	if (!registered++)
		atexit(publish_all);
}

char *tl_output_named(const char *path)
{
	struct pending *s = slot_for(NULL);
	if (!s)
		tl_die(TL_EX_SOFTWARE, "too many output files");
	tl_add_die_hook(tl_output_abort_all);
	publish_at_exit();
	close(open_temp(s, path));
	return tl_xstrdup(s->tmp);
}

void tl_output_named_publish(const char *tmp, const char *path)
{
	struct pending *s = NULL;
	for (int i = 0; i < MAX_OUTPUTS && !s; i++)
		if (outputs[i].tmp && !outputs[i].f && strcmp(outputs[i].tmp, tmp) == 0)
			s = &outputs[i];
	if (!s)
		tl_die(TL_EX_SOFTWARE, "%s: not a temporary of tl_output_named", tmp);
	if (rename(tmp, path) != 0)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	char *own = s->tmp;
	s->tmp = NULL;   /* first: the signal handler reads it */
	free(own);
	const char *slash = strrchr(path, '/');
	char *dir = slash ? tl_xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : tl_xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);   /* best effort: the rename reaches the disk */
		close(fd);
	}
	free(dir);
}


static int write_all(int fd, const char *p, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t k = write(fd, p + done, n - done);
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

int tl_output_write_now(const char *path, const char *p, size_t n)
{
	struct stat st;
	int alias = stream_alias(path);
	if (alias >= 0)
		return write_all(alias, p, n);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {   /* a device or FIFO: in place */
		int fd = open(path, O_WRONLY);
		int ok = fd >= 0 && write_all(fd, p, n) == 0;
		return fd >= 0 && close(fd) == 0 && ok ? 0 : -1;
	}
	char *real = final_path(path), *tmp = temp_name(real);
	sigset_t old;
	hold(&old);   /* the temporary is in no slot: no signal between its making and its rename */
	int fd = mkstemp(tmp), ok = fd >= 0;
	if (ok) {
		ok = fchmod(fd, output_mode(real)) == 0 && write_all(fd, p, n) == 0;
		ok = close(fd) == 0 && ok && rename(tmp, real) == 0;
		if (!ok)
			unlink(tmp);
	}
	release(&old);
	free(tmp);
	free(real);
	return ok ? 0 : -1;
}

/* open_in_place: an output that is written as it is, not replaced: one
 * of the process's streams, a device or a FIFO (e.g. /dev/full); NULL for
 * a file, which gets a temporary. */
static FILE *open_in_place(const char *path)
{
	int alias = stream_alias(path), fd = alias >= 0 ? dup(alias) : -1;
	struct stat st;
	FILE *f = NULL;
	if (alias >= 0)
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		f = fopen(path, "w");
	else
		return NULL;
	if (!f)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	setvbuf(f, NULL, _IOFBF, OUT_BUFSIZE);
	return f;
}

FILE *tl_output_open(const char *path)
{
	struct pending *s = slot_for(NULL);
	if (!s)
		tl_die(TL_EX_SOFTWARE, "too many output files");
	tl_add_die_hook(tl_output_abort_all);
	if (!path || strcmp(path, "-") == 0) {
		int n = snprintf(signal_mark, sizeof signal_mark, "\n" TL_ABORT_MARK " %s: stopped by a signal\n", tl_progname());
		signal_mark_len = n > 0 && (size_t)n < sizeof signal_mark ? (size_t)n : 0;
		catch_signals();
		s->unmarked = 0;
		s->f = stdout;
		setvbuf(stdout, NULL, _IOFBF, OUT_BUFSIZE);
		tl_pipe_grow(STDOUT_FILENO);
		return stdout;
	}
	s->f = open_in_place(path);
	if (s->f) {
		s->path = NULL;
		s->name = tl_xstrdup(path);
		return s->f;
	}
	char *real = final_path(path);
	int fd = open_temp(s, real);
	s->f = fdopen(fd, "w");
	if (!s->f)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	s->path = real;
	setvbuf(s->f, NULL, _IOFBF, OUT_BUFSIZE);
	return s->f;
}

void tl_output_commit(FILE *f)
{
	struct pending *s = slot_for(f);
	char name[4096];
	snprintf(name, sizeof name, "%s", s && s->name ? s->name : s && s->path ? s->path : "standard output");
	if (s) {
		free(s->name);
		s->name = NULL;
	}
	int bad = fflush(f) != 0 || ferror(f);
	if (!bad && s && s->path && fsync(fileno(f)) != 0 && errno != EINVAL)
		bad = 1;
	if (fclose(f) != 0)
		bad = 1;
	if (s)
		s->f = NULL;
	if (bad)
		tl_die(TL_EX_IOERR, "write error on %s:", name);
	if (s && s->path) {
		publish_at_exit();
		s->ready = 1;
	}
}

/* The identity of a path: its device and inode when it exists, else its
 * directory's and its last name (a file not yet created). */
struct path_id {
	int exists, regular;
	dev_t dev;
	ino_t ino;
	const char *name;
};

static struct path_id path_id(const char *path)
{
	struct path_id id = {0};
	struct stat st;
	const char *slash = strrchr(path, '/');
	if (stat(path, &st) == 0) {
		id = (struct path_id){1, S_ISREG(st.st_mode), st.st_dev, st.st_ino, NULL};
		return id;
	}
	char dir[PATH_MAX];
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (n >= sizeof dir)
		return id;
	memcpy(dir, path, n);
	strcpy(dir + n, slash ? (n ? "" : "/") : ".");
	if (stat(dir, &st) == 0)
		id = (struct path_id){0, 1, st.st_dev, st.st_ino, slash ? slash + 1 : path};
	return id;
}

static int same_file(struct path_id a, struct path_id b)
{
	if (!a.regular || !b.regular || a.exists != b.exists || a.dev != b.dev || a.ino != b.ino)
		return 0;
	return a.exists || strcmp(a.name, b.name) == 0;
}

static int is_path(const char *p) { return p && strcmp(p, "-") != 0; }

void tl_paths_distinct(const char *const *out, const char *const *optname, int nout,
		       char *const *in, int nin)
{
	for (int i = 0; i < nout; i++) {
		if (!is_path(out[i]))
			continue;
		struct path_id o = path_id(out[i]);
		for (int k = 0; k < nin; k++)
			if (is_path(in[k]) && same_file(o, path_id(in[k])))
				tl_usage_error("%s %s is the input %s: it would be overwritten", optname[i], out[i], in[k]);
		for (int j = 0; j < i; j++)
			if (is_path(out[j]) && same_file(o, path_id(out[j])))
				tl_usage_error("%s %s and %s %s are the same file", optname[j], out[j], optname[i], out[i]);
	}
}
