/* affinity.c - §6.2: domain entropy, concentration, top domain, specialist
 * flag, cross-domain transfer; the cohort pair table; a name table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/affinity.h"
#include "io/csvrow.h"
#include "util/err.h"

/* Scratch reused across learners (§6.2 notation): n_d, u_d, a_d per domain
 * index of the learner, and a "used before" flag per capability index. */
static _Thread_local struct {
	uint64_t *n, *u, *a;
	size_t dcap;
	unsigned char *seen;
	size_t ccap;
	const struct tl_learner *last;   /* the learner the scratch describes */
} S;   /* per thread: run.c may use two */

static void reserve(size_t ndom, size_t ncap)
{
	if (ndom > S.dcap) {
		S.dcap = ndom * 2;
		S.n = tl_xrealloc(S.n, S.dcap * sizeof *S.n);
		S.u = tl_xrealloc(S.u, S.dcap * sizeof *S.u);
		S.a = tl_xrealloc(S.a, S.dcap * sizeof *S.a);
	}
	if (ncap > S.ccap) {
		S.ccap = ncap * 2;
		S.seen = tl_xrealloc(S.seen, S.ccap);
	}
	if (ndom) {
		memset(S.n, 0, ndom * sizeof *S.n);
		memset(S.u, 0, ndom * sizeof *S.u);
		memset(S.a, 0, ndom * sizeof *S.a);
	}
	if (ncap)
		memset(S.seen, 0, ncap);
}

/* Byte-order comparison of two names. */
static int name_cmp(struct tl_str x, struct tl_str y)
{
	int c = memcmp(x.p, y.p, x.n < y.n ? x.n : y.n);
	return c ? c : (x.n > y.n) - (x.n < y.n);
}

/* Count n_d, u_d and a_d (§6.2, §6.5): every event with a domain counts in
 * n_d; uses with a domain count in u_d, and in a_d when they are the
 * capability's first use (its adoption, wherever that happened). */
static void count(const struct tl_learner *l, size_t npast)
{
	reserve(l->ndomains, l->ncaps);
	for (size_t i = 0; i < npast; i++) {
		const struct tl_event *e = &l->ev[i];
		unsigned first = 0;
		if (e->use && !S.seen[e->cap]) {
			S.seen[e->cap] = 1;
			first = 1;
		}
		if (e->dom < 0)
			continue;
		S.n[e->dom]++;
		if (e->use) {
			S.u[e->dom]++;
			S.a[e->dom] += first;
		}
	}
	S.last = l;
}

/* transfer_pair: the largest u_A·a_B with A != B; ties go to the smallest
 * (A, B) by name; none when the largest product is 0 (§6.5). */
static void best_pair(const struct tl_learner *l, struct tl_affinity *out)
{
	double best = 0;
	out->pair_a = out->pair_b = -1;
	for (size_t A = 0; A < l->ndomains; A++) {
		if (!S.u[A])
			continue;
		for (size_t B = 0; B < l->ndomains; B++) {
			if (B == A || !S.a[B])
				continue;
			double x = (double)S.u[A] * (double)S.a[B];
			if (x < best)
				continue;
			if (x == best) {
				int c = name_cmp(l->domains[A], l->domains[out->pair_a]);
				if (c > 0 || (c == 0 && name_cmp(l->domains[B], l->domains[out->pair_b]) > 0))
					continue;
			}
			best = x;
			out->pair_a = (int32_t)A;
			out->pair_b = (int32_t)B;
		}
	}
}

