#!/usr/bin/env python3
"""bench-export-query.py - the cache hit rate of what tl-export wrote
(make bench; scripts/bench-export.sh drives it; latency is
scripts/bench-export-client.c's).

  bench-export-query.py hits DB REDIS_PORT PREFIX EVENTS ASOF [HOURS]
      EVENTS: one line per event of the day replayed, "ID<TAB>TS<TAB>FIRST"
      (the event's time, the learner's first event). Each event is one
      lookup of its learner. Prints the share found in SQLite and in Redis
      by learner and by lookup (event-weighted); how many misses are
      learners new since ASOF (their first event later: no export as of
      ASOF can hold them) and the share of those in the day. With HOURS
      (comma-separated), a model: the share of lookups found had an
      --upsert run every H hours after ASOF, each one instant and holding
      every learner whose first event came before it.

SQLite through Python's sqlite3 module (the system libsqlite3); Redis
through a socket speaking RESP, one command at a time.
"""
import datetime
import math
import socket
import sqlite3
import sys


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


def when(ts):
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def pct(k, n):
    return 100.0 * k / max(1, n)


def hits(db, port, prefix, eventfile, asof, hours=""):
    events = []
    first = {}
    with open(eventfile, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            i, ts, f0 = line.rstrip("\n").split("\t")
            events.append((i, when(ts)))
            first[i] = when(f0)
    t0 = when(asof)
    ids = sorted(first)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    r = Resp(port)
    key = prefix.encode() + b":learner:"
    in_sql = {i for i in ids if con.execute("SELECT 1 FROM learners WHERE learner_id = ?", (i,)).fetchone()}
    in_redis = {i for i in ids if r.cmd("EXISTS", key + i.encode()) == 1}
    new = {i for i in ids if first[i] > t0}
    lookups = [i for i, _ in events]
    for what, keys in (("learners", ids), ("lookups (one per event)", lookups)):
        n = len(keys)
        miss = [k for k in keys if k not in in_sql or k not in in_redis]
        print("  %-24s %8d: SQLite hits %6.2f%%, Redis hits %6.2f%%; %d misses, %d of them new since %s" % (
            what, n, pct(sum(k in in_sql for k in keys), n), pct(sum(k in in_redis for k in keys), n),
            len(miss), sum(k in new for k in miss), asof))
    print("  new learners since %s: %.2f%% of the day's learners, %.2f%% of its lookups" % (
        asof, pct(len(new), len(ids)), pct(sum(i in new for i in lookups), len(lookups))))
    for h in [float(x) for x in hours.split(",") if x]:
        # found: known at the as-of, or an upsert at t0 + k h (k >= 1) between the first event and the lookup
        found = sum(first[i] <= t0 or math.floor((t - t0) / (3600 * h)) >= math.ceil(max(first[i] - t0, 1e-9) / (3600 * h))
                    for i, t in events)
        print("  model, an --upsert every %4g h: %6.2f%% of the lookups found" % (h, pct(found, len(events))))


if __name__ == "__main__":
    {"hits": hits}[sys.argv[1]](*sys.argv[2:])
