#!/usr/bin/env bats
# drills.bats - the procedures of tl-ops(7), run on a real tl-batch: a run
# killed mid-run, a full disk, bad input over the reject limit, and a
# rollback. Each checks that nothing was lost or half-published (the
# active generation is complete, the staging directory empty) and prints
# how long the drill took (on fd 3, in the bats output).
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 100 --seed 2 >"$d/small.csv"
	tl-loadgen --learners 3000 --seed 2 >"$d/big.csv"
	# 3% bad actions
	awk -F, -v OFS=, 'NR > 1 && NR % 33 == 0 { $5 = "usex" } { print }' "$d/small.csv" >"$d/bad.csv"
}

# conf DIR INPUT [LINE...]: a config whose output is DIR
conf() {
	local out=$1 input=$2
	shift 2
	printf '%s\n' "input $input" "as_of 2025-07-01" "output $out" "keep 3" "textfile $BATS_TEST_TMPDIR/tf" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json" "$@"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	T0=$SECONDS
}

took() { echo "# drill $1: $((SECONDS - T0)) s" >&3; }

# intact OUT N: the active generation of OUT is complete (N learners, a
# manifest), and no staging is left.
intact() {
	[ -L "$1/current" ]
	[ "$(wc -l <"$1/current/learners.ndjson")" -eq "$2" ]
	grep -q '^generation ' "$1/current/manifest"
	[ -z "$(ls -A "$1/.staging")" ]
}

metric() { sed -n "s/^$1 //p" tf/tl_batch.prom; }

@test "DRILL001: a run killed by SIGKILL mid-run: nothing published, the next run recovers (tl-ops(7) RECOVERY, A killed run)" {
	conf "$PWD/out" "$BATS_FILE_TMPDIR/small.csv" >good.conf
	tl-batch --config good.conf 2>/dev/null
	cp out/current/learners.ndjson before.ndjson
	# a run that stalls on its input, then is killed
	mkfifo stall.csv
	conf "$PWD/out" "$PWD/stall.csv" >stall.conf
	(exec sleep 60 >stall.csv) &
	local feeder=$!
	tl-batch --config stall.conf 2>/dev/null &
	local batch=$!
	for _ in $(seq 100); do [ -n "$(ls -A out/.staging)" ] && break; sleep 0.1; done
	kill -KILL "$batch"
	wait "$batch" || true
	flock -n out/.lock true   # the lock died with it, while its stages still wait
	kill "$feeder"
	# nothing published: the old result, byte for byte
	cmp before.ndjson out/current/learners.ndjson
	[ -n "$(ls -A out/.staging)" ]   # the killed run's leftovers
	# the procedure: run again
	run --separate-stderr tl-batch --config good.conf
	assert_success
	intact out 100
	[ "$(metric tl_batch_success)" = 1 ]
	took "killed run"
}

@test "DRILL002: a full disk in the output directory: the run fails whole, the old generation stays; freeing space recovers (RECOVERY, A full disk)" {
	mkdir disk
	mount -t tmpfs -o size=2m tmpfs disk || { echo "mount -t tmpfs failed: the drill needs root" >&2; false; }
	conf "$PWD/disk/out" "$BATS_FILE_TMPDIR/small.csv" >small.conf
	conf "$PWD/disk/out" "$BATS_FILE_TMPDIR/big.csv" >big.conf
	tl-batch --config small.conf 2>/dev/null
	tl-batch --config small.conf 2>/dev/null
	cp disk/out/current/learners.ndjson before.ndjson
	# 3,000 learners do not fit in what is left
	run --separate-stderr tl-batch --config big.conf
	assert_failure 74
	[[ "$stderr" == *"No space left on device"* ]]
	cmp before.ndjson disk/out/current/learners.ndjson
	intact disk/out 100
	[ "$(metric tl_batch_exit_status)" = 74 ]
	# the procedure: remove the generations other than the active one, rerun
	local cur g
	cur=$(basename "$(readlink disk/out/current)")
	for g in disk/out/generations/*; do [ "$(basename "$g")" = "$cur" ] || rm -rf "$g"; done
	run --separate-stderr tl-batch --config small.conf
	assert_success
	intact disk/out 100
	[ "$(metric tl_batch_success)" = 1 ]
	took "full disk"
}

teardown() {
	if mountpoint -q "$BATS_TEST_TMPDIR/disk" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/disk"; fi
}

@test "DRILL003: bad input over the reject limit: exit 65, nothing published; removing the bad file recovers (RECOVERY, Bad input)" {
	conf "$PWD/out" "$PWD/in/*.csv" "max_rejects 1%" >batch.conf
	mkdir in
	cp "$BATS_FILE_TMPDIR/small.csv" in/day1.csv
	tl-batch --config batch.conf 2>/dev/null
	cp out/current/learners.ndjson before.ndjson
	cp "$BATS_FILE_TMPDIR/bad.csv" in/day2.csv
	run --separate-stderr tl-batch --config batch.conf
	assert_failure 65
	[[ "$stderr" == *"more than --max-rejects 1% allows"* ]]
	cmp before.ndjson out/current/learners.ndjson
	intact out 100
	[ "$(metric tl_batch_success)" = 0 ]
	# the metrics say why: the reject rate is over 1%
	awk -v r="$(metric tl_batch_records_rejected)" -v n="$(metric tl_batch_records_read)" 'BEGIN { exit !(r / n > 0.01) }'
	# the procedure: remove (or fix) the bad file, rerun
	rm in/day2.csv
	run --separate-stderr tl-batch --config batch.conf
	assert_success
	intact out 100
	took "bad input"
}

@test "DRILL004: rollback of a wrong generation (ROLLBACK), then the checks after an incident" {
	conf "$PWD/out" "$BATS_FILE_TMPDIR/small.csv" >good.conf
	conf "$PWD/out" "$BATS_FILE_TMPDIR/big.csv" >wrong.conf
	tl-batch --config good.conf 2>/dev/null
	local good
	good=$(readlink out/current)
	cp out/current/learners.ndjson good.ndjson
	tl-batch --config wrong.conf 2>/dev/null
	[ "$(metric tl_batch_learners_out)" = 3000 ]
	# the procedure
	run --separate-stderr tl-batch --rollback --config good.conf
	assert_success
	[[ "$stderr" == "tl-batch: rolled back: the active generation is now ${good#generations/} (was "* ]]
	# the checks after an incident
	[ "$(readlink out/current)" = "$good" ]
	cmp good.ndjson out/current/learners.ndjson
	run tl-batch --status --config good.conf
	assert_line "${good#generations/} (active)"
	grep -q "^tl_batch_active_info{generation=\"${good#generations/}\"," tf/tl_batch.prom
	intact out 100
	took "rollback"
}
