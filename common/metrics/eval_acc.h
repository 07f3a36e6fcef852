/* eval_acc.h - tl-eval's pass (DESIGN §9): what it compares (the setup),
 * what it collects from the learners (the accumulator, whose statistics
 * are sufficient: counts, a score histogram, exact sums), its stats file
 * (eval_stats.c: --emit-stats writes the accumulator, --merge adds files
 * back into one, exactly as one pass over all their learners) and its
 * report (eval_report.c: text, Markdown, JSON and the curve file). */
#ifndef TL_EVAL_ACC_H
#define TL_EVAL_ACC_H

#include <stdio.h>

#include "util/shard.h"
#include "metrics/eval.h"

enum tl_eval_mode { TL_EVAL_CLASS, TL_EVAL_BINARY, TL_EVAL_NUMERIC };
enum tl_eval_format { TL_EVAL_TEXT, TL_EVAL_JSON, TL_EVAL_MD };

#define TL_EVAL_MAX_BASELINES 16

/* The fields compared, by option name (NULL: not given). */
struct tl_eval_setup {
	enum tl_eval_mode mode;
	const char *truth, *pred, *score, *label, *actual;
	const char *baseline[TL_EVAL_MAX_BASELINES];
	int nbaseline;
	double tolerance;
	int tolerance_set;        /* --tolerance was given (for --merge) */
};

struct tl_eval_acc {
	struct tl_eval_setup s;
	long long learners, skipped;
	struct tl_learner_set ids;   /* the learners read (a run's, a merge's sum): the learner_ids record */
	struct tl_confusion conf;                            /* classification */
	struct tl_eval_hist hist;                            /* binary */
	struct tl_eval_numeric num[1 + TL_EVAL_MAX_BASELINES];  /* numeric: --pred, then each --baseline */
	char *owned[6 + TL_EVAL_MAX_BASELINES];             /* a merge's names */
	int nowned;
};

/* tl_eval_acc_new: an empty accumulator for s (whose names must outlive
 * it); a classification refuses more than max_classes classes. */
struct tl_eval_acc *tl_eval_acc_new(const struct tl_eval_setup *s, size_t max_classes);
void tl_eval_acc_free(struct tl_eval_acc *a);   /* NULL: nothing */

/* tl_eval_emit: the stats file of a (tl-eval(1) STATS FILES). */
void tl_eval_emit(struct tl_eval_acc *a, FILE *f);

/* tl_eval_merge: the accumulator of the stats files (none: standard
 * input), as one pass over all their learners. Every block must have the
 * parameters of the first; each field of want that is set (a name, the
 * baselines, tolerance_set) must be the files'; a damaged file (counts
 * that do not add up, more than max_classes classes) exits 65 naming the
 * file and line. A die caught with tl_die_catch leaves what it held to
 * be freed by the next merge. */
struct tl_eval_acc *tl_eval_merge(int nfiles, char **files, const struct tl_eval_setup *want, size_t max_classes);

/* tl_eval_report: the report of a in fmt. */
void tl_eval_report(struct tl_eval_acc *a, FILE *f, enum tl_eval_format fmt);

/* tl_eval_curve: the ROC curve of a binary a as CSV (tl-eval(1) THE CURVE
 * FILE). */
void tl_eval_curve(struct tl_eval_acc *a, FILE *f);

#endif
