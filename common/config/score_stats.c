/* score_stats.c - what tl-score counts over a run: the tally of --summary
 * (and of the --metrics gauges) and its table, and the sufficient
 * statistics of --summary and --calibrate in stats files (--emit-stats,
 * --merge; io/statsrows.h): counts, and exact sums (util/xsum.h), so that
 * merged shards print and calibrate what the single run does, to the last
 * digit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/statsrows.h"
#include "report/table.h"
#include "util/err.h"
#include "util/rng.h"
#include "config/score.h"

const char *tl_score_config_id(const struct tl_score_config *cfg, char *buf)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	if (!f)
		tl_die(TL_EX_SOFTWARE, "out of memory (open_memstream)");
	tl_score_config_write(f, cfg);
	if (fclose(f) != 0)
		tl_die(TL_EX_SOFTWARE, "out of memory (open_memstream)");
	snprintf(buf, TL_SCORE_ID_MAX, "%s:%016llx", cfg->version, (unsigned long long)tl_hash64(text, n, 0));
	free(text);
	return buf;
}

/* ---- the tally ------------------------------------------------------------ */

/* tally_find: the index of archetype a, adding it when add (else -1). */
static long tally_find(struct tl_score_tally *t, const char *a, size_t len, int add)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)a[i]) * 16777619u;
	size_t j = h & t->mask;
	for (; t->slots[j]; j = (j + 1) & t->mask) {
		const char *b = t->arch[t->slots[j] - 1];
		if (strlen(b) == len && memcmp(b, a, len) == 0)
			return t->slots[j] - 1;
	}
	if (!add)
		return -1;
	t->arch[t->narch] = a;
	t->slots[j] = (uint32_t)(t->narch + 1);
	return (long)t->narch++;
}

void tl_score_tally_init(struct tl_score_tally *t, const struct tl_score_setup *su)
{
	const struct tl_score_config *c = su->cfg, *tr = su->tr;
	size_t cap = c->nrules + (tr ? tr->nrules : 0);
	memset(t, 0, sizeof *t);
	t->arch = tl_xcalloc(cap, sizeof *t->arch);
	for (t->mask = 63; t->mask < 2 * cap; t->mask = 2 * t->mask + 1)
		;
	t->slots = tl_xcalloc(t->mask + 1, sizeof *t->slots);
	for (int arm = 0; arm < 2; arm++) {
		t->n[arm] = tl_xcalloc(cap, sizeof *t->n[arm]);
		t->nscore[arm] = tl_xcalloc(cap, sizeof *t->nscore[arm]);
		t->sums[arm] = tl_xcalloc(cap, sizeof *t->sums[arm]);
	}
	for (size_t i = 0; i < c->nrules; i++)
		tally_find(t, c->rules[i].archetype, strlen(c->rules[i].archetype), 1);
	for (size_t i = 0; tr && i < tr->nrules; i++)
		tally_find(t, tr->rules[i].archetype, strlen(tr->rules[i].archetype), 1);
}

void tl_score_tally_free(struct tl_score_tally *t)
{
	for (int arm = 0; arm < 2; arm++) {
		for (size_t a = 0; a < t->narch; a++)
			free(t->sums[arm][a]);
		free(t->n[arm]);
		free(t->nscore[arm]);
		free(t->sums[arm]);
	}
	free(t->arch);
	free(t->slots);
}

void tl_score_tally_add(struct tl_score_tally *t, int arm, const struct tl_score_result *r)
{
	const char *name = r->rule->archetype;
	size_t a = (size_t)tally_find(t, name, strlen(name), 1);
	struct tl_score_sums *x = tl_score_sums_of(&t->sums[arm][a]);
	t->n[arm][a]++;
	tl_xsum_add(&x->b, r->rule->multiplier);
	if (!isnan(r->score)) {
		t->nscore[arm][a]++;
		tl_xsum_add(&x->a, r->score);
	}
}

