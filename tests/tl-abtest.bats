#!/usr/bin/env bats
# tl-abtest: reports checked against published values (R, Newcombe) and
# against testdata/abtest/abtest-check.py, an independent recomputation with the
# Python standard library; goldens for the text and markdown layouts; gate
# exit codes; shards; an A/A test on a tl-loadgen population (the man
# page: manpages.bats).
load test_helper
bats_require_minimum_version 1.5.0

L="$TESTDATA/abtest/abtest-learners.csv"

# check OPTIONS...: run tl-abtest --format json with OPTIONS on the learner
# fixture and recompute every number of the report independently.
check() {
	run --separate-stderr tl-abtest --format json "$@" "$L"
	assert_success
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/r.json"
	run python3 "$TESTDATA/abtest/abtest-check.py" "$L" "$BATS_TEST_TMPDIR/r.json" "$@"
	assert_success
	assert_output --regexp '^ok [0-9]+ checks$'
}

@test "ABT001: --help prints the usage and exits 0; bad options exit 64" {
	run tl-abtest --help
	assert_success
	assert_line --partial 'usage: tl-abtest --metric FIELD'
	run --separate-stderr tl-abtest --nope
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest "$L"
	[ "$status" -eq 64 ]
	[[ $stderr == *"no metric: give --metric FIELD or --binary FIELD"* ]]
	run --separate-stderr tl-abtest --metric roi --format xml "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --correction bonferroni "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --alpha 2 "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --expect 50 "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --look-every 10 "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --gate --emit-stats "$L"
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --metric roi --metric roi "$L"
	[ "$status" -eq 64 ]
}

@test "ABT002: Welch on R's sleep data gives R's t.test values" {
	# R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776,
	# p-value = 0.07939, 95 percent CI -3.3654832 0.2054832 (group 1 - group 2).
	run --separate-stderr tl-abtest --metric extra --format json "$TESTDATA/abtest/abtest-sleep.csv"
	assert_success
	[ -z "$stderr" ]
	run pyget 'r["metrics"][0]["t"], r["metrics"][0]["df"], r["metrics"][0]["p"], r["metrics"][0]["diff_ci_low"], r["metrics"][0]["diff_ci_high"]'
	python3 - "$output" <<'EOF'
import sys
t, df, p, lo, hi = map(float, sys.argv[1].split())
want = [(t, -1.8608, 5e-5), (df, 17.776, 5e-4), (p, 0.07939, 5e-6),
        (lo, -3.3654832, 5e-8), (hi, 0.2054832, 5e-8)]
bad = [(g, w) for g, w, tol in want if abs(g - w) > tol]
print(bad)
sys.exit(1 if bad else 0)
EOF
}

@test "ABT003: numeric and binary metrics with segments match an independent computation" {
	check --metric roi --binary clicked --by archetype
}

@test "ABT004: CUPED, Benjamini-Hochberg, alpha 0.1 and a 40:60 split match" {
	check --metric roi --binary clicked --by archetype --covariate pre_roi --correction bh --alpha 0.1 --expect 40:60
}

@test "ABT005: sequential p-values, confidence sequences and power match" {
	check --binary clicked --metric roi --by archetype --covariate pre_roi --sequential --mixture-sd 0.5 --power 0.9 --mde 0.2
}

