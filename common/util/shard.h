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

#endif
