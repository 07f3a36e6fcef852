# tl-model-multi.bats - tl-model --kind multinomial: softmax regression
# against an independent python Newton (testdata/ref/model_multi_ref.py)
# to 1e-9, the class probabilities and the predicted class of --model,
# out-of-fold predictions through the CLI, the cross-validated and held-out
# accuracy and macro F1 as tl-eval computes them, determinism under a
# reordered input, and the errors.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

# shellcheck source-path=SCRIPTDIR source=../scripts/lib/model.sh
. "$TL_ROOT/scripts/lib/model.sh"

SPECS=x1,log1p:count,x3
DATA=$TESTDATA/model/model-classes.csv

setup() {
	cd "$BATS_TEST_TMPDIR" || return
}

mref() {
	python3 -c "import sys, json, math; sys.path.insert(0, '$TESTDATA/ref'); from model_multi_ref import *; $1" "${@:2}"
}

# check_ref MODEL L2: the model's classes, coefficients (1e-9) and training
# metrics are the python Newton's on the data.
check_ref() {
	mref '
m = json.load(open(sys.argv[1])); specs = sys.argv[3].split(",")
data = [r for r in rows(sys.argv[2]) if r["kind"] != ""]
cls, st, X, y, B = fit(data, specs, "kind", float(sys.argv[4])); C = len(cls); bad = []
if cls != m["classes"]: bad.append(("classes", cls, m["classes"]))
for k in range(1, C):
    got = [m["intercept"][k]] + [f["coef"][k] for f in m["features"]]
    bad += [(k, g, w) for g, w in zip(got, B[k - 1]) if abs(g - w) > 1e-9 * max(1, abs(w))]
if m["intercept"][0] != 0 or any(f["coef"][0] != 0 for f in m["features"]): bad.append("reference not 0")
pr = predict(X, B, C); acc, f1 = class_metrics(y, [p[1] for p in pr], C)
ll = -sum(math.log(p[0][t]) for p, t in zip(pr, y)) / len(y); t = m["train"]
if abs(t["accuracy"] - acc) > 1e-12 or abs(t["macro_f1"] - f1) > 1e-12 or abs(t["log_loss"] - ll) > 1e-9: bad.append((t, acc, f1, ll))
if m["class_n"] != [y.count(k) for k in range(C)]: bad.append(m["class_n"])
print(bad); sys.exit(1 if bad else 0)' "$1" "$DATA" "$SPECS" "$2"
}

@test "MMU001: the coefficients, classes and training metrics of a python Newton to 1e-9 (l2 1 and 0)" {
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --output m.json "$DATA"
	assert_success
	assert_equal "$stderr" "tl-model: skipped 1 record with an empty target 'kind'"
	run check_ref m.json 1
	assert_success
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --l2 0 --output m0.json "$DATA" 2>/dev/null
	run check_ref m0.json 0
	assert_success
	# the comparer can fail: another penalty is another model
	run check_ref m.json 0.5
	assert_failure
}

@test "MMU002: --model: one probability per class, p_CLASS, and the class in TARGET_predicted, as python computes them" {
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --output m.json "$DATA" 2>/dev/null
	run tl-model --model m.json -o csv --output s.csv "$DATA"
	assert_success
	assert_equal "$(head -1 s.csv)" "learner_id,course,x1,count,x3,kind,p_alpha,p_beta,p_gamma,kind_predicted"
	run mref '
data = rows(sys.argv[1]); specs = sys.argv[3].split(","); out = rows(sys.argv[2])
cls, st, X, y, B = fit([r for r in data if r["kind"] != ""], specs, "kind", 1)
pr = predict(design(data, specs, st), B, len(cls)); bad = []
for (p, k), r in zip(pr, out):
    got = [float(r["p_" + c]) for c in cls]
    if any(abs(g - w) > 5e-6 * w for g, w in zip(got, p)) or r["kind_predicted"] != cls[k]: bad.append((r["learner_id"], got, p, k))
print(len(out), bad); sys.exit(1 if bad or len(out) != len(data) else 0)' "$DATA" s.csv "$SPECS"
	assert_success
	run tl-model --model m.json --field guess -o csv "$DATA"
	assert_line --index 0 "learner_id,course,x1,count,x3,kind,p_alpha,p_beta,p_gamma,guess"
}

