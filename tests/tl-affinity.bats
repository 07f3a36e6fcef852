#!/usr/bin/env bats
# tl-affinity.bats - DESIGN §6.2 through the CLI: the worked example (§6.4)
# in every input shape, the §6.5 rules, options and --transfer-pairs (the
# page tl-affinity(1): manpages.bats). Expected values are the design's or computed
# by hand (testdata/affinity/affinity-*.out.csv, see the comments).

load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-01-29T00:00:00Z)

AFF=(domain_entropy domain_concentration top_domain top_domain_share domains is_specialist transfer_score transfer_pair)
# DESIGN §6.4, typed in from the design
WORKED="domain_entropy=0.721928 domain_concentration=0.759357 top_domain=math top_domain_share=0.8 domains=2 is_specialist=1 transfer_score=0.5 transfer_pair=math>code"

@test "AFF001: worked example from event CSV (golden, §6.4)" {
	run --separate-stderr tl-affinity "${ASOF[@]}" -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	[ -z "$stderr" ]
	golden affinity/affinity-worked.out.csv
}

@test "AFF002: worked example from event NDJSON (golden)" {
	run --separate-stderr tl-affinity "${ASOF[@]}" -o csv "$TESTDATA/affinity/affinity-worked.ndjson"
	assert_success
	golden affinity/affinity-worked.out.csv
}

@test "AFF003: worked example from learner documents of tl-velocity, with and without decay" {
	for v in "--decay-half-life 0" ""; do
		run csvf "tl-velocity ${ASOF[*]} $v '$TESTDATA/worked/worked.csv' | tl-affinity -o csv" "${AFF[@]}"
		assert_success
		assert_output "$WORKED"
	done
	# a document without events is bad input for a tool that needs events
	run --separate-stderr bash -c "echo '{\"learner_id\":\"L1\",\"x\":1}' | tl-affinity"
	assert_failure 65
}

@test "AFF004: documents: the fields are added, attributes and events pass through" {
	# a document with an attribute, as_of, and a stale value of domains
	tl-affinity "${ASOF[@]}" "$TESTDATA/worked/worked.csv" |
		sed 's/"domains":2/"domains":7/; s/^{"learner_id":"L1",/{"learner_id":"L1","cohort":"spring",/' >"$BATS_TEST_TMPDIR/e.ndjson"
	grep -q '"cohort":"spring".*"domains":7' "$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-affinity "$BATS_TEST_TMPDIR/e.ndjson"
	assert_success
	run python3 -c '
import json,sys
d = json.loads(sys.stdin.read())
want = {"domain_entropy": 0.721928, "domain_concentration": 0.759357, "top_domain": "math",
        "top_domain_share": 0.8, "domains": 2, "is_specialist": 1, "transfer_score": 0.5,
        "transfer_pair": "math>code", "cohort": "spring", "as_of": "2025-01-29T00:00:00Z"}
bad = [k for k, v in want.items() if d.get(k) != v]
assert len(d["events"]) == 5, d["events"]
assert list(d).count("domains") == 1
print(bad); sys.exit(1 if bad else 0)' <<<"$output"
	assert_success
}

@test "AFF005: re-running is idempotent (documents and as_of carried)" {
	one=$(tl-affinity "${ASOF[@]}" "$TESTDATA/affinity/affinity-cohort.csv")
	two=$(tl-affinity <<<"$one")
	[ "$one" = "$two" ]
}

@test "AFF006: a cohort: per-learner fields and §6.5 rules (golden, computed by hand)" {
	# L1 the worked example; L2 u={art:1,code:2} a={art:1,code:1}: H =
	# 0.918296, transfer (6-3)/6, pair code>art (2 > 1); L3 one domain:
	# H 0, transfer (4-4)/4 = 0, largest cross product 0 -> empty pair;
	# L4 only a future event: everything empty, domains 0; L5 a tie
	# code=math 1: top code (smaller name), pair code>math (tie of 1·1).
	run --separate-stderr tl-affinity --as-of 2025-02-01 -o csv "$TESTDATA/affinity/affinity-cohort.csv"
	assert_success
	golden affinity/affinity-cohort.out.csv
}

@test "AFF007: --transfer-pairs (golden, computed by hand)" {
	# math>code: L1 3·1 + L5 1·1; code>art: L2 2·1; code>math: L1 1·1 + L5
	# 1·1; art>code: L2 1·1; total 9; ties of sum by (A, B) names.
	run --separate-stderr tl-affinity --as-of 2025-02-01 -o csv --transfer-pairs "$BATS_TEST_TMPDIR/p.csv" "$TESTDATA/affinity/affinity-cohort.csv"
	assert_success
	golden affinity/affinity-cohort.out.csv
	run cat "$BATS_TEST_TMPDIR/p.csv"
	golden affinity/affinity-cohort.pairs.csv
	# shares sum to 1; an empty cohort gives the header alone
	run python3 -c 'import csv,sys; print(round(sum(float(r["share"]) for r in csv.DictReader(open(sys.argv[1]))), 12))' "$BATS_TEST_TMPDIR/p.csv"
	assert_output 1.0
	run tl-affinity --transfer-pairs "$BATS_TEST_TMPDIR/q.csv" </dev/null
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/q.csv")" = "pair,learners,sum_products,share" ]
}

