#!/usr/bin/env bats
# input.bats - files as they come (tl(7) "Compressed input", "Tab-separated
# input"): gzip and zstd, tab-separated and other delimiters, -o tsv, the
# header of an empty run, output mode names, and the messages that name
# the likely cause of input that is not what the tools read.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	printf '%s\n' learner_id,ts,domain,capability,action \
		a,2025-01-01T00:00:00Z,math,fractions,use \
		a,2025-01-03T00:00:00Z,math,fractions,interact \
		b,2025-01-02T00:00:00Z,art,colour,adopt > events.csv
}

V=(tl-velocity --as-of 2025-02-01T00:00:00Z -o csv)

@test "INP001: gzip and zstd input, in files and on stdin, reads as the plain file" {
	"${V[@]}" events.csv > want
	gzip -c events.csv > events.csv.gz
	zstd -q -c events.csv > events.zst
	for f in events.csv.gz events.zst; do
		run --separate-stderr "${V[@]}" "$f"
		assert_success
		diff -u want <(printf '%s\n' "$output")
		run --separate-stderr "${V[@]}" < "$f"
		assert_success
		diff -u want <(printf '%s\n' "$output")
	done
	# the magic decides, not the name
	cp events.csv.gz plain.csv
	run --separate-stderr "${V[@]}" plain.csv
	assert_success
	diff -u want <(printf '%s\n' "$output")
}

@test "INP002: concatenated gzip members and zstd frames read fully" {
	"${V[@]}" events.csv > want
	{ head -2 events.csv | gzip -c; tail -n +3 events.csv | gzip -c; } > two.gz
	{ head -2 events.csv | zstd -q -c; tail -n +3 events.csv | zstd -q -c; } > two.zst
	for f in two.gz two.zst; do
		run --separate-stderr "${V[@]}" "$f"
		assert_success
		diff -u want <(printf '%s\n' "$output")
		run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z --stats "$f"
		assert_success
		[[ "$stderr" == *"records read 3 = used 3 "* ]]
	done
}

@test "INP003: a truncated compressed file is a data error naming the file" {
	tl-loadgen --learners 200 > big.csv
	gzip -c big.csv | head -c 5000 > cut.gz
	zstd -q -c big.csv | head -c 5000 > cut.zst
	run --separate-stderr "${V[@]}" cut.gz
	assert_failure 65
	[ "$stderr" = "tl-velocity: cut.gz: truncated gzip data: the file ends inside a compressed member" ]
	run --separate-stderr "${V[@]}" cut.zst
	assert_failure 65
	[ "$stderr" = "tl-velocity: cut.zst: truncated zstd data: the file ends inside a frame" ]
	run --separate-stderr "${V[@]}" < cut.zst
	assert_failure 65
	[ "$stderr" = "tl-velocity: -: truncated zstd data: the file ends inside a frame" ]
	# cut inside the header, before any line
	gzip -c events.csv | head -c 5 > tiny.gz
	run --separate-stderr "${V[@]}" tiny.gz
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: tiny.gz: truncated gzip data: the file ends inside a compressed member"
}

