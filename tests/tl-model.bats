# tl-model.bats - tl-model: reference coefficients (R's glm on mtcars and an
# independent python IRLS), separation, singular systems, bad input,
# determinism, the fit/apply round trip, cross-validation (the man page: manpages.bats).
load test_helper
bats_require_minimum_version 1.5.0

ref() {
	python3 -c "import sys; sys.path.insert(0, '$TESTDATA/ref'); from model_ref import *; $1" "${@:2}"
}

# model_get FILE EXPR: a value of the model JSON (python expression on m).
model_get() {
	python3 -c "import json,sys; m = json.load(open(sys.argv[1])); print(($2))" "$1"
}

@test "MOD001: --help prints the usage on stdout and exits 0" {
	run --separate-stderr tl-model --help
	assert_success
	assert_line --index 0 --partial 'usage: tl-model --fit --target FIELD'
	assert_output --partial '--features-file FILE'
	[ -z "$stderr" ]
}

@test "MOD002: usage errors exit 64 with a one-line reason and the hint" {
	local args
	for args in "" "--fit --model m.json" "--fit --features x" "--fit --target y" \
		"--fit --target y --features x --kind tree" "--fit --target y --features x --cv 1" \
		"--fit --target y --features x --field p" "--model m.json --cv 3" "--fit --target y --features x,x" \
		"--fit --target y --features log:x" "--fit --target y --features x --l2 -1" "--bogus"; do
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		run --separate-stderr tl-model $args
		[ "$status" -eq 64 ] || { echo "args: $args -> $status" >&2; return 1; }
		[[ "$stderr" == *"Try 'tl-model --help'"* ]] || { echo "args: $args: $stderr" >&2; return 1; }
	done
	run --separate-stderr tl-model --fit --target y --features x,log:x
	assert_equal "${stderr%%$'\n'*}" "tl-model: feature 'log:x': unknown transform 'log' (valid: log1p, sqrt)"
}

@test "MOD003: reference: glm(am ~ hp + wt, binomial, mtcars) as printed by R, and a python IRLS to 1e-6" {
	run --separate-stderr tl-model --fit --target am --features hp,wt --l2 0 "$TESTDATA/model/model-mtcars.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	# Published: R summary() of glm(am ~ hp + wt, family = binomial,
	# data = mtcars): (Intercept) 18.86630, hp 0.03626, wt -8.08348 (a
	# standard example reproduced in many R tutorials; r-tutor.com fits this
	# model). Checked to the printed digits, and against testdata/ref/model_ref.py, which
	# reproduces those digits independently.
	run ref '
m = json.load(open(sys.argv[1])); f = m["features"]
raw = [x["coef"] / x["sd"] for x in f]
b0 = m["intercept"] - sum(r * x["mean"] for r, x in zip(raw, f))
got = [b0] + raw
printed = [18.86630, 0.03626, -8.08348]
data = rows(sys.argv[2]); specs = ["hp", "wt"]; st = standardise(data, specs)
b = irls(design(data, specs, st), [float(r["am"]) for r in data], 0)
want = [b[0] - sum(b[j + 1] * st[j][0] / st[j][1] for j in range(2))] + [b[j + 1] / st[j][1] for j in range(2)]
bad = [(g, p) for g, p in zip(got, printed) if abs(g - p) > 0.5e-5]
bad += [(g, w) for g, w in zip(got, want) if abs(g - w) > 1e-6 * abs(w)]
print(got, want); sys.exit(1 if bad else 0)' "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-mtcars.csv"
	assert_success
	[ "$(model_get "$BATS_TEST_TMPDIR/m.json" 'm["n"], m["positives"], m["l2"]')" = "(32, 13, 0)" ]
}

@test "MOD004: reference: glm(am ~ disp + hp) as printed by R (statology.org), and a python IRLS" {
	run --separate-stderr tl-model --fit --target am --features disp,hp --l2 0 "$TESTDATA/model/model-mtcars.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	# Published: statology.org, "How to Interpret glm Output in R":
	# (Intercept) 1.40342, disp -0.09518, hp 0.12170.
	run ref '
m = json.load(open(sys.argv[1])); f = m["features"]
raw = [x["coef"] / x["sd"] for x in f]
got = [m["intercept"] - sum(r * x["mean"] for r, x in zip(raw, f))] + raw
sys.exit(0 if all(abs(g - p) <= 0.5e-5 for g, p in zip(got, [1.40342, -0.09518, 0.12170])) else print(got) or 1)' "$BATS_TEST_TMPDIR/m.json"
	assert_success
}

