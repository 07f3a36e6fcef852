#!/usr/bin/env bats
# frontend.bats - what every tool's front end shares (tl(7)): messages
# start "tl-NAME: " however the tool is run, --help and --version check
# their write, and the record tools word a missing field and a bad value
# the same way (record/field.c).

# bats' run sets stderr and stderr_lines; bash -c scripts are quoted whole
# shellcheck disable=SC2154,SC2016
load test_helper
bats_require_minimum_version 1.5.0

TOOLS=(tl-abtest tl-affinity tl-eval tl-loadgen tl-model tl-retention tl-score tl-velocity)

# A learner id of 59 ASCII bytes, a 2-byte character and more: quoted, it
# is cut before the character (TL_FIELD_QUOTE = 60 bytes) and gets "...".
LONG_ID="$(printf 'a%.0s' {1..59})é$(printf 'b%.0s' {1..10})"
LONG_ID_QUOTED="$(printf 'a%.0s' {1..59})..."
# A value of 70 ASCII bytes: quoted, its first 60 and "...".
LONG_VALUE="$(printf 'z%.0s' {1..70})"
LONG_VALUE_QUOTED="$(printf 'z%.0s' {1..60})..."

@test "FE001: run by its full path, every tool names itself in getopt's message and exits 64" {
	local t
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$TL_BIN/$t" --nope
		if [ "$status" -ne 64 ] || [[ $stderr != "$t: "* ]]; then
			printf '%s: exit %d, stderr:\n%s\n' "$t" "$status" "$stderr" >&2
			return 1
		fi
		run --separate-stderr "$TL_BIN/$t" -Z
		[ "$status" -eq 64 ]
		[[ $stderr == "$t: "* ]]
	done
}

@test "FE002: the usage error after getopt's message is the synopsis and a hint naming the tool" {
	local t
	for t in tl-abtest tl-affinity tl-eval tl-model tl-retention tl-score tl-velocity; do
		run --separate-stderr "$TL_BIN/$t" --nope
		[[ ${stderr_lines[1]} == "usage: $t "* ]]
		[ "${stderr_lines[-1]}" = "Try '$t --help' for more information." ]
	done
}

@test "FE003: --help and --version to a full disk exit 74 with a message" {
	local t opt
	for t in "${TOOLS[@]}"; do
		for opt in --help --version; do
			run --separate-stderr bash -c '"$0" "$1" >/dev/full' "$TL_BIN/$t" "$opt"
			if [ "$status" -ne 74 ] || [ "$stderr" != "$t: write error on standard output: No space left on device" ]; then
				printf '%s %s: exit %d, stderr:\n%s\n' "$t" "$opt" "$status" "$stderr" >&2
				return 1
			fi
		done
		run --separate-stderr "$TL_BIN/$t" --version
		assert_success
		[ "$output" = "$t 0.1.0" ]
		run --separate-stderr "$TL_BIN/$t" --help
		assert_success
		[[ ${lines[0]} == "usage: $t "* ]]
	done
}

# without_used_by: the message with its ", used by ..." part removed.
without_used_by() {
	sed 's/, used by [^(]*(/ (/'
}

@test "FE004: a missing field is worded the same by tl-eval, tl-abtest, tl-score and tl-model" {
	local f="$BATS_TEST_TMPDIR/m.csv" t want
	printf 'learner_id,arm,archetype,y,x\n%s,control,specialist,1,2\n' "$LONG_ID" >"$f"
	want="$f:2: learner '$LONG_ID_QUOTED' has no field 'churn_risk' (it is produced by tl-retention: run it first)"
	local -A cmd=(
		[tl-eval]="--score churn_risk --label y"
		[tl-abtest]="--metric churn_risk"
		[tl-score]="--calibrate --outcome churn_risk"
		[tl-model]="--fit --target y --features churn_risk"
	)
	for t in "${!cmd[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$t" ${cmd[$t]} "$f"
		assert_failure 65
		assert_equal "$(printf '%s\n' "$stderr" | without_used_by)" "$t: $want"
	done
	run --separate-stderr tl-model --fit --target y --features log1p:churn_risk "$f"
	assert_equal "$stderr" "tl-model: $f:2: learner '$LONG_ID_QUOTED' has no field 'churn_risk', used by feature 'log1p:churn_risk' (it is produced by tl-retention: run it first)"
	run --separate-stderr tl-model --fit --target nope --features x "$f"
	assert_equal "$stderr" "tl-model: $f:2: learner '$LONG_ID_QUOTED' has no field 'nope', used by --target (no tl tool produces it; add it to the input)"
	run --separate-stderr tl-score --config "$TL_ROOT/config/v1.json" "$f"
	assert_failure 65
	[[ $stderr == "tl-score: $f:2: learner '$LONG_ID_QUOTED' has no field '"*"', used by config v1 (it is produced by tl-"*": run it first)" ]]
}

