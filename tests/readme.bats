#!/usr/bin/env bats
# The README's printed results are what the code prints.
load test_helper

# readme_block HEADING: the first fenced block after the line HEADING.
readme_block() {
	awk -v h="$1" '$0 == h { f = 1; next } f && /^```$/ { if (n++) exit; next } f && n == 1' "$TL_ROOT/README.md"
}

@test "RDM001: the README's demo output is what scripts/demo.sh prints" {
	readme_block "## The demo" > "$BATS_TEST_TMPDIR/want"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/want")" -gt 40 ]
	OUT="$BATS_TEST_TMPDIR/demo" run "$TL_ROOT/scripts/demo.sh"
	assert_success
	# the demo names its output directory: the README's is the default, demo-out
	diff -u "$BATS_TEST_TMPDIR/want" <(printf '%s\n' "${output//"$BATS_TEST_TMPDIR/demo"/demo-out}")
}

@test "RDM002: the README's bench block holds a whole make bench report" {
	readme_block "## Performance" > "$BATS_TEST_TMPDIR/bench"
	for section in "== tl-loadgen" "== scan and grouping" "== compressed input" "== xAPI NDJSON" "== targets" "learners: memory must not grow" "== --ungrouped"; do
		grep -q -- "$section" "$BATS_TEST_TMPDIR/bench" || { echo "no '$section' in the README's bench block" >&2; return 1; }
	done
	# every target of the report (scripts/bench.sh: a line with a `target` call each), each with its verdict
	local n
	n=$(grep -c 'target "' "$BATS_TEST_DIRNAME/../scripts/bench.sh")
	run grep -cE ' (PASS|FAIL)$' "$BATS_TEST_TMPDIR/bench"
	[ "$output" -eq "$n" ]
}
