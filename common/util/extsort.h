/* extsort.h - an external stable sort of byte records by a key of bytes.
 * Records are held in memory up to a budget; each full run is sorted and
 * spilled to one scratch file of util/out (unlinked at creation), and the
 * runs are merged. Records come back ordered by key, and the records of
 * one key in the order they were added, whether or not anything was
 * spilled: a run is sorted the same way in both cases, and the merge
 * breaks ties by run, and runs are in input order. Keys compare as
 * memcmp does, bytes as unsigned, and a key comes before the longer keys
 * that begin with it: the order of sort(1) in the C locale. */
#ifndef TL_EXTSORT_H
#define TL_EXTSORT_H

#include <stddef.h>

struct tl_xsort;

/* tl_xsort_new: an empty sort that holds at most memory bytes: the
 * records of the run being filled and their index, later the merge's
 * read buffers. what (a word, kept) names the scratch file
 * ($TMPDIR/tl-WHAT. and six random characters, util/out's
 * tl_scratch_file) and the messages about it. */
struct tl_xsort *tl_xsort_new(size_t memory, const char *what);

/* tl_xsort_add: room for a record of n bytes with the key key[0..keyn)
 * (copied; the key and the record count toward the budget), which the
 * caller fills before the next call. A full run is spilled first: a
 * write error (a full disk) exits 74, a scratch file that cannot be made
 * 73. */
void *tl_xsort_add(struct tl_xsort *s, const void *key, size_t keyn, size_t n);

/* tl_xsort_done: no more records; sorts the last run or, when runs were
 * spilled, spills it too and merges runs until one pass can read them all
 * within the budget. */
void tl_xsort_done(struct tl_xsort *s);

/* tl_xsort_next: after tl_xsort_done, the next record in (key, order
 * added) order: 1 with its key in *key and *keyn and its bytes in *p and
 * *n (valid until the next call), or 0 at the end. A read error exits 74. */
int tl_xsort_next(struct tl_xsort *s, const void **key, size_t *keyn, const void **p, size_t *n);

/* tl_xsort_spills: how many runs were spilled (0: the sort stayed in
 * memory), and how many merge passes wrote runs again. */
size_t tl_xsort_spills(const struct tl_xsort *s);
size_t tl_xsort_passes(const struct tl_xsort *s);

/* tl_xsort_free: release s and its scratch file (NULL is fine). */
void tl_xsort_free(struct tl_xsort *s);

#endif
