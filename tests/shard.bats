#!/usr/bin/env bats
# shard.bats - --shard I/N (tl(7) SHARDS): the hash against the reference
# testdata/ref/shard.py (written from the definition, not from the C code),
# tl-loadgen's shards, every tool that reads records, every input shape,
# the accounting of skipped learners, bad input and bad I/N.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	PYTHON=/usr/bin/python3   # a tenth of the start-up of a pyenv shim
	REF=$TESTDATA/ref/shard.py
	ASOF=(--as-of 2025-10-01)
}

# keep I N [COLUMN] < CSV: the header and the rows whose learner_id (CSV,
# the column named COLUMN, default learner_id) is in shard I of N by the
# reference. keep_json I N < NDJSON: the lines whose learner_id is (a JSON
# string decoded, a number as its text).
keep() {
	"$PYTHON" -c '
import csv, sys
sys.path.insert(0, sys.argv[4])
from shard import shard_hash
i, n, col = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = csv.reader(sys.stdin)
w = csv.writer(sys.stdout, lineterminator="\n")
head = next(r)
w.writerow(head)
k = head.index(col)
for row in r:
    if shard_hash(row[k].encode()) % n == i:
        w.writerow(row)
' "$1" "$2" "${3:-learner_id}" "$TESTDATA/ref"
}

keep_json() {
	"$PYTHON" -c '
import json, re, sys
sys.path.insert(0, sys.argv[3])
from shard import shard_hash
i, n = int(sys.argv[1]), int(sys.argv[2])
for line in sys.stdin.buffer:
    d = json.loads(line)
    v = d["learner_id"]
    if isinstance(v, str):
        ident = v.encode()
    else:   # a number: the text it is written as
        ident = re.search(rb"\"learner_id\":\s*([-0-9.eE+]+)", line).group(1)
    if shard_hash(ident) % n == i:
        sys.stdout.buffer.write(line)
' "$1" "$2" "$TESTDATA/ref"
}

# stat NAME < STATS: the number after NAME in a --stats line.
stat() {
	grep -oE "$1 [0-9]+" | head -n 1 | grep -oE '[0-9]+$'
}

@test "SH001: tl(7)'s test vectors are the reference's" {
	# the page's table: .It Li ID Ta Li HASH Ta SHARD, \[uXXXX] as the character
	sed -n '/^\.Sh SHARDS/,/^\.Sh /p' "$TL_ROOT/man/tl.7" | grep -E '^\.It Li .* Ta Li ' |
		"$PYTHON" -c '
import re, sys
for line in sys.stdin:
    f = line.split()
    ident = re.sub(r"\\\[u([0-9A-F]{4})\]", lambda m: chr(int(m.group(1), 16)), f[2])
    print(ident, f[5], f[7])' > page.txt
	"$PYTHON" "$REF" --vectors > ref.txt
	[ "$(wc -l < ref.txt)" -eq 7 ]
	diff ref.txt page.txt
	# the reference itself, on the FNV-1a-64 vectors of its authors (no mix):
	# "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8
	run "$PYTHON" -c '
import sys
sys.path.insert(0, sys.argv[1])
from shard import fnv1a64, mix64
print(" ".join("%016x" % fnv1a64(s) for s in (b"", b"a", b"foobar")), "%016x" % mix64(0))' "$TESTDATA/ref"
	assert_output "cbf29ce484222325 af63dc4c8601ec8c 85944171f73967e8 0000000000000000"
}

@test "SH002: the learners kept are the reference's, whatever the id's bytes" {
	# ids: tl-loadgen's, quoted with a comma and a quote, UTF-8, digits
	"$PYTHON" -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["learner_id", "ts", "capability"])
ids = ["L%07d" % k for k in range(1, 200)] + ["a,b", "say \"hi\"", "\u0141ucja", "\u65e5\u672c", "40", "-7", "x y"]
for k, i in enumerate(ids):
    for d in (1, 2):
        w.writerow([i, "2025-01-0%d" % d, "c%d" % (k % 5)])' > ids.csv
	tail -n +2 ids.csv | "$PYTHON" -c '
import csv, sys
seen = []
for row in csv.reader(sys.stdin):
    if row[0] not in seen:
        seen.append(row[0])
