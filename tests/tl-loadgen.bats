#!/usr/bin/env bats
# tl-loadgen.bats - CLI tests of tl-loadgen (§10): determinism, shards,
# formats, truth columns, the archetypes' behaviour, errors (the man page:
# manpages.bats).

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	# the system python starts in a tenth of the time of a pyenv shim
	PYTHON=/usr/bin/python3
	[ -x "$PYTHON" ] || PYTHON=python3
}

HEADER=learner_id,ts,domain,capability,action

@test "LG001: CSV header, plain and with every optional column" {
	run --separate-stderr tl-loadgen --learners 0
	assert_success
	assert_output "$HEADER"
	run --separate-stderr tl-loadgen --learners 3 --truth --arm-split 50:50 --effect 0.063 --outcome
	assert_success
	assert_line --index 0 "$HEADER,true_archetype,arm,roi"
	run --separate-stderr tl-loadgen --learners 3 --arm-split 50:50
	assert_line --index 0 "$HEADER,arm"
	[ -z "$stderr" ]
}

@test "LG002: the same seed gives the same bytes, in every shape" {
	for f in csv ndjson learners; do
		tl-loadgen --learners 2000 --seed 42 -f $f --truth --outcome > a.$f
		tl-loadgen --learners 2000 --seed 42 -f $f --truth --outcome > b.$f
		cmp a.$f b.$f
	done
	[ "$(wc -l < a.csv)" -gt 20000 ]
}

@test "LG003: different seeds give different logs" {
	tl-loadgen --learners 500 --seed 1 > s1.csv
	tl-loadgen --learners 500 --seed 2 > s2.csv
	run cmp -s s1.csv s2.csv
	assert_failure 1
}

@test "LG004: shards 0/3, 1/3, 2/3 sorted together are the whole" {
	tl-loadgen --learners 3000 --seed 9 --truth > whole.csv
	for i in 0 1 2; do tl-loadgen --learners 3000 --seed 9 --truth --shard $i/3 > part$i.csv; done
	for i in 0 1 2; do [ "$(head -n 1 part$i.csv)" = "$(head -n 1 whole.csv)" ]; done
	tail -q -n +2 part0.csv part1.csv part2.csv | sort -t, -k1,1 -s > merged.csv
	tail -n +2 whole.csv | cmp - merged.csv
	# shard I holds exactly the learners whose shard by the hash of tl(7)
	# SHARDS is I (the reference testdata/ref/shard.py), not their number mod 3
	for i in 0 1 2; do
		cut -d, -f1 "part$i.csv" | tail -n +2 | uniq > ids$i
		cut -d, -f1 whole.csv | tail -n +2 | uniq | "$PYTHON" "$TESTDATA/ref/shard.py" 3 |
			awk -v i="$i" '$2 == i { print $3 }' | diff - ids$i
		[ -s ids$i ]
	done
	run awk -F, 'FNR > 1 { k = substr($1, 2) + 0; n[k % 3]++ } END { print (n[0] && n[1] && n[2]) ? "mixed" : "by number" }' part1.csv
	assert_output mixed
}

@test "LG005: the archetype mix matches --mix within 4 standard errors" {
	tl-loadgen --learners 20000 --seed 5 --truth > m.csv
	run awk -F, -v mix="fast_learner=0.15,specialist=0.25,power_user=0.15,long_term_retainer=0.20,generalist=0.25" '
		NR > 1 && $1 != prev { n[$6]++; N++; prev = $1 }
		END {
			k = split(mix, kv, ",")
			for (i = 1; i <= k; i++) {
				split(kv[i], p, "="); got = n[p[1]] / N; se = sqrt(p[2] * (1 - p[2]) / N)
				if (got - p[2] > 4 * se || p[2] - got > 4 * se) { print "off", p[1], got, p[2]; bad++ }
				seen += n[p[1]]
			}
			print N, seen, bad + 0
		}' m.csv
	assert_output "20000 20000 0"
	tl-loadgen --learners 4000 --truth --mix fast_learner=0.5,generalist=0.5 > m2.csv
	run sh -c "tail -n +2 m2.csv | cut -d, -f6 | sort -u | tr '\n' ' '"
	assert_output "fast_learner generalist "
}

