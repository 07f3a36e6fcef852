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

# ---- reserved names (tl(7) "Reserved names") ----

WHY_EVENTS="tl writes the learner's events under this name"
WHY_AS_OF="tl writes the as-of it used under this name"

@test "FIX003: event CSV: a column events or as_of, or learner_id / ts beside the --map source, is exit 65 at the header (-o csv too, --skip-bad too)" {
	local d=$BATS_TEST_TMPDIR o
	printf 'learner_id,ts,capability,events\nL1,2025-01-01,c,5\n' >"$d/events.csv"
	printf 'learner_id,ts,capability,as_of\nL1,2025-01-01,c,2020-01-01\n' >"$d/as_of.csv"
	printf 'user,learner_id,ts,capability\nL1,X,2025-01-01,c\n' >"$d/id.csv"
	printf 'learner_id,time,ts,capability\nL1,2025-01-01,x,c\n' >"$d/ts.csv"
	for o in "" "-o csv" "--skip-bad"; do
		# shellcheck disable=SC2086
		run --separate-stderr tl-velocity --as-of 2025-01-08 $o "$d/events.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-velocity: $d/events.csv:1: column \"events\" is a reserved name: $WHY_EVENTS; rename the column"
		# shellcheck disable=SC2086
		run --separate-stderr tl-retention --as-of 2025-01-08 $o "$d/as_of.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-retention: $d/as_of.csv:1: column \"as_of\" is a reserved name: $WHY_AS_OF; rename the column"
		# shellcheck disable=SC2086
		run --separate-stderr tl-affinity --as-of 2025-01-08 --map learner_id=user $o "$d/id.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-affinity: $d/id.csv:1: column \"learner_id\" is a reserved name: --map takes learner_id from another column, so this one would be a second learner_id; rename the column"
		# shellcheck disable=SC2086
		run --separate-stderr tl-velocity --as-of 2025-01-08 --map ts=time $o "$d/ts.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-velocity: $d/ts.csv:1: column \"ts\" is a reserved name: --map takes ts from another column, so this one would be a second ts; rename the column"
	done
	# the same input renamed reads, and the renamed column is carried
	sed '1s/,events$/,n_events/' "$d/events.csv" >"$d/ok.csv"
	run --separate-stderr tl-velocity --as-of 2025-01-08 -o csv "$d/ok.csv"
	assert_success
	[[ ${lines[0]} == learner_id,n_events,* ]]
	# a later file of the run is checked at its own header
	run --separate-stderr tl-velocity --as-of 2025-01-08 "$d/ok.csv" "$d/as_of.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $d/as_of.csv:1: column \"as_of\" is a reserved name: $WHY_AS_OF; rename the column"
}

@test "FIX004: event NDJSON: a key events (first or later line) or as_of is exit 65 at the learner's first line" {
	local d=$BATS_TEST_TMPDIR
	printf '{"learner_id":"L1","ts":"2025-01-01","events":3}\n' >"$d/first.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-08 "$d/first.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $d/first.ndjson:1: key \"events\" is a reserved name: $WHY_EVENTS; rename the key"
	printf '{"learner_id":"L1","ts":"2025-01-01"}\n\n{"learner_id":"L2","ts":"2025-01-01","events":[]}\n' >"$d/later.ndjson"
	run --separate-stderr tl-affinity --as-of 2025-01-08 --skip-bad "$d/later.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-affinity: $d/later.ndjson:3: key \"events\" is a reserved name: $WHY_EVENTS; rename the key"
	printf '{"learner_id":"L1","ts":"2025-01-01"}\n{"learner_id":"L2","ts":"2025-01-01","as_of":"2020-01-01"}\n' >"$d/as_of.ndjson"
	run --separate-stderr tl-retention --as-of 2025-01-08 -o csv "$d/as_of.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-retention: $d/as_of.ndjson:2: key \"as_of\" is a reserved name: $WHY_AS_OF; rename the key"
	# an escaped key is the same key
	printf '{"learner_id":"L1","ts":"2025-01-01","\\u0061s_of":1}\n' >"$d/esc.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-08 "$d/esc.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $d/esc.ndjson:1: key \"as_of\" is a reserved name: $WHY_AS_OF; rename the key"
}

@test "FIX005: learner rows: events, and learner_id / ts beside the --map source, are reserved; as_of is the learner's as-of" {
	local d=$BATS_TEST_TMPDIR
	printf 'learner_id,events,x\nL1,3,1\n' >"$d/events.csv"
	run --separate-stderr tl-model --fit --kind linear --target x --features events "$d/events.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-model: $d/events.csv:1: column \"events\" is a reserved name: $WHY_EVENTS; rename the column"
	printf 'user,learner_id,x\nL1,X,1\n' >"$d/id.csv"
	run --separate-stderr tl-score --map learner_id=user "$d/id.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $d/id.csv:1: column \"learner_id\" is a reserved name: --map takes learner_id from another column, so this one would be a second learner_id; rename the column"
	printf 'learner_id,ts,x\nL1,x,1\n' >"$d/ts.csv"
	run --separate-stderr tl-eval --pred x --actual x --map ts=time "$d/ts.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/ts.csv:1: column \"ts\" is a reserved name: --map takes ts from another column, so this one would be a second ts; rename the column"
	# a learner row's as_of is not reserved: it is the learner's as-of
	printf 'learner_id,as_of,x\nL1,2025-01-01T00:00:00Z,1\n' >"$d/rows.csv"
	run --separate-stderr tl-eval --pred x --actual x "$d/rows.csv"
	assert_success
}

