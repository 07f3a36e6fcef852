#!/usr/bin/env python3
"""retention-ref.py - an independent reference of tl-retention's learner
fields, written from DESIGN.md (§2 records and actions, §3 time, periods and
labels, §6.3, §6.5) and tl-retention(1) alone, in Python with the standard
library only; it shares no code with common/.

usage: retention-ref.py EVENTS.csv OPTIONS OUTPUT.csv [-- OPTIONS OUTPUT.csv]...
OPTIONS: --as-of TIME (required) [--half-life DUR] [--recency-half-life DUR]
         [--reuse-weight W] [--period DUR] [--model FILE] [--label]
         [--churn-horizon DUR] [--after-velocity]

EVENTS.csv is the event CSV given to tl-retention (grouped by learner; any
column other than the five canonical ones is a learner attribute), and each
OUTPUT.csv what `tl-retention -o csv` wrote for it with the OPTIONS before
it (one run per `--`-separated group, so the events are read once).
--model FILE is a model CSV as `tl-retention --fit` writes it: h_c is the
capability's half_life_days, else (no row, or an empty half-life) the `*`
row's, else --half-life (§6.5). The churn weights are the built-in 0.7 and
0.3 (--config is not modelled).

--after-velocity is not a tl-retention option: it says that OUTPUT.csv is
what `tl-velocity --as-of TIME EVENTS.csv | tl-retention OPTIONS -o csv`
wrote (tl-velocity with its defaults). The record then carries
velocity_momentum, which this reference takes from velocity-ref.py (itself
written from DESIGN §6.1 alone); the velocity fields are compared too, and
churn_risk = 1 - (0.7 retention_strength + 0.3 velocity_momentum), both
inputs rounded to 6 significant digits as written in records
(tl-retention(1), churn_risk). The header is then learner_id, the
attributes, the velocity fields, as_of, the retention fields.

For each run the reference recomputes every field of every learner and
compares: the header, the learners and their order, the attributes (first
row's value), counts exactly, other numbers with a relative tolerance of
1e-5 (absolute 1e-9 near 0: the tool prints %.6g), empty fields on both
sides, and as_of (ISO-8601 UTC, the same instant). Mismatches are printed
(learner, field, tool value, reference value) and the exit status is 1;
else one summary line per run. Times are exact (integer microseconds); the
weights and scores in floats.
"""
import argparse
import csv
import datetime
import importlib.util
import math
import os
import sys

from tlref import DAY, EPOCH, US, close, main, parse_duration

FIELDS = ["capabilities", "reuses", "days_since_last", "reuse_score",
          "retention_strength", "churn_risk", "active_days", "events_last_7d",
          "events_prev_7d", "events_last_3d", "active_days_7d", "active_days_14d",
          "active_days_decayed", "activity_trend", "longest_gap_days", "weekend_share",
          "events_per_active_day"]
COUNTS = ("capabilities", "reuses", "active_days", "events_last_7d", "events_prev_7d",
          "events_last_3d", "active_days_7d", "active_days_14d")
CHURN_W = (0.7, 0.3)          # built-in v2 config: retention_strength, velocity_momentum

_velocity_ref = None


def velocity_ref():
    """testdata/ref/velocity-ref.py as a module (its name has a dash)"""
    global _velocity_ref
    if _velocity_ref is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "velocity-ref.py")
        spec = importlib.util.spec_from_file_location("velocity_ref", path)
        _velocity_ref = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_velocity_ref)
    return _velocity_ref


def days(us):
    return us / (DAY * US)


def read_model(path):
    """{capability: half_life_days or None (empty)} of a --fit model CSV"""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["capability"]: (float(r["half_life_days"]) if r["half_life_days"] != "" else None)
            for r in rows}


def half_life(cap, model, default):
    """§6.5: the capability's row, else the * row, else --half-life"""
    if model is not None:
        for key in (cap, "*"):
            if model.get(key) is not None:
                return model[key]
    return default


def r6(x):
    """x as written in a record (%.6g)"""
    return float("%.6g" % x)


def r6_any(x):
    """the values x may be written as when the tool's x is a few ulps off"""
    return {r6(x * (1 - 1e-12)), r6(x), r6(x * (1 + 1e-12))}


