# tl-model-oof.bats - tl-model's out-of-fold predictions (--oof) and
# held-out evaluation (--holdout, --holdout-field): each out-of-fold
# prediction is the one a separate --fit on the other folds' records,
# applied with --model, gives (through the CLI), and an independent python
# IRLS's; the held-out split by the id hash as python computes it; the
# held-out metrics those of --model on the held-out records; --oof over
# shards is the single fit's.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

SPECS=log1p:interactions,days_since_last,active_days

setup() {
	cd "$BATS_TEST_TMPDIR" || return
}

ref() {
	python3 -c "import sys; sys.path.insert(0, '$TESTDATA/ref'); from model_ref import *; $1" "${@:2}"
}

# split_fold K F IN: IN's rows with a target of fold F (of K, python's
# hash) into test.csv, the others into train.csv.
split_fold() {
	ref '
k, f = int(sys.argv[1]), int(sys.argv[2]); src = open(sys.argv[3]).read().splitlines()
tr = open("train.csv", "w"); te = open("test.csv", "w"); print(src[0], file=tr); print(src[0], file=te)
for line in src[1:]:
    print(line, file=te if hash64(line.split(",")[0], 0x746c2d6d6f64656c) % k == f else tr)' "$@"
}

# same_preds OOF FIELD SCORED...: every learner of the files SCORED (CSV,
# from --model) has in OOF the prediction that rounds to its %.6g value.
same_preds() {
	python3 - "$@" <<'PY'
import csv, sys
oof = {r["learner_id"]: r for r in csv.DictReader(open(sys.argv[1]))}
field = sys.argv[2]; seen = 0; bad = []
for path in sys.argv[3:]:
    for r in csv.DictReader(open(path)):
        if r["learner_id"] not in oof: continue
        seen += 1
        got = float("%.6g" % float(oof[r["learner_id"]][field]))
        if got != float(r[field]): bad.append((r["learner_id"], got, r[field]))
print(seen, len(oof), bad); sys.exit(1 if bad or seen != len(oof) else 0)
PY
}

@test "MOF001: --oof: each prediction is --fit on the other folds' records applied with --model (logistic, --cv 4)" {
	run --separate-stderr tl-model --fit --target dropout --features "$SPECS" --cv 4 --oof oof.csv --output m.json "$TESTDATA/model/model-churn.csv"
	assert_success
	assert_equal "$(head -1 oof.csv)" "learner_id,fold,dropout,dropout_probability"
	assert_equal "$(wc -l <oof.csv)" 40
	local f
	for f in 0 1 2 3; do
		split_fold 4 "$f" "$TESTDATA/model/model-churn.csv"
		tl-model --fit --target dropout --features "$SPECS" --output "m$f.json" train.csv 2>/dev/null
		tl-model --model "m$f.json" -o csv --output "s$f.csv" test.csv
	done
	run same_preds oof.csv dropout_probability s0.csv s1.csv s2.csv s3.csv
	assert_success
}

@test "MOF002: --oof, linear: the fold models' predictions through the CLI; the input order; the target copied" {
	tl-model --fit --kind linear --target active_days --features log1p:interactions,days_since_last --l2 3 --cv 3 --oof oof.csv "$TESTDATA/model/model-churn.csv" >/dev/null
	local f
	for f in 0 1 2; do
		split_fold 3 "$f" "$TESTDATA/model/model-churn.csv"
		tl-model --fit --kind linear --target active_days --features log1p:interactions,days_since_last --l2 3 --output "m$f.json" train.csv
		tl-model --model "m$f.json" -o csv --output "s$f.csv" test.csv
	done
	run same_preds oof.csv active_days_predicted s0.csv s1.csv s2.csv
	assert_success
	assert_equal "$(cut -d, -f1,3 oof.csv | tail -n +2)" "$(cut -d, -f1,5 "$TESTDATA/model/model-churn.csv" | tail -n +2)"
}

@test "MOF003: --oof agrees with an independent python IRLS per fold to 1e-9; its folds are python's hash" {
	tl-model --fit --target dropout --features "$SPECS" --cv 4 --oof oof.csv "$TESTDATA/model/model-churn.csv" >/dev/null 2>&1
	run ref '
specs = sys.argv[2].split(","); data = [r for r in rows(sys.argv[1]) if r["dropout"] != ""]
fold = [hash64(r["learner_id"], 0x746c2d6d6f64656c) % 4 for r in data]
want = {}
for k in range(4):
    tr = [r for r, f in zip(data, fold) if f != k]; st = standardise(tr, specs)
    b = irls(design(tr, specs, st), [float(r["dropout"]) for r in tr], 1)
    te = [r for r, f in zip(data, fold) if f == k]
    for r, p in zip(te, predict(design(te, specs, st), b)): want[r["learner_id"]] = (k, p)
got = {r["learner_id"]: (int(r["fold"]), float(r["dropout_probability"])) for r in rows(sys.argv[3])}
bad = [i for i in want if i not in got or got[i][0] != want[i][0] or abs(got[i][1] - want[i][1]) > 1e-9]
print(len(got), bad); sys.exit(1 if bad or len(got) != len(want) else 0)' "$TESTDATA/model/model-churn.csv" "$SPECS" oof.csv
	assert_success
}

