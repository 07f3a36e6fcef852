#!/usr/bin/env bats
# rollout.bats - tl-rollout: the drills of tl-ops(7), CANARY ROLLOUT, on
# synthetic learners whose outcomes depend on the arm the rollout itself
# assigned (tl-loadgen --assignment keeps the truth): a good treatment
# promoted 1% -> 10% -> 100%, a harmful one aborted at the first look that
# detects it, a broken one aborted before it scores anyone, and a rollout
# killed mid-stage that resumes. Each checks that nothing was lost: every
# learner of every look scored exactly once, by the config of its arm, and
# the published counts reconcile with the input. Populations are small
# (40,000 learners in batches of 4,000) so that the file stays short under
# ASan; the stage sizes of the drill config are scaled to them.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
load rollout_helper
bats_require_minimum_version 1.5.0

setup_file() {
	drill_batches 40000   # ten batches of 4,000
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
}

active() { readlink state/active; }
metric() { sed -n "s/^$1 //p" tf/tl_rollout.prom; }

# nothing_lost BATCH...: the committed looks, in order, are these batches:
# every learner of each scored once (no id twice over all looks), by the
# config of its arm only, and each look reconciles: learners in = the
# batch's rows = scored + rejected, and its published output holds the
# scored ones.
nothing_lost() {
	local n=0 bt dir
	for bt in "$@"; do
		n=$((n + 1))
		dir=state/looks/$(printf %06d "$n")
		[ -d "$dir" ] || { echo "look $n: no directory"; return 1; }
		local rows in scored rejected lines
		rows=$(($(wc -l <"$(b "$bt")") - 1))
		read -r in scored rejected < <(jq -r '"\(.batch.learners_in) \(.batch.scored) \(.batch.rejected)"' "$dir/entry.json")
		lines=$(wc -l <"$dir/learners.ndjson")
		if [ "$in" -ne "$rows" ] || [ "$in" -ne $((scored + rejected)) ] || [ "$lines" -ne "$scored" ]; then
			echo "look $n: batch $bt has $rows rows; in $in, scored $scored, rejected $rejected, published $lines"
			return 1
		fi
		# the learners are the batch's
		diff <(tail -n +2 "$(b "$bt")" | cut -d, -f1 | sort) <(jq -r .learner_id "$dir/learners.ndjson" | sort) >/dev/null ||
			{ echo "look $n: other learners than batch $bt"; return 1; }
		# one config per arm: control by v1, treatment by the treatment's
		local bad
		bad=$(jq -r --arg t "$(jq -r .treatment.algo_version "$dir/entry.json")" \
			'select(((.arm // "control") == "control" and .algo_version != "v1") or (.arm == "treatment" and .algo_version != $t)) | .learner_id' \
			"$dir/learners.ndjson" | head -n 3)
		[ -z "$bad" ] || { echo "look $n: scored by the other arm's config: $bad"; return 1; }
	done
	[ "$(jq -R 'fromjson? | select(.event == null and .decision != "start")' state/audit.jsonl | jq -s length)" -eq "$n" ] ||
		{ echo "the audit has other looks than $n"; return 1; }
	local dups
	dups=$(cat state/looks/*/learners.ndjson | jq -r .learner_id | sort | uniq -d | head -n 3)
	[ -z "$dups" ] || { echo "scored twice: $dups"; return 1; }
	# nothing staged, nothing uncommitted
	[ -z "$(ls -A state/.staging)" ] || { echo "staging not empty: $(ls -A state/.staging)"; return 1; }
	[ "$(find state/looks -mindepth 1 -maxdepth 1 | wc -l)" -eq "$n" ] || { echo "uncommitted look directories"; return 1; }
}

# one_active: exactly one active config: state/active is the one link to a
# release, and the release it names is complete.
one_active() {
	[ -L state/active ] || { echo "no active link"; return 1; }
	local r
	r=$(readlink state/active)
	if [[ $r != releases/* ]] || [ ! -s "state/$r/config.json" ]; then echo "active names $r"; return 1; fi
	if [ -e "state/$r/treatment.json" ]; then [ -s "state/$r/pct" ] || { echo "$r: a treatment without a pct"; return 1; }; fi
	[ "$(find state -maxdepth 1 -name 'active*' | wc -l)" -eq 1 ] || { echo "more than one active link"; return 1; }
}

@test "ROL001: drill 1: a good treatment (+6.3% ROI) is promoted 1% -> 10% -> 100%; nothing lost" {
	conf 0.063
	local verdicts=() i
	for i in 1 2 3 4 5 6; do
		look "$i"
		verdicts+=("$status")
		[ "$status" -ne 0 ] || [ "$(active)" != releases/full ] || break
	done
	echo "exits: ${verdicts[*]}" >&3
	[ "$(active)" = releases/full ]
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"promote: the active config is now stage full: the rollout is complete"* ]]
	# each stage promoted once; canary held until it had 60 treated learners
	[ "$(jq -R 'fromjson? | select(.decision == "promote") | .stage' state/audit.jsonl | tr -d '"' | tr '\n' ' ')" = "canary ramp " ]
	[ "$(jq -R 'fromjson? | select(.decision == "hold") | .reason' state/audit.jsonl | sort -u | tr -d '"')" = min_learners ]
	local n=${#verdicts[@]} ramp
	ramp=$(jq -R 'fromjson? | select(.stage == "ramp" and .decision == "promote")' state/audit.jsonl)
	# the promotion rests on a significant gain with the truth inside its interval
	jq -e '.roi.p_seq < 0.05 and .roi.lift > 0 and .roi.lift_ci[0] < 0.063 and .roi.lift_ci[1] > 0.063' <<<"$ramp"
	# the lift's confidence sequence (tl-report draws it): the difference's over the control mean, around the lift
	jq -e '.roi.lift_low == .roi.cs[0] / .roi.mean_control and .roi.lift_high == .roi.cs[1] / .roi.mean_control and
		.roi.lift_low < .roi.lift and .roi.lift < .roi.lift_high' <<<"$ramp"
	jq -e '.pct == 10 and .n_outcomes.treatment >= 200 and (.criteria | map(.result) | unique) == ["pass"]' <<<"$ramp"
	nothing_lost $(seq "$n")
	one_active
	[ "$(metric tl_rollout_complete)" = 1 ]
	[ "$(metric tl_rollout_pct)" = 100 ]
	[ "$(metric tl_rollout_aborted)" = 0 ]
	grep -qx 'tl_rollout_active_info{release="full",algo_version="v2",treatment="none"} 1' tf/tl_rollout.prom
	promtool check metrics <tf/tl_rollout.prom
	# the published output is the last look's
	[ "$(readlink state/current)" = "looks/$(printf %06d "$n")" ]
	# once complete, a run does nothing
	run --separate-stderr tl-rollout --config rollout.json "$(b 9)"
	assert_failure 3
	[[ "$stderr" == *"the rollout is complete: v2 is the config of every learner"* ]]
	[ ! -e "state/looks/$(printf %06d $((n + 1)))" ]
}

@test "ROL002: drill 2: a harmful treatment (-5% ROI) is aborted at the first look that detects it; v1 is active again; the rollback takes seconds" {
	conf -0.05
	local batch n=0 e i
	# (bats' run uses the name i)
	for batch in 1 2 3 4 5 6 7 8; do
		look "$batch"
		n=$batch
		[ "$status" -ne 1 ] || break
		[ "$status" -eq 0 ] || [ "$status" -eq 2 ]
	done
	assert_failure 1
	e=$(entry "$n")
	jq -e '.decision == "abort" and .active == "baseline"' <<<"$e"
	# the sequential test detected the loss here, and at no look before
	jq -e '(.reason | split(",") | index("lift")) != null and .sequential.harm < 0.05 and .roi.diff < 0' <<<"$e"
	for ((i = 1; i < n; i++)); do
		entry "$i" | jq -e '(.sequential.harm // 1) >= 0.05 and .decision != "abort"'
	done
	# the abort look's evidence, analysed again, gives the same p
	local stage_csv
	stage_csv=state/looks/$(printf %06d "$n")/stage.csv
	run tl-abtest --sequential --metric roi --by archetype --expect 90:10 --format json "$stage_csv"
	jq -e --argjson p "$(jq .roi.p_seq <<<"$e")" '.metrics[0].sequential.p == $p' <<<"$output"
	# the old config active again, and said so
	[ "$(active)" = releases/baseline ]
	cmp state/releases/baseline/config.json "$V1"
	[ "$(metric tl_rollout_aborted)" = 1 ]
	[ "$(metric tl_rollout_pct)" = 0 ]
	grep -qx 'tl_rollout_decision{decision="abort"} 1' tf/tl_rollout.prom
	grep -qx 'tl_rollout_active_info{release="baseline",algo_version="v1",treatment="none"} 1' tf/tl_rollout.prom
	local secs
	secs=$(metric tl_rollout_rollback_seconds)
	echo "# aborted at look $n ($(jq -r .stage <<<"$e"), $(jq -r .pct <<<"$e")%, lift $(jq -r .roi.lift <<<"$e")); rollback $secs s (decision to v1 active and published)" >&3
	awk -v s="$secs" 'BEGIN { exit !(s > 0 && s < 300) }'
	[[ "$stderr" == *"rolled back, the active config is v1 again, in "* ]]
	nothing_lost $(seq "$n")
	one_active
	# the next batch is not scored at all: the rollout is over
	run --separate-stderr tl-rollout --config rollout.json "$(b 10)"
	assert_failure 3
	[[ "$stderr" == *"the rollout was aborted (look $n, "* ]]
}

@test "ROL003: drill 3: a broken treatment is aborted before it scores anyone: a config that does not load, one that fails on most learners" {
	local kind
	# a config that does not load, and one whose rule reads a text field
	# as a number: it fails on every learner with a top domain
	sed 's/"algo_version": *"v2"/"algo_version": "v2-broken", "bogus": 1/' "$V2" >broken.json
	v2_config_with failing.json 's/"when": \[/"when": [["top_domain", ">", 0], /'
	for kind in broken failing; do
		rm -rf state tf
		conf 0 "$BATS_TEST_TMPDIR/$kind.json"
		look 1
		assert_failure 1
		local e
		e=$(entry 1)
		if [ "$kind" = broken ]; then
			jq -e '.reason == "config" and (.criteria[0].reason | test("does not load"))' <<<"$e"
		else
			jq -e '.reason == "error_rate" and .error_rate.treatment > 0.9 and .error_rate.control == 0' <<<"$e"
		fi
		# nobody scored by the treatment: the batch went to v1 alone
		[ "$(jq -r '.arm // "none"' state/looks/000001/learners.ndjson | sort -u)" = none ]
		[ "$(jq -r .algo_version state/looks/000001/learners.ndjson | sort -u)" = v1 ]
		jq -e '.batch.treatment == 0 and .batch.scored == 4000' <<<"$e"
		[ "$(active)" = releases/baseline ]
		[ "$(metric tl_rollout_aborted)" = 1 ]
		nothing_lost 1
		one_active
		echo "# $kind: aborted before scoring; rollback $(metric tl_rollout_rollback_seconds) s" >&3
	done
}

# blocker: an outcome command that says it started, then waits for the
# file go before it writes the outcomes: a run can be killed inside a look.
blocker() {
	cat >block.sh <<EOF
#!/bin/sh
touch "$BATS_TEST_TMPDIR/reached"
while [ ! -e "$BATS_TEST_TMPDIR/go" ]; do sleep 0.05; done
exec tl-loadgen --seed 3 --assignment "\$1" --effect 0.063 --outcome-sd 0.1
EOF
	chmod +x block.sh
}

wait_for() { # wait_for SECONDS CMD...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

# bats test_tags=heavy
@test "ROL004: drill 4: a rollout killed mid-stage (SIGKILL) resumes from the audit log; never two active configs; nothing lost" {
	blocker
	# the ramp holds until it has 1,000 treated learners: three looks to kill
	RAMP_MIN=1000 conf 0.063 "$V2" 0 "$BATS_TEST_TMPDIR/block.sh {assignment}"
	touch go
	look 1
	assert_failure 2   # canary, held for more learners
	rm go reached
	# killed while look 2 waits for its outcomes
	tl-rollout --config rollout.json "$(b 2)" 2>killed.log &
	local pid=$!
	wait_for 60 test -e reached
	kill -9 "$pid"
	wait "$pid" || true
	# the kill left: look 1 committed and active, look 2 nowhere but staging
	one_active
	[ "$(active)" = releases/canary ]
	[ "$(readlink state/current)" = looks/000001 ]
	[ ! -e state/looks/000002 ]
	[ "$(wc -l <state/audit.jsonl)" -eq 2 ]
	[ -n "$(ls state/.staging)" ]
	touch go   # the killed run's outcome command goes on, into a staging directory nobody reads
	# the next run resumes: it clears the staging, takes look 2 again
	look 2
	[[ "$stderr" != *"was not committed"* ]]
	[ "$status" -eq 0 ] || [ "$status" -eq 2 ]
	jq -e '.look == 2' <<<"$(entry 2)"
	# a SIGKILL between the commit and the switch: the audit says ramp, the
	# link still canary; the next run finishes the switch first
	[ "$(entry 2 | jq -r .active)" = ramp ]   # look 2 promoted the canary
	ln -sfn releases/canary state/.active.tmp && mv -T state/.active.tmp state/active
	ln -sfn looks/000001 state/current
	run --separate-stderr tl-rollout --config rollout.json --status
	assert_success
	[ "$(active)" = releases/ramp ]
	[ "$(readlink state/current)" = looks/000002 ]
	cp state/audit.jsonl audit.before
	# SIGKILLs at other moments: each run is either committed whole or not at all
	local bt=3 delay killed=0
	for delay in 0.05 0.15 0.3 0.5 0.8; do
		[ "$(active)" != releases/full ] || break
		tl-rollout --config rollout.json "$(b "$bt")" 2>/dev/null &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" || true
		one_active
		# resume: the same batch again, unless its look was committed (a
		# command the killed run had just started may hold the lock for a
		# moment: exit 75, try again)
		look "$bt"
		local tries=0
		while [ "$status" -eq 75 ] && [ $((tries += 1)) -le 50 ]; do sleep 0.1; look "$bt"; done
		if [ "$status" -eq 65 ]; then
			[[ "$stderr" == *"was scored by an earlier look"* ]]
		else
			[ "$status" -le 2 ]
		fi
		one_active
		bt=$((bt + 1))
	done
	while [ "$(active)" != releases/full ] && [ "$bt" -le 10 ]; do
		look "$bt"
		bt=$((bt + 1))
	done
	echo "# $killed runs killed at random moments; the rollout went on to $(active)" >&3
	# the audit log only grew
	cmp -n "$(stat -c %s audit.before)" audit.before state/audit.jsonl
	[ "$(active)" = releases/full ]
	# a killed run's tools may still have been writing when the last run
	# cleaned the staging; the next run removes what they left
	wait_for 30 cleaned
	nothing_lost $(seq $((bt - 1)))
	one_active
}

cleaned() { tl-rollout --config rollout.json --status >/dev/null 2>&1 && [ -z "$(ls -A state/.staging)" ]; }

@test "ROL005: the assignment is stable as the percentage grows: treated at 1% stays treated at 10% and 100%" {
	local pct
	for pct in 1 10 100; do
		tl-score --config "$V1" --canary "$pct" --treatment "$V2" "$(b 1)" | jq -r 'select(.arm == "treatment") | .learner_id' | sort >"t$pct"
	done
	[ "$(wc -l <t1)" -gt 10 ]
	[ "$(wc -l <t100)" -eq 4000 ]
	[ -z "$(comm -23 t1 t10)" ]
	[ -z "$(comm -23 t10 t100)" ]
	# about 1% and 10%
	[ "$(wc -l <t1)" -lt 80 ] && [ "$(wc -l <t10)" -gt 320 ] && [ "$(wc -l <t10)" -lt 480 ]
}

@test "ROL006: tl-loadgen --assignment: the truth of the population, the effects in the treatment arm, deterministic" {
	printf 'learner_id,arm\n' >a.csv
	seq 1 20000 | awk '{ printf "L%07d,%s\n", $1, $1 % 2 ? "treatment" : "control" }' >>a.csv
	tl-loadgen --seed 9 --assignment a.csv --effect 0.1 --churn-effect 0.05 >o1.csv
	tl-loadgen --seed 9 --assignment a.csv --effect 0.1 --churn-effect 0.05 --output o2.csv
	cmp o1.csv o2.csv
	[ "$(head -n 1 o1.csv)" = learner_id,true_archetype,arm,roi,churned ]
	[ "$(wc -l <o1.csv)" -eq 20001 ]
	# the true archetypes are those of the event log of the same seed
	diff <(tl-loadgen --learners 300 --seed 9 --truth | tail -n +2 | cut -d, -f1,6 | uniq) \
		<(sed -n '2,301p' o1.csv | cut -d, -f1,2)
	# the effects: roi x1.1, churn +5 points (4 standard errors)
	run awk -F, 'NR > 1 { n[$3]++; r[$3] += $4; c[$3] += $5 }
		END { printf "%.4f %.4f\n", r["treatment"] / n["treatment"] / (r["control"] / n["control"]), c["treatment"] / n["treatment"] - c["control"] / n["control"] }' o1.csv
	read -r ratio churn <<<"$output"
	awk -v r="$ratio" -v c="$churn" 'BEGIN { exit !(r > 1.06 && r < 1.14 && c > 0.03 && c < 0.07) }'
	# bad input
	printf 'learner_id,arm\nX1,control\n' >bad.csv
	run --separate-stderr tl-loadgen --assignment bad.csv
	assert_failure 65
	[[ "$stderr" == *"bad.csv:2: learner id 'X1' is not tl-loadgen's"* ]]
	printf 'learner_id,arm\nL1,both\n' >bad.csv
	run --separate-stderr tl-loadgen --assignment bad.csv
	assert_failure 65
	run --separate-stderr tl-loadgen --assignment a.csv --arm-split 1:1
	assert_failure 64
	run --separate-stderr tl-loadgen --churn-effect 0.1
	assert_failure 64
}

@test "ROL007: the rollout alert: TlRolloutAborted fires on an aborted rollout and not on a running one (promtool)" {
	run promtool check rules "$TL_ROOT/config/prometheus/tl-alerts.yml"
	assert_success
	run promtool test rules "$TL_ROOT/tests/prometheus/tl-rollout.test.yml"
	assert_success
	# the test can fail: the rule with another threshold
	mkdir -p t/config/prometheus t/tests/prometheus
	sed 's/tl_rollout_aborted == 1/tl_rollout_aborted == 2/' "$TL_ROOT/config/prometheus/tl-alerts.yml" >t/config/prometheus/tl-alerts.yml
	cp "$TL_ROOT/tests/prometheus/tl-rollout.test.yml" t/tests/prometheus/
	run promtool test rules t/tests/prometheus/tl-rollout.test.yml
	assert_failure
	assert_output --partial "alertname: TlRolloutAborted"
}

@test "ROL008: a batch is scored once: a learner of an earlier look, or twice in a batch, is refused; a manual abort rolls back" {
	conf 0.063
	look 1
	assert_failure 2
	look 1
	assert_failure 65
	[[ "$stderr" == *"was scored by an earlier look: a batch is scored once"* ]]
	[[ "$stderr" == *"nothing committed; the active config is still stage canary"* ]]
	{ cat "$(b 2)"; tail -n 1 "$(b 2)"; } >twice.csv
	run --separate-stderr tl-rollout --config rollout.json twice.csv
	assert_failure 65
	[[ "$stderr" == *"is in the batch twice"* ]]
	[ "$(wc -l <state/audit.jsonl)" -eq 2 ]
	# a torn last line (a machine that went down mid-write) is skipped
	printf '{"ts": "2026-' >>state/audit.jsonl
	run --separate-stderr tl-rollout --config rollout.json --status
	assert_success
	assert_line 'active canary: config v1, treatment v2 at 1%'
	run --separate-stderr tl-rollout --config rollout.json --abort
	assert_failure 1
	[ "$(active)" = releases/baseline ]
	sed -n 4p state/audit.jsonl | jq -e '.event == "abort" and .reason == "manual"'
	[ "$(sed -n 3p state/audit.jsonl)" = '{"ts": "2026-' ]
	[ "$(metric tl_rollout_aborted)" = 1 ]
	nothing_lost 1
	# a whole line that is not an object is a damaged log, not a torn one: 65, its line named
	cp state/audit.jsonl kept.jsonl
	printf '{"look": 9, oops}\n' >>state/audit.jsonl
	run --separate-stderr tl-rollout --config rollout.json --status
	assert_failure 65
	[[ "$stderr" == *"state/audit.jsonl:5: not a JSON object (a damaged audit log)"* ]] || { echo "$stderr"; false; }
	# the same cut short (no closing brace) is skipped, as tl-report skips it
	{ cat kept.jsonl; printf '{"look": 9, oo\n'; } >state/audit.jsonl
	run --separate-stderr tl-rollout --config rollout.json --status
	assert_success
}

@test "ROL009: config errors are clear and exit 64 or 66; a look needs input files" {
	echo '{"control": "a", "treatment": "b", "state": "s", "stages": [{"name": "x", "pct": 5}], "nope": 1}' >bad.json
	run --separate-stderr tl-rollout --config bad.json "$(b 1)"
	assert_failure 64
	[[ "$stderr" == *"unknown key nope"* ]]
	[[ "$stderr" == *"stages wants a list of at least two stages"* ]]
	echo '{' >bad.json
	run --separate-stderr tl-rollout --config bad.json "$(b 1)"
	assert_failure 64
	[[ "$stderr" == *"not valid JSON"* ]]
	run --separate-stderr tl-rollout --config nowhere.json "$(b 1)"
	assert_failure 66
	conf 0
	run --separate-stderr tl-rollout --config rollout.json
	assert_failure 64
	run --separate-stderr tl-rollout --config rollout.json --nope
	assert_failure 64
	sed 's/"pct": 10,/"pct": 0.5,/' rollout.json >r2.json
	run --separate-stderr tl-rollout --config r2.json "$(b 1)"
	assert_failure 64
	[[ "$stderr" == *"the stages want increasing percentages"* ]]
	# the shipped config is valid (with this tree's configs, a scratch state)
	jq --arg c "$V1" --arg t "$V2" '.control = $c | .treatment = $t | .state = "shipped" | .textfile = null' \
		"$TL_ROOT/config/rollout.json" >shipped.json
	run --separate-stderr tl-rollout --config shipped.json --status
	assert_failure 1
	[[ "$stderr" == *"no rollout has started"* ]]
}

@test "ROL010: make install: tl-rollout, its page, config/rollout.json and the shell library it shares with tl-batch; the installed tl-rollout finds it" {
	local r=$BATS_TEST_TMPDIR/root/usr
	run make -C "$TL_ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	[ -x "$r/bin/tl-rollout" ]
	[ -f "$r/share/man/man1/tl-rollout.1" ]
	[ -f "$r/share/tl/rollout.json" ]
	[ -f "$r/share/tl/lib/tl.sh" ]
	PATH="$r/bin:/usr/bin:/bin" run --separate-stderr "$r/bin/tl-rollout" --version
	assert_success
	PATH="$r/bin:/usr/bin:/bin" run --separate-stderr "$r/bin/tl-batch" --version
	assert_success
}
