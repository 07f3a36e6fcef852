/* tmpfile.c - a temporary next to its target, renamed over it (tmpfile.h). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "export/tmpfile.h"

static char *volatile tmp_path;   /* read by the signal handler */
static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
static struct sigaction old_action[3];

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
	for (int i = 0; i < 3; i++)
		if (sigs[i] == sig)
			sigaction(sig, &old_action[i], NULL);   /* then util/out.c's, or the default */
	raise(sig);   /* delivered with that action when this handler returns */
}

static void remove_tmp(void)
{
	char *p = tmp_path;
	tmp_path = NULL;
	if (p)
		unlink(p);
}

static void guard(char *path)
{
	tmp_path = path;
	atexit(remove_tmp);
	for (int i = 0; i < 3; i++) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigemptyset(&sa.sa_mask);
		/* a signal ignored by the caller (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &old_action[i]) == 0 && old_action[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

char *tl_xtmp_create(const char *path)
{
	size_t n = strlen(path) + 16;
	char *tmp = tl_xmalloc(n);
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	close(fd);
	guard(tmp);
	return tmp;
}

mode_t tl_xtmp_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return st.st_mode & 07777;
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

void tl_xtmp_publish(const char *tmp, const char *path)
{
	if (rename(tmp, path) != 0)
		tl_die(TL_EX_CANTCREAT, "%s:", path);
	tmp_path = NULL;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? tl_xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : tl_xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);   /* best effort: the rename reaches the disk */
		close(fd);
	}
	free(dir);
}
