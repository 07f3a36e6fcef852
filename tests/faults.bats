#!/usr/bin/env bats
# faults.bats - writes that fail partway, and memory that runs out (the
# hardening issue, "Fault injection"): every tool with each of its outputs
# failing exits 74 (a write error; 73 when a file cannot be created, 70
# when memory runs out) with "tool: write error on FILE: what", and
# publishes nothing: each output's previous file is left as it was, and
# no temporary is left behind (tl(7) FILES).
#
# How the writes fail, so that every check runs everywhere:
#  - ENOSPC on a small tmpfs (mount, as root; where the container cannot
#    mount, the same checks run past ulimit -f, which fails the writes
#    partway with EFBIG);
#  - EFBIG past ulimit -f (RLIMIT_FSIZE, no privilege needed);
#  - EIO from fsync, and ENOSPC, EIO and short writes from write(2), by
#    the preload library build/faultshim.so (tests/faults/faultshim.c);
#  - /dev/full for standard output.
# Memory: ulimit -v in a subshell. ASan reserves terabytes of address
# space, so under the sanitizer build (make bats-san) those tests are
# skipped; the plain pass (make bats) runs them.

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

SHIM="$TL_ROOT/build/faultshim.so"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 1000 --seed 3 --truth --outcome --arm-split 50:50 >"$d/ev.csv"
	tl-velocity --as-of 2025-12-01 "$d/ev.csv" | tl-affinity --as-of 2025-12-01 |
		tl-retention --as-of 2025-12-01 --label >"$d/docs.ndjson"
	tl-score --config v1 --as-of 2025-12-01 "$d/docs.ndjson" >"$d/scored.ndjson"
	# event rows with 3,000 bad rows after them (for --rejects)
	{ cat "$d/ev.csv"; for i in $(seq 3000); do echo "LZ$i,not-a-time,d,c,use"; done; } >"$d/bad.csv"
	tl-abtest --metric roi --emit-stats "$d/docs.ndjson" >"$d/stats.csv"
	tl-abtest --metric roi --format json "$d/docs.ndjson" >"$d/ab.json" 2>/dev/null
	tl-eval --score churn_risk --label churned --emit-stats "$d/scored.ndjson" >"$d/evalstats.csv"
	tl-model --fit --target roi --kind linear --features velocity,retention_strength --cv 3 --emit-stats "$d/docs.ndjson" >"$d/model.stats"
	# the stats files of --emit-stats FILE, for the merges
	tl-retention --as-of 2025-12-01 --fit --emit-stats "$d/ret.st" "$d/ev.csv" >/dev/null 2>&1
	tl-affinity --as-of 2025-12-01 --emit-stats "$d/aff.st" "$d/ev.csv" >/dev/null
	tl-score --config v1 --emit-stats "$d/score.st" "$d/docs.ndjson" >/dev/null
	tl-score --config v1 --calibrate --outcome roi --emit-stats "$d/cal.st" "$d/scored.ndjson" >/dev/null 2>&1
}

teardown() {
	if mountpoint -q "$BATS_TEST_TMPDIR/disk" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/disk"; fi
}

