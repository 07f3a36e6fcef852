/* score.h - tl-score's rule configs (DESIGN §7): parsing and validation
 * with JSON paths in errors, archetype rules, the composite score, canary
 * assignment and calibration of multipliers from an outcome. */
#ifndef TL_SCORE_H
#define TL_SCORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/shard.h"
#include "record/reader.h"
#include "util/stats.h"
#include "util/xsum.h"

#define TL_SCORE_NAME_MAX 64      /* longest field, archetype or rule name */
#define TL_SCORE_COND_MAX 16      /* most conditions in one rule */
/* Longest archetype_reason: name, then COND_MAX "field=value op threshold". */
#define TL_SCORE_REASON_MAX (TL_SCORE_NAME_MAX + 2 + TL_SCORE_COND_MAX * (TL_SCORE_NAME_MAX + 40))

enum tl_score_op { TL_OP_LT, TL_OP_LE, TL_OP_GT, TL_OP_GE, TL_OP_EQ, TL_OP_NE };
/* tl_score_op_name: "<", "<=", ">", ">=", "==" or "!=". */
const char *tl_score_op_name(enum tl_score_op op);

/* One condition "field op threshold"; slot indexes cfg->fields. */
struct tl_score_cond {
	int slot;
	enum tl_score_op op;
	double threshold;
};

/* One rule: all conditions ANDed; none means "always" (the last rule). */
struct tl_score_rule {
	char *name;               /* "name", default the archetype */
	char *archetype;
	double multiplier;
	struct tl_score_cond *cond;
	size_t ncond;
};

/* One term of the composite score: weight w on clamp(field, 0, 1), or
 * |w| on 1 - clamp(field, 0, 1) when w < 0. */
struct tl_score_term {
	int slot;
	double weight;
};

/* What --calibrate measured for one archetype. */
struct tl_score_calib {
	char *archetype;
	long long n;
	double mean, lo, hi;      /* NAN when they cannot be computed */
};

struct tl_score_config {
	char *version;            /* algo_version */
	char *description;        /* optional, NULL */
	long domains;             /* M of §6.2 */
	double churn_retention;   /* churn weights of §6.3 */
	double churn_momentum;
	struct tl_score_rule *rules;
	size_t nrules;
	struct tl_score_term *terms;
	size_t nterms;
	char **fields;            /* distinct fields the rules and terms read */
	size_t nfields;
	char *calib_outcome;      /* "calibration" block, NULL when absent */
	struct tl_score_calib *calib;
	size_t ncalib;
};

/* tl_score_config_parse: parse and validate the JSON text[0..n) into *cfg.
 * Returns 0, or -1 with a message in err (of size errcap) and *cfg empty:
 * "$.path: what is wrong", or "line L, column C: bad JSON". */
int tl_score_config_parse(const char *text, size_t n, struct tl_score_config *cfg,
			  char *err, size_t errcap);

/* tl_score_config_load: read and parse path (NULL: the built-in config);
 * exits 66 when it cannot be read and 65 ("PATH: $.rules[1].when[0][1]:
 * ...") when it is invalid. tl-score, tl-affinity (M of §6.2), tl-retention
 * and tl-velocity (the churn weights of §6.3) read their --config with it. */
void tl_score_config_load(const char *path, struct tl_score_config *cfg);

/* tl_score_config_builtin: the built-in default config (the shipped v2). */
void tl_score_config_builtin(struct tl_score_config *cfg);

/* tl_score_config_write: print cfg as JSON (the format it was read from)
 * to f. */
void tl_score_config_write(FILE *f, const struct tl_score_config *cfg);

/* tl_score_config_free: release what cfg owns (cfg itself is the caller's). */
void tl_score_config_free(struct tl_score_config *cfg);


/* tl_score_values: read cfg's fields from l into values[0..nfields): a
 * number, or NAN when the field is empty / null. Returns -1 and *bad = the
 * slot when a field is missing, -2 when it is not a number, else 0. */
int tl_score_values(const struct tl_score_config *cfg, const struct tl_learner *l,
		    double *values, size_t *bad);

struct tl_score_result {
	const struct tl_score_rule *rule;   /* the first rule that matched */
	double score;                       /* in [0,1]; NAN when a term is empty */
	char reason[TL_SCORE_REASON_MAX];   /* "rule: field=value>=threshold & ..." */
};

/* tl_score_composite: cfg's composite score of one learner's values (the
 * score tl_score_eval gives, without matching the rules). */
double tl_score_composite(const struct tl_score_config *cfg, const double *values);
/* tl_score_eval: apply cfg to one learner's values (from tl_score_values).
 * An empty value satisfies no condition. */
void tl_score_eval(const struct tl_score_config *cfg, const double *values,
		   struct tl_score_result *res);

/* tl_score_canary_bucket: hash(id, salt) mod 10000 (tl_hash64). A learner
 * is treated at PCT percent when its bucket < PCT * 100, so every learner
 * treated at a percentage is treated at any larger one. */
unsigned tl_score_canary_bucket(const char *id, size_t n, uint64_t salt);
int tl_score_canary_treated(unsigned bucket, double pct);

