#!/bin/sh
# import-openedx-tracking.sh - turn a raw Open edX tracking log (each line
# a logger prefix, then one tracking event as JSON) into tl event NDJSON
# (DESIGN §2), one event per tracking event, in the log's order.
#
# usage: import-openedx-tracking.sh [-k] [-o FILE] LOG...
#
#   LOG      a tracking.log: "2023-05-23 13:53:13,461 INFO 20 [tracking]
#            [user 6] [ip ...] logger.py:41 - {...}"; everything before the
#            first '{' of a line is the prefix (a line without one is
#            read as JSON as it is)
#   -k       skip the lines that are not a JSON object after the prefix
#            (counted on stderr) instead of stopping there
#   -o FILE  write the events to FILE (atomically) instead of stdout
#
# Mapping (the tracking event's keys):
#   learner_id = context.user_id, else event.user_id (when event is an
#                object), else username when not empty
#   ts         = time, else timestamp
#   domain     = context.course_id
#   capability = event.block_id, else event.problem_id, else event.id
#                (when event is an object), else empty
#   action     = empty: a use when there is a capability, else an
#                interaction (tl(7) "Actions")
# Empty keys are left out. The events keep the log's order (time), not
# grouped by learner: read them with --ungrouped.
#
# A line whose JSON cannot be read, or that has no time, stops the import
# ("import-openedx-tracking.sh: LOG:LINE: what" on stderr, exit 65, no
# output file) unless -k; an event without a user (a server event of an
# anonymous session) is not a learner's and is left out. Nothing is
# dropped silently: stderr reports, for each LOG, lines read = events
# written + without a user + skipped.
set -eu

prog=import-openedx-tracking.sh
skip=0 out=''
usage() {
	echo "usage: $prog [-k] [-o FILE] LOG..." >&2
	exit 64
}
while getopts ko:h opt; do
	case $opt in
	k) skip=1 ;;
	o) out=$OPTARG ;;
	h) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
command -v jq >/dev/null || { echo "$prog: jq is needed (apt-get install jq)" >&2; exit 69; }

# The event of each line, or "#bad WHAT" / "#nouser" in its place.
# shellcheck disable=SC2016 # jq's $variables, not the shell's
JQ='
def obj: if type == "object" then . else {} end;
if test("^[[:space:]]*$") then "#blank" else
(sub("^[^{]*"; "") | try fromjson catch null) as $e
| if ($e | type) != "object" then "#bad the JSON after the logger prefix cannot be read"
  else
    ($e.context | obj) as $c | ($e.event | obj) as $v
    | ($c.user_id // $v.user_id // (if ($e.username // "") != "" then $e.username else null end)) as $u
    | ($e.time // $e.timestamp) as $t
    | if $u == null then "#nouser"
      elif ($t | type) != "string" then "#bad no time"
      else {learner_id: ($u | tostring), ts: $t, domain: ($c.course_id // ""),
            capability: ($v.block_id // $v.problem_id // $v.id // "")}
           | with_entries(select(.value != "")) | tojson
      end
  end
end'

# import LOG: its events on stdout, its counts (or the first bad line) on stderr.
import() {
	[ -r "$1" ] || { echo "$prog: cannot open $1" >&2; exit 66; }
	jq -R -r "$JQ" "$1" | awk -v prog="$prog" -v file="$1" -v skip="$skip" '
		/^#blank$/ { next }
		/^#nouser$/ { nouser++; read++; next }
		/^#bad / {
			if (!skip) { printf "%s: %s:%d: %s\n", prog, file, NR, substr($0, 6) > "/dev/stderr"; bad = 1; exit 65 }
			skipped++; read++; next
		}
		{ print; events++; read++ }
		END {
			if (!bad)
				printf "%s: %s: %d lines = %d events + %d without a user + %d skipped\n", prog, file,
					read, events, nouser, skipped > "/dev/stderr"
		}'
}

tmp_out=''
cleanup() { rm -f ${tmp_out:+"$tmp_out"}; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -n "$out" ]; then
	tmp_out="$out.tmp.$$"
	for log in "$@"; do import "$log"; done >"$tmp_out"
	mv "$tmp_out" "$out"
	tmp_out=''
else
	for log in "$@"; do import "$log"; done
fi
