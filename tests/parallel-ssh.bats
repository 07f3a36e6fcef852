#!/usr/bin/env bats
# parallel-ssh.bats - tl-parallel over real ssh: an OpenSSH server of the
# test's own on a free loopback port (its host key and the client's key
# made here), two "hosts", 127.0.0.2 and 127.0.0.3 (Linux routes all of
# 127/8 to lo), each logged into its own working directory; GNU parallel
# drives them with --sshlogin. A third host, "dead", is a port nobody
# listens on: it refuses connections.
# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

ASOF=2025-07-01

# free_port ADDR: a TCP port nobody listens on at ADDR (now).
free_port() {
	python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# host_dir N: the working directory of host 127.0.0.N, with a tl-velocity
# first in its PATH that logs where it ran and how, then runs the real one.
host_dir() {
	local h=$BATS_FILE_TMPDIR/h$1
	mkdir -p "$h/bin"
	# shellcheck disable=SC2016 # $PWD, $* and $@ are the wrapper's
	printf '#!/bin/sh\necho "$PWD $*" >>%s/ran.log\nexec %s/tl-velocity "$@"\n' "$h" "$TL_BIN" >"$h/bin/tl-velocity"
	chmod +x "$h/bin/tl-velocity"
}

# sshd_config PORT: the server's config. No PAM, keys only; root may log
# in with a key (CI runs as root); the client's key is authorized from the
# test's directory, which is not a home, so StrictModes is off. A login
# at 127.0.0.N starts in hN/ with the tools in PATH.
sshd_config() {
	local s=$BATS_FILE_TMPDIR/ssh n
	printf '%s\n' "Port $1" "ListenAddress 127.0.0.2" "ListenAddress 127.0.0.3" \
		"HostKey $s/host_key" "PidFile $s/sshd.pid" "AuthorizedKeysFile $s/authorized_keys" \
		"StrictModes no" "UsePAM no" "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" \
		"PasswordAuthentication no" "KbdInteractiveAuthentication no" "AllowUsers $(id -un)" \
		"X11Forwarding no" "AllowTcpForwarding no" "PrintMotd no" "LogLevel VERBOSE"
	for n in 2 3; do
		printf '%s\n' "Match LocalAddress 127.0.0.$n" \
			"	ForceCommand cd $BATS_FILE_TMPDIR/h$n && PATH=$BATS_FILE_TMPDIR/h$n/bin:$TL_BIN:$TL_ROOT/scripts:/usr/bin:/bin && export PATH && exec /bin/sh -c \"\$SSH_ORIGINAL_COMMAND\""
	done
}

# ssh_config PORT DEAD: the client's: the known host key, the client key,
# no questions; "dead" is 127.0.0.4 at port DEAD.
ssh_config() {
	local s=$BATS_FILE_TMPDIR/ssh
	printf '%s\n' "Host dead" "	HostName 127.0.0.4" "	Port $2" \
		"Host *" "	Port $1" "	User $(id -un)" "	IdentityFile $s/client_key" "	IdentitiesOnly yes" \
		"	UserKnownHostsFile $s/known_hosts" "	GlobalKnownHostsFile /dev/null" "	StrictHostKeyChecking yes" \
		"	BatchMode yes" "	ConnectTimeout 10" "	LogLevel ERROR"
}

setup_file() {
	local d=$BATS_FILE_TMPDIR s=$BATS_FILE_TMPDIR/ssh port dead i
	mkdir -p "$s"
	host_dir 2
	host_dir 3
	ssh-keygen -q -t ed25519 -N '' -C tl-test-host -f "$s/host_key"
	ssh-keygen -q -t ed25519 -N '' -C tl-test-client -f "$s/client_key"
	cp "$s/client_key.pub" "$s/authorized_keys"
	[ -d /run/sshd ] || mkdir -p /run/sshd   # sshd's privilege separation directory
	dead=$(free_port 127.0.0.4)
	for i in 1 2 3 4 5; do   # a port can be taken between the probe and sshd's bind
		port=$(free_port 127.0.0.2)
		sshd_config "$port" >"$s/sshd_config"
		/usr/sbin/sshd -t -f "$s/sshd_config"
		/usr/sbin/sshd -D -e -f "$s/sshd_config" 2>>"$s/sshd.log" 3>&- &
		echo $! >"$s/sshd.bgpid"
		wait_listening "$port" && break
		stop_sshd
		[ "$i" -lt 5 ] || { cat "$s/sshd.log" >&2; return 1; }
	done
	for i in 2 3; do echo "[127.0.0.$i]:$port $(cut -d' ' -f1,2 "$s/host_key.pub")"; done >"$s/known_hosts"
	ssh_config "$port" "$dead" >"$s/config"
	export PARALLEL_SSH="ssh -F $s/config"
	[ "$($PARALLEL_SSH 127.0.0.2 pwd)" = "$d/h2" ]
	[ "$($PARALLEL_SSH 127.0.0.3 pwd)" = "$d/h3" ]
	tl-loadgen --learners 300 --seed 11 >"$d/good.csv"
	tl-velocity --as-of $ASOF "$d/good.csv" | tl-affinity | tl-retention |
		tl-score --config v2 | sort >"$d/single.sorted"
}

# wait_listening PORT: until both addresses accept at PORT (10 s at most),
# while sshd runs.
wait_listening() {
	local n
	for n in $(seq 100); do
		kill -0 "$(cat "$BATS_FILE_TMPDIR/ssh/sshd.bgpid")" 2>/dev/null || return 1
		if (exec 5<>"/dev/tcp/127.0.0.2/$1") 2>/dev/null && (exec 5<>"/dev/tcp/127.0.0.3/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# stop_sshd: TERM the server, then wait for it (5 s at most, then KILL).
stop_sshd() {
	local pid n
	pid=$(cat "$BATS_FILE_TMPDIR/ssh/sshd.bgpid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || return 0
	for n in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

teardown_file() {
	stop_sshd
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	printf '%s\n' "input $BATS_FILE_TMPDIR/good.csv" "as_of $ASOF" "output out" \
		"stage velocity tl-velocity" "stage affinity tl-affinity" "stage retention tl-retention" \
		"stage score tl-score --config v2" >good.conf
	rm -f "$BATS_FILE_TMPDIR"/h[23]/ran.log
}

# hosts_of: the hosts of the joblog's last line per shard, sorted, unique.
hosts_of() {
	awk -F '\t' 'NR > 1 { h[$1] = $2 } END { for (s in h) print h[s] }' out/current/joblog | sort -u | tr '\n' ' '
}

@test "PSSH001: two hosts over ssh, the input split and sent: each works in its own directory; the result is the single run's" {
	run --separate-stderr tl-parallel --config good.conf -j 1 --shards 3 --transfer -S 127.0.0.2 -S 127.0.0.3
	assert_success
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	[ "$(hosts_of)" = "127.0.0.2 127.0.0.3 " ]
	local gen n
	gen=$(basename "$(readlink out/current)")
	for n in 2 3; do
		# its shards ran in hN/tl-parallel.GEN on the shard's own file
		[ -s "$BATS_FILE_TMPDIR/h$n/ran.log" ]
		! grep -v "^$BATS_FILE_TMPDIR/h$n/tl-parallel.$gen .* $BATS_FILE_TMPDIR/h$n/tl-parallel.$gen/shard-[0-2].in$" "$BATS_FILE_TMPDIR/h$n/ran.log" || false
		# and nothing is left there
		[ "$(ls "$BATS_FILE_TMPDIR/h$n")" = "$(printf 'bin\nran.log')" ]
	done
	[ "$(cat "$BATS_FILE_TMPDIR"/h[23]/ran.log | wc -l)" -eq 3 ]
	[[ "${stderr_lines[1]}" =~ ^"tl-parallel: shard 0 on 127.0.0."[23]": learners "[0-9]+" in, "[0-9]+" out"$ ]]
}

@test "PSSH002: two hosts over ssh, the input on shared storage: each shard reads it all with --shard" {
	run --separate-stderr tl-parallel --config good.conf -j 1 --shards 3 --sshlogin 127.0.0.2,127.0.0.3
	assert_success
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	[ "$(hosts_of)" = "127.0.0.2 127.0.0.3 " ]
	[ "$(cat "$BATS_FILE_TMPDIR"/h[23]/ran.log | grep -c -- "--shard [0-2]/3 .*good.csv$")" -eq 3 ]
	grep -qx "mode shared" out/current/manifest
}

# bats test_tags=heavy
@test "PSSH003: a host that refuses connections fails its shards clearly, nothing published; --resume elsewhere finishes; with --retries 2 the other host takes them" {
	tl-parallel --config good.conf -j 2 --shards 2 2>/dev/null
	local before
	before=$(readlink out/current)
	run --separate-stderr tl-parallel --config good.conf -j 1 --shards 4 --transfer -S dead -S 127.0.0.2
	assert_failure 69
	[ "$(readlink out/current)" = "$before" ]
	[ "$(find out/generations -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ]
	[[ "$stderr" =~ "tl-parallel: shard "[0-3]" on dead: exit 255: the shard did not run there (the host or the transfer failed; see " ]]
	[[ "$stderr" == *"tl-parallel: parallel: ssh: connect to host 127.0.0.4 port "*": Connection refused"* ]]
	[[ "${stderr_lines[-1]}" == "tl-parallel: failed (exit 69): nothing published; the active generation is still ${before#generations/}; "*" of 4 shards failed ("*"); rerun them with --resume" ]]
	# the shards that failed run again, on the host that works
	run --separate-stderr tl-parallel --config good.conf -j 1 --resume --transfer -S 127.0.0.2
	assert_success
	[ "$(hosts_of)" = "127.0.0.2 " ]
	grep -q $'\tdead\t' out/current/joblog
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	# retried on another host, the run succeeds with the dead host in the list
	run --separate-stderr tl-parallel --config good.conf -j 1 --shards 4 --transfer --retries 2 -S dead -S 127.0.0.2
	assert_success
	[ "$(hosts_of)" = "127.0.0.2 " ]
	sort out/current/learners.ndjson | cmp - "$BATS_FILE_TMPDIR/single.sorted"
	[ -z "$(ls -A out/.staging)" ]
}
