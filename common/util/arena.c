/* arena.c - block arena with reuse of blocks after reset. */
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/err.h"

#define BLOCK_MIN (64 * 1024)

struct tl_arena_block {
	struct tl_arena_block *next;
	size_t size;
	_Alignas(16) char data[];
};

static struct tl_arena_block *new_block(size_t size)
{
	struct tl_arena_block *b = tl_xmalloc(sizeof *b + size);
	b->next = NULL;
	b->size = size;
	return b;
}

void *tl_arena_alloc(struct tl_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->cur) {
		a->first = a->cur = new_block(n > BLOCK_MIN ? n : BLOCK_MIN);
		a->used = 0;
	}
	while (a->used + n > a->cur->size) {
		if (!a->cur->next || a->cur->next->size < n) {
			/* insert a fresh block after cur (a too-small next is kept for later) */
			struct tl_arena_block *b = new_block(n > BLOCK_MIN ? n : BLOCK_MIN);
			b->next = a->cur->next;
			a->cur->next = b;
		}
		a->cur = a->cur->next;
		a->used = 0;
	}
	void *p = a->cur->data + a->used;
	a->used += n;
	return p;
}

char *tl_arena_dup(struct tl_arena *a, const char *s, size_t n)
{
	char *p = tl_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void tl_arena_reset(struct tl_arena *a)
{
	a->cur = a->first;
	a->used = 0;
}

void tl_arena_free(struct tl_arena *a)
{
	struct tl_arena_block *b = a->first;
	while (b) {
		struct tl_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->first = a->cur = NULL;
	a->used = 0;
}
