#!/usr/bin/env bats
# tl-split.bats - tl-split(1): one input into N files by the shard of
# tl(7) SHARDS: the files hold the learners --shard keeps, their records
# byte for byte, in every input shape; all files or none; the counts.

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	PYTHON=/usr/bin/python3
	REF=$TESTDATA/ref/shard.py
	ASOF=(--as-of 2025-10-01)
}

# records FILE: its lines without the header (CSV: first line) and blank
# lines, sorted.
records() {
	case $1 in
	*.csv | *.tsv) tail -n +2 "$1" ;;
	*) cat "$1" ;;
	esac | grep -v '^$' | sort
}

@test "TS001: tl-velocity over each file is tl-velocity --shard I/N over the whole; together they are the whole" {
	tl-loadgen --learners 400 --seed 3 > all.csv
	tl-velocity "${ASOF[@]}" -o csv all.csv | tail -n +2 | sort > whole
	for n in 1 2 3 7; do
		rm -f part-*
		tl-split -n $n -o part all.csv
		: > union
		for ((i = 0; i < n; i++)); do
			tl-velocity "${ASOF[@]}" part-$i.csv | cmp - <(tl-velocity "${ASOF[@]}" --shard $i/$n all.csv)
			# the file is tl-loadgen's own shard, byte for byte
			tl-loadgen --learners 400 --seed 3 --shard $i/$n | cmp - part-$i.csv
			tl-velocity "${ASOF[@]}" -o csv part-$i.csv | tail -n +2 >> union
		done
		sort union | cmp - whole
		files=(part-*)
		[ "${#files[@]}" -eq "$n" ]
	done
	# a shard with no learner gets its file: the header alone
	tl-loadgen --learners 2 > two.csv
	tl-split -n 7 -o few two.csv
	files=(few-*.csv)
	[ "${#files[@]}" -eq 7 ]
	[ "$(cat few-*.csv | grep -c '^learner_id,')" -eq 7 ]
	[ "$(for f in few-*.csv; do wc -l < "$f"; done | grep -cx 1)" -ge 5 ]
}

