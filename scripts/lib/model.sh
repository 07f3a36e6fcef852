# shellcheck shell=bash
# model.sh - the loop of a tl-model fit over shards (tl-model(1) SHARDED
# FITS), sourced, not run, by bash with set -eu (tl-parallel, or a script
# of one's own):
#
#   tl_model_fit_loop RUN DIR OUTPUT
#
# runs passes until tl-model --merge writes the model, then publishes it
# as OUTPUT (a temporary in OUTPUT's directory renamed over it, so OUTPUT
# is the old file or the whole new model, never a part). Each pass P
# (0, 1, ...) calls the command
#
#   RUN P STATE STATSDIR
#
# which must run, for every shard, the same
#   tl-model --fit SETTINGS --emit-stats [--state STATE] --output STATSDIR/NAME.stats SHARD
# (--state STATE when STATE is not empty, as from pass 1 on; NAME is the
# shard's, any name), wait for all of them, and return non-zero when one
# failed: itself, since it runs as a condition, where set -e does not
# stop it (end each command with || return 1). STATE is DIR/state-P, which RUN may copy to other hosts; the
# stats of pass P are merged with
#   tl-model --merge [--state STATE] --output DIR/state-(P+1) STATSDIR/*.stats
# whose output is the next state, or the model file (its first byte '{').
# DIR holds pass-P/ and state-P of every pass; the caller removes it.
# Returns 0 with OUTPUT published, or 1 with a message on the standard
# error (and OUTPUT untouched) when RUN or a merge fails, when a pass
# leaves no stats, or after TL_MODEL_MAX_PASSES passes (default 6010,
# above the most tl-model can take: 100 iterations of at most 60 steps,
# and 3 passes more).

tl_model_fit_loop() {
	local run=$1 dir=$2 output=$3 pass=0 state="" next tmp
	local max=${TL_MODEL_MAX_PASSES:-6010}
	local -a stats
	while [ "$pass" -lt "$max" ]; do
		rm -rf "$dir/pass-$pass"
		mkdir -p "$dir/pass-$pass"
		if ! "$run" "$pass" "$state" "$dir/pass-$pass"; then
			echo "tl_model_fit_loop: pass $pass: a shard failed; nothing is published" >&2
			return 1
		fi
		stats=("$dir/pass-$pass"/*.stats)
		if [ "${#stats[@]}" -eq 0 ] || [ ! -e "${stats[0]}" ]; then
			echo "tl_model_fit_loop: pass $pass left no stats file in $dir/pass-$pass" >&2
			return 1
		fi
		next=$dir/state-$((pass + 1))
		if ! tl-model --merge ${state:+--state "$state"} --output "$next" "${stats[@]}"; then
			echo "tl_model_fit_loop: pass $pass: the merge failed; nothing is published" >&2
			return 1
		fi
		if [ "$(head -c 1 "$next")" = "{" ]; then
			tmp=$(dirname "$output")/.$(basename "$output").$$
			if cp "$next" "$tmp" && mv -f "$tmp" "$output"; then
				return 0
			fi
			rm -f "$tmp"
			echo "tl_model_fit_loop: cannot publish $output" >&2
			return 1
		fi
		state=$next
		pass=$((pass + 1))
	done
	echo "tl_model_fit_loop: no model after $max passes" >&2
	return 1
}