sys.stdout.write("".join(s + "\n" for s in seen))' > ids.txt
	"$PYTHON" "$REF" 7 < ids.txt > ref.txt
	for i in 0 1 2 3 4 5 6; do
		tl-velocity "${ASOF[@]}" --shard $i/7 ids.csv |
			"$PYTHON" -c 'import json, sys; [print(json.loads(l)["learner_id"]) for l in sys.stdin]' > got$i
		awk -v i=$i '$2 == i { sub(/^[^ ]+ [^ ]+ /, ""); print }' ref.txt | diff - got$i
	done
	[ "$(cat got? | sort | uniq | wc -l)" -eq 206 ]
	# a JSON number is the text it is written as: 40 is "40", 4e1 is not
	printf '{"learner_id":40,"ts":"2025-01-01"}\n{"learner_id":4e1,"ts":"2025-01-01"}\n' > num.ndjson
	s40=$(printf '40\n' | "$PYTHON" "$REF" 7 | cut -d' ' -f2)
	s4e1=$(printf '4e1\n' | "$PYTHON" "$REF" 7 | cut -d' ' -f2)
	[ "$s40" != "$s4e1" ]
	run tl-velocity "${ASOF[@]}" --shard "$s40/7" -o csv num.ndjson
	[ "$(cut -d, -f1 <<<"$output" | tail -n +2)" = 40 ]
	run tl-velocity "${ASOF[@]}" --shard "$s4e1/7" -o csv num.ndjson
	[ "$(cut -d, -f1 <<<"$output" | tail -n +2)" = 4e1 ]
}

@test "SH003: tl-loadgen --shard I/N | tl-velocity is tl-loadgen | tl-velocity --shard I/N" {
	tl-loadgen --learners 700 --seed 4 > all.csv
	tl-loadgen --learners 700 --seed 4 -o learners > all.ndjson
	for n in 1 2 3 7; do
		for ((i = 0; i < n; i++)); do
			tl-loadgen --learners 700 --seed 4 --shard $i/$n | tl-velocity "${ASOF[@]}" > a
			tl-velocity "${ASOF[@]}" --shard $i/$n all.csv > b
			cmp a b
			[ -s a ]
			tl-loadgen --learners 700 --seed 4 --shard $i/$n -o learners | tl-velocity "${ASOF[@]}" -o csv > a
			tl-velocity "${ASOF[@]}" --shard $i/$n -o csv all.ndjson > b
			cmp a b
		done
	done
	# the union of the shards, sorted, is the whole (each learner its own stream)
	for i in 0 1 2; do tl-loadgen --learners 700 --seed 4 --shard $i/3 | tail -n +2; done | sort -t, -k1,1 -s |
		cmp - <(tail -n +2 all.csv)
	# shards with no learner: 3 learners in 7 shards leave at least 4 empty
	tl-loadgen --learners 3 | cut -d, -f1 | tail -n +2 | uniq | "$PYTHON" "$REF" 7 | cut -d' ' -f2 > used
	empty=0
	for i in 0 1 2 3 4 5 6; do
		tl-loadgen --learners 3 --shard $i/7 > part.csv
		tl-loadgen --learners 3 --shard $i/7 | tl-velocity "${ASOF[@]}" -o csv > a
		tl-loadgen --learners 3 | tl-velocity "${ASOF[@]}" -o csv --shard $i/7 > b
		cmp a b
		if ! grep -qx "$i" used; then
			empty=$((empty + 1))
			[ "$(wc -l < part.csv)" -eq 1 ]   # the header alone
			[ "$(wc -l < a)" -eq 1 ]
		fi
	done
	[ "$empty" -ge 4 ]
}

# run_time_masked FILE: FILE with the value after the RESP key exported_at
# (the time of the run) replaced by a fixed one.
run_time_masked() {
	awk '{ if (skip && --skip == 0) { print "<exported_at>"; next } } { print } /^exported_at\r?$/ { skip = 2 }' "$1" >"$1.masked"
	mv "$1.masked" "$1"
}

