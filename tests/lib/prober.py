#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Probe many targets at once from inside one pod's network namespace.

Reads {"timeout": seconds, "probes": [[key, proto, addr, port], ...],
"detail": bool} as JSON on stdin; every probe runs concurrently on a
nonblocking socket.  TCP: the probe succeeds when connect() completes.  UDP:
a token is sent (again every 200 ms) and the probe succeeds when the token
comes back.  SCTP: the association is set up (kernel SCTP sockets if the
kernel has them, else podserver.py's userspace SCTP on a raw socket: INIT,
INIT ACK, COOKIE ECHO, COOKIE ACK; then an ABORT ends it).  Writes
{key: outcome} as JSON on stdout: true|false, or with "detail" one of
  "ok"                 connected / echoed / associated
  "timeout"            no answer before the timeout (dropped silently)
  "refused:ERRNO"      an answer that says no: TCP RST, an ICMP error
                       (port/host/admin unreachable), an SCTP ABORT
Stdlib only.
"""
import errno
import json
import os
import random
import selectors
import socket
import struct
import sys
import time

import podserver
from podserver import (ABORT, COOKIE_ACK, COOKIE_ECHO, INIT, INIT_ACK, IPPROTO_SCTP,
                       STATE_COOKIE, init_value, sctp_packet, sctp_parse, strip_ip)

RESEND = 0.2
KERNEL_SCTP = None          # decided on the first SCTP probe


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def refused(err):
    return "refused:%s" % errno.errorcode.get(err, str(err))


class RawSctpProbe:
    """One userspace SCTP association attempt (see podserver.py).  The raw
    socket is connected to the target address: it sees only that address's
    SCTP packets and its ICMP errors (as a socket error)."""

    def __init__(self, addr, port):
        self.family = family_of(addr)
        self.addr, self.port = addr, port
        self.sport = random.randint(40000, 60999)
        self.tag = random.getrandbits(32) or 1
        self.peer_tag = None
        self.sock = socket.socket(self.family, socket.SOCK_RAW, IPPROTO_SCTP)
        self.sock.setblocking(False)
        self.sock.connect((addr, 0))
        self.last = sctp_packet(self.sport, port, 0, INIT, 0, init_value(self.tag))
        self.sock.send(self.last)

    def fileno(self):
        return self.sock.fileno()

    def resend(self):
        self.sock.send(self.last)

    def readable(self):
        """None while the handshake goes on, else the outcome."""
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return None
        except OSError as e:
            return refused(e.errno)
        p = sctp_parse(strip_ip(self.family, data))
        if p is None:
            return None
        sport, dport, vtag, ctype, flags, value = p
        if sport != self.port or dport != self.sport or vtag != self.tag:
            return None
        if ctype == ABORT:
            return refused(errno.ECONNREFUSED)
        if ctype == INIT_ACK and self.peer_tag is None and len(value) >= 16:
            self.peer_tag = struct.unpack("!I", value[:4])[0]
            params = value[16:]
            while len(params) >= 4:
                ptype, plen = struct.unpack("!HH", params[:4])
                if plen < 4:
                    break
                if ptype == STATE_COOKIE:
                    self.last = sctp_packet(self.sport, self.port, self.peer_tag,
                                            COOKIE_ECHO, 0, params[4:plen])
                    self.sock.send(self.last)
                    break
                params = params[plen + (-plen % 4):]
            return None
        if ctype == COOKIE_ACK and self.peer_tag is not None:
            try:
                self.sock.send(sctp_packet(self.sport, self.port, self.peer_tag, ABORT))
            except OSError:
                pass
            return "ok"
        return None

    def close(self):
        self.sock.close()


def start(sel, key, proto, addr, port, results):
    global KERNEL_SCTP
    if proto == "sctp" and KERNEL_SCTP is None:
        KERNEL_SCTP = podserver.kernel_sctp()
    if proto == "sctp" and not KERNEL_SCTP:
        try:
            probe = RawSctpProbe(addr, port)
        except OSError as e:
            results[key] = refused(e.errno)
            return
        sel.register(probe, selectors.EVENT_READ, (key, proto, probe))
        return
    if proto == "udp":
        s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    else:
        s = socket.socket(family_of(addr), socket.SOCK_STREAM,
                          IPPROTO_SCTP if proto == "sctp" else 0)
    s.setblocking(False)
    token = ("%s:%d" % (key, os.getpid())).encode()
    try:
        if proto != "udp":
            err = s.connect_ex((addr, port))
            if err not in (0, errno.EINPROGRESS):
                raise OSError(err, os.strerror(err))
            sel.register(s, selectors.EVENT_WRITE, (key, proto, token))
        else:
            s.connect((addr, port))
            s.send(token)
            sel.register(s, selectors.EVENT_READ, (key, proto, token))
    except OSError as e:
        results[key] = refused(e.errno)
        s.close()


def finish(sel, s, data, results):
    """Record the outcome of a socket that became ready; False if it goes on."""
    key, proto, token = data
    if isinstance(token, RawSctpProbe):
        out = token.readable()
        if out is None:
            return False
    else:
        try:
            if proto == "udp":
                out = "ok" if s.recv(2048) == token else None
                if out is None:
                    return False
            else:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                out = "ok" if err == 0 else refused(err)
        except OSError as e:
            out = refused(e.errno)
    results[key] = out
    sel.unregister(s)
    s.close()
    return True


def resend(sel, results):
    for k in list(sel.get_map().values()):
        key, proto, token = k.data
        try:
            if isinstance(token, RawSctpProbe):
                token.resend()
            elif proto == "udp":
                k.fileobj.send(token)
        except OSError as e:
            # an ICMP error the last datagram drew
            results[key] = refused(e.errno)
            sel.unregister(k.fileobj)
            k.fileobj.close()


def run(spec):
    sel = selectors.DefaultSelector()
    results = {}
    for key, proto, addr, port in spec["probes"]:
        start(sel, key, proto, addr, port, results)
    deadline = time.monotonic() + float(spec.get("timeout", 1.0))
    next_resend = time.monotonic() + RESEND
    while sel.get_map():
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_resend:
            resend(sel, results)
            next_resend = now + RESEND
        for k, _ in sel.select(max(0, min(deadline, next_resend) - now)):
            finish(sel, k.fileobj, k.data, results)
    for k in list(sel.get_map().values()):
        results[k.data[0]] = "timeout"
        k.fileobj.close()
    if not spec.get("detail"):
        return {k: v == "ok" for k, v in results.items()}
    return results


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
