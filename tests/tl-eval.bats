#!/usr/bin/env bats
# tl-eval: classification, binary and numeric reports against hand-computed
# and independently computed (python3) values.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

@test "EVAL001: classification text report (hand-computed golden)" {
	run --separate-stderr tl-eval --truth true_archetype --pred archetype "$TESTDATA/eval/eval-class.csv"
	assert_success
	golden eval/eval-class.txt
}

@test "EVAL002: classification markdown report" {
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --format md "$TESTDATA/eval/eval-class.csv"
	assert_success
	golden eval/eval-class.md
}

@test "EVAL003: classification JSON matches an independent computation" {
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --format json "$TESTDATA/eval/eval-class.csv"
	assert_success
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/r.json"
	python3 - "$TESTDATA/eval/eval-class.csv" "$BATS_TEST_TMPDIR/r.json" <<'EOF'
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['true_archetype'] and r['archetype']]
rep = json.load(open(sys.argv[2]))
classes = sorted({r['true_archetype'] for r in rows} | {r['archetype'] for r in rows})
f1s = []
for c in classes:
    tp = sum(r['true_archetype'] == c and r['archetype'] == c for r in rows)
    sup = sum(r['true_archetype'] == c for r in rows)
    pred = sum(r['archetype'] == c for r in rows)
    got = rep['classes'][c]
    assert abs(got['precision'] - tp / pred) < 1e-12, c
    assert abs(got['recall'] - tp / sup) < 1e-12, c
    assert abs(got['f1'] - 2 * tp / (sup + pred)) < 1e-12, c
    assert got['support'] == sup and got['predicted'] == pred
    f1s.append(2 * tp / (sup + pred))
assert abs(rep['macro_f1'] - sum(f1s) / len(f1s)) < 1e-12
assert abs(rep['macro_f1'] - 0.7083333333333334) < 1e-12
assert abs(rep['accuracy'] - 6 / 9) < 1e-12
assert rep['n'] == 9 and rep['skipped'] == 1 and rep['learners'] == 10
assert rep['confusion']['labels'] == classes
assert rep['confusion']['matrix'][3] == [1, 0, 0, 2]
EOF
}

@test "EVAL004: binary text report (hand-computed golden: AUC 10/12, AP 0.8542, Brier 1.28/7)" {
	run --separate-stderr tl-eval --score churn_risk --label churned "$TESTDATA/eval/eval-binary.csv"
	assert_success
	golden eval/eval-binary.txt
}

@test "EVAL005: binary JSON: exact values and snake-case keys" {
	run --separate-stderr tl-eval --score churn_risk --label churned --format json "$TESTDATA/eval/eval-binary.csv"
	assert_success
	run pyget "abs(r['roc_auc'] - 10/12) < 1e-15, abs(r['pr_auc'] - (0.25+0.25+0.1875+1/6)) < 1e-15, abs(r['brier'] - 1.28/7) < 1e-15, r['pr_auc_method'], r['positives'], r['negatives'], r['skipped']"
	assert_output "True True True average_precision 4 3 1"
}

@test "EVAL006: ROC AUC under heavy ties equals the pair count (python)" {
	python3 - > "$BATS_TEST_TMPDIR/ties.csv" <<'EOF'
import random
random.seed(5)
print("learner_id,s,y")
for i in range(400):
    s = random.randint(0, 6)
    y = 1 if random.random() < 0.15 + s / 10 else 0
    print(f"L{i},{s / 6:.6f},{y}")
EOF
	run --separate-stderr tl-eval --score s --label y --format json "$BATS_TEST_TMPDIR/ties.csv"
	assert_success
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/r.json"
	python3 - "$BATS_TEST_TMPDIR/ties.csv" "$BATS_TEST_TMPDIR/r.json" <<'EOF'
import csv, json, sys
rows = [(float(r['s']), int(r['y'])) for r in csv.DictReader(open(sys.argv[1]))]
pos = [s for s, y in rows if y]; neg = [s for s, y in rows if not y]
u = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
rep = json.load(open(sys.argv[2]))
assert abs(rep['roc_auc'] - u / (len(pos) * len(neg))) < 1e-12, (rep['roc_auc'], u / (len(pos) * len(neg)))
# average precision, ties grouped, highest score first
ap = tp = fp = 0
for t in sorted({s for s, _ in rows}, reverse=True):
    g = [y for s, y in rows if s == t]
    tp += sum(g); fp += len(g) - sum(g)
    ap += sum(g) / len(pos) * tp / (tp + fp)
assert abs(rep['pr_auc'] - ap) < 1e-12, (rep['pr_auc'], ap)
brier = sum((s - y) ** 2 for s, y in rows) / len(rows)
assert abs(rep['brier'] - brier) < 1e-12
bins = rep['calibration']
assert len(bins) == 10 and sum(b['n'] for b in bins) == len(rows)
assert bins[9]['n'] == sum(1 for s, _ in rows if s >= 0.9)
EOF
}

