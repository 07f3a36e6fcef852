#!/usr/bin/env bats
# fitmerge.bats - the stats files of --emit-stats FILE and --merge (tl(7)
# STATS FILES) of tl-retention --fit, tl-affinity --transfer-pairs and
# tl-score --summary and --calibrate: shards of the learners, fitted apart
# and merged, give the single run's output byte for byte at N = 1, 2, 3 and
# 7 shards, shards without learners among them, in any order of the files
# and through a merge of merges; synthetic shards (tl-loadgen --shard) and
# the real KDD Cup 2015 log split by a hash of the id; and the refusals,
# each "FILE:LINE: what", exit 65. Nothing here depends on which learner
# lands in which shard: every check compares with the unsharded run.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr

load test_helper
bats_require_minimum_version 1.5.0

SHARDS=(1 2 3 7)

setup() {
	cd "$BATS_TEST_TMPDIR" || return
}

# split_ids FILE N PREFIX: PREFIX0.csv .. PREFIX(N-1).csv, the header of the
# grouped event CSV FILE and, in each, the learners whose id (the first
# column) hashes to it; a learner's rows stay together and in order.
split_ids() {
	awk -F, -v n="$2" -v p="$3" '
		BEGIN { for (i = 0; i < 256; i++) ord[sprintf("%c", i)] = i }
		NR == 1 { for (i = 0; i < n; i++) print > (p i ".csv"); next }
		$1 != last {
			h = 7
			for (i = 1; i <= length($1); i++)
				h = (h * 131 + ord[substr($1, i, 1)]) % 1000003
			s = h % n; last = $1
		}
		{ print > (p s ".csv") }' "$1"
}

# learners FILE: how many learners a grouped event CSV holds.
learners() {
	awk -F, 'NR > 1 && $1 != last { n++; last = $1 } END { print n + 0 }' "$1"
}

# same A B: A and B are the same bytes (a diff on failure).
same() {
	cmp "$1" "$2" || { diff -u "$1" "$2" | head -20 >&2; return 1; }
}

# ---- tl-retention --fit ---------------------------------------------------

RET=(--fit --as-of 2025-11-01 --churn-gap 14d)

# ret_shards N SEED LEARNERS: tl-loadgen's N shards fitted apart, stats in
# rN-I.st; prints the files, one a line.
ret_shards() {
	local i
	for ((i = 0; i < $1; i++)); do
		tl-loadgen --learners "$3" --seed "$2" --shard "$i/$1" >"ev$1-$i.csv"
		tl-retention "${RET[@]}" --emit-stats "r$1-$i.st" "ev$1-$i.csv" >/dev/null
		echo "r$1-$i.st"
	done
}

@test "FM001: tl-retention --fit --merge of N = 1, 2, 3, 7 shards is the single run's model, curves and stats" {
	tl-loadgen --learners 400 --seed 5 >all.csv
	tl-retention "${RET[@]}" --curves c.csv --emit-stats s.st all.csv >m.csv
	[ "$(wc -l <m.csv)" -gt 50 ]
	grep -q ',[1-9][0-9]*,[1-9][0-9]*,[0-9.]*,' m.csv   # some stopped, some censored, a half-life
	for n in "${SHARDS[@]}"; do
		mapfile -t st < <(ret_shards "$n" 5 400)
		tl-retention "${RET[@]}" --merge --curves "c$n.csv" --emit-stats "s$n.st" "${st[@]}" >"m$n.csv"
		same m.csv "m$n.csv"
		same c.csv "c$n.csv"
		same s.st "s$n.st"
		# any order of the files; --output
		mapfile -t rev < <(printf '%s\n' "${st[@]}" | tac)
		tl-retention "${RET[@]}" --merge --output "o$n.csv" "${rev[@]}"
		same m.csv "o$n.csv"
	done
	# a merge of merges: (0, 1) then 2 of the three shards
	tl-retention "${RET[@]}" --merge --emit-stats r01.st r3-0.st r3-1.st >/dev/null
	tl-retention "${RET[@]}" --merge r01.st r3-2.st >m3b.csv
	same m.csv m3b.csv
	# standard input
	tl-retention "${RET[@]}" --merge <s.st >mi.csv
	same m.csv mi.csv
}

