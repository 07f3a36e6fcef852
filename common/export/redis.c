/* redis.c - tl-export --redis (redis.h): RESP arrays of bulk strings
 * ("*N\r\n", then "$LEN\r\nBYTES\r\n" each), spooled and copied out. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/num.h"
#include "util/opts.h"
#include "util/out.h"
#include "io/obuf.h"
#include "export/redis.h"

#define SPOOL_FLUSH (1 << 20)

struct tl_xredis {
	char *prefix;
	size_t nprefix;
	tl_time ttl;
	struct tl_obuf o;   /* o.f is the spool */
};

struct tl_xredis *tl_xredis_open(const char *prefix, tl_time ttl)
{
	struct tl_xredis *r = tl_xcalloc(1, sizeof *r);
	r->o.f = tl_scratch_file("export-resp");
	r->prefix = tl_xstrdup(prefix);
	r->nprefix = strlen(prefix);
	r->ttl = ttl;
	return r;
}

static void number(struct tl_obuf *o, char kind, long long n)
{
	char num[24];
	tl_obuf_putc(o, kind);
	tl_obuf_put(o, num, tl_format_int(n, num));
	tl_obuf_lit(o, "\r\n");
}

static void bulk(struct tl_obuf *o, const char *p, size_t n)
{
	number(o, '$', (long long)n);
	tl_obuf_put(o, p, n);
	tl_obuf_lit(o, "\r\n");
}

static void bulk_str(struct tl_obuf *o, const char *s) { bulk(o, s, strlen(s)); }

static void bulk_int(struct tl_obuf *o, long long v)
{
	char num[24];
	bulk(o, num, tl_format_int(v, num));
}

/* key: PREFIX:WHAT ID as one bulk string. */
static void key(struct tl_xredis *r, const char *what, const char *id, size_t n)
{
	size_t k = strlen(what);
	number(&r->o, '$', (long long)(r->nprefix + 1 + k + n));
	tl_obuf_put(&r->o, r->prefix, r->nprefix);
	tl_obuf_putc(&r->o, ':');
	tl_obuf_put(&r->o, what, k);
	tl_obuf_put(&r->o, id, n);
	tl_obuf_lit(&r->o, "\r\n");
}

static void expire(struct tl_xredis *r, const char *what, const char *id, size_t n)
{
	if (r->ttl <= 0)
		return;
	number(&r->o, '*', 3);
	bulk_str(&r->o, "PEXPIRE");
	key(r, what, id, n);
	bulk_int(&r->o, (long long)((r->ttl + 999) / 1000));
}

void tl_xredis_row(struct tl_xredis *r, const struct tl_xcols *x)
{
	const struct tl_xval *id = &x->v[0];
	number(&r->o, '*', 2 + 2 * (long long)x->n);
	bulk_str(&r->o, "HSET");
	key(r, "learner:", id->p, id->n);
	for (size_t i = 0; i < x->n; i++) {
		bulk_str(&r->o, x->c[i].name);
		bulk(&r->o, x->v[i].p, x->v[i].type == TL_XT_NULL ? 0 : x->v[i].n);
	}
	expire(r, "learner:", id->p, id->n);
	if (r->o.n >= SPOOL_FLUSH)
		tl_obuf_flush(&r->o);
}

static void cohort(struct tl_xredis *r, const struct tl_xsummary *sum)
{
	char asof[40];
	struct tl_obuf *o = &r->o;
	number(o, '*', 1), bulk_str(o, "MULTI");
	number(o, '*', 2), bulk_str(o, "DEL"), key(r, "cohort", "", 0);
	number(o, '*', 2 + 2 * (5 + (long long)sum->narch));
	bulk_str(o, "HSET"), key(r, "cohort", "", 0);
	bulk_str(o, "as_of"), bulk_str(o, tl_xsummary_as_of(sum, asof));
	bulk_str(o, "algo_version"), bulk_str(o, sum->algo);
	bulk_str(o, "learners"), bulk_int(o, sum->learners);
	bulk_str(o, "exported_at"), bulk_str(o, sum->exported_at);
	bulk_str(o, "tool_version"), bulk_str(o, TL_XTOOL_VERSION);
	for (size_t i = 0; i < sum->narch; i++) {
		size_t n = strlen(sum->arch[i]);
		number(o, '$', (long long)(10 + n));
		tl_obuf_lit(o, "archetype:");
		tl_obuf_put(o, sum->arch[i], n);
		tl_obuf_lit(o, "\r\n");
		bulk_int(o, sum->arch_n[i]);
	}
	expire(r, "cohort", "", 0);
	number(o, '*', 1), bulk_str(o, "EXEC");
}

void tl_xredis_finish(struct tl_xredis *r, const struct tl_xsummary *sum, FILE *out)
{
	cohort(r, sum);
	tl_obuf_flush(&r->o);
	FILE *f = r->o.f;
	if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0)
		tl_die(TL_EX_IOERR, "write error on the spool file:");
	size_t n;
	while ((n = fread(r->o.p, 1, r->o.cap, f)) > 0)
		if (fwrite(r->o.p, 1, n, out) != n)
			break;   /* reported when out is committed */
	if (ferror(f))
		tl_die(TL_EX_IOERR, "read error on the spool file:");
	fclose(f);
	tl_obuf_free(&r->o);
	free(r->prefix);
	free(r);
}
