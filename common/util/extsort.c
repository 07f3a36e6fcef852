/* extsort.c - the external stable sort of extsort.h. A run is sorted by
 * the 8 key bytes that follow the prefix all its keys share (a stable LSD
 * radix sort over the bits of them that vary), and records that tie there but
 * have longer keys by a stable merge sort of the whole key, so the
 * records of a key keep the order they were added; a spilled run is its
 * records one after another ([key length][length][key][bytes]) in the
 * one scratch file; the merge takes the least (key, run) from a heap, so
 * equal keys keep the runs' order, which is the order they were added in. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/extsort.h"
#include "util/out.h"

#define MIN_BUF 4096          /* a run's read buffer in a merge: at least */
#define MAX_BUF (1u << 20)    /* ... and at most */
#define OUT_BUF (1u << 16)    /* the write buffer of a spill or a pass */
#define HDR 8                 /* a spilled record's key length and length */
#define PREFETCH 8            /* records read ahead in sorted order */
#define DIGIT 11              /* radix bits a pass, at most */

/* A record of the run in memory: its key at buf[off..off+keyn), its
 * bytes after the key; pfx is what sort_run sorts it by. */
struct ent {
	uint64_t pfx;
	uint64_t off;
	uint32_t keyn, len;
};

/* A spilled run: its bytes in the scratch file. */
struct seg {
	uint64_t beg, end;
};

/* A spilled run being read: a window of its bytes in buf. */
struct cursor {
	uint64_t pos, end;    /* the run's bytes not yet read into buf */
	char *buf;
	size_t cap, beg, lim; /* buf[beg..lim) read, not yet used */
	const char *key, *rec; /* the current record */
	size_t keyn, len;
};

/* A merge of runs: the heap holds cursor indices, least (key, index) on top. */
struct merge {
	int fd;
	struct cursor *cur;
	size_t ncur, nheap, *heap;
	int given;            /* the top's record was handed out */
};

/* Buffered writes to a scratch file. */
struct wout {
	int fd;
	char *p;
	size_t n;
	uint64_t off;         /* the file's length */
	const char *what;
};

struct tl_xsort {
	size_t memory;
	const char *what;
	char *buf;            /* the run being filled */
	size_t n, cap;
	struct ent *ent, *tmp;
	size_t nent, entcap, tmpcap;
	size_t lcp, maxkey;   /* the run's keys: the prefix they share, the longest */
	FILE *f;              /* the spilled runs, in input order */
	struct wout out;
	struct seg *runs;
	size_t nruns, runcap, spills, passes;
	size_t memi;          /* nothing spilled: the next record of the run */
	struct merge m;
};

/* key_cmp: the order of keys: memcmp's, a key before the longer keys it
 * begins. */
static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = an && bn ? memcmp(a, b, an < bn ? an : bn) : 0;
	return c ? c : (an > bn) - (an < bn);
}

/* ---- writing --------------------------------------------------------- */

static _Noreturn void die_io(const char *what, const char *verb)
{
	tl_die(TL_EX_IOERR, "cannot %s the %s scratch file in %s:", verb, what, tl_scratch_dir());
}

/* write_all: p[0..n) at the end of w's file. */
static void write_all(struct wout *w, const char *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = write(w->fd, p + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			die_io(w->what, "write");
		}
		done += (size_t)k;
	}
	w->off += n;
}

static void wout_flush(struct wout *w)
{
	write_all(w, w->p, w->n);
	w->n = 0;
}

