#!/usr/bin/env bats
# batch.bats - tl-batch: one pipeline that fails as a whole, generations
# switched atomically and kept, rollback, the lock, a killed run, the job
# metrics, the config's checks and the shipped schedule.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 645 --seed 11 >"$d/good.csv"
	# one bad action: without max_rejects the run fails on it
	awk -F, -v OFS=, 'NR == 4000 { $5 = "usex" } { print }' "$d/good.csv" >"$d/bad.csv"
}

# conf INPUT [EXTRA LINE...]: a config in the test's directory.
conf() {
	local input=$1
	shift
	printf '%s\n' "input $input" "as_of 2025-07-01" "output out" "keep 2" "textfile tf" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json --summary --summary-file {gen}/summary.txt" "$@"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	conf "$BATS_FILE_TMPDIR/good.csv" >good.conf
	conf "$BATS_FILE_TMPDIR/bad.csv" >bad.conf
}

gens() { local g=(out/generations/*); echo "${#g[@]}"; }
metric() { sed -n "s/^$1 //p" tf/tl_batch.prom; }

@test "BAT001: a good run publishes one generation: the result, the manifest, one log line per stage with counts" {
	run --separate-stderr tl-batch --config good.conf
	assert_success
	[ -L out/current ]
	local gen
	gen=$(basename "$(readlink out/current)")
	[[ "$gen" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z$ ]]
	[ "$(wc -l <out/current/learners.ndjson)" -eq 645 ]
	# the same as the pipeline run by hand
	tl-velocity --as-of 2025-07-01 "$BATS_FILE_TMPDIR/good.csv" | tl-affinity | tl-retention |
		tl-score --config "$TL_ROOT/config/v2.json" | cmp - out/current/learners.ndjson
	grep -qx "generation $gen" out/current/manifest
	grep -qx 'as_of 2025-07-01' out/current/manifest
	grep -qx 'algo_version v2' out/current/manifest
	grep -q '^portfolio average multiplier: ' out/current/summary.txt
	[ "${#stderr_lines[@]}" -eq 5 ]
	[[ "${stderr_lines[0]}" =~ ^"tl-batch: stage velocity: exit 0; records 19681 read, 0 rejected; learners 645 in, 645 out; "[0-9.]+" s"$ ]]
	[[ "${stderr_lines[3]}" =~ ^"tl-batch: stage score: exit 0; records 645 read, 0 rejected; learners 645 in, 645 out; " ]]
	[[ "${stderr_lines[4]}" == "tl-batch: published generation $gen (645 learners, as of 2025-07-01) in "*" s" ]]
	[ "$(metric tl_batch_success)" = 1 ]
	[ "$(metric tl_batch_learners_out)" = 645 ]
	[ "$(metric tl_batch_records_read)" = 19681 ]
	promtool check metrics <tf/tl_batch.prom
	[ "$(stat -c %a tf/tl_batch.prom)" = 644 ]
	[ -z "$(ls -A out/.staging)" ]
}

@test "BAT002: a failing stage fails the run: nothing published, the old generation intact, the failure in the metrics" {
	tl-batch --config good.conf 2>/dev/null
	local before
	before=$(readlink out/current)
	cp out/current/learners.ndjson before.ndjson
	run --separate-stderr tl-batch --config bad.conf
	assert_failure 65
	[ "$(readlink out/current)" = "$before" ]
	cmp before.ndjson out/current/learners.ndjson
	[ "$(gens)" -eq 1 ]
	[ -z "$(ls -A out/.staging)" ]
	[[ "$stderr" == *"tl-batch: stage velocity: exit 65;"* ]]
	[[ "$stderr" == *"tl-batch: velocity: tl-velocity: $BATS_FILE_TMPDIR/bad.csv:4000: unknown action 'usex'"* ]]
	[[ "$stderr" == *"tl-batch: stage score: exit 65;"* ]]
	[[ "$stderr" == *"tl-batch: failed (exit 65): nothing published; the active generation is still ${before#generations/}" ]]
	[ "$(metric tl_batch_success)" = 0 ]
	[ "$(metric tl_batch_exit_status)" = 65 ]
	grep -qx 'tl_batch_stage_exit_status{stage="velocity"} 65' tf/tl_batch.prom
	grep -qx 'tl_run_exit_status{stage="velocity",tool="tl-velocity"} 65' tf/tl_batch.prom
	# the last success is carried over; the learner counts of a failed run are left out
	[ -n "$(metric tl_batch_last_success_timestamp_seconds)" ]
	! grep -q '^tl_batch_learners_out' tf/tl_batch.prom || false
	promtool check metrics <tf/tl_batch.prom
	# with a reject limit the one bad row passes, and is kept with the generation
	conf "$BATS_FILE_TMPDIR/bad.csv" "max_rejects 0.1%" >lenient.conf
	run --separate-stderr tl-batch --config lenient.conf
	assert_success
	[ "$(wc -l <out/current/velocity.rejects)" -eq 1 ]
	[ "$(metric tl_batch_records_rejected)" = 1 ]
}

@test "BAT003: generations: the last 'keep' are kept; --rollback switches back atomically and says to which" {
	for _ in 1 2 3 4; do tl-batch --config good.conf 2>/dev/null; done
	[ "$(gens)" -eq 2 ]
	local old new
	local all=(out/generations/*)
	old=$(basename "${all[0]}")
	new=$(basename "${all[-1]}")
	[ "$(readlink out/current)" = "generations/$new" ]
	[ "$(metric tl_batch_generations)" = 2 ]
	run --separate-stderr tl-batch --rollback --config good.conf
	assert_success
	assert_equal "$stderr" "tl-batch: rolled back: the active generation is now $old (was $new)"
	[ "$(readlink out/current)" = "generations/$old" ]
	grep -q "^tl_batch_active_info{generation=\"$old\",algo_version=\"v2\"} 1$" tf/tl_batch.prom
	promtool check metrics <tf/tl_batch.prom
	run tl-batch --status --config good.conf
	assert_output "$old (active)
$new"
	run --separate-stderr tl-batch --rollback --config good.conf
	assert_failure 1
	assert_equal "$stderr" "tl-batch: $BATS_TEST_TMPDIR/out: no generation older than $old to roll back to"
}

@test "BAT004: the lock: a second run exits 75 at once; a run killed by SIGKILL blocks nothing and publishes nothing" {
	tl-batch --config good.conf 2>/dev/null
	local before
	before=$(readlink out/current)
	# another run holds the lock
	(exec 8>>out/.lock && flock 8 && exec sleep 20) &
	local holder=$!
	for _ in $(seq 50); do flock -n out/.lock true || break; sleep 0.1; done   # until it is held
	run --separate-stderr tl-batch --config good.conf
	assert_failure 75
	assert_equal "$stderr" "tl-batch: another tl-batch run holds $BATS_TEST_TMPDIR/out/.lock; try again later"
	kill "$holder"
	wait "$holder" || true
	# a run stuck reading its input, killed with SIGKILL
	mkfifo stuck.csv
	conf "$BATS_TEST_TMPDIR/stuck.csv" >stuck.conf
	(sleep 30 >stuck.csv) &
	local feeder=$!
	tl-batch --config stuck.conf 2>/dev/null &
	local batch=$!
	for _ in $(seq 100); do [ -n "$(ls -A out/.staging)" ] && break; sleep 0.1; done
	[ -n "$(ls -A out/.staging)" ]
	kill -KILL "$batch"
	wait "$batch" || true
	# the lock died with it, while its stages still wait on their input
	flock -n out/.lock true
	kill "$feeder" 2>/dev/null || true
	# the next run takes the lock, clears the killed run's staging, publishes
	[ "$(readlink out/current)" = "$before" ]
	run --separate-stderr tl-batch --config good.conf
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; false; }
	[ "$(readlink out/current)" != "$before" ]
	[ -z "$(ls -A out/.staging)" ]
}

@test "BAT005: SIGTERM: the failure's metrics (exit 143), no generation, no staging" {
	mkfifo slow.csv
	conf "$BATS_TEST_TMPDIR/slow.csv" >slow.conf
	( { head -3000 "$BATS_FILE_TMPDIR/good.csv"; sleep 2; } >slow.csv ) &
	tl-batch --config slow.conf 2>err.txt &
	local batch=$!
	for _ in $(seq 100); do [ -n "$(ls -A out/.staging 2>/dev/null)" ] && break; sleep 0.1; done
	kill -TERM "$batch"
	local st=0
	wait "$batch" || st=$?
	[ "$st" -eq 143 ]
	grep -q 'stopped by a signal (exit 143): nothing published' err.txt
	[ ! -e out/current ]
	[ -z "$(ls -A out/.staging)" ]
	[ "$(metric tl_batch_exit_status)" = 143 ]
}

@test "BAT006: the as-of is the last midnight UTC by default; --as-of overrides it" {
	grep -v '^as_of' good.conf >midnight.conf
	run --separate-stderr tl-batch --config midnight.conf
	assert_success
	local want
	want=$(date -u +%Y-%m-%dT00:00:00Z)
	grep -qx "as_of $want" out/current/manifest
	head -1 out/current/learners.ndjson | grep -q "\"as_of\":\"$want\""
	run --separate-stderr tl-batch --config midnight.conf --as-of 2025-06-01
	assert_success
	head -1 out/current/learners.ndjson | grep -q '"as_of":"2025-06-01T00:00:00Z"'
}

@test "BAT007: config errors are clear and exit 64 or 66" {
	printf 'output out\nstage v tl-velocity\nbogus 1\n' >c1.conf
	run --separate-stderr tl-batch --config c1.conf
	assert_failure 64
	assert_equal "$stderr" "tl-batch: c1.conf:3: unknown key 'bogus'"
	printf 'input nothing-*.csv\n' >c2.conf
	run --separate-stderr tl-batch --config c2.conf
	assert_failure 66
	assert_equal "$stderr" "tl-batch: c2.conf:1: no input file matches 'nothing-*.csv'"
	printf 'output out\nstage v rm -rf /\n' >c3.conf
	run --separate-stderr tl-batch --config c3.conf
	assert_failure 64
	assert_equal "$stderr" "tl-batch: c3.conf:2: stage 'v' runs 'rm', not a tl tool"
	printf 'output out\nkeep 0\nstage v tl-velocity\n' >c4.conf
	run --separate-stderr tl-batch --config c4.conf
	assert_failure 64
	printf 'output out\nstage v tl-velocity\nstage v tl-affinity\n' >c5.conf
	run --separate-stderr tl-batch --config c5.conf
	assert_failure 64
	assert_equal "$stderr" "tl-batch: c5.conf:3: two stages are named 'v'"
	run --separate-stderr tl-batch --config missing.conf
	assert_failure 66
	run --separate-stderr tl-batch --bogus
	assert_failure 64
}

@test "BAT008: the shipped systemd units and config are the ones tl-batch(1) shows, and systemd accepts them" {
	local page=$TL_ROOT/man/tl-batch.1 u
	for u in tl-batch.service tl-batch.timer; do
		# the page's block for the unit: from its "# /etc/systemd/system/NAME" line to the next blank-then-#
		awk -v u="# /etc/systemd/system/$u" '$0 == u { on = 1; next } on && /^# \/etc/ { exit } on && /^\.Ed/ { exit } on' "$page" |
			sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"page-$u"
		grep -v '^#' "$TL_ROOT/config/systemd/$u" >"shipped-$u"
		diff "shipped-$u" "page-$u"
	done
	# the units' Documentation= pages, found by man in a tree laid out as man expects
	mkdir -p manpath/man1 manpath/man7
	ln -s "$TL_ROOT"/man/*.1 manpath/man1/
	ln -s "$TL_ROOT"/man/*.7 manpath/man7/
	MANPATH=$PWD/manpath systemd-analyze verify "$TL_ROOT/config/systemd/tl-batch.timer" "$TL_ROOT/config/systemd/tl-batch.service" 2>&1 |
		{ ! grep -v 'Command /usr/bin/tl-batch is not executable' | grep . || false; }   # not installed here
	# the shipped config parses (its input pattern matches nothing here: 66, after the syntax checks)
	run --separate-stderr tl-batch --config "$TL_ROOT/config/batch.conf"
	assert_failure 66
	[[ "$stderr" == *"no input file matches '/var/log/learning/events-*.csv'" ]]
}