@test "MOD005: a penalised fit with transforms and an imputed value matches the python IRLS to 1e-6" {
	local specs="log1p:interactions,days_since_last,sqrt:active_days"
	run --separate-stderr tl-model --fit --target dropout --features "$specs" --l2 2.5 "$TESTDATA/model/model-churn.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	run ref '
m = json.load(open(sys.argv[1])); specs = sys.argv[3].split(",")
data = [r for r in rows(sys.argv[2]) if r["dropout"] != ""]
st = standardise(data, specs)
b = irls(design(data, specs, st), [float(r["dropout"]) for r in data], 2.5)
got = [m["intercept"]] + [x["coef"] for x in m["features"]]
ok = all(abs(g - w) <= 1e-6 * max(abs(w), 1e-3) for g, w in zip(got, b))
ok &= all(abs(x["mean"] - s[0]) < 1e-12 and abs(x["sd"] - s[1]) < 1e-12 for x, s in zip(m["features"], st))
ok &= [x["missing"] for x in m["features"]] == [0, 2, 0] and m["n"] == 39 and m["skipped"] == 1
print(got, b); sys.exit(0 if ok else 1)' "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv" "$specs"
	assert_success
	assert_equal "$stderr" "tl-model: skipped 1 record with an empty target 'dropout'"
}

@test "MOD006: separable data: finite coefficients with --l2, a clear error without" {
	run --separate-stderr tl-model --fit --target y --features x --l2 1 "$TESTDATA/model/model-separable.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	# The penalised optimum satisfies sum (y - mu) z = l2 * coef (testdata/ref/model_ref.py's IRLS).
	run ref '
m = json.load(open(sys.argv[1])); data = rows(sys.argv[2]); st = standardise(data, ["x"])
b = irls(design(data, ["x"], st), [float(r["y"]) for r in data], 1)
c = m["features"][0]["coef"]
sys.exit(0 if 0 < c < 10 and abs(c - b[1]) < 1e-6 and abs(m["intercept"] - b[0]) < 1e-6 else 1)' "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-separable.csv"
	assert_success
	run --separate-stderr tl-model --fit --target y --features x --l2 0 "$TESTDATA/model/model-separable.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: no finite solution: the features separate the target perfectly (or nearly); use --l2 > 0"
	# stdout, a pipe, ends with the cut-stream line (tl(7) PIPELINES)
	assert_equal "$output" $'\n'"#tl-abort $stderr"
}

@test "MOD007: a singular system and a constant feature get a clear message" {
	printf 'learner_id,y,a,b,c\nA,0,1,2,5\nB,1,2,4,5\nC,0,3,6,5\nD,1,4,8,5\nE,1,5,10,5\nF,0,6,12,5\n' >"$BATS_TEST_TMPDIR/s.csv"
	run --separate-stderr tl-model --fit --target y --features a,b --l2 0 "$BATS_TEST_TMPDIR/s.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: singular system: the features are collinear; drop one of them or use --l2 > 0"
	run --separate-stderr tl-model --fit --kind linear --target y --features a,b --l2 0 "$BATS_TEST_TMPDIR/s.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: singular system: the features are collinear; drop one of them or use --l2 > 0"
	run --separate-stderr tl-model --fit --target y --features a,c --l2 0 "$BATS_TEST_TMPDIR/s.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: singular system: feature 'c' is constant in the training data; drop it or use --l2 > 0"
	# with the default penalty both fits work
	run tl-model --fit --target y --features a,b,c "$BATS_TEST_TMPDIR/s.csv"
	assert_success
}

