/* split.h - tl-split: one input into N files by the shard of each
 * record's learner (tl(7) SHARDS), in one pass; each file holds the
 * header and the records of its shard's learners as they were read. */
#ifndef TL_SPLIT_H
#define TL_SPLIT_H

#include <stdint.h>

#include "util/opts.h"

/* The most files of tl-split -n. */
#define TL_SPLIT_MAX 1024

/* tl_split_check_pattern: exit 64 unless pattern (-o) is a prefix (no
 * '%') or holds one "%d" and no other '%'. */
void tl_split_check_pattern(const char *pattern);

/* tl_split: read the inputs (files, none: stdin) with c's options (--map,
 * --tsv, -d, --xapi-actor, --skip-bad, --rejects, --max-field, --stats)
 * and write the records of shard i of n to file i of pattern: "%d" there
 * replaced by i, else PATTERN-i.csv (.tsv with --tsv; .ndjson for JSON
 * input). Every file gets the CSV header; records are copied as read, in
 * input order, one a line (an xAPI statement that spans lines on one).
 * The files are written to temporaries and published together when the
 * run ends well (util/out.h), none when it fails. A record is read as far
 * as its learner_id; one whose learner cannot be read is bad input (exit
 * 65, or --skip-bad). */
void tl_split(const struct tl_common *c, uint64_t n, const char *pattern, int nfiles, char **files);

#endif
