#!/bin/sh
# layers.sh [ROOT] - the layering rule of common/ (HACKING.md): every
# #include "DIR/FILE.h" names its folder, and points down only:
#   util(0) <- io(1) <- record(2) <- report(3) <- metrics, abtest, config,
#   loadgen, export(4) <- cmd, tests/unit(5).
# Folders of one rank may not include each other (no sideways includes),
# and no two modules (FILE.c with FILE.h) include each other, even by a
# longer path. A folder's private headers (record/chunk.h, record/run_impl.h,
# record/reader_impl.h, record/reader_shard.h, abtest/internal.h,
# loadgen/model_impl.h, metrics/model_impl.h) are included only inside it.
# Prints each violation as FILE:LINE: what, exits 1 when there is one.
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
find common cmd tests/unit -name '*.[ch]' | sort | awk '
function rank(d) {
	if (d == "util") return 0
	if (d == "io") return 1
	if (d == "record") return 2
	if (d == "report") return 3
	if (d == "metrics" || d == "abtest" || d == "config" || d == "loadgen" || d == "export") return 4
	if (d == "cmd" || d == "unit") return 5
	return -1
}
{ files[++n] = $0 }
END {
	bad = 0
	for (i = 1; i <= n; i++) {
		f = files[i]
		k = split(f, part, "/")
		own = (part[1] == "common") ? part[2] : part[k - 1]
		if (part[1] == "common" && k != 3) {
			printf "%s: not in a layer folder of common/\n", f; bad = 1
		}
		if (rank(own) < 0) {
			printf "%s: unknown layer %s\n", f, own; bad = 1
			continue
		}
		line = 0
		while ((getline s < f) > 0) {
			line++
			if (s !~ /^[ \t]*#[ \t]*include[ \t]*"/)
				continue
			inc = s
			sub(/^[^"]*"/, "", inc)
			sub(/".*/, "", inc)
			if (inc !~ /\//) {
				if (own != "unit")
					{ printf "%s:%d: #include \"%s\" does not name its folder\n", f, line, inc; bad = 1 }
				continue
			}
			split(inc, ip, "/")
			to = ip[1]
			from_mod = f
			sub(/\.[ch]$/, "", from_mod)
			sub(/^common\//, "", from_mod)
			to_mod = inc
			sub(/\.[ch]$/, "", to_mod)
			if (to_mod != from_mod && !((from_mod, to_mod) in edge)) {
				edge[from_mod, to_mod] = f ":" line
				adj[from_mod] = adj[from_mod] " " to_mod
			}
			if (inc ~ /^(record\/chunk|record\/reader_impl|record\/reader_shard|record\/run_impl|abtest\/internal|loadgen\/model_impl|metrics\/model_impl)\.h$/ && to != own) {
				printf "%s:%d: #include \"%s\" is private to %s/\n", f, line, inc, to; bad = 1
			}
			if (rank(to) < 0 || to == "cmd" || to == "unit") {
				printf "%s:%d: #include \"%s\": no such layer\n", f, line, inc; bad = 1
			} else if (rank(to) > rank(own)) {
				printf "%s:%d: #include \"%s\" points up (%s is above %s)\n", f, line, inc, to, own; bad = 1
			} else if (rank(to) == rank(own) && to != own) {
				printf "%s:%d: #include \"%s\" points sideways (%s and %s are one layer)\n", f, line, inc, to, own; bad = 1
			}
		}
		close(f)
	}
	for (m in adj)
		if (!(m in done) && cycle(m))
			bad = 1
	exit bad
}
# cycle(m): depth-first search from module m; prints one cycle found.
function cycle(m,    k, nb, i, found) {
	onpath[m] = 1
	k = split(adj[m], nb, " ")
	found = 0
	for (i = 1; i <= k && !found; i++) {
		if (nb[i] in onpath) {
			printf "%s: include cycle: %s and %s include each other\n", edge[m, nb[i]], m, nb[i]
			found = 1
		} else if (!(nb[i] in done)) {
			found = cycle(nb[i])
		}
	}
	delete onpath[m]
	done[m] = 1
	return found
}'
