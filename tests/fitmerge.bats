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
	# another tool's statistics; tl-abtest's; not a stats file; empty
	sed '1s/.*/tl_stats,1,tl-affinity,pairs/' s.st >a.st
	run --separate-stderr tl-retention "${RET[@]}" --merge s.st a.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: a.st:1: the statistics of tl-affinity (pairs), not of tl-retention (km)"
	tl-loadgen --learners 20 --arm-split 1:1 --outcome -o learners | tl-abtest --metric roi --emit-stats >ab.st
	run --separate-stderr tl-retention "${RET[@]}" --merge ab.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: ab.st:1: not a stats file of --emit-stats (it starts 'by', not 'tl_stats')"
	: >empty.st
	run --separate-stderr tl-retention "${RET[@]}" --merge empty.st
	assert_failure 65
	assert_equal "$stderr" "tl-retention: empty.st:1: the file ends before its first line (a stats file of --emit-stats?)"
	sed '1s/,1,/,2,/' s.st >v.st
	run --separate-stderr tl-retention "${RET[@]}" --merge v.st
	assert_equal "$stderr" "tl-retention: v.st:1: stats format version '2': this tl reads version 1"
	# bad rows: a count, a negative duration, no observation, fields, header, '*'
	local row=$(($(wc -l <s.st)))
	local cases=(
		"s/,\([0-9]*\),\([0-9]*\)\$/,x,\2/|$row: bad stopped 'x' (want a count)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,1.5,\2/|$row: bad stopped '1.5' (want a count)"
		"s/,\([0-9]*\),\([0-9]*\),\([0-9]*\)\$/,-\1,\2,\3/|$row: bad duration_us -[0-9]* (a duration is not negative)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,0,0/|$row: a row of no observation (stopped and censored are 0)"
		"s/\$/,1/|$row: 5 fields, the header has 4"
		"s/^[^,]*,/*,/|$row: bad capability '\*' (not empty, not '\*', no NUL)"
		"s/,\([0-9]*\),\([0-9]*\)\$/,9007199254740993,\2/|$row: bad stopped '9007199254740993' (want a count)"
	)
	local c
	for c in "${cases[@]}"; do
		sed "${row}${c%%|*}" s.st >bad.st
		run --separate-stderr tl-retention "${RET[@]}" --merge bad.st
		assert_failure 65
		[[ $stderr == "tl-retention: bad.st:"${c#*|} ]] || { echo "$c: $stderr" >&2; return 1; }
	done
	sed '4s/duration_us/days/' s.st >h.st
	run --separate-stderr tl-retention "${RET[@]}" --merge h.st
	assert_equal "$stderr" "tl-retention: h.st:4: column 2 is 'days', expected 'duration_us'"
	sed '3d' s.st >p.st
	run --separate-stderr tl-retention "${RET[@]}" --merge p.st
	assert_equal "$stderr" "tl-retention: p.st:3: expected the parameter as_of (param,as_of,VALUE), found 'capability'"
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
