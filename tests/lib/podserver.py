#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The server every model pod runs, inside its own network namespace.

One process, one selectors loop: TCP accept-and-close and UDP echo on every
port given, on IPv4 and (with --ipv6) IPv6, and SCTP (an association accepted,
then closed) on every port given with --sctp.  Prints "ready" once every
socket is bound, so the harness knows probes can start.  Stdlib only.

SCTP: the kernel's SCTP sockets when the kernel has SCTP; otherwise (a
kernel without CONFIG_IP_SCTP, as this project's CI has) a small userspace
SCTP on raw IP sockets (protocol 132), here and in prober.py: the four-way
handshake of RFC 9260 (INIT, INIT ACK with a state cookie, COOKIE ECHO,
COOKIE ACK) with correct verification tags and CRC32c, one chunk a packet,
which is what netfilter's SCTP conntrack and `sctp dport` matches see from a
real stack.  The server keeps no state (the cookie carries both tags); an
INIT to a port it does not serve gets an ABORT, as from a real stack.  A raw
socket for protocol 132 also stops the kernel from answering SCTP with ICMP
protocol unreachable.

usage: podserver.py [--ipv6] [--sctp PORT]... PORT...
"""
import os
import random
import selectors
import signal
import socket
import struct
import sys

IPPROTO_SCTP = 132
INIT, INIT_ACK, ABORT, COOKIE_ECHO, COOKIE_ACK = 1, 2, 6, 10, 11
STATE_COOKIE = 7            # the INIT ACK parameter
COOKIE_MAGIC = b"nftpolck"


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def kernel_sctp():
    """True if the kernel has SCTP sockets (then both sides use them)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP).close()
        return True
    except OSError:
        return False


def sctp_packet(sport, dport, vtag, ctype, flags=0, value=b""):
    """One SCTP packet of one chunk, its CRC32c filled in (little-endian, as
    Linux stores it)."""
    chunk = struct.pack("!BBH", ctype, flags, 4 + len(value)) + value
    chunk += b"\0" * (-len(chunk) % 4)
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + chunk
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def sctp_parse(data):
    """(sport, dport, vtag, ctype, flags, value) of a packet's first chunk, or
    None if it is short or its checksum is wrong."""
    if len(data) < 16:
        return None
    sport, dport, vtag, csum = struct.unpack("!HHII", data[:12])
    if struct.unpack("<I", data[8:12])[0] != crc32c(data[:8] + b"\0" * 4 + data[12:]):
        return None
    ctype, flags, length = struct.unpack("!BBH", data[12:16])
    return sport, dport, vtag, ctype, flags, data[16:12 + max(length, 4)]


def strip_ip(family, data):
    """An IPv4 raw socket receives the IP header too; IPv6 does not."""
    if family == socket.AF_INET:
        return data[(data[0] & 0x0F) * 4:]
    return data


def init_value(tag, extra=b""):
    """INIT / INIT ACK fixed part: initiate tag, a_rwnd, streams, initial TSN."""
    return struct.pack("!IIHHI", tag, 65536, 1, 1, random.getrandbits(32)) + extra


