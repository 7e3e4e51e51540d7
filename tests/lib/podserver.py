#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The server every model pod runs, inside its own network namespace.

One process, one selectors loop: TCP accept-and-close and UDP echo on every
port given, on IPv4 and (with --ipv6) IPv6.  Prints "ready" once every socket
is bound, so the harness knows probes can start.  Stdlib only.

usage: podserver.py [--ipv6] PORT...
"""
import os
import selectors
import signal
import socket
import sys


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
                if key.data == socket.SOCK_STREAM:
                    conn, _ = s.accept()
                    conn.close()
                else:
                    data, peer = s.recvfrom(2048)
                    s.sendto(data, peer)
            except (BlockingIOError, ConnectionError, OSError):
                pass


def main(argv):
    ipv6 = "--ipv6" in argv
    ports = [int(a) for a in argv if a != "--ipv6"]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sel = selectors.DefaultSelector()
    families = [socket.AF_INET] + ([socket.AF_INET6] if ipv6 else [])
    for fam in families:
        for port in ports:
            bind(sel, fam, socket.SOCK_STREAM, port)
            bind(sel, fam, socket.SOCK_DGRAM, port)
    print("ready", flush=True)
    serve(sel)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
