#!/usr/bin/env bats
# extsort.bats - --ungrouped as an external sort (record/reader_ungrouped.c
# over util/extsort.c): a small --memory that spills many runs (and needs
# merge passes) gives the same bytes as the default, which sorts in
# memory, on time-ordered event CSV and NDJSON and on real OULAD and KDD
# Cup logs; --stats still accounts for every row; the scratch file is gone
# after SIGINT and SIGTERM; an unusable TMPDIR and a full disk are errors
# with their exit status; --memory's values and its need of --ungrouped.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-07-01T00:00:00Z)

# by_time FILE: FILE's rows in time order (a stable sort on ts, column 2),
# its header first: a log as it comes, learners interleaved. by_id FILE:
# its rows grouped as sort(1) groups them, in the byte order of learner_id
# (LC_ALL=C: test_helper).
by_time() { { head -n 1 "$1"; tail -n +2 "$1" | sort -t, -k2,2 -s; }; }
by_id() { { head -n 1 "$1"; tail -n +2 "$1" | sort -t, -k1,1 -s; }; }

setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 800 --seed 3 >"$d/grouped.csv"
	by_time "$d/grouped.csv" >"$d/ev.csv"
	tl-loadgen -f ndjson --learners 800 --seed 3 | sort -t'"' -k8,8 -s >"$d/ev.ndjson"
}

# spilled M: the runs spilled in the last run_pair's small-memory run
# (from its --metrics), at least M; passes M: its merge passes, at least M.
spilled() { local n; n=$(sed -n 's/^tl_sort_runs_spilled{[^}]*} //p' "$BATS_TEST_TMPDIR/m.prom"); [ "${n:-0}" -ge "$1" ] || { echo "spilled '$n' < $1" >&2; return 1; }; }
passes() { local n; n=$(sed -n 's/^tl_sort_merge_passes{[^}]*} //p' "$BATS_TEST_TMPDIR/m.prom"); [ "${n:-0}" -ge "$1" ] || { echo "passes '$n' < $1" >&2; return 1; }; }

# run_pair MEM CMD...: CMD --ungrouped with the default --memory and with
# --memory MEM (with --metrics, see spilled); stdout, stderr and the exit
# status must be the same, and the default run must not have spilled.
run_pair() {
	local mem=$1 d=$BATS_TEST_TMPDIR rs=0 rm=0
	shift
	"$@" --ungrouped --metrics "$d/d.prom" >"$d/d.out" 2>"$d/d.err" || rs=$?
	"$@" --ungrouped --memory "$mem" --metrics "$d/m.prom" >"$d/m.out" 2>"$d/m.err" || rm=$?
	[ "$rs" -eq "$rm" ] || { echo "exit $rs with the default --memory, $rm with $mem" >&2; return 1; }
	cmp "$d/d.out" "$d/m.out" || { diff "$d/d.out" "$d/m.out" | head -5 >&2; return 1; }
	diff "$d/d.err" "$d/m.err" >&2 || return 1
	grep -qx 'tl_sort_runs_spilled{tool="[a-z-]*"} 0' "$d/d.prom" || { grep tl_sort "$d/d.prom" >&2; return 1; }
	[ -s "$d/d.out" ] || { echo "no output" >&2; return 1; }
	status=$rs
}

@test "EXS001: event CSV in time order: many spilled runs give the default's bytes, in every tool and both outputs" {
	local f=$BATS_FILE_TMPDIR/ev.csv
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv "$f"
	spilled 20
	passes 1
	run_pair 64K tl-velocity "${ASOF[@]}" "$f"   # documents: each event's ts text and domain too
	spilled 20
	# the day only: a learner's events of one day tie on ts, so input order
	# decides their order in the document, and which use is the adoption
	cut -d, -f1 "$f" | paste -d, - <(cut -d, -f2- "$f" | sed 's/T[0-9:]*Z//') >"$BATS_TEST_TMPDIR/day.csv"
	run_pair 64K tl-velocity "${ASOF[@]}" "$BATS_TEST_TMPDIR/day.csv"
	spilled 20
	run_pair 256K tl-affinity "${ASOF[@]}" -o csv "$f"
	spilled 5
	run_pair 64K tl-retention "${ASOF[@]}" -o csv "$f"
	spilled 20
	# and the learners are those of the grouped input, in the byte order of
	# their ids: what a stable sort by learner_id in front of the tool gives
	tl-velocity "${ASOF[@]}" -o csv "$BATS_FILE_TMPDIR/grouped.csv" >"$BATS_TEST_TMPDIR/g.out"
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv "$f"
	diff <(sort "$BATS_TEST_TMPDIR/g.out") <(sort "$BATS_TEST_TMPDIR/m.out")
	by_id "$f" | tl-velocity "${ASOF[@]}" -o csv >"$BATS_TEST_TMPDIR/s.out"
	cmp "$BATS_TEST_TMPDIR/s.out" "$BATS_TEST_TMPDIR/m.out"
	run_pair 64K tl-velocity "${ASOF[@]}" "$f"
	by_id "$f" | tl-velocity "${ASOF[@]}" | cmp - "$BATS_TEST_TMPDIR/m.out"
}

