#!/usr/bin/env bash
# bench-export.sh - tl-export at a million learners (make bench, after
# bench.sh; make bench-export alone: 3 to 6 minutes on 2 cores): export
# time to SQLite and to Redis against the time to produce the rows, the
# database's size, query latency (scripts/bench-export-client.c) and the
# cache hit rate of the next day's lookups (scripts/bench-export-query.py),
# before and after the nightly --upsert; at the end a summary of every
# judged figure against its target. One run of each step; latencies over
# QUERIES queries (point lookups: 3 runs of them, the median p99 judged),
# the GROUP BYs over GROUP_QUERIES.
#
# Redis is measured with the client and redis-server placed three ways
# when there are two CPUs or more: pinned to different CPUs (taskset:
# server on CPU 1, client on CPU 0); the same with both at real-time
# priority (chrt -f 1, when this user may: other work then cannot hold
# their CPUs, as if each had its own); unpinned. Each run reports how long
# the client and the server waited for a CPU (/proc/PID/schedstat): on a
# shared machine that, not Redis, is the tail.
#
# usage: bench-export.sh [-h]
# tl-export to SQLite and Redis at a million learners; see bench-export(1).
#   -h, --help  show this help
# Environment: EXPORT_LEARNERS (default 1000000), QUERIES (default 10000),
# GROUP_QUERIES (default 200: each takes some 50 to 200 ms), OUT (work
# directory, default bench-out/ of the source tree; this uses OUT/export),
# BIN (the tools, default bin/).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 0 "$@"
case ${OUT:-} in '' | /*) ;; *) OUT=$PWD/$OUT ;; esac   # a relative OUT is the caller's
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/bin}
N=${EXPORT_LEARNERS:-1000000}
QUERIES=${QUERIES:-10000}
GROUP_QUERIES=${GROUP_QUERIES:-200}
OUT=${OUT:-$PWD/bench-out}/export
END=2025-10-01
DAY1=2025-09-30T00:00:00Z   # today's as-of: the learners who joined on the last day are new tomorrow
DAY2=2025-10-01T00:00:00Z   # the next nightly run's
DAY3=2025-10-02T00:00:00Z
FIELDS=archetype,roi_multiplier,churn_risk,algo_version,as_of
export LC_ALL=C PATH="$BIN:$PATH"
mkdir -p "$OUT"
REDIS_PID=
export BENCH_SUMMARY=$OUT/summary.txt

stop_redis() {
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
	return 0
}

# start_redis: a redis-server without persistence on a free loopback port
# (probed); a bounded wait for PONG. Sets PORT.
start_redis() {
	local try i
	for ((try = 0; try < 20; try++)); do
		PORT=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
		redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" > "$OUT/redis.log" 2>&1 &
		REDIS_PID=$!
		for ((i = 0; i < 100; i++)); do
			[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && return 0
			kill -0 "$REDIS_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_redis
	done
	echo "bench-export.sh: no redis-server could start" >&2
	exit 1
}

# secs CMD: run "bash -c CMD", print its wall seconds.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	bash -o pipefail -c "$1" > /dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# rows ASOF ROWS ACTIVE FROM TO: the pipeline's learner rows of the events
# up to ASOF (learners who joined later are not in them), and each event in
# (FROM, TO] (the lookups to replay) as its learner, its time and the time
# of the learner's first event (tl-loadgen's output is sorted by learner,
# then time); prints its seconds.
rows() {
	secs "tl-loadgen --learners $N --seed 7 --end $END --horizon 3d |
		tee >(awk -F, -v a='$4' -v b='$5' 'NR > 1 && \$1 != id { id = \$1; first = \$2 }
			NR > 1 && \$2 > a && \$2 <= b { print \$1 \"\\t\" \$2 \"\\t\" first }' > '$3') |
		awk -F, -v t='$1' 'NR == 1 || \$2 <= t' |
		tl-velocity --as-of '$1' | tl-affinity | tl-retention | tl-score -o csv > '$2'"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# hgetall LABEL [PREFIX-COMMAND...]: the Redis latency, the client run
# under the command given (taskset, chrt), with the server's own time per
# HGETALL.
hgetall() {
	local label=$1
	shift
	echo "  Redis, $label:"
	redis-cli -p "$PORT" config resetstat > /dev/null
	BENCH_LABEL=$label BENCH_SERVER_PID=$REDIS_PID "$@" "$OUT/client" redis "$OUT/learners.db" "$PORT" tl "$QUERIES"
	redis-cli -p "$PORT" info commandstats | tr -d '\r' | awk -F'[:,=]' '$1 == "cmdstat_hgetall" {
		printf "  server time per HGETALL (INFO commandstats): %s us over %s calls\n", $7, $3 }'
	echo "  load average: $(loadavg)"
}

# redis_latency: hgetall pinned, pinned at real-time priority, unpinned
# (the first two with two CPUs or more; the second when chrt may).
redis_latency() {
	local all=0-$(($(nproc) - 1))
	if [ "$(nproc)" -ge 2 ]; then
		taskset -pc 1 "$REDIS_PID" > /dev/null
		hgetall "pinned (server CPU 1, client CPU 0)" taskset -c 0
		if chrt -f -p 1 "$REDIS_PID" 2> /dev/null; then
			hgetall "pinned, both SCHED_FIFO" chrt -f 1 taskset -c 0
			chrt -o -p 0 "$REDIS_PID"
		else
			echo "  (chrt -f not permitted: no real-time run)"
		fi
		taskset -pc "$all" "$REDIS_PID" > /dev/null
	fi
	hgetall "unpinned"
}

# summary: the judged figures (the client's BENCH_SUMMARY lines) as a table.
summary() {
	echo "== summary: $N learners, $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(loadavg), commit $COMMIT"
	echo "  $1"
	awk -F'|' '{ printf "  %-66s %6s  %8.3f / %8.3f / %8.3f ms  %-12s %s\n", $1, $2, $3, $4, $5, $6, $7 }' "$BENCH_SUMMARY"
}

mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

main() {
	local db=$OUT/learners.db t_rows t_sql t_resp t_pipe times t0=$SECONDS
	trap stop_redis EXIT
	rm -f "$BENCH_SUMMARY"
	COMMIT=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
	echo "tl-export bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $N learners, one run each; commit $COMMIT; load average $(loadavg)"
	cc -O2 -std=c11 -Wall -Wextra -Werror -o "$OUT/client" scripts/bench-export-client.c -lsqlite3
	start_redis
	echo "== day 1: rows as of $DAY1"
	t_rows=$(rows "$DAY1" "$OUT/rows1.csv" "$OUT/active1.txt" "$DAY1" "$DAY2")
	echo "  produce the rows (tl-loadgen | tl-velocity | tl-affinity | tl-retention | tl-score): $t_rows s," \
		"$(($(wc -l < "$OUT/rows1.csv") - 1)) learners, $(mb "$OUT/rows1.csv")"
	rm -f "$db"
	t_sql=$(secs "tl-export --sqlite '$db' '$OUT/rows1.csv'")
	echo "  tl-export --sqlite (every field, typed, indexed): $t_sql s; database $(mb "$db")"
	t_resp=$(secs "tl-export --redis --fields $FIELDS '$OUT/rows1.csv' > '$OUT/day1.resp'")
	t_pipe=$(secs "redis-cli -p $PORT --pipe < '$OUT/day1.resp' | tail -n 1")
	echo "  tl-export --redis --fields $FIELDS: $t_resp s ($(mb "$OUT/day1.resp") of RESP); redis-cli --pipe: $t_pipe s"
	echo "  redis: $(redis-cli -p "$PORT" dbsize) keys, $(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory_human/ { print $2 }' | tr -d '\r') used"
	awk -v r="$t_rows" -v s="$t_sql" -v x="$t_resp" -v p="$t_pipe" \
		'BEGIN { printf "  export / produce: SQLite %.2f, Redis %.2f (with the load %.2f)\n", s / r, x / r, (x + p) / r }'
	times="rows $t_rows s; --sqlite $t_sql s, $(mb "$db"); --redis $t_resp s + --pipe $t_pipe s"
	echo "== latency over $QUERIES queries each, GROUP BY $GROUP_QUERIES (C: the SQLite library, RESP over a socket)"
	echo "  load average: $(loadavg)"
	"$OUT/client" sqlite "$db" "$QUERIES" "$GROUP_QUERIES"
	echo "  load average: $(loadavg)"
	redis_latency
	echo "== cache hit rate: lookups of the learners active in the next day"
	echo "  day 2 ($DAY1, $DAY2] against day 1's export:"
	python3 scripts/bench-export-query.py hits "$db" "$PORT" tl "$OUT/active1.txt" "$DAY1" 24,12,6,3,1
	echo "== the nightly run: rows as of $DAY2, then --upsert"
	t_rows=$(rows "$DAY2" "$OUT/rows2.csv" "$OUT/active2.txt" "$DAY2" "$DAY3")
	echo "  produce the rows: $t_rows s"
	echo "  day 3 ($DAY2, $DAY3] against day 1's export (no nightly run):"
	python3 scripts/bench-export-query.py hits "$db" "$PORT" tl "$OUT/active2.txt" "$DAY1"
	t_sql=$(secs "tl-export --sqlite '$db' --upsert '$OUT/rows2.csv'")
	t_resp=$(secs "tl-export --redis --fields $FIELDS '$OUT/rows2.csv' | redis-cli -p $PORT --pipe | tail -n 1")
	echo "  tl-export --sqlite --upsert: $t_sql s; --redis | redis-cli --pipe: $t_resp s"
	times="$times; --upsert $t_sql s"
	sqlite3 "$db" "SELECT '  runs: ' || group_concat(mode || ' ' || learners || ' (' || inserted || ' new, ' || updated || ' updated)', '; ') FROM runs"
	echo "  day 3 against the upserted stores (tl-loadgen has no joins past --end $END):"
	python3 scripts/bench-export-query.py hits "$db" "$PORT" tl "$OUT/active2.txt" "$DAY2"
	summary "$times; the whole bench $((SECONDS - t0)) s"
}

main "$@" 2>&1 | tee "$OUT/report.txt"
