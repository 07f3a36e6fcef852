#!/usr/bin/env bash
# bench-scale.sh - tl at scale, one run of each (make bench-scale; make
# bench runs it too):
#
#  (a) streaming: SCALE learners (default 1M and 10M) from tl-loadgen
#      through the 4-stage pipeline velocity | affinity | retention | score:
#      learners per minute, and each stage's peak RSS and CPU seconds (flat
#      memory from 1M to 10M);
#  (b) shards: SHARD_LEARNERS learners (default 1M) in a file, the single
#      pipeline (tl-batch) against tl-parallel -j 2 on 2 shards of the same
#      config (and with --transfer): wall time, the ratio, CPU seconds per
#      learner; then the CPU seconds of one shard alone at 1, 2 and 8
#      shards, fitted as C(N) = S + P/N (S: reading and skipping the whole
#      input, P: the work on the learners), what N hosts would take on
#      paper, and the time of tl-split;
#  (c) latency: RATES events per second (default 5000 and 100000) from
#      tl-loadgen --rate, LATENCY_SECONDS (default 10) each, through the
#      same pipeline: p50, p99 and max of each learner's time from its last
#      event going in to its record coming out (scripts/bench-latency.py),
#      with the worker threads (the default) and with TL_THREADS=1.
#
# The machine is shared: the load average is printed with each part.
#
# usage: bench-scale.sh [-h]
# tl at scale: streaming, shards, latency; see bench-scale(1).
#   -h, --help  show this help
# Environment: SCALE, SHARD_LEARNERS, RATES, LATENCY_SECONDS (empty or 0
# skips a part: SCALE=, SHARD_LEARNERS=0, RATES=), OUT (work directory,
# default bench-out/ of the source tree), BIN (the tools, default bin/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 0 "$@"
case ${OUT:-} in '' | /*) ;; *) OUT=$PWD/$OUT ;; esac   # a relative OUT is the caller's
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/bin}
SCALE=${SCALE-1000000 10000000}
SHARD_LEARNERS=${SHARD_LEARNERS:-1000000}
RATES=${RATES-5000 100000}
LATENCY_SECONDS=${LATENCY_SECONDS:-10}
OUT=${OUT:-$PWD/bench-out}
ASOF=2025-10-01
export LC_ALL=C PATH="$BIN:$PWD/scripts:$PATH"
mkdir -p "$OUT"

load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }

echo "tl bench-scale: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, load $(load)"

# ---- (a) streaming: memory flat, learners per minute

# stream N: tl-loadgen | the 4 stages, each under /usr/bin/time (peak RSS
# KiB, user and system CPU seconds), the records to /dev/null.
stream() {
	local n=$1 t0 t1 s
	local stages=(loadgen velocity affinity retention score)
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$OUT/scale.loadgen" tl-loadgen --learners "$n" --seed 7 --end $ASOF |
		/usr/bin/time -f '%M %U %S' -o "$OUT/scale.velocity" tl-velocity --as-of $ASOF |
		/usr/bin/time -f '%M %U %S' -o "$OUT/scale.affinity" tl-affinity |
		/usr/bin/time -f '%M %U %S' -o "$OUT/scale.retention" tl-retention |
		/usr/bin/time -f '%M %U %S' -o "$OUT/scale.score" tl-score >/dev/null
	t1=$(now)
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "  %9d learners: %7.1f s, %6.2f M learners/min (%.0f learners/s)\n", n, b - a, n / (b - a) * 60 / 1e6, n / (b - a) }'
	for s in "${stages[@]}"; do
		awk -v s="$s" -v n="$n" '{ printf "    %-10s peak RSS %7.1f MiB   CPU %7.1f s   %6.2f us/learner\n", s, $1 / 1024, $2 + $3, ($2 + $3) / n * 1e6 }' "$OUT/scale.$s"
	done
	# what the cores give when the run has them: the machine is shared
	awk -v n="$n" -v c="$(nproc)" '{ cpu += $2 + $3; if (FILENAME !~ /loadgen$/) st += $2 + $3 }
		END { printf "    CPU-bound on %d idle cores: %.2f M learners/min with tl-loadgen, %.2f M without (%.1f and %.1f CPU us/learner)\n", c, c / cpu * n * 60 / 1e6, c / st * n * 60 / 1e6, cpu / n * 1e6, st / n * 1e6 }' \
		"${stages[@]/#/$OUT/scale.}"
}

if [ -n "$SCALE" ]; then
	echo
	echo "== (a) tl-loadgen | tl-velocity | tl-affinity | tl-retention | tl-score > /dev/null"
	for n in $SCALE; do
		stream "$n"
		echo "    load after: $(load)"
	done
fi

# ---- (b) shards: tl-parallel -j 2 against the single pipeline

# timed NAME CMD...: wall, user + system CPU seconds of CMD and its
# children; sets WALL[NAME] and CPU[NAME].
declare -A WALL CPU SPAN
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$OUT/.timed" "$@" 2>"$OUT/.timed.err" || { cat "$OUT/.timed.err" >&2; return 1; }
	read -r w u s <"$OUT/.timed"
	WALL[$name]=$w
	CPU[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}

# span NAME: the seconds from the first shard's start to the last one's
# end in the last run's joblog; sets SPAN[NAME].
span() {
	SPAN[$1]=$(awk -F '\t' 'NR > 1 { if (!a || $3 < a) a = $3; if ($3 + $4 > b) b = $3 + $4 } END { printf "%.2f", b - a }' "$OUT/scale-out/current/joblog")
}

# shard_alone N: shard 0 of N alone, the 4 stages on the file (the cost of
# one host's shard with the input on shared storage); sets WALL[shard-N]
# and CPU[shard-N].
shard_alone() {
	timed "shard-$1" sh -c "tl-velocity --as-of $ASOF --shard 0/$1 '$csv' | tl-affinity | tl-retention | tl-score --config v2 >/dev/null"
}

if [ "$SHARD_LEARNERS" -gt 0 ]; then
	echo
	echo "== (b) $SHARD_LEARNERS learners: tl-batch against tl-parallel -j 2 --shards 2 (load $(load))"
	csv=$OUT/learners-$SHARD_LEARNERS.csv
	[ -s "$csv" ] || tl-loadgen --learners "$SHARD_LEARNERS" --seed 7 --end $ASOF >"$csv"
	echo "  input: $csv, $(($(stat -c %s "$csv") / 1000000)) MB"
	conf=$OUT/scale.conf
	rm -rf "$OUT/scale-out"
	printf '%s\n' "input $csv" "as_of $ASOF" "output $OUT/scale-out" "keep 1" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config v2" >"$conf"
	timed single tl-batch --config "$conf"
	timed parallel tl-parallel --config "$conf" -j 2 --shards 2
	span parallel
	runs=(single parallel)
	if command -v tl-split >/dev/null; then
		timed transfer tl-parallel --config "$conf" -j 2 --shards 2 --transfer
		span transfer
		runs+=(transfer)
	fi
	for r in "${runs[@]}"; do
		awk -v r="$r" -v w="${WALL[$r]}" -v c="${CPU[$r]}" -v n="$SHARD_LEARNERS" -v w1="${WALL[single]}" \
			'BEGIN { printf "  %-9s %7.2f s wall  %7.2f CPU s  %5.2f CPU us/learner  speed-up %.2f\n", r, w, c, c / n * 1e6, w1 / w }'
		[ "$r" = single ] || printf '  %-9s the shards ran %.2f s of it (the joblog), the split, merge and publish the rest\n' "" "${SPAN[$r]}"
	done
	echo "  one shard alone (load $(load)):"
	for n in 1 2 8; do
		shard_alone "$n"
		printf '    shard 0 of %d: %7.2f s wall  %7.2f CPU s\n' "$n" "${WALL[shard-$n]}" "${CPU[shard-$n]}"
	done
	# the CPU seconds of a shard, C(N) = S + P/N, through N = 1 and N = 8
	# (N = 2 checks it): S reads and skips the whole input, P computes the
	# learners; CPU seconds, not wall, so the load of a shared machine
	# counts less. A host of this machine's cores runs its shard in about
	# C(N) / cores.
	awk -v c1="${CPU[shard-1]}" -v c2="${CPU[shard-2]}" -v c8="${CPU[shard-8]}" -v cores="$(nproc)" 'BEGIN {
		p = (c1 - c8) * 8 / 7; s = c1 - p
		printf "  fit C(N) = S + P/N CPU s: S = %.2f (reading and skipping the input), P = %.2f; C(2) = %.2f predicted, %.2f measured\n", s, p, s + p / 2, c2
		printf "  on paper, N hosts of %d cores, one shard each: the input on shared storage (each host S + P/N),\n", cores
		printf "  or split and sent (P/N; the split, one pass here, and the copy not counted):\n"
		printf "    %6s %12s %9s %11s %12s %9s\n", "hosts", "shared s", "speed-up", "efficiency", "split s", "speed-up"
		for (n = 1; n <= 64; n *= 2) {
			t = (s + p / n) / cores; u = p / n / cores
			printf "    %6d %12.2f %9.2f %10.0f%% %12.2f %9.2f\n", n, t, c1 / cores / t, c1 / cores / t / n * 100, u, c1 / cores / u
		}
	}'
	if command -v tl-split >/dev/null; then
		timed split tl-split -n 8 -o "$OUT/split-%d.csv" "$csv"
		printf '  tl-split -n 8 of the input: %.2f s wall, %.2f CPU s\n' "${WALL[split]}" "${CPU[split]}"
		rm -f "$OUT"/split-*.csv
	fi
fi

# ---- (c) latency per learner at a fixed rate

if [ -n "$RATES" ]; then
	echo
	echo "== (c) latency: tl-loadgen --rate R | velocity | affinity | retention | score -o csv"
	for r in $RATES; do
		n=$((r * LATENCY_SECONDS / 31))   # about 31 events a learner
		for t in default 1; do
			printf '  %7d events/s, %6d learners, threads %-7s: ' "$r" "$n" "$t"
			env "TL_THREADS=${t/default/}" scripts/bench-latency.py "tl-loadgen --learners $n --seed 7 --end $ASOF --rate $r" \
				"tl-velocity --as-of $ASOF | tl-affinity | tl-retention | tl-score -o csv"
		done
		echo "    load after: $(load)"
	done
fi