/* ---- the summary ------------------------------------------------------------ */

static void print_row(struct tl_table *tab, const char *name, long long n, long long total, long long nscore,
		      double score, double mult)
{
	tl_table_cell(tab, name);
	tl_table_cellf(tab, "%lld", n);
	tl_table_cellf(tab, "%.4f", total ? (double)n / (double)total : 0.0);
	if (nscore)
		tl_table_cellf(tab, "%.4f", score / (double)nscore);
	else
		tl_table_cell(tab, "-");
	if (n)
		tl_table_cellf(tab, "%.4f", mult / (double)n);
	else
		tl_table_cell(tab, "-");
}

/* print_arm: one arm's table (report/table.h), columns at fixed widths. */
static void print_arm(FILE *f, const struct tl_score_tally *t, int arm)
{
	static const struct tl_table_col col[] = {{.width = 20, .fixed = 1}, {.width = 9, .fixed = 1},
		{.width = 8, .fixed = 1}, {.width = 11, .fixed = 1}, {.width = 16, .fixed = 1}};
	static const char *const head[] = {"archetype", "learners", "share", "mean_score", "mean_multiplier"};
	struct tl_table tab = {.ncol = 5, .col = col, .gap = 1};
	long long n = 0, ns = 0;
	struct tl_xsum s, m;
	tl_xsum_init(&s);
	tl_xsum_init(&m);
	for (size_t c = 0; c < tab.ncol; c++)
		tl_table_cell(&tab, head[c]);
	for (size_t a = 0; a < t->narch; a++) {
		n += t->n[arm][a], ns += t->nscore[arm][a];
		if (t->sums[arm][a]) {
			tl_xsum_merge(&s, &t->sums[arm][a]->a);
			tl_xsum_merge(&m, &t->sums[arm][a]->b);
		}
	}
	for (size_t a = 0; a < t->narch; a++) {
		const struct tl_score_sums *x = t->sums[arm][a];
		print_row(&tab, t->arch[a], t->n[arm][a], n, t->nscore[arm][a], x ? tl_xsum_value(&x->a) : 0,
			  x ? tl_xsum_value(&x->b) : 0);
	}
	print_row(&tab, "all", n, n, ns, tl_xsum_value(&s), tl_xsum_value(&m));
	tl_table_write(f, &tab, TL_TABLE_TEXT);
	tl_table_clear(&tab);
	if (n)
		fprintf(f, "portfolio average multiplier: %.4f\n", tl_xsum_value(&m) / (double)n);
	else
		fprintf(f, "portfolio average multiplier: -\n");
}

void tl_score_tally_print(FILE *f, const struct tl_score_tally *t, const struct tl_score_setup *su)
{
	if (!su->tr) {
		fprintf(f, "tl-score summary: config %s\n", su->cfg->version);
		print_arm(f, t, 0);
		return;
	}
	fprintf(f, "tl-score summary: arm control, config %s\n", su->cfg->version);
	print_arm(f, t, 0);
	fprintf(f, "\ntl-score summary: arm treatment (%g%%), config %s\n", su->canary, su->tr->version);
	print_arm(f, t, 1);
}

/* ---- the summary's statistics ------------------------------------------------ */

#define STATS_TOOL "tl-score"
#define STATS_VERSION 1

static const char *const arm_names[] = {"control", "treatment"};

/* The parameters of su; the values live in sp. */
struct setup_params {
	struct tl_statsrows_want p[5];
	char cfg[TL_SCORE_ID_MAX], tr[TL_SCORE_ID_MAX], canary[40], salt[24];
};