@test "INP004: a flipped byte in compressed data is a data error, never a crash" {
	gzip -c events.csv > ok.gz
	zstd -q -c events.csv > ok.zst
	n=$(stat -c %s ok.gz)
	# the CRC at the end of the member: the data inflate, the check fails
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[2])] ^= 0xff; open(sys.argv[3], "wb").write(b)' ok.gz $((n - 6)) crc.gz
	run --separate-stderr "${V[@]}" crc.gz
	assert_failure 65
	[ "$stderr" = "tl-velocity: crc.gz: corrupt gzip data: incorrect data check" ]
	# no row is published: stdout ends with the cut-short mark (tl(7) PIPELINES)
	[ "$output" = "$(printf '\n#tl-abort %s' "$stderr")" ]
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[2])] ^= 0xff; open(sys.argv[3], "wb").write(b)' ok.zst 4 hdr.zst
	run --separate-stderr "${V[@]}" hdr.zst
	assert_failure 65
	[[ "$stderr" == "tl-velocity: hdr.zst: corrupt zstd data: "* ]]
	# every byte of both flipped in turn: exit 0 or 65, nothing else
	python3 - ok.gz ok.zst <<-'PY'
		import sys
		for name in sys.argv[1:]:
		    data = open(name, "rb").read()
		    for i in range(len(data)):
		        b = bytearray(data)
		        b[i] ^= 0x55
		        open("%s.flip%d" % (name, i), "wb").write(b)
	PY
	for f in ok.*.flip*; do
		run --separate-stderr "${V[@]}" "$f"
		[ "$status" -eq 0 ] || [ "$status" -eq 65 ] || { echo "$f: status $status: $stderr"; false; }
	done
}

@test "INP005: trailing bytes after the last gzip member are an error, not ignored" {
	{ gzip -c events.csv; printf 'junk'; } > trail.gz
	run --separate-stderr "${V[@]}" trail.gz
	assert_failure 65
	[ "$stderr" = "tl-velocity: trail.gz: corrupt gzip data: bytes after the last member are not gzip" ]
}

@test "INP006: a compressed file big enough to be split is read in order, not in ranges" {
	tl-loadgen --learners 400 --seed 3 > big.csv
	gzip -c big.csv > big.csv.gz
	zstd -q -c big.csv > big.zst
	local CH=(env TL_CHUNK_BYTES=16384 TL_CHUNK_STATS=1)
	run --separate-stderr "${CH[@]}" "${V[@]}" big.csv
	assert_success
	want=$output
	[[ "$stderr" == "tl-velocity: chunks: "* ]]   # the plain file is split
	for f in big.csv.gz big.zst; do
		run --separate-stderr "${CH[@]}" "${V[@]}" "$f"
		assert_success
		[ "$output" = "$want" ]
		[ -z "$stderr" ]   # no chunks: one reader, in order
	done
}

@test "INP007: real data: a gzipped KDD course reads as the plain file" {
	local src="$REALDATA/kddcup2015_xuetangx/trainCourse2796.csv"
	[ -r "$src" ]
	local args=(--as-of 2014-09-01 --map "learner_id=enrollment_id,ts=time")
	gzip -c "$src" > "$BATS_TEST_TMPDIR/course.csv.gz"
	zstd -q -c "$src" > "$BATS_TEST_TMPDIR/course.csv.zst"
	run --separate-stderr tl-velocity "${args[@]}" -o csv "$src"
	assert_success
	want=$output
	[ "${#lines[@]}" -gt 1000 ]
	run --separate-stderr tl-velocity "${args[@]}" -o csv "$BATS_TEST_TMPDIR/course.csv.gz"
	assert_success
	[ "$output" = "$want" ]
	run --separate-stderr tl-velocity "${args[@]}" -o csv "$BATS_TEST_TMPDIR/course.csv.zst"
	assert_success
	[ "$output" = "$want" ]
}

@test "INP008: a compressed file that inflates without bound is read in bounded memory" {
	local lim=""
	[ -n "${ASAN_OPTIONS:-}" ] || lim="ulimit -v 400000; "
	# 200 MB of one line, under 1 MB of gzip: stopped at the header's limit
	head -c 200000000 /dev/zero | tr '\0' a | gzip -1 > bomb.gz
	[ "$(stat -c %s bomb.gz)" -lt 1000000 ]
	run --separate-stderr bash -c "${lim}tl-velocity bomb.gz"
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: bomb.gz:1: a line is longer than 4194304 bytes (a CSV header: 64 x --max-field; not CSV?)"
	# 60 MB of short lines, 2M learners: read to the end
	{ echo learner_id,ts; seq 2000000 | sed 's/$/,2025-01-01T00:00:00Z/'; } | zstd -q -c > many.zst
	run --separate-stderr bash -c "${lim}tl-velocity --as-of 2025-02-01T00:00:00Z --stats -o csv many.zst > /dev/null"
	assert_success
	[[ "$stderr" == *"records read 2000000 = used 2000000 "* ]]
}

