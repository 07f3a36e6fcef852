#!/usr/bin/env bash
# bench-model.sh - tl-model --fit in one process against the same fit over
# shards (--emit-stats and --merge in passes, tl-model(1) SHARDED FITS), on
# one tl-loadgen population's learner rows (make bench-model).
#
# Reports the median CPU seconds (user + system, every process) and the
# peak RSS of RUNS runs of: the single fit with and without --cv 5; the
# fit over SHARDS shard files, all passes, run one shard after the other
# (the CPU a cluster spends; its wall time on N hosts is about the
# slowest shard's part); and the passes it took. Each sharded model is
# checked against the single one byte for byte. Timings on a shared
# 2-core machine are noisy: compare the ratios.
#
# usage: bench-model.sh [-h]
# tl-model --fit in one process against the same fit over shards; see bench-model(1).
#   -h, --help  show this help
# Environment: RUNS (default 3), LEARNERS (default 100000), SHARDS
# (default 4), OUT (work directory, default bench-out/ of the source tree;
# this uses OUT/model), BIN (the tools, default bin/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 0 "$@"
case ${OUT:-} in '' | /*) ;; *) OUT=$PWD/$OUT ;; esac   # a relative OUT is the caller's
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/bin}
RUNS=${RUNS:-3}
LEARNERS=${LEARNERS:-100000}
SHARDS=${SHARDS:-4}
OUT=${OUT:-$PWD/bench-out}/model
LIB=$PWD/scripts/lib/model.sh
export LC_ALL=C PATH="$BIN:$PATH"
# shellcheck source-path=SCRIPTDIR source=lib/model.sh
. "$LIB"
mkdir -p "$OUT"
cd "$OUT"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# measure NAME CMD: median CPU seconds and peak RSS of RUNS runs of bash -c CMD.
measure() {
	local cpu=() rss=0 u s m
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -f '%U %S %M' -o .time bash -c "$2" >/dev/null
		read -r u s m <.time
		cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
		((m > rss)) && rss=$m
	done
	printf '  %-40s %8.3f CPU s %8.1f MiB   (runs: %s)\n' "$1" "$(printf '%s\n' "${cpu[@]}" | median)" \
		"$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "${cpu[*]}"
}

rows=learners-$LEARNERS.csv
if [ ! -s "$rows" ]; then
	tl-loadgen --learners "$LEARNERS" --seed 5 | tl-velocity --as-of 2025-09-01 --label |
		tl-retention --label -o csv >"$rows"
fi
rm -f shard*.csv
awk -v n="$SHARDS" 'NR == 1 { for (i = 0; i < n; i++) print > ("shard" i ".csv"); next }
	{ print > ("shard" ((NR - 2) % n) ".csv") }' "$rows"
echo "tl-model bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $RUNS runs each, medians"
echo "input: $LEARNERS learner rows ($(($(stat -c %s "$rows") / 1000000)) MB), features config/churn.features, $SHARDS shards"

FIT=(--target churned --features-file churn)
run_pass() {
	local f
	for f in shard*.csv; do
		tl-model --fit "${FIT[@]}" --emit-stats ${2:+--state "$2"} --output "$3/${f%.csv}.stats" "$f" || return 1
	done
}
export -f run_pass tl_model_fit_loop
for cv in 0 5; do
	[ "$cv" -eq 0 ] || FIT+=(--cv "$cv")
	echo "== --cv $cv"
	measure "single --fit" "tl-model --fit ${FIT[*]} --output single.json $rows 2>/dev/null"
	measure "$SHARDS shards, every pass and merge" \
		"FIT=(${FIT[*]}); rm -rf work; tl_model_fit_loop run_pass work sharded.json 2>/dev/null"
	if cmp -s single.json sharded.json; then same=identical; else same=DIFFERENT; fi
	echo "  passes: $(find work -maxdepth 1 -name 'pass-*' | wc -l); sharded model: $same"
done
