#!/usr/bin/env bats
# reader.bats - the shared record layer (DESIGN §2-§5), exercised through
# tl-velocity: input shapes, CSV fast and slow paths, attributes, grouping,
# bad input with exact messages, reconciliation, outputs and conventions.

load test_helper
bats_require_minimum_version 1.5.0

ASOF=(--as-of 2025-01-29T00:00:00Z --decay-half-life 0)

@test "RD001: worked example from event CSV (golden)" {
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	golden velocity/velocity-worked.out.csv
}

@test "RD002: event NDJSON gives the same rows as CSV" {
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$TESTDATA/worked/worked.ndjson"
	assert_success
	golden velocity/velocity-worked.out.csv
}

@test "RD003: learner documents read back give the same rows" {
	tl-velocity "${ASOF[@]}" "$TESTDATA/worked/worked.csv" > "$BATS_TEST_TMPDIR/doc.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/doc.ndjson"
	assert_success
	golden velocity/velocity-worked.out.csv
}

@test "RD004: the libcsv path (TL_CSV_SLOW=1) equals the fast path" {
	for f in worked/worked.csv reader/reader-quoted.csv reader/reader-bad.csv; do
		fast=$(tl-velocity "${ASOF[@]}" -o csv --skip-bad "$TESTDATA/$f")
		slow=$(TL_CSV_SLOW=1 tl-velocity "${ASOF[@]}" -o csv --skip-bad "$TESTDATA/$f")
		[ "$fast" = "$slow" ]
		fast=$(tl-velocity "${ASOF[@]}" --skip-bad "$TESTDATA/$f")
		slow=$(TL_CSV_SLOW=1 tl-velocity "${ASOF[@]}" --skip-bad "$TESTDATA/$f")
		[ "$fast" = "$slow" ]
	done
}

@test "RD005: BOM, CRLF, blank lines, quoted commas, quotes and newlines" {
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$TESTDATA/reader/reader-quoted.csv"
	assert_success
	assert_line --index 0 'learner_id,cohort,interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of'
	assert_line --index 1 'L1,"spring, ""A""",5,2,5,28,0.4,0.1715,-0.0912,0.0797,0.343,2025-01-29T00:00:00Z'
	assert_line --index 2 --partial 'L2,plain,2,2,'
	# the document keeps the multi-line capability and the quotes, JSON-escaped
	run --separate-stderr tl-velocity "${ASOF[@]}" "$TESTDATA/reader/reader-quoted.csv"
	assert_line --index 1 --partial '"capability":"multi\nline"'
	assert_line --index 1 --partial '"capability":"\"quoted\""'
	assert_line --index 0 --partial '"cohort":"spring, \"A\""'
}

@test "RD006: attributes are carried from the first row, in documents and rows" {
	printf 'learner_id,ts,arm,roi\nL1,2025-01-01,treatment,1.5\nL1,2025-01-02,control,9\n' > "$BATS_TEST_TMPDIR/a.csv"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/a.csv"
	assert_line --index 1 --regexp '^L1,treatment,1.5,2,'
	run --separate-stderr tl-velocity "${ASOF[@]}" "$BATS_TEST_TMPDIR/a.csv"
	assert_output --partial '"arm":"treatment","roi":"1.5","interactions":2'
}

@test "RD007: NDJSON attributes keep their JSON type" {
	printf '{"learner_id":"L1","ts":"2025-01-01","roi":1.5,"tags":["a"],"note":null}\n' > "$BATS_TEST_TMPDIR/a.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" "$BATS_TEST_TMPDIR/a.ndjson"
	assert_output --partial '"roi":1.5,"tags":["a"],"note":null,"interactions":1'
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/a.ndjson"
	assert_line --index 0 --partial 'learner_id,roi,tags,note,interactions'
	assert_line --index 1 --partial 'L1,1.5,"[""a""]",,1,'
}

