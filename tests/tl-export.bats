#!/usr/bin/env bats
# tl-export: the SQLite database and the Redis hashes compared with the
# input rows field by field through the real stores (the sqlite3 command,
# a redis-server on a free loopback port loaded by redis-cli --pipe;
# testdata/export/check.py reads them back); hostile ids, values and field
# names; a failed, a stopped and a killed export leave the previous
# database intact; --upsert.
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

H="$TESTDATA/export/export-hostile.csv"
CHECK="$TESTDATA/export/check.py"

# The pipeline's learners (rows and documents) and a Redis server, once
# for the file.
setup_file() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners 400 --seed 5 --end 2025-10-01 --truth |
		tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention |
		tl-score --canary 30 --treatment "$TL_ROOT/config/v1.json" >"$d/docs.ndjson"
	tl-score --canary 30 --treatment "$TL_ROOT/config/v1.json" -o csv "$d/docs.ndjson" >"$d/rows.csv"
	start_redis
}

teardown_file() {
	stop_redis
}

# start_redis: redis-server on the first free port from a random one
# (probed with bash's /dev/tcp), no persistence; waits at most 5 s for
# PONG. Sets REDIS_PORT (exported for the tests) and REDIS_PID.
start_redis() {
	local d=$BATS_FILE_TMPDIR p i try
	for ((try = 0; try < 20; try++)); do
		p=$((20000 + RANDOM % 20000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			continue   # in use
		fi
		redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
			--dir "$d" >"$d/redis.log" 2>&1 &
		echo "$!" >"$d/redis.pid"
		for ((i = 0; i < 50; i++)); do
			if [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ]; then
				echo "$p" >"$d/redis.port"
				return 0
			fi
			kill -0 "$(cat "$d/redis.pid")" 2>/dev/null || break   # it lost the port: try another
			sleep 0.1
		done
		kill "$(cat "$d/redis.pid")" 2>/dev/null || true
	done
	echo "no redis-server could start: $(cat "$d/redis.log")" >&2
	return 1
}

stop_redis() {
	local d=$BATS_FILE_TMPDIR pid i
	[ -f "$d/redis.pid" ] || return 0
	pid=$(cat "$d/redis.pid")
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	ROWS=$BATS_FILE_TMPDIR/rows.csv
	DOCS=$BATS_FILE_TMPDIR/docs.ndjson
	REDIS_PORT=$(cat "$BATS_FILE_TMPDIR/redis.port" 2>/dev/null || true)
}

# rcli ARGS...: redis-cli on the test server.
rcli() {
	redis-cli -p "$REDIS_PORT" "$@"
}

# pipe_in: redis-cli --pipe of stdin into the test server; fails unless it
# reports 0 errors.
pipe_in() {
	local out
	out=$(rcli --pipe 2>&1) || { echo "$out" >&2; return 1; }
	grep -q '^errors: 0, replies: [0-9]*$' <<<"$out" || { echo "$out" >&2; return 1; }
	echo "$out" | tail -n 1
}

# q DB SQL: the sqlite3 command's answer.
q() {
	sqlite3 "$1" "$2"
}

# old_db DB: a database from the hostile rows, the one a later export must
# leave intact.
old_db() {
	tl-export --sqlite "$1" "$H"
	[ "$(q "$1" 'SELECT count(*) FROM learners')" = 6 ]
}

# intact DB: DB is still the old_db one, and nothing is left beside it.
intact() {
	[ "$(q "$1" 'PRAGMA integrity_check')" = ok ]
	[ "$(q "$1" 'SELECT count(*) FROM learners')" = 6 ]
	python3 "$CHECK" sqlite "$1" learners "$H"
	[ -z "$(find . -name "$(basename "$1").tmp*")" ] || { ls -la >&2; return 1; }
}

@test "EXP001: --help prints the usage; a missing or misplaced option exits 64" {
	run tl-export --help
	assert_success
	assert_line --partial 'usage: tl-export --sqlite DB'
	for args in "" "--table t --redis" "--upsert --redis" "--prefix p --sqlite x.db" "--ttl 1d --sqlite x.db" \
		"--output o --sqlite x.db" "-o csv --redis" "--sqlite x.db --table runs" "--sqlite x.db --table sqlite_t" "--sqlite x.db --table ARCHETYPE_COUNTS" \
		"--sqlite x.db --table ''" "--redis --prefix ''" "--redis --ttl 0" "--redis --fields a,,b" \
		"--redis --fields a,A" "--sqlite x.db --fields a --index b" "--sqlite $H" "--sqlite x.db --redis --output x.db"; do
		eval "run --separate-stderr tl-export $args $H"
		[ "$status" -eq 64 ] || { echo "'$args': exit $status: $stderr" >&2; return 1; }
		[[ $stderr == tl-export:* ]]
	done
	[ ! -e x.db ]
	run --separate-stderr tl-export --sqlite x.db --fields a,A "$H"
	assert_failure 64
	[[ $stderr == *"fields 'a' and 'A' collide"* ]]
}

@test "EXP002: learner rows: the table holds every row, field by field, typed from the data" {
	run --separate-stderr tl-export --sqlite l.db --stats "$ROWS"
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"learners read 400, written 400"* ]]
	run python3 "$CHECK" sqlite l.db learners "$ROWS"
	assert_success
	assert_output 'all match: 400 learners'
	run q l.db "SELECT name || ' ' || type FROM pragma_table_info('learners') WHERE name IN
		('learner_id', 'interactions', 'is_specialist', 'churn_risk', 'archetype', 'as_of', 'transfer_pair')"
	assert_output "$(printf '%s\n' 'learner_id TEXT' 'interactions INTEGER' 'as_of TEXT' 'is_specialist INTEGER' \
		'transfer_pair TEXT' 'churn_risk REAL' 'archetype TEXT')"
	[ "$(q l.db "SELECT count(*) FROM learners WHERE transfer_pair IS NULL")" -gt 0 ]
	[ "$(q l.db "SELECT count(*) FROM learners WHERE transfer_pair = ''")" -eq 0 ]
}

