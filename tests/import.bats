# import.bats - scripts/import-kddcup2015.sh and scripts/import-oulad.sh on
# small hand-made fixtures (testdata/import/kdd, testdata/import/oulad):
# the mapping (expected rows written by hand from the fixtures), the counts
# on stderr, the label and window files, and malformed input.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

KDD="$TESTDATA/import/kdd"
OUL="$TESTDATA/import/oulad"

# kdd_course NAME ROW...: a course file with the standard header and the given rows.
kdd_course() {
	local f="$BATS_TEST_TMPDIR/$1"
	shift
	echo 'enrollment_id,time,event_access,event_discussion,event_navigate,event_page_close,event_problem,event_video,event_wiki' >"$f"
	printf '%s\n' "$@" >>"$f"
}

# oulad_copy: the OULAD fixture directory copied to $BATS_TEST_TMPDIR/o.
oulad_copy() {
	mkdir -p "$BATS_TEST_TMPDIR/o"
	cp "$OUL"/vle.csv "$OUL"/studentInfo.csv "$OUL"/studentRegistration.csv "$OUL"/studentVle.csv "$BATS_TEST_TMPDIR/o/"
}

@test "IMP001: KDD: one row per enrolment, day and event type with its count, the documented mapping, labels and windows" {
	run --separate-stderr import-kddcup2015.sh -l "$BATS_TEST_TMPDIR/labels.csv" -w "$BATS_TEST_TMPDIR/win.csv" \
		"$KDD/truth.csv" "$KDD/trainCourse9.csv" "$KDD/trainCourse5.csv"
	assert_success
	golden import/kdd/expected-events.csv
	diff -u "$KDD/expected-labels.csv" "$BATS_TEST_TMPDIR/labels.csv"
	diff -u "$KDD/expected-windows.csv" "$BATS_TEST_TMPDIR/win.csv"
	assert_equal "$stderr" "import-kddcup2015.sh: $KDD/trainCourse9.csv: 9 rows = 3 with events + 6 all zero; 3 enrolments (1 without any event); 9 events; window 2014-05-30..2014-06-01
import-kddcup2015.sh: $KDD/trainCourse5.csv: 4 rows = 3 with events + 1 all zero; 2 enrolments (0 without any event); 3 events; window 2013-12-31..2014-01-01
import-kddcup2015.sh: total: 5 enrolments, 12 events"
}

@test "IMP002: KDD: the count column sums to the sum of the counts, one row per count above 0 (checked by awk on the fixture)" {
	local want rows
	want=$(tail -q -n +2 "$KDD/trainCourse9.csv" "$KDD/trainCourse5.csv" | awk -F, '{ for (i = 3; i <= 9; i++) s += $i } END { print s }')
	rows=$(tail -q -n +2 "$KDD/trainCourse9.csv" "$KDD/trainCourse5.csv" | awk -F, '{ for (i = 3; i <= 9; i++) n += $i > 0 } END { print n }')
	run --separate-stderr import-kddcup2015.sh "$KDD/truth.csv" "$KDD/trainCourse9.csv" "$KDD/trainCourse5.csv"
	assert_success
	[ "$((${#lines[@]} - 1))" -eq "$rows" ]
	[ "$(printf '%s\n' "$output" | awk -F, 'NR > 1 { s += $6 } END { print s }')" -eq "$want" ]
}

@test "IMP003: KDD: the import feeds tl-velocity and tl-retention (hand-computed values)" {
	import-kddcup2015.sh "$KDD/truth.csv" "$KDD/trainCourse9.csv" 2>/dev/null >"$BATS_TEST_TMPDIR/e.csv"
	run --separate-stderr bash -o pipefail -c "tl-velocity --count-field count --as-of 2014-06-02T00:00:00Z '$BATS_TEST_TMPDIR/e.csv' | tl-retention -o csv"
	assert_success
	# learner 11: 5 events, 4 event types adopted (access, navigate, problem,
	# video), last event 1 June, as-of 2 June; learner 12: 4 events, 2 types,
	# last 31 May; learner 13 has no event, so no row. dropout rides along.
	run python3 -c '
import csv, sys
r = {x["learner_id"]: x for x in csv.DictReader(sys.stdin)}
want = {"11": ("5", "4", "1", "1", "2"), "12": ("4", "2", "2", "0", "1")}
got = {k: (v["interactions"], v["adoptions"], v["days_since_last"], v["dropout"], v["active_days"]) for k, v in r.items()}
sys.exit(0 if got == want else print(got) or 1)' <<<"$output"
	assert_success
}

