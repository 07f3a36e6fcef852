#!/usr/bin/env bats
# manpages.bats - every page of man/, one test each (check_page NAME MIN):
#   (a) it lints clean (mandoc -Tlint -W warning);
#   (b) its SYNOPSIS is the tool's --help usage (blanks normalised);
#   (c) it describes, as a list tag, every option (-x and --long) of --help;
#   (d) it names every output field the tool writes (run on the worked
#       example or the tool's testdata);
#   (e) its EXAMPLES run and print what the page shows (run_examples).
# tl(7) has no tool: (b) does not apply, (c) is the common options of every
# tool and (d) the --metrics names. Each check reports what it found; the
# test fails when any check does.
load test_helper
bats_require_minimum_version 1.5.0

W=testdata/worked/worked.csv
ASOF=(--as-of 2025-01-29T00:00:00Z)

setup() {
	cd "$TL_ROOT" || return
}

# page_tags PAGE: the words of the page's list tags (its .It lines), one a
# line: an option as typed (Fl -period: --period), a field name (Va
# velocity; TARGET Ns _probability: TARGET_probability).
page_tags() {
	sed -n 's/^\.It //p' "$1" | sed 's/\\-/-/g; s/\\&//g; s/ Ns //g' | awk '{
		for (i = 1; i <= NF; i++) {
			if ($i == "Fl" && i < NF) { print "-" $(i + 1); i++; continue }
			if ($i ~ /^[A-Z][a-z]$/ || $i ~ /^[,|.;:()]$/) continue
			print $i
		} }'
}

# page_names PAGE: page_tags and every name the page marks up as a literal
# (.Li, .Va, .Cm, .Ql, .Dq lines, JSON keys in \(dq quotes), one a line.
page_names() {
	page_tags "$1"
	grep -E '^\.(Li|Va|Cm|Ql|Dq|Pq|Ar|It)|[ .](Li|Va|Cm|Ql) ' "$1" |
		sed 's/\\(dq/ /g; s/\\-/-/g' | grep -oE '[a-z_][a-z0-9_]*'
}

# help_options TOOL [SECTION]: the options of TOOL --help (every -x and
# --long of its option lines), one a line; SECTION common: only those after
# "Common options:", own: only those before it.
help_options() {
	local text
	text=$("$1" --help)
	case "${2:-}" in
	common) text=$(sed -n '/^Common options:/,$p' <<<"$text") ;;
	own) text=$(sed '/^Common options:/,$d' <<<"$text") ;;
	esac
	grep -oE '^ +(-[a-zA-Z0-9], )?--?[a-zA-Z0-9][a-zA-Z0-9-]*' <<<"$text" | grep -oE -- '--?[a-zA-Z0-9][a-zA-Z0-9-]*' || true
}

# help_usage TOOL: the usage lines of TOOL --help, "usage: " dropped.
help_usage() {
	"$1" --help | awk 'NR == 1 || /^ / { sub(/^usage: /, ""); print; next } { exit }'
}

# blanks: stdin on one line, runs of blanks as one space, trimmed, and no
# blank around a "|" of alternatives (mdoc sets csv | ndjson, --help
# csv|ndjson).
blanks() {
	tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//; s/ *| */|/g'
}

# csv_header: the first line of stdin, one field a line.
csv_header() {
	head -n 1 | tr -d '\r' | tr , '\n'
}

# json_keys [MAP...]: every member name of the JSON documents on stdin, at
# any depth, one a line; the members of a MAP member are data (arm names,
# classes), not fields: their names are not listed.
json_keys() {
	python3 -c '
import json, sys
maps = set(sys.argv[1:])
keys = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            keys.add(k)
            if k in maps and isinstance(x, dict):
                for y in x.values():
                    walk(y)
            else:
                walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
dec = json.JSONDecoder()
text = sys.stdin.read()
i = 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    v, i = dec.raw_decode(text, i)
    walk(v)
print("\n".join(sorted(keys)))
' "$@"
}

# new_fields IN OUT: the header fields of CSV file OUT that CSV file IN lacks.
new_fields() {
	comm -13 <(csv_header <"$1" | sort) <(csv_header <"$2" | sort)
}

