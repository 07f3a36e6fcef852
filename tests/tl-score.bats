#!/usr/bin/env bats
# tl-score: rules, reasons, scores, config validation with JSON paths,
# missing fields, canary stability, calibration, summary.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

CFG="$TESTDATA/score/score-config.json"
CFG2="$TESTDATA/score/score-config2.json"

# rows N: N learner rows with the fields of score-config.json.
rows() {
	awk -v n="$1" 'BEGIN { print "learner_id,velocity,velocity_trend,is_specialist,retention_strength,churn_risk";
		for (i = 1; i <= n; i++) printf "L%06d,0.5,0.1,0,0.5,0.5\n", i }'
}

@test "SCORE001: rules, multipliers, scores and reasons (hand-computed golden)" {
	# A1 fast: (0.5*0.41 + 0.3*0.5 + 0.2*(1-0.4)) = 0.475; A2 trend 0 -> specialist,
	# 0.205+0.06+0.02 = 0.285; A3 is_specialist empty -> default, 0.1+0.24+0.18 = 0.52;
	# A4 velocity empty -> no score; A5 velocity clamped to 1 -> 0.5+0.3+0.2 = 1.
	run --separate-stderr tl-score --config "$CFG" -o csv "$TESTDATA/score/score-rows.csv"
	assert_success
	golden score/score-rows-scored.csv
}

@test "SCORE002: learner documents keep everything else; re-scoring replaces fields in place" {
	run --separate-stderr bash -c "tl-score --config '$CFG' '$TESTDATA/score/score-rows.csv' | tl-score --config '$CFG2'"
	assert_success
	run python3 -c '
import json, sys
for line in sys.argv[1].splitlines():
    d = json.loads(line)
    keys = list(d)
    assert keys.count("archetype") == 1 and keys[-5:] == ["archetype", "roi_multiplier", "score", "algo_version", "archetype_reason"], keys
    assert d["algo_version"] == "test2"
    print(d["learner_id"], d["archetype"], d["roi_multiplier"])
' "$output"
	assert_success
	assert_output "A1 fast_learner 2.5
A2 specialist 1.6
A3 generalist 1
A4 specialist 1.6
A5 fast_learner 2.5"
}

@test "SCORE003: --summary on stderr, --summary-file, and --metrics gauges" {
	run --separate-stderr tl-score --config "$CFG" -o csv --summary "$TESTDATA/score/score-rows.csv"
	assert_success
	# fast 2 (0.475, 1), specialist 2 (0.285, one empty), generalist 1 (0.52);
	# portfolio (1.9*2 + 1.6*2 + 1)/5 = 1.6
	assert_equal "$stderr" "tl-score summary: config test1
archetype             learners    share  mean_score  mean_multiplier
fast_learner                 2   0.4000      0.7375           1.9000
specialist                   2   0.4000      0.2850           1.6000
generalist                   1   0.2000      0.5200           1.0000
all                          5   1.0000      0.5700           1.6000
portfolio average multiplier: 1.6000"
	run --separate-stderr tl-score --config "$CFG" --summary-file "$BATS_TEST_TMPDIR/sum.txt" \
		--metrics "$BATS_TEST_TMPDIR/m.prom" -o csv "$TESTDATA/score/score-rows.csv"
	assert_success
	assert_equal "$stderr" ""
	run grep -c portfolio "$BATS_TEST_TMPDIR/sum.txt"
	assert_output 1
	run grep '^tl_score_learners' "$BATS_TEST_TMPDIR/m.prom"
	assert_output 'tl_score_learners{tool="tl-score",archetype="fast_learner"} 2
tl_score_learners{tool="tl-score",archetype="specialist"} 2
tl_score_learners{tool="tl-score",archetype="generalist"} 1'
}