@test "INP009: documents and NDJSON events compressed, and plain and compressed files in one run" {
	tl-loadgen --learners 300 --seed 6 > big.csv
	tl-loadgen --learners 300 --seed 6 -o ndjson > big.ndjson
	"${V[@]}" big.csv > want
	tl-velocity --as-of 2025-02-01T00:00:00Z big.csv > docs.ndjson
	gzip -c big.ndjson > big.ndjson.gz
	zstd -q -c docs.ndjson > docs.ndjson.zst
	local CH=(env TL_CHUNK_BYTES=16384 TL_CHUNK_STATS=1)
	run --separate-stderr "${CH[@]}" "${V[@]}" docs.ndjson
	[[ "$stderr" == "tl-velocity: chunks: "* ]]   # plain documents go to the workers
	for f in big.ndjson.gz docs.ndjson.zst; do
		run --separate-stderr "${CH[@]}" "${V[@]}" "$f"
		assert_success
		diff -u want <(printf '%s\n' "$output")
		[ -z "$stderr" ]
	done
	head -3 events.csv > part1.csv
	{ head -1 events.csv; tail -n +4 events.csv; } | gzip -c > part2.gz
	"${V[@]}" events.csv > want
	run --separate-stderr "${V[@]}" part1.csv part2.gz
	assert_success
	diff -u want <(printf '%s\n' "$output")
}

@test "INP010: -o tsv writes the rows of -o csv, tab-separated, quotes as they are" {
	printf '%s\n' learner_id,ts,note a,2025-01-01T00:00:00Z,'"say ""hi"", then go"' > q.csv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z -o tsv q.csv
	assert_success
	[ "${lines[0]}" = "$(printf 'learner_id\tnote\tinteractions\tadoptions\tperiods\ttenure_days\tvelocity_simple\tvelocity\tvelocity_trend\tvelocity_next\tvelocity_momentum\tas_of')" ]
	[ "${lines[1]}" = "$(printf 'a\tsay "hi", then go\t1\t0\t5\t31\t0\t0\t0\t0\t0\t2025-02-01T00:00:00Z')" ]
	"${V[@]}" events.csv | tr , '\t' > want
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z -o tsv events.csv
	diff -u want <(printf '%s\n' "$output")
}

@test "INP011: -o tsv refuses a value with a tab or a line break (no escapes in TSV)" {
	printf '%s\n' learner_id,ts,note a,2025-01-01T00:00:00Z,"$(printf 'x\ty')" > tab.csv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z -o tsv tab.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: tab.csv:2: learner 'a': the value 'x?y' holds a tab or a line break, which -o tsv cannot write; use -o csv"
	printf '%s\n' learner_id,ts,note a,2025-01-01T00:00:00Z,'"two' 'lines"' > nl.csv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z -o tsv nl.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: nl.csv:2: learner 'a': the value 'two?lines' holds a tab or a line break, which -o tsv cannot write; use -o csv"
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z -o csv nl.csv
	assert_success
}

