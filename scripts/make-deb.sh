#!/bin/sh
# make-deb.sh VERSION OUTDIR - build tl_VERSION_ARCH.deb in OUTDIR with
# dpkg-deb from a staged `make install` (make deb). The binaries are built
# in build-deb/VERSION, so two versions can be built side by side (the
# upgrade tests). Runtime dependencies come from the shared libraries the
# binaries link (dpkg-shlibdeps); Prometheus and the rest are Suggests.
# The package is checked with lintian; debian/lintian-overrides says why
# each kept tag is kept.
#
# usage: make-deb.sh VERSION OUTDIR
# Build the Debian package tl_VERSION_ARCH.deb in OUTDIR; see make-deb(1).
#   -h, --help  show this help
set -eu
# shellcheck source=scripts/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
only_help 2 "$@"
shift $((OPTIND - 1))
{ [ -n "$1" ] && [ -n "$2" ]; } || usage
version=$1 outdir=$2
case $outdir in /*) ;; *) outdir=$PWD/$outdir ;; esac   # a relative OUTDIR is the caller's
root=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)
build=$root/build-deb/$version
stage=$build/stage
deb=$outdir/tl_${version}_$arch.deb

cd "$root"
rm -rf "$stage"
make -s BUILD="$build/obj" BIN="$build/bin" VERSION="$version" CFLAGS="-O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2" \
	LDFLAGS="-Wl,-z,relro -Wl,-z,now" all >&2
make -s BUILD="$build/obj" BIN="$build/bin" VERSION="$version" DESTDIR="$stage" PREFIX=/usr install >&2

# Debian's places: man pages compressed, units under /lib/systemd, the
# editable batch config as a conffile in /etc/tl, the docs.
gzip -9n "$stage"/usr/share/man/man1/*.1 "$stage"/usr/share/man/man7/*.7
install -d "$stage/lib/systemd/system" "$stage/etc/tl" "$stage/usr/share/doc/tl" "$stage/DEBIAN"
mv "$stage"/usr/share/tl/systemd/tl-batch.service "$stage"/usr/share/tl/systemd/tl-batch.timer "$stage/lib/systemd/system/"
rmdir "$stage/usr/share/tl/systemd"
sed 's|/usr/share/tl/|/usr/share/tl/|' config/batch.conf >"$stage/etc/tl/batch.conf"
chmod 644 "$stage/etc/tl/batch.conf"
for b in "$stage"/usr/bin/tl-*; do
	case $(head -c 4 "$b") in
	"$(printf '\177ELF')") strip --remove-section=.comment --remove-section=.note --strip-unneeded "$b" ;;
	esac
done
install -m 644 debian/copyright "$stage/usr/share/doc/tl/copyright"
sed "s/@VERSION@/$version/; s/@DATE@/$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")/" \
	debian/changelog.in | gzip -9n >"$stage/usr/share/doc/tl/changelog.gz"
if grep -q '^tl: ' debian/lintian-overrides; then
	install -d "$stage/usr/share/lintian/overrides"
	grep -v '^#' debian/lintian-overrides >"$stage/usr/share/lintian/overrides/tl"
fi

# dpkg-shlibdeps reads debian/control from the directory it runs in; it
# gets every ELF binary (-eFILE each)
set --
for b in "$stage"/usr/bin/tl-*; do
	case $(head -c 4 "$b") in "$(printf '\177ELF')") set -- "$@" "-e$b" ;; esac
done
mkdir -p "$build/debian"
printf 'Source: tl\n\nPackage: tl\nArchitecture: any\n' >"$build/debian/control"
shlibs=$(cd "$build" && dpkg-shlibdeps -O "$@" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "make-deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$shlibs/" -e "s/@SIZE@/$size/" \
	debian/control.in >"$stage/DEBIAN/control"
printf '/etc/tl/batch.conf\n' >"$stage/DEBIAN/conffiles"
install -m 755 debian/postinst debian/postrm "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) >"$stage/DEBIAN/md5sums"

mkdir -p "$outdir"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
