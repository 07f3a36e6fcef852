#!/usr/bin/env bats
# hardening.bats - silent data loss (issue "Hardening", items 1-3): input
# with bare-CR line ends never reads as zero records; an output that is an
# input or another output is refused; --map is one simultaneous renaming.

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

CR_EVENTS='learner_id,ts,capability\rL1,2025-01-01,a\rL2,2025-01-02,b\r'

# limit_mem KB: a "ulimit -v KB; " for bash -c, so that memory that grows
# without bound fails the test; none under ASan (make bats-san), which
# reserves terabytes of address space for its shadow memory.
limit_mem() {
	[ -n "${ASAN_OPTIONS:-}" ] || printf 'ulimit -v %s; ' "$1"
}

@test "HARD001: bare-CR line ends are bad input (65) in every reader, never zero records" {
	local cmd
	for cmd in "tl-velocity --stats" "tl-retention --fit" "tl-score" "tl-eval --truth a --pred b"; do
		run --separate-stderr bash -c "printf '$CR_EVENTS' | $cmd"
		assert_failure 65
		[[ "$stderr" == *"-:1: bad CSV header: a carriage return ends a record inside the line"* ]] ||
			{ echo "$cmd: $stderr"; false; }
	done
	# a bare CR inside a data line is a bad row: rejected and counted
	run --separate-stderr bash -c "printf 'learner_id,ts,capability\nL1,2025-01-01,a\rL2,2025-01-01,b\n' |
		tl-velocity --as-of 2025-06-01 --skip-bad --stats -o csv"
	assert_success
	[[ "$stderr" == *"records read 1 = used 0 + future 0 + rejected 1"* ]] || { echo "$stderr"; false; }
	# CRLF line ends and a CR inside a quoted field still read
	run --separate-stderr bash -c "printf 'learner_id,ts,capability\r\nL1,2025-01-01,\"a\rb\"\r\n' |
		tl-velocity --as-of 2025-06-01 -o csv"
	assert_success
	assert_line --index 1 --partial 'L1,1,1,'
}

@test "HARD002: an output that is an input, or another output, is refused (64) and the input is kept" {
	cd "$BATS_TEST_TMPDIR"
	cp "$TESTDATA/reader/reader-bad.csv" x.csv
	cp x.csv keep.csv
	run --separate-stderr tl-velocity --skip-bad --rejects x.csv x.csv
	assert_failure 64
	assert_equal "$stderr" "tl-velocity: --rejects x.csv is the input x.csv: it would be overwritten
Try 'tl-velocity --help' for more information."
	cmp x.csv keep.csv
	run --separate-stderr tl-velocity --skip-bad --rejects r.csv --output ./r.csv x.csv
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --output ./r.csv and --rejects r.csv are the same file"* ]] || { echo "$stderr"; false; }
	[ ! -e r.csv ]
	# the same file by another name (a link) is the same inode
	ln x.csv alias.csv
	run --separate-stderr tl-velocity --as-of 2025-06-01 --output alias.csv x.csv
	assert_failure 64
	cmp x.csv keep.csv
	# the tools' own outputs are checked too
	run --separate-stderr tl-retention --fit --curves x.csv x.csv
	assert_failure 64
	run --separate-stderr tl-affinity --transfer-pairs p.csv --output p.csv x.csv
	assert_failure 64
	run --separate-stderr tl-score --summary-file s.txt --metrics s.txt "$TESTDATA/score/score-rows.csv"
	assert_failure 64
	cmp x.csv keep.csv
	# devices may be named twice
	run --separate-stderr tl-velocity --as-of 2025-06-01 --skip-bad --output /dev/null --metrics /dev/null x.csv
	assert_success
}

@test "HARD003: --rejects without --skip-bad is a usage error" {
	run --separate-stderr tl-velocity --rejects "$BATS_TEST_TMPDIR/r.csv" "$TESTDATA/worked/worked.csv"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --rejects needs --skip-bad"* ]] || { echo "$stderr"; false; }
	[ ! -e "$BATS_TEST_TMPDIR/r.csv" ]
}

@test "HARD004: --map is one simultaneous renaming, whatever the order of its pairs" {
	local f=$BATS_TEST_TMPDIR/swapped.csv m
	# the ts and capability columns are named the wrong way round
	printf 'learner_id,ts,capability,action\nL1,a,2025-01-01,use\nL1,b,2025-01-02,use\nL1,a,2025-01-03,use\n' >"$f"
	for m in ts=capability,capability=ts capability=ts,ts=capability; do
		run csvf "tl-velocity --as-of 2025-06-01 -o csv --map $m '$f'" interactions adoptions
		assert_output "interactions=3 adoptions=2"
	done
	run --separate-stderr tl-velocity --map ts=a,ts=b "$f"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --map: ts is mapped twice"* ]] || { echo "$stderr"; false; }
}

