/* tmpfile.h - a file built under a temporary name next to its target and
 * renamed over it at the end, for writers that open files by name
 * (SQLite): util/out.h's atomic outputs are FILE streams. The temporary is
 * removed on every failure as util/out.h's are: at exit (tl_die too) and
 * on SIGTERM, SIGINT and SIGHUP, which then go on to the handler that was
 * there before (util/out.c's, or the default). SIGKILL leaves it. One
 * temporary per process. */
#ifndef TL_EXPORT_TMPFILE_H
#define TL_EXPORT_TMPFILE_H

#include <sys/types.h>

/* tl_xtmp_create: create the empty file PATH.tmpXXXXXX (mkstemp) and guard
 * it; returns its name (the caller frees it after tl_xtmp_publish). Exits
 * 73 when it cannot be created. */
char *tl_xtmp_create(const char *path);

/* tl_xtmp_mode: the permissions for the file published as path: those of
 * the file there now, else 0666 less the umask (mkstemp's are 0600). */
mode_t tl_xtmp_mode(const char *path);

/* tl_xtmp_publish: rename tmp over path (exits 73 when that fails) and
 * flush the directory (best effort); tmp is no longer removed. */
void tl_xtmp_publish(const char *tmp, const char *path);

#endif