@test "FM002: tl-retention --merge with shards of no learners: 3 learners in 7 shards, and nothing at all" {
	tl-loadgen --learners 3 --seed 2 >all.csv
	tl-retention "${RET[@]}" --curves c.csv all.csv >m.csv
	mapfile -t st < <(ret_shards 7 2 3)
	local empty=0 f
	for f in "${st[@]}"; do
		[ "$(sed -n 5,\$p "$f" | wc -l)" -gt 0 ] || empty=$((empty + 1))
	done
	[ "$empty" -ge 4 ]
	tl-retention "${RET[@]}" --merge --curves c7.csv "${st[@]}" >m7.csv
	same m.csv m7.csv
	same c.csv c7.csv
	# only empty shards: the fit of no learner
	head -1 all.csv >none.csv
	tl-retention "${RET[@]}" --curves cn.csv --emit-stats none.st none.csv >mn.csv
	[ "$(wc -l <none.st)" -eq 4 ]
	tl-retention "${RET[@]}" --merge --curves cn2.csv none.st none.st >mn2.csv
	same mn.csv mn2.csv
	same cn.csv cn2.csv
}

@test "FM003: tl-retention --merge on the real KDD Cup 2015 log (12 courses), split by a hash of the id" {
	local kdd=$REALDATA/kddcup2015_xuetangx
	import-kddcup2015.sh "$kdd/truth_train.csv" "$kdd"/trainCourse*.csv >kdd.csv 2>/dev/null
	[ "$(learners kdd.csv)" -gt 15000 ]
	local K=(--fit --count-field count --as-of-field course_as_of --churn-gap 7d)
	tl-retention "${K[@]}" --curves c.csv kdd.csv >m.csv
	grep -q '^\*,' m.csv
	for n in "${SHARDS[@]}"; do
		split_ids kdd.csv "$n" "k$n-"
		local st=() i
		for ((i = 0; i < n; i++)); do
			tl-retention "${K[@]}" --emit-stats "k$n-$i.st" "k$n-$i.csv" >/dev/null
			st+=("k$n-$i.st")
		done
		tl-retention "${K[@]}" --merge --curves "c$n.csv" "${st[@]}" >"m$n.csv"
		same m.csv "m$n.csv"
		same c.csv "c$n.csv"
	done
	# each learner's own as-of: the parameter is empty
	grep -qx 'param,as_of,' k1-0.st
}

