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