@test "EXP003: learner documents give the same table as the rows made from them" {
	tl-export --sqlite d.db "$DOCS"
	tl-export --sqlite r.db "$ROWS"
	run python3 "$CHECK" sqlite d.db learners "$DOCS"
	assert_output 'all match: 400 learners'
	[ "$(q d.db .schema | grep -v '^CREATE TABLE runs')" = "$(q r.db .schema | grep -v '^CREATE TABLE runs')" ]
	[ "$(q d.db 'SELECT * FROM learners')" = "$(q r.db 'SELECT * FROM learners')" ]
}

@test "EXP004: column types: the widest value decides; 007 and -0 stay text; JSON true is 1" {
	printf 'learner_id,i,r,t,z,e,neg\nA,1,1,007,-0,,-3\nB,2,0.5,8,1,,9223372036854775807\nC,3,1e+06,x,2,,\n' >t.csv
	tl-export --sqlite t.db t.csv
	run q t.db "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('learners')"
	assert_output 'learner_id:TEXT i:INTEGER r:REAL t:TEXT z:TEXT e:TEXT neg:INTEGER'
	run q t.db "SELECT typeof(r), r, t, z, quote(e), quote(neg) FROM learners ORDER BY rowid"
	assert_output "$(printf '%s\n' 'real|1.0|007|-0|NULL|-3' 'real|0.5|8|1|NULL|9223372036854775807' 'real|1000000.0|x|2|NULL|NULL')"
	python3 "$CHECK" sqlite t.db learners t.csv
	printf '{"learner_id":"A","f":true,"o":{"a":[1]},"n":null,"s":"2"}\n{"learner_id":"B","f":false,"o":[],"n":null,"s":"3"}\n' >t.ndjson
	tl-export --sqlite j.db t.ndjson
	run q j.db "SELECT typeof(f), f, o, quote(n), typeof(s), s FROM learners ORDER BY rowid"
	assert_output "$(printf '%s\n' 'integer|1|{"a":[1]}|NULL|integer|2' 'integer|0|[]|NULL|integer|3')"
}

