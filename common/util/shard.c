/* shard.c - the shard hash of a learner id and the I/N of --shard. */
#include "util/rng.h"
#include "util/shard.h"

uint64_t tl_shard_hash(const char *p, size_t n)
{
	return tl_mix64(tl_fnv1a64(p, n, 0));
}

/* digits: the decimal number at *p up to a byte not a digit (at least one
 * digit, at most max); -1 when there is none or it is larger. */
static int digits(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (s == *p)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

int tl_shard_parse(const char *arg, uint64_t max, struct tl_shard *out)
{
	const char *p = arg;
	uint64_t i, n;
	if (digits(&p, max, &i) < 0 || *p++ != '/' || digits(&p, max, &n) < 0 || *p || n < 1 || i >= n)
		return -1;
	out->i = i;
	out->n = n;
	return 0;
}