@test "SCORE004: bad configs are rejected with the JSON path of the problem" {
	run --separate-stderr tl-score --config "$TESTDATA/score/score-bad-key.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-bad-key.json: \$.rules[0]: unknown key \"treshold\""
	run --separate-stderr tl-score --config "$TESTDATA/score/score-bad-op.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-bad-op.json: \$.rules[0].when[0][1]: unknown operator \"=>\" (use <, <=, >, >=, == or !=)"
	run --separate-stderr tl-score --config "$TESTDATA/score/score-bad-threshold.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-bad-threshold.json: \$.rules[0].when[0][2]: the threshold must be a number, not a string \"0.35\""
	run --separate-stderr tl-score --config "$TESTDATA/score/score-bad-default.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-bad-default.json: \$.rules[1]: missing the final default rule: the last rule must have no conditions"
	printf '{"algo_version": "x",\n "rules": [}\n' > "$BATS_TEST_TMPDIR/syntax.json"
	run --separate-stderr tl-score --config "$BATS_TEST_TMPDIR/syntax.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $BATS_TEST_TMPDIR/syntax.json: line 2, column 12: bad JSON"
	run --separate-stderr tl-score --config /nonexistent.json "$TESTDATA/score/score-rows.csv"
	assert_failure 66
}

@test "SCORE005: a missing field names the field and the tool that produces it" {
	run --separate-stderr tl-score "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-rows.csv:2: learner 'A1' has no field '$(first_v2_missing)', used by config v2 (it is produced by $(first_v2_tool): run it first)"
	printf 'learner_id,velocity,velocity_trend,is_specialist,churn_risk\nB1,0.5,0.1,0,0.2\n' > "$BATS_TEST_TMPDIR/r.csv"
	run --separate-stderr tl-score --config "$CFG" "$BATS_TEST_TMPDIR/r.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $BATS_TEST_TMPDIR/r.csv:2: learner 'B1' has no field 'retention_strength', used by config test1 (it is produced by tl-retention: run it first)"
	printf 'learner_id,velocity,velocity_trend,is_specialist,retention_strength,churn_risk\nB1,fast,0.1,0,0.2,0.1\n' > "$BATS_TEST_TMPDIR/r.csv"
	run --separate-stderr tl-score --config "$CFG" "$BATS_TEST_TMPDIR/r.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $BATS_TEST_TMPDIR/r.csv:2: learner 'B1': field 'velocity' is not a number: 'fast'"
}

# The first field config/v2.json reads (rules first, then score weights)
# and its producing tool, from the shipped file (independent of tl-score).
first_v2_missing() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["rules"][0]["when"][0][0])' "$TL_ROOT/config/v2.json"
}
first_v2_tool() {
	case "$(first_v2_missing)" in
	velocity*|interactions|adoptions|tenure_days|periods) echo tl-velocity ;;
	domain*|top_domain*|is_specialist|transfer*) echo tl-affinity ;;
	*) echo tl-retention ;;
	esac
}