@test "HARD005: when any output of a run fails, none is published: each tool with each of its side outputs failing" {
	mkdir "$BATS_TEST_TMPDIR/out"
	cd "$BATS_TEST_TMPDIR/out"
	local W=$TESTDATA/worked/worked.csv A=$TESTDATA/abtest/abtest-learners.csv
	local S=$TESTDATA/score/score-rows.csv C=$TESTDATA/score/score-config.json
	local cases=(
		"tl-velocity --as-of 2025-06-01 --metrics /dev/full $W"
		"tl-velocity --as-of 2025-06-01 --skip-bad --rejects /dev/full $TESTDATA/reader/reader-bad.csv"
		"tl-affinity --as-of 2025-06-01 --transfer-pairs /dev/full $W"
		"tl-retention --as-of 2025-06-01 --metrics /dev/full $W"
		"tl-retention --as-of 2025-06-01 --fit --curves /dev/full $W"
		"tl-score --config $C --summary-file /dev/full $S"
		"tl-score --config $C --summary-file /nonexistent/s.txt $S"
		"tl-abtest --metric roi --metrics /dev/full $A"
		"tl-eval --truth archetype --pred archetype --metrics /dev/full $A"
		"tl-model --fit --target roi --kind linear --features pre_roi --metrics /dev/full $A"
	)
	local c
	for c in "${cases[@]}"; do
		rm -f out.csv
		# shellcheck disable=SC2086 # each case is a command line
		run --separate-stderr $c --output out.csv
		[ "$status" -eq 73 ] || [ "$status" -eq 74 ] || { echo "$c: exit $status: $stderr"; false; }
		[ ! -e out.csv ] || { echo "$c: published out.csv"; false; }
	done
	# and the other way round: the main output fails, the side files stay out
	run --separate-stderr tl-velocity --as-of 2025-06-01 --skip-bad --rejects r.csv --metrics m.prom \
		--output /dev/full "$TESTDATA/reader/reader-bad.csv"
	assert_failure 74
	[ ! -e r.csv ]
	# the metrics say the run failed, and why (tl(7) METRICS)
	grep -qx 'tl_run_success{tool="tl-velocity"} 0' m.prom
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 74' m.prom
	# nothing else is left behind: no temporary files
	run ls -A
	assert_output m.prom
}

@test "HARD006: a tampered --merge file is refused (65, file:line), not decided on" {
	local d=$BATS_TEST_TMPDIR
	tl-abtest --metric roi --binary clicked --by archetype --emit-stats "$TESTDATA/abtest/abtest-learners.csv" >"$d/s.csv"
	run --separate-stderr tl-abtest --merge "$d/s.csv"
	assert_success
	# row 3 is the control arm's roi in the first segment (n 10), row 4 its clicked
	sed '3s/,10,1\.857/,18446744073709551615,1.857/' "$d/s.csv" >"$d/huge.csv"
	sed '3s/,10,1\.857/,2.5,1.857/' "$d/s.csv" >"$d/frac.csv"
	sed '3s/,10,1\.857/,11,1.857/' "$d/s.csv" >"$d/over.csv"
	sed '4s/,10,0\.20000000000000004,/,10,0.9,/' "$d/s.csv" >"$d/binary.csv"
	local f
	for f in huge frac over binary; do
		! cmp -s "$d/s.csv" "$d/$f.csv" || { echo "$f: sed changed nothing"; false; }
		run --separate-stderr tl-abtest --gate --merge "$d/$f.csv"
		assert_failure 65
		[[ "$stderr" == "tl-abtest: $d/$f.csv:"[34]": "* ]] || { echo "$f: $stderr"; false; }
	done
	# concatenated files (a header again, each cell twice) still merge
	run --separate-stderr bash -c "cat '$d/s.csv' '$d/s.csv' | tl-abtest --merge"
	assert_success
}

@test "HARD007: an as-of beyond 9999-12-31 is refused at the option (64), not written for the next tool to refuse" {
	run --separate-stderr tl-velocity --as-of 253402300800 "$TESTDATA/worked/worked.csv"
	assert_failure 64
	[[ "$stderr" == *"--as-of: not a timestamp (ISO-8601 or epoch seconds, years 0000 to 9999): '253402300800'"* ]] ||
		{ echo "$stderr"; false; }
	run --separate-stderr tl-velocity --as-of 9999-12-31T23:59:59-01:00 "$TESTDATA/worked/worked.csv"
	assert_failure 64
	# the last second of 9999 is written and read back by the next tool
	run bash -o pipefail -c "tl-velocity --as-of 253402300799 '$TESTDATA/worked/worked.csv' | tl-affinity -o csv"
	assert_success
	assert_line --index 1 --partial '9999-12-31T23:59:59Z'
}

@test "HARD008: tl-retention --fit on input with no observations (UBSan: qsort of no items)" {
	run --separate-stderr bash -c "printf 'learner_id,ts,capability\n' | tl-retention --fit --as-of 2025-01-01"
	assert_success
	assert_output 'capability,learners,stopped,censored,half_life_days,ci_low,ci_high
*,0,0,0,,,'
}

@test "HARD009: a CSV header that names a column twice is bad input (65, file:line), in every tool" {
	run --separate-stderr bash -c "printf 'learner_id,arm,arm,archetype\nL1,a,b,x\n' | tl-eval --truth archetype --pred archetype"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: -:1: duplicate column 'arm'"
	run --separate-stderr bash -c "printf 'learner_id,ts,capability,ts\nL1,2025-01-01,a,2025-01-02\n' | tl-velocity"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:1: duplicate column 'ts'"
	local t
	for t in tl-score tl-affinity tl-retention; do
		run --separate-stderr bash -c "printf 'learner_id,arm,x,arm\nL1,c,1,t\n' | $t"
		assert_failure 65
		assert_equal "$stderr" "$t: -:1: duplicate column 'arm'"
	done
}

