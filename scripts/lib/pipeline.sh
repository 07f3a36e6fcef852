# pipeline.sh - the pipeline of tl-batch(1)'s config file, shared by the
# commands that run it (tl-batch: once; tl-parallel: once per shard),
# sourced, not run, after tl.sh. The format is tl-batch(1) CONFIGURATION:
# "key value" lines, # comments, relative paths relative to the file.
#
# read_pipeline_config sets CONFIG_DIR, INPUTS, STAGE_NAMES, STAGE_CMDS,
# AS_OF, OUTPUT, KEEP, TEXTFILE, MAX_REJECTS, CHURN_BAND and RESULT from
# $CONFIG. pipeline runs the stages; it reads RUN (where a run's files
# go), LOGS (where each stage's log and status go) and INPUTS (the first
# stage's operands, options too). tl-parallel copies stage_argv, run_stage,
# pipeline and failed_stage into the job a shard runs (declare -f), so
# they use nothing else of the caller.

INPUTS=() STAGE_NAMES=() STAGE_CMDS=()
AS_OF="" OUTPUT="" KEEP=7 TEXTFILE="" MAX_REJECTS="" CHURN_BAND=0.05 RESULT=learners.ndjson

config_error() { die 64 "$CONFIG:$1: $2"; }

read_pipeline_config() {
	[ -r "$CONFIG" ] || die 66 "$CONFIG: cannot read the config file"
	local dir line key rest n=0
	dir=$(cd "$(dirname "$CONFIG")" && pwd)
	CONFIG_DIR=$dir
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		read -r key rest <<<"$line" || true
		[ -n "$key" ] || continue
		[ -n "$rest" ] || config_error "$n" "'$key' wants a value"
		case $key in
		input) add_inputs "$dir" "$rest" "$n" ;;
		as_of) AS_OF=$rest ;;
		output) OUTPUT=$(absolute "$dir" "$rest") ;;
		keep) KEEP=$rest ;;
		textfile) TEXTFILE=$(absolute "$dir" "$rest") ;;
		max_rejects) MAX_REJECTS=$rest ;;
		churn_band) CHURN_BAND=$rest ;;
		result) RESULT=$rest ;;
		stage) add_stage "$rest" "$n" ;;
		*) config_error "$n" "unknown key '$key'" ;;
		esac
	done <"$CONFIG"
	[ -n "$OUTPUT" ] || config_error "$n" "no 'output' directory"
	[ "${#STAGE_NAMES[@]}" -gt 0 ] || config_error "$n" "no 'stage'"
	case $KEEP in '' | *[!0-9]* | 0) config_error "$n" "'keep' wants a count of at least 1, not '$KEEP'" ;; esac
	case $RESULT in */* | .* | '') config_error "$n" "'result' wants a plain file name, not '$RESULT'" ;; esac
	awk -v b="$CHURN_BAND" 'BEGIN { exit !(b + 0 == b && b > 0) }' ||
		config_error "$n" "'churn_band' wants a positive number, not '$CHURN_BAND'"
}

absolute() { case $2 in /*) printf '%s\n' "$2" ;; *) printf '%s/%s\n' "$1" "$2" ;; esac }

# add_inputs DIR PATTERN LINE: the files a glob names, matched in the
# config's directory, where the stages run (so messages show the names as
# the config writes them); a pattern that names no file is an error (a
# missing day of logs must not look like an empty one).
add_inputs() {
	local f found=0
	local -a files
	# shellcheck disable=SC2086 # the pattern is meant to glob
	mapfile -d '' files < <(cd "$1" && for f in $2; do [ -e "$f" ] && printf '%s\0' "$f"; done)
	for f in "${files[@]}"; do
		INPUTS+=("$f")
		found=1
	done
	[ "$found" = 1 ] || die 66 "$CONFIG:$3: no input file matches '$2'"
}

add_stage() {
	local name cmd
	read -r name cmd <<<"$1"
	case $name in '' | *[!a-z0-9_-]*) config_error "$2" "a stage name is [a-z0-9_-]+, not '$name'" ;; esac
	case $cmd in tl-*) ;; *) config_error "$2" "stage '$name' runs '${cmd%% *}', not a tl tool" ;; esac
	local s
	for s in "${STAGE_NAMES[@]}"; do
		[ "$s" != "$name" ] || config_error "$2" "two stages are named '$name'"
	done
	STAGE_NAMES+=("$name")
	STAGE_CMDS+=("$cmd")
}

# stage_argv I: the words of stage I's command, then the options every
# stage gets: the as-of, its metrics, and the reject limit.
stage_argv() {
	local -a argv
	read -ra argv <<<"${STAGE_CMDS[$1]}"
	argv=("${argv[@]//\{gen\}/$RUN}")   # {gen}: the run's directory (side outputs)
	argv+=(--as-of "$AS_OF" --metrics "$RUN/${STAGE_NAMES[$1]}.prom")
	[ -z "$MAX_REJECTS" ] || argv+=(--skip-bad --max-rejects "$MAX_REJECTS" --rejects "$RUN/${STAGE_NAMES[$1]}.rejects")
	[ "$1" -ne $((${#STAGE_NAMES[@]} - 1)) ] || argv+=(--output "$RUN/$RESULT")
	[ "$1" -ne 0 ] || argv+=("${INPUTS[@]}")
	printf '%s\0' "${argv[@]}"
}

# run_stage I: stage I, its stderr in its log, its exit status in a file
# (a pipeline's statuses, whatever its length), both in LOGS.
run_stage() {
	local -a argv
	mapfile -d '' argv < <(stage_argv "$1")
	local st=0
	(cd "$CONFIG_DIR" && exec "${argv[@]}") 2>"$LOGS/${STAGE_NAMES[$1]}.log" || st=$?
	echo "$st" >"$LOGS/${STAGE_NAMES[$1]}.status"
	return "$st"
}

pipeline() { # pipeline I: stages I.. as one pipeline
	if [ "$1" -eq $((${#STAGE_NAMES[@]} - 1)) ]; then
		run_stage "$1"
	else
		run_stage "$1" | pipeline $(($1 + 1))
	fi
}

# failed_stage: the index of the stage that caused a failure, from the
# status files in LOGS: the first that failed by itself, not by SIGPIPE
# (exit 141, a later stage died first), else the first that failed, or
# left no status; nothing when every stage exited 0.
failed_stage() {
	local i st first=""
	for i in "${!STAGE_NAMES[@]}"; do
		st=$(cat "$LOGS/${STAGE_NAMES[i]}.status" 2>/dev/null || echo -1)
		[ "$st" != 0 ] || continue
		if [ "$st" != 141 ]; then
			echo "$i"
			return 0
		fi
		[ -n "$first" ] || first=$i
	done
	[ -z "$first" ] || echo "$first"
}

# stage_value FILE METRIC: a metric's value in a stage's --metrics file.
stage_value() { awk -v m="$2" 'index($0, m "{") == 1 { v = $NF } END { if (v != "") print v }' "$1" 2>/dev/null || true; }

# shown FILE METRIC: stage_value, or "-" when the stage wrote no metrics.
shown() {
	local v
	v=$(stage_value "$1" "$2")
	printf '%s\n' "${v:--}"
}

# manifest DIR: a generation's manifest, its stages' metrics in DIR:
# lines generation, as_of, started (GEN, AS_OF, START), algo_version (the
# config tl-score used), stage and input.
manifest() {
	local i v algo=""
	for i in "${!STAGE_NAMES[@]}"; do
		v=$(sed -n 's/^tl_score_config_info{[^}]*algo_version="\([^"]*\)".*/\1/p' "$1/${STAGE_NAMES[i]}.prom" 2>/dev/null | head -1)
		[ -z "$v" ] || algo=$v
	done
	printf 'generation %s\nas_of %s\nstarted %s\n' "$GEN" "$AS_OF" "$(date -u -d "@${START%.*}" +%Y-%m-%dT%H:%M:%SZ)"
	[ -z "$algo" ] || printf 'algo_version %s\n' "$algo"
	for i in "${!STAGE_NAMES[@]}"; do printf 'stage %s %s\n' "${STAGE_NAMES[i]}" "${STAGE_CMDS[i]}"; done
	for i in "${INPUTS[@]}"; do printf 'input %s\n' "$i"; done
}

