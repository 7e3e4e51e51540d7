#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A model Kubernetes cluster made of network namespaces (stdlib only).

Every pod is a network namespace whose eth0 is a veth into a node namespace:
routed (datapath "routed", the default: a /32 route per pod, as Calico and
Cilium's routing do) or enslaved to a Linux bridge `cni0` holding the gateway
(datapath "bridged", as the bridge/flannel CNI plugins do; same-node pod
traffic is switched and reaches netfilter only through br_netfilter, whose
bridge-nf-call-iptables/ip6tables the node namespace sets from br_netfilter);
the node namespace the node namespace forwards, carries kube-proxy's
Service DNAT and hairpin masquerade (tables `ip kubeproxy` / `ip6 kubeproxy`)
and is where nftpol's ruleset is loaded.  Two nodes are linked by a veth with
routes for each other's pod range.  Each pod runs podserver.py (TCP accept and
UDP echo on its ports, IPv4 and optionally IPv6).

Nothing here touches the root namespace's ruleset or interfaces: every
command that changes state runs inside a namespace this module created, and
veths are created straight into their namespaces.  Names carry the PID so
parallel runs never collide.  teardown() removes everything and is safe to
call twice or on a half-built cluster.

Optional node-side pieces (both off by default; tests/nodepaths uses them):
node_services=True also DNATs the node's own connections to Services (a
`type nat hook output` chain in the kubeproxy tables with the prerouting
chain's rules; the node routes the Service ranges out of its node IP, as a
node's default route would), so node -> ClusterIP reaches the pod, local or
remote; host_servers=True runs a "host-network" server in every node
namespace (TCP accept and UDP echo on host_ports, default 80 and 81, SCTP on
host_sctp_ports; UDP replies come from the address the datagram was sent to,
since a node has several).  probe() probes
from pods or nodes to any address.

Address plan, pod number i (0-based, in layout order) on node k (1-based):
  pod       10.244.k.(10+i)        fd00:10:244:k::(10+i)
  service   10.96.0.(10+i)         fd00:96::(10+i)
  gateway   10.244.k.1 / fe80::1   (routed: on every node-side veth, also
                                    fd00:10:244:k::1; bridged: on cni0, /24 and
                                    fd00:10:244:k::1/64)
  node link 172.18.0.k/24          fd00:18::k/64   (single node with
                                    node_services or host_servers: on a
                                    veth `uplink`)
  Service ranges 10.96.0.0/24, fd00:96::/64 (node_services: routed out of
                                    the node link)

Command line (used by scripts/demo); the state file names everything made:
  cluster.py up --layout NAME [--nodes 2] [--ipv6] [--datapath bridged] [--state FILE]
  cluster.py manifest --state FILE        Nodes, Namespaces and Pods as YAML
  cluster.py table --state FILE --spec tcp/8080 [--save F] [--before F]
  cluster.py node-netns --state FILE      the namespace of node-1
  cluster.py pods --state FILE            one line per pod: addresses, labels
  cluster.py down --state FILE            remove everything
  cluster.py serve-host [--ipv6] [--sctp PORT]... PORT...
                                          the host-network server (run inside
                                          a node namespace by the harness)
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "podserver.py")
PROBER = os.path.join(HERE, "prober.py")
SELF = os.path.abspath(__file__)
SERVICE_NET = {4: "10.96.0.0/24", 6: "fd00:96::/64"}
HOST_PORTS = (80, 81)
HAIRPIN_MARK = "0x00004000"


class HarnessError(Exception):
    """A step of building or programming the model cluster failed."""


def run(args, input=None, check=True, capture=True):
    """Run a command; raise HarnessError with its stderr when it fails."""
    p = subprocess.run(args, input=input, text=True,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None)
    if check and p.returncode != 0:
        raise HarnessError("%s: exit %d\n%s" % (" ".join(args), p.returncode,
                                               (p.stderr or "").strip()))
    return p


def nsexec(netns, *args, **kw):
    return run(["ip", "netns", "exec", netns] + list(args), **kw)


def ipbatch(netns, lines):
    run(["ip", "-n", netns, "-batch", "-"], input="\n".join(lines) + "\n")


def sysctl(netns, settings):
    nsexec(netns, "sysctl", "-q", "-w", *["%s=%s" % kv for kv in settings])


