#!/usr/bin/env bats
# chunks.bats - the two-thread loop of tl-velocity, tl-affinity and
# tl-retention (run.c tl_run_all): on a regular file of event CSV, worker
# threads read chunks that the main thread merges in order. Every test runs
# a command twice, with TL_THREADS=1 (the serial loop) and with tiny chunks
# (TL_CHUNK_BYTES), and wants the same stdout, stderr, exit status and
# side files. TL_CHUNK_STATS shows that the workers did the work, and when
# the main thread read a chunk again (a bad record, a reappearing learner,
# a quote).
load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-07-01T00:00:00Z)

setup_file() {
	tl-loadgen --learners 1200 --seed 5 >"$BATS_FILE_TMPDIR/ev.csv"
}

# same CMD...: run CMD serially and in chunks (in $BATS_TEST_TMPDIR/s and
# /p, so side files can be compared); the outputs must be equal. Standard
# input is $IN when set (each run opens it). Sets
# $chunks to the chunk statistics line of the chunked run ("" when it ran
# serially).
same() {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/s" "$d/p"
	local rs=0 rp=0
	(cd "$d/s" && TL_THREADS=1 "$@" <"${IN:-/dev/null}" >"$d/s.out" 2>"$d/s.err") || rs=$?
	(cd "$d/p" && TL_CHUNK_BYTES=${CHUNK:-8192} TL_CHUNK_STATS=1 "$@" <"${IN:-/dev/null}" >"$d/p.out" 2>"$d/p.err") || rp=$?
	chunks=$(grep ': chunks: ' "$d/p.err" || true)
	grep -v ': chunks: ' "$d/p.err" >"$d/p.err2" || true
	[ "$rs" -eq "$rp" ] || { echo "exit $rs serially, $rp in chunks" >&2; return 1; }
	# after a fatal error both outputs stop at a buffer's flush: compare
	# them when the run succeeded
	if [ "$rs" -eq 0 ]; then
		cmp "$d/s.out" "$d/p.out" || { diff "$d/s.out" "$d/p.out" | head -5 >&2; return 1; }
	fi
	diff "$d/s.err" "$d/p.err2" >&2 || return 1
	diff -r -x '*.prom' "$d/s" "$d/p" >&2 || return 1   # metrics: the run's times differ
	status=$rs
}

# workers N: at least N chunks came from the workers; reread M: exactly M
# chunks were read again by the main thread.
workers() { if ! { [[ $chunks =~ chunks:\ ([0-9]+)\ from ]] && [ "${BASH_REMATCH[1]}" -ge "$1" ]; }; then echo "chunks: '$chunks'" >&2; return 1; fi; }
reread() { if ! { [[ $chunks =~ ,\ ([0-9]+)\ read\ again ]] && [ "${BASH_REMATCH[1]}" -eq "$1" ]; }; then echo "chunks: '$chunks'" >&2; return 1; fi; }

# edit_events AWK: the event file (35,459 lines) with the awk program applied,
# as $f. setf(k, v) sets field k of $0; newlearner() is true on the first
# row of a learner after line 20000 (once), where rows can be inserted
# without splitting a learner.
edit_events() {
	f=$BATS_TEST_TMPDIR/in.csv
	awk 'function setf(k, v,   a, n, i) { n = split($0, a, ","); a[k] = v; $0 = a[1]; for (i = 2; i <= n; i++) $0 = $0 "," a[i] }
	     function newlearner(   a) { split($0, a, ","); if (NR > 20000 && !nl_done && a[1] != nl_prev) { nl_done = 1; return 1 } nl_prev = a[1]; return 0 }
	     '"$1" "$BATS_FILE_TMPDIR/ev.csv" >"$f"
}


# The metrics that change from run to run: the run's times.
TIMES='^tl_(run_duration_seconds|run_end_timestamp_seconds|last_success_timestamp_seconds)[{]'
@test "CH001: every tool and output shape: the same bytes, read by the workers" {
	local ev=$BATS_FILE_TMPDIR/ev.csv
	for tool in tl-velocity tl-affinity tl-retention; do
		for o in csv ndjson; do
			same $tool "${ASOF[@]}" -o "$o" --label "$ev"
			workers 100
			reread 0
		done
	done
	# and from standard input redirected from the file
	IN=$ev same tl-velocity "${ASOF[@]}" -o csv --stats
	workers 100
	cmp "$BATS_TEST_TMPDIR/p.out" <(tl-velocity "${ASOF[@]}" -o csv "$ev")
}