class RawSctpServer:
    """The stateless userspace SCTP listener of one address family."""

    def __init__(self, family, ports):
        self.family = family
        self.ports = set(ports)
        self.sock = socket.socket(family, socket.SOCK_RAW, IPPROTO_SCTP)
        if family == socket.AF_INET6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        self.sock.setblocking(False)

    def handle(self):
        data, anc, _, peer = self.sock.recvmsg(65536, socket.CMSG_SPACE(64))
        if self.family == socket.AF_INET:
            local = socket.inet_ntop(socket.AF_INET, data[16:20])
        else:
            local = None
            for level, kind, val in anc:
                if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                    local = socket.inet_ntop(socket.AF_INET6, val[:16])
        p = sctp_parse(strip_ip(self.family, data))
        if p is None:
            return
        sport, dport, vtag, ctype, _, value = p
        reply = None
        if ctype == INIT and vtag == 0 and len(value) >= 16:
            peer_tag = struct.unpack("!I", value[:4])[0]
            if dport not in self.ports:
                reply = sctp_packet(dport, sport, peer_tag, ABORT)
            else:
                my_tag = random.getrandbits(32) or 1
                cookie = COOKIE_MAGIC + struct.pack("!II", peer_tag, my_tag)
                param = struct.pack("!HH", STATE_COOKIE, 4 + len(cookie)) + cookie
                reply = sctp_packet(dport, sport, peer_tag, INIT_ACK, 0,
                                    init_value(my_tag, param))
        elif ctype == COOKIE_ECHO and dport in self.ports and len(value) >= 16 \
                and value[:8] == COOKIE_MAGIC:
            peer_tag, my_tag = struct.unpack("!II", value[8:16])
            if vtag == my_tag:
                reply = sctp_packet(dport, sport, peer_tag, COOKIE_ACK)
        if reply is not None and local is not None:
            self.send_from(reply, local, peer[0])

    def send_from(self, pkt, local, remote):
        """Reply from the address the packet came to (a node has several)."""
        if self.family == socket.AF_INET:
            info = struct.pack("=i4s4s", 0, socket.inet_aton(local), b"\0" * 4)
            cmsg = [(socket.IPPROTO_IP, getattr(socket, "IP_PKTINFO", 8), info)]
        else:
            info = socket.inet_pton(socket.AF_INET6, local) + struct.pack("=I", 0)
            cmsg = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)]
        try:
            self.sock.sendmsg([pkt], cmsg, 0, (remote, 0))
        except OSError:
            pass


def bind_sctp(sel, family, ports, use_kernel):
    """SCTP listeners for PORTS: kernel sockets, or one raw-socket server."""
    if use_kernel:
        for port in ports:
            s = socket.socket(family, socket.SOCK_STREAM, IPPROTO_SCTP)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
            s.listen(256)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, socket.SOCK_STREAM)
    elif ports:
        srv = RawSctpServer(family, ports)
        sel.register(srv.sock, selectors.EVENT_READ, srv)


def bind(sel, family, kind, port):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::", port))
    else:
        s.bind(("0.0.0.0", port))
    if kind == socket.SOCK_STREAM:
        s.listen(256)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, kind)


def serve(sel):
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if isinstance(key.data, RawSctpServer):
                    key.data.handle()
                elif key.data == socket.SOCK_STREAM:
                    conn, _ = s.accept()
                    conn.close()
                else:
                    data, peer = s.recvfrom(2048)
                    s.sendto(data, peer)
            except (BlockingIOError, ConnectionError, OSError):
                pass


def parse_args(argv):
    """(ipv6, ports, sctp_ports) of [--ipv6] [--sctp PORT]... PORT..."""
    ipv6, ports, sctp, i = False, [], [], 0
    while i < len(argv):
        if argv[i] == "--ipv6":
            ipv6 = True
        elif argv[i] == "--sctp":
            i += 1
            sctp.append(int(argv[i]))
        else:
            ports.append(int(argv[i]))
        i += 1
    return ipv6, ports, sctp


def bind_all(sel, ipv6, ports, sctp):
    families = [socket.AF_INET] + ([socket.AF_INET6] if ipv6 else [])
    use_kernel = bool(sctp) and kernel_sctp()
    for fam in families:
        for port in ports:
            bind(sel, fam, socket.SOCK_STREAM, port)
            bind(sel, fam, socket.SOCK_DGRAM, port)
        bind_sctp(sel, fam, sctp, use_kernel)


def main(argv):
    ipv6, ports, sctp = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sel = selectors.DefaultSelector()
    bind_all(sel, ipv6, ports, sctp)
    print("ready", flush=True)
    serve(sel)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
