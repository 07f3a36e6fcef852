#!/usr/bin/env python3
"""fuzz-events.py - a deterministic edge-case population of event rows (CSV)
for the randomized cross-checks of tl-velocity and tl-affinity
(testdata/ref/velocity-ref.py, testdata/ref/affinity-ref.py).

usage: fuzz-events.py SEED N [ASOF]

Writes N learners (grouped, contiguous, unique ids) to stdout with the
columns learner_id,ts,domain,capability,action,cohort,arm (cohort and arm
are learner attributes; their value changes inside a learner so that "the
value on the learner's first row" is checked). The same SEED, N and ASOF
give the same bytes (Python's random.Random is a Mersenne Twister with a
fixed algorithm). ASOF (default 2025-03-01T00:00:00Z, whole seconds, UTC)
is only the point the times are placed around: the tests pass it and other
cutoffs with --as-of.

Every learner is one of the scenarios below (in rotation, with random
details), and every timestamp is written in one of the accepted forms of
DESIGN §3/§6.5 chosen at random: ISO with T, t or a space, with or without
seconds, with a fraction (up to 6 digits, '.' or ','), with Z, +hh:mm,
+hhmm, +hh or no zone, a bare date (midnight UTC), or epoch seconds.
The rows of a learner are shuffled, except that rows with the same instant
keep their order of creation, or are deliberately written in an order that
decides the adoption (ties).
"""
import csv
import datetime
import random
import sys
from fractions import Fraction

DAY = 86400
EPOCH = datetime.date(1970, 1, 1).toordinal()

DOMAINS = ["math", "code", "art", "science", "data", "zeta", "médecine",
           " math", 'r&d, "lab"', "a>b"]
CAPS = ["algebra", "loops", "sketch", "x", "y", "z", "cap,1", "é", 'q"c',
        "math-2", "w"]
ACTIONS = ["use", "use", "adopt", "interact", ""]


