#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Blindness detection on a real kernel (issue 12): a Linux bridge carrying
# interfaces while br_netfilter does not hand its traffic to netfilter is
# reported by `nftpol agent --check-node` (exit 1, naming the bridge and the
# sysctl) and by the agent's nftpol_datapath_unenforced gauge.
# Run by tests/kernel/run inside a network namespace of its own (every link and
# sysctl below belongs to it); NFTPOL_BIN is the binary.
. "$(dirname "$0")/../lib/prelude.sh"
nftpol=${NFTPOL_BIN:?}
# never outside the namespace the runner made for us
in_netns "${NFTPOL_KT_NETNS:?}" || { echo "kernel tests skipped: not inside a test network namespace"; exit 0; }
agent_pid=
at_exit '[[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null'

bridge_nf() { sysctl -q -w net.bridge.bridge-nf-call-iptables="$1" \
	net.bridge.bridge-nf-call-ip6tables="$2"; }
check() { "$nftpol" agent --check-node >"$tmp/out" 2>&1; echo $?; }

ip link add cni0 type bridge && ip link set cni0 up
bridge_nf 0 0
rc=$(check)
if [[ $rc == 0 ]] && grep -q '^OK' "$tmp/out"; then
	ok "a bridge without ports is not reported"
else
	bad "a bridge without ports: exit $rc: $(cat "$tmp/out")"
fi

ip link add vp0 type veth peer name vp1
ip link set vp0 master cni0
ip link set vp0 up
rc=$(check)
if [[ $rc == 1 ]] && grep -q 'BLIND bridge_nf_call_iptables_off cni0: .*net.bridge.bridge-nf-call-iptables=0' "$tmp/out" &&
	grep -q 'BLIND bridge_nf_call_ip6tables_off cni0' "$tmp/out"; then
	ok "bridge with a port, both sysctls 0: exit 1, the bridge and both sysctls named"
else
	bad "bridge with a port, sysctls 0: exit $rc: $(cat "$tmp/out")"
fi

bridge_nf 1 0
rc=$(check)
if [[ $rc == 1 ]] && ! grep -q 'iptables_off' "$tmp/out" && grep -q 'ip6tables_off cni0' "$tmp/out"; then
	ok "bridge-nf-call-ip6tables 0 alone: IPv6 reported, IPv4 not"
else
	bad "ip6tables 0 alone: exit $rc: $(cat "$tmp/out")"
fi

bridge_nf 1 1
rc=$(check)
if [[ $rc == 0 ]]; then ok "br_netfilter on for both families: exit 0"; else
	bad "br_netfilter on: exit $rc: $(cat "$tmp/out")"; fi

# br_netfilter also calls netfilter for a bridge whose own option says so
bridge_nf 0 0
ip link set cni0 type bridge nf_call_iptables 1 nf_call_ip6tables 1
rc=$(check)
if [[ $rc == 0 ]]; then ok "sysctls 0 but the bridge's own nf_call_iptables/ip6tables 1: exit 0"; else
	bad "bridge option nf_call_iptables 1: exit $rc: $(cat "$tmp/out")"; fi
ip link set cni0 type bridge nf_call_iptables 0 nf_call_ip6tables 0

# The gauge: the agent inspects the node at start, before any API answer (the
# kubeconfig names a port of this namespace's loopback where nothing listens).
bridge_nf 0 1
cat >"$tmp/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
KC
ip link set lo up
"$nftpol" agent --node-name n1 --kubeconfig "$tmp/kubeconfig" \
	--metrics-address 127.0.0.1:19465 >"$tmp/agent.log" 2>&1 &
agent_pid=$!
metrics=
for _ in $(seq 50); do
	metrics=$(curl -sf http://127.0.0.1:19465/metrics) && break
	sleep 0.1
done
if grep -q '^nftpol_datapath_unenforced{reason="bridge_nf_call_iptables_off"} 1$' <<<"$metrics" &&
	grep -q '^nftpol_datapath_unenforced{reason="bridge_nf_call_ip6tables_off"} 0$' <<<"$metrics"; then
	ok "agent: nftpol_datapath_unenforced{reason=bridge_nf_call_iptables_off} 1"
else
	bad "agent gauge: $(grep datapath <<<"$metrics")"
fi
if grep -q 'level=error msg="traffic on this node escapes enforcement" .*device=cni0 sysctl=net.bridge.bridge-nf-call-iptables' "$tmp/agent.log"; then
	ok "agent: logs an error naming the device and the sysctl"
else
	bad "agent log: $(head -5 "$tmp/agent.log")"
fi
finish
