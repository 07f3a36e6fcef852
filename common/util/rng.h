/* rng.h - xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64:
 * a named, portable PRNG, so the same seed gives the same bytes anywhere. */
#ifndef TL_RNG_H
#define TL_RNG_H

#include <stdint.h>

struct tl_rng { uint64_t s[4]; };

/* tl_mix64: splitmix64's finalizer (Stafford's Mix13), a bijection of
 * 64-bit words; tl(7) SHARDS names it. */
static inline uint64_t tl_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 step: advances *x and returns the next output. */
static inline uint64_t tl_splitmix64(uint64_t *x)
{
	return tl_mix64(*x += 0x9e3779b97f4a7c15ULL);
}

/* tl_rng_seed: fill the state from seed through splitmix64. */
static inline void tl_rng_seed(struct tl_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = tl_splitmix64(&seed);
}

static inline uint64_t tl_rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* tl_rng_next: the next 64 random bits. */
static inline uint64_t tl_rng_next(struct tl_rng *r)
{
	uint64_t *s = r->s, result = tl_rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tl_rotl64(s[3], 45);
	return result;
}

/* tl_rng_uniform: a double in [0, 1) with 53 random bits. */
static inline double tl_rng_uniform(struct tl_rng *r)
{
	return (double)(tl_rng_next(r) >> 11) * 0x1.0p-53;
}

/* tl_rng_below: an integer in [0, n) (Lemire's nearly-divisionless method
 * without the rejection step's bias: uses 128-bit multiply + rejection). */
static inline uint64_t tl_rng_below(struct tl_rng *r, uint64_t n)
{
	__uint128_t m = (__uint128_t)tl_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;
	if (lo < n) {
		uint64_t t = -n % n;
		while (lo < t) {
			m = (__uint128_t)tl_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* tl_fnv1a64: FNV-1a over the bytes p[0..n), from the offset basis
 * 0xcbf29ce484222325 xor salt (salt 0: the standard FNV-1a-64). */
static inline uint64_t tl_fnv1a64(const void *p, unsigned long n, uint64_t salt)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ salt;
	for (unsigned long i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* tl_hash64: a 64-bit hash of bytes (FNV-1a folded through splitmix64),
 * stable across machines; used for canary and fold assignment. */
static inline uint64_t tl_hash64(const void *p, unsigned long n, uint64_t salt)
{
	uint64_t h = tl_fnv1a64(p, n, salt);
	return tl_splitmix64(&h);
}

#endif