@test "ABT025: --look-every: the sequential p is the smallest over the looks, the sequence their intersection" {
	# each look alone is the one-look report of the learners so far (checked
	# by ABT005); looks after 15, 30, 45 and 60 learners
	local d="$BATS_TEST_TMPDIR" k o=(--metric roi --binary clicked --sequential --mixture-sd 1 --format json)
	for k in 15 30 45 60; do
		head -n $((k + 1)) "$L" | tl-abtest "${o[@]}" >"$d/look$k.json"
	done
	tl-abtest "${o[@]}" --look-every 15 "$L" >"$d/all.json"
	run python3 - "$d" <<'EOF'
import json, sys
looks = [json.load(open('%s/look%d.json' % (sys.argv[1], k)))['metrics'] for k in (15, 30, 45, 60)]
got = json.load(open(sys.argv[1] + '/all.json'))['metrics']
for i, m in enumerate(got):
    seq = [l[i]['sequential'] for l in looks]
    want = (min(s['p'] for s in seq), max(s['cs_low'] for s in seq), min(s['cs_high'] for s in seq))
    have = (m['sequential']['p'], m['sequential']['cs_low'], m['sequential']['cs_high'])
    assert all(abs(a - b) <= 1e-12 * max(1, abs(b)) for a, b in zip(have, want)), (i, have, want)
    if i == 0:   # roi: the look after 45 learners narrows the sequence
        assert have[2] < seq[-1]['cs_high'], 'the looks changed nothing'
    assert m['p'] == looks[-1][i]['p']
print('ok')
EOF
	assert_output ok
}

@test "ABT006: the checker can fail: a wrong alpha is caught" {
	run --separate-stderr tl-abtest --format json --metric roi "$L"
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/r.json"
	run python3 "$TESTDATA/abtest/abtest-check.py" "$L" "$BATS_TEST_TMPDIR/r.json" --metric roi --alpha 0.1
	assert_failure
	assert_output --partial 'MISMATCH roi/None diff_ci_low'
}

@test "ABT007: text report (golden; its numbers are those ABT003 checks)" {
	run --separate-stderr tl-abtest --metric roi --binary clicked --by archetype "$L"
	assert_success
	golden abtest/abtest-report.txt
	[ -z "$stderr" ]
}

@test "ABT008: markdown report (golden)" {
	run --separate-stderr tl-abtest --metric roi --binary clicked --by archetype --format md "$L"
	assert_success
	golden abtest/abtest-report.md
}

@test "ABT009: CUPED, sequential and power lines of the text report (golden)" {
	run --separate-stderr tl-abtest --metric roi --binary clicked --covariate pre_roi --sequential --power 0.8 --mde 0.1 "$L"
	assert_success
	golden abtest/abtest-extras.txt
}

@test "ABT010: the JSON report has the documented keys" {
	run --separate-stderr tl-abtest --format json --metric roi --binary clicked --by archetype "$L"
	assert_success
	run pyget 'list(r), list(r["decision"]), list(r["metrics"][0]), [k for k in r["metrics"][4] if k not in r["metrics"][0]]'
	assert_output "['arms', 'expected', 'srm_chi2', 'srm_p', 'alpha', 'correction', 'segment_mix', 'metrics', 'decision'] ['pass', 'failed'] ['metric', 'kind', 'segment', 'n_control', 'n_treatment', 'mean_control', 'mean_treatment', 'sd_control', 'sd_treatment', 'ci_control_low', 'ci_control_high', 'ci_treatment_low', 'ci_treatment_high', 'diff', 'diff_ci_low', 'diff_ci_high', 'diff_ci_method', 'lift', 'lift_ci_low', 'lift_ci_high', 't', 'df', 'p', 'p_adjusted', 'negative', 'note'] ['z']"
	run --separate-stderr tl-abtest --format json --metric roi --binary clicked --by archetype "$L"
	run pyget 'r["arms"], r["metrics"][0]["segment"], r["metrics"][3]["segment"], r["metrics"][3]["negative"], "df" in r["metrics"][4], r["decision"]'
	assert_output "{'control': 32, 'treatment': 28} None specialist True False {'pass': False, 'failed': ['significance', 'min_lift', 'negative_segment', 'segment_mix']}"
}

