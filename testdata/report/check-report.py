#!/usr/bin/env python3
"""check-report.py REPORT.md REPORT.html DIR [OPTION-VALUE ...]

Checks, independently of tl-report's code, that every figure of a report
written from the inputs in DIR (abtest.json, eval-class.json,
eval-churn.json, eval-velocity.json, model.csv, summary.txt; the names of
testdata/report/) is copied from them: each table cell is the text of the
number it stands for (JSON numbers are read as their text), and every
number anywhere in the Markdown, and in the HTML outside its plots, is
the text of an input number or of an OPTION-VALUE given to tl-report.
Prints what differs and exits 1, or prints "report ok"."""
import csv, html, json, re, sys

md_path, html_path, d = sys.argv[1:4]
options = set(sys.argv[4:])
bad = []


def load(name):
    # numbers as their text: parse_float and parse_int keep the string
    return json.load(open(f"{d}/{name}"), parse_float=str, parse_int=str)


ab, ecl, ech, eve = (load(n) for n in ("abtest.json", "eval-class.json", "eval-churn.json", "eval-velocity.json"))
model = list(csv.reader(open(f"{d}/model.csv")))
summary = [l.split() for l in open(f"{d}/summary.txt") if l.strip()]


def txt(v):
    return "n/a" if v is None else v


def unmd(s):
    return re.sub(r"\\(.)", r"\1", s)


# ---- the Markdown's tables: caption -> list of rows (header first) ----
tables = {}
lines = open(md_path).read().split("\n")
for i, l in enumerate(lines):
    if l.startswith("| ") and (i == 0 or not lines[i - 1].startswith("|")):
        cap = unmd(lines[i - 2].rstrip(":"))
        rows = []
        for r in lines[i:]:
            if not r.startswith("|"):
                break
            if re.fullmatch(r"\|(:?-+:?\|)+", r):
                continue
            rows.append([c.strip() for c in r.strip("|").split(" | ")])
        tables.setdefault(cap, []).append(rows)


def table(cap_start):
    found = [t for c, ts in tables.items() if c.startswith(cap_start) for t in ts]
    if not found:
        bad.append(f"no table '{cap_start}'")
        return [[]]
    return found[0]


def expect(cap, got, want):
    if got != want:
        bad.append(f"{cap}: got {got}, want {want}")


metrics = ab["metrics"]
primary = metrics[0]
segs = [m for m in metrics if m["metric"] == primary["metric"] and m["segment"] is not None]
arms = list(ab["arms"])

# 2. the primary metric
t = table("Per arm")
for i, arm in enumerate(("control", "treatment")):
    expect("per arm", t[1 + i], [arms[i]] + [txt(primary[k % arm]) for k in
                                            ("n_%s", "mean_%s", "sd_%s", "ci_%s_low", "ci_%s_high")])
t = table("The effect")
expect("effect diff", t[1][1:], [txt(primary[k]) for k in ("diff", "diff_ci_low", "diff_ci_high")])
expect("effect lift", t[2][1:], [txt(primary[k]) for k in ("lift", "lift_ci_low", "lift_ci_high")])
t = table("Welch t-test")
expect("test", {r[0]: r[1] for r in t[1:]}, {k: txt(primary[k]) for k in ("t", "df", "p", "p_adjusted")})

# 3. guardrails
t = table("Sample ratio")
expect("srm", t[1:], [[a, ab["arms"][a], ab["expected"][a]] for a in arms])
others = [m for m in metrics[1:] if m["segment"] is None]
t = table("Other metrics")
expect("others", t[1:], [[m["metric"], m["kind"]] + [txt(m[k]) for k in
                          ("lift", "lift_ci_low", "lift_ci_high", "p_adjusted")] +
                         ["yes" if m["negative"] else "no"] for m in others])

# 4. segments, 5. mix
keys = ("n_control", "n_treatment", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted")
t = table("Per segment")
expect("segments", t[1:], [[m["segment"]] + [txt(m[k]) for k in keys] + ["yes" if m["negative"] else "no"]
                           for m in segs])
t = table("Segment mix by arm")
expect("mix", t[1:], [[s["segment"]] + [txt(s[k]) for k in ("n_control", "n_treatment", "share_control",
                                                             "share_treatment")]
                      for s in ab["segment_mix"]["segments"]])
t = table("Archetypes scored by tl-score")
expect("summary", t, [w for w in summary if not w[0].startswith(("tl-score", "portfolio"))])

# 6. validation
t = table("Classification")
expect("classification", t[1:], [[k, txt(ecl[k])] for k in ("accuracy", "macro_precision", "macro_recall",
                                                             "macro_f1")])
t = table("Per class")
expect("classes", t[1:], [[c] + [txt(v[k]) for k in ("precision", "recall", "f1", "support", "predicted")]
                          for c, v in ecl["classes"].items()])
t = table("Score against label")
expect("binary", t[1:], [[k, txt(ech[k])] for k in ("positives", "negatives", "roc_auc", "pr_auc", "brier")])
t = table("Calibration bins")
expect("calibration", t[1:], [[txt(b[k]) for k in ("bin_low", "bin_high", "n", "mean_score", "observed_rate")]
                              for b in ech["calibration"]])
t = table("Prediction against the actual value")
mk = ("mae", "rmse", "bias", "within_tolerance")
expect("numeric", t[1:], [[eve["pred"]] + [txt(eve[k]) for k in mk]] +
       [[b + " (baseline)"] + [txt(v[k]) for k in mk] for b, v in eve["baselines"].items()])

# 7. retention: the top rows by learners, then *
t = table("Capability half-lives")
head, rows = model[0], model[1:]
top = len(t) - 2
ranked = sorted((r for r in rows if r[0] != "*"), key=lambda r: (-float(r[1]), r[0]))[:top]
expect("model", t, [head] + ranked + [r for r in rows if r[0] == "*"])

# ---- every number of the text is an input's number or an option's value ----
NUM = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.-])")
# phrases of the report's own: the interval level, the --top count of a caption
OWN = re.compile(r"1 - alpha|95% pointwise|95% band|top \d+ ")


def input_numbers():
    out = set()
    for name in ("abtest.json", "eval-class.json", "eval-churn.json", "eval-velocity.json"):
        text = open(f"{d}/{name}").read()
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)   # no numbers inside strings
        out |= set(NUM.findall(text))
    for row in model:
        out |= set(row)
    for w in summary:
        out |= set(w) | {x.rstrip() for x in w}
    return out


known = input_numbers() | options


def check_numbers(where, text):
    for n in NUM.findall(OWN.sub(" ", text)):
        if n not in known:
            bad.append(f"{where}: {n} is no input's number")


check_numbers("markdown", unmd(open(md_path).read()))
page = open(html_path).read()
body = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
body = re.sub(r"<style>.*?</style>", " ", body, flags=re.S)
check_numbers("html", html.unescape(re.sub(r"<[^>]*>", " ", body)))
# the HTML tables hold the same cells as the Markdown ones
cells_html = [html.unescape(c) for c in re.findall(r"<t[dh](?: [^>]*)?>(.*?)</t[dh]>", page)]
cells_md = [c for ts in tables.values() for t in ts for r in t for c in r]
if sorted(cells_html) != sorted(cells_md):
    bad.append("the HTML tables' cells differ from the Markdown tables'")

print("\n".join(bad) if bad else "report ok")
sys.exit(1 if bad else 0)
