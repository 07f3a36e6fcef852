# tl.sh - the shell the tl commands of scripts/ share (tl-batch, tl-rollout),
# sourced, not run: messages, the lock, the atomic switch of a symbolic
# link, and gauges for node_exporter's textfile collector, published
# atomically. The caller sets PROG, the name its messages start with.
# A command finds it beside itself, in lib/, or installed, in
# ../share/tl/lib/.

die() { # die STATUS MESSAGE
	printf '%s: %s\n' "$PROG" "$2" >&2
	exit "$1"
}
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# switch_link DIR LINK TARGET: point DIR/LINK at TARGET (a path relative
# to DIR) by one rename(2), so that a reader of DIR/LINK sees the old
# target or the new one, never a mix and never no link. The temporary
# link is DIR/.LINK.PID; a killed switch leaves at most that behind, which
# is not LINK.
switch_link() {
	local tmp="$1/.$2.$$"
	ln -sfn "$3" "$tmp"
	mv -T "$tmp" "$1/$2"
}

# take_lock FILE: an exclusive flock(1) on FILE, held on descriptor 9
# until the process exits (the kernel drops it even on SIGKILL); exit 75
# at once when another process holds it. Commands run under the lock
# should not inherit descriptor 9 (run them with 9>&-), or a killed
# holder's children keep the lock.
take_lock() {
	exec 9>>"$1"
	flock -n 9 || die 75 "another $PROG run holds $1; try again later"
}

gauge() { # gauge NAME HELP [LABELS] VALUE: one gauge in the text format
	local labels=""
	[ $# -eq 4 ] && labels="{$3}"
	printf '# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n' "$1" "$2" "$1" "$1" "$labels" "${!#}"
}

# publish_file FILE CMD...: the output of CMD as FILE, through a temporary
# in FILE's directory (a dot file: node_exporter reads only *.prom) renamed
# into place with mode 0644; returns 1, leaving FILE as it was, when
# something fails.
publish_file() {
	local f=$1 tmp
	shift
	tmp="$(dirname "$f")/.$(basename "$f").$$"
	if "$@" >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$f"; then
		return 0
	fi
	rm -f "$tmp"
	return 1
}
