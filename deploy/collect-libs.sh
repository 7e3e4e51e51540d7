#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copy BINARY, every shared library it loads (as ldd resolves them, symlinks
# followed) and the dynamic loader into ROOT, at the same paths, so that ROOT
# alone runs it (the final stage of deploy/Containerfile; tests/deploy/check
# runs the result in a chroot).
#   usage: collect-libs.sh BINARY ROOT
set -eu
bin=$1
root=$2
mkdir -p "$root/usr/bin"
cp "$bin" "$root/usr/bin/$(basename "$bin")"
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