@test "FM004: tl-retention --merge refuses stats of other options, of another tool, and bad files (FILE:LINE, exit 65)" {
	tl-loadgen --learners 20 --seed 3 | tl-retention "${RET[@]}" --emit-stats s.st >/dev/null
	run --separate-stderr tl-retention --fit --merge --as-of 2025-11-01 s.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: s.st:2: churn_gap is '1209600s' in these statistics, '2592000s' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-retention --fit --merge --churn-gap 14d s.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: s.st:3: as_of is '2025-11-01T00:00:00Z' in these statistics, '' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-retention "${RET[@]}" --merge s.st --output out.csv
	assert_success
	# another tool's statistics; tl-abtest's; empty; another version
	sed '1s/.*/tl-stats,tl-affinity,1/' s.st >a.st
	run --separate-stderr tl-retention "${RET[@]}" --merge s.st a.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: a.st:1: not a tl-retention --emit-stats file (the first record is not 'tl-stats,tl-retention,1')"
	tl-loadgen --learners 20 --arm-split 1:1 --outcome -o learners | tl-abtest --metric roi --emit-stats >ab.st
	run --separate-stderr tl-retention "${RET[@]}" --merge ab.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: ab.st:1: not a tl-retention --emit-stats file (the first record is not 'tl-stats,tl-retention,1')"
	: >empty.st
	run --separate-stderr tl-retention "${RET[@]}" --merge empty.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: empty.st:0: empty file"
	sed '1s/,1$/,2/' s.st >v.st
	run --separate-stderr tl-retention "${RET[@]}" --merge v.st
	assert_equal "$stderr" "tl-retention: v.st:1: format version '2' of tl-retention's stats, this tl-retention reads version 1"
	# bad rows: a count, a negative duration, no observation, fields, kind, '*'
	local row=$(($(wc -l <s.st)))
	local cases=(
		"s/,\([0-9]*\),\([0-9]*\)\$/,x,\2/|$row: bad stopped: 'x' (a count, 0 to 2^53)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,1.5,\2/|$row: bad stopped: '1.5' (a count, 0 to 2^53)"
		"s/,\([0-9]*\),\([0-9]*\),\([0-9]*\)\$/,-\1,\2,\3/|$row: bad duration_us: '-[0-9]*' (microseconds, in digits)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,0,0/|$row: a row of no observation (stopped and censored are 0)"
		"s/\$/,1/|$row: duration row: 6 fields, not 5"
		"s/^duration,[^,]*,/duration,*,/|$row: bad capability '\*' (not empty, not '\*')"
		"s/^duration,/dur,/|$row: unknown row 'dur' (a duration row)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,9007199254740993,\2/|$row: bad stopped: '9007199254740993' (a count, 0 to 2^53)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,9007199254740992,1/|$row: more than 2^53 observations"
	)
	local c
	for c in "${cases[@]}"; do
		sed "${row}${c%%|*}" s.st >bad.st
		run --separate-stderr tl-retention "${RET[@]}" --merge bad.st
		assert_failure 65
		[[ $stderr == "tl-retention: bad.st:"${c#*|} ]] || { echo "$c: $stderr" >&2; return 1; }
	done
	# the parameters: one missing, one more, another block's other value
	sed '3d' s.st >p.st
	run --separate-stderr tl-retention "${RET[@]}" --merge p.st
	assert_equal "$stderr" "tl-retention: p.st:1: expected the parameter as_of, found none"
	{ head -3 s.st; echo "param,extra,1"; tail -n +4 s.st; } >p4.st
	run --separate-stderr tl-retention "${RET[@]}" --merge p4.st
	assert_equal "$stderr" "tl-retention: p4.st:4: an unexpected parameter extra (of another version of tl-retention?)"
	# files joined with cat are blocks: they merge as the files, and each
	# block must have the first's parameters
	local i
	for i in 0 1; do
		tl-loadgen --learners 20 --seed 3 --shard "$i/2" | tl-retention "${RET[@]}" --emit-stats "h$i.st" >/dev/null
	done
	cat h0.st h1.st >two.st
	tl-retention "${RET[@]}" --merge two.st >m2.csv
	tl-retention "${RET[@]}" --merge h0.st h1.st >m2b.csv
	same m2.csv m2b.csv
	{ cat s.st; sed '2s/1209600/1/' s.st; } >cat.st
	run --separate-stderr tl-retention "${RET[@]}" --merge cat.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: cat.st:$((row + 2)): parameter churn_gap is '1s', but '1209600s' in cat.st:2: the statistics were computed with other options"
	# nothing is written when a merge fails
	run tl-retention "${RET[@]}" --merge --output o.csv --curves oc.csv s.st bad.st
	assert_failure 65
	[ ! -e o.csv ]
	[ ! -e oc.csv ]
}

@test "FM005: tl-retention --emit-stats and --merge need --fit; stdin is read once" {
	run --separate-stderr tl-retention --emit-stats s.st "$TESTDATA/worked/worked.csv"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-retention: --emit-stats needs --fit"
	run --separate-stderr tl-retention --merge s.st
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-retention: --merge needs --fit"
	tl-retention --fit --as-of 2025-02-01 --emit-stats s.st "$TESTDATA/worked/worked.csv" >/dev/null
	run --separate-stderr tl-retention --fit --as-of 2025-02-01 --merge - - <s.st
	assert_failure 64
	# the stats file may not be an input or another output
	run --separate-stderr tl-retention --fit --emit-stats "$TESTDATA/worked/worked.csv" "$TESTDATA/worked/worked.csv"
	assert_failure 64
}

# ---- tl-affinity --transfer-pairs -------------------------------------------

AFF=(--as-of 2025-11-01)

@test "FM010: tl-affinity --merge of N = 1, 2, 3, 7 shards is the single run's --transfer-pairs table and stats" {
	tl-loadgen --learners 500 --seed 4 >all.csv
	tl-affinity "${AFF[@]}" --transfer-pairs p.csv --emit-stats s.st all.csv >/dev/null
	[ "$(wc -l <p.csv)" -gt 40 ]
	local n i
	for n in "${SHARDS[@]}"; do
		local st=()
		for ((i = 0; i < n; i++)); do
			tl-loadgen --learners 500 --seed 4 --shard "$i/$n" | tl-affinity "${AFF[@]}" --emit-stats "a$n-$i.st" >/dev/null
			st+=("a$n-$i.st")
		done
		tl-affinity "${AFF[@]}" --merge --transfer-pairs "p$n.csv" --emit-stats "s$n.st" "${st[@]}"
		same p.csv "p$n.csv"
		same s.st "s$n.st"
		mapfile -t rev < <(printf '%s\n' "${st[@]}" | tac)
		tl-affinity "${AFF[@]}" --merge --transfer-pairs "r$n.csv" "${rev[@]}"
		same p.csv "r$n.csv"
	done
	# a merge of merges, and --emit-stats alone (records still written)
	tl-affinity "${AFF[@]}" --merge --emit-stats m01.st a3-0.st a3-1.st
	tl-affinity "${AFF[@]}" --merge --transfer-pairs pm.csv m01.st a3-2.st
	same p.csv pm.csv
	tl-affinity "${AFF[@]}" all.csv >rec1.ndjson
	tl-affinity "${AFF[@]}" --emit-stats s2.st all.csv >rec2.ndjson
	same rec1.ndjson rec2.ndjson
	same s.st s2.st
}

@test "FM011: tl-affinity --merge with shards of no learners, and on the real KDD Cup 2015 log split by id" {
	tl-loadgen --learners 3 --seed 9 >all.csv
	tl-affinity "${AFF[@]}" --transfer-pairs p.csv all.csv >/dev/null
	local st=() i empty=0
	for ((i = 0; i < 7; i++)); do
		tl-loadgen --learners 3 --seed 9 --shard "$i/7" | tl-affinity "${AFF[@]}" --emit-stats "e$i.st" >/dev/null
		[ "$(wc -l <"e$i.st")" -gt 3 ] || empty=$((empty + 1))
		st+=("e$i.st")
	done
	[ "$empty" -ge 4 ]
	tl-affinity "${AFF[@]}" --merge --transfer-pairs p7.csv "${st[@]}"
	same p.csv p7.csv
	# the real log: domains are its event types
	local kdd=$REALDATA/kddcup2015_xuetangx K=(--count-field count --as-of-field course_as_of)
	import-kddcup2015.sh "$kdd/truth_train.csv" "$kdd"/trainCourse*.csv >kdd.csv 2>/dev/null
	tl-affinity "${K[@]}" --transfer-pairs kp.csv kdd.csv >/dev/null
	[ "$(wc -l <kp.csv)" -gt 20 ]
	local n
	for n in "${SHARDS[@]}"; do
		split_ids kdd.csv "$n" "k$n-"
		st=()
		for ((i = 0; i < n; i++)); do
			tl-affinity "${K[@]}" --emit-stats "k$n-$i.st" "k$n-$i.csv" >/dev/null
			st+=("k$n-$i.st")
		done
		tl-affinity "${K[@]}" --merge --transfer-pairs "kp$n.csv" "${st[@]}"
		same kp.csv "kp$n.csv"
	done
}

@test "FM012: tl-affinity --merge refuses another as-of, a full table, more pairs than a table holds, bad rows" {
	tl-loadgen --learners 30 --seed 4 | tl-affinity "${AFF[@]}" --emit-stats s.st >/dev/null
	run --separate-stderr tl-affinity --merge --transfer-pairs p.csv s.st
	assert_failure 65
	assert_equal "$stderr" "tl-affinity: s.st:2: as_of is '2025-11-01T00:00:00Z' in these statistics, '' in this merge: stats merge only with the options they were written with"
	[ ! -e p.csv ]
	run --separate-stderr tl-affinity --merge s.st
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-affinity: --merge writes the table of --transfer-pairs FILE (or its --emit-stats FILE)"
	# a shard with 400 domains has 159,600 pairs: its table is full
	awk 'BEGIN { print "learner_id,ts,domain,capability"; for (i = 0; i < 400; i++) printf "L1,2025-01-01,d%03d,c%d\n", i, i }' >d400.csv
	tl-affinity "${AFF[@]}" --emit-stats full.st d400.csv >/dev/null
	tail -1 full.st | grep -q '^other,1,'
	run --separate-stderr tl-affinity "${AFF[@]}" --merge --transfer-pairs p.csv full.st s.st
	assert_failure 65
	assert_equal "$stderr" "tl-affinity: full.st:$(wc -l <full.st): this shard's table was full (100000 pairs): which pairs a full table keeps depends on the order of all the learners, so no merge gives the single run's"
	# two shards of 60,000 pairs each, none full, are more than a table holds
	head -2 s.st >h.st
	for k in 1 2; do
		{ cat h.st; awk -v k="$k" 'BEGIN { for (i = 0; i < 60000; i++) printf "pair,x%d,y%d-%d,1,1\n", i, k, i }'; } >"big$k.st"
	done
	run --separate-stderr tl-affinity "${AFF[@]}" --merge --transfer-pairs p.csv big1.st big2.st
	assert_failure 65
	assert_equal "$stderr" "tl-affinity: big2.st:40003: more than 100000 distinct pairs: which a full table keeps depends on the order of all the learners, so no merge gives the single run's"
	local cases=(
		"pair,a,a,1,1|3: not a pair of --transfer-pairs (two domains, learners >= 1, sum_products >= learners)"
		"pair,a,b,2,1|3: not a pair of --transfer-pairs (two domains, learners >= 1, sum_products >= learners)"
		"pair,,b,1,1|3: an empty domain (from)"
		"pair,a,b,1,1.5|3: bad sum_products: '1.5' (a count, 0 to 2^53)"
		"pairs,a,b,1,1|3: unknown row 'pairs' (pair or other)"
		"pair,a,b,1|3: pair row: 4 fields, not 5"
	)
	local c
	for c in "${cases[@]}"; do
		{ cat h.st; echo "${c%%|*}"; } >bad.st
		run --separate-stderr tl-affinity "${AFF[@]}" --merge --transfer-pairs p.csv bad.st
		assert_failure 65
		assert_equal "$stderr" "tl-affinity: bad.st:${c#*|}"
	done
}

# ---- tl-score --summary and --calibrate -------------------------------------

# score_rows SHARD SEED LEARNERS: learner rows of a tl-loadgen shard
# ("" for all) through tl-velocity, tl-affinity and tl-retention.
score_rows() {
	tl-loadgen --learners "$3" --seed "$2" --outcome ${1:+--shard "$1"} |
		tl-velocity --as-of 2025-11-01 | tl-affinity | tl-retention -o csv
}

CAN=(--canary 30 --treatment v1 --salt 5)

@test "FM020: tl-score --merge of N = 1, 2, 3, 7 shards is the single run's --summary (and with --canary) and stats" {
	score_rows "" 8 600 >rows.csv
	tl-score --summary --emit-stats s.st rows.csv >/dev/null 2>sum.txt
	tl-score "${CAN[@]}" --summary-file csum.txt --emit-stats cs.st rows.csv >/dev/null
	grep -q '^tl-score summary: arm treatment (30%), config v1$' csum.txt
	local n i
	for n in "${SHARDS[@]}"; do
		local st=() cst=()
		for ((i = 0; i < n; i++)); do
			score_rows "$i/$n" 8 600 >"r$n-$i.csv"
			tl-score --emit-stats "s$n-$i.st" "r$n-$i.csv" >/dev/null
			tl-score "${CAN[@]}" --emit-stats "c$n-$i.st" "r$n-$i.csv" >/dev/null
			st+=("s$n-$i.st") cst+=("c$n-$i.st")
		done
		run --separate-stderr tl-score --merge --summary --emit-stats "m$n.st" "${st[@]}"
		assert_success
		[ -z "$output" ]
		diff -u sum.txt <(printf '%s\n' "$stderr")
		same s.st "m$n.st"
		tl-score --merge "${CAN[@]}" --summary-file "cm$n.txt" --emit-stats "cm$n.st" "${cst[@]}"
		same csum.txt "cm$n.txt"
		same cs.st "cm$n.st"
	done
	# a merge of merges
	tl-score --merge --emit-stats m01.st s3-0.st s3-1.st
	tl-score --merge --summary-file mm.txt m01.st s3-2.st
	diff -u sum.txt mm.txt
	# 3 learners in 7 shards: most are empty
	score_rows "" 8 3 >three.csv
	tl-score "${CAN[@]}" --summary-file t.txt three.csv >/dev/null
	local empty=0
	st=()
	for ((i = 0; i < 7; i++)); do
		score_rows "$i/7" 8 3 >"e$i.csv"
		[ "$(wc -l <"e$i.csv")" -gt 1 ] || empty=$((empty + 1))
		tl-score "${CAN[@]}" --emit-stats "e$i.st" "e$i.csv" >/dev/null
		st+=("e$i.st")
	done
	[ "$empty" -ge 4 ]
	tl-score --merge "${CAN[@]}" --summary-file t7.txt "${st[@]}"
	same t.txt t7.txt
}

@test "FM021: tl-score --calibrate --merge of N = 1, 2, 3, 7 shards (empty ones among them) is the single run's config" {
	score_rows "" 6 500 | tl-score -o csv >scored.csv
	run --separate-stderr tl-score --calibrate --outcome roi --emit-stats s.st scored.csv
	assert_success
	local want=$output want_err=$stderr n i
	for n in "${SHARDS[@]}"; do
		local st=()
		for ((i = 0; i < n; i++)); do
			score_rows "$i/$n" 6 500 | tl-score -o csv | tl-score --calibrate --outcome roi --emit-stats "k$n-$i.st" >/dev/null 2>&1
			st+=("k$n-$i.st")
		done
		run --separate-stderr tl-score --calibrate --merge --outcome roi --emit-stats "m$n.st" "${st[@]}"
		assert_success
		assert_equal "$output" "$want"
		assert_equal "$stderr" "$want_err"
		same s.st "m$n.st"
	done
	# 2 learners in 7 shards: empty shards, archetypes without outcomes (their warnings)
	score_rows "" 6 2 | tl-score -o csv >two.csv
	run --separate-stderr tl-score --calibrate --outcome roi two.csv
	want=$output want_err=$stderr
	[[ $want_err == *"has no outcomes: its multiplier is unchanged"* ]]
	local st=() empty=0
	for ((i = 0; i < 7; i++)); do
		score_rows "$i/7" 6 2 | tl-score -o csv | tl-score --calibrate --outcome roi --emit-stats "t$i.st" >/dev/null 2>&1
		grep -q '^outcome,[^,]*,[1-9]' "t$i.st" || empty=$((empty + 1))
		st+=("t$i.st")
	done
	[ "$empty" -ge 5 ]
	run --separate-stderr tl-score --calibrate --merge --outcome roi "${st[@]}"
	assert_equal "$output" "$want"
	assert_equal "$stderr" "$want_err"
	# learners with an empty outcome are counted through the merge: every
	# fifth roi emptied, the rows dealt into 3 files
	python3 - scored.csv <<-'PY'
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="")))
	out = [csv.DictWriter(open("g%d.csv" % i, "w", newline=""), fieldnames=list(rows[0])) for i in range(3)]
	for w in out:
	    w.writeheader()
	for i, r in enumerate(rows):
	    if i % 5 == 0:
	        r["roi"] = ""
	    out[i % 3].writerow(r)
	PY
	run --separate-stderr tl-score --calibrate --outcome roi g0.csv g1.csv g2.csv
	assert_success
	want=$output want_err=$stderr
	[[ $want_err == "tl-score: skipped 100 learner(s) with an empty roi" ]]
	for i in 0 1 2; do
		tl-score --calibrate --outcome roi --emit-stats "g$i.st" "g$i.csv" >/dev/null 2>&1
	done
	run --separate-stderr tl-score --calibrate --merge --outcome roi g2.st g0.st g1.st
	assert_equal "$output" "$want"
	assert_equal "$stderr" "$want_err"
}