# ---- the fields each tool writes: "tag FIELD" (a list tag of the page)
# or "name FIELD" (named in the page: members of JSON reports and files)

fields_tl-velocity() {
	tl-velocity "${ASOF[@]}" --label -o csv "$W" | csv_header | sed 's/^/tag /'
}

fields_tl-affinity() {
	tl-affinity "${ASOF[@]}" -o csv --transfer-pairs "$BATS_TEST_TMPDIR/pairs.csv" "$W" | csv_header | sed 's/^/tag /'
	csv_header <"$BATS_TEST_TMPDIR/pairs.csv" | sed 's/^/tag /'
}

fields_tl-retention() {
	tl-retention "${ASOF[@]}" --label -o csv "$W" | csv_header | sed 's/^/tag /'
	tl-retention --fit --as-of 2025-06-01 --curves "$BATS_TEST_TMPDIR/curves.csv" \
		testdata/retention/retention-freireich.csv | csv_header | sed 's/^/tag /'
	csv_header <"$BATS_TEST_TMPDIR/curves.csv" | sed 's/^/name /'
}

fields_tl-score() {
	local d=$BATS_TEST_TMPDIR
	tl-velocity "${ASOF[@]}" "$W" | tl-affinity | tl-retention -o csv >"$d/in.csv"
	tl-score -o csv --canary 50 --treatment config/v1.json "$d/in.csv" >"$d/out.csv"
	new_fields "$d/in.csv" "$d/out.csv" | sed 's/^/tag /'
}

fields_tl-model() {
	local d=$BATS_TEST_TMPDIR in=testdata/model/model-churn.csv
	tl-model --fit --target dropout --features log1p:interactions,days_since_last --cv 4 "$in" 2>/dev/null >"$d/m.json"
	json_keys <"$d/m.json" | sed 's/^/name /'
	tl-model --model "$d/m.json" -o csv "$in" >"$d/out.csv"
	tl-model --fit --kind linear --target interactions --features active_days "$in" 2>/dev/null >"$d/lin.json"
	tl-model --model "$d/lin.json" -o csv "$in" >"$d/lin.csv"
	{ new_fields "$in" "$d/out.csv"; new_fields "$in" "$d/lin.csv"; } | sed 's/^dropout_/TARGET_/; s/^interactions_/TARGET_/; s/^/tag /'
}

fields_tl-eval() {
	{
		tl-eval --truth true_archetype --pred archetype --format json testdata/eval/eval-class.csv
		tl-eval --score churn_risk --label churned --format json testdata/eval/eval-binary.csv
		tl-eval --pred velocity_next --actual next_velocity_actual --baseline velocity_simple \
			--format json testdata/eval/eval-numeric.csv
	} | json_keys classes confusion per_class baselines | sed 's/^/name /'
}

fields_tl-abtest() {
	local l=testdata/abtest/abtest-learners.csv
	tl-abtest --metric roi --binary clicked --by archetype --covariate pre_roi --sequential \
		--power 0.8 --mde 0.05 --format json "$l" | json_keys arms expected | sed 's/^/name /'
	tl-abtest --metric roi --emit-stats "$l" | csv_header | sed 's/^/name /'
}

# tl-report: the ids of the report's sections and the kinds of its plots.
fields_tl-report() {
	local r=testdata/report
	tl-report --abtest $r/abtest.json --eval $r/eval-churn.json --curve $r/roc.csv --curves $r/curves.csv --rollout $r/audit.jsonl \
		--html "$BATS_TEST_TMPDIR/r.html" >/dev/null
	grep -oE '<section id="[a-z]+"|class="plot [a-z]+"' "$BATS_TEST_TMPDIR/r.html" | grep -oE '[a-z]+"$' |
		tr -d '"' | sed 's/^/tag /'
}

fields_tl-loadgen() {
	tl-loadgen --learners 3 --truth --arm-split 1:1 --outcome | csv_header | sed 's/^/name /'
	tl-loadgen --learners 3 --truth --arm-split 1:1 --outcome -f learners | json_keys | sed 's/^/name /'
}