@test "FE005: a value that is not a number is quoted and cut the same way by every tool" {
	local f="$BATS_TEST_TMPDIR/n.csv" t
	printf 'learner_id,arm,archetype,y,x,velocity_momentum\nL1,control,specialist,1,%s,%s\n' "$LONG_VALUE" "$LONG_VALUE" >"$f"
	local -A cmd=(
		[tl-eval]="--pred x --actual y"
		[tl-abtest]="--metric x"
		[tl-score]="--calibrate --outcome x"
		[tl-model]="--fit --target y --features x"
	)
	for t in "${!cmd[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$t" ${cmd[$t]} "$f"
		assert_failure 65
		assert_equal "$stderr" "$t: $f:2: learner 'L1': field 'x' is not a number: '$LONG_VALUE_QUOTED'"
	done
	printf 'learner_id,ts,capability,velocity_momentum\nL1,2025-01-01,c,%s\n' "$LONG_VALUE" >"$f"
	run --separate-stderr tl-retention --as-of 2025-02-01 "$f"
	assert_failure 65
	assert_equal "$stderr" "tl-retention: $f:2: learner 'L1': field 'velocity_momentum' is not a number: '$LONG_VALUE_QUOTED'"
}

@test "FE006: a 0/1 field (tl-eval --label, tl-abtest --binary) takes 0, 1, true and false, and nothing else" {
	local f="$BATS_TEST_TMPDIR/b.csv"
	printf 'learner_id,arm,s,y\nL1,control,0.5,2\n' >"$f"
	run --separate-stderr tl-eval --score s --label y "$f"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $f:2: learner 'L1': field 'y' is not 0, 1, true or false: '2'"
	run --separate-stderr tl-abtest --binary y "$f"
	assert_failure 65
	assert_equal "$stderr" "tl-abtest: $f:2: learner 'L1': field 'y' is not 0, 1, true or false: '2'"
	printf '{"learner_id":"L1","arm":"control","s":0.9,"y":true}\n{"learner_id":"L2","arm":"treatment","s":0.1,"y":false}\n' >"$BATS_TEST_TMPDIR/b.ndjson"
	run --separate-stderr tl-eval --score s --label y --format json "$BATS_TEST_TMPDIR/b.ndjson"
	assert_success
	[[ $output == *'"positives":	1'* ]]
	[[ $output == *'"roc_auc":	1'* ]]
}

@test "FE007: the report tools (tl-eval, tl-abtest) refuse -o csv (their -o is the report format), --label and --churn-horizon, and their help leaves them out" {
	local t
	for t in tl-eval tl-abtest; do
		run --separate-stderr "$t" -o csv "$TESTDATA/abtest/abtest-learners.csv"
		assert_failure 64
		[[ "$stderr" == "$t: -o"* && "$stderr" == *"'csv'"* && "$stderr" == *"text"*"json"*"md"* ]] || { echo "$stderr"; false; }
		run --separate-stderr "$t" --churn-horizon 3d "$TESTDATA/abtest/abtest-learners.csv"
		assert_failure 64
		run "$t" --help
		assert_success
		refute_line --partial '-o csv|ndjson'
		refute_line --partial '--churn-horizon'
		assert_line --partial '--skip-bad'
	done
	run --separate-stderr tl-abtest --label --metric roi "$TESTDATA/abtest/abtest-learners.csv"
	assert_failure 64
	# tl-eval's own --label FIELD is listed once
	run tl-eval --help
	assert_line --partial '--label FIELD      the 0/1 truth of --score'
	refute_line --partial 'also compute label fields'
}

@test "FE008: --output naming the process's own stream (/dev/fd/1, /proc/self/fd/1) writes to it as it is: appended, never replaced" {
	cd "$BATS_TEST_TMPDIR"
	"$TL_BIN/tl-loadgen" --learners 3 --seed 5 >in.csv
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 in.csv >want.ndjson
	# was: exit 73, a temporary could not be made in /dev/fd
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 --output /dev/fd/1 in.csv >got.ndjson
	cmp want.ndjson got.ndjson
	echo first >app.txt
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 --output /proc/self/fd/1 in.csv >>app.txt
	{ echo first; cat want.ndjson; } | cmp - app.txt
}

@test "FE009: --output through a symbolic link replaces the file it names, and the link stays a link" {
	cd "$BATS_TEST_TMPDIR"
	"$TL_BIN/tl-loadgen" --learners 3 --seed 5 >in.csv
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 in.csv >want.ndjson
	echo old >target.ndjson
	ln -s target.ndjson link.ndjson
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 --output link.ndjson in.csv
	[ -L link.ndjson ]
	cmp want.ndjson target.ndjson
	# A link to this process's stdout (as /dev/stdout is): it was replaced
	# by a file, and the output went there instead of to stdout.
	ln -s /proc/self/fd/1 out-link
	"$TL_BIN/tl-velocity" --as-of 2025-11-01 --output out-link in.csv >redirected.ndjson
	[ -L out-link ]
	cmp want.ndjson redirected.ndjson
}