void tl_affinity_compute(const struct tl_learner *l, size_t npast,
			 const struct tl_affinity_params *prm, struct tl_affinity *out)
{
	*out = (struct tl_affinity){0, NAN, NAN, -1, NAN, -1, NAN, -1, -1};
	count(l, npast);
	uint64_t N = 0, best = 0;
	double sum_nlogn = 0, U = 0, Aa = 0, diag = 0;
	for (size_t d = 0; d < l->ndomains; d++) {
		uint64_t n = S.n[d];
		if (!n)
			continue;
		out->domains++;
		N += n;
		sum_nlogn += (double)n * log2((double)n);
		if (n > best || (n == best && name_cmp(l->domains[d], l->domains[out->top]) < 0)) {
			best = n;
			out->top = (int32_t)d;
		}
		U += (double)S.u[d];
		Aa += (double)S.a[d];
		diag += (double)S.u[d] * (double)S.a[d];
	}
	if (out->domains > 0) {
		/* H = -Σ p_d log2 p_d = log2 N - Σ n_d log2 n_d / N */
		double H = log2((double)N) - sum_nlogn / (double)N;
		out->entropy = H > 0 ? H : 0;
		double c = 1 - out->entropy / log2((double)prm->domains);
		out->concentration = out->domains > prm->domains ? 0 : c < 0 ? 0 : c > 1 ? 1 : c;
		out->top_share = (double)best / (double)N;
		out->specialist = out->entropy < prm->max_entropy && out->top_share > prm->min_top_share;
	}
	if (U > 0 && Aa > 0)   /* Σ_{A≠B} u_A a_B = U·Aa - Σ_A u_A a_A */
		out->transfer = (U * Aa - diag) / (U * Aa);
	best_pair(l, out);
}

/* ---- name table ----------------------------------------------------- */

static uint64_t hash_name(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static long probe(const struct tl_names *t, const char *s, size_t n, uint64_t h, size_t *slot)
{
	size_t j = h & t->mask;
	for (; t->slots[j]; j = (j + 1) & t->mask) {
		size_t i = t->slots[j] - 1;
		if (t->hashes[i] == h && t->names[i].n == n && memcmp(t->names[i].p, s, n) == 0)
			return (long)i;
	}
	*slot = j;
	return -1;
}

long tl_names_find(const struct tl_names *t, const char *s, size_t n)
{
	size_t slot;
	return t->slots ? probe(t, s, n, hash_name(s, n), &slot) : -1;
}

static void names_grow(struct tl_names *t)
{
	size_t size = t->slots ? (t->mask + 1) * 2 : 64;
	free(t->slots);
	t->slots = tl_xcalloc(size, sizeof *t->slots);
	t->mask = size - 1;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = t->hashes[i] & t->mask;
		while (t->slots[j])
			j = (j + 1) & t->mask;
		t->slots[j] = (uint32_t)(i + 1);
	}
}

size_t tl_names_add(struct tl_names *t, const char *s, size_t n, int *added)
{
	if (!t->slots || (t->n + 1) * 2 > t->mask + 1)
		names_grow(t);
	uint64_t h = hash_name(s, n);
	size_t slot;
	long i = probe(t, s, n, h, &slot);
	if (added)
		*added = i < 0;
	if (i >= 0)
		return (size_t)i;
	if (t->n == UINT32_MAX - 1)
		tl_die(TL_EX_SOFTWARE, "too many distinct names");
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->names = tl_xrealloc(t->names, t->cap * sizeof *t->names);
		t->hashes = tl_xrealloc(t->hashes, t->cap * sizeof *t->hashes);
	}
	t->names[t->n] = (struct tl_str){tl_arena_dup(&t->arena, s, n), n};
	t->hashes[t->n] = h;
	t->slots[slot] = (uint32_t)(t->n + 1);
	return t->n++;
}

