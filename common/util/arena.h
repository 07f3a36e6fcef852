/* arena.h - a block arena: many small copies, freed all at once. Pointers
 * stay valid until tl_arena_reset (blocks never move). */
#ifndef TL_ARENA_H
#define TL_ARENA_H

#include <stddef.h>

struct tl_arena_block;

struct tl_arena {
	struct tl_arena_block *first, *cur;
	size_t used;        /* bytes used in cur */
};

/* tl_arena_alloc: n bytes aligned to 16 (exits 70 when out of memory). */
void *tl_arena_alloc(struct tl_arena *a, size_t n);
/* tl_arena_dup: a copy of s[0..n) plus a NUL. */
char *tl_arena_dup(struct tl_arena *a, const char *s, size_t n);
/* tl_arena_reset: forget every allocation; keep the blocks for reuse. */
void tl_arena_reset(struct tl_arena *a);
/* tl_arena_free: release every block. */
void tl_arena_free(struct tl_arena *a);

#endif
