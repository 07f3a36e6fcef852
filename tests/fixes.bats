#!/usr/bin/env bats
# fixes.bats - issue 17's bugs: reserved column names, one boolean reader
# in every tool, attributes that vary within a learner (--stats), and the
# shipped files of make install found by name (--config v1).

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

# ---- booleans (tl(7) "Booleans") ----

# bool_inputs DIR: the same six learners with their 0/1 field y spelled as
# 0/1 (ref.csv), as words in mixed case (words.csv), as JSON literals
# (lit.ndjson) and as JSON strings (str.ndjson).
bool_inputs() {
	local d=$1 i
	local -a arm=(control treatment control treatment control treatment) s=(0.9 0.8 0.2 0.7 0.4 0.1)
	local -a y=(1 1 0 0 1 0) w=(true TRUE False false True FALSE) lit=(true true false false true false)
	printf 'learner_id,arm,s,y\n' >"$d/ref.csv"
	printf 'learner_id,arm,s,y\n' >"$d/words.csv"
	: >"$d/lit.ndjson"
	: >"$d/str.ndjson"
	for i in 0 1 2 3 4 5; do
		printf 'L%d,%s,%s,%s\n' "$i" "${arm[i]}" "${s[i]}" "${y[i]}" >>"$d/ref.csv"
		printf 'L%d,%s,%s,%s\n' "$i" "${arm[i]}" "${s[i]}" "${w[i]}" >>"$d/words.csv"
		printf '{"learner_id":"L%d","arm":"%s","s":%s,"y":%s}\n' "$i" "${arm[i]}" "${s[i]}" "${lit[i]}" >>"$d/lit.ndjson"
		printf '{"learner_id":"L%d","arm":"%s","s":%s,"y":"%s"}\n' "$i" "${arm[i]}" "${s[i]}" "${w[i]}" >>"$d/str.ndjson"
	done
}

BOOL_TOOLS=("tl-eval --score s --label y --format json" "tl-abtest --binary y --format json"
	"tl-model --fit --target y --features s")

@test "FIX001: a 0/1 field reads 0, 1, true and false (any case; CSV, JSON literal, JSON string) alike in tl-eval, tl-abtest, tl-model" {
	local d=$BATS_TEST_TMPDIR t f
	bool_inputs "$d"
	for t in "${BOOL_TOOLS[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr $t "$d/ref.csv"
		assert_success
		local want=$output
		[[ $want == *'"'* ]]
		for f in words.csv lit.ndjson str.ndjson; do
			# shellcheck disable=SC2086
			run --separate-stderr $t "$d/$f"
			assert_success
			assert_equal "$output" "$want"
		done
	done
}

@test "FIX002: a bad 0/1 value ('yes', '2', '-1', '0.5', a JSON string or array) is the same error in every tool" {
	local d=$BATS_TEST_TMPDIR v t
	for v in yes 2 -1 nul 0.5; do
		printf 'learner_id,arm,s,y\nL1,control,0.5,1\nL2,treatment,0.4,%s\n' "$v" >"$d/bad.csv"
		local msg="$d/bad.csv:3: learner 'L2': field 'y' is not 0, 1, true or false: '$v'"
		for t in "${BOOL_TOOLS[@]}"; do
			# shellcheck disable=SC2086
			run --separate-stderr $t "$d/bad.csv"
			assert_failure 65
			case $t in
			tl-model*) assert_equal "$stderr" "tl-model: $msg; a logistic model needs 0 or 1 (use --kind linear for numbers)" ;;
			*) assert_equal "$stderr" "${t%% *}: $msg" ;;
			esac
		done
	done
	# JSON: a string that is not a boolean, and an object
	printf '{"learner_id":"L1","arm":"control","s":0.5,"y":"yes"}\n' >"$d/bad.ndjson"
	run --separate-stderr tl-eval --score s --label y "$d/bad.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/bad.ndjson:1: learner 'L1': field 'y' is not 0, 1, true or false: '\"yes\"'"
	printf '{"learner_id":"L1","arm":"control","s":0.5,"y":[true]}\n' >"$d/bad.ndjson"
	run --separate-stderr tl-abtest --binary y "$d/bad.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-abtest: $d/bad.ndjson:1: learner 'L1': field 'y' is not 0, 1, true or false: '[true]'"
}
