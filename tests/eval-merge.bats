#!/usr/bin/env bats
# tl-eval --emit-stats and --merge: the report merged from shards is byte
# for byte the single run's, in every mode and output format, at 1, 2, 3
# and 7 shards (with empty ones), from shards split here and from
# tl-loadgen --shard, and on the real KDD Cup 2015 extract; files of other
# parameters, options the files contradict and damaged files are exit 65
# naming the file and line.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

# The modes compared, one per line: the options of a run.
MODES=(
	"--score churn_risk --label churned"
	"--score days_since_last --label churned"
	"--truth true_archetype --pred archetype"
	"--pred velocity_next --actual next_velocity_actual --baseline velocity_simple --baseline velocity --tolerance 0.05"
)

# pipeline ARGS...: learner rows of a tl-loadgen population (ARGS: its extra options).
pipeline() {
	tl-loadgen --learners 600 --seed 5 --truth --end 2025-10-01 "$@" |
		tl-velocity --as-of 2025-10-01 --label | tl-affinity | tl-retention --label | tl-score -o csv
}

setup_file() {
	pipeline >"$BATS_FILE_TMPDIR/rows.csv"
}

# split_rows FILE N K DIR: DIR/0.csv .. DIR/(N-1).csv, the header of FILE
# in each; row r (from 0) goes to shard r mod K, so shards K..N-1 hold no
# learner.
split_rows() {
	mkdir -p "$4"
	awk -v n="$2" -v k="$3" -v dir="$4" '
		NR == 1 { for (i = 0; i < n; i++) print > (dir "/" i ".csv"); next }
		{ print > (dir "/" ((NR - 2) % k) ".csv") }' "$1"
}

# same_as_single ROWS DIR N: for every mode and format, merging the
# stats of DIR/0.csv .. DIR/(N-1).csv gives the bytes of one run over
# ROWS: the report (text, json, md), the curve file, the stats.
same_as_single() {
	local rows=$1 dir=$2 n=$3 m f i stats
	for m in "${MODES[@]}"; do
		stats=()
		for ((i = 0; i < n; i++)); do
			# shellcheck disable=SC2086 # $m: the options of the mode
			tl-eval $m --emit-stats "$dir/$i.csv" >"$dir/$i.stats"
			stats+=("$dir/$i.stats")
		done
		for f in text json md; do
			# shellcheck disable=SC2086
			tl-eval $m -o "$f" "$rows" >"$dir/one.$f"
			tl-eval --merge -o "$f" "${stats[@]}" >"$dir/merged.$f"
			cmp "$dir/one.$f" "$dir/merged.$f"
		done
		# shellcheck disable=SC2086
		tl-eval $m --emit-stats "$rows" >"$dir/one.stats"
		tl-eval --merge --emit-stats "${stats[@]}" >"$dir/merged.stats"
		cmp "$dir/one.stats" "$dir/merged.stats"
		if [[ $m == --score* ]]; then
			# shellcheck disable=SC2086
			tl-eval $m --curve "$dir/one.curve" "$rows" >/dev/null
			tl-eval --merge --curve "$dir/merged.curve" "${stats[@]}" >/dev/null
			cmp "$dir/one.curve" "$dir/merged.curve"
		fi
	done
}

@test "EVM001: merged from 1, 2, 3 and 7 shards (two of 7 empty), every mode and format equals one run byte for byte" {
	local rows="$BATS_FILE_TMPDIR/rows.csv" n k
	for n in 1 2 3 7; do
		k=$n
		[ "$n" -ne 7 ] || k=5
		split_rows "$rows" "$n" "$k" "$BATS_TEST_TMPDIR/n$n"
		same_as_single "$rows" "$BATS_TEST_TMPDIR/n$n" "$n"
	done
	# the shards of 7 are what was said: 5 with learners, 2 with none
	[ "$(wc -l <"$BATS_TEST_TMPDIR/n7/6.csv")" -eq 1 ]
	grep -qx 'learners,0' "$BATS_TEST_TMPDIR/n7/6.stats"
	grep -qx 'learners,120' "$BATS_TEST_TMPDIR/n7/0.stats"
	# and the comparison can fail: a shard left out changes the report
	tl-eval --merge -o json "$BATS_TEST_TMPDIR"/n7/[0-3].stats >"$BATS_TEST_TMPDIR/short.json"
	run ! cmp -s "$BATS_TEST_TMPDIR/n7/one.json" "$BATS_TEST_TMPDIR/short.json"
}

