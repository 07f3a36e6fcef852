# abtest-aa.awk - A/A splits: every learner row of the input (learner_id,
# archetype,roi with ids L0000001...) is written once per salt s = 1..S
# (default 400), with the split s as the field "split" and an arm drawn by a
# hash of the learner number and s. The hash is exact integer arithmetic in
# doubles (P is prime, P^2 < 2^53), so every awk gives the same splits.
BEGIN { FS = ","; P = 94906249; H = P / 2; if (!S) S = 400; print "learner_id,split,roi,arm" }
NR > 1 {
	n = substr($1, 2) * 7919 + 1
	for (s = 1; s <= S; s++) {
		x = (n + s * 104729) % P
		x = (x * x + s) % P
		x = (x * x + 12345) % P
		print $1 "-" s "," s "," $3 (x < H ? ",control" : ",treatment")
	}
}