@test "HARD010: SIGTERM, SIGINT and SIGHUP remove the temporary files and the tool dies by the signal" {
	mkdir "$BATS_TEST_TMPDIR/sig"
	cd "$BATS_TEST_TMPDIR/sig"
	local sig num pid i rc
	for sig in TERM INT HUP; do
		num=$(kill -l "$sig")
		# (env --default-signal: a background job of a script starts with SIGINT ignored)
		env --default-signal="$sig" tl-loadgen --learners 50000000 --output big.csv &
		pid=$!
		for ((i = 0; i < 100; i++)); do   # wait, at most 10 s, for the temporary file
			compgen -G 'big.csv.tmp*' >/dev/null && break
			sleep 0.1
		done
		compgen -G 'big.csv.tmp*' >/dev/null || { kill -KILL "$pid"; echo "$sig: no temporary file"; false; }
		kill -s "$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq $((128 + num)) ] || { echo "$sig: exit $rc"; false; }
		run ls -A
		assert_output ''
	done
}

@test "HARD011: an option value out of range says so, not 'not a number' (and no duration overflows)" {
	local W=$TESTDATA/worked/worked.csv
	run --separate-stderr tl-velocity --alpha 1e-320 "$W"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --alpha: 1e-320 is too small to represent as a double"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --alpha 1e999 "$W"
	[[ "$stderr" == "tl-velocity: --alpha: 1e999 is too large to represent as a double"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --alpha nan "$W"
	[[ "$stderr" == "tl-velocity: --alpha: not a number: 'nan'"* ]] || { echo "$stderr"; false; }
	run --separate-stderr tl-velocity --period 1e300d "$W"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --period: 1e300d is out of range (at most 1e+12 seconds)"* ]] || { echo "$stderr"; false; }
	# 1e11 days passed the old bound (1e12 before the unit) and overflowed
	run --separate-stderr tl-velocity --period 1e11d "$W"
	assert_failure 64
	run --separate-stderr tl-velocity --period 1e-9s "$W"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --period: 1e-9s is too small to represent (under a microsecond)"* ]] || { echo "$stderr"; false; }
}

@test "HARD012: tl-eval caps the distinct classes (--max-classes, default 1000): a free-text field is a clear error, not gigabytes" {
	local f=$BATS_TEST_TMPDIR/many.csv
	awk 'BEGIN { print "learner_id,t,p"; for (i = 0; i < 1500; i++) printf "L%d,c%d,c%d\n", i, i, i % 7 }' >"$f"
	run --separate-stderr tl-eval --truth t --pred p "$f"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $f:1002: learner 'L1000': more than 1000 classes (--max-classes): are 't' and 'p' free text?"
	run --separate-stderr tl-eval --truth t --pred p --max-classes 1500 --format json "$f"
	assert_success
	run --separate-stderr tl-eval --truth t --pred p --max-classes 1 "$f"
	assert_failure 64
}

@test "HARD013: a key given twice in a JSON object tl reads is bad input (65, file:line), in documents and event NDJSON" {
	local E='{"learner_id":"L1","ts":"2025-01-01","capability":"a"}'
	run --separate-stderr bash -c "printf '%s\n%s\n' '$E' '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"ts\":\"2025-02-01\"}' | tl-velocity"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:2: duplicate key 'ts'"
	# an attribute of an event line, an escaped spelling of the same key
	run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"arm\":\"a\",\"ts\":\"2025-01-01\",\"\\u0061rm\":\"b\"}' | tl-affinity"
	assert_failure 65
	assert_equal "$stderr" "tl-affinity: -:1: duplicate key 'arm'"
	# documents: tl-eval, tl-score and tl-abtest read attributes, tl-velocity the events
	local t
	for t in "tl-eval --truth arm --pred arm" "tl-score" "tl-abtest --metric x"; do
		run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"arm\":\"a\",\"x\":1,\"arm\":\"b\"}' | $t"
		assert_failure 65
		assert_equal "$stderr" "${t%% *}: -:1: duplicate key 'arm'"
	done
	run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"events\":[{\"ts\":\"2025-01-01\"},{\"ts\":\"2025-01-02\",\"capability\":\"a\",\"capability\":\"b\"}]}' | tl-velocity"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:1: event 2: duplicate key 'capability'"
	# a wide object (sorted, not compared pairwise) with its duplicate last
	awk 'BEGIN { printf "{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\""; for (i = 0; i < 5000; i++) printf ",\"k%d\":1", i; print ",\"k17\":2}" }' >"$BATS_TEST_TMPDIR/wide.ndjson"
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/wide.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/wide.ndjson:1: duplicate key 'k17'"
	# --skip-bad rejects the record and counts it; distinct keys and nested objects (copied, not read) pass
	run --separate-stderr bash -c "printf '%s\n%s\n' '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"ts\":\"2025-01-01\"}' '$E' |
		tl-velocity --as-of 2025-06-01 --skip-bad --stats -o csv"
	assert_success
	[[ "$stderr" == *"records read 2 = used 1 + future 0 + rejected 1"* ]] || { echo "$stderr"; false; }
	run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"n\":{\"a\":1,\"a\":2},\"events\":[]}' | tl-velocity --as-of 2025-06-01"
	assert_success
}

@test "HARD014: input that is not UTF-8, or a lone surrogate escape, is bad input (65, file:line): every NDJSON line tl writes is UTF-8 JSON" {
	local H='learner_id,ts,capability\n' b
	# \xff, a truncated sequence, an overlong '/', an encoded surrogate, above U+10FFFF
	for b in '\xff' '\xc3(' '\xc0\xaf' '\xed\xa0\x80' '\xf4\x90\x80\x80'; do
		run --separate-stderr bash -c "printf '${H}L1,2025-01-01,a$b\n' | tl-velocity"
		assert_failure 65
		[[ "$stderr" == "tl-velocity: -:2: invalid UTF-8 at byte 16 "* ]] || { echo "$b: $stderr"; false; }
		# the fast path and libcsv agree
		run --separate-stderr bash -c "printf '${H}L1,2025-01-01,a$b\n' | TL_CSV_SLOW=1 tl-velocity"
		assert_failure 65
	done
	# in a quoted field over two lines, in the header, in learner rows
	run --separate-stderr bash -c "printf '${H}L1,2025-01-01,\"a\n\xff\"\n' | tl-velocity"
	assert_failure 65
	[[ "$stderr" == "tl-velocity: -:2: invalid UTF-8 at byte 18 (byte 0xFF)" ]] || { echo "$stderr"; false; }
	run --separate-stderr bash -c "printf 'learner_id,ts,c\xffp\n' | tl-velocity"
	assert_failure 65
	[[ "$stderr" == "tl-velocity: -:1: bad CSV header: invalid UTF-8 at byte 16 (byte 0xFF)" ]] || { echo "$stderr"; false; }
	run --separate-stderr bash -c "printf 'learner_id,arm\nL1,\xfe\n' | tl-score"
	assert_failure 65
	# NDJSON: a raw byte, and lone surrogates in events and in documents
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"capability\":\"\xff\"}\n' | tl-velocity"
	assert_failure 65
	local j
	for j in '"\ud800"' '"\udc00x"' '"\ud800\u0041"'; do
		run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"capability\":$j}' | tl-velocity"
		assert_failure 65
		run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"note\":$j,\"events\":[]}' | tl-affinity"
		assert_failure 65
	done
	# --skip-bad rejects and counts the row; valid UTF-8 and surrogate pairs pass unchanged
	run --separate-stderr bash -c "printf '${H}L1,2025-01-01,\xff\nL1,2025-01-02,\xc3\xa9\xf0\x9f\x98\x80\n' |
		tl-velocity --as-of 2025-06-01 --skip-bad --stats"
	assert_success
	[[ "$stderr" == *"records read 2 = used 1 + future 0 + rejected 1"* ]] || { echo "$stderr"; false; }
	[[ "$output" == *'"capability":"'$'\xc3\xa9\xf0\x9f\x98\x80''"'* ]] || { echo "$output"; false; }
	run --separate-stderr bash -c "printf '%s\n' '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\",\"capability\":\"\\ud83d\\ude00\"}' | tl-velocity --as-of 2025-06-01 -o csv"
	assert_success
	assert_line --index 1 --partial 'L1,1,1,'
	# side files: a --merge stats file
	printf 'by,segment,arm,metric,kind,covariate,n,mean,m2,mean_x,m2_x,c_xy\n,,contr\xffl,,learners,,32,,,,,\n' >"$BATS_TEST_TMPDIR/s.csv"
	run --separate-stderr tl-abtest --merge "$BATS_TEST_TMPDIR/s.csv"
	assert_failure 65
	[[ "$stderr" == "tl-abtest: $BATS_TEST_TMPDIR/s.csv:2: invalid UTF-8 at byte 8" ]] || { echo "$stderr"; false; }
	# and a tl-score config (cJSON would copy the byte into a string)
	sed '1s/{/{"description": "\xff",/' "$TESTDATA/score/score-config.json" >"$BATS_TEST_TMPDIR/c.json"
	run --separate-stderr tl-score --config "$BATS_TEST_TMPDIR/c.json" "$TESTDATA/score/score-rows.csv"
	assert_failure 65
	[[ "$stderr" == "tl-score: $BATS_TEST_TMPDIR/c.json: line 1, column 18: invalid UTF-8" ]] || { echo "$stderr"; false; }
}

@test "HARD015: an unterminated quote stops as soon as the open field passes --max-field, not at the end of the input" {
	# an endless input after the open quote: before, libcsv swallowed it all
	run --separate-stderr timeout 10 bash -c "{ printf 'learner_id,ts,capability\nL1,2025-01-01,\"open\n'; yes 'L1,2025-01-01,a'; } |
		tl-velocity --max-field 1000"
	assert_failure 65
	[[ "$stderr" == "tl-velocity: -:2: bad CSV: a quoted field is longer than --max-field (unterminated quote?): 'L1,2025-01-01,\"open?L1"* ]] ||
		{ echo "$stderr"; false; }
	# with --skip-bad the record is rejected and the reading goes on
	run --separate-stderr timeout 10 bash -c "{ printf 'learner_id,ts,capability\nL1,2025-01-01,\"open\n'; yes 'L1,2025-01-01,a' | head -200000; } |
		tl-velocity --max-field 1000 --skip-bad --stats --as-of 2025-06-01 -o csv"
	assert_success
	[[ "$stderr" == *"rejected 1;"* ]] || { echo "$stderr"; false; }
	# a quoted field within --max-field still spans lines
	run --separate-stderr bash -c "printf 'learner_id,ts,capability\nL1,2025-01-01,\"a\nb\"\n' | tl-velocity --as-of 2025-06-01 -o csv"
	assert_success
	assert_line --index 1 --partial 'L1,1,1,'
}

@test "HARD016: a line is bounded by --max-field x columns, and a long line from a pipe is read in linear time" {
	# /dev/zero has no line end: it stops at once, in bounded memory
	run --separate-stderr bash -c "$(limit_mem 400000)timeout 10 tl-velocity /dev/zero"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: /dev/zero: binary input, not text (a NUL byte at byte 1): tl reads CSV, TSV and NDJSON, plain, gzip or zstd"
	# text without a line end stops at the header's limit
	run --separate-stderr bash -c "$(limit_mem 400000)timeout 10 tl-velocity <(tr '\\0' x < /dev/zero)"
	assert_failure 65
	[[ "$stderr" == "tl-velocity: /dev/fd/"*":1: a line is longer than 4194304 bytes (a CSV header: 64 x --max-field; not CSV?)" ]] || { echo "$stderr"; false; }
	# after a header of 3 columns, a row longer than any row of 3 fields within --max-field
	run --separate-stderr bash -c "$(limit_mem 400000){ printf 'learner_id,ts,capability\n'; cat /dev/zero; } | timeout 10 tl-velocity --max-field 1000"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:2: a line is longer than 6009 bytes (3 columns x (2 x --max-field + 3): no row fits)"
	# an NDJSON line may be longer (a learner document holds its events), within 4096 x --max-field
	run --separate-stderr bash -c "{ printf '{\"learner_id\":\"L1\",\"x\":\"'; cat /dev/zero; } | timeout 10 tl-score --max-field 100000"
	assert_failure 65
	assert_equal "$stderr" "tl-score: -:1: a line is longer than 409600000 bytes (an NDJSON line: 4096 x --max-field)"
	# the longest row that fits is read: 3 quoted fields of --max-field bytes, each quote doubled
	local f=$BATS_TEST_TMPDIR/wide.csv q
	q=$(printf '%*s' 500 '' | tr ' ' '"')
	printf 'learner_id,ts,capability\n"L%s%s",2025-01-01,"%s%s"\n' "$q" "${q:0:498}" "$q" "$q" >"$f"
	run --separate-stderr tl-velocity --max-field 500 --as-of 2025-06-01 -o csv "$f"
	assert_success
	# 150 MB in one line through a pipe: before, memchr restarted at the line's start after every read (1.2 s of
	# CPU, 12 times the same bytes in short lines); judged against the same bytes in 150,000 lines of the same
	# learner, read by the same build (ASan's or not), so the bound is a ratio, not a time
	TIMEFORMAT=%U
	local cpu base
	cpu=$( { printf 'learner_id,ts,capability\nL1,2025-01-01,'; head -c 150000000 /dev/zero | tr '\0' a; echo; } |
		{ time tl-velocity --max-field 200000000 -o csv --as-of 2025-06-01 >/dev/null; } 2>&1 )
	base=$( { printf 'learner_id,ts,capability\n'; head -c 150000000 /dev/zero | tr '\0' a | fold -w 1000 | sed 's/^/L1,2025-01-01,/'; } |
		{ time tl-velocity --max-field 200000000 -o csv --as-of 2025-06-01 >/dev/null; } 2>&1 )
	echo "tl-velocity: $cpu s of CPU for one line, $base s for short lines" >&2
	awk -v c="$cpu" -v b="$base" 'BEGIN { exit !(c < 3 * b + 0.05) }' || { echo "took $cpu s of CPU against $base"; false; }
}

@test "HARD017: side files stop at 64 MiB (tl-model stats files: their lines), /dev/zero is bad input, 65, in bounded memory; and a large --merge is checked in n log n" {
	local W=$TESTDATA/worked/worked.csv c
	local cases=(
		"tl-abtest --merge /dev/zero|tl-abtest: /dev/zero:1: longer than 67108864 bytes, the limit of a side file"
		"tl-retention --model /dev/zero $W|tl-retention: /dev/zero:1: longer than 67108864 bytes, the limit of a side file"
		"tl-score --config /dev/zero $TESTDATA/score/score-rows.csv|tl-score: config /dev/zero: longer than 67108864 bytes, the limit of a side file"
		"tl-model --model /dev/zero $TESTDATA/abtest/abtest-learners.csv|tl-model: /dev/zero: File too large"
		"tl-model --merge --state /dev/zero $W|tl-model: /dev/zero: File too large"
		# a stats file has no size limit (its last pass holds a record per learner), a line has
		"tl-model --merge /dev/zero|tl-model: /dev/zero:1: a line longer than 67108864 bytes"
	)
	for c in "${cases[@]}"; do
		run --separate-stderr bash -c "$(limit_mem 400000)timeout 10 ${c%%|*}"
		assert_failure 65
		assert_equal "$stderr" "${c#*|}"
	done
	# 100,000 stats rows (25,000 segments): the consistency check was quadratic (over 20 s)
	awk 'BEGIN { print "by,segment,arm,metric,kind,covariate,n,mean,m2,mean_x,m2_x,c_xy"
		for (i = 0; i < 25000; i++) for (a = 0; a < 2; a++) {
			arm = a ? "treatment" : "control"
			printf "g,s%d,%s,,learners,,10,,,,,\ng,s%d,%s,roi,numeric,,10,1.%d,2,0,0,0\n", i, arm, i, arm, 5 + a } }' >"$BATS_TEST_TMPDIR/big.csv"
	local t=5   # seconds (ASan is slower)
	[ -z "${ASAN_OPTIONS:-}" ] || t=60
	run --separate-stderr bash -c "timeout $t tl-abtest --merge '$BATS_TEST_TMPDIR/big.csv' >/dev/null"
	assert_success
	# and still names the first bad row in file order
	sed -i '69999s/,10,1\.5,/,11,1.5,/' "$BATS_TEST_TMPDIR/big.csv"
	run --separate-stderr bash -c "timeout $t tl-abtest --merge '$BATS_TEST_TMPDIR/big.csv' >/dev/null"
	assert_failure 65
	[[ "$stderr" == "tl-abtest: $BATS_TEST_TMPDIR/big.csv:69999: n 11 of 'roi' exceeds the 10 learners of arm 'control'" ]] || { echo "$stderr"; false; }
}

@test "HARD018: tl-affinity is linear in a learner's domains: best_pair in O(D), and the --transfer-pairs table capped at 100,000 pairs with an (other) row" {
	local f=$BATS_TEST_TMPDIR/d80k.csv p=$BATS_TEST_TMPDIR/pairs.csv
	awk 'BEGIN { print "learner_id,ts,domain,capability"; for (i = 79999; i >= 0; i--) printf "L1,2025-01-01,d%05d,c%d\n", i, i }' >"$f"
	# 80,000 domains, every product 1: the smallest names win (before: 39 s)
	run --separate-stderr timeout 5 tl-affinity --as-of 2025-02-01 -o csv "$f"
	assert_success
	assert_line --index 1 --partial ',80000,0,0.999988,d00000>d00001,'
	# 5,000 domains are 24,995,000 pairs (before: 2.75 GB and 35 s)
	head -5001 "$f" >"$BATS_TEST_TMPDIR/d5k.csv"
	run --separate-stderr bash -c "$(limit_mem 600000)timeout 10 tl-affinity --as-of 2025-02-01 --transfer-pairs '$p' '$BATS_TEST_TMPDIR/d5k.csv' >/dev/null"
	assert_success
	run wc -l <"$p"
	assert_output 100002
	run tail -1 "$p"
	assert_output '(other),1,24895000,0.99599919983996799'
	# the rows in the table are exact: a second learner adds to them
	{ cat "$BATS_TEST_TMPDIR/d5k.csv"; printf 'L2,2025-01-01,d79999,x\nL2,2025-01-01,d79998,y\n'; } >"$BATS_TEST_TMPDIR/two.csv"
	run --separate-stderr tl-affinity --as-of 2025-02-01 --transfer-pairs "$p" "$BATS_TEST_TMPDIR/two.csv"
	assert_success
	run grep -c -e '^d79999>d79998,2,2,' -e '^d79998>d79999,2,2,' "$p"
	assert_output 2
	# a small table has no (other) row
	run --separate-stderr tl-affinity --as-of 2025-06-01 --transfer-pairs "$p" "$TESTDATA/worked/worked.csv"
	assert_success
	run grep -c '^(other)' "$p"
	assert_output 0
}

@test "HARD019: a config of 100,000 rules is read and checked in linear time (before: over 20 s)" {
	local c=$BATS_TEST_TMPDIR/rules.json w=$BATS_TEST_TMPDIR/weights.json
	local head='{"algo_version":"big","domains":8,"churn_weights":{"retention_strength":0.7,"velocity_momentum":0.3},'
	# distinct fields and distinct archetypes, one rule each (5,000 under ASan: tl_run_gauge grows its
	# array one gauge at a time, and ASan's realloc copies)
	local n=100000
	[ -z "${ASAN_OPTIONS:-}" ] || n=5000
	awk -v h="$head" -v n=$n 'BEGIN { printf "%s\"score_weights\":{\"velocity\":1},\"rules\":[", h
		for (i = 0; i < n; i++) printf "{\"archetype\":\"a%d\",\"multiplier\":1,\"when\":[[\"f%d\",\">\",%d]]},", i, i, i
		print "{\"archetype\":\"generalist\",\"multiplier\":1}]}" }' >"$c"
	run --separate-stderr bash -c "printf 'learner_id\n' | timeout 20 tl-score --config '$c'"
	assert_success
	# 50,000 score weights, the last one a duplicate: found by sorting, not n^2 comparisons
	awk -v h="$head" 'BEGIN { printf "%s\"rules\":[{\"archetype\":\"g\",\"multiplier\":1}],\"score_weights\":{", h
		for (i = 0; i < 50000; i++) printf "\"w%d\":1,", i
		print "\"w17\":2}}" }' >"$w"
	run --separate-stderr bash -c "printf 'learner_id\n' | timeout 20 tl-score --config '$w'"
	assert_failure 65
	assert_equal "$stderr" "tl-score: $w: \$.score_weights: duplicate key \"w17\""
}

