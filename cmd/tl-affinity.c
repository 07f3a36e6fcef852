/* tl-affinity - add domain focus fields (DESIGN §6.2) to each learner:
 * domain entropy and concentration, top domain and its share, distinct
 * domains, the specialist flag, cross-domain transfer score and pair; with
 * --transfer-pairs, also write the cohort's transfer table. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/affinity.h"
#include "io/statsrows.h"
#include "util/err.h"
#include "util/opts.h"
#include "util/out.h"
#include "record/run.h"
#include "config/params.h"

enum {
	OPT_CONFIG = CHAR_MAX + 1, OPT_DOMAINS, OPT_EMIT_STATS, OPT_MAX_ENTROPY, OPT_MERGE, OPT_MIN_TOP_SHARE,
	OPT_TRANSFER_PAIRS
};

static const struct option longopts[] = {
	{.name = "config", .has_arg = required_argument, .val = OPT_CONFIG},
	{.name = "domains", .has_arg = required_argument, .val = OPT_DOMAINS},
	{.name = "emit-stats", .has_arg = required_argument, .val = OPT_EMIT_STATS},
	{.name = "max-entropy", .has_arg = required_argument, .val = OPT_MAX_ENTROPY},
	{.name = "merge", .has_arg = no_argument, .val = OPT_MERGE},
	{.name = "min-top-share", .has_arg = required_argument, .val = OPT_MIN_TOP_SHARE},
	{.name = "transfer-pairs", .has_arg = required_argument, .val = OPT_TRANSFER_PAIRS},
	TL_COMMON_LONGOPTS,
	{0}
};

static const char synopsis[] =
	"usage: tl-affinity [--config FILE] [--domains M] [--max-entropy H] [--min-top-share S]\n"
	"                   [--transfer-pairs FILE] [--emit-stats FILE] [common options] [FILE ...]\n"
	"       tl-affinity --merge --transfer-pairs FILE [--emit-stats FILE] [--as-of TIME] [STATS ...]\n";

static const char help[] =
	"Add domain focus fields (domain_entropy, domain_concentration, top_domain,\n"
	"top_domain_share, domains, is_specialist, transfer_score, transfer_pair)\n"
	"to each learner. Reads event CSV, event NDJSON or learner documents.\n\n"
	"      --config FILE          algorithm config (tl-score(1)) whose domains is M\n"
	"                             (default: the built-in v2, M = " TL_XSTR(TL_AFFINITY_DOMAINS) ")\n"
	"      --domains M            total domains M for the concentration (>= 2; overrides\n"
	"                             the config)\n"
	"      --max-entropy H        specialist when entropy < H bits (default " TL_XSTR(TL_AFFINITY_MAX_ENTROPY) ")\n"
	"      --min-top-share S      ... and top_domain_share > S (default " TL_XSTR(TL_AFFINITY_MIN_TOP_SHARE) ")\n"
	"      --transfer-pairs FILE  write the cohort's transfer pairs table as CSV\n"
	"      --emit-stats FILE      also write the table's sufficient statistics\n"
	"      --merge                read --emit-stats files, not events, and write the\n"
	"                             table of all their learners\n";

static void usage(int status) { tl_usage(status, synopsis, help); }

struct options {
	struct tl_affinity_params prm;
	const char *pairs_path, *config, *emit_stats;
	int domains_given, merge;
};

static void parse_options(int argc, char **argv, struct tl_common *c, struct options *o)
{
	int opt;
	while ((opt = tl_next_option(argc, argv, longopts, c, usage)) != -1) {
		switch (opt) {
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_DOMAINS:
			o->prm.domains = tl_opt_long("--domains", optarg, 2, LONG_MAX);
			o->domains_given = 1;
			break;
		case OPT_EMIT_STATS: o->emit_stats = optarg; break;
		case OPT_MERGE: o->merge = 1; break;
		case OPT_MAX_ENTROPY: o->prm.max_entropy = tl_opt_double("--max-entropy", optarg, 0, 1e300); break;
		case OPT_MIN_TOP_SHARE: o->prm.min_top_share = tl_opt_double("--min-top-share", optarg, 0, 1); break;
		case OPT_TRANSFER_PAIRS: o->pairs_path = optarg; break;
		default: usage(TL_EX_USAGE);
		}
	}
	if (o->merge && !o->pairs_path && !o->emit_stats)
		tl_usage_error("--merge writes the table of --transfer-pairs FILE (or its --emit-stats FILE)");
	tl_common_output(c, "--transfer-pairs", o->pairs_path);
	tl_common_output(c, "--emit-stats", o->emit_stats);
	if (!o->domains_given) {   /* §6.2: M is --domains, else the config's */
		struct tl_algo_params algo;
		tl_algo_params_load(o->config, &algo);
		o->prm.domains = algo.domains;
	}
}