# tl-split writes files of the input's records: its own words are those
# of --stats
fields_tl-split() {
	tl-split -n 2 -o "$BATS_TEST_TMPDIR/split" --stats "$W" 2>&1 >/dev/null |
		grep -oE '(records|read|written|rejected|files)' | sort -u | sed 's/^/name /'
}

fields_tl-batch() {
	local d=$BATS_TEST_TMPDIR/batch
	mkdir -p "$d"
	printf '%s\n' "input $TL_ROOT/$W" "as_of 2025-01-29" "output $d/out" "textfile $d/tf" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config $TL_ROOT/config/v2.json" >"$d/batch.conf"
	tl-batch --config "$d/batch.conf" 2>/dev/null
	grep -oE '^tl_batch_[a-z_]+' "$d/tf/tl_batch.prom" | sort -u | sed 's/^/name /'
}

fields_tl-parallel() {
	local d=$BATS_TEST_TMPDIR/parallel
	mkdir -p "$d"
	printf '%s\n' "input $TL_ROOT/$W" "as_of 2025-01-29" "output $d/out" "textfile $d/tf" \
		"stage velocity tl-velocity" "stage score tl-score --config $TL_ROOT/config/v2.json" >"$d/p.conf"
	tl-parallel --config "$d/p.conf" -j 2 --shards 2 2>/dev/null
	grep -oE '^tl_parallel_[a-z_]+' "$d/tf/tl_parallel.prom" | sort -u | sed 's/^/name /'
}

# tl-rollout: the gauges of its metrics file and the members of its audit
# entries, after a look (a canary of v2 over v1 on the worked example).
fields_tl-rollout() {
	local d=$BATS_TEST_TMPDIR/rollout
	mkdir -p "$d"
	tl-velocity "${ASOF[@]}" "$W" | tl-affinity | tl-retention -o csv >"$d/in.csv"
	jq --arg c "$TL_ROOT/config/v1.json" --arg t "$TL_ROOT/config/v2.json" \
		'.control = $c | .treatment = $t | .state = "state" | .textfile = "tf" | .outcome_command = null | .churn = null' \
		config/rollout.json >"$d/rollout.json"
	{ echo learner_id,roi; tail -n +2 "$d/in.csv" | cut -d, -f1 | sed 's/$/,1.5/'; } >"$d/outcomes.csv"
	tl-rollout --config "$d/rollout.json" --outcomes "$d/outcomes.csv" "$d/in.csv" 2>/dev/null || [ $? -eq 2 ]
	grep -oE '^tl_rollout_[a-z_]+' "$d/tf/tl_rollout.prom" | sort -u | sed 's/^/name /'
	json_keys <"$d/state/audit.jsonl" | sed 's/^/name /'
}

# tl-export: the columns of its runs and archetype_counts tables and the
# fields of its cohort hash (the learners' fields are the input's).
fields_tl-export() {
	local d=$BATS_TEST_TMPDIR
	tl-velocity "${ASOF[@]}" "$W" | tl-affinity | tl-retention | tl-score | tl-export --sqlite "$d/x.db" --redis >"$d/x.resp"
	sqlite3 "$d/x.db" "SELECT name FROM pragma_table_info('runs') UNION ALL SELECT name FROM pragma_table_info('archetype_counts')" |
		sed 's/^/tag /'
	# the HSET of tl:cohort: its field names are every other bulk string after the key
	tr -d '\r' <"$d/x.resp" | grep -v '^[$*]' | awk '/^HSET$/ { h = 1; next } h && $0 == "tl:cohort" { on = 1; n = 0; next }
		/^(EXEC|HSET|DEL|MULTI)$/ { on = 0; h = 0 } on && n++ % 2 == 0 && !/^archetype:/ { print "tag " $0 }'
}

# the importers (scripts/import-*.sh): the columns or keys of their event
# output and of their side files, on the fixtures of tests/import.bats.
fields_import-kddcup2015() {
	local k=testdata/import/kdd d=$BATS_TEST_TMPDIR f
	import-kddcup2015.sh -o "$d/e.csv" -l "$d/l.csv" -w "$d/w.csv" $k/truth.csv $k/trainCourse9.csv 2>/dev/null
	for f in e l w; do
		csv_header <"$d/$f.csv" | sed 's/^/tag /'
	done
}