@test "ABT011: --gate exits 1 when the decision fails, 0 when it passes" {
	run --separate-stderr tl-abtest --gate --binary clicked "$L"
	assert_success
	assert_line 'decision: PASS'
	# the lift of clicked is 177.6%: a minimum of 200% fails min_lift only
	run --separate-stderr tl-abtest --gate --binary clicked --min-lift 2 "$L"
	[ "$status" -eq 1 ]
	assert_line 'decision: FAIL'
	assert_line '  min_lift: clicked: lift 177.6% is below the minimum 200%'
	# without --gate a failed decision still exits 0
	run --separate-stderr tl-abtest --binary clicked --min-lift 2 "$L"
	assert_success
	# 32:28 against an expected 90:10 is a sample ratio mismatch
	run --separate-stderr tl-abtest --gate --binary clicked --expect 90:10 --format json "$L"
	[ "$status" -eq 1 ]
	run pyget 'r["decision"]'
	assert_output "{'pass': False, 'failed': ['srm']}"
	# segments: roi is significantly negative among specialists
	run --separate-stderr tl-abtest --gate --binary clicked --metric roi --by archetype --max-mix-diff 0.2 --format json "$L"
	[ "$status" -eq 1 ]
	run pyget 'r["decision"]["failed"]'
	assert_output "['significance', 'min_lift', 'negative_segment']"
	run --separate-stderr tl-abtest --gate --binary clicked --by archetype --max-mix-diff 0.2 "$L"
	assert_success
}

@test "ABT012: zero variance gets a clear message, not a number" {
	run --separate-stderr tl-abtest --metric roi --binary clicked --format json "$TESTDATA/abtest/abtest-zero.csv"
	assert_success
	[[ $stderr == *"tl-abtest: roi: zero variance in both arms: the t-test is undefined"* ]]
	[[ $stderr == *"tl-abtest: clicked: every value is 1: the z-test is undefined"* ]]
	run pyget 'r["metrics"][0]["t"], r["metrics"][0]["p"], r["metrics"][0]["diff"], r["metrics"][0]["n_treatment"], r["metrics"][1]["z"], r["decision"]["failed"]'
	# the lift (50%) is defined: only significance fails
	assert_output "None None 1 2 None ['significance']"
	run --separate-stderr tl-abtest --metric roi "$TESTDATA/abtest/abtest-zero.csv"
	assert_line '  note: zero variance in both arms: the t-test is undefined'
	assert_line '  significance: roi: no p-value (zero variance in both arms: the t-test is undefined)'
}

@test "ABT013: bad input exits 65 naming the file, line and value" {
	local d="$BATS_TEST_TMPDIR"
	printf 'learner_id,arm,roi\nL1,control,1\nL2,treatment,2\nL3,other,3\n' >"$d/third.csv"
	run --separate-stderr tl-abtest --metric roi "$d/third.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "tl-abtest: $d/third.csv:4: arm 'other' is neither the control 'control' nor the treatment 'treatment': tl-abtest compares two arms (--control names the control)" ]
	printf 'learner_id,arm,roi\nL1,control,1\nL2,treatment,x\n' >"$d/nan.csv"
	run --separate-stderr tl-abtest --metric roi "$d/nan.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "tl-abtest: $d/nan.csv:3: learner 'L2': field 'roi' is not a number: 'x'" ]
	run --separate-stderr tl-abtest --binary roi "$TESTDATA/abtest/abtest-sleep.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"abtest-sleep.csv:2: learner 'P01c' has no field 'roi' (it is produced by tl-loadgen --outcome: run it first)" ]]
	run --separate-stderr tl-abtest --binary extra "$TESTDATA/abtest/abtest-sleep.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"abtest-sleep.csv:2: learner 'P01c': field 'extra' is not 0, 1, true or false: '1.9'" ]]
	run --separate-stderr tl-abtest --metric roi --by nope "$L"
	[ "$status" -eq 65 ]
	[[ $stderr == *"abtest-learners.csv:2: learner 'A001' has no field 'nope' (no tl tool produces it; add it to the input)" ]]
	printf 'learner_id,arm,roi\nL1,,1\n' >"$d/empty.csv"
	run --separate-stderr tl-abtest --metric roi "$d/empty.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"empty.csv:2: learner 'L1' has an empty 'arm'" ]]
	printf 'learner_id,arm,roi,pre\nL1,control,1,\nL2,treatment,2,3\n' >"$d/cov.csv"
	run --separate-stderr tl-abtest --metric roi --covariate pre "$d/cov.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"cov.csv:2: learner 'L1' has a metric but no covariate 'pre'" ]]
	run --separate-stderr tl-abtest --metric roi --control treatment --arm archetype "$L"
	[ "$status" -eq 65 ]
	run --separate-stderr tl-abtest --metric extra --control placebo "$TESTDATA/abtest/abtest-sleep.csv"
	[ "$status" -eq 65 ]
	run --separate-stderr tl-abtest --metric roi /nonexistent/x.csv
	[ "$status" -eq 66 ]
}

