#!/usr/bin/env bats
# parallel.bats - tl-parallel on this host's job slots: the shards' result
# is the single run's, at several shard counts, with empty shards, as CSV,
# with the input split and transferred; a failed shard publishes nothing
# and --resume reruns it alone; a report merged from the shards'
# statistics; stages that cannot be merged are refused. The runs over ssh
# are in parallel-ssh.bats.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

ASOF=2025-07-01

setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 645 --seed 11 >"$d/good.csv"
	# one bad action: the shard of its learner fails
	awk -F, -v OFS=, 'NR == 4000 { $5 = "usex" } { print }' "$d/good.csv" >"$d/bad.csv"
	tl-velocity --as-of $ASOF "$d/good.csv" | tl-affinity | tl-retention |
		tl-score --config "$TL_ROOT/config/v2.json" | sort >"$d/single.sorted"
	tl-loadgen --learners 400 --seed 3 --truth --arm-split 50:50 --effect 0.05 --outcome >"$d/ab.csv"
}

# conf INPUT [EXTRA LINE...]: a config of the 4-stage pipeline.
conf() {
	local input=$1
	shift
	printf '%s\n' "input $input" "as_of $ASOF" "output out" "keep 2" "textfile tf" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json" "$@"
}

# ab_conf EXTRA...: velocity, then an A/B report of the arms.
ab_conf() {
	printf '%s\n' "input $BATS_FILE_TMPDIR/ab.csv" "as_of 2025-10-01" "output ab" "result report.txt" \
		"stage velocity tl-velocity" "stage abtest tl-abtest --metric roi --metric velocity --by true_archetype $*"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	conf "$BATS_FILE_TMPDIR/good.csv" >good.conf
}