@test "INP012: every tool names its output mode with -o; the old spellings work; an unknown mode is a usage error" {
	tl-loadgen --learners 3 -f learners > f.out
	tl-loadgen --learners 3 --format learners > format.out
	tl-loadgen --learners 3 -o learners > o.out
	cmp f.out o.out
	cmp format.out o.out
	[[ "$(head -c 15 o.out)" == '{"learner_id":"' ]]
	run --separate-stderr tl-loadgen -o xml
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-loadgen: -o wants csv, ndjson or learners, not 'xml'"
	assert_equal "${stderr_lines[1]}" "Try 'tl-loadgen --help' for more information."
	printf 'learner_id,t,p\nL1,a,a\nL2,b,a\n' > cls.csv
	run --separate-stderr tl-eval --truth t --pred p -o json cls.csv
	assert_success
	want=$output
	run --separate-stderr tl-eval --truth t --pred p --format json cls.csv
	[ "$output" = "$want" ]
	[[ "$want" == "{"* ]]
	run --separate-stderr tl-eval --truth t --pred p -o csv cls.csv
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-eval: -o wants text, json or md, not 'csv'"
	printf 'learner_id,arm,y\nL1,control,1\nL2,treatment,0\nL3,control,0\nL4,treatment,1\n' > ab.csv
	run --separate-stderr tl-abtest --metric y -o md ab.csv
	want=$output
	run --separate-stderr tl-abtest --metric y --format md ab.csv
	[ "$output" = "$want" ]
	[[ "$want" == *"|"* ]]
	run --separate-stderr tl-abtest --metric y -o csv ab.csv
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-abtest: -o: 'csv' is not one of text|json|md"
	for t in tl-velocity tl-affinity tl-retention tl-score tl-model; do
		run --separate-stderr "$t" -o xml events.csv
		assert_failure 64
		assert_equal "${stderr_lines[0]}" "$t: -o wants csv, tsv or ndjson, not 'xml'"
	done
	run --separate-stderr tl-export -o csv events.csv
	assert_failure 64
	run --separate-stderr tl-report -o csv
	assert_failure 64
}

@test "INP020: rows of an empty or header-only input are the header line the tool would write" {
	local velo=interactions,adoptions,periods,tenure_days,velocity_simple,velocity,velocity_trend,velocity_next,velocity_momentum,as_of
	run --separate-stderr "${V[@]}" < /dev/null
	assert_success
	[ "$output" = "learner_id,$velo" ]
	run --separate-stderr tl-velocity -o tsv < /dev/null
	assert_success
	[ "$output" = "$(printf 'learner_id,%s' "$velo" | tr , '\t')" ]
	# a header-only event CSV: its attribute columns, then the tool's fields
	printf 'learner_id,ts,domain,cohort\n' > head.csv
	run --separate-stderr "${V[@]}" --label head.csv
	assert_success
	[ "$output" = "learner_id,cohort,${velo%,as_of},next_velocity_actual,next_active,next_velocity_active,as_of" ]
	# every row rejected: still the header
	printf 'learner_id,ts\nL1,yesterday\n' > bad.csv
	run --separate-stderr "${V[@]}" --skip-bad bad.csv
	assert_success
	[ "$output" = "learner_id,$velo" ]
	# documents: no line at all
	run --separate-stderr tl-velocity head.csv
	assert_success
	[ -z "$output" ]
	gzip -c head.csv > head.csv.gz
	run --separate-stderr tl-affinity -o csv --transfer-pairs pairs.csv head.csv.gz
	assert_success
	[ "$output" = "learner_id,cohort,domain_entropy,domain_concentration,top_domain,top_domain_share,domains,is_specialist,transfer_score,transfer_pair,as_of" ]
	run --separate-stderr tl-retention -o csv < /dev/null
	assert_success
	[ "$output" = "learner_id,capabilities,reuses,days_since_last,reuse_score,retention_strength,churn_risk,active_days,events_last_7d,events_prev_7d,events_last_3d,active_days_7d,active_days_14d,active_days_decayed,activity_trend,longest_gap_days,weekend_share,events_per_active_day,as_of" ]
	# learner rows: every column but learner_id
	printf 'learner_id,days_since_last,x\n' > rows.csv
	run --separate-stderr tl-score -o csv rows.csv
	assert_success
	[ "$output" = "learner_id,days_since_last,x,archetype,roi_multiplier,score,algo_version,archetype_reason" ]
	tl-model --fit --target dropout --features days_since_last --output m.json "$TESTDATA/model/model-churn.csv" 2>/dev/null
	run --separate-stderr tl-model --model m.json -o csv rows.csv
	assert_success
	[ "$output" = "learner_id,days_since_last,x,dropout_probability" ]
	run --separate-stderr tl-model --model m.json -o csv < /dev/null
	assert_success
	[ "$output" = "learner_id,dropout_probability" ]
}