@test "ABT014: an arm without learners exits 65" {
	printf 'learner_id,arm,roi\nL1,control,1\nL2,control,2\n' >"$BATS_TEST_TMPDIR/one.csv"
	run --separate-stderr tl-abtest --metric roi "$BATS_TEST_TMPDIR/one.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "tl-abtest: no treatment arm: every learner is in 'control'" ]
	printf 'learner_id,arm,roi\nL1,new,1\nL2,new,2\n' >"$BATS_TEST_TMPDIR/one.csv"
	run --separate-stderr tl-abtest --metric roi "$BATS_TEST_TMPDIR/one.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "tl-abtest: no learner in the control arm 'control' (the only arm is 'new'; see --control)" ]
}

@test "ABT015: learner documents: events are skipped, JSON numbers, null and booleans read" {
	local d="$BATS_TEST_TMPDIR"
	python3 - "$TESTDATA/abtest/abtest-docs.ndjson" >"$d/docs.csv" <<'EOF'
import json, sys
print('learner_id,arm,archetype,roi,clicked')
for line in open(sys.argv[1]):
    r = json.loads(line)
    roi = '' if r['roi'] is None else repr(r['roi'])
    print('%s,%s,%s,%s,%d' % (r['learner_id'], r['arm'], r['archetype'], roi, int(r['clicked'])))
EOF
	run --separate-stderr tl-abtest --format json --metric roi --binary clicked --by archetype --stats "$TESTDATA/abtest/abtest-docs.ndjson"
	assert_success
	local docs=$output
	[[ $stderr == *"learners read 8, written 8"* ]]
	run --separate-stderr tl-abtest --format json --metric roi --binary clicked --by archetype "$d/docs.csv"
	assert_success
	[ "$output" = "$docs" ]
	run pyget 'r["metrics"][0]["n_control"], r["metrics"][0]["n_treatment"], r["arms"]'
	assert_output "4 3 {'control': 4, 'treatment': 4}"
}

# same_report A B: two JSON reports agree: the same text, numbers within 1e-9.
same_report() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
def walk(a, b, path):
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), path
        for k in a:
            walk(a[k], b[k], path + '.' + k)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, '%s[%d]' % (path, i))
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-9 * max(1, abs(a)), (path, a, b)
    else:
        assert a == b, (path, a, b)
a, b = (json.load(open(f)) for f in sys.argv[1:3])
walk(a, b, '')
print('same')
EOF
}