static void wout_put(struct wout *w, const void *p, size_t n)
{
	if (w->n + n > OUT_BUF)
		wout_flush(w);
	if (n > OUT_BUF) {    /* a record longer than the buffer: on its own */
		write_all(w, p, n);
		return;
	}
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void wout_record(struct wout *w, const void *key, size_t keyn, const void *p, size_t n)
{
	uint32_t hdr[2] = {(uint32_t)keyn, (uint32_t)n};
	wout_put(w, hdr, HDR);
	wout_put(w, key, keyn);
	wout_put(w, p, n);
}

/* wout_start: w writes at the end of a new scratch file (returned). */
static FILE *wout_start(struct wout *w, const char *what)
{
	FILE *f = tl_scratch_file(what);
	if (!w->p)
		w->p = tl_xmalloc(OUT_BUF);
	w->fd = fileno(f);
	w->n = 0;
	w->off = 0;
	w->what = what;
	return f;
}

/* ---- the run in memory ----------------------------------------------- */

/* prefix: the first k (at most 8) bytes of p, big-endian, 0-padded. */
static uint64_t prefix(const unsigned char *p, size_t k)
{
	uint64_t w = 0;
	if (k >= 8) {
		memcpy(&w, p, 8);
		return __builtin_bswap64(w);
	}
	for (size_t i = 0; i < 8; i++)
		w = w << 8 | (i < k ? p[i] : 0);
	return w;
}

/* set_prefixes: each record's pfx, of the key bytes after the shared
 * prefix: 8 of them; or, when no key has more than 7, those 7 and the
 * length, which then orders the keys exactly ("a" before "a\0"). Returns
 * the bits that vary among them: the radix sort skips the digits that do
 * not. */
static uint64_t set_prefixes(struct tl_xsort *s)
{
	uint64_t all = ~(uint64_t)0, any = 0;
	int exact = s->maxkey - s->lcp <= 7;
	for (size_t i = 0; i < s->nent; i++) {
		struct ent *e = &s->ent[i];
		size_t k = e->keyn - s->lcp;
		const unsigned char *p = (const unsigned char *)s->buf + e->off + s->lcp;
		e->pfx = exact ? prefix(p, k) | k : prefix(p, k);
		all &= e->pfx;
		any |= e->pfx;
	}
	return all ^ any;
}

static void swap_tmp(struct tl_xsort *s)
{
	struct ent *t = s->ent;
	s->ent = s->tmp, s->tmp = t;
	size_t c = s->entcap;
	s->entcap = s->tmpcap, s->tmpcap = c;
}

/* squeeze: each pfx becomes the bits of it that vary (vary), packed in
 * their order, which keeps the order of the records (the other bits are
 * the same in all). Returns how many bits vary. Ids of digits vary in 4
 * bits a byte: half the radix passes. */
static unsigned squeeze(struct tl_xsort *s, uint64_t vary)
{
	uint64_t tab[8][256];   /* of byte j of pfx with value v: its bits packed */
	unsigned nbits = 0, from = 8, to = 0;
	memset(tab, 0, sizeof tab);
	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(vary >> bit & 1))
			continue;
		for (unsigned v = 0; v < 256; v++)
			tab[bit / 8][v] |= (uint64_t)(v >> bit % 8 & 1) << nbits;
		from = from < bit / 8 ? from : bit / 8;
		to = bit / 8 + 1;
		nbits++;
	}
	for (size_t i = 0; i < s->nent; i++) {
		uint64_t p = s->ent[i].pfx, c = 0;
		for (unsigned j = from; j < to; j++)
			c |= tab[j][p >> 8 * j & 0xff];
		s->ent[i].pfx = c;
	}
	return nbits;
}

/* radix_pass: the run's index stably by the digit of pfx at shift, of
 * width bits. */
static void radix_pass(struct tl_xsort *s, unsigned shift, unsigned width)
{
	const uint64_t mask = (1u << width) - 1;
	size_t at[1u << DIGIT] = {0};
	for (size_t i = 0; i < s->nent; i++)
		at[s->ent[i].pfx >> shift & mask]++;
	size_t sum = 0;
	for (size_t d = 0; d <= mask; d++) {
		size_t c = at[d];
		at[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < s->nent; i++)
		s->tmp[at[s->ent[i].pfx >> shift & mask]++] = s->ent[i];
	swap_tmp(s);
}

static int ent_cmp(const struct tl_xsort *s, const struct ent *a, const struct ent *b)
{
	return key_cmp(s->buf + a->off, a->keyn, s->buf + b->off, b->keyn);
}

/* merge_sort: e[0..n) stably by whole keys (t: room for n). A run that is
 * in order already costs one comparison a record: the records of one
 * learner, which tie. */
static void merge_sort(const struct tl_xsort *s, struct ent *e, size_t n, struct ent *t)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	merge_sort(s, e, h, t);
	merge_sort(s, e + h, n - h, t);
	if (ent_cmp(s, &e[h - 1], &e[h]) <= 0)
		return;
	while (i < h && j < n)
		t[k++] = ent_cmp(s, &e[j], &e[i]) < 0 ? e[j++] : e[i++];
	while (i < h)
		t[k++] = e[i++];
	memcpy(e, t, k * sizeof *e);
}