@test "INP030: --tsv reads tab-separated events as the CSV; quotes are ordinary bytes" {
	"${V[@]}" events.csv > want
	tr , '\t' < events.csv > events.tsv
	run --separate-stderr "${V[@]}" --tsv events.tsv
	assert_success
	diff -u want <(printf '%s\n' "$output")
	# compressed TSV on stdin
	gzip -c events.tsv > events.tsv.gz
	run --separate-stderr "${V[@]}" --tsv < events.tsv.gz
	assert_success
	diff -u want <(printf '%s\n' "$output")
	printf 'learner_id\tts\tnote\nL1\t2025-01-01T00:00:00Z\t"say" "hi\n' > q.tsv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z --tsv q.tsv
	assert_success
	[[ "$output" == *',"note":"\"say\" \"hi",'* ]]
	# a CR inside a line is not read (a final CR is dropped, as in CSV)
	printf 'learner_id\tts\r\nL1\t2025-01-01\r\nL2\t2025\r01-01\n' > cr.tsv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z --tsv cr.tsv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: cr.tsv:3: bad CSV: a carriage return inside a tab-separated line: 'L2?2025?01-01'"
	# the wrong number of fields, as in CSV
	printf 'learner_id\tts\nL1\t2025-01-01\textra\n' > n.tsv
	run --separate-stderr tl-velocity --tsv n.tsv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: n.tsv:2: expected 2 fields, found 3"
}

@test "INP031: -d CHAR reads CSV with another separator, quoting as RFC 4180; bad -d is a usage error" {
	"${V[@]}" events.csv > want
	tr , ';' < events.csv > events.ssv
	run --separate-stderr "${V[@]}" -d ';' events.ssv
	assert_success
	diff -u want <(printf '%s\n' "$output")
	tr , '\t' < events.csv > events.tsv
	for d in '\t' tab "$(printf '\t')"; do
		run --separate-stderr "${V[@]}" -d "$d" events.tsv
		assert_success
		diff -u want <(printf '%s\n' "$output")
	done
	printf 'learner_id;ts;note\nL1;2025-01-01T00:00:00Z;"a;b ""c"""\n' > q.ssv
	for slow in 0 1; do
		run --separate-stderr env TL_CSV_SLOW=$slow tl-velocity --as-of 2025-02-01T00:00:00Z -d ';' q.ssv
		assert_success
		[[ "$output" == *',"note":"a;b \"c\"",'* ]]
	done
	for d in '' ';;' '"' "$(printf '\n')"; do
		run --separate-stderr tl-velocity -d "$d" events.csv
		assert_failure 64
		[[ "${stderr_lines[0]}" == "tl-velocity: -d wants one character (not a quote or a line break), \\t or tab: "* ]]
	done
}

@test "INP032: a tab-separated file big enough to be split reads in chunks as the CSV does" {
	tl-loadgen --learners 400 --seed 5 > big.csv
	! grep -q '"' big.csv || false
	tr , '\t' < big.csv > big.tsv
	tr , '|' < big.csv > big.psv
	local CH=(env TL_CHUNK_BYTES=16384 TL_CHUNK_STATS=1)
	run --separate-stderr "${CH[@]}" "${V[@]}" big.csv
	want=$output
	run --separate-stderr "${CH[@]}" "${V[@]}" --tsv big.tsv
	assert_success
	[ "$output" = "$want" ]
	[[ "$stderr" == "tl-velocity: chunks: "*" from the workers, 0 read again" ]]
	run --separate-stderr "${CH[@]}" "${V[@]}" -d '|' big.psv
	assert_success
	[ "$output" = "$want" ]
	[[ "$stderr" == "tl-velocity: chunks: "*" from the workers, 0 read again" ]]
}

