/* model_impl.h - the insides of tl-loadgen's model shared by loadgen.c
 * (the catalogue, the archetypes, the default profile) and profile_mooc.c
 * (--profile mooc): the exact real helpers, the random streams, the world
 * and one learner's behaviour. Private to loadgen/. */
#ifndef TL_LG_MODEL_IMPL_H
#define TL_LG_MODEL_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "util/rng.h"

/* From loadgen/loadgen.h, which the including file includes too (it is not
 * included here: loadgen.c includes this file). */
struct tl_lg_config;
struct tl_lg_learner;

#define SECS_PER_DAY 86400.0
#define ENGAGEMENT_NOISE 0.3     /* uniform +- on the log engagement step */
#define ENGAGEMENT_MAX 1.5       /* engagement stays below this x its start */
#define MAX_NAME 24              /* longest domain or capability name */

/* RNG streams of one learner index (index 0 is the catalogue). */
enum { STREAM_EVENTS, STREAM_OUTCOME, STREAM_WORLD, STREAM_ASSIGNED };

/* ---- deterministic real helpers ----------------------------------
 * Every real number that decides an output byte comes from IEEE-754
 * basic operations and these exact helpers (no libm transcendental), so
 * a seed gives the same bytes on every machine. */

static const double LN2_HI = 6.93147180369123816490e-01; /* low bits 0 */
static const double LN2_LO = 1.90821492927058770002e-10;