@test "AFF008: --transfer-pairs is atomic: no file on failure, 73, 74" {
	printf 'learner_id,ts,domain,capability,action\nL1,2025-01-01,a,x,use\nL1,yesterday,b,y,use\n' >"$BATS_TEST_TMPDIR/bad.csv"
	local d="$BATS_TEST_TMPDIR/out"
	mkdir "$d"
	run --separate-stderr tl-affinity --transfer-pairs "$d/p.csv" --output "$d/o.ndjson" "$BATS_TEST_TMPDIR/bad.csv"
	assert_failure 65
	[ -z "$(ls -A "$d")" ]
	run --separate-stderr tl-affinity --transfer-pairs "$BATS_TEST_TMPDIR/no/such/p.csv" "$TESTDATA/worked/worked.csv"
	assert_failure 73
	[[ "$stderr" == "tl-affinity: $BATS_TEST_TMPDIR/no/such/p.csv: No such file or directory" ]]
	run --separate-stderr tl-affinity --transfer-pairs /dev/full "$TESTDATA/worked/worked.csv"
	[ "$status" -eq 73 ] || [ "$status" -eq 74 ]
	run --separate-stderr bash -c "tl-affinity '$TESTDATA/worked/worked.csv' >/dev/full"
	assert_failure 74
}

@test "AFF009: --domains M: concentration 1 - H/log2 M; more domains than M clamps to 0" {
	run csvf "tl-affinity ${ASOF[*]} --domains 2 -o csv '$TESTDATA/worked/worked.csv'" domain_concentration
	assert_output "domain_concentration=0.278072"      # 1 - 0.721928/1
	run csvf "tl-affinity ${ASOF[*]} --domains 4 -o csv '$TESTDATA/worked/worked.csv'" domain_concentration
	assert_output "domain_concentration=0.639036"      # 1 - 0.721928/2
	printf 'learner_id,ts,domain\nL,2025-01-01,a\nL,2025-01-02,a\nL,2025-01-02,a\nL,2025-01-02,a\nL,2025-01-03,b\nL,2025-01-04,c\n' >"$BATS_TEST_TMPDIR/three.csv"
	# H = -(4/6 log2 4/6 + 2·1/6 log2 1/6) = 1.25163 < log2 M... but D = 3 > M = 2
	run csvf "tl-affinity ${ASOF[*]} --domains 2 -o csv '$BATS_TEST_TMPDIR/three.csv'" domain_entropy domain_concentration domains
	assert_output "domain_entropy=1.25163 domain_concentration=0 domains=3"
	run csvf "tl-affinity ${ASOF[*]} --domains 3 -o csv '$BATS_TEST_TMPDIR/three.csv'" domain_concentration
	assert_output "domain_concentration=0.21031"       # 1 - 1.251629/1.584963 = 0.2103097
}

@test "AFF010: --max-entropy and --min-top-share are strict thresholds" {
	# H = 0.721928, share 0.8
	for args in "--max-entropy 0.72:0" "--max-entropy 0.73:1" "--min-top-share 0.8:0" "--min-top-share 0.79:1"; do
		run csvf "tl-affinity ${ASOF[*]} ${args%%:*} -o csv '$TESTDATA/worked/worked.csv'" is_specialist
		assert_output "is_specialist=${args##*:}"
	done
}

@test "AFF011: §6.5: uses without domain, interact with a capability, adopt of a used capability" {
	# algebra adopted without a domain (counts in no a_d), then used in math
	# (a reuse there); interact with loops in code is no use; adopt of
	# algebra again is a reuse. u={math:2}, a={} -> transfer empty, pair empty;
	# n={math:2, code:1}.
	printf 'learner_id,ts,domain,capability,action\nL,2025-01-01,,algebra,use\nL,2025-01-02,math,algebra,use\nL,2025-01-03,code,loops,interact\nL,2025-01-04,math,algebra,adopt\n' >"$BATS_TEST_TMPDIR/e.csv"
	run csvf "tl-affinity ${ASOF[*]} -o csv '$BATS_TEST_TMPDIR/e.csv'" "${AFF[@]}"
	assert_output "domain_entropy=0.918296 domain_concentration=0.693901 top_domain=math top_domain_share=0.666667 domains=2 is_specialist=1 transfer_score= transfer_pair="
	# ties of ts keep input order: the first row is the adoption (in code)
	printf 'learner_id,ts,domain,capability,action\nL,2025-01-01,code,x,use\nL,2025-01-01,math,x,use\n' >"$BATS_TEST_TMPDIR/t.csv"
	run csvf "tl-affinity ${ASOF[*]} -o csv '$BATS_TEST_TMPDIR/t.csv'" transfer_score transfer_pair
	assert_output "transfer_score=0.5 transfer_pair=math>code" # u={code:1,math:1}, a={code:1}: (2·1 - 1)/2
	printf 'learner_id,ts,domain,capability,action\nL,2025-01-01,math,x,use\nL,2025-01-01,code,x,use\n' >"$BATS_TEST_TMPDIR/t.csv"
	run csvf "tl-affinity ${ASOF[*]} -o csv '$BATS_TEST_TMPDIR/t.csv'" transfer_pair
	assert_output "transfer_pair=code>math"
	# NDJSON output: empty fields are null
	run --separate-stderr tl-affinity --as-of 2020-01-01 "$TESTDATA/worked/worked.csv"
	assert_output --partial '"domain_entropy":null,"domain_concentration":null,"top_domain":null,"top_domain_share":null,"domains":0,"is_specialist":null,"transfer_score":null,"transfer_pair":null,"as_of":"2020-01-01T00:00:00Z"'
}

