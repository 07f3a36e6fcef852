#!/usr/bin/env bats
# build.bats - the build's promises: make install puts every tool and man
# page in place, every tool answers --help/--version, and every tool has a
# man page that documents it.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

TOOLS=(tl-loadgen tl-velocity tl-affinity tl-retention tl-score tl-abtest tl-eval tl-model tl-export tl-report)

@test "BLD001: make install DESTDIR= PREFIX= installs every tool and man page" {
	run make -C "$TL_ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	for t in "${TOOLS[@]}"; do
		[ -x "$BATS_TEST_TMPDIR/root/usr/bin/$t" ]
		[ -f "$BATS_TEST_TMPDIR/root/usr/share/man/man1/$t.1" ]
	done
	[ -f "$BATS_TEST_TMPDIR/root/usr/share/man/man7/tl.7" ]
	run "$BATS_TEST_TMPDIR/root/usr/bin/tl-velocity" --version
	assert_success
	# the scripts that are commands, their pages, the shipped configs
	local r=$BATS_TEST_TMPDIR/root/usr
	[ -x "$r/bin/tl-batch" ] && [ -f "$r/share/man/man1/tl-batch.1" ] && [ -f "$r/share/man/man7/tl-ops.7" ]
	for f in v1.json v2.json churn.features batch.conf prometheus/tl-alerts.yml grafana/tl-dashboard.json \
		systemd/tl-batch.service systemd/tl-batch.timer; do
		[ -f "$r/share/tl/$f" ] || { echo "not installed: share/tl/$f"; false; }
	done
	# the installed tl-batch runs the installed tools
	printf '%s\n' "input $TESTDATA/worked/worked.csv" "as_of 2025-01-29" "output $BATS_TEST_TMPDIR/out" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $r/share/tl/v1.json" >"$BATS_TEST_TMPDIR/b.conf"
	PATH="$r/bin:/usr/bin:/bin" run --separate-stderr "$r/bin/tl-batch" --config "$BATS_TEST_TMPDIR/b.conf"
	assert_success
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out/current/learners.ndjson")" -eq 1 ]
}

@test "BLD002: every tool: --help on stdout exits 0, --version, unknown option exits 64" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --help
		assert_success
		[[ "$output" == usage:* ]]
		run --separate-stderr "$t" --version
		assert_success
		[[ "$output" =~ ^$t\ [0-9] ]]
		run --separate-stderr "$t" --no-such-option
		assert_failure 64
		[[ "$stderr" == *"Try '$t --help' for more information."* ]]
	done
}

@test "BLD003: the tools in cmd/ and the commands in scripts/ are exactly the ones with man pages" {
	diff <({ cd "$TL_ROOT/cmd" && printf '%s\n' tl-*.c | sed 's/\.c$//'; cd "$TL_ROOT/scripts" && printf '%s\n' tl-*; } | sort) \
		<(cd "$TL_ROOT/man" && printf '%s\n' tl-*.1 | sed 's/\.1$//')
}
