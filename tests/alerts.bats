#!/usr/bin/env bats
# alerts.bats - the alert rules and the dashboard of tl-batch's metrics,
# checked by promtool and end to end on a real node_exporter and a real
# Prometheus, both on loopback on free ports, with bounded waits, stopped
# in teardown.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

RULES=$TL_ROOT/config/prometheus/tl-alerts.yml

# free_port: a TCP port on 127.0.0.1 nobody listens on (the kernel's pick).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS CMD...: run CMD every 0.2 s until it succeeds; fail after SECONDS.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.2
	done
}

# A small batch over 300 synthetic learners; $1 = the input file.
batch_config() {
	cat <<EOF
input $1
as_of 2025-07-01
output $BATS_TEST_TMPDIR/out
keep 3
textfile $BATS_TEST_TMPDIR/textfile
max_rejects 1%
stage velocity tl-velocity
stage affinity tl-affinity
stage retention tl-retention
stage score tl-score --config $TL_ROOT/config/v2.json
EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	tl-loadgen --learners 300 --seed 4 >good.csv
	# 5% of the rows bad: over the 1% reject limit
	awk -F, -v OFS=, 'NR > 1 && NR % 20 == 0 { $5 = "usex" } { print }' good.csv >bad.csv
	batch_config "$BATS_TEST_TMPDIR/good.csv" >good.conf
	batch_config "$BATS_TEST_TMPDIR/bad.csv" >bad.conf
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -e "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		# bounded: SIGKILL after 5 s
		local _
		for _ in $(seq 25); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$(cat "$f")" 2>/dev/null || true
	done
}

