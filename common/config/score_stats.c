/* score_stats.c - what tl-score counts over a run: the tally of --summary
 * (and of the --metrics gauges) and its table, and the sufficient
 * statistics of --summary and --calibrate in stats files (--emit-stats,
 * --merge; io/statsfile.h): counts, and exact sums, so that merged shards
 * print and calibrate what the single run does, to the last digit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvrow.h"
#include "io/statsfile.h"
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
		t->score[arm] = tl_xcalloc(cap, sizeof *t->score[arm]);
		t->mult[arm] = tl_xcalloc(cap, sizeof *t->mult[arm]);
	}
	for (size_t i = 0; i < c->nrules; i++)
		tally_find(t, c->rules[i].archetype, strlen(c->rules[i].archetype), 1);
	for (size_t i = 0; tr && i < tr->nrules; i++)
		tally_find(t, tr->rules[i].archetype, strlen(tr->rules[i].archetype), 1);
}

void tl_score_tally_free(struct tl_score_tally *t)
{
	for (int arm = 0; arm < 2; arm++) {
		for (size_t a = 0; a < t->narch; a++) {
			tl_xsum_free(&t->score[arm][a]);
			tl_xsum_free(&t->mult[arm][a]);
		}
		free(t->n[arm]);
		free(t->nscore[arm]);
		free(t->score[arm]);
		free(t->mult[arm]);
	}
	free(t->arch);
	free(t->slots);
}

void tl_score_tally_add(struct tl_score_tally *t, int arm, const struct tl_score_result *r)
{
	const char *name = r->rule->archetype;
	size_t a = (size_t)tally_find(t, name, strlen(name), 1);
	t->n[arm][a]++;
	tl_xsum_add(&t->mult[arm][a], r->rule->multiplier);
	if (!isnan(r->score)) {
		t->nscore[arm][a]++;
		tl_xsum_add(&t->score[arm][a], r->score);
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
	struct tl_xsum s = {0}, m = {0};
	for (size_t c = 0; c < tab.ncol; c++)
		tl_table_cell(&tab, head[c]);
	for (size_t a = 0; a < t->narch; a++) {
		n += t->n[arm][a], ns += t->nscore[arm][a];
		tl_xsum_add_sum(&s, &t->score[arm][a]);
		tl_xsum_add_sum(&m, &t->mult[arm][a]);
	}
	for (size_t a = 0; a < t->narch; a++)
		print_row(&tab, t->arch[a], t->n[arm][a], n, t->nscore[arm][a], tl_xsum_value(&t->score[arm][a]),
			  tl_xsum_value(&t->mult[arm][a]));
	print_row(&tab, "all", n, n, ns, tl_xsum_value(&s), tl_xsum_value(&m));
	tl_table_write(f, &tab, TL_TABLE_TEXT);
	tl_table_clear(&tab);
	if (n)
		fprintf(f, "portfolio average multiplier: %.4f\n", tl_xsum_value(&m) / (double)n);
	else
		fprintf(f, "portfolio average multiplier: -\n");
	tl_xsum_free(&s);
	tl_xsum_free(&m);
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

static const char *const tally_cols[] = {"arm", "archetype", "learners", "scored", "score_sum", "multiplier_sum"};
static const char *const arm_names[] = {"control", "treatment"};

/* The parameters of su; the values live in buf. */
struct setup_params {
	struct tl_stats_param p[4];
	char cfg[TL_SCORE_ID_MAX], tr[TL_SCORE_ID_MAX], canary[40], salt[24];
};

static void tally_spec(const struct tl_score_setup *su, struct setup_params *sp, struct tl_stats_spec *s)
{
	sp->tr[0] = sp->canary[0] = '\0';
	if (su->tr) {
		tl_score_config_id(su->tr, sp->tr);
		snprintf(sp->canary, sizeof sp->canary, "%.17g", su->canary);
	}
	snprintf(sp->salt, sizeof sp->salt, "%llu", (unsigned long long)su->salt);
	sp->p[0] = (struct tl_stats_param){"config", tl_score_config_id(su->cfg, sp->cfg)};
	sp->p[1] = (struct tl_stats_param){"treatment", sp->tr};
	sp->p[2] = (struct tl_stats_param){"canary", sp->canary};
	sp->p[3] = (struct tl_stats_param){"salt", sp->salt};
	*s = (struct tl_stats_spec){"tl-score", "summary", sp->p, 4, tally_cols, 6};
}

void tl_score_tally_emit(FILE *f, const struct tl_score_tally *t, const struct tl_score_setup *su)
{
	struct setup_params sp;
	struct tl_stats_spec s;
	tally_spec(su, &sp, &s);
	tl_stats_head(f, &s);
	for (int arm = 0; arm <= (su->tr != NULL); arm++)
		for (size_t a = 0; a < t->narch; a++) {
			fprintf(f, "%s,", arm_names[arm]);
			tl_csv_put_field(f, t->arch[a], strlen(t->arch[a]));
			fprintf(f, ",%lld,%lld,", t->n[arm][a], t->nscore[arm][a]);
			tl_stats_put_xsum(f, &t->score[arm][a]);
			putc(',', f);
			tl_stats_put_xsum(f, &t->mult[arm][a]);
			putc('\n', f);
		}
}