@test "LG006: rows are grouped by learner, time-sorted, well-formed and within the horizon" {
	tl-loadgen --learners 3000 --seed 3 --start 2025-01-01 --end 2025-07-01 --horizon 30d > g.csv
	run awk -F, '
		NR == 1 { next }
		NF != 5 { print "fields", NR; bad++ }
		$1 !~ /^L[0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ { print "id", NR; bad++ }
		$2 !~ /^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$/ { print "ts", NR; bad++ }
		$1 == prev && $2 < last { print "unsorted", NR; bad++ }
		$1 != prev && $1 <= prev { print "ungrouped", NR; bad++ }
		$2 < "2025-01-01" || $2 > "2025-07-31T00:00:00Z" { print "range", NR; bad++ }
		$3 == "" { print "domain", NR; bad++ }
		$5 == "use" && (index($4, $3 "-") != 1) { print "capability", NR; bad++ }
		$5 == "interact" && $4 != "" { print "interact", NR; bad++ }
		$5 != "use" && $5 != "interact" { print "action", NR; bad++ }
		$2 > "2025-07-01" { future++ }
		{ prev = $1; last = $2; n++ }
		END { print (bad + 0), (future > 0), n / 3000 }' g.csv
	assert_success
	assert_line --index 0 --regexp '^0 1 [0-9.]+$'
	# about 30 events per learner on the default parameters
	tl-loadgen --learners 5000 > d.csv
	run awk 'END { m = (NR - 1) / 5000; print (m > 24 && m < 38) ? "ok" : m }' d.csv
	assert_output ok
}

@test "LG007: -f ndjson and -f learners parse as JSON and carry the same events" {
	tl-loadgen --learners 500 --seed 4 --truth --arm-split 30:70 --outcome > e.csv
	tl-loadgen --learners 500 --seed 4 --truth --arm-split 30:70 --outcome -f ndjson > e.ndjson
	tl-loadgen --learners 500 --seed 4 --truth --arm-split 30:70 --outcome -f learners > e.docs
	run "$PYTHON" - <<'EOF'
import csv, json
rows = list(csv.DictReader(open("e.csv")))
events = [json.loads(l) for l in open("e.ndjson")]
docs = [json.loads(l) for l in open("e.docs")]
assert len(rows) == len(events), "ndjson count"
for r, e in zip(rows, events):
    assert set(e) == set(r), sorted(e)
    for k in r:
        v = e[k]
        assert (("%.6g" % v) if k == "roi" else v) == r[k], (k, v, r[k])
flat = []
for d in docs:
    assert list(d)[:2] == ["learner_id", "events"], list(d)
    assert set(d) == {"learner_id", "events", "true_archetype", "arm", "roi"}
    ts = [e["ts"] for e in d["events"]]
    assert ts == sorted(ts) and ts
    for e in d["events"]:
        assert list(e) == ["ts", "domain", "capability", "action"]
        flat.append(dict(e, learner_id=d["learner_id"], true_archetype=d["true_archetype"],
                         arm=d["arm"], roi="%.6g" % d["roi"]))
assert flat == [dict(r) for r in rows], "documents differ from the rows"
print(len(docs), len(rows) > 5000)
EOF
	assert_success
	assert_output "500 True"
}

@test "LG008: roi means are the v1 multipliers and treatment/control is 1+effect" {
	tl-loadgen --learners 20000 --seed 11 --truth --arm-split 50:50 --effect 0.063 --outcome > o.csv
	run awk -F, -v E=0.063 '
		BEGIN { mu["fast_learner"] = 1.80; mu["specialist"] = 1.60; mu["power_user"] = 1.40
			mu["long_term_retainer"] = 1.50; mu["generalist"] = 1.00 }
		NR == 1 || $1 == prev { next }
		{
			prev = $1; a = $6; x = $8 / ($7 == "treatment" ? 1 + E : 1)
			n[a]++; s[a] += x; q[a] += x * x
			y = $8 / mu[a]; m[$7]++; t[$7] += y; v[$7] += y * y
		}
		END {
			for (a in mu) {
				mean = s[a] / n[a]; se = sqrt((q[a] / n[a] - mean * mean) / n[a])
				if (mean - mu[a] > 4 * se || mu[a] - mean > 4 * se) { print "roi", a, mean; bad++ }
			}
			c = t["control"] / m["control"]; r = t["treatment"] / m["treatment"]
			vc = (v["control"] / m["control"] - c * c) / m["control"]
			vt = (v["treatment"] / m["treatment"] - r * r) / m["treatment"]
			se = (r / c) * sqrt(vc / (c * c) + vt / (r * r))
			if (r / c - (1 + E) > 4 * se || (1 + E) - r / c > 4 * se) { print "ratio", r / c, se; bad++ }
			share = m["control"] / (m["control"] + m["treatment"])
			if (share < 0.48 || share > 0.52) { print "split", share; bad++ }
			print bad + 0
		}' o.csv
	assert_output 0
	# the outcome options never change the events
	tl-loadgen --learners 2000 --seed 11 > plain.csv
	awk -F, -v OFS=, 'NR > 1 && $1 <= "L0002000" { NF = 5; print }' o.csv > o5.csv
	tail -n +2 plain.csv | cmp - o5.csv
}

# archetype_orders FILE: the archetypes of an event CSV with the truth
# column behave as tl-loadgen(1) says (prints ok).
archetype_orders() {
	"$PYTHON" - "$1" <<'EOF'
import csv, math, collections, datetime, sys
by = collections.OrderedDict()
for r in csv.DictReader(open(sys.argv[1])):
    by.setdefault(r["learner_id"], []).append(r)
stat = collections.defaultdict(lambda: collections.defaultdict(float))
for evs in by.values():
    s = stat[evs[0]["true_archetype"]]
    seen, adopt = set(), 0
    for e in evs:
        if e["action"] == "use" and e["capability"] not in seen:
            seen.add(e["capability"]); adopt += 1
    dom = collections.Counter(e["domain"] for e in evs)
    n = len(evs)
    t = lambda e: datetime.datetime.fromisoformat(e["ts"][:-1])
    s["n"] += 1; s["events"] += n; s["adopt"] += adopt / n
    s["top"] += max(dom.values()) / n; s["domains"] += len(dom)
    s["entropy"] += -sum(c / n * math.log2(c / n) for c in dom.values())
    s["life"] += (t(evs[-1]) - t(evs[0])).total_seconds() / 86400
    s["days"] += len({e["ts"][:10] for e in evs})
    s["per_day"] += n / len({e["ts"][:10] for e in evs})
m = {a: {k: v / s["n"] for k, v in s.items()} for a, s in stat.items()}
def best(key, a, sign=1):
    assert max(m, key=lambda x: sign * m[x][key]) == a, (key, {x: round(m[x][key], 3) for x in m})
best("adopt", "fast_learner")
best("top", "specialist"); best("entropy", "specialist", -1)
assert m["specialist"]["top"] > 0.7 and m["specialist"]["entropy"] < 1.2, m["specialist"]
best("events", "power_user"); best("per_day", "power_user"); best("days", "power_user")
best("life", "long_term_retainer")
best("events", "generalist", -1); best("entropy", "generalist"); best("domains", "generalist")
print("ok")
EOF
}

@test "LG009: the archetypes behave differently in ways the metrics see" {
	tl-loadgen --learners 4000 --seed 21 --truth > b.csv
	run archetype_orders b.csv
	assert_success
	assert_output ok
}

@test "LG010: catalogue: capability names, Zipf-popular, domains named" {
	tl-loadgen --learners 3000 --seed 2 --domains 3 --capabilities 30 > c.csv
	run sh -c "tail -n +2 c.csv | cut -d, -f3 | sort -u | tr '\n' ' '"
	assert_output "code math writing "
	# the top capability of a domain is used more than its tenth
	run awk -F, '$4 == "math-1" { a++ } $4 == "math-10" { b++ } END { print (a > 3 * b) ? "ok" : a " " b }' c.csv
	assert_output ok
	tl-loadgen --learners 300 --domains 20 --capabilities 40 > c20.csv
	run sh -c "cut -d, -f3 c20.csv | grep -c '^domain\(1[7-9]\|20\)\$'"
	assert_success
	[ "$output" -gt 10 ]
}

@test "LG011: usage errors exit 64 with a hint" {
	run --separate-stderr tl-loadgen --bogus
	assert_failure 64
	[ "${stderr_lines[-1]}" = "Try 'tl-loadgen --help' for more information." ]
	for args in "--mix fast_learner=0.5,specialist=0.4" "--mix nobody=1" \
		"--mix fast_learner=0.5,fast_learner=0.5" "--shard 3/3" "--shard 1" "-f xml" \
		"--learners -1" "--end 2024-01-01" "--start nonsense" "--horizon 3x" \
		"--domains 10 --capabilities 5" "--effect 0.1" "--arm-split 0:0" "--rate 0" \
		"--seed x" "extra-operand" "-o xml" "--learners" "--profile moocs" "--profile"; do
		st=0
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		tl-loadgen $args > out 2> err || st=$?
		[ "$st" -eq 64 ] || { echo "args: $args: status $st" >&2; return 1; }
		[ ! -s out ]
		grep -qx "Try 'tl-loadgen --help' for more information." err
	done
	run --separate-stderr tl-loadgen --mix fast_learner=0.5,specialist=0.4
	[[ "${stderr_lines[0]}" == "tl-loadgen: --mix: shares sum to 0.9, not 1"* ]]
	run --separate-stderr tl-loadgen --learners 1 --mix fast_learner=0.3,specialist=0.3,generalist=0.4000000001
	assert_success
}

@test "LG012: --help on stdout exits 0; --version" {
	run --separate-stderr tl-loadgen --help
	assert_success
	assert_line --index 0 --partial "usage: tl-loadgen"
	assert_output --partial "--arm-split A:B"
	assert_output --partial "--profile P"
	[ -z "$stderr" ]
	run tl-loadgen -h
	assert_success
	run --separate-stderr tl-loadgen --version
	assert_success
	assert_output --regexp '^tl-loadgen [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "LG013: write errors exit 74; --output is atomic and equals stdout" {
	run --separate-stderr tl-loadgen --output /dev/full
	assert_failure 74
	assert_equal "$stderr" "tl-loadgen: write error on /dev/full: No space left on device"
	[ -c /dev/full ]
	run --separate-stderr sh -c 'tl-loadgen --learners 3000 > /dev/full'
	assert_failure 74
	tl-loadgen --learners 300 --seed 8 -f learners --output out.docs
	tl-loadgen --learners 300 --seed 8 -f learners | cmp - out.docs
	[ -z "$(ls out.docs.tmp* 2> /dev/null)" ]  # no temporary left behind
	run --separate-stderr tl-loadgen --output no/such/dir/x.csv
	assert_failure 73
}

@test "LG014: --rate limits the events per second" {
	n=$(tl-loadgen --learners 8 --seed 6 | tail -n +2 | wc -l)
	t0=$(date +%s%N)
	m=$(tl-loadgen --learners 8 --seed 6 --rate 500 | tail -n +2 | wc -l)
	t1=$(date +%s%N)
	[ "$m" -eq "$n" ]
	ms=$(( (t1 - t0) / 1000000 ))
	want=$(( (n - 10) * 1000 / 500 ))
	echo "events $n, $ms ms, want >= $want" >&2
	[ "$ms" -ge "$want" ]
	[ "$ms" -le $(( want + 4000 )) ]
}


# figures FILE...: the marginals of tests/loadgen/marginals.sh for each
# event CSV FILE, in FILE.fig.
figures() {
	local f
	for f in "$@"; do
		"$TL_ROOT/tests/loadgen/marginals.sh" events "$f" > "$f.fig"
	done
}

# page_figures: the rows of the table of The mooc profile in
# tl-loadgen(1): figure|KDD Cup|tolerance|mooc|default.
page_figures() {
	awk -F' Ta ' '/^\.It Sy figure / { on = 1; next } on && /^\.El/ { exit }
		on { sub(/^\.It /, "", $1); print $1 "|" $2 "|" $3 "|" $4 "|" $5 }' "$TL_ROOT/man/tl-loadgen.1"
}

# within REAL FILE...: each FILE.fig against REAL.fig within the
# tolerances the page states; REAL.fig is the page's KDD Cup column, and
# mooc.csv.fig and default.csv.fig its columns mooc and default. Prints
# the figures outside their tolerance, as FILE figure got want.
within() {
	page_figures > page.txt
	"$PYTHON" - page.txt "$@" <<'EOF'
import sys
page, real, files = sys.argv[1], sys.argv[2], sys.argv[3:]
keys = ["single_day_share", "events_p90", "per_active_day_median", "monday", "tuesday",
        "wednesday", "thursday", "friday", "saturday", "sunday"]
rows = [line.rstrip("\n").split("|") for line in open(page)]
assert len(rows) == len(keys), rows
def fig(name):
    return {k: float(v) for k, v in (l.split() for l in open(name + ".fig"))}
def shown(k, v):           # as the page writes a figure
    return "%.4g" % v if k in ("events_p90", "per_active_day_median") else "%.1f%%" % (100 * v)
want = fig(real)
for k, r in zip(keys, rows):
    assert r[1] == shown(k, want[k]), ("the page's real figure", r, want[k])
off = []
for f in files:
    got = fig(f)
    col = {"mooc.csv": 3, "default.csv": 4}.get(f)
    for k, r in zip(keys, rows):
        if col is not None:
            assert r[col] == shown(k, got[k]), ("the page's figure", f, r, got[k])
        tol = r[2].replace("\\(+-", "")
        if tol.endswith(" points"):
            ok = abs(got[k] - want[k]) <= float(tol.split()[0]) / 100 + 1e-9
        else:
            assert tol.endswith("%"), tol
            ok = abs(got[k] / want[k] - 1) <= float(tol[:-1]) / 100 + 1e-9
        if not ok:
            off.append("%s %s %.4g %.4g" % (f, k, got[k], want[k]))
print("\n".join(off) if off else "within")
sys.exit(1 if off else 0)
EOF
}

# bats test_tags=heavy
@test "LG015: --profile mooc has the marginals of KDD Cup 2015 within the page's tolerances; the default profile has not" {
	[ -r "$REALDATA/kddcup2015_xuetangx/truth_train.csv" ]  # never skipped
	"$TL_ROOT/tests/loadgen/marginals.sh" kdd "$REALDATA/kddcup2015_xuetangx" > kdd.fig
	run awk '$1 == "learners" { print $2 }' kdd.fig
	assert_output 15466
	tl-loadgen --profile mooc --learners 20000 --seed 1 > mooc.csv
	tl-loadgen --profile mooc --learners 20000 --seed 2 > mooc2.csv
	tl-loadgen --learners 20000 --seed 1 > default.csv
	figures mooc.csv mooc2.csv default.csv
	run within kdd mooc.csv mooc2.csv
	assert_success
	assert_output within
	# the check can fail: the default profile misses every kind of figure
	run within kdd default.csv
	assert_failure 1
	assert_line "default.csv single_day_share 0.1416 0.5928"
	assert_line --regexp '^default.csv events_p90 '
	assert_line --regexp '^default.csv per_active_day_median '
	assert_line --regexp '^default.csv monday '
	assert_line --regexp '^default.csv saturday '
}

@test "LG016: --profile mooc keeps each learner's archetype, arm and roi; deterministic; shards are the whole" {
	tl-loadgen --learners 3000 --seed 9 --truth --arm-split 50:50 --outcome > d.csv
	tl-loadgen --learners 3000 --seed 9 --truth --arm-split 50:50 --outcome --profile mooc > m.csv
	tl-loadgen --learners 3000 --seed 9 --truth --arm-split 50:50 --outcome --profile mooc | cmp - m.csv
	tl-loadgen --learners 3000 --seed 9 --truth --arm-split 50:50 --outcome --profile default | cmp - d.csv
	head -n 1 d.csv | cmp - <(head -n 1 m.csv)
	cut -d, -f1,6-8 d.csv | uniq > d.truth
	cut -d, -f1,6-8 m.csv | uniq > m.truth
	cmp d.truth m.truth
	[ "$(wc -l < m.truth)" -eq 3001 ]   # every learner has events
	run cmp -s d.csv m.csv
	assert_failure 1
	for i in 0 1 2; do tl-loadgen --learners 3000 --seed 9 --truth --profile mooc --shard $i/3 > part$i.csv; done
	tail -q -n +2 part0.csv part1.csv part2.csv | sort -t, -k1,1 -s > merged.csv
	cut -d, -f1-6 m.csv | tail -n +2 | cmp - merged.csv
	# --assignment: the same archetypes and roi, the mooc profile's churn
	cut -d, -f1,7 m.csv | uniq > arms.csv
	tl-loadgen --seed 9 --assignment arms.csv > a-default.csv
	tl-loadgen --seed 9 --assignment arms.csv --profile mooc > a-mooc.csv
	cmp <(cut -d, -f1-4 a-default.csv) <(cut -d, -f1-4 a-mooc.csv)
	tail -n +2 a-mooc.csv | cut -d, -f1,2 | cmp - <(tail -n +2 m.truth | cut -d, -f1,2)
	run awk -F, 'FNR > 1 { n[FILENAME]++; c[FILENAME] += $5 }
		END { print (c["a-mooc.csv"] / n["a-mooc.csv"] > c["a-default.csv"] / n["a-default.csv"] + 0.2) ? "more" : "not" }' a-default.csv a-mooc.csv
	assert_output more
}

@test "LG017: under --profile mooc the archetypes keep their order" {
	tl-loadgen --learners 4000 --seed 21 --truth --profile mooc > b.csv
	run archetype_orders b.csv
	assert_success
	assert_output ok
}
