/* writer.c - tl-loadgen's fast writer of event CSV, event NDJSON and
 * learner documents: one large buffer, dates cached per day, --rate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "loadgen/loadgen.h"
#include "util/tltime.h"

#define BUF_SIZE (1 << 20)
#define BUF_SLACK 4096           /* > one record; flush below this */

struct tl_lg_writer {
	FILE *f;
	const char *name;
	const struct tl_lg_world *w;
	const struct tl_lg_config *c;
	char *buf;
	size_t len;
	int64_t day;            /* day of the cached date */
	char date[11];          /* "YYYY-MM-DDT" */
	uint64_t events, batch, since_check;
	struct timespec t0;
};

static const char DIGITS2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static char *put2(char *p, int v)
{
	memcpy(p, DIGITS2 + 2 * v, 2);
	return p + 2;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* Date of a day number, as "YYYY-MM-DDT". */
static void format_date(int64_t z, char out[11])
{
	int64_t y64;
	int m, d;
	tl_civil_from_days(z, &y64, &m, &d);
	int y = (int)y64;
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
}

/* ts as "YYYY-MM-DDTHH:MM:SSZ" (20 bytes). */
static char *put_ts(struct tl_lg_writer *wr, char *p, int64_t ts)
{
	int64_t day = tl_floor_div(ts, 86400);
	int sod = (int)(ts - day * 86400);
	if (day != wr->day) {
		wr->day = day;
		format_date(day, wr->date);
	}
	memcpy(p, wr->date, 11);
	p = put2(p + 11, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	*p++ = 'Z';
	return p;
}

static void flush_buf(struct tl_lg_writer *wr)
{
	if (wr->len && fwrite(wr->buf, 1, wr->len, wr->f) != wr->len)
		tl_die(TL_EX_IOERR, "write error on %s:", wr->name);
	wr->len = 0;
}

static char *room(struct tl_lg_writer *wr)
{
	if (wr->len > BUF_SIZE - BUF_SLACK)
		flush_buf(wr);
	return wr->buf + wr->len;
}

/* --rate: after each batch, flush and sleep until the schedule is met. */
static void throttle(struct tl_lg_writer *wr)
{
	struct timespec now;
	wr->since_check = 0;
	flush_buf(wr);
	if (fflush(wr->f) != 0)
		tl_die(TL_EX_IOERR, "write error on %s:", wr->name);
	clock_gettime(CLOCK_MONOTONIC, &now);
	double due = (double)wr->events / wr->c->rate;
	double spent = (double)(now.tv_sec - wr->t0.tv_sec) + (now.tv_nsec - wr->t0.tv_nsec) * 1e-9;
	if (due > spent) {
		double s = due - spent;
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

/* Count n events written; throttle only at a line's end, so a reader
 * never waits on half a line. */
static void count_events(struct tl_lg_writer *wr, uint64_t n)
{
	wr->events += n;
	wr->since_check += n;
	if (wr->batch && wr->since_check >= wr->batch)
		throttle(wr);
}

struct tl_lg_writer *tl_lg_writer_new(FILE *f, const char *name, const struct tl_lg_world *w)
{
	struct tl_lg_writer *wr = tl_xcalloc(1, sizeof *wr);
	wr->f = f;
	wr->name = name;
	wr->w = w;
	wr->c = tl_lg_world_config(w);
	wr->buf = tl_xmalloc(BUF_SIZE);
	wr->day = INT64_MIN;
	if (wr->c->rate > 0) {
		double b = wr->c->rate / 50.0;
		wr->batch = b < 1 ? 1 : b > 4096 ? 4096 : (uint64_t)b;
		clock_gettime(CLOCK_MONOTONIC, &wr->t0);
	}
	return wr;
}

void tl_lg_write_header(struct tl_lg_writer *wr)
{
	if (wr->c->format != TL_LG_CSV)
		return;
	char *p = room(wr), *s = p;
	p = PUT_LIT(p, "learner_id,ts,domain,capability,action");
	if (wr->c->truth)
		p = PUT_LIT(p, ",true_archetype");
	if (wr->c->arms)
		p = PUT_LIT(p, ",arm");
	if (wr->c->outcome)
		p = PUT_LIT(p, ",roi");
	*p++ = '\n';
	wr->len += (size_t)(p - s);
}

/* The learner's attributes, as CSV fields (",a,b") or JSON members. */
static size_t format_attrs(const struct tl_lg_writer *wr, const struct tl_lg_learner *l,
			   int json, char *out)
{
	static const char *const arms[] = {"control", "treatment"};
	char *p = out;
	if (wr->c->truth)
		p += sprintf(p, json ? ",\"true_archetype\":\"%s\"" : ",%s", tl_lg_arch_name(l->arch));
	if (wr->c->arms)
		p += sprintf(p, json ? ",\"arm\":\"%s\"" : ",%s", arms[l->arm]);
	if (wr->c->outcome)
		p += sprintf(p, json ? ",\"roi\":%.6g" : ",%.6g", l->roi);
	return (size_t)(p - out);
}

static char *put_action(char *p, int32_t cap, int json)
{
	if (json)
		return cap >= 0 ? PUT_LIT(p, "\"use\"") : PUT_LIT(p, "\"interact\"");
	return cap >= 0 ? PUT_LIT(p, "use") : PUT_LIT(p, "interact");
}

static void write_csv(struct tl_lg_writer *wr, const struct tl_lg_learner *l, const char *id,
		      const char *attrs, size_t alen)
{
	size_t idlen = strlen(id);
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_lg_event *e = &l->ev[i];
		char *p = room(wr), *s = p;
		memcpy(p, id, idlen);
		p[idlen] = ',';
		p = put_ts(wr, p + idlen + 1, e->ts);
		*p++ = ',';
		p = put_str(p, tl_lg_domain_name(wr->w, e->dom));
		*p++ = ',';
		if (e->cap >= 0)
			p = put_str(p, tl_lg_cap_name(wr->w, e->cap));
		*p++ = ',';
		p = put_action(p, e->cap, 0);
		memcpy(p, attrs, alen);
		p += alen;
		*p++ = '\n';
		wr->len += (size_t)(p - s);
		count_events(wr, 1);
	}
}

/* The members ts, domain, capability and action of one event. */
static char *put_event_json(struct tl_lg_writer *wr, char *p, const struct tl_lg_event *e)
{
	p = PUT_LIT(p, "\"ts\":\"");
	p = put_ts(wr, p, e->ts);
	p = PUT_LIT(p, "\",\"domain\":\"");
	p = put_str(p, tl_lg_domain_name(wr->w, e->dom));
	p = PUT_LIT(p, "\",\"capability\":\"");
	if (e->cap >= 0)
		p = put_str(p, tl_lg_cap_name(wr->w, e->cap));
	p = PUT_LIT(p, "\",\"action\":");
	return put_action(p, e->cap, 1);
}

static void write_ndjson(struct tl_lg_writer *wr, const struct tl_lg_learner *l, const char *id,
			 const char *attrs, size_t alen)
{
	for (size_t i = 0; i < l->n; i++) {
		char *p = room(wr), *s = p;
		p = PUT_LIT(p, "{\"learner_id\":\"");
		p = put_str(p, id);
		p = PUT_LIT(p, "\",");
		p = put_event_json(wr, p, &l->ev[i]);
		memcpy(p, attrs, alen);
		p += alen;
		p = PUT_LIT(p, "}\n");
		wr->len += (size_t)(p - s);
		count_events(wr, 1);
	}
}

static void write_document(struct tl_lg_writer *wr, const struct tl_lg_learner *l, const char *id,
			   const char *attrs, size_t alen)
{
	char *p = room(wr), *s = p;
	p = PUT_LIT(p, "{\"learner_id\":\"");
	p = put_str(p, id);
	p = PUT_LIT(p, "\",\"events\":[");
	wr->len += (size_t)(p - s);
	for (size_t i = 0; i < l->n; i++) {
		p = s = room(wr);
		if (i)
			*p++ = ',';
		*p++ = '{';
		p = put_event_json(wr, p, &l->ev[i]);
		*p++ = '}';
		wr->len += (size_t)(p - s);
	}
	p = s = room(wr);
	*p++ = ']';
	memcpy(p, attrs, alen);
	p += alen;
	p = PUT_LIT(p, "}\n");
	wr->len += (size_t)(p - s);
	count_events(wr, l->n);
}

size_t tl_lg_learner_id(const struct tl_lg_config *c, long index, char buf[32])
{
	int width = 7;
	for (long n = c->learners; n >= 10000000; n /= 10)
		width++;
	int k = snprintf(buf, 32, "L%0*ld", width, index);
	return k > 0 ? (size_t)k : 0;
}

int tl_lg_in_shard(const struct tl_lg_config *c, long index)
{
	char id[32];
	size_t n = tl_lg_learner_id(c, index, id);
	return tl_shard_keeps(&c->shard, id, n);
}

void tl_lg_write_learner(struct tl_lg_writer *wr, const struct tl_lg_learner *l)
{
	char id[32], attrs[160];
	tl_lg_learner_id(wr->c, l->index, id);
	size_t alen = format_attrs(wr, l, wr->c->format != TL_LG_CSV, attrs);
	switch (wr->c->format) {
	case TL_LG_CSV: write_csv(wr, l, id, attrs, alen); break;
	case TL_LG_NDJSON: write_ndjson(wr, l, id, attrs, alen); break;
	case TL_LG_LEARNERS: write_document(wr, l, id, attrs, alen); break;
	}
}

uint64_t tl_lg_writer_events(const struct tl_lg_writer *wr) { return wr->events; }

void tl_lg_writer_free(struct tl_lg_writer *wr)
{
	if (!wr)
		return;
	flush_buf(wr);
	free(wr->buf);
	free(wr);
}