fields_import-oulad() {
	local d=$BATS_TEST_TMPDIR f
	import-oulad.sh -c 5 -o "$d/e.csv" -l "$d/l.csv" testdata/import/oulad/studentVle.csv 2>/dev/null
	for f in e l; do
		csv_header <"$d/$f.csv" | sed 's/^/tag /'
	done
}

fields_import-openedx-tracking() {
	local t=$BATS_TEST_TMPDIR/tracking.log
	printf '%s\n' '2023-05-23 13:53:13,461 INFO [tracking] - {"context": {"course_id": "c1", "user_id": 6}, "event": {"problem_id": "p1"}, "time": "2023-05-23T13:53:13Z"}' >"$t"
	import-openedx-tracking.sh "$t" 2>/dev/null | json_keys | sed 's/^/tag /'
}

# the acceptance scripts (scripts/validate*.sh): validate.sh's kept files
# (a training seed's as train-S-NAME) and the columns of its first table;
# validate-real.sh's Markdown table headers, as the script prints them
# (read from it: a run is 10 s, and its EXAMPLES run it once).
fields_validate() {
	local d=$BATS_TEST_TMPDIR/validate
	validate.sh --learners 300 --keep "$d" >"$d.txt"
	(cd "$d" && printf '%s\n' *) | sed 's/^train-[0-9]*-/train-S-/' | sort -u | sed 's/^/tag /'
	sed -n 2p "$d.txt" | tr -s ' ' '\n' | sed 's/^/name /'
}

fields_validate-real() {
	sed -n 's/^echo "| \(.*\) |"$/\1/p' scripts/validate-real.sh | tr '|' '\n' |
		grep -oE '[a-z_][a-z0-9_]*' | sort -u | sed 's/^/name /'
}

# the developer scripts (benches, demo, install-deps, make-deb): the
# environment variables each reads with a default (${VAR:-DEFAULT} or
# ${VAR-DEFAULT}; not a variable of its own tested with ${VAR:-}), each a
# list tag of its ENVIRONMENT.
script_env() {
	grep -oE '\$\{[A-Z][A-Z0-9_]*:?-[^}]' "scripts/$1" | grep -oE '[A-Z][A-Z0-9_]*' | sort -u | sed 's/^/tag /'
}
fields_bench() { script_env bench.sh; }
fields_bench-export() { script_env bench-export.sh; }
fields_bench-model() { script_env bench-model.sh; }
fields_bench-scale() { script_env bench-scale.sh; }
fields_demo() { script_env demo.sh; }
fields_make-deb() { script_env make-deb.sh; }

# bench-duckdb.sh reads no variable: its commands
fields_bench-duckdb() {
	sed -n 's/^\([a-z]*\)) .*/tag \1/p' scripts/bench-duckdb.sh
}

# install-deps.sh: the packages it installs, each named in the page
fields_install-deps() {
	sed -n '/^PKGS="/,/"$/p' scripts/install-deps.sh | tr -d '"' | sed 's/^PKGS=//' | tr ' ' '\n' | grep . | sed 's/^/name /'
}

# validate-table.py: the columns of its criteria and velocity tables, as
# the script prints their headers (read from it), each a list tag
fields_validate-table() {
	{
		sed -n 's/.*print("%-34s %-9s %8s %8s %8s  %s" % ("\([^"]*\)", "\([^"]*\)", \*cols, "\([^"]*\)")).*/\1 \2 \3/p' scripts/validate-table.py
		sed -n 's/^ *cols = (\(.*\))$/\1/p' scripts/validate-table.py | tr -d '",'
		sed -n 's/.*("prediction", "\([A-Za-z]*\)", "\([a-z]*\)", "\([A-Z]*\)".*/prediction \1 \2 \3/p' scripts/validate-table.py
	} | tr ' ' '\n' | grep . | sed 's/^/tag /'
}