@test "EVM002: the shards of tl-loadgen --shard I/N (N = 1, 2, 3, 7) merge to the single run, whichever learners land where" {
	local n i m dir
	for n in 1 2 3 7; do
		dir="$BATS_TEST_TMPDIR/g$n"
		mkdir -p "$dir"
		for ((i = 0; i < n; i++)); do
			pipeline --shard "$i/$n" >"$dir/$i.csv"
		done
		same_as_single "$BATS_FILE_TMPDIR/rows.csv" "$dir" "$n"
	done
	# every learner is in exactly one shard
	for m in "$BATS_TEST_TMPDIR"/g7/[0-6].stats; do
		sed -n 's/^learners,//p' "$m"
	done | awk '{ s += $1 } END { exit s != 600 }'
}

@test "EVM003: merge order, concatenated files on stdin, and merged stats merged again change nothing" {
	local d="$BATS_TEST_TMPDIR" m="--pred velocity_next --actual next_velocity_actual --baseline velocity"
	split_rows "$BATS_FILE_TMPDIR/rows.csv" 3 3 "$d/s"
	for i in 0 1 2; do
		# shellcheck disable=SC2086
		tl-eval $m --emit-stats "$d/s/$i.csv" >"$d/$i.stats"
	done
	# shellcheck disable=SC2086
	tl-eval $m -o json "$BATS_FILE_TMPDIR/rows.csv" >"$d/one.json"
	tl-eval --merge -o json "$d/2.stats" "$d/0.stats" "$d/1.stats" >"$d/rev.json"
	cmp "$d/one.json" "$d/rev.json"
	cat "$d/1.stats" "$d/2.stats" "$d/0.stats" | tl-eval --merge -o json >"$d/cat.json"
	cmp "$d/one.json" "$d/cat.json"
	tl-eval --merge --emit-stats "$d/0.stats" "$d/1.stats" >"$d/01.stats"
	# shellcheck disable=SC2086
	tl-eval --merge $m -o json --output "$d/m2.json" "$d/01.stats" "$d/2.stats"
	cmp "$d/one.json" "$d/m2.json"
}