class Pod:
    """One pod: Kubernetes identity, addresses and its network namespace.
    PORTS is a list of port numbers (each served over TCP and UDP, container
    ports named serve-PORT-PROTO) or a dict {"serve": [...] (TCP and UDP),
    "sctp": [...] (SCTP), "named": [[name, port, PROTO], ...] (the container
    ports of the manifest)}."""

    def __init__(self, namespace, name, labels, node, index, ports):
        self.namespace = namespace
        self.name = name
        self.labels = dict(labels)
        self.node = node            # node number, 1-based
        self.index = index
        plan = ports if isinstance(ports, dict) else {"serve": list(ports)}
        self.ports = list(plan.get("serve", []))    # served ports: TCP and UDP each
        self.sctp_ports = list(plan.get("sctp", []))
        self.container_ports = ([tuple(x) for x in plan["named"]]
                                if "named" in plan else None)
        self.ip4 = "10.244.%d.%d" % (node, 10 + index)
        self.ip6 = "fd00:10:244:%d::%d" % (node, 10 + index)
        self.svc4 = "10.96.0.%d" % (10 + index)
        self.svc6 = "fd00:96::%d" % (10 + index)
        self.netns = None
        self.hostif = "veth%d" % index
        self.pid = None

    @property
    def key(self):
        return "%s/%s" % (self.namespace, self.name)

    def named_ports(self):
        """The container ports of the manifest: the layout's, else the
        upstream e2e ones, serve-PORT-PROTO."""
        if self.container_ports is not None:
            return list(self.container_ports)
        return [("serve-%d-%s" % (p, proto.lower()), p, proto)
                for p in self.ports for proto in ("TCP", "UDP")]

    def port_plan(self):
        """PORTS as given to the constructor (for the state file)."""
        if not self.sctp_ports and self.container_ports is None:
            return list(self.ports)
        plan = {"serve": list(self.ports), "sctp": list(self.sctp_ports)}
        if self.container_ports is not None:
            plan["named"] = [list(x) for x in self.container_ports]
        return plan


class HostPod:
    """A host-network pod: only a manifest object (hostNetwork, the node's
    addresses); what it serves is the node's host server.  Never a subject or
    a pod peer of a policy; probes to it go to its node's address."""

    def __init__(self, namespace, name, labels, node, named_ports):
        self.namespace = namespace
        self.name = name
        self.labels = dict(labels)
        self.node = node
        self.named_ports = [tuple(x) for x in named_ports]

    @property
    def key(self):
        return "%s/%s" % (self.namespace, self.name)


def layout_xyz(nodes=1):
    """Namespaces x, y, z x pods a, b, c (ports 80, 81); pods alternate nodes."""
    namespaces = {n: {"ns": n} for n in "xyz"}
    pods = []
    for ns in "xyz":
        for name in "abc":
            node = 1 + len(pods) % nodes
            pods.append((ns, name, {"pod": name}, node, [80, 81]))
    return namespaces, pods


def layout_production(nodes=1):
    """The demo: production/{frontend,backend,other} and default/client, 8080."""
    namespaces = {"production": {"env": "production"}, "default": {}}
    pods = [("production", "frontend", {"app": "frontend"}, 1, [8080, 80]),
            ("production", "backend", {"app": "backend"}, 1, [8080, 80]),
            ("production", "other", {"app": "other"}, 1, [8080, 80]),
            ("default", "client", {"app": "client"}, 1, [8080, 80])]
    return namespaces, pods


HOUSES = (("gryffindor", "harry-potter"), ("slytherin", "draco-malfoy"),
          ("hufflepuff", "cedric-diggory"), ("ravenclaw", "luna-lovegood"))
CONFORMANCE_NS = "network-policy-conformance-"
# The upstream suite's host-network ports (its default range, 34345-34352):
# 0, 1 TCP; 2, 4 UDP (3, 5 its servers' HTTP ports); 6, 7 SCTP.
CONFORMANCE_HOST_PORTS = tuple(range(34345, 34353))
CONFORMANCE_HOST_SCTP = (34351, 34352)


