# rollout_helper.bash - the drills of tl-rollout, shared by rollout.bats
# and tl-report.bats (which reports a real rollout's audit log): the
# batches of learners, the drill's rollout.json and one look.
# shellcheck disable=SC2034 # V1, V2: used by the files that load this one

V1=$TL_ROOT/config/v1.json
V2=$TL_ROOT/config/v2.json

# drill_batches LEARNERS: learners with the fields of tl-score, in
# batches of 4,000 (BATS_FILE_TMPDIR/b1.csv, b2.csv, ...).
drill_batches() {
	local d=$BATS_FILE_TMPDIR
	tl-loadgen --learners "$1" --seed 3 | tl-velocity --as-of 2025-10-01 | tl-affinity | tl-retention -o csv >"$d/all.csv"
	awk -F, -v d="$d" 'NR == 1 { h = $0; next }
		{ b = int((NR - 2) / 4000) + 1; f = d "/b" b ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 } print > f }' "$d/all.csv"
}

# conf EFFECT [TREATMENT [CHURN_EFFECT [OUTCOME_CMD]]]: the drill's
# rollout.json: v1 to TREATMENT (default v2), outcomes from tl-loadgen
# --assignment with the true ROI effect EFFECT (and churn effect); the
# ramp wants RAMP_MIN treated learners (default 200) and a lift of at
# least MIN_LIFT (default 0).
conf() {
	local cmd="tl-loadgen --seed 3 --assignment {assignment} --effect $1 --churn-effect ${3:-0} --outcome-sd 0.1"
	[ -z "${4:-}" ] || cmd=$4
	cat >rollout.json <<EOF
{
  "control": "$V1", "treatment": "${2:-$V2}",
  "state": "state", "textfile": "tf", "min_lift": ${MIN_LIFT:-0},
  "outcome_command": "$cmd",
  "stages": [
    {"name": "canary", "pct": 1, "min_learners": 60, "max_looks": 6, "error_rate": {"pass": 0.01, "abort": 0.02}},
    {"name": "ramp", "pct": 10, "min_learners": ${RAMP_MIN:-200}, "max_looks": 6, "require_lift": true, "error_rate": {"pass": 0.005, "abort": 0.01}},
    {"name": "full", "pct": 100}
  ]
}
EOF
}

b() { echo "$BATS_FILE_TMPDIR/b$1.csv"; }
look() { run --separate-stderr tl-rollout --config rollout.json "$(b "$1")"; }
entry() { sed -n "$(($1 + 1))p" state/audit.jsonl; }   # entry LOOK (line 1: the start)