gens() { local g=(out/generations/*); echo "${#g[@]}"; }
metric() { sed -n "s/^$1 //p" tf/tl_parallel.prom; }

@test "PAR001: -j 2 at 1, 2, 3 and 7 shards: the result sorted is the single run's, byte for byte; one generation each" {
	local n gen
	for n in 1 2 3 7; do
		run --separate-stderr tl-parallel --config good.conf -j 2 --shards "$n"
		assert_success
		sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
		gen=$(basename "$(readlink out/current)")
		[[ "$gen" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z$ ]]
		[ "${#stderr_lines[@]}" -eq $((n + 1)) ]
		[[ "${stderr_lines[0]}" =~ ^"tl-parallel: shard 0 on this host: learners "[0-9]+" in, "[0-9]+" out"$ ]]
		[[ "${stderr_lines[-1]}" == "tl-parallel: published generation $gen ($n shards, 645 learners, as of $ASOF) in "*" s" ]]
		[ "$(find out/current/shards -mindepth 1 -maxdepth 1 | wc -l)" -eq "$n" ]
		grep -qx "shards $n" out/current/manifest
		grep -qx "mode shared" out/current/manifest
		grep -qx "algo_version v2" out/current/manifest
		[ "$(metric tl_parallel_learners_out)" = 645 ]
		[ "$(metric tl_parallel_shards)" = "$n" ]
		[ "$(wc -l <out/current/joblog)" -eq $((n + 1)) ]
	done
	# each shard's stages wrote their files; the shards' records are gone
	# into the result
	[ -s out/current/shards/6/score.prom ]
	[ "$(cat out/current/shards/6/velocity.status)" = 0 ]
	[ ! -e out/current/shards/6/learners.ndjson ]
	[ "$(metric tl_parallel_success)" = 1 ]
	promtool check metrics <tf/tl_parallel.prom
	[ -z "$(ls -A out/.staging)" ]
	# tl-batch sees the same generations, and keep 2 held
	[ "$(gens)" -eq 2 ]
	run tl-batch --status --config good.conf
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == "$gen (active)" ]]
}

@test "PAR002: empty shards, and CSV: the header once, the rows the single run's" {
	# the worked example is one learner: two of three shards are empty
	printf '%s\n' "input $TESTDATA/worked/worked.csv" "as_of 2025-01-29" "output out" "result learners.csv" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json -o csv" >worked.conf
	run --separate-stderr tl-parallel --config worked.conf -j 2 --shards 3
	assert_success
	tl-velocity --as-of 2025-01-29 "$TESTDATA/worked/worked.csv" | tl-affinity | tl-retention |
		tl-score --config "$TL_ROOT/config/v2.json" -o csv | cmp - out/current/learners.csv
	[[ "$stderr" == *"learners 0 in, 0 out"* ]]
	# 645 learners in 7 shards as CSV
	conf "$BATS_FILE_TMPDIR/good.csv" "result learners.csv" | sed 's|v2.json$|v2.json -o csv|' >csv.conf
	run --separate-stderr tl-parallel --config csv.conf -j 2 --shards 7
	assert_success
	tl-velocity --as-of $ASOF "$BATS_FILE_TMPDIR/good.csv" | tl-affinity | tl-retention |
		tl-score --config "$TL_ROOT/config/v2.json" -o csv >single.csv
	[ "$(head -1 out/current/learners.csv)" = "$(head -1 single.csv)" ]
	[ "$(grep -c ^learner_id, out/current/learners.csv)" -eq 1 ]
	cmp <(tail -n +2 out/current/learners.csv | sort) <(tail -n +2 single.csv | sort)
}

@test "PAR003: --transfer on this host: the input split in one pass, the same result, no split files kept" {
	run --separate-stderr tl-parallel --config good.conf -j 2 --shards 3 --transfer
	assert_success
	[ "${stderr_lines[0]}" = "tl-parallel: splitting the input into 3 shards" ]
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	grep -qx "mode transfer" out/current/manifest
	[ -z "$(find out/current/ -name '*.in' -o -name '*.tar')" ]
	[ ! -e "out/current/tl-parallel.$(basename "$(readlink out/current)")" ]
}

# wrap_velocity: a tl-velocity first in PATH that logs the shard of each
# run to runs.log, then runs the real one.
wrap_velocity() {
	mkdir -p wrap
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" | grep -o -- "--shard [0-9]*/[0-9]*" >>%s/runs.log\nexec %s/tl-velocity "$@"\n' \
		"$BATS_TEST_TMPDIR" "$TL_BIN" >wrap/tl-velocity
	chmod +x wrap/tl-velocity
}

@test "PAR004: a failed shard fails the run and publishes nothing; fixed, --resume reruns it alone, and the result is the single run's" {
	tl-parallel --config good.conf -j 2 --shards 3 2>/dev/null
	local before k
	before=$(readlink out/current)
	cp "$BATS_FILE_TMPDIR/bad.csv" input.csv
	conf input.csv >fix.conf
	wrap_velocity
	PATH=$BATS_TEST_TMPDIR/wrap:$PATH run --separate-stderr tl-parallel --config fix.conf -j 2 --shards 3
	assert_failure 65
	[ "$(readlink out/current)" = "$before" ]
	[ "$(gens)" -eq 1 ]
	[ "$(sort runs.log)" = "$(printf -- '--shard %s/3\n' 0 1 2)" ]
	# which shard failed, why, and what to do
	k=$(sed -n 's/^tl-parallel: shard \([0-9]\) on this host: exit 65: stage velocity failed$/\1/p' <<<"$stderr")
	[ -n "$k" ]
	[[ "$stderr" == *"tl-parallel: shard $k: velocity: tl-velocity: input.csv:4000: unknown action 'usex'"* ]]
	[[ "${stderr_lines[-1]}" == "tl-parallel: failed (exit 65): nothing published; the active generation is still ${before#generations/}; 1 of 3 shards failed ($k); rerun them with --resume" ]]
	[ "$(metric tl_parallel_success)" = 0 ]
	[ "$(metric tl_parallel_exit_status)" = 65 ]
	[ "$(metric tl_parallel_shards_failed)" = 1 ]
	[ -n "$(metric tl_parallel_last_success_timestamp_seconds)" ]
	local staging=(out/.staging/*)
	[ "${#staging[@]}" -eq 1 ]
	[ -f "${staging[0]}/state" ]
	# fixed: only shard k runs again
	cp "$BATS_FILE_TMPDIR/good.csv" input.csv
	: >runs.log
	PATH=$BATS_TEST_TMPDIR/wrap:$PATH run --separate-stderr tl-parallel --config fix.conf -j 2 --resume
	assert_success
	[ "$(cat runs.log)" = "--shard $k/3" ]
	[[ "${stderr_lines[0]}" == "tl-parallel: resuming ${staging[0]##*/}: rerunning the shards that failed" ]]
	[ "$(readlink out/current)" = "generations/${staging[0]##*/}" ]
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	# the joblog: a line per shard, and the rerun's
	[ "$(awk -F '\t' 'NR > 1 { print $1 - 1, $7 }' out/current/joblog | sort -s -k1,1n)" = "$(
		for i in 0 1 2; do
			if [ "$i" = "$k" ]; then printf '%s 65\n%s 0\n' "$i" "$i"; else printf '%s 0\n' "$i"; fi
		done
	)" ]
	[ -z "$(ls -A out/.staging)" ]
	[ "$(metric tl_parallel_success)" = 1 ]
}

@test "PAR005: --resume is refused with nothing to resume or another pipeline; a new run clears a failed run's staging" {
	run --separate-stderr tl-parallel --config good.conf --resume
	assert_failure 66
	assert_equal "$stderr" "tl-parallel: $BATS_TEST_TMPDIR/out/.staging: no failed run to resume"
	conf "$BATS_FILE_TMPDIR/bad.csv" >bad.conf
	run tl-parallel --config bad.conf -j 2 --shards 2
	assert_failure 65
	sed 's/tl-affinity$/tl-affinity --domains 9/' bad.conf >changed.conf
	run --separate-stderr tl-parallel --config changed.conf --resume
	assert_failure 64
	[[ "$stderr" == "tl-parallel: --resume: the config's pipeline or inputs changed since the failed run "*"; start a new run without --resume" ]]
	run --separate-stderr tl-parallel --config bad.conf --resume --shards 3
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: --resume: the failed run has 2 shards, not 3"
	run --separate-stderr tl-parallel --config bad.conf --resume --transfer
	assert_failure 64
	run --separate-stderr tl-parallel --config good.conf -j 2 --shards 2
	assert_success
	[ -z "$(ls -A out/.staging)" ]
}

@test "PAR006: a report stage: tl-abtest's statistics from 1, 2, 3 and 7 shards merge into the single run's report" {
	local n
	ab_conf >ab.conf
	ab_conf -o json >abj.conf
	tl-velocity --as-of 2025-10-01 "$BATS_FILE_TMPDIR/ab.csv" |
		tl-abtest --metric roi --metric velocity --by true_archetype >single.txt
	tl-velocity --as-of 2025-10-01 "$BATS_FILE_TMPDIR/ab.csv" |
		tl-abtest --metric roi --metric velocity --by true_archetype -o json >single.json
	for n in 1 2 3 7; do
		run --separate-stderr tl-parallel --config ab.conf -j 2 --shards "$n"
		assert_success
		cmp ab/current/report.txt single.txt
		# each shard's statistics, and no shard's report
		head -1 ab/current/shards/0/report.txt | grep -q '^by,segment,arm,metric,kind,'
		run --separate-stderr tl-parallel --config abj.conf -j 2 --shards "$n"
		assert_success
		python3 - single.json ab/current/report.txt <<'PY'
import json, math, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
def same(x, y, path):
    if isinstance(x, dict):
        assert isinstance(y, dict) and x.keys() == y.keys(), path
        for k in x: same(x[k], y[k], path + "." + k)
    elif isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), path
        for i, (p, q) in enumerate(zip(x, y)): same(p, q, "%s[%d]" % (path, i))
    elif isinstance(x, float) and isinstance(y, (int, float)):
        assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (path, x, y)
    else:
        assert x == y, (path, x, y)
same(a, b, "$")
PY
	done
}