@test "MMU003: --cv --oof: each row is --fit on the other folds applied with --model; the pooled metrics are tl-eval's on the file" {
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 3 --oof oof.csv --metrics m.prom --output m.json "$DATA"
	assert_success
	grep -q '^tl_model_cv_macro_f1{tool="tl-model"} 0.4766' m.prom
	assert_equal "$(head -1 oof.csv)" "learner_id,fold,kind,p_alpha,p_beta,p_gamma,kind_predicted"
	assert_equal "$(wc -l <oof.csv)" 60
	local f
	for f in 0 1 2; do
		python3 -c "
import sys; sys.path.insert(0, '$TESTDATA/ref'); from model_ref import hash64
src = open('$DATA').read().splitlines(); tr = open('train.csv', 'w'); te = open('test.csv', 'w')
print(src[0], file=tr); print(src[0], file=te)
for line in src[1:]: print(line, file=te if hash64(line.split(',')[0], 0x746c2d6d6f64656c) % 3 == $f else tr)"
		tl-model --fit --kind multinomial --target kind --features "$SPECS" --output "m$f.json" train.csv 2>/dev/null
		tl-model --model "m$f.json" -o csv --output "s$f.csv" test.csv
	done
	run python3 - oof.csv s0.csv s1.csv s2.csv <<'PY'
import csv, sys
oof = {r["learner_id"]: r for r in csv.DictReader(open(sys.argv[1]))}; bad = []; seen = 0
for path in sys.argv[2:]:
    for r in csv.DictReader(open(path)):
        if r["learner_id"] not in oof: continue
        seen += 1; o = oof[r["learner_id"]]
        for c in ("alpha", "beta", "gamma"):
            if float("%.6g" % float(o["p_" + c])) != float(r["p_" + c]): bad.append((r["learner_id"], c))
        if o["kind_predicted"] != r["kind_predicted"]: bad.append((r["learner_id"], "class"))
print(seen, bad); sys.exit(1 if bad or seen != len(oof) else 0)
PY
	assert_success
	run tl-eval --truth kind --pred kind_predicted --format json oof.csv
	assert_success
	local want
	want=$(python3 -c "import json,sys; e = json.loads(sys.argv[1]); print('%.12f %.12f' % (e['accuracy'], e['macro_f1']))" "$output")
	assert_equal "$(python3 -c "import json; c = json.load(open('m.json'))['cv']; print('%.12f %.12f' % (c['accuracy'], c['macro_f1']))")" "$want"
	assert_equal "${stderr##*$'\n'}" "tl-model: 3-fold cross-validated accuracy 0.491525, macro F1 0.476621, log loss 0.993603 (n 59; training macro F1 0.601252)"
}

@test "MMU004: --holdout-field: the held-out accuracy and macro F1 are tl-eval's on --model of the held-out records" {
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --holdout-field course=v --output h.json "$DATA"
	assert_success
	awk -F, 'NR == 1 || $2 != "v"' "$DATA" >train.csv
	awk -F, 'NR == 1 || $2 == "v"' "$DATA" >test.csv
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --output t.json train.csv 2>/dev/null
	tl-model --model t.json -o csv --output s.csv test.csv
	run tl-eval --truth kind --pred kind_predicted --format json s.csv
	local want
	want=$(python3 -c "import json,sys; e = json.loads(sys.argv[1]); print('%.12f %.12f %d' % (e['accuracy'], e['macro_f1'], e['n']))" "$output")
	assert_equal "$(python3 -c "import json; h = json.load(open('h.json'))['holdout']; print('%.12f %.12f %d' % (h['accuracy'], h['macro_f1'], h['n']))")" "$want"
	[[ "${stderr##*$'\n'}" == "tl-model: held-out accuracy "*", macro F1 "*", log loss "*" (n 30, not in the 29 training records)" ]]
}

@test "MMU005: the model does not depend on the order of the records (exact sums), CV included" {
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 3 --output a.json "$DATA" 2>/dev/null
	(head -1 "$DATA"; tail -n +2 "$DATA" | sort -r) >rev.csv
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 3 --output b.json rev.csv 2>/dev/null
	cmp a.json b.json
}

