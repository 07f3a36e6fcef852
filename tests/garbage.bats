#!/usr/bin/env bats
# garbage.bats - arbitrary bytes never crash or hang a tool: each input is
# bad data (exit 65) or read to the end (exit 0), with or without
# --skip-bad. Run under ASan+UBSan too by make check.

load test_helper
bats_require_minimum_version 1.5.0

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

@test "GAR001: 30 mutated inputs: exit 0 or 65, never a crash or a hang" {
	mkdir "$BATS_TEST_TMPDIR/in"
	mutate 30 "$BATS_TEST_TMPDIR/in"
	for f in "$BATS_TEST_TMPDIR"/in/*; do
		for tool in tl-velocity tl-affinity tl-retention; do
			for opt in --stats --skip-bad; do
				run --separate-stderr timeout 20 "$tool" --as-of 2025-01-29 "$opt" -o csv "$f"
				if [ "$status" -ne 0 ] && [ "$status" -ne 65 ]; then
					echo "$f $tool $opt: exit $status: $stderr" >&2
					return 1
				fi
			done
		done
	done
}
