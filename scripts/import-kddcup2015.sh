#!/bin/sh
# import-kddcup2015.sh - turn the KDD Cup 2015 (XuetangX) daily-count course
# files into tl event rows with the dropout label; the mapping, the files,
# the messages and the pipeline after it are in import-kddcup2015(1).
#
# usage: import-kddcup2015.sh [-o FILE] [-l LABELS] [-w WINDOWS] TRUTH COURSEFILE ...
# Turn KDD Cup 2015 course files into tl event rows; see import-kddcup2015(1).
#   -o FILE     write the event rows to FILE (atomically) instead of stdout
#   -l LABELS   also write learner_id,course,dropout for every enrolment
#   -w WINDOWS  also write each course's observation window and as-of
#   -h, --help  show this help
set -eu

prog=import-kddcup2015.sh
out='' labels='' windows=
# shellcheck source=scripts/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
[ "${1:-}" != --help ] || help
while getopts o:l:w:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	l) labels=$OPTARG ;;
	w) windows=$OPTARG ;;
	h) help ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
for f in "$@"; do
	[ -r "$f" ] || { echo "$prog: $f: cannot open" >&2; exit 66; }
done

tmp_out='' tmp_labels='' tmp_windows=
cleanup() { rm -f ${tmp_out:+"$tmp_out"} ${tmp_labels:+"$tmp_labels"} ${tmp_windows:+"$tmp_windows"}; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -z "$out" ] || tmp_out="$out.tmp.$$"
[ -z "$labels" ] || tmp_labels="$labels.tmp.$$"
[ -z "$windows" ] || tmp_windows="$windows.tmp.$$"

civil=$(cat "$(dirname "$0")/lib/civil.awk")
LC_ALL=C awk -v prog="$prog" -v labels="$tmp_labels" -v windows="$tmp_windows" "$civil"'
function fail(what) {
	printf "%s: %s:%d: %s\n", prog, FILENAME, FNR, what > "/dev/stderr"
	failed = 1
	exit 65
}
# day number of a YYYY-MM-DD date, or fail.
function day_of(s,   p, n) {
	if (s in daynum)
		return daynum[s]
	if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/)
		fail("bad date \047" s "\047 (expected YYYY-MM-DD)")
	n = days_from_civil(substr(s, 1, 4) + 0, substr(s, 6, 2) + 0, substr(s, 9, 2) + 0)
	if (civil_from_days(n) != s)
		fail("bad date \047" s "\047 (no such day)")
	return daynum[s] = n
}
function finish_course(   asof, i) {
	if (course == "")
		return
	asof = civil_from_days(lastday + 1) "T00:00:00Z"
	for (i = 1; i <= nbuf; i++)   # the rows of the course wait for its window
		print buf[i] "," asof
	delete buf
	nbuf = 0
	if (nenrol > 0 && windows != "")
		printf "%s,%s,%s,%s,%d,%d\n", course, civil_from_days(firstday), civil_from_days(lastday), asof, nenrol, nevents >> windows
	printf "%s: %s: %d rows = %d with events + %d all zero; %d enrolments (%d without any event); %d events; window %s..%s\n", \
		prog, cfile, nrows, nrows - nzero, nzero, nenrol, nenrol - nactive, nevents, \
		nenrol ? civil_from_days(firstday) : "-", nenrol ? civil_from_days(lastday) : "-" > "/dev/stderr"
	total_events += nevents
	total_enrol += nenrol
}
BEGIN {
	FS = ","
	want = "enrollment_id,time,event_access,event_discussion,event_navigate,event_page_close,event_problem,event_video,event_wiki"
	ntypes = split("access,discussion,navigate,page_close,problem,video,wiki", type, ",")
	print "learner_id,ts,domain,capability,action,count,course,dropout,course_as_of"
	if (labels != "")
		print "learner_id,course,dropout" > labels
	if (windows != "")
		print "course,first_day,last_day,as_of,enrolments,events" > windows
}
{ sub(/\r$/, "") }
FNR == 1 {
	if (nfile++ == 0) {
		truthfile = FILENAME
		if ($0 != "enrollment_id,label")
			fail("unexpected header \047" $0 "\047 (expected enrollment_id,label)")
		next
	}
	finish_course()
	cfile = FILENAME
	course = cfile
	sub(/^.*\//, "", course)
	sub(/\.csv$/, "", course)
	sub(/^trainCourse/, "", course)
	if (course == "" || course ~ /[,"]/)
		fail("cannot take a course name from the file name")
	if ($0 != want)
		fail("unexpected header \047" $0 "\047 (expected " want ")")
	nrows = nzero = nenrol = nactive = nevents = 0
	prev = ""
	next
}
/^$/ { next }
/"/ { fail("quoted fields are not supported: " $0) }
nfile == 1 {
	if (NF != 2)
		fail("expected 2 fields, found " NF)
	if ($1 !~ /^[0-9]+$/)
		fail("bad enrollment_id \047" $1 "\047")
	if ($2 != "0" && $2 != "1")
		fail("label \047" $2 "\047 is not 0 or 1")
	if ($1 in label)
		fail("enrollment_id " $1 " appears twice (first at line " labline[$1] ")")
	label[$1] = $2
	labline[$1] = FNR
	next
}
{
	if (NF != 9)
		fail("expected 9 fields, found " NF)
	id = $1
	if (id !~ /^[0-9]+$/)
		fail("bad enrollment_id \047" id "\047")
	d = day_of($2)
	if (id != prev) {
		if (id in where)
			fail("enrolment " id " reappears (its rows began at " where[id] "); rows of an enrolment must be contiguous, in one file")
		if (!(id in label))
			fail("enrolment " id " has no label in " truthfile)
		where[id] = cfile ":" FNR
		prev = id
		nenrol++
		active = 0
		delete seenday
		if (labels != "")
			printf "%s,%s,%s\n", id, course, label[id] >> labels
	}
	if (d in seenday)
		fail("enrolment " id " has day " $2 " twice")
	seenday[d] = 1
	if (nrows == 0 || d < firstday) firstday = d
	if (nrows == 0 || d > lastday) lastday = d
	nrows++
	n = 0
	for (i = 3; i <= 9; i++) {
		if ($i !~ /^[0-9]+$/)
			fail("bad count \047" $i "\047 in column " i)
		if ((k = $i + 0) == 0)
			continue
		buf[++nbuf] = id "," $2 "T00:00:00Z," type[i - 2] "," type[i - 2] ",use," k "," course "," label[id]
		n += k
	}
	if (n == 0)
		nzero++
	else if (!active) {
		active = 1
		nactive++
	}
	nevents += n
}
END {
	if (failed)
		exit 65
	if (nfile < 2)
		exit 0
	finish_course()
	printf "%s: total: %d enrolments, %d events\n", prog, total_enrol, total_events > "/dev/stderr"
}' "$@" > "${tmp_out:-/dev/stdout}" || exit $?

[ -z "$tmp_out" ] || mv "$tmp_out" "$out"
[ -z "$tmp_labels" ] || mv "$tmp_labels" "$labels"
[ -z "$tmp_windows" ] || mv "$tmp_windows" "$windows"
tmp_out='' tmp_labels='' tmp_windows=