@test "TS002: every shape: the records copied as read, each in its learner's shard" {
	tl-loadgen --learners 60 --seed 2 > ev.csv
	tl-loadgen --learners 60 --seed 2 -o ndjson > ev.ndjson
	tl-loadgen --learners 60 --seed 2 -o learners > docs.ndjson
	tl-velocity "${ASOF[@]}" -o csv ev.csv > rows.csv
	tr , '\t' < ev.csv > ev.tsv
	tr , ';' < ev.csv > ev.ssv
	# quoted fields, one spanning lines, CRLF line ends, a blank line
	printf 'learner_id,ts,note\r\n"L,1",2025-01-01,"two\r\nlines"\r\n\r\nL2,2025-01-02,"say ""hi"""\r\nL3,2025-01-03,plain\r\n' > q.csv
	jq -s . "$TESTDATA/xapi/mapping.ndjson" > x-array.json
	jq . "$TESTDATA/xapi/mapping.ndjson" > x-pretty.json
	jq -s '{statements: ., more: ""}' "$TESTDATA/xapi/mapping.ndjson" > x-page.json
	gzip -c ev.csv > ev.csv.gz
	zstd -q -c docs.ndjson > docs.ndjson.zst
	for f in ev.csv ev.ndjson docs.ndjson rows.csv ev.tsv ev.ssv q.csv ev.csv.gz docs.ndjson.zst \
		"$TESTDATA/xapi/mapping.ndjson" x-array.json x-pretty.json x-page.json; do
		opt=()
		case $f in *.tsv) opt=(--tsv) ;; *.ssv) opt=(-d ';') ;; esac
		rm -f s-*
		tl-split -n 3 -o 's-%d.out' "${opt[@]}" "$f"
		# every file reads back: the learners of its shard (an empty JSON file
		# has no shape: its rows have no xapi_* columns)
		for i in 0 1 2; do
			[ -s s-$i.out ] || continue
			case $f in
			rows.csv) continue ;;
			*.json | */mapping.ndjson) more=(--ungrouped) ;;
			*) more=() ;;
			esac
			tl-velocity "${ASOF[@]}" -o csv "${opt[@]}" "${more[@]}" s-$i.out > back ||
				{ echo "$f: s-$i.out does not read" >&2; return 1; }
			cmp back <(tl-velocity "${ASOF[@]}" -o csv "${opt[@]}" "${more[@]}" --shard $i/3 "$f") ||
				{ echo "$f: s-$i.out reads otherwise than --shard $i/3" >&2; return 1; }
		done
		case $f in
		*.json) # statements: one a line, each the input's statement
			[ "$(cat s-0.out s-1.out s-2.out | wc -l)" -eq 5 ]
			jq -c . s-0.out s-1.out s-2.out | sort > got
			jq -c 'if type == "array" then .[] elif has("statements") then .statements[] else . end' "$f" | sort |
				cmp - got
			;;
		*.gz) cat s-0.out s-1.out s-2.out | grep -v '^learner_id,' | sort | cmp - <(gzip -dc "$f" | tail -n +2 | sort) ;;
		*.zst) cat s-0.out s-1.out s-2.out | sort | cmp - <(zstd -dc "$f" | sort) ;;
		q.csv) # each record's bytes, CRLFs and the quoted line break too; no blank line
			for i in 0 1 2; do [ "$(head -n 1 s-$i.out)" = $'learner_id,ts,note\r' ]; done
			cat s-0.out s-1.out s-2.out > got
			[ "$(wc -l < got)" -eq 7 ]
			[ "$(grep -c $'^learner_id,ts,note\r$' got)" -eq 3 ]
			grep -A1 -x $'"L,1",2025-01-01,"two\r' got | tail -n 1 | grep -qx $'lines"\r'
			grep -qx $'L2,2025-01-02,"say ""hi"""\r' got
			grep -qx $'L3,2025-01-03,plain\r' got
			;;
		*)
			head -n 1 "$f" > h
			for i in 0 1 2; do
				case $f in *.csv | *.tsv | *.ssv) head -n 1 s-$i.out | cmp - h ;; esac
			done
			case $f in
			*.csv | *.tsv | *.ssv) cat s-0.out s-1.out s-2.out | grep -vxF -f h | sort | cmp - <(tail -n +2 "$f" | sort) ;;
			*) cat s-0.out s-1.out s-2.out | sort | cmp - <(sort "$f") ;;
			esac
			;;
		esac
	done
	# the shard of each record is the reference's
	for i in 0 1 2; do
		tl-split -n 3 -o 'r-%d.csv' ev.csv
		tail -n +2 r-$i.csv | cut -d, -f1 | uniq > ids
		tail -n +2 ev.csv | cut -d, -f1 | uniq | "$PYTHON" "$REF" 3 | awk -v i=$i '$2 == i { print $3 }' | diff - ids
	done
	# a JSON number is the learner_id as its text
	printf '{"learner_id":40,"ts":"2025-01-01"}\n{"learner_id":"40","ts":"2025-01-02"}\n' > num.ndjson
	s=$(printf '40\n' | "$PYTHON" "$REF" 5 | cut -d' ' -f2)
	tl-split -n 5 -o n num.ndjson
	cmp num.ndjson "n-$s.ndjson"
}

