# SPDX-License-Identifier: GPL-2.0-or-later
# The start every shell test runner shares (bash; sourced first, before any cd):
#	. "$(dirname "$0")/../lib/prelude.sh"
# It sets
#	REPO	the repository's root, absolute
#	NFTPOL	the nftpol binary, absolute: env NFTPOL (relative to the directory
#		the runner was started from) or REPO/build/nftpol
#	tmp	a fresh directory of the runner's own, removed on exit
# and gives
#	ok NAME			count a pass and print "ok   NAME"
#	bad NAME [WHY]		count a failure and print "FAIL NAME: WHY"
#	finish			print "N passed, M failed" (the line scripts/test
#				reads) and exit: 0 when nothing failed, else 1
#	need_root WHAT		unless root: one failure, finish
#	netns_add NAME		create network namespace NAME (lo up), removed on
#				exit whatever happens; fails if it cannot
#	netns_del NAME		remove one of them now
#	at_exit 'COMMAND'	run COMMAND on exit, before the namespaces and tmp
#				go (kill what the runner started, by PID)
#	in_netns NAME		true if this process runs inside network namespace
#				NAME (a test run inside one checks before it acts)
# On exit (normal, error, INT, TERM or HUP, which exit 130) the at_exit
# commands run, then every namespace made here is deleted, then tmp. Nothing
# outside those namespaces is touched.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NFTPOL=${NFTPOL:-$REPO/build/nftpol}
[[ $NFTPOL = /* ]] || NFTPOL=$PWD/$NFTPOL

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
finish() {
	echo "$pass passed, $fail failed"
	((fail == 0)) && exit 0
	exit 1
}
need_root() {
	((EUID == 0)) && return 0
	bad "$1" "needs root (network namespaces)"
	finish
}

prelude_netns=() prelude_exit=()
netns_add() {
	ip netns add "$1" || return 1
	prelude_netns+=("$1")
	ip -n "$1" link set lo up
}
netns_del() {
	local n keep=()
	ip netns del "$1" 2>/dev/null
	for n in "${prelude_netns[@]}"; do
		[[ $n = "$1" ]] || keep+=("$n")
	done
	prelude_netns=("${keep[@]}")
}
at_exit() { prelude_exit+=("$1"); }
in_netns() {
	[[ -e /run/netns/$1 ]] &&
		[[ $(stat -L -c %i /proc/self/ns/net) = "$(stat -L -c %i "/run/netns/$1")" ]]
}
prelude_cleanup() {
	local c n
	for c in "${prelude_exit[@]}"; do eval "$c"; done
	for n in "${prelude_netns[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
tmp=$(mktemp -d) || { echo "cannot make a temporary directory"; echo "0 passed, 1 failed"; exit 1; }
trap prelude_cleanup EXIT
trap 'exit 130' INT TERM HUP