@test "CH002: --stats, --metrics (but the wall time) and the counts reconcile the same" {
	same tl-affinity "${ASOF[@]}" -o csv --stats --metrics m.prom "$BATS_FILE_TMPDIR/ev.csv"
	workers 100
	# m.prom differs only in the run's times: compare without them
	local d=$BATS_TEST_TMPDIR
	diff <(grep -Ev "$TIMES" "$d/s/m.prom") <(grep -Ev "$TIMES" "$d/p/m.prom")
	grep -q 'tl_learners_written{tool="tl-affinity"} 1200' "$d/p/m.prom"
	grep -q 'learners read 1200, written 1200' "$d/p.err"
}

@test "CH003: a bad timestamp in a worker's chunk: the serial message and line; --skip-bad is serial" {
	edit_events 'NR == 20001 || NR == 30003 { setf(2, "2025-13-01T00:00:00Z") } { print }'
	same tl-velocity "${ASOF[@]}" -o csv "$f"
	[ "$status" -eq 65 ]
	workers 10
	reread 1
	grep -q "^tl-velocity: $f:20001: bad timestamp '2025-13-01T00:00:00Z'\$" "$BATS_TEST_TMPDIR/p.err2"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p.err2")" -eq 1 ]
	# a skipped row between two parts of one learner keeps it open, which
	# a chunk boundary would not: --skip-bad reads on one thread
	same tl-velocity "${ASOF[@]}" -o csv --skip-bad --rejects rej.csv --stats "$f"
	[ "$status" -eq 0 ]
	[ -z "$chunks" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p/rej.csv")" -eq 2 ]
}

@test "CH004: a learner that reappears chunks later, or within a chunk: the serial message" {
	# the first learner's first row again near the end
	# shellcheck disable=SC2016 # an awk program: its $0 and $5 are awk's
	edit_events 'NR == 2 { first = $0 } NR == 33000 { print first } { print }'
	same tl-retention "${ASOF[@]}" -o csv "$f"
	[ "$status" -eq 65 ]
	reread 1
	grep -q 'in.csv:33000: learner .L0000001. reappears after other learners (its rows began at line 2)' \
		"$BATS_TEST_TMPDIR/p.err2"
	# a learner's last row again after the next learner's first row
	# shellcheck disable=SC2016 # an awk program: its $0 and $5 are awk's
	edit_events 'newlearner() { print; print prev; n = NR + 1; next } { prev = $0; print }'
	same tl-affinity "${ASOF[@]}" -o csv "$f"
	[ "$status" -eq 65 ]
	grep -q 'reappears after other learners' "$BATS_TEST_TMPDIR/p.err2"
	# a single row of another learner inside a learner's rows
	edit_events 'newlearner() { print; getline; print; print "LNEW,2025-02-01T00:00:00Z,science,,interact"; next } { print }'
	same tl-velocity "${ASOF[@]}" -o csv "$f"
	[ "$status" -eq 65 ]
	grep -q 'reappears after other learners' "$BATS_TEST_TMPDIR/p.err2"
}

@test "CH005: quoted fields, one spanning lines: the main thread reads on alone, the same bytes" {
	# a quoted domain with a newline in a middle chunk, and a quoted id
	edit_events 'NR == 30001 { setf(3, "\"sci\nence\"") } NR == 33001 { sub(/^L[0-9]+/, "\"&\"") } { print }'
	grep -c '"' "$f"
	for tool in tl-velocity tl-affinity; do
		same $tool "${ASOF[@]}" -o ndjson --stats "$f"
		[ "$status" -eq 0 ]
		workers 10
	done
	grep -q '"sci\\nence"' "$BATS_TEST_TMPDIR/p.out"
	# a quote on the first data line: nothing is split after it
	# shellcheck disable=SC2016 # an awk program: its $0 and $5 are awk's
	edit_events 'NR == 2 { split($0, a, ","); setf(5, "\"" a[5] "\"") } { print }'
	same tl-velocity "${ASOF[@]}" -o csv "$f"
}

