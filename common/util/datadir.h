/* datadir.h - the files tl ships (rule configs, feature lists), found by
 * name: tl(7) "Shipped files". */
#ifndef TL_DATADIR_H
#define TL_DATADIR_H

#include <stddef.h>

/* The room tl_data_path needs for a path it finds. */
#define TL_DATA_PATH_MAX 4096

/* tl_data_path: the file that an option's value name stands for. A name
 * with a '/' or one that names an existing file is a path: name itself.
 * Otherwise the first existing DIR/name+suffix or DIR/name, for DIR in
 * $TL_DATADIR (when set and not empty), then EXE/../share/tl (an install:
 * EXE is the directory of the running program), then EXE/../config (the
 * source tree: bin/ beside config/); the path is built in buf (cap bytes,
 * TL_DATA_PATH_MAX is enough). When none exists, name itself, so that the
 * caller's open fails on it with its usual message. */
const char *tl_data_path(const char *name, const char *suffix, char *buf, size_t cap);

#endif