/* sort_run: order the run's index by (key, order added): a stable LSD
 * radix sort on pfx, then, when a key is longer than pfx holds, each
 * group of records that tie on pfx by the rest of their keys. */
static void sort_run(struct tl_xsort *s)
{
	if (s->nent < 2)
		return;
	if (s->tmpcap < s->entcap) {
		free(s->tmp);
		s->tmp = tl_xmalloc(s->entcap * sizeof *s->tmp);
		s->tmpcap = s->entcap;
	}
	unsigned nbits = squeeze(s, set_prefixes(s));
	unsigned passes = (nbits + DIGIT - 1) / DIGIT, width = passes ? (nbits + passes - 1) / passes : 0;
	for (unsigned shift = 0; shift < nbits; shift += width)
		radix_pass(s, shift, width);
	if (s->maxkey - s->lcp <= 7)
		return;
	for (size_t i = 0, j; i < s->nent; i = j) {
		for (j = i + 1; j < s->nent && s->ent[j].pfx == s->ent[i].pfx; j++)
			;
		merge_sort(s, s->ent + i, j - i, s->tmp);
	}
}

/* spill: sort the run and append it to the scratch file. */
static void spill(struct tl_xsort *s)
{
	sort_run(s);
	if (!s->f)
		s->f = wout_start(&s->out, s->what);
	if (s->nruns == s->runcap) {
		s->runcap = s->runcap ? s->runcap * 2 : 16;
		s->runs = tl_xrealloc(s->runs, s->runcap * sizeof *s->runs);
	}
	uint64_t beg = s->out.off + s->out.n;
	for (size_t i = 0; i < s->nent; i++) {
		const struct ent *e = &s->ent[i];
		if (i + PREFETCH < s->nent)
			__builtin_prefetch(s->buf + s->ent[i + PREFETCH].off);
		wout_record(&s->out, s->buf + e->off, e->keyn, s->buf + e->off + e->keyn, e->len);
	}
	wout_flush(&s->out);
	s->runs[s->nruns++] = (struct seg){beg, s->out.off};
	s->spills++;
	s->n = s->nent = 0;
}

static size_t grown(size_t cap, size_t need, size_t first, size_t most)
{
	size_t c = cap ? cap * 2 : first;
	c = c > most ? most : c;
	return c < need ? need : c;
}

/* shared: how many of the first most bytes of a and b are the same. */
static size_t shared(const char *a, const char *b, size_t most)
{
	size_t i = 0;
	while (i < most && a[i] == b[i])
		i++;
	return i;
}

void *tl_xsort_add(struct tl_xsort *s, const void *key, size_t keyn, size_t n)
{
	size_t budget = s->memory;
	if (keyn >= UINT32_MAX || n >= UINT32_MAX)
		tl_die(TL_EX_SOFTWARE, "%s: a record of %zu bytes", s->what, keyn + n);
	if (s->nent && s->n + keyn + n + (s->nent + 1) * 2 * sizeof(struct ent) > budget)
		spill(s);
	if (s->n + keyn + n > s->cap) {
		s->cap = grown(s->cap, s->n + keyn + n, 1u << 16, budget);
		s->buf = tl_xrealloc(s->buf, s->cap);
	}
	if (s->nent == s->entcap) {
		s->entcap = grown(s->entcap, s->nent + 1, 1024, budget / (2 * sizeof(struct ent)));
		s->ent = tl_xrealloc(s->ent, s->entcap * sizeof *s->ent);
	}
	if (keyn)
		memcpy(s->buf + s->n, key, keyn);
	if (!s->nent)
		s->lcp = s->maxkey = keyn;
	s->lcp = shared(s->buf, s->buf + s->n, s->lcp < keyn ? s->lcp : keyn);   /* the first key is at 0 */
	s->maxkey = keyn > s->maxkey ? keyn : s->maxkey;
	s->ent[s->nent++] = (struct ent){0, s->n, (uint32_t)keyn, (uint32_t)n};
	void *p = s->buf + s->n + keyn;
	s->n += keyn + n;
	return p;
}

