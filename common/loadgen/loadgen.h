/* loadgen.h - the synthetic learner model and fast event writer behind
 * tl-loadgen (§10). The model is documented in man/tl-loadgen.1 (section
 * GENERATIVE MODEL); keep the two in step. */
#ifndef TL_LOADGEN_H
#define TL_LOADGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/shard.h"
#include "util/tltime.h"

/* The five archetypes, in the order of the §7 table. */
enum tl_lg_arch {
	TL_LG_FAST_LEARNER, TL_LG_SPECIALIST, TL_LG_POWER_USER,
	TL_LG_LONG_TERM_RETAINER, TL_LG_GENERALIST, TL_LG_NARCH
};

/* The generative models (--profile): today's, and one calibrated to the
 * marginals of a real MOOC log (man/tl-loadgen.1, The mooc profile). */
enum tl_lg_profile { TL_LG_PROFILE_DEFAULT, TL_LG_PROFILE_MOOC };

/* Output shapes (-f): event CSV, event NDJSON, learner documents. */
enum tl_lg_format { TL_LG_CSV, TL_LG_NDJSON, TL_LG_LEARNERS };

/* Everything the options decide. tl_lg_config_init sets the defaults. */
/* The defaults, named once for tl_lg_config_init and tl-loadgen's help. */
#define TL_LG_DEFAULT_LEARNERS 1000
#define TL_LG_DEFAULT_SEED 1
#define TL_LG_DEFAULT_START "2025-01-01"
#define TL_LG_DEFAULT_END "2025-10-01"
#define TL_LG_DEFAULT_HORIZON_DAYS 60
#define TL_LG_DEFAULT_DOMAINS 8
#define TL_LG_DEFAULT_CAPABILITIES 200
#define TL_LG_DEFAULT_OUTCOME_SD 0.5

struct tl_lg_config {
	long learners;            /* learners L1..LN (default 1000) */
	uint64_t seed;            /* default 1 */
	tl_time start, end;       /* join window [start, end), whole seconds */
	tl_time horizon;          /* events continue until end + horizon */
	int domains;              /* M (default 8) */
	long capabilities;        /* C >= M (default 200) */
	double mix[TL_LG_NARCH];  /* archetype shares, sum 1 */
	int truth;                /* --truth: true_archetype column */
	int arms;                 /* --arm-split given: arm column */
	double control_share;     /* A / (A + B) of --arm-split A:B */
	double effect;            /* --effect: relative treatment effect on roi */
	double churn_effect;      /* --churn-effect: added to a treated learner's churn chance */
	const char *assignment;   /* --assignment FILE: outcomes for its learner_id,arm rows */
	int outcome;              /* --outcome: roi column */
	double outcome_sd;        /* sd of the lognormal roi noise (default 0.5) */
	struct tl_shard shard;    /* --shard I/N (n 0: every learner) */
	double rate;              /* --rate events/s, 0 = unlimited */
	enum tl_lg_profile profile; /* --profile (default TL_LG_PROFILE_DEFAULT) */
	enum tl_lg_format format;
};

/* One generated event: ts in whole seconds since the epoch (UTC),
 * cap = capability index or -1 for an interaction, dom = domain index. */
struct tl_lg_event {
	int64_t ts;
	int32_t cap;
	int32_t dom;
};

/* One generated learner. ev is owned by the struct and reused by the next
 * tl_lg_generate call; free it with tl_lg_learner_free. */
struct tl_lg_learner {
	long index;               /* the number in the id, 1..N */
	int arch;                 /* enum tl_lg_arch */
	int arm;                  /* 0 control, 1 treatment, -1 none */
	double roi;               /* outcome (only with cfg->outcome) */
	size_t n, size;
	struct tl_lg_event *ev;   /* n events, sorted by ts (stable) */
};

/* The outcome of one learner of a given arm (--assignment). */
struct tl_lg_outcome {
	int arch;                 /* the learner's true archetype */
	double roi;               /* lognormal around the v1 multiplier, x (1 + effect) if treated */
	int churned;              /* 1 with tl_lg_arch_churn(arch) (+ churn_effect if treated) */
};

struct tl_lg_world;
struct tl_lg_writer;

/* tl_lg_config_init: the documented defaults. */
void tl_lg_config_init(struct tl_lg_config *c);

/* Option parsers: each stores its result in c or exits 64 naming the
 * option (tl_usage_error). */
