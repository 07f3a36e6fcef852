# tl-model-shards.bats - tl-model --fit over shards (tl-model(1) SHARDED
# FITS): --emit-stats and --merge in passes, driven by tl_model_fit_loop
# (scripts/lib/model.sh), give the single fit's model file byte for byte,
# and to 1e-9 by an independent comparer, at N = 1, 2, 3 and 7 shards
# (an empty one among them), logistic and linear, with and without --cv,
# on split files and on tl-loadgen --shard populations; files that do not
# belong to the fit stop the merge with FILE:LINE, exit 65.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
# shellcheck disable=SC2030,SC2031 # FIT: set by each test, read by its helpers
load test_helper
bats_require_minimum_version 1.5.0

# shellcheck source-path=SCRIPTDIR source=../scripts/lib/model.sh
. "$TL_ROOT/scripts/lib/model.sh"

CHURN_SPECS=log1p:interactions,days_since_last,sqrt:active_days

setup() {
	cd "$BATS_TEST_TMPDIR" || return
}

# The fit's settings, for the single fit and for every shard.
FIT=()

# run_pass P STATE DIR: every shard's --emit-stats of one pass (the RUN of
# tl_model_fit_loop).
run_pass() {
	local f
	for f in shard*.csv shard*.ndjson; do
		[ -e "$f" ] || continue
		tl-model --fit "${FIT[@]}" --emit-stats ${2:+--state "$2"} --output "$3/${f%.*}.stats" "$f" || return 1
	done
}

# fit_shards OUTPUT: the loop over the shard files here.
fit_shards() {
	rm -rf work
	tl_model_fit_loop run_pass work "$1"
}

# same_model A B: every number of the two model files within 1e-9
# (relative, absolute below 1), every other value equal: python3, reading
# the JSON, independent of tl-model.
same_model() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
bad = []
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys():
        for k in x: walk(x[k], y[k], path + "." + k)
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)): walk(u, v, "%s[%d]" % (path, i))
    elif isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
        if abs(x - y) > 1e-9 * max(1, abs(x), abs(y)): bad.append((path, x, y))
    elif x != y:
        bad.append((path, x, y))
walk(a, b, "")
print(bad if bad else "same"); sys.exit(1 if bad else 0)
PY
}

# check_n N [EMPTY]: the shard fit of testdata's churn rows at N shards is
# the single fit (byte for byte and by same_model); the merge reports what
# the single fit does.
check_n() {
	deal_rows "$TESTDATA/model/model-churn.csv" "$@"
	run --separate-stderr fit_shards sharded.json
	[ "$status" -eq 0 ] || { echo "N=$1: $stderr" >&2; return 1; }
	[ "$stderr" = "$(<single.err)" ] || { echo "N=$1: stderr: $stderr" >&2; return 1; }
	same_model single.json sharded.json || { echo "N=$1: not the single fit" >&2; return 1; }
	cmp single.json sharded.json
}

@test "MSH001: logistic with --cv 4 at N = 1, 2, 3 and 7 shards (one empty) is the single fit, byte for byte" {
	FIT=(--target dropout --features "$CHURN_SPECS" --cv 4)
	tl-model --fit "${FIT[@]}" --output single.json "$TESTDATA/model/model-churn.csv" 2>single.err
	[ "$(wc -l <single.err)" -eq 2 ]
	check_n 1
	check_n 2
	check_n 3
	check_n 7 empty
	check_n 7 bare
	[ "$(head -c 1 shard6.csv | wc -c)" -eq 0 ]
	# a pass per Newton evaluation: more than moments, one step and metrics
	[ "$(find work -name 'state-*' | wc -l)" -gt 4 ]
}

