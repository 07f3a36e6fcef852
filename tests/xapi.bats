# xapi.bats - xAPI statements, the fifth input shape (tl(7) "xAPI
# statements"): the mapping on a hand-made fixture (testdata/xapi), the
# maintainers' fixtures of the Open edX and Moodle transformers in
# $REALDATA/xapi_fixtures with per-learner counts checked against jq, the
# framings (NDJSON, arrays, LRS pages, pretty-printed), --ungrouped, the
# verb table, the messages, nested --map paths, and the Open edX
# tracking-log importer.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

X="$TESTDATA/xapi"
XF="$REALDATA/xapi_fixtures"
OE="$XF/openedx_event_routing"
MO="$XF/moodle_logstore_xapi"

# moodle: the Moodle statements, one per line, each with the time of its
# case's event.json (the statements have none), in $BATS_TEST_TMPDIR/moodle.ndjson.
moodle() {
	local d files=()
	while IFS= read -r d; do
		files+=("$d/event.json" "$d/statements.json")
	done < <(find "$MO" -name statements.json -printf '%h\n' | sort)
	# one jq over the pairs (a jq per case took 30 s): each case's
	# timecreated, then its statements
	jq -cn '[inputs] | _nwise(2) | (.[0].timecreated | todate) as $t | .[1][] | .timestamp = $t' \
		"${files[@]}" >"$BATS_TEST_TMPDIR/moodle.ndjson"
}