fields_tl() {
	tl-velocity "${ASOF[@]}" --shard 0/1 --metrics "$BATS_TEST_TMPDIR/m.prom" "$W" >/dev/null
	grep -oE '^tl_[a-z_]+' "$BATS_TEST_TMPDIR/m.prom" | sort -u | sed 's/^/name /'
}

# ---- the checks: each prints what is wrong, returns 1 when something is

check_lint() {
	local out st=0
	out=$(mandoc -Tlint -W warning "$1" 2>&1) || st=$?
	if [ "$st" -ne 0 ] || [ -n "$out" ]; then
		printf 'lint (exit %d):\n%s\n' "$st" "$out"
		return 1
	fi
}

check_synopsis() {
	local page=$1 tool=$2 synopsis usage
	synopsis=$(section "$page" SYNOPSIS | blanks)
	usage=$(help_usage "$tool" | blanks)
	[ -n "$usage" ] || { echo "synopsis: $tool --help has no usage"; return 1; }
	[ "$synopsis" = "$usage" ] || { printf 'synopsis: the page and --help differ:\npage:  %s\nusage: %s\n' "$synopsis" "$usage"; return 1; }
}

# check_options PAGE TOOL: every option of TOOL --help is a list tag of
# PAGE; a common option may instead be one of tl(7) when PAGE sends the
# reader there ("The common options of tl(7)"). With TOOL "tl": the common
# options of every tool are list tags of tl(7).
check_options() {
	local page=$1 tool=$2 tags common="" o t missing=""
	tags=" $(page_tags "$page" | tr '\n' ' ') "
	if [ "$tool" = tl ]; then
		for t in "$TL_BIN"/tl-*; do
			help_options "$t" common
		done >"$BATS_TEST_TMPDIR/common"
		[ "$(sort -u "$BATS_TEST_TMPDIR/common" | wc -l)" -ge 14 ] || { echo "options: too few common options"; return 1; }
		while read -r o; do
			[[ $tags == *" $o "* ]] || missing="$missing $o"
		done < <(sort -u "$BATS_TEST_TMPDIR/common")
	else
		if grep -qiE '^the common options(, described in| of)$' "$page" && grep -qxE '\.Xr tl 7( ,)?' "$page"; then
			common=" $(page_tags man/tl.7 | tr '\n' ' ') "
		fi
		for o in $(help_options "$tool" own | sort -u); do
			[[ $tags == *" $o "* ]] || missing="$missing $o"
		done
		for o in $(help_options "$tool" common | sort -u); do
			[[ $tags == *" $o "* || $common == *" $o "* ]] || missing="$missing $o"
		done
	fi
	[ -z "$missing" ] || { echo "options: not described (as a list tag):$missing"; return 1; }
}

check_fields() {
	local page=$1 name=$2 fields tags names kind f missing=""
	fields=$("fields_$name") || { echo "fields: fields_$name failed"; return 1; }
	[ -n "$fields" ] || { echo "fields: fields_$name found none"; return 1; }
	tags=" $(page_tags "$page" | tr '\n' ' ') "
	names=" $(page_names "$page" | tr '\n' ' ') "
	while read -r kind f; do
		[ "$f" = learner_id ] && continue   # tl(7) RECORD MODEL
		case $kind in
		tag) [[ $tags == *" $f "* ]] || missing="$missing $f" ;;
		name) [[ $names == *" $f "* ]] || missing="$missing $f" ;;
		esac
	done <<<"$fields"
	[ -z "$missing" ] || { echo "fields: not listed in the page:$missing"; return 1; }
}

# check_examples PAGE [MIN]: run_examples PAGE MIN (default 1).
check_examples() {
	local err
	err=$(run_examples "$1" "${2:-1}" 2>&1) || { printf 'examples: %s\n' "$err"; return 1; }
}