@test "MSH002: linear (ridge) with --cv 3 and logistic without --cv and without penalty: the single fit at N = 2, 3, 7" {
	FIT=(--kind linear --target active_days --features "log1p:interactions,days_since_last" --l2 3 --cv 3)
	tl-model --fit "${FIT[@]}" --output single.json "$TESTDATA/model/model-churn.csv" 2>single.err
	check_n 2
	check_n 3
	check_n 7 empty
	# linear: moments, the one exact step, the metrics
	[ "$(find work -name 'state-*' | wc -l)" -eq 3 ]
	FIT=(--target am --features "hp,wt" --l2 0)
	tl-model --fit "${FIT[@]}" --output single.json "$TESTDATA/model/model-mtcars.csv" 2>single.err
	deal_rows "$TESTDATA/model/model-mtcars.csv" 3
	fit_shards sharded.json
	cmp single.json sharded.json
	same_model single.json sharded.json
}

@test "MSH003: tl-loadgen --shard I/N populations through the pipeline: the sharded fit is the single one (churn.features, --cv 5)" {
	local n i
	gen() { tl-loadgen --learners 400 --seed 11 "$@" | tl-velocity --as-of 2025-09-01 --label | tl-retention --label; }
	gen >all.ndjson
	FIT=(--target churned --features-file churn --cv 5)
	tl-model --fit "${FIT[@]}" --output single.json all.ndjson 2>single.err
	for n in 2 7; do
		rm -f shard*.ndjson
		for ((i = 0; i < n; i++)); do
			gen --shard "$i/$n" >"shard$i.ndjson"
		done
		# the shards hold the population, whichever learners land where
		[ "$(cat shard*.ndjson | sort | cksum)" = "$(sort all.ndjson | cksum)" ]
		run --separate-stderr fit_shards sharded.json
		assert_success
		assert_equal "$stderr" "$(<single.err)"
		cmp single.json sharded.json
		same_model single.json sharded.json
	done
	# the order of the records does not matter either
	tac all.ndjson >reversed.ndjson
	tl-model --fit "${FIT[@]}" --output reversed.json reversed.ndjson 2>/dev/null
	cmp single.json reversed.json
}

@test "MSH004: the comparer can fail: a coefficient off by 1e-8 is reported" {
	tl-model --fit --target dropout --features days_since_last --output a.json "$TESTDATA/model/model-churn.csv" 2>/dev/null
	python3 -c '
import json, sys
m = json.load(open("a.json")); m["features"][0]["coef"] *= 1 + 1e-8
json.dump(m, open("b.json", "w"))'
	run same_model a.json b.json
	assert_failure
	assert_output --partial "features[0].coef"
	cp a.json c.json
	run same_model a.json c.json
	assert_success
}

@test "MSH005: a shard's stats are deterministic; a failed shard or merge publishes nothing" {
	FIT=(--target dropout --features "$CHURN_SPECS")
	deal_rows "$TESTDATA/model/model-churn.csv" 3
	tl-model --fit "${FIT[@]}" --emit-stats --output a.stats shard1.csv
	tl-model --fit "${FIT[@]}" --emit-stats --output b.stats shard1.csv
	cmp a.stats b.stats
	echo old >model.json
	# a shard fails in pass 2: the loop stops, the old model stays
	fails_late() { [ "$1" -lt 2 ] || return 1; run_pass "$@"; }
	rm -rf work
	run --separate-stderr tl_model_fit_loop fails_late work model.json
	assert_failure
	assert_equal "$stderr" "tl_model_fit_loop: pass 2: a shard failed; nothing is published"
	[ "$(cat model.json)" = old ]
	# shard 2 is gone in pass 2: the merge fails
	loses_one() { [ "$1" -lt 2 ] || rm -f shard2.csv; run_pass "$@"; }
	rm -rf work
	run --separate-stderr tl_model_fit_loop loses_one work model.json
	assert_failure
	[[ "$stderr" == "tl-model: work/state-2:"*" of pass 0 has no stats file: 2 given for 3 shards"$'\n'"tl_model_fit_loop: pass 2: the merge failed; nothing is published" ]]
	[ "$(cat model.json)" = old ]
	# a merge that fails (the fit's own error) publishes nothing either
	FIT=(--target dropout --features "days_since_last,active_days" --l2 0)
	printf 'learner_id,dropout,days_since_last,active_days\nA,0,1,5\nB,1,2,5\n' >shard0.csv
	printf 'learner_id,dropout,days_since_last,active_days\nC,0,3,5\nD,1,4,5\n' >shard1.csv
	run --separate-stderr fit_shards model.json
	assert_failure
	[[ "$stderr" == "tl-model: singular system: feature 'active_days' is constant in the training data; drop it or use --l2 > 0"* ]]
	[ "$(cat model.json)" = old ]
	cat shard0.csv >all.csv
	tail -n +2 shard1.csv >>all.csv
	run --separate-stderr tl-model --fit "${FIT[@]}" all.csv
	[ "$status" -eq 65 ]
	assert_equal "${stderr%%$'\n'*}" "tl-model: singular system: feature 'active_days' is constant in the training data; drop it or use --l2 > 0"
}

