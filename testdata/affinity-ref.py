#!/usr/bin/env python3
"""affinity-ref.py - an independent reference of tl-affinity, written from
DESIGN.md (§2 records and actions, §3 time, §6.2, §6.5) and tl-affinity(1)
alone, in Python with the standard library only; it shares no code with
common/.

usage: affinity-ref.py EVENTS.csv OPTIONS OUTPUT.csv [-- OPTIONS OUTPUT.csv]...
OPTIONS: --as-of TIME (required) [--domains M] [--max-entropy H]
         [--min-top-share S]

EVENTS.csv is the event CSV given to tl-affinity (grouped by learner; any
column other than the five canonical ones is a learner attribute), and each
OUTPUT.csv what `tl-affinity -o csv` wrote for it with the OPTIONS before
it (one run per `--`-separated group, so the events are read once). M is 8
without --domains (the built-in configuration; --config is not modelled).

For each run the reference recomputes every field of every learner and
compares: the header (learner_id, attributes, fields), the learners and
their order, the attributes (first row's value), counts and names exactly,
other numbers with a relative tolerance of 1e-5 (absolute 1e-9 near 0: the
tool prints %.6g), empty fields on both sides, and as_of (ISO-8601 UTC, the
same instant). is_specialist must be exact (the top share n/N is one
division, compared exactly with --min-top-share) unless the entropy is
within 1e-9 of --max-entropy, where the order of the sum decides.
Mismatches are printed (learner, field, tool value, reference value) and
the exit status is 1; else one summary line per run.
"""
import argparse
import csv
import datetime
import math
import os
import re
import sys

DAY = 86400
US = 1000000                                  # times are integer microseconds
EPOCH = datetime.date(1970, 1, 1).toordinal()
CANON = ("learner_id", "ts", "domain", "capability", "action")
FIELDS = ["domain_entropy", "domain_concentration", "top_domain",
          "top_domain_share", "domains", "is_specialist", "transfer_score",
          "transfer_pair"]
EXACT = {"domains", "top_domain", "transfer_pair"}

ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)"
                 r"(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
                 r"(Z|[+-]\d\d(?::?\d\d)?)?)?$")


def parse_time(s):
    """DESIGN §3/§6.5: ISO-8601 or all-digit epoch seconds -> integer UTC
    microseconds (exact: the populations checked hold at most 6 digits of
    fraction, and a longer fraction is refused rather than rounded)"""
    if s.isdigit():
        return int(s) * US
    m = ISO.fullmatch(s)
    if not m:
        raise ValueError("bad timestamp %r" % s)
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    t = (datetime.date(int(y), int(mo), int(d)).toordinal() - EPOCH) * DAY
    if hh is not None:
        t += int(hh) * 3600 + int(mi) * 60 + int(ss or 0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        t -= sign * (int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0))
    t *= US
    if frac:
        if len(frac.rstrip("0")) > 6:
            raise SystemExit("affinity-ref: more than 6 digits of fraction in %r" % s)
        t += int((frac + "000000")[:6])
    return t


def read_learners(path):
    """[(learner_id, attrs{name: first row's value}, [events in input order])]
    an event is (ts, domain, capability, kind) with kind use|interact"""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r]           # blank lines skipped
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    attrs = [name for name in header if name not in CANON]
    learners = []
    seen = set()
    for r in rows[1:]:
        if len(r) != len(header):
            raise SystemExit("affinity-ref: a row with %d fields: %r" % (len(r), r))
        get = lambda c: r[col[c]] if c in col else ""
        lid = get("learner_id")
        if not learners or learners[-1][0] != lid:
            if lid in seen:
                raise SystemExit("affinity-ref: learner %r is not grouped" % lid)
            seen.add(lid)
            learners.append((lid, {a: r[col[a]] for a in attrs}, []))
        cap, act = get("capability"), get("action")
        if act == "":
            act = "use" if cap else "interact"
        if act == "adopt":
            act = "use"
        if act not in ("use", "interact"):
            raise SystemExit("affinity-ref: unknown action %r" % act)
        if act == "use" and cap == "":
            act = "interact"                              # §6.5
        learners[-1][2].append((parse_time(get("ts")), get("domain"), cap, act))
    return attrs, learners


def bkey(name):
    """byte order of the UTF-8 name"""
    return name.encode("utf-8", "surrogateescape")


