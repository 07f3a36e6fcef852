#!/usr/bin/env bats
# tl-report: the results report from the tools' outputs (testdata/report/,
# made by testdata/report/make.sh). Every figure is checked against the
# inputs by testdata/report/check-report.py, the plots' marks against the
# data by check-plots.py, the page in a real browser (headless Chromium)
# by check-render.py, a rollout's section and plot against its audit log
# by check-rollout.py; each checker is shown to fail on a broken copy.
# The man page: manpages.bats.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
load rollout_helper
bats_require_minimum_version 1.5.0

R="$TESTDATA/report"

# all_inputs: the options naming every input of testdata/report/.
all_inputs() {
	printf '%s\n' --abtest "$R/abtest.json" --eval "$R/eval-class.json" --eval "$R/eval-churn.json" \
		--eval "$R/eval-velocity.json" --curve "$R/roc.csv" --model "$R/model.csv" --curves "$R/curves.csv" \
		--summary "$R/summary.txt" --min-lift 0.02 --as-of 2025-10-01
}

# bad NAME OPTION MESSAGE: tl-report OPTION $BATS_TEST_TMPDIR/NAME (written
# before) exits 65 with MESSAGE (a glob) and writes nothing.
bad() {
	run --separate-stderr tl-report --output "$BATS_TEST_TMPDIR/r.md" --html "$BATS_TEST_TMPDIR/r.html" \
		"$2" "$BATS_TEST_TMPDIR/$1"
	[ "$status" -eq 65 ] || { echo "$1: exit $status: $stderr" >&2; return 1; }
	# shellcheck disable=SC2053 # $3 is a glob
	[[ $stderr == $3 ]] || { echo "$1: got '$stderr', want '$3'" >&2; return 1; }
	[ ! -e "$BATS_TEST_TMPDIR/r.md" ]
	[ ! -e "$BATS_TEST_TMPDIR/r.html" ]
}

setup_file() {
	local opts
	mapfile -t opts < <(all_inputs)
	tl-report "${opts[@]}" --output "$BATS_FILE_TMPDIR/report.md" --html "$BATS_FILE_TMPDIR/report.html"
	drill_batches 24000   # six batches of 4,000 for a rollout (rollout_helper.bash)
}

setup() {
	MD=$BATS_FILE_TMPDIR/report.md HTML=$BATS_FILE_TMPDIR/report.html
}

@test "REP001: the nine sections, in the issue's order (the rollout after the cohort mix), in Markdown and in HTML" {
	run grep '^## ' "$MD"
	assert_output "$(printf '## %s\n' '1. The decision' '2. The primary metric' '3. Guardrails' '4. Segments' \
		'5. Cohort mix' '6. Rollout' '7. Model validation' '8. Retention' '9. How it was computed')"
	run grep -oE '<section id="[a-z]+">' "$HTML"
	assert_output "$(printf '<section id="%s">\n' decision primary guardrails segments mix rollout validation retention computed)"
	[ "$(grep -c '</section>' "$HTML")" -eq 9 ]
}

@test "REP002: every figure of the report is its input's number, as the input wrote it" {
	run python3 "$R/check-report.py" "$MD" "$HTML" "$R" 0.02
	assert_success
	assert_output "report ok"
	# the checker fails on a figure changed in its last digit, or made up
	sed 's/| roc_auc | 0.97201417783942057 |/| roc_auc | 0.97201417783942058 |/' "$MD" >"$BATS_TEST_TMPDIR/bad.md"
	run ! cmp -s "$MD" "$BATS_TEST_TMPDIR/bad.md"
	run python3 "$R/check-report.py" "$BATS_TEST_TMPDIR/bad.md" "$HTML" "$R" 0.02
	assert_failure
	assert_line --partial "markdown: 0.97201417783942058 is no input's number"
	sed 's/^Largest share difference /Largest share difference 0.123456, /' "$MD" >"$BATS_TEST_TMPDIR/bad.md"
	run python3 "$R/check-report.py" "$BATS_TEST_TMPDIR/bad.md" "$HTML" "$R" 0.02
	assert_failure
	assert_line "markdown: 0.123456 is no input's number"
}

