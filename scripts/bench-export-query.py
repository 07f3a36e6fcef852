#!/usr/bin/env python3
"""bench-export-query.py - the cache hit rate of what tl-export wrote
(make bench; scripts/bench-export.sh drives it; latency is
scripts/bench-export-client.c's).

  bench-export-query.py hits DB REDIS_PORT PREFIX IDS
      the share of the learners of file IDS (a learner id a line, one line
      per event) found in SQLite and in Redis, by learner and by event.

SQLite through Python's sqlite3 module (the system libsqlite3); Redis
through a socket speaking RESP, one command at a time.
"""
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
    {"hits": hits}[sys.argv[1]](*sys.argv[2:])
