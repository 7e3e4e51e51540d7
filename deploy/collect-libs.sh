#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copy BINARY, every shared library it loads (as ldd resolves them, symlinks
# followed) and the dynamic loader into ROOT, at the same paths, so that ROOT
# alone runs it: the image's root filesystem (deploy/build-image and
# deploy/Containerfile; deploy/package-status.sh then adds the libraries'
# package metadata).  tests/e2e/check-deploy runs the result in a chroot,
# tests/image/run builds the image and runs it.
#   usage: collect-libs.sh BINARY ROOT
set -eu
if [ $# -ne 2 ]; then
	echo "usage: collect-libs.sh BINARY ROOT" >&2
	exit 2
fi
bin=$1
root=$2
mkdir -p "$root/usr/bin"
cp "$bin" "$root/usr/bin/$(basename "$bin")"
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