@test "EXP005: indexes: learner_id, archetype with churn_risk, churn_risk, --index; analyzed; the queries use them" {
	tl-export --sqlite l.db --index top_domain --index archetype --index learner_id "$ROWS"
	run q l.db "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'learners' ORDER BY name"
	assert_output "$(printf '%s\n' 'learners.archetype.churn_risk' 'learners.churn_risk' 'learners.top_domain' 'sqlite_autoindex_learners_1')"
	# ANALYZE: the planner's statistics count the table's learners, per index
	run q l.db "SELECT idx, substr(stat, 1, instr(stat, ' ') - 1) FROM sqlite_stat1 WHERE tbl = 'learners' ORDER BY idx"
	assert_output "$(q l.db "SELECT name, (SELECT count(*) FROM learners) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'learners' ORDER BY name")"
	run q l.db "EXPLAIN QUERY PLAN SELECT * FROM learners WHERE learner_id = 'L0000007'"
	assert_output --partial 'USING INDEX sqlite_autoindex_learners_1 (learner_id=?)'
	run q l.db "EXPLAIN QUERY PLAN SELECT learner_id FROM learners WHERE archetype = 'power_user' ORDER BY churn_risk DESC LIMIT 100"
	assert_output --partial 'learners.archetype.churn_risk (archetype=?)'
	refute_output --partial 'TEMP B-TREE'
	run q l.db "EXPLAIN QUERY PLAN SELECT archetype, count(*) FROM learners GROUP BY archetype"
	assert_output --partial 'COVERING INDEX learners.archetype.churn_risk'
	run --separate-stderr tl-export --sqlite n.db --index nope "$ROWS"
	assert_failure 65
	[[ $stderr == *"rows.csv:2: learner 'L0000001' has no field 'nope', used by --index"* ]]
	[ ! -e n.db ]
}

