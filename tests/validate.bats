#!/usr/bin/env bats
# scripts/validate.sh: the acceptance table on three seeds at a reduced size.
# Each run's numbers are recomputed independently (python3) from the files
# it keeps; the criteria that hold on the tuning seeds must hold here too.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

# check_seed S [PROFILE]: run validate.sh on seed S (2000 learners) of
# tl-loadgen's --profile PROFILE (default: none given) and verify it.
check_seed() {
	local dir="$BATS_TEST_TMPDIR/s$1${2:-}"
	run --separate-stderr validate.sh --seed "$1" --learners 2000 ${2:+--profile "$2"} --keep "$dir"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > "$dir/table.txt"
	run python3 - "$dir" "${2:-}" <<'EOF'
import csv, json, sys
d, profile = sys.argv[1:]
table = {}
for line in open(f"{d}/table.txt").read().split("\n\n")[0].splitlines()[2:]:
    name, rest = line[:34].strip(), line[34:].split()
    table[name] = rest            # target [op value], v1, v2, result
assert len(table) == 9, table.keys()

def col(name, i):
    x = table[name][i]
    return None if x == "-" else float(x)

def close(name, v1, v2):
    for i, want in ((-3, v1), (-2, v2)):
        got = col(name, i)
        assert (got is None) == (want is None) and (want is None or abs(got - want) < 6e-5), (name, got, want)

rows = {v: list(csv.DictReader(open(f"{d}/{v}.csv"))) for v in ("v1", "v2")}
def prf(rs, a):
    tp = sum(r["archetype"] == a and r["true_archetype"] == a for r in rs)
    pred = sum(r["archetype"] == a for r in rs); sup = sum(r["true_archetype"] == a for r in rs)
    return tp / pred if pred else 0.0, tp / sup, 2 * tp / (pred + sup)
close("fast_learner recall", prf(rows["v1"], "fast_learner")[1], prf(rows["v2"], "fast_learner")[1])
close("specialist precision", prf(rows["v1"], "specialist")[0], prf(rows["v2"], "specialist")[0])
close("long_term_retainer precision", prf(rows["v1"], "long_term_retainer")[0], prf(rows["v2"], "long_term_retainer")[0])
arch = sorted({r["true_archetype"] for r in rows["v2"]})
f1 = {v: sum(prf(rows[v], a)[2] for a in arch) / len(arch) for v in rows}
close("archetype macro F1, v2 > v1", f1["v1"], f1["v2"])

def auc(pairs):                     # midrank Mann-Whitney, independent of tl-eval
    pairs = sorted(pairs); ranks = {}; i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        for k in range(i, j):
            ranks[k] = (i + j + 1) / 2
        i = j
    pos = [ranks[k] for k, p in enumerate(pairs) if p[1] == 1]
    n1 = len(pos); n0 = len(pairs) - n1
    return (sum(pos) - n1 * (n1 + 1) / 2) / (n1 * n0)
churn = lambda v, f: auc([(float(r[f]), int(r["churned"])) for r in rows[v] if r[f] != "" and r["churned"] != ""])
close("churn ROC AUC", churn("v1", "days_since_last"), churn("v2", "churn_risk"))

vrows = [r for r in rows["v2"] if r["velocity_next"] != "" and r["next_velocity_actual"] != "" and r["velocity_simple"] != ""]
def within(f): return sum(abs(float(r[f]) - float(r["next_velocity_actual"])) <= 0.1 + 1e-9 for r in vrows) / len(vrows)
def mae(rs, f): return sum(abs(float(r[f]) - float(r["next_velocity_actual"])) for r in rs) / len(rs)
close("velocity within +-0.10", within("velocity_simple"), within("velocity_next"))
close("velocity MAE < naive baselines", mae(vrows, "velocity_simple"), mae(vrows, "velocity_next"))
last = [r for r in csv.DictReader(open(f"{d}/last-period.csv")) if r["velocity"] != "" and r["next_velocity_actual"] != ""]
assert abs(float(table["velocity MAE < naive baselines"][1]) - min(mae(last, "velocity"), mae(vrows, "velocity_simple"))) < 6e-5

spec = [float(r["domain_concentration"]) for r in rows["v2"] if r["true_archetype"] == "specialist" and r["domain_concentration"] != ""]
close("specialists concentration > 0.65", None, sum(x > 0.65 for x in spec) / len(spec))
hl = [float(r["half_life_days"]) for r in csv.DictReader(open(f"{d}/model.csv")) if r["capability"] != "*" and r["half_life_days"] != ""]
close("half-lives in [30, 60] days", None, sum(30 <= h <= 60 for h in hl) / len(hl))

# each verdict follows from its numbers
for name, r in table.items():
    v2, res = col(name, -2), r[-1]
    if name.startswith("archetype macro F1"):
        ok = v2 > col(name, -3)
    elif name.startswith("velocity MAE"):
        ok = v2 < float(r[1])
    else:
        ok = v2 >= float(r[1])
    assert res == ("pass" if ok else "FAIL"), (name, r)
# criteria that hold on the tuning seeds must hold on these seeds too
# (the default profile's: the mooc profile was not tuned to any of them)
for name in ("churn ROC AUC", "velocity within +-0.10", "specialists concentration > 0.65", "archetype macro F1, v2 > v1"):
    assert profile or table[name][-1] == "pass", (name, table[name])
print("ok")
EOF
	assert_success
	assert_output ok
}

@test "VALIDATE001: seed 11" {
	check_seed 11
}

@test "VALIDATE002: seed 12" {
	check_seed 12
}

@test "VALIDATE003: seed 13" {
	check_seed 13
}

@test "VALIDATE004: --strict exits 1 exactly when a criterion fails; usage" {
	run --separate-stderr validate.sh --seed 14 --learners 1500 --strict
	if grep -q ' FAIL$' <<< "$output"; then
		assert_failure 1
	else
		assert_success
	fi
	assert_equal "${lines[0]}" "validate.sh: seed 14, 1500 learners, as-of 2025-10-01, horizon 60d"
	run --separate-stderr validate.sh --bogus
	assert_failure 64
	run validate.sh --help
	assert_success
	assert_line --index 0 --partial "usage: validate.sh [--seed S]"
}

@test "VALIDATE005: --profile mooc: the same table, of tl-loadgen --profile mooc's learners" {
	cd "$BATS_TEST_TMPDIR" || return
	check_seed 11 mooc
	local dir="$BATS_TEST_TMPDIR/s11mooc"
	tl-loadgen --learners 2000 --seed 11 --profile mooc --truth | cmp - "$dir/events.csv"
	run head -n 2 "$dir/table.txt"
	assert_line --index 0 "validate.sh: seed 11, 2000 learners, as-of 2025-10-01, horizon 60d, profile mooc"
	# the criteria of the default profile's table, in its order
	cut -c1-34 "$dir/table.txt" | sed -n '2,11p' > mooc.rows
	run --separate-stderr validate.sh --seed 11 --learners 2000 --keep "$BATS_TEST_TMPDIR/d11"
	assert_success
	printf '%s\n' "$output" | cut -c1-34 | sed -n '2,11p' | cmp - mooc.rows
	run --separate-stderr validate.sh --profile nosuch --learners 10
	assert_failure 64
}
