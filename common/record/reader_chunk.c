/* reader_chunk.c - the reader's side of run.c's parallel loop (record/chunk.h):
 * one file of event CSV cut at learner boundaries into byte ranges, or
 * learner documents in chunks of whole lines, read by chunk readers on
 * worker threads and merged, in order, into the main reader. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "record/chunk.h"
#include "record/reader_impl.h"

/* rd_chunk_learner: a chunk reader notes a new learner for the merge. */
long rd_chunk_learner(struct tl_reader *r, struct tl_str id)
{
	if (r->nfps == r->fpcap) {
		r->fpcap = r->fpcap ? 2 * r->fpcap : 1024;
		r->fps = tl_xrealloc(r->fps, r->fpcap * sizeof *r->fps);
	}
	r->fps[r->nfps++] = (struct chunk_learner){seen_fp(id), r->rec_line};
	return 0;
}

int tl_reader_chunkable(struct tl_reader *r, uint64_t *data_off, uint64_t *size)
{
	struct stat st;
	if (r->nfiles != 1 || r->opt->ungrouped || r->ustore || r->pending || r->counts.records_read)
		return 0;
	if (!r->src.f && !rd_open_and_detect(r))
		return 0;
	/* compressed bytes cannot be cut into ranges (tl(7) "Compressed input") */
	if (tl_source_compressed(&r->src) || r->shape != TL_SHAPE_EVENT_CSV || r->ncols == 0 || r->ncols > FAST_MAX_COLS || !tl_csv_plain_ok(r->csv) ||
	    fstat(r->src.fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	off_t at = lseek(r->src.fd, 0, SEEK_CUR);   /* stdin may not start at 0 */
	if (at < 0)
		return 0;
	*data_off = (uint64_t)at - (r->src.end - r->src.beg);
	*size = (uint64_t)st.st_size;
	return *data_off <= *size;
}

int rd_line_id(const struct tl_reader *r, const char *p, size_t n, struct tl_str *id)
{
	const char d = r->opt->delim;
	if (!r->opt->tsv && memchr(p, '"', n))
		return 0;
	if (n && p[n - 1] == '\r')
		n--;
	const char *end = p + n;
	for (int k = 0; k < r->col[COL_ID] && p <= end; k++) {
		const char *c = memchr(p, d, (size_t)(end - p));
		p = c ? c + 1 : end + 1;
	}
	if (p > end) {
		*id = (struct tl_str){"", 0};
		return 1;
	}
	const char *c = memchr(p, d, (size_t)(end - p));
	*id = (struct tl_str){p, (size_t)((c ? c : end) - p)};
	return 1;
}

uint64_t tl_reader_boundary(const struct tl_reader *r, uint64_t off, uint64_t size)
{
	struct tl_source s = {0};
	const char *p;
	size_t n;
	char *prev = tl_xmalloc(r->opt->max_field + 1);
	size_t nprev = SIZE_MAX;
	uint64_t at = size;
	tl_source_share(&s, &r->src);
	s.read_size = 1 << 14;
	tl_source_range(&s, off - 1, size, 0);   /* off > 0: skip to a line start */
	if (!tl_source_line(&s, &p, &n))
		goto done;
	for (;;) {
		uint64_t start = tl_source_offset(&s);
		struct tl_str id;
		if (!tl_source_line(&s, &p, &n) || !rd_line_id(r, p, n, &id) || id.n > r->opt->max_field)
			break;
		if (blank(p, n))
			continue;
		if (nprev != SIZE_MAX && (id.n != nprev || memcmp(id.p, prev, id.n) != 0)) {
			at = start;
			break;
		}
		memcpy(prev, id.p, id.n);
		nprev = id.n;
	}
done:
	tl_source_free(&s);
	free(prev);
	return at;
}

void tl_reader_range(struct tl_reader *r, uint64_t from, uint64_t to, long lineno)
{
	tl_source_range(&r->src, from, to, lineno);
	r->quoted_seen = tl_csv_quoted(r->csv);
	r->skip.on = 0;   /* a range starts a learner */
}

long tl_reader_lineno(const struct tl_reader *r) { return r->src.lineno; }
uint64_t tl_reader_range_end(const struct tl_reader *r) { return r->src.range_end; }

struct tl_reader *tl_reader_chunk_new(const struct tl_reader *r)
{
	struct tl_reader *w = tl_xcalloc(1, sizeof *w);
	w->opt = r->opt;
	w->flags = r->flags;
	w->chunk = 1;
	w->shape = r->shape;
	w->ncols = r->ncols;
	memcpy(w->col, r->col, sizeof w->col);
	w->col_count = r->col_count;
	w->col_as_of = r->col_as_of;
	size_t total = 0;
	for (size_t i = 0; i < r->ncols; i++)
		total += r->colnames[i].n + 1;
	w->colnames = tl_xmalloc(r->ncols * sizeof *w->colnames);
	w->colbuf = tl_xmalloc(total + 1);
	if (total)   /* documents have no header */
		memcpy(w->colbuf, r->colbuf, total);
	for (size_t i = 0; i < r->ncols; i++)
		w->colnames[i] = (struct tl_str){w->colbuf + (r->colnames[i].p - r->colbuf), r->colnames[i].n};
	for (int i = 0; i < 2; i++)
		w->b[i].doms.gen = w->b[i].caps.gen = 1;
	tl_source_share(&w->src, &r->src);
	w->src.read_size = 1 << 18;
	if (r->varied) {
		w->varied = tl_xcalloc(1, sizeof *w->varied);
		rd_varied_header(w);
	}
	return w;
}

void tl_reader_chunk_start(struct tl_reader *w, uint64_t from, uint64_t to)
{
	tl_csv_free(w->csv);   /* a failed chunk may have left a record open */
	w->csv = rd_csv_new(w->opt);
	tl_reader_range(w, from, to, 0);
	w->failed = 0;
	w->pending = 0;
	w->nfps = 0;
	memset(&w->counts, 0, sizeof w->counts);
}

int tl_reader_chunk_failed(const struct tl_reader *w) { return w->failed; }

int tl_reader_streamable(struct tl_reader *r)
{
	if (r->nfiles != 1 || r->opt->ungrouped || r->ustore || r->pending || r->counts.records_read)
		return 0;
	if (!r->src.f && !rd_open_and_detect(r))
		return 0;
	return r->shape == TL_SHAPE_DOC && !tl_source_compressed(&r->src);   /* the workers read(2) the fd */
}

int tl_reader_fd(const struct tl_reader *r) { return r->src.fd; }
const char *tl_reader_name(const struct tl_reader *r) { return r->src.name; }

size_t tl_reader_take_unread(struct tl_reader *r, const char **p, int *eof)
{
	*eof = r->src.eof;
	return tl_source_take(&r->src, p);
}

void tl_reader_mem(struct tl_reader *r, const char *p, size_t n, long lineno)
{
	tl_source_mem(&r->src, p, n, lineno);
}

void tl_reader_chunk_start_mem(struct tl_reader *w, const char *p, size_t n)
{
	tl_reader_chunk_start(w, 0, 0);
	tl_source_mem(&w->src, p, n, 0);
}

int tl_reader_chunk_merge(struct tl_reader *r, const struct tl_reader *w)
{
	size_t *slots = tl_xmalloc((w->nfps + 1) * sizeof *slots);
	long base = r->src.lineno;
	for (size_t i = 0; i < w->nfps; i++)
		if (rd_seen_add(&r->seen, w->fps[i].fp, base + w->fps[i].line, &slots[i])) {
			while (i-- > 0)   /* undo, newest first: the table is as before */
				if (slots[i] != SIZE_MAX) {
					r->seen.slot[slots[i]].fp = 0;
					r->seen.n--;
				}
			free(slots);
			return -1;
		}
	free(slots);
	rd_varied_merge(r, w);
	r->counts.records_read += w->counts.records_read;
	r->counts.learners_read += w->counts.learners_read;
	r->counts.rows_counted += w->counts.rows_counted;
	r->counts.rows_zero += w->counts.rows_zero;
	r->counts.learners_skipped += w->counts.learners_skipped;
	r->counts.records_skipped += w->counts.records_skipped;
	r->counts.rows_skipped += w->counts.rows_skipped;
	r->src.lineno += w->src.lineno;
	return 0;
}

struct tl_learner *tl_reader_no_learner(struct tl_reader *r)
{
	static const struct tl_str none = {"", 0};
	struct build *b = &r->b[r->cur];
	rd_build_start(b, none, NULL, 0, r->shape);
	for (size_t i = 0; i < r->ncols && is_csv_shape(r->shape); i++) {
		int canon = (int)i == r->col[COL_ID];   /* learner rows: every other column */
		for (int k = 0; k < NCANON && r->shape == TL_SHAPE_EVENT_CSV; k++)
			canon |= r->col[k] == (int)i;
		if (!canon)
			rd_build_attr(b, r->colnames[i], none, 0);
	}
	return rd_build_finish(b, r->shape != TL_SHAPE_ROW_CSV);
}