@test "HARD020: one number rule for every record field and side file; model files and configs checked" {
	local d=$BATS_TEST_TMPDIR S=$TESTDATA/score/score-rows.csv A=$TESTDATA/abtest/abtest-learners.csv v t
	# a record field: every tool that reads numbers refuses the same values
	for v in inf nan 0x10 ' 4' '4 ' 1e999 1e-400; do
		sed "2s/^\([^,]*\),[^,]*,/\1,$v,/" "$S" >"$d/s.csv"
		run --separate-stderr tl-score --config "$TESTDATA/score/score-config.json" "$d/s.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-score: $d/s.csv:2: learner 'A1': field 'velocity' is not a number: '$v'"
		sed "2s/,1\.82,/,$v,/" "$A" >"$d/a.csv"
		for t in "tl-abtest --metric roi" "tl-model --fit --target roi --kind linear --features pre_roi --features roi"; do
			# shellcheck disable=SC2086 # t is a command line
			run --separate-stderr $t "$d/a.csv"
			assert_failure 65
			[[ "$stderr" == "${t%% *}: $d/a.csv:2: learner 'A001': field 'roi' is not a number: '$v'" ]] || { echo "$t: $v: $stderr"; false; }
		done
	done
	# and these are numbers
	for v in 4 -4.5 .5 5. 1e3 +2; do
		sed "2s/,1\.82,/,$v,/" "$A" >"$d/a.csv"
		run --separate-stderr tl-abtest --metric roi "$d/a.csv"
		assert_success
	done
	# side files: a --merge stats file, a duration option
	tl-abtest --metric roi --emit-stats "$A" >"$d/st.csv"
	for v in 0x1.8p0 inf ' 1.5'; do
		sed "3s/,1\.5428125000000001,/,$v,/" "$d/st.csv" >"$d/bad.csv"
		! cmp -s "$d/st.csv" "$d/bad.csv" || { echo "sed changed nothing"; false; }
		run --separate-stderr tl-abtest --merge "$d/bad.csv"
		assert_failure 65
		assert_equal "$stderr" "tl-abtest: $d/bad.csv:3: bad mean: '$v'"
	done
	run --separate-stderr tl-velocity --period 0x10d "$TESTDATA/worked/worked.csv"
	assert_failure 64
	# model files: another format, a key twice, a feature twice
	tl-model --fit --target roi --kind linear --features pre_roi --output "$d/m.json" "$A"
	sed 's/"tl-model 1"/"tl-model 2"/' "$d/m.json" >"$d/m2.json"
	sed 's/"kind": "linear"/"kind": "linear", "kind": "logistic"/' "$d/m.json" >"$d/mk.json"
	sed 's/^\(    {"spec":"pre_roi".*}\)$/\1,\n\1/' "$d/m.json" >"$d/mf.json"
	# a learner count out of a long's range (fuzz_sidefiles: UBSan on the conversion), negative, or a fraction
	sed 's/"n": [0-9]*/"n": 6.6666666666666666e+74/' "$d/m.json" >"$d/mn.json"
	sed 's/"n": [0-9]*/"n": -3/' "$d/m.json" >"$d/mn2.json"
	sed 's/"n": [0-9]*/"n": 2.5/' "$d/m.json" >"$d/mn3.json"
	sed 's/"missing":0/"missing":1e300/' "$d/m.json" >"$d/mm.json"
	local want=("'format' is not \"tl-model 1\" (a model this tl-model cannot read)" "duplicate key 'kind'"
		"features[1]: 'pre_roi' is given twice" "'n' is not a count: 6.66667e+74"
		"'n' is not a count: -3" "'n' is not a count: 2.5" "features[0]: 'missing' is not a count: 1e+300")
	local k f names=(m2 mk mf mn mn2 mn3 mm)
	for k in 0 1 2 3 4 5 6; do   # (not i: bats' run uses it)
		f=${names[k]}
		! cmp -s "$d/m.json" "$d/$f.json" || { echo "$f: sed changed nothing"; false; }
		run --separate-stderr tl-model --model "$d/$f.json" "$A"
		assert_failure 65
		assert_equal "$stderr" "tl-model: $d/$f.json: bad model: ${want[k]}"
	done
	# a config: a raw NUL in a string, and a number JSON does not have
	sed 's/"test1"/"te\x00st1"/' "$TESTDATA/score/score-config.json" >"$d/nul.json"
	sed 's/"domains": 8/"domains": +8/' "$TESTDATA/score/score-config.json" >"$d/plus.json"
	for f in nul plus; do
		! cmp -s "$TESTDATA/score/score-config.json" "$d/$f.json" || { echo "$f: sed changed nothing"; false; }
		run --separate-stderr tl-score --config "$d/$f.json" "$S"
		assert_failure 65
		[[ "$stderr" == "tl-score: $d/$f.json: "* ]] || { echo "$f: $stderr"; false; }
	done
}

