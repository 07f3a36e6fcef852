#!/bin/sh
# record.sh OUTDIR - run every tool on a fixed corpus and write each output
# (stdout, stderr, exit status) to OUTDIR/NAME. Used to show a refactoring
# changes no output: record before, record after, diff -r (tests/corpus.bats).
# The corpus: the worked example, the edge-case population
# (testdata/ref/fuzz-events.py), a tl-loadgen population, and the reports of
# tl-eval, tl-abtest, tl-score and tl-model in every format.
set -eu
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TL_BIN:-$root/bin}
td=$root/testdata
PATH="$bin:$PATH"
export PATH LC_ALL=C
unset TL_AS_OF
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
asof=2025-06-01T00:00:00Z

# case NAME CMD: run CMD with sh, keep stdout, stderr and status.
case_() {
	name=$1
	shift
	rc=0
	(cd "$work" && sh -c "$*") >"$out/$name.out" 2>"$out/$name.err" || rc=$?
	echo "$rc" >"$out/$name.rc"
}

python3 "$td/ref/fuzz-events.py" 5 200 >"$work/edge.csv"
tl-loadgen --learners 400 --seed 7 --truth --arm-split 1:1 --outcome --effect 0.1 >"$work/gen.csv"
tl-loadgen --learners 50 --seed 3 -f ndjson >"$work/gen.ndjson"
cp "$td/worked/worked.csv" "$work/worked.csv"
cp "$td/worked/worked.ndjson" "$work/worked.ndjson"
cp "$td/reader/reader-bad.csv" "$work/bad.csv"

for src in worked edge gen; do
	f=$src.csv
	case_ "$src-velocity" "tl-velocity --as-of $asof -o csv $f"
	case_ "$src-affinity" "tl-affinity --as-of $asof -o csv --transfer-pairs $src.pairs $f && cat $src.pairs"
	case_ "$src-retention" "tl-retention --as-of $asof -o csv --label $f"
	case_ "$src-fit" "tl-retention --as-of $asof --fit --curves $src.curves $f && cat $src.curves"
	case_ "$src-pipe" "tl-velocity --as-of $asof --label $f | tl-affinity | tl-retention | tl-score --summary -o csv"
	case_ "$src-stats" "tl-velocity --stats --as-of $asof --skip-bad -o csv $f"
done
case_ worked-ndjson "tl-velocity --as-of $asof worked.ndjson | tl-affinity | tl-retention"
case_ gen-ndjson "tl-velocity --as-of $asof gen.ndjson | tl-affinity -o csv"
case_ gen-v1 "tl-velocity --as-of $asof gen.csv | tl-affinity | tl-retention | tl-score --config $root/config/v1.json -o csv"
case_ gen-canary "tl-velocity --as-of $asof gen.csv | tl-affinity | tl-retention | tl-score --canary 10 --treatment $root/config/v1.json -o csv"
case_ gen-calibrate "tl-velocity --as-of $asof gen.csv | tl-affinity | tl-retention | tl-score | tl-score --calibrate --outcome roi"
case_ gen-printconfig "tl-score --print-config"
tl-velocity --as-of $asof --label "$work/gen.csv" | tl-affinity | tl-retention --label | tl-score -o csv >"$work/scored.csv"
for fmt in text json md; do
	case_ "eval-class-$fmt" "tl-eval --truth true_archetype --pred archetype --format $fmt scored.csv"
	case_ "eval-churn-$fmt" "tl-eval --score churn_risk --label churned --format $fmt scored.csv"
	case_ "eval-vel-$fmt" "tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --format $fmt scored.csv"
	case_ "eval-td-$fmt" "tl-eval --truth true_archetype --pred archetype --format $fmt $td/eval/eval-class.csv"
	case_ "abtest-$fmt" "tl-abtest --metric roi --binary is_specialist --by archetype --format $fmt scored.csv"
	case_ "abtest-seq-$fmt" "tl-abtest --metric roi --sequential --power 0.8 --mde 0.1 --format $fmt scored.csv"
	case_ "abtest-td-$fmt" "tl-abtest --metric roi --binary clicked --by archetype --covariate pre_roi --format $fmt $td/abtest/abtest-learners.csv"
done
case_ abtest-emit "tl-abtest --metric roi --binary clicked --by archetype --emit-stats $td/abtest/abtest-learners.csv > s.csv && cat s.csv && tl-abtest --merge s.csv s.csv"
case_ eval-emit-class "tl-eval --truth true_archetype --pred archetype --emit-stats scored.csv > e.csv && cat e.csv && tl-eval --truth true_archetype --pred archetype --shard 0/2 --emit-stats scored.csv > e0.csv && tl-eval --truth true_archetype --pred archetype --shard 1/2 --emit-stats scored.csv > e1.csv && tl-eval --merge e0.csv e1.csv && tl-eval --merge e.csv e.csv"
case_ eval-emit-churn "tl-eval --score churn_risk --label churned --emit-stats scored.csv > e.csv && cat e.csv && tl-eval --score churn_risk --label churned --shard 0/2 --emit-stats scored.csv > e0.csv && tl-eval --score churn_risk --label churned --shard 1/2 --emit-stats scored.csv > e1.csv && tl-eval --merge -o json e0.csv e1.csv && tl-eval --merge e.csv e.csv"
case_ eval-emit-vel "tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --emit-stats scored.csv > e.csv && cat e.csv && tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --shard 0/2 --emit-stats scored.csv > e0.csv && tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple --shard 1/2 --emit-stats scored.csv > e1.csv && tl-eval --merge -o md e0.csv e1.csv && tl-eval --merge e.csv e.csv"
case_ abtest-plan "tl-abtest --baseline-mean 1.5 --baseline-sd 0.6 --mde 0.05"
case_ model-fit "tl-model --fit --target churned --features interactions,log1p:days_since_last,sqrt:active_days --cv 5 scored.csv > m.json && cat m.json && tl-model --model m.json -o csv scored.csv"
case_ model-linear "tl-model --fit --kind linear --target roi --features interactions,velocity scored.csv"
case_ bad-reader "tl-velocity --as-of $asof bad.csv"
case_ bad-skip "tl-velocity --stats --as-of $asof --skip-bad -o csv bad.csv"
case_ bad-option "tl-velocity --nope"
case_ missing-field "tl-score worked.csv"
