# test_helper.bash - loaded by every tests/*.bats file.
# TL_BIN selects the binaries under test (bin/ or the sanitizer build bin-san/).
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
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

# ---- JSON reports and fuzzed inputs ----

# pyget EXPR: evaluate a python expression over the JSON report in $output
# (bound to r) and print it.
pyget() {
	printf '%s' "$output" | python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"
}

# mutate N DIR: DIR/1..N, copies of small inputs with random bytes changed.
mutate() {
	python3 - "$1" "$2" "$TESTDATA/reader/reader-quoted.csv" "$TESTDATA/worked/worked.ndjson" "$TESTDATA/affinity/affinity-worked.ndjson" <<'PY'
import random, sys
n, out, sources = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
for k in range(1, n + 1):
    rnd = random.Random(k)
    data = bytearray(open(rnd.choice(sources), "rb").read())
    for _ in range(rnd.randrange(1, 8)):
        i = rnd.randrange(len(data))
        op = rnd.randrange(3)
        if op == 0:
            data[i] = rnd.choice(b'",\n\r{}[]:\\\x00\xff0aZ')
        elif op == 1:
            del data[i]
        else:
            data[i:i] = bytes([rnd.randrange(256)])
    open("%s/%d" % (out, k), "wb").write(data)
PY
}

# ---- man pages: their EXAMPLES run as tests ----

# render PAGE: the page as plain ASCII text, without overstrike.
render() {
	mandoc -Tascii "$1" | sed 's/.\x08//g'
}

# section PAGE NAME: the rendered lines of section NAME.
section() {
	render "$1" | awk -v name="$2" '/^[^ ]/ { on = ($0 == name); next } on'
}

# extract_examples PAGE DIR: for the Nth command of the literal displays in
# the EXAMPLES section, write DIR/N.cmd (the command, "> " continuation
# lines joined with newlines) and DIR/N.out (the lines the page shows after
# it); prints the number of commands. A command starts with "$ ", its
# output is every following line at least as indented, up to a blank line,
# a shallower line or the next command.
extract_examples() {
	mkdir -p "$2"
	section "$1" EXAMPLES | awk -v dir="$2" '
		function indent(s) { match(s, /^ */); return RLENGTH }
		/^ *\$ / {
			n++; ind = indent($0); state = "cmd"
			cmd = dir "/" n ".cmd"; out = dir "/" n ".out"
			printf "%s", substr($0, ind + 3) > cmd
			printf "" > out
			next
		}
		state == "cmd" && indent($0) == ind && substr($0, ind + 1, 2) == "> " {
			printf "\n%s", substr($0, ind + 3) > cmd
			next
		}
		state != "" && $0 !~ /^ *$/ && indent($0) >= ind {
			print substr($0, ind + 1) > out
			state = "out"
			next
		}
		{ state = "" }
		END { print n + 0 }'
}

