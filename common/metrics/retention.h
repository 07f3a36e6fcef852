/* retention.h - reuse, retention and churn risk of one learner (DESIGN
 * §6.3, §6.5); the capability half-life model: a Kaplan–Meier fit with
 * Greenwood log-log confidence intervals, its CSV writer and reader. */
#ifndef TL_RETENTION_H
#define TL_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/shard.h"
#include "record/reader.h"
#include "metrics/daycut.h"

struct tl_retention_model;

struct tl_retention_params {
	tl_time period;             /* P, --period (default 7d) */
	tl_time recency_half_life;  /* --recency-half-life (default 30d, > 0) */
	double half_life_days;      /* h when the model has none, --half-life (45d) */
	double reuse_weight;        /* ω, --reuse-weight (default 0.5) */
	double momentum_weight;     /* churn weight of velocity_momentum (0.3) */
	tl_time churn_horizon;      /* H of the churned label (default 30d) */
	const struct tl_retention_model *model;   /* NULL: every h_c = half_life_days */
};

/* The defaults, named once for the code and the tools' help texts. */
#define TL_RETENTION_PERIOD_DAYS 7
#define TL_RETENTION_RECENCY_DAYS 30
#define TL_RETENTION_HALF_LIFE_DAYS 45
#define TL_RETENTION_REUSE_WEIGHT 0.5
#define TL_RETENTION_MOMENTUM_WEIGHT 0.3
#define TL_RETENTION_CHURN_HORIZON_DAYS 30
#define TL_RETENTION_DEFAULTS {TL_RETENTION_PERIOD_DAYS * TL_DAY, TL_RETENTION_RECENCY_DAYS * TL_DAY, \
			       TL_RETENTION_HALF_LIFE_DAYS, TL_RETENTION_REUSE_WEIGHT, TL_RETENTION_MOMENTUM_WEIGHT, \
			       TL_RETENTION_CHURN_HORIZON_DAYS * TL_DAY, NULL}

/* The fields of §6.3 and the churn-model extras. Doubles are NAN when they
 * cannot be computed (no event at or before as-of; no capability; for
 * reuse_score, no capability with a period after its adoption's). */
struct tl_retention {
	long long capabilities;     /* distinct capabilities used */
	long long reuses;           /* uses that were not adoptions */
	long long active_days;      /* distinct UTC days with an event */
	long long events_last_7d;   /* events in (asof-7d, asof] */
	long long events_prev_7d;   /* events in (asof-14d, asof-7d] */
	double days_since_last;     /* from the last event of any action */
	double reuse_score, strength, churn_risk;
	int churned;                /* label: no event in (asof, asof+H] */
};

/* tl_retention_compute: fill *out from the days of a learner's past before
 * as-of (tl_daycut_build: its events, of which the first npast are at or
 * before asof). momentum is the record's velocity_momentum, NAN when it
 * has none. Uses internal scratch buffers reused across calls, one set per
 * thread: the worker threads of run.c may call it at the same time. */
void tl_retention_compute(const struct tl_daycut *days, double momentum, const struct tl_retention_params *prm,
			  struct tl_retention *out);

/* tl_retention_churn_risk: §6.3 churn_risk from retention_strength and
 * velocity_momentum (NAN: absent); NAN when strength is NAN. For a tool
 * that adds momentum to a record that already has retention_strength. */
double tl_retention_churn_risk(double strength, double momentum, double momentum_weight);

/* ---- Kaplan–Meier (§6.3, §6.5) --------------------------------------- */

/* One observation: time t (any unit), censored or not, and a group key. */
struct tl_km_obs {
	int64_t t;
	uint32_t key;
	uint32_t censored;
};

/* One distinct time of the curve: S after it, and the pointwise 95%
 * log-log band (NAN where undefined: S = 1 or S = 0). */
struct tl_km_step {
	int64_t t;
	uint64_t at_risk, events, censored;
	double surv, greenwood, lower, upper;   /* greenwood: Σ d/(n(n-d)) */
};

/* The median (smallest t with S(t) <= 0.5) and its confidence interval, in
 * the unit of t; NAN when not reached. */
struct tl_km_summary {
	uint64_t n, events, censored;
	double median, ci_low, ci_high;
};