@test "EVAL007: Hanley & McNeil (1982) CT rating example: AUC 0.893" {
	python3 - > "$BATS_TEST_TMPDIR/hm.csv" <<'EOF'
normal = [33, 6, 6, 11, 2]; abnormal = [3, 2, 2, 11, 33]
print("learner_id,rating,abnormal")
i = 0
for r in range(5):
    for y, n in ((0, normal[r]), (1, abnormal[r])):
        for _ in range(n):
            i += 1
            print(f"P{i},{r + 1},{y}")
EOF
	run --separate-stderr tl-eval --score rating --label abnormal --format json "$BATS_TEST_TMPDIR/hm.csv"
	assert_success
	run pyget "round(r['roc_auc'], 3), r['roc_auc'] == 2642/2958, r['n'], r['brier']"
	assert_output "0.893 True 109 None"
}

@test "EVAL008: numeric report with baselines (hand-computed golden)" {
	run --separate-stderr tl-eval --pred velocity_next --actual next_velocity_actual \
		--baseline velocity_simple --baseline velocity "$TESTDATA/eval/eval-numeric.csv"
	assert_success
	golden eval/eval-numeric.txt
}

@test "EVAL009: numeric JSON: mae, rmse, within_tolerance (0.4-0.3 counts as within 0.1)" {
	run --separate-stderr tl-eval --pred velocity_next --actual next_velocity_actual \
		--baseline velocity_simple --format json "$TESTDATA/eval/eval-numeric.csv"
	assert_success
	run pyget "abs(r['mae']-0.0875)<1e-15, abs(r['rmse']-0.013125**0.5)<1e-15, r['within_tolerance'], r['baselines']['velocity_simple']['within_tolerance'], abs(r['baselines']['velocity_simple']['mae']-0.175)<1e-15, r['n'], r['skipped']"
	assert_output "True True 0.75 0.5 True 4 1"
}

@test "EVAL010: --tolerance changes within_tolerance" {
	run --separate-stderr tl-eval --pred velocity_next --actual next_velocity_actual --tolerance 0.2 \
		--format json "$TESTDATA/eval/eval-numeric.csv"
	assert_success
	run pyget "r['within_tolerance'], r['tolerance']"
	assert_output "1 0.2"
}

@test "EVAL011: reads learner documents (events skipped) from the pipeline" {
	run --separate-stderr bash -c "tl-velocity --as-of 2025-01-29T00:00:00Z --decay-half-life 0 --label '$TESTDATA/worked/worked.csv' \
		| tl-eval --pred velocity_next --actual next_velocity_actual --format json"
	assert_success
	# L1's velocity_next is 0.0797 (DESIGN §6.4); its next week (Jan 29 - Feb 5) has no event: actual 0
	run pyget "r['n'], round(r['mae'], 4)"
	assert_output "1 0.0797"
}

@test "EVAL012: a missing field names the field and its tool" {
	run --separate-stderr tl-eval --score churn_risk --label churned "$TESTDATA/eval/eval-class.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $TESTDATA/eval/eval-class.csv:2: learner 'L01' has no field 'churn_risk' (it is produced by tl-retention: run it first)"
	run --separate-stderr tl-eval --truth true_archetype --pred shoe_size "$TESTDATA/eval/eval-class.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $TESTDATA/eval/eval-class.csv:2: learner 'L01' has no field 'shoe_size' (no tl tool produces it; add it to the input)"
}

@test "EVAL013: a label that is not 0/1, or a score that is not a number, is bad data" {
	printf 'learner_id,s,y\nL1,0.5,2\n' > "$BATS_TEST_TMPDIR/bad.csv"
	run --separate-stderr tl-eval --score s --label y "$BATS_TEST_TMPDIR/bad.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $BATS_TEST_TMPDIR/bad.csv:2: learner 'L1': field 'y' is not 0, 1, true or false: '2'"
	printf 'learner_id,s,y\nL1,high,1\n' > "$BATS_TEST_TMPDIR/bad.csv"
	run --separate-stderr tl-eval --score s --label y "$BATS_TEST_TMPDIR/bad.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $BATS_TEST_TMPDIR/bad.csv:2: learner 'L1': field 's' is not a number: 'high'"
}

@test "EVAL014: usage errors exit 64" {
	run --separate-stderr tl-eval "$TESTDATA/eval/eval-class.csv"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-eval: give one of: --truth and --pred; --score and --label; --pred and --actual"
	run --separate-stderr tl-eval --truth a --pred b --score c "$TESTDATA/eval/eval-class.csv"
	assert_failure 64
	run --separate-stderr tl-eval --truth a --pred b --format xml
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-eval: -o wants text, json or md, not 'xml'"
	run --separate-stderr tl-eval --pred a --actual b --tolerance -1
	assert_failure 64
	run --separate-stderr tl-eval --bogus
	assert_failure 64
	run tl-eval --help
	assert_success
	assert_line --index 0 --partial "usage: tl-eval --truth FIELD --pred FIELD"
}

