/* chunk.h - the record reader's chunks, for run.c's parallel loop: one
 * file of event CSV read in byte ranges cut at learner boundaries, or
 * learner documents read in chunks of whole lines, each chunk by a chunk
 * reader on a worker thread, merged in input order into the main reader.
 * Private to record/: only its .c files include it.
 *
 * Threads: a reader (the main one or a chunk reader) is used by one
 * thread at a time, and distinct readers may run at once: a chunk reader
 * shares with its parent only the options (read, never written) and the
 * file descriptor (read with pread(2)), so the main thread may call
 * tl_reader_boundary, tl_reader_range and tl_reader_next on r while
 * workers read chunks. tl_reader_chunk_new and tl_reader_chunk_merge
 * read r and the chunk reader: call them when neither is in use
 * elsewhere (the chunk reader between chunks). */
#ifndef TL_CHUNK_H
#define TL_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct tl_reader;

/* tl_reader_chunkable: open the input and read its header; 1 when it is
 * one regular file of event CSV that chunk readers can share (not
 * --ungrouped, not TL_CSV_SLOW), with *data_off the offset of its first
 * unread line and *size the file's size. Call before tl_reader_next. */
int tl_reader_chunkable(struct tl_reader *r, uint64_t *data_off, uint64_t *size);

/* tl_reader_boundary: the first learner boundary at or after off (> 0):
 * the start of a line whose learner_id differs from the line's before.
 * size when there is none, or when a quote makes the lines ambiguous. */
uint64_t tl_reader_boundary(const struct tl_reader *r, uint64_t off, uint64_t size);

/* tl_reader_range: read the bytes [from, to) next, the first on line
 * lineno + 1 (to = TL_SOURCE_NO_END: to the end). tl_reader_next returns
 * NULL at the range's end. No learner may be pending. A line with a quote
 * extends the range to the end of the file (a quoted field may span a
 * boundary). */
void tl_reader_range(struct tl_reader *r, uint64_t from, uint64_t to, long lineno);

/* tl_reader_lineno: the line number of the last line read. */
long tl_reader_lineno(const struct tl_reader *r);

/* tl_reader_range_end: where the current range ends (TL_SOURCE_NO_END
 * once a quote extended it). */
uint64_t tl_reader_range_end(const struct tl_reader *r);

/* tl_reader_chunk_new: a chunk reader of r, for another thread: byte
 * ranges of r's file (tl_reader_chunk_start) or lines of documents in
 * memory (tl_reader_chunk_start_mem), with r's header and options and no
 * messages. A bad record or a quoted line fails its chunk (tl_reader_next
 * then returns NULL), which r must then read itself; learners are checked
 * for grouping at the merge. Free it with tl_reader_close. */
struct tl_reader *tl_reader_chunk_new(const struct tl_reader *r);

/* tl_reader_chunk_start: read the bytes [from, to) as a new chunk. */
void tl_reader_chunk_start(struct tl_reader *w, uint64_t from, uint64_t to);

/* tl_reader_chunk_failed: the chunk must be read again by its parent. */
int tl_reader_chunk_failed(const struct tl_reader *w);

/* Learner documents are read in chunks of whole lines from any input (a
 * pipe too): every line is one learner. */

/* tl_reader_streamable: open the input and detect its shape; 1 when it is
 * one input of learner documents (not --ungrouped). */
int tl_reader_streamable(struct tl_reader *r);

/* tl_reader_fd, tl_reader_name: the input's descriptor and name. */
int tl_reader_fd(const struct tl_reader *r);
const char *tl_reader_name(const struct tl_reader *r);

/* tl_reader_take_unread: the bytes the reader read ahead but did not use
 * (they come before whatever the descriptor gives next); *eof is 1 when
 * the descriptor has nothing more. */
size_t tl_reader_take_unread(struct tl_reader *r, const char **p, int *eof);

/* tl_reader_mem: read the whole lines p[0..n) next (TL_CSV_PAD readable
 * bytes after them), the first on line lineno + 1. */
void tl_reader_mem(struct tl_reader *r, const char *p, size_t n, long lineno);

/* tl_reader_chunk_start_mem: a chunk reader reads p[0..n) as a new chunk. */
void tl_reader_chunk_start_mem(struct tl_reader *w, const char *p, size_t n);

/* tl_reader_no_learner: after the last learner of a run that read none,
 * a learner with an empty id, no events, and the attributes of the last
 * CSV header read (each empty; none for JSON or empty input), so that
 * rows get the header they would have had (tl(7) "Learner rows"). Valid
 * until the next call of the reader. */
struct tl_learner *tl_reader_no_learner(struct tl_reader *r);

/* tl_reader_chunk_merge: account in r for the chunk w read: the grouping
 * check of its learners, the counts, the line numbers. Returns 0, or -1
 * with nothing changed when a learner of w was seen before (r then reads
 * the chunk itself and reports it). */
int tl_reader_chunk_merge(struct tl_reader *r, const struct tl_reader *w);

#endif