@test "MOD008: a target that is not 0/1, a single class, a missing target field" {
	printf 'learner_id,y,x\nA,0,1\nB,2,2\nC,1,3\n' >"$BATS_TEST_TMPDIR/t.csv"
	run --separate-stderr tl-model --fit --target y --features x "$BATS_TEST_TMPDIR/t.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/t.csv:3: learner 'B': field 'y' is not 0, 1, true or false: '2'; a logistic model needs 0 or 1 (use --kind linear for numbers)"
	printf 'learner_id,y,x\nA,1,1\nB,1,2\n' >"$BATS_TEST_TMPDIR/one.csv"
	run --separate-stderr tl-model --fit --target y --features x "$BATS_TEST_TMPDIR/one.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: target 'y' is 1 for every training record; logistic needs both 0 and 1"
	run --separate-stderr tl-model --fit --target churned --features x "$BATS_TEST_TMPDIR/one.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/one.csv:2: learner 'A' has no field 'churned', used by --target (it is produced by tl-retention --label: run it first)"
}

@test "MOD009: a missing feature field, a non-number and a value outside log1p are errors naming the record" {
	run --separate-stderr tl-model --fit --target dropout --features log1p:interactions,log1p:nope "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $TESTDATA/model/model-churn.csv:2: learner 'L01' has no field 'nope', used by feature 'log1p:nope' (no tl tool produces it; add it to the input)"
	printf 'learner_id,y,x\nA,0,1\nB,1,many\n' >"$BATS_TEST_TMPDIR/n.csv"
	run --separate-stderr tl-model --fit --target y --features x "$BATS_TEST_TMPDIR/n.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/n.csv:3: learner 'B': field 'x' is not a number: 'many'"
	printf 'learner_id,y,x\nA,0,1\nB,1,-2\n' >"$BATS_TEST_TMPDIR/d.csv"
	run --separate-stderr tl-model --fit --target y --features log1p:x "$BATS_TEST_TMPDIR/d.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/d.csv:3: learner 'B': feature 'log1p:x': -2 is outside the domain of log1p (x > -1)"
	# apply: the model's feature must be in every record
	tl-model --fit --target dropout --features days_since_last --output "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv" 2>/dev/null
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/n.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/n.csv:2: learner 'A' has no field 'days_since_last', used by feature 'days_since_last' (it is produced by tl-retention: run it first)"
}

@test "MOD010: determinism: the same input gives the same model bytes, CV included" {
	local a="$BATS_TEST_TMPDIR/a.json" b="$BATS_TEST_TMPDIR/b.json" f
	for f in "$a" "$b"; do
		tl-model --fit --target dropout --features log1p:interactions,days_since_last,sqrt:active_days \
			--cv 5 --output "$f" "$TESTDATA/model/model-churn.csv" 2>/dev/null
	done
	[ -s "$a" ]
	cmp "$a" "$b"
	[ "$(model_get "$a" 'len(m["features"]), m["cv"]["k"], m["n"]')" = "(3, 5, 39)" ]
	tl-model --fit --target am --features hp,wt,disp --cv 3 --output "$a" "$TESTDATA/model/model-mtcars.csv" 2>/dev/null
	tl-model --fit --target am --features hp,wt,disp --cv 3 --output "$b" "$TESTDATA/model/model-mtcars.csv" 2>/dev/null
	cmp "$a" "$b"
}

@test "MOD011: round trip: applying the model gives the fit's own predictions" {
	local specs="log1p:interactions,days_since_last,active_days"
	tl-model --fit --target dropout --features "$specs" --output "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv" 2>/dev/null
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/m.json" -o csv "$TESTDATA/model/model-churn.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/p.csv"
	# Every prediction is what the model file's numbers give (computed here),
	# and the fit's own training metrics are recovered from the applied
	# predictions (log loss to the rounding of %.6g, AUC exactly).
	run ref '
m = json.load(open(sys.argv[1])); specs = sys.argv[3].split(",")
out = rows(sys.argv[2]); f = m["features"]
bad = 0; ll = 0; s = []; y = []
for r in out:
    eta = m["intercept"]
    for x in f:
        v = tf(x["spec"], r[x["field"]])
        eta += x["coef"] * (0 if v is None else (v - x["mean"]) / x["sd"])
    p = 1 / (1 + math.exp(-eta)); got = float(r["dropout_probability"])
    bad += abs(got - p) > 5e-6 * p
    if r["dropout"] != "":
        t = int(r["dropout"]); ll -= math.log(got if t else 1 - got); s.append(got); y.append(t)
ll /= len(y)
print(bad, ll, m["train"]["log_loss"], auc(s, y), m["train"]["auc"])
sys.exit(1 if bad or abs(ll - m["train"]["log_loss"]) > 1e-5 or abs(auc(s, y) - m["train"]["auc"]) > 1e-12 or len(out) != 40 else 0)' \
		"$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/p.csv" "$specs"
	assert_success
	# documents: the same predictions, everything else passed through
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.ndjson"
	assert_success
	run python3 -c '
import json, csv, sys
docs = [json.loads(l) for l in sys.argv[1].splitlines()]
src = [json.loads(l) for l in open(sys.argv[2])]
rows = {r["learner_id"]: r for r in csv.DictReader(open(sys.argv[3]))}
ok = len(docs) == len(src) == 7
for d, s in zip(docs, src):
    p = d.pop("dropout_probability")
    ok &= d == s and abs(p - float(rows[d["learner_id"]]["dropout_probability"])) == 0
sys.exit(0 if ok else 1)' "$output" "$TESTDATA/model/model-churn.ndjson" "$BATS_TEST_TMPDIR/p.csv"
	assert_success
}