struct tally_merge {
	struct tl_score_tally *t;
	int canary;
};

static void tally_row(void *ctx, struct tl_stats_in *in)
{
	struct tally_merge *m = ctx;
	const struct tl_str *arm_f = tl_stats_field(in, 0), *arch = tl_stats_field(in, 1);
	int arm = 0;
	while (arm <= m->canary && !(arm_f->n == strlen(arm_names[arm]) && memcmp(arm_f->p, arm_names[arm], arm_f->n) == 0))
		arm++;
	if (arm > m->canary)
		tl_stats_bad(in, "bad arm '%.*s' (%s)", (int)(arm_f->n > 60 ? 60 : arm_f->n), arm_f->p,
			     m->canary ? "control or treatment" : "control: there is no canary");
	long a = tally_find(m->t, arch->p, arch->n, 0);
	if (a < 0)
		tl_stats_bad(in, "archetype '%.*s' is not one of the configs'", (int)(arch->n > 60 ? 60 : arch->n), arch->p);
	uint64_t n = tl_stats_count(in, 2), ns = tl_stats_count(in, 3);
	if (ns > n)
		tl_stats_bad(in, "scored %llu is more than the %llu learners", (unsigned long long)ns, (unsigned long long)n);
	m->t->n[arm][a] += (long long)n;
	m->t->nscore[arm][a] += (long long)ns;
	if (m->t->n[arm][a] > (1LL << 53))
		tl_stats_bad(in, "more than 2^53 learners");
	tl_stats_xsum(in, 4, &m->t->score[arm][a]);
	tl_stats_xsum(in, 5, &m->t->mult[arm][a]);
}

void tl_score_tally_merge(struct tl_score_tally *t, const struct tl_score_setup *su, int nfiles, char **files)
{
	struct setup_params sp;
	struct tl_stats_spec s;
	struct tally_merge m = {t, su->tr != NULL};
	tally_spec(su, &sp, &s);
	tl_stats_read(nfiles, files, &s, tally_row, &m);
}

/* ---- the calibration's statistics ------------------------------------------- */

static const char *const calib_cols[] = {"row", "archetype", "n", "sum", "sum_squares"};

static void calib_spec(const struct tl_score_config *cfg, const char *outcome, struct tl_stats_param *p,
		       char *id, struct tl_stats_spec *s)
{
	p[0] = (struct tl_stats_param){"config", tl_score_config_id(cfg, id)};
	p[1] = (struct tl_stats_param){"outcome", outcome};
	*s = (struct tl_stats_spec){"tl-score", "calibration", p, 2, calib_cols, 5};
}

void tl_score_calibration_emit(FILE *f, const struct tl_score_calibration *c, const struct tl_score_config *cfg,
			       const char *outcome)
{
	struct tl_stats_param p[2];
	struct tl_stats_spec s;
	char id[TL_SCORE_ID_MAX];
	calib_spec(cfg, outcome, p, id, &s);
	tl_stats_head(f, &s);
	for (size_t k = 0; k < c->n; k++) {
		fputs("outcome,", f);
		tl_csv_put_field(f, c->archetypes[k], strlen(c->archetypes[k]));
		fprintf(f, ",%.17g,", c->m[k].n);
		tl_stats_put_xsum(f, &c->m[k].sum);
		putc(',', f);
		tl_stats_put_xsum(f, &c->m[k].sq);
		putc('\n', f);
	}
	fprintf(f, "skipped,,%lld,0,0\n", c->skipped);
}

static void calib_row(void *ctx, struct tl_stats_in *in)
{
	struct tl_score_calibration *c = ctx;
	const struct tl_str *row = tl_stats_field(in, 0), *arch = tl_stats_field(in, 1);
	uint64_t n = tl_stats_count(in, 2);
	if (row->n == 7 && memcmp(row->p, "skipped", 7) == 0) {
		c->skipped += (long long)n;
		return;
	}
	if (!(row->n == 7 && memcmp(row->p, "outcome", 7) == 0))
		tl_stats_bad(in, "bad row '%.*s' (outcome or skipped)", (int)(row->n > 60 ? 60 : row->n), row->p);
	size_t k = 0;
	while (k < c->n && !(strlen(c->archetypes[k]) == arch->n && memcmp(c->archetypes[k], arch->p, arch->n) == 0))
		k++;
	if (k == c->n)
		tl_stats_bad(in, "archetype '%.*s' is not the config's", (int)(arch->n > 60 ? 60 : arch->n), arch->p);
	c->m[k].n += (double)n;
	if (c->m[k].n > 9007199254740992.0)
		tl_stats_bad(in, "more than 2^53 outcomes");
	tl_stats_xsum(in, 3, &c->m[k].sum);
	tl_stats_xsum(in, 4, &c->m[k].sq);
}

void tl_score_calibration_merge(struct tl_score_calibration *c, const struct tl_score_config *cfg,
				const char *outcome, int nfiles, char **files)
{
	struct tl_stats_param p[2];
	struct tl_stats_spec s;
	char id[TL_SCORE_ID_MAX];
	calib_spec(cfg, outcome, p, id, &s);
	tl_stats_read(nfiles, files, &s, calib_row, c);
}
