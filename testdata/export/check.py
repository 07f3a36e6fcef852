#!/usr/bin/env python3
"""check.py - compare what tl-export wrote with its input, field by field,
through the real stores (written from tl-export(1) and the issue alone).

  check.py sqlite DB TABLE INPUT          the sqlite3 command's view of TABLE
  check.py redis PORT PREFIX INPUT [N]    HGETALL of every Nth learner (default 1)
  check.py resp PORT CMD ARG...           one command, the reply as Python repr

INPUT is learner rows (CSV) or learner documents (NDJSON). Values are
compared as bytes (CSV read with surrogateescape), so binary ids and
values are checked exactly. Prints "all match: N learners" or the
mismatches, and exits 1 on a mismatch.
"""
import csv
import json
import math
import re
import socket
import subprocess
import sys

INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
NUM = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
ORDER = {"NULL": 0, "INTEGER": 1, "REAL": 2, "TEXT": 3}


def b(s):
    return s.encode("utf-8", "surrogateescape")


def read_input(path):
    """[(id, {field: text})] in input order, and the field names in order."""
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        first = f.read(1)
        f.seek(0)
        if first != "{":
            rows = list(csv.DictReader(f))
            names = list(rows[0].keys()) if rows else []
            return [(r["learner_id"], r) for r in rows], names
        out, names = [], []
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            row = {}
            for k, v in doc.items():
                if k == "events":
                    continue
                if v is None:
                    v = ""
                elif v is True or v is False:
                    v = "1" if v else "0"
                elif not isinstance(v, str):
                    v = json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list)) else repr_num(line, k)
                row[k] = v
                if k not in names:
                    names.append(k)
            out.append((row["learner_id"], row))
        return out, names


def repr_num(line, key):
    """The number of member key exactly as written in line."""
    m = re.search(r'"%s":(-?[0-9][0-9.eE+-]*)' % re.escape(key), line)
    return m.group(1)


def type_of(text):
    if text == "":
        return "NULL"
    if INT.match(text) and text != "-0" and -2**63 <= int(text) < 2**63:
        return "INTEGER"
    if NUM.match(text) and float(text) == 0 and text.startswith("-"):
        return "TEXT"   # SQLite keeps no negative zero
    if NUM.match(text) and math.isfinite(float(text)):
        return "REAL"
    return "TEXT"


def sqlite(db, table, path):
    rows, names = read_input(path)
    want = {n: max((type_of(r[n]) for _, r in rows), key=ORDER.get, default="NULL") for n in names}
    want = {n: ("TEXT" if t == "NULL" or n == "learner_id" else t) for n, t in want.items()}
    q = lambda n: '"' + n.replace('"', '""') + '"'
    decl = subprocess.run(["sqlite3", db, "SELECT name, type FROM pragma_table_info('%s')" % table.replace("'", "''")],
                          capture_output=True, check=True).stdout.decode().splitlines()
    have = dict(line.split("|", 1) for line in decl)
    bad = ["column %s: declared %s, want %s" % (n, have.get(n), t) for n, t in want.items() if have.get(n) != t]
    sel = ", ".join("typeof(%s) || ':' || CASE typeof(%s) WHEN 'text' THEN hex(%s) WHEN 'real' THEN printf('%%!.17g', %s) "
                    "ELSE quote(%s) END" % ((q(n),) * 5) for n in names)
    out = subprocess.run(["sqlite3", "-separator", "|", db, "SELECT %s FROM %s ORDER BY rowid" % (sel, q(table))],
                         capture_output=True, check=True).stdout.decode().splitlines()
    if len(out) != len(rows):
        bad.append("%d rows in the table, %d in the input" % (len(out), len(rows)))
    for (lid, r), line in zip(rows, out):
        for n, cell in zip(names, line.split("|")):
            kind, _, val = cell.partition(":")
            t, v = want[n], r[n]
            ok = (kind == "null") if v == "" else {
                "INTEGER": lambda: kind == "integer" and int(val) == int(v),
                "REAL": lambda: kind == "real" and float(val) == float(v),
                "TEXT": lambda: kind == "text" and bytes.fromhex(val) == b(v)}[t]()
            if not ok:
                bad.append("learner %r field %s: table %s, input %r" % (lid, n, cell, v))
    report(bad, len(rows))


def resp_cmd(sock, *args):
    msg = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    sock.sendall(msg)
    return resp_read(sock.makefile("rb"))


def resp_read(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-"):
        return (kind + rest).decode()
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [resp_read(f) for _ in range(int(rest))]
    raise ValueError("bad reply %r" % line)


def redis(port, prefix, path, every=1):
    rows, names = read_input(path)
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    bad = []
    sampled = rows[::int(every)]
    for lid, r in sampled:
        got = resp_cmd(sock, b"HGETALL", b(prefix) + b":learner:" + b(lid))
        got = dict(zip(got[::2], got[1::2]))
        want = {b(n): b(r[n]) for n in names}
        if got != want:
            bad.append("learner %r: HGETALL %r, row %r" % (lid, got, want))
    report(bad, len(sampled))


def report(bad, n):
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(1)
    print("all match: %d learners" % n)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sqlite":
        sqlite(*args)
    elif cmd == "redis":
        redis(*args)
    elif cmd == "resp":
        s = socket.create_connection(("127.0.0.1", int(args[0])), timeout=10)
        print(repr(resp_cmd(s, *[b(a) for a in args[1:]])))