@test "EVM004: real data (KDD Cup 2015, 15466 enrolments): 3 and 7 shards give the single run's reports" {
	local d="$BATS_TEST_TMPDIR" K="$REALDATA/kddcup2015_xuetangx" n m f i
	import-kddcup2015.sh -o "$d/events.csv" -w "$d/windows.csv" "$K/truth_train.csv" "$K"/trainCourse*.csv 2>/dev/null
	tl-velocity --count-field count --as-of-field course_as_of "$d/events.csv" | tl-affinity --domains 7 |
		tl-retention -o csv >"$d/rows.csv"
	[ "$(wc -l <"$d/rows.csv")" -eq 15467 ]
	for n in 3 7; do
		split_rows "$d/rows.csv" "$n" "$n" "$d/n$n"
		for m in "--score churn_risk --label dropout" "--score days_since_last --label dropout" \
			"--pred churn_risk --actual dropout --baseline retention_strength"; do
			for ((i = 0; i < n; i++)); do
				# shellcheck disable=SC2086
				tl-eval $m --emit-stats "$d/n$n/$i.csv" >"$d/n$n/$i.stats"
			done
			for f in text json; do
				# shellcheck disable=SC2086
				tl-eval $m -o "$f" "$d/rows.csv" >"$d/one.$f"
				tl-eval --merge -o "$f" "$d/n$n"/*.stats >"$d/merged.$f"
				cmp "$d/one.$f" "$d/merged.$f"
			done
			[[ $m != --score\ days* ]] || cp "$d/merged.json" "$d/days.json"
		done
	done
	# the AUC of days since last (heavy ties: whole days) is the pair count's
	run python3 -c '
import csv, json, sys
sys.path.insert(0, sys.argv[3]); from model_ref import auc
rows = list(csv.DictReader(open(sys.argv[1])))
want = auc([float(r["days_since_last"]) for r in rows], [int(r["dropout"]) for r in rows])
got = json.load(open(sys.argv[2]))["roc_auc"]
print(got, want); sys.exit(abs(got - want) > 1e-12)' "$d/rows.csv" "$d/days.json" "$TESTDATA/ref"
	assert_success
}

# emit DIR NAME ARGS...: the stats of ARGS over the test rows, as DIR/NAME.
emit() {
	local out="$1/$2"
	shift 2
	tl-eval "$@" --emit-stats "$BATS_FILE_TMPDIR/rows.csv" >"$out"
}

@test "EVM005: files of other parameters are exit 65 at the file and line of the parameter, and nothing is written" {
	local d="$BATS_TEST_TMPDIR"
	emit "$d" a --score churn_risk --label churned
	emit "$d" b --score days_since_last --label churned
	run --separate-stderr tl-eval --merge --output "$d/out" "$d/a" "$d/b"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/b:3: parameter score is 'days_since_last', but 'churn_risk' in $d/a:3: the statistics were computed with other options"
	[ ! -e "$d/out" ]
	emit "$d" t1 --pred velocity_next --actual next_velocity_actual
	emit "$d" t2 --pred velocity_next --actual next_velocity_actual --tolerance 0.2
	run --separate-stderr tl-eval --merge "$d/t1" "$d/t2"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/t2:5: parameter tolerance is '0.20000000000000001', but '0.10000000000000001' in $d/t1:5: the statistics were computed with other options"
	emit "$d" b1 --pred velocity_next --actual next_velocity_actual --baseline velocity
	run --separate-stderr tl-eval --merge "$d/t1" "$d/b1"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/b1:6: parameter baseline is not in the first block ($d/t1:1)"
	run --separate-stderr tl-eval --merge "$d/b1" "$d/t1"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/t1:6: parameter baseline of the first block ($d/b1:6) is missing here"
	emit "$d" c --truth true_archetype --pred archetype
	run --separate-stderr tl-eval --merge "$d/a" "$d/c"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/c:2: parameter mode is 'classification', but 'binary' in $d/a:2: the statistics were computed with other options"
	# within one file too (files joined with cat)
	cat "$d/a" "$d/b" >"$d/ab"
	run --separate-stderr tl-eval --merge "$d/ab"
	assert_failure 65
	[[ $stderr == "tl-eval: $d/ab:$(($(wc -l <"$d/a") + 3)): parameter score is 'days_since_last'"* ]]
}

@test "EVM006: options given with --merge must be the files'; --curve needs binary stats (exit 64)" {
	local d="$BATS_TEST_TMPDIR"
	emit "$d" a --score churn_risk --label churned
	run --separate-stderr tl-eval --merge --score churn_risk --label churned -o json "$d/a"
	assert_success
	run --separate-stderr tl-eval --merge --score days_since_last "$d/a"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/a:1: --score is not what these statistics were computed with (their parameters are the options to give, or none)"
	run --separate-stderr tl-eval --merge --tolerance 0.1 "$d/a"
	assert_failure 65
	emit "$d" n --pred velocity_next --actual next_velocity_actual --baseline velocity
	run --separate-stderr tl-eval --merge --baseline velocity_simple "$d/n"
	assert_failure 65
	[[ $stderr == *"--baseline is not what"* ]]
	run --separate-stderr tl-eval --merge --baseline velocity --tolerance 0.1 -o json "$d/n"
	assert_success
	emit "$d" c --truth true_archetype --pred archetype
	run --separate-stderr tl-eval --merge --curve "$d/curve" "$d/c"
	assert_failure 64
	[ ! -e "$d/curve" ]
	run --separate-stderr tl-eval --merge --max-classes 3 "$d/c"
	assert_failure 65
	[[ $stderr == "tl-eval: $d/c:"*": more than 3 classes (--max-classes)" ]]
}

@test "EVM007: damaged or foreign stats files are exit 65 naming the file and line; a missing one 66" {
	local d="$BATS_TEST_TMPDIR"
	emit "$d" a --score churn_risk --label churned
	local skipped
	skipped=$(sed -n 's/^skipped,//p' "$d/a")
	sed 's/^learners,600$/learners,601/' "$d/a" >"$d/more"
	run --separate-stderr tl-eval --merge "$d/more"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/more:1: the rows count $((600 - skipped)) learners evaluated and $skipped skipped, but 601 learners"
	sed '8s/,[0-9]*$/,x/' "$d/a" >"$d/bad"
	run --separate-stderr tl-eval --merge "$d/bad"
	assert_failure 65
	[[ $stderr == "tl-eval: $d/bad:8: bad negatives: 'x' (a count, 0 to 2^53)" ]]
	sed '8s/^score/cell/' "$d/a" >"$d/kind"
	run --separate-stderr tl-eval --merge "$d/kind"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/kind:8: a cell row in the stats of the binary mode"
	printf 'by,segment,arm,metric,kind,covariate,n,mean,m2,mean_x,m2_x,c_xy\n' >"$d/ab"
	run --separate-stderr tl-eval --merge "$d/ab"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/ab:1: not a tl-eval --emit-stats file (the first record is not 'tl-stats,tl-eval,1')"
	: >"$d/empty"
	run --separate-stderr tl-eval --merge "$d/empty"
	assert_failure 65
	[[ $stderr == "tl-eval: $d/empty:0: empty file" ]]
	run --separate-stderr tl-eval --merge "$d/none"
	assert_failure 66
	# no length limit (a row per distinct score), but a line is bounded
	run --separate-stderr tl-eval --merge /dev/zero
	assert_failure 65
	assert_equal "$stderr" "tl-eval: /dev/zero:1: a line longer than 16777216 bytes"
	emit "$d" n --pred velocity_next --actual next_velocity_actual --baseline velocity
	sed '$s/^numeric,1,[0-9]*,/numeric,1,999,/' "$d/n" >"$d/nb"
	run --separate-stderr tl-eval --merge "$d/nb"
	assert_failure 65
	[[ $stderr == *"nb:1: baseline 1 has n 999, the prediction "*": all are evaluated on the same learners" ]]
	sed '$s/,[^,]*$/,0.5 x/' "$d/n" >"$d/sum"
	run --separate-stderr tl-eval --merge "$d/sum"
	assert_failure 65
	[[ $stderr == *"sum:$(wc -l <"$d/n"): bad sum of errors: '0.5 x' (a sum, as numbers apart by spaces)" ]]
}

@test "EVM008: a class name holding a NUL byte is bad data (it made two classes print as one)" {
	local f="$BATS_TEST_TMPDIR/nul.ndjson"
	printf '{"learner_id":"L1","t":"a\\u0000b","p":"a"}\n{"learner_id":"L2","t":"a\\u0000c","p":"a"}\n' >"$f"
	run --separate-stderr tl-eval --truth t --pred p "$f"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $f:1: learner 'L1': field 't' holds a NUL byte: '\"a\\u0000b\"'"
}

@test "EVM009: a shard's stats given twice, or two files of the same learners, are exit 65 and nothing is written; empty shards merge" {
	local d="$BATS_TEST_TMPDIR" m="--score churn_risk --label churned" i l
	split_rows "$BATS_FILE_TMPDIR/rows.csv" 4 2 "$d/s"
	for i in 0 1 2 3; do
		# shellcheck disable=SC2086 # $m: the options of the mode
		tl-eval $m --emit-stats "$d/s/$i.csv" >"$d/$i.stats"
	done
	# shellcheck disable=SC2086
	tl-eval $m --emit-stats "$d/s/1.csv" >"$d/again.stats"
	l=$(grep -n '^learner_ids,300,' "$d/0.stats" | cut -d: -f1)
	[ -n "$l" ]
	run --separate-stderr tl-eval --merge --output "$d/o.txt" "$d/0.stats" "$d/1.stats" "$d/0.stats"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/0.stats:$l: the same learners as $d/0.stats:$l: a shard given twice"
	[ ! -e "$d/o.txt" ]
	run --separate-stderr tl-eval --merge --emit-stats --output "$d/o.txt" "$d/1.stats" "$d/again.stats"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: $d/again.stats:$l: the same learners as $d/1.stats:$l: a shard given twice"
	[ ! -e "$d/o.txt" ]
	cat "$d/0.stats" "$d/1.stats" "$d/0.stats" >"$d/cat.stats"
	run --separate-stderr tl-eval --merge - <"$d/cat.stats"
	assert_failure 65
	assert_equal "$stderr" "tl-eval: -:$(($(wc -l <"$d/0.stats") + $(wc -l <"$d/1.stats") + l)): the same learners as -:$l: a shard given twice"
	# two empty shards are not alike: the merge is the single run's
	grep -qx 'learner_ids,0,0000000000000000' "$d/3.stats"
	# shellcheck disable=SC2086
	tl-eval $m --emit-stats "$BATS_FILE_TMPDIR/rows.csv" >"$d/one.stats"
	tl-eval --merge --emit-stats "$d"/[0-3].stats >"$d/merged.stats"
	cmp "$d/one.stats" "$d/merged.stats"
	grep -qx 'learner_ids,600,[0-9a-f]\{16\}' "$d/one.stats"
}