# bats test_tags=heavy
@test "FM022: tl-score --merge on the real KDD Cup 2015 log: --summary and --calibrate --outcome dropout" {
	local kdd=$REALDATA/kddcup2015_xuetangx
	import-kddcup2015.sh "$kdd/truth_train.csv" "$kdd"/trainCourse*.csv >kdd.csv 2>/dev/null
	kdd_rows() {
		tl-velocity --count-field count --as-of-field course_as_of "$1" | tl-affinity --domains 7 |
			tl-retention | tl-score -o csv
	}
	kdd_rows kdd.csv >rows.csv
	tl-score --config v2 --summary-file sum.txt rows.csv >/dev/null
	run --separate-stderr tl-score --calibrate --outcome dropout rows.csv
	assert_success
	local want=$output n i
	for n in "${SHARDS[@]}"; do
		split_ids kdd.csv "$n" "k$n-"
		local st=() cst=()
		for ((i = 0; i < n; i++)); do
			kdd_rows "k$n-$i.csv" >"r$n-$i.csv"
			tl-score --emit-stats "s$n-$i.st" "r$n-$i.csv" >/dev/null
			tl-score --calibrate --outcome dropout --emit-stats "c$n-$i.st" "r$n-$i.csv" >/dev/null
			st+=("s$n-$i.st") cst+=("c$n-$i.st")
		done
		tl-score --merge --summary-file "sum$n.txt" "${st[@]}"
		same sum.txt "sum$n.txt"
		run --separate-stderr tl-score --calibrate --merge --outcome dropout "${cst[@]}"
		assert_equal "$output" "$want"
	done
}

