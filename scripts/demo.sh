#!/usr/bin/env bash
# demo.sh - the main job on synthetic data (make demo). It generates
# learners with known truth, computes every per-learner metric, scores them
# with the old (v1) and the new (v2) algorithm, checks both against the
# truth, and runs the A/B decision on a simulated 50:50 experiment whose
# treatment raises the ROI outcome by 6.3%. It ends by writing the results
# report, Markdown and HTML with plots (tl-report), and says where it is.
#
# usage: demo.sh [-h]
# The main job of tl on synthetic data, end to end; see demo(1).
#   -h, --help  show this help
# Environment: N (learners, default 20000), OUT (the output directory,
# default demo-out/ of the source tree), TL_BIN (the tools, default bin/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 0 "$@"
case ${OUT:-} in '' | /*) ;; *) OUT=$PWD/$OUT ;; esac   # a relative OUT is the caller's
cd "$(dirname "$0")/.."
export PATH="${TL_BIN:-$PWD/bin}:$PATH" LC_ALL=C   # TL_BIN: the tests run it on a sanitizer build too
N=${N:-20000}
OUT=${OUT:-demo-out}
ASOF=2025-10-01
mkdir -p "$OUT"

echo "== 1. $N synthetic learners with known archetypes (tl-loadgen --seed 7)"
tl-loadgen --learners "$N" --seed 7 --truth --arm-split 50:50 --effect 0.063 --outcome \
	--end $ASOF --horizon 60d > "$OUT/events.csv"
echo "   $(($(wc -l < "$OUT/events.csv") - 1)) events, to $ASOF and 60 days beyond (for labels)"

echo "== 2. per-learner metrics as of $ASOF: tl-velocity | tl-affinity | tl-retention"
tl-retention --as-of $ASOF --fit --curves "$OUT/curves.csv" "$OUT/events.csv" > "$OUT/halflife.csv"
awk -F, '$1 == "*" { printf "   pooled capability half-life (Kaplan-Meier median): %.1f days\n", $5 }' "$OUT/halflife.csv"
tl-velocity --as-of $ASOF --label "$OUT/events.csv" | tl-affinity \
	| tl-retention --model "$OUT/halflife.csv" --label --stats > "$OUT/metrics.ndjson"

echo "== 3. archetypes by the old (v1) and the new (v2) algorithm, against the truth"
for v in v1 v2; do
	tl-score --config config/$v.json --summary-file "$OUT/summary-$v.txt" -o csv "$OUT/metrics.ndjson" \
		> "$OUT/scored-$v.csv"
	tl-eval --truth true_archetype --pred archetype --format json "$OUT/scored-$v.csv" > "$OUT/eval-$v.json"
done
python3 - "$OUT/eval-v1.json" "$OUT/eval-v2.json" <<'PY'
import json, sys
v1, v2 = (json.load(open(f)) for f in sys.argv[1:])
print("   %-26s %10s %10s" % ("", "v1 (old)", "v2 (new)"))
for k in ("accuracy", "macro_f1"):
    print("   %-26s %10.3f %10.3f" % (k, v1[k], v2[k]))
for cls in sorted(v2["classes"]):
    print("   %-26s %10.3f %10.3f" % ("recall " + cls, v1["classes"][cls]["recall"], v2["classes"][cls]["recall"]))
PY

echo "== 4. churn risk against who did not come back in the 30 days after $ASOF"
tl-eval --score churn_risk --label churned --format json --curve "$OUT/roc.csv" "$OUT/scored-v2.csv" \
	| tee "$OUT/eval-churn.json" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("   ROC AUC %.3f, PR AUC %.3f, Brier %.3f" % (r["roc_auc"], r["pr_auc"], r["brier"]))'

echo "== 5. the A/B decision: does the treatment raise ROI by at least 2%?"
tl-abtest --metric roi --by archetype --min-lift 0.02 "$OUT/scored-v2.csv" | sed 's/^/   /'
tl-abtest --metric roi --by archetype --min-lift 0.02 --format json "$OUT/scored-v2.csv" > "$OUT/abtest.json"

echo "== 6. the results report (tl-report): the decision, validation and retention, with plots"
tl-report --title "tl demo: v2 scoring, A/B results" --abtest "$OUT/abtest.json" --eval "$OUT/eval-v2.json" \
	--eval "$OUT/eval-churn.json" --curve "$OUT/roc.csv" --model "$OUT/halflife.csv" --curves "$OUT/curves.csv" \
	--summary "$OUT/summary-v2.txt" --min-lift 0.02 --as-of $ASOF --output "$OUT/report.md" --html "$OUT/report.html"
echo "   $(grep -m 1 '^Decision: ' "$OUT/report.md" | tr -d '*')"
echo "   written: $OUT/report.md and $OUT/report.html (open it in a browser; it prints well too)"
