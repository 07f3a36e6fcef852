/* datadir.c - the shipped files found by name (datadir.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/datadir.h"

/* exe_dir: the directory of the running program in buf, or 0 when it
 * cannot be told (/proc is not mounted). */
static int exe_dir(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return 1;
}

/* try: dir/name+suffix, then dir/name, into buf; 1 when one exists. */
static int try(const char *dir, const char *name, const char *suffix, char *buf, size_t cap)
{
	for (int plain = 0; plain < 2; plain++) {
		int n = snprintf(buf, cap, "%s/%s%s", dir, name, plain ? "" : suffix);
		if (n > 0 && (size_t)n < cap && access(buf, F_OK) == 0)
			return 1;
	}
	return 0;
}

const char *tl_data_path(const char *name, const char *suffix, char *buf, size_t cap)
{
	static const char *const rel[] = {"../share/tl", "../config"};
	char exe[TL_DATA_PATH_MAX], dir[TL_DATA_PATH_MAX + 16];
	if (!*name || strchr(name, '/') || access(name, F_OK) == 0)
		return name;
	const char *env = getenv("TL_DATADIR");
	if (env && *env && try(env, name, suffix, buf, cap))
		return buf;
	if (!exe_dir(exe, sizeof exe))
		return name;
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		snprintf(dir, sizeof dir, "%s/%s", exe, rel[i]);
		if (try(dir, name, suffix, buf, cap))
			return buf;
	}
	return name;
}
