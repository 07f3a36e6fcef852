# timecount.bats - time units and epochs (--ts-unit, --epoch, fractional
# epoch seconds), counted rows (--count-field), per-learner as-of
# (--as-of-field) and the warnings about as-of and censoring, on
# hand-made rows and on the real extracts in $REALDATA.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

OULAD="$REALDATA/oulad"

@test "TCT001: epoch milliseconds read as seconds are bad input, never the far future; --ts-unit ms reads them" {
	printf 'learner_id,ts,capability\nL1,1433946701000,a\nL1,1433946702500,b\n' >"$BATS_TEST_TMPDIR/ms.csv"
	run --separate-stderr tl-velocity --as-of 2015-06-11 -o csv "$BATS_TEST_TMPDIR/ms.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/ms.csv:2: bad timestamp '1433946701000' (outside the years 0000 to 9999 in seconds; see --ts-unit)"
	# a JSON number was read as seconds without a check: the year 47000, every field empty
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":1433946701000}\n' | tl-velocity --as-of 2015-06-11"
	assert_failure 65
	[[ "$stderr" == *"-:1: bad timestamp '1433946701000' (outside"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --ts-unit ms --as-of 2015-06-11 "$BATS_TEST_TMPDIR/ms.csv"
	assert_success
	assert_equal "$stderr" ""
	# converted numbers are written as ISO-8601: the next tool needs no --ts-unit
	[[ "$output" == '{"learner_id":"L1","events":[{"ts":"2015-06-10T14:31:41Z","capability":"a"},{"ts":"2015-06-10T14:31:42.5Z","capability":"b"}],"interactions":2,'* ]] || { echo "$output"; false; }
	want=$(printf 'learner_id,ts,capability\nL1,2015-06-10T14:31:41Z,a\nL1,2015-06-10T14:31:42.5Z,b\n' | tl-velocity --as-of 2015-06-11 | tl-retention -o csv)
	got=$(tl-velocity --ts-unit ms --as-of 2015-06-11 "$BATS_TEST_TMPDIR/ms.csv" | tl-retention -o csv)
	assert_equal "$got" "$want"
	# microseconds, and the same in event NDJSON (a JSON number)
	got=$(printf '{"learner_id":"L1","ts":1433946701000000,"capability":"a"}\n{"learner_id":"L1","ts":1433946702500000,"capability":"b"}\n' |
		tl-velocity --ts-unit us --as-of 2015-06-11 | tl-retention -o csv)
	assert_equal "$got" "$want"
}

@test "TCT002: fractional epoch seconds, exactly; a sign; the one number rule" {
	want=$(printf 'learner_id,ts,capability\nL1,2015-06-10T14:31:41.25Z,a\nL1,2015-06-10T14:31:41.1Z,b\n' | tl-velocity --as-of 2015-06-11 -o csv)
	got=$(printf 'learner_id,ts,capability\nL1,1433946701.25,a\nL1,1433946701.1,b\n' | tl-velocity --as-of 2015-06-11 -o csv)
	assert_equal "$got" "$want"
	got=$(printf '{"learner_id":"L1","ts":1433946701.25,"capability":"a"}\n{"learner_id":"L1","ts":"1433946701.1","capability":"b"}\n' | tl-velocity --as-of 2015-06-11 -o csv)
	assert_equal "$got" "$want"
	# a number before 1970 is a time too
	run tl-velocity --as-of 1970-01-02 -o csv < <(printf 'learner_id,ts\nL1,-86400\n')
	assert_success
	[[ "$output" == *",tenure_days,"* && "$(echo "$output" | tail -1 | cut -d, -f5)" == 2 ]] || { echo "$output"; false; }
	for bad in 0x10 nan 1.2.3 '1e'; do
		run --separate-stderr bash -c "printf 'learner_id,ts\nL1,$bad\n' | tl-velocity --as-of 2025-01-01"
		assert_failure 65
		assert_equal "$stderr" "tl-velocity: -:2: bad timestamp '$bad'"
	done
}

@test "TCT003: --epoch DATE --ts-unit d: day offsets, negative and fractional" {
	want=$(printf 'learner_id,ts,capability\nL1,2013-09-28,a\nL1,2013-10-01,b\nL1,2013-10-03T12:00:00Z,a\n' | tl-velocity --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	got=$(printf 'learner_id,ts,capability\nL1,-3,a\nL1,0,b\nL1,2.5,a\n' | tl-velocity --epoch 2013-10-01 --ts-unit d --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	assert_equal "$got" "$want"
	# an ISO timestamp stays an instant whatever the unit
	got=$(printf 'learner_id,ts,capability\nL1,-3,a\nL1,2013-10-01,b\nL1,2.5,a\n' | tl-velocity --epoch 2013-10-01 --ts-unit d --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	assert_equal "$got" "$want"
	run --separate-stderr tl-velocity --ts-unit h /dev/null
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --ts-unit wants s, ms, us or d, not 'h'"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --epoch yesterday /dev/null
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --epoch: not a timestamp"* ]] || { echo "$stderr"; false; }
	run --separate-stderr bash -c "printf 'learner_id,ts\nL1,3000000\n' | tl-velocity --ts-unit d --as-of 2025-01-01"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:2: bad timestamp '3000000' (outside the years 0000 to 9999 in days; see --ts-unit)"
}

@test "TCT004: --ts-unit ms on values that look like seconds: read as given, one warning naming the first line" {
	printf 'learner_id,ts,capability\nL1,1433946701,a\nL1,1433946702,b\nL2,1433946703,a\n' >"$BATS_TEST_TMPDIR/s.csv"
	run --separate-stderr tl-velocity --ts-unit ms --as-of 1970-02-01 -o csv "$BATS_TEST_TMPDIR/s.csv"
	assert_success
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/s.csv:2: warning: ts '1433946701' in milliseconds is 1970-01-17T14:19:06.701Z, before 1971: are these epoch seconds? (--ts-unit)"
	assert_equal "$(echo "$output" | tail -1 | cut -d, -f1,2)" "L2,1"
	# not on milliseconds of this century, nor with an --epoch
	run --separate-stderr tl-velocity --ts-unit ms --as-of 2015-06-11 -o csv < <(printf 'learner_id,ts\nL1,1433946701000\n')
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr tl-velocity --ts-unit ms --epoch 2015-01-01 --as-of 2015-06-11 -o csv < <(printf 'learner_id,ts\nL1,1433946701\n')
	assert_success
	assert_equal "$stderr" ""
}

# oulad_raw LOG: the OULAD log as event rows straight from the file, the
# module day as ts, one row per log row: learner_id,ts,capability,action,
# in the importer's order (learner, day, input order).
oulad_raw() {
	awk -F, 'NR > 1 { gsub(/"/, ""); print $1 "-" $2 "-" $3 "," $5 "," $4 ",use" }' "$1" |
		sort -s -t, -k1,1 -k2,2n | sed '1i learner_id,ts,capability,action'
}

@test "TCT005: real OULAD: module days (negative ones too) read directly with --epoch --ts-unit d equal the importer's dates" {
	local log="$OULAD/studentVle_AAA2013J_head20000.csv" t="$BATS_TEST_TMPDIR"
	[ -r "$log" ]
	oulad_raw "$log" >"$t/raw.csv"
	[ "$(awk -F, 'NR > 1 && $2 < 0' "$t/raw.csv" | wc -l)" -gt 1000 ]   # days before the start
	import-oulad.sh -n "$log" "$OULAD" 2>/dev/null | cut -d, -f1,2,4,5 >"$t/imported.csv"
	tl-velocity --as-of 2000-01-08 "$t/imported.csv" | tl-affinity | tl-retention -o csv >"$t/want.csv"
	tl-velocity --epoch 2000-01-01 --ts-unit d --as-of 2000-01-08 "$t/raw.csv" | tl-affinity | tl-retention -o csv >"$t/got.csv"
	[ "$(wc -l <"$t/got.csv")" -gt 300 ]
	diff -u "$t/want.csv" "$t/got.csv"
}