/* pow2i: 2^k for -1022 <= k <= 1023, built from its bits (exact). */
static inline double pow2i(int k)
{
	uint64_t bits = (uint64_t)(k + 1023) << 52;
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

/* det_exp: e^x by range reduction, x = k ln2 + r with |r| <= 0.35, and
 * the Taylor polynomial of degree 13 (error < 1e-17): ~1 ulp, and the same
 * everywhere (floor and ldexp are exact). */
static inline double det_exp(double x)
{
	static const double inv_fact[14] = {
		1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
		1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
		1.0 / 6227020800.0,
	};
	if (x < -700.0)
		return 0.0;
	if (x > 700.0)
		x = 700.0;
	double k = floor(x * 1.4426950408889634 + 0.5);
	double r = (x - k * LN2_HI) - k * LN2_LO, p = inv_fact[13];
	for (int i = 12; i >= 0; i--)
		p = p * r + inv_fact[i];
	return p * pow2i((int)k);
}

/* det_log: ln x for x > 0: x = 2^e m with m in [0.707, 1.414) (from the
 * bits, exact), ln m = 2 atanh(f), f = (m-1)/(m+1), |f| <= 0.172, to f^23. */
static inline double det_log(double x)
{
	static const double inv_odd[11] = {
		1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
		1.0 / 19, 1.0 / 21, 1.0 / 23,
	};
	uint64_t bits;
	int adj = 0;
	if (x < 0x1p-1022) {           /* subnormal: scale into the normal range */
		x *= 0x1p54;
		adj = 54;
	}
	memcpy(&bits, &x, sizeof bits);
	int e = (int)(bits >> 52) - 1022 - adj;  /* x = 2^e m, m in [0.5, 1) */
	bits = (bits & 0x000fffffffffffffULL) | 0x3fe0000000000000ULL;
	double m;
	memcpy(&m, &bits, sizeof m);
	if (m < 0.70710678118654752) {
		m *= 2.0;
		e--;
	}
	double f = (m - 1.0) / (m + 1.0), f2 = f * f, s = 0.0;
	for (int i = 10; i >= 0; i--)
		s = (s + inv_odd[i]) * f2;
	return e * LN2_HI + (2.0 * f * (1.0 + s) + e * LN2_LO);
}

/* A standard normal deviate (Marsaglia's polar method). */
static inline double det_normal(struct tl_rng *r)
{
	for (;;) {
		double u = 2.0 * tl_rng_uniform(r) - 1.0, v = 2.0 * tl_rng_uniform(r) - 1.0;
		double s = u * u + v * v;
		if (s > 0.0 && s < 1.0)
			return u * sqrt(-2.0 * det_log(s) / s);
	}
}

/* An exponential deviate with mean 1. */
static inline double det_expo(struct tl_rng *r) { return -det_log(1.0 - tl_rng_uniform(r)); }

/* exp(sd Z), Z standard normal: lognormal noise with median 1. */
static inline double lognormal(struct tl_rng *r, double sd) { return det_exp(sd * det_normal(r)); }

/* Seed the stream of (seed, index, stream) through two splitmix64 steps. */
static inline void seed_stream(struct tl_rng *r, uint64_t seed, long index, int stream)
{
	uint64_t x = seed, h = tl_splitmix64(&x);
	h ^= (uint64_t)index * 0xd1b54a32d192ed03ULL + (uint64_t)stream * 0x8cb92ba72f3d8dd7ULL;
	tl_rng_seed(r, tl_splitmix64(&h));
}

static inline double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* ---- archetypes, the world, a learner ----------------------------- */

/* Medians of each archetype's behaviour; every learner draws its own
 * values around them (draw_person), so the archetypes overlap. */
struct tl_lg_archetype {
	const char *name;
	double roi;          /* v1 multiplier = mean outcome */
	double rate0;        /* initial sessions per day */
	double drift;        /* mean change of log engagement per session */
	double hazard;       /* daily churn hazard at initial engagement */
	double per_session;  /* mean events per session */
	double interact;     /* share of events without a capability */
	double adopt;        /* base probability that a use is an adoption */
	double hl_mult;      /* multiplier on capability half-lives */
	int focus;           /* focus domains, 0 = all domains alike */
	double ratio_lo, ratio_hi; /* weight ratio between focus domains */
	double explore;      /* share of domain draws that ignore the focus */
	double stick;        /* share of events in their session's domain */
};
extern const struct tl_lg_archetype tl_lg_archs[];  /* TL_LG_NARCH of them */

struct tl_lg_world {
	const struct tl_lg_config *cfg;
	int64_t tmax;           /* end + horizon, seconds */
	char (*dom_name)[MAX_NAME];
	char (*cap_name)[MAX_NAME];
	int32_t *cap_dom;       /* domain of each capability */
	double *cap_hl;         /* half-life in seconds */
	long *dom_off;          /* caps of domain d: dom_cap[dom_off[d] .. dom_off[d+1]) */
	int32_t *dom_cap;       /* by popularity rank within the domain */
	double *dom_cum;        /* cumulative Zipf weights, parallel to dom_cap */
	/* scratch of the learner being generated */
	uint64_t run;           /* number of tl_lg_generate calls so far */
	uint64_t *stamp;        /* run in which the learner adopted the cap */
	long nadopt;
	int32_t *adopt_cap;     /* adopted capabilities, in adoption order */
	double *adopt_t;        /* their adoption time (s) */
	double *reuse_cum;      /* cumulative reuse propensities */
	double *dom_pop;        /* cumulative domain popularity */
};

/* The behaviour of one learner: its archetype's medians with noise. */
struct tl_lg_person {
	double rate0, drift, hazard, cont, interact, adopt, hl_mult, explore, stick;
	int nfocus;
	int32_t focus[4];
	double focus_cum[4];
};

/* A session's domain, drawn from the learner's preference. */
int tl_lg_draw_domain(const struct tl_lg_world *w, const struct tl_lg_person *p, struct tl_rng *r);

/* The total reuse propensity of the learner's adoptions at time t (s),
 * leaving the cumulative propensities in w->reuse_cum. */
double tl_lg_reuse_weights(struct tl_lg_world *w, const struct tl_lg_person *p, double t);

/* One event at t (s) in a session on domain d; *S is the total reuse
 * propensity, grown by an adoption (a fresh capability has weight 1). */
void tl_lg_one_event(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
		     struct tl_rng *r, double t, int d, double *S);

/* --profile mooc (profile_mooc.c): the learner's days of sessions from
 * its join until it leaves or end + horizon, from the stream r after the
 * archetype and the person were drawn. */
void tl_lg_mooc_simulate(struct tl_lg_world *w, struct tl_lg_learner *l, const struct tl_lg_person *p,
			 struct tl_rng *r);

/* The mooc profile's chance that a learner of the archetype has left
 * within 30 days at its initial engagement. */
double tl_lg_mooc_churn(int arch);

#endif
