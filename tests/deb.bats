#!/usr/bin/env bats
# deb.bats - the Debian package (make deb) on the real package manager, as
# root: it installs and runs, upgrades keeping a locally edited conffile
# and the timer's enablement, downgrades back, and purges. The package is
# removed at the end even when a test fails (teardown_file). The tests
# share one machine state and run in order.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

OLD=0.1.0
NEW=0.1.0+test1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

setup_file() {
	as_root true || { echo "deb.bats needs root (or sudo -n): it installs a package" >&2; return 1; }
	# a tl package this suite did not install would be replaced: refuse
	if dpkg-query -W -f='${Status}' tl 2>/dev/null | grep -q 'install ok'; then
		echo "a tl package is already installed; remove it first" >&2
		return 1
	fi
	local v
	for v in "$OLD" "$NEW"; do
		make -s -C "$TL_ROOT" deb VERSION="$v" DEB_OUT="$BATS_FILE_TMPDIR" >"$BATS_FILE_TMPDIR/build-$v.log" 2>&1 ||
			{ cat "$BATS_FILE_TMPDIR/build-$v.log" >&2; return 1; }
	done
}

teardown_file() {
	as_root dpkg --purge tl >/dev/null 2>&1 || true
	as_root rm -rf /var/lib/tl-deb-test
}

deb() { echo "$BATS_FILE_TMPDIR/tl_${1}_$(dpkg --print-architecture).deb"; }

@test "DEB001: the package: lintian clean of errors, dependencies from the linked libraries, the files in place" {
	local d
	d=$(deb "$OLD")
	[ -f "$d" ]
	run lintian --fail-on error "$d"
	assert_success
	refute_output --regexp '^E: '
	run dpkg-deb -f "$d" Depends
	assert_output --regexp 'libc6 \(>= [0-9.]+\)'
	assert_output --partial 'libcsv3'
	assert_output --partial 'libcjson1'
	assert_output --partial 'jq'   # tl-rollout and the Open edX importer run it
	refute_output --partial 'prometheus'
	[[ "$(dpkg-deb -f "$d" Suggests)" == *prometheus* ]]
	run dpkg-deb -c "$d"
	local f
	for f in ./usr/bin/tl-velocity ./usr/bin/tl-batch ./usr/share/man/man1/tl-batch.1.gz ./usr/share/man/man7/tl-ops.7.gz \
		./usr/share/tl/v1.json ./usr/share/tl/v2.json ./usr/share/tl/churn.features ./usr/share/tl/import-oulad.sh \
		./usr/share/tl/import-kddcup2015.sh ./usr/share/tl/import-openedx-tracking.sh ./usr/share/tl/lib/civil.awk \
		./usr/share/tl/xapi-verbs.json ./usr/share/tl/rollout.json ./usr/share/tl/lib/tl.sh ./usr/bin/tl-rollout \
		./usr/share/man/man1/tl-rollout.1.gz ./usr/share/man/man1/import-oulad.1.gz \
		./usr/share/tl/prometheus/tl-alerts.yml ./usr/share/tl/grafana/tl-dashboard.json \
		./etc/tl/batch.conf ./lib/systemd/system/tl-batch.service ./lib/systemd/system/tl-batch.timer; do
		assert_output --partial " $f"
	done
	[ "$(dpkg-deb --ctrl-tarfile "$d" | tar -xOf - ./conffiles)" = /etc/tl/batch.conf ]
}

@test "DEB002: the version comes from one place: the Makefile's VERSION is what --version prints and what the package is named" {
	local v
	v=$(make --no-print-directory -s -C "$TL_ROOT" version)
	[ "$v" = "$OLD" ]
	run tl-velocity --version
	assert_output "tl-velocity $v"
	run tl-batch --version
	assert_output "tl-batch $v"
	[ "$(dpkg-deb -f "$(deb "$OLD")" Version)" = "$OLD" ]
}

