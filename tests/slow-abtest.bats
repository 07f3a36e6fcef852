#!/usr/bin/env bats
# slow-abtest: the power test of tl-abtest on 500,000 tl-loadgen learners
# (about 1 GB of event CSV through a pipe; ~10 s of CPU, far more under the
# sanitizers), kept out of tests/tl-abtest.bats so that file stays fast.
load test_helper
bats_require_minimum_version 1.5.0

@test "SLOWABT001: --effect 0.063 on 500,000 learners is detected and the lift CI covers 6.3%" {
	run --separate-stderr bash -o pipefail -c \
		'tl-loadgen --learners 500000 --arm-split 50:50 --effect 0.063 --outcome -f csv |
		 tl-abtest --metric roi --format json'
	assert_success
	run python3 -c '
import json, sys
m = json.loads(sys.argv[1])["metrics"][0]
print("n %d + %d, lift %.4f [%.4f, %.4f], p %.3g" % (m["n_control"], m["n_treatment"],
      m["lift"], m["lift_ci_low"], m["lift_ci_high"], m["p"]))
ok = m["n_control"] + m["n_treatment"] == 500000 and m["p"] < 0.05 and \
     m["lift_ci_low"] <= 0.063 <= m["lift_ci_high"]
sys.exit(0 if ok else 1)' "$output"
	echo "$output" >&3
	assert_success
}
