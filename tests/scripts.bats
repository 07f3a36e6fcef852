#!/usr/bin/env bats
# scripts.bats - the developer scripts of scripts/ that are not commands
# (the benches, demo.sh, install-deps.sh, make-deb.sh, validate-table.py):
# -h and --help print the usage from the header first and exit 0, an
# unknown option or a wrong argument count exits 64 with the usage line, a
# relative OUT is the caller's, install-deps.sh -n installs nothing. What
# each one measures or builds is run by its page's EXAMPLES
# (tests/manpages.bats).
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

SCRIPTS=(bench.sh bench-duckdb.sh bench-export.sh bench-model.sh bench-scale.sh demo.sh install-deps.sh make-deb.sh validate-table.py)

@test "SCR001: -h and --help print the usage from the script's header first and exit 0" {
	local s opt
	for s in "${SCRIPTS[@]}"; do
		for opt in -h --help; do
			run --separate-stderr "$TL_ROOT/scripts/$s" "$opt"
			[ "$status" -eq 0 ] || { echo "$s $opt: exit $status" >&2; return 1; }
			[ -z "$stderr" ] || { echo "$s $opt: $stderr" >&2; return 1; }
			[[ ${lines[0]} == "usage: $s "* ]] || { echo "$s $opt: first line '${lines[0]}'" >&2; return 1; }
			[[ $output == *"  -h, --help "* ]] || { echo "$s $opt: no -h, --help line" >&2; return 1; }
			[[ $output == *"see ${s%.*}(1)."* ]] || { echo "$s $opt: does not name its page" >&2; return 1; }
		done
	done
}

@test "SCR002: an unknown option or a wrong argument exits 64 with the usage line, before doing anything" {
	local s a
	mkdir "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	for s in "${SCRIPTS[@]}"; do
		for a in -Z --bogus; do
			run --separate-stderr "$TL_ROOT/scripts/$s" "$a"
			[ "$status" -eq 64 ] || { echo "$s $a: exit $status" >&2; return 1; }
			[[ $stderr == *"usage: $s "* ]] || { echo "$s $a: stderr '$stderr'" >&2; return 1; }
		done
	done
	run --separate-stderr "$TL_ROOT/scripts/make-deb.sh" 0.1.0
	[ "$status" -eq 64 ]
	run --separate-stderr "$TL_ROOT/scripts/bench-duckdb.sh" run .
	[ "$status" -eq 64 ]
	run --separate-stderr "$TL_ROOT/scripts/bench.sh" extra
	[ "$status" -eq 64 ]
	run --separate-stderr "$TL_ROOT/scripts/validate-table.py" . 7
	[ "$status" -eq 64 ]
	# nothing was written: no work directory of a bench or the demo
	[ -z "$(ls -A)" ]
}

@test "SCR003: a relative OUT is taken from the caller's directory, not the source tree's" {
	cd "$BATS_TEST_TMPDIR"
	SCALE=50 SHARD_LEARNERS=0 RATES='' OUT=rel run --separate-stderr "$TL_ROOT/scripts/bench-scale.sh"
	assert_success
	[ -f "$BATS_TEST_TMPDIR/rel/scale.score" ]
	[ ! -e "$TL_ROOT/rel" ]
	N=30 OUT=demo run --separate-stderr "$TL_ROOT/scripts/demo.sh"
	assert_success
	[ -f "$BATS_TEST_TMPDIR/demo/report.html" ]
	[ ! -e "$TL_ROOT/demo" ]
}

@test "SCR004: install-deps.sh -n lists the missing packages and installs nothing" {
	local fake=$BATS_TEST_TMPDIR/fake
	mkdir -p "$fake"
	# a dpkg-query that knows no package, an apt-get and a sudo that log their calls
	printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query"
	# shellcheck disable=SC2016 # the fake expands $0 and $*, not this shell
	printf '#!/bin/sh\necho "$(basename "$0") $*" >>"%s/calls"\n' "$BATS_TEST_TMPDIR" >"$fake/apt-get"
	cp "$fake/apt-get" "$fake/sudo"
	chmod +x "$fake"/*
	PATH="$fake:$PATH" run --separate-stderr "$TL_ROOT/scripts/install-deps.sh" -n
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = build-essential ]
	[[ " ${lines[*]} " == *" bats "* ]]
	[ ! -e "$BATS_TEST_TMPDIR/calls" ]
	# without -n the same machine gets apt-get install of them
	PATH="$fake:$PATH" run --separate-stderr "$TL_ROOT/scripts/install-deps.sh" --if-missing
	assert_success
	grep -q 'apt-get install -y -qq --no-install-recommends build-essential ' "$BATS_TEST_TMPDIR/calls"
}

@test "SCR005: install-deps.sh: a package whose triggers a dpkg run elsewhere is running is installed, not missing" {
	local fake=$BATS_TEST_TMPDIR/fake st
	mkdir -p "$fake"
	for st in half-configured triggers-pending triggers-awaited; do
		printf '#!/bin/sh\nprintf "install ok %s"\n' "$st" >"$fake/dpkg-query"
		chmod +x "$fake/dpkg-query"
		PATH="$fake:$PATH" run --separate-stderr "$TL_ROOT/scripts/install-deps.sh" -n
		assert_success
		assert_output ''
	done
	printf '#!/bin/sh\nprintf "deinstall ok config-files"\n' >"$fake/dpkg-query"
	PATH="$fake:$PATH" run --separate-stderr "$TL_ROOT/scripts/install-deps.sh" -n
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = build-essential ]
}
