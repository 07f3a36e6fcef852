/* redis.h - tl-export --redis: the Redis protocol (RESP) for redis-cli
 * --pipe, one hash per learner (PREFIX:learner:ID) and one for the cohort
 * (PREFIX:cohort). Every key, field and value is a bulk string with its
 * length, so any bytes round-trip. The commands are spooled to a
 * temporary file and written out only when the whole input was read, so a
 * run that fails writes nothing. */
#ifndef TL_EXPORT_REDIS_H
#define TL_EXPORT_REDIS_H

#include <stdio.h>

#include "export/export.h"
#include "util/tltime.h"

struct tl_xredis;

/* tl_xredis_open: prefix of the keys; ttl > 0: each key expires after it
 * (PEXPIRE, in milliseconds). The spool is an unlinked file in $TMPDIR
 * (else /tmp); exits 73 when it cannot be created. */
struct tl_xredis *tl_xredis_open(const char *prefix, tl_time ttl);

/* tl_xredis_row: HSET PREFIX:learner:ID with every column of x (learner_id
 * too; an empty value is an empty string), then PEXPIRE with a ttl. */
void tl_xredis_row(struct tl_xredis *r, const struct tl_xcols *x);

/* tl_xredis_finish: the cohort hash (as_of, algo_version, learners,
 * exported_at, tool_version, archetype:NAME counts) replaced in one
 * MULTI/EXEC, then the whole spool to out; frees r. A write error on the
 * spool exits 74 (out is checked by its committer). */
void tl_xredis_finish(struct tl_xredis *r, const struct tl_xsummary *sum, FILE *out);

#endif