@test "PAR007: a cohort result that cannot be merged is refused, naming the stage; a report stage must be last" {
	# a tl-eval without --emit-stats and --merge, first in PATH
	mkdir -p old
	printf '#!/bin/sh\necho "usage: tl-eval [--truth F] [FILE ...]"\n' >old/tl-eval
	chmod +x old/tl-eval
	printf '%s\n' "input $BATS_FILE_TMPDIR/good.csv" "output out" "stage velocity tl-velocity" "stage eval tl-eval --truth churned" >eval.conf
	PATH=$BATS_TEST_TMPDIR/old:$PATH run --separate-stderr tl-parallel --config eval.conf
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: eval.conf: stage 'eval': tl-eval writes a result of the whole cohort, and has no --emit-stats and --merge to build it from shards; run this stage with tl-batch"
	printf '%s\n' "input $BATS_FILE_TMPDIR/good.csv" "output out" "stage velocity tl-velocity" \
		"stage model tl-model --fit --target churned --features velocity" >model.conf
	run --separate-stderr tl-parallel --config model.conf
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: model.conf: stage 'model': tl-model --fit over shards runs in passes, which tl-parallel does not drive: fit with tl_model_fit_loop (tl-model(1) SHARDED FITS), or run this stage with tl-batch"
	ab_conf >ab.conf
	echo "stage v2 tl-velocity" >>ab.conf
	run --separate-stderr tl-parallel --config ab.conf
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: ab.conf: stage 'abtest': tl-abtest writes a report, not records: it must be the last stage"
	ab_conf --emit-stats >ab2.conf
	run --separate-stderr tl-parallel --config ab2.conf
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: ab2.conf: stage 'abtest': tl-abtest: tl-parallel adds --emit-stats itself; leave it out of the stage"
	[ ! -e out ]
	[ ! -e ab ]
}

