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
import math
import sys

from tlref import main

FIELDS = ["domain_entropy", "domain_concentration", "top_domain",
          "top_domain_share", "domains", "is_specialist", "transfer_score",
          "transfer_pair"]


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


def expect(events, T, o):
    out, H, _ = affinity(events, T, o.domains, o.max_entropy, o.min_top_share)
    if H is not None and abs(H - o.max_entropy) < 1e-9:
        out["is_specialist"] = ("0", "1")               # H at the threshold: summation order decides
    return out


def options(argv):
    ap = argparse.ArgumentParser(prog="affinity-ref.py")
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--domains", type=int, default=8)
    ap.add_argument("--max-entropy", type=float, default=1.2)
    ap.add_argument("--min-top-share", type=float, default=0.6)
    ap.add_argument("output")
    return ap.parse_args(argv)


def parse_options(argv):
    o = options(argv)
    if o.domains < 2:
        sys.exit("affinity-ref: --domains below 2 is a usage error")
    return o


if __name__ == "__main__":
    sys.exit(main(__doc__, parse_options, lambda o: FIELDS, expect))