# check_page NAME MIN: the checks (a)-(e) of man/NAME.1 or man/NAME.7; its
# EXAMPLES hold at least MIN commands (as many as today: an example that
# stops being found, say by a changed prompt, fails). The page of an
# importer, import-X(1), is that of the script import-X.sh, and so is the
# page of an acceptance script, validate(1) of validate.sh, validate-real(1)
# of validate-real.sh.
check_page() {
	local name=$1 min=$2 page tool=$1 bad=0
	page=man/$name.1
	[ "$name" = tl ] && page=man/tl.7
	# a script of scripts/ (an importer, the acceptance scripts, the
	# benches, ...): its page is that of NAME.sh or NAME.py
	if [ -f "scripts/$name.sh" ]; then tool=$name.sh; elif [ -f "scripts/$name.py" ]; then tool=$name.py; fi
	[ -f "$page" ] || { echo "no page $page" >&2; return 1; }
	check_lint "$page" >&2 || bad=1
	[ "$name" = tl ] || check_synopsis "$page" "$tool" >&2 || bad=1
	check_options "$page" "$tool" >&2 || bad=1
	check_fields "$page" "$name" >&2 || bad=1
	(check_examples "$page" "$min") >&2 || bad=1
	[ "$bad" -eq 0 ]
}

@test "MP001: every page of man/ has a test here, every tool a page" {
	local have want
	have=$(grep -oE '^@test "MP[0-9]+: [a-z0-9-]+\([17]\) lint' "$BATS_TEST_FILENAME" | grep -oE '[a-z0-9-]+\([17]\)' | sort)
	want=$(cd man && for p in *.1 *.7; do echo "${p%.*}(${p##*.})"; done | sort)
	[ "$have" = "$want" ] || { diff <(echo "$want") <(echo "$have") >&2; return 1; }
	# the tools and the scripts installed as commands (scripts/tl-*)
	diff <({ cd cmd && printf '%s\n' tl-*.c | sed 's/\.c$//'; cd ../scripts && printf '%s\n' tl-*; } | sort) \
		<(cd man && printf '%s\n' tl-*.1 | sed 's/\.1$//')
	# the importers: scripts/import-X.sh has its page import-X(1)
	diff <(cd scripts && printf '%s\n' import-*.sh | sed 's/\.sh$//') <(cd man && printf '%s\n' import-*.1 | sed 's/\.1$//')
	# every other script of scripts/ (the acceptance scripts, the benches,
	# demo, install-deps, make-deb, validate-table.py), not installed: NAME.sh
	# or NAME.py has its page NAME(1), one of the Makefile's DEVPAGES
	local scripts dev
	scripts=$(cd scripts && printf '%s\n' *.sh validate-table.py | grep -v '^import-' | sed 's/\.[a-z]*$//' | sort)
	dev=$(make --no-print-directory -s devpages | tr ' ' '\n' | sed 's|^man/||; s/\.1$//' | sort)
	[ -n "$scripts" ] && [ "$scripts" = "$dev" ] || { diff <(echo "$scripts") <(echo "$dev") >&2; return 1; }
	diff <(echo "$scripts") <(cd man && for s in $scripts; do [ -f "$s.1" ] && echo "$s"; done)
}

@test "MP002: tl(7) lint, common options, --metrics names, EXAMPLES" {
	check_page tl 14
}

@test "MP003: tl-loadgen(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-loadgen 10
}

@test "MP004: tl-velocity(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-velocity 6
}

@test "MP005: tl-affinity(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-affinity 5
}

@test "MP006: tl-retention(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-retention 8
}

@test "MP007: tl-score(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-score 6
}

@test "MP008: tl-abtest(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-abtest 9
}

@test "MP009: tl-eval(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-eval 3
}

@test "MP010: tl-model(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-model 8
}

@test "MP016: tl-export(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-export 10
}

@test "MP024: tl-split(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-split 9
}

@test "MP017: tl-report(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-report 7
}

# ---- the helpers, and what the pages say beyond (a)-(e)

@test "MP018: tl-batch(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-batch 11
}

@test "MP024: tl-parallel(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-parallel 14
}

@test "MP020: tl-rollout(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page tl-rollout 3
}

@test "MP021: import-kddcup2015(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page import-kddcup2015 11
}

@test "MP022: import-oulad(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page import-oulad 5
}

@test "MP023: import-openedx-tracking(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page import-openedx-tracking 5
}

