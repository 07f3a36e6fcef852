/* reader_shard.h - --shard in the record reader (reader_shard.c, tl(7)
 * SHARDS): another shard's learners recognised at their first row and
 * skipped, counted. Private to record/ (its reader files and split.c),
 * beside reader_impl.h, which holds the reader's struct skip. */
#ifndef TL_READER_SHARD_H
#define TL_READER_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "record/reader_impl.h"

/* rd_shard_other: learner id is of another shard. rd_shard_csv, _json:
 * the event record rec (CSV: its fields read; JSON: its line) is another
 * shard's: then rec->id and rec->ev.count (--count-field's, else 1) are
 * set, nothing else read. rd_shard_doc: the document line is (counted). */
int rd_shard_other(struct tl_reader *r, struct tl_str id);
int rd_shard_csv(struct tl_reader *r, struct record *rec);
int rd_shard_json(struct tl_reader *r, struct record *rec);
int rd_shard_doc(struct tl_reader *r, struct tl_str line);
/* rd_json_id: the learner_id of the JSON object raw (count: also the
 * --count-field member's value, or {NULL, 0}); whole: checked to its end
 * as one object. rd_json_id_text: a learner_id value as text (a string
 * decoded, a number as written). 0 when none reads. */
int rd_json_id(struct tl_reader *r, struct tl_str raw, int whole, struct tl_str *id, struct tl_str *count);
int rd_json_id_text(struct tl_reader *r, struct tl_str v, struct tl_str *id);
/* rd_skip_line: the CSV line p[0..n) is a row of the learner skipped
 * (then counted): plain (rd_line_id), its learner_id the one skipped,
 * nothing else read; never with --count-field (its count is read) nor
 * over --max-field (split, so a line too long is met as without
 * --shard): rd_fast_skip and rd_csv_record skip alike. */
int rd_skip_line(struct tl_reader *r, const char *p, size_t n);
/* rd_skipping: learner id's rows are skipped. rd_skip_start: skip learner
 * id from here. rd_skip_row: a skipped row of n records. rd_skip_learner:
 * a skipped learner row or document. rd_skip_unsorted: --ungrouped's
 * skipped record, counted; 1 when it starts a run of its learner's rows
 * (its id then goes into the sort). rd_skip_sorted: a skipped learner,
 * once the sort hands its id back (counted once, whatever its runs). */
int rd_skipping(const struct tl_reader *r, struct tl_str id);
void rd_skip_start(struct tl_reader *r, struct tl_str id);
void rd_skip_row(struct tl_reader *r, uint64_t n);
void rd_skip_learner(struct tl_reader *r, uint64_t records);
int rd_skip_unsorted(struct tl_reader *r, const struct record *rec);
void rd_skip_sorted(struct tl_reader *r);
void rd_skip_free(struct skip *s);

#endif