@test "ABT016: sharded --emit-stats then --merge equals one pass to 1e-9" {
	local d="$BATS_TEST_TMPDIR" i o=(--metric roi --binary clicked --by archetype --covariate pre_roi --sequential)
	for i in 0 1 2; do
		awk -v i="$i" 'NR == 1 || NR % 3 == i' "$L" | tl-abtest "${o[@]}" --emit-stats >"$d/s$i.csv"
	done
	[ "$(head -n 1 "$d/s0.csv")" = "by,segment,arm,metric,kind,covariate,n,mean,m2,mean_x,m2_x,c_xy" ]
	tl-abtest "${o[@]}" --format json "$L" >"$d/one.json"
	tl-abtest "${o[@]}" --format json --merge "$d/s0.csv" "$d/s1.csv" "$d/s2.csv" >"$d/merged.json"
	run same_report "$d/one.json" "$d/merged.json"
	assert_output same
	# the files name their metrics: --merge alone, or from concatenated files on stdin
	cat "$d/s2.csv" "$d/s0.csv" "$d/s1.csv" | tl-abtest --sequential --format json --merge >"$d/cat.json"
	run same_report "$d/one.json" "$d/cat.json"
	assert_output same
	# merging merged statistics changes nothing
	tl-abtest --merge --emit-stats "$d/s0.csv" "$d/s1.csv" >"$d/s01.csv"
	tl-abtest "${o[@]}" --format json --merge "$d/s01.csv" "$d/s2.csv" >"$d/m2.json"
	run same_report "$d/one.json" "$d/m2.json"
	assert_output same
	# a shard-sum that drops a shard is caught by the comparison
	tl-abtest "${o[@]}" --format json --merge "$d/s0.csv" "$d/s1.csv" >"$d/short.json"
	run same_report "$d/one.json" "$d/short.json"
	assert_failure
}

@test "ABT017: --merge picks metrics, and rejects options the files contradict" {
	local d="$BATS_TEST_TMPDIR"
	tl-abtest --metric roi --binary clicked --by archetype --emit-stats "$L" >"$d/s.csv"
	tl-abtest --binary clicked --by archetype --format json "$L" >"$d/one.json"
	tl-abtest --binary clicked --format json --merge "$d/s.csv" >"$d/m.json"
	run same_report "$d/one.json" "$d/m.json"
	assert_output same
	run --separate-stderr tl-abtest --binary roi --merge "$d/s.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"the stats files do not match the options"* ]]
	run --separate-stderr tl-abtest --metric roi --by cohort --merge "$d/s.csv"
	[ "$status" -eq 65 ]
	run --separate-stderr tl-abtest --merge "$L"
	[ "$status" -eq 65 ]
	[[ $stderr == *"abtest-learners.csv:1: not a tl-abtest --emit-stats file (column 1 is 'learner_id', expected 'by')" ]]
	awk -F, -v OFS=, 'NR == 3 { $7 = "x" } 1' "$d/s.csv" >"$d/bad.csv"
	run --separate-stderr tl-abtest --merge "$d/bad.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"bad.csv:3: bad n"* ]]
	# 2^53 + 1 learners: a double reads 2^53 and would take it
	awk -F, -v OFS=, 'NR == 3 { $7 = "9007199254740993" } 1' "$d/s.csv" >"$d/big.csv"
	run --separate-stderr tl-abtest --merge "$d/big.csv"
	[ "$status" -eq 65 ]
	[[ $stderr == *"big.csv:3: bad n: '9007199254740993' (a count of learners)" ]]
	run --separate-stderr tl-abtest --merge --sequential --look-every 5 "$d/s.csv"
	[ "$status" -eq 64 ]
}

@test "ABT018: --output is atomic; a full disk exits 74" {
	run --separate-stderr tl-abtest --metric roi --output "$BATS_TEST_TMPDIR/r.txt" "$L"
	assert_success
	[ -z "$output" ]
	run diff <(tl-abtest --metric roi "$L") "$BATS_TEST_TMPDIR/r.txt"
	assert_success
	run --separate-stderr tl-abtest --metric roi --output /dev/full "$L"
	[ "$status" -eq 74 ]
	run --separate-stderr bash -c "tl-abtest --metric roi '$L' >/dev/full"
	[ "$status" -eq 74 ]
	run --separate-stderr tl-abtest --metric roi --output /nonexistent/dir/r.txt "$L"
	[ "$status" -eq 73 ]
}