@test "RD008: a document through two tools keeps every earlier field byte for byte" {
	printf '{"learner_id":"L1", "events":[{"ts":"2025-01-01","capability":"x"}],  "keep":{"a": [1, 2]}, "interactions":99}\n' > "$BATS_TEST_TMPDIR/d.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" "$BATS_TEST_TMPDIR/d.ndjson"
	assert_success
	# untouched bytes (spacing included) survive; the recomputed field is replaced in place
	assert_output --regexp '^\{"learner_id":"L1", "events":\[\{"ts":"2025-01-01","capability":"x"\}\],  "keep":\{"a": \[1, 2\]\}, "interactions":1,"adoptions":1,'
	first=$output
	run --separate-stderr tl-velocity "${ASOF[@]}" --period 14d <<< "$first"
	assert_success
	[ "${output%%\"periods\"*}" = "${first%%\"periods\"*}" ]
}

@test "RD009: ungrouped input is bad input naming both lines" {
	run --separate-stderr tl-velocity "${ASOF[@]}" "$TESTDATA/reader/reader-ungrouped.csv"
	assert_failure 65
	[ "$stderr" = "tl-velocity: $TESTDATA/reader/reader-ungrouped.csv:4: learner 'L2' reappears after other learners (its rows began at line 2); group the input by learner or use --ungrouped" ]
}

@test "RD010: --ungrouped equals the grouped input, in the byte order of learner_id" {
	local g=$BATS_TEST_TMPDIR/by-id.csv
	# L2's rows come first in the file; grouped as sort -t, -k1,1 -s groups them, L1 comes first
	{ head -n 1 "$TESTDATA/reader/reader-grouped.csv"; tail -n +2 "$TESTDATA/reader/reader-grouped.csv" | LC_ALL=C sort -t, -k1,1 -s; } >"$g"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --ungrouped "$TESTDATA/reader/reader-ungrouped.csv"
	assert_success
	want=$(tl-velocity "${ASOF[@]}" -o csv "$g")
	[ "$output" = "$want" ]
	[ "$(cut -d, -f1 <<<"$output" | paste -sd' ')" = "learner_id L1 L2" ]
	run --separate-stderr tl-velocity "${ASOF[@]}" --ungrouped "$TESTDATA/reader/reader-ungrouped.csv"
	[ "$output" = "$(tl-velocity "${ASOF[@]}" "$g")" ]
}

# bad_case NAME INPUT MESSAGE [OPTIONS...]: strict mode exits 65 with exactly MESSAGE.
bad_case() {
	local input=$1 msg=$2
	shift 2
	printf '%b' "$input" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr tl-velocity "${ASOF[@]}" "$@" "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	# (learners before the bad row may already be on stdout: streaming;
	# --output makes the whole run atomic, see RD014)
	if [ "$stderr" != "tl-velocity: $BATS_TEST_TMPDIR/in:$msg" ]; then
		echo "got:  $stderr" >&2
		echo "want: tl-velocity: $BATS_TEST_TMPDIR/in:$msg" >&2
		return 1
	fi
}

