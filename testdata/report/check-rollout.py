#!/usr/bin/env python3
"""check-rollout.py REPORT.md REPORT.html AUDIT.jsonl [OPTION-VALUE ...]

Checks, independently of tl-report's code, a report written with
--rollout AUDIT.jsonl (and no --abtest): the table of the looks holds,
cell for cell, the text of the audit log's numbers and words; the
decision section states the last entry's decision and copies its lift;
every number of sections 1 and 6 is the text of one of the audit log's
numbers, of a torn line's number or of an OPTION-VALUE; the HTML table
holds the Markdown's cells; and the rollout plot's marks are where the
numbers put them: each look's dot at its lift, its bar at the ends of
the lift's confidence sequence, a stage line where the stage changes,
the stage labels, the zero and the minimum-lift lines. Prints what
differs and exits 1, or prints "rollout ok"."""
import html, json, re, sys
import xml.etree.ElementTree as ET

md_path, html_path, audit_path = sys.argv[1:4]
options = set(sys.argv[4:])
NS = "{http://www.w3.org/2000/svg}"
bad = []

# the entries, numbers as their text; lines that do not parse are torn
entries, torn = [], []
for n, line in enumerate(open(audit_path).read().split("\n"), 1):
    if not line.strip():
        continue
    try:
        entries.append(json.loads(line, parse_float=str, parse_int=str))
    except ValueError:
        torn.append(str(n))
looks = [e for e in entries if e.get("event") is None]


def txt(v):
    return "n/a" if v is None else v


def unmd(s):
    return re.sub(r"\\(.)", r"\1", s)


md = open(md_path).read()
sections = re.split(r"\n## ", md)
sec = {s.split("\n", 1)[0]: s for s in sections[1:]}
decision, rollout = sec.get("1. The decision", ""), sec.get("6. Rollout", "")
if not rollout:
    bad.append("no section '6. Rollout'")

# ---- the table of the looks ----
rows = [[c.strip() for c in l.strip("|").split(" | ")] for l in rollout.split("\n") if l.startswith("| ")]
want = [["look", "stage", "pct", "n control", "n treatment", "lift", "CS low", "CS high", "always-valid p",
         "decision", "reason"]]
for e in looks:
    roi = e["roi"] or {}
    want.append([e["look"], e["stage"], e["pct"], e["n_outcomes"]["control"], e["n_outcomes"]["treatment"]] +
                [txt(roi.get(k)) for k in ("lift", "lift_low", "lift_high", "p_seq")] +
                [e["decision"], e["reason"] or "-"])
if [[unmd(c) for c in r] for r in rows] != want:
    bad.append(f"looks table: got {rows}, want {want}")

# ---- the decision, in words ----
last = entries[-1]
verdict = {"abort": "ABORT", "start": "NONE YET"}.get(last.get("event"), last["decision"].upper())
if f"Rollout decision: **{verdict}**" not in decision:
    bad.append(f"decision: no 'Rollout decision: **{verdict}**'")
if last.get("event") is None and last["roi"]:
    r = last["roi"]
    s = f"lift {r['lift']}, confidence sequence \\[{r['lift_low']}, {r['lift_high']}\\], always-valid p = {r['p_seq']}"
    if s not in decision:
        bad.append(f"decision: no '{s}'")
    if f"the active release is now {last['active']}" not in unmd(decision):
        bad.append(f"decision: the active release is not {last['active']}")

# ---- every number of sections 1 and 6 is the audit log's ----
NUM = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.-])")
known = set(torn) | options
for line in open(audit_path):   # line by line: a torn line may open a string it never closes
    # the numbers, and those inside strings copied as text (a criterion's reason)
    known |= set(NUM.findall(re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)))
    known |= {n for q in re.findall(r'"((?:[^"\\]|\\.)*)"', line) for n in NUM.findall(q.replace("%", " "))}
TS = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z")   # timestamps: strings of the log, copied
for where, text in (("decision", decision), ("rollout", rollout)):
    for n in NUM.findall(TS.sub(" ", unmd(text)).replace("%", " ")):
        if n not in known:
            bad.append(f"{where}: {n} is no number of the audit log")