@test "HARD021: the fuzzers' findings: a quote after a bare CR, a backslash before a NUL in a JSON string, 14-digit epochs" {
	# libcsv ended the record at the CR and began another with the quote: the fast path read 'a' and
	# dropped '"b' (exit 0), libcsv then swallowed the next lines
	local in='learner_id,ts,capability\nL1,2025-01-01,a\r"b\nL1,2025-01-02,c\n' slow
	for slow in 0 1; do
		run --separate-stderr bash -c "printf '$in' | TL_CSV_SLOW=$slow tl-velocity --as-of 2025-06-01"
		assert_failure 65
		[[ "$stderr" == "tl-velocity: -:2: bad CSV: a carriage return ends a record inside the line"* ]] || { echo "$stderr"; false; }
		run --separate-stderr bash -c "printf '$in' | TL_CSV_SLOW=$slow tl-velocity --as-of 2025-06-01 --skip-bad --stats -o csv"
		assert_success
		[[ "$stderr" == *"records read 2 = used 1 + future 0 + rejected 1"* ]] || { echo "$slow: $stderr"; false; }
	done
	# "\<NUL>" passed the scanner (strchr finds the NUL) and a document was copied out with it
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"x\":\"a\\\\\0b\",\"events\":[]}\n' | tl-velocity --as-of 2025-06-01"
	assert_failure 65
	[[ "$stderr" == "tl-velocity: -:1: bad JSON value: "* ]] || { echo "$stderr"; false; }
	# (UBSan) 15 digits of epoch seconds overflowed the microseconds: 18446744073710 wrapped to 1970
	run --separate-stderr tl-velocity --as-of 18446744073710 "$TESTDATA/worked/worked.csv"
	assert_failure 64
	run --separate-stderr bash -c "printf 'learner_id,ts\nL1,18446744073710\n' | tl-velocity --as-of 2025-01-01"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:2: bad timestamp '18446744073710' (outside the years 0000 to 9999 in seconds; see --ts-unit)"
}

