#!/usr/bin/env bats
# sidefile.bats - the side files (tl-abtest --emit-stats files, tl-retention
# --model files) are read by one reader (io/sidefile.h): a UTF-8 BOM,
# blank lines and CRLF line ends read as the plain file does, and bad CSV
# is "FILE:LINE: bad CSV: what".

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

# dress FILE: FILE with a BOM, CRLF line ends and blank lines between rows.
dress() {
	printf '\357\273\277'
	sed 's/$/\r/; 1a\\r' "$1"
	printf '\r\n'
}

@test "SIDE001: tl-abtest --merge reads a stats file with a BOM, blank lines and CRLF as the plain one" {
	local d=$BATS_TEST_TMPDIR
	tl-abtest --metric roi --binary clicked --by archetype --emit-stats "$TESTDATA/abtest/abtest-learners.csv" >"$d/s.csv"
	tl-abtest --merge --format json "$d/s.csv" >"$d/plain.json"
	dress "$d/s.csv" >"$d/dressed.csv"
	run --separate-stderr tl-abtest --merge --format json "$d/dressed.csv"
	assert_success
	diff "$d/plain.json" <(printf '%s\n' "$output")
}

@test "SIDE002: tl-retention --model reads a model with a BOM, blank lines and CRLF as the plain one" {
	local d=$BATS_TEST_TMPDIR
	tl-retention --as-of 2025-06-01 --fit "$TESTDATA/retention/retention-fit.csv" >"$d/m.csv"
	tl-retention --as-of 2025-06-01 --model "$d/m.csv" -o csv "$TESTDATA/retention/retention-fit.csv" >"$d/plain.csv"
	dress "$d/m.csv" >"$d/dressed.csv"
	run --separate-stderr tl-retention --as-of 2025-06-01 --model "$d/dressed.csv" -o csv "$TESTDATA/retention/retention-fit.csv"
	assert_success
	diff "$d/plain.csv" <(printf '%s\n' "$output")
}

@test "SIDE003: bad CSV in a side file names the file, the line and the fault" {
	local d=$BATS_TEST_TMPDIR
	tl-abtest --metric roi --emit-stats "$TESTDATA/abtest/abtest-learners.csv" >"$d/s.csv"
	printf 'roi,"x\n' >>"$d/s.csv"
	run --separate-stderr tl-abtest --merge "$d/s.csv"
	assert_failure 65
	[[ "$stderr" == "tl-abtest: $d/s.csv:$(wc -l <"$d/s.csv"): bad CSV: "* ]] || { echo "$stderr"; false; }
	printf '\n\n' >"$d/empty.csv"
	run --separate-stderr tl-abtest --merge "$d/empty.csv"
	assert_failure 65
	[[ "$stderr" == *"empty.csv:2: empty file" ]] || { echo "$stderr"; false; }
}
