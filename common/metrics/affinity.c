/* affinity.c - §6.2: domain entropy, concentration, top domain, specialist
 * flag, cross-domain transfer; the cohort pair table; a name table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/affinity.h"
#include "io/csvrow.h"
#include "io/statsrows.h"
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

/* A best value of a_B over domains and the runner-up (§6.2): the largest
 * a_B, how many domains hold it, and the largest a_B below it, so that
 * the largest a_B over B != A is known for each A in O(1). */
struct amax { uint64_t top, second; size_t ntop; int32_t only; };

static struct amax a_max(const struct tl_learner *l)
{
	struct amax m = {0, 0, 0, -1};
	for (size_t d = 0; d < l->ndomains; d++) {
		uint64_t a = S.a[d];
		if (a > m.top) {
			m.second = m.top;
			m.top = a, m.ntop = 1, m.only = (int32_t)d;
		} else if (a == m.top && a) {
			m.ntop++;
		} else if (a > m.second) {
			m.second = a;
		}
	}
	return m;
}

/* a_other: the largest a_B over B != A. */
static uint64_t a_other(const struct amax *m, size_t A)
{
	return m->ntop == 1 && (size_t)m->only == A ? m->second : m->top;
}

/* transfer_pair: the largest u_A·a_B with A != B; ties go to the smallest
 * (A, B) by name; none when no product is positive (§6.5). In O(D): a
 * pair (A, B) is the largest only when a_B is the largest a over B != A,
 * so the largest product is max_A u_A·a_other(A), its A the smallest name
 * reaching it, and its B the smallest name of B != A with that a_B. */
