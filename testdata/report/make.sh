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