@test "REP003: every SVG is well-formed XML; the HTML has no script and no external reference" {
	local n=0 f
	python3 -c '
import re, sys
for i, s in enumerate(re.findall(r"<svg .*?</svg>", open(sys.argv[1]).read(), flags=re.S)):
    open("%s/%d.svg" % (sys.argv[2], i), "w").write(s)' "$HTML" "$BATS_TEST_TMPDIR"
	for f in "$BATS_TEST_TMPDIR"/*.svg; do
		xmllint --noout "$f"
		n=$((n + 1))
	done
	[ "$n" -eq 5 ]
	# xmllint fails on a broken one
	sed 's/<\/title>//' "$BATS_TEST_TMPDIR/0.svg" >"$BATS_TEST_TMPDIR/broken.xml"
	run xmllint --noout "$BATS_TEST_TMPDIR/broken.xml"
	assert_failure
	run grep -ciE '<script|javascript:|<link|<img|<iframe|@import|@font-face|url\(|(src|href)=' "$HTML"
	assert_output 0
	run grep -c 'xmlns="http://www.w3.org/2000/svg"' "$HTML"
	assert_output 5
}

@test "REP004: the plots' marks are where the inputs' numbers put them" {
	run python3 "$R/check-plots.py" "$HTML" "$R" 0.02 0.02
	assert_success
	assert_output "plots ok"
	# a dot moved by two pixels is found
	sed -E '0,/class="lift"/s/<circle cx="([0-9]+)\.([0-9])"( cy="[0-9.]+" r="4.5" class="lift")/<circle cx="9\1.\2"\3/' \
		"$HTML" >"$BATS_TEST_TMPDIR/bad.html"
	run ! cmp -s "$HTML" "$BATS_TEST_TMPDIR/bad.html"
	run python3 "$R/check-plots.py" "$BATS_TEST_TMPDIR/bad.html" "$R" 0.02 0.02
	assert_failure
	assert_output --partial "forest "
}

# bats test_tags=heavy
@test "REP005: real browser: Chromium renders a page that is not blank, every plot drawn, nothing too wide" {
	command -v chromium >/dev/null || { echo "chromium is not installed (scripts/install-deps.sh)" >&2; return 1; }
	run python3 "$R/check-render.py" "$HTML" "$BATS_TEST_TMPDIR" 5
	assert_success
	assert_output "render ok"
	[ -s "$BATS_TEST_TMPDIR/report.png" ]
}

@test "REP006: a missing input exits 66 naming it, and nothing is written" {
	local o=(--output "$BATS_TEST_TMPDIR/r.md" --html "$BATS_TEST_TMPDIR/r.html")
	for opt in --abtest --eval --model --curves --summary; do
		run --separate-stderr tl-report "${o[@]}" "$opt" "$BATS_TEST_TMPDIR/none"
		assert_failure 66
		[[ $stderr == "tl-report: "*"$BATS_TEST_TMPDIR/none"* ]] || { echo "$opt: $stderr" >&2; return 1; }
		[ ! -e "$BATS_TEST_TMPDIR/r.md" ]
		[ ! -e "$BATS_TEST_TMPDIR/r.html" ]
	done
	run --separate-stderr tl-report --eval "$R/eval-churn.json" --curve "$BATS_TEST_TMPDIR/none"
	assert_failure 66
}

@test "REP007: bad inputs exit 65 with the file, the line and what is wrong" {
	local t=$BATS_TEST_TMPDIR
	printf '{"arms":{"control":1,\n"treatment":2}\n' >"$t/trunc.json"
	bad trunc.json --abtest "tl-report: $t/trunc.json:1: not a tl-abtest report (bad JSON or not an object)"
	sed 's/"decision"/"verdict"/' "$R/abtest.json" >"$t/nodecision.json"
	bad nodecision.json --abtest "tl-report: $t/nodecision.json:1: no member 'decision' in this object"
	sed '4s/"lift":[^,]*,/"lift":"high",/' "$R/abtest.json" >"$t/strlift.json"
	bad strlift.json --abtest "tl-report: $t/strlift.json:4: 'lift' is not a number: '\"high\"'"
	printf '[1, 2]\n' >"$t/array.json"
	bad array.json --eval "tl-report: $t/array.json:1: not a tl-eval report (bad JSON or not an object)"
	sed 's/"binary"/"ranking"/' "$R/eval-churn.json" >"$t/mode.json"
	bad mode.json --eval "tl-report: $t/mode.json:1: 'mode' is not classification, binary or numeric"
	sed '1s/half_life_days/half_life/' "$R/model.csv" >"$t/model.csv"
	bad model.csv --model "tl-report: $t/model.csv:1: no column 'half_life_days' in the header"
	sed '3s/^\([^,]*\),[0-9]*,/\1,many,/' "$R/model.csv" >"$t/model2.csv"
	bad model2.csv --model "tl-report: $t/model2.csv:3: learners: not a number: 'many'"
	sed '5s/,[0-9.]*$/,1.5/' "$R/curves.csv" >"$t/curves.csv"
	bad curves.csv --curves "tl-report: $t/curves.csv:5: not a curve row*"
	sed '6s/^[^,]*,[^,]*,/&9999/' "$R/curves.csv" >"$t/curves2.csv"
	bad curves2.csv --curves "tl-report: $t/curves2.csv:6: the curve of * does not go on from the row before*"
	printf 'archetype learners\nx 1\n' >"$t/summary.txt"
	bad summary.txt --summary "tl-report: $t/summary.txt:1: not a tl-score summary*"
	sed '3s/ 0\.[0-9]* / abc /' "$R/summary.txt" >"$t/summary2.txt"
	bad summary2.txt --summary "tl-report: $t/summary2.txt:3: *: not a number: 'abc'"
	: >"$t/empty.json"
	bad empty.json --abtest "tl-report: $t/empty.json: empty: not a tl-abtest report"
}

@test "REP008: usage errors exit 64" {
	run --separate-stderr tl-report
	assert_failure 64
	[[ $stderr == *"give at least one input"* ]]
	run --separate-stderr tl-report --curve "$R/roc.csv" --model "$R/model.csv"
	assert_failure 64
	[[ $stderr == *"--curve needs the --eval report"* ]]
	run --separate-stderr tl-report --model "$R/model.csv" "$R/abtest.json"
	assert_failure 64
	[[ $stderr == *"no operands"* ]]
	run --separate-stderr tl-report --model "$R/model.csv" --top 0
	assert_failure 64
	run --separate-stderr tl-report --model "$R/model.csv" --min-lift x
	assert_failure 64
	run --separate-stderr tl-report --model "$R/model.csv" --as-of yesterday
	assert_failure 64
	run --separate-stderr tl-report --model "$R/model.csv" --output "$R/model.csv"
	assert_failure 64
	run --separate-stderr tl-report --nope
	assert_failure 64
	run tl-report --help
	assert_success
	assert_line --index 0 --partial 'usage: tl-report [--abtest FILE]'
}

@test "REP009: outputs are atomic; a full disk is an error" {
	run --separate-stderr tl-report --model "$R/model.csv" --html /dev/full
	[ "$status" -eq 73 ] || [ "$status" -eq 74 ]
	run --separate-stderr bash -c "tl-report --model '$R/model.csv' >/dev/full"
	assert_failure 74
	# the Markdown to stdout is the --output file
	run --separate-stderr tl-report --model "$R/model.csv" --output "$BATS_TEST_TMPDIR/m.md"
	assert_success
	assert_output ""
	diff "$BATS_TEST_TMPDIR/m.md" <(tl-report --model "$R/model.csv")
}

@test "REP010: a report of some inputs says which are missing; the numbers stay the inputs'" {
	run --separate-stderr tl-report --summary "$R/summary.txt"
	assert_success
	[ "$(grep -c '^No tl-abtest report was given (--abtest).$' <<<"$output")" -eq 5 ]
	assert_line "No tl-eval report was given (--eval)."
	assert_line "No tl-retention model or curves were given (--model, --curves)."
	assert_line "No tl-rollout audit log was given (--rollout)."
	assert_line "portfolio average multiplier: $(sed -n 's/^portfolio average multiplier: //p' "$R/summary.txt")"
	assert_line "- As of: not given (tl-report --as-of); the inputs do not record it."
	# null figures are n/a; --top picks by learners
	run --separate-stderr tl-report --model "$R/model.csv" --top 1
	assert_success
	assert_line --regexp "^[|] $(sort -t, -k2,2nr "$R/model.csv" | grep -v '^capability\|^\*' | head -n 1 | cut -d, -f1) [|]"
	[ "$(grep -c '^| ' <<<"$output")" -eq 3 ]
}

@test "REP011: the band of a survival curve is the log-log Greenwood band of its rows" {
	# the pooled curve's band at its rows, recomputed here from at_risk and
	# events, is where the plot's band polygon passes
	run python3 - "$HTML" "$R/curves.csv" <<'PY'
import csv, math, re, sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
svg = next(ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", open(sys.argv[1]).read(), flags=re.S)
           if "plot km" in s[:200])
def axis(cls, attr, off):
    t = [(float(e.text), float(e.get(attr)) - off) for e in svg.iter(ns + "text") if e.get("class") == cls]
    (v0, p0), (v1, p1) = t[0], t[-1]
    return lambda v: p0 + (v - v0) * (p1 - p0) / (v1 - v0)
x, y = axis("xtick", "x", 0), axis("ytick", "y", 4)
band = [p for p in svg.iter(ns + "polygon") if p.get("fill") == "#000000"][0]
pts = [tuple(map(float, q.split(","))) for q in band.get("points").split()]
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["capability"] == "*"]
s, gw, checked = 1.0, 0.0, 0
for k, r in enumerate(rows):
    n, d = int(r["at_risk"]), int(r["events"])
    if d == n:
        break   # S is 0: no band
    if d:
        s *= (n - d) / n
        gw += d / (n * (n - d))
    px = x(float(r["day"]))
    alone = all(abs(x(float(rows[j]["day"])) - px) > 1.5 for j in (k - 1, k + 1) if 0 <= j < len(rows))
    if not (0 < s < 1 and gw > 0 and alone):
        continue
    c = 1.959963984540054 * math.sqrt(gw) / math.log(s)
    for v in (s ** math.exp(-c), s ** math.exp(c)):
        assert min(abs(qx - px) + abs(qy - y(v)) for qx, qy in pts) < 0.6, (r, v)
    checked += 1
assert checked >= 5, checked
print("band ok", checked)
PY
	assert_success
	assert_output --regexp '^band ok [0-9]+$'
}

# rollout_sections MD: sections 1 and 6 of a report (the rest is the
# same with or without a rollout, and section 9 holds tl-report's version).
rollout_sections() {
	sed -n '/^## 1\. /,/^## 2\. /p; /^## 6\. /,/^## 7\. /p' "$1"
}

@test "REP012: a real rollout (the drill of rollout.bats): the looks, the decision and the plot are the audit log's" {
	cd "$BATS_TEST_TMPDIR" || return
	MIN_LIFT=0.02 conf 0.063
	local batch   # (bats' run uses the name i)
	for batch in 1 2 3 4 5 6; do
		look "$batch"
		[ "$status" -ne 0 ] || [ "$(readlink state/active)" != releases/full ] || break
		# a run killed while it wrote its entry: tl-rollout ends the torn line before its next entry
		[ "$batch" -ne 1 ] || printf '{"ts": "2026-' >>state/audit.jsonl
	done
	[ "$(readlink state/active)" = releases/full ]
	[ "$(sed -n 3p state/audit.jsonl)" = '{"ts": "2026-' ]
	run --separate-stderr tl-report --rollout state/audit.jsonl --output r.md --html r.html
	assert_success
	grep -qx -- '- Line 3 of the audit log is torn (cut short by a run killed while it wrote it) and is skipped, as tl-rollout skips it\.' r.md
	run python3 "$R/check-rollout.py" r.md r.html state/audit.jsonl
	assert_success
	assert_output "rollout ok"
	# the final decision in words, the looks of both stages
	grep -qx 'Rollout decision: \*\*PROMOTE\*\*' r.md
	grep -q '^- At look [0-9]* (stage ramp at 10%, its look [0-9]*) every criterion passed: stage ramp is promoted, the active release is now full\.$' r.md
	[ "$(grep -c '^| [0-9]* | canary | 1 |' r.md)" -ge 1 ]
	[ "$(grep -c '^| [0-9]* | ramp | 10 |' r.md)" -ge 1 ]
	grep -q '<line [^>]*class="min-lift"' r.html
	# the checker fails on a figure changed in its last digit, a moved dot, a missing stage line
	local lift
	lift=$(tail -n 1 state/audit.jsonl | jq -r .roi.lift)
	sed "s/| $lift |/| ${lift%?}9 |/" r.md >bad.md
	run ! cmp -s r.md bad.md
	run python3 "$R/check-rollout.py" bad.md r.html state/audit.jsonl
	assert_failure
	assert_line --partial "looks table: got"
	sed -E '0,/class="lift /s/<circle cx="([0-9.]+)" cy="([0-9]+)\./<circle cx="\1" cy="1\2./' r.html >bad.html
	run ! cmp -s r.html bad.html
	run python3 "$R/check-rollout.py" r.md bad.html state/audit.jsonl
	assert_failure
	assert_line --regexp '^look 1 dot y: at '
	grep -v 'class="stage"' r.html >bad.html
	run python3 "$R/check-rollout.py" r.md bad.html state/audit.jsonl
	assert_failure
	assert_line "0 stage lines, want 1"
}

@test "REP013: with a rollout, every SVG and the whole HTML page are well-formed XML (xmllint); no script, no external file; Chromium draws it" {
	local t=$BATS_TEST_TMPDIR f n=0
	tl-report --rollout "$R/audit.jsonl" --abtest "$R/abtest.json" --min-lift 0.02 --html "$t/r.html" >/dev/null
	python3 -c '
import re, sys
for i, s in enumerate(re.findall(r"<svg .*?</svg>", open(sys.argv[1]).read(), flags=re.S)):
    open("%s/%d.svg" % (sys.argv[2], i), "w").write(s)' "$t/r.html" "$t"
	for f in "$t"/*.svg; do
		xmllint --noout "$f"
		n=$((n + 1))
	done
	[ "$n" -eq 3 ]
	grep -q 'class="plot rollout"' "$t/r.html"
	# the page is XML but for its two void <meta> elements
	[ "$(grep -c '<meta ' "$t/r.html")" -eq 2 ]
	sed 's|<meta \([^>]*[^/]\)>|<meta \1/>|' "$t/r.html" >"$t/page.xml"
	xmllint --noout "$t/page.xml"
	sed 's|</figure>||' "$t/page.xml" >"$t/broken.xml"
	run xmllint --noout "$t/broken.xml"
	assert_failure
	run grep -ciE '<script|javascript:|<link|<img|<iframe|@import|@font-face|url\(|(src|href)=' "$t/r.html"
	assert_output 0
	# and in a real browser: drawn, nothing too wide
	command -v chromium >/dev/null || { echo "chromium is not installed (scripts/install-deps.sh)" >&2; return 1; }
	run python3 "$R/check-render.py" "$t/r.html" "$t" 3
	assert_success
	assert_output "render ok"
}

@test "REP014: golden: the rollout sections of a promote, an abort and a manual abort, torn lines skipped and named" {
	local f
	cd "$TL_ROOT" || return   # the golden files name testdata/report/FILE
	for f in audit audit-abort audit-manual; do
		tl-report --rollout "testdata/report/$f.jsonl" --output "$BATS_TEST_TMPDIR/$f.md" --html "$BATS_TEST_TMPDIR/$f.html"
		output=$(rollout_sections "$BATS_TEST_TMPDIR/$f.md")
		golden "report/rollout-$f.md"
		run python3 "$R/check-rollout.py" "$BATS_TEST_TMPDIR/$f.md" "$BATS_TEST_TMPDIR/$f.html" "$R/$f.jsonl"
		assert_output "rollout ok"
	done
	# a torn line in the middle (ended by tl-rollout before its next entry) and a torn last line
	run tl-report --rollout "$R/audit-abort.jsonl"
	assert_line "- Line 3 of the audit log is torn (cut short by a run killed while it wrote it) and is skipped, as tl-rollout skips it."
	assert_line "Rollout decision: **ABORT**"
	run tl-report --rollout "$R/audit-manual.jsonl"
	assert_line --partial "- Line 4 of the audit log is torn"
	assert_line --partial "- Aborted by hand (tl-rollout --abort, reason manual) at 2026-"
	# the golden files can fail: one changed byte
	rollout_sections "$BATS_TEST_TMPDIR/audit.md" | sed 's/PROMOTE/PROMOTED/' >"$BATS_TEST_TMPDIR/changed.md"
	run diff -u "$TESTDATA/report/rollout-audit.md" "$BATS_TEST_TMPDIR/changed.md"
	assert_failure 1
	assert_line '+Rollout decision: **PROMOTED**'
}

@test "REP015: a bad audit log exits 65 with the file, the line and what is wrong; a missing one 66" {
	local t=$BATS_TEST_TMPDIR
	{ head -n 2 "$R/audit.jsonl"; echo '[1, 2]'; tail -n 1 "$R/audit.jsonl"; } >"$t/array.jsonl"
	bad array.jsonl --rollout "tl-report: $t/array.jsonl:3: not an entry of a tl-rollout audit log (bad JSON, or not one JSON object on the line)"
	{ head -n 2 "$R/audit.jsonl"; echo 'look 3: hold'; } >"$t/text.jsonl"
	bad text.jsonl --rollout "tl-report: $t/text.jsonl:3: not an entry of a tl-rollout audit log*"
	# a line that ends an object but is none is bad, not torn
	{ head -n 2 "$R/audit.jsonl"; echo '{"look": 2, "stage" "ramp"}'; } >"$t/syntax.jsonl"
	bad syntax.jsonl --rollout "tl-report: $t/syntax.jsonl:3: not an entry of a tl-rollout audit log*"
	sed '3s/"decision":"promote"/"decision":"maybe"/' "$R/audit.jsonl" >"$t/decision.jsonl"
	bad decision.jsonl --rollout "tl-report: $t/decision.jsonl:3: 'decision' is not promote, hold or abort: 'maybe'"
	sed '4s/"lift_high":[^,]*,//' "$R/audit.jsonl" >"$t/nohigh.jsonl"
	bad nohigh.jsonl --rollout "tl-report: $t/nohigh.jsonl:4: no member 'lift_high' in this object"
	sed '2s/"lift":\([-0-9.e]*\),/"lift":"\1",/' "$R/audit.jsonl" >"$t/strlift.jsonl"
	bad strlift.jsonl --rollout "tl-report: $t/strlift.jsonl:2: 'lift' is not a number: *"
	sed '1s/"event":"start"/"event":"restart"/' "$R/audit.jsonl" >"$t/event.jsonl"
	bad event.jsonl --rollout "tl-report: $t/event.jsonl:1: 'event' is not start or abort: 'restart'"
	printf '\n\n' >"$t/empty.jsonl"
	bad empty.jsonl --rollout "tl-report: $t/empty.jsonl: empty: no entry of a tl-rollout audit log"
	printf '{"event":"start","ts":"2026-' >"$t/torn.jsonl"
	bad torn.jsonl --rollout "tl-report: $t/torn.jsonl: empty: no entry of a tl-rollout audit log"
	run --separate-stderr tl-report --rollout "$t/none.jsonl" --output "$t/r.md"
	assert_failure 66
	[[ $stderr == "tl-report: cannot open tl-rollout audit log $t/none.jsonl"* ]]
	[ ! -e "$t/r.md" ]
	run --separate-stderr tl-report --rollout "$R/audit.jsonl" --output "$R/audit.jsonl"
	assert_failure 64
}