def layout_hogwarts(nodes=2):
    """The upstream ClusterNetworkPolicy conformance cluster
    (network-policy-api conformance/base/manifests.yaml): namespaces
    network-policy-conformance-{gryffindor,slytherin,hufflepuff,ravenclaw}
    (label conformance-house: <house>), two StatefulSet pods each (harry-potter,
    draco-malfoy, cedric-diggory, luna-lovegood -0 and -1, labels
    conformance-house, apps.kubernetes.io/pod-index and
    statefulset.kubernetes.io/pod-name), serving TCP 80 and 8080, UDP 53 and
    5353 (here both on all four), SCTP 9003 and 9005, container ports named
    web (80/TCP) and dns (53/UDP).  Pod -0 on node-1, -1 on node-2.  The third
    item: network-policy-conformance-forbidden-forrest's host-network pods
    centaur-0 (node-1) and centaur-1 (node-2), whose servers are the nodes'
    host servers (CONFORMANCE_HOST_PORTS)."""
    namespaces = {CONFORMANCE_NS + h: {"conformance-house": h} for h, _ in HOUSES}
    namespaces[CONFORMANCE_NS + "forbidden-forrest"] = {
        "conformance-house": "forbidden-forrest"}
    plan = {"serve": [80, 8080, 53, 5353], "sctp": [9003, 9005],
            "named": [["web", 80, "TCP"], ["dns", 53, "UDP"]]}
    pods = []
    for house, sts in HOUSES:
        for i in range(2):
            labels = {"conformance-house": house, "apps.kubernetes.io/pod-index": str(i),
                      "statefulset.kubernetes.io/pod-name": "%s-%d" % (sts, i)}
            pods.append((CONFORMANCE_NS + house, "%s-%d" % (sts, i), labels,
                         1 + i % nodes, plan))
    hp = CONFORMANCE_HOST_PORTS
    named = [["web-%d" % hp[0], hp[0], "TCP"], ["web-%d" % hp[1], hp[1], "TCP"],
             ["dns-%d" % hp[2], hp[2], "UDP"], ["dns-%d" % hp[4], hp[4], "UDP"]]
    host = [HostPod(CONFORMANCE_NS + "forbidden-forrest", "centaur-%d" % i,
                    {"conformance-house": "forbidden-forrest",
                     "apps.kubernetes.io/pod-index": str(i),
                     "statefulset.kubernetes.io/pod-name": "centaur-%d" % i},
                    1 + i % nodes, named)
            for i in range(2)]
    return namespaces, pods, host


LAYOUTS = {"xyz": layout_xyz, "production": layout_production,
           "hogwarts": layout_hogwarts}