# ---- shipped files by name (tl(7) FILES) ----

@test "FIX006: --config NAME from the source tree, from any directory: TL_DATADIR first, a path or an existing file is a path" {
	local d=$BATS_TEST_TMPDIR
	run --separate-stderr tl-score --print-config --config "$TL_ROOT/config/v1.json"
	assert_success
	local want=$output
	mkdir "$d/cwd" "$d/data"
	cd "$d/cwd"
	run --separate-stderr tl-score --print-config --config v1
	assert_success
	assert_equal "$output" "$want"
	# the metric tools and --treatment read the same way
	run --separate-stderr tl-velocity --config v1 --as-of 2025-01-29 "$TESTDATA/worked/worked.csv"
	assert_success
	tl-velocity --as-of 2025-01-29 "$TESTDATA/worked/worked.csv" | tl-affinity | tl-retention >l.ndjson
	run --separate-stderr tl-score --config v2 --canary 50 --treatment v1 l.ndjson
	assert_success
	[[ $output == *'"arm":'* ]]
	run --separate-stderr tl-model --fit --kind linear --target velocity --features-file churn l.ndjson
	assert_success
	[[ $output == *'"spec":"log1p:events_prev_7d"'* ]]
	# TL_DATADIR is searched first
	sed 's/"algo_version": "v1"/"algo_version": "v1-datadir"/' "$TL_ROOT/config/v1.json" >"$d/data/v1.json"
	TL_DATADIR=$d/data run --separate-stderr tl-score --print-config --config v1
	assert_success
	[[ $output == *'"v1-datadir"'* ]]
	# an existing file named v1 is a path, so is a name with a slash
	sed 's/"algo_version": "v1"/"algo_version": "v1-here"/' "$TL_ROOT/config/v1.json" >v1
	TL_DATADIR=$d/data run --separate-stderr tl-score --print-config --config v1
	assert_success
	[[ $output == *'"v1-here"'* ]]
	run --separate-stderr tl-score --print-config --config ./v2
	assert_failure 66
	assert_equal "$stderr" "tl-score: cannot open config ./v2: No such file or directory"
	run --separate-stderr tl-score --print-config --config nosuch
	assert_failure 66
	assert_equal "$stderr" "tl-score: cannot open config nosuch: No such file or directory"
}

# ---- attributes that vary within a learner (tl(7) "Attributes", --stats) ----

VARIED_TAIL="; each learner keeps its first row's value"

@test "FIX007: --stats names the attribute columns whose value varied within a learner, on every read path of event CSV" {
	local d=$BATS_TEST_TMPDIR
	printf 'learner_id,ts,verb,cohort,sum_click\nL1,2025-01-01,a,x,1\nL1,2025-01-02,a,x,3\nL2,2025-01-01,b,y,1\nL2,2025-01-02,c,y,1\n' >"$d/v.csv"
	local want="tl-velocity: attributes varied within a learner 2: sum_click, verb$VARIED_TAIL"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/v.csv"
	assert_success
	assert_equal "${stderr_lines[0]}" "tl-velocity: records read 4 = used 4 + future 0 + rejected 0; learners read 2, written 2"
	assert_equal "${stderr_lines[1]}" "$want"
	# the first row's value is what the learner keeps
	run --separate-stderr tl-velocity --as-of 2025-01-08 -o csv "$d/v.csv"
	assert_equal "$(printf '%s\n' "$output" | cut -d, -f1-4)" "$(printf 'learner_id,verb,cohort,sum_click\nL1,a,x,1\nL2,b,y,1')"
	# libcsv's path, --ungrouped, a quoted field, a learner continued in a second file
	TL_CSV_SLOW=1 run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/v.csv"
	assert_equal "${stderr_lines[1]}" "$want"
	run --separate-stderr tl-affinity --ungrouped --as-of 2025-01-08 --stats "$d/v.csv"
	assert_equal "${stderr_lines[1]}" "tl-affinity: attributes varied within a learner 2: sum_click, verb$VARIED_TAIL"
	printf 'learner_id,ts,verb\nL1,2025-01-01,"a"\nL1,2025-01-02,a\n' >"$d/q.csv"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/q.csv"
	assert_equal "${#stderr_lines[@]}" 1
	printf 'learner_id,ts,verb,cohort\nL1,2025-01-01,a,x\n' >"$d/f1.csv"
	printf 'learner_id,cohort,ts,verb\nL1,x,2025-01-02,a\nL1,x,2025-01-03,b\n' >"$d/f2.csv"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/f1.csv" "$d/f2.csv"
	assert_equal "${stderr_lines[1]}" "tl-velocity: attributes varied within a learner 1: verb$VARIED_TAIL"
	# nothing varied: the one line of --stats, as before
	printf 'learner_id,ts,cohort\nL1,2025-01-01,x\nL1,2025-01-02,x\n' >"$d/same.csv"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/same.csv"
	assert_equal "${#stderr_lines[@]}" 1
	# without --stats, nothing is said
	run --separate-stderr tl-velocity --as-of 2025-01-08 "$d/v.csv"
	assert_equal "$stderr" ""
}

