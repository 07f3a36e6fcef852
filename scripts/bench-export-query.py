#!/usr/bin/env python3
"""bench-export-query.py - query latency and cache hit rate of what
tl-export wrote (make bench; scripts/bench-export.sh drives it).

  bench-export-query.py latency DB REDIS_PORT PREFIX N
      p50/p99/max (ms) over N queries each: SQLite point lookups of a random
      learner_id, Redis HGETALL of one, the top 100 by churn_risk of one
      archetype (archetypes in turn), counts by archetype from
      archetype_counts and (N/50 times) the same GROUP BY over the table.
  bench-export-query.py hits DB REDIS_PORT PREFIX IDS
      the share of the learners of file IDS (a learner id a line, one line
      per event) found in SQLite and in Redis, by learner and by event.

SQLite through Python's sqlite3 module (the system libsqlite3); Redis
through a socket speaking RESP, one command at a time, as a service
would. Timings include the client's own overhead (a few microseconds).
"""
import gc
import random
import socket
import sqlite3
import sys
import time


class Resp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", int(port)))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def cmd(self, *args):
        args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        return self.read()

    def read(self):
        line = self.f.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        if kind == b":":
            return int(rest)
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest


def timed(name, n, fn):
    ms = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    pct = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
    print("  %-44s %7d queries  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms" % (name, n, pct(0.5), pct(0.99), ms[-1]))
    return pct(0.99), ms[-1]


def latency(db, port, prefix, n):
    n = int(n)
    gc.disable()   # a full collection's pause is the client's, not the store's
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    ids = [r[0] for r in con.execute("SELECT learner_id FROM learners")]
    arch = [r[0] for r in con.execute("SELECT archetype FROM archetype_counts WHERE table_name = 'learners'")]
    rnd = random.Random(1)
    pick = [rnd.choice(ids) for _ in range(n)]
    r = Resp(port)
    key = prefix.encode() + b":learner:"
    for i in range(min(n, 1000)):   # warm up: the stores' pages and the client's paths
        con.execute("SELECT churn_risk FROM learners WHERE learner_id = ?", (pick[i],)).fetchall()
        r.cmd("HGETALL", key + pick[i].encode())
    res = {}
    res["sqlite point"] = timed("SQLite: one learner by learner_id", n, lambda i: con.execute(
        "SELECT archetype, roi_multiplier, churn_risk FROM learners WHERE learner_id = ?", (pick[i],)).fetchall())
    res["redis point"] = timed("Redis: HGETALL PREFIX:learner:ID", n, lambda i: r.cmd("HGETALL", key + pick[i].encode()))
    res["top100"] = timed("SQLite: top 100 churn_risk of one archetype", n, lambda i: con.execute(
        "SELECT learner_id, churn_risk FROM learners WHERE archetype = ? ORDER BY churn_risk DESC LIMIT 100",
        (arch[i % len(arch)],)).fetchall())
    res["counts"] = timed("SQLite: counts by archetype (archetype_counts)", n, lambda i: con.execute(
        "SELECT archetype, learners FROM archetype_counts WHERE table_name = 'learners'").fetchall())
    res["group by"] = timed("SQLite: counts by archetype (GROUP BY)", max(1, n // 50), lambda i: con.execute(
        "SELECT archetype, count(*) FROM learners GROUP BY archetype").fetchall())
    for name, (p99, mx) in res.items():
        goal = "p99 < 1 ms" if "point" in name else "< 50 ms"
        point = "point" in name
        ok = p99 < 1 if point else mx < 50
        print("  target %-14s %-12s %s (%s %.3f ms)" % (name, goal, "PASS" if ok else "FAIL", "p99" if point else "max",
                                                       p99 if point else mx))


def hits(db, port, prefix, idfile):
    events = [l.rstrip("\n") for l in open(idfile, encoding="utf-8", errors="surrogateescape") if l.strip()]
    ids = sorted(set(events))
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    r = Resp(port)
    key = prefix.encode() + b":learner:"
    in_sql = {i for i in ids if con.execute("SELECT 1 FROM learners WHERE learner_id = ?", (i,)).fetchone()}
    in_redis = {i for i in ids if r.cmd("EXISTS", key + i.encode()) == 1}
    for what, n, s, k in (("learners", len(ids), len(in_sql), len(in_redis)),
                          ("lookups (one per event)", len(events), sum(e in in_sql for e in events),
                           sum(e in in_redis for e in events))):
        print("  %-24s %8d: SQLite hits %.2f%%, Redis hits %.2f%% (%d misses)" % (
            what, n, 100.0 * s / max(1, n), 100.0 * k / max(1, n), n - k))


if __name__ == "__main__":
    {"latency": latency, "hits": hits}[sys.argv[1]](*sys.argv[2:])
