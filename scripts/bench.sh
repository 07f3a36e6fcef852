#!/usr/bin/env bash
# bench.sh - throughput and peak memory of the tl tools beside their peers,
# measured in one run on the same files (make bench).
#
# Reports, for each command: the median wall time of RUNS runs, MB/s of its
# input, peak RSS; then the ratios the issues set as targets. Timings on a
# shared 2-core machine are noisy: compare the ratios, not absolute times.
#
# usage: bench.sh [-h]
# Throughput and peak memory of the tl tools beside their peers; see bench(1).
#   -h, --help  show this help
# Environment: RUNS (default 5), LEARNERS (default 100000), BIG (learners of
# the large run, default 1000000; 0 skips it), OUT (work directory, default
# bench-out/ of the source tree), DUCKDB (1, the default: install
# @duckdb/node-api with npm and compare; 0 skips it), UNGROUPED (events of
# the log in time order for --ungrouped against sort | tl-velocity, default
# 10000000, and the most learners of one event each whose peak RSS under
# --memory 64M is shown beside 1000000's; 0 skips it), XAPI_LEARNERS
# (learners of the xAPI comparison, default 4000, about 80 MB of
# statements; 0 skips it), BIN (the tools, default bin/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 0 "$@"
case ${OUT:-} in '' | /*) ;; *) OUT=$PWD/$OUT ;; esac   # a relative OUT is the caller's
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/bin}
RUNS=${RUNS:-5}
LEARNERS=${LEARNERS:-100000}
BIG=${BIG:-1000000}
OUT=${OUT:-$PWD/bench-out}
DUCKDB=${DUCKDB:-1}
UNGROUPED=${UNGROUPED:-10000000}
XAPI_LEARNERS=${XAPI_LEARNERS:-4000}
ASOF=2025-10-01
export LC_ALL=C PATH="$BIN:$PATH"
mkdir -p "$OUT"

# run_once CMD: wall seconds and peak RSS (KiB) of "sh -c CMD".
run_once() {
	/usr/bin/time -f '%e %M' -o "$OUT/.time" sh -c "$1" > /dev/null
	cat "$OUT/.time"
}

# cpu_once CMD: user + system CPU seconds of "sh -c CMD" and its children.
cpu_once() {
	/usr/bin/time -f '%U %S' -o "$OUT/.cpu" sh -c "$1" > /dev/null
	awk '{ print $1 + $2 }' "$OUT/.cpu"
}

# measure_cpu NAME CMD: the median CPU seconds of RUNS runs; sets CPU.
declare -A CPU
measure_cpu() {
	local name=$1 cmd=$2 all=()
	for ((i = 0; i < RUNS; i++)); do
		all+=("$(cpu_once "$cmd")")
	done
	CPU[$name]=$(printf '%s\n' "${all[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	printf '  %-34s %8.3f CPU s   (runs: %s)\n' "$name" "${CPU[$name]}" "${all[*]}"
}

# measure NAME BYTES CMD: RUNS runs; prints a table row; sets MEDIAN.
declare -A MEDIAN RSS
measure() {
	local name=$1 bytes=$2 cmd=$3 times=() rss=0 t m
	for ((i = 0; i < RUNS; i++)); do
		read -r t m < <(run_once "$cmd")
		times+=("$t")
		((m > rss)) && rss=$m
	done
	local med
	med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	MEDIAN[$name]=$med
	RSS[$name]=$rss
	awk -v n="$name" -v t="$med" -v b="$bytes" -v r="$rss" -v all="${times[*]}" \
		'BEGIN { printf "  %-34s %8.3f s %9.1f MB/s %8.1f MiB   (runs: %s)\n", n, t, (t > 0 ? b / 1e6 / t : 0), r / 1024, all }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# target LABEL VALUE OP GOAL: a PASS/FAIL line (not an exit status).
target() {
	local verdict
	verdict=$(awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= g : v <= g; print ok ? "PASS" : "FAIL" }')
	printf '  %-62s %8s %s %-6s %s\n' "$1" "$2" "$3" "$4" "$verdict"
}

echo "tl bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $RUNS runs each, medians"
csv=$OUT/learners-$LEARNERS.csv
[ -s "$csv" ] || tl-loadgen --learners "$LEARNERS" --seed 7 --end $ASOF > "$csv"
bytes=$(stat -c %s "$csv")
events=$(($(wc -l < "$csv") - 1))
echo "input: $csv: $LEARNERS learners, $events events, $((bytes / 1000000)) MB"
echo

echo "== tl-loadgen (generation to /dev/null)"
measure loadgen "$bytes" "tl-loadgen --learners $LEARNERS --seed 7 --end $ASOF"
awk -v e="$events" -v t="${MEDIAN[loadgen]}" 'BEGIN { printf "  events/s: %.2f M\n", e / t / 1e6 }'
echo

echo "== scan and grouping: tl-velocity against its peers"
measure "wc -l" "$bytes" "wc -l < '$csv'"
measure "datamash count countunique" "$bytes" "datamash -t, -H -g1 count 1 countunique 3 < '$csv'"
measure "tl-velocity -o csv" "$bytes" "tl-velocity --as-of $ASOF -o csv '$csv'"
doc=$OUT/velocity-$LEARNERS.ndjson
tl-velocity --as-of $ASOF "$csv" > "$doc"
measure "tl-velocity | tl-velocity" "$bytes" "tl-velocity --as-of $ASOF '$csv' | tl-velocity --as-of $ASOF -o csv"
measure "tl-velocity < documents" "$(stat -c %s "$doc")" "tl-velocity --as-of $ASOF -o csv '$doc'"
# the same on one thread (TL_THREADS=1): what the worker threads add
measure "1 thread: tl-velocity -o csv" "$bytes" "TL_THREADS=1 tl-velocity --as-of $ASOF -o csv '$csv'"
measure "1 thread: tl-velocity | tl-velocity" "$bytes" "TL_THREADS=1 tl-velocity --as-of $ASOF '$csv' | TL_THREADS=1 tl-velocity --as-of $ASOF -o csv"
echo

# Compressed input (tl(7) "Compressed input"): the tool decompressing its
# own input against the decompressor in a pipe before it. Both read on one
# thread (a compressed file is not cut into chunks, a pipe never is).
echo "== compressed input: tl-velocity FILE.gz against zcat FILE.gz | tl-velocity"
gz=$OUT/learners-$LEARNERS.csv.gz zst=$OUT/learners-$LEARNERS.csv.zst
[ -s "$gz" ] || gzip -c "$csv" > "$gz"
[ -s "$zst" ] || zstd -q -c "$csv" > "$zst"
measure "zcat > /dev/null" "$bytes" "zcat '$gz'"
measure "zcat | tl-velocity -o csv" "$bytes" "zcat '$gz' | tl-velocity --as-of $ASOF -o csv"
measure "tl-velocity -o csv FILE.gz" "$bytes" "tl-velocity --as-of $ASOF -o csv '$gz'"
measure "zstdcat | tl-velocity -o csv" "$bytes" "zstdcat '$zst' | tl-velocity --as-of $ASOF -o csv"
measure "tl-velocity -o csv FILE.zst" "$bytes" "tl-velocity --as-of $ASOF -o csv '$zst'"
echo

# Shards (tl(7) SHARDS): one shard of 8 reads the whole input but skips
# 7/8 of the learners at their first row; tl-split writes the 8 files in
# one pass (fsynced, as every output).
echo "== --shard 0/8 against the whole, and tl-split -n 8"
measure "tl-velocity --shard 0/8 -o csv" "$bytes" "tl-velocity --as-of $ASOF --shard 0/8 -o csv '$csv'"
measure "1 thread: tl-velocity --shard 0/8" "$bytes" "TL_THREADS=1 tl-velocity --as-of $ASOF --shard 0/8 -o csv '$csv'"
measure "tl-velocity --shard 0/8 < documents" "$(stat -c %s "$doc")" "tl-velocity --as-of $ASOF --shard 0/8 -o csv '$doc'"
measure "tl-split -n 8" "$bytes" "tl-split -n 8 -o '$OUT/split' '$csv'"
rm -f "$OUT"/split-*.csv
echo "  whole / shard 0/8: $(ratio "${MEDIAN["tl-velocity -o csv"]}" "${MEDIAN["tl-velocity --shard 0/8 -o csv"]}")x;" \
	"1 thread $(ratio "${MEDIAN["1 thread: tl-velocity -o csv"]}" "${MEDIAN["1 thread: tl-velocity --shard 0/8"]}")x;" \
	"documents $(ratio "${MEDIAN["tl-velocity < documents"]}" "${MEDIAN["tl-velocity --shard 0/8 < documents"]}")x"
echo

# Where the pipeline's time goes. On C cores the pipeline cannot take less
# wall time than its CPU time / C, and its CPU time is at least that of its
# two stages on one thread plus the cost of the pipe between them: the
# same bytes through dd | dd, less dd reading them to /dev/null, less once
# more that read of the file, which stage 2 alone paid and in the pipeline
# does not (it reads the pipe instead).
echo "== tl-velocity | tl-velocity: CPU time (user + system), one thread per stage"
measure_cpu "CSV path (threaded, as timed above)" "tl-velocity --as-of $ASOF -o csv '$csv'"
measure_cpu "stage 1: CSV to documents" "TL_THREADS=1 tl-velocity --as-of $ASOF '$csv'"
measure_cpu "stage 2: documents to CSV" "TL_THREADS=1 tl-velocity --as-of $ASOF -o csv '$doc'"
measure_cpu "dd documents | dd" "dd if='$doc' bs=1M status=none | dd of=/dev/null bs=1M status=none"
measure_cpu "dd documents" "dd if='$doc' of=/dev/null bs=1M status=none"
BOUND=$(awk -v a="${CPU["stage 1: CSV to documents"]}" -v b="${CPU["stage 2: documents to CSV"]}" \
	-v p="${CPU["dd documents | dd"]}" -v q="${CPU["dd documents"]}" -v c="$(nproc)" \
	'BEGIN { pipe = p - 2 * q; printf "%.3f", (a + b + (pipe > 0 ? pipe : 0)) / c }')
echo "  lower bound of the pipeline's wall time on $(nproc) cores: $BOUND s"
echo

have() { [ -x "$BIN/$1" ]; }

# to_ndjson, to_xapi: event CSV (learner_id,ts,domain,capability,action) on
# stdin as tl's event NDJSON, or as xAPI statements of the size and shape
# an LMS writes (an id, an account, a verb with its display, an object with
# a definition, the course as parent, an extension, a result on uses).
to_ndjson() {
	awk -F, 'NR > 1 { printf "{\"learner_id\":\"%s\",\"ts\":\"%s\",\"domain\":\"%s\",\"capability\":\"%s\",\"action\":\"%s\"}\n", $1, $2, $3, $4, $5 }'
}
to_xapi() {
	awk -F, 'NR > 1 {
		use = $5 != "interact" && $4 != ""
		verb = use ? "http://adlnet.gov/expapi/verbs/experienced" : "http://adlnet.gov/expapi/verbs/initialized"
		obj = $4 != "" ? $4 : $3
		printf "{\"id\":\"%08x-0000-4000-8000-%012x\",\"actor\":{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://lms.example.org\",\"name\":\"%s\"}},", NR, NR * 7919, $1
		printf "\"verb\":{\"id\":\"%s\",\"display\":{\"en-US\":\"%s\"}},", verb, use ? "experienced" : "initialized"
		printf "\"object\":{\"id\":\"https://lms.example.org/xblock/%s\",\"objectType\":\"Activity\",\"definition\":{\"type\":\"http://adlnet.gov/expapi/activities/module\",\"name\":{\"en-US\":\"%s\"}}},", obj, obj
		printf "\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"https://lms.example.org/course/%s\",\"objectType\":\"Activity\"}]},", $3
		printf "\"extensions\":{\"https://w3id.org/xapi/openedx/extension/transformer-version\":\"event-routing-backends@1.1.1\"}},"
		if (use) printf "\"result\":{\"completion\":true,\"score\":{\"scaled\":0.8}},"
		printf "\"timestamp\":\"%s\",\"version\":\"1.0.3\"}\n", $2
	}'
}

if [ "$XAPI_LEARNERS" -gt 0 ]; then
	# statements are about 7 times the bytes of the same event as tl's
	# NDJSON: the event NDJSON has 6 times the learners, so both files are
	# large enough to time
	echo "== xAPI NDJSON ($XAPI_LEARNERS learners) against tl's own event NDJSON ($((6 * XAPI_LEARNERS)) learners), per byte"
	xcsv=$OUT/learners-$XAPI_LEARNERS.csv ecsv=$OUT/learners-$((6 * XAPI_LEARNERS)).csv
	[ -s "$xcsv" ] || tl-loadgen --learners "$XAPI_LEARNERS" --seed 7 --end $ASOF > "$xcsv"
	[ -s "$ecsv" ] || tl-loadgen --learners $((6 * XAPI_LEARNERS)) --seed 7 --end $ASOF > "$ecsv"
	xev=$OUT/events-$((6 * XAPI_LEARNERS)).ndjson xst=$OUT/xapi-$XAPI_LEARNERS.ndjson
	[ -s "$xev" ] || to_ndjson < "$ecsv" > "$xev"
	[ -s "$xst" ] || to_xapi < "$xcsv" > "$xst"
	measure "tl-velocity < event NDJSON" "$(stat -c %s "$xev")" "tl-velocity --as-of $ASOF -o csv '$xev'"
	measure "tl-velocity < xAPI NDJSON" "$(stat -c %s "$xst")" "tl-velocity --as-of $ASOF -o csv '$xst'"
	measure "tl-velocity --ungrouped < xAPI NDJSON" "$(stat -c %s "$xst")" "tl-velocity --ungrouped --as-of $ASOF -o csv '$xst'"
	XAPI_RATIO=$(awk -v a="${MEDIAN["tl-velocity < xAPI NDJSON"]}" -v b="${MEDIAN["tl-velocity < event NDJSON"]}" \
		-v x="$(stat -c %s "$xst")" -v e="$(stat -c %s "$xev")" 'BEGIN { printf "%.2f", (a / x) / (b / e) }')
	echo "  time per byte, xAPI / event NDJSON: $XAPI_RATIO"
	echo
fi

if have tl-affinity; then
	echo "== tl-affinity"
	measure "datamash count countunique" "$bytes" "datamash -t, -H -g1 count 1 countunique 3 < '$csv'"
	measure "tl-affinity -o csv" "$bytes" "tl-affinity --as-of $ASOF -o csv '$csv'"
	if [ "$DUCKDB" != 1 ]; then
		echo "  duckdb: not measured (DUCKDB=$DUCKDB)"
	elif scripts/bench-duckdb.sh setup "$OUT" > "$OUT/duckdb-setup.log" 2>&1; then
		measure "duckdb count+entropy GROUP BY" "$bytes" "scripts/bench-duckdb.sh run '$OUT' '$csv'"
	else
		echo "  duckdb: not measured (see $OUT/duckdb-setup.log)"
	fi
	echo
fi
if have tl-retention; then
	echo "== tl-retention --fit"
	measure "tl-retention --fit" "$bytes" "tl-retention --as-of $ASOF --fit '$csv'"
	echo
fi
if have tl-abtest; then
	echo "== tl-abtest (learner rows, 2 metrics, --by archetype)"
	rows=$OUT/abtest-$LEARNERS.csv
	[ -s "$rows" ] || tl-loadgen --learners "$LEARNERS" --seed 11 --truth --arm-split 50:50 --effect 0.063 --outcome -f learners \
		| tl-velocity --as-of $ASOF -o csv > "$rows"
	measure "tl-abtest" "$(stat -c %s "$rows")" "tl-abtest --metric roi --metric velocity --by true_archetype '$rows'"
	echo
fi

echo "== targets (ratios of medians measured above)"
target "tl-velocity speed-up over datamash (x)" "$(ratio "${MEDIAN["datamash count countunique"]}" "${MEDIAN["tl-velocity -o csv"]}")" ">=" 2
target "tl-velocity | tl-velocity time / CSV path time (x)" "$(ratio "${MEDIAN["tl-velocity | tl-velocity"]}" "${MEDIAN["tl-velocity -o csv"]}")" "<=" 2.5
printf '  %-62s %8s    (context: no schedule on these cores does better)\n' "  its lower bound: (stage 1 + stage 2 + pipe CPU) / cores / CSV path" \
	"$(ratio "$BOUND" "${MEDIAN["tl-velocity -o csv"]}")"
printf '  %-62s %8s    (context: both sides on one thread)\n' "  the same, TL_THREADS=1" \
	"$(ratio "${MEDIAN["1 thread: tl-velocity | tl-velocity"]}" "${MEDIAN["1 thread: tl-velocity -o csv"]}")"
printf '  %-62s %8s    (context)\n' "  worker threads' speed-up of tl-velocity -o csv (x)" \
	"$(ratio "${MEDIAN["1 thread: tl-velocity -o csv"]}" "${MEDIAN["tl-velocity -o csv"]}")"
target "tl-velocity FILE.gz time / zcat FILE.gz | tl-velocity (x)" "$(ratio "${MEDIAN["tl-velocity -o csv FILE.gz"]}" "${MEDIAN["zcat | tl-velocity -o csv"]}")" "<=" 1.3
target "tl-velocity FILE.zst time / zstdcat FILE.zst | tl-velocity (x)" "$(ratio "${MEDIAN["tl-velocity -o csv FILE.zst"]}" "${MEDIAN["zstdcat | tl-velocity -o csv"]}")" "<=" 1.3
target "tl-velocity FILE.gz peak RSS (MiB)" "$(awk -v r="${RSS["tl-velocity -o csv FILE.gz"]}" 'BEGIN { printf "%.1f", r / 1024 }')" "<=" 32
target "tl-velocity peak RSS at $LEARNERS learners (MiB)" "$(awk -v r="${RSS["tl-velocity -o csv"]}" 'BEGIN { printf "%.1f", r / 1024 }')" "<=" 32
awk -v e="$events" -v t="${MEDIAN[loadgen]}" 'BEGIN { printf "%.2f\n", e / t / 1e6 }' | { read -r v; target "tl-loadgen events per second (M)" "$v" ">=" 2; }
[ -n "${XAPI_RATIO:-}" ] && target "xAPI NDJSON time per byte / tl's event NDJSON's (x)" "$XAPI_RATIO" "<=" 2
if have tl-affinity; then
	target "tl-affinity speed-up over datamash (x)" "$(ratio "${MEDIAN["datamash count countunique"]}" "${MEDIAN["tl-affinity -o csv"]}")" ">=" 2
	[ -n "${MEDIAN["duckdb count+entropy GROUP BY"]:-}" ] &&
		target "tl-affinity speed-up over DuckDB (x)" "$(ratio "${MEDIAN["duckdb count+entropy GROUP BY"]}" "${MEDIAN["tl-affinity -o csv"]}")" ">=" 5
fi

if [ "$BIG" -gt 0 ]; then
	echo
	echo "== $BIG learners: memory must not grow; the full pipeline"
	big=$OUT/learners-$BIG.csv
	[ -s "$big" ] || tl-loadgen --learners "$BIG" --seed 7 --end $ASOF > "$big"
	bigbytes=$(stat -c %s "$big")
	RUNS_SAVED=$RUNS RUNS=1
	measure "tl-velocity -o csv ($BIG)" "$bigbytes" "tl-velocity --as-of $ASOF -o csv '$big'"
	target "tl-velocity peak RSS at $BIG learners (MiB)" "$(awk -v r="${RSS["tl-velocity -o csv ($BIG)"]}" 'BEGIN { printf "%.1f", r / 1024 }')" "<=" 32
	RUNS=$RUNS_SAVED
	if have tl-affinity && have tl-retention; then
		stages=(loadgen velocity affinity retention)
		t0=$(date +%s.%N)
		/usr/bin/time -f '%M' -o "$OUT/rss.loadgen" tl-loadgen --learners "$BIG" --seed 7 --end $ASOF \
			| /usr/bin/time -f '%M' -o "$OUT/rss.velocity" tl-velocity --as-of $ASOF \
			| /usr/bin/time -f '%M' -o "$OUT/rss.affinity" tl-affinity \
			| /usr/bin/time -f '%M' -o "$OUT/rss.retention" tl-retention -o csv > /dev/null
		t1=$(date +%s.%N)
		awk -v n="$BIG" -v a="$t0" -v b="$t1" 'BEGIN { printf "  pipeline loadgen|velocity|affinity|retention: %.2f s, %.0f learners/s\n", b - a, n / (b - a) }'
		for s in "${stages[@]}"; do
			awk -v s="$s" '{ printf "  peak RSS %-10s %8.1f MiB\n", s, $1 / 1024 }' "$OUT/rss.$s"
		done
	fi
fi

# one_each N FILE: N learners of one event each, ids out of order (N
# coprime with 7919).
one_each() {
	awk -v n="$1" 'BEGIN { print "learner_id,ts,domain,capability,action"
		for (i = 0; i < n; i++) printf "learner%09d,2025-01-%02dT00:00:00Z,d%d,c%d,use\n", (i * 7919) % n, 1 + i % 28, i % 5, i % 50 }' > "$2"
}

# time_log N FILE: N events of tl-loadgen in time order (a stable sort on
# ts, column 2), as a log arrives: learners interleaved.
time_log() {
	local n=$1 f=$2
	{ tl-loadgen --learners $((n / 20)) --seed 7 --end $ASOF 2>/dev/null || true; } | head -n $((n + 1)) > "$f.grouped"
	{ head -n 1 "$f.grouped"; tail -n +2 "$f.grouped" | sort -t, -k2,2 -s; } > "$f"
	rm "$f.grouped"
}

if [ "$UNGROUPED" -gt 0 ]; then
	echo
	echo "== --ungrouped: $UNGROUPED events in time order, against sort -t, -k1,1 -s | tl-velocity"
	tlog=$OUT/time-ordered-$UNGROUPED.csv
	[ -s "$tlog" ] || time_log "$UNGROUPED" "$tlog"
	tbytes=$(stat -c %s "$tlog")
	echo "input: $tlog: $(($(wc -l < "$tlog") - 1)) events, $((tbytes / 1000000)) MB"
	grouped="{ head -n 1 '$tlog'; tail -n +2 '$tlog' | sort -t, -k1,1 -s; }"
	measure "tl-velocity --ungrouped" "$tbytes" "tl-velocity --as-of $ASOF -o csv --ungrouped '$tlog'"
	measure "sort -k1,1 -s | tl-velocity" "$tbytes" "$grouped | tl-velocity --as-of $ASOF -o csv"
	measure "tl-velocity --ungrouped --memory 32M" "$tbytes" "tl-velocity --as-of $ASOF -o csv --ungrouped --memory 32M '$tlog'"
	measure_cpu "CPU: tl-velocity --ungrouped" "tl-velocity --as-of $ASOF -o csv --ungrouped '$tlog'"
	measure_cpu "CPU: sort -k1,1 -s | tl-velocity" "$grouped | tl-velocity --as-of $ASOF -o csv"
	# the same learners and values in the same order: both by the bytes of the id
	tl-velocity --as-of $ASOF -o csv --ungrouped --metrics "$OUT/ungrouped.prom" "$tlog" > "$OUT/ungrouped.out"
	eval "$grouped" | tl-velocity --as-of $ASOF -o csv > "$OUT/sorted.out"
	if cmp -s "$OUT/ungrouped.out" "$OUT/sorted.out"; then same=yes; else same=NO; fi
	echo "  the same bytes from both: $same; $(grep -h '^tl_sort_runs_spilled' "$OUT/ungrouped.prom" | sed 's/{[^}]*}/ =/')"
	/usr/bin/time -f '%M' -o "$OUT/rss.sort" sh -c "$grouped" \
		| /usr/bin/time -f '%M' -o "$OUT/rss.sorted-velocity" tl-velocity --as-of $ASOF -o csv > /dev/null
	echo "== --ungrouped targets (ratios of medians measured above)"
	printf '  %-62s %8s\n' "tl-velocity --ungrouped time / sort | tl-velocity time" \
		"$(ratio "${MEDIAN["tl-velocity --ungrouped"]}" "${MEDIAN["sort -k1,1 -s | tl-velocity"]}")"
	printf '  %-62s %8s\n' "  the same with --memory 32M (spills)" \
		"$(ratio "${MEDIAN["tl-velocity --ungrouped --memory 32M"]}" "${MEDIAN["sort -k1,1 -s | tl-velocity"]}")"
	printf '  %-62s %8s\n' "  CPU time (user + system), --ungrouped / sort | tl-velocity" \
		"$(ratio "${CPU["CPU: tl-velocity --ungrouped"]}" "${CPU["CPU: sort -k1,1 -s | tl-velocity"]}")"
	awk -v a="${RSS["tl-velocity --ungrouped"]}" -v b="${RSS["tl-velocity --ungrouped --memory 32M"]}" \
		'BEGIN { printf "  peak RSS tl-velocity --ungrouped (default --memory) %8.1f MiB, --memory 32M %8.1f MiB\n", a / 1024, b / 1024 }'
	awk -v a="$(cat "$OUT/rss.sort")" -v b="$(cat "$OUT/rss.sorted-velocity")" \
		'BEGIN { printf "  peak RSS sort -t, -k1,1 -s %8.1f MiB, its tl-velocity %8.1f MiB\n", a / 1024, b / 1024 }'
	printf '  %-62s %8s\n' "the same bytes from --ungrouped and sort | tl-velocity" "$same"
	# memory at any number of learners (no table of them is kept)
	for n in 1000000 "$UNGROUPED"; do
		f=$OUT/one-each-$n.csv
		[ -s "$f" ] || one_each "$n" "$f"
		/usr/bin/time -f '%e %M' -o "$OUT/rss.one-each" tl-velocity --as-of $ASOF -o csv --ungrouped --memory 64M "$f" > /dev/null
		read -r t m < "$OUT/rss.one-each"
		awk -v n="$n" -v t="$t" -v m="$m" \
			'BEGIN { printf "  peak RSS --ungrouped --memory 64M, %9d learners of one event: %8.1f MiB (%.1f s)\n", n, m / 1024, t }'
	done
fi
