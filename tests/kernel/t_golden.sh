#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel test of `nftpol apply` on every golden case, run by tests/kernel/run inside
# its own network namespace ($NFTPOL_KT_NETNS) with a reference one ($NFTPOL_KT_REF):
#  - incremental: apply each case over the previous case's table;
#  - full: apply each case to an empty namespace;
# each time the table must list like `nft -f expect.nft` in the reference namespace
# (objects and elements compared in sorted order), and a second apply must say
# "no change".
. "$(dirname "$0")/../lib/prelude.sh"
here=$REPO/tests/kernel
src=${NFTPOL_SRC:?} bin=${NFTPOL_BIN:?} ns=${NFTPOL_KT_NETNS:?} ref=${NFTPOL_KT_REF:?}
# never outside the namespace the runner made for us
in_netns "$ns" || { echo "kernel tests skipped: not inside a test network namespace"; exit 0; }
[[ $bin = /* ]] || bin=$src/$bin

norm() { python3 "$here/normlist.py"; }

check() { # case dir mode
	local name=$1 dir=$2 mode=$3 args=() files
	[[ -f $dir/args ]] && read -ra args <"$dir/args"
	mapfile -t files < <(find "$dir" -maxdepth 1 \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
	if ! "$bin" apply "${args[@]}" "${files[@]}" >"$tmp/out" 2>"$tmp/err"; then
		bad "$name ($mode)" "apply failed"; cat "$tmp/err"; return
	fi
	ip netns exec "$ref" nft flush ruleset
	ip netns exec "$ref" nft -f "$dir/expect.nft"
	nft list table inet nftpol | norm >"$tmp/nl"
	ip netns exec "$ref" nft list table inet nftpol | norm >"$tmp/ref"
	if ! diff -u "$tmp/ref" "$tmp/nl" >"$tmp/diff"; then
		bad "$name ($mode)" "listing differs from nft -f expect.nft ($(cat "$tmp/out"))"
		head -40 "$tmp/diff"; return
	fi
	"$bin" apply "${args[@]}" "${files[@]}" >"$tmp/out2" 2>&1
	if ! grep -q "no change" "$tmp/out2"; then
		bad "$name ($mode)" "second apply: $(cat "$tmp/out2")"; return
	fi
	ok "$name ($mode): $(cat "$tmp/out")"
}

cases=("$src"/tests/golden/cases/*/)
for dir in "${cases[@]}"; do
	check "$(basename "$dir")" "$dir" incremental
done
for dir in "${cases[@]}"; do
	nft flush ruleset
	check "$(basename "$dir")" "$dir" full
done
finish