# openedx: the Open edX expected statements as the files are (pretty-printed
# statements and arrays of them), concatenated, in $BATS_TEST_TMPDIR/openedx.json.
openedx() {
	cat "$OE"/expected_xapi/*.json >"$BATS_TEST_TMPDIR/openedx.json"
}

# jq_counts FILE: an independent count per learner of a stream of statements
# (objects or arrays): learner_id,interactions,completions,successes,scored,
# and the mean of score.scaled (%.6g, empty when none), sorted.
jq_counts() {
	jq -r 'if type == "array" then .[] else . end
		| [.actor.account.name // .actor.mbox, (.result.completion == true), (.result.success == true),
		   (.result.score.scaled // null)] | @tsv' "$1" |
		awk -F'\t' '{ n[$1]++; c[$1] += $2 == "true"; s[$1] += $3 == "true"; if ($4 != "") { k[$1]++; sum[$1] += $4 } }
			END { for (l in n) printf "%s,%d,%d,%d,%d,%s\n", l, n[l], c[l], s[l], k[l], k[l] ? sprintf("%.6g", sum[l] / k[l]) : "" }' |
		sort
}

# tl_counts FILE ARGS...: the same per learner from tl-velocity -o csv (as-of
# after every statement; its warning that it is years after some is set aside).
tl_counts() {
	local f=$1
	shift
	tl-velocity --as-of 2030-01-01 -o csv "$@" "$f" 2>"$BATS_TEST_TMPDIR/counts.err" | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    print(",".join([r["learner_id"], r["interactions"], r["xapi_completions"], r["xapi_successes"], r["xapi_scored"], r["xapi_score_mean"]]))' | sort
}

@test "XAP001: the mapping: actor (account, mbox, mbox_sha1sum, openid), timestamp else stored, parent, object.id, verb table, result fields" {
	run --separate-stderr tl-velocity --as-of 2025-02-01 --stats "$X/mapping.ndjson"
	assert_success
	run jq -c '{learner_id, events, xapi_completions, xapi_successes, xapi_scored, xapi_score_mean, adoptions}' <<<"$output"
	assert_output - <<-'EOF'
	{"learner_id":"u1","events":[{"ts":"2025-01-02T10:00:00.250+01:00","domain":"https://lms.example/course/c1","capability":"https://lms.example/act/quiz1","action":"use"},{"ts":"2025-01-03T00:00:00Z","capability":"https://lms.example/course/c1","action":"interact"}],"xapi_completions":1,"xapi_successes":1,"xapi_scored":2,"xapi_score_mean":0.125,"adoptions":1}
	{"learner_id":"mailto:ann@example.org","events":[{"ts":"2025-01-04T08:00:00Z","capability":"https://lms.example/act/page1","action":"use"}],"xapi_completions":0,"xapi_successes":0,"xapi_scored":0,"xapi_score_mean":null,"adoptions":1}
	{"learner_id":"ebd31e95054c018b10727ccffd2ef2ec3a016ee9","events":[{"ts":"2025-01-05T08:00:00Z","capability":"https://lms.example/act/page1","action":"interact"}],"xapi_completions":0,"xapi_successes":0,"xapi_scored":0,"xapi_score_mean":null,"adoptions":0}
	{"learner_id":"https://id.example/carl","events":[{"ts":"2025-01-06T08:00:00Z","capability":"https://lms.example/act/q2","action":"use"}],"xapi_completions":0,"xapi_successes":0,"xapi_scored":0,"xapi_score_mean":null,"adoptions":1}
	EOF
}

@test "XAP002: --xapi-actor homepage, --xapi-domain grouping and category; a bad value is a usage error" {
	run tl-velocity --as-of 2025-02-01 -o csv --xapi-actor homepage "$X/mapping.ndjson"
	assert_success
	assert_line --index 1 --partial 'https://lms.example|u1,'
	assert_line --index 2 --partial 'mailto:ann@example.org,'
	run bash -c "head -n 1 '$X/mapping.ndjson' | tl-velocity --as-of 2025-02-01 --xapi-domain grouping | jq -r '.events[0].domain'"
	assert_output https://lms.example/program/p1
	run bash -c "head -n 1 '$X/mapping.ndjson' | tl-velocity --as-of 2025-02-01 --xapi-domain category | jq -r '.events[0].domain'"
	assert_output https://lms.example/cat
	run --separate-stderr tl-velocity --xapi-domain course "$X/mapping.ndjson"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-velocity: --xapi-domain wants parent, grouping or category, not 'course'"
	run --separate-stderr tl-velocity --xapi-actor mbox "$X/mapping.ndjson"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-velocity: --xapi-actor wants name or homepage, not 'mbox'"
}

@test "XAP003: the Open edX expected statements, pretty-printed and in arrays, read as they are; counts per learner equal jq's" {
	openedx
	run --separate-stderr tl-velocity --as-of 2023-12-01 --stats "$BATS_TEST_TMPDIR/openedx.json"   # after the last
	assert_success
	assert_equal "${stderr_lines[1]}" "tl-velocity: xAPI statements 90; unknown verbs 0 (read as interact)"
	diff -u <(jq_counts "$BATS_TEST_TMPDIR/openedx.json") <(tl_counts "$BATS_TEST_TMPDIR/openedx.json")
	# 90 statements of one learner, 43 with a result
	run tl_counts "$BATS_TEST_TMPDIR/openedx.json"
	assert_output '32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb,90,2,11,15,0.279111'
}

@test "XAP004: the Moodle statements with the time of their event.json; counts per learner equal jq's; every verb is in the table" {
	moodle
	local m=$BATS_TEST_TMPDIR/moodle.ndjson
	[ "$(wc -l <"$m")" -eq 190 ]
	run --separate-stderr tl-velocity --ungrouped --as-of 2019-07-01 --stats "$m"   # after the last
	assert_success
	assert_equal "${stderr_lines[0]}" "tl-velocity: records read 190 = used 190 + future 0 + rejected 0; learners read 3, written 3"
	assert_equal "${stderr_lines[1]}" "tl-velocity: xAPI statements 190; unknown verbs 0 (read as interact)"
	diff -u <(jq_counts "$m") <(tl_counts "$m" --ungrouped)
	# the results ride through the sort's spill files too: the statements
	# five times over pass the least --memory
	local m5=$BATS_TEST_TMPDIR/moodle5.ndjson
	for _ in 1 2 3 4 5; do cat "$m"; done >"$m5"
	diff -u <(jq_counts "$m5") <(tl_counts "$m5" --ungrouped --memory 64K)
	run --separate-stderr tl-velocity --ungrouped --memory 64K --as-of 2019-07-01 --metrics "$BATS_TEST_TMPDIR/m.prom" -o csv "$m5"
	assert_success
	run grep -E '^tl_sort_runs_spilled' "$BATS_TEST_TMPDIR/m.prom"
	refute_output --partial '} 0'
	# the first statement's time is its event.json's timecreated
	run bash -c "tl-velocity --ungrouped --as-of 2019-07-01 '$m' | jq -r 'select(.learner_id == \"anonymous\") | .events[].ts'"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
}

@test "XAP005: time-ordered statements need --ungrouped, which gives what the grouped input gives" {
	moodle
	local m=$BATS_TEST_TMPDIR/moodle.ndjson
	jq -c 'select(.actor.account.name != "1")' "$m" >"$BATS_TEST_TMPDIR/mix.ndjson"
	jq -c 'select(.actor.account.name == "1")' "$m" | head -n 3 >>"$BATS_TEST_TMPDIR/mix.ndjson"
	jq -c 'select(.actor.account.name == "2")' "$m" | head -n 1 >>"$BATS_TEST_TMPDIR/mix.ndjson"
	run --separate-stderr tl-velocity --as-of 2030-01-01 "$BATS_TEST_TMPDIR/mix.ndjson"
	assert_failure 65
	[[ $stderr == "tl-velocity: $BATS_TEST_TMPDIR/mix.ndjson:"*": learner '"*"' reappears after other learners (its rows began at line "*"); group the input by learner or use --ungrouped" ]]
	run tl-velocity --as-of 2030-01-01 --ungrouped -o csv "$BATS_TEST_TMPDIR/mix.ndjson"
	assert_success
	local ungrouped=$output
	# the same statements grouped by learner, in the byte order of the ids
	# (jq orders strings by code point), each learner's in input order
	jq -c '[input_line_number, .]' "$BATS_TEST_TMPDIR/mix.ndjson" | jq -sc 'group_by(.[1].actor.account.name) | map(sort_by(.[0])) | .[][] | .[1]' >"$BATS_TEST_TMPDIR/grouped.ndjson"
	run tl-velocity --as-of 2030-01-01 -o csv "$BATS_TEST_TMPDIR/grouped.ndjson"
	assert_success
	assert_equal "$output" "$ungrouped"
}

@test "XAP006: one statement per line, an array, an LRS page (compact or pretty), pretty statements, gzip and zstd read the same" {
	local d=$BATS_TEST_TMPDIR want
	want=$(tl-velocity --as-of 2025-02-01 "$X/mapping.ndjson")
	jq -s . "$X/mapping.ndjson" >"$d/array.json"
	jq -sc . "$X/mapping.ndjson" >"$d/array1.json"
	jq -s '{statements: ., more: ""}' "$X/mapping.ndjson" >"$d/page.json"
	jq -sc '{more: "/xapi/statements?more=1", statements: .}' "$X/mapping.ndjson" >"$d/page1.json"
	jq . "$X/mapping.ndjson" >"$d/pretty.json"
	gzip -c "$d/pretty.json" >"$d/pretty.gz.json"
	zstd -q -c "$d/page.json" >"$d/page.zst.json"
	for f in array array1 page page1 pretty pretty.gz page.zst; do
		run tl-velocity --as-of 2025-02-01 "$d/$f.json"
		assert_success
		assert_equal "$output" "$want"
	done
	# two pages, one after the other
	cat "$d/page1.json" "$d/page1.json" | jq -c '.statements[]' >"$d/twice.ndjson"
	run diff <(tl-velocity --ungrouped --as-of 2025-02-01 "$d/twice.ndjson") \
		<(cat "$d/page1.json" "$d/page.json" | tl-velocity --ungrouped --as-of 2025-02-01)
	assert_success
}

@test "XAP007: an unknown verb is an interaction counted by --stats; --strict-verbs makes it bad input" {
	run --separate-stderr tl-velocity --as-of 2025-02-01 --stats -o csv "$X/mapping.ndjson"
	assert_success
	assert_equal "${stderr_lines[1]}" "tl-velocity: xAPI statements 5; unknown verbs 1 (read as interact)"
	run tl-velocity --as-of 2025-02-01 --metrics "$BATS_TEST_TMPDIR/m.prom" -o csv "$X/mapping.ndjson"
	assert_success
	run grep -E '^tl_xapi' "$BATS_TEST_TMPDIR/m.prom"
	assert_output - <<-'EOF'
	tl_xapi_statements{tool="tl-velocity"} 5
	tl_xapi_unknown_verbs{tool="tl-velocity"} 1
	EOF
	run --separate-stderr tl-velocity --as-of 2025-02-01 --strict-verbs "$X/mapping.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $X/mapping.ndjson:4: unknown verb IRI 'http://example.org/verbs/unlisted' (--strict-verbs)"
	run --separate-stderr tl-velocity --as-of 2025-02-01 --strict-verbs --skip-bad --stats --rejects "$BATS_TEST_TMPDIR/rej" "$X/mapping.ndjson"
	assert_success
	assert_equal "${stderr_lines[0]}" "tl-velocity: records read 5 = used 4 + future 0 + rejected 1; learners read 3, written 3"
	diff <(sed -n 4p "$X/mapping.ndjson") "$BATS_TEST_TMPDIR/rej"
}

@test "XAP008: bad statements: missing actor, bad timestamp, no time, missing verb, a key twice, a bad result; the line where it begins" {
	local s='{"actor":{"account":{"name":"u"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"o"},"timestamp":"2025-01-01T00:00:00Z"}'
	xbad() {   # xbad JQ MESSAGE: the statement s edited by JQ, after s itself, is bad input
		{ echo "$s"; jq -c "$1" <<<"$s"; } >"$BATS_TEST_TMPDIR/in"
		run --separate-stderr tl-velocity --as-of 2025-02-01 "$BATS_TEST_TMPDIR/in"
		assert_failure 65
		assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/in:2: $2"
	}
	xbad 'del(.actor.account)' 'missing actor: no actor.account.name, actor.mbox, actor.mbox_sha1sum or actor.openid'
	xbad '.actor.account.name = 7' 'actor.account.name is not a string'
	xbad '.timestamp = "2025-13-01T00:00:00Z"' "bad timestamp '2025-13-01T00:00:00Z'"
	xbad 'del(.timestamp)' 'missing ts: no timestamp or stored'
	xbad 'del(.verb)' 'missing verb.id'
	xbad '.result.success = "yes"' 'result.success is not a boolean'
	xbad '.result.score.scaled = "high"' 'result.score.scaled is not a number'
	printf '%s\n' "${s%?}"',"verb":{}}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/in:1: duplicate key 'verb'"
	# a pretty-printed statement is reported at the line where it begins
	{ jq . <<<"$s"; jq '.timestamp = "soon"' <<<"$s"; } >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr tl-velocity --as-of 2025-02-01 "$BATS_TEST_TMPDIR/p.json"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/p.json:$(($(jq . <<<"$s" | wc -l) + 1)): bad timestamp 'soon'"
}

@test "XAP009: pretty-printed JSON that is not xAPI names the cause" {
	printf '{\n  "learner_id": "L1",\n  "ts": "2025-01-01"\n}\n' >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/p.json"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/p.json:1: pretty-printed JSON that is not xAPI statements (no actor and verb): tl reads JSON one object per line (NDJSON: jq -c .)"
	printf '[{"learner_id":"L1","ts":"2025-01-01"}]\n' >"$BATS_TEST_TMPDIR/a.json"
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/a.json"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/a.json:1: a JSON array of objects that are not xAPI statements (no actor and verb): tl reads JSON one object per line (NDJSON: jq -c '.[]')"
	# an unterminated statement: the line where it begins
	{ echo '['; head -n 1 "$X/mapping.ndjson" | jq . | head -n 5; } >"$BATS_TEST_TMPDIR/cut.json"
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/cut.json"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/cut.json:2: the input ends inside the JSON value that begins here"
}

@test "XAP010: --map reaches nested keys of event NDJSON and of statements; a missing mapped key is named" {
	printf '%s\n' '{"user":{"id":"L9"},"time":"2025-01-01T09:30:00Z","capability":"loops","cohort":"a"}' >"$BATS_TEST_TMPDIR/e.ndjson"
	run tl-velocity --as-of 2025-01-08 --map learner_id=user.id,ts=time -o csv "$BATS_TEST_TMPDIR/e.ndjson"
	assert_success
	assert_line --index 0 'learner_id,cohort,interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of'
	assert_line --index 1 --partial 'L9,a,1,1,'
	# the member holding a mapped key is no attribute, so it does not vary either
	printf '%s\n' '{"user":{"id":"L9","ip":"a"},"time":"2025-01-01T09:30:00Z"}' '{"user":{"id":"L9","ip":"b"},"time":"2025-01-02T09:30:00Z"}' >"$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-08 --stats --map learner_id=user.id,ts=time "$BATS_TEST_TMPDIR/e.ndjson"
	assert_success
	assert_equal "$stderr" "tl-velocity: records read 2 = used 2 + future 0 + rejected 0; learners read 1, written 1"
	printf '%s\n' '{"user":{"name":"L9"},"time":"2025-01-01T09:30:00Z"}' >"$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-velocity --map learner_id=user.id,ts=time "$BATS_TEST_TMPDIR/e.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/e.ndjson:1: missing learner_id: no key 'user.id' (--map learner_id=user.id)"
	run --separate-stderr tl-velocity --map learner_id=actor.account.name.x "$X/mapping.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $X/mapping.ndjson:1: missing learner_id: no key 'actor.account.name.x' (--map learner_id=actor.account.name.x)"
	run --separate-stderr tl-velocity --map learner_id=actor.account.homePage "$X/mapping.ndjson"
	assert_failure 65   # the third statement's actor has an mbox, no account
	assert_equal "$stderr" "tl-velocity: $X/mapping.ndjson:3: missing learner_id: no key 'actor.account.homePage' (--map learner_id=actor.account.homePage)"
	run bash -c "head -n 2 '$X/mapping.ndjson' | tl-velocity --as-of 2025-02-01 --map learner_id=actor.account.homePage,domain=context.contextActivities.category | jq -c '[.learner_id, .events[0].domain]'"
	assert_output '["https://lms.example","https://lms.example/cat"]'
	printf '%s\n' '{"user":{"id":"L9"},"time":"2025-01-01T09:30:00Z","cohort":"a","cohort":"b"}' >"$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-velocity --map learner_id=user.id,ts=time "$BATS_TEST_TMPDIR/e.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/e.ndjson:1: duplicate key 'cohort'"
	run --separate-stderr tl-velocity --map learner_id=a..b "$X/mapping.ndjson"
	assert_failure 64
}

@test "XAP011: the verb table is found without being told; --xapi-verbs and TL_XAPI_VERBS override it; a bad table is refused" {
	run env -u TL_XAPI_VERBS tl-velocity --as-of 2025-02-01 "$X/mapping.ndjson"
	assert_success
	printf '{"format":"tl-xapi-verbs 1","use":["http://example.org/verbs/unlisted"],"interact":[]}\n' >"$BATS_TEST_TMPDIR/v.json"
	run bash -c "tl-velocity --as-of 2025-02-01 --xapi-verbs '$BATS_TEST_TMPDIR/v.json' --stats '$X/mapping.ndjson' 2>&1 >/dev/null | tail -n 1"
	assert_output 'tl-velocity: xAPI statements 5; unknown verbs 4 (read as interact)'
	run bash -c "TL_XAPI_VERBS='$BATS_TEST_TMPDIR/v.json' tl-velocity --as-of 2025-02-01 -o csv '$X/mapping.ndjson' | cut -d, -f1,7"
	assert_line --index 3 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9,1'
	run --separate-stderr tl-velocity --xapi-verbs "$BATS_TEST_TMPDIR/none.json" "$X/mapping.ndjson"
	assert_failure 66
	assert_equal "$stderr" "tl-velocity: cannot read the xAPI verb table $BATS_TEST_TMPDIR/none.json (give --xapi-verbs FILE or TL_XAPI_VERBS): No such file or directory"
	printf '{"format":"tl-xapi-verbs 1",\n"use":["a","a"]}\n' >"$BATS_TEST_TMPDIR/v.json"
	run --separate-stderr tl-velocity --xapi-verbs "$BATS_TEST_TMPDIR/v.json" "$X/mapping.ndjson"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: $BATS_TEST_TMPDIR/v.json:2: verb 'a' is listed twice"
	# not read at all when the input is not xAPI
	run tl-velocity --xapi-verbs "$BATS_TEST_TMPDIR/none.json" --as-of 2025-01-29 "$TESTDATA/worked/worked.csv"
	assert_success
}

@test "XAP012: result fields count only the statements at or before --as-of, or the learner's --as-of-field" {
	run bash -c "head -n 2 '$X/mapping.ndjson' | tl-velocity --as-of 2025-01-02T12:00:00Z -o csv | cut -d, -f1-5"
	assert_output - <<-'EOF'
	learner_id,xapi_completions,xapi_successes,xapi_scored,xapi_score_mean
	u1,1,1,1,0.5
	EOF
	run bash -c "head -n 2 '$X/mapping.ndjson' | tl-velocity -o csv 2>/dev/null | cut -d, -f1-5"
	assert_line --index 1 'u1,1,1,2,0.125'
	run bash -c "head -n 2 '$X/mapping.ndjson' | jq -c '.cohort_as_of = \"2025-01-02T12:00:00Z\"' | tl-velocity --as-of-field cohort_as_of -o csv | cut -d, -f1-5"
	assert_line --index 1 'u1,1,1,1,0.5'
}

@test "XAP013: a raw Open edX tracking.log: the importer strips the logger prefix; bad lines stop it, or -k skips and counts them" {
	local t=$OE/tracking.log
	run --separate-stderr import-openedx-tracking.sh -o "$BATS_TEST_TMPDIR/out.ndjson" "$t"
	assert_failure 65
	assert_equal "$stderr" "import-openedx-tracking.sh: $t:3: the JSON after the logger prefix cannot be read"
	[ ! -e "$BATS_TEST_TMPDIR/out.ndjson" ]
	run --separate-stderr import-openedx-tracking.sh -k -o "$BATS_TEST_TMPDIR/out.ndjson" "$t"
	assert_success
	assert_equal "$stderr" "import-openedx-tracking.sh: $t: 12 lines = 10 events + 0 without a user + 2 skipped"
	# the events: every line whose JSON jq reads, counted independently
	[ "$(sed 's/^[^{]*//' "$t" | while IFS= read -r l; do jq -e . <<<"$l" >/dev/null 2>&1 && echo; done | wc -l)" -eq 10 ]
	run jq -r '[.learner_id, .ts, .capability // ""] | @tsv' "$BATS_TEST_TMPDIR/out.ndjson"
	assert_line --index 0 "$(printf '6\t2023-05-23T13:53:13.460372+00:00\tblock-v1:edX+DemoX+Demo_Course+type@sequential+block@19a30717eff543078a5d94ae9d6c18a5')"
	assert_line --index 8 --partial "$(printf '6\t2023-05-23T14:12:19.620891+00:00\t')"   # "timestamp" instead of "time"
	run tl-velocity --ungrouped --as-of 2023-06-01 -o csv "$BATS_TEST_TMPDIR/out.ndjson"
	assert_success
	assert_line --index 1 --partial '6,10,2,'
	run import-openedx-tracking.sh -h
	assert_success
	assert_line --index 0 'usage: import-openedx-tracking.sh [-k] [-o FILE] LOG ...'
	assert_output --partial 'see import-openedx-tracking(1)'
}