@test "SCORE006: canary assignment is the documented hash, and stable as PCT grows" {
	rows 3000 > "$BATS_TEST_TMPDIR/rows.csv"
	for pct in 0 1 10 100; do
		tl-score --config "$CFG" --canary "$pct" --treatment "$CFG2" --salt 42 -o csv "$BATS_TEST_TMPDIR/rows.csv" \
			> "$BATS_TEST_TMPDIR/c$pct.csv"
	done
	run python3 - "$BATS_TEST_TMPDIR" <<'EOF'
import csv, sys
M = (1 << 64) - 1
def tl_hash64(b, salt):
    h = 0xcbf29ce484222325 ^ salt
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & M
    h = (h + 0x9e3779b97f4a7c15) & M
    z = ((h ^ (h >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
treated = {}
for pct in (0, 1, 10, 100):
    rows = list(csv.DictReader(open(f"{sys.argv[1]}/c{pct}.csv")))
    t = set()
    for r in rows:
        want = tl_hash64(r["learner_id"].encode(), 42) % 10000 < pct * 100
        assert (r["arm"] == "treatment") == want, (pct, r["learner_id"])
        assert r["algo_version"] == ("test2" if want else "test1")
        if want:
            t.add(r["learner_id"])
    treated[pct] = t
assert treated[1] <= treated[10] <= treated[100]
assert not treated[0] and len(treated[100]) == 3000
print(len(treated[1]), len(treated[10]))
EOF
	assert_success
	read -r n1 n10 <<< "$output"
	# binomial: 30 +- 4 sd (5.5), 300 +- 4 sd (16.4)
	[ "$n1" -ge 8 ]
	[ "$n1" -le 52 ]
	[ "$n10" -ge 235 ]
	[ "$n10" -le 365 ]
}

@test "SCORE007: the salt draws a different canary; the same salt the same one" {
	rows 500 > "$BATS_TEST_TMPDIR/rows.csv"
	a=$(tl-score --config "$CFG" --canary 50 --treatment "$CFG2" -o csv "$BATS_TEST_TMPDIR/rows.csv" | cut -d, -f1,12)
	b=$(tl-score --config "$CFG" --canary 50 --treatment "$CFG2" -o csv "$BATS_TEST_TMPDIR/rows.csv" | cut -d, -f1,12)
	c=$(tl-score --config "$CFG" --canary 50 --treatment "$CFG2" --salt 1 -o csv "$BATS_TEST_TMPDIR/rows.csv" | cut -d, -f1,12)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
}

@test "SCORE008: canary summary per arm" {
	run --separate-stderr tl-score --config "$CFG" --canary 100 --treatment "$CFG2" --summary -o csv "$TESTDATA/score/score-rows.csv"
	assert_success
	assert_equal "${stderr_lines[0]}" "tl-score summary: arm control, config test1"
	assert_equal "${stderr_lines[5]}" "all                          0   0.0000           -                -"
	assert_equal "${stderr_lines[7]}" "tl-score summary: arm treatment (100%), config test2"
	assert_equal "${stderr_lines[13]}" "portfolio average multiplier: 1.8400"
}

@test "SCORE009: --calibrate writes mean outcomes, n and 95% t intervals" {
	run --separate-stderr tl-score --calibrate --outcome roi --config "$CFG" "$TESTDATA/score/score-scored.csv"
	assert_success
	assert_equal "$stderr" "tl-score: skipped 1 learner(s) with an empty roi"
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/cal.json"
	run python3 - "$BATS_TEST_TMPDIR/cal.json" "$TESTDATA/score/score-scored.csv" <<'EOF'
import csv, json, math, statistics, sys
cal = json.load(open(sys.argv[1]))
def t975(df):
    # closed forms of the Student t quantile (Hill 1970) for 2 and 4 df, p = 0.975
    p = 0.975
    if df == 2:
        return (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))
    a = 4 * p * (1 - p)
    q = math.cos(math.acos(math.sqrt(a)) / 3) / math.sqrt(a)
    return 2 * math.sqrt(q - 1)
assert abs(t975(2) - 4.303) < 5e-4 and abs(t975(4) - 2.776) < 5e-4   # printed tables
groups = {}
for r in csv.DictReader(open(sys.argv[2])):
    if r["roi"]:
        groups.setdefault(r["archetype"], []).append(float(r["roi"]))
assert cal["algo_version"] == "test1-calibrated" and cal["calibration"]["outcome"] == "roi"
mult = {r["archetype"]: r["multiplier"] for r in cal["rules"]}
for a, ys in groups.items():
    e = cal["calibration"]["archetypes"][a]
    m = statistics.mean(ys)
    assert e["n"] == len(ys) and abs(e["mean"] - m) < 1e-12 and abs(mult[a] - m) < 1e-12, a
    if len(ys) > 1:
        h = t975(len(ys) - 1) * statistics.stdev(ys) / math.sqrt(len(ys))
        assert abs(e["ci95"][0] - (m - h)) < 1e-9 and abs(e["ci95"][1] - (m + h)) < 1e-9, (a, e, m, h)
    else:
        assert e["ci95"] == [None, None]
print("ok")
EOF
	assert_success
	assert_output ok
	# the calibrated config scores
	run --separate-stderr tl-score --config "$BATS_TEST_TMPDIR/cal.json" -o csv "$TESTDATA/score/score-rows.csv"
	assert_success
	assert_line --index 1 --partial ",fast_learner,2,0.475,test1-calibrated,"
}

@test "SCORE010: --calibrate refuses records of another algo_version or archetype" {
	run --separate-stderr tl-score --calibrate --outcome roi --config "$CFG2" "$TESTDATA/score/score-scored.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-scored.csv:2: learner 'C1' was scored by test1, but the config is test2 (use --config)"
	printf 'learner_id,archetype,roi\nD1,wizard,1\n' > "$BATS_TEST_TMPDIR/s.csv"
	run --separate-stderr tl-score --calibrate --outcome roi --config "$CFG" "$BATS_TEST_TMPDIR/s.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $BATS_TEST_TMPDIR/s.csv:2: learner 'D1': archetype 'wizard' is not in config test1"
	run --separate-stderr tl-score --calibrate --outcome gain --config "$CFG" "$TESTDATA/score/score-scored.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $TESTDATA/score/score-scored.csv:2: learner 'C1' has no field 'gain' (no tl tool produces it; add it to the input)"
}

@test "SCORE011: the built-in config is config/v2.json; v1 and v2 are valid" {
	run --separate-stderr tl-score --print-config
	assert_success
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/builtin.json"
	run python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(a == b)' \
		"$BATS_TEST_TMPDIR/builtin.json" "$TL_ROOT/config/v2.json"
	assert_output True
	run --separate-stderr tl-score --print-config --config "$TL_ROOT/config/v1.json"
	assert_success
	run python3 - "$TL_ROOT/config" <<'EOF'
import json, sys
want = {"v1": {"fast_learner": 1.80, "specialist": 1.60, "power_user": 1.40, "long_term_retainer": 1.50, "generalist": 1.00},
        "v2": {"fast_learner": 1.92, "specialist": 1.68, "power_user": 1.47, "long_term_retainer": 1.65, "generalist": 1.05}}
for v, mult in want.items():
    c = json.load(open(f"{sys.argv[1]}/{v}.json"))
    assert c["algo_version"] == v
    for r in c["rules"]:
        assert mult[r["archetype"]] == r["multiplier"], (v, r)
    assert {r["archetype"] for r in c["rules"]} == set(mult)
fields = {w[0] for r in json.load(open(f"{sys.argv[1]}/v1.json"))["rules"] for w in r.get("when", [])}
assert fields == {"velocity_simple", "top_domain_share", "days_since_last", "interactions"}, fields
print("ok")
EOF
	assert_output ok
}

@test "SCORE012: usage errors exit 64" {
	run --separate-stderr tl-score --canary 10
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-score: --canary and --treatment go together"
	run --separate-stderr tl-score --canary 101 --treatment "$CFG2"
	assert_failure 64
	run --separate-stderr tl-score --calibrate
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-score: --calibrate and --outcome go together"
	run --separate-stderr tl-score --calibrate --outcome roi --summary
	assert_failure 64
	run --separate-stderr tl-score --salt -1 --canary 1 --treatment "$CFG2"
	assert_failure 64
	run --separate-stderr tl-score --bogus
	assert_failure 64
	run tl-score --help
	assert_success
	assert_line --index 0 --partial "usage: tl-score [--config FILE]"
}

@test "SCORE013: a full disk exits 74 and a failed run leaves no --output" {
	run --separate-stderr bash -c "tl-score --config '$CFG' '$TESTDATA/score/score-rows.csv' > /dev/full"
	assert_failure 74
	run --separate-stderr tl-score --output "$BATS_TEST_TMPDIR/o.csv" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	[ ! -e "$BATS_TEST_TMPDIR/o.csv" ]
}

@test "SCORE014: v1 and v2 score the pipeline's output" {
	run --separate-stderr bash -c "tl-loadgen --learners 300 --seed 3 --truth \
		| tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention --as-of 2025-10-01 \
		| tee '$BATS_TEST_TMPDIR/feat.ndjson' | tl-score --config '$TL_ROOT/config/v1.json' -o csv"
	assert_success
	run python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 300
assert {r["algo_version"] for r in rows} == {"v1"}
print(len({r["archetype"] for r in rows}) >= 4)' <<< "$output"
	assert_output True
	run --separate-stderr tl-score -o csv "$BATS_TEST_TMPDIR/feat.ndjson"
	assert_success
	assert_equal "${#lines[@]}" 301
}