@test "TS003: all files or none: a failure publishes nothing and leaves the previous files" {
	tl-loadgen --learners 30 > all.csv
	tl-split -n 3 -o part all.csv
	cat part-0.csv part-1.csv part-2.csv > before
	# a record whose learner cannot be read, near the end
	{ cat all.csv; printf ',2025-01-01,d,x,use\n'; } > bad.csv
	run --separate-stderr tl-split -n 3 -o part bad.csv
	assert_failure 65
	[[ $stderr == *"bad.csv:$(wc -l < bad.csv): missing learner_id"* ]]
	cat part-0.csv part-1.csv part-2.csv | cmp - before
	run --separate-stderr tl-split -n 3 -o new bad.csv
	assert_failure 65
	[ -z "$(ls ./new-* ./*.tmp* 2>/dev/null)" ]
	# a cut stream, a directory that does not exist, a read error
	{ cat all.csv; printf '#tl-abort tl-velocity: boom\n'; } > cut.csv
	run --separate-stderr tl-split -n 2 -o cut cut.csv
	assert_failure 65
	[[ $stderr == *"cut short by a failure upstream"* ]]
	run --separate-stderr tl-split -n 2 -o nodir/x all.csv
	assert_failure 73
	head -c 2000 all.csv | gzip | head -c 300 > trunc.gz
	run --separate-stderr tl-split -n 2 -o tr trunc.gz
	assert_failure 65
	[ -z "$(ls ./cut-* ./tr-* ./*.tmp* 2>/dev/null)" ]
	# with --skip-bad the record is left out, counted and written to --rejects
	run --separate-stderr tl-split -n 3 -o part --skip-bad --rejects rej.csv --stats bad.csv
	assert_success
	cat part-0.csv part-1.csv part-2.csv | cmp - before
	[ "$(cat rej.csv)" = ",2025-01-01,d,x,use" ]
	n=$(($(wc -l < all.csv) - 1))
	assert_equal "${stderr_lines[0]}" "tl-split: records read $((n + 1)) = written $n + rejected 1; files 3"
	# the files' counts add up to the records written
	[ "$(printf '%s\n' "${stderr_lines[@]:1}" | awk '{ s += $NF } END { print s }')" -eq "$n" ]
	[ "${stderr_lines[1]}" = "tl-split: part-0.csv: records $(($(wc -l < part-0.csv) - 1))" ]
}

@test "TS004: several inputs: one shape and one header; a learner may go on into the next file" {
	tl-loadgen --learners 40 > all.csv
	head -n 500 all.csv > a.csv
	{ head -n 1 all.csv; tail -n +501 all.csv; } > b.csv
	tl-split -n 2 -o ab a.csv b.csv
	tl-split -n 2 -o whole all.csv
	cmp ab-0.csv whole-0.csv
	cmp ab-1.csv whole-1.csv
	sed '1s/action/verb/' b.csv > other.csv
	run --separate-stderr tl-split -n 2 -o x a.csv other.csv
	assert_failure 65
	[[ $stderr == *"other.csv:1: another header than a.csv"* ]]
	tl-loadgen --learners 3 -o ndjson > e.ndjson
	run --separate-stderr tl-split -n 2 -o x a.csv e.ndjson
	assert_failure 65
	[[ $stderr == *"e.ndjson:1: another shape of records than a.csv"* ]]
	[ -z "$(ls x-* 2>/dev/null)" ]
	# empty inputs: empty files; a header alone: the header alone
	: > empty.csv
	tl-split -n 2 -o e empty.csv
	[ -f e-0.csv ] && [ ! -s e-0.csv ] && [ ! -s e-1.csv ]
	head -n 1 all.csv > header.csv
	tl-split -n 2 -o hd empty.csv header.csv
	cmp hd-0.csv header.csv
	cmp hd-1.csv header.csv
	printf '' | tl-split -n 2 -o stdin
	[ -f stdin-1.csv ]
}

@test "TS005: --map and --xapi-actor choose the learner_id as the tools read it" {
	tl-loadgen --learners 50 > all.csv
	sed '1s/learner_id/user/' all.csv > user.csv
	tl-split -n 3 -o u --map learner_id=user user.csv
	tl-split -n 3 -o w all.csv
	for i in 0 1 2; do tail -n +2 u-$i.csv | cmp - <(tail -n +2 w-$i.csv); done
	run --separate-stderr tl-split -n 3 -o v user.csv
	assert_failure 65
	[[ $stderr == *"no 'learner_id' column in the header"* ]]
	tl-loadgen --learners 50 -o ndjson | sed 's/"learner_id":\("[^"]*"\)/"user":{"id":\1}/' > nested.ndjson
	tl-split -n 3 -o j --map learner_id=user.id nested.ndjson
	for i in 0 1 2; do
		tl-velocity "${ASOF[@]}" --map learner_id=user.id -o csv j-$i.ndjson |
			cmp - <(tl-velocity "${ASOF[@]}" --map learner_id=user.id -o csv --shard $i/3 nested.ndjson)
	done
	f=$TESTDATA/xapi/mapping.ndjson
	for how in name homepage; do
		tl-split -n 2 -o "x$how" --xapi-actor $how "$f"
		for i in 0 1; do
			tl-velocity --as-of 2025-02-01 --xapi-actor $how -o csv --ungrouped "x$how-$i.ndjson" |
				cmp - <(tl-velocity --as-of 2025-02-01 --xapi-actor $how -o csv --ungrouped --shard $i/2 "$f")
		done
	done
}

