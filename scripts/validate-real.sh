#!/bin/sh
# validate-real.sh - validate the churn scores on real MOOC logs: the KDD Cup
# 2015 XuetangX extract (12 courses) and the OULAD extracts, both in
# $REALDATA (default ../shared/realdata next to the repository).
#
# usage: validate-real.sh [-k DIR] [-f FEATURES]
# Validate the churn scores on the real KDD Cup 2015 and OULAD extracts; see validate-real(1).
#   -k DIR       keep the intermediate files in DIR (default: a temporary
#                directory, removed at exit)
#   -f FEATURES  the feature specs of the learned model
#                (default config/churn.features)
#   -h, --help   show this help
#
# KDD: import (scripts/import-kddcup2015.sh, the dropout label rides along
# as a learner attribute, which is the join; its rows are daily counts,
# read with --count-field count); all courses in one pass of tl-velocity,
# tl-affinity --domains 7 and tl-retention, each enrolment with as-of the
# midnight after its course's 30-day window (--as-of-field course_as_of);
# then ROC AUC (tl-eval) of the §6.3 rule
# churn_risk, of days_since_last, of the negated interaction count (and of
# the negated active_days), and of tl-model's learned probability: 5-fold
# cross-validated on all courses, and on course-held-out splits (the model
# fitted on six courses, evaluated on the other six; three partitions of
# the twelve courses, each in both directions). A negated score's AUC is
# 1 - AUC of the score (ties count one half both ways).
# OULAD: the same tools and tl-model on two extracts, with the label
# withdrew_after (scripts/import-oulad.sh -c): AAA-2013J, first 20,000 log
# rows, as-of module day 7; the 100,000-row random sample of the whole log,
# as-of module day 100.
#
# Also the learners the §6.3 rule ranks safest by mistake: the one-visit
# learners of the last week (active_days 1, events_last_7d > 0), their
# dropout rate and their churn_risk against all enrolments'.
#
# Prints Markdown tables on stdout, progress on stderr. Exit 0 when the
# targets of the KDD extract are met (5-fold CV AUC >= 0.88; on every one
# of the six course-held-out splits the learned model beats the best of the
# rule, days since last and the interaction count by >= 0.03, issue 18;
# fitting all enrolments in under 2 s), 1 when one is not (a "- NOT MET:"
# line for each target or split missed, with its number and the shortfall),
# other codes on errors.
set -eu

prog=validate-real.sh
root=$(cd "$(dirname "$0")/.." && pwd)
REALDATA=${REALDATA:-$root/../shared/realdata}
TL_BIN=${TL_BIN:-$root/bin}
PATH="$TL_BIN:$root/scripts:$PATH"
export PATH LC_ALL=C
unset TL_AS_OF
keep='' features=$root/config/churn.features
min_margin=0.03   # issue 18: the learned model's lead on every course-held-out split
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$root/scripts/lib/usage.sh"   # help, usage: from the header above
[ "${1:-}" != --help ] || help
while getopts k:f:h opt; do
	case $opt in
	k) keep=$OPTARG ;;
	f) features=$OPTARG ;;
	h) help ;;
	*) usage ;;
	esac
done
K=$REALDATA/kddcup2015_xuetangx
O=$REALDATA/oulad
for f in "$K/truth_train.csv" "$O/studentVle_sample100k.csv" "$features"; do
	[ -r "$f" ] || { echo "$prog: $f: cannot open" >&2; exit 66; }
done
for t in tl-velocity tl-affinity tl-retention tl-eval tl-model; do
	command -v "$t" >/dev/null || { echo "$prog: $t not found (make first)" >&2; exit 69; }
done
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	w=$(cd "$keep" && pwd)
else
	w=$(mktemp -d "${TMPDIR:-/tmp}/validate-real.XXXXXX")
	trap 'rm -rf "$w"' EXIT
	trap 'exit 130' INT TERM
fi
note() { echo "$prog: $*" >&2; }