@test "SH004: every tool that reads records takes --shard: the same as its shard's records alone" {
	tl-loadgen --learners 600 --seed 8 --truth --arm-split 50:50 --outcome |
		tl-velocity "${ASOF[@]}" --label | tl-affinity | tl-retention --label | tl-score > all.ndjson
	tl-model --fit --target churned --features velocity,reuse_score,domain_entropy all.ndjson > model.json
	tools=(
		"tl-velocity --as-of 2025-10-01"
		"tl-affinity -o csv"
		"tl-retention -o csv"
		"tl-retention --fit"
		"tl-score -o csv --summary"
		"tl-abtest --metric roi --by archetype"
		"tl-eval --score churn_risk --label churned"
		"tl-eval --truth true_archetype --pred archetype -o json"
		"tl-model --fit --target churned --features velocity,reuse_score,domain_entropy"
		"tl-model --model model.json -o csv"
		"tl-export --redis"
	)
	for i in 0 1 2; do
		keep_json $i 3 < all.ndjson > part$i.ndjson
		[ -s part$i.ndjson ]
		for t in "${tools[@]}"; do
			# shellcheck disable=SC2086 # $t is a command line, split on purpose
			$t --shard $i/3 all.ndjson > a 2> ea || { echo "$t --shard: failed: $(cat ea)" >&2; return 1; }
			# shellcheck disable=SC2086
			$t part$i.ndjson > b
			if [[ $t == tl-export* ]]; then   # the run's exported_at is the clock's: two runs may straddle a second
				run_time_masked a
				run_time_masked b
			fi
			cmp a b || { echo "$t --shard $i/3 differs from its shard alone" >&2; diff a b | head >&2; return 1; }
		done
	done
}

@test "SH005: every record is accounted for: --stats and --metrics count the skipped" {
	tl-loadgen --learners 500 --seed 2 > all.csv
	tl-velocity "${ASOF[@]}" --stats all.csv 2> full.err > /dev/null
	read_all=$(stat 'records read' < full.err)
	learners=$(stat 'learners read' < full.err)
	used=0 future=0 written=0
	for i in 0 1 2 3; do
		tl-velocity "${ASOF[@]}" --stats --metrics m$i.prom --shard $i/4 all.csv 2> e$i > /dev/null
		# every shard reads the whole input
		[ "$(stat 'records read' < e$i)" = "$read_all" ]
		[ "$(stat 'learners read' < e$i)" = "$learners" ]
		grep -q -- "(--shard $i/4)$" e$i
		u=$(stat used < e$i) f=$(stat future < e$i) s=$(stat skipped < e$i) w=$(stat written < e$i)
		k=$(grep -oE 'written [0-9]+ \+ skipped [0-9]+' e$i | grep -oE '[0-9]+$')
		[ $((u + f + s)) -eq "$read_all" ]
		[ $((w + k)) -eq "$learners" ]
		used=$((used + u)) future=$((future + f)) written=$((written + w))
		grep -qx "tl_records_read{tool=\"tl-velocity\"} $read_all" m$i.prom
		grep -qx "tl_records_skipped{tool=\"tl-velocity\"} $s" m$i.prom
		grep -qx "tl_learners_skipped{tool=\"tl-velocity\"} $k" m$i.prom
		grep -qx "tl_learners_written{tool=\"tl-velocity\"} $w" m$i.prom
	done
	[ "$used" -eq "$(stat used < full.err)" ]
	[ "$future" -eq "$(stat future < full.err)" ]
	[ "$written" -eq "$learners" ]
	# without --shard: the line and the metrics are as before
	grep -qE '^tl-velocity: records read [0-9]+ = used [0-9]+ \+ future [0-9]+ \+ rejected 0; learners read [0-9]+, written [0-9]+$' full.err
	tl-velocity "${ASOF[@]}" --metrics m.prom all.csv > /dev/null
	run grep -c '^tl_[a-z_]*_skipped' m.prom
	assert_output 0
}