@test "FM023: tl-score --merge refuses another config, canary, salt, outcome or kind, and bad rows" {
	score_rows "" 3 40 >rows.csv
	tl-score --emit-stats s.st rows.csv >/dev/null
	tl-score "${CAN[@]}" --emit-stats c.st rows.csv >/dev/null
	tl-score rows.csv | tl-score --calibrate --outcome roi --emit-stats k.st >/dev/null 2>&1
	local v2 v1
	v2=$(sed -n 's/^param,config,//p' s.st)
	[[ $v2 == v2:[0-9a-f]* ]]
	run --separate-stderr tl-score --merge --summary --config v1 s.st
	assert_failure 65
	tl-score --config v1 --emit-stats s1.st rows.csv >/dev/null
	v1=$(sed -n 's/^param,config,//p' s1.st)
	assert_equal "$stderr" "tl-score: s.st:3: config is '$v2' in these statistics, '$v1' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-score --merge --summary c.st
	assert_failure 65
	assert_equal "$stderr" "tl-score: c.st:4: treatment is '$v1' in these statistics, '' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-score --merge --summary --canary 31 --treatment v1 --salt 5 c.st
	assert_equal "$stderr" "tl-score: c.st:5: canary is '30' in these statistics, '31' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-score --merge --summary --canary 30 --treatment v1 c.st
	assert_equal "$stderr" "tl-score: c.st:6: salt is '5' in these statistics, '0' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-score --calibrate --merge --outcome roi s.st
	assert_failure 65
	assert_equal "$stderr" "tl-score: s.st:2: stats is 'summary' in these statistics, 'calibration' in this merge: stats merge only with the options they were written with"
	run --separate-stderr tl-score --calibrate --merge --outcome gain k.st
	assert_equal "$stderr" "tl-score: k.st:4: outcome is 'roi' in these statistics, 'gain' in this merge: stats merge only with the options they were written with"
	# a summary row: an arm without a canary, an archetype of no config,
	# scored > learners, a bad sum, an unknown kind
	grep -q '^archetype,control,' <(sed -n 8p s.st)
	local cases=(
		"s/^archetype,control,/archetype,treatment,/|bad arm 'treatment' (control: there is no canary)"
		"s/^archetype,control,[^,]*,/archetype,control,wizard,/|archetype 'wizard' is not one of the configs'"
		"s/^\(archetype,control,[^,]*\),[0-9]*,[0-9]*,/\1,1,2,/|scored 2 is more than the 1 learners"
		"s/,[^,]*\$/,1 x/|bad multiplier_sum: '1 x' (an exact sum: finite numbers apart by single spaces)"
		"s/,[^,]*\$/,1e999/|bad multiplier_sum: '1e999' (an exact sum: finite numbers apart by single spaces)"
		"s/^archetype,/arch,/|unknown row 'arch' (an archetype row)"
		"s/\$/,1/|archetype row: 8 fields, not 7"
	)
	local c
	for c in "${cases[@]}"; do
		sed "8${c%%|*}" s.st >bad.st
		run --separate-stderr tl-score --merge --summary bad.st
		assert_failure 65
		assert_equal "$stderr" "tl-score: bad.st:8: ${c#*|}"
	done
	sed 's/^outcome,[^,]*,/outcome,wizard,/' k.st >bad.st
	run --separate-stderr tl-score --calibrate --merge --outcome roi bad.st
	assert_failure 65
	assert_equal "$stderr" "tl-score: bad.st:6: archetype 'wizard' is not the config's"
	run --separate-stderr tl-score --merge rows.csv
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "tl-score: --merge needs --summary, --calibrate or --emit-stats: it writes no records"
}