# ---- the output directory: OUTPUT/generations/GEN, OUTPUT/current, the
# lock, and OUTPUT/.staging, where a run builds its generation

# active: the generation 'current' points to, or nothing.
active() {
	if [ -L "$OUTPUT/current" ]; then basename "$(readlink "$OUTPUT/current")"; fi
}

# switch_to GEN: point 'current' at generations/GEN by one rename(2), so a
# reader sees the old generation or the new one, never a mix.
switch_to() { switch_link "$OUTPUT" current "generations/$1"; }

generations() { (cd "$OUTPUT/generations" && for g in */; do printf '%s\n' "${g%/}"; done) | sort; }

# prune: keep the newest KEEP generations, and the active one whatever its age.
prune() {
	local cur gens n i
	cur=$(active)
	mapfile -t gens < <(generations)
	n=${#gens[@]}
	for ((i = 0; i < n - KEEP; i++)); do
		[ "${gens[i]}" = "$cur" ] || rm -rf -- "$OUTPUT/generations/${gens[i]}"
	done
}

lock_output() {
	mkdir -p "$OUTPUT/generations" "$OUTPUT/.staging" || die 73 "$OUTPUT: cannot create the output directory"
	take_lock "$OUTPUT/.lock"
}

# clear_staging: a killed run's leftovers (the lock says no run is live).
# Its stages may outlive it and still be writing there, so each directory
# is renamed away first: a stage's next file by that path then fails, and
# rm cannot lose the race with it ("Directory not empty").
clear_staging() {
	local left gone
	for left in "$OUTPUT/.staging/"*; do
		[ -e "$left" ] || continue
		gone=$OUTPUT/.staging/.removed.${left##*/}
		mv -T -- "$left" "$gone" || die 73 "$left: cannot remove a killed run's staging"
	done
	for gone in "$OUTPUT/.staging/".removed.*; do
		[ -e "$gone" ] || continue
		rm -rf -- "$gone" 2>/dev/null || { sleep 1; rm -rf -- "$gone" 2>/dev/null; } || log "$gone: still being written by a killed run's stage; left for the next run"
	done
}