# auc FILE SCORE LABEL: ROC AUC of SCORE against LABEL (tl-eval).
auc() {
	tl-eval --score "$2" --label "$3" --format json "$1" |
		sed -n 's/^[[:space:]]*"roc_auc":[[:space:]]*\([-+0-9.eE]*\).*/\1/p'
}
# neg X: 1 - X.
neg() { awk -v x="$1" 'BEGIN { printf "%.17g\n", 1 - x }'; }
# f4 X: X with 4 decimals.
f4() { awk -v x="$1" 'BEGIN { printf "%.4f", x }'; }
# cv_auc MODEL: the pooled cross-validated AUC of a model file.
cv_auc() { sed -n 's/^  "cv": {"k":[0-9]*,"auc":\([-+0-9.eE]*\).*/\1/p' "$1"; }
# wall PROM: the tl_run_duration_seconds of a --metrics file.
wall() { sed -n 's/^tl_run_duration_seconds{[^}]*} //p' "$1"; }
# select FILE COLUMN "V1 V2 ...": the header and the rows whose COLUMN is one of the values.
select_rows() {
	awk -F, -v col="$2" -v list=" $3 " '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; if (!c) exit 2; print; next }
		index(list, " " $c " ")' "$1"
}

# ---- KDD Cup 2015 ------------------------------------------------------------
note "KDD: importing"
import-kddcup2015.sh -o "$w/kdd-events.csv" -w "$w/kdd-windows.csv" "$K/truth_train.csv" "$K"/trainCourse*.csv 2>"$w/kdd-import.log"
note "KDD: tl-velocity | tl-affinity | tl-retention, the 12 courses in one pass"
tl-velocity --count-field count --as-of-field course_as_of --metrics "$w/kdd-velocity.prom" "$w/kdd-events.csv" |
	tl-affinity --domains 7 | tl-retention -o csv >"$w/kdd-rows.csv"
data=$w/kdd-rows.csv
n=$(($(wc -l <"$data") - 1))
pos=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dropout") c = i; next } $c == 1 { p++ } END { print p + 0 }' "$data")

note "KDD: fitting"
tl-model --fit --target dropout --features-file "$features" --metrics "$w/fit.prom" --output "$w/kdd-model-nocv.json" "$data" 2>/dev/null
tl-model --fit --target dropout --features-file "$features" --cv 5 --metrics "$w/fitcv.prom" --output "$w/kdd-model.json" "$data" 2>/dev/null
allnum=$(head -1 "$data" | tr ',' '\n' | grep -vx -e learner_id -e course -e dropout -e as_of -e course_as_of -e top_domain -e transfer_pair -e is_specialist | paste -sd, -)
tl-model --fit --target dropout --features "$allnum" --cv 5 --output "$w/kdd-model-all.json" "$data" 2>/dev/null
fit_s=$(wall "$w/fit.prom")
fitcv_s=$(wall "$w/fitcv.prom")

# row LABEL N RULE DSL INTER ACT LEARNED: one table row; appends the margin to $w/margins.
row() {
	awk -v name="$1" -v n="$2" -v r="$3" -v d="$4" -v i="$5" -v a="$6" -v m="$7" -v out="$w/margins" 'BEGIN {
		best = r; if (d > best) best = d; if (i > best) best = i
		printf "| %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %+.4f |\n", name, n, r, d, i, a, m, m - best
		if (name !~ /CV/) { split(name, s, ":"); print s[1], m - best >> out }
	}'
}

echo "## KDD Cup 2015 (XuetangX): $n enrolments in 12 courses, $pos dropouts"
echo
echo "ROC AUC of the dropout label (1 = no activity in the 10 days after the 30-day window)."
echo "Negated scores (−) rank low values as dropouts. Margin: learned minus the best of the"
echo "first three baselines (the §6.3 rule, days since last, −interactions)."
echo
echo "| evaluation | n | §6.3 churn_risk | days_since_last | −interactions | −active_days | learned | margin |"
echo "|---|---|---|---|---|---|---|---|"
: >"$w/margins"
row "all courses, 5-fold CV" "$n" "$(auc "$data" churn_risk dropout)" "$(auc "$data" days_since_last dropout)" \
	"$(neg "$(auc "$data" interactions dropout)")" "$(neg "$(auc "$data" active_days dropout)")" "$(cv_auc "$w/kdd-model.json")"