for n in torn:
    if f"Line {n} of the audit log is torn" not in rollout:
        bad.append(f"torn line {n} not named")

# ---- the HTML: the same cells; the plot ----
page = open(html_path).read()
cells = [html.unescape(c) for c in re.findall(r"<t[dh](?: [^>]*)?>(.*?)</t[dh]>",
                                              page.split('<section id="rollout">')[1].split("</section>")[0])]
if cells != [unmd(c) for r in rows for c in r]:
    bad.append("the HTML table of the looks differs from the Markdown's")
svgs = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", page, flags=re.S)]
plot = [s for s in svgs if s.get("class") == "plot rollout"]
if len(plot) != 1:
    bad.append(f"{len(plot)} rollout plots")
    print("\n".join(bad))
    sys.exit(1)
svg = plot[0]


def axis(cls):
    ticks = []
    for t in svg.iter(NS + "text"):
        if t.get("class") == cls:
            v = float(t.text.rstrip("%")) / (100 if t.text.endswith("%") else 1)
            ticks.append((v, float(t.get("x")) if cls == "xtick" else float(t.get("y")) - 4))
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    if v1 == v0:   # one look: one tick, where that look is
        return lambda v: p0 if v == v0 else float("nan")
    return lambda v: p0 + (v - v0) * (p1 - p0) / (v1 - v0)


def near(what, got, want, tol=0.35):
    if not abs(got - want) <= tol:
        bad.append(f"{what}: at {got:.2f} px, want {want:.2f}")


x, y = axis("xtick"), axis("ytick")
dots = [c for c in svg.iter(NS + "circle") if (c.get("class") or "").startswith("lift ")]
bars = [l for l in svg.iter(NS + "line") if l.get("class") == "cs"]
drawn = [e for e in looks if e["roi"] and e["roi"]["lift"] is not None]
if len(dots) != len(drawn) or len(bars) != len(drawn):
    bad.append(f"{len(dots)} dots and {len(bars)} bars, want {len(drawn)}")
for c, b, e in zip(dots, bars, drawn):
    k, r = float(e["look"]), e["roi"]
    if c.get("class") != "lift " + e["decision"]:
        bad.append(f"look {k:g}: class {c.get('class')}")
    near(f"look {k:g} dot x", float(c.get("cx")), x(k))
    near(f"look {k:g} dot y", float(c.get("cy")), y(float(r["lift"])))
    near(f"look {k:g} bar x", float(b.get("x1")), x(k))
    near(f"look {k:g} bar low", float(b.get("y1")), y(float(r["lift_low"])))
    near(f"look {k:g} bar high", float(b.get("y2")), y(float(r["lift_high"])))
    if f"lift {r['lift']}, confidence sequence [{r['lift_low']}, {r['lift_high']}]" not in c.find(NS + "title").text:
        bad.append(f"look {k:g}: tooltip {c.find(NS + 'title').text}")
changes = [float(e["look"]) - 0.5 for p, e in zip(looks, looks[1:]) if p["stage"] != e["stage"]]
stages = [l for l in svg.iter(NS + "line") if l.get("class") == "stage"]
if len(stages) != len(changes):
    bad.append(f"{len(stages)} stage lines, want {len(changes)}")
for l, c in zip(stages, changes):
    near(f"stage line at {c}", float(l.get("x1")), x(c))
labels = [t.text for t in svg.iter(NS + "text") if t.get("class") == "stage-label"]
runs = [f"{e['stage']} {e['pct']}%" for i, e in enumerate(looks) if i == 0 or looks[i - 1]["stage"] != e["stage"]]
if labels != runs:
    bad.append(f"stage labels {labels}, want {runs}")
lines = {l.get("class"): float(l.get("y1")) for l in svg.iter(NS + "line") if l.get("class") in ("zero", "min-lift")}
near("zero line", lines.get("zero", -1), y(0))
crit = [c for e in looks for c in e["criteria"] if c["name"] == "lift"]
if crit:
    near("min-lift line", lines.get("min-lift", -1), y(float(crit[-1]["min_lift"])))

print("\n".join(bad) if bad else "rollout ok")
sys.exit(1 if bad else 0)
