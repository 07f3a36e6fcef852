#!/usr/bin/env python3
"""velocity-ref.py - an independent reference of tl-velocity, written from
DESIGN.md (§2 records and actions, §3 time, periods and labels, §6.1, §6.5)
and tl-velocity(1) alone, in Python with the standard library only; it
shares no code with common/.

usage: velocity-ref.py EVENTS.csv OPTIONS OUTPUT.csv [-- OPTIONS OUTPUT.csv]...
OPTIONS: --as-of TIME (required) [--period DUR] [--alpha A]
         [--decay-half-life DUR] [--trend-window W] [--label]

EVENTS.csv is the event CSV given to tl-velocity (grouped by learner; any
column other than the five canonical ones is a learner attribute), and each
OUTPUT.csv what `tl-velocity -o csv` wrote for it with the OPTIONS before
it (one run per `--`-separated group, so the events are read once).

For each run the reference recomputes every field of every learner and
compares: the header (learner_id, attributes, fields), the learners and
their order, the attributes (first row's value), counts exactly, other
numbers with a relative tolerance of 1e-5 (absolute 1e-9 near 0: the tool
prints %.6g), empty fields on both sides, and as_of (ISO-8601 UTC, the
same instant). Mismatches are printed (learner, field, tool value,
reference value) and the exit status is 1; else one summary line per run.
Times are exact (integer microseconds); the EMA and the fit in floats.
"""
import argparse
import csv
import datetime
import math
import os
import re
import sys
from fractions import Fraction

DAY = 86400
US = 1000000                                  # times are integer microseconds
EPOCH = datetime.date(1970, 1, 1).toordinal()
CANON = ("learner_id", "ts", "domain", "capability", "action")
FIELDS = ["interactions", "adoptions", "periods", "tenure_days",
          "velocity_simple", "velocity", "velocity_trend", "velocity_next",
          "velocity_momentum"]
COUNTS = {"interactions", "adoptions", "periods"}

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
            raise SystemExit("velocity-ref: more than 6 digits of fraction in %r" % s)
        t += int((frac + "000000")[:6])
    return t


def parse_duration(s):
    """a bare number is seconds; units s m h d w -> integer microseconds"""
    mult = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}
    k = 1
    if s and s[-1] in mult:
        s, k = s[:-1], mult[s[-1]]
    d = Fraction(s) * k * US
    if d.denominator != 1:
        raise SystemExit("velocity-ref: duration %r is not whole microseconds" % s)
    return int(d)


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
            raise SystemExit("velocity-ref: a row with %d fields: %r" % (len(r), r))
        get = lambda c: r[col[c]] if c in col else ""
        lid = get("learner_id")
        if not learners or learners[-1][0] != lid:
            if lid in seen:
                raise SystemExit("velocity-ref: learner %r is not grouped" % lid)
            seen.add(lid)
            learners.append((lid, {a: r[col[a]] for a in attrs}, []))
        cap, act = get("capability"), get("action")
        if act == "":
            act = "use" if cap else "interact"
        if act == "adopt":
            act = "use"
        if act not in ("use", "interact"):
            raise SystemExit("velocity-ref: unknown action %r" % act)
        if act == "use" and cap == "":
            act = "interact"                              # §6.5
        learners[-1][2].append((parse_time(get("ts")), get("domain"), cap, act))
    return attrs, learners


def ols(xs, ys):
    n = len(xs)
    mx = sum(xs) / n
    my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    return b, my - b * mx


def velocity(events, T, P, alpha, hv, W, label):
    """the expected field values (str for counts, float, or None = empty)"""
    evs = sorted(events, key=lambda e: e[0])            # stable: ties keep input order
    used = set()
    adopt = []                                           # first use ever, in ts order
    for ts, dom, cap, act in evs:
        a = act == "use" and cap not in used
        if act == "use":
            used.add(cap)
        adopt.append(a)
    out = {}
    past = [(e, a) for e, a in zip(evs, adopt) if e[0] <= T]
    if not past:
        out.update(interactions="0", adoptions="0", periods="0")
        for f in FIELDS[3:]:
            out[f] = None
    else:
        t0 = past[0][0][0]
        K = (T - t0) // P
        I = [0] * (K + 1)
        A = [0] * (K + 1)
        for (ts, _, _, _), a in past:
            p = (ts - t0) // P
            I[p] += 1
            A[p] += a
        E = []
        for p in range(K + 1):
            v = A[p] / I[p] if I[p] else 0.0
            age = max(0, T - (t0 + (p + 1) * P))         # microseconds
            decay = 1.0 if hv == 0 else 2.0 ** (-(age / hv))
            E.append(v * decay if p == 0 else alpha * v * decay + (1 - alpha) * E[-1])
        lo = max(0, K - W + 1)
        xs = list(range(lo, K + 1))
        if len(xs) == 1:
            trend, nxt = 0.0, E[K]
        else:
            trend, icept = ols([float(x) for x in xs], E[lo:])
            nxt = min(1.0, max(0.0, icept + trend * (K + 1)))
        mx = max(E)
        out.update(interactions=str(sum(I)), adoptions=str(sum(A)), periods=str(K + 1),
                   tenure_days=(T - t0) / (DAY * US),
                   velocity_simple=sum(A) / sum(I), velocity=E[K],
                   velocity_trend=trend, velocity_next=nxt,
                   velocity_momentum=E[K] / mx if mx > 0 else 0.0)
    if label:
        win = [a for e, a in zip(evs, adopt) if T < e[0] <= T + P]
        out["next_velocity_actual"] = sum(win) / len(win) if win else 0.0
    return out


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
    ap = argparse.ArgumentParser(prog="velocity-ref.py")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--period", default="7d")
    ap.add_argument("--alpha", type=float, default=0.3)
    ap.add_argument("--decay-half-life", default="90d")
    ap.add_argument("--trend-window", type=int, default=8)
    ap.add_argument("--label", action="store_true")
    ap.add_argument("output")
    return ap.parse_args(argv)


def check(o, attrs, learners):
    """compare one tool output with the reference; prints, returns ok"""
    name = "velocity-ref: %s [%s]" % (os.path.basename(o.output), " ".join(o.argv))
    T = parse_time(o.as_of)
    P = parse_duration(o.period)
    hv = parse_duration(o.decay_half_life)
    fields = FIELDS + (["next_velocity_actual"] if o.label else [])
    with open(o.output, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    want_header = ["learner_id"] + attrs + fields + ["as_of"]
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
        for a in attrs:
            nfields += 1
            if tool[a] != av[a]:
                bad.append((lid, a, tool[a], av[a]))
        ref = velocity(events, T, P, o.alpha, hv, o.trend_window, o.label)
        for f in fields:
            nfields += 1
            t, x = tool[f], ref[f]
            if x is None or f in COUNTS:
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
    for a in argv[1:]:
        if a == "--":
            runs.append([])
        else:
            runs[-1].append(a)
    opts = []
    for r in runs:
        o = options(r)
        o.argv = r[:-1]
        opts.append(o)
    attrs, learners = read_learners(argv[0])
    ok = True
    for o in opts:
        ok &= check(o, attrs, learners)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