@test "PAR008: usage errors exit 64; the lock held exits 75; the config's own errors are tl-batch's" {
	run --separate-stderr tl-parallel --bogus
	assert_failure 64
	[ "${stderr_lines[0]}" = "tl-parallel: unknown option --bogus" ]
	run --separate-stderr tl-parallel --config good.conf --shards 0
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: --shards wants at least 1, not 0"
	run --separate-stderr tl-parallel --config good.conf -j x
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: -j wants a whole number, not 'x'"
	run --separate-stderr tl-parallel --config good.conf --retries
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: --retries wants a value"
	printf 'output out\nstage v tl-velocity\nbogus 1\n' >c1.conf
	run --separate-stderr tl-parallel --config c1.conf
	assert_failure 64
	assert_equal "$stderr" "tl-parallel: c1.conf:3: unknown key 'bogus'"
	run tl-parallel --help
	assert_success
	[[ "${lines[0]}" == "usage: tl-parallel "* ]]
	mkdir -p out
	(exec 8>>out/.lock && flock 8 && exec sleep 20) &
	local holder=$!
	for _ in $(seq 50); do flock -n out/.lock true || break; sleep 0.1; done
	run --separate-stderr tl-parallel --config good.conf
	assert_failure 75
	assert_equal "$stderr" "tl-parallel: another tl-parallel run holds $BATS_TEST_TMPDIR/out/.lock; try again later"
	kill "$holder"
	wait "$holder" || true
}

@test "PAR009: SIGTERM: nothing published, the failure's metrics (exit 143), the staging kept; --resume finishes the run" {
	# a first stage that takes its time while slow exists
	mkdir -p wrap
	printf '#!/bin/sh\n[ ! -e %s/slow ] || sleep 2\nexec %s/tl-velocity "$@"\n' "$BATS_TEST_TMPDIR" "$TL_BIN" >wrap/tl-velocity
	chmod +x wrap/tl-velocity
	touch slow
	PATH=$BATS_TEST_TMPDIR/wrap:$PATH tl-parallel --config good.conf -j 2 --shards 2 2>err.txt &
	local pid=$! st=0
	for _ in $(seq 100); do [ -n "$(find out/.staging -name 'shard-*' 2>/dev/null)" ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
	grep -q 'stopped by a signal (exit 143): nothing published; the active generation is still none; --resume reruns the shards that did not finish' err.txt
	[ ! -e out/current ]
	[ "$(metric tl_parallel_exit_status)" = 143 ]
	local staging=(out/.staging/*)
	[ -f "${staging[0]}/state" ]
	rm slow
	run --separate-stderr tl-parallel --config good.conf -j 2 --resume
	assert_success
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
}

@test "PAR010: side results merged from 1, 3 and 7 shards are tl-batch's: tl-score --summary-file (the shipped batch.conf's stage) and tl-affinity --transfer-pairs" {
	local n
	printf '%s\n' "input $BATS_FILE_TMPDIR/good.csv" "as_of $ASOF" "output single" "textfile tf" \
		"stage velocity tl-velocity" "stage affinity tl-affinity --transfer-pairs {gen}/pairs.csv" \
		"stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json --summary --summary-file {gen}/summary.txt" >side.conf
	tl-batch --config side.conf 2>/dev/null
	[ -s single/current/summary.txt ]
	[ -s single/current/pairs.csv ]
	sed 's/^output single/output out/' side.conf >par.conf
	for n in 1 3 7; do
		run --separate-stderr tl-parallel --config par.conf -j 2 --shards "$n"
		assert_success
		cmp single/current/summary.txt out/current/summary.txt
		cmp single/current/pairs.csv out/current/pairs.csv
		sort out/current/learners.ndjson | cmp - <(sort single/current/learners.ndjson)
	done
}
