#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Give ROOT (deploy/collect-libs.sh's result) the Debian package metadata of
# every file it holds but usr/bin/nftpol, as distroless images do, so that
# image scanners (trivy, grype, syft) see the packages and their versions:
#   ROOT/var/lib/dpkg/status.d/PKG      `dpkg-query -s PKG` of this system
#   ROOT/usr/share/doc/PKG/copyright    the package's licence terms
# Run it where the files came from (the same Debian system).  A file no
# installed package owns is an error: the image would carry code nobody can
# scan.
#   usage: package-status.sh ROOT
set -eu
if [ $# -ne 1 ]; then
	echo "usage: package-status.sh ROOT" >&2
	exit 2
fi
root=$1

# The package owning PATH, with its architecture (libc6:amd64) (a path as in ROOT). dpkg records a library under
# /lib or /usr/lib, whichever its package ships, and on merged-/usr systems
# ldd may name the other; a symlink's target may be the recorded one.
owner() {
	for p in "$1" "/usr$1" "${1#/usr}" "$(readlink -f "$1")"; do
		o=$(dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion by' | head -1) || true
		if [ -n "$o" ]; then
			echo "${o%%: *}" | cut -d, -f1
			return 0
		fi
	done
	return 1
}

pkgs=
for f in $(cd "$root" && find . -type f ! -path ./usr/bin/nftpol ! -path './var/lib/dpkg/*' \
	! -path './usr/share/doc/*' ! -path './etc/*' | sed 's|^\.||'); do
	p=$(owner "$f") || {
		echo "package-status.sh: no installed package owns $f" >&2
		exit 1
	}
	pkgs="$pkgs $p"
done
mkdir -p "$root/var/lib/dpkg/status.d"
for pa in $(echo "$pkgs" | tr ' ' '\n' | sort -u); do
	p=${pa%%:*}
	dpkg-query -s "$pa" >"$root/var/lib/dpkg/status.d/$p"
	if [ -f "/usr/share/doc/$p/copyright" ]; then
		mkdir -p "$root/usr/share/doc/$p"
		cp "/usr/share/doc/$p/copyright" "$root/usr/share/doc/$p/copyright"
	fi
done
