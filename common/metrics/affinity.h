/* affinity.h - domain focus and cross-domain transfer of one learner
 * (DESIGN §6.2, §6.5), the cohort transfer-pair table, and a small
 * name -> index table shared with retention.c. */
#ifndef TL_AFFINITY_H
#define TL_AFFINITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/arena.h"
#include "util/shard.h"
#include "record/reader.h"

struct tl_affinity_params {
	long domains;            /* M, --domains (default 8, >= 2) */
	double max_entropy;      /* --max-entropy (default 1.2 bits) */
	double min_top_share;    /* --min-top-share (default 0.6) */
};

/* The defaults, named once for the code and the tools' help texts. */
#define TL_AFFINITY_DOMAINS 8
#define TL_AFFINITY_MAX_ENTROPY 1.2
#define TL_AFFINITY_MIN_TOP_SHARE 0.6
#define TL_AFFINITY_DEFAULTS {TL_AFFINITY_DOMAINS, TL_AFFINITY_MAX_ENTROPY, TL_AFFINITY_MIN_TOP_SHARE}

/* The fields of §6.2. Doubles are NAN when they cannot be computed
 * (no event with a domain at or before as-of; for transfer_score, a zero
 * denominator); indices are -1 then. */
struct tl_affinity {
	long long domains;          /* D */
	double entropy;             /* H, bits */
	double concentration;       /* 1 - H/log2(M), clamped; 0 when D > M */
	int32_t top;                /* index into l->domains */
	double top_share;
	int specialist;             /* 1, 0, or -1 (empty: no domain) */
	double transfer;            /* transfer_score */
	int32_t pair_a, pair_b;     /* transfer_pair A>B (l->domains indices) */
};

/* tl_affinity_compute: fill *out from the first npast events of l (those
 * at or before as-of). Uses internal scratch buffers reused across calls
 * (no allocation once they are large enough), one set per thread: the
 * worker threads of run.c may call it at the same time. */
void tl_affinity_compute(const struct tl_learner *l, size_t npast,
			 const struct tl_affinity_params *prm, struct tl_affinity *out);

/* ---- name table ----------------------------------------------------- */

/* A name -> dense index table; names are copied into its own arena.
 * Zero-initialise (struct tl_names t = {0};), free with tl_names_free. */
struct tl_names {
	struct tl_arena arena;
	struct tl_str *names;       /* names[i] for index i, NUL-terminated */
	uint64_t *hashes;
	size_t n, cap;
	uint32_t *slots;            /* index + 1, 0 = empty */
	size_t mask;
};

/* tl_names_find: the index of s[0..n), or -1 when absent. */
long tl_names_find(const struct tl_names *t, const char *s, size_t n);
/* tl_names_add: the index of s[0..n), adding it when absent; *added (when
 * not NULL) says whether it was new. */
size_t tl_names_add(struct tl_names *t, const char *s, size_t n, int *added);
void tl_names_free(struct tl_names *t);

/* ---- cohort transfer pairs (--transfer-pairs) ------------------------ */

struct tl_pairs;

/* The most distinct pairs the table holds (tl-affinity(1)): a pair first
 * seen when it is full is left out, summed in a last row "(other)". */
#define TL_PAIRS_MAX 100000

struct tl_pairs *tl_pairs_new(void);

/* tl_pairs_add: add every pair A>B (A != B) with u_A·a_B > 0 of the learner
 * last passed to tl_affinity_compute (call it right after, with the same l). */
void tl_pairs_add(struct tl_pairs *p, const struct tl_learner *l);

/* tl_pairs_write: the table as CSV "pair,learners,sum_products,share",
 * sorted by sum_products descending, then by A and B (byte order);
 * share = the pair's sum over the sum of all pairs (%.17g). */
void tl_pairs_write(const struct tl_pairs *p, FILE *f);

/* tl_pairs_emit: the table's sufficient statistics as a stats file
 * (io/statsrows.h; tool tl-affinity, parameter as_of, the text of
 * tl_statsrows_as_of): a row pair,FROM,TO,LEARNERS,SUM_PRODUCTS per pair
 * and, when the table was full, one row other,LEARNERS,SUM_PRODUCTS. */
/* l: the learners of the table, its learners record (NULL: none). */
void tl_pairs_emit(const struct tl_pairs *p, FILE *f, const char *as_of, const struct tl_learner_set *l);

/* tl_pairs_merge: add the statistics of files[0..nfiles) (standard input
 * when none) to the new table p; tl_pairs_write then writes what one run
 * over all their learners writes, byte for byte. Exits 65 naming the file
 * and line for a file of another as_of, a bad one, and a merge the single
 * run's table cannot be had from: a shard's table was full, the merged
 * table would pass TL_PAIRS_MAX, or a sum passes 2^53. */
/* *l gets the files' learners (io/statsrows.h tl_statsrows_merge). */
void tl_pairs_merge(struct tl_pairs *p, int nfiles, char **files, const char *as_of, struct tl_learner_set *l);

void tl_pairs_free(struct tl_pairs *p);

#endif
