#!/usr/bin/env bats
# corpus.bats - every tool's output on a fixed corpus (tests/corpus/record.sh:
# the worked example, the edge-case population, a tl-loadgen population and
# the reports in every format) is byte for byte the recorded one in
# testdata/corpus/. A refactoring must leave it unchanged; a change that
# means to change an output re-records it (tests/corpus/record.sh
# testdata/corpus) and shows the difference in its commit.

load test_helper

@test "CORPUS001: every tool's outputs on the fixed corpus are the recorded ones" {
	sh "$TL_ROOT/tests/corpus/record.sh" "$BATS_TEST_TMPDIR/now"
	run diff -r "$TESTDATA/corpus" "$BATS_TEST_TMPDIR/now"
	assert_success
}

@test "CORPUS002: the comparison can fail: one changed byte is reported" {
	cp -r "$TESTDATA/corpus" "$BATS_TEST_TMPDIR/want"
	sed -i '2s/0/1/' "$BATS_TEST_TMPDIR/want/worked-velocity.out"
	sh "$TL_ROOT/tests/corpus/record.sh" "$BATS_TEST_TMPDIR/now"
	run diff -r "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/now"
	assert_failure
	assert_output --partial 'worked-velocity.out'
}