@test "AL001: the rules load; at least six alerts, each with a summary and a runbook" {
	run promtool check rules "$RULES"
	assert_success
	assert_output --partial "SUCCESS: 9 rules found"
	[ "$(grep -c '^      - alert: TlBatch' "$RULES")" -ge 6 ]
	[ "$(grep -c '^          runbook: "tl-ops(7), ALERTS, Tl' "$RULES")" -eq "$(grep -c '^      - alert:' "$RULES")" ]
	[ "$(grep -c '^          summary: ' "$RULES")" -eq "$(grep -c '^      - alert:' "$RULES")" ]
}

@test "AL002: promtool test rules: each alert firing and not firing; a changed threshold fails the test" {
	local tests="$TL_ROOT/tests/prometheus/tl-alerts.test.yml $TL_ROOT/tests/prometheus/tl-alerts-days.test.yml"
	# shellcheck disable=SC2086 # the two files
	run promtool test rules $tests
	assert_success
	local a
	for a in TlBatchFailed TlBatchNoRecentSuccess TlBatchRejectRateHigh TlBatchLearnersDropped \
		TlBatchArchetypeShift TlBatchChurnRiskShift TlBatchSlow TlParallelFailed; do
		# firing (exp_alerts with labels) and not firing (exp_alerts: [])
		# shellcheck disable=SC2086
		[ "$(cat $tests | grep -A2 "alertname: $a\$" | grep -c 'exp_alerts: \[\]')" -ge 1 ] || { echo "$a: no quiet case"; false; }
		# shellcheck disable=SC2086
		[ "$(cat $tests | grep -A3 "alertname: $a\$" | grep -c 'exp_labels')" -ge 1 ] || { echo "$a: no firing case"; false; }
	done
	# the tests can fail: a copy of the rules with other thresholds
	mkdir -p t/config/prometheus t/tests/prometheus
	sed 's/> 0.01$/> 0.05/; s/> 26 \* 3600/> 28 * 3600/; s/< 0.8 \*/< 0.5 */' "$RULES" >t/config/prometheus/tl-alerts.yml
	# shellcheck disable=SC2086
	cp $tests t/tests/prometheus/
	run promtool test rules t/tests/prometheus/tl-alerts.test.yml t/tests/prometheus/tl-alerts-days.test.yml
	assert_failure
	assert_output --partial "alertname: TlBatchRejectRateHigh"
	assert_output --partial "alertname: TlBatchNoRecentSuccess"
	assert_output --partial "alertname: TlBatchLearnersDropped"
}

# start_node_exporter DIR: node_exporter's textfile collector on DIR; sets NODE.
start_node_exporter() {
	local port
	port=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$1" >node.log 2>&1 &
	echo $! >node.pid
	NODE=127.0.0.1:$port
	wait_for 20 curl -fsS -o /dev/null "http://$NODE/metrics"
}

# start_prometheus: scraping NODE every second, evaluating the rules every second; sets PROM.
start_prometheus() {
	local port
	port=$(free_port)
	cat >prometheus.yml <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['$NODE']
EOF
	prometheus --config.file=prometheus.yml --storage.tsdb.path=tsdb --web.listen-address="127.0.0.1:$port" \
		>prometheus.log 2>&1 &
	echo $! >prometheus.pid
	PROM=127.0.0.1:$port
	wait_for 30 curl -fsS -o /dev/null "http://$PROM/-/ready"
}

# alert_state NAME: the state of alert NAME in Prometheus (firing, pending, or empty).
alert_state() {
	curl -fsS "http://$PROM/api/v1/alerts" | jq -r --arg a "$1" '[.data.alerts[] | select(.labels.alertname == $a) | .state] | first // ""'
}
alert_is() { [ "$(alert_state "$1")" = "$2" ]; }

# scraped METRIC VALUE: Prometheus has scraped METRIC with VALUE.
scraped() {
	curl -fsS "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -e --arg v "$2" '.data.result | length > 0 and (.[0].value[1] == $v)' >/dev/null
}

@test "AL003: end to end: tl-batch's metrics in node_exporter; a failed run fires TlBatchFailed in Prometheus, a good run clears it" {
	mkdir textfile
	start_node_exporter "$BATS_TEST_TMPDIR/textfile"
	start_prometheus
	local t0=$SECONDS
	# a failing run: 5% rejects against a 1% limit
	run --separate-stderr tl-batch --config bad.conf
	assert_failure 65
	[[ "$stderr" == *"more than --max-rejects 1% allows"* ]]
	[ ! -e out/current ]
	# node_exporter serves tl-batch's file
	run curl -fsS "http://$NODE/metrics"
	assert_success
	assert_line 'tl_batch_success 0'
	assert_line 'tl_batch_exit_status 65'
	assert_line 'tl_batch_stage_exit_status{stage="velocity"} 65'
	assert_line --regexp '^tl_run_exit_status\{stage="velocity",tool="tl-velocity"\} 65$'
	assert_line 'node_textfile_scrape_error 0'
	wait_for 30 alert_is TlBatchFailed firing
	echo "# failed run to firing alert: $((SECONDS - t0)) s" >&3
	# a good run: the alert clears
	t0=$SECONDS
	run --separate-stderr tl-batch --config good.conf
	assert_success
	[ -L out/current ]
	wait_for 30 scraped tl_batch_success 1
	wait_for 30 alert_is TlBatchFailed ""
	echo "# good run to cleared alert: $((SECONDS - t0)) s" >&3
	run curl -fsS "http://$NODE/metrics"
	assert_line 'tl_batch_learners_out 300'
	# node_exporter sorts the labels
	assert_line --regexp '^tl_batch_active_info\{algo_version="v2",generation="[0-9T.]+Z"\} 1$'
}

@test "AL004: every metric the dashboard queries is one a real run emits" {
	local dash=$TL_ROOT/config/grafana/tl-dashboard.json
	jq -e '.panels | length >= 6' "$dash" >/dev/null
	run tl-batch --config good.conf
	assert_success
	cp textfile/tl_batch.prom good.prom
	run tl-batch --config bad.conf   # a failed run's names too
	assert_failure 65
	local emitted used missing
	emitted=$(grep -hoE '^[a-z_]+' good.prom textfile/tl_batch.prom out/current/*.prom | sort -u)
	used=$(jq -r '.. | .expr? // empty' "$dash" | grep -oE '\b(tl|node)_[a-z_]+' | sort -u)
	[ -n "$used" ]
	missing=$(comm -13 <(printf '%s\n' "$emitted") <(printf '%s\n' "$used"))
	[ -z "$missing" ] || { echo "the dashboard queries metrics no run emits: $missing"; false; }
	# the check can fail: a panel with a made-up name
	jq '.panels[0].targets[0].expr = "tl_batch_made_up"' "$dash" | jq -r '.. | .expr? // empty' |
		grep -oE '\btl_[a-z_]+' | sort -u | comm -13 <(printf '%s\n' "$emitted") - | grep -qx tl_batch_made_up
}