def retention(events, T, P, lam, omega, h_default, model, horizon, label):
    """the expected field values (str for counts, float, or None = empty)"""
    evs = sorted(events, key=lambda e: e[0])            # stable: ties keep input order
    past = [e for e in evs if e[0] <= T]
    out = dict.fromkeys(FIELDS)
    if label:
        out["churned"] = "0" if any(T < e[0] <= T + horizon for e in evs) else "1"
    if not past:
        for f in COUNTS:
            out[f] = "0"
        return out
    t0 = past[0][0]
    K = (T - t0) // P
    a, l, r = {}, {}, {}                                 # a_c, l_c, r_c
    used = {}                                            # capability -> periods with a use
    for ts, dom, cap, act in past:
        if act != "use":
            continue
        if cap in a:
            r[cap] += 1
        else:
            a[cap], r[cap] = ts, 0
        l[cap] = ts
        used.setdefault(cap, set()).add((ts - t0) // P)
    out["capabilities"] = str(len(a))
    out["reuses"] = str(sum(r.values()))
    out["days_since_last"] = days(T - past[-1][0])
    out["active_days"] = str(len({ts // (DAY * US) for ts, _, _, _ in past}))
    week = 7 * DAY * US
    out["events_last_7d"] = str(sum(1 for e in past if T - week < e[0] <= T))
    out["events_prev_7d"] = str(sum(1 for e in past if T - 2 * week < e[0] <= T - week))
    out.update(activity([e[0] for e in past], T))
    if not a:
        return out                                       # no capability: the scores empty
    num = den = 0.0
    for cap, ta in a.items():
        for p in range((ta - t0) // P + 1, K + 1):
            end = min(t0 + (p + 1) * P, T)
            w = math.exp(-lam * days(T - end))
            den += w
            if p in used[cap]:
                num += w
    reuse = num / den if den > 0 else None
    ret = []
    for cap, tl in l.items():
        h = half_life(cap, model, h_default)
        if h == 0:
            ret.append(1.0 if tl == T else 0.0)
        else:
            ret.append(min(1.0, max(0.0, 1 - days(T - tl) / (2 * h))))
    mean = sum(ret) / len(ret)
    strength = mean if reuse is None else omega * reuse + (1 - omega) * mean
    out["reuse_score"] = reuse
    out["retention_strength"] = strength
    out["churn_risk"] = 1 - strength
    out["_strength"] = strength
    return out


def activity(ts, T):
    """the daily activity fields of tl-retention(1) OUTPUT FIELDS, from the
    times ts (at or before T, at least one): windows (T - N days, T], UTC
    days [00:00, 24:00)"""
    D = DAY * US
    active = sorted({t // D for t in ts})                 # floor: UTC day numbers
    out = {}
    out["events_last_3d"] = str(sum(1 for t in ts if t > T - 3 * D))
    out["active_days_7d"] = str(len({t // D for t in ts if t > T - 7 * D}))
    out["active_days_14d"] = str(len({t // D for t in ts if t > T - 14 * D}))
    out["active_days_decayed"] = sum(0.5 ** (days(T - d * D) / 2) for d in active)
    # the OLS slope of c_k against x_k = -k, k = 0..13, the general formula
    c = [sum(1 for t in ts if (T - t) // D == k) for k in range(14)]
    x = [-k for k in range(14)]
    mx, my = sum(x) / 14, sum(c) / 14
    out["activity_trend"] = (sum((a - mx) * (b - my) for a, b in zip(x, c))
                             / sum((a - mx) ** 2 for a in x))
    gaps = [b - a - 1 for a, b in zip(active, active[1:])]
    out["longest_gap_days"] = max([0] + gaps + [days(T - (active[-1] + 1) * D)])
    weekend = sum(1 for t in ts
                  if datetime.date.fromordinal(EPOCH + t // D).weekday() >= 5)   # Sat 5, Sun 6
    out["weekend_share"] = weekend / len(ts)
    out["events_per_active_day"] = len(ts) / len(active)
    return out


def expect(events, T, o):
    P = parse_duration(o.period)
    lam = math.log(2) / days(parse_duration(o.recency_half_life))
    out = retention(events, T, P, lam, o.reuse_weight, days(parse_duration(o.half_life)),
                    o.model_rows, parse_duration(o.churn_horizon), o.label)
    mom = None
    if o.after_velocity:
        vel = velocity_ref().velocity(events, T, 7 * DAY * US, 0.3, 90 * DAY * US, 8, False)
        out.update(vel)
        mom = vel["velocity_momentum"]                   # None: empty, counts as absent
    s = out.pop("_strength", None)
    if s is not None:
        # churn_risk from the inputs as written in records (6 digits)
        if mom is None:
            cands = {1 - x for x in r6_any(s)}
        else:
            cands = {1 - (CHURN_W[0] * x + CHURN_W[1] * y) for x in r6_any(s) for y in r6_any(mom)}
        out["churn_risk"] = 1 - (r6(s) if mom is None else CHURN_W[0] * r6(s) + CHURN_W[1] * r6(mom))
        out["_churn"] = cands
    return out


def field_ok(o, f, t, x, ref):
    if f == "churn_risk":
        return any(close(t, c) for c in ref["_churn"])
    return close(t, x)


def fields(o):
    ret = FIELDS + (["churned"] if o.label else [])
    if o.after_velocity:
        return velocity_ref().FIELDS + ret
    return ret


def header(o, attrs, flds):
    if o.after_velocity:
        n = len(velocity_ref().FIELDS)
        return ["learner_id"] + attrs + flds[:n] + ["as_of"] + flds[n:]
    return ["learner_id"] + attrs + flds + ["as_of"]


def options(argv):
    ap = argparse.ArgumentParser(prog="retention-ref.py")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--half-life", default="45d")
    ap.add_argument("--recency-half-life", default="30d")
    ap.add_argument("--reuse-weight", type=float, default=0.5)
    ap.add_argument("--period", default="7d")
    ap.add_argument("--model")
    ap.add_argument("--label", action="store_true")
    ap.add_argument("--churn-horizon", default="30d")
    ap.add_argument("--after-velocity", action="store_true")
    ap.add_argument("output")
    o = ap.parse_args(argv)
    o.model_rows = read_model(o.model) if o.model else None
    return o


if __name__ == "__main__":
    sys.exit(main(__doc__, options, fields, expect, field_ok, header))