# run_examples PAGE MIN: run every EXAMPLES command of PAGE (absolute or
# under the repository root) in order, in a
# scratch directory laid out like the repository root (testdata/ and
# config/ linked), so files the examples write do not land in the shared
# tree. Each must
# exit 0 and print (stdout and stderr, as on a terminal) exactly the lines
# the page shows. At least MIN commands must be found.
run_examples() {
	local page=$1 min="$2" dir="$BATS_TEST_TMPDIR/ex" root="$BATS_TEST_TMPDIR/root" n i
	[[ $page == /* ]] || page=$TL_ROOT/$1
	# fresh each call: a second ln -s onto an existing link to a directory
	# would write a link into the repository
	rm -rf "$dir" "$root"
	n=$(extract_examples "$page" "$dir")
	if [ "$n" -lt "$min" ]; then
		echo "$1: found $n EXAMPLES commands, expected at least $min" >&2
		return 1
	fi
	mkdir "$root"
	ln -sn "$TL_ROOT/testdata" "$root/testdata"
	ln -sn "$TL_ROOT/config" "$root/config"
	cd "$root" || return
	for ((i = 1; i <= n; i++)); do
		run bash -o pipefail -c "$(<"$dir/$i.cmd")"
		if [ "$status" -ne 0 ]; then
			printf '%s: example %d exits %d:\n%s\n%s\n' "$1" "$i" "$status" "$(<"$dir/$i.cmd")" "$output" >&2
			return 1
		fi
		if [ "$output" != "$(<"$dir/$i.out")" ]; then
			printf '%s: example %d prints other lines than the page shows:\n%s\n' "$1" "$i" "$(<"$dir/$i.cmd")" >&2
			diff -u "$dir/$i.out" <(printf '%s\n' "$output") >&2
			return 1
		fi
	done
}

# ---- algorithm configs (--config) ----

# v2_config_with NAME SED: config/v2.json edited by the sed expression SED,
# written to $BATS_TEST_TMPDIR/NAME; fails when SED changed nothing.
v2_config_with() {
	local out="$BATS_TEST_TMPDIR/$1"
	sed "$2" "$TL_ROOT/config/v2.json" >"$out"
	if cmp -s "$out" "$TL_ROOT/config/v2.json"; then
		echo "v2_config_with: '$2' changed nothing" >&2
		return 1
	fi
}

# shipped_configs_give CMD FIELD=VALUE: CMD (a csvf command line) gives
# FIELD=VALUE with each shipped config in place of its {}.
shipped_configs_give() {
	local c n=0
	for c in "$TL_ROOT"/config/v[0-9]*.json; do
		run csvf "${1//\{\}/$c}" "${2%%=*}"
		assert_output "$2"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}

# config_errors TOOL ARGS...: with --config, an invalid config exits 65
# naming the file and the member, a missing one 66, and nothing is written.
config_errors() {
	v2_config_with bad.json 's/"domains": 8/"domains": 1/'
	run --separate-stderr "$@" --config "$BATS_TEST_TMPDIR/bad.json"
	assert_failure 65
	[[ $stderr == *"bad.json: \$.domains: "* ]]
	[ -z "$output" ]
	run --separate-stderr "$@" --config "$BATS_TEST_TMPDIR/none.json"
	assert_failure 66
	[[ $stderr == *"cannot open config"*"none.json"* ]]
	[ -z "$output" ]
}

# ref_population_loadgen: the tl-loadgen population the references check
# (VE010, AFF019, RET020), event CSV on stdout; their other population is
# testdata/ref/fuzz-events.py SEED N.
ref_population_loadgen() {
	tl-loadgen --learners 1500 --seed 11 --truth --arm-split 1:1 --outcome
}

# ref_check TOOL REF EVENTS OPTS...: run TOOL -o csv on EVENTS once per
# option set OPTS (one string each, split on blanks), then testdata/REF (an
# independent python reference written from DESIGN.md alone) once over all
# the outputs: every field of every learner, the learners and their order.
# Fails with the reference's mismatch report.
ref_check() {
	local tool=$1 ref=$2 ev=$3 o n=0 args=()
	shift 3
	for o in "$@"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		$tool $o -o csv "$ev" >"$BATS_TEST_TMPDIR/out$n.csv" 2>"$BATS_TEST_TMPDIR/err$n" ||
			{ echo "$tool $o failed: $(cat "$BATS_TEST_TMPDIR/err$n")" >&2; return 1; }
		[ ! -s "$BATS_TEST_TMPDIR/err$n" ] || { cat "$BATS_TEST_TMPDIR/err$n" >&2; return 1; }
		[ "$n" -eq 1 ] || args+=(--)
		# shellcheck disable=SC2206
		args+=($o "$BATS_TEST_TMPDIR/out$n.csv")
	done
	run python3 "$TESTDATA/ref/$ref" "$ev" "${args[@]}"
	assert_success
	[ "$(grep -c 'all match$' <<<"$output")" -eq "$n" ]
}

# deal_rows FILE N [EMPTY]: FILE's rows (a header line, one learner a line)
# dealt round-robin into shard0.csv .. shard(N-1).csv in the current
# directory; with EMPTY, shard N-1 gets none (its header alone), and with
# EMPTY=bare not even a header (an empty file).
deal_rows() {
	local n=$2 deal=$2
	[ -z "${3:-}" ] || deal=$((n - 1))
	rm -f shard*.csv
	awk -v n="$n" -v deal="$deal" 'NR == 1 { for (i = 0; i < n; i++) print > ("shard" i ".csv"); next }
		{ print > ("shard" ((NR - 2) % deal) ".csv") }' "$1"
	if [ "${3:-}" = bare ]; then
		: >"shard$((n - 1)).csv"
	fi
}