@test "EXP006: the runs table: as-of, algorithm versions, counts, archetype counts, the time" {
	tl-export --sqlite l.db "$DOCS"
	run q l.db "SELECT mode, table_name, as_of, algo_version, tool_version, learners, inserted, updated, table_learners FROM runs"
	# tool_version: the toolkit's version, which every tool of the build prints (BLD002)
	assert_output "create|learners|2025-10-01T00:00:00Z|v2,v1|tl $(tl-score --version | cut -d ' ' -f 2)|400|400|0|400"
	run q l.db "SELECT exported_at FROM runs"
	assert_output --regexp '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$'
	q l.db "SELECT archetypes FROM runs" >a.json
	q l.db "SELECT archetype, count(*) FROM learners GROUP BY archetype" >counts.txt
	python3 -c '
import json, sys
a = json.load(open("a.json"))
c = dict(l.rstrip("\n").split("|") for l in open("counts.txt"))
assert a == {k: int(v) for k, v in c.items()}, (a, c)
assert sum(a.values()) == 400 and len(a) == 5
'''
	[ "$(q l.db "SELECT archetype, learners FROM archetype_counts WHERE table_name = 'learners' ORDER BY 1")" = "$(sort counts.txt)" ]
	[ "$(q l.db "SELECT sqlite_version FROM runs")" = "$(q l.db 'SELECT sqlite_version()')" ]
}

@test "EXP007: hostile ids and values round-trip: quotes, ';', newlines, tabs, control bytes, UTF-8, SQL" {
	tl-export --sqlite h.db "$H"
	run python3 "$CHECK" sqlite h.db learners "$H"
	assert_output 'all match: 6 learners'
	run q h.db "SELECT count(*) FROM learners WHERE learner_id = 'x''); DROP TABLE learners; --'"
	assert_output 1
	run q h.db "SELECT note FROM learners WHERE learner_id = 'it''s \"quoted\"; ok'"
	assert_output 'semi;colon, comma'
	[ "$(q h.db "SELECT hex(learner_id) FROM learners WHERE cohort = 'd'")" = "$(printf 'café 学生 😀' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ]
}

@test "EXP008: a field name with SQL in it is one quoted column; names that cannot be columns or collide exit 65" {
	printf 'learner_id,"a""); DROP TABLE learners; --",b'"'"'; DELETE FROM runs\nL1,1,2\n' >inj.csv
	tl-export --sqlite i.db inj.csv
	run q i.db "SELECT group_concat(name, '|') FROM pragma_table_info('learners')"
	assert_output "learner_id|a\"); DROP TABLE learners; --|b'; DELETE FROM runs"
	[ "$(q i.db 'SELECT count(*) FROM runs')" = 1 ]
	python3 "$CHECK" sqlite i.db learners inj.csv
	old_db old.db
	printf 'learner_id,Churn_Risk,churn_risk\nL1,1,2\n' >col.csv
	run --separate-stderr tl-export --sqlite old.db col.csv
	assert_failure 65
	assert_equal "$stderr" "tl-export: col.csv:2: fields 'Churn_Risk' and 'churn_risk' collide: column names ignore ASCII case"
	printf '{"learner_id":"L1","a\\u0001b":1}\n' >ctl.ndjson
	run --separate-stderr tl-export --sqlite old.db ctl.ndjson
	assert_failure 65
	[[ $stderr == "tl-export: ctl.ndjson:1: field name 'a"*"b' cannot be a column: it has a control character" ]]
	intact old.db
}

@test "EXP009: bad input (a bad row, a repeated learner, a new field) exits 65 and leaves the old database" {
	old_db old.db
	{ head -n 200 "$ROWS"; echo 'L9,x'; } >bad.csv
	run --separate-stderr tl-export --sqlite old.db bad.csv
	assert_failure 65
	[[ $stderr == "tl-export: bad.csv:201: "* ]]
	intact old.db
	{ cat "$ROWS"; sed -n 3p "$ROWS"; } >dup.csv
	run --separate-stderr tl-export --sqlite old.db dup.csv
	assert_failure 65
	assert_equal "$stderr" "tl-export: dup.csv:402: learner 'L0000002' appears twice in the input (learner_id is the table's primary key)"
	intact old.db
	{ head -n 3 "$DOCS"; sed -n 4p "$DOCS" | sed 's/}$/,"extra":1}/'; } >new.ndjson
	run --separate-stderr tl-export --sqlite old.db new.ndjson
	assert_failure 65
	[[ $stderr == "tl-export: new.ndjson:4: learner 'L0000004' has field 'extra', which the first learner has not"* ]]
	intact old.db
	printf 'not a database at all\n' >notdb
	run --separate-stderr tl-export --sqlite notdb --upsert "$H"
	assert_failure 65
	[[ $stderr == *"notdb: "*"not a database"* ]]
	[ "$(cat notdb)" = 'not a database at all' ]
	run --separate-stderr tl-export --sqlite no/such/dir/x.db "$H"
	assert_failure 73
}

# wait_tmp DB: wait (at most 10 s) until the export builds DB.tmp*.
wait_tmp() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -n "$(find . -name "$1.tmp*")" ] && return 0
		sleep 0.1
	done
	return 1
}

# stop_midway SIGNAL OPTS...: tl-export --sqlite old.db OPTS reading a FIFO
# that holds the first 200 rows and stays open; once it has begun, SIGNAL
# it (by its pid) and give its exit status in $status.
stop_midway() {
	local sig=$1 pid
	shift
	rm -f in.fifo
	mkfifo in.fifo
	tl-export --sqlite old.db "$@" in.fifo 3>&- &
	pid=$!
	exec 4<>in.fifo   # read-write: opening it never blocks, whatever became of the export
	head -n 201 "$ROWS" >&4   # about 50 KB: within the pipe's buffer
	if [ "$1" = --upsert ]; then sleep 0.5; else wait_tmp old.db; fi
	sleep 0.2
	kill "-$sig" "$pid"
	status=0
	wait "$pid" || status=$?
	exec 4>&-
}

@test "EXP010: an export stopped by SIGTERM or killed by SIGKILL mid-run leaves the old database" {
	old_db old.db
	stop_midway TERM
	[ "$status" -eq 143 ]
	intact old.db
	stop_midway KILL
	[ "$status" -eq 137 ]
	find . -name 'old.db.tmp*' | grep -q .   # SIGKILL leaves the temporary behind (tl(7))
	rm -f old.db.tmp*
	intact old.db
	stop_midway KILL --upsert
	[ "$status" -eq 137 ]
	intact old.db
}

@test "EXP011: a reader holding the old database keeps reading it while a new one replaces it" {
	old_db l.db
	python3 - "$ROWS" <<'PY'
import sqlite3, subprocess, sys
old = sqlite3.connect("l.db", isolation_level=None)
old.execute("BEGIN")
assert old.execute("SELECT count(*) FROM learners").fetchone()[0] == 6
subprocess.run(["tl-export", "--sqlite", "l.db", sys.argv[1]], check=True)
assert old.execute("SELECT count(*) FROM learners").fetchone()[0] == 6    # the same snapshot
old.execute("COMMIT")
assert old.execute("SELECT count(*) FROM learners WHERE cohort = 'd'").fetchone()[0] == 1   # still the old file
new = sqlite3.connect("l.db")
assert new.execute("SELECT count(*) FROM learners").fetchone()[0] == 400
PY
}

@test "EXP012: --upsert inserts new learners, replaces known ones, keeps the others, adds columns, logs the run" {
	printf 'learner_id,archetype,churn_risk,n\nA,specialist,0.5,1\nB,generalist,0.25,2\n' >day1.csv
	printf 'learner_id,archetype,churn_risk,n,extra\nB,power_user,,3,x\nC,specialist,0.75,4,y\n' >day2.csv
	tl-export --sqlite u.db --upsert day1.csv   # no database yet: built
	q u.db 'DROP TABLE sqlite_stat1'   # as an older tl-export left it
	tl-export --sqlite u.db --upsert --index n day2.csv
	run q u.db "SELECT stat FROM sqlite_stat1 WHERE idx = 'learners.archetype.churn_risk'"
	[[ $output == '3 '* ]]   # analyzed after the upsert: 3 learners
	run q u.db "SELECT learner_id, archetype, quote(churn_risk), n, quote(extra) FROM learners ORDER BY learner_id"
	assert_output "$(printf '%s\n' "A|specialist|0.5|1|NULL" "B|power_user|NULL|3|'x'" "C|specialist|0.75|4|'y'")"
	run q u.db "SELECT run, mode, learners, inserted, updated, table_learners, archetypes FROM runs"
	assert_output "$(printf '%s\n' '1|create|2|2|0|2|{"specialist":1,"generalist":1}' '2|upsert|2|1|1|3|{"power_user":1,"specialist":1}')"
	run q u.db "SELECT archetype, learners FROM archetype_counts"
	assert_output "$(printf '%s\n' 'power_user|1' 'specialist|2')"
	run q u.db "SELECT type FROM pragma_table_info('learners') WHERE name = 'extra'"
	assert_output TEXT
	[ "$(q u.db "SELECT count(*) FROM sqlite_schema WHERE name = 'learners.n'")" = 1 ]
	# numbers into an existing TEXT column stay the text they were
	printf 'learner_id,note\nA,abc\n' >t1.csv
	printf 'learner_id,note\nA,1e-05\nB,2.50\n' >t2.csv
	tl-export --sqlite t.db t1.csv
	tl-export --sqlite t.db --upsert t2.csv
	run q t.db "SELECT typeof(note) || ' ' || note FROM learners ORDER BY learner_id"
	assert_output "$(printf '%s\n' 'text 1e-05' 'text 2.50')"
	cp u.db before.db
	printf 'learner_id,n\nD,5\nE,many\n' >day3.csv
	run --separate-stderr tl-export --sqlite u.db --upsert day3.csv
	assert_failure 65
	assert_equal "$stderr" "tl-export: day3.csv:3: field 'n' holds text ('many'), but column 'n' of table 'learners' in u.db is INTEGER: export without --upsert to rebuild it"
	[ "$(q u.db .dump)" = "$(q before.db .dump)" ]
	[ ! -e u.db-journal ]
}

@test "EXP013: --redis: redis-cli --pipe loads it with 0 errors; HGETALL of sampled learners equals their rows" {
	[ -n "$REDIS_PORT" ]
	rcli flushall >/dev/null
	tl-export --redis --stats "$ROWS" >rows.resp 2>stats
	run pipe_in <rows.resp
	assert_success
	assert_output 'errors: 0, replies: 404'   # 400 HSET, MULTI, DEL, HSET, EXEC of the cohort
	run python3 "$CHECK" redis "$REDIS_PORT" tl "$ROWS" 7
	assert_output 'all match: 58 learners'
	[ "$(rcli dbsize)" = 401 ]
	run rcli hget tl:cohort learners
	assert_output 400
	python3 "$CHECK" resp "$REDIS_PORT" HGETALL tl:cohort >cohort.txt
	tl-export --sqlite l.db "$ROWS"
	q l.db "SELECT as_of, algo_version, archetypes, tool_version FROM runs" >runs.txt
	python3 -c '
import ast, json
c = ast.literal_eval(open("cohort.txt").read())
c = {k.decode(): v.decode() for k, v in zip(c[::2], c[1::2])}
as_of, algo, arch, tool = open("runs.txt").read().rstrip("\n").split("|")
assert c["as_of"] == as_of == "2025-10-01T00:00:00Z" and c["algo_version"] == algo == "v2,v1", c
assert c["tool_version"] == tool and tool.startswith("tl "), c
assert {k[10:]: int(v) for k, v in c.items() if k.startswith("archetype:")} == json.loads(arch), c
'
	# documents too, into a second prefix, with only some fields
	tl-export --redis --prefix t2 --fields archetype,roi_multiplier,churn_risk "$DOCS" | pipe_in
	run rcli hgetall t2:learner:L0000003
	assert_output "$(printf '%s\n' learner_id L0000003 archetype "$(q l.db "SELECT archetype FROM learners WHERE learner_id = 'L0000003'")" \
		roi_multiplier "$(q l.db "SELECT roi_multiplier FROM learners WHERE learner_id = 'L0000003'")" \
		churn_risk "$(q l.db "SELECT churn_risk FROM learners WHERE learner_id = 'L0000003'")")"
}

@test "EXP014: --redis keys and values are binary-safe: hostile ids round-trip through HGETALL" {
	[ -n "$REDIS_PORT" ]
	tl-export --redis --prefix 'p x' "$H" | pipe_in
	run python3 "$CHECK" redis "$REDIS_PORT" 'p x' "$H"
	assert_output 'all match: 6 learners'
	run python3 "$CHECK" resp "$REDIS_PORT" HGET 'p x:learner:x'"'"'); DROP TABLE learners; --' note
	assert_output "b'line one\\nline two'"
}

@test "EXP015: --redis --ttl: every key expires; a failed run writes nothing" {
	[ -n "$REDIS_PORT" ]
	tl-export --redis --prefix ttl --ttl 1h "$H" | pipe_in
	run rcli pttl "ttl:learner:L1"
	[ "$output" -gt 3590000 ]
	[ "$output" -le 3600000 ]
	run rcli ttl ttl:cohort
	[ "$output" -gt 3590 ]
	{ cat "$ROWS"; echo 'Lx,1'; } >bad.csv
	run --separate-stderr tl-export --redis bad.csv
	assert_failure 65
	[ -z "$output" ]
	run --separate-stderr tl-export --redis --output out.resp bad.csv
	assert_failure 65
	[ ! -e out.resp ]
}

@test "EXP016: --fields: the columns chosen; a field a learner lacks names the tool that makes it" {
	tl-export --sqlite f.db --fields churn_risk,archetype "$ROWS"
	run q f.db "SELECT group_concat(name, ',') FROM pragma_table_info('learners')"
	assert_output 'learner_id,churn_risk,archetype'
	run --separate-stderr tl-export --sqlite g.db --fields velocity,next_velocity_actual "$ROWS"
	assert_failure 65
	[[ $stderr == *"rows.csv:2: learner 'L0000001' has no field 'next_velocity_actual' (it is produced by tl-velocity --label: run it first)" ]]
	[ ! -e g.db ]
}

@test "EXP017: no learners: an empty table and a runs row; --table names the table" {
	: >empty.csv
	tl-export --sqlite e.db --table "my \"table\"" --redis empty.csv >e.resp
	run q e.db "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
	assert_output "$(printf '%s\n' archetype_counts 'my "table"' runs sqlite_stat1)"
	[ "$(q e.db "SELECT learners, table_name FROM runs")" = '0|my "table"' ]
	[ "$(q e.db 'SELECT count(*) FROM "my ""table"""')" = 0 ]
	grep -q 'tl:cohort' e.resp
}

@test "EXP018: real data: a KDD Cup 2015 course, through the metric tools, into SQLite and Redis" {
	local src="$REALDATA/kddcup2015_xuetangx"
	[ -d "$src" ] || skip "no $src"
	[ -n "$REDIS_PORT" ]
	import-kddcup2015.sh -l labels.csv "$src/truth_train.csv" "$src/trainCourse645.csv" 2>/dev/null >ev.csv
	tl-velocity --count-field count --as-of 2014-06-27 ev.csv | tl-affinity --domains 7 | tl-retention | tl-score -o csv >real.csv
	[ "$(($(wc -l <real.csv) - 1))" -eq 645 ]
	tl-export --sqlite real.db --redis --prefix real real.csv | pipe_in
	run python3 "$CHECK" sqlite real.db learners real.csv
	assert_output 'all match: 645 learners'
	run python3 "$CHECK" redis "$REDIS_PORT" real real.csv 5
	assert_output 'all match: 129 learners'
}