# The cases: a command line with @OPT where output option OPT goes
# (@output is --output, or -o for tl-report); each output in turn fails.
cases() {
	local d=$BATS_FILE_TMPDIR
	cat <<EOC
tl-velocity --as-of 2025-12-01 @output @metrics $d/ev.csv
tl-velocity --as-of 2025-12-01 --skip-bad @rejects @output $d/bad.csv
tl-affinity --as-of 2025-12-01 @transfer-pairs @emit-stats @output @metrics $d/ev.csv
tl-affinity --as-of 2025-12-01 --merge @transfer-pairs @emit-stats $d/aff.st
tl-retention --as-of 2025-12-01 @output @metrics $d/ev.csv
tl-retention --as-of 2025-12-01 --fit @curves @emit-stats @output $d/ev.csv
tl-retention --as-of 2025-12-01 --fit --merge @curves @emit-stats @output $d/ret.st
tl-score --config v1 --as-of 2025-12-01 @summary-file @emit-stats @output @metrics $d/docs.ndjson
tl-score --config v1 --merge @summary-file @emit-stats $d/score.st
tl-score --config v1 --calibrate --outcome roi @emit-stats @output @metrics $d/scored.ndjson
tl-score --config v1 --calibrate --merge --outcome roi @emit-stats @output $d/cal.st
tl-eval --score churn_risk --label churned @curve @output @metrics $d/scored.ndjson
tl-eval --score churn_risk --label churned --emit-stats @output $d/scored.ndjson
tl-eval --merge --format json @curve @output $d/evalstats.csv
tl-abtest --metric roi @output @metrics $d/docs.ndjson
tl-abtest --metric roi --emit-stats @output $d/docs.ndjson
tl-abtest --merge --metric roi --format json @output $d/stats.csv
tl-model --fit --target roi --kind linear --features velocity,retention_strength @output @metrics $d/docs.ndjson
tl-model --fit --target roi --kind linear --features velocity,retention_strength --cv 3 @oof @output @metrics $d/docs.ndjson
tl-model --fit --target roi --kind linear --features velocity,retention_strength --cv 3 --emit-stats @output @metrics $d/docs.ndjson
tl-model --merge @output $d/model.stats
tl-loadgen --learners 2000 @output
tl-report --abtest $d/ab.json @output @html
tl-export @sqlite @metrics $d/docs.ndjson
EOC
}

# line CASE TARGET DIR OTHER: CASE with output TARGET in DIR, the others in OTHER.
line() {
	local w out=()
	for w in $1; do
		case $w in
		@*)
			local o=${w#@} f=$3
			[ "$o" = "$2" ] || f=$4
			out+=("--$o" "$f/$o.out")
			;;
		*) out+=("$w") ;;
		esac
	done
	printf '%s\n' "${out[@]}"
}

# previous DIR NAMES...: a previous file for each output, to be left as it was.
previous() {
	local dir=$1 n
	shift
	for n in "$@"; do [ -e "$dir/$n.out" ] || echo "previous $n" >"$dir/$n.out"; done
}

# outputs CASE: the output options of CASE.
outputs() { grep -o '@[a-z-]*' <<<"$1" | tr -d @; }

# intact DIR NAMES...: each output holds its previous text, and DIR holds
# nothing else but the filler. --metrics is the one output a failed run
# writes (tl(7) METRICS): it holds the previous text or says the run failed.
intact() {
	local dir=$1 n
	shift
	for n in "$@"; do
		[ "$(cat "$dir/$n.out")" = "previous $n" ] && continue
		[ "$n" = metrics ] && grep -q '^tl_run_success{tool="tl-[a-z]*"} 0$' "$dir/$n.out" && continue
		echo "$dir/$n.out was replaced"
		return 1
	done
	local f
	for f in "$dir"/* "$dir"/.[!.]*; do
		[ -e "$f" ] || continue
		case ${f##*/} in filler | *.out) ;; *) echo "left in $dir: ${f##*/}"; return 1 ;; esac
	done
}