@test "MMU006: errors: one class, a class only held out, a fold without a class, a bad model file" {
	awk -F, 'NR == 1 || $6 == "beta"' "$DATA" >one.csv
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" one.csv
	assert_failure 65
	[[ "$stderr" == *"has 1 class in the training data; multinomial needs 2 or more"* ]]
	awk -F, 'NR == 1 || $6 != "gamma" || $2 == "u"' "$DATA" >held.csv
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --holdout-field course=u held.csv
	assert_failure 65
	assert_equal "$stderr" "tl-model: held-out class 'gamma' of target 'kind' has no training record"
	awk -F, 'NR <= 4 || $6 != "alpha"' "$DATA" >rare.csv
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 10 rare.csv
	assert_failure 65
	[[ "$stderr" == *"cross-validation fold "*" of 10: class '"*"' of target 'kind' has no training record"* ]]
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --output m.json "$DATA" 2>/dev/null
	sed 's/"beta",/"zeta",/' m.json >bad.json
	run --separate-stderr tl-model --model bad.json "$DATA"
	assert_failure 65
	[[ "$stderr" == *"classes[2] 'gamma' is not after 'zeta' in byte order"* ]]
	sed 's/"coef":\[0,/"coef":[/' m.json >bad.json
	run --separate-stderr tl-model --model bad.json "$DATA"
	assert_failure 65
	[[ "$stderr" == *"'coef' is not an array of one number per class"* ]]
}

@test "MMU007: config/archetype.features: the shipped feature list of the learned archetypes" {
	run tl-model --fit --kind multinomial --target true_archetype --features-file archetype --output m.json /dev/null
	assert_failure 65
	[[ "$output" != *"archetype.features"* ]]
	run grep -cv '^\(#\|$\)' "$TL_ROOT/config/archetype.features"
	[ "$output" -ge 10 ]
}

# run_pass P STATE DIR: every shard's --emit-stats of one pass, and its
# out-of-fold predictions (written in the last pass).
run_pass() {
	local f
	for f in shard*.csv; do
		tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 3 --oof "oof-${f%.csv}.out" \
			--emit-stats ${2:+--state "$2"} --output "$3/${f%.*}.stats" "$f" || return 1
	done
}

@test "MMU008: over shards (--emit-stats, --merge) at N = 1, 2, 3 and 7 (one empty): the single fit byte for byte, --oof too" {
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --cv 3 --oof single.oof --output single.json "$DATA" 2>single.err
	local n
	for n in 1 2 3 7; do
		if [ "$n" = 7 ]; then deal_rows "$DATA" 7 empty; else deal_rows "$DATA" "$n"; fi
		rm -rf work oof-*.out
		run --separate-stderr tl_model_fit_loop run_pass work sharded.json
		[ "$status" -eq 0 ] || { echo "N=$n: $stderr" >&2; return 1; }
		[ "$stderr" = "$(<single.err)" ] || { echo "N=$n: stderr: $stderr" >&2; return 1; }
		cmp single.json sharded.json
		[ "$(tail -qn +2 oof-*.out | sort)" = "$(tail -n +2 single.oof | sort)" ]
	done
	# the state names the classes, in byte order, and each unit's counts
	grep -q '^class,,0,,alpha$' work/state-1
	grep -q '^class_n,0,2,,15$' work/state-1
}

@test "MMU009: over shards: a class that pass 0 did not see, and a shard whose classes changed, stop at their record, exit 65" {
	deal_rows "$DATA" 2
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --output p0-0.stats shard0.csv
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --output p0-1.stats shard1.csv
	tl-model --merge --output state1 p0-0.stats p0-1.stats
	local class other
	class=$(sed -n '2s/.*,//p' shard1.csv)
	other=alpha
	[ "$class" != alpha ] || other=beta
	sed -i '2s/,[a-z]*$/,delta/' shard1.csv
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --state state1 shard1.csv
	assert_failure 65
	[[ "$stderr" == *"shard1.csv:2: "*"'kind' is none of the classes of pass 0 (did the input change?): 'delta'"* ]]
	sed -i "2s/,delta\$/,$other/" shard1.csv
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --state state1 --output p1-0.stats shard0.csv
	tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --state state1 --output p1-1.stats shard1.csv
	run --separate-stderr tl-model --merge --state state1 p1-0.stats p1-1.stats
	assert_failure 65
	[[ "$stderr" == *"p1-1.stats:"*"is not one of the 2 shards of pass 0"* ]]
	sed 's/^class,,1,,beta$/class,,1,,alpha/' state1 >bad-state
	run --separate-stderr tl-model --fit --kind multinomial --target kind --features "$SPECS" --emit-stats --state bad-state shard0.csv
	assert_failure 65
	[[ "$stderr" == *"bad-state:"*"class 'alpha' is empty or not after the one before in byte order"* ]]
}
