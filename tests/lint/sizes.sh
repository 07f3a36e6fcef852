#!/bin/sh
# sizes.sh [ROOT] - no file in common/ is over 600 lines and no function in
# common/ or cmd/ is over 60 (HACKING.md). A function is counted from its
# opening "{" in column 1 to its closing "}" in column 1, the style of the
# tree. Prints each one over, exits 1 when there is one.
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
find common -name '*.[ch]' | sort | xargs wc -l | awk '
	$2 != "total" && $1 > 600 { printf "%s: %d lines (at most 600)\n", $2, $1; bad = 1 }
	END { exit bad }' || bad=1
# shellcheck disable=SC2016 # an awk program, run by xargs
find common cmd -name '*.c' | sort | xargs awk '
	FNR == 1 { start = 0 }
	/^\{/ { start = FNR; name = sig }
	/^\}/ && start {
		if (FNR - start + 1 > 60) {
			printf "%s:%d: %s: %d lines (at most 60)\n", FILENAME, start, name, FNR - start + 1
			bad = 1
		}
		start = 0
	}
	/^[A-Za-z_].*\(/ { sig = $0; sub(/\(.*/, "", sig); sub(/.*[ *]/, "", sig) }
	END { exit bad }' || bad=1
exit "${bad:-0}"