@test "SH006: every input shape and reading path keeps the same learners" {
	tl-loadgen --learners 400 --seed 6 > all.csv
	tl-loadgen --learners 400 --seed 6 -o ndjson > all.ndjson
	tl-loadgen --learners 400 --seed 6 -o learners > docs.ndjson
	keep 1 3 < all.csv > part.csv
	tl-velocity "${ASOF[@]}" -o csv part.csv > want
	tl-velocity "${ASOF[@]}" -o csv --stats all.csv 2> want.err > /dev/null
	check() {   # check ARGS...: tl-velocity ARGS --shard 1/3 gives want, counts as the full run's
		tl-velocity "${ASOF[@]}" -o csv --stats --shard 1/3 "$@" > got 2> got.err ||
			{ echo "$*: failed: $(cat got.err)" >&2; return 1; }
		cmp want got || { echo "$*: differs" >&2; return 1; }
		[ "$(stat 'records read' < got.err)" = "$(stat 'records read' < want.err)" ] ||
			{ echo "$*: $(cat got.err)" >&2; return 1; }
	}
	check all.csv
	TL_THREADS=1 check all.csv
	TL_CHUNK_BYTES=4096 check all.csv
	TL_CSV_SLOW=1 check all.csv
	check all.ndjson
	check docs.ndjson
	gzip -c all.csv > all.csv.gz && check all.csv.gz
	zstd -q -c all.ndjson > all.ndjson.zst && check all.ndjson.zst
	tr , '\t' < all.csv > all.tsv && check --tsv all.tsv
	tr , ';' < all.csv > all.ssv && check -d ';' all.ssv
	sed '1s/learner_id/user/' all.csv > user.csv && check --map learner_id=user user.csv
	sed 's/"learner_id":\("[^"]*"\)/"user":{"id":\1}/' all.ndjson > nested.ndjson && check --map learner_id=user.id nested.ndjson
	# every field quoted: each row read as a record, with the same result
	sed 's/\([^,]*\)/"\1"/g' all.csv > quoted.csv && check quoted.csv
	# two files, a learner continuing into the second
	head -n 1000 all.csv > one.csv
	{ head -n 1 all.csv; tail -n +1001 all.csv; } > two.csv
	check one.csv two.csv
	# ungrouped: shuffled rows, sorted in memory or spilled
	{ head -n 1 all.csv; tail -n +2 all.csv | shuf --random-source=all.csv; } > shuf.csv
	tl-velocity "${ASOF[@]}" -o csv --ungrouped part.csv | sort > want
	for mem in 256M 64K; do
		tl-velocity "${ASOF[@]}" -o csv --stats --ungrouped --memory $mem --shard 1/3 shuf.csv 2> got.err | sort > got
		cmp want got
		[ "$(stat 'records read' < got.err)" = "$(stat 'records read' < want.err)" ]
		[ "$(stat 'learners read' < got.err)" = "$(stat 'learners read' < want.err)" ]
	done
}

@test "SH007: xAPI statements shard by their actor" {
	f=$TESTDATA/xapi/mapping.ndjson
	tl-velocity --as-of 2025-02-01 -o csv "$f" | tail -n +2 | cut -d, -f1 > ids
	[ "$(wc -l < ids)" -ge 2 ]
	"$PYTHON" "$REF" 2 < ids > ref
	for i in 0 1; do
		tl-velocity --as-of 2025-02-01 -o csv --shard $i/2 "$f" | tail -n +2 | cut -d, -f1 > got
		awk -v i=$i '$2 == i { print $3 }' ref | diff - got
		# --ungrouped: the same learners, in the byte order of their ids
		LC_ALL=C sort got > got.sorted
		tl-velocity --as-of 2025-02-01 -o csv --shard $i/2 --ungrouped "$f" | tail -n +2 | cut -d, -f1 | diff - got.sorted
	done
}

@test "SH008: --count-field: a skipped row is its count's records, count 0 rows stand for none" {
	printf 'learner_id,ts,capability,n\n' > c.csv
	for k in 1 2 3 4 5 6 7 8 9; do
		printf 'L%d,2025-01-01,a,3\nL%d,2025-01-02,b,0\nL%d,2025-01-03,c,2\n' $k $k $k >> c.csv
		printf 'Z%d,2025-01-04,d,0\n' $k >> c.csv   # a learner of count 0 rows only: no learner
	done
	tl-velocity "${ASOF[@]}" --count-field n --stats -o csv c.csv > /dev/null 2> full.err
	grep -q 'records read 45 = used 45 + future 0 + rejected 0; learners read 9, written 9; rows read 36 = counted 18 + count 0 18 + rejected 0$' full.err
	for i in 0 1 2; do
		keep $i 3 < c.csv | grep -v '^Z' > part.csv
		tl-velocity "${ASOF[@]}" --count-field n -o csv part.csv > want
		tl-velocity "${ASOF[@]}" --count-field n -o csv --stats --shard $i/3 c.csv > got 2> e
		cmp want got
		[ "$(stat 'records read' < e)" = 45 ]
		[ "$(stat 'learners read' < e)" = 9 ]
		[ "$(stat 'rows read' < e)" = 36 ]
		grep -qE '; rows read 36 = counted [0-9]+ \+ count 0 18 \+ rejected 0 \+ skipped [0-9]+$' e
	done
}

