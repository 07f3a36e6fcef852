#!/bin/sh
# seeds.sh DIR - the seed corpora of the harnesses whose input is not a
# plain file (make fuzz, fuzz-check): DIR/reader gets input files of every
# shape from testdata/, each after an option byte (fuzz_reader.c: skip the
# options, then a few combinations); DIR/stats gets --emit-stats files
# from testdata/corpus, alone and two merged (fuzz_stats.c's separator).
set -eu
out=$1
mkdir -p "$out/reader" "$out/stats"
for f in testdata/reader/*.csv testdata/worked/worked.csv testdata/worked/worked.ndjson \
	testdata/velocity/velocity-escapes.csv testdata/velocity/velocity-escapes.ndjson \
	testdata/abtest/abtest-docs.ndjson testdata/score/score-rows.csv testdata/export/export-hostile.csv \
	testdata/retention/retention-worked-doc.ndjson testdata/affinity/affinity-worked.ndjson testdata/xapi/mapping.ndjson; do
	n=$(basename "$f")
	for o in 000 001 002 004 010 020 042 100 200; do
		# shellcheck disable=SC2059 # the format is the octal escape of the byte
		{ printf "\\$o"; cat "$f"; } >"$out/reader/$n.$o"
	done
done
# xAPI statements as an array and as an LRS page, pretty-printed
{ printf '\000'; printf '[\n'; sed '$!s/$/,/' testdata/xapi/mapping.ndjson; printf ']\n'; } >"$out/reader/xapi-array"
{ printf '\000'; printf '{"statements": [\n'; sed '$!s/$/,/' testdata/xapi/mapping.ndjson; printf '],\n  "more": ""\n}\n'; } >"$out/reader/xapi-page"
# two files: an event CSV then documents
{ printf '\002'; cat testdata/worked/worked.csv; printf '\f\n'; cat testdata/worked/worked.ndjson; } >"$out/reader/two-files"
f=testdata/corpus/abtest-emit.out
cp "$f" "$out/stats/emit"
{ cat "$f"; printf '\f\n'; cat "$f"; } >"$out/stats/two-emit"
# the tampered counts of the hardening issue (item 5)
sed 's/^\(archetype,fast_learner,control,,learners,,\)10,/\118446744073709551615,/' "$f" >"$out/stats/tampered-n"
