#!/usr/bin/env bats
# tl-velocity.bats - DESIGN §6.1 through the CLI: options, labels and the
# §6.5 rules that concern time and velocity.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-01-29T00:00:00Z --decay-half-life 0)

# field NAME: the value of column NAME in the second line of $output.
field() {
	awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } NR == 2 { print $c }' <<< "$output"
}

@test "VE001: options change the computation as §6.1 says" {
	run tl-velocity "${ASOF[@]}" --alpha 1 -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field velocity)" = 0 ]                  # E_K = v_K with alpha 1
	[ "$(field velocity_momentum)" = 0 ]
	run tl-velocity "${ASOF[@]}" --period 14d -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field periods)" = 3 ]                   # K = floor(28/14) = 2
	# periods of 14d: I = [4,1,0], A = [2,0,0]: E = .5, .35, .245
	[ "$(field velocity)" = 0.245 ]
	[ "$(field velocity_momentum)" = 0.49 ]
	run tl-velocity "${ASOF[@]}" --trend-window 2 -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field velocity_trend)" = -0.0735 ]      # 0.1715 - 0.245
	run tl-velocity --as-of 2025-01-29T00:00:00Z -o csv "$TESTDATA/worked/worked.csv"
	# default Hv = 90d: E_4 = .7^3 * (.15 * 2^(-14/90) + .35 * 2^(-21/90))
	[ "$(field velocity)" = "$(awk 'BEGIN { printf "%.6g", .343 * (.15 * 2^(-14/90) + .35 * 2^(-21/90)) }')" ]
}

@test "VE002: --label adds next_velocity_actual, next_active and next_velocity_active from (asof, asof+P]" {
	# as-of Jan 8: window (Jan 8, Jan 15] holds Jan 9 algebra (reuse) and Jan 10 loops (new)
	run --separate-stderr tl-velocity --as-of 2025-01-08T00:00:00Z --label -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	[ "$(field next_velocity_actual)" = 0.5 ]
	[ "$(field next_active)" = 1 ]
	[ "$(field next_velocity_active)" = 0.5 ]
	[ "$(field interactions)" = 2 ]
	# an event exactly at asof+P is inside: as-of Jan 3 -> (Jan 3, Jan 10] holds Jan 9, Jan 10
	run tl-velocity --as-of 2025-01-03T00:00:00Z --label -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field next_velocity_actual)" = 0.5 ]
	# ... and one microsecond later it is not: (Jan 3 +1us, Jan 10 +1us] still holds both;
	# as-of Jan 2 +1us -> (.., Jan 9 +1us] holds only Jan 9 (reuse): 0
	run tl-velocity --as-of 2025-01-02T00:00:00.000001Z --label -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field next_velocity_actual)" = 0 ]
	# a window of reuses only: active, velocity 0 (not empty)
	[ "$(field next_active)" = 1 ]
	[ "$(field next_velocity_active)" = 0 ]
	# an empty window gives 0, inactive, and an empty velocity given active
	run tl-velocity "${ASOF[@]}" --label -o csv "$TESTDATA/worked/worked.csv"
	[ "$(field next_velocity_actual)" = 0 ]
	[ "$(field next_active)" = 0 ]
	[ "$(field next_velocity_active)" = "" ]
	run tl-velocity "${ASOF[@]}" --label "$TESTDATA/worked/worked.csv"
	assert_output --partial '"next_velocity_actual":0,"next_active":0,"next_velocity_active":null,'
	run tl-velocity "${ASOF[@]}" -o csv "$TESTDATA/worked/worked.csv"
	refute_output --partial next_velocity_actual
	refute_output --partial next_active
}

@test "VE003: a learner with no event at or before as-of has empty ratios" {
	run --separate-stderr tl-velocity --as-of 2024-12-25 --label -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	# the label still looks ahead: (Dec 25, Jan 1] holds the first adoption
	assert_line --index 1 'L1,0,0,0,,,,,,,1,1,1,2024-12-25T00:00:00Z'
	run tl-velocity --as-of 2024-12-25 "$TESTDATA/worked/worked.csv"
	assert_output --partial '"interactions":0,"adoptions":0,"periods":0,"tenure_days":null,"velocity_simple":null'
}

@test "VE004: §6.5 actions: use without capability, interact with one, adopt of a used one" {
	printf 'learner_id,ts,capability,action\nL1,2025-01-01,,use\nL1,2025-01-02,x,interact\nL1,2025-01-03,x,adopt\nL1,2025-01-04,x,adopt\nL1,2025-01-05,y,\n' > "$BATS_TEST_TMPDIR/a.csv"
	run tl-velocity --as-of 2025-01-06 -o csv "$BATS_TEST_TMPDIR/a.csv"
	[ "$(field interactions)" = 5 ]
	[ "$(field adoptions)" = 2 ]   # x on Jan 3 and y (empty action = use) on Jan 5
}