@test "HARD022: the findings of fuzz_reader: --stats on events without attributes, a bad first JSON line under --skip-bad" {
	# (UBSan, make bats-san) --stats passed memset a NULL table when no learner had attributes
	run --separate-stderr bash -c "printf '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\"}\n{\"learner_id\":\"L1\",\"ts\":\"2025-01-02\"}\n' |
		tl-velocity --as-of 2025-06-01 --stats -o csv"
	assert_success
	[[ "$stderr" == *"records read 2 = used 2 + future 0 + rejected 0"* ]] || { echo "$stderr"; false; }
	# (ASan) a varied column whose name holds a NUL was copied by strndup, short, and compared
	# at full length: tests/fuzz/seeds/reader/finding-nul-column (make fuzz-check)
	# a bad first line decided the shape: with no ts key seen, the event lines after it were
	# read as learner documents, one learner per line (2 here instead of 1)
	local f=$BATS_TEST_TMPDIR/bad-first.ndjson
	printf '{"learner_id":"L1","ts":n}\n{"learner_id":"L1","ts":"2025-01-02","capability":"a","action":"use"}\n{"learner_id":"L1","ts":"2025-01-03","capability":"b","action":"use"}\n' >"$f"
	run --separate-stderr tl-export --redis --skip-bad --stats "$f"
	assert_success
	assert_equal "${stderr##*$'\n'}" "tl-export: records read 3 = used 2 + future 0 + rejected 1; learners read 1, written 1"
	# every line bad: nothing read, all of it rejected
	run --separate-stderr bash -c "printf '{bad\n{bad2\n' | tl-velocity --as-of 2025-06-01 --skip-bad --stats"
	assert_success
	[[ "$stderr" == *"records read 2 = used 0 + future 0 + rejected 2; learners read 0, written 0"* ]] || { echo "$stderr"; false; }
}