@test "MOD012: --cv: folds by the learner-id hash, pooled out-of-fold AUC as an independent fit computes it" {
	local specs="log1p:interactions,days_since_last,active_days"
	run --separate-stderr tl-model --fit --target dropout --features "$specs" --cv 4 "$TESTDATA/model/model-churn.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	assert_equal "$stderr" "tl-model: skipped 1 record with an empty target 'dropout'
tl-model: 4-fold cross-validated ROC AUC 0.652778 (n 39; training AUC 0.725)"
	run ref '
m = json.load(open(sys.argv[1])); specs = sys.argv[3].split(",")
data = [r for r in rows(sys.argv[2]) if r["dropout"] != ""]
fold = [hash64(r["learner_id"], 0x746c2d6d6f64656c) % 4 for r in data]
pred = [None] * len(data)
for k in range(4):
    tr = [r for r, f in zip(data, fold) if f != k]; st = standardise(tr, specs)
    b = irls(design(tr, specs, st), [float(r["dropout"]) for r in tr], 1)
    te = [i for i, f in enumerate(fold) if f == k]
    for i, p in zip(te, predict(design([data[i] for i in te], specs, st), b)): pred[i] = p
y = [int(r["dropout"]) for r in data]
want = auc(pred, y); got = m["cv"]["auc"]
ns = [sum(1 for f in fold if f == k) for k in range(4)]
print(got, want, ns, [x["n"] for x in m["cv"]["folds"]])
sys.exit(0 if abs(got - want) < 1e-9 and ns == [x["n"] for x in m["cv"]["folds"]] else 1)' \
		"$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv" "$specs"
	assert_success
}

@test "MOD013: --kind linear: ridge coefficients and CV RMSE as the normal equations give them" {
	run --separate-stderr tl-model --fit --kind linear --target active_days --features log1p:interactions,days_since_last --l2 3 --cv 3 "$TESTDATA/model/model-churn.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	[[ "$stderr" == "tl-model: 3-fold cross-validated RMSE "* ]]
	run ref '
m = json.load(open(sys.argv[1])); specs = ["log1p:interactions", "days_since_last"]
data = rows(sys.argv[2]); st = standardise(data, specs); y = [float(r["active_days"]) for r in data]
b = ridge(design(data, specs, st), y, 3)
got = [m["intercept"]] + [x["coef"] for x in m["features"]]
fold = [hash64(r["learner_id"], 0x746c2d6d6f64656c) % 3 for r in data]; se = 0
for k in range(3):
    tr = [r for r, f in zip(data, fold) if f != k]; s2 = standardise(tr, specs)
    bk = ridge(design(tr, specs, s2), [float(r["active_days"]) for r in tr], 3)
    te = [r for r, f in zip(data, fold) if f == k]
    se += sum((p - float(r["active_days"])) ** 2 for p, r in zip(predict(design(te, specs, s2), bk, False), te))
rmse = math.sqrt(se / len(data))
print(got, b, m["cv"]["rmse"], rmse)
sys.exit(0 if all(abs(g - w) < 1e-9 * max(1, abs(w)) for g, w in zip(got, b)) and abs(m["cv"]["rmse"] - rmse) < 1e-9 and m["kind"] == "linear" else 1)' \
		"$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv"
	assert_success
	run tl-model --model "$BATS_TEST_TMPDIR/m.json" -o csv "$TESTDATA/model/model-churn.csv"
	assert_success
	assert_line --index 0 "learner_id,cohort,interactions,days_since_last,active_days,dropout,active_days_predicted"
}

