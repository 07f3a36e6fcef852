#!/usr/bin/env python3
"""check-plots.py REPORT.html DIR MIN_LIFT MAX_MIX_DIFF

Checks that the plots of a report written from the inputs in DIR (the
names of testdata/report/) map back to the data: each axis is read from
its tick labels (two ticks give the pixel scale), then the marks are
placed where the inputs' numbers say. Prints what differs and exits 1, or
prints "plots ok"."""
import csv, json, re, sys
import xml.etree.ElementTree as ET

page, d, min_lift, max_mix = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
NS = "{http://www.w3.org/2000/svg}"
bad = []
svgs = {}
for s in re.findall(r"<svg .*?</svg>", open(page).read(), flags=re.S):
    root = ET.fromstring(s)
    svgs[root.get("class").split()[1]] = root
want = ["forest", "mix", "roc", "calibration", "km"]
if sorted(svgs) != sorted(want):
    bad.append(f"plots {sorted(svgs)}, want {sorted(want)}")


def axis(root, cls):
    """The linear map value -> pixel of the axis whose tick labels have class cls."""
    ticks = []
    for t in root.iter(NS + "text"):
        if t.get("class") == cls:
            v = t.text.rstrip("%")
            ticks.append((float(v) / (100 if t.text.endswith("%") else 1),
                          float(t.get("x" if cls == "xtick" else "y")) - (0 if cls == "xtick" else 4)))
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    return lambda v: p0 + (v - v0) * (p1 - p0) / (v1 - v0)


def near(what, got, want, tol=0.35):
    if abs(got - want) > tol:
        bad.append(f"{what}: at {got:.2f} px, want {want:.2f}")


def title(e):
    t = e.find(NS + "title")
    return t.text if t is not None else ""


def points(e):
    return [tuple(map(float, p.split(","))) for p in e.get("points").split()]


ab = json.load(open(f"{d}/abtest.json"), parse_float=str)
lifts = {m["segment"] or "overall": m for m in ab["metrics"] if m["metric"] == ab["metrics"][0]["metric"]}

# forest: each dot at its lift, the lines at 0, the overall lift and --min-lift
f = svgs.get("forest")
if f is not None:
    x = axis(f, "xtick")
    dots = [c for c in f.iter(NS + "circle") if "lift" in (c.get("class") or "")]
    if len(dots) != len(lifts):
        bad.append(f"forest: {len(dots)} dots, want {len(lifts)}")
    for c in dots:
        name, lift = re.match(r"(.*): lift (\S+),", title(c)).groups()
        if lift != lifts[name]["lift"]:
            bad.append(f"forest {name}: tooltip lift {lift}, want {lifts[name]['lift']}")
        near(f"forest {name}", float(c.get("cx")), x(float(lifts[name]["lift"])))
    lines = {l.get("class"): float(l.get("x1")) for l in f.iter(NS + "line") if l.get("class")}
    near("forest zero line", lines.get("zero", -1), x(0))
    near("forest min-lift line", lines.get("min-lift", -1), x(min_lift))
    near("forest overall line", lines.get("overall", -1), x(float(lifts["overall"]["lift"])))

# mix: each bar as long as its share, each band the control share +- the limit
m = svgs.get("mix")
if m is not None:
    x = axis(m, "xtick")
    shares = {s["segment"]: s for s in ab["segment_mix"]["segments"]}
    for r in m.iter(NS + "rect"):
        cls = r.get("class") or ""
        if cls.startswith("bar "):
            arm = cls.split()[1]
            name, share = re.match(r"(.*), \S+: share (\S+)", title(r)).groups()
            if share != shares[name]["share_" + arm]:
                bad.append(f"mix {name} {arm}: tooltip {share}")
            near(f"mix {name} {arm}", float(r.get("x")) + float(r.get("width")), x(float(share)))
    bands = [r for r in m.iter(NS + "rect") if r.get("class") == "band"]
    for r, s in zip(bands, ab["segment_mix"]["segments"]):
        near(f"mix band {s['segment']}", float(r.get("x")) + float(r.get("width")),
             x(float(s["share_control"]) + max_mix))

# roc: from the origin to (1, 1), every vertex a point of the curve file
r = svgs.get("roc")
if r is not None:
    x, y = axis(r, "xtick"), axis(r, "ytick")
    rows = [(0.0, 0.0)] + [(float(a["fpr"]), float(a["tpr"])) for a in csv.DictReader(open(f"{d}/roc.csv"))]
    pix = [(x(a), y(b)) for a, b in rows]
    curve = next(e for e in r.iter(NS + "polyline") if e.get("class") == "curve")
    pts = points(curve)
    near("roc start x", pts[0][0], x(0)), near("roc start y", pts[0][1], y(0))
    near("roc end x", pts[-1][0], x(1)), near("roc end y", pts[-1][1], y(1))
    for px, py in pts:
        if min(abs(px - a) + abs(py - b) for a, b in pix) > 0.8:
            bad.append(f"roc: vertex {px},{py} is no point of the curve")
            break

# calibration: a dot per non-empty bin at (mean score, observed rate)
c = svgs.get("calibration")
if c is not None:
    x, y = axis(c, "xtick"), axis(c, "ytick")
    ev = json.load(open(f"{d}/eval-churn.json"), parse_float=str, parse_int=str)
    bins = [b for b in ev["calibration"] if b["n"] != "0"]
    dots = [e for e in c.iter(NS + "circle") if e.get("class") == "bin"]
    if len(dots) != len(bins):
        bad.append(f"calibration: {len(dots)} dots, want {len(bins)}")
    for e, b in zip(dots, bins):
        if title(e) != f"n {b['n']}, mean score {b['mean_score']}, observed {b['observed_rate']}":
            bad.append(f"calibration tooltip {title(e)!r}")
        near("calibration x", float(e.get("cx")), x(float(b["mean_score"])))
        near("calibration y", float(e.get("cy")), y(float(b["observed_rate"])))

# km: the pooled curve starts at (0, 1), ends at its last row, and each
# vertex is at a day of the curve and one of its survival values
k = svgs.get("km")
if k is not None:
    x, y = axis(k, "xtick"), axis(k, "ytick")
    rows = [(float(a["day"]), float(a["survival"])) for a in csv.DictReader(open(f"{d}/curves.csv"))
            if a["capability"] == "*"]
    pooled = next(e for e in k.iter(NS + "polyline") if 'stroke="#000000"' in ET.tostring(e, encoding="unicode")
                  or e.get("stroke") == "#000000")
    pts = points(pooled)
    near("km start x", pts[0][0], x(0)), near("km start y", pts[0][1], y(1))
    near("km end x", pts[-1][0], x(rows[-1][0])), near("km end y", pts[-1][1], y(rows[-1][1]))
    xs = sorted({x(0)} | {x(a) for a, _ in rows})
    ys = sorted({y(1)} | {y(b) for _, b in rows})
    for px, py in pts:
        if min(abs(px - a) for a in xs) > 0.5 or min(abs(py - b) for b in ys) > 0.1:
            bad.append(f"km: vertex {px},{py} is no day and survival of the pooled curve")
            break
    if len([e for e in k.iter(NS + "polygon") if e.get("class") == "band"]) < 2:
        bad.append("km: no bands")

print("\n".join(bad) if bad else "plots ok")
sys.exit(1 if bad else 0)