@test "FM024: tl-score --summary-file and --emit-stats through a link to /proc/self/fd/1 write the pipe, not over the link" {
	# before: opened after the records' output was closed, the link led
	# nowhere and was replaced by a new file (so was /dev/stdout, as root)
	score_rows "" 3 20 >rows.csv
	ln -s /proc/self/fd/1 out
	tl-score --summary-file out rows.csv | tail -1 | grep -q '^portfolio average multiplier: '
	[ -L out ]
	tl-score --emit-stats out rows.csv | grep -q '^tl-stats,tl-score,1$'
	[ -L out ]
}

@test "FM030: each tool's own --shard I/N over one input: the shards' stats merge to the single run (N = 1, 2, 3, 7)" {
	tl-loadgen --learners 300 --seed 12 --outcome >ev.csv
	score_rows "" 12 300 >rows.csv
	tl-score -o csv rows.csv >scored.csv
	tl-retention "${RET[@]}" --curves c.csv ev.csv >m.csv
	tl-affinity "${AFF[@]}" --transfer-pairs p.csv ev.csv >/dev/null
	tl-score "${CAN[@]}" --summary-file s.txt rows.csv >/dev/null
	tl-score --calibrate --outcome roi scored.csv >cal.json 2>/dev/null
	local n i
	for n in "${SHARDS[@]}"; do
		local r=() a=() s=() k=()
		for ((i = 0; i < n; i++)); do
			tl-retention "${RET[@]}" --shard "$i/$n" --emit-stats "r$i.st" ev.csv >/dev/null
			tl-affinity "${AFF[@]}" --shard "$i/$n" --emit-stats "a$i.st" ev.csv >/dev/null
			tl-score "${CAN[@]}" --shard "$i/$n" --emit-stats "s$i.st" rows.csv >/dev/null
			tl-score --calibrate --outcome roi --shard "$i/$n" --emit-stats "k$i.st" scored.csv >/dev/null 2>&1
			r+=("r$i.st") a+=("a$i.st") s+=("s$i.st") k+=("k$i.st")
		done
		tl-retention "${RET[@]}" --merge --curves "c$n.csv" "${r[@]}" >"m$n.csv"
		same m.csv "m$n.csv"
		same c.csv "c$n.csv"
		tl-affinity "${AFF[@]}" --merge --transfer-pairs "p$n.csv" "${a[@]}"
		same p.csv "p$n.csv"
		tl-score "${CAN[@]}" --merge --summary-file "s$n.txt" "${s[@]}"
		same s.txt "s$n.txt"
		tl-score --calibrate --merge --outcome roi "${k[@]}" >"cal$n.json" 2>/dev/null
		same cal.json "cal$n.json"
	done
}

