/* shard.h - the shard of a learner (tl(7) SHARDS): one hash of its
 * learner_id, the same in every tool, on every machine and in every
 * version, so that runs on different hosts split the learners alike.
 *
 *   shard(id) = mix64(FNV-1a-64(id)) mod N
 *
 * over the bytes of the learner_id as the reader reads it (after --map;
 * a CSV field unquoted, a JSON string decoded, a JSON number as the text
 * it is written as), with mix64 splitmix64's finalizer (util/rng.h
 * tl_mix64). tests/unit/test_shard.c checks the vectors of tl(7), which
 * tests/shard.bats recomputes with the reference testdata/ref/shard.py. */
#ifndef TL_SHARD_H
#define TL_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

/* The most shards of --shard I/N. */
#define TL_SHARD_MAX 4294967295UL

/* A shard I of N; n == 0: no --shard (every learner). */
struct tl_shard {
	uint64_t i, n;
};

/* tl_shard_hash: mix64(FNV-1a-64(p[0..n))). */
uint64_t tl_shard_hash(const char *p, size_t n);

/* tl_shard_of: the shard of learner id p[0..n) among nshards (>= 1). */
static inline uint64_t tl_shard_of(const char *p, size_t n, uint64_t nshards)
{
	return tl_shard_hash(p, n) % nshards;
}

/* tl_shard_keeps: whether shard s keeps learner id p[0..n) (always
 * without a shard). */
static inline int tl_shard_keeps(const struct tl_shard *s, const char *p, size_t n)
{
	return s->n == 0 || tl_shard_of(p, n, s->n) == s->i;
}

/* tl_shard_parse: "I/N", decimal digits only, 0 <= I < N <= max. 0, or
 * -1 when arg is not that. */
int tl_shard_parse(const char *arg, uint64_t max, struct tl_shard *out);

/* A set of learners, as a stats file names the learners of its block (tl(7)
 * STATS FILES): their number and their fingerprint, the sum mod 2^64 over
 * them of mix64(FNV-1a-64(id) with the offset basis xor the salt below),
 * so that the order they came in, and the threads that read them, do not
 * change it, and the shards of a run add up to it. known: 0 when a stats
 * file of before did not say. */
#define TL_LEARNER_SET_SALT 0x6c6561726e657273ULL   /* "learners" */
struct tl_learner_set {
	uint64_t count, fp;
	int known;
};

static inline void tl_learner_set_add(struct tl_learner_set *s, const char *p, size_t n)
{
	s->count++;
	s->fp += tl_mix64(tl_fnv1a64(p, n, TL_LEARNER_SET_SALT));
}

/* tl_learner_set_join: s gets the learners of t as well (disjoint). */
static inline void tl_learner_set_join(struct tl_learner_set *s, const struct tl_learner_set *t)
{
	s->count += t->count;
	s->fp += t->fp;
}

#endif