@test "INP033: -o tsv output reads back with --tsv" {
	tl-velocity --as-of 2025-02-01T00:00:00Z events.csv > docs.ndjson
	tl-velocity --as-of 2025-02-01T00:00:00Z --decay-half-life 0 -o tsv docs.ndjson > rows.tsv
	local eval=(tl-eval --pred velocity --actual velocity_simple -o json)
	run --separate-stderr "${eval[@]}" --tsv rows.tsv
	assert_success
	want=$output
	[[ "$want" == *'"n":	2'* ]]
	tl-velocity --as-of 2025-02-01T00:00:00Z --decay-half-life 0 -o csv docs.ndjson > rows.csv
	run --separate-stderr "${eval[@]}" rows.csv
	[ "$output" = "$want" ]
}

@test "INP040: a tab-separated header read as CSV names the cause" {
	tr , '\t' < events.csv > events.tsv
	run --separate-stderr tl-velocity events.tsv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: events.tsv:1: no 'learner_id' column in the header: the header has tabs, not commas: try --tsv"
	gzip -c events.tsv > events.tsv.gz
	run --separate-stderr tl-velocity < events.tsv.gz
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -:1: no 'learner_id' column in the header: the header has tabs, not commas: try --tsv"
	tr , ';' < events.csv > events.ssv
	run --separate-stderr tl-velocity events.ssv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: events.ssv:1: no 'learner_id' column in the header: the header has semicolons, not commas: try -d ';'"
	run --separate-stderr tl-velocity --tsv events.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: events.csv:1: no 'learner_id' column in the header: the header has commas, not tabs: drop --tsv"
	# a header without learner_id and no other separator: no guess
	printf 'user,ts\n' > u.csv
	run --separate-stderr tl-velocity u.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: u.csv:1: no 'learner_id' column in the header"
}

@test "INP041: binary input names the likely cause, not a missing column" {
	printf 'PK\003\004\024\000\000\000' > sheet.xlsx
	run --separate-stderr tl-velocity sheet.xlsx
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: sheet.xlsx: a zip archive (a spreadsheet?), not text: extract the file first, or export CSV"
	xz -c events.csv > events.csv.xz
	run --separate-stderr tl-velocity events.csv.xz
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: events.csv.xz: xz-compressed data, which tl does not read: decompress it first (xz -dc; tl reads gzip and zstd)"
	bzip2 -c events.csv > events.csv.bz2
	run --separate-stderr tl-velocity < events.csv.bz2
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: -: bzip2-compressed data, which tl does not read: decompress it first (bzip2 -dc; tl reads gzip and zstd)"
	iconv -f UTF-8 -t UTF-16 events.csv > u16.csv
	run --separate-stderr tl-velocity u16.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: u16.csv: UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"
	printf 'learner_id,ts\000\001\002\nL1,2025-01-01\n' > nul.csv
	run --separate-stderr tl-velocity nul.csv
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: nul.csv: binary input, not text (a NUL byte at byte 14): tl reads CSV, TSV and NDJSON, plain, gzip or zstd"
	# binary without a line end for longer than a header may be
	python3 -c 'import sys; sys.stdout.buffer.write(b"x" * 100 + b"\0" + bytes(range(11, 256)) * 20000)' > blob
	run --separate-stderr tl-velocity blob
	assert_failure 65
	assert_equal "$stderr" "tl-velocity: blob: binary input, not text (a NUL byte at byte 101): tl reads CSV, TSV and NDJSON, plain, gzip or zstd"
	# a header that starts like bzip2 but is text is read as text
	printf 'BZh9,learner_id,ts\n1,L1,2025-01-01\n' > bzh.csv
	run --separate-stderr tl-velocity --as-of 2025-02-01T00:00:00Z bzh.csv
	assert_success
}