/* ---- reading runs back ----------------------------------------------- */

/* fill: c's buffer holds at least need bytes; 0 when the run is used up
 * (an incomplete record there is an I/O error). */
static int fill(int fd, struct cursor *c, size_t need, const char *what)
{
	if (c->lim - c->beg >= need)
		return 1;
	if (c->lim == c->beg && c->pos == c->end)
		return 0;
	memmove(c->buf, c->buf + c->beg, c->lim - c->beg);
	c->lim -= c->beg;
	c->beg = 0;
	if (need > c->cap) {
		c->cap = need;
		c->buf = tl_xrealloc(c->buf, c->cap);
	}
	while (c->lim < need) {
		size_t want = c->cap - c->lim;
		if (want > c->end - c->pos)
			want = (size_t)(c->end - c->pos);
		ssize_t k = want ? pread(fd, c->buf + c->lim, want, (off_t)c->pos) : 0;
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;   /* the run is shorter than written */
			die_io(what, "read");
		}
		c->lim += (size_t)k;
		c->pos += (uint64_t)k;
	}
	return 1;
}

/* advance: c's next record; 0 at the end of its run. */
static int advance(int fd, struct cursor *c, const char *what)
{
	uint32_t hdr[2];
	if (!fill(fd, c, HDR, what))
		return 0;
	memcpy(hdr, c->buf + c->beg, HDR);
	size_t need = HDR + (size_t)hdr[0] + hdr[1];
	if (!fill(fd, c, need, what)) {
		errno = EIO;
		die_io(what, "read");
	}
	c->keyn = hdr[0];
	c->len = hdr[1];
	c->key = c->buf + c->beg + HDR;
	c->rec = c->key + c->keyn;
	c->beg += need;
	return 1;
}

static int before(const struct merge *m, size_t a, size_t b)
{
	const struct cursor *x = &m->cur[a], *y = &m->cur[b];
	int c = key_cmp(x->key, x->keyn, y->key, y->keyn);
	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, least = i;
		if (l < m->nheap && before(m, m->heap[l], m->heap[least]))
			least = l;
		if (l + 1 < m->nheap && before(m, m->heap[l + 1], m->heap[least]))
			least = l + 1;
		if (least == i)
			return;
		size_t t = m->heap[i];
		m->heap[i] = m->heap[least], m->heap[least] = t;
		i = least;
	}
}

