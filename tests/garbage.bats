#!/usr/bin/env bats
# garbage.bats - arbitrary bytes never crash or hang a tool: each input is
# bad data (exit 65) or read to the end (exit 0), with or without
# --skip-bad. Run under ASan+UBSan too by make check.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

@test "GAR001: 30 mutated inputs: exit 0 or 65, never a crash or a hang" {
	mkdir "$BATS_TEST_TMPDIR/in"
	mutate 30 "$BATS_TEST_TMPDIR/in"
	for f in "$BATS_TEST_TMPDIR"/in/*; do
		for tool in tl-velocity tl-affinity tl-retention; do
			for opt in --stats --skip-bad; do
				run --separate-stderr timeout 20 "$tool" --as-of 2025-01-29 "$opt" -o csv "$f"
				if [ "$status" -ne 0 ] && [ "$status" -ne 65 ]; then
					echo "$f $tool $opt: exit $status: $stderr" >&2
					return 1
				fi
			done
		done
	done
}