@test "FIX008: --stats on two worker threads names what one thread names (a change seen only by a worker's chunk)" {
	local d=$BATS_TEST_TMPDIR
	tl-loadgen --learners 2000 --seed 3 |
		awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "cohort", "row"; next } { print $0, substr($1, 1, 3), (NR > 40000 && NR % 50 == 0) ? NR : 0 }' >"$d/big.csv"
	run --separate-stderr env TL_THREADS=1 tl-velocity --as-of 2025-10-01 --stats "$d/big.csv"
	assert_success
	local one=$stderr
	assert_equal "${stderr_lines[1]}" "tl-velocity: attributes varied within a learner 1: row$VARIED_TAIL"
	run --separate-stderr env TL_CHUNK_BYTES=65536 TL_CHUNK_STATS=1 tl-velocity --as-of 2025-10-01 --stats "$d/big.csv"
	assert_success
	[[ ${stderr_lines[2]} =~ ^tl-velocity:\ chunks:\ ([0-9]+)\ from ]]
	[ "${BASH_REMATCH[1]}" -gt 10 ]
	assert_equal "$(printf '%s\n' "${stderr_lines[@]:0:2}")" "$one"
}

@test "FIX009: event NDJSON: a key whose value changes, one missing from a later line, one only on a later line" {
	local d=$BATS_TEST_TMPDIR
	printf '%s\n' '{"learner_id":"L1","ts":"2025-01-01","verb":"a","c":1}' '{"learner_id":"L1","ts":"2025-01-02","c":1,"verb":"b","extra":2}' \
		'{"learner_id":"L2","ts":"2025-01-01","k":1,"same":{"a":1}}' '{"learner_id":"L2","ts":"2025-01-02","same":{"a":1}}' >"$d/v.ndjson"
	run --separate-stderr tl-retention --as-of 2025-01-08 --stats "$d/v.ndjson"
	assert_success
	assert_equal "${stderr_lines[1]}" "tl-retention: attributes varied within a learner 3: extra, k, verb$VARIED_TAIL"
	# an escaped key is the same key
	printf '%s\n' '{"learner_id":"L1","ts":"2025-01-01","verb":"a"}' '{"learner_id":"L1","ts":"2025-01-02","v\u0065rb":"a"}' >"$d/esc.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats "$d/esc.ndjson"
	assert_equal "${#stderr_lines[@]}" 1
}

@test "FIX010: real logs: KDD Cup 2015's daily counts and OULAD's sum_click are per-event columns, named by --stats" {
	local kdd=$REALDATA/kddcup2015_xuetangx/trainCourse645.csv oul=$REALDATA/oulad/studentVle_AAA2013J_head20000.csv
	[ -f "$kdd" ]
	[ -f "$oul" ]
	# an independent count: the columns with two values within one enrollment
	local n
	n=$(awk -F, 'NR == 1 { for (i = 3; i <= NF; i++) name[i] = $i; next }
		{ for (i = 3; i <= NF; i++) { k = $1 SUBSEP i; if (k in first && first[k] != $i) vary[i] = 1; if (!(k in first)) first[k] = $i } }
		END { for (i in vary) c++; print c }' "$kdd")
	[ "$n" -eq 7 ]
	run --separate-stderr tl-velocity --map learner_id=enrollment_id,ts=time --as-of 2014-08-01 --stats "$kdd"
	assert_success
	assert_equal "${stderr_lines[1]}" "tl-velocity: attributes varied within a learner 7: event_access, event_discussion, event_navigate, event_page_close, event_problem and 2 more$VARIED_TAIL"
	# OULAD module days may be negative: moved by 100 days to epoch seconds here (a day is a second: only the order matters)
	awk -F, 'BEGIN { OFS = "," } NR > 1 { $5 += 100 } 1' "$oul" >"$BATS_TEST_TMPDIR/oulad.csv"
	run --separate-stderr tl-velocity --ungrouped --map learner_id=id_student,ts=date,capability=id_site --as-of 1000 --stats "$BATS_TEST_TMPDIR/oulad.csv"
	assert_success
	assert_equal "${stderr_lines[1]}" "tl-velocity: attributes varied within a learner 1: sum_click$VARIED_TAIL"
}