@test "IMP004: KDD: malformed input stops with FILE:LINE: what, exit 65" {
	local t="$BATS_TEST_TMPDIR" case
	kdd_course c1.csv '11,2014-05-30,1,0,0,0,0,0'
	kdd_course c2.csv '11,2014-02-30,1,0,0,0,0,0,0'
	kdd_course c3.csv '11,30/05/2014,1,0,0,0,0,0,0'
	kdd_course c4.csv '11,2014-05-30,1,0,x,0,0,0,0'
	kdd_course c5.csv '77,2014-05-30,1,0,0,0,0,0,0'
	kdd_course c6.csv '11,2014-05-30,1,0,0,0,0,0,0' '12,2014-05-30,1,0,0,0,0,0,0' '11,2014-05-31,1,0,0,0,0,0,0'
	kdd_course c7.csv '11,2014-05-30,1,0,0,0,0,0,0' '11,2014-05-30,0,1,0,0,0,0,0'
	kdd_course c8.csv '"11",2014-05-30,1,0,0,0,0,0,0'
	kdd_course c9.csv '11,2014-05-30,-1,0,0,0,0,0,0'
	printf 'enrollment_id,time,access\n11,2014-05-30,1\n' >"$t/h.csv"
	for case in \
		"c1.csv|c1.csv:2: expected 9 fields, found 8" \
		"c2.csv|c2.csv:2: bad date '2014-02-30' (no such day)" \
		"c3.csv|c3.csv:2: bad date '30/05/2014' (expected YYYY-MM-DD)" \
		"c4.csv|c4.csv:2: bad count 'x' in column 5" \
		"c5.csv|c5.csv:2: enrolment 77 has no label in $KDD/truth.csv" \
		"c6.csv|c6.csv:4: enrolment 11 reappears (its rows began at $t/c6.csv:2); rows of an enrolment must be contiguous, in one file" \
		"c7.csv|c7.csv:3: enrolment 11 has day 2014-05-30 twice" \
		"c8.csv|c8.csv:2: quoted fields are not supported: \"11\",2014-05-30,1,0,0,0,0,0,0" \
		"c9.csv|c9.csv:2: bad count '-1' in column 3" \
		"h.csv|h.csv:1: unexpected header 'enrollment_id,time,access' (expected enrollment_id,time,event_access,event_discussion,event_navigate,event_page_close,event_problem,event_video,event_wiki)"; do
		run --separate-stderr import-kddcup2015.sh -o "$t/out.csv" "$KDD/truth.csv" "$t/${case%%|*}"
		[ "$status" -eq 65 ] || { echo "$case: exit $status" >&2; return 1; }
		assert_equal "$stderr" "import-kddcup2015.sh: $t/${case#*|}"
		[ ! -e "$t/out.csv" ]
		tmps=("$t"/*tmp*)
		[ ! -e "${tmps[0]}" ]   # no temporary file left
	done
	# the same enrolment in two course files
	run --separate-stderr import-kddcup2015.sh "$KDD/truth.csv" "$KDD/trainCourse9.csv" "$t/c1.csv"
	[ "$status" -eq 65 ]
	kdd_course c10.csv '12,2014-05-30,1,0,0,0,0,0,0'
	run --separate-stderr import-kddcup2015.sh "$KDD/truth.csv" "$KDD/trainCourse9.csv" "$t/c10.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "$(printf '%s\n%s' "import-kddcup2015.sh: $KDD/trainCourse9.csv: 9 rows = 3 with events + 6 all zero; 3 enrolments (1 without any event); 9 events; window 2014-05-30..2014-06-01" \
		"import-kddcup2015.sh: $t/c10.csv:2: enrolment 12 reappears (its rows began at $KDD/trainCourse9.csv:5); rows of an enrolment must be contiguous, in one file")"
}

@test "IMP005: KDD: a bad truth file, a missing file, usage" {
	printf 'enrollment_id,label\n11,1\n12,2\n' >"$BATS_TEST_TMPDIR/t1.csv"
	run --separate-stderr import-kddcup2015.sh "$BATS_TEST_TMPDIR/t1.csv" "$KDD/trainCourse9.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "import-kddcup2015.sh: $BATS_TEST_TMPDIR/t1.csv:3: label '2' is not 0 or 1"
	printf 'enrollment_id,label\n11,1\n11,0\n' >"$BATS_TEST_TMPDIR/t2.csv"
	run --separate-stderr import-kddcup2015.sh "$BATS_TEST_TMPDIR/t2.csv" "$KDD/trainCourse9.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "import-kddcup2015.sh: $BATS_TEST_TMPDIR/t2.csv:3: enrollment_id 11 appears twice (first at line 2)"
	run --separate-stderr import-kddcup2015.sh "$KDD/truth.csv" "$BATS_TEST_TMPDIR/none.csv"
	[ "$status" -eq 66 ]
	assert_equal "$stderr" "import-kddcup2015.sh: $BATS_TEST_TMPDIR/none.csv: cannot open"
	run --separate-stderr import-kddcup2015.sh "$KDD/truth.csv"
	[ "$status" -eq 64 ]
	run --separate-stderr import-kddcup2015.sh -h
	assert_success
	assert_line --index 0 'usage: import-kddcup2015.sh [-o FILE] [-l LABELS] [-w WINDOWS] TRUTH COURSEFILE ...'
	assert_output --partial 'see import-kddcup2015(1)'
}

@test "IMP006: KDD: -o writes the file only on success" {
	run --separate-stderr import-kddcup2015.sh -o "$BATS_TEST_TMPDIR/e.csv" "$KDD/truth.csv" "$KDD/trainCourse5.csv"
	assert_success
	[ -z "$output" ]
	diff -u <(sed -n '1p;/,5,/p' "$KDD/expected-events.csv") "$BATS_TEST_TMPDIR/e.csv"
}

@test "IMP007: OULAD: clicks as events, sorted by enrolment, the outcome and withdrew_after" {
	run --separate-stderr import-oulad.sh -c 5 -l "$BATS_TEST_TMPDIR/labels.csv" "$OUL/studentVle.csv"
	assert_success
	golden import/oulad/expected-events.csv
	diff -u "$OUL/expected-labels.csv" "$BATS_TEST_TMPDIR/labels.csv"
	assert_equal "$stderr" "import-oulad.sh: $OUL/studentVle.csv: 6 log rows = 6 as events + 0 with sum_click 0; 10 events; 4 enrolments with events; 1 enrolments of the same module-presentations without a row (not in the output)"
}

@test "IMP008: OULAD: -n gives one event per row; -b moves day 0; without -c no withdrew_after" {
	run --separate-stderr import-oulad.sh -n -b 2013-10-01 "$OUL/studentVle.csv" "$OUL"
	assert_success
	assert_equal "${#lines[@]}" 7
	assert_line --index 0 "learner_id,ts,domain,capability,action,count,module,presentation,final_result,withdrawn,unregistered_day"
	assert_line --index 1 "AAA-2013J-1,2013-09-28T00:00:00Z,resource,100,use,1,AAA,2013J,Pass,0,"
	assert_line --index 3 "AAA-2013J-2,2013-10-02T00:00:00Z,resource,100,use,1,AAA,2013J,Withdrawn,1,12"
	assert_line --index 6 "BBB-2014B-1,2013-09-29T00:00:00Z,quiz,200,use,1,BBB,2014B,Distinction,0,"
}

@test "IMP009: OULAD: the import feeds tl-velocity; events after as-of are future events" {
	import-oulad.sh -c 5 "$OUL/studentVle.csv" 2>/dev/null >"$BATS_TEST_TMPDIR/e.csv"
	run --separate-stderr tl-velocity --count-field count --as-of 2000-01-03 --stats -o csv "$BATS_TEST_TMPDIR/e.csv"
	assert_success
	# 10 events in 6 rows; AAA-2013J-2 clicked twice on day 4 (2000-01-05), after as-of
	assert_equal "$stderr" "tl-velocity: records read 10 = used 8 + future 2 + rejected 0; learners read 4, written 4; rows read 6 = counted 6 + count 0 0 + rejected 0"
	assert_line --index 2 --partial "AAA-2013J-2,AAA,2013J,Withdrawn,1,12,1,1,1,1,"
}

@test "IMP010: OULAD: malformed input stops with FILE:LINE: what, exit 65" {
	local o="$BATS_TEST_TMPDIR/o" case
	oulad_copy
	cp "$o/studentVle.csv" "$o/good.csv"
	for case in \
		'"AAA","2013J",2,999,4,2|studentVle.csv:2: id_site '"'"'999'"'"' is not in vle.csv' \
		'"AAA","2013J",7,100,4,2|studentVle.csv:2: enrolment AAA-2013J-7 is not in studentInfo.csv' \
		'"AAA","2013J",2,100,four,2|studentVle.csv:2: bad date '"'"'four'"'"'' \
		'"AAA","2013J",2,100,4,-2|studentVle.csv:2: bad sum_click '"'"'-2'"'"'' \
		'"AAA","2013J",2,100,4|studentVle.csv:2: expected 6 fields, found 5' \
		'"AAA,"2013J",2,100,4,2|studentVle.csv:2: bad CSV: text after a closing quote' \
		'"AAA","2013J",2,100,4,2"|studentVle.csv:2: bad CSV: a quote inside an unquoted field' \
		'"AAA","2013J",2,100,4,"2|studentVle.csv:2: bad CSV: a quoted field is not closed'; do
		{ head -1 "$o/good.csv"; printf '%s\n' "${case%%|*}"; } >"$o/studentVle.csv"
		run --separate-stderr import-oulad.sh -o "$BATS_TEST_TMPDIR/out.csv" "$o/studentVle.csv"
		[ "$status" -eq 65 ] || { echo "$case: exit $status" >&2; return 1; }
		assert_equal "$stderr" "import-oulad.sh: $o/${case#*|}"
		[ ! -e "$BATS_TEST_TMPDIR/out.csv" ]
	done
	cp "$o/good.csv" "$o/studentVle.csv"
	sed -i '3s/"Withdrawn"$/"Gone"/' "$o/studentInfo.csv"
	run --separate-stderr import-oulad.sh "$o/studentVle.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "import-oulad.sh: $o/studentInfo.csv:3: bad final_result 'Gone'"
	cp "$OUL/studentInfo.csv" "$o/"
	sed -i '2d' "$o/studentRegistration.csv"
	run --separate-stderr import-oulad.sh "$o/studentVle.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "import-oulad.sh: $o/studentVle.csv:4: enrolment AAA-2013J-1 is not in studentRegistration.csv"
	cp "$OUL/studentRegistration.csv" "$o/"
	sed -i '1s/sum_click/clicks/' "$o/studentVle.csv"
	run --separate-stderr import-oulad.sh "$o/studentVle.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "import-oulad.sh: $o/studentVle.csv:1: unexpected header (expected code_module,code_presentation,id_student,id_site,date,sum_click)"
}

@test "IMP011: OULAD: bad options and missing files" {
	run --separate-stderr import-oulad.sh -b 2000-02-30 "$OUL/studentVle.csv"
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "import-oulad.sh: -b: bad date '2000-02-30' (no such day)"
	run --separate-stderr import-oulad.sh -c soon "$OUL/studentVle.csv"
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "import-oulad.sh: -c: 'soon' is not a day number"
	run --separate-stderr import-oulad.sh "$OUL/studentVle.csv" "$BATS_TEST_TMPDIR"
	[ "$status" -eq 66 ]
	assert_equal "$stderr" "import-oulad.sh: $BATS_TEST_TMPDIR/vle.csv: cannot open"
	run --separate-stderr import-oulad.sh
	[ "$status" -eq 64 ]
}

@test "IMP012: both importers read the real extracts' headers (the fixtures match the real layout)" {
	[ -d "$REALDATA/kddcup2015_xuetangx" ]
	[ -d "$REALDATA/oulad" ]
	[ "$(head -1 "$REALDATA/kddcup2015_xuetangx/trainCourse645.csv")" = "$(head -1 "$KDD/trainCourse9.csv")" ]
	[ "$(head -1 "$REALDATA/kddcup2015_xuetangx/truth_train.csv")" = "$(head -1 "$KDD/truth.csv")" ]
	local f
	for f in vle.csv studentInfo.csv studentRegistration.csv; do
		[ "$(head -1 "$REALDATA/oulad/$f")" = "$(head -1 "$OUL/$f")" ]
	done
	[ "$(head -1 "$REALDATA/oulad/studentVle_sample100k.csv")" = "$(head -1 "$OUL/studentVle.csv")" ]
}