/* tl_km: the estimate from obs[0..n) sorted by t (ties in any order;
 * censored observations are at risk at their own time). fn, when not
 * NULL, is called with each step in order (one per distinct t). z is the
 * normal quantile of the band (tl_norm_quantile(0.975) for 95%). Returns
 * the number of steps. See retention.c for the median's interval. */
size_t tl_km(const struct tl_km_obs *obs, size_t n, double z,
	     void (*fn)(void *ctx, const struct tl_km_step *s), void *ctx, struct tl_km_summary *sum);

/* The observations at one time t: how many events and censored. */
struct tl_km_count {
	int64_t t;
	uint64_t events, censored;
};

/* tl_km_counts: tl_km from the counts cnt[0..n), in increasing t, each t
 * once (a count of none is skipped): the same steps and summary, bit for
 * bit, as tl_km of the observations they count. */
size_t tl_km_counts(const struct tl_km_count *cnt, size_t n, double z,
		    void (*fn)(void *ctx, const struct tl_km_step *s), void *ctx, struct tl_km_summary *sum);

/* ---- the half-life model (--fit, --model; retention_fit.c) ------------ */

struct tl_km_fit;

struct tl_km_fit *tl_km_fit_new(tl_time churn_gap);

/* tl_km_fit_add: one observation per capability l used at or before asof:
 * duration l_c - a_c, censored when asof - l_c < churn_gap. Stores 16
 * bytes per (learner, capability) pair, plus each capability name once.
 * A capability named "*" exits 65 (it would clash with the pooled row). */
void tl_km_fit_add(struct tl_km_fit *f, const struct tl_learner *l, size_t npast, tl_time asof);

/* tl_km_fit_observe: one observation of capability name: duration t,
 * censored when since_last < churn_gap (what tl_km_fit_add adds). */
void tl_km_fit_observe(struct tl_km_fit *f, struct tl_str name, tl_time t, tl_time since_last);

/* tl_km_fit_write: the model CSV (capability,learners,stopped,censored,
 * half_life_days,ci_low,ci_high), sorted by capability with the pooled
 * "*" row last; and, when curves is not NULL, every curve as CSV
 * (capability,day,at_risk,events,survival). Times are in days. */
void tl_km_fit_write(struct tl_km_fit *f, FILE *model, FILE *curves);

/* tl_km_fit_emit: the fit's sufficient statistics as a stats file
 * (io/statsrows.h; tool tl-retention, parameters churn_gap and as_of, the
 * text of tl_statsrows_as_of): per capability and duration, a row
 * duration,CAPABILITY,DURATION_US,STOPPED,CENSORED. */
/* l: the learners of the fit (a run's tl_run_learners, a merge's sum), its
 * learners record (NULL: none). */
void tl_km_fit_emit(struct tl_km_fit *f, FILE *out, const char *as_of, const struct tl_learner_set *l);

/* tl_km_fit_merge: add the statistics of files[0..nfiles) (standard input
 * when none) to f; each must have been written with f's churn gap and
 * as_of, else exit 65 naming the file and line. Then tl_km_fit_write gives
 * what one fit over all their learners gives, byte for byte. */
/* *l gets the files' learners (io/statsrows.h tl_statsrows_merge). */
void tl_km_fit_merge(struct tl_km_fit *f, int nfiles, char **files, const char *as_of, struct tl_learner_set *l);

/* tl_km_fit_censored: how many observations were censored; *n gets how
 * many there are. */
size_t tl_km_fit_censored(struct tl_km_fit *f, size_t *n);

void tl_km_fit_free(struct tl_km_fit *f);

/* tl_retention_model_read: load a model CSV. Exits 66 when path cannot be
 * opened and 65 with "FILE:LINE: what" when it is bad (a missing or
 * unknown column, a bad number, a duplicate capability). */
struct tl_retention_model *tl_retention_model_read(const char *path);

/* tl_retention_model_half_life: h_c in days for capability name[0..n):
 * its row, else the "*" row, else fallback (§6.5). */
double tl_retention_model_half_life(const struct tl_retention_model *m, const char *name, size_t n,
				    double fallback);

void tl_retention_model_free(struct tl_retention_model *m);

#endif
