# man.bats - the man pages: every page lints clean, the EXAMPLES of tl(7)
# and tl-velocity(1) run and print what the page shows, the worked example
# gives the values of DESIGN §6.4, and the pages match the tools' --help.
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$TL_ROOT"
}

# item_options: the options named by the tag lines ("     -h, --help",
# "     --period DUR") of a rendered option list, on one line.
item_options() {
	grep -oE '^     (-[a-z], )?--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*$' | tr '\n' ' '
}


# run_examples PAGE MIN: run every EXAMPLES command of PAGE in order, in a
# scratch directory laid out like the repository root (testdata/ linked),
# so files the examples write do not land in the shared tree. Each must
# exit 0 and print (stdout and stderr, as on a terminal) exactly the lines
# the page shows. At least MIN commands must be found.
run_examples() {
	local page="$TL_ROOT/$1" min="$2" dir="$BATS_TEST_TMPDIR/ex" n i
	n=$(extract_examples "$page" "$dir")
	if [ "$n" -lt "$min" ]; then
		echo "$1: found $n EXAMPLES commands, expected at least $min" >&2
		return 1
	fi
	mkdir -p "$BATS_TEST_TMPDIR/root"
	ln -s "$TL_ROOT/testdata" "$BATS_TEST_TMPDIR/root/testdata"
	cd "$BATS_TEST_TMPDIR/root"
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

@test "MAN001: every man page lints clean with mandoc -Tlint -W warning" {
	local pages=(man/*.1 man/*.7) page bad=0
	[ -f man/tl.7 ] && [ -f man/tl-velocity.1 ]
	for page in "${pages[@]}"; do
		[ -f "$page" ] || continue
		run mandoc -Tlint -W warning "$page"
		if [ "$status" -ne 0 ] || [ -n "$output" ]; then
			printf '%s (exit %d):\n%s\n' "$page" "$status" "$output" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "MAN002: the lint check can fail: a page with a warning is reported" {
	printf '.Dd $Mdocdate$\n.Dt X 1\n.Os\n.Sh NAME\n.Nm x\n.Nd x\n.Sh DESCRIPTION\n.Bl -tag\n.It a\nb\n.El\n' >"$BATS_TEST_TMPDIR/x.1"
	run mandoc -Tlint -W warning "$BATS_TEST_TMPDIR/x.1"
	[ -n "$output" ]
}

@test "MAN003: the example extractor finds commands, continuations and output" {
	local dir="$BATS_TEST_TMPDIR/t"
	cat >"$BATS_TEST_TMPDIR/t.1" <<-'EOF'
	.Dd $Mdocdate$
	.Dt T 1
	.Os
	.Sh NAME
	.Nm t
	.Nd t
	.Sh EXAMPLES
	Text.
	.Bd -literal -offset indent
	$ echo a |
	> tr a b
	b
	  c
	$ true
	.Ed
	.Pp
	More text.
	.Sh SEE ALSO
	.Xr tl 7
	EOF
	run extract_examples "$BATS_TEST_TMPDIR/t.1" "$dir"
	[ "$output" = 2 ]
	[ "$(cat "$dir/1.cmd")" = "$(printf 'echo a |\ntr a b')" ]
	[ "$(cat "$dir/1.out")" = "$(printf 'b\n  c')" ]
	[ "$(cat "$dir/2.cmd")" = "true" ]
	[ ! -s "$dir/2.out" ]
}

@test "MAN004: the EXAMPLES of tl-velocity(1) run and print what the page shows" {
	run_examples man/tl-velocity.1 3
}

@test "MAN005: the EXAMPLES of tl(7) run and print what the page shows" {
	run_examples man/tl.7 5
}

@test "MAN006: tl(7) EXAMPLES use only tl-velocity and standard tools" {
	local n others
	n=$(extract_examples man/tl.7 "$BATS_TEST_TMPDIR/ex")
	[ "$n" -ge 5 ]
	others=$(cat "$BATS_TEST_TMPDIR"/ex/*.cmd | grep -o 'tl-[a-z]*' | grep -v '^tl-velocity$' || true)
	[ -z "$others" ] || { echo "tl(7) EXAMPLES use other tools: $others" >&2; return 1; }
}

@test "MAN007: the worked example of tl-velocity(1) gives the values of DESIGN §6.4" {
	local n i cmd="" found=0
	n=$(extract_examples man/tl-velocity.1 "$BATS_TEST_TMPDIR/ex")
	for ((i = 1; i <= n; i++)); do
		local c
		c=$(<"$BATS_TEST_TMPDIR/ex/$i.cmd")
		case "$c" in
		*"|"*) ;;
		*--as-of\ 2025-01-29T00:00:00Z*--decay-half-life\ 0*-o\ csv*testdata/worked/worked.csv*)
			cmd=$c
			found=$((found + 1)) ;;
		esac
	done
	[ "$found" -eq 1 ]
	run --separate-stderr bash -c "$cmd"
	assert_success
	[ -z "$stderr" ]
	# Expected values: DESIGN §6.4 (velocity part), typed in from the design.
	run python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 1, rows
r = rows[0]
want = {"velocity": 0.1715, "velocity_simple": 0.4, "velocity_momentum": 0.343,
        "velocity_trend": -0.0912, "velocity_next": 0.0797, "interactions": 5,
        "adoptions": 2, "periods": 5, "tenure_days": 28}
bad = [f"{k}={r.get(k)!r}, want {v}" for k, v in want.items()
       if r.get(k) in (None, "") or abs(float(r[k]) - v) > 1e-6]
for k in ("interactions", "adoptions", "periods"):
    if not r[k].isdigit():
        bad.append(f"{k}={r[k]!r} is not an integer")
if r["learner_id"] != "L1" or r["as_of"] != "2025-01-29T00:00:00Z":
    bad.append("learner_id=%r as_of=%r" % (r["learner_id"], r["as_of"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
' <<<"$output"
	assert_success
}

@test "MAN008: the SYNOPSIS of tl-velocity(1) matches its usage line" {
	local synopsis usage
	synopsis=$(section man/tl-velocity.1 SYNOPSIS | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')
	usage=$(tl-velocity --help | sed -n '1,/^[^ u]/p' | sed '$d' | sed 's/^usage: //' | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')
	[ -n "$usage" ]
	if [ "$synopsis" != "$usage" ]; then
		printf 'page:  %s\nusage: %s\n' "$synopsis" "$usage" >&2
		return 1
	fi
}

@test "MAN009: tl-velocity(1) describes every option of --help" {
	local opts o desc missing=""
	opts=$(tl-velocity --help | grep -oE '^ +(-[a-z], )?--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*$')
	[ "$(wc -l <<<"$opts")" -ge 18 ]
	desc=" $(section man/tl-velocity.1 DESCRIPTION | item_options) "
	for o in $opts; do
		[[ $desc == *" $o "* ]] || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "not described in tl-velocity(1):$missing" >&2; return 1; }
}

@test "MAN010: tl(7) describes every common option" {
	local opts o desc missing=""
	opts=$(tl-velocity --help | sed -n '/^Common options:/,$p' | grep -oE '^ +(-[a-z], )?--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*$')
	[ "$(wc -l <<<"$opts")" -ge 14 ]
	desc=" $(section man/tl.7 "COMMON OPTIONS" | item_options) "
	for o in $opts; do
		[[ $desc == *" $o "* ]] || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "not described in tl(7):$missing" >&2; return 1; }
}

@test "MAN011: tl-velocity(1) OUTPUT FIELDS lists every field the tool writes" {
	local fields f sec missing=""
	fields=$(tl-velocity --label --as-of 2025-01-29 -o csv testdata/worked/worked.csv | head -n 1 | tr , '\n' | grep -v '^learner_id$')
	[ "$(wc -l <<<"$fields")" -eq 11 ]
	sec=" $(section man/tl-velocity.1 "OUTPUT FIELDS" | grep -oE '^     [a-z_]+' | tr -s ' \n' '  ') "
	for f in $fields; do
		[[ $sec == *" $f "* ]] || missing="$missing $f"
	done
	[ -z "$missing" ] || { echo "not in OUTPUT FIELDS:$missing" >&2; return 1; }
}

@test "MAN012: tl(7) names every --metrics metric the tools write" {
	local names n page missing=""
	tl-velocity --as-of 2025-01-29 --metrics "$BATS_TEST_TMPDIR/m.prom" testdata/worked/worked.csv >/dev/null
	names=$(grep -oE '^tl_[a-z_]+' "$BATS_TEST_TMPDIR/m.prom" | sort -u)
	[ "$(wc -l <<<"$names")" -eq 7 ]
	page=$(render man/tl.7)
	for n in $names; do
		[[ $page == *"$n"* ]] || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "not in tl(7):$missing" >&2; return 1; }
}