@test "CH006: CRLF line ends, blank lines, no final newline" {
	# shellcheck disable=SC2016 # an awk program: its $0 and $5 are awk's
	edit_events '{ printf "%s\r\n", $0 } NR % 997 == 0 { print "" }'
	same tl-velocity "${ASOF[@]}" -o csv --stats "$f"
	workers 50
	reread 0
	head -c -1 "$BATS_FILE_TMPDIR/ev.csv" >"$BATS_TEST_TMPDIR/nonl.csv"
	same tl-affinity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/nonl.csv"
	workers 50
}

@test "CH007: chunk sizes from 64 bytes to 1 MiB give the same bytes" {
	for CHUNK in 64 1000 65536 1048576; do
		same tl-velocity "${ASOF[@]}" -o csv "$BATS_FILE_TMPDIR/ev.csv"
	done
}

@test "CH008: a learner far longer than a chunk is read by the main thread" {
	# 30000 rows of one learner in the middle
	edit_events 'newlearner() { for (i = 0; i < 30000; i++) printf "LBIG,2025-03-01T00:00:%02dZ,science,science-1,use\n", i % 60 } { print }'
	run same tl-velocity "${ASOF[@]}" -o csv --max-events 100000 "$f"
	assert_success
	grep -q '^LBIG,30000,' "$BATS_TEST_TMPDIR/p.out"
}

@test "CH009: standard input that does not start at the file's start" {
	{ echo "a line to skip"; cat "$BATS_FILE_TMPDIR/ev.csv"; } >"$BATS_TEST_TMPDIR/skip.csv"
	IN=$BATS_TEST_TMPDIR/skip.csv same bash -c 'read -r _; exec tl-velocity --as-of 2025-07-01T00:00:00Z -o csv'
	workers 50
	cmp "$BATS_TEST_TMPDIR/p.out" <(tl-velocity "${ASOF[@]}" -o csv "$BATS_FILE_TMPDIR/ev.csv")
}

@test "CH010: --max-events exceeded in a worker's chunk" {
	# the first learner with more than 380 events begins at line 29679
	same tl-velocity "${ASOF[@]}" -o csv --max-events 380 "$BATS_FILE_TMPDIR/ev.csv"
	[ "$status" -eq 65 ]
	workers 1
	reread 1
	grep -q "ev.csv:$((29679 + 380)): learner 'L0001022' has more than 380 events (--max-events)" "$BATS_TEST_TMPDIR/p.err2"
}

@test "CH011: one thread for pipes, several files, --ungrouped, TL_CSV_SLOW and --transfer-pairs" {
	local ev=$BATS_FILE_TMPDIR/ev.csv
	IN=$ev same bash -c 'cat | tl-velocity --as-of 2025-07-01T00:00:00Z -o csv'
	[ -z "$chunks" ]
	same tl-velocity "${ASOF[@]}" -o csv "$ev" "$ev"
	[ "$status" -eq 65 ]
	[ -z "$chunks" ]
	same tl-velocity "${ASOF[@]}" -o csv --ungrouped "$ev"
	[ -z "$chunks" ]
	TL_CSV_SLOW=1 same tl-velocity "${ASOF[@]}" -o csv "$ev"
	[ -z "$chunks" ]
	same tl-affinity "${ASOF[@]}" -o csv --transfer-pairs pairs.csv "$ev"
	[ -z "$chunks" ]
	[ -s "$BATS_TEST_TMPDIR/p/pairs.csv" ]
}

# ---- learner documents: the workers read whole lines in turn, from any input

# docs_with AWK: the documents of the event file (1,200 lines) with the
# awk program applied, as $docs.
docs_with() {
	docs=$BATS_TEST_TMPDIR/docs.ndjson
	TL_THREADS=1 tl-velocity "${ASOF[@]}" "$BATS_FILE_TMPDIR/ev.csv" | awk "$1" >"$docs"
}

