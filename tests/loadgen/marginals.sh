#!/bin/sh
# marginals.sh kdd DIR | marginals.sh events FILE - the marginals that
# tl-loadgen(1)'s mooc profile is calibrated to, computed apart from
# tl-loadgen: over each learner's first 30 calendar days (its first
# active day and the 29 after it), the share of learners with a single
# active day, the 90th percentile of events per learner (nearest rank),
# the median over learners of events per active day, and the share of
# events on each weekday. kdd reads the KDD Cup 2015 course files of DIR
# (trainCourse*.csv: one row per enrolment and day, the event_* columns
# summed); events reads tl event CSV (learner_id,ts,...; one row an event,
# the day is the UTC date of ts). Rows of a learner must be together and
# in time order, as both give them. Prints name value lines.
set -eu
[ $# -eq 2 ] || { echo "usage: marginals.sh kdd DIR | events FILE" >&2; exit 64; }
civil=$(cat "$(dirname "$0")/../../scripts/lib/civil.awk")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/marginals.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# learner,YYYY-MM-DD,count rows
case $1 in
kdd) awk -F, 'FNR > 1 { n = 0; for (i = 3; i <= 9; i++) n += $i; if (n > 0) print $1 "," $2 "," n }' "$2"/trainCourse*.csv ;;
events) awk -F, 'NR > 1 { print $1 "," substr($2, 1, 10) ",1" }' "$2" ;;
*) echo "marginals.sh: kdd or events, not '$1'" >&2; exit 64 ;;
esac | awk -F, -v learners="$tmp/learners" -v weekdays="$tmp/weekdays" "$civil"'
function flush() {
	if (id != "")
		printf "%d %d %.10g\n", ev, days, ev / days > learners
}
$1 != id {
	flush()
	id = $1; ev = days = 0; last = ""
	d0 = days_from_civil(substr($2, 1, 4) + 0, substr($2, 6, 2) + 0, substr($2, 9, 2) + 0)
}
{
	d = days_from_civil(substr($2, 1, 4) + 0, substr($2, 6, 2) + 0, substr($2, 9, 2) + 0)
	if (d - d0 >= 30)
		next
	ev += $3
	if ($2 != last)
		days++
	last = $2
	wd[((d + 3) % 7 + 7) % 7] += $3   # 1970-01-01, day 0, was a Thursday: 0 is Monday
	total += $3
}
END {
	flush()
	split("monday tuesday wednesday thursday friday saturday sunday", name, " ")
	for (i = 0; i < 7; i++)
		printf "%s %.6f\n", name[i + 1], wd[i] / total > weekdays
}'

n=$(wc -l < "$tmp/learners")
[ "$n" -gt 0 ] || { echo "marginals.sh: no learners" >&2; exit 65; }
echo "learners $n"
awk -v n="$n" '$2 == 1 { k++ } END { printf "single_day_share %.6f\n", k / n }' "$tmp/learners"
cut -d' ' -f1 "$tmp/learners" | sort -n | awk -v n="$n" '
	BEGIN { r = int(0.9 * n); if (r < 0.9 * n) r++ }
	NR == r { print "events_p90", $1 }'
cut -d' ' -f3 "$tmp/learners" | sort -g | awk -v n="$n" '
	NR == int((n + 1) / 2) { a = $1 }
	NR == int(n / 2) + 1 { b = $1 }
	END { printf "per_active_day_median %.4g\n", (a + b) / 2 }'
cat "$tmp/weekdays"