void tl_lg_parse_mix(struct tl_lg_config *c, const char *arg);
void tl_lg_parse_arm_split(struct tl_lg_config *c, const char *arg);
void tl_lg_parse_format(struct tl_lg_config *c, const char *arg);
void tl_lg_parse_profile(struct tl_lg_config *c, const char *arg);

/* tl_lg_config_check: cross-option checks (end after start, C >= M,
 * times within years 0000-9999, ...); exits 64 on a violation. */
void tl_lg_config_check(const struct tl_lg_config *c);

const char *tl_lg_arch_name(int arch);
/* tl_lg_arch_roi: the v1 ROI multiplier, the mean of the roi outcome. */
double tl_lg_arch_roi(int arch);

/* tl_lg_arch_churn: the chance that a learner of the archetype churns
 * within 30 days at its initial engagement under c's profile: 1 -
 * exp(-30 lambda) by default, with --profile mooc its first-day leave too. */
double tl_lg_arch_churn(const struct tl_lg_config *c, int arch);

/* tl_lg_assigned_outcome: the true archetype of learner number index of
 * the population c describes (its seed and mix) and its outcome in the
 * arm given (treated 0 or 1): a pure function of (c, index, treated). */
void tl_lg_assigned_outcome(const struct tl_lg_config *c, long index, int treated, struct tl_lg_outcome *o);

/* tl_lg_write_assigned: read c->assignment (CSV with the columns
 * learner_id and arm, control or treatment; learner ids of tl-loadgen)
 * and write to f, named name, the header learner_id,true_archetype,arm,
 * roi,churned and one row per assignment row, in its order. Bad input
 * exits 65 naming the file and line; a write error 74. */
void tl_lg_write_assigned(const struct tl_lg_config *c, FILE *f, const char *name);

/* tl_lg_world_new: build the capability catalogue (domains, Zipf
 * popularity, half-lives) from c, which must outlive the world. The world
 * also holds generation scratch: use one world per thread. */
struct tl_lg_world *tl_lg_world_new(const struct tl_lg_config *c);
void tl_lg_world_free(struct tl_lg_world *w);

/* Catalogue accessors (for tests and tools). Indexes must be in range. */
const struct tl_lg_config *tl_lg_world_config(const struct tl_lg_world *w);
const char *tl_lg_domain_name(const struct tl_lg_world *w, int dom);
const char *tl_lg_cap_name(const struct tl_lg_world *w, long cap);
int tl_lg_cap_domain(const struct tl_lg_world *w, long cap);
double tl_lg_cap_half_life_days(const struct tl_lg_world *w, long cap);

/* tl_lg_generate: generate learner number index (1..N) into l, replacing
 * its previous content. The result depends only on (seed, index), the
 * catalogue options and the profile, never on other learners or on the
 * shard; the archetype, arm and roi do not depend on the profile. */
void tl_lg_generate(struct tl_lg_world *w, long index, struct tl_lg_learner *l);
void tl_lg_learner_free(struct tl_lg_learner *l);

/* tl_lg_writer_new: a buffered writer of c->format to f (named name in
 * messages). A write error exits 74. The writer does not close f. */
struct tl_lg_writer *tl_lg_writer_new(FILE *f, const char *name, const struct tl_lg_world *w);
/* tl_lg_write_header: the CSV header line (nothing for NDJSON shapes). */
void tl_lg_write_header(struct tl_lg_writer *wr);
/* tl_lg_write_learner: append all rows (or the document) of l; honours
 * c->rate by flushing and sleeping between small batches. */
void tl_lg_write_learner(struct tl_lg_writer *wr, const struct tl_lg_learner *l);
/* tl_lg_writer_free: flush what is buffered into f, then free. */
void tl_lg_writer_free(struct tl_lg_writer *wr);
/* tl_lg_learner_id: the id of learner number index in buf: L and its
 * number in at least 7 digits (more when --learners has more); returns
 * its length. */
size_t tl_lg_learner_id(const struct tl_lg_config *c, long index, char buf[32]);
/* tl_lg_in_shard: whether learner number index is in c's --shard: the
 * shard of its id by the hash of tl(7) SHARDS, as every tool's --shard
 * reads it. */
int tl_lg_in_shard(const struct tl_lg_config *c, long index);
/* tl_lg_writer_events: events written so far. */
uint64_t tl_lg_writer_events(const struct tl_lg_writer *wr);

#endif