static void tally_params(const struct tl_score_setup *su, struct setup_params *sp)
{
	sp->tr[0] = sp->canary[0] = '\0';
	if (su->tr) {
		tl_score_config_id(su->tr, sp->tr);
		snprintf(sp->canary, sizeof sp->canary, "%.17g", su->canary);
	}
	snprintf(sp->salt, sizeof sp->salt, "%llu", (unsigned long long)su->salt);
	sp->p[0] = (struct tl_statsrows_want){"stats", "summary"};
	sp->p[1] = (struct tl_statsrows_want){"config", tl_score_config_id(su->cfg, sp->cfg)};
	sp->p[2] = (struct tl_statsrows_want){"treatment", sp->tr};
	sp->p[3] = (struct tl_statsrows_want){"canary", sp->canary};
	sp->p[4] = (struct tl_statsrows_want){"salt", sp->salt};
}

void tl_score_tally_emit(FILE *f, const struct tl_score_tally *t, const struct tl_score_setup *su,
			 const struct tl_learner_set *l)
{
	struct setup_params sp;
	tally_params(su, &sp);
	tl_statsrows_params(f, STATS_TOOL, STATS_VERSION, sp.p, 5, l);
	for (int arm = 0; arm <= (su->tr != NULL); arm++)
		for (size_t a = 0; a < t->narch; a++) {
			const struct tl_score_sums *x = t->sums[arm][a];
			if (!t->n[arm][a] && !x)
				continue;   /* no learner */
			fprintf(f, "archetype,%s,", arm_names[arm]);
			tl_csv_put_field(f, t->arch[a], strlen(t->arch[a]));
			fprintf(f, ",%lld,%lld,", t->n[arm][a], t->nscore[arm][a]);
			struct tl_xsum zero;
			tl_xsum_init(&zero);
			tl_xsum_print(x ? &x->a : &zero, f);
			putc(',', f);
			tl_xsum_print(x ? &x->b : &zero, f);
			putc('\n', f);
		}
}

struct tally_merge {
	struct tl_score_tally *t;
	int canary;
};

static void unknown_row(const struct tl_statsrows *r, const char *want)
{
	const struct tl_str *k = &tl_statsrows_fields(r)[0];
	tl_statsrows_die(r, "unknown row '%.*s' (%s)", (int)(k->n > 32 ? 32 : k->n), k->p, want);
}

/* archetype,ARM,NAME,LEARNERS,SCORED,SCORE_SUM,MULTIPLIER_SUM */
static void tally_row(void *ctx, const struct tl_statsrows *r)
{
	struct tally_merge *m = ctx;
	if (!tl_statsrows_kind(r, "archetype", 7))
		unknown_row(r, "an archetype row");
	struct tl_str arm_f = tl_statsrows_text(r, 1, "arm"), arch = tl_statsrows_text(r, 2, "archetype");
	int arm = 0;
	while (arm <= m->canary && !(arm_f.n == strlen(arm_names[arm]) && memcmp(arm_f.p, arm_names[arm], arm_f.n) == 0))
		arm++;
	if (arm > m->canary)
		tl_statsrows_die(r, "bad arm '%.*s' (%s)", (int)(arm_f.n > 60 ? 60 : arm_f.n), arm_f.p,
				 m->canary ? "control or treatment" : "control: there is no canary");
	long a = tally_find(m->t, arch.p, arch.n, 0);
	if (a < 0)
		tl_statsrows_die(r, "archetype '%.*s' is not one of the configs'", (int)(arch.n > 60 ? 60 : arch.n), arch.p);
	long long n = tl_statsrows_count(r, 3, "learners"), ns = tl_statsrows_count(r, 4, "scored");
	if (ns > n)
		tl_statsrows_die(r, "scored %lld is more than the %lld learners", ns, n);
	m->t->n[arm][a] += n;
	m->t->nscore[arm][a] += ns;
	if (m->t->n[arm][a] > (1LL << 53))
		tl_statsrows_die(r, "more than 2^53 learners");
	struct tl_score_sums *x = tl_score_sums_of(&m->t->sums[arm][a]);
	tl_statsrows_xsum(r, 5, "score_sum", &x->a);
	tl_statsrows_xsum(r, 6, "multiplier_sum", &x->b);
}