@test "RD011: every kind of bad input of §5 has its message, line and exit 65" {
	H='learner_id,ts,action\n'
	bad_case "${H}L1,2025\"-01-01,use\n" "2: bad CSV: a quote inside an unquoted field, or text after a closing quote: 'L1,2025\"-01-01,use'"
	bad_case "${H}L1,2025-01-01,use\nL1,\"2025-01-02,use\n" "3: bad CSV: unterminated quoted field at end of input"
	bad_case '{"learner_id":"L1","ts":"2025-01-01"\n' "1: bad JSON: expected ',' or '}': '{\"learner_id\":\"L1\",\"ts\":\"2025-01-01\"'"
	bad_case "${H},2025-01-01,use\n" "2: missing learner_id"
	bad_case "${H}L1,,use\n" "2: missing ts"
	bad_case '{"learner_id":"L1","action":"use"}\n' "1: missing ts"
	bad_case "${H}L1,2025-13-01,use\n" "2: bad timestamp '2025-13-01'"
	bad_case "${H}L1,2025-01-01,Use\n" "2: unknown action 'Use' (valid: interact, use, adopt, or empty)"
	bad_case "${H}L1,2025-01-01, use\n" "2: unknown action ' use' (valid: interact, use, adopt, or empty)"
	bad_case "${H}L1,2025-01-01,use\nL2,2025-01-01,use\n\nL1,2025-01-02,use\n" "5: learner 'L1' reappears after other learners (its rows began at line 2); group the input by learner or use --ungrouped"
	bad_case "${H}L1,2025-01-01,use,extra\n" "2: expected 3 fields, found 4"
	bad_case "learner_id,ts,capability\nL1,2025-01-01,abcdefghijklmnopqrstuvwxyz\n" "2: field 3 (capability) is longer than --max-field (20 bytes)" --max-field 20
	bad_case "${H}L1,2025-01-01,use\nL1,2025-01-02,use\nL1,2025-01-03,use\n" "4: learner 'L1' has more than 2 events (--max-events)" --max-events 2
	bad_case '{"learner_id":"L1","events":[{"ts":"2025-01-01","action":"jump"}]}\n' "1: event 1: unknown action 'jump' (valid: interact, use, adopt, or empty)"
	bad_case '{"learner_id":"L1","events":{}}\n' "1: events is not an array"
	bad_case '{"events":[]}\n' "1: missing learner_id"
	bad_case "ts,action\n2025-01-01,use\n" "1: no 'learner_id' column in the header"
	bad_case "learner_id,cohort\nL1,a\n" "1: no 'ts' column: these are learner rows, and tl-velocity needs events"
}

@test "RD012: --skip-bad reconciles and --rejects holds the bad rows byte for byte" {
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --skip-bad --rejects "$BATS_TEST_TMPDIR/rej" --stats "$TESTDATA/reader/reader-bad.csv"
	assert_success
	[ "$stderr" = "tl-velocity: records read 9 = used 3 + future 1 + rejected 5; learners read 2, written 2" ]
	# lines 3, 4, 6, 7 and 10 are bad: unknown action, bad time, no id,
	# 5 fields, and L1 reappearing after L2
	sed -n '3p;4p;6p;7p;10p' "$TESTDATA/reader/reader-bad.csv" | cmp - "$BATS_TEST_TMPDIR/rej"
	assert_line --index 1 --partial 'L1,a,2,1,'
	assert_line --index 2 --partial 'L2,b,1,1,'
	# rows in the input = header + 9 records
	[ "$(wc -l < "$TESTDATA/reader/reader-bad.csv")" -eq 10 ]
}

@test "RD013: --stats and --metrics count future events; promtool accepts the metrics" {
	run --separate-stderr tl-velocity --as-of 2025-01-09T00:00:00Z --stats --metrics "$BATS_TEST_TMPDIR/m.prom" -o csv "$TESTDATA/worked/worked.csv"
	assert_success
	[ "$stderr" = "tl-velocity: records read 5 = used 3 + future 2 + rejected 0; learners read 1, written 1" ]
	grep -qx 'tl_records_read{tool="tl-velocity"} 5' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'tl_records_future{tool="tl-velocity"} 2' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'tl_learners_written{tool="tl-velocity"} 1' "$BATS_TEST_TMPDIR/m.prom"
	run promtool check metrics < "$BATS_TEST_TMPDIR/m.prom"
	assert_success
}

