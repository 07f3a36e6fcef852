# tl-score-model.bats - tl-score --model: the archetype from a learned
# multinomial tl-model model (its predicted class, as tl-model --model
# computes it), the multiplier of that archetype in the config, the
# config's composite score unchanged, and archetype_reason's features as an
# independent python computes them from the model file.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

FEATURES=log1p:interactions,log1p:adoptions,log1p:domains,top_domain_share,days_since_last,log1p:active_days

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return
	tl-loadgen --learners 400 --seed 3 --truth --output ev.csv
	tl-velocity --as-of 2025-10-01 ev.csv | tl-affinity | tl-retention -o csv --output rows.csv
	tl-model --fit --kind multinomial --target true_archetype --features "$FEATURES" --output arch.json rows.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	cp "$BATS_FILE_TMPDIR"/rows.csv "$BATS_FILE_TMPDIR"/arch.json .
}

@test "TSM001: the archetype is the model's class, the multiplier the config's for it, the score the rules' own" {
	run --separate-stderr tl-score --model arch.json --config v2 -o csv --output scored.csv rows.csv
	assert_success
	tl-model --model arch.json -o csv --output classes.csv rows.csv
	tl-score --config v2 -o csv --output rules.csv rows.csv
	tl-score --print-config --config v2 --output v2.json
	run python3 - scored.csv classes.csv rules.csv v2.json <<'PY'
import csv, json, sys
s, c, r = (list(csv.DictReader(open(f))) for f in sys.argv[1:4])
mult = {}
for rule in json.load(open(sys.argv[4]))["rules"]:
    mult.setdefault(rule["archetype"], rule["multiplier"])
bad = [a["learner_id"] for a, b, d in zip(s, c, r)
       if a["archetype"] != b["true_archetype_predicted"] or float(a["roi_multiplier"]) != mult[a["archetype"]]
       or a["score"] != d["score"] or a["algo_version"] != "v2"]
differ = sum(1 for a, d in zip(s, r) if a["archetype"] != d["archetype"])
print(len(s), bad[:5], differ); sys.exit(1 if bad or len(s) != 400 or differ == 0 else 0)
PY
	assert_success
}

@test "TSM002: archetype_reason: the three largest positive (b_jk - mean_l b_jl) z_j, as python computes them" {
	tl-score --model arch.json -o csv --output scored.csv rows.csv
	run python3 - scored.csv arch.json <<'PY'
import csv, json, math, sys
m = json.load(open(sys.argv[2])); cls = m["classes"]; bad = []
for r in csv.DictReader(open(sys.argv[1])):
    k = cls.index(r["archetype"]); eta = []; con = []
    z = []
    for f in m["features"]:
        v = r[f["field"]]; x = None if v == "" else float(v)
        if x is not None and f["transform"] == "log1p": x = math.log1p(x)
        z.append(0.0 if x is None or f["sd"] <= 0 else (x - f["mean"]) / f["sd"])
    for c in range(len(cls)):
        eta.append(m["intercept"][c] + sum(f["coef"][c] * zj for f, zj in zip(m["features"], z)))
    mx = max(eta); e = [math.exp(v - mx) for v in eta]; p = e[k] / sum(e)
    for j, f in enumerate(m["features"]):
        cj = (f["coef"][k] - sum(f["coef"]) / len(cls)) * z[j]
        if cj > 0: con.append((-cj, j))
    top = [j for _, j in sorted(con)[:3]]
    want = "model p=%.2f" % p + "".join(("," if i else ":") + " %s %+.1fsd" % (m["features"][j]["spec"], z[j]) for i, j in enumerate(top))
    if r["archetype_reason"] != want: bad.append((r["learner_id"], r["archetype_reason"], want))
print(bad[:3]); sys.exit(1 if bad else 0)
PY
	assert_success
	run head -2 scored.csv
	[[ "${lines[1]}" == *'"model p=0.'*'sd'* ]] || [[ "${lines[1]}" == *'"model p=1.00'* ]]
}

@test "TSM003: --summary and --metrics count the model's archetypes" {
	run --separate-stderr tl-score --model arch.json --summary -o csv --output scored.csv rows.csv
	assert_success
	local n
	n=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "archetype") c = i; next } $c == "generalist" { n++ } END { print n }' scored.csv)
	[[ "$stderr" == *$'\n'"generalist "*" $n "* ]]
}

@test "TSM004: errors: not a multinomial model, a class without a rule, --model with --canary or --calibrate" {
	tl-model --fit --kind linear --target velocity --features log1p:interactions --output churn.json rows.csv
	run --separate-stderr tl-score --model churn.json rows.csv
	assert_failure 65
	assert_equal "$stderr" "tl-score: churn.json: not a multinomial model (tl-model --fit --kind multinomial)"
	sed 's/"power_user"/"poweruser"/' arch.json >renamed.json
	run --separate-stderr tl-score --model renamed.json rows.csv
	assert_failure 65
	assert_equal "$stderr" "tl-score: renamed.json: class 'poweruser' is not an archetype of config v2"
	run --separate-stderr tl-score --model arch.json --canary 10 --treatment v1 rows.csv
	assert_failure 64
	run --separate-stderr tl-score --model arch.json --calibrate --outcome velocity rows.csv
	assert_failure 64
	run --separate-stderr tl-score --model nosuch.json rows.csv
	assert_failure 66
}