/* merge_open: m reads runs[0..k) of fd with a buffer of bufsize each. */
static void merge_open(struct merge *m, int fd, const struct seg *runs, size_t k, size_t bufsize,
		       const char *what)
{
	*m = (struct merge){fd, tl_xcalloc(k, sizeof *m->cur), k, 0, tl_xmalloc(k * sizeof *m->heap), 0};
	for (size_t i = 0; i < k; i++) {
		struct cursor *c = &m->cur[i];
		*c = (struct cursor){.pos = runs[i].beg, .end = runs[i].end, .buf = tl_xmalloc(bufsize), .cap = bufsize};
		if (advance(fd, c, what))
			m->heap[m->nheap++] = i;
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		sift_down(m, i);
}

/* merge_next: the least record of m's runs (tl_xsort_next). The top's
 * record stays valid until this is called again, so it advances then
 * (and sinks below the runs whose next record is less, or ties and comes
 * from a later run). */
static int merge_next(struct merge *m, const void **key, size_t *keyn, const void **p, size_t *n,
		      const char *what)
{
	if (m->given && m->nheap) {
		if (!advance(m->fd, &m->cur[m->heap[0]], what))
			m->heap[0] = m->heap[--m->nheap];
		sift_down(m, 0);
	}
	m->given = 0;
	if (!m->nheap)
		return 0;
	const struct cursor *c = &m->cur[m->heap[0]];
	*key = c->key, *keyn = c->keyn, *p = c->rec, *n = c->len;
	m->given = 1;
	return 1;
}

static void merge_close(struct merge *m)
{
	for (size_t i = 0; m->cur && i < m->ncur; i++)
		free(m->cur[i].buf);
	free(m->cur);
	free(m->heap);
	*m = (struct merge){0};
}

static size_t read_buffer(size_t budget, size_t k)
{
	size_t b = budget / (k ? k : 1);
	return b < MIN_BUF ? MIN_BUF : b > MAX_BUF ? MAX_BUF : b;
}

/* merge_pass: merge each fanin runs into one, in a new scratch file. */
static void merge_pass(struct tl_xsort *s, size_t fanin)
{
	struct wout w = {.p = s->out.p};
	FILE *g = wout_start(&w, s->what);
	size_t nout = 0;
	for (size_t i = 0; i < s->nruns; i += fanin) {
		size_t k = s->nruns - i < fanin ? s->nruns - i : fanin;
		struct merge m;
		merge_open(&m, fileno(s->f), s->runs + i, k, read_buffer(s->memory, k), s->what);
		uint64_t beg = w.off + w.n;
		const void *key, *p;
		size_t keyn, n;
		while (merge_next(&m, &key, &keyn, &p, &n, s->what))
			wout_record(&w, key, keyn, p, n);
		wout_flush(&w);
		merge_close(&m);
		s->runs[nout++] = (struct seg){beg, w.off};   /* i >= nout: read already */
	}
	fclose(s->f);
	s->f = g;
	s->out = w;
	s->nruns = nout;
	s->passes++;
}

/* ---- the API --------------------------------------------------------- */

struct tl_xsort *tl_xsort_new(size_t memory, const char *what)
{
	struct tl_xsort *s = tl_xcalloc(1, sizeof *s);
	s->memory = memory;
	s->what = what;
	return s;
}

void tl_xsort_done(struct tl_xsort *s)
{
	if (!s->nruns) {
		sort_run(s);
		return;
	}
	if (s->nent)
		spill(s);
	free(s->buf), free(s->ent), free(s->tmp);
	s->buf = NULL, s->ent = s->tmp = NULL;
	s->cap = s->entcap = s->tmpcap = 0;
	size_t budget = s->memory, fanin = budget / MIN_BUF < 2 ? 2 : budget / MIN_BUF;
	while (s->nruns > fanin)
		merge_pass(s, fanin);
	merge_open(&s->m, fileno(s->f), s->runs, s->nruns, read_buffer(budget, s->nruns), s->what);
}

int tl_xsort_next(struct tl_xsort *s, const void **key, size_t *keyn, const void **p, size_t *n)
{
	if (s->nruns)
		return merge_next(&s->m, key, keyn, p, n, s->what);
	if (s->memi == s->nent)
		return 0;
	const struct ent *e = &s->ent[s->memi++];
	if (s->memi + PREFETCH < s->nent)   /* the records are in input order, scattered */
		__builtin_prefetch(s->buf + e[PREFETCH].off);
	*key = s->buf + e->off, *keyn = e->keyn, *p = s->buf + e->off + e->keyn, *n = e->len;
	return 1;
}

size_t tl_xsort_spills(const struct tl_xsort *s) { return s->spills; }
size_t tl_xsort_passes(const struct tl_xsort *s) { return s->passes; }

void tl_xsort_free(struct tl_xsort *s)
{
	if (!s)
		return;
	merge_close(&s->m);
	if (s->f)
		fclose(s->f);
	free(s->out.p);
	free(s->buf);
	free(s->ent);
	free(s->tmp);
	free(s->runs);
	free(s);
}