/* Two exact sums (util/xsum.h), allocated when first needed: an
 * accumulator is about 550 bytes, and a config may have 100,000 rules. */
struct tl_score_sums {
	struct tl_xsum a, b;
};

/* tl_score_sums_of: *p, allocated (zero) when NULL. */
struct tl_score_sums *tl_score_sums_of(struct tl_score_sums **p);

/* Calibration: per archetype, the count and the exact sums of the outcome
 * (a) and of its squares (b), so that merged shards calibrate to the
 * single run's bits. */
struct tl_score_outcomes {
	double n;
	struct tl_score_sums *s;  /* NULL before the first outcome */
};

struct tl_score_calibration {
	char **archetypes;        /* the config's archetypes, first-rule order */
	struct tl_score_outcomes *m;
	size_t n;
	long long skipped;        /* learners with an empty outcome */
};

/* tl_score_calibration_init: one accumulator per archetype of cfg. */
void tl_score_calibration_init(struct tl_score_calibration *c, const struct tl_score_config *cfg);
/* tl_score_calibration_add: add an outcome to archetype a[0..n); returns
 * -1 when cfg has no such archetype, else 0. */
int tl_score_calibration_add(struct tl_score_calibration *c, const char *a, size_t n, double outcome);
/* tl_score_calibrate: set each archetype's multiplier in cfg to its mean
 * outcome (archetypes without outcomes keep theirs), record n, mean and
 * the 95% Student t interval, name the outcome and append "-calibrated" to
 * the version. */
void tl_score_calibrate(struct tl_score_config *cfg, const struct tl_score_calibration *c,
			const char *outcome);
void tl_score_calibration_free(struct tl_score_calibration *c);

/* ---- the statistics of a run (score_stats.c) ------------------------- */

/* tl_score_config_id: "VERSION:HASH", the config's version and a 64-bit
 * hash of its JSON (tl_score_config_write), in buf (>= TL_SCORE_ID_MAX). */
#define TL_SCORE_ID_MAX (TL_SCORE_NAME_MAX + 24)
const char *tl_score_config_id(const struct tl_score_config *cfg, char *buf);

/* What --summary and the --metrics gauges count, per arm (0: control, or
 * all learners without a canary; 1: treatment) and archetype. */
struct tl_score_tally {
	const char **arch;        /* the configs' archetypes, rule order */
	size_t narch;
	uint32_t *slots;          /* arch index + 1 by name hash: 100,000 rules are not n^2 */
	size_t mask;
	long long *n[2], *nscore[2];
	struct tl_score_sums **sums[2];   /* the scores (a) and multipliers (b): exact sums, NULL for none */
	long long nchurn[2];      /* learners with a churn_risk (tl-retention) */
	double churn[2];          /* ... and its sum */
};

/* The run the tally is of: its configs and canary (tr NULL: none). */
struct tl_score_setup {
	const struct tl_score_config *cfg, *tr;
	double canary;            /* percent treated */
	uint64_t salt;
};

void tl_score_tally_init(struct tl_score_tally *t, const struct tl_score_setup *su);
void tl_score_tally_add(struct tl_score_tally *t, int arm, const struct tl_score_result *r);
/* tl_score_tally_print: the summary tables of --summary. */
void tl_score_tally_print(FILE *f, const struct tl_score_tally *t, const struct tl_score_setup *su);
/* tl_score_tally_emit: the tally as a stats file (io/statsrows.h, tool
 * tl-score, the parameters stats (summary), config, treatment, canary and
 * salt; a row archetype,ARM,NAME,LEARNERS,SCORED,SCORE_SUM,MULTIPLIER_SUM
 * per arm and archetype with learners). */
/* l: the learners tallied, the block's learners record (NULL: none). */
void tl_score_tally_emit(FILE *f, const struct tl_score_tally *t, const struct tl_score_setup *su,
			 const struct tl_learner_set *l);
/* tl_score_tally_merge: add the stats files[0..nfiles) (standard input
 * when none) to t, which tl_score_tally_init made for su; exits 65 naming
 * the file and line for one of another setup, or bad. */
/* *l gets the files' learners (io/statsrows.h tl_statsrows_merge). */
void tl_score_tally_merge(struct tl_score_tally *t, const struct tl_score_setup *su, int nfiles, char **files,
			  struct tl_learner_set *l);
void tl_score_tally_free(struct tl_score_tally *t);

/* tl_score_calibration_emit: c as a stats file (tool tl-score, the
 * parameters stats (calibration), config, cfg's id, and outcome; a row
 * outcome,ARCHETYPE,N,SUM,SUM_SQUARES per archetype, one skipped,N). */
void tl_score_calibration_emit(FILE *f, const struct tl_score_calibration *c, const struct tl_score_config *cfg,
			       const char *outcome, const struct tl_learner_set *l);
/* tl_score_calibration_merge: add the stats files to c (from
 * tl_score_calibration_init of cfg); exits 65 for one of another config or
 * outcome, or bad. */
void tl_score_calibration_merge(struct tl_score_calibration *c, const struct tl_score_config *cfg,
				const char *outcome, int nfiles, char **files, struct tl_learner_set *l);

#endif
