#!/bin/sh
# import-openedx-tracking.sh - turn a raw Open edX tracking log into tl
# event NDJSON, one event per tracking event in the log's order; the
# mapping, the messages and the pipeline after it are in
# import-openedx-tracking(1).
#
# usage: import-openedx-tracking.sh [-k] [-o FILE] LOG ...
# Turn Open edX tracking logs into tl event NDJSON; see import-openedx-tracking(1).
#   -k          skip the lines that cannot be read (counted on stderr)
#   -o FILE     write the events to FILE (atomically) instead of stdout
#   -h, --help  show this help
set -eu

prog=import-openedx-tracking.sh
skip=0 out=''
# shellcheck source=scripts/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
[ "${1:-}" != --help ] || help
while getopts ko:h opt; do
	case $opt in
	k) skip=1 ;;
	o) out=$OPTARG ;;
	h) help ;;
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