static void put_fields(struct tl_writer *w, const struct tl_learner *l, const struct tl_affinity *a, tl_time asof)
{
	tl_put_num(w, "domain_entropy", a->entropy);
	tl_put_num(w, "domain_concentration", a->concentration);
	if (a->top >= 0)
		tl_put_text(w, "top_domain", l->domains[a->top].p, l->domains[a->top].n);
	else
		tl_put_empty(w, "top_domain");
	tl_put_num(w, "top_domain_share", a->top_share);
	tl_put_int(w, "domains", a->domains);
	if (a->specialist >= 0)
		tl_put_int(w, "is_specialist", a->specialist);
	else
		tl_put_empty(w, "is_specialist");
	tl_put_num(w, "transfer_score", a->transfer);
	if (a->pair_a >= 0) {
		/* "A>B": the writer copies the text, so a stack buffer is fine */
		struct tl_str A = l->domains[a->pair_a], B = l->domains[a->pair_b];
		char small[256];
		size_t n = A.n + 1 + B.n;
		char *buf = n <= sizeof small ? small : tl_xmalloc(n);
		memcpy(buf, A.p, A.n);
		buf[A.n] = '>';
		memcpy(buf + A.n + 1, B.p, B.n);
		tl_put_text(w, "transfer_pair", buf, n);
		if (buf != small)
			free(buf);
	} else {
		tl_put_empty(w, "transfer_pair");
	}
	tl_put_time(w, "as_of", asof);
}

struct affinity_state {
	struct tl_affinity_params prm;
	struct tl_pairs *pairs;   /* --transfer-pairs: the cohort table (one thread) */
	long long specialists;
};

static void affinity_learner(void *state, const struct tl_learner *l, tl_time asof, size_t npast, struct tl_writer *w)
{
	struct affinity_state *st = state;
	struct tl_affinity a;
	tl_affinity_compute(l, npast, &st->prm, &a);
	if (st->pairs)
		tl_pairs_add(st->pairs, l);
	st->specialists += a.specialist == 1;
	put_fields(w, l, &a, asof);
}

/* affinity_columns: the fields of a row, for the header of no learner
 * (with --transfer-pairs the tool is one thread: learner() is not run). */
static void affinity_columns(void *state, struct tl_writer *w)
{
	(void)state;
	struct tl_affinity none = {.top = -1, .specialist = -1, .pair_a = -1, .pair_b = -1};
	put_fields(w, NULL, &none, 0);
}

static void affinity_merge(void *state, const void *chunk_state)
{
	((struct affinity_state *)state)->specialists += ((const struct affinity_state *)chunk_state)->specialists;
}

/* The outputs of the table: --transfer-pairs and --emit-stats, opened
 * before the input is read. */
struct pairs_out {
	FILE *table, *stats;
};

static void pairs_open(const struct options *o, struct pairs_out *po)
{
	po->table = o->pairs_path ? tl_output_open(o->pairs_path) : NULL;
	po->stats = o->emit_stats ? tl_output_open(o->emit_stats) : NULL;
}

/* pairs_write: the table, its statistics; commit both. */
static void pairs_write(const struct pairs_out *po, const struct tl_common *c, const struct tl_pairs *pairs,
			const struct tl_learner_set *ids)
{
	char as_of[TL_STATSROWS_VALUE_MAX];
	if (po->table)
		tl_pairs_write(pairs, po->table);
	if (po->stats)
		tl_pairs_emit(pairs, po->stats, tl_statsrows_as_of(c, as_of), ids);
	if (po->table)
		tl_output_commit(po->table);
	if (po->stats)
		tl_output_commit(po->stats);
}

static int merge(const struct options *o, const struct tl_common *c, int nfiles, char **files)
{
	char as_of[TL_STATSROWS_VALUE_MAX];
	struct tl_pairs *pairs = tl_pairs_new();
	struct pairs_out po;
	struct tl_learner_set ids;
	tl_pairs_merge(pairs, nfiles, files, tl_statsrows_as_of(c, as_of), &ids);
	pairs_open(o, &po);
	pairs_write(&po, c, pairs, &ids);
	tl_pairs_free(pairs);
	return TL_EX_OK;
}

int main(int argc, char **argv)
{
	struct tl_common common;
	struct options o = {.prm = TL_AFFINITY_DEFAULTS};

	tl_front_init("tl-affinity", argv, &common);
	parse_options(argc, argv, &common, &o);
	if (o.merge)
		return merge(&o, &common, argc - optind, argv + optind);
	struct tl_run *run = tl_run_open(&common, argc - optind, argv + optind, TL_READ_EVENTS | TL_READ_DOMAINS);
	struct pairs_out po;
	pairs_open(&o, &po);
	int table = po.table || po.stats;
	struct affinity_state st = {.prm = o.prm, .pairs = table ? tl_pairs_new() : NULL};
	const struct tl_tool tool = {.learner = affinity_learner, .state_size = sizeof st,
				     .merge = affinity_merge, .one_thread = st.pairs != NULL, .columns = affinity_columns};
	tl_run_all(run, &tool, &st);
	tl_run_gauge(run, "tl_affinity_specialists", "Learners flagged is_specialist.", NULL, (double)st.specialists);
	struct tl_learner_set ids = tl_run_learners(run);
	if (table)
		pairs_write(&po, &common, st.pairs, &ids);
	int status = tl_run_close(run);
	tl_pairs_free(st.pairs);
	return status;
}
