#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `nftpol uninstall` on a real kernel (issue 13, point 3): it removes table inet
# nftpol and nothing else, says so, and exits 0; run again it finds nothing to
# do and exits 0; without CAP_NET_ADMIN it exits 1 and leaves the table; bad
# usage exits 2. Traffic: two pods routed through this namespace, the client
# refused by the demo's default-deny before, served after the uninstall.
# Run by tests/kernel/run inside a network namespace of its own (the "node":
# every table, link and sysctl below belongs to it, the pods' namespaces are
# made here and removed on exit); NFTPOL_BIN is the binary.
. "$(dirname "$0")/../lib/prelude.sh"
nftpol=${NFTPOL_BIN:?}
# never outside the namespace the runner made for us
in_netns "${NFTPOL_KT_NETNS:?}" || { echo "kernel tests skipped: not inside a test network namespace"; exit 0; }
server_pid=
at_exit '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null'

demo=$REPO/tests/golden/cases/demo
pods=nftpol-kt-$$-uninstall
client=10.244.1.13 # default/client: not isolated
backend=10.244.1.11 # production/backend: ingress only from app=frontend

# uninstall ARGS...: run it, exit code in $rc, stdout in $tmp/out, stderr in $tmp/err
uninstall() { "$nftpol" uninstall "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# pod NAME IP N: a namespace NAME-N with IP on eth0, routed through veth vN here
pod() {
	local ns=$1-$3
	netns_add "$ns" || return 1
	ip link add "v$3" type veth peer name eth0 netns "$ns" &&
		ip addr add "192.168.$3.1/32" dev "v$3" && ip link set "v$3" up &&
		ip route add "$2/32" dev "v$3" &&
		ip -n "$ns" addr add "$2/32" dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add "192.168.$3.1/32" dev eth0 &&
		ip -n "$ns" route add default via "192.168.$3.1" dev eth0
}

# connects: whether the client opens TCP 8080 on the backend within 2 s
connects() {
	ip netns exec "$pods-0" timeout 2 bash -c "exec 3<>/dev/tcp/$backend/8080" 2>/dev/null
}

traffic=0
if pod "$pods" "$client" 0 && pod "$pods" "$backend" 1 && sysctl -q -w net.ipv4.ip_forward=1; then
	ip netns exec "$pods-1" python3 "$REPO/tests/lib/podserver.py" 8080 >"$tmp/server" 2>&1 &
	server_pid=$!
	for _ in $(seq 50); do grep -q ready "$tmp/server" && break; sleep 0.1; done
	if grep -q ready "$tmp/server" && connects; then
		traffic=1
		ok "traffic: client -> backend:8080 connects without a table"
	else
		bad "traffic setup" "client -> backend:8080 does not connect without a table: $(cat "$tmp/server")"
	fi
else
	bad "traffic setup" "cannot make the pods' namespaces"
fi

"$nftpol" compile --node node-1 "$demo"/*.yaml | nft -f - || bad "load" "nft -f of the demo's compiled ruleset failed"
nft -f - <<'NFT' || bad "load" "cannot make table inet other"
table inet other {
	chain c { type filter hook input priority 0; policy accept; tcp dport 9 accept; }
}
NFT
nft list table inet other >"$tmp/other.before"
if ((traffic)); then
	if connects; then bad "traffic: client -> backend:8080 connects with the demo's table"; else
		ok "traffic: client -> backend:8080 is refused with the demo's table"; fi
fi

# without CAP_NET_ADMIN the kernel refuses, and the table stays
setpriv --bounding-set -net_admin "$nftpol" uninstall >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc == 1 ]] && [[ ! -s $tmp/out ]] && grep -q 'Operation not permitted' "$tmp/err" &&
	grep -q 'CAP_NET_ADMIN' "$tmp/err" && grep -qx 'table inet nftpol' <(nft list tables); then
	ok "without CAP_NET_ADMIN: exit 1, says why, the table stays"
else
	bad "without CAP_NET_ADMIN: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi

uninstall
nft list tables >"$tmp/tables"
if [[ $rc == 0 ]] && [[ $(cat "$tmp/out") == 'nftpol uninstall: table inet nftpol removed' ]] &&
	[[ ! -s $tmp/err ]]; then
	ok "uninstall: exit 0, one line: table inet nftpol removed"
else
	bad "uninstall: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi
if ! grep -qx 'table inet nftpol' "$tmp/tables" && grep -qx 'table inet other' "$tmp/tables" &&
	nft list table inet other | cmp -s - "$tmp/other.before"; then
	ok "uninstall: no table inet nftpol left; table inet other exactly as it was"
else
	bad "uninstall: tables now: $(cat "$tmp/tables")"
fi
if ((traffic)); then
	if connects; then ok "traffic: client -> backend:8080 connects after the uninstall"; else
		bad "traffic: client -> backend:8080 still refused after the uninstall"; fi
fi

uninstall
if [[ $rc == 0 ]] && [[ $(cat "$tmp/out") == 'nftpol uninstall: no table inet nftpol (nothing to do)' ]] &&
	[[ ! -s $tmp/err ]]; then
	ok "uninstall again: exit 0, nothing to do"
else
	bad "uninstall again: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi

uninstall --table other
if [[ $rc == 0 ]] && grep -qx 'nftpol uninstall: table inet other removed' "$tmp/out" &&
	[[ -z $(nft list tables) ]]; then
	ok "uninstall --table other: removes that table"
else
	bad "uninstall --table other: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi

for args in "--bogus" "extra-argument" "--table"; do
	# shellcheck disable=SC2086 # one word or none each
	uninstall $args
	if [[ $rc == 2 ]] && [[ ! -s $tmp/out ]] && grep -q '^usage: nftpol uninstall' "$tmp/err"; then
		ok "bad usage 'uninstall $args': exit 2 with the usage on stderr"
	else
		bad "bad usage 'uninstall $args': exit $rc: $(cat "$tmp/out" "$tmp/err")"
	fi
done
uninstall --help
if [[ $rc == 0 ]] && grep -q '^usage: nftpol uninstall \[--table NAME\]' "$tmp/out"; then
	ok "uninstall --help: exit 0, the usage on stdout"
else
	bad "uninstall --help: exit $rc"
fi
finish