def parse_asof(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
    return (d.date().toordinal() - EPOCH) * DAY + d.hour * 3600 + d.minute * 60 + d.second


def civil(secs):
    """(date, h, m, s) of integer UTC seconds"""
    days, rem = divmod(secs, DAY)
    d = datetime.date.fromordinal(EPOCH + days)
    return d, rem // 3600, rem // 60 % 60, rem % 60


class Fmt:
    def __init__(self, rng):
        self.rng = rng

    def __call__(self, t):
        """an accepted spelling of the instant t (Fraction seconds, at most
        microsecond resolution)"""
        r = self.rng
        whole = t.numerator // t.denominator
        frac = t - whole
        micro = int(frac * 1000000)
        assert Fraction(micro, 1000000) == frac
        k = r.random()
        if micro == 0 and k < 0.15:
            return str(whole)                                   # epoch seconds
        if micro == 0 and whole % DAY == 0 and k < 0.25:
            return civil(whole)[0].isoformat()                  # bare date
        off = 0
        zone = ""
        z = r.random()
        if z < 0.35:
            zone = "Z"
        elif z < 0.5:
            zone = ""                                           # no zone: UTC
        else:
            off = r.choice([60, -300, 330, -570, 345, 600, 840, -720, 0, 120])
            sign = "-" if off < 0 else "+"
            hh, mm = divmod(abs(off), 60)
            forms = ["%s%02d:%02d", "%s%02d%02d"]
            if mm == 0:
                forms.append("%s%02d")
            f = r.choice(forms)
            zone = f % ((sign, hh, mm) if f.count("%") == 3 else (sign, hh))
        d, h, m, s = civil(whole + off * 60)
        sep = r.choice(["T", "T", "T", "t", " "])
        body = "%s%s%02d:%02d" % (d.isoformat(), sep, h, m)
        if s or micro or r.random() < 0.7:
            body += ":%02d" % s
            if micro:
                digits = "%06d" % micro
                if r.random() < 0.6:
                    digits = digits.rstrip("0")
                body += r.choice([".", ".", ","]) + digits
            elif r.random() < 0.1:
                body += ".000"
        return body + zone


def gen(seed, n, asof):
    rng = random.Random(seed)
    fmt = Fmt(rng)
    T = asof
    used_ids = set()

    def rid(i):
        specials = ['L "q"', "L,comma", "Lé", "L>x"]
        if i < len(specials) * 7 and i % 7 == 3:
            return specials[i // 7]
        return "F%06d" % i

    def ev(t, dom=None, cap=None, act=None):
        if dom is None:
            dom = rng.choice(DOMAINS + ["", ""])
        if cap is None:
            cap = rng.choice(CAPS + ["", ""])
        if act is None:
            act = rng.choice(ACTIONS)
        return [Fraction(t), dom, cap, act]

    def scen_random(i):
        # a mixed learner: random actions, shared capabilities across
        # domains, some events on the day grid of t0 (period boundaries),
        # some in the future
        t0 = T - rng.randint(0, 220 * DAY)
        t0i = t0
        if rng.random() < 0.3:
            t0 -= Fraction(rng.randint(1, 999999), 1000000)
        evs = [ev(t0)]
        for _ in range(rng.randint(0, 40)):
            c = rng.random()
            if c < 0.35:
                t = t0 + rng.randint(0, 230) * (DAY // 2 if rng.random() < 0.3 else DAY)
            elif c < 0.45:
                t = t0 + rng.randint(0, 80) * DAY + rng.choice([-1, 1]) * Fraction(1, 1000000)
            elif c < 0.55:
                t = T + rng.choice([0, 1, -1, 3 * DAY, 7 * DAY, 7 * DAY + 1, DAY, 10 * DAY])
            else:
                t = t0 + rng.randint(0, T + 20 * DAY - t0i)
            if t < t0:
                t = t0
            evs.append(ev(t))
        return evs

    def scen_ties(i):
        # simultaneous events: the input order decides which is the adoption;
        # the same instant is spelled differently (epoch / offset / fraction)
        t0 = T - rng.randint(1, 60) * DAY
        tt = t0 + rng.randint(0, 50) * DAY + rng.randint(0, DAY - 1)
        evs = [ev(t0, "math", "algebra", "use")]
        # two simultaneous first uses of one capability in two domains: the
        # first row is the adoption (a_d), the second a reuse
        d1, d2 = rng.sample(["math", "code", "art", "", "zeta"], 2)
        new = rng.choice(["x", "y", "z"])
        evs.append(ev(tt, d1, new, rng.choice(["use", "adopt", ""])))
        evs.append(ev(tt, d2, new, rng.choice(["use", "adopt", ""])))
        for _ in range(rng.randint(0, 4)):
            evs.append(ev(tt, rng.choice(["math", "code", "art"]),
                          rng.choice(["x", "y", "algebra", ""]),
                          rng.choice(["use", "adopt", "", "interact"])))
        if rng.random() < 0.5:
            tf = T + rng.randint(1, 5) * DAY
            evs.append(ev(tf, "code", "y", "use"))
            evs.append(ev(tf, "art", "y", "adopt"))
            evs.append(ev(tf, "art", "q", "use"))
        return evs

    def scen_actions(i):
        # use with an empty capability, interact with a capability, adopt of
        # a used capability, empty action with and without capability, a
        # capability first used in one domain and reused in another, uses
        # without a domain
        t0 = T - rng.randint(1, 40) * DAY
        s = [
            ("math", "", "use"), ("math", "x", "interact"), ("code", "x", "adopt"),
            ("code", "x", "adopt"), ("art", "y", ""), ("art", "", ""),
            ("", "z", "use"), ("science", "z", "use"), ("", "", "interact"),
            ("math", "y", "use"), ("", "w", "adopt"),
        ]
        rng.shuffle(s)
        evs = []
        for k, (d, c, a) in enumerate(s):
            evs.append(ev(t0 + k * rng.randint(0, 4 * DAY), d, c, a))
        return evs

    def scen_single(i):
        # a single event: at or before as-of (possibly exactly at it), or after
        t = T - rng.choice([0, 0, 1, DAY, 30 * DAY, 7 * DAY, 3 * DAY])
        if rng.random() < 0.3:
            t = T + rng.choice([1, DAY, 7 * DAY, 3 * DAY, 40 * DAY])
        return [ev(t)]

    def scen_future(i):
        # every event after as-of: counts 0, ratios empty, labels computed
        evs = []
        for _ in range(rng.randint(1, 8)):
            evs.append(ev(T + rng.choice([1, DAY, 3 * DAY, 3 * DAY + 1, 7 * DAY,
                                          7 * DAY + 1, rng.randint(1, 30 * DAY)])))
        return evs

    def scen_gaps(i):
        # long inactivity: empty periods between bursts, a year back
        t0 = T - rng.randint(300, 500) * DAY
        evs = []
        for b in range(rng.randint(2, 4)):
            start = t0 + (0 if b == 0 else rng.randint(0, T - t0))
            for _ in range(rng.randint(1, 5)):
                evs.append(ev(start + rng.randint(0, 2 * DAY)))
        evs.append(ev(t0))
        return evs

    def scen_nodomain(i):
        # no event with a domain (affinity all empty) but events and uses
        t0 = T - rng.randint(0, 30) * DAY
        return [ev(t0 + rng.randint(0, T - t0), "", rng.choice(CAPS + [""]))
                for _ in range(rng.randint(1, 6))]

    def scen_tiedomains(i):
        # equal n_d (top_domain tie by byte order, equal u_A a_B products,
        # top share 1/D exactly), or a top share exactly at a threshold
        # (3/5 = 0.6, 1/2) with a low entropy: is_specialist is strict
        t0 = T - rng.randint(1, 20) * DAY
        if rng.random() < 0.5:
            counts = [rng.randint(1, 3)] * rng.randint(2, 5)
        else:
            counts = rng.choice([[3, 2], [6, 4], [3, 1, 1], [2, 2], [4, 4]])
        doms = rng.sample(DOMAINS, len(counts))
        evs = []
        for j, d in enumerate(doms):
            for m in range(counts[j]):
                evs.append(ev(t0 + rng.randint(0, T - t0), d, "c%d" % j, "use"))
        return evs

    def scen_generalist(i):
        # many domains (more than --domains 3)
        t0 = T - rng.randint(10, 100) * DAY
        return [ev(t0 + rng.randint(0, T - t0 + 5 * DAY), rng.choice(DOMAINS))
                for _ in range(rng.randint(5, 30))] + [ev(t0)]

    def scen_now(i):
        # t0 exactly at as-of (tenure 0, one period) or one period back exactly
        evs = [ev(T, "math", "x", "use")]
        if rng.random() < 0.5:
            evs.append(ev(T - rng.choice([3, 7, 14]) * DAY, "code", "x", "use"))
        evs.append(ev(T + rng.choice([3, 7]) * DAY, "code", "new", "use"))
        return evs

    scenarios = [scen_random, scen_ties, scen_actions, scen_single, scen_random,
                 scen_future, scen_gaps, scen_nodomain, scen_tiedomains,
                 scen_generalist, scen_now, scen_random]
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["learner_id", "ts", "domain", "capability", "action", "cohort", "arm"])
    for i in range(n):
        lid = rid(i)
        assert lid not in used_ids
        used_ids.add(lid)
        evs = scenarios[i % len(scenarios)](i)
        # shuffle whole instants, keeping the order of the rows of an instant
        groups = {}
        for e in evs:
            groups.setdefault(e[0], []).append(e)
        keys = list(groups)
        rng.shuffle(keys)
        cohort = rng.choice(["c1", "c2", "c,3", ""])
        for k in keys:
            for e in groups[k]:
                w.writerow([lid, fmt(e[0]), e[1], e[2], e[3], cohort,
                            rng.choice(["A", "B", ""])])
                cohort = rng.choice(["c1", "c2", "late"])


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fuzz-events.py SEED N [ASOF]")
    asof = parse_asof(sys.argv[3] if len(sys.argv) == 4 else "2025-03-01T00:00:00Z")
    gen(int(sys.argv[1]), int(sys.argv[2]), asof)


if __name__ == "__main__":
    main()
