#!/usr/bin/env bats
# lint.bats - the layering rule of HACKING.md (tests/lint/layers.sh) holds,
# and fails on a planted upward, sideways or folderless include and on two
# modules that include each other.

load test_helper

setup() {
	tree="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$tree/tests"
	cp -r "$TL_ROOT/common" "$TL_ROOT/cmd" "$tree/"
	cp -r "$TL_ROOT/tests/unit" "$tree/tests/"
}

@test "LINT001: the tree keeps the layering rule" {
	run "$TL_ROOT/tests/lint/layers.sh" "$TL_ROOT"
	assert_success
	assert_output ''
}

@test "LINT002: an include that points up a layer fails, naming the file and line" {
	echo '#include "metrics/velocity.h"' >>"$tree/common/util/arena.c"
	run "$TL_ROOT/tests/lint/layers.sh" "$tree"
	assert_failure
	assert_output --partial 'common/util/arena.c:'
	assert_output --partial '#include "metrics/velocity.h" points up (metrics is above util)'
}

@test "LINT003: sideways, folderless and cyclic includes fail" {
	echo '#include "abtest/abtest.h"' >>"$tree/common/metrics/eval.c"
	echo '#include "err.h"' >>"$tree/common/util/arena.c"
	echo '#include "io/json.h"' >>"$tree/common/io/obuf.c"
	run "$TL_ROOT/tests/lint/layers.sh" "$tree"
	assert_failure
	assert_output --partial 'points sideways (abtest and metrics are one layer)'
	assert_output --partial '#include "err.h" does not name its folder'
	assert_output --regexp 'include cycle: io/(json and io/obuf|obuf and io/json) include each other'
}

@test "LINT004: a folder's private header included from outside it fails" {
	echo '#include "record/chunk.h"' >>"$tree/cmd/tl-velocity.c"
	run "$TL_ROOT/tests/lint/layers.sh" "$tree"
	assert_failure
	assert_output --partial 'cmd/tl-velocity.c:'
	assert_output --partial '#include "record/chunk.h" is private to record/'
}