@test "VE005: events are stable-sorted by ts; ties keep input order" {
	printf 'learner_id,ts,capability\nL1,2025-01-03,c\nL1,2025-01-01,a\nL1,2025-01-02T00:00:00+00:00,b2\nL1,2025-01-02,b1\n' > "$BATS_TEST_TMPDIR/a.csv"
	run tl-velocity --as-of 2025-01-06 "$BATS_TEST_TMPDIR/a.csv"
	assert_output --partial '"events":[{"ts":"2025-01-01","capability":"a"},{"ts":"2025-01-02T00:00:00+00:00","capability":"b2"},{"ts":"2025-01-02","capability":"b1"},{"ts":"2025-01-03","capability":"c"}]'
}

@test "VE006: epoch seconds, offsets and fractions are the same instants" {
	printf 'learner_id,ts\nL1,1735689600\nL1,2025-01-01T01:00:00+01:00\nL1,2025-01-01 00:00:00.0\n' > "$BATS_TEST_TMPDIR/a.csv"
	run tl-velocity --as-of 1735689600 -o csv "$BATS_TEST_TMPDIR/a.csv"
	[ "$(field interactions)" = 3 ]   # all three at exactly as-of: none is future
	[ "$(field tenure_days)" = 0 ]
}

@test "VE007: a loadgen population through tl-velocity reconciles" {
	tl-loadgen --learners 300 --seed 3 > "$BATS_TEST_TMPDIR/g.csv"
	rows=$(($(wc -l < "$BATS_TEST_TMPDIR/g.csv") - 1))
	run --separate-stderr tl-velocity --as-of 2025-10-01 --label --stats -o csv "$BATS_TEST_TMPDIR/g.csv"
	assert_success
	[[ "$stderr" =~ records\ read\ $rows\ =\ used\ ([0-9]+)\ \+\ future\ ([0-9]+)\ \+\ rejected\ 0\;\ learners\ read\ 300,\ written\ 300 ]]
	[ "${#lines[@]}" -eq 301 ]
	# the CSV path and the document path agree on every learner
	tl-velocity --as-of 2025-10-01 --label "$BATS_TEST_TMPDIR/g.csv" | tl-velocity --as-of 2025-10-01 --label -o csv > "$BATS_TEST_TMPDIR/twice.csv"
	diff <(printf '%s\n' "$output") "$BATS_TEST_TMPDIR/twice.csv"
}

@test "VE008: documents from event rows: escaped names, empty members, long names, ts as written (golden), and back" {
	# a quote, a backslash and a control byte in names; empty domain,
	# capability and action; names longer than 32 bytes; ts with a
	# fraction and offset, a bare date, epoch seconds
	run --separate-stderr tl-velocity --as-of 2025-10-01 "$TESTDATA/velocity/velocity-escapes.csv"
	assert_success
	golden velocity/velocity-escapes.ndjson
	# read back, the documents come out byte for byte (fields recomputed in place)
	run --separate-stderr tl-velocity --as-of 2025-10-01 "$TESTDATA/velocity/velocity-escapes.ndjson"
	assert_success
	golden velocity/velocity-escapes.ndjson
}

@test "VE009: a randomized edge-case population agrees with the DESIGN reference (velocity-ref.py), with and without --label" {
	# testdata/ref/fuzz-events.py: ties decided by input order, use without
	# capability, interact with one, adopt of a used one, empty actions and
	# domains, future events and learners with only future events, single
	# events, long gaps, events on period boundaries and at as-of, every
	# timestamp form of §6.5, attributes changing inside a learner
	python3 "$TESTDATA/ref/fuzz-events.py" 9 300 >"$BATS_TEST_TMPDIR/ev.csv"
	local T="--as-of 2025-03-01T00:00:00Z"
	ref_check tl-velocity velocity-ref.py "$BATS_TEST_TMPDIR/ev.csv" \
		"$T" \
		"$T --period 3d --alpha 0.5 --decay-half-life 0 --trend-window 3" \
		"$T --decay-half-life 10d --trend-window 1" \
		"$T --label" \
		"--as-of 2025-02-20T12:34:56.25Z --period 36h --alpha 1 --label" \
		"--as-of 1740787200 --period 3d --decay-half-life 3600 --trend-window 1000000 --label"
}

@test "VE010: a tl-loadgen population agrees with the DESIGN reference (velocity-ref.py), with and without --label" {
	ref_population_loadgen >"$BATS_TEST_TMPDIR/g.csv"
	ref_check tl-velocity velocity-ref.py "$BATS_TEST_TMPDIR/g.csv" \
		"--as-of 2025-10-01T00:00:00Z" \
		"--as-of 2025-10-01T00:00:00Z --period 3d --alpha 0.5 --decay-half-life 0 --trend-window 3" \
		"--as-of 2025-08-15T00:00:00Z --decay-half-life 10d --trend-window 1 --label" \
		"--as-of 2025-10-01T00:00:00Z --label"
}