static void best_pair(const struct tl_learner *l, struct tl_affinity *out)
{
	struct amax m = a_max(l);
	double best = 0;
	int32_t A = -1, B = -1;
	out->pair_a = out->pair_b = -1;
	for (size_t d = 0; d < l->ndomains; d++) {
		double x = (double)S.u[d] * (double)a_other(&m, d);
		if (!S.u[d] || x <= 0 || x < best)
			continue;
		if (x > best || name_cmp(l->domains[d], l->domains[A]) < 0)
			A = (int32_t)d;
		best = x;
	}
	if (A < 0)
		return;
	uint64_t want = a_other(&m, (size_t)A);
	for (size_t d = 0; d < l->ndomains; d++)
		if ((int32_t)d != A && S.a[d] == want && (B < 0 || name_cmp(l->domains[d], l->domains[B]) < 0))
			B = (int32_t)d;
	out->pair_a = A;
	out->pair_b = B;
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
	uint32_t *loc;              /* scratch: global index -> learner domain + 1 */
	size_t lcap;
	double total;
	/* the pairs not in the table (first seen when it was full) */
	uint64_t left_pairs, left_learners;
	double left_sum;
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

/* pairs_find: the slot of key, or the empty slot where it would go. */
static size_t pairs_find(const struct tl_pairs *p, uint64_t key)
{
	size_t j = (key * 0x9E3779B97F4A7C15ULL >> 20) & p->mask;
	while (p->slots[j].key && p->slots[j].key != key)
		j = (j + 1) & p->mask;
	return j;
}

/* pairs_bump: add x to the pair key; a new pair enters while the table
 * has room (TL_PAIRS_MAX), else it is left out. 1 when it was counted in
 * the table. */
static int pairs_bump(struct tl_pairs *p, uint64_t key, double x, int add)
{
	if (!p->slots || ((p->n + 1) * 2 > p->mask + 1 && p->n < TL_PAIRS_MAX))
		pairs_grow(p);
	size_t j = pairs_find(p, key);
	if (!p->slots[j].key) {
		if (!add || p->n >= TL_PAIRS_MAX)
			return 0;
		p->slots[j].key = key;
		p->n++;
	}
	p->slots[j].learners++;
	p->slots[j].sum += x;
	return 1;
}

static uint64_t pair_key(const struct tl_pairs *p, size_t A, size_t B)
{
	return (uint64_t)(p->gid[A] + 1) << 32 | (p->gid[B] + 1);
}

/* pairs_direct: every pair of the learner, in (A, B) order; returns how
 * many were left out, their sum in *left. */
static uint64_t pairs_direct(struct tl_pairs *p, const struct tl_learner *l, double *left)
{
	uint64_t out = 0;
	for (size_t A = 0; A < l->ndomains; A++) {
		if (!S.u[A])
			continue;
		for (size_t B = 0; B < l->ndomains; B++)
			if (B != A && S.a[B]) {
				double x = (double)S.u[A] * (double)S.a[B];
				p->total += x;
				if (!pairs_bump(p, pair_key(p, A, B), x, 1))
					out++, *left += x;
			}
	}
	return out;
}

/* pairs_by_table: a learner with more pairs than the table holds: the
 * pairs of the table are bumped from it (through loc), then new pairs
 * enter in (A, B) order until the table is full; the work is bounded by
 * the table, not by the learner's D^2 pairs. Returns the pairs counted. */
static uint64_t pairs_by_table(struct tl_pairs *p, const struct tl_learner *l, double *counted)
{
	uint64_t in = 0;
	for (size_t i = 0; p->slots && i <= p->mask; i++) {
		struct pair *q = &p->slots[i];
		if (!q->key || (q->key >> 32) - 1 >= p->lcap || (q->key & 0xffffffffu) - 1 >= p->lcap)
			continue;
		uint32_t A = p->loc[(q->key >> 32) - 1], B = p->loc[(q->key & 0xffffffffu) - 1];
		if (A && B && S.u[A - 1] && S.a[B - 1]) {
			double x = (double)S.u[A - 1] * (double)S.a[B - 1];
			q->learners++, q->sum += x, *counted += x, in++;
		}
	}
	for (size_t A = 0; A < l->ndomains && p->n < TL_PAIRS_MAX; A++)
		for (size_t B = 0; S.u[A] && B < l->ndomains && p->n < TL_PAIRS_MAX; B++) {
			if (B == A || !S.a[B] || (p->slots && p->slots[pairs_find(p, pair_key(p, A, B))].key))
				continue;   /* no pair, or one of the table: bumped already */
			double x = (double)S.u[A] * (double)S.a[B];
			pairs_bump(p, pair_key(p, A, B), x, 1);
			*counted += x, in++;
		}
	return in;
}

/* learner_pairs: how many pairs the learner has, and the sum of their
 * products, Σ_{A≠B} u_A a_B = U·Aa - Σ u_A a_A (§6.2). */
static uint64_t learner_pairs(const struct tl_learner *l, double *sum)
{
	uint64_t nu = 0, na = 0, both = 0;
	double U = 0, Aa = 0, diag = 0;
	for (size_t d = 0; d < l->ndomains; d++) {
		nu += S.u[d] != 0, na += S.a[d] != 0, both += S.u[d] && S.a[d];
		U += (double)S.u[d], Aa += (double)S.a[d], diag += (double)S.u[d] * (double)S.a[d];
	}
	*sum = U * Aa - diag;
	return nu * na - both;
}

/* map_domains: gid[] (learner -> global) and, when loc, loc[] (global ->
 * learner + 1) for the learner's domains with a use or an adoption. */
static void map_domains(struct tl_pairs *p, const struct tl_learner *l, int loc)
{
	if (l->ndomains > p->gcap) {
		p->gcap = l->ndomains * 2;
		p->gid = tl_xrealloc(p->gid, p->gcap * sizeof *p->gid);
	}
	for (size_t d = 0; d < l->ndomains; d++)
		if (S.u[d] || S.a[d])
			p->gid[d] = tl_names_add(&p->doms, l->domains[d].p, l->domains[d].n, NULL);
	if (!loc)
		return;
	if (p->doms.n > p->lcap) {
		size_t old = p->lcap;
		p->lcap = p->doms.n * 2;
		p->loc = tl_xrealloc(p->loc, p->lcap * sizeof *p->loc);
		memset(p->loc + old, 0, (p->lcap - old) * sizeof *p->loc);
	}
	for (size_t d = 0; d < l->ndomains; d++)
		if (S.u[d] || S.a[d])
			p->loc[p->gid[d]] = (uint32_t)(d + 1);
}

void tl_pairs_add(struct tl_pairs *p, const struct tl_learner *l)
{
	if (S.last != l)
		tl_die(TL_EX_SOFTWARE, "internal error: tl_pairs_add without tl_affinity_compute");
	double sum, left = 0;
	uint64_t n = learner_pairs(l, &sum), out;
	int big = n > TL_PAIRS_MAX;
	map_domains(p, l, big);
	if (!big) {
		out = pairs_direct(p, l, &left);
	} else {
		double counted = 0;
		out = n - pairs_by_table(p, l, &counted);
		left = sum - counted;
		p->total += sum;
		for (size_t d = 0; d < l->ndomains; d++)
			if (S.u[d] || S.a[d])
				p->loc[p->gid[d]] = 0;
	}
	p->left_pairs += out;
	p->left_learners += out > 0;
	p->left_sum += left;
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

/* sorted_pairs: the table's pairs in the order of tl_pairs_write; *k
 * gets how many. The caller frees it. */
static struct pair *sorted_pairs(const struct tl_pairs *p, size_t *k)
{
	struct pair *v = tl_xmalloc((p->n + 1) * sizeof *v);
	*k = 0;
	for (size_t i = 0; p->slots && i <= p->mask; i++)
		if (p->slots[i].key)
			v[(*k)++] = p->slots[i];
	sort_names = &p->doms;
	qsort(v, *k, sizeof *v, pair_order);
	return v;
}

static struct tl_str pair_a(const struct tl_pairs *p, const struct pair *v) { return p->doms.names[(v->key >> 32) - 1]; }
static struct tl_str pair_b(const struct tl_pairs *p, const struct pair *v) { return p->doms.names[(v->key & 0xffffffffu) - 1]; }

void tl_pairs_write(const struct tl_pairs *p, FILE *f)
{
	size_t k;
	struct pair *v = sorted_pairs(p, &k);
	fputs("pair,learners,sum_products,share\n", f);
	char *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < k; i++) {
		struct tl_str A = pair_a(p, &v[i]), B = pair_b(p, &v[i]);
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
	if (p->left_pairs)   /* the pairs the table had no room for, summed */
		fprintf(f, "(other),%llu,%.17g,%.17g\n", (unsigned long long)p->left_learners, p->left_sum,
			p->left_sum / p->total);
	free(buf);
	free(v);
}

/* ---- the table's statistics: --emit-stats, --merge ------------------- */

#define STATS_TOOL "tl-affinity"
#define STATS_VERSION 1

void tl_pairs_emit(const struct tl_pairs *p, FILE *f, const char *as_of, const struct tl_learner_set *l)
{
	const struct tl_statsrows_want prm = {"as_of", as_of};
	tl_statsrows_params(f, STATS_TOOL, STATS_VERSION, &prm, 1, l);
	size_t k;
	struct pair *v = sorted_pairs(p, &k);
	for (size_t i = 0; i < k; i++) {
		struct tl_str A = pair_a(p, &v[i]), B = pair_b(p, &v[i]);
		fputs("pair,", f);
		tl_csv_put_field(f, A.p, A.n);
		putc(',', f);
		tl_csv_put_field(f, B.p, B.n);
		fprintf(f, ",%llu,%.17g\n", (unsigned long long)v[i].learners, v[i].sum);
	}
	if (p->left_pairs)
		fprintf(f, "other,%llu,%.17g\n", (unsigned long long)p->left_learners, p->left_sum);
	free(v);
}

static size_t merge_domain(struct tl_pairs *p, const struct tl_statsrows *r, size_t col, const char *what)
{
	struct tl_str d = tl_statsrows_text(r, col, what);
	if (d.n == 0)
		tl_statsrows_die(r, "an empty domain (%s)", what);
	return tl_names_add(&p->doms, d.p, d.n, NULL);
}

/* A pair row: pair,FROM,TO,LEARNERS,SUM_PRODUCTS; an other row (a full
 * table) cannot be merged. */
static void merge_pair(void *ctx, const struct tl_statsrows *r)
{
	struct tl_pairs *p = ctx;
	if (tl_statsrows_kind(r, "other", 3))
		tl_statsrows_die(r, "this shard's table was full (%d pairs): which pairs a full table keeps depends "
				 "on the order of all the learners, so no merge gives the single run's", TL_PAIRS_MAX);
	if (!tl_statsrows_kind(r, "pair", 5)) {
		const struct tl_str *k = &tl_statsrows_fields(r)[0];
		tl_statsrows_die(r, "unknown row '%.*s' (pair or other)", (int)(k->n > 32 ? 32 : k->n), k->p);
	}
	size_t A = merge_domain(p, r, 1, "from"), B = merge_domain(p, r, 2, "to");
	long long learners = tl_statsrows_count(r, 3, "learners"), sum = tl_statsrows_count(r, 4, "sum_products");
	if (A == B || learners == 0 || sum < learners)
		tl_statsrows_die(r, "not a pair of --transfer-pairs (two domains, learners >= 1, sum_products >= learners)");
	if (!p->slots || (p->n + 1) * 2 > p->mask + 1)
		pairs_grow(p);
	uint64_t key = (uint64_t)(A + 1) << 32 | (B + 1);
	struct pair *q = &p->slots[pairs_find(p, key)];
	if (!q->key && p->n == TL_PAIRS_MAX)
		tl_statsrows_die(r, "more than %d distinct pairs: which a full table keeps depends on the order of all "
				 "the learners, so no merge gives the single run's", TL_PAIRS_MAX);
	p->n += !q->key;
	q->key = key;
	q->learners += (uint64_t)learners;
	q->sum += (double)sum;
	p->total += (double)sum;
	if (q->sum > 9007199254740992.0 || p->total > 9007199254740992.0)
		tl_statsrows_die(r, "the sums pass 2^53, where they are no longer exact");
}

void tl_pairs_merge(struct tl_pairs *p, int nfiles, char **files, const char *as_of, struct tl_learner_set *l)
{
	const struct tl_statsrows_want prm = {"as_of", as_of};
	tl_statsrows_merge(STATS_TOOL, STATS_VERSION, nfiles, files, &prm, 1, merge_pair, p, l);
}

void tl_pairs_free(struct tl_pairs *p)
{
	if (!p)
		return;
	tl_names_free(&p->doms);
	free(p->slots);
	free(p->gid);
	free(p->loc);
	free(p);
}
