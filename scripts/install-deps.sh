#!/bin/sh
# install-deps.sh - install the Debian packages tl needs to build and test
# (make deps, .ci/run): those of PKGS below that dpkg does not have
# installed, with apt-get, through sudo when not root.
#
# usage: install-deps.sh [-n] [--if-missing]
# Install the Debian packages tl needs to build and test; see install-deps(1).
#   -n            list the missing packages, one a line, and install nothing
#   --if-missing  install only the missing packages (what it always does:
#                 nothing to do is a fast no-op)
#   -h, --help    show this help
set -eu
# shellcheck source=scripts/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
dry=0
for a in "$@"; do
	case $a in
	-n) dry=1 ;;
	--if-missing) ;;
	-h | --help) help ;;
	*) usage ;;
	esac
done
PKGS="build-essential shellcheck libasan8 libtsan2 libcsv-dev libcjson-dev bats bats-support bats-assert parallel mandoc datamash time python3 bsdutils util-linux jq
 prometheus prometheus-node-exporter curl
 libsqlite3-dev sqlite3 redis-server redis-tools zlib1g-dev libzstd-dev zstd
 openssh-server openssh-client rsync
 libxml2-utils chromium fonts-dejavu-core
 dpkg-dev lintian man-db
 clang libclang-rt-14-dev valgrind"
missing=""
for p in $PKGS; do
	# installed, also while a dpkg run elsewhere runs its triggers
	# (half-configured, triggers-pending, triggers-awaited: its files are there)
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qE '^install ok (installed|half-configured|triggers-pending|triggers-awaited)$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$dry" -eq 1 ]; then
	# shellcheck disable=SC2086 # split on purpose: one package a line
	printf '%s\n' $missing
	exit 1
fi
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
