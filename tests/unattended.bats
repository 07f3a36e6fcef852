#!/usr/bin/env bats
# unattended.bats - what a cron job needs from each tool (the batch issue's
# defects): file modes that follow the umask, a pipeline whose first stage
# fails publishes nothing (tl(7) PIPELINES), metrics that are gauges and
# are written on failure too (tl(7) METRICS), and --max-rejects.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-07-01T00:00:00Z)

setup_file() {
	tl-loadgen --learners 645 --seed 11 >"$BATS_FILE_TMPDIR/ev.csv"
	# one bad action two thirds of the way down
	awk -v bad="$(($(wc -l <"$BATS_FILE_TMPDIR/ev.csv") * 2 / 3))" \
		'NR == bad { sub(/,[a-z]*$/, ",usex") } { print }' "$BATS_FILE_TMPDIR/ev.csv" >"$BATS_FILE_TMPDIR/bad.csv"
}

mode() { stat -c %a "$1"; }

@test "UN001: created outputs get 0666 & ~umask, as a shell redirect does" {
	cd "$BATS_TEST_TMPDIR" || return
	local ev=$BATS_FILE_TMPDIR/ev.csv m
	for m in 022 077 002 000; do
		rm -f ./*.csv ./*.prom ./*.json
		(umask "$m" && tl-velocity "${ASOF[@]}" --output v.json --metrics v.prom "$ev")
		(umask "$m" && tl-loadgen --learners 5 --output g.csv)
		(umask "$m" && tl-retention "${ASOF[@]}" --fit --curves c.csv --output f.json "$ev")
		(umask "$m" && tl-velocity "${ASOF[@]}" --skip-bad --rejects r.csv "$BATS_FILE_TMPDIR/bad.csv" >/dev/null)
		(umask "$m" && : >redirect)
		local want
		want=$(mode redirect)
		for f in v.json v.prom g.csv c.csv f.json r.csv; do
			[ "$(mode "$f")" = "$want" ] || { echo "umask $m: $f is $(mode "$f"), a redirect gives $want"; false; }
		done
		rm -f redirect
	done
	# a file that is there keeps its mode, as under a redirect
	(umask 022 && : >kept.json && chmod 600 kept.json && tl-velocity "${ASOF[@]}" --output kept.json "$ev")
	[ "$(mode kept.json)" = 600 ]
	[ -s kept.json ]
	# and the failure's metrics too
	(umask 022 && tl-velocity "${ASOF[@]}" --metrics fail.prom "$BATS_FILE_TMPDIR/bad.csv" >/dev/null) || true
	[ "$(mode fail.prom)" = 644 ]
}

@test "UN002: a pipeline whose first stage fails publishes nothing" {
	cd "$BATS_TEST_TMPDIR" || return
	# shellcheck disable=SC2016 # expanded by the inner bash
	run --separate-stderr bash -c 'tl-velocity "$@" | tl-affinity | tl-retention -o csv --output out.csv; echo "${PIPESTATUS[*]}"' \
		_ "${ASOF[@]}" "$BATS_FILE_TMPDIR/bad.csv"
	assert_output "65 65 65"
	[ ! -e out.csv ]
	[[ "${stderr_lines[0]}" == "tl-velocity: $BATS_FILE_TMPDIR/bad.csv:"*": unknown action 'usex'"* ]]
	[[ "${stderr_lines[1]}" == "tl-affinity: -:"*": the input was cut short by a failure upstream: tl-velocity: "* ]]
	[[ "${stderr_lines[2]}" == "tl-retention: -:"*": the input was cut short by a failure upstream: tl-affinity: "* ]]
	# the good input goes through
	tl-velocity "${ASOF[@]}" "$BATS_FILE_TMPDIR/ev.csv" | tl-affinity | tl-retention -o csv --output out.csv
	[ "$(($(wc -l <out.csv) - 1))" -eq 645 ]
}

@test "UN003: the cut-stream line is refused under --skip-bad, as a first line, in a file, by every shape" {
	cd "$BATS_TEST_TMPDIR" || return
	tl-velocity "${ASOF[@]}" "$BATS_FILE_TMPDIR/bad.csv" >cut.json || true
	tl-velocity "${ASOF[@]}" -o csv "$BATS_FILE_TMPDIR/bad.csv" >cut.csv || true
	tail -1 cut.json | grep -q '^#tl-abort tl-velocity: '
	# a document stream, a row stream, under --skip-bad: exit 65, nothing written
	run --separate-stderr tl-affinity --skip-bad --output o.json cut.json
	assert_failure 65
	[[ "$stderr" == *"the input was cut short by a failure upstream: tl-velocity: "* ]]
	[ ! -e o.json ]
	run --separate-stderr tl-score --config "$TL_ROOT/config/v1.json" --skip-bad --output o.csv cut.csv
	assert_failure 65
	[ ! -e o.csv ]
	# a stage that failed before its first record: the line is all there is
	printf '\n#tl-abort tl-velocity: x.csv:2: bad\n' >first.json
	run --separate-stderr tl-retention first.json
	assert_failure 65
	assert_equal "$stderr" "tl-retention: first.json:2: the input was cut short by a failure upstream: tl-velocity: x.csv:2: bad"
	# events in a regular file, read by the worker threads: the same
	{ cat "$BATS_FILE_TMPDIR/ev.csv"; printf '\n#tl-abort tl-loadgen: stopped by a signal\n'; } >ev-cut.csv
	run --separate-stderr env TL_CHUNK_BYTES=65536 tl-velocity "${ASOF[@]}" --output o.json ev-cut.csv
	assert_failure 65
	[[ "$stderr" == *"ev-cut.csv:"*": the input was cut short by a failure upstream: tl-loadgen: stopped by a signal" ]]
	[ ! -e o.json ]
	# a terminal gets no such line: stdout on a pty (script(1)), the message only
	run script -qec "tl-velocity --as-of 2025-07-01 -o csv --max-events 1 $BATS_FILE_TMPDIR/ev.csv" /dev/null
	assert_failure 65
	assert_output --partial 'has more than 1 events (--max-events)'
	refute_output --partial '#tl-abort'
	# ... while a pipe does (the same run)
	run bash -c 'tl-velocity --as-of 2025-07-01 -o csv --max-events 1 "$1" 2>/dev/null | tail -1' _ "$BATS_FILE_TMPDIR/ev.csv"
	assert_output --partial '#tl-abort tl-velocity: '
	[[ "$output" == *'has more than 1 events (--max-events)'* ]]
}

@test "UN004: SIGTERM in a stage ends its stdout with the cut-stream line" {
	cd "$BATS_TEST_TMPDIR" || return
	mkfifo slow
	# tl-velocity reads from a FIFO that stays open: it is mid-run when killed
	( { head -2000 "$BATS_FILE_TMPDIR/ev.csv"; sleep 30; } >slow & echo $! >writer.pid )
	tl-velocity "${ASOF[@]}" slow >out.json 2>err.txt &
	local pid=$!
	for _ in $(seq 100); do [ -s out.json ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || [ "$?" -eq 143 ]
	kill "$(cat writer.pid)" 2>/dev/null || true
	tail -1 out.json | grep -qx '#tl-abort tl-velocity: stopped by a signal'
	run --separate-stderr tl-affinity out.json
	assert_failure 65
}

@test "UN005: --metrics are gauges of the run; promtool accepts them; a failure writes them too" {
	cd "$BATS_TEST_TMPDIR" || return
	tl-velocity "${ASOF[@]}" --metrics m.prom "$BATS_FILE_TMPDIR/ev.csv" >/dev/null
	promtool check metrics <m.prom
	! grep -q '_total' m.prom || false
	! grep '^# TYPE' m.prom | grep -vq ' gauge$' || false
	grep -qx 'tl_run_success{tool="tl-velocity"} 1' m.prom
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 0' m.prom
	grep -qx 'tl_learners_written{tool="tl-velocity"} 645' m.prom
	local ok_at
	ok_at=$(sed -n 's/^tl_last_success_timestamp_seconds{tool="tl-velocity"} //p' m.prom)
	[ "$(sed -n 's/^tl_run_end_timestamp_seconds{tool="tl-velocity"} //p' m.prom)" = "$ok_at" ]
	awk -v t="$ok_at" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 60 && t <= now + 1) }'
	# the failed run: success 0, its status, the last success carried over
	run --separate-stderr tl-velocity "${ASOF[@]}" --metrics m.prom --output o.json "$BATS_FILE_TMPDIR/bad.csv"
	assert_failure 65
	[ ! -e o.json ]
	promtool check metrics <m.prom
	grep -qx 'tl_run_success{tool="tl-velocity"} 0' m.prom
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 65' m.prom
	grep -qx "tl_last_success_timestamp_seconds{tool=\"tl-velocity\"} $ok_at" m.prom
	# a missing input: 66, also recorded; a first run that fails has no last success
	rm m.prom
	run tl-velocity --metrics m.prom nonexistent.csv
	assert_failure 66
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 66' m.prom
	! grep -q '^tl_last_success' m.prom || false
	# a usage error writes nothing: the run did not start
	rm m.prom
	run tl-velocity --metrics m.prom --bogus
	assert_failure 64
	[ ! -e m.prom ]
}

@test "UN006: --max-rejects N and P%: over the limit exits 65 after writing the metrics" {
	cd "$BATS_TEST_TMPDIR" || return
	local bad=$BATS_FILE_TMPDIR/bad.csv
	# one record of 19,681 is rejected
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad --max-rejects 1 --output o.json "$bad"
	assert_success
	[ -s o.json ]
	rm o.json
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad --max-rejects 0 --metrics m.prom --output o.json "$bad"
	assert_failure 65
	[[ "$stderr" =~ ^"tl-velocity: 1 of "[0-9]+" records were rejected (0.0"[0-9]+"%), more than --max-rejects 0 allows"$ ]]
	[ ! -e o.json ]
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 65' m.prom
	grep -qx 'tl_records_rejected{tool="tl-velocity"} 1' m.prom
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad --max-rejects 0.001% "$bad"
	assert_failure 65
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad --max-rejects 1% --output o.json "$bad"
	assert_success
	# every record rejected: --skip-bad alone exits 0, the limit does not
	awk -F, 'NR == 1 || $5 = "usex"' OFS=, "$bad" >allbad.csv
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad allbad.csv
	assert_success
	run --separate-stderr tl-velocity "${ASOF[@]}" --skip-bad --max-rejects 50% allbad.csv
	assert_failure 65
	[[ "$stderr" == *"records were rejected (100%), more than --max-rejects 50% allows" ]]
	# the option's checks
	run --separate-stderr tl-velocity --max-rejects 5 "$bad"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-velocity: --max-rejects needs --skip-bad (without it the first bad row stops the run)"
	run --separate-stderr tl-velocity --skip-bad --max-rejects 101% "$bad"
	assert_failure 64
	run --separate-stderr tl-velocity --skip-bad --max-rejects -1 "$bad"
	assert_failure 64
	run --separate-stderr tl-velocity --skip-bad --max-rejects x% "$bad"
	assert_failure 64
}
