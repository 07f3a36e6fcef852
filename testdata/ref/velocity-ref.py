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
import sys

from tlref import DAY, US, main, parse_duration

FIELDS = ["interactions", "adoptions", "periods", "tenure_days",
          "velocity_simple", "velocity", "velocity_trend", "velocity_next",
          "velocity_momentum"]
LABELS = ["next_velocity_actual", "next_active", "next_velocity_active"]


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
        out["next_active"] = "1" if win else "0"
        out["next_velocity_active"] = sum(win) / len(win) if win else None
    return out


def expect(events, T, o):
    return velocity(events, T, parse_duration(o.period), o.alpha, parse_duration(o.decay_half_life),
                    o.trend_window, o.label)


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


if __name__ == "__main__":
    sys.exit(main(__doc__, options, lambda o: FIELDS + (LABELS if o.label else []), expect))