@test "CH012: documents from a file, a redirect and a pipe: the same bytes, read by the workers" {
	docs_with '{ print }'
	for tool in tl-velocity tl-affinity tl-retention; do
		for o in csv ndjson; do
			same $tool "${ASOF[@]}" -o "$o" --stats "$docs"
			workers 20
			reread 0
			IN=$docs same bash -c "cat | $tool --as-of 2025-07-01T00:00:00Z -o $o"
			workers 20
		done
	done
	IN=$docs same tl-affinity "${ASOF[@]}" -o csv
	workers 20
	# tiny chunks: a line longer than the chunk is read whole
	CHUNK=100 same tl-retention "${ASOF[@]}" -o csv "$docs"
	workers 30
}

@test "CH013: documents: bad lines are read again by the main thread; --skip-bad keeps its rejects in order" {
	docs_with 'NR == 700 { print "{\"learner_id\": \"X1\", \"events\": 5}" } NR == 900 { print "not json" } { print }'
	same tl-affinity "${ASOF[@]}" -o csv "$docs"
	[ "$status" -eq 65 ]
	grep -q "docs.ndjson:700: " "$BATS_TEST_TMPDIR/p.err2"
	reread 1
	same tl-affinity "${ASOF[@]}" -o csv --skip-bad --rejects rej.ndjson --stats "$docs"
	[ "$status" -eq 0 ]
	reread 2
	[ "$(wc -l <"$BATS_TEST_TMPDIR/p/rej.ndjson")" -eq 2 ]
	grep -q 'rejected 2;' "$BATS_TEST_TMPDIR/p.err"
}

@test "CH014: documents: a later learner with a field the CSV header lacks fails as serially; the first learner fixes per-run choices" {
	docs_with 'NR == 800 { sub(/^\{/, "{\"extra\":1,") } { print }'
	same tl-velocity "${ASOF[@]}" -o csv "$docs"
	[ "$status" -eq 65 ]
	grep -q "docs.ndjson:800: learner .* has the field 'extra', which the CSV header" "$BATS_TEST_TMPDIR/p.err2"
	reread 1
	# retention_strength from line 500 on: tl-velocity decides churn_risk by
	# the first learner (none), in every chunk
	docs_with 'NR >= 500 { sub(/^\{/, "{\"retention_strength\":0.5,") } { print }'
	same tl-velocity "${ASOF[@]}" -o ndjson "$docs"
	[ "$status" -eq 0 ]
	workers 20
	run ! grep -q churn_risk "$BATS_TEST_TMPDIR/p.out"
}

# zsame CMD...: CMD with TL_THREADS=1 (inflating on the reading thread)
# and without (a decoder thread, io/inflate.c): the same stdout (also after
# an error: the rows before it), stderr and exit status; sets $status.
zsame() {
	local d=$BATS_TEST_TMPDIR rs=0 rp=0
	TL_THREADS=1 "$@" <"${IN:-/dev/null}" >"$d/s.out" 2>"$d/s.err" || rs=$?
	"$@" <"${IN:-/dev/null}" >"$d/p.out" 2>"$d/p.err" || rp=$?
	[ "$rs" -eq "$rp" ] || { echo "exit $rs on one thread, $rp with the decoder thread" >&2; return 1; }
	cmp "$d/s.out" "$d/p.out" || return 1
	diff "$d/s.err" "$d/p.err" >&2 || return 1
	status=$rs
}

# big_events: $BATS_FILE_TMPDIR/big.csv, 3000 learners (about 4 MB: more
# than the decoder's blocks of 1 MiB), made once; and big.gz and big.zst of
# it in the current directory.
big_events() {
	big=$BATS_FILE_TMPDIR/big.csv
	[ -s "$big" ] || tl-loadgen --learners 3000 --seed 7 >"$big"
	gzip -c "$big" >big.gz
	zstd -q -c "$big" >big.zst
}

@test "CH015: gzip and zstd input on the decoder thread: the same bytes as on one thread, from a file, stdin and concatenated members" {
	cd "$BATS_TEST_TMPDIR"
	big_events
	tl-velocity "${ASOF[@]}" -o csv "$big" >want.out
	for f in big.gz big.zst; do
		zsame tl-velocity "${ASOF[@]}" -o csv "$f"
		cmp want.out "$BATS_TEST_TMPDIR/p.out"
		IN=$f zsame tl-velocity "${ASOF[@]}" -o csv
		cmp want.out "$BATS_TEST_TMPDIR/p.out"
	done
	# two members / frames, each past a block, the cut inside a learner
	head -n 40000 "$big" >a.csv
	tail -n +40001 "$big" >b.csv
	{ gzip -c a.csv; gzip -c b.csv; } >cat.gz
	{ zstd -q -c a.csv; zstd -q -c b.csv; } >cat.zst
	for f in cat.gz cat.zst; do
		zsame tl-velocity "${ASOF[@]}" -o csv "$f"
		cmp want.out "$BATS_TEST_TMPDIR/p.out"
	done
	zsame tl-affinity "${ASOF[@]}" big.gz
	[ -s "$BATS_TEST_TMPDIR/p.out" ]
}