@test "MOD014: --field names the prediction and replaces a field of that name in place" {
	tl-model --fit --target dropout --features days_since_last --output "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-churn.csv" 2>/dev/null
	run tl-model --model "$BATS_TEST_TMPDIR/m.json" --field risk -o csv "$TESTDATA/model/model-churn.csv"
	assert_success
	assert_line --index 0 "learner_id,cohort,interactions,days_since_last,active_days,dropout,risk"
	run tl-model --model "$BATS_TEST_TMPDIR/m.json" --field cohort -o csv "$TESTDATA/model/model-churn.csv"
	assert_success
	assert_line --index 0 "learner_id,cohort,interactions,days_since_last,active_days,dropout"
	assert_line --index 1 --regexp '^L01,0\.[0-9]+,50,9,10,1$'
}

@test "MOD015: bad and missing model files" {
	printf '{"kind":"logistic","target":"y","intercept":0,"features":[{"spec":"x","mean":1,"sd":1}]}\n' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/bad.json" "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/bad.json: bad model: features[0]: 'coef' is missing"
	echo 'not json' >"$BATS_TEST_TMPDIR/nj.json"
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/nj.json" "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "tl-model: $BATS_TEST_TMPDIR/nj.json: bad model: not a JSON object"
	run --separate-stderr tl-model --model "$BATS_TEST_TMPDIR/none.json" "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 66 ]
	[[ "$stderr" == "tl-model: $BATS_TEST_TMPDIR/none.json: No such file or directory" ]]
	run --separate-stderr tl-model --fit --target y --features-file "$BATS_TEST_TMPDIR/none.txt" "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 66 ]
}

@test "MOD016: --output is atomic: a failed fit leaves no file; a full disk exits 74" {
	run tl-model --fit --target y --features x --l2 0 --output "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-separable.csv"
	[ "$status" -eq 65 ]
	[ ! -e "$BATS_TEST_TMPDIR/m.json" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR")" ]
	run tl-model --fit --target y --features x --output /dev/full "$TESTDATA/model/model-separable.csv"
	[ "$status" -eq 74 ]
	tl-model --fit --target y --features x --output "$BATS_TEST_TMPDIR/m.json" "$TESTDATA/model/model-separable.csv"
	run tl-model --model "$BATS_TEST_TMPDIR/m.json" --output /dev/full "$TESTDATA/model/model-separable.csv"
	[ "$status" -eq 74 ]
}

@test "MOD017: the features file: comments and blank lines; config/churn.features holds ten specs" {
	printf '# a comment\n\n  log1p:interactions   # counts\ndays_since_last\n' >"$BATS_TEST_TMPDIR/f.txt"
	run --separate-stderr tl-model --fit --target dropout --features-file "$BATS_TEST_TMPDIR/f.txt" "$TESTDATA/model/model-churn.csv"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	[ "$(model_get "$BATS_TEST_TMPDIR/m.json" '[f["spec"] for f in m["features"]]')" = "['log1p:interactions', 'days_since_last']" ]
	run tl-model --fit --target dropout --features-file "$TL_ROOT/config/churn.features" --features x "$TESTDATA/model/model-churn.csv"
	[ "$status" -eq 65 ]
	[ "$(grep -c '^[a-z]' "$TL_ROOT/config/churn.features")" -eq 10 ]
}