@test "XAP014: make install ships the verb table, and an installed tool finds it in its share/tl" {
	run make -C "$TL_ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	local r=$BATS_TEST_TMPDIR/root/usr
	cmp "$TL_ROOT/config/xapi-verbs.json" "$r/share/tl/xapi-verbs.json"
	# a copy of the tool outside any source tree, beside a share/tl of its own
	mkdir -p "$BATS_TEST_TMPDIR/inst/bin" "$BATS_TEST_TMPDIR/inst/share/tl"
	cp "$r/bin/tl-velocity" "$BATS_TEST_TMPDIR/inst/bin/"
	run --separate-stderr env -u TL_XAPI_VERBS -u TL_DATADIR "$BATS_TEST_TMPDIR/inst/bin/tl-velocity" "$X/mapping.ndjson"
	assert_failure 66   # no share/tl/xapi-verbs.json there yet
	assert_equal "$stderr" "tl-velocity: cannot read the xAPI verb table xapi-verbs (give --xapi-verbs FILE or TL_XAPI_VERBS): No such file or directory"
	cp "$r/share/tl/xapi-verbs.json" "$BATS_TEST_TMPDIR/inst/share/tl/"
	run env -u TL_XAPI_VERBS -u TL_DATADIR "$BATS_TEST_TMPDIR/inst/bin/tl-velocity" --as-of 2025-02-01 -o csv "$X/mapping.ndjson"
	assert_success
	assert_line --index 1 --partial 'u1,1,1,2,0.125,2,1,'
}