class Cluster:
    """The model cluster.  setup() builds it, teardown() removes it."""

    def __init__(self, layout="xyz", nodes=1, ipv6=False, tag=None, datapath="routed",
                 br_netfilter=True, node_services=False, host_servers=False,
                 host_ports=HOST_PORTS, host_sctp_ports=()):
        if datapath not in ("routed", "bridged"):
            raise HarnessError("unknown datapath %s" % datapath)
        self.datapath = datapath
        self.br_netfilter = br_netfilter    # bridged: bridge-nf-call-ip(6)tables
        self.layout = layout
        self.nnodes = nodes
        self.ipv6 = ipv6
        self.tag = tag or "np%d" % os.getpid()
        made = LAYOUTS[layout](nodes)
        self.namespaces, specs = made[0], made[1]
        self.host_pods = list(made[2]) if len(made) > 2 else []
        self.pods = []
        self._specs = specs
        self.netns = []             # every namespace created, in order
        self.nodes = {}             # node number -> netns name
        self.detach = False         # servers outlive this process (CLI use)
        self.state_path = None      # if set, state() is saved on every change
        self.node_services = node_services  # kube-proxy DNAT on the node's output too
        self.host_servers = host_servers    # a host-network server per node
        self.host_ports = tuple(host_ports)             # its TCP and UDP ports
        self.host_sctp_ports = tuple(host_sctp_ports)   # and SCTP ones
        self.host_procs = {}        # node number -> host server Popen

    # -- names ---------------------------------------------------------
    def node_name(self, k):
        return "node-%d" % k

    def pod(self, key):
        for p in self.pods:
            if p.key == key:
                return p
        raise KeyError(key)

    def _addns(self, suffix):
        name = "%s-%s" % (self.tag, suffix)
        run(["ip", "netns", "add", name])
        self.netns.append(name)
        self.save_state()
        return name

    # -- building ------------------------------------------------------
    def setup(self):
        """Create nodes, pods, servers and Services.  On failure, clean up."""
        try:
            for k in range(1, self.nnodes + 1):
                self._add_node(k)
            if self.nnodes == 2:
                self._link_nodes()
            if self.node_services:
                for k in self.nodes:
                    self._route_services(k)
            elif self.host_servers and self.nnodes != 2:
                self._add_uplink(1)     # the node IP a host server is reached on
            for spec in self._specs:
                self.add_pod(*spec, reload_services=False)
            self.program_services()
            if self.host_servers:
                for k in sorted(self.nodes):
                    self.start_host_server(k)
        except BaseException:
            self.teardown()
            raise
        return self

    def _add_node(self, k):
        ns = self._addns(self.node_name(k))
        self.nodes[k] = ns
        sysctl(ns, [("net.ipv4.ip_forward", 1),
                    ("net.ipv4.conf.all.rp_filter", 0),
                    ("net.ipv4.conf.default.rp_filter", 0),
                    ("net.ipv4.conf.all.send_redirects", 0),
                    ("net.ipv4.conf.default.send_redirects", 0),
                    ("net.ipv6.conf.all.accept_dad", 0),
                    ("net.ipv6.conf.default.accept_dad", 0),
                    ("net.ipv6.conf.all.forwarding", 1),
                    ("net.ipv6.conf.default.forwarding", 1)])
        ipbatch(ns, ["link set lo up"])
        if self.datapath == "bridged":
            self._add_bridge(k, ns)

    def _add_bridge(self, k, ns):
        """cni0 with the gateway; br_netfilter on or off for this namespace."""
        on = 1 if self.br_netfilter else 0
        lines = ["link add cni0 type bridge", "link set cni0 up",
                 "addr add 10.244.%d.1/24 dev cni0" % k]
        if self.ipv6:
            lines += ["addr add fd00:10:244:%d::1/64 dev cni0 nodad" % k]
        ipbatch(ns, lines)
        sysctl(ns, [("net.bridge.bridge-nf-call-iptables", on),
                    ("net.bridge.bridge-nf-call-ip6tables", on)])

    def _link_nodes(self):
        n1, n2 = self.nodes[1], self.nodes[2]
        run(["ip", "link", "add", "n2n", "netns", n1, "type", "veth",
             "peer", "name", "n2n", "netns", n2])
        for k, ns in ((1, n1), (2, n2)):
            other = 3 - k
            lines = ["link set n2n up",
                     "addr add 172.18.0.%d/24 dev n2n" % k,
                     "route add 10.244.%d.0/24 via 172.18.0.%d" % (other, other)]
            if self.ipv6:
                lines += ["addr add fd00:18::%d/64 dev n2n nodad" % k,
                          "route add fd00:10:244:%d::/64 via fd00:18::%d"
                          % (other, other)]
            ipbatch(ns, lines)

    def add_pod(self, namespace, name, labels, node=1, ports=(80, 81),
                reload_services=True):
        """Create one pod (netns, veth, routes, server); return it."""
        index = max([p.index for p in self.pods], default=-1) + 1
        pod = Pod(namespace, name, labels, node, index, ports)
        self.namespaces.setdefault(namespace, {"ns": namespace})
        self.pods.append(pod)
        pod.netns = self._addns("%s-%s" % (namespace, name))
        sysctl(pod.netns, [("net.ipv6.conf.all.accept_dad", 0),
                           ("net.ipv6.conf.default.accept_dad", 0)])
        node_ns = self.nodes[node]
        run(["ip", "link", "add", "eth0", "netns", pod.netns, "type", "veth",
             "peer", "name", pod.hostif, "netns", node_ns])
        if self.datapath == "bridged":
            lines, host = self._bridged_pod(pod, node)
        else:
            lines, host = self._routed_pod(pod, node)
        ipbatch(pod.netns, lines)
        ipbatch(node_ns, host)
        self._start_server(pod)
        if reload_services:
            self.program_services()
        return pod

    def _routed_pod(self, pod, node):
        """ip commands for the pod and for its node: a /32 route each way."""
        gw = "10.244.%d.1" % node
        lines = ["link set lo up", "link set eth0 up",
                 "addr add %s/32 dev eth0" % pod.ip4,
                 "route add %s dev eth0 scope link" % gw,
                 "route add default via %s dev eth0" % gw]
        host = ["link set %s up" % pod.hostif,
                "addr add %s/32 dev %s" % (gw, pod.hostif),
                "route add %s/32 dev %s" % (pod.ip4, pod.hostif)]
        if self.ipv6:
            lines += ["addr add %s/128 dev eth0 nodad" % pod.ip6,
                      "route add ::/0 via fe80::1 dev eth0"]
            host += ["addr add fe80::1/64 dev %s nodad" % pod.hostif,
                     "addr add fd00:10:244:%d::1/128 dev %s nodad"
                     % (node, pod.hostif),
                     "route add %s/128 dev %s" % (pod.ip6, pod.hostif)]
        return lines, host

    def _bridged_pod(self, pod, node):
        """ip commands for the pod (on the node's /24) and its port on cni0.
        Hairpin mode lets a pod reach itself through its Service (the DNATed
        packet leaves by the port it came in)."""
        lines = ["link set lo up", "link set eth0 up",
                 "addr add %s/24 dev eth0" % pod.ip4,
                 "route add default via 10.244.%d.1 dev eth0" % node]
        host = ["link set %s master cni0" % pod.hostif,
                "link set %s type bridge_slave hairpin on" % pod.hostif,
                "link set %s up" % pod.hostif]
        if self.ipv6:
            lines += ["addr add %s/64 dev eth0 nodad" % pod.ip6,
                      "route add ::/0 via fd00:10:244:%d::1 dev eth0" % node]
        return lines, host

    def remove_pod(self, key):
        """Delete a pod added with add_pod (its netns and server)."""
        pod = self.pod(key)
        self._stop_server(pod)
        run(["ip", "netns", "del", pod.netns], check=False)
        self.netns.remove(pod.netns)
        self.pods.remove(pod)
        self.program_services()

    def _start_server(self, pod):
        args = ["ip", "netns", "exec", pod.netns, sys.executable, "-S", SERVER]
        args += (["--ipv6"] if self.ipv6 else []) + [str(p) for p in pod.ports]
        for p in pod.sctp_ports:
            args += ["--sctp", str(p)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL,
                                start_new_session=self.detach)
        pod.pid = proc.pid
        pod.proc = proc
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise HarnessError("server in %s did not start" % pod.key)
        if self.detach:
            proc.stdout.close()
        self.save_state()

    def _stop_server(self, pod):
        if not pod.pid:
            return
        try:
            os.kill(pod.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        proc = getattr(pod, "proc", None)
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        pod.pid = None

    def kubeproxy_script(self):
        """kube-proxy's Service DNAT and hairpin masquerade, as nft script."""
        out = []
        fams = [("ip", "svc4", "ip4")] + ([("ip6", "svc6", "ip6")] if self.ipv6 else [])
        for fam, svc, ip in fams:
            out.append("table %s kubeproxy {}\ndelete table %s kubeproxy" % (fam, fam))
            out.append("table %s kubeproxy {" % fam)
            dnat = []
            for p in self.pods:
                match = "%s daddr %s meta l4proto { tcp, udp } th dport { %s }" % (
                    fam, getattr(p, svc), ", ".join(str(x) for x in p.ports))
                dnat.append("\t\t%s %s saddr %s meta mark set meta mark | %s"
                            % (match, fam, getattr(p, ip), HAIRPIN_MARK))
                dnat.append("\t\t%s dnat to %s" % (match, getattr(p, ip)))
            out.append("\tchain prerouting {\n\t\ttype nat hook prerouting"
                       " priority dstnat; policy accept;")
            out += dnat
            out.append("\t}")
            if self.node_services:
                # The node's own connections to a Service (kubelet, hostNetwork
                # pods): the same DNAT on the output path.  -100 is dstnat,
                # a name nft 1.0.6 accepts on prerouting only.
                out.append("\tchain output {\n\t\ttype nat hook output"
                           " priority -100; policy accept;")
                out += dnat
                out.append("\t}")
            out.append("\tchain postrouting {\n\t\ttype nat hook postrouting"
                       " priority srcnat; policy accept;")
            out.append("\t\tmeta mark & %s == %s masquerade" % (HAIRPIN_MARK, HAIRPIN_MARK))
            out.append("\t}\n}")
        return "\n".join(out) + "\n"

    def program_services(self):
        """(Re)load the kubeproxy tables in every node namespace."""
        script = self.kubeproxy_script()
        for ns in self.nodes.values():
            nsexec(ns, "nft", "-f", "-", input=script)

    # -- the node itself: node IP, Service routes, host-network server ---
    def node_ip(self, k, family=4):
        """Node k's own address (on the node link)."""
        return "fd00:18::%d" % k if family == 6 else "172.18.0.%d" % k

    def gateway(self, k, family=4):
        """The pods' gateway on node k (an address of the node too)."""
        return "fd00:10:244:%d::1" % k if family == 6 else "10.244.%d.1" % k

    def _route_services(self, k):
        """Route the Service ranges out of node k's node IP, as a node's default
        route would: a connection of the node to a ClusterIP needs a route (and
        a source address) before the output DNAT; after it the kernel routes
        again to the pod.  A single node gets its node IP on an `uplink` (a
        veth whose peer stays in the node namespace)."""
        ns = self.nodes[k]
        dev = "n2n"
        if self.nnodes != 2:
            dev = "uplink"
            self._add_uplink(k)
        lines = ["route add %s dev %s src %s" % (SERVICE_NET[4], dev, self.node_ip(k))]
        if self.ipv6:
            lines += ["route add %s dev %s src %s" % (SERVICE_NET[6], dev,
                                                       self.node_ip(k, 6))]
        ipbatch(ns, lines)

    def _add_uplink(self, k):
        """A single node's node IP, on a veth `uplink` whose peer stays in the
        node namespace."""
        lines = ["link add uplink type veth peer name uplink-peer",
                 "link set uplink-peer up", "link set uplink up",
                 "addr add %s/24 dev uplink" % self.node_ip(k)]
        if self.ipv6:
            lines += ["addr add %s/64 dev uplink nodad" % self.node_ip(k, 6)]
        ipbatch(self.nodes[k], lines)

    def start_host_server(self, k, ports=None, sctp_ports=None):
        """Start the host-network server in node k's namespace (TCP accept and
        UDP echo on PORTS, default the cluster's host_ports, and SCTP on
        SCTP_PORTS, IPv4 and with ipv6 IPv6); stopped by teardown()."""
        if k in self.host_procs:
            return self.host_procs[k]
        ports = self.host_ports if ports is None else ports
        sctp_ports = self.host_sctp_ports if sctp_ports is None else sctp_ports
        args = ["ip", "netns", "exec", self.nodes[k], sys.executable, "-S", SELF,
                "serve-host"] + (["--ipv6"] if self.ipv6 else []) + [str(p) for p in ports]
        for p in sctp_ports:
            args += ["--sctp", str(p)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL,
                                start_new_session=self.detach)
        self.host_procs[k] = proc
        self.save_state()
        if proc.stdout.readline().strip() != "ready":
            raise HarnessError("host server in %s did not start" % self.node_name(k))
        if self.detach:
            proc.stdout.close()
        return proc

    def stop_host_server(self, k):
        proc = self.host_procs.pop(k, None)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout and not proc.stdout.closed:
            proc.stdout.close()
        self.save_state()

    # -- probes from anywhere to anything --------------------------------
    def source_netns(self, src):
        """The namespace of SRC: a pod key ("x/a"), a node name ("node-1") or
        a node number."""
        if isinstance(src, int):
            return self.nodes[src]
        for k, ns in self.nodes.items():
            if src == self.node_name(k):
                return ns
        return self.pod(src).netns

    def target_node(self, key):
        """The node number whose address KEY names: a node name ("node-2") or
        a host-network pod; None for an ordinary pod."""
        for k in self.nodes:
            if key == self.node_name(k):
                return k
        for hp in self.host_pods:
            if hp.key == key:
                return hp.node
        return None

    def probe(self, probes, timeout=1.0):
        """Probe PROBES, a list of (source, proto, addr, port) or (source,
        proto, addr, port, timeout): source as for source_netns(), proto "tcp"
        or "udp", any address.  prober.py runs once per source and timeout, all
        at once; returns one bool per probe, in order (True: TCP connected, UDP
        echoed)."""
        groups = {}
        for i, pr in enumerate(probes):
            src, proto, addr, port = pr[:4]
            t = pr[4] if len(pr) > 4 else timeout
            groups.setdefault((self.source_netns(src), t), []).append(
                [str(i), proto, addr, int(port)])
        procs = []
        for (netns, t), items in groups.items():
            args = ["ip", "netns", "exec", netns, sys.executable, "-S", PROBER]
            with tempfile.TemporaryFile("w+") as f:
                json.dump({"timeout": t, "probes": items}, f)
                f.seek(0)
                procs.append((netns, subprocess.Popen(
                    args, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)))
        result = [None] * len(probes)
        errors = []
        for netns, p in procs:
            out, err = p.communicate()
            if p.returncode != 0:
                errors.append("prober in %s: %s" % (netns, err.strip()))
                continue
            for key, ok in json.loads(out).items():
                result[int(key)] = ok
        if errors:
            raise HarnessError("\n".join(errors))
        return result

    # -- state between scenarios ----------------------------------------
    def flush_conntrack(self):
        for ns in self.nodes.values():
            nsexec(ns, "conntrack", "-F", check=False)

    def flush_neighbours(self):
        """Empty the neighbour caches (ARP and IPv6 ND) of every node and pod,
        so the next packets must resolve their next hops again."""
        for ns in self.netns:
            for fam in ("-4", "-6"):
                run(["ip", "-n", ns, fam, "neigh", "flush", "all"])

    def clear_policy(self):
        """Remove table inet nftpol from every node (no error if absent)."""
        for ns in self.nodes.values():
            nsexec(ns, "nft", "-f", "-",
                   input="table inet nftpol {}\ndelete table inet nftpol\n")

    def teardown(self):
        """Stop every server and delete every namespace this cluster made."""
        for pod in self.pods:
            try:
                self._stop_server(pod)
            except Exception:
                pass
        for k in list(self.host_procs):
            try:
                self.stop_host_server(k)
            except Exception:
                pass
        for ns in reversed(self.netns):
            run(["ip", "netns", "del", ns], check=False)
        self.netns = []
        self.save_state()

    # -- state file for the command line --------------------------------
    def state(self):
        return {"tag": self.tag, "layout": self.layout, "nodes": self.nnodes,
                "ipv6": self.ipv6, "datapath": self.datapath,
                "br_netfilter": self.br_netfilter, "netns": self.netns,
                "node_netns": {str(k): v for k, v in self.nodes.items()},
                "pods": [{"namespace": p.namespace, "name": p.name,
                          "labels": p.labels, "node": p.node, "index": p.index,
                          "ports": p.port_plan(), "netns": p.netns, "pid": p.pid}
                         for p in self.pods],
                "pids": [p.pid for p in self.pods if p.pid],
                "node_services": self.node_services, "host_servers": self.host_servers,
                "host_ports": list(self.host_ports),
                "host_sctp_ports": list(self.host_sctp_ports),
                "host_pids": [h.pid for h in self.host_procs.values()]}

    def save_state(self):
        if not self.state_path:
            return
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state(), f)
        os.replace(tmp, self.state_path)

    @classmethod
    def from_state(cls, path):
        """The cluster described by a state file, without building anything."""
        with open(path) as f:
            st = json.load(f)
        c = cls(st["layout"], st["nodes"], st["ipv6"], tag=st["tag"],
                datapath=st.get("datapath", "routed"),
                br_netfilter=st.get("br_netfilter", True),
                node_services=st.get("node_services", False),
                host_servers=st.get("host_servers", False),
                host_ports=st.get("host_ports", HOST_PORTS),
                host_sctp_ports=st.get("host_sctp_ports", ()))
        c.netns = st["netns"]
        c.nodes = {int(k): v for k, v in st["node_netns"].items()}
        for d in st["pods"]:
            p = Pod(d["namespace"], d["name"], d["labels"], d["node"], d["index"],
                    d["ports"])
            p.netns, p.pid = d["netns"], d["pid"]
            c.pods.append(p)
        return c


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)     # <linux/in.h>; Python 3.11 lacks it