@test "RD014: --output is atomic: a failing run leaves no file, a good one replaces it" {
	echo old > "$BATS_TEST_TMPDIR/out"
	run --separate-stderr tl-velocity "${ASOF[@]}" --output "$BATS_TEST_TMPDIR/out" "$TESTDATA/reader/reader-bad.csv"
	assert_failure 65
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = old ]
	local tmps=("$BATS_TEST_TMPDIR"/*tmp*)
	[ ! -e "${tmps[0]}" ]   # no temporary file left
	rm "$BATS_TEST_TMPDIR/out"
	run tl-velocity "${ASOF[@]}" --output "$BATS_TEST_TMPDIR/out" "$TESTDATA/reader/reader-bad.csv"
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	run tl-velocity "${ASOF[@]}" -o csv --output "$BATS_TEST_TMPDIR/out" "$TESTDATA/worked/worked.csv"
	assert_success
	diff "$TESTDATA/velocity/velocity-worked.out.csv" "$BATS_TEST_TMPDIR/out"
}

@test "RD015: a write error (/dev/full) exits 74" {
	run --separate-stderr tl-velocity "${ASOF[@]}" --output /dev/full "$TESTDATA/worked/worked.csv"
	assert_failure 74
	[ "$stderr" = "tl-velocity: write error on /dev/full: No space left on device" ]
	[ -c /dev/full ]
	run --separate-stderr sh -c "tl-velocity ${ASOF[*]} '$TESTDATA/worked/worked.csv' > /dev/full"
	assert_failure 74
	[ "$stderr" = "tl-velocity: write error on standard output: No space left on device" ]
}

@test "RD016: conventions: --help, --version, usage errors, missing file" {
	run --separate-stderr tl-velocity --help
	assert_success
	assert_line --index 0 --partial 'usage: tl-velocity'
	run --separate-stderr tl-velocity --version
	assert_success
	assert_output --regexp '^tl-velocity [0-9]+\.[0-9]+\.[0-9]+$'
	run --separate-stderr tl-velocity --bogus
	assert_failure 64
	[[ "$stderr" == *"Try 'tl-velocity --help' for more information."* ]]
	run --separate-stderr tl-velocity --period 0 "$TESTDATA/worked/worked.csv"
	assert_failure 64
	[[ "$stderr" == "tl-velocity: --period: must be greater than zero: '0'"* ]]
	run --separate-stderr tl-velocity --period 7x "$TESTDATA/worked/worked.csv"
	assert_failure 64
	run --separate-stderr tl-velocity --as-of yesterday "$TESTDATA/worked/worked.csv"
	assert_failure 64
	run --separate-stderr tl-velocity -o xml "$TESTDATA/worked/worked.csv"
	assert_failure 64
	run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/missing.csv"
	assert_failure 66
	[ "$stderr" = "tl-velocity: $BATS_TEST_TMPDIR/missing.csv: No such file or directory" ]
}

@test "RD017: as-of: --as-of beats TL_AS_OF beats the record's as_of" {
	tl-velocity --as-of 2025-01-29 "$TESTDATA/worked/worked.csv" > "$BATS_TEST_TMPDIR/d.ndjson"
	run --separate-stderr tl-velocity -o csv "$BATS_TEST_TMPDIR/d.ndjson"
	assert_line --index 1 --regexp ',2025-01-29T00:00:00Z$'
	TL_AS_OF=2025-01-15 run --separate-stderr tl-velocity -o csv "$BATS_TEST_TMPDIR/d.ndjson"
	assert_line --index 1 --regexp '^L1,4,2,3,14,.*,2025-01-15T00:00:00Z$'
	TL_AS_OF=2025-01-15 run --separate-stderr tl-velocity --as-of 2025-01-22 -o csv "$BATS_TEST_TMPDIR/d.ndjson"
	assert_line --index 1 --regexp ',2025-01-22T00:00:00Z$'
	TL_AS_OF=garbage run --separate-stderr tl-velocity "$BATS_TEST_TMPDIR/d.ndjson"
	assert_failure 64
	[ "${stderr%%$'\n'*}" = "tl-velocity: TL_AS_OF is not a valid time: 'garbage'" ]
	# --as-of overrides it; a tool that reads no records ignores it
	TL_AS_OF=garbage run --separate-stderr tl-velocity --as-of 2025-01-22 "$BATS_TEST_TMPDIR/d.ndjson"
	assert_success
	TL_AS_OF=garbage run --separate-stderr tl-loadgen --learners 1
	assert_success
}

@test "RD018: several files are read in order; a learner may continue across files" {
	head -3 "$TESTDATA/worked/worked.csv" > "$BATS_TEST_TMPDIR/a.csv"
	{ head -1 "$TESTDATA/worked/worked.csv"; tail -n +4 "$TESTDATA/worked/worked.csv"; } > "$BATS_TEST_TMPDIR/b.csv"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/a.csv" - < "$BATS_TEST_TMPDIR/b.csv"
	assert_success
	golden velocity/velocity-worked.out.csv
}

@test "RD019: -o csv refuses to drop an attribute the header lacks" {
	printf '{"learner_id":"L1","events":[]}\n{"learner_id":"L2","events":[],"extra":1}\n' > "$BATS_TEST_TMPDIR/d.ndjson"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv "$BATS_TEST_TMPDIR/d.ndjson"
	assert_failure 65
	[[ "$stderr" == *":2: learner 'L2' has the field 'extra', which the CSV header (set by the first learner) lacks; use -o ndjson" ]]
}

@test "RD020: an empty input gives no document, or rows of the header line alone, and exit 0" {
	run --separate-stderr tl-velocity "${ASOF[@]}" < /dev/null
	assert_success
	[ "$output" = "" ]
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv < /dev/null
	assert_success
	[ "$output" = "learner_id,interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of" ]
	printf 'learner_id,ts\n' | tl-velocity "${ASOF[@]}"
}

@test "RD021: --map reads canonical fields from other column names" {
	sed '1s/.*/user,time,area,cap,verb/' "$TESTDATA/worked/worked.csv" > "$BATS_TEST_TMPDIR/m.csv"
	run --separate-stderr tl-velocity "${ASOF[@]}" -o csv --map learner_id=user,ts=time,capability=cap,action=verb --map domain=area "$BATS_TEST_TMPDIR/m.csv"
	assert_success
	golden velocity/velocity-worked.out.csv
	run --separate-stderr tl-velocity "${ASOF[@]}" --map user=learner_id "$BATS_TEST_TMPDIR/m.csv"
	assert_failure 64
	[ "${stderr%%$'\n'*}" = "tl-velocity: --map: 'user' is not one of learner_id, ts, domain, capability, action" ]
	run --separate-stderr tl-velocity "${ASOF[@]}" "$BATS_TEST_TMPDIR/m.csv"
	assert_failure 65
	[[ "$stderr" == *":1: no 'learner_id' column in the header" ]]
}