# bats test_tags=heavy
@test "MP025: validate(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page validate 10
}

# bats test_tags=heavy
@test "MP026: validate-real(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page validate-real 7
}

# bats test_tags=plain
@test "MP027: bench(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page bench 7
}

# bats test_tags=plain
@test "MP028: bench-duckdb(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page bench-duckdb 2
}

# bats test_tags=plain
@test "MP029: bench-export(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page bench-export 5
}

# bats test_tags=plain
@test "MP030: bench-model(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page bench-model 3
}

# bats test_tags=plain
@test "MP031: bench-scale(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page bench-scale 5
}

@test "MP032: demo(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page demo 5
}

@test "MP033: install-deps(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page install-deps 2
}

# bats test_tags=heavy
@test "MP034: make-deb(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page make-deb 4
}

@test "MP035: validate-table(1) lint, SYNOPSIS, options, fields, EXAMPLES" {
	check_page validate-table 6
}

@test "MP019: tl-ops(7) lint; its ALERTS are the rules' alerts; each procedure has its drill" {
	check_lint man/tl-ops.7
	local page rules
	page=$(sed -n '/^\.Sh ALERTS/,/^\.Sh /s/^\.It \(Tl[A-Za-z]*\)$/\1/p' man/tl-ops.7 | sort)
	rules=$(sed -n 's/^ *- alert: //p' config/prometheus/tl-alerts.yml | sort)
	[ -n "$rules" ] && [ "$page" = "$rules" ] || { diff <(echo "$rules") <(echo "$page") >&2; return 1; }
	# every RECOVERY subsection and ROLLBACK has a drill that names it
	local sub
	while read -r sub; do
		grep -q "^@test \"DRILL[0-9]*: .*$sub" tests/drills.bats || { echo "no drill for '$sub'" >&2; return 1; }
	done < <(sed -n 's/^\.Ss //p' man/tl-ops.7; echo ROLLBACK)
}

@test "MP011: the lint check can fail: a page with a warning is reported" {
	# shellcheck disable=SC2016 # $Mdocdate$ is mdoc's, not a shell expansion
	printf '.Dd $Mdocdate$\n.Dt X 1\n.Os\n.Sh NAME\n.Nm x\n.Nd x\n.Sh DESCRIPTION\n.Bl -tag\n.It a\nb\n.El\n' >"$BATS_TEST_TMPDIR/x.1"
	run check_lint "$BATS_TEST_TMPDIR/x.1"
	assert_failure
	assert_output --partial 'lint (exit'
}

@test "MP012: the example extractor finds commands, continuations and output" {
	local dir="$BATS_TEST_TMPDIR/t"
	cat >"$BATS_TEST_TMPDIR/t.1" <<-'EOF'
	.Dd $Mdocdate$
	.Dt T 1
	.Os
	.Sh NAME
	.Nm t
	.Nd t
	.Sh EXAMPLES
	Text.
	.Bd -literal -offset indent
	$ echo a |
	> tr a b
	b
	  c
	$ true
	.Ed
	.Pp
	More text.
	.Sh SEE ALSO
	.Xr tl 7
	EOF
	run extract_examples "$BATS_TEST_TMPDIR/t.1" "$dir"
	[ "$output" = 2 ]
	[ "$(cat "$dir/1.cmd")" = "$(printf 'echo a |\ntr a b')" ]
	[ "$(cat "$dir/1.out")" = "$(printf 'b\n  c')" ]
	[ "$(cat "$dir/2.cmd")" = "true" ]
	[ ! -s "$dir/2.out" ]
}

