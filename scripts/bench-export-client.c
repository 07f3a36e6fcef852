/* bench-export-client.c - query latency of what tl-export wrote, from C
 * with the SQLite library and a RESP client over a socket, one query at a
 * time as a service makes them (scripts/bench-export.sh builds and runs it).
 *
 *   bench-export-client DB REDIS_PORT PREFIX N
 *
 * p50/p99/max in ms over N queries each: one learner by a random
 * learner_id (SQLite), HGETALL PREFIX:learner:ID (Redis), the top 100 by
 * churn_risk of one archetype (archetypes in turn), counts by archetype
 * from archetype_counts, and N/50 times the GROUP BY over the learners. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench-export-client: %s: %s\n", what, why);
	exit(1);
}

/* ---- a RESP client: one command, its whole reply ---------------------- */

static int sock;
static char rbuf[1 << 16];
static size_t rlen, rpos;

static int rgetc(void)
{
	if (rpos == rlen) {
		ssize_t n = read(sock, rbuf, sizeof rbuf);
		if (n <= 0)
			die("redis", "connection closed");
		rlen = (size_t)n, rpos = 0;
	}
	return (unsigned char)rbuf[rpos++];
}

static long long rnumber(void)
{
	long long v = 0, sign = 1;
	int c = rgetc();
	if (c == '-')
		sign = -1, c = rgetc();
	for (; c != '\r'; c = rgetc())
		v = v * 10 + (c - '0');
	rgetc();   /* \n */
	return sign * v;
}

/* reply: read one reply; returns the number of bulk strings in it. */
static long long reply(void)
{
	int kind = rgetc();
	long long n = rnumber(), k = 0;
	if (kind == '*') {
		for (long long i = 0; i < n; i++)
			k += reply();
		return k;
	}
	if (kind == '$') {
		for (long long i = 0; i < n + 2 && n >= 0; i++)
			rgetc();
		return 1;
	}
	if (kind == '-')
		die("redis", "error reply");
	return 0;
}

static void command(const char *verb, const char *key, size_t nkey)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "*2\r\n$%zu\r\n%s\r\n$%zu\r\n", strlen(verb), verb, nkey);
	if (n < 0 || (size_t)n + nkey + 2 > sizeof buf)
		die("redis", "key too long");
	memcpy(buf + n, key, nkey);
	memcpy(buf + n + nkey, "\r\n", 2);
	if (write(sock, buf, (size_t)n + nkey + 2) < 0)
		die("redis", "write failed");
}

static void redis_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int one = 1;
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&a, sizeof a) != 0)
		die("redis", "cannot connect");
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---- timing ------------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* report: sort ms[0..n) and print its line and target; returns 0 on a FAIL. */
static int report(const char *name, double *ms, int n, int point)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	double p50 = ms[n / 2], p99 = ms[(int)(0.99 * n) < n ? (int)(0.99 * n) : n - 1], max = ms[n - 1];
	int ok = point ? p99 < 1 : max < 50;
	printf("  %-46s %6d queries  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  %s (%s < %s)\n", name, n, p50, p99, max,
	       ok ? "PASS" : "FAIL", point ? "p99" : "max", point ? "1 ms" : "50 ms");
	return ok;
}

/* ---- SQLite ------------------------------------------------------------- */

static sqlite3 *db;

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql, sqlite3_errmsg(db));
	return st;
}

/* column0: every first column of sql's rows, strdup'ed; *n their count. */
static char **column0(const char *sql, int *n)
{
	sqlite3_stmt *st = prepare(sql);
	char **v = NULL;
	int cap = 0;
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap)
			v = realloc(v, (size_t)(cap = cap ? 2 * cap : 1024) * sizeof *v);
		const char *t = (const char *)sqlite3_column_text(st, 0);
		v[(*n)++] = strdup(t ? t : "");
	}
	sqlite3_finalize(st);
	return v;
}

/* run: step st (with text parameter p, or none) to its end; returns rows. */
static int run(sqlite3_stmt *st, const char *p)
{
	int rows = 0;
	if (p)
		sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		rows++;
	sqlite3_reset(st);
	return rows;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_random(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage", "bench-export-client DB REDIS_PORT PREFIX N");
	int n = atoi(argv[4]), nid, narch, ok = 1;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(argv[1], sqlite3_errmsg(db));
	char **ids = column0("SELECT learner_id FROM learners", &nid);
	char **arch = column0("SELECT archetype FROM archetype_counts WHERE table_name = 'learners' AND archetype NOT NULL", &narch);
	if (!nid || !narch)
		die(argv[1], "no learners or no archetypes");
	redis_connect(atoi(argv[2]));
	double *ms = malloc((size_t)n * sizeof *ms);
	char key[4096];
	sqlite3_stmt *point = prepare("SELECT archetype, roi_multiplier, churn_risk FROM learners WHERE learner_id = ?1");
	sqlite3_stmt *top = prepare("SELECT learner_id, churn_risk FROM learners WHERE archetype = ?1 "
				    "ORDER BY churn_risk DESC LIMIT 100");
	sqlite3_stmt *counts = prepare("SELECT archetype, learners FROM archetype_counts WHERE table_name = 'learners'");
	sqlite3_stmt *group = prepare("SELECT archetype, count(*) FROM learners GROUP BY archetype");
	for (int i = 0; i < 1000; i++) {   /* warm up the pages and the paths */
		const char *id = ids[next_random() % (uint64_t)nid];
		run(point, id);
		command("HGETALL", key, (size_t)snprintf(key, sizeof key, "%s:learner:%s", argv[3], id));
		reply();
	}
	for (int i = 0; i < n; i++) {
		const char *id = ids[next_random() % (uint64_t)nid];
		double t = now_ms();
		if (run(point, id) != 1)
			die(id, "not found");
		ms[i] = now_ms() - t;
	}
	ok &= report("SQLite: one learner by learner_id", ms, n, 1);
	for (int i = 0; i < n; i++) {
		size_t k = (size_t)snprintf(key, sizeof key, "%s:learner:%s", argv[3], ids[next_random() % (uint64_t)nid]);
		double t = now_ms();
		command("HGETALL", key, k);
		if (reply() == 0)
			die(key, "no such key");
		ms[i] = now_ms() - t;
	}
	ok &= report("Redis: HGETALL PREFIX:learner:ID", ms, n, 1);
	for (int i = 0; i < n; i++) {
		double t = now_ms();
		run(top, arch[i % narch]);
		ms[i] = now_ms() - t;
	}
	ok &= report("SQLite: top 100 churn_risk of one archetype", ms, n, 0);
	for (int i = 0; i < n; i++) {
		double t = now_ms();
		run(counts, NULL);
		ms[i] = now_ms() - t;
	}
	ok &= report("SQLite: counts by archetype (archetype_counts)", ms, n, 0);
	int m = n / 50 > 0 ? n / 50 : 1;
	for (int i = 0; i < m; i++) {
		double t = now_ms();
		run(group, NULL);
		ms[i] = now_ms() - t;
	}
	report("SQLite: counts by archetype (GROUP BY, context)", ms, m, 0);
	printf("  targets (point p99 < 1 ms, the others max < 50 ms): %s\n", ok ? "all met" : "not all met");
	return 0;
}
