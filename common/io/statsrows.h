/* statsrows.h - the layout of a stats file that names its tool and the
 * parameters its statistics depend on (tl-eval --emit-stats; tl-abtest's
 * file keeps its own older layout, abtest/statsfile.c): CSV, read with
 * io/sidefile.h, made of blocks, each
 *
 *     tl-stats,TOOL,VERSION     the block's first record
 *     param,NAME,VALUE          any number: what the statistics depend on
 *     learner_ids,COUNT,FP      at most one: the learners of the block
 *     KIND,...                  the tool's rows (KIND is none of those)
 *
 * A file written by a tool is one block; files joined with cat(1) hold
 * several. A reader takes the blocks of any number of files and checks
 * that each has the TOOL and VERSION asked for and the parameters of the
 * first block, the same names with the same values in the same order;
 * anything else exits 65 as "FILE:LINE: what", naming the other block's
 * FILE:LINE. The learner_ids record (util/shard.h's tl_learner_set: their
 * number and fingerprint, 16 hex digits) is the reader's, not a row: a
 * block with learners (COUNT > 0) that are exactly another block's exits
 * 65 "FILE:LINE: the same learners as FILE:LINE: a shard given twice"; a
 * block without the record (a file of before) is not checked. Counts
 * and numbers in the rows are read with the checks
 * below, which also name the file and line. */
#ifndef TL_STATSROWS_H
#define TL_STATSROWS_H

#include <stddef.h>
#include <stdio.h>

#include "util/opts.h"
#include "util/shard.h"
#include "util/str.h"
#include "util/tltime.h"
#include "util/xsum.h"

/* ---- writing ---- */

/* tl_statsrows_head: a block's first record. */
void tl_statsrows_head(FILE *f, const char *tool, int version);
/* tl_statsrows_param: one parameter (value quoted as CSV needs). */
void tl_statsrows_param(FILE *f, const char *name, const char *value);
/* tl_statsrows_param_num: a numeric parameter with round-trip precision. */
void tl_statsrows_param_num(FILE *f, const char *name, double value);

/* tl_statsrows_learners_put: the learner_ids record of l (nothing when
 * l is NULL or not known). */
void tl_statsrows_learners_put(FILE *f, const struct tl_learner_set *l);

/* ---- reading ---- */

struct tl_statsrows;

/* tl_statsrows_new: a reader of TOOL's files of format VERSION. */
struct tl_statsrows *tl_statsrows_new(const char *tool, int version);
/* tl_statsrows_open: read path next ("-": standard input); exits 66 when
 * it cannot be opened. The previous file, if any, must have been read to
 * its end. */
void tl_statsrows_open(struct tl_statsrows *r, const char *path);

enum { TL_STATSROWS_EOF, TL_STATSROWS_ROW, TL_STATSROWS_BLOCK_END };
/* tl_statsrows_next: TL_STATSROWS_ROW with the next row of the tool ready
 * (its fields, file and line below), TL_STATSROWS_BLOCK_END after a
 * block's last row (before the next block, and at the end of the file;
 * then the line is the block's first), TL_STATSROWS_EOF at the end of the
 * file. An empty file, a first record other than the tool's, or a
 * parameter unlike the first block's exits 65. */
int tl_statsrows_next(struct tl_statsrows *r);

size_t tl_statsrows_nfields(const struct tl_statsrows *r);
/* Valid until the next tl_statsrows_next. */
const struct tl_str *tl_statsrows_fields(const struct tl_statsrows *r);
const char *tl_statsrows_file(const struct tl_statsrows *r);
long tl_statsrows_line(const struct tl_statsrows *r);

/* The parameters of the first block (valid until tl_statsrows_free):
 * their number, the i-th name and value (NUL-terminated; a NUL byte in
 * either is bad input) and line, and where the first block was read
 * (file, line of its head). */
size_t tl_statsrows_nparams(const struct tl_statsrows *r);
const char *tl_statsrows_param_name(const struct tl_statsrows *r, size_t i);
const char *tl_statsrows_param_value(const struct tl_statsrows *r, size_t i);
long tl_statsrows_param_line(const struct tl_statsrows *r, size_t i);
const char *tl_statsrows_first_file(const struct tl_statsrows *r);
long tl_statsrows_first_line(const struct tl_statsrows *r);

/* tl_statsrows_learners: the learners of the blocks read so far, known
 * when every block had the record (what a merge re-emits). */
struct tl_learner_set tl_statsrows_learners(const struct tl_statsrows *r);

/* tl_statsrows_count: field i of the current row as a count, a whole
 * number from 0 to 2^53 written in digits; else exits 65 "bad WHAT". */
long long tl_statsrows_count(const struct tl_statsrows *r, size_t i, const char *what);
/* tl_statsrows_number: field i as a finite decimal number (tl_num_parse). */
double tl_statsrows_number(const struct tl_statsrows *r, size_t i, const char *what);
/* tl_statsrows_text: field i as text, which must hold no NUL byte. */
struct tl_str tl_statsrows_text(const struct tl_statsrows *r, size_t i, const char *what);
/* tl_statsrows_die: "FILE:LINE: msg" of the current row, exit 65. */
_Noreturn void tl_statsrows_die(const struct tl_statsrows *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void tl_statsrows_free(struct tl_statsrows *r);   /* NULL: nothing */

/* ---- a merge that takes the options of its shards ---- */

/* The parameters a merge expects, from its own options: the first block's
 * must be these, in this order. */
struct tl_statsrows_want {
	const char *name, *value;
};

/* Canonical values (in buf, >= TL_STATSROWS_VALUE_MAX bytes): a duration
 * in seconds ("2592000s", "0.5s"); the as-of of a run, --as-of or
 * TL_AS_OF as a timestamp, else empty (each learner's own). */
#define TL_STATSROWS_VALUE_MAX 48
const char *tl_statsrows_duration(tl_time d, char *buf);
const char *tl_statsrows_as_of(const struct tl_common *c, char *buf);

/* tl_statsrows_params: the head, the parameters of want[0..n) and the
 * learner_ids record of l (none when NULL or not known). */
void tl_statsrows_params(FILE *f, const char *tool, int version, const struct tl_statsrows_want *want, size_t n,
			 const struct tl_learner_set *l);

/* tl_statsrows_merge: read the blocks of files[0..nfiles) (standard input
 * when none) of TOOL's format VERSION; the first block's parameters must
 * be want[0..n) (else exit 65, "FILE:LINE: NAME is 'X' in these
 * statistics, 'Y' in this merge: ..."), the others' the first's; call
 * row for each row; *learners (when not NULL) gets the blocks' learners
 * (tl_statsrows_learners). A reader a caught die leaves is freed by the
 * next call. */
void tl_statsrows_merge(const char *tool, int version, int nfiles, char **files, const struct tl_statsrows_want *want,
			size_t n, void (*row)(void *ctx, const struct tl_statsrows *r), void *ctx,
			struct tl_learner_set *learners);

/* tl_statsrows_kind: 1 when the current row's kind (its first field) is
 * kind, which then has exactly nfields fields (else exit 65). */
int tl_statsrows_kind(const struct tl_statsrows *r, const char *kind, size_t nfields);
/* tl_statsrows_xsum: field i, an exact sum as tl_xsum_print writes it,
 * added to *to; else exit 65 "bad WHAT". */
void tl_statsrows_xsum(const struct tl_statsrows *r, size_t i, const char *what, struct tl_xsum *to);

#endif
