# timecount.bats - time units and epochs (--ts-unit, --epoch, fractional
# epoch seconds), counted rows (--count-field), per-learner as-of
# (--as-of-field) and the warnings about as-of and censoring, on
# hand-made rows and on the real extracts in $REALDATA.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

OULAD="$REALDATA/oulad"

@test "TCT001: epoch milliseconds read as seconds are bad input, never the far future; --ts-unit ms reads them" {
	printf 'learner_id,ts,capability\nL1,1433946701000,a\nL1,1433946702500,b\n' >"$BATS_TEST_TMPDIR/ms.csv"
	run --separate-stderr tl-velocity --as-of 2015-06-11 -o csv "$BATS_TEST_TMPDIR/ms.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/ms.csv:2: bad timestamp '1433946701000' (outside the years 0000 to 9999 in seconds; see --ts-unit)"
	# a JSON number was read as seconds without a check: the year 47000, every field empty
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":1433946701000}\n' | tl-velocity --as-of 2015-06-11"
	assert_failure 65
	[[ "$stderr" == *"-:1: bad timestamp '1433946701000' (outside"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --ts-unit ms --as-of 2015-06-11 "$BATS_TEST_TMPDIR/ms.csv"
	assert_success
	assert_equal "$stderr" ""
	# converted numbers are written as ISO-8601: the next tool needs no --ts-unit
	[[ "$output" == '{"learner_id":"L1","events":[{"ts":"2015-06-10T14:31:41Z","capability":"a"},{"ts":"2015-06-10T14:31:42.5Z","capability":"b"}],"interactions":2,'* ]] || { echo "$output"; false; }
	want=$(printf 'learner_id,ts,capability\nL1,2015-06-10T14:31:41Z,a\nL1,2015-06-10T14:31:42.5Z,b\n' | tl-velocity --as-of 2015-06-11 | tl-retention -o csv)
	got=$(tl-velocity --ts-unit ms --as-of 2015-06-11 "$BATS_TEST_TMPDIR/ms.csv" | tl-retention -o csv)
	assert_equal "$got" "$want"
	# --ungrouped reads them the same way
	got=$(printf 'learner_id,ts,capability\nL1,1433946701000,a\nL2,1433946701000,a\nL1,1433946702500,b\n' |
		tl-velocity --ungrouped --ts-unit ms --as-of 2015-06-11 | head -1 | tl-retention -o csv)
	assert_equal "$got" "$want"
	# microseconds, and the same in event NDJSON (a JSON number)
	got=$(printf '{"learner_id":"L1","ts":1433946701000000,"capability":"a"}\n{"learner_id":"L1","ts":1433946702500000,"capability":"b"}\n' |
		tl-velocity --ts-unit us --as-of 2015-06-11 | tl-retention -o csv)
	assert_equal "$got" "$want"
}

@test "TCT002: fractional epoch seconds, exactly; a sign; the one number rule" {
	want=$(printf 'learner_id,ts,capability\nL1,2015-06-10T14:31:41.25Z,a\nL1,2015-06-10T14:31:41.1Z,b\n' | tl-velocity --as-of 2015-06-11 -o csv)
	got=$(printf 'learner_id,ts,capability\nL1,1433946701.25,a\nL1,1433946701.1,b\n' | tl-velocity --as-of 2015-06-11 -o csv)
	assert_equal "$got" "$want"
	got=$(printf '{"learner_id":"L1","ts":1433946701.25,"capability":"a"}\n{"learner_id":"L1","ts":"1433946701.1","capability":"b"}\n' | tl-velocity --as-of 2015-06-11 -o csv)
	assert_equal "$got" "$want"
	# a number before 1970 is a time too
	run tl-velocity --as-of 1970-01-02 -o csv < <(printf 'learner_id,ts\nL1,-86400\n')
	assert_success
	[[ "$output" == *",tenure_days,"* && "$(echo "$output" | tail -1 | cut -d, -f5)" == 2 ]] || { echo "$output"; false; }
	for bad in 0x10 nan 1.2.3 '1e'; do
		run --separate-stderr bash -c "printf 'learner_id,ts\nL1,$bad\n' | tl-velocity --as-of 2025-01-01"
		assert_failure 65
		assert_equal "$stderr" "tl-velocity: -:2: bad timestamp '$bad'"
	done
}

@test "TCT003: --epoch DATE --ts-unit d: day offsets, negative and fractional" {
	want=$(printf 'learner_id,ts,capability\nL1,2013-09-28,a\nL1,2013-10-01,b\nL1,2013-10-03T12:00:00Z,a\n' | tl-velocity --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	got=$(printf 'learner_id,ts,capability\nL1,-3,a\nL1,0,b\nL1,2.5,a\n' | tl-velocity --epoch 2013-10-01 --ts-unit d --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	assert_equal "$got" "$want"
	# an ISO timestamp stays an instant whatever the unit
	got=$(printf 'learner_id,ts,capability\nL1,-3,a\nL1,2013-10-01,b\nL1,2.5,a\n' | tl-velocity --epoch 2013-10-01 --ts-unit d --as-of 2013-10-08 | tl-affinity | tl-retention -o csv)
	assert_equal "$got" "$want"
	run --separate-stderr tl-velocity --ts-unit h /dev/null
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --ts-unit wants s, ms, us or d, not 'h'"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --epoch yesterday /dev/null
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --epoch: not a timestamp"* ]] || { echo "$stderr"; false; }
	run --separate-stderr bash -c "printf 'learner_id,ts\nL1,3000000\n' | tl-velocity --ts-unit d --as-of 2025-01-01"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:2: bad timestamp '3000000' (outside the years 0000 to 9999 in days; see --ts-unit)"
}

@test "TCT004: --ts-unit ms on values that look like seconds: read as given, one warning naming the first line" {
	printf 'learner_id,ts,capability\nL1,1433946701,a\nL1,1433946702,b\nL2,1433946703,a\n' >"$BATS_TEST_TMPDIR/s.csv"
	run --separate-stderr tl-velocity --ts-unit ms --as-of 1970-02-01 -o csv "$BATS_TEST_TMPDIR/s.csv"
	assert_success
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/s.csv:2: warning: ts '1433946701' in milliseconds is 1970-01-17T14:19:06.701Z, before 1971: are these epoch seconds? (--ts-unit)"
	assert_equal "$(echo "$output" | tail -1 | cut -d, -f1,2)" "L2,1"
	# not on milliseconds of this century, nor with an --epoch
	run --separate-stderr tl-velocity --ts-unit ms --as-of 2015-06-11 -o csv < <(printf 'learner_id,ts\nL1,1433946701000\n')
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr tl-velocity --ts-unit ms --epoch 2015-01-01 --as-of 2015-06-11 -o csv < <(printf 'learner_id,ts\nL1,1433946701\n')
	assert_success
	assert_equal "$stderr" ""
}

# oulad_raw LOG: the OULAD log as event rows straight from the file, the
# module day as ts, one row per log row: learner_id,ts,capability,action,
# in the importer's order (learner, day, input order).
oulad_raw() {
	awk -F, 'NR > 1 { gsub(/"/, ""); print $1 "-" $2 "-" $3 "," $5 "," $4 ",use" }' "$1" |
		sort -s -t, -k1,1 -k2,2n | sed '1i learner_id,ts,capability,action'
}

@test "TCT005: real OULAD: module days (negative ones too) read directly with --epoch --ts-unit d equal the importer's dates" {
	local log="$OULAD/studentVle_AAA2013J_head20000.csv" t="$BATS_TEST_TMPDIR"
	[ -r "$log" ]
	oulad_raw "$log" >"$t/raw.csv"
	[ "$(awk -F, 'NR > 1 && $2 < 0' "$t/raw.csv" | wc -l)" -gt 1000 ]   # days before the start
	import-oulad.sh -n "$log" "$OULAD" 2>/dev/null | cut -d, -f1,2,4,5 >"$t/imported.csv"
	tl-velocity --as-of 2000-01-08 "$t/imported.csv" | tl-affinity | tl-retention -o csv >"$t/want.csv"
	tl-velocity --epoch 2000-01-01 --ts-unit d --as-of 2000-01-08 "$t/raw.csv" | tl-affinity | tl-retention -o csv >"$t/got.csv"
	[ "$(wc -l <"$t/got.csv")" -gt 300 ]
	diff -u "$t/want.csv" "$t/got.csv"
}

# counted FILE: FILE's event rows with a count column n (0 to 3, by line)
# and the same rows written out n times each; FILE.cnt and FILE.exp.
counted() {
	awk -F, -v OFS=, 'NR == 1 { print $0, "n"; next } { print $0, NR % 4 }' "$1" >"$1.cnt"
	awk -F, -v OFS=, 'NR == 1 { NF--; print; next } { k = $NF; NF--; for (i = 0; i < k; i++) print }' "$1.cnt" >"$1.exp"
}

# same_out CMD...: CMD --count-field n on FILE.cnt and CMD on FILE.exp
# ($f) write the same bytes on stdout and stderr and exit the same.
same_out() {
	local a b
	a=$("$@" --count-field n "$f.cnt" 2>"$f.err1"; echo "exit $?")
	b=$("$@" "$f.exp" 2>"$f.err2"; echo "exit $?")
	[ "$a" = "$b" ] || { echo "differs: $*" >&2; diff <(echo "$b") <(echo "$a") | head >&2; return 1; }
	diff "$f.err2" "$f.err1" >&2 || { echo "stderr differs: $*" >&2; return 1; }
	[ "$a" != "exit 0" ] || { echo "no output: $*" >&2; return 1; }
}

@test "TCT006: --count-field: every tool's output on counted rows equals its output on the rows written out" {
	f="$BATS_TEST_TMPDIR/lg.csv"
	tl-loadgen --learners 300 --seed 5 --truth --arm-split 50:50 --outcome >"$f"
	counted "$f"
	[ "$(tail -n +2 "$f.cnt" | wc -l)" -lt "$(tail -n +2 "$f.exp" | wc -l)" ]
	same_out tl-velocity --as-of 2025-09-01 --label
	same_out tl-velocity --as-of 2025-09-01 -o csv
	same_out tl-affinity --as-of 2025-09-01 --transfer-pairs "$BATS_TEST_TMPDIR/tp.csv"
	same_out tl-retention --as-of 2025-09-01 --label -o csv
	same_out tl-retention --fit --as-of 2025-09-01
	same_out tl-abtest --metric roi
	same_out tl-eval --truth true_archetype --pred true_archetype
	same_out tl-model --fit --kind linear --target roi --features roi
	# and the learners of the pipeline into the tools after it
	for t in "tl-score -o csv" "tl-abtest --metric churn_risk" "tl-eval --score churn_risk --label churned" "tl-model --fit --target churned --features churn_risk,interactions"; do
		want=$(tl-velocity --as-of 2025-09-01 --label "$f.exp" | tl-affinity | tl-retention --label | $t)
		got=$(tl-velocity --count-field n --as-of 2025-09-01 --label "$f.cnt" | tl-affinity | tl-retention --label | $t)
		assert_equal "$got" "$want"
	done
}

@test "TCT007: --count-field: event NDJSON, the worker threads, --max-events, --skip-bad" {
	f="$BATS_TEST_TMPDIR/lg.csv"
	tl-loadgen --learners 2000 --seed 6 >"$f"
	counted "$f"
	# many chunks: the workers read counted rows too
	TL_CHUNK_BYTES=8192 same_out tl-velocity --as-of 2025-09-01 -o csv
	TL_CHUNK_BYTES=8192 same_out tl-retention --as-of 2025-09-01 -o csv
	# --max-events counts events; a counted row that does not fit is rejected whole
	run --separate-stderr tl-velocity --count-field n --as-of 2025-09-01 --max-events 3 --skip-bad --stats -o csv \
		< <(printf 'learner_id,ts,n\nL1,2025-01-01,2\nL1,2025-01-02,2\nL1,2025-01-03,1\n')
	assert_success
	assert_equal "$stderr" "tl-velocity: records read 4 = used 3 + future 0 + rejected 1; learners read 1, written 1; rows read 3 = counted 2 + count 0 0 + rejected 1"
	assert_equal "$(echo "$output" | tail -1 | cut -d, -f2)" 3
	# NDJSON: a number or a string of digits
	printf '{"learner_id":"L1","ts":"2025-01-01","capability":"a","n":2,"c":"x"}\n{"learner_id":"L1","ts":"2025-01-02","capability":"a","n":"3"}\n' >"$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-velocity --count-field n --as-of 2025-01-10 --stats -o csv "$BATS_TEST_TMPDIR/e.ndjson"
	assert_success
	# c is on the first line only, so it varied (tl(7) Attributes); the count n is per line, never an attribute
	assert_equal "$stderr" "tl-velocity: records read 5 = used 5 + future 0 + rejected 0; learners read 1, written 1; rows read 2 = counted 2 + count 0 0 + rejected 0
tl-velocity: attributes varied within a learner 1: c; each learner keeps its first row's value"
	assert_equal "$(echo "$output" | head -1)" "learner_id,c,interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of"
}

@test "TCT008: --count-field: 0 stands for no event; a bad count is FILE:LINE: (exit 65) or a reject" {
	local t="$BATS_TEST_TMPDIR"
	printf 'learner_id,ts,n,cohort\nL0,2025-01-01,0,z\nL1,2025-01-01,0,x\nL1,2025-01-02,3,y\nL2,2025-01-01,1,q\nL0,2025-01-04,0,z\n' >"$t/z.csv"
	run --separate-stderr tl-velocity --count-field n --as-of 2025-01-10 --stats -o csv "$t/z.csv"
	assert_success
	# L0 has only rows of count 0: no learner; L1's attributes are its first counted row's
	assert_equal "$output" "$(printf 'learner_id,cohort,interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of\nL1,y,3,0,2,8,0,0,0,0,0,2025-01-10T00:00:00Z\nL2,q,1,0,2,9,0,0,0,0,0,2025-01-10T00:00:00Z')"
	assert_equal "$stderr" "tl-velocity: records read 4 = used 4 + future 0 + rejected 0; learners read 2, written 2; rows read 5 = counted 2 + count 0 3 + rejected 0"
	local bad
	for bad in -1 1.5 x '' 1e3 99999999999999; do
		printf 'learner_id,ts,n\nL1,2025-01-01,1\nL1,2025-01-02,%s\n' "$bad" >"$t/b.csv"
		run --separate-stderr tl-velocity --count-field n --as-of 2025-01-10 "$t/b.csv"
		assert_failure 65
		if [ -z "$bad" ]; then
			assert_equal "$stderr" "tl-velocity: $t/b.csv:3: field 'n' is empty, not a count (0, 1, 2, ...)"
		else
			assert_equal "$stderr" "tl-velocity: $t/b.csv:3: field 'n' is not a count (0, 1, 2, ...): '$bad'"
		fi
		run --separate-stderr tl-velocity --count-field n --as-of 2025-01-10 --skip-bad --rejects "$t/rej.csv" --stats -o csv "$t/b.csv"
		assert_success
		assert_equal "$stderr" "tl-velocity: records read 2 = used 1 + future 0 + rejected 1; learners read 1, written 1; rows read 2 = counted 1 + count 0 0 + rejected 1"
		assert_equal "$(cat "$t/rej.csv")" "L1,2025-01-02,$bad"
	done
	run --separate-stderr tl-velocity --count-field k --as-of 2025-01-10 "$t/z.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $t/z.csv:1: no 'k' column in the header (--count-field)"
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\"}\n' | tl-velocity --count-field n --as-of 2025-01-10"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:1: no 'n' member (--count-field)"
}

@test "TCT019: --count-field with --ungrouped: counted rows in time order, spilled or not, give what the rows written out give" {
	f="$BATS_TEST_TMPDIR/lg.csv"
	tl-loadgen --learners 400 --seed 9 >"$BATS_TEST_TMPDIR/g.csv"
	# time order, learners interleaved; then the counts and the rows they stand for
	{ head -1 "$BATS_TEST_TMPDIR/g.csv"; tail -n +2 "$BATS_TEST_TMPDIR/g.csv" | sort -t, -k2,2 -s; } >"$f"
	counted "$f"
	local m
	for m in 256M 64K; do
		same_out tl-velocity --ungrouped --memory "$m" --as-of 2025-09-01 -o csv
		same_out tl-retention --ungrouped --memory "$m" --as-of 2025-09-01 -o csv
	done
	# spilled: the sort held counted rows, fewer than the events; every row is accounted for
	run --separate-stderr tl-velocity --ungrouped --memory 64K --count-field n --as-of 2025-09-01 --stats \
		--metrics "$BATS_TEST_TMPDIR/m.prom" -o csv "$f.cnt"
	assert_success
	local rows zero events
	rows=$(tail -n +2 "$f.cnt" | wc -l)
	zero=$(awk -F, 'NR > 1 && $NF == 0' "$f.cnt" | wc -l)
	events=$(tl-velocity --ungrouped --as-of 2025-09-01 --stats -o csv "$f.exp" 2>&1 >/dev/null)
	[[ "$events" == "tl-velocity: records read $(tail -n +2 "$f.exp" | wc -l) = "* ]] || { echo "$events"; false; }
	assert_equal "$stderr" "$events; rows read $rows = counted $((rows - zero)) + count 0 $zero + rejected 0"
	[ "$(sed -n 's/^tl_sort_runs_spilled{[^}]*} //p' "$BATS_TEST_TMPDIR/m.prom")" -ge 2 ]
	# --max-events counts events: a counted row that does not fit is rejected whole, as when grouped
	run --separate-stderr tl-velocity --ungrouped --count-field n --as-of 2025-09-01 --max-events 3 --skip-bad --stats -o csv \
		< <(printf 'learner_id,ts,n\nL1,2025-01-01,2\nL2,2025-01-01,1\nL1,2025-01-02,2\nL1,2025-01-03,1\n')
	assert_success
	assert_equal "$stderr" "tl-velocity: records read 5 = used 4 + future 0 + rejected 1; learners read 2, written 2; rows read 4 = counted 3 + count 0 0 + rejected 1"
}

@test "TCT009: real data: the counted KDD and OULAD imports give what their rows written out give" {
	local t="$BATS_TEST_TMPDIR" K="$REALDATA/kddcup2015_xuetangx"
	import-kddcup2015.sh "$K/truth_train.csv" "$K/trainCourse645.csv" "$K/trainCourse973.csv" 2>/dev/null >"$t/k.csv"
	# written out: one row per event, the count column dropped (the former import)
	awk -F, -v OFS=, 'NR == 1 { $6 = ""; sub(/,,/, ","); print; next } { k = $6; $6 = ""; sub(/,,/, ","); for (i = 0; i < k; i++) print }' "$t/k.csv" >"$t/k.exp"
	[ "$(wc -c <"$t/k.exp")" -gt "$((4 * $(wc -c <"$t/k.csv")))" ]
	want=$(tl-velocity --as-of-field course_as_of "$t/k.exp" | tl-affinity --domains 7 | tl-retention -o csv)
	got=$(tl-velocity --count-field count --as-of-field course_as_of "$t/k.csv" | tl-affinity --domains 7 | tl-retention -o csv)
	[ "$(echo "$got" | wc -l)" -eq 1619 ]
	assert_equal "$got" "$want"
	import-oulad.sh -c 7 "$OULAD/studentVle_AAA2013J_head20000.csv" "$OULAD" 2>/dev/null >"$t/o.csv"
	awk -F, -v OFS=, 'NR == 1 { $6 = ""; sub(/,,/, ","); print; next } { k = $6; $6 = ""; sub(/,,/, ","); for (i = 0; i < k; i++) print }' "$t/o.csv" >"$t/o.exp"
	want=$(tl-velocity --as-of 2000-01-08 "$t/o.exp" | tl-affinity --domains 20 | tl-retention -o csv)
	got=$(tl-velocity --count-field count --as-of 2000-01-08 "$t/o.csv" | tl-affinity --domains 20 | tl-retention -o csv)
	assert_equal "$got" "$want"
}

@test "TCT010: --as-of-field: each learner's as-of from its column, in one pass, as each cohort on its own" {
	local t="$BATS_TEST_TMPDIR"
	tl-loadgen --learners 60 --seed 7 | awk -F, -v OFS=, 'NR == 1 { print $0, "cohort", "cut"; next }
		{ c = substr($1, 8) % 3; print $0, c, c == 0 ? "2025-05-01" : c == 1 ? "2025-07-01T12:00:00Z" : "2025-09-01" }' >"$t/c.csv"
	tl-velocity --as-of-field cut --label "$t/c.csv" | tl-affinity | tl-retention --label -o csv >"$t/one.csv"
	: >"$t/each.csv"
	for c in 0 1 2; do
		cut=$(awk -F, -v c="$c" '$(NF - 1) == c { print $NF; exit }' "$t/c.csv")
		awk -F, -v c="$c" 'NR == 1 || $(NF - 1) == c' "$t/c.csv" | tl-velocity --as-of "$cut" --label | tl-affinity | tl-retention --label -o csv >"$t/c$c.csv"
	done
	# the learners in input order, each with its cohort's results
	got=$(tail -n +2 "$t/one.csv" | sort)
	want=$(tail -q -n +2 "$t/c0.csv" "$t/c1.csv" "$t/c2.csv" | sort)
	assert_equal "$got" "$want"
	[ "$(cut -d, -f1 "$t/one.csv" | tail -n +2 | tr '\n' ' ')" = "$(awk -F, 'NR > 1 && $1 != p { printf "%s ", $1; p = $1 }' "$t/c.csv")" ]
	[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "as_of") c = i; next } { print $c }' "$t/one.csv" | sort -u | wc -l)" -eq 3 ]
	# learner rows and documents carry it too; it beats TL_AS_OF
	run env TL_AS_OF=2020-01-01 tl-score --as-of-field cut -o csv "$t/one.csv"
	assert_success
	run tl-velocity --as-of-field cut "$t/c.csv"
	assert_success
	assert_equal "$(tl-affinity --as-of-field cut -o csv <<<"$output" | tail -n +2 | sort)" "$(tl-affinity -o csv <<<"$output" | tail -n +2 | sort)"
	# read like a ts: day offsets
	printf 'learner_id,ts,capability,day\nL1,-2,a,5\nL1,3,b,5\nL1,6,a,5\nL2,0,a,1\n' >"$t/d.csv"
	run tl-velocity --epoch 2013-10-01 --ts-unit d --as-of-field day -o csv "$t/d.csv"
	assert_success
	assert_equal "$(echo "$output" | awk -F, 'NR > 1 { printf "%s,%s,%s ", $1, $3, $NF }')" "L1,2,2013-10-06T00:00:00Z L2,1,2013-10-02T00:00:00Z "
}

@test "TCT011: --as-of-field: a missing or bad value is FILE:LINE: (exit 65) or a reject; --as-of with it is a usage error" {
	local t="$BATS_TEST_TMPDIR"
	printf 'learner_id,ts,cut\nL1,2025-01-01,\nL1,2025-01-02,2025-02-01\nL2,2025-01-01,soon\n' >"$t/b.csv"
	run --separate-stderr tl-velocity --as-of-field cut -o csv "$t/b.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $t/b.csv:2: no as-of: field 'cut' is empty (--as-of-field)"
	run --separate-stderr tl-velocity --as-of-field cut --skip-bad --stats -o csv "$t/b.csv"
	assert_success
	# L1 starts at its next row; L2 is rejected
	assert_equal "$stderr" "tl-velocity: records read 3 = used 1 + future 0 + rejected 2; learners read 1, written 1"
	assert_equal "$(echo "$output" | awk -F, 'END { print $1 "," $2 "," $NF }')" "L1,2025-02-01,2025-02-01T00:00:00Z"
	printf 'learner_id,ts,cut\nL2,2025-01-01,soon\n' >"$t/b2.csv"
	run --separate-stderr tl-velocity --as-of-field cut "$t/b2.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $t/b2.csv:2: field 'cut' is not a time (--as-of-field): 'soon'"
	run --separate-stderr tl-velocity --as-of-field nope "$t/b.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $t/b.csv:1: no 'nope' column in the header (--as-of-field)"
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\"}\n' | tl-velocity --as-of-field cut"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:1: no 'cut' member (--as-of-field)"
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"cut\":\"2025-01-05\"}\n' | tl-velocity --as-of-field cut -o csv"
	assert_success
	assert_equal "$(echo "$output" | awk -F, 'END { print $NF }')" "2025-01-05T00:00:00Z"
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"events\":[]}\n' | tl-score --as-of-field cut"
	assert_failure 65
	assert_equal "$stderr" "tl-score: -:1: no 'cut' member (--as-of-field)"
	run --separate-stderr tl-velocity --as-of-field cut --as-of 2025-01-01 "$t/b.csv"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --as-of and --as-of-field are two as-ofs: give one"* ]] || { echo "$stderr"; false; }
}

@test "TCT012: real KDD: the 12 courses in one pass with --as-of-field equal 12 passes with each course's --as-of" {
	local t="$BATS_TEST_TMPDIR" K="$REALDATA/kddcup2015_xuetangx" course asof
	import-kddcup2015.sh -w "$t/w.csv" "$K/truth_train.csv" "$K"/trainCourse*.csv 2>/dev/null >"$t/k.csv"
	[ "$(tail -n +2 "$t/w.csv" | wc -l)" -eq 12 ]
	tl-velocity --count-field count --as-of-field course_as_of "$t/k.csv" | tl-affinity --domains 7 | tl-retention -o csv >"$t/one.csv"
	: >"$t/each.csv"
	while IFS=, read -r course _ _ asof _ _; do
		awk -F, -v c="$course" 'NR == 1 || $7 == c' "$t/k.csv" |
			tl-velocity --count-field count --as-of "$asof" | tl-affinity --domains 7 | tl-retention -o csv | tail -n +2 >>"$t/each.csv"
	done < <(tail -n +2 "$t/w.csv")
	[ "$(wc -l <"$t/each.csv")" -eq 15466 ]
	diff -u "$t/each.csv" <(tail -n +2 "$t/one.csv")
}

W="$TESTDATA/worked/worked.csv"   # L1, five events from 2025-01-01 to 2025-01-20

@test "TCT013: warning: every record is after as-of (exit 0), and not when one is at or before it" {
	run --separate-stderr tl-velocity --as-of 2024-12-01 -o csv "$W"
	assert_success
	assert_equal "$stderr" "tl-velocity: warning: every record is after as-of (2024-12-01T00:00:00Z): 5 future records, none used; is the as-of right?"
	[ "${#lines[@]}" -eq 2 ]
	# one event at as-of is enough
	run --separate-stderr tl-retention --as-of 2025-01-01 -o csv "$W"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr tl-affinity --as-of-field cut -o csv < <(sed '1s/$/,cut/; 2,$s/$/,2024-01-01/' "$W")
	assert_success
	assert_equal "$stderr" "tl-affinity: warning: every record is after as-of (each learner's --as-of-field, e.g. 2024-01-01T00:00:00Z): 5 future records, none used; is the as-of right?"
}

@test "TCT014: warning: as-of more than a year after the last event; not at a year or less" {
	run --separate-stderr tl-velocity --as-of 2026-01-21 -o csv "$W"
	assert_success
	assert_equal "$stderr" "tl-velocity: warning: as-of 2026-01-21T00:00:00Z is 366 days after the last event (2025-01-20T00:00:00Z), more than a year; is the as-of right?"
	run --separate-stderr tl-velocity --as-of 2026-01-20 -o csv "$W"
	assert_success
	assert_equal "$stderr" ""
	# the last event of all learners counts: one recent learner is enough
	run --separate-stderr tl-velocity --as-of 2026-06-01 -o csv < <(cat "$W"; echo 'L2,2026-05-01T00:00:00Z,math,algebra,use')
	assert_success
	assert_equal "$stderr" ""
	# the worker threads give the serial warning
	tl-loadgen --learners 2000 --seed 4 --horizon 1d >"$BATS_TEST_TMPDIR/lg.csv"
	TL_THREADS=1 tl-velocity --as-of 2030-01-01 -o csv "$BATS_TEST_TMPDIR/lg.csv" 2>"$BATS_TEST_TMPDIR/e1" >/dev/null
	TL_CHUNK_BYTES=8192 TL_CHUNK_STATS=1 tl-velocity --as-of 2030-01-01 -o csv "$BATS_TEST_TMPDIR/lg.csv" 2>"$BATS_TEST_TMPDIR/e2" >/dev/null
	grep -q 'chunks: [1-9][0-9]* from the workers' "$BATS_TEST_TMPDIR/e2"
	[[ "$(cat "$BATS_TEST_TMPDIR/e1")" == "tl-velocity: warning: as-of 2030-01-01T00:00:00Z is "*" days after the last event ("*"), more than a year; is the as-of right?" ]]
	diff "$BATS_TEST_TMPDIR/e1" <(grep -v chunks: "$BATS_TEST_TMPDIR/e2")
	# the same through TL_AS_OF, and through a document's as_of
	TL_AS_OF=2027-01-01 tl-velocity "$W" 2>/dev/null >"$BATS_TEST_TMPDIR/d.ndjson"
	run --separate-stderr tl-retention -o csv "$BATS_TEST_TMPDIR/d.ndjson"
	assert_success
	assert_equal "$stderr" "tl-retention: warning: as-of 2027-01-01T00:00:00Z is 711 days after the last event (2025-01-20T00:00:00Z), more than a year; is the as-of right?"
}

@test "TCT015: warning: no as-of, so now was used, and the data ends long before; not on recent data" {
	run --separate-stderr tl-velocity -o csv "$W"
	assert_success
	[[ "$stderr" =~ ^"tl-velocity: warning: no as-of was given, so the current time "[0-9T:Z-]+" was used, and the data ends "[0-9]+" days before it (2025-01-20T00:00:00Z): give --as-of"$ ]] || { echo "$stderr"; false; }
	# events of yesterday: no warning
	y=$(date -u -d yesterday +%Y-%m-%dT%H:%M:%SZ)
	run --separate-stderr tl-velocity -o csv < <(printf 'learner_id,ts,capability\nL1,%s,a\n' "$y")
	assert_success
	assert_equal "$stderr" ""
	# learner rows have no events: nothing to compare
	run --separate-stderr tl-score -o csv < <(tl-velocity --as-of 2025-01-29 "$W" | tl-affinity | tl-retention -o csv | sed 's/,2025-01-29T00:00:00Z$/,/')
	assert_success
	assert_equal "$stderr" ""
}

@test "TCT016: warning: tl-retention --fit censored every observation (the default --churn-gap on a 30-day window); not when one stopped" {
	local f="$BATS_TEST_TMPDIR/w30.csv"
	tl-loadgen --learners 50 --start 2025-01-01 --end 2025-01-31 --horizon 1d >"$f"
	run --separate-stderr tl-retention --fit --as-of 2025-01-31 "$f"
	assert_success
	[[ "$stderr" =~ ^"tl-retention: warning: all "[0-9]+" observations were censored (each last use less than --churn-gap 30d before as-of): every half-life is empty; a later as-of or a shorter --churn-gap gives some"$ ]] || { echo "$stderr"; false; }
	[ "$(awk -F, '$3 != 0 && NR > 1' <<<"$output" | wc -l)" -eq 0 ]
	run --separate-stderr tl-retention --fit --churn-gap 7d --as-of 2025-01-31 "$f"
	assert_success
	assert_equal "$stderr" ""
	[ "$(tail -1 <<<"$output" | cut -d, -f3)" -gt 0 ]
	run --separate-stderr tl-retention --fit --as-of 2025-03-01 "$W"
	assert_success
	assert_equal "$stderr" ""
}

@test "TCT017: no warning on the usual pipelines (loadgen, the real KDD extract)" {
	run --separate-stderr bash -o pipefail -c "tl-loadgen --learners 200 --seed 2 | tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention -o csv"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr bash -o pipefail -c "tl-loadgen --learners 200 --seed 2 | tl-retention --fit --as-of 2025-10-01"
	assert_success
	assert_equal "$stderr" ""
	local K="$REALDATA/kddcup2015_xuetangx"
	import-kddcup2015.sh "$K/truth_train.csv" "$K/trainCourse645.csv" 2>/dev/null >"$BATS_TEST_TMPDIR/k.csv"
	run --separate-stderr bash -o pipefail -c "tl-velocity --count-field count --as-of-field course_as_of '$BATS_TEST_TMPDIR/k.csv' | tl-affinity --domains 7 | tl-retention -o csv"
	assert_success
	assert_equal "$stderr" ""
}

@test "TCT018: --count-field with --stats: the count column is per row, never an attribute that varied" {
	f="$BATS_TEST_TMPDIR/lg.csv"
	tl-loadgen --learners 200 --seed 8 >"$f"
	counted "$f"
	run tl-velocity --stats --count-field n --as-of 2025-09-01 "$f.cnt"
	assert_success
	refute_output --partial "varied"
	# an attribute that does vary is still named beside the count
	awk -F, -v OFS=, 'NR == 1 { print $0, "v"; next } { print $0, NR }' "$f.cnt" >"$f.v"
	run tl-velocity --stats --count-field n --as-of 2025-09-01 "$f.v"
	assert_success
	assert_output --partial "attributes varied within a learner 1: v;"
}

@test "TCT020: --as-of-field with --ungrouped: the KDD courses in time order, spilled, in one pass, give what the grouped pass gives" {
	local t="$BATS_TEST_TMPDIR" K="$REALDATA/kddcup2015_xuetangx"
	import-kddcup2015.sh "$K/truth_train.csv" "$K"/trainCourse*.csv 2>/dev/null >"$t/k.csv"
	{ head -1 "$t/k.csv"; tail -n +2 "$t/k.csv" | sort -t, -k2,2 -s; } >"$t/ordered.csv"   # the 12 courses interleaved
	tl-velocity --count-field count --as-of-field course_as_of "$t/k.csv" | tl-retention -o csv | tail -n +2 | sort >"$t/grouped.csv"
	tl-velocity --ungrouped --memory 256K --metrics "$t/m.prom" --count-field count --as-of-field course_as_of "$t/ordered.csv" |
		tl-retention -o csv | tail -n +2 | sort >"$t/ungrouped.csv"
	[ "$(sed -n 's/^tl_sort_runs_spilled{[^}]*} //p' "$t/m.prom")" -ge 2 ]
	[ "$(wc -l <"$t/grouped.csv")" -eq 15466 ]
	diff -u "$t/grouped.csv" "$t/ungrouped.csv"
	# a learner whose first row has a bad as-of starts at its next row, as when grouped; one with no good row is no learner
	printf 'learner_id,ts,capability,cut\nL1,2025-01-02,a,bad\nL2,2025-01-01,a,2025-02-01\nL1,2025-01-03,b,2025-03-01\nL3,2025-01-04,a,x\n' >"$t/b.csv"
	run --separate-stderr tl-velocity --ungrouped --as-of-field cut --skip-bad --stats -o csv "$t/b.csv"
	assert_success
	assert_equal "$(echo "$output" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $1, $c["cut"], $c["interactions"], $c["as_of"] }')" \
		"L1 2025-03-01 1 2025-03-01T00:00:00Z
L2 2025-02-01 1 2025-02-01T00:00:00Z"
	[[ "$stderr" == "tl-velocity: records read 4 = used 2 + future 0 + rejected 2; learners read 2, written 2"* ]] || { echo "$stderr"; false; }
}