void tl_score_tally_merge(struct tl_score_tally *t, const struct tl_score_setup *su, int nfiles, char **files,
			  struct tl_learner_set *l)
{
	struct setup_params sp;
	struct tally_merge m = {t, su->tr != NULL};
	tally_params(su, &sp);
	tl_statsrows_merge(STATS_TOOL, STATS_VERSION, nfiles, files, sp.p, 5, tally_row, &m, l);
}

/* ---- the calibration's statistics ------------------------------------------- */

struct calib_params {
	struct tl_statsrows_want p[3];
	char id[TL_SCORE_ID_MAX];
};

static void calib_params(const struct tl_score_config *cfg, const char *outcome, struct calib_params *cp)
{
	cp->p[0] = (struct tl_statsrows_want){"stats", "calibration"};
	cp->p[1] = (struct tl_statsrows_want){"config", tl_score_config_id(cfg, cp->id)};
	cp->p[2] = (struct tl_statsrows_want){"outcome", outcome};
}

void tl_score_calibration_emit(FILE *f, const struct tl_score_calibration *c, const struct tl_score_config *cfg,
			       const char *outcome, const struct tl_learner_set *l)
{
	struct calib_params cp;
	calib_params(cfg, outcome, &cp);
	tl_statsrows_params(f, STATS_TOOL, STATS_VERSION, cp.p, 3, l);
	for (size_t k = 0; k < c->n; k++) {
		const struct tl_score_sums *x = c->m[k].s;
		if (!x)
			continue;   /* no outcome */
		fputs("outcome,", f);
		tl_csv_put_field(f, c->archetypes[k], strlen(c->archetypes[k]));
		fprintf(f, ",%.17g,", c->m[k].n);
		tl_xsum_print(&x->a, f);
		putc(',', f);
		tl_xsum_print(&x->b, f);
		putc('\n', f);
	}
	fprintf(f, "skipped,%lld\n", c->skipped);
}

/* outcome,ARCHETYPE,N,SUM,SUM_SQUARES or skipped,N */
static void calib_row(void *ctx, const struct tl_statsrows *r)
{
	struct tl_score_calibration *c = ctx;
	if (tl_statsrows_kind(r, "skipped", 2)) {
		c->skipped += tl_statsrows_count(r, 1, "skipped");
		if (c->skipped > (1LL << 53))
			tl_statsrows_die(r, "more than 2^53 learners skipped");
		return;
	}
	if (!tl_statsrows_kind(r, "outcome", 5))
		unknown_row(r, "outcome or skipped");
	struct tl_str arch = tl_statsrows_text(r, 1, "archetype");
	size_t k = 0;
	while (k < c->n && !(strlen(c->archetypes[k]) == arch.n && memcmp(c->archetypes[k], arch.p, arch.n) == 0))
		k++;
	if (k == c->n)
		tl_statsrows_die(r, "archetype '%.*s' is not the config's", (int)(arch.n > 60 ? 60 : arch.n), arch.p);
	c->m[k].n += (double)tl_statsrows_count(r, 2, "n");
	if (c->m[k].n > 9007199254740992.0)
		tl_statsrows_die(r, "more than 2^53 outcomes");
	struct tl_score_sums *x = tl_score_sums_of(&c->m[k].s);
	tl_statsrows_xsum(r, 3, "sum", &x->a);
	tl_statsrows_xsum(r, 4, "sum_squares", &x->b);
}

void tl_score_calibration_merge(struct tl_score_calibration *c, const struct tl_score_config *cfg,
				const char *outcome, int nfiles, char **files, struct tl_learner_set *l)
{
	struct calib_params cp;
	calib_params(cfg, outcome, &cp);
	tl_statsrows_merge(STATS_TOOL, STATS_VERSION, nfiles, files, cp.p, 3, calib_row, c, l);
}
