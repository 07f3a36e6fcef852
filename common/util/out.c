/* out.c - atomic output files and checked stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/out.h"

#define MAX_OUTPUTS 16
#define PIPE_BYTES (1 << 20)
#define OUT_BUFSIZE (1 << 16)

struct pending {
	FILE *f;
	char *path;   /* final name, NULL for stdout */
	char *tmp;    /* temporary name */
	char *name;   /* for messages */
};

static struct pending outputs[MAX_OUTPUTS];

void tl_output_abort_all(void)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i].tmp) {
			unlink(outputs[i].tmp);
			free(outputs[i].tmp);
			outputs[i].tmp = NULL;
		}
}

static struct pending *slot_for(FILE *f)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i].f == f)
			return &outputs[i];
	return NULL;
}

void tl_pipe_grow(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);   /* best effort: the limit may be lower */
}

FILE *tl_output_open(const char *path)
{
	struct pending *s = slot_for(NULL);
	if (!s)
		tl_die(TL_EX_SOFTWARE, "too many output files");
	tl_set_die_hook(tl_output_abort_all);
	if (!path || strcmp(path, "-") == 0) {
		s->f = stdout;
		setvbuf(stdout, NULL, _IOFBF, OUT_BUFSIZE);
		tl_pipe_grow(STDOUT_FILENO);
		return stdout;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device or FIFO (e.g. /dev/full): write it in place, no rename */
		s->f = fopen(path, "w");
		if (!s->f)
			tl_die(TL_EX_CANTCREAT, "%s:", path);
		setvbuf(s->f, NULL, _IOFBF, OUT_BUFSIZE);
		s->path = NULL;
		s->name = tl_xstrdup(path);
		return s->f;
	}
	size_t n = strlen(path) + 16;
	s->tmp = tl_xmalloc(n);
	int len = snprintf(s->tmp, n, "%s.tmp", path);
	memset(s->tmp + len, 'X', 6);   /* the six characters mkstemp replaces */
	s->tmp[len + 6] = '\0';
	int fd = mkstemp(s->tmp);
	if (fd < 0) {
		free(s->tmp);
		s->tmp = NULL;
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	}
	s->f = fdopen(fd, "w");
	if (!s->f)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	s->path = tl_xstrdup(path);
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
		if (rename(s->tmp, s->path) != 0)
			tl_die(TL_EX_CANTCREAT, "%s:", s->path);
		free(s->tmp);
		free(s->path);
		s->tmp = s->path = NULL;
	}
}