# Three partitions of the courses into halves: alternate by size, the six
# smallest against the six largest, the six earliest windows against the
# six latest (the realistic direction: train on older courses).
set -- "645 769 973 1187A 1476 2207" "761 898 1038 1235 1481 2796" \
	"645 761 769 898 973 1038" "1187A 1235 1476 1481 2207 2796" \
	"1476 973 769 1038 2207 2796" "645 1187A 1235 898 761 1481"
split=0
while [ $# -ge 2 ]; do
	for dir in ab ba; do
		split=$((split + 1))
		if [ $dir = ab ]; then tr_c=$1 te_c=$2; else tr_c=$2 te_c=$1; fi
		select_rows "$data" course "$tr_c" >"$w/train.csv"
		select_rows "$data" course "$te_c" >"$w/test.csv"
		tl-model --fit --target dropout --features-file "$features" --output "$w/split.json" "$w/train.csv" 2>/dev/null
		rm -f "$w/train.csv"
		sc=$w/kdd-split$split.csv
		tl-model --model "$w/split.json" -o csv "$w/test.csv" >"$sc"
		row "$split: train $tr_c → test $te_c" "$(($(wc -l <"$w/test.csv") - 1))" \
			"$(auc "$sc" churn_risk dropout)" "$(auc "$sc" days_since_last dropout)" \
			"$(neg "$(auc "$sc" interactions dropout)")" "$(neg "$(auc "$sc" active_days dropout)")" \
			"$(auc "$sc" dropout_probability dropout)"
	done
	shift 2
done
cvall=$(cv_auc "$w/kdd-model.json")
echo
# one_visit FILE: the one-visit learners of the last week against all (the
# rows with a churn_risk: every KDD enrolment has one): n, dropout share
# and median churn_risk of each, and the share of all whose churn_risk is
# above the one-visit learners' median.
one_visit() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["churn_risk"] != "" { print ($c["active_days"] == 1 && $c["events_last_7d"] > 0) ? 1 : 0, $c["dropout"], $c["churn_risk"] }' "$1" |
		sort -k3,3g | awk '
		{ n[$1]++; y[$1] += $2; r[$1, n[$1]] = $3; all[++na] = $3 }
		END {
			m = r[1, int((n[1] + 1) / 2)]; if (n[1] % 2 == 0) m = (m + r[1, n[1] / 2 + 1]) / 2
			ma = all[int((na + 1) / 2)]; if (na % 2 == 0) ma = (ma + all[na / 2 + 1]) / 2
			for (i = 1; i <= na; i++) above += all[i] > m
			printf "%d %.4f %.3f %d %.4f %.3f %.4f\n", n[1], y[1] / n[1], m, na, (y[0] + y[1]) / na, ma, above / na
		}'
}
one_visit "$data" >"$w/one-visit.txt"
read -r ov_n ov_y ov_m all_n all_y all_m ov_above <"$w/one-visit.txt"
pct() { awk -v x="$1" 'BEGIN { printf "%.1f%%", 100 * x }'; }
echo "The §6.3 rule ranks new one-visit learners as safe: the $ov_n enrolments active on one day only,"
echo "within the last 7 days (active_days 1, events_last_7d > 0), drop out at $(pct "$ov_y") (all $all_n:"
echo "$(pct "$all_y")), yet their median churn_risk is $ov_m (all: $all_m), lower than that of $(pct "$ov_above") of all"
echo "enrolments."
echo
echo "All $(echo "$allnum" | tr ',' '\n' | grep -c .) numeric fields of the three tools as features instead: 5-fold CV AUC $(f4 "$(cv_auc "$w/kdd-model-all.json")")."
echo
echo "What the learned model relies on (all courses; coefficients per standard deviation of the"
echo "transformed field; positive = more dropout):"
echo
echo "| feature | coefficient |"
echo "|---|---|"
sed -n 's/^    {"spec":"\([^"]*\)".*"coef":\([-+0-9.eE]*\),.*/\1 \2/p' "$w/kdd-model.json" |
	awk '{ printf "| %s | %+.3f |\n", $1, $2 }'