# pass1 DIR: the churn fit's pass 0 over shard0..2.csv merged into
# DIR/state (pass 1) and pass 1's stats DIR/0..2.stats.
pass1() {
	mkdir -p "$1"
	for i in 0 1 2; do
		tl-model --fit "${FIT[@]}" --emit-stats --output "$1/p0-$i.stats" "shard$i.csv"
	done
	tl-model --merge --output "$1/state" "$1"/p0-*.stats
	for i in 0 1 2; do
		tl-model --fit "${FIT[@]}" --emit-stats --state "$1/state" --output "$1/$i.stats" "shard$i.csv"
	done
}

@test "MSH006: stats of other settings, another pass or another state, and a shard's options against its state: FILE:LINE, exit 65" {
	FIT=(--target dropout --features "$CHURN_SPECS")
	deal_rows "$TESTDATA/model/model-churn.csv" 3
	pass1 a
	# pass 0 with another penalty on one shard
	tl-model --fit "${FIT[@]}" --l2 2 --emit-stats --output l2.stats shard1.csv
	run --separate-stderr tl-model --merge a/p0-0.stats l2.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: l2.stats:7: l2 2, not 1 as in a/p0-0.stats: the stats are of other settings"
	# a shard run with other features than its state's
	run --separate-stderr tl-model --fit --target dropout --features log1p:interactions,days_since_last --emit-stats --state a/state shard0.csv
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/state:9: the options give 2 features, not 3 as this state"
	run --separate-stderr tl-model --fit --target dropout --features "$CHURN_SPECS" --cv 3 --emit-stats --state a/state shard0.csv
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/state:8: the options give 3 folds, not 0 as this state"
	# stats of pass 1 without their state, and pass 0's with a state
	run --separate-stderr tl-model --merge a/0.stats a/1.stats a/2.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/0.stats:3: stats of pass 1: give the state they were computed from with --state"
	run --separate-stderr tl-model --merge --state a/state a/p0-0.stats a/p0-1.stats a/p0-2.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/p0-0.stats:3: stats of pass 0; the state is at another pass"
	# the same pass of another fit's state (one record less, same settings)
	sed -i '$d' shard1.csv
	pass1 b
	run --separate-stderr tl-model --merge --state a/state b/0.stats b/1.stats b/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" =~ ^"tl-model: b/0.stats:4: computed from the state "[0-9a-f]{16}", not from "[0-9a-f]{16}" (a/state)"$ ]]
}