@test "MOD018: --stats and --metrics account for every record" {
	run --separate-stderr tl-model --fit --target dropout --features days_since_last --stats --metrics "$BATS_TEST_TMPDIR/m.prom" "$TESTDATA/model/model-churn.csv"
	assert_success
	[[ "$stderr" == *"tl-model: records read 40 = used 40 + future 0 + rejected 0; learners read 40, written 40"* ]]
	grep -qx 'tl_model_training_records{tool="tl-model"} 39' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'tl_model_skipped_records{tool="tl-model"} 1' "$BATS_TEST_TMPDIR/m.prom"
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	tl-model --model "$BATS_TEST_TMPDIR/m.json" --metrics "$BATS_TEST_TMPDIR/a.prom" "$TESTDATA/model/model-churn.csv" >/dev/null
	grep -qx 'tl_model_imputed_values{tool="tl-model"} 2' "$BATS_TEST_TMPDIR/a.prom"
}


@test "MOD040: --times FIELD multiplies the prediction by the record's number; empty gives empty; a missing or bad field is an error" {
	cd "$BATS_TEST_TMPDIR" || return
	tl-model --fit --target dropout --features interactions --output m.json "$TESTDATA/model/model-churn.csv" 2>/dev/null
	tl-model --model m.json --field p -o csv "$TESTDATA/model/model-churn.csv" > plain.csv
	run --separate-stderr tl-model --model m.json --field p --times days_since_last -o csv "$TESTDATA/model/model-churn.csv"
	assert_success
	printf '%s\n' "$output" > times.csv
	# row by row: p times days_since_last (both printed %.6g), empty where the factor is empty
	run python3 -c '
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:])
assert len(a) == len(b) == 40 and [r["learner_id"] for r in a] == [r["learner_id"] for r in b]
empty = 0
for r, s in zip(a, b):
    if r["days_since_last"] == "":
        assert s["p"] == "", s; empty += 1
    else:
        want = float(r["p"]) * float(r["days_since_last"])
        assert abs(float(s["p"]) - want) <= 1e-5 * abs(want), (s, want)
print(empty)' plain.csv times.csv
	assert_success
	assert_output 2
	# the recipe of tl-model(1): a probability field, then a second model times it
	tl-model --model m.json --field q "$TESTDATA/model/model-churn.csv" | tl-model --model m.json --times q --field qq -o csv > qq.csv
	run awk -F, 'NR > 1 { d = $8 - $7 * $7; if (d < 0) d = -d; if (d > 1e-5 * $8) bad++ } END { print NR - 1, bad + 0 }' qq.csv
	assert_output '40 0'
	run --separate-stderr tl-model --model m.json --times nosuch "$TESTDATA/model/model-churn.csv"
	assert_failure 65
	[[ $stderr == *"learner 'L01' has no field 'nosuch', used by --times (no tl tool produces it; add it to the input)" ]]
	run --separate-stderr tl-model --model m.json --times cohort "$TESTDATA/model/model-churn.csv"
	assert_failure 65
	[[ $stderr == *"field 'cohort' is not a number: 'a'" ]]
	run --separate-stderr tl-model --model m.json --times ""  "$TESTDATA/model/model-churn.csv"
	assert_failure 64
	run --separate-stderr tl-model --fit --target dropout --features interactions --times p "$TESTDATA/model/model-churn.csv"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "tl-model: --times applies only with --model"
	# a multinomial model's prediction is a class: no factor
	tl-model --fit --kind multinomial --target kind --features x1,x3 --output mm.json "$TESTDATA/model/model-classes.csv" 2>/dev/null
	run --separate-stderr tl-model --model mm.json --times x1 "$TESTDATA/model/model-classes.csv"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "tl-model: --times applies to a logistic or linear model, not to mm.json's classes"
}

@test "MOD041: the shipped two-part velocity models: config/velocity.features's specs, next_active and next_velocity_active" {
	local want
	want=$(sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$TL_ROOT/config/velocity.features" | paste -sd ,)
	[ "$(printf '%s\n' "$want" | tr , '\n' | wc -l)" -eq 15 ]
	for m in velocity-active:logistic:next_active velocity-given-active:linear:next_velocity_active; do
		run model_get "$TL_ROOT/config/${m%%:*}.json" '",".join(f["spec"] for f in m["features"]) + " " + m["kind"] + " " + m["target"]'
		assert_output "$want $(echo "$m" | cut -d: -f2) ${m##*:}"
	done
	# the given-active model was fitted on the active learners only
	run model_get "$TL_ROOT/config/velocity-given-active.json" 'm["n"] < m["skipped"]'
	assert_output True
}