@test "MOF004: --holdout F: the learners python's hash holds out; the model is --fit on the others; the metric is --model's" {
	run --separate-stderr tl-model --fit --target dropout --features "$SPECS" --holdout 0.3 --output h.json "$TESTDATA/model/model-churn.csv"
	assert_success
	ref '
src = open(sys.argv[1]).read().splitlines(); tr = open("train.csv", "w"); te = open("test.csv", "w")
print(src[0], file=tr); print(src[0], file=te)
for line in src[1:]:
    print(line, file=te if (hash64(line.split(",")[0], 0x746c2d686f6c646f) >> 11) / 2.0**53 < 0.3 else tr)' "$TESTDATA/model/model-churn.csv"
	tl-model --fit --target dropout --features "$SPECS" --output t.json train.csv 2>/dev/null
	# the same model file, but for its last member
	assert_equal "$(grep -v holdout h.json | sed 's/"cv": null,/"cv": null/')" "$(cat t.json)"
	tl-model --model t.json -o csv --output s.csv test.csv
	run ref '
m = json.load(open(sys.argv[1]))["holdout"]; r = [x for x in rows(sys.argv[2]) if x["dropout"] != ""]
want = auc([float(x["dropout_probability"]) for x in r], [int(x["dropout"]) for x in r])
print(m, want); sys.exit(0 if m["n"] == len(r) and abs(m["auc"] - want) < 1e-12 and m["fraction"] == 0.3 else 1)' h.json s.csv
	assert_success
	assert_line --partial "'n': 8"
	assert_equal "${stderr##*$'\n'}" "tl-model: held-out ROC AUC 0.533333 (n 8, not in the 31 training records)"
}

@test "MOF005: --holdout-field: the records of one cohort held out; linear RMSE as python computes it from --model" {
	tl-model --fit --kind linear --target active_days --features log1p:interactions --holdout-field cohort=a --output h.json "$TESTDATA/model/model-churn.csv"
	awk -F, 'NR == 1 || $2 != "a"' "$TESTDATA/model/model-churn.csv" >train.csv
	awk -F, 'NR == 1 || $2 == "a"' "$TESTDATA/model/model-churn.csv" >test.csv
	tl-model --fit --kind linear --target active_days --features log1p:interactions --output t.json train.csv
	tl-model --model t.json -o csv --output s.csv test.csv
	run ref '
m = json.load(open(sys.argv[1])); h = m["holdout"]; r = rows(sys.argv[2])
want = math.sqrt(sum((float(x["active_days_predicted"]) - float(x["active_days"])) ** 2 for x in r) / len(r))
print(h, want); sys.exit(0 if h["field"] == "cohort" and h["value"] == "a" and h["n"] == len(r) and abs(h["rmse"] - want) < 1e-5 else 1)' h.json s.csv
	assert_success
	assert_equal "$(grep -v holdout h.json | sed 's/"cv": null,/"cv": null/')" "$(cat t.json)"
}

@test "MOF006: --oof over shards: the shards' files in the last pass hold the single fit's rows" {
	tl-model --fit --target dropout --features "$SPECS" --cv 4 --oof single.csv --output single.json "$TESTDATA/model/model-churn.csv" 2>/dev/null
	awk 'NR == 1 { for (i = 0; i < 3; i++) print > ("shard" i ".csv"); next } { print > ("shard" (NR % 3) ".csv") }' "$TESTDATA/model/model-churn.csv"
	local state='' pass=0 i
	while :; do
		rm -f oof*.csv
		for i in 0 1 2; do
			tl-model --fit --target dropout --features "$SPECS" --cv 4 --oof "oof$i.csv" --emit-stats ${state:+--state "$state"} --output "p$pass-$i.stats" "shard$i.csv"
		done
		tl-model --merge ${state:+--state "$state"} --output next "p$pass"-*.stats 2>/dev/null
		[ "$(head -c 1 next)" != "{" ] || break
		# not the last pass: no predictions yet, no file
		[ ! -e oof0.csv ]
		pass=$((pass + 1)) && mv next "state$pass" && state=state$pass
	done
	cmp next single.json
	assert_equal "$(head -1 oof0.csv)" "$(head -1 single.csv)"
	assert_equal "$(tail -qn +2 oof0.csv oof1.csv oof2.csv | sort)" "$(tail -n +2 single.csv | sort)"
}

@test "MOF007: usage: --oof needs --cv and --fit; --holdout is a fraction in (0, 1), not with --holdout-field nor --emit-stats" {
	local args
	for args in "--oof o.csv" "--cv 3 --oof ''" "--holdout 0" "--holdout 1" "--holdout 0.2 --holdout-field cohort=a" \
		"--holdout-field cohort" "--holdout-field =a" "--holdout 0.2 --emit-stats"; do
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		eval "run --separate-stderr tl-model --fit --target dropout --features x $args"
		[ "$status" -eq 64 ] || { echo "args: $args -> $status" >&2; return 1; }
	done
	run --separate-stderr tl-model --model m.json --oof o.csv
	assert_failure 64
	run --separate-stderr tl-model --fit --target dropout --features x --oof o.csv
	assert_equal "${stderr%%$'\n'*}" "tl-model: --oof needs --cv K (the predictions of the fold models)"
	run --separate-stderr tl-model --fit --target dropout --features "$SPECS" --cv 3 --oof in.csv --output m.json in.csv
	assert_failure 64
}

@test "MOF008: --holdout-field needs the field in every record; an empty held-out part has null metrics" {
	run --separate-stderr tl-model --fit --target dropout --features "$SPECS" --holdout-field nosuch=a "$TESTDATA/model/model-churn.csv"
	assert_failure 65
	[[ "$stderr" == *"nosuch"* ]]
	run --separate-stderr tl-model --fit --target dropout --features "$SPECS" --holdout-field cohort=zzz "$TESTDATA/model/model-churn.csv"
	assert_success
	assert_line --partial '"holdout": {"field":"cohort","value":"zzz","n":0,"auc":null,"log_loss":null}'
}
