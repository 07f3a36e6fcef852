/* inflate.h - compressed input: gzip (zlib) and zstd (libzstd), told by
 * their magic bytes and decompressed as a stream with bounded memory
 * (tl(7) "Compressed input"). io/source.c reads through it. */
#ifndef TL_INFLATE_H
#define TL_INFLATE_H

#include <stddef.h>

enum tl_zkind { TL_Z_NONE, TL_Z_GZIP, TL_Z_ZSTD };

/* The most bytes tl_inflate_kind needs to tell (zstd's magic is 4). */
#define TL_Z_MAGIC_MAX 4

/* tl_inflate_kind: what the first n bytes at p begin: TL_Z_GZIP, TL_Z_ZSTD
 * or TL_Z_NONE (also when n is too short to tell). */
enum tl_zkind tl_inflate_kind(const unsigned char *p, size_t n);

/* tl_inflate_prefix: the n bytes at p (n < TL_Z_MAGIC_MAX) could begin a
 * magic: reading more bytes may tell. */
int tl_inflate_prefix(const unsigned char *p, size_t n);

/* tl_inflate_what: "gzip" or "zstd", for messages. */
const char *tl_inflate_what(enum tl_zkind kind);

struct tl_inflate;

/* tl_inflate_new: a decompressor of kind reading descriptor fd (named
 * name in messages); the n bytes at p, already read from fd, come first
 * (they are copied). Concatenated gzip members and zstd frames are read
 * as one stream. */
struct tl_inflate *tl_inflate_new(enum tl_zkind kind, int fd, const char *name, const char *p, size_t n);

/* tl_inflate_read: up to cap decompressed bytes into out; 0 only at the
 * end of the compressed data. Exits 65 ("NAME: corrupt gzip data: why",
 * "NAME: truncated zstd data: ...") on bad or cut data, never returning
 * a part of it as the whole; 74 on a read error. */
size_t tl_inflate_read(struct tl_inflate *z, char *out, size_t cap);

/* tl_inflate_free: release z (the descriptor is not closed). */
void tl_inflate_free(struct tl_inflate *z);

#endif