@test "SH009: a bad --shard is a usage error (exit 64) in every tool" {
	tl-loadgen --learners 5 > a.csv
	for bad in 3/3 1 /3 1/ -1/3 +1/3 1/0 0/0 "1 /3" 1/3x 1.0/3 0x1/3 1/4294967296 99999999999999999999/2 ""; do
		for t in tl-velocity tl-affinity tl-retention tl-score tl-eval tl-model tl-export tl-abtest; do
			run --separate-stderr "$t" --shard "$bad" a.csv
			[ "$status" -eq 64 ] || { echo "$t --shard '$bad': status $status" >&2; return 1; }
			[[ ${stderr_lines[0]} == "$t: --shard wants I/N with 0 <= I < N <= 4294967295: '$bad'" ]] ||
				{ echo "$t: ${stderr_lines[0]}" >&2; return 1; }
			[ -z "$output" ]
		done
		run --separate-stderr tl-loadgen --shard "$bad"
		[ "$status" -eq 64 ]
	done
	run --separate-stderr tl-velocity --shard 4294967294/4294967295 "${ASOF[@]}" a.csv
	assert_success
	run --separate-stderr tl-abtest --merge --shard 0/2 a.csv
	assert_failure 64
	[[ $stderr == *"--shard selects the learners of the input, and --merge reads none"* ]]
}

@test "SH010: bad records: a skipped learner's are its shard's to report; what finds learners, every shard's" {
	# L0000001 is in shard 1 of 7, L0000002 in 3 (tl(7) SHARDS vectors)
	printf 'learner_id,ts,capability,action\nL0000001,2025-01-01,a,use\nL0000001,2025-01-02,b,Use\nL0000002,2025-01-01,a,use\n' > bad.csv
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 1/7 bad.csv
	assert_failure 65
	[[ $stderr == *"bad.csv:3: unknown action 'Use'"* ]]
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 3/7 --stats bad.csv
	assert_success
	[[ $stderr == *"records read 3 = used 1 + future 0 + rejected 0 + skipped 2; learners read 2 = written 1 + skipped 1 (--shard 3/7)"* ]]
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 1/7 --skip-bad --stats bad.csv
	assert_success
	[[ $stderr == *"records read 3 = used 1 + future 0 + rejected 1 + skipped 1;"* ]]
	# a learner's first row must read as a record in every shard
	printf 'learner_id,ts,capability,action\nL0000002,2025-01-01,a,use\nL0000001,2025-01-01\n' > short.csv
	for i in 1 3; do
		run --separate-stderr tl-velocity "${ASOF[@]}" --shard $i/7 short.csv
		assert_failure 65
		[[ $stderr == *"short.csv:3: expected 4 fields, found 2"* ]]
	done
	# the grouping of every shard's learners is checked
	printf 'learner_id,ts\nL0000001,2025-01-01\nL0000002,2025-01-01\nL0000001,2025-01-02\n' > regroup.csv
	for i in 0 1 3; do
		run --separate-stderr tl-velocity "${ASOF[@]}" --shard $i/7 regroup.csv
		assert_failure 65
		[[ $stderr == *"regroup.csv:4: learner 'L0000001' reappears after other learners (its rows began at line 2)"* ]]
	done
	# a failed upstream tool's last line ends the run while its learner is skipped too
	tl-loadgen --learners 50 > g.csv
	{ cat g.csv; printf '#tl-abort tl-velocity: boom\n'; } > cut.csv
	last=$(tail -n 1 g.csv | cut -d, -f1)
	s=$(printf '%s\n' "$last" | "$PYTHON" "$REF" 5 | cut -d' ' -f2)
	for i in 0 1 2 3 4; do
		run --separate-stderr tl-velocity "${ASOF[@]}" --shard $i/5 cut.csv
		assert_failure 65
		[[ $stderr == *"the input was cut short by a failure upstream: tl-velocity: boom"* ]]
	done
	[ -n "$s" ]
	# a row of a skipped learner with a quote is read as a record
	printf 'learner_id,ts\nL0000002,2025-01-01\nL0000002,"2025-01-02\n' > q.csv
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 1/7 q.csv
	assert_failure 65
}

