#!/bin/sh
# import-oulad.sh - turn an OULAD (Open University Learning Analytics
# Dataset) VLE click log into tl event rows with each enrolment's outcome;
# the mapping, the files, the messages and the pipeline after it are in
# import-oulad(1).
#
# usage: import-oulad.sh [-n] [-b DATE] [-c DAY] [-o FILE] [-l LABELS] STUDENTVLE [DIR]
# Turn an OULAD click log into tl event rows; see import-oulad(1).
#   -b DATE     the date of module day 0 (default 2000-01-01)
#   -c DAY      also write withdrew_after, the label as of module day DAY
#   -n          one event per log row (count 1) instead of sum_click
#   -o FILE     write the event rows to FILE (atomically) instead of stdout
#   -l LABELS   also write the outcome of every enrolment to LABELS
#   -h, --help  show this help
set -eu

prog=import-oulad.sh
base=2000-01-01 cutoff='' one=0 out='' labels=
# shellcheck source=scripts/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
[ "${1:-}" != --help ] || help
while getopts b:c:no:l:h opt; do
	case $opt in
	b) base=$OPTARG ;;
	c) cutoff=$OPTARG ;;
	n) one=1 ;;
	o) out=$OPTARG ;;
	l) labels=$OPTARG ;;
	h) help ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
log=$1
dir=${2:-$(dirname "$1")}
if [ -n "$cutoff" ] && ! printf '%s\n' "$cutoff" | grep -Eqx -e '-?[0-9]+'; then
	echo "$prog: -c: '$cutoff' is not a day number" >&2
	exit 64