# ---- a shard given twice -----------------------------------------------------

# twice TOOL A B C OPTION...: A and B are two shards' stats, C a file of
# B's learners written by another run; merged with TOOL OPTION... --merge,
# A given twice, C with B, or A's block twice in one file is exit 65 at the
# learner_ids record, and nothing is written; A with B merges.
twice() {
	local tool=$1 one=$2 two=$3 dup=$4 la lb
	shift 4
	la=$(grep -n '^learner_ids,[1-9]' "$one" | cut -d: -f1)
	lb=$(grep -n '^learner_ids,[1-9]' "$two" | cut -d: -f1)
	[ -n "$la" ] && [ -n "$lb" ]
	run --separate-stderr "$tool" "$@" --merge --emit-stats m.st "$one" "$two" "$one"
	assert_failure 65
	assert_equal "$stderr" "$tool: $one:$la: the same learners as $one:$la: a shard given twice"
	[ ! -e m.st ]
	run --separate-stderr "$tool" "$@" --merge --emit-stats m.st "$one" "$two" "$dup"
	assert_failure 65
	assert_equal "$stderr" "$tool: $dup:$lb: the same learners as $two:$lb: a shard given twice"
	[ ! -e m.st ]
	cat "$one" "$one" >cat.st
	run --separate-stderr "$tool" "$@" --merge --emit-stats m.st cat.st
	assert_failure 65
	assert_equal "$stderr" "$tool: cat.st:$(($(wc -l <"$one") + la)): the same learners as cat.st:$la: a shard given twice"
	[ ! -e m.st ]
	"$tool" "$@" --merge --emit-stats m.st "$one" "$two" >/dev/null 2>&1
	[ -s m.st ]
	rm m.st
}