@test "MSH007: shards that are not pass 0's: changed input, one left out, one twice, a truncated or foreign file: FILE:LINE, exit 65" {
	FIT=(--target dropout --features "$CHURN_SPECS")
	deal_rows "$TESTDATA/model/model-churn.csv" 3
	pass1 a
	tl-model --merge --state a/state --output /dev/null a/0.stats a/1.stats a/2.stats
	# shard 1's input changed between the passes (one value)
	awk -F, -v OFS=, 'NR == 2 { $3 = $3 + 1 } { print }' shard1.csv >changed.csv
	! cmp -s shard1.csv changed.csv || false
	tl-model --fit "${FIT[@]}" --emit-stats --state a/state --output changed.stats changed.csv
	run --separate-stderr tl-model --merge --state a/state a/0.stats changed.stats a/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" =~ ^"tl-model: changed.stats:13: shard "[0-9a-f]{16}" ("[0-9]+" records) is not one of the 3 shards of pass 0: its input changed, or it is another shard's"$ ]]
	# one shard left out; one given twice
	run --separate-stderr tl-model --merge --state a/state a/0.stats a/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" =~ ^"tl-model: a/state:"[0-9]+": shard "[0-9a-f]{16}" ("[0-9]+" records) of pass 0 has no stats file: 2 given for 3 shards"$ ]]
	run --separate-stderr tl-model --merge --state a/state a/0.stats a/1.stats a/2.stats a/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"a/2.stats:13: shard "*" is not one of the 3 shards of pass 0 (or is given twice)"* ]]
	run --separate-stderr tl-model --merge a/p0-0.stats a/p0-1.stats a/p0-1.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/p0-1.stats:13: the same records as a/p0-1.stats: a shard given twice"
	# truncated: the end record is missing, or counts other records
	head -n -1 a/1.stats >cut.stats
	run --separate-stderr tl-model --merge --state a/state a/0.stats cut.stats a/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" == "tl-model: cut.stats:"*": the file ends where a record 'end' is expected" ]]
	grep -v '^hess,0,3,2,' a/1.stats >hole.stats
	run --separate-stderr tl-model --merge --state a/state a/0.stats hole.stats a/2.stats
	[ "$status" -eq 65 ]
	[[ "$stderr" == "tl-model: hole.stats:"*": expected the record 'hess' of unit 0 at i 3, j 2 here, found 'hess,0,3,3'" ]]
	# a file of another kind
	run --separate-stderr tl-model --merge --state a/state a/0.stats "$TESTDATA/model/model-churn.csv" a/2.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $TESTDATA/model/model-churn.csv:1: not a tl-model stats 1 file (its first line is not 'record,unit,i,j,value')"
	run --separate-stderr tl-model --merge --state a/0.stats a/0.stats
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: a/0.stats:2: format 'tl-model stats 1' is not 'tl-model state 1'"
	run --separate-stderr tl-model --merge --state none.state a/0.stats
	[ "$status" -eq 66 ]
	assert_equal "$stderr" "tl-model: none.state: No such file or directory"
}

@test "MSH008: usage: --emit-stats needs --fit, --state needs --emit-stats or --merge, --merge takes no settings" {
	local args
	for args in "--emit-stats" "--merge --fit" "--fit --target y --features x --state s" \
		"--merge --target y" "--merge --cv 3" "--merge --field p" "--model m.json --emit-stats" "--merge --state="; do
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		run --separate-stderr tl-model $args
		[ "$status" -eq 64 ] || { echo "args: $args -> $status" >&2; return 1; }
		[[ "$stderr" == *"Try 'tl-model --help'"* ]] || { echo "args: $args: $stderr" >&2; return 1; }
	done
}

@test "MSH009: the exact standardisation: means and sds as python's exact fractions give them" {
	tl-model --fit --target dropout --features "$CHURN_SPECS" --output m.json "$TESTDATA/model/model-churn.csv" 2>/dev/null
	python3 - m.json "$TESTDATA/model/model-churn.csv" <<'PY'
import csv, json, math, sys
from fractions import Fraction
m = json.load(open(sys.argv[1])); rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["dropout"] != ""]
tf = {"none": float, "log1p": lambda v: math.log1p(float(v)), "sqrt": lambda v: math.sqrt(float(v))}
bad = 0
for f in m["features"]:
    x = [Fraction(tf[f["transform"]](r[f["field"]])) for r in rows if r[f["field"]] != ""]
    mean = sum(x) / len(x); var = sum((v - mean) ** 2 for v in x) / (len(x) - 1)
    bad += abs(Fraction(f["mean"]) - mean) > Fraction(math.ulp(float(mean)))
    bad += abs(f["sd"] - math.sqrt(var)) > 4e-16 * math.sqrt(var)
    print(f["spec"], f["mean"], float(mean), f["sd"], math.sqrt(var))
sys.exit(bad)
PY
}