@test "ABT019: planning: 63 per arm for d = 0.5 at 80% power (normal approximation)" {
	# n = 2 (z_.975 + z_.8)^2 / 0.5^2 = 2 (1.959964 + 0.841621)^2 / 0.25 = 62.79 -> 63
	run --separate-stderr tl-abtest --baseline-mean 2 --baseline-sd 2 --mde 0.5 --format json
	assert_success
	run pyget 'r["power"]["n_per_arm"], r["power"]["target_power"]'
	assert_output "63 0.8"
	run --separate-stderr tl-abtest --baseline-mean 2 --mde 0.5
	[ "$status" -eq 64 ]
	run --separate-stderr tl-abtest --baseline-mean 2 --baseline-sd 1 --mde 0.5 "$L"
	[ "$status" -eq 64 ]
}

@test "ABT020: --metrics counts the learners" {
	run --separate-stderr tl-abtest --metric roi --metrics "$BATS_TEST_TMPDIR/m.prom" "$L"
	assert_success
	grep -qx 'tl_learners_read{tool="tl-abtest"} 60' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'tl_learners_written{tool="tl-abtest"} 60' "$BATS_TEST_TMPDIR/m.prom"
}

# bats test_tags=heavy
@test "ABT021: A/A: 400 salted splits of one tl-loadgen population reject at 0.05 +- 0.025" {
	# One population (20000 learners, --effect 0), 400 splits, each with
	# arms drawn by a hash of the learner and the split's salt
	# (testdata/abtest/abtest-aa.awk). With --by split, each split is analysed on
	# its own learners only, exactly as 400 separate runs would be (same
	# Welford sums); --look-every 800000 = 2000 learners of every split, so
	# the sequential p is the smallest over 10 looks.
	local d="$BATS_TEST_TMPDIR"
	tl-loadgen --learners 20000 --arm-split 50:50 --effect 0 --outcome --truth -f csv |
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "learner_id,archetype,roi"; next }
			$1 != p { p = $1; print $1 "," $c["true_archetype"] "," $c["roi"] }' >"$d/pop.csv"
	[ "$(wc -l <"$d/pop.csv")" -eq 20001 ]
	awk -f "$TESTDATA/abtest/abtest-aa.awk" "$d/pop.csv" |
		tl-abtest --metric roi --by split --sequential --look-every 800000 --format json >"$d/aa.json"
	run python3 - "$d/aa.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
seg = [m for m in r['metrics'] if m['segment'] is not None]
assert len(seg) == 400 and all(m['n_control'] + m['n_treatment'] == 20000 for m in seg)
fixed = sum(m['p'] < 0.05 for m in seg) / 400
seq = sum(m['sequential']['p'] < 0.05 for m in seg) / 400
print('fixed %.4f sequential %.4f' % (fixed, seq))
sys.exit(0 if abs(fixed - 0.05) <= 0.025 and seq <= 0.05 else 1)
EOF
	echo "$output" >&3
	assert_success
}

@test "ABT026: markdown cells escape '|' and line breaks in arms and segment values" {
	# archetype values with a pipe and a quoted line break; arms renamed
	# with a pipe: every table row keeps its column count
	awk -F, 'NR == 1 { print; next }
		{ $2 = ($2 == "control" ? "\"ctl|a\"" : "\"trt|b\""); $3 = ($3 == "specialist" ? "\"spec|ialist\"" : ($3 == "fast_learner" ? "\"fast\nlearner\"" : $3)); print }' OFS=, "$L" >"$BATS_TEST_TMPDIR/p.csv"
	run --separate-stderr tl-abtest --metric roi --by archetype --control 'ctl|a' --format md "$BATS_TEST_TMPDIR/p.csv"
	assert_success
	assert_line "| ctl\\|a | 32 | 53.33% | 50% |"
	assert_line --regexp '^\| spec\\\|ialist \| '
	assert_line --regexp '^\| fast learner \| '
	# every row of a table has as many unescaped pipes as its first row
	run awk '!/^\|/ { want = -1; next }
		{ line = $0; gsub(/\\\|/, "", line); n = gsub(/\|/, "", line)
		  if (want < 0) want = n; else if (n != want) { print "bad row: " $0; bad = 1 } }
		END { exit bad }' <<<"$output"
	assert_success
}