def serve_host(argv):
    """The host-network server: podserver.py's sockets (TCP accept-and-close,
    UDP echo, on every port, SCTP on every --sctp port, IPv4 and with --ipv6
    IPv6), but each UDP (and userspace SCTP) reply
    leaves from the address its datagram was sent to (IP_PKTINFO,
    IPV6_PKTINFO): a node has several (node IP, gateway), and a reply from
    another one would not match the client's flow."""
    import selectors
    import podserver
    ipv6, ports, sctp = podserver.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sel = selectors.DefaultSelector()
    podserver.bind_all(sel, ipv6, ports, sctp)
    for key in sel.get_map().values():
        s = key.fileobj
        if key.data == socket.SOCK_DGRAM:
            if s.family == socket.AF_INET:
                s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            else:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if isinstance(key.data, podserver.RawSctpServer):
                    key.data.handle()
                    continue
                if key.data == socket.SOCK_STREAM:
                    conn, _ = s.accept()
                    conn.close()
                    continue
                data, anc, _, peer = s.recvmsg(2048, socket.CMSG_SPACE(64))
                cmsgs = []
                for level, kind, val in anc:
                    if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                        # in_pktinfo: ifindex, spec_dst, addr (the header's
                        # destination): reply from addr, any interface.
                        dst = val[8:12]
                        cmsgs = [(level, kind, struct.pack("=i4s4s", 0, dst, b"\0" * 4))]
                    elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                        cmsgs = [(level, kind, val[:16] + struct.pack("=I", 0))]
                s.sendmsg([data], cmsgs, 0, peer)
            except (BlockingIOError, ConnectionError, OSError):
                pass


