#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Relay TCP from 127.0.0.1:PORT of this network namespace to 127.0.0.1:PORT of
another one (stdlib only).

The stand-in API server binds 127.0.0.1 inside its own namespace; an agent in a
node namespace cannot reach that address.  Run this inside the node namespace
(`ip netns exec NODE nsrelay.py --to API --port PORT`): it listens on
127.0.0.1:PORT here and, for every connection, opens a socket inside the API
namespace (setns(2) on this thread only while the socket is created; a socket
stays in the namespace it was created in) and copies bytes both ways (to
127.0.0.1:TO_PORT there with --to-port).  Nothing binds outside 127.0.0.1 and
no interface is created.  Prints "ready" once
listening.  Ends on SIGTERM.
"""
import argparse
import ctypes
import os
import select
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
ns_lock = threading.Lock()


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def connect_in(netns_fd, home_fd, port):
    """A TCP connection to 127.0.0.1:port made inside the other namespace."""
    with ns_lock:
        setns(netns_fd)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            setns(home_fd)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.settimeout(None)
    return s


def pump(a, b):
    """Copy both ways until either side closes; then close both."""
    try:
        while True:
            r, _, _ = select.select([a, b], [], [])
            for src in r:
                dst = b if src is a else a
                data = src.recv(65536)
                if not data:
                    return
                dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def serve(client, netns_fd, home_fd, port):
    try:
        upstream = connect_in(netns_fd, home_fd, port)
    except OSError:
        client.close()
        return
    pump(client, upstream)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True, help="network namespace name (ip netns)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--to-port", type=int, help="port in the other namespace (default: PORT)")
    a = ap.parse_args()
    netns_fd = os.open("/var/run/netns/" + a.to, os.O_RDONLY)
    home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.port))
    lsock.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("ready", flush=True)
    while True:
        c, _ = lsock.accept()
        threading.Thread(target=serve, args=(c, netns_fd, home_fd, a.to_port or a.port),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