@test "EVAL015: an unreadable input exits 66; a full disk exits 74; --output is atomic" {
	run --separate-stderr tl-eval --truth a --pred b /nonexistent.csv
	assert_failure 66
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --output /dev/full "$TESTDATA/eval/eval-class.csv"
	[ "$status" -eq 73 ] || [ "$status" -eq 74 ]
	run --separate-stderr bash -c "tl-eval --truth true_archetype --pred archetype '$TESTDATA/eval/eval-class.csv' > /dev/full"
	assert_failure 74
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --output "$BATS_TEST_TMPDIR/rep.txt" "$TESTDATA/eval/eval-class.csv"
	assert_success
	assert_output ""
	run diff "$TESTDATA/eval/eval-class.txt" "$BATS_TEST_TMPDIR/rep.txt"
	assert_success
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --output "$BATS_TEST_TMPDIR/rep2.txt" "$TESTDATA/eval/eval-binary.csv"
	assert_failure 65
	[ ! -e "$BATS_TEST_TMPDIR/rep2.txt" ]
}

@test "EVAL016: --stats and --metrics reconcile the learners read" {
	run --separate-stderr tl-eval --score churn_risk --label churned --stats --metrics "$BATS_TEST_TMPDIR/m.prom" "$TESTDATA/eval/eval-binary.csv"
	assert_success
	assert_equal "$stderr" "tl-eval: records read 8 = used 8 + future 0 + rejected 0; learners read 8, written 8"
	run grep -c '^tl_learners_read{tool="tl-eval"} 8$' "$BATS_TEST_TMPDIR/m.prom"
	assert_output 1
}

@test "EVAL018: markdown cells escape '|' in class names (as tl-abtest does); text keeps them" {
	printf 'learner_id,t,p\nL1,a|b,a|b\nL2,a|b,c\nL3,c,c\n' > "$BATS_TEST_TMPDIR/pipe.csv"
	run --separate-stderr tl-eval --truth t --pred p --format md "$BATS_TEST_TMPDIR/pipe.csv"
	assert_success
	assert_line "| a\\|b | 1.0000 | 0.5000 | 0.6667 | 2 |"
	assert_line "| truth \\ pred | a\\|b | c |"
	assert_line "| a\\|b | 1 | 1 |"
	# every row of a table has as many unescaped pipes as its first row
	run awk '!/^\|/ { want = -1; next }
		{ line = $0; gsub(/\\\|/, "", line); n = gsub(/\|/, "", line)
		  if (want < 0) want = n; else if (n != want) { print "bad row: " $0; bad = 1 } }
		END { exit bad }' <<<"$output"
	assert_success
	run --separate-stderr tl-eval --truth t --pred p "$BATS_TEST_TMPDIR/pipe.csv"
	assert_success
	assert_line "a|b       1.0000  0.5000  0.6667        2"
}

@test "EVAL019: --curve writes the ROC curve: its points give roc_auc, its counts the labels; the report is unchanged" {
	local in="$TESTDATA/eval/eval-binary.csv" c="$BATS_TEST_TMPDIR/roc.csv"
	run --separate-stderr tl-eval --score churn_risk --label churned --format json "$in"
	assert_success
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/plain.json"
	run --separate-stderr tl-eval --score churn_risk --label churned --format json --curve "$c" "$in"
	assert_success
	diff "$BATS_TEST_TMPDIR/plain.json" <(printf '%s' "$output")
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/r.json"
	python3 - "$in" "$c" "$BATS_TEST_TMPDIR/r.json" <<'PY'
import csv, json, sys
recs = [(float(r["churn_risk"]), int(r["churned"])) for r in csv.DictReader(open(sys.argv[1]))
        if r["churn_risk"] and r["churned"]]
rows = list(csv.DictReader(open(sys.argv[2])))
rep = json.load(open(sys.argv[3]))
P = sum(y for _, y in recs); N = len(recs) - P
ths = sorted({s for s, _ in recs}, reverse=True)
assert [float(r["threshold"]) for r in rows] == ths, rows
for r in rows:
    t = float(r["threshold"])
    tp = sum(1 for s, y in recs if s >= t and y); fp = sum(1 for s, y in recs if s >= t and not y)
    assert (int(r["tp"]), int(r["fp"])) == (tp, fp), r
    assert float(r["tpr"]) == tp / P and float(r["fpr"]) == fp / N and float(r["precision"]) == tp / (tp + fp), r
pts = [(0.0, 0.0)] + [(float(r["fpr"]), float(r["tpr"])) for r in rows]
auc = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(pts, pts[1:]))
assert abs(auc - rep["roc_auc"]) < 1e-12, (auc, rep["roc_auc"])
PY
	run --separate-stderr tl-eval --truth true_archetype --pred archetype --curve "$c" "$TESTDATA/eval/eval-class.csv"
	assert_failure 64
	[[ $stderr == *"--curve needs --score and --label"* ]]
	run --separate-stderr tl-eval --score churn_risk --label churned --curve "$in" "$in"
	assert_failure 64
}