def is_our_server(pid):
    """True if PID still runs podserver.py (PIDs in a state file may be stale)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return SERVER.encode() in f.read().split(b"\0")
    except OSError:
        return False


def is_our_host_server(pid):
    """True if PID still runs `cluster.py serve-host` (see is_our_server)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return SELF.encode() in args and b"serve-host" in args


def down_from_state(path):
    """Remove what `cluster.py up` created, from its state file."""
    with open(path) as f:
        st = json.load(f)
    for pid in st.get("pids", []):
        if is_our_server(pid):
            os.kill(pid, signal.SIGTERM)
    for pid in st.get("host_pids", []):
        if is_our_host_server(pid):
            os.kill(pid, signal.SIGTERM)
    for ns in reversed(st.get("netns", [])):
        if ns.startswith(st["tag"] + "-"):
            run(["ip", "netns", "del", ns], check=False)
    os.unlink(path)


def print_table(cluster, spec, before_path=None, save_path=None):
    """Print "from -> to: ok/blocked" for every pair of distinct pods."""
    from probe import probe_matrix
    got = probe_matrix(cluster, [spec])[spec]
    before = None
    if before_path:
        with open(before_path) as f:
            before = {tuple(k.split("|")): v for k, v in json.load(f).items()}
    if save_path:
        with open(save_path, "w") as f:
            json.dump({"|".join(k): v for k, v in got.items()}, f)
    w = max(len(p.key) for p in cluster.pods)
    for s in cluster.pods:
        for d in cluster.pods:
            if s is d:
                continue
            ok = got[(s.key, d.key)]
            line = "  %-*s -> %-*s  %s" % (w, s.key, w, d.key, "ok" if ok else "blocked")
            if before is not None and before.get((s.key, d.key)) != ok:
                line = "%-*s  (was %s)" % (2 * w + 19, line,
                                           "ok" if before.get((s.key, d.key)) else "blocked")
            print(line)