@test "DEB003: install: the demo pipeline runs on the installed tools, every page is found by man, the timer is not enabled" {
	run as_root dpkg -i "$(deb "$OLD")"
	assert_success
	run /usr/bin/tl-velocity --version
	assert_output "tl-velocity $OLD"
	PATH=/usr/bin:/bin
	tl-loadgen --learners 200 --seed 3 | tl-velocity --as-of 2025-07-01 | tl-affinity | tl-retention |
		tl-score --config /usr/share/tl/v2.json --summary-file "$BATS_TEST_TMPDIR/summary.txt" >"$BATS_TEST_TMPDIR/scored.ndjson"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/scored.ndjson")" -eq 200 ]
	grep -q '^portfolio average multiplier: ' "$BATS_TEST_TMPDIR/summary.txt"
	# the shipped configs by name, from any directory (tl(7) FILES)
	(cd / && tl-score --config v1 "$BATS_TEST_TMPDIR/scored.ndjson") | grep -c '"algo_version":"v1"' | grep -qx 200
	[ "$(cd / && tl-score --print-config --config v2)" = "$(tl-score --print-config --config /usr/share/tl/v2.json)" ]
	# the installed verb table, found without being named: a use verb adopts, an unknown one is counted
	printf '%s\n' '{"actor":{"account":{"homePage":"https://lms","name":"u1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://lms/c1"},"timestamp":"2025-01-02T00:00:00Z"}' \
		'{"actor":{"account":{"homePage":"https://lms","name":"u1"}},"verb":{"id":"https://example.org/verbs/frobbed"},"object":{"id":"https://lms/c2"},"timestamp":"2025-01-03T00:00:00Z"}' >"$BATS_TEST_TMPDIR/x.ndjson"
	run --separate-stderr bash -c "cd / && tl-velocity --as-of 2025-02-01 --stats -o csv '$BATS_TEST_TMPDIR/x.ndjson'"
	assert_success
	[[ "$stderr" == *"xAPI statements 2; unknown verbs 1 (read as interact)"* ]] || { echo "$stderr"; false; }
	[ "$(echo "$output" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c["adoptions"] }')" = 1 ]
	local p dev
	# the developer scripts of the source tree and their pages (the
	# Makefile's DEVPAGES) are not installed
	dev=" $(make --no-print-directory -s -C "$TL_ROOT" devpages) "
	[[ $dev == *" man/validate.1 "* && $dev == *" man/bench.1 "* ]]
	for p in "$TL_ROOT"/man/*.[17]; do
		p=$(basename "$p")
		[[ $dev != *" man/$p "* ]] || continue
		man -w "${p##*.}" "${p%.*}" | grep -qx "/usr/share/man/man${p##*.}/$p.gz" || { echo "man -w ${p%.*}: not found"; false; }
	done
	run systemctl is-enabled tl-batch.timer
	assert_output disabled
	# the installed tl-batch with an edited copy of the shipped config
	as_root mkdir -p /var/lib/tl-deb-test
	tl-loadgen --learners 50 --seed 1 >/var/lib/tl-deb-test/events.csv
	sed 's|^input .*|input /var/lib/tl-deb-test/events.csv|; s|^output .*|output /var/lib/tl-deb-test/out|; s|^textfile .*|textfile /var/lib/tl-deb-test/textfile|; s|^as_of .*|as_of 2025-07-01|' \
		/usr/share/tl/batch.conf >/var/lib/tl-deb-test/batch.conf
	run --separate-stderr tl-batch --config /var/lib/tl-deb-test/batch.conf
	assert_success
	[ "$(wc -l </var/lib/tl-deb-test/out/current/learners.ndjson)" -eq 50 ]
}

@test "DEB004: upgrade: a locally edited conffile is kept, the timer stays enabled, the tools report the new version" {
	echo "# edited by the admin" | as_root tee -a /etc/tl/batch.conf >/dev/null
	as_root systemctl enable tl-batch.timer 2>/dev/null
	[ "$(systemctl is-enabled tl-batch.timer)" = enabled ]
	run as_root dpkg --force-confold -i "$(deb "$NEW")"
	assert_success
	tail -1 /etc/tl/batch.conf | grep -qx '# edited by the admin'
	[ "$(systemctl is-enabled tl-batch.timer)" = enabled ]
	run /usr/bin/tl-velocity --version
	assert_output "tl-velocity $NEW"
	run env PATH=/usr/bin:/bin tl-batch --version
	assert_output "tl-batch $NEW"
	[ "$(dpkg-query -W -f='${Version}' tl)" = "$NEW" ]
	# and disabled stays disabled
	as_root systemctl disable tl-batch.timer 2>/dev/null
	run as_root dpkg --force-confold -i "$(deb "$NEW")"
	assert_success
	[ "$(systemctl is-enabled tl-batch.timer)" = disabled ]
}

@test "DEB005: downgrade: the old version is back, the conffile intact" {
	run as_root dpkg --force-confold -i "$(deb "$OLD")"
	assert_success
	[ "$(dpkg-query -W -f='${Version}' tl)" = "$OLD" ]
	run /usr/bin/tl-score --version
	assert_output "tl-score $OLD"
	tail -1 /etc/tl/batch.conf | grep -qx '# edited by the admin'
	head -n -1 /etc/tl/batch.conf | diff - "$TL_ROOT/config/batch.conf"
}

@test "DEB006: purge removes everything the package made, and keeps what the user made" {
	as_root systemctl enable tl-batch.timer 2>/dev/null
	run as_root dpkg --purge tl
	assert_success
	run dpkg-query -W -f='${Status}' tl
	refute_output --partial 'installed'
	local f
	for f in /usr/bin/tl-velocity /usr/bin/tl-batch /usr/share/tl /etc/tl /lib/systemd/system/tl-batch.timer \
		/etc/systemd/system/timers.target.wants/tl-batch.timer /usr/share/man/man1/tl-batch.1.gz; do
		[ ! -e "$f" ] || { echo "left after purge: $f"; false; }
	done
	# the user's generations stay
	[ -s /var/lib/tl-deb-test/out/current/learners.ndjson ]
}