@test "RD022: --progress writes a progress line only when stderr is a terminal" {
	tl-loadgen --learners 2000 --seed 5 > "$BATS_TEST_TMPDIR/g.csv"
	run --separate-stderr tl-velocity --as-of 2025-10-01 --progress -o csv "$BATS_TEST_TMPDIR/g.csv"
	assert_success
	[ -z "$stderr" ]
	# under a pseudo-terminal (script(1)) the progress line appears
	run script -qec "tl-velocity --as-of 2025-10-01 --progress -o csv '$BATS_TEST_TMPDIR/g.csv' > /dev/null" /dev/null
	assert_success
	assert_output --regexp 'tl-velocity: 2000 learners, [0-9]+ records/s'
}

@test "RD023: JSON values: escapes, numbers for ts and learner_id, null, unknown keys" {
	printf '%s\n' '{"learner_id":7,"ts":1735689600,"capability":"al\u0067ebra","domain":null,"x":{"y":[1]}}' \
		'{"learner_id":7,"ts":"2025-01-02T00:00:00Z","capability":"algebra","action":"use"}' \
		'{"learner_id":7,"ts":1735862400.5,"capability":"\ud83d\ude00 \"q\"","act\u0069on":"interact"}' > "$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-04 -o csv "$BATS_TEST_TMPDIR/e.ndjson"
	assert_success
	# 3 interactions; algebra (escaped in the first row) adopted once; the
	# third row's escaped key "action" makes it an interaction
	assert_line --index 1 --regexp '^7,"\{""y"":\[1\]\}",3,1,'
	run --separate-stderr tl-velocity --as-of 2025-01-04 "$BATS_TEST_TMPDIR/e.ndjson"
	assert_output --partial '"events":[{"ts":1735689600,"capability":"algebra"},{"ts":"2025-01-02T00:00:00Z","capability":"algebra","action":"use"},{"ts":1735862400.5,"capability":"😀 \"q\"","action":"interact"}]'
	printf '{"learner_id":"L1","ts":"2025-01-01","capability":"bad \\x"}\n' > "$BATS_TEST_TMPDIR/b.ndjson"
	run --separate-stderr tl-velocity --as-of 2025-01-04 "$BATS_TEST_TMPDIR/b.ndjson"
	assert_failure 65
	[[ "$stderr" == *":1: bad JSON value: "* ]]
}