@test "CH016: a gzip file corrupt in the middle: the rows before the error, then the message, as on one thread" {
	cd "$BATS_TEST_TMPDIR"
	big_events
	tl-velocity "${ASOF[@]}" -o csv "$big" >full.out
	f=big.gz
	size=$(wc -c <"$f") most=0
	{
		for at in $((size / 3)) $((size / 2)) $((size * 4 / 5)); do
			cp "$f" "bad.${f#big.}"
			printf '\377\377\377\377\377\377\377\377' | dd of="bad.${f#big.}" bs=1 seek="$at" conv=notrunc 2>/dev/null
			zsame tl-velocity "${ASOF[@]}" -o csv "bad.${f#big.}"
			[ "$status" -eq 65 ]
			grep -q "^tl-velocity: bad\.${f#big.}: corrupt $(if [ "$f" = big.gz ]; then echo gzip; else echo zstd; fi) data: " "$BATS_TEST_TMPDIR/p.err"
			rows=$(wc -l <"$BATS_TEST_TMPDIR/p.out")
			[ "$rows" -lt "$(wc -l <full.out)" ]
			[ "$rows" -le "$most" ] || most=$rows
		done
		# rows came before a later error (the output flushes in buffers)
		[ "$most" -gt 1000 ]
	}
}

@test "CH017: truncated, trailing bytes and empty compressed files on the decoder thread: the same output and message as on one thread" {
	cd "$BATS_TEST_TMPDIR"
	big_events
	head -c $(($(wc -c <big.gz) * 2 / 3)) big.gz >cut.gz
	head -c $(($(wc -c <big.zst) * 2 / 3)) big.zst >cut.zst
	zsame tl-velocity "${ASOF[@]}" -o csv cut.gz
	[ "$status" -eq 65 ]
	grep -qx 'tl-velocity: cut.gz: truncated gzip data: the file ends inside a compressed member' "$BATS_TEST_TMPDIR/p.err"
	zsame tl-velocity "${ASOF[@]}" -o csv cut.zst
	[ "$status" -eq 65 ]
	grep -qx 'tl-velocity: cut.zst: truncated zstd data: the file ends inside a frame' "$BATS_TEST_TMPDIR/p.err"
	{ cat big.gz; echo junk; } >trail.gz
	zsame tl-velocity "${ASOF[@]}" -o csv trail.gz
	[ "$status" -eq 65 ]
	grep -qx 'tl-velocity: trail.gz: corrupt gzip data: bytes after the last member are not gzip' "$BATS_TEST_TMPDIR/p.err"
	gzip -c </dev/null >empty.gz
	zstd -q -c </dev/null >empty.zst
	for f in empty.gz empty.zst; do
		zsame tl-velocity "${ASOF[@]}" -o csv "$f"
		cp "$BATS_TEST_TMPDIR/p.out" "$f.out"
		TL_THREADS=1 tl-velocity "${ASOF[@]}" -o csv /dev/null >plain.out 2>plain.err || true
		cmp plain.out "$f.out"
	done
}

@test "CH018: a bad row early in a compressed file ends the run while the decoder thread is ahead, as on one thread" {
	cd "$BATS_TEST_TMPDIR"
	big_events
	awk 'NR == 500 { $0 = $0 ",extra,fields" } { print }' "$big" | gzip -c >early.gz
	awk 'NR == 500 { $0 = $0 ",extra,fields" } { print }' "$big" | zstd -q -c >early.zst
	for f in early.gz early.zst; do
		zsame tl-velocity "${ASOF[@]}" -o csv "$f"
		[ "$status" -eq 65 ]
		grep -q ":500: " "$BATS_TEST_TMPDIR/p.err"
	done
}
