#!/bin/sh
# validate.sh - check the sprint's acceptance criteria end to end (issue 4):
# generate a labelled population with tl-loadgen, fit the capability
# half-life model, run the metric pipeline with --label, score with v1 and
# v2, evaluate with tl-eval, and print one table: criterion, target, v1,
# v2, pass/fail. Needs python3 (to read tl-eval's JSON reports).
set -eu
# shellcheck disable=SC3040 # pipefail only where this sh has it: checked first
(set -o pipefail) 2>/dev/null && set -o pipefail

usage() {
	cat <<'EOF'
usage: validate.sh [--seed S] [--learners N] [--end DATE] [--horizon DUR]
                   [--profile default|mooc] [--v1 FILE] [--v2 FILE] [--keep DIR]
                   [--strict]

Generate N labelled learners (default 20000) with tl-loadgen --seed S
(default 1) and --profile P (default default; mooc: the model calibrated
to a real MOOC log, see tl-loadgen(1)), observe them at --end (default
2025-10-01), label them from the --horizon after it (default 60d), score
them with config/v1.json and config/v2.json and print the acceptance
table. --keep DIR keeps the intermediate files there. --strict exits 1
when a criterion fails (else 0).
EOF
}

root=$(cd "$(dirname "$0")/.." && pwd)
PATH="${TL_BIN:-$root/bin}:$PATH"
seed=1 learners=20000 end=2025-10-01 horizon=60d profile=default keep='' strict=0
v1="$root/config/v1.json" v2="$root/config/v2.json"
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) seed=$2; shift 2 ;;
	--learners) learners=$2; shift 2 ;;
	--end) end=$2; shift 2 ;;
	--horizon) horizon=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--v1) v1=$2; shift 2 ;;
	--v2) v2=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--strict) strict=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
done
command -v python3 >/dev/null || { echo "validate.sh: python3 is needed" >&2; exit 69; }

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	dir=$keep
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/validate.XXXXXX")
	trap 'rm -rf "$dir"' EXIT INT TERM
fi

# 1. a labelled population whose events continue past --end
tl-loadgen --learners "$learners" --seed "$seed" --profile "$profile" --end "$end" \
	--horizon "$horizon" --truth --output "$dir/events.csv"
# 2. the capability half-life model
tl-retention --fit --as-of "$end" --output "$dir/model.csv" "$dir/events.csv"
# 3. the metric pipeline with labels (next_velocity_actual, churned)
tl-velocity --as-of "$end" --label "$dir/events.csv" | tl-affinity \
	| tl-retention --model "$dir/model.csv" --label --output "$dir/features.ndjson"
# the naive "last period's velocity" baseline: v_K itself (EMA with alpha 1, no decay)
tl-velocity --as-of "$end" --label --alpha 1 --decay-half-life 0 -o csv \
	--output "$dir/last-period.csv" "$dir/events.csv"
# 4. scores
tl-score --config "$v1" -o csv --output "$dir/v1.csv" "$dir/features.ndjson"
tl-score --config "$v2" -o csv --output "$dir/v2.csv" "$dir/features.ndjson"
# 5. evaluation
for v in v1 v2; do
	tl-eval --truth true_archetype --pred archetype --format json --output "$dir/class-$v.json" "$dir/$v.csv"
done
tl-eval --score days_since_last --label churned --format json --output "$dir/churn-v1.json" "$dir/v1.csv"
tl-eval --score churn_risk --label churned --format json --output "$dir/churn-v2.json" "$dir/v2.csv"
tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --format json \
	--output "$dir/velocity.json" "$dir/v2.csv"
tl-eval --pred velocity --actual next_velocity_actual --format json \
	--output "$dir/velocity-last.json" "$dir/last-period.csv"

python3 - "$dir" "$seed" "$learners" "$end" "$horizon" "$strict" "$profile" <<'EOF'
import csv, json, sys
d, seed, learners, end, horizon, strict, profile = sys.argv[1:]
def load(name):
    with open(f"{d}/{name}") as f:
        return json.load(f)