@test "HARD023: the findings of fuzz_stats: a NUL in a stats file's arm name, statistics that overflow when merged" {
	local d=$BATS_TEST_TMPDIR h='by,segment,arm,metric,kind,covariate,n,mean,m2,mean_x,m2_x,c_xy'
	# strndup cut 'con<NUL>x' to 'con': two arms became one, silently
	printf '%s\n,,control,,learners,,20,,,,,\n,,con\0x,,learners,,20,,,,,\n' "$h" >"$d/nul.csv"
	run --separate-stderr tl-abtest --merge "$d/nul.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-abtest: $d/nul.csv:3: bad arm: a NUL byte"
	# two means of 1e308 and -1e308 merged to an m2 of inf, which --emit-stats wrote and --merge then refused
	printf '%s\n,,control,,learners,,20,,,,,\n,,control,roi,numeric,,10,1e308,0,0,0,0\n,,control,roi,numeric,,10,-1e308,0,0,0,0\n,,t,,learners,,20,,,,,\n,,t,roi,numeric,,20,1,1,0,0,0\n' "$h" >"$d/big.csv"
	run --separate-stderr tl-abtest --merge --emit-stats "$d/big.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-abtest: $d/big.csv:4: 'roi': the statistics overflow when merged"
}

@test "HARD024: names that share their first 8 bytes (ids 'learner0000001', xAPI activity URLs) intern in linear time, not one hash chain" {
	# the hash was of the first 8 bytes only: 200,000 such ids took 62 s (quadratic; here 400,000)
	# under --ungrouped and 0.2 s after the fix; the bound is a hang guard
	# two orders of magnitude above the fixed time, not a timing test
	cd "$BATS_TEST_TMPDIR"
	awk 'BEGIN { print "learner_id,ts,capability"; for (i = 0; i < 400000; i++) printf "learner%07d,2025-01-%02d,c\n", (i * 7919) % 1000003, 1 + i % 28 }' >ids.csv
	run timeout 60 tl-velocity --ungrouped --as-of 2025-02-01 -o csv ids.csv
	assert_success
	[ "$(echo "$output" | tail -n +2 | wc -l)" -eq 400000 ]
	# one learner, 200,000 capabilities under one long URL prefix (grouped)
	awk 'BEGIN { print "learner_id,ts,capability,action"; for (i = 0; i < 200000; i++) printf "L1,2025-01-%02d,https://lms.example.org/courses/c1/activities/%07d,use\n", 1 + i % 28, i }' >caps.csv
	run timeout 60 tl-velocity --as-of 2025-02-01 -o csv caps.csv
	assert_success
	[ "$(echo "$output" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "adoptions") c = i; next } { print $c }')" = 200000 ]
}

@test "HARD025: a document's numeric learner_id is written as the string it is read as, as event rows write it (fuzz_reader)" {
	cd "$BATS_TEST_TMPDIR"
	printf '{"learner_id":40,"events":[{"ts":"2025-01-01"}],"z":1}\n{"learner_id":"41","events":[{"ts":"2025-01-02"}]}\n' >d.ndjson
	printf '{"learner_id":40,"ts":"2025-01-01","z":1}\n{"learner_id":"41","ts":"2025-01-02"}\n' >e.ndjson
	run tl-velocity --as-of 2025-02-01 d.ndjson
	assert_success
	assert_equal "$(echo "$output" | jq -r '.learner_id | type' | sort -u)" string
	# the same learners from event lines give the same ids
	assert_equal "$(echo "$output" | jq -c '[.learner_id, .z]')" "$(tl-velocity --as-of 2025-02-01 e.ndjson | jq -c '[.learner_id, .z]')"
	# and a document without events (a tool that reads rows)
	run bash -c "printf '{\"learner_id\":7,\"events\":[],\"x\":1}\n' | tl-retention --as-of 2025-02-01"
	assert_success
	assert_equal "$(echo "$output" | jq -r '.learner_id | type')" string
}