@test "EXS002: event NDJSON in time order: the same bytes with many spills" {
	local f=$BATS_FILE_TMPDIR/ev.ndjson
	run_pair 64K tl-velocity "${ASOF[@]}" "$f"
	spilled 20
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv "$f"
	# the NDJSON log and the CSV one hold the same events
	tl-velocity "${ASOF[@]}" -o csv --ungrouped "$BATS_FILE_TMPDIR/ev.csv" >"$BATS_TEST_TMPDIR/csv.out"
	diff <(sort "$BATS_TEST_TMPDIR/csv.out") <(sort "$BATS_TEST_TMPDIR/m.out")
}

@test "EXS003: real logs (OULAD studentVle, KDD Cup 2015) in time order: the same bytes with many spills" {
	local d=$BATS_TEST_TMPDIR
	import-oulad.sh -c 30 "$REALDATA/oulad/studentVle_sample100k.csv" "$REALDATA/oulad" >"$d/oulad.csv" 2>/dev/null
	by_time "$d/oulad.csv" >"$d/oulad-t.csv"
	run_pair 512K tl-velocity --as-of 2000-01-31 -o csv "$d/oulad-t.csv"
	spilled 20
	run_pair 512K tl-retention --as-of 2000-01-31 "$d/oulad-t.csv"
	spilled 20
	import-kddcup2015.sh "$REALDATA/kddcup2015_xuetangx/truth_train.csv" \
		"$REALDATA/kddcup2015_xuetangx/trainCourse1038.csv" >"$d/kdd.csv" 2>/dev/null
	by_time "$d/kdd.csv" >"$d/kdd-t.csv"
	run_pair 64K tl-velocity --as-of 2014-06-24 -o csv "$d/kdd-t.csv"
	spilled 20
	run_pair 64K tl-affinity --as-of 2014-06-24 "$d/kdd-t.csv"
	spilled 20
}

@test "EXS004: --stats accounts for every row with spills: rejects, --max-events, several files" {
	local d=$BATS_TEST_TMPDIR f=$BATS_FILE_TMPDIR/ev.csv
	# every 1000th row bad, and a learner id that varies an attribute
	awk -F, 'NR > 1 && NR % 1000 == 0 { print $1 ",not-a-time," $3 "," $4 "," $5; next } { print }' "$f" >"$d/bad.csv"
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv --stats --skip-bad --rejects "$d/rej.csv" "$d/bad.csv"
	spilled 20
	local rows bad
	rows=$(($(wc -l <"$d/bad.csv") - 1))
	bad=$(grep -c ',not-a-time,' "$d/bad.csv")
	[[ $(cat "$d/m.err") == "tl-velocity: records read $rows = used "*" + rejected $bad; learners read 800, written 800" ]] || { cat "$d/m.err" >&2; return 1; }
	[ "$(wc -l <"$d/rej.csv")" -eq "$bad" ]
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv --stats --skip-bad --max-events 20 "$f"
	spilled 10
	grep -q ' + rejected [1-9][0-9]*; learners read 800, written 800$' "$d/m.err"
	# a learner's rows across two files, and an attribute that varies: the
	# first row's value, spilled or not
	{ head -n 1 "$f" | sed 's/$/,cohort/'; tail -n +2 "$f" | head -n 12000 | awk '{ print $0 "," NR }'; } >"$d/a.csv"
	{ head -n 1 "$f" | sed 's/$/,cohort/'; tail -n +12002 "$f" | awk '{ print $0 ",b" NR }'; } >"$d/b.csv"
	run_pair 64K tl-velocity "${ASOF[@]}" -o csv --stats "$d/a.csv" "$d/b.csv"
	spilled 20
	grep -q "^tl-velocity: records read $(($(wc -l <"$f") - 1)) = " "$d/m.err"
	# each learner's cohort is that of its first row (counted here by awk)
	diff <({ tail -n +2 "$d/a.csv"; tail -n +2 "$d/b.csv"; } | awk -F, '!seen[$1]++ { print $1 "," $6 }' | sort) \
		<(tail -n +2 "$d/m.out" | cut -d, -f1,2 | sort)
	grep -q '^tl-velocity: attributes varied within a learner 1: cohort;' "$d/m.err"
}

