#!/bin/sh
# run.sh SECONDS [NAME...] - run the libFuzzer harnesses (build-fuzz/fuzz_*,
# made by make fuzz-build) for SECONDS each, two at a time (the machine
# has two cores), from their seeds: tests/fuzz/seeds/NAME and the ones
# seeds.sh makes from testdata/ in build-fuzz/seeds/NAME, with the
# dictionaries of tests/fuzz/dict/ that suit each (csv, json, xapi). What a harness learns
# is kept in build-fuzz/corpus/NAME. A crash, a leak, a broken invariant,
# an input over 10 s or over 1 GB of memory fails the run, with the input
# in build-fuzz/crash-* (or leak-, timeout-, oom-) and the log's tail.
# Prints per harness: seconds, executions, coverage (libFuzzer's cov:),
# peak RSS.
set -eu
secs=$1
shift
if [ $# -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		f=${f#tests/fuzz/fuzz_}
		set -- "$@" "${f%.c}"
	done
fi
sh tests/fuzz/seeds.sh build-fuzz/seeds

# dicts NAME: the dictionaries of harness NAME (the parsers' have none)
dicts() {
	case $1 in
	csv | stats | evalstats | modelfit | fitstats) echo csv ;;
	json | sidefiles) echo json ;;
	reader) echo csv json xapi ;;
	esac
}

one() {
	n=$1
	mkdir -p "build-fuzz/corpus/$n"
	seeds=""   # the checked-in ones (the findings among them), those made from testdata/
	for d in "tests/fuzz/seeds/$n" "build-fuzz/seeds/$n"; do
		[ ! -d "$d" ] || seeds="$seeds $d"
	done
	dict=""
	d=$(dicts "$n")
	if [ -n "$d" ]; then
		for x in $d; do cat "tests/fuzz/dict/$x.dict"; done >"build-fuzz/$n.dict"
		dict=-dict=build-fuzz/$n.dict
	fi
	# shellcheck disable=SC2086 # $dict is one word or none, $seeds directories without spaces
	if ! "build-fuzz/fuzz_$n" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
		$dict -artifact_prefix=build-fuzz/ "build-fuzz/corpus/$n" $seeds >"build-fuzz/$n.log" 2>&1; then
		echo "fuzz_$n: FAILED"
		tail -40 "build-fuzz/$n.log"
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$n.log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "build-fuzz/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "build-fuzz/$n.log" | tail -1)
	echo "fuzz_$n: $secs s, $runs runs, $cov, peak $rss MB"
}

status=0
while [ $# -gt 0 ]; do
	one "$1" &
	a=$!
	b=""
	if [ $# -gt 1 ]; then
		one "$2" &
		b=$!
		shift
	fi
	shift
	wait "$a" || status=1
	[ -z "$b" ] || wait "$b" || status=1
done
exit $status
