#!/usr/bin/env bats
# slow-rollout: the plan's full-size decision taken by tl-rollout: 500,000
# synthetic learners (about 15 million events through the pipeline, then
# a look over 500,000 learner records: about a minute of CPU), and the
# churn guardrail at 100,000 (3 points of churn need tens of thousands of
# learners per arm to show), kept out of tests/rollout.bats so that file
# stays fast; not run under the sanitizers.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

@test "SLOWROL001: the full-size decision: 500,000 learners, 250,000 per arm; v2 at +6.3% ROI promoted: lift > 4% at 95% confidence, churn not worse, no archetype harmed, mix within 2 points" {
	cd "$BATS_TEST_TMPDIR" || return
	local t0=$SECONDS
	tl-loadgen --learners 500000 --seed 21 | tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention -o csv >learners.csv
	local t1=$SECONDS
	# one A/B stage at 50%, decided at its one look by the plan's criteria
	cat >rollout.json <<EOF
{
  "control": "$TL_ROOT/config/v1.json", "treatment": "$TL_ROOT/config/v2.json",
  "state": "state", "textfile": "tf",
  "outcome_command": "tl-loadgen --seed 21 --assignment {assignment} --effect 0.063",
  "min_lift": 0.04, "min_lift_confidence": true, "power": 0.8, "mde": 0.04,
  "stages": [
    {"name": "ab", "pct": 50, "min_learners": 245000, "max_looks": 1, "require_lift": true,
     "max_mix_diff": 0.02, "error_rate": {"pass": 0.005, "abort": 0.01}},
    {"name": "full", "pct": 100}
  ]
}
EOF
	run --separate-stderr tl-rollout --config rollout.json learners.csv
	local t2=$SECONDS
	assert_success
	local e
	e=$(tail -n 1 state/audit.jsonl)
	jq -e '.decision == "promote" and .active == "full" and .batch.learners_in == 500000 and .batch.scored == 500000' <<<"$e"
	# the criteria, each from the entry
	jq -e '.n_outcomes.control > 245000 and .n_outcomes.treatment > 245000' <<<"$e"
	jq -e '.roi.lift_low > 0.04 and .roi.lift_ci[0] > 0.04' <<<"$e"
	jq -e '.roi.lift_ci[0] < 0.063 and .roi.lift_ci[1] > 0.063' <<<"$e"   # the truth inside
	jq -e '.churn.diff <= 0 or .churn.p > 0.05' <<<"$e"
	jq -e '(.criteria[] | select(.name == "segments") | .negative) == []' <<<"$e"
	jq -e '(.criteria[] | select(.name == "mix") | .max_diff) <= 0.02' <<<"$e"
	jq -e '(.criteria | map(.result) | unique) == ["pass"]' <<<"$e"
	jq -r --arg gen "$((t1 - t0))" --arg look "$((t2 - t1))" '"# decision \(.decision): n \(.n_outcomes.control) + \(.n_outcomes.treatment); ROI lift \(.roi.lift * 1e4 | round / 100)% [\(.roi.lift_ci[0] * 1e4 | round / 100)%, \(.roi.lift_ci[1] * 1e4 | round / 100)%], confidence-sequence lower end \(.roi.lift_low * 1e4 | round / 100)% (> 4%); power to detect 4%: \(.roi.power.achieved_power) (detectable lift \(.roi.power.detectable_lift * 1e4 | round / 100)%); churn diff \(.churn.diff * 1e4 | round / 100) points, p \(.churn.p); max mix diff \((.criteria[] | select(.name == "mix") | .max_diff) * 1e4 | round / 100) points; wall: learners \($gen) s, look \($look) s"' <<<"$e" >&3
}

@test "SLOWROL002: churn 3 points worse (ROI unchanged) is aborted by the churn guardrail at a 50% look of 100,000 learners; v1 active again" {
	cd "$BATS_TEST_TMPDIR" || return
	tl-loadgen --learners 100000 --seed 22 | tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention -o csv >learners.csv
	cat >rollout.json <<EOF
{
  "control": "$TL_ROOT/config/v1.json", "treatment": "$TL_ROOT/config/v2.json",
  "state": "state", "textfile": "tf",
  "outcome_command": "tl-loadgen --seed 22 --assignment {assignment} --churn-effect 0.03",
  "stages": [
    {"name": "ab", "pct": 50, "min_learners": 1000, "max_looks": 4, "require_lift": true,
     "error_rate": {"pass": 0.005, "abort": 0.01}},
    {"name": "full", "pct": 100}
  ]
}
EOF
	run --separate-stderr tl-rollout --config rollout.json learners.csv
	assert_failure 1
	local e
	e=$(tail -n 1 state/audit.jsonl)
	jq -e '.decision == "abort" and .reason == "churn" and .active == "baseline"' <<<"$e"
	jq -e '.churn.diff > 0.015 and .churn.diff < 0.045 and .sequential.churn < 0.05' <<<"$e"
	[ "$(readlink state/active)" = releases/baseline ]
	jq -r --arg s "$(cat state/rollback_seconds)" \
		'"# churn +\(.churn.diff * 1e4 | round / 100) points, sequential p \(.sequential.churn): \(.decision) (\(.reason)); rollback \($s) s"' <<<"$e" >&3
}
