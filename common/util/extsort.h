/* extsort.h - an external stable sort of byte records by a 32-bit key.
 * Records are held in memory up to a budget; each full run is sorted and
 * spilled to one scratch file of util/out (unlinked at creation), and the
 * runs are merged. Records come back ordered by key, and the records of
 * one key in the order they were added, whether or not anything was
 * spilled: a run is sorted the same way in both cases, and the merge
 * breaks ties by run, and runs are in input order. */
#ifndef TL_EXTSORT_H
#define TL_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

struct tl_xsort;

/* tl_xsort_new: an empty sort that holds at most memory bytes: the
 * records of the run being filled and their index, later the merge's
 * read buffers. what (a word, kept) names the scratch file
 * ($TMPDIR/tl-WHAT. and six random characters, util/out's
 * tl_scratch_file) and the messages about it. */
struct tl_xsort *tl_xsort_new(size_t memory, const char *what);

/* tl_xsort_other: the caller holds bytes elsewhere that count toward the
 * budget: a run then gets memory - bytes, but never less than a quarter
 * of memory (so that the sort keeps going when the caller's part grows). */
void tl_xsort_other(struct tl_xsort *s, size_t bytes);

/* tl_xsort_add: room for a record of n bytes with key, which the caller
 * fills before the next call. A full run is spilled first: a write error
 * (a full disk) exits 74, a scratch file that cannot be made 73. */
void *tl_xsort_add(struct tl_xsort *s, uint32_t key, size_t n);

/* tl_xsort_done: no more records; sorts the last run or, when runs were
 * spilled, spills it too and merges runs until one pass can read them all
 * within the budget. */
void tl_xsort_done(struct tl_xsort *s);

/* tl_xsort_next: after tl_xsort_done, the next record in (key, order
 * added) order: 1 with *key, *p and *n (valid until the next call), or 0
 * at the end. A read error exits 74. */
int tl_xsort_next(struct tl_xsort *s, uint32_t *key, const void **p, size_t *n);

/* tl_xsort_spills: how many runs were spilled (0: the sort stayed in
 * memory), and how many merge passes wrote runs again. */
size_t tl_xsort_spills(const struct tl_xsort *s);
size_t tl_xsort_passes(const struct tl_xsort *s);

/* tl_xsort_free: release s and its scratch file (NULL is fine). */
void tl_xsort_free(struct tl_xsort *s);

#endif