@test "FM040: a shard's stats given twice, or two files of the same learners, are exit 65 in every merge; empty shards are not alike" {
	tl-loadgen --learners 60 --seed 13 --outcome >ev.csv
	score_rows "" 13 60 >rows.csv
	tl-score -o csv rows.csv >scored.csv
	local i
	for i in 0 1 2; do   # shard 1 is run again (i = 2): another file of its learners
		tl-retention "${RET[@]}" --shard "$((i ? 1 : 0))/2" --emit-stats "r$i.st" ev.csv >/dev/null
		tl-affinity "${AFF[@]}" --shard "$((i ? 1 : 0))/2" --emit-stats "a$i.st" ev.csv >/dev/null
		tl-score --shard "$((i ? 1 : 0))/2" --emit-stats "s$i.st" rows.csv >/dev/null
		tl-score --calibrate --outcome roi --shard "$((i ? 1 : 0))/2" --emit-stats "k$i.st" scored.csv >/dev/null 2>&1
	done
	mv r2.st rc.st && mv a2.st ac.st && mv s2.st sc.st && mv k2.st kc.st
	twice tl-retention r0.st r1.st rc.st "${RET[@]}"
	twice tl-affinity a0.st a1.st ac.st "${AFF[@]}"
	twice tl-score s0.st s1.st sc.st
	twice tl-score k0.st k1.st kc.st --calibrate --outcome roi
	# the record: the learners of the run, their sum in a merge's stats
	sed -n 's/^learner_ids,\([0-9]*\),.*/\1/p' r0.st r1.st | awk '{ s += $1 } END { exit s != 60 }'
	tl-retention "${RET[@]}" --emit-stats r.st ev.csv >/dev/null
	tl-retention "${RET[@]}" --merge --emit-stats m.st r1.st r0.st >/dev/null
	same r.st m.st
	grep -qx 'learner_ids,60,[0-9a-f]\{16\}' m.st
	# empty shards (count 0) are all alike, and merge: 2 learners in 7 shards
	for i in 0 1 2 3 4 5 6; do
		tl-loadgen --learners 2 --seed 13 --shard "$i/7" | tl-retention "${RET[@]}" --emit-stats "e$i.st" >/dev/null
	done
	[ "$(grep -c '^learner_ids,0,0000000000000000$' e[0-6].st | grep -c ':1$')" -ge 5 ]
	tl-retention "${RET[@]}" --merge e[0-6].st >/dev/null
	# a file of before (no learner_ids record) is not checked
	sed '/^learner_ids,/d' r0.st >old.st
	tl-retention "${RET[@]}" --merge old.st old.st >/dev/null
	# a damaged record
	sed 's/^learner_ids,\([0-9]*\),.*/learner_ids,\1,xyz/' r0.st >bad.st
	run --separate-stderr tl-retention "${RET[@]}" --merge bad.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: bad.st:4: bad learners' fingerprint: 'xyz' (16 hex digits)"
}