@test "SH011: --max-rejects P% counts the shard's records, not the skipped" {
	# shard 1 of 7: L0000001 (4 rows, 1 bad); the others 30 rows in 3 (L0000002)
	{
		printf 'learner_id,ts,capability\n'
		printf 'L0000001,2025-01-0%d,a\n' 1 2 3
		printf 'L0000001,bad,a\n'
		for d in $(seq 10 39); do printf 'L0000002,2025-01-%02d,a\n' "$((d - 9))"; done
	} > r.csv
	# 1 of 4 shard records is 25%; of all 34 it would be 2.9%
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 1/7 --skip-bad --max-rejects 10% r.csv
	assert_failure 65
	[[ $stderr == *"1 of 4 records were rejected (25%), more than --max-rejects 10% allows"* ]]
	run --separate-stderr tl-velocity "${ASOF[@]}" --shard 1/7 --skip-bad --max-rejects 30% r.csv
	assert_success
}

@test "SH012: a skipped learner's line longer than --max-field is read as a record: as without --shard, on threads too" {
	# L0000002 is in shard 3 of 7, not 1
	{
		printf 'learner_id,ts,domain,capability,action\n'
		for k in $(seq 1 400); do printf 'L0000001,2025-01-01,d,c%d,use\n' "$k"; done
		for k in $(seq 1 400); do printf 'L0000002,2025-01-01,d,c%d,use\n' "$k"; done
		printf 'L0000002,2025-01-02,d,%0200d,use\n' 0
		for k in $(seq 1 400); do printf 'L0000002,2025-01-03,d,e%d,use\n' "$k"; done
	} > long.csv
	run --separate-stderr tl-velocity "${ASOF[@]}" --max-field 16 long.csv
	assert_failure 65
	want=$stderr
	[[ $want == *"long.csv:802: a line is longer than 175 bytes"* ]]
	for threads in 1 2; do
		TL_THREADS=$threads TL_CHUNK_BYTES=2048 run --separate-stderr tl-velocity "${ASOF[@]}" --max-field 16 --shard 1/7 long.csv
		assert_failure 65
		assert_equal "$stderr" "$want"
	done
	# a field over --max-field on a line within the line limit: bad in every shard
	sed '802s/.*/L0000002,2025-01-02,d,abcdefghijklmnopq,use/' long.csv > field.csv
	for threads in 1 2; do
		TL_THREADS=$threads TL_CHUNK_BYTES=2048 run --separate-stderr tl-velocity "${ASOF[@]}" --max-field 16 --shard 1/7 field.csv
		assert_failure 65
		[[ $stderr == *"field.csv:802: field 4 (capability) is longer than --max-field (16 bytes)"* ]]
	done
	# and without it, a skipped learner's rows are left out on threads as serially
	TL_CHUNK_BYTES=2048 TL_CHUNK_STATS=1 run --separate-stderr tl-velocity "${ASOF[@]}" --stats --shard 1/7 long.csv --max-field 300
	assert_success
	[[ $stderr == *"records read 1201 = used 400 + future 0 + rejected 0 + skipped 801;"* ]]
	[[ $stderr == *"chunks: "[1-9]*" from the workers, 0 read again"* ]]
}

@test "SH013: a skipped document's events are counted by the array's structure: strings with quotes, brackets and commas, nesting, blanks" {
	# every learner's events hold the awkward bytes; a record count that
	# missed one would differ from the whole run's
	"$PYTHON" -c '
import json
caps = ["a,b", "say \"hi\"", "[x]", "{y}", "back\\\\slash\\\\", "\\\\\"", "", "\u00e9,]"]
for k in range(1, 60):
    ev = [{"ts": "2025-01-%02d" % (1 + j % 28), "capability": caps[j % len(caps)], "extra": [1, {"n": [j, "]"]}]}
          for j in range(k % 7)]
    doc = {"learner_id": "L%d" % k, "events": ev, "note": "x, [y]"}
    sep = (", ", ": ") if k % 2 else (",", ":")
    print(json.dumps(doc, separators=sep))' > docs.ndjson
	tl-velocity "${ASOF[@]}" --stats docs.ndjson 2> full.err > full.ndjson
	n=$(stat 'records read' < full.err)
	[ "$n" -gt 100 ]
	for i in 0 1 2 3 4; do
		tl-velocity "${ASOF[@]}" --stats --shard $i/5 docs.ndjson 2> e > part
		[ "$(stat 'records read' < e)" = "$n" ] || { cat e >&2; return 1; }
		keep_json $i 5 < docs.ndjson | tl-velocity "${ASOF[@]}" | cmp - part
	done
	# tools that read no events count a document as one record, skipped or not
	tl-export --redis --stats --shard 1/5 full.ndjson 2>&1 > /dev/null | grep -q 'records read 59 = used [0-9]* + future 0 + rejected 0 + skipped [0-9]*; learners read 59 ='
}
