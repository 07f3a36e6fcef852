#!/usr/bin/env bash
# make.sh - remake the inputs of tests/tl-report.bats and of the examples
# of tl-report(1) from a small synthetic population (run from the
# repository root with bin/ built): sh testdata/report/make.sh
set -euo pipefail
export PATH="$PWD/bin:$PATH" LC_ALL=C
d=testdata/report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tl-loadgen --learners 600 --seed 3 --truth --arm-split 50:50 --effect 0.063 --outcome \
	--end 2025-10-01 --horizon 60d >"$tmp/events.csv"
tl-retention --as-of 2025-10-01 --fit --curves "$d/curves.csv" "$tmp/events.csv" >"$d/model.csv"
tl-velocity --as-of 2025-10-01 --label "$tmp/events.csv" | tl-affinity |
	tl-retention --model "$d/model.csv" --label >"$tmp/metrics.ndjson"
tl-score --summary-file "$d/summary.txt" -o csv "$tmp/metrics.ndjson" >"$tmp/scored.csv"
tl-abtest --metric roi --binary churned --by archetype --min-lift 0.02 --format json "$tmp/scored.csv" >"$d/abtest.json"
tl-eval --truth true_archetype --pred archetype --format json "$tmp/scored.csv" >"$d/eval-class.json"
tl-eval --score churn_risk --label churned --curve "$d/roc.csv" --format json "$tmp/scored.csv" >"$d/eval-churn.json"
tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --format json \
	"$tmp/scored.csv" >"$d/eval-velocity.json"
# a rollout of v1 to v2 (+6.3% ROI) in four looks of 3,000 learners, as
# the drills of tests/rollout.bats: its audit log
tl-loadgen --learners 12000 --seed 3 | tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention -o csv |
	awk -F, -v d="$tmp" 'NR == 1 { h = $0; next }
		{ f = d "/b" int((NR - 2) / 3000) + 1 ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 } print > f }'
cat >"$tmp/rollout.json" <<JSON
{
  "control": "$PWD/config/v1.json", "treatment": "$PWD/config/v2.json",
  "state": "state", "textfile": null, "min_lift": 0.02,
  "outcome_command": "tl-loadgen --seed 3 --assignment {assignment} --effect 0.063 --outcome-sd 0.1",
  "stages": [
    {"name": "canary", "pct": 1, "min_learners": 50, "max_looks": 6, "error_rate": {"pass": 0.01, "abort": 0.02}},
    {"name": "ramp", "pct": 10, "min_learners": 500, "max_looks": 6, "require_lift": true,
     "error_rate": {"pass": 0.005, "abort": 0.01}},
    {"name": "full", "pct": 100}
  ]
}
JSON
for b in 1 2 3 4; do
	PATH="$PWD/scripts:$PATH" tl-rollout --config "$tmp/rollout.json" "$tmp/b$b.csv" 2>/dev/null || [ $? -le 2 ]
done
cp "$tmp/state/audit.jsonl" "$d/audit.jsonl"
