/* file.h - read a whole (small) file into memory: a config or a model. */
#ifndef TL_FILE_H
#define TL_FILE_H

#include <stddef.h>

/* The largest side file: a config, a model, a stats or curve file (tl(7)
 * "Side files"). A longer one (/dev/zero) is bad input, read no further. */
#define TL_FILE_MAX ((size_t)64 << 20)

/* tl_read_file: the bytes of path in *text (malloc'd, NUL-terminated
 * after the *n bytes; free it). Returns 0, or TL_EX_NOINPUT when path
 * cannot be opened, TL_EX_IOERR on a read error, TL_EX_DATAERR when it
 * holds more than TL_FILE_MAX bytes (errno set: EFBIG; nothing to free),
 * so the caller's message can name what the file is. */
int tl_read_file(const char *path, char **text, size_t *n);

#endif