@test "AFF012: future events are ignored; as_of comes from the document" {
	run csvf "tl-affinity --as-of 2025-01-09T12:00:00Z -o csv '$TESTDATA/worked/worked.csv'" domains top_domain_share transfer_score
	assert_output "domains=1 top_domain_share=1 transfer_score=0"
	run csvf "tl-velocity --as-of 2025-01-09T12:00:00Z '$TESTDATA/worked/worked.csv' | tl-affinity -o csv" domains as_of
	assert_output "domains=1 as_of=2025-01-09T12:00:00Z"
}

@test "AFF013: usage: --help, bad option values exit 64" {
	run --separate-stderr tl-affinity --help
	assert_success
	[[ "${lines[0]}" == "usage: tl-affinity [--config FILE] [--domains M] [--max-entropy H] [--min-top-share S]" ]]
	for args in "--domains 1" "--domains x" "--min-top-share 1.5" "--max-entropy -1" "--bogus"; do
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		run --separate-stderr tl-affinity $args "$TESTDATA/worked/worked.csv"
		assert_failure 64
		[[ "$stderr" == *"Try 'tl-affinity --help' for more information."* ]]
	done
	run --separate-stderr tl-affinity --domains 1
	[[ "$stderr" == "tl-affinity: --domains: 1 is out of range"* ]]
}

@test "AFF014: --metrics reports the specialists gauge and the counts" {
	run --separate-stderr tl-affinity --as-of 2025-02-01 --metrics "$BATS_TEST_TMPDIR/m.prom" "$TESTDATA/affinity/affinity-cohort.csv"
	assert_success
	grep -qx 'tl_affinity_specialists{tool="tl-affinity"} 3' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'tl_learners_written{tool="tl-affinity"} 5' "$BATS_TEST_TMPDIR/m.prom"
}

@test "AFF017: --config FILE: M is the config's domains (§6.2), --domains overrides it, bad configs fail" {
	local cfg="$BATS_TEST_TMPDIR/m4.json"
	v2_config_with m4.json 's/"domains": 8/"domains": 4/'
	run csvf "tl-affinity ${ASOF[*]} --config '$cfg' -o csv '$TESTDATA/worked/worked.csv'" domain_concentration
	assert_output "domain_concentration=0.639036"      # 1 - 0.721928/log2 4
	run csvf "tl-affinity ${ASOF[*]} --config '$cfg' --domains 2 -o csv '$TESTDATA/worked/worked.csv'" domain_concentration
	assert_output "domain_concentration=0.278072"      # --domains wins: 1 - 0.721928/1
	# the shipped configs and the built-in default say M = 8
	shipped_configs_give "tl-affinity ${ASOF[*]} --config '{}' -o csv '$TESTDATA/worked/worked.csv'" domain_concentration=0.759357
	config_errors tl-affinity "${ASOF[@]}" "$TESTDATA/worked/worked.csv"
}

@test "AFF018: a randomized edge-case population agrees with the DESIGN reference (affinity-ref.py)" {
	# testdata/ref/fuzz-events.py: ties decided by input order (which use is the
	# adoption, so a_d), uses without domain or capability, interact with a
	# capability, adopt of a used one, a capability reused in another domain,
	# learners without any domain, with only future events, with more
	# domains than M, tied top domains and tied transfer pairs, names that
	# need CSV quoting or sort differently as bytes, every timestamp form
	python3 "$TESTDATA/ref/fuzz-events.py" 18 300 >"$BATS_TEST_TMPDIR/ev.csv"
	ref_check tl-affinity affinity-ref.py "$BATS_TEST_TMPDIR/ev.csv" \
		"--as-of 2025-03-01T00:00:00Z" \
		"--as-of 2025-03-01T00:00:00Z --domains 3" \
		"--as-of 2025-02-20T12:34:56.5Z --domains 2 --max-entropy 1.5 --min-top-share 0.5" \
		"--as-of 1740787200 --domains 20"
}

@test "AFF019: a tl-loadgen population agrees with the DESIGN reference (affinity-ref.py)" {
	ref_population_loadgen >"$BATS_TEST_TMPDIR/g.csv"
	ref_check tl-affinity affinity-ref.py "$BATS_TEST_TMPDIR/g.csv" \
		"--as-of 2025-10-01T00:00:00Z" \
		"--as-of 2025-10-01T00:00:00Z --domains 3" \
		"--as-of 2025-06-15T00:00:00Z --domains 12 --max-entropy 2 --min-top-share 0.4"
}
