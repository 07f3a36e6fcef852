/* internal.h - what the files of common/abtest share and nothing else
 * includes: the accumulator, the analysed rows and the computed report.
 * accum.c builds them, report.c writes them, statsfile.c emits and merges
 * the accumulator's sufficient statistics. */
#ifndef TL_ABTEST_INTERNAL_H
#define TL_ABTEST_INTERNAL_H

#include <string.h>

#include "abtest/abtest.h"

/* Running state of the sequential test of one (metric, segment). */
struct seq {
	double p, lo, hi;
	int looked;
};

struct seg {
	char *name;
	size_t len;
	double learners[2];
	struct tl_comoments *cell;   /* [metric * 2 + arm] */
	struct seq *seq;             /* [metric] */
};

struct tl_abtest {
	struct tl_ab_setup s;
	struct tl_ab_params p;
	char *arm[2];
	struct seg *seg;
	size_t nseg, segcap;
	size_t *slot, nslot;         /* hash table: segment index + 1, 0 = empty */
	unsigned long learners;
	struct seq *seq_all;         /* [metric] */
	char **owned;                /* strings of a merged setup */
	size_t nowned;
};

/* One item of the report's metrics list. */
struct row {
	size_t metric;
	const struct seg *seg;       /* NULL: overall */
	int cuped;
	struct tl_moments arm[2];    /* analysed values (CUPED-adjusted) */
	double sd[2], ci_lo[2], ci_hi[2], var_diff;
	struct tl_ab_test t;
	double p_adj;
	int negative;
	double theta, vr, diff_raw, p_raw;
	struct seq seq;
	double p_seq_adj;
	double base_mean, base_sd, n_arm, power, detect;
};

enum { CRIT_SRM, CRIT_SIGNIFICANCE, CRIT_MIN_LIFT, CRIT_NEGATIVE, CRIT_MIX, NCRIT };
/* the criteria's names, in the JSON decision and the reasons */
extern const char *const ab_crit_name[NCRIT];

struct report {
	const struct tl_abtest *ab;
	struct seg **order;          /* segments sorted by name */
	double n[2], srm_chi2, srm_p;
	double mix_max, mix_chi2, mix_df, mix_p;
	struct row *row;
	size_t nrow;
	unsigned failed;             /* bit per criterion */
	char **why;
	size_t nwhy;
};

static inline int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static inline int is_cuped(const struct tl_abtest *ab, size_t m)
{
	return ab->s.covariate && ab->s.metric[m].kind == TL_AB_NUMERIC;
}

static inline const char *seg_label(const struct seg *g)
{
	return g->len ? g->name : "(empty)";
}

/* ab_report_make: the report of ab (segments sorted by name, SRM and mix,
 * every row analysed, the decision; warnings on stderr). */
void ab_report_make(struct report *rep, const struct tl_abtest *ab);
void ab_report_free(struct report *rep);

#endif