@test "MP013: tl(7) EXAMPLES use only tl-velocity and standard tools" {
	local n others
	n=$(extract_examples man/tl.7 "$BATS_TEST_TMPDIR/ex")
	[ "$n" -ge 5 ]
	others=$(cat "$BATS_TEST_TMPDIR"/ex/*.cmd | grep -o 'tl-[a-z]*' | grep -v '^tl-velocity$' || true)
	[ -z "$others" ] || { echo "tl(7) EXAMPLES use other tools: $others" >&2; return 1; }
}

@test "MP014: the worked example of tl-velocity(1) gives the values of DESIGN §6.4" {
	local n i cmd="" found=0
	n=$(extract_examples man/tl-velocity.1 "$BATS_TEST_TMPDIR/ex")
	for ((i = 1; i <= n; i++)); do
		local c
		c=$(<"$BATS_TEST_TMPDIR/ex/$i.cmd")
		case "$c" in
		*"|"*) ;;
		*--as-of\ 2025-01-29T00:00:00Z*--decay-half-life\ 0*-o\ csv*testdata/worked/worked.csv*)
			cmd=$c
			found=$((found + 1)) ;;
		esac
	done
	[ "$found" -eq 1 ]
	run --separate-stderr bash -c "$cmd"
	assert_success
	[ -z "$stderr" ]
	# Expected values: DESIGN §6.4 (velocity part), typed in from the design.
	run python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 1, rows
r = rows[0]
want = {"velocity": 0.1715, "velocity_simple": 0.4, "velocity_momentum": 0.343,
        "velocity_trend": -0.0912, "velocity_next": 0.0797, "interactions": 5,
        "adoptions": 2, "periods": 5, "tenure_days": 28}
bad = [f"{k}={r.get(k)!r}, want {v}" for k, v in want.items()
       if r.get(k) in (None, "") or abs(float(r[k]) - v) > 1e-6]
for k in ("interactions", "adoptions", "periods"):
    if not r[k].isdigit():
        bad.append(f"{k}={r[k]!r} is not an integer")
if r["learner_id"] != "L1" or r["as_of"] != "2025-01-29T00:00:00Z":
    bad.append("learner_id=%r as_of=%r" % (r["learner_id"], r["as_of"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
' <<<"$output"
	assert_success
}

# broken_velocity_page SED: man/tl-velocity.1 edited by SED, as
# $BATS_TEST_TMPDIR/tl-velocity.1; fails when SED changed nothing.
broken_velocity_page() {
	sed "$1" man/tl-velocity.1 >"$BATS_TEST_TMPDIR/tl-velocity.1"
	! cmp -s man/tl-velocity.1 "$BATS_TEST_TMPDIR/tl-velocity.1" || { echo "'$1' changed nothing" >&2; return 1; } || false
}

@test "MP015: the checks (b)-(e) can fail: each finds its break in a copy of tl-velocity(1)" {
	local p="$BATS_TEST_TMPDIR/tl-velocity.1"
	run check_synopsis man/tl-velocity.1 tl-velocity
	assert_success
	broken_velocity_page 's/^\.Op Fl \\-alpha Ar A$/.Op Fl \\-alfa Ar A/'
	run check_synopsis "$p" tl-velocity
	assert_failure
	assert_output --partial '[--alfa A]'
	broken_velocity_page '/^\.It Fl \\-trend\\-window Ar W$/d'
	run check_options "$p" tl-velocity
	assert_failure
	assert_output 'options: not described (as a list tag): --trend-window'
	sed '/^\.It Fl h , Fl \\-help$/s/Fl h , //' man/tl.7 >"$BATS_TEST_TMPDIR/tl.7"
	run check_options man/tl.7 tl
	assert_success
	run check_options "$BATS_TEST_TMPDIR/tl.7" tl
	assert_output 'options: not described (as a list tag): -h'
	broken_velocity_page 's/^\.It Va velocity_next$/.It Va velocity_nxt/'
	run check_fields "$p" tl-velocity
	assert_failure
	assert_output 'fields: not listed in the page: velocity_next'
	broken_velocity_page 's/^L1,5,2,5,28,0.4,0.1715,-0.0912,0.0797,0.343,/L1,5,2,5,28,0.4,0.1715,-0.0912,0.0798,0.343,/'
	run check_examples "$p"
	assert_failure
	assert_output --partial 'example 1 prints other lines than the page shows'
	broken_velocity_page 's/^\$ tl-velocity --as-of 2025-01-29 testdata/$ tl-velocity --as-of 2025-01-29 --bogus testdata/'
	run check_examples "$p"
	assert_failure
	assert_output --partial 'example 2 exits 64'
}