def main(argv):
    if argv[:1] == ["serve-host"]:
        return serve_host(argv[1:])
    import argparse
    ap = argparse.ArgumentParser(prog="cluster.py")
    ap.add_argument("cmd", choices=["up", "down", "manifest", "table", "node-netns",
                                    "pods"])
    ap.add_argument("--layout", default="xyz", choices=sorted(LAYOUTS))
    ap.add_argument("--nodes", type=int, default=None, choices=[1, 2],
                    help="default 1, hogwarts 2")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--datapath", choices=["routed", "bridged"], default="routed")
    ap.add_argument("--state", help="state file (required but for up)")
    ap.add_argument("--tag")
    ap.add_argument("--spec", default="tcp/80", help="table: probe spec")
    ap.add_argument("--save", help="table: save results as JSON")
    ap.add_argument("--before", help="table: mark pairs that differ from saved results")
    a = ap.parse_args(argv)
    if a.cmd != "up" and not a.state:
        ap.error("--state is required")
    if a.cmd == "down":
        down_from_state(a.state)
    elif a.cmd == "manifest":
        from manifests import cluster_yaml
        sys.stdout.write(cluster_yaml(Cluster.from_state(a.state)))
    elif a.cmd == "table":
        print_table(Cluster.from_state(a.state), a.spec, a.before, a.save)
    elif a.cmd == "pods":
        c = Cluster.from_state(a.state)
        w = max(len(p.key) for p in c.pods)
        for p in c.pods:
            print("  %-*s  pod %-12s service %-12s %s  labels %s" % (
                w, p.key, p.ip4, p.svc4, c.node_name(p.node),
                ",".join("%s=%s" % kv for kv in sorted(p.labels.items()))))
    elif a.cmd == "node-netns":
        print(Cluster.from_state(a.state).nodes[1])
    else:
        c = Cluster(a.layout, a.nodes or (2 if a.layout == "hogwarts" else 1), a.ipv6,
                    tag=a.tag, datapath=a.datapath)
        c.detach = True
        c.state_path = a.state or tempfile.mkstemp(prefix="nftpol-cluster-",
                                                   suffix=".json")[1]
        c.save_state()
        c.setup()
        print(c.state_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