c1, c2 = load("class-v1.json"), load("class-v2.json")
ch1, ch2 = load("churn-v1.json"), load("churn-v2.json")
vel, last = load("velocity.json"), load("velocity-last.json")
if vel["n"] != last["n"]:
    sys.exit(f"validate.sh: velocity evaluated on {vel['n']} learners, the last-period baseline on {last['n']}")

def cls(rep, a, key):
    c = rep["classes"].get(a)
    return c[key] if c else None

spec = [float(r["domain_concentration"]) for r in csv.DictReader(open(f"{d}/v2.csv"))
        if r["true_archetype"] == "specialist" and r["domain_concentration"] != ""]
spec_share = sum(x > 0.65 for x in spec) / len(spec) if spec else None
hl = [r["half_life_days"] for r in csv.DictReader(open(f"{d}/model.csv")) if r["capability"] != "*"]
hv = sorted(float(h) for h in hl if h != "")
hl_share = sum(30 <= h <= 60 for h in hv) / len(hv) if hv else None
base_mae = min(vel["baselines"]["velocity_simple"]["mae"], last["mae"])

def ge(x, t): return x is not None and x >= t
rows = [
    ("fast_learner recall", ">= 0.90", cls(c1, "fast_learner", "recall"), cls(c2, "fast_learner", "recall"), lambda v: ge(v, 0.90)),
    ("specialist precision", ">= 0.95", cls(c1, "specialist", "precision"), cls(c2, "specialist", "precision"), lambda v: ge(v, 0.95)),
    ("long_term_retainer precision", ">= 0.88", cls(c1, "long_term_retainer", "precision"), cls(c2, "long_term_retainer", "precision"), lambda v: ge(v, 0.88)),
    ("churn ROC AUC", ">= 0.80", ch1["roc_auc"], ch2["roc_auc"], lambda v: ge(v, 0.80)),
    ("velocity within +-0.10", ">= 0.85", vel["baselines"]["velocity_simple"]["within_tolerance"], vel["within_tolerance"], lambda v: ge(v, 0.85)),
    ("velocity MAE < naive baselines", "< %.4f" % base_mae, vel["baselines"]["velocity_simple"]["mae"], vel["mae"], lambda v: v is not None and v < base_mae),
    ("specialists concentration > 0.65", ">= 0.80", None, spec_share, lambda v: ge(v, 0.80)),
    ("half-lives in [30, 60] days", ">= 0.80", None, hl_share, lambda v: ge(v, 0.80)),
    ("archetype macro F1, v2 > v1", "> v1", c1["macro_f1"], c2["macro_f1"], lambda v: v is not None and c1["macro_f1"] is not None and v > c1["macro_f1"]),
]
def fmt(x): return "-" if x is None else "%.4f" % x
print(f"validate.sh: seed {seed}, {learners} learners, as-of {end}, horizon {horizon}"
      + ("" if profile == "default" else f", profile {profile}"))
print("%-34s %-9s %8s %8s  %s" % ("criterion", "target", "v1", "v2", "result"))
failed = 0
for name, target, a, b, ok in rows:
    res = "pass" if ok(b) else "FAIL"
    failed += res == "FAIL"
    print("%-34s %-9s %8s %8s  %s" % (name, target, fmt(a), fmt(b), res))
print()
print("notes: result is v2's. churn score: v1 days_since_last, v2 churn_risk (label churned).")
print("  velocity: v1 column = velocity_simple as the prediction, v2 = velocity_next; baseline MAE:")
print("  last period's velocity %.4f, velocity_simple %.4f (n = %d)" % (last["mae"], vel["baselines"]["velocity_simple"]["mae"], vel["n"]))
print("  specialists: true_archetype = specialist (n = %d)" % len(spec))
med = hv[len(hv) // 2] if hv else None
print("  half-lives: %d capabilities with a half-life (median %s days), %d without"
      % (len(hv), fmt(med), len(hl) - len(hv)))
print("  macro F1 over %d learners; %d of %d criteria fail" % (c2["n"], failed, len(rows)))
sys.exit(1 if failed and strict == "1" else 0)
EOF
