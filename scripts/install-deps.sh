#!/bin/sh
# install-deps.sh - install the Debian packages tl needs to build and test.
# Usage: scripts/install-deps.sh [--if-missing]
# With --if-missing it installs only when a package is absent (fast no-op).
set -eu
PKGS="build-essential shellcheck libasan8 libtsan2 libcsv-dev libcjson-dev bats bats-support bats-assert parallel mandoc datamash time python3 bsdutils util-linux jq
 prometheus prometheus-node-exporter curl
 libsqlite3-dev sqlite3 redis-server redis-tools zlib1g-dev libzstd-dev zstd
 openssh-server openssh-client rsync
 libxml2-utils chromium fonts-dejavu-core
 dpkg-dev lintian man-db
 clang libclang-rt-14-dev valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
