/* jsonpath.h - the values at a few dotted paths of a JSON object
 * ("actor.account.name"), found in one validating pass of the scanner
 * (io/json.h) without building a tree: the paths are compiled once into a
 * small trie, and a scan fills one value span per path. */
#ifndef TL_JSONPATH_H
#define TL_JSONPATH_H

#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

#define TL_JPATH_NODES 64   /* keys of all paths together, at most */

/* One key of the trie: its name, its first child and next sibling (-1
 * none), and the slot of the path that ends here (-1 when none does). */
struct tl_jpath_node {
	struct tl_str name;
	int child, sibling, slot;
};

/* The compiled paths; node 0 is the root (the object scanned). */
struct tl_jpaths {
	struct tl_jpath_node node[TL_JPATH_NODES];
	int nnodes;
};

/* tl_jpaths_init: no paths yet. */
void tl_jpaths_init(struct tl_jpaths *t);

/* tl_jpaths_add: add the path text[0..n) (keys joined by '.'; a key cannot
 * hold a '.') whose value goes to slot (>= 0). The text must outlive t.
 * Returns 0, or -1 when the path has an empty key, ends inside another
 * path, or the trie is full. */
int tl_jpaths_add(struct tl_jpaths *t, const char *text, size_t n, int slot);

/* tl_jpaths_scan: validate the object at p (after whitespace) and store
 * the raw value span of each path found in vals[slot] (vals holds every
 * slot, zeroed by the caller: p NULL means absent). A path through a
 * value that is not an object is absent. Returns the byte after the
 * object, or NULL with *why: a syntax error, or a key of the trie given
 * twice in one object (then *dup is that key, still escaped). */
const char *tl_jpaths_scan(const struct tl_jpaths *t, const char *p, const char *end, struct tl_str *vals,
			   const char **why, struct tl_str *dup);

#endif
