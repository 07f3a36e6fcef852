#!/usr/bin/env bats
# build.bats - the build's promises: make install puts every tool and man
# page in place, every tool answers --help/--version, and every tool has a
# man page that documents it.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

TOOLS=(tl-loadgen tl-velocity tl-affinity tl-retention tl-score tl-abtest tl-eval tl-model tl-export tl-report tl-split)

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
	[ -x "$r/bin/tl-batch" ]
	[ -f "$r/share/man/man1/tl-batch.1" ]
	[ -f "$r/share/man/man7/tl-ops.7" ]
	for f in v1.json v2.json churn.features archetype.features velocity.features velocity-active.json velocity-given-active.json batch.conf prometheus/tl-alerts.yml grafana/tl-dashboard.json \
		systemd/tl-batch.service systemd/tl-batch.timer import-kddcup2015.sh import-oulad.sh \
		import-openedx-tracking.sh lib/civil.awk; do
		[ -f "$r/share/tl/$f" ] || { echo "not installed: share/tl/$f"; false; }
	done
	# the importers' pages
	for f in import-kddcup2015 import-oulad import-openedx-tracking; do
		[ -f "$r/share/man/man1/$f.1" ] || { echo "not installed: share/man/man1/$f.1"; false; }
	done
	# the installed tl-batch runs the installed tools
	printf '%s\n' "input $TESTDATA/worked/worked.csv" "as_of 2025-01-29" "output $BATS_TEST_TMPDIR/out" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $r/share/tl/v1.json" >"$BATS_TEST_TMPDIR/b.conf"
	PATH="$r/bin:/usr/bin:/bin" run --separate-stderr "$r/bin/tl-batch" --config "$BATS_TEST_TMPDIR/b.conf"
	assert_success
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out/current/learners.ndjson")" -eq 1 ]
}

@test "BLD004: an install to any PREFIX finds its shipped files by name from another directory (--config v1, --features-file churn, the importers)" {
	local r=$BATS_TEST_TMPDIR/root/opt/tl
	run make -C "$TL_ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/tl
	assert_success
	[ -x "$r/share/tl/import-oulad.sh" ]
	[ -x "$r/share/tl/import-kddcup2015.sh" ]
	# mark the installed v1 so that the output shows which file was read
	sed -i 's/"algo_version": "v1"/"algo_version": "v1-installed"/' "$r/share/tl/v1.json"
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	cd "$BATS_TEST_TMPDIR/elsewhere"
	run --separate-stderr "$r/bin/tl-score" --print-config --config v1
	assert_success
	[[ $output == *'"algo_version":'*'"v1-installed"'* ]]
	run --separate-stderr "$r/bin/tl-score" --print-config --config v1.json
	assert_success
	[[ $output == *'"v1-installed"'* ]]
	run --separate-stderr "$r/bin/tl-velocity" --config v1 --as-of 2025-01-29 -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	tl-loadgen --learners 300 --seed 5 --end 2025-07-01 | tl-velocity --as-of 2025-06-01 |
		tl-retention --label >ret.ndjson
	run --separate-stderr "$r/bin/tl-model" --fit --target churned --features-file churn ret.ndjson
	assert_success
	[[ $output == *'"days_since_last"'* ]]
	# the installed importers run from share/tl, with their awk library beside them
	run --separate-stderr "$r/share/tl/import-oulad.sh" "$TESTDATA/import/oulad/studentVle.csv"
	assert_success
	[ "$output" = "$(import-oulad.sh "$TESTDATA/import/oulad/studentVle.csv" 2>/dev/null)" ]
	[ "${#lines[@]}" -gt 1 ]
	# a name found nowhere is an input that cannot be opened
	run --separate-stderr "$r/bin/tl-score" --config v9 </dev/null
	assert_failure 66
	assert_equal "$stderr" "tl-score: cannot open config v9: No such file or directory"
}

@test "BLD002: every tool: --help on stdout exits 0, --version (the one version of the build), unknown option exits 64" {
	local version
	version=$(tl-velocity --version)
	version=${version#tl-velocity }
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --help
		assert_success
		[[ "$output" == usage:* ]]
		run --separate-stderr "$t" --version
		assert_success
		[[ "$output" =~ ^$t\ [0-9] ]]
		assert_output "$t $version"   # tl-export's runs table records it as the toolkit's (tl-export(1))
		run --separate-stderr "$t" --no-such-option
		assert_failure 64
		[[ "$stderr" == *"Try '$t --help' for more information."* ]]
	done
}

@test "BLD003: the tools in cmd/ and the commands in scripts/ are exactly the ones with man pages" {
	diff <({ cd "$TL_ROOT/cmd" && printf '%s\n' tl-*.c | sed 's/\.c$//'; cd "$TL_ROOT/scripts" && printf '%s\n' tl-*; } | sort) \
		<(cd "$TL_ROOT/man" && printf '%s\n' tl-*.1 | sed 's/\.1$//')
}
