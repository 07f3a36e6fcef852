/* statsfile.h - the side files of --emit-stats FILE and --merge that carry
 * a cohort result's sufficient statistics (tl-retention --fit, tl-affinity
 * --transfer-pairs, tl-score --summary and --calibrate; tl(7) "STATS
 * FILES"): a preamble that names the tool, the kind of statistics and the
 * parameters they depend on, then one CSV table of the tool's columns:
 *
 *   tl_stats,1,tl-retention,km
 *   param,churn_gap,2592000s
 *   param,as_of,2025-01-29T00:00:00Z
 *   capability,duration_us,stopped,censored
 *   algebra,86400000000,3,1
 *
 * The reader (over io/sidefile) checks the whole preamble against what the
 * merge expects, the spec it builds from its own options, and refuses any
 * difference as bad input: exit 65, "FILE:LINE: what". Counts are whole
 * numbers; sums are written %.17g, an exact sum (util/stats.h tl_xsum) as
 * its terms separated by spaces: its value, then the value of what is
 * left, and so on (tl_xsum_terms: one text for one exact sum). */
#ifndef TL_STATSFILE_H
#define TL_STATSFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/opts.h"
#include "util/stats.h"
#include "util/str.h"
#include "util/tltime.h"

#define TL_STATS_MAGIC "tl_stats"
#define TL_STATS_VERSION "1"
#define TL_STATS_PARAM_MAX 8

/* One parameter the statistics depend on: name and canonical value (the
 * same text for the same setting, compared byte for byte). */
struct tl_stats_param {
	const char *name, *value;
};

/* What a stats file is: written by tl_stats_head, expected by tl_stats_read. */
struct tl_stats_spec {
	const char *tool, *kind;     /* "tl-retention", "km" */
	const struct tl_stats_param *param;
	size_t nparam;
	const char *const *col;      /* the table's columns */
	size_t ncol;
};

/* tl_stats_head: the preamble and the column header. */
void tl_stats_head(FILE *f, const struct tl_stats_spec *s);
/* tl_stats_put_xsum: an exact sum as one field (no separator). */
void tl_stats_put_xsum(FILE *f, const struct tl_xsum *x);

/* Canonical parameter values, in buf (>= TL_STATS_VALUE_MAX bytes). */
#define TL_STATS_VALUE_MAX 48
/* A duration in seconds, "2592000s" or "0.5s". */
const char *tl_stats_duration(tl_time d, char *buf);
/* The as-of of a run: --as-of or TL_AS_OF as a timestamp, else empty
 * (each learner's own: --as-of-field, a document's as_of, the time). */
const char *tl_stats_as_of(const struct tl_common *c, char *buf);

/* A stats file being read. */
struct tl_stats_in;

/* tl_stats_read: read each file (standard input when nfiles is 0; "-" is
 * standard input), check its preamble against want, and call row for
 * each record of its table, with exactly want->ncol fields. */
void tl_stats_read(int nfiles, char **files, const struct tl_stats_spec *want,
		   void (*row)(void *ctx, struct tl_stats_in *in), void *ctx);

/* The current record's field col; valid until row returns. */
const struct tl_str *tl_stats_field(const struct tl_stats_in *in, size_t col);
/* Field col as a count: digits only, at most 2^53. */
uint64_t tl_stats_count(const struct tl_stats_in *in, size_t col);
/* ... as an integer: an optional '-', digits, within int64. */
int64_t tl_stats_int(const struct tl_stats_in *in, size_t col);
/* ... as a finite number (util/num's rule). */
double tl_stats_num(const struct tl_stats_in *in, size_t col);
/* ... as an exact sum: its numbers (tl_stats_put_xsum), each at most
 * 2^1000 in magnitude, added to *to. */
void tl_stats_xsum(const struct tl_stats_in *in, size_t col, struct tl_xsum *to);
/* tl_stats_bad: exit 65 with "FILE:LINE: " and the message, at the
 * current record. */
_Noreturn void tl_stats_bad(const struct tl_stats_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