def affinity(events, T, M, max_h, min_share):
    """the expected field values (str for counts and names, float, or None
    = empty) and the entropy and top share behind is_specialist"""
    evs = sorted(events, key=lambda e: e[0])            # stable: ties keep input order
    n = {}                                               # n_d
    u = {}                                               # u_d
    a = {}                                               # a_d
    used = set()
    for ts, dom, cap, act in evs:
        if ts > T:
            break                                        # future events: unused
        adoption = act == "use" and cap not in used
        if act == "use":
            used.add(cap)
        if dom == "":
            continue
        n[dom] = n.get(dom, 0) + 1
        if act == "use":
            u[dom] = u.get(dom, 0) + 1
            if adoption:
                a[dom] = a.get(dom, 0) + 1
    D = len(n)
    out = dict.fromkeys(FIELDS)
    out["domains"] = str(D)
    if D == 0:
        return out, None, None
    N = sum(n.values())
    H = 0.0
    for d, c in n.items():
        p = c / N
        H -= p * math.log2(p)
    if D == 1:
        H = 0.0
    conc = 0.0 if D > M else min(1.0, max(0.0, 1 - H / math.log2(M)))
    top = min(n, key=lambda d: (-n[d], bkey(d)))
    share = n[top] / N
    out.update(domain_entropy=H, domain_concentration=conc, top_domain=top,
               top_domain_share=share,
               is_specialist="1" if H < max_h and share > min_share else "0")
    su, sa = sum(u.values()), sum(a.values())
    if su and sa:
        cross = su * sa - sum(u[d] * a.get(d, 0) for d in u)
        out["transfer_score"] = cross / (su * sa)
    best, pair = 0, ""
    for A in sorted(u, key=bkey):
        for B in sorted(a, key=bkey):
            if A != B and u[A] * a[B] > best:
                best, pair = u[A] * a[B], A + ">" + B
    out["transfer_pair"] = pair                          # "" when the largest is 0
    return out, H, share


def close(tool, ref):
    try:
        x = float(tool)
    except ValueError:
        return False
    if not math.isfinite(x):
        return False
    return abs(x - ref) <= max(1e-9, 1e-5 * max(abs(x), abs(ref)))


def iso_utc_ok(s, T):
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", s):
        return False
    return parse_time(s) == T


def options(argv):
    ap = argparse.ArgumentParser(prog="affinity-ref.py")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--domains", type=int, default=8)
    ap.add_argument("--max-entropy", type=float, default=1.2)
    ap.add_argument("--min-top-share", type=float, default=0.6)
    ap.add_argument("output")
    return ap.parse_args(argv)


def check(o, attrs, learners):
    """compare one tool output with the reference; prints, returns ok"""
    name = "affinity-ref: %s [%s]" % (os.path.basename(o.output), " ".join(o.argv))
    T = parse_time(o.as_of)
    with open(o.output, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    want_header = ["learner_id"] + attrs + FIELDS + ["as_of"]
    if not got or got[0] != want_header:
        print("%s: header differs\n  tool: %s\n  ref:  %s"
              % (name, got[0] if got else None, want_header))
        return False
    rows = got[1:]
    if [r[0] for r in rows] != [lid for lid, _, _ in learners]:
        print("%s: learners or their order differ: tool %d, reference %d"
              % (name, len(rows), len(learners)))
        for i, (r, l) in enumerate(zip(rows, learners)):
            if r[0] != l[0]:
                print("  first difference at row %d: tool %r, reference %r" % (i + 1, r[0], l[0]))
                break
        return False
    bad = []
    nfields = 0
    for r, (lid, av, events) in zip(rows, learners):
        if len(r) != len(want_header):
            bad.append((lid, "(row length)", len(r), len(want_header)))
            continue
        tool = dict(zip(want_header, r))
        for at in attrs:
            nfields += 1
            if tool[at] != av[at]:
                bad.append((lid, at, tool[at], av[at]))
        ref, H, share = affinity(events, T, o.domains, o.max_entropy, o.min_top_share)
        for f in FIELDS:
            nfields += 1
            t, x = tool[f], ref[f]
            if f == "is_specialist" and x is not None and abs(H - o.max_entropy) < 1e-9:
                ok = t in ("0", "1")                     # H at the threshold: summation order decides
            elif x is None or f in EXACT or f == "is_specialist":
                ok = t == ("" if x is None else x)
            else:
                ok = close(t, x)
            if not ok:
                bad.append((lid, f, t, "" if x is None else x))
        nfields += 1
        if not iso_utc_ok(tool["as_of"], T):
            bad.append((lid, "as_of", tool["as_of"], o.as_of))
    for lid, f, t, x in bad[:30]:
        print("%s: MISMATCH learner %r field %s: tool %r, reference %r" % (name, lid, f, t, x))
    if bad:
        print("%s: %d mismatches in %d fields of %d learners"
              % (name, len(bad), nfields, len(learners)))
        return False
    print("%s: %d learners, %d fields compared, all match" % (name, len(learners), nfields))
    return True


def main():
    argv = sys.argv[1:]
    if len(argv) < 2 or argv[0].startswith("-"):
        sys.exit(__doc__.split("\n\n")[1].strip())
    runs = [[]]
    for arg in argv[1:]:
        if arg == "--":
            runs.append([])
        else:
            runs[-1].append(arg)
    opts = []
    for r in runs:
        o = options(r)
        if o.domains < 2:
            sys.exit("affinity-ref: --domains below 2 is a usage error")
        o.argv = r[:-1]
        opts.append(o)
    attrs, learners = read_learners(argv[0])
    ok = True
    for o in opts:
        ok &= check(o, attrs, learners)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
