#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Probe many targets at once from inside one pod's network namespace.

Reads {"timeout": seconds, "probes": [[key, proto, addr, port], ...]} as JSON
on stdin; every probe runs concurrently on a nonblocking socket.  TCP: the
probe succeeds when connect() completes.  UDP: a token is sent (again every
200 ms) and the probe succeeds when the token comes back.  Writes
{key: true|false} as JSON on stdout.  Stdlib only.
"""
import errno
import json
import os
import selectors
import socket
import sys
import time

RESEND = 0.2


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def start(sel, key, proto, addr, port, results):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family_of(addr), kind)
    s.setblocking(False)
    token = ("%s:%d" % (key, os.getpid())).encode()
    try:
        if kind == socket.SOCK_STREAM:
            err = s.connect_ex((addr, port))
            if err not in (0, errno.EINPROGRESS):
                raise OSError(err, os.strerror(err))
            sel.register(s, selectors.EVENT_WRITE, (key, proto, token))
        else:
            s.connect((addr, port))
            s.send(token)
            sel.register(s, selectors.EVENT_READ, (key, proto, token))
    except OSError:
        results[key] = False
        s.close()


def finish(sel, s, data, results):
    key, proto, token = data
    ok = False
    try:
        if proto == "tcp":
            ok = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        else:
            ok = s.recv(2048) == token
    except OSError:
        ok = False
    results[key] = ok
    sel.unregister(s)
    s.close()


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
            for k in list(sel.get_map().values()):
                if k.data[1] == "udp":
                    try:
                        k.fileobj.send(k.data[2])
                    except OSError:
                        pass
            next_resend = now + RESEND
        for k, _ in sel.select(min(deadline, next_resend) - now):
            finish(sel, k.fileobj, k.data, results)
    for k in list(sel.get_map().values()):
        results[k.data[0]] = False
        k.fileobj.close()
    return results


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