fi
for f in "$dir/vle.csv" "$dir/studentInfo.csv" "$dir/studentRegistration.csv" "$log"; do
	[ -r "$f" ] || { echo "$prog: $f: cannot open" >&2; exit 66; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/import-oulad.XXXXXX")
tmp_out='' tmp_labels=''
cleanup() { rm -rf "$work" ${tmp_out:+"$tmp_out"} ${tmp_labels:+"$tmp_labels"}; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -z "$out" ] || tmp_out="$out.tmp.$$"
[ -z "$labels" ] || tmp_labels="$labels.tmp.$$"

civil=$(cat "$(dirname "$0")/lib/civil.awk")
LC_ALL=C awk -v prog="$prog" -v base="$base" -v cutoff="$cutoff" -v one="$one" \
	-v labels="$tmp_labels" -v header="$work/header" "$civil"'
function fail(what) {
	printf "%s: %s:%d: %s\n", prog, FILENAME, FNR, what > "/dev/stderr"
	failed = 65
	exit 65
}
# parse: split the CSV line $0 (RFC 4180 quoting, no newline in a field)
# into f[1..nf]; returns nf or fails.
function parse(   s, n, m) {
	s = $0
	n = 0
	delete f
	for (;;) {
		if (substr(s, 1, 1) == "\"") {
			if (!match(s, /^"([^"]|"")*"/))
				fail("bad CSV: a quoted field is not closed")
			f[++n] = substr(s, 2, RLENGTH - 2)
			gsub(/""/, "\"", f[n])
			s = substr(s, RLENGTH + 1)
		} else {
			match(s, /^[^,"]*/)
			f[++n] = substr(s, 1, RLENGTH)
			s = substr(s, RLENGTH + 1)
			if (substr(s, 1, 1) == "\"")
				fail("bad CSV: a quote inside an unquoted field")
		}
		if (s == "")
			return n
		if (substr(s, 1, 1) != ",")
			fail("bad CSV: text after a closing quote")
		s = substr(s, 2)
	}
}
function header_is(names,   n, i, w) {
	n = split(names, w, ",")
	if (parse() != n)
		return 0
	for (i = 1; i <= n; i++)
		if (f[i] != w[i])
			return 0
	return 1
}
function is_int(s) { return s ~ /^-?[0-9]+$/ }
function key_ok(s) { return s != "" && s !~ /[,"\r\n-]/ }
BEGIN {
	if (base !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) {
		printf "%s: -b: bad date \047%s\047 (expected YYYY-MM-DD)\n", prog, base > "/dev/stderr"
		failed = 64
		exit 64
	}
	base_day = days_from_civil(substr(base, 1, 4) + 0, substr(base, 6, 2) + 0, substr(base, 9, 2) + 0)
	if (civil_from_days(base_day) != base) {
		printf "%s: -b: bad date \047%s\047 (no such day)\n", prog, base > "/dev/stderr"
		failed = 64
		exit 64
	}
}
{ sub(/\r$/, "") }
FNR == 1 {
	phase++
	if (phase == 1 && !header_is("id_site,code_module,code_presentation,activity_type,week_from,week_to"))
		fail("unexpected header (expected id_site,code_module,code_presentation,activity_type,week_from,week_to)")
	if (phase == 2 && !header_is("code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,disability,final_result"))
		fail("unexpected header (expected the 12 columns of studentInfo.csv, final_result last)")
	if (phase == 3 && !header_is("code_module,code_presentation,id_student,date_registration,date_unregistration"))
		fail("unexpected header (expected code_module,code_presentation,id_student,date_registration,date_unregistration)")
	if (phase == 4 && !header_is("code_module,code_presentation,id_student,id_site,date,sum_click"))
		fail("unexpected header (expected code_module,code_presentation,id_student,id_site,date,sum_click)")
	next
}
/^$/ { next }
phase == 1 {
	if ((nf = parse()) != 6) fail("expected 6 fields, found " nf)
	if (f[1] !~ /^[0-9]+$/) fail("bad id_site \047" f[1] "\047")
	if (f[4] == "" || f[4] ~ /[,"]/) fail("bad activity_type \047" f[4] "\047")
	if (f[1] in site) fail("id_site " f[1] " appears twice")
	site[f[1]] = f[4]
	next
}
phase == 2 {
	if ((nf = parse()) != 12) fail("expected 12 fields, found " nf)
	if (!key_ok(f[1]) || !key_ok(f[2]) || f[3] !~ /^[0-9]+$/)
		fail("bad enrolment \047" f[1] "," f[2] "," f[3] "\047")
	if (f[12] !~ /^(Pass|Fail|Withdrawn|Distinction)$/)
		fail("bad final_result \047" f[12] "\047")
	k = f[1] "-" f[2] "-" f[3]
	if (k in result) fail("enrolment " k " appears twice")
	result[k] = f[12]
	mp[k] = f[1] "," f[2]
	order[++ninfo] = k
	next
}
phase == 3 {
	if ((nf = parse()) != 5) fail("expected 5 fields, found " nf)
	k = f[1] "-" f[2] "-" f[3]
	if (!(k in result)) fail("enrolment " k " is not in studentInfo.csv")
	if (k in unreg) fail("enrolment " k " appears twice")
	if (f[5] != "" && !is_int(f[5])) fail("bad date_unregistration \047" f[5] "\047")
	unreg[k] = f[5]
	next
}
{
	if ((nf = parse()) != 6) fail("expected 6 fields, found " nf)
	k = f[1] "-" f[2] "-" f[3]
	if (!(k in result)) fail("enrolment " k " is not in studentInfo.csv")
	if (!(k in unreg)) fail("enrolment " k " is not in studentRegistration.csv")
	if (!(f[4] in site)) fail("id_site \047" f[4] "\047 is not in vle.csv")
	if (!is_int(f[5])) fail("bad date \047" f[5] "\047")
	if (f[6] !~ /^[0-9]+$/) fail("bad sum_click \047" f[6] "\047")
	rows++
	if (f[6] + 0 == 0) { zero++; next }
	w = result[k] == "Withdrawn"
	u = unreg[k]
	n = one ? 1 : f[6] + 0
	a = k "," civil_from_days(base_day + f[5]) "T00:00:00Z," site[f[4]] "," f[4] ",use," n "," f[1] "," f[2] "," result[k] "," w "," u
	if (cutoff != "")
		a = a "," (!w ? 0 : (u != "" && u + 0 < cutoff + 0) ? "" : 1)
	printf "%s,%d,%d,%s\n", k, f[5], FNR, a
	events += n
	if (!(k in active)) { active[k] = 1; nactive++ }
	covered[f[1] "," f[2]] = 1
}
END {
	if (failed)
		exit failed
	if (phase < 4) {
		printf "%s: %s: empty input\n", prog, FILENAME > "/dev/stderr"
		exit 65
	}
	h = "learner_id,ts,domain,capability,action,count,module,presentation,final_result,withdrawn,unregistered_day"
	print (cutoff != "" ? h ",withdrew_after" : h) > header
	if (labels != "")
		print "learner_id,module,presentation,final_result,withdrawn,unregistered_day" > labels
	for (i = 1; i <= ninfo; i++) {
		k = order[i]
		if (!(mp[k] in covered)) continue
		inscope++
		if (!(k in active)) silent++
		if (labels != "")
			printf "%s,%s,%s,%d,%s\n", k, mp[k], result[k], result[k] == "Withdrawn", unreg[k] > labels
	}
	printf "%s: %s: %d log rows = %d as events + %d with sum_click 0; %d events; %d enrolments with events; %d enrolments of the same module-presentations without a row (not in the output)\n", \
		prog, FILENAME, rows, rows - zero, zero, events, nactive, silent > "/dev/stderr"
}' "$dir/vle.csv" "$dir/studentInfo.csv" "$dir/studentRegistration.csv" "$log" >"$work/rows" || exit $?

{
	cat "$work/header"
	LC_ALL=C sort -t, -k1,1 -k2,2n -k3,3n "$work/rows" | cut -d, -f4-
} >"${tmp_out:-/dev/stdout}"
[ -z "$tmp_out" ] || mv "$tmp_out" "$out"
[ -z "$tmp_labels" ] || mv "$tmp_labels" "$labels"
tmp_out='' tmp_labels=''