@test "RD024: documents in tl's own compact form (the fast event path) and in any other JSON form read the same" {
	tl-loadgen --learners 300 --seed 3 | tl-velocity --as-of 2025-07-01 >"$BATS_TEST_TMPDIR/tl.ndjson"
	# the same documents re-serialised: spaces, keys sorted, escapes in strings
	python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    s = json.dumps(d, sort_keys=True, separators=(", ", ": "))
    print(s.replace("language", "l\\u0061nguage").replace("-1\"", "\\u002d1\""))
' <"$BATS_TEST_TMPDIR/tl.ndjson" >"$BATS_TEST_TMPDIR/other.ndjson"
	grep -q 'l\\u0061nguage\\u002d1"' "$BATS_TEST_TMPDIR/other.ndjson"
	run ! grep -q '"ts":"' "$BATS_TEST_TMPDIR/other.ndjson"
	for tool in tl-velocity tl-affinity tl-retention; do
		$tool --as-of 2025-07-01 -o csv "$BATS_TEST_TMPDIR/tl.ndjson" >"$BATS_TEST_TMPDIR/a.csv"
		$tool --as-of 2025-07-01 -o csv "$BATS_TEST_TMPDIR/other.ndjson" >"$BATS_TEST_TMPDIR/b.csv"
		# the same rows, column for column by name (the key order differs)
		python3 -c '
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
b = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == 300 and a == b, "rows differ"
' "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
	done
}

@test "RD025: names that share their first or last 8 bytes are told apart (9, 16 and 17 bytes), from rows and documents" {
	{
		echo learner_id,ts,domain,capability,action
		local i=1 n
		for n in abcdefgh1 abcdefgh2 aaaaaaaaXbbbbbbbb aaaaaaaaYbbbbbbbb abcdefghijklmnop abcdefghijklmnoq \
			abcdefgh2 aaaaaaaaYbbbbbbbb abcdefghijklmnoq abcdefghijklmnoq; do
			printf 'L,2025-01-%02d,%s,%s,use\n' $((i++)) "$n" "$n"
		done
	} >"$BATS_TEST_TMPDIR/names.csv"
	# 6 distinct names with counts 1 2 1 2 1 3: H = 2.44644 bits, top share 0.3
	local want="domains=6 top_domain=abcdefghijklmnoq top_domain_share=0.3 domain_entropy=2.44644"
	run csvf "tl-affinity --as-of 2025-02-01 -o csv '$BATS_TEST_TMPDIR/names.csv'" domains top_domain top_domain_share domain_entropy
	assert_output "$want"
	run csvf "tl-velocity --as-of 2025-02-01 '$BATS_TEST_TMPDIR/names.csv' | tl-affinity -o csv" domains top_domain top_domain_share domain_entropy
	assert_output "$want"
	# capabilities: 6 adopted, 4 reused
	run csvf "tl-velocity --as-of 2025-02-01 '$BATS_TEST_TMPDIR/names.csv' | tl-retention -o csv" capabilities reuses
	assert_output "capabilities=6 reuses=4"
}
