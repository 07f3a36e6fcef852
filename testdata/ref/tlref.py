"""tlref.py - what the independent references (velocity-ref.py,
affinity-ref.py, retention-ref.py) share: reading event CSV and
timestamps as DESIGN §2, §3 and §6.5 say, and comparing a tool's -o csv
output with the expected values. Python standard library only; no code
shared with common/.
"""
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
PROG = os.path.basename(sys.argv[0]).replace(".py", "")

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
            raise SystemExit(PROG + ": more than 6 digits of fraction in %r" % s)
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
        raise SystemExit(PROG + ": duration %r is not whole microseconds" % s)
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
            raise SystemExit(PROG + ": a row with %d fields: %r" % (len(r), r))
        get = lambda c: r[col[c]] if c in col else ""
        lid = get("learner_id")
        if not learners or learners[-1][0] != lid:
            if lid in seen:
                raise SystemExit(PROG + ": learner %r is not grouped" % lid)
            seen.add(lid)
            learners.append((lid, {a: r[col[a]] for a in attrs}, []))
        cap, act = get("capability"), get("action")
        if act == "":
            act = "use" if cap else "interact"
        if act == "adopt":
            act = "use"
        if act not in ("use", "interact"):
            raise SystemExit(PROG + ": unknown action %r" % act)
        if act == "use" and cap == "":
            act = "interact"                              # §6.5
        learners[-1][2].append((parse_time(get("ts")), get("domain"), cap, act))
    return attrs, learners


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




def check(o, attrs, learners, fields, expect, field_ok, header=None):
    """compare the tool output o.output (options o) with the reference:
    expect(events, T, o) gives a learner's expected fields (str for what
    must be equal, a tuple of str for any one of them, float, or None for
    empty), field_ok(o, f, tool, want,
    ref) decides the floats. header(o, attrs, fields), when given, is the
    expected header (it must hold learner_id and as_of), else learner_id,
    the attributes, the fields and as_of. Prints; returns ok."""
    name = "%s: %s [%s]" % (PROG, os.path.basename(o.output), " ".join(o.argv))
    T = parse_time(o.as_of)
    with open(o.output, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    if header is None:
        want_header = ["learner_id"] + attrs + fields + ["as_of"]
    else:
        want_header = header(o, attrs, fields)
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
        ref = expect(events, T, o)
        for f in fields:
            nfields += 1
            t, x = tool[f], ref[f]
            if x is None or isinstance(x, str):
                ok = t == ("" if x is None else x)
            elif isinstance(x, tuple):                   # any one of these
                ok = t in x
            else:
                ok = field_ok(o, f, t, x, ref)
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


def main(doc, parser, fields, expect, field_ok=lambda o, f, t, x, ref: close(t, x),
         header=None):
    """EVENTS.csv OPTIONS OUTPUT.csv [-- OPTIONS OUTPUT.csv]...: each run's
    options parsed by parser(argv) (which may refuse them); fields(o) are
    the run's fields (header: see check). The events are read once.
    Returns the exit status."""
    argv = sys.argv[1:]
    if len(argv) < 2 or argv[0].startswith("-"):
        sys.exit(doc.split("\n\n")[1].strip())
    runs = [[]]
    for arg in argv[1:]:
        if arg == "--":
            runs.append([])
        else:
            runs[-1].append(arg)
    opts = []
    for r in runs:
        o = parser(r)
        o.argv = r[:-1]
        opts.append(o)
    attrs, learners = read_learners(argv[0])
    ok = True
    for o in opts:
        ok &= check(o, attrs, learners, fields(o), expect, field_ok, header)
    return 0 if ok else 1