# run_case CASE TARGET WRAP...: run CASE (TARGET's file in disk/, the
# others in other/) under the wrapper command WRAP (e.g. a ulimit), check
# the exit code, the message's shape and that nothing was published.
run_case() {
	local c=$1 target=$2 why=$3 o
	shift 3
	local names
	mapfile -t names < <(outputs "$c")
	previous disk "$target"
	for o in "${names[@]}"; do [ "$o" = "$target" ] || previous other "$o"; done
	local argv
	mapfile -t argv < <(line "$c" "$target" "$PWD/disk" "$PWD/other")
	run --separate-stderr "$@" "${argv[@]}"
	[ "$status" -eq 74 ] || [ "$status" -eq 73 ] || { echo "$c [$target]: exit $status: $stderr"; return 1; }
	local tool=${argv[0]} want
	# a message names the tool and the file, and says what went wrong (when
	# every write fails, the failure's metrics say so too, after it)
	want="$tool: *${NAMED:-$PWD/disk/$target.out}*: $why"
	[ "$target" != sqlite ] || want="$tool: *$PWD/disk/$target.out: *"   # or SQLite's words: "database or disk is full"
	local l found=0
	while IFS= read -r l; do
		# shellcheck disable=SC2053 # want is a pattern
		[[ "$l" != $want ]] || found=1
	done <<<"$stderr"
	[ "$found" = 1 ] || { echo "$c [$target]: message: $stderr"; return 1; }
	intact disk "$target" || { echo "$c [$target]"; return 1; }
	local others=()
	for o in "${names[@]}"; do [ "$o" = "$target" ] || others+=("$o"); done
	[ ${#others[@]} -eq 0 ] || intact other "${others[@]}" || { echo "$c [$target]"; return 1; }
	rm -f disk/*.out other/*.out
}

# size_of CASE TARGET: the size of TARGET's file in a run that succeeds.
size_of() {
	local argv
	mkdir -p sized
	mapfile -t argv < <(line "$1" "$2" "$PWD/sized" "$PWD/sized")
	"${argv[@]}" >/dev/null 2>&1
	stat -c %s "sized/$2.out"
	rm -rf sized
}

# limited KIB CMD...: CMD with its files limited to KIB KiB (ulimit -f;
# SIGXFSZ ignored, so a write past it fails with EFBIG). Its stderr goes
# through a pipe: bats keeps it in a file, which the limit would cut.
limited() {
	local kib=$1
	shift
	{
		(
			trap "" XFSZ
			ulimit -f "$kib"
			exec "$@"
		) 2>&1 1>&3 | cat >&2
		return "${PIPESTATUS[0]}"
	} 3>&1
}

# tmpfs DIR SIZE: mount a tmpfs of SIZE at DIR; 1 when this container cannot.
tmpfs() { mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; }

@test "FLT001: a full disk partway through (ENOSPC on a 256 KiB tmpfs): every tool, each output in turn: exit 74, the previous files stay, no temporary is left" {
	cd "$BATS_TEST_TMPDIR"
	mkdir other
	local c t why="No space left on device" wrap=()
	if ! tmpfs disk 256k; then
		echo "# no tmpfs here: the writes fail past ulimit -f instead" >&3
		mkdir -p disk
		why="File too large"
		wrap=(limited 128)
	fi
	while read -r c; do
		for t in $(outputs "$c"); do
			# room for half of the output (its size in a run that succeeds):
			# under 8 KiB it fails at its first write
			local size
			size=$(size_of "$c" "$t")
			previous disk "$t"
			head -c 100M /dev/zero >disk/filler 2>/dev/null || true
			truncate -s "-$((size / 2 / 4096 * 4096))" disk/filler
			run_case "$c" "$t" "$why" "${wrap[@]}"
			rm -f disk/filler
		done
	done < <(cases)
}

@test "FLT002: a write past the file size limit (ulimit -f, EFBIG): every tool, each output in turn: exit 74, nothing published" {
	cd "$BATS_TEST_TMPDIR"
	mkdir disk other
	local c t
	while read -r c; do
		for t in $(outputs "$c"); do
			# half the output's size (in KiB, ulimit's unit): past it every file
			# fails, the target's and the others': the message names the first
			local kib
			kib=$(($(size_of "$c" "$t") / 2048))
			NAMED="$PWD/*.out" run_case "$c" "$t" "File too large" limited "$kib"
		done
	done < <(cases)
}

@test "FLT003: fsync fails with EIO, and a file on a full disk (ENOSPC at its first write), by build/faultshim.so: every tool, each output in turn: exit 74, nothing published" {
	[ -f "$SHIM" ] || { echo "no $SHIM: make all builds it" >&2; false; }
	cd "$BATS_TEST_TMPDIR"
	mkdir disk other
	local c t f why
	for f in eio-fsync full; do
		why="Input/output error"
		[ "$f" = eio-fsync ] || why="No space left on device"
		while read -r c; do
			for t in $(outputs "$c"); do
				run_case "$c" "$t" "$why" env LD_PRELOAD="$SHIM" TL_FAULT=$f \
					TL_FAULT_PATH="/disk/$t.out" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
			done
		done < <(cases)
	done
}

@test "FLT004: write(2) failing partway (ENOSPC, EIO) and short writes: the database of tl-export, the metrics of a failed run" {
	[ -f "$SHIM" ] || { echo "no $SHIM: make all builds it" >&2; false; }
	cd "$BATS_TEST_TMPDIR"
	mkdir disk other
	local d=$BATS_FILE_TMPDIR pre=(env LD_PRELOAD="$SHIM" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
	# SQLite writes with pwrite(2): the database fails 100 KB in, the old one stays
	tl-export --sqlite disk/db.sqlite "$TESTDATA/worked/worked.ndjson"
	cp disk/db.sqlite before.sqlite
	local f
	for f in enospc eio; do
		run --separate-stderr "${pre[@]}" TL_FAULT=$f TL_FAULT_AFTER=100000 TL_FAULT_PATH=/disk/db.sqlite \
			tl-export --sqlite disk/db.sqlite "$d/docs.ndjson"
		[ "$status" -eq 74 ] || { echo "$f: exit $status: $stderr"; false; }
		[[ "$stderr" == "tl-export: "*"disk/db.sqlite"* ]] || { echo "$f: $stderr"; false; }
		cmp before.sqlite disk/db.sqlite
		run ls -A disk
		assert_output db.sqlite
	done
	# short writes are written whole: the same database as without them
	run --separate-stderr "${pre[@]}" TL_FAULT=short TL_FAULT_PATH=disk/ tl-export --sqlite disk/short.sqlite "$d/docs.ndjson"
	assert_success
	tl-export --sqlite other/plain.sqlite "$d/docs.ndjson"
	[ "$(sqlite3 disk/short.sqlite 'select count(*), sum(velocity) from learners')" = \
	  "$(sqlite3 other/plain.sqlite 'select count(*), sum(velocity) from learners')" ]
	# a failed run writes its metrics at once with write(2) (tl_output_write_now):
	# short writes still give the whole file, a full disk leaves the old one
	printf 'learner_id,ts\nL1,bad\n' >bad.csv
	run --separate-stderr "${pre[@]}" TL_FAULT=short TL_FAULT_PATH=disk/ tl-velocity --metrics disk/m.prom bad.csv
	assert_failure 65
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 65' disk/m.prom
	tail -1 disk/m.prom | grep -q '^tl_learners_written{tool="tl-velocity"} 0$'
	echo previous >disk/m.prom
	run --separate-stderr "${pre[@]}" TL_FAULT=enospc TL_FAULT_AFTER=100 TL_FAULT_PATH=disk/ tl-velocity --metrics disk/m.prom bad.csv
	assert_failure 65
	[[ "$stderr" == *"tl-velocity: $PWD/disk/m.prom: cannot write the failure's metrics: No space left on device"* ]] ||
		[[ "$stderr" == *"tl-velocity: disk/m.prom: cannot write the failure's metrics: No space left on device"* ]] || { echo "$stderr"; false; }
	[ "$(cat disk/m.prom)" = previous ]
	run ls -A disk
	assert_output "$(printf 'db.sqlite\nm.prom\nshort.sqlite')"
}

@test "FLT008: a signal the instant a temporary is made (SIGTERM raised inside mkstemp): the tool dies by it and leaves no temporary, for --output and for the metrics of a failed run" {
	[ -f "$SHIM" ] || { echo "no $SHIM: make all builds it" >&2; false; }
	cd "$BATS_TEST_TMPDIR"
	mkdir disk
	local d=$BATS_FILE_TMPDIR pre=(env LD_PRELOAD="$SHIM" TL_FAULT=term-at-create TL_FAULT_PATH=disk/ ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
	echo previous >disk/v.csv
	run "${pre[@]}" tl-velocity --as-of 2025-12-01 -o csv --output disk/v.csv "$d/ev.csv"
	[ "$status" -eq 143 ] || { echo "exit $status: $output"; false; }
	run ls -A disk
	assert_output v.csv
	[ "$(cat disk/v.csv)" = previous ]
	# tl_output_write_now's temporary, in no slot: held from its making to its rename
	printf 'learner_id,ts\nL1,bad\n' >bad.csv
	run "${pre[@]}" tl-velocity --metrics disk/m.prom bad.csv
	[ "$status" -eq 143 ] || { echo "exit $status: $output"; false; }
	run ls -A disk
	assert_output "$(printf 'm.prom\nv.csv')"
	grep -qx 'tl_run_exit_status{tool="tl-velocity"} 65' disk/m.prom
}

@test "FLT005: standard output on a full disk (/dev/full): every tool exits 74 with 'write error on standard output'" {
	local c argv
	while read -r c; do
		mapfile -t argv < <(line "$c" none /dev/null /dev/null | grep -v '^--output$\|^/dev/null/output.out$')
		# the other outputs go to /dev/null, the main one to /dev/full
		mapfile -t argv < <(printf '%s\n' "${argv[@]}" | sed 's|^/dev/null/.*|/dev/null|')
		[ "${argv[0]}" != tl-export ] || continue   # RESP for redis, or nothing: tl-export --sqlite writes no stdout
		[[ $c != *" --merge "* || $c == *@output* ]] || continue   # a merge into side files writes no stdout
		run --separate-stderr bash -c '"$@" >/dev/full' run "${argv[@]}"
		[ "$status" -eq 74 ] || { echo "$c: exit $status: $stderr"; false; }
		[[ "${stderr##*$'\n'}" == "${argv[0]}: write error on standard output: No space left on device" ]] ||
			{ echo "$c: ${stderr##*$'\n'}"; false; }
	done < <(cases)
}

# plain_build: ulimit -v works (not under ASan, whose shadow memory needs
# terabytes of address space).
plain_build() { ! ldd "$TL_BIN/tl-velocity" | grep -q libasan; }

@test "FLT006: memory runs out (ulimit -v 200 MB, a row that stands for 9 million events): exit 70 'out of memory', no crash, nothing published (plain build only)" {
	plain_build || skip "ulimit -v cannot limit an ASan build: the plain pass (make bats) runs this"
	cd "$BATS_TEST_TMPDIR"
	mkdir out
	printf 'learner_id,ts,n\nL1,2025-01-01,9000000\n' >bomb.csv
	local t
	for t in tl-velocity tl-affinity tl-retention; do
		echo previous >out/o.ndjson
		echo previous >out/m.prom
		run --separate-stderr bash -c 'ulimit -v 200000; exec "$@"' limit \
			"$t" --as-of 2025-06-01 --count-field n --output out/o.ndjson --metrics out/m.prom bomb.csv
		[ "$status" -eq 70 ] || { echo "$t: exit $status: $stderr"; false; }
		[ "${stderr##*$'\n'}" = "$t: out of memory" ] || { echo "$t: $stderr"; false; }
		[ "$(cat out/o.ndjson)" = previous ]
		# the failure's metrics are written (it is their job to say so), and nothing else is left
		grep -qx "tl_run_exit_status{tool=\"$t\"} 70" out/m.prom
		run ls -A out
		assert_output "$(printf 'm.prom\no.ndjson')"
	done
	# without the limit the same input runs (the limit, not the input, failed it)
	run --separate-stderr tl-velocity --as-of 2025-06-01 --count-field n -o csv bomb.csv
	assert_success
}

@test "FLT007: tl-batch: a middle stage's side output on a full disk (ENOSPC): the run fails 74, the previous generation stays active, no staging is left" {
	[ -f "$SHIM" ] || { echo "no $SHIM: make all builds it" >&2; false; }
	cd "$BATS_TEST_TMPDIR"
	tl-loadgen --learners 100 --seed 2 >small.csv
	printf '%s\n' "input $PWD/small.csv" "as_of 2025-07-01" "output $PWD/out" "keep 3" \
		"stage velocity tl-velocity" "stage affinity tl-affinity --transfer-pairs {gen}/pairs.csv" \
		"stage retention tl-retention" >batch.conf
	tl-batch --config batch.conf 2>/dev/null
	local before
	before=$(readlink out/current)
	cp out/current/learners.ndjson before.ndjson
	run --separate-stderr env LD_PRELOAD="$SHIM" TL_FAULT=full TL_FAULT_PATH=pairs.csv \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" tl-batch --config batch.conf
	assert_failure 74
	[[ "$stderr" == *"affinity"* && "$stderr" == *"No space left on device"* ]] || { echo "$stderr"; false; }
	[ "$(readlink out/current)" = "$before" ]
	cmp before.ndjson out/current/learners.ndjson
	[ -z "$(ls -A out/.staging)" ]
	# and the next run, with room, publishes
	run --separate-stderr tl-batch --config batch.conf
	assert_success
	[ "$(readlink out/current)" != "$before" ]
	[ -s out/current/pairs.csv ]
}