void tl_names_free(struct tl_names *t)
{
	tl_arena_free(&t->arena);
	free(t->names);
	free(t->hashes);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* ---- cohort transfer pairs ------------------------------------------ */

struct pair {
	uint64_t key;         /* (global A + 1) << 32 | (global B + 1); 0 = empty */
	uint64_t learners;
	double sum;           /* Σ u_A·a_B over learners */
};

struct tl_pairs {
	struct tl_names doms;       /* global domain names */
	struct pair *slots;
	size_t mask, n;
	size_t *gid;                /* scratch: learner domain -> global index */
	size_t gcap;
	double total;
};

struct tl_pairs *tl_pairs_new(void) { return tl_xcalloc(1, sizeof(struct tl_pairs)); }

static void pairs_grow(struct tl_pairs *p)
{
	size_t size = p->slots ? (p->mask + 1) * 2 : 256, old = p->slots ? p->mask + 1 : 0;
	struct pair *o = p->slots;
	p->slots = tl_xcalloc(size, sizeof *p->slots);
	p->mask = size - 1;
	for (size_t i = 0; i < old; i++)
		if (o[i].key) {
			size_t j = (o[i].key * 0x9E3779B97F4A7C15ULL >> 20) & p->mask;
			while (p->slots[j].key)
				j = (j + 1) & p->mask;
			p->slots[j] = o[i];
		}
	free(o);
}

static void pairs_bump(struct tl_pairs *p, uint64_t key, double x)
{
	if (!p->slots || (p->n + 1) * 2 > p->mask + 1)
		pairs_grow(p);
	size_t j = (key * 0x9E3779B97F4A7C15ULL >> 20) & p->mask;
	while (p->slots[j].key && p->slots[j].key != key)
		j = (j + 1) & p->mask;
	if (!p->slots[j].key) {
		p->slots[j].key = key;
		p->n++;
	}
	p->slots[j].learners++;
	p->slots[j].sum += x;
	p->total += x;
}

void tl_pairs_add(struct tl_pairs *p, const struct tl_learner *l)
{
	if (S.last != l)
		tl_die(TL_EX_SOFTWARE, "internal error: tl_pairs_add without tl_affinity_compute");
	if (l->ndomains > p->gcap) {
		p->gcap = l->ndomains * 2;
		p->gid = tl_xrealloc(p->gid, p->gcap * sizeof *p->gid);
	}
	for (size_t d = 0; d < l->ndomains; d++)
		if (S.u[d] || S.a[d])
			p->gid[d] = tl_names_add(&p->doms, l->domains[d].p, l->domains[d].n, NULL);
	for (size_t A = 0; A < l->ndomains; A++) {
		if (!S.u[A])
			continue;
		for (size_t B = 0; B < l->ndomains; B++)
			if (B != A && S.a[B])
				pairs_bump(p, (uint64_t)(p->gid[A] + 1) << 32 | (p->gid[B] + 1),
					   (double)S.u[A] * (double)S.a[B]);
	}
}

static _Thread_local const struct tl_names *sort_names;   /* for the qsort comparison */

static int pair_order(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	if (a->sum != b->sum)
		return a->sum > b->sum ? -1 : 1;
	const struct tl_str *nm = sort_names->names;
	int c = name_cmp(nm[(a->key >> 32) - 1], nm[(b->key >> 32) - 1]);
	return c ? c : name_cmp(nm[(a->key & 0xffffffffu) - 1], nm[(b->key & 0xffffffffu) - 1]);
}

void tl_pairs_write(const struct tl_pairs *p, FILE *f)
{
	struct pair *v = tl_xmalloc((p->n + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; p->slots && i <= p->mask; i++)
		if (p->slots[i].key)
			v[k++] = p->slots[i];
	sort_names = &p->doms;
	qsort(v, k, sizeof *v, pair_order);
	fputs("pair,learners,sum_products,share\n", f);
	char *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < k; i++) {
		struct tl_str A = p->doms.names[(v[i].key >> 32) - 1];
		struct tl_str B = p->doms.names[(v[i].key & 0xffffffffu) - 1];
		if (A.n + B.n + 1 > cap) {
			cap = (A.n + B.n + 1) * 2;
			buf = tl_xrealloc(buf, cap);
		}
		memcpy(buf, A.p, A.n);
		buf[A.n] = '>';
		memcpy(buf + A.n + 1, B.p, B.n);
		tl_csv_put_field(f, buf, A.n + B.n + 1);
		fprintf(f, ",%llu,%.17g,%.17g\n", (unsigned long long)v[i].learners, v[i].sum,
			v[i].sum / p->total);
	}
	free(buf);
	free(v);
}

void tl_pairs_free(struct tl_pairs *p)
{
	if (!p)
		return;
	tl_names_free(&p->doms);
	free(p->slots);
	free(p->gid);
	free(p);
}