# has_scratch PID DIR: process PID holds a scratch file of --ungrouped in DIR.
has_scratch() {
	local l
	for l in /proc/"$1"/fd/*; do
		[[ $(readlink "$l" 2>/dev/null) == "$2"/tl-ungrouped.* ]] && return 0
	done
	return 1
}

# killed SIG: tl-velocity --ungrouped reads a FIFO that is held open after
# most of the log is in; once its scratch file is open (a spill happened),
# SIG. It must die by SIG, leave TMPDIR empty and publish no --output.
killed() {
	local d=$BATS_TEST_TMPDIR sig=$1 want=$2 pid w rc=0
	mkdir -p "$d/tmp"
	mkfifo "$d/in"
	# a command put in the background by a shell without job control
	# starts with SIGINT ignored: give it back its default
	TMPDIR=$d/tmp env --default-signal=INT,TERM tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 64K \
		--output "$d/out.csv" "$d/in" 3>&- &
	pid=$!
	exec {w}>"$d/in"
	cat "$BATS_FILE_TMPDIR/ev.csv" >&"$w"
	for _ in $(seq 100); do
		has_scratch "$pid" "$d/tmp" && break
		sleep 0.1
	done
	has_scratch "$pid" "$d/tmp" || { echo "no scratch file open" >&2; exec {w}>&-; return 1; }
	kill "-$sig" "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		echo "still running 10 s after SIG$sig" >&2
		exec {w}>&-
		return 1
	fi
	wait "$pid" || rc=$?
	exec {w}>&-
	[ "$rc" -eq "$want" ] || { echo "exit $rc, want $want" >&2; return 1; }
	[ -z "$(ls -A "$d/tmp")" ] || { ls -la "$d/tmp" >&2; return 1; }
	[ ! -e "$d/out.csv" ] && [ -z "$(find "$d" -name 'out.csv*')" ]
}

@test "EXS005: SIGINT and SIGTERM mid-sort: killed by the signal, nothing left in TMPDIR, no output" {
	killed INT 130
	rm -rf "${BATS_TEST_TMPDIR:?}"/*
	killed TERM 143
}

@test "EXS006: TMPDIR that cannot be used exits 73; a full disk exits 74; both leave nothing" {
	local f=$BATS_FILE_TMPDIR/ev.csv d=$BATS_TEST_TMPDIR
	TMPDIR=$d/none run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 64K "$f"
	assert_failure 73
	[[ $stderr == "tl-velocity: $d/none/tl-ungrouped."??????": No such file or directory" ]] || { echo "$stderr" >&2; return 1; }
	: >"$d/file"
	TMPDIR=$d/file run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 64K "$f"
	assert_failure 73
	# no spill, no scratch file: TMPDIR is not needed
	TMPDIR=$d/none run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --ungrouped "$f"
	assert_success
	# a full disk: files limited to 64 KiB (ulimit -f; SIGXFSZ ignored, so
	# the write fails with EFBIG as it would with ENOSPC)
	mkdir "$d/tmp"
	# shellcheck disable=SC2016 # the script's $1 $2 $3 are its arguments
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 64; TMPDIR=$1 exec tl-velocity --as-of 2025-07-01 -o csv --ungrouped --memory 64K --output "$2" "$3"' \
		_ "$d/tmp" "$d/out.csv" "$f"
	assert_failure 74
	assert_equal "$stderr" "tl-velocity: cannot write the ungrouped scratch file in $d/tmp: File too large"
	[ -z "$(ls -A "$d/tmp")" ]
	[ ! -e "$d/out.csv" ]
}

@test "EXS007: --memory: sizes with K, M, G; bad values and --memory without --ungrouped are usage errors" {
	local f=$BATS_FILE_TMPDIR/ev.csv
	for m in 65536 64K 64k 3M 1G; do
		run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory "$m" "$f"
		assert_success
	done
	for bad in "x|not a size (a number of bytes, or with K, M or G): 'x'" "10X|not a size (a number of bytes, or with K, M or G): '10X'" \
		"-1M|not a size (a number of bytes, or with K, M or G): '-1M'" "1MB|not a size (a number of bytes, or with K, M or G): '1MB'" \
		"1K|1K is below the minimum of 64K" "99999999999G|99999999999G is too large"; do
		run --separate-stderr tl-velocity --ungrouped --memory "${bad%%|*}" "$f"
		assert_failure 64
		assert_equal "${stderr_lines[0]}" "tl-velocity: --memory: ${bad#*|}"
	done
	run --separate-stderr tl-velocity "${ASOF[@]}" --memory 1M "$f"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-velocity: --memory needs --ungrouped (it bounds the memory of the sort that groups the input)"
	[ -z "$output" ]
}

@test "EXS008: --ungrouped stays on one thread; the threaded loop on grouped input is unchanged" {
	local f=$BATS_FILE_TMPDIR/ev.csv
	run --separate-stderr env TL_CHUNK_BYTES=8192 TL_CHUNK_STATS=1 tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 64K "$f"
	assert_success
	[[ $stderr != *"from the workers"* ]] || [[ $stderr == *"chunks: 0 from the workers"* ]]
	run --separate-stderr env TL_CHUNK_BYTES=8192 TL_CHUNK_STATS=1 tl-velocity "${ASOF[@]}" -o csv "$BATS_FILE_TMPDIR/grouped.csv"
	assert_success
	[[ $stderr =~ chunks:\ ([0-9]+)\ from ]] && [ "${BASH_REMATCH[1]}" -ge 10 ]
	diff <(sort <<<"$output") <(tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 64K "$f" | sort)
}

# rss_of CMD...: CMD's peak RSS in KiB (its output discarded). ASan's
# quarantine of freed blocks would grow with the input: it is turned off.
rss_of() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$@" >/dev/null
	cat "$BATS_TEST_TMPDIR/rss"
}

@test "EXS009: memory is bounded: four times the events in --memory 1M take no more memory; in memory they do" {
	local d=$BATS_TEST_TMPDIR one four whole
	tl-loadgen --learners 10000 --seed 9 >"$d/g.csv"
	by_time "$d/g.csv" >"$d/one.csv"
	{ cat "$d/one.csv"; for _ in 1 2 3; do tail -n +2 "$d/one.csv"; done; } >"$d/four.csv"
	one=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 1M "$d/one.csv")
	four=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 1M "$d/four.csv")
	whole=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped "$d/four.csv")
	echo "peak RSS KiB: --memory 1M: $one (1x), $four (4x); default: $whole (4x)" >&2
	[ "$four" -lt $((one + 8192)) ]
	[ "$whole" -gt $((four + 30720)) ]
}

@test "EXS010: memory is bounded by --memory whatever the number of learners: 1M learners of one event each in --memory 16M; the same bytes in memory" {
	local d=$BATS_TEST_TMPDIR base rss shadow=0
	cd "$d"
	# no learner table is kept: the old one took 229 MiB for these with --memory 64M
	awk 'BEGIN { print "learner_id,ts,domain,capability,action"
		for (i = 0; i < 1000000; i++) printf "learner%07d,2025-01-%02dT00:00:00Z,d%d,c%d,use\n", (i * 7919) % 1000000, 1 + i % 28, i % 5, i % 50 }' >one.csv
	head -n 2 one.csv >row.csv
	base=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 16M row.csv)
	rss=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 16M one.csv)
	# the bound: the process on one row, the 16 MiB of --memory (and under
	# AddressSanitizer, bin-san, the eighth of it that is its shadow), and 4
	# MiB for what does not grow with the input (the input's and the
	# output's buffers, the merge's cursors, the learner being built)
	if ldd "$(command -v tl-velocity)" | grep -q libasan; then shadow=2048; fi
	echo "peak RSS KiB: one row $base, 1M learners $rss (bound $((base + 16384 + shadow + 4096)))" >&2
	[ "$rss" -le $((base + 16384 + shadow + 4096)) ]
	# --shard: the other shard's learners are counted within --memory too
	# (a set of their ids outside it took 16 bytes a learner)
	rss=$(rss_of tl-velocity "${ASOF[@]}" -o csv --ungrouped --memory 16M --shard 1/2 one.csv)
	echo "peak RSS KiB, --shard 1/2: $rss" >&2
	[ "$rss" -le $((base + 16384 + shadow + 4096)) ]
	# spilled, the same bytes as sorted in memory; each learner once, by id
	run_pair 16M tl-velocity "${ASOF[@]}" -o csv one.csv
	spilled 2
	[ "$(wc -l <"$d/m.out")" -eq 1000001 ]
	tail -n +2 "$d/m.out" | cut -d, -f1 | sort -c -u
}

@test "EXS011: what a learner's earlier rows decide is judged as the learner is built from the sort: its first row, a reserved key, --max-events" {
	local d=$BATS_TEST_TMPDIR
	# a reserved key on a learner's first line is an error at that line,
	# though another learner's lines come before; on a later line it is not
	printf '%s\n' '{"learner_id":"B","ts":"2025-01-01"}' '{"learner_id":"A","ts":"2025-01-02"}' \
		'{"learner_id":"A","ts":"2025-01-03","as_of":"x"}' >"$d/later.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" --ungrouped -o csv "$d/later.ndjson"
	assert_success
	assert_equal "$(cut -d, -f1 <<<"$output" | paste -sd' ')" "learner_id A B"
	printf '%s\n' '{"learner_id":"B","ts":"2025-01-01"}' '{"learner_id":"A","ts":"2025-01-02","as_of":"x"}' >"$d/first.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" --ungrouped -o csv --memory 64K "$d/first.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $d/first.ndjson:2: key \"as_of\" is a reserved name: tl writes the as-of it used under this name; rename the key"
	# without --skip-bad the run stops at the first learner by id with a bad
	# row (A's third, line 7), not at the first bad row of the input (B's)
	printf 'learner_id,ts,capability,action\n' >"$d/max.csv"
	printf '%s,2025-01-0%s,c,use\n' B 1 B 2 B 3 A 1 A 2 A 3 >>"$d/max.csv"
	run --separate-stderr tl-velocity "${ASOF[@]}" --ungrouped -o csv --max-events 2 "$d/max.csv"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $d/max.csv:7: learner 'A' has more than 2 events (--max-events)"
	# with --skip-bad: a first row with a bad --as-of-field (A's, line 3: A
	# starts at line 5), rows past --max-events (lines 9 and 6), and a row
	# that cannot be read (line 7) go to --rejects byte for byte: the last
	# while reading, the others in the learners' order
	cat >"$d/cut.csv" <<-'CSV'
		learner_id,ts,capability,action,cut
		B,2025-01-01,c,use,2025-06-01
		A,2025-01-01,c,use,bad
		B,2025-01-02,c,use,2025-06-01
		A,2025-01-02,c,use,2025-05-01
		B,2025-01-03,c,use,2025-06-01
		A,not-a-time,c,use,2025-06-01
		A,2025-01-03,c,use,2025-06-01
		A,2025-01-04,c,use,2025-06-01
	CSV
	for m in 64K 256M; do
		run --separate-stderr tl-velocity --ungrouped --memory "$m" -o csv --as-of-field cut --max-events 2 --skip-bad --stats \
			--rejects "$d/rej.csv" "$d/cut.csv"
		assert_success
		assert_equal "${stderr_lines[0]}" "tl-velocity: records read 8 = used 4 + future 0 + rejected 4; learners read 2, written 2"
		assert_equal "$(awk -F, '{ print $1 "," $2 "," $3 "," $NF }' <<<"$output" | paste -sd' ')" \
			"learner_id,cut,interactions,as_of A,2025-05-01,2,2025-05-01T00:00:00Z B,2025-06-01,2,2025-06-01T00:00:00Z"
		assert_equal "$(cat "$d/rej.csv")" "$(for l in 7 3 9 6; do sed -n "${l}p" "$d/cut.csv"; done)"
	done
}