@test "TS006: usage errors exit 64 and write nothing" {
	tl-loadgen --learners 5 > a.csv
	for args in "-n 0 -o p" "-n 1025 -o p" "-n 2" "-o p" "-n x -o p" "-n 2 -o p%s" "-n 2 -o p%d%d" "-n 2 -o %" \
		"-n 2 -o p --rejects r.csv" "-n 2 -o p --bogus" "-n 2 -o p --as-of 2025-01-01"; do
		# shellcheck disable=SC2086 # $args is an option string, split on purpose
		run --separate-stderr tl-split $args a.csv
		[ "$status" -eq 64 ] || { echo "$args: status $status" >&2; return 1; }
		[ "${stderr_lines[-1]}" = "Try 'tl-split --help' for more information." ] || [[ ${stderr_lines[0]} == tl-split:* ]]
	done
	[ -z "$(ls p* r.csv 2>/dev/null)" ]
	run tl-split -n 1 -o 'a%d.csv' a0.csv
	assert_failure 66
	cp a.csv a0.csv
	run --separate-stderr tl-split -n 1 -o 'a%d.csv' a0.csv
	assert_failure 64
	[[ $stderr == *"-o a0.csv is the input a0.csv: it would be overwritten"* ]]
	cmp a.csv a0.csv
	run tl-split --help
	assert_success
	[[ ${lines[0]} == "usage: tl-split -n N -o PATTERN"* ]]
}

@test "TS007: a write that fails (EFBIG past ulimit -f; EIO from fsync, ENOSPC by build/faultshim.so): exit 74, no file published, none left" {
	local shim=$TL_ROOT/build/faultshim.so
	[ -f "$shim" ] || { echo "no $shim: make all builds it" >&2; false; }
	tl-loadgen --learners 300 > all.csv
	mkdir out
	tl-split -n 3 -o out/part all.csv
	cat out/part-*.csv > before
	# one file grows past 64 KiB (a shard is a third of about 300 KB)
	# shellcheck disable=SC2016 # the script's $1, not this shell's
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 64; exec tl-split -n 3 -o out/part "$1"' _ all.csv
	assert_failure 74
	[[ $stderr == "tl-split: write error on $PWD/out/part-"*".csv: File too large"* || $stderr == "tl-split: write error on out/part-"*": File too large"* ]]
	cat out/part-*.csv | cmp - before
	[ "$(ls out)" = "$(printf 'part-0.csv\npart-1.csv\npart-2.csv')" ]
	local f why
	for f in eio-fsync full; do
		why="Input/output error"
		[ "$f" = eio-fsync ] || why="No space left on device"
		run --separate-stderr env LD_PRELOAD="$shim" TL_FAULT=$f TL_FAULT_PATH=/out/part-2.csv \
			ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" tl-split -n 3 -o "$PWD/out/part" all.csv
		[ "$status" -eq 74 ] || { echo "$f: exit $status: $stderr" >&2; false; }
		[[ $stderr == *"out/part-2.csv"*"$why"* ]] || { echo "$f: $stderr" >&2; false; }
		cat out/part-*.csv | cmp - before
		[ "$(ls out)" = "$(printf 'part-0.csv\npart-1.csv\npart-2.csv')" ]
	done
}
