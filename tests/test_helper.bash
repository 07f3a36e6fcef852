# test_helper.bash - loaded by every tests/*.bats file.
# TL_BIN selects the binaries under test (bin/ or the sanitizer build bin-san/).
TL_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
TL_BIN="${TL_BIN:-$TL_ROOT/bin}"
TESTDATA="$TL_ROOT/testdata"
REALDATA="${REALDATA:-$TL_ROOT/../shared/realdata}"
PATH="$TL_BIN:$TL_ROOT/scripts:$PATH"
export TL_ROOT TL_BIN TESTDATA REALDATA PATH
unset TL_AS_OF
export LC_ALL=C
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# golden FILE: compare $output with testdata/FILE exactly, diff on failure.
golden() {
	local want="$TESTDATA/$1"
	if ! diff -u "$want" <(printf '%s\n' "$output") >&2; then
		echo "golden mismatch: $want" >&2
		return 1
	fi
}

# fields NAME...: NAME=value pairs of the single CSV row on stdin (awk;
# the rows checked this way hold no quoted field).
fields() {
	awk -F, -v want="$*" '
		/"/ { print "quoted CSV, use python3"; bad = 1; exit }
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		NR == 2 {
			n = split(want, w, " ")
			for (j = 1; j <= n; j++) {
				v = "MISSING"
				if (w[j] in col)
					v = $(col[w[j]])
				printf "%s%s=%s", (j > 1 ? " " : ""), w[j], v
			}
			print ""
		}
		END { if (!bad && NR != 2) { print "want one row, got " NR - 1; exit 1 } if (bad) exit 1 }'
}

# csvf CMD NAME...: run the pipeline CMD and print its row's NAME=value pairs.
csvf() {
	local cmd=$1
	shift
	bash -o pipefail -c "$cmd" | fields "$@"
}