echo
echo "Fit time on $n enrolments (tl-model --fit, reading included): $(f4 "$fit_s") s; with --cv 5: $(f4 "$fitcv_s") s."
echo

status=0
target() {
	if [ "$1" = met ]; then echo "- met: $2"; else echo "- NOT MET: $2"; status=1; fi
}
echo "Targets:"
target "$(awk -v x="$cvall" 'BEGIN { print (x >= 0.88 ? "met" : "no") }')" "5-fold CV AUC $(f4 "$cvall") ≥ 0.88"
# the margin of every split (issue 18: at least +0.03 on each)
while read -r sp m; do
	target "$(awk -v x="$m" -v t="$min_margin" 'BEGIN { print (x + 0 >= t - 5e-13 ? "met" : "no") }')" \
		"$(awk -v s="$sp" -v x="$m" -v t="$min_margin" 'BEGIN {
			printf "split %s: course-held-out margin over the best baseline %+.4f (target ≥ %+.2f", s, x, t
			if (x + 0 < t - 5e-13) printf "; short by %.4f", t - x
			printf ")" }')"
done <"$w/margins"
target "$(awk -v x="$fit_s" 'BEGIN { print (x < 2 ? "met" : "no") }')" "fit on $n enrolments in $(f4 "$fit_s") s < 2 s"

# ---- OULAD ---------------------------------------------------------------------
# oulad ID TITLE LOG DAY ASOF: import, features, evaluate with withdrew_after.
oulad() {
	f=$w/oulad-$1.csv
	import-oulad.sh -c "$4" -o "$w/oulad-$1-events.csv" "$3" "$O" 2>"$w/oulad-$1-import.log"
	tl-velocity --count-field count --as-of "$5" "$w/oulad-$1-events.csv" | tl-affinity --domains 20 | tl-retention -o csv >"$f"
	rm -f "$w/oulad-$1-events.csv"
	tl-model --fit --target withdrew_after --features-file "$features" --cv 5 --output "$w/oulad-$1-model.json" "$f" 2>/dev/null
	awk -F, -v name="$2" -v day="$4" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "withdrew_after") c = i; next }
		$c == "1" { p++ } $c == "0" { q++ } $c == "" { e++ }
		END { printf "| %s, as-of day %s | %d | %d | %d |", name, day, p + q, p, e + 0 }' "$f"
	printf ' %.4f | %.4f | %.4f | %.4f |\n' "$(auc "$f" churn_risk withdrew_after)" "$(auc "$f" days_since_last withdrew_after)" \
		"$(neg "$(auc "$f" interactions withdrew_after)")" "$(cv_auc "$w/oulad-$1-model.json")"
}
note "OULAD"
echo
echo "## OULAD: withdrawal after an early cut-off"
echo
echo "Label withdrew_after: final_result Withdrawn and not unregistered before the cut-off"
echo "(students already gone are left out). AUC of the learned model is 5-fold CV over n;"
echo "a baseline's AUC skips the learners whose score is empty (no event before the cut-off)."
echo
echo "| extract | n | withdrew | left out | §6.3 churn_risk | days_since_last | −interactions | learned |"
echo "|---|---|---|---|---|---|---|---|"
oulad aaa "AAA-2013J, first 20,000 log rows" "$O/studentVle_AAA2013J_head20000.csv" 7 2000-01-08T00:00:00Z
oulad sample "all modules, random 100,000-row sample" "$O/studentVle_sample100k.csv" 100 2000-04-10T00:00:00Z
exit $status
