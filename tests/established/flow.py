#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Long-lived flows for tests/established (stdlib only), run inside a pod's
network namespace by the harness.

  flow.py serve [--ipv6] PORT
      TCP echo (every connection echoes what it receives) and UDP echo on
      PORT, IPv4 and with --ipv6 IPv6.  Prints "ready" once bound; exits when
      its stdin closes or on SIGTERM.
  flow.py connect tcp|udp ADDR PORT [--interval S] [--connect-timeout S]
      ONE connection (UDP: one connected socket, so one 5-tuple) to ADDR PORT.
      Prints "up SPORT" once connected (UDP: at once) or "down REASON" and
      exits 1.  Then every INTERVAL seconds (default 0.01) it sends an 8-byte
      sequence number and prints "e T" for each echo received, T being
      time.monotonic() (one clock for every network namespace), and "x ERROR"
      for an error the socket reports (it keeps going).  Exits when its stdin
      closes (the harness closing it, or dying).
"""
import errno
import os
import selectors
import signal
import socket
import struct
import sys
import time

MSG = 8     # bytes per message: the sequence number, "%08d"


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stdin_closed(fd):
    """True once stdin reached EOF (anything read is ignored)."""
    try:
        return os.read(fd, 4096) == b""
    except OSError:
        return True


# -- serve ------------------------------------------------------------------
def serve(argv):
    ipv6 = "--ipv6" in argv
    port = int([a for a in argv if a != "--ipv6"][0])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sel = selectors.DefaultSelector()
    for fam in [socket.AF_INET] + ([socket.AF_INET6] if ipv6 else []):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(fam, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", port))
            if kind == socket.SOCK_STREAM:
                s.listen(64)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, "listen" if kind == socket.SOCK_STREAM
                         else "udp")
    stdin = sys.stdin.fileno()
    sel.register(stdin, selectors.EVENT_READ, "stdin")
    out("ready")
    while True:
        for key, _ in sel.select():
            what = key.data
            if what == "stdin":
                if stdin_closed(stdin):
                    return 0
                continue
            s = key.fileobj
            try:
                if what == "listen":
                    conn, _ = s.accept()
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(conn, selectors.EVENT_READ, "conn")
                elif what == "udp":
                    data, peer = s.recvfrom(2048)
                    s.sendto(data, peer)
                else:
                    data = s.recv(65536)
                    if not data:
                        sel.unregister(s)
                        s.close()
                    else:
                        s.send(data)    # a few bytes; a full buffer just loses them
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                if what == "conn":
                    sel.unregister(s)
                    s.close()


# -- connect ----------------------------------------------------------------
def connect(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="flow.py connect")
    ap.add_argument("proto", choices=["tcp", "udp"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("--connect-timeout", type=float, default=1.0)
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    tcp = a.proto == "tcp"
    s = socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    if tcp:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Closing resets the connection: no orphan retransmitting after exit.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.settimeout(a.connect_timeout)
    try:
        s.connect((a.addr, a.port))
    except socket.timeout:
        out("down timeout")
        return 1
    except OSError as e:
        out("down %s" % (errno.errorcode.get(e.errno, str(e))))
        return 1
    s.setblocking(False)
    out("up %d" % s.getsockname()[1])
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ, "sock")
    stdin = sys.stdin.fileno()
    sel.register(stdin, selectors.EVENT_READ, "stdin")
    seq = 0
    buf = b""
    dead = False                        # TCP: reset or closed; stop sending
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= next_send and not dead:
            try:
                s.send(b"%08d" % (seq % 100000000))
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                out("x %s" % errno.errorcode.get(e.errno, str(e)))
                dead = tcp
            seq += 1
            next_send += a.interval
            if next_send < now:         # we were late: do not send a burst
                next_send = now + a.interval
        wait = None if dead else max(0.0, next_send - time.monotonic())
        for key, _ in sel.select(wait):
            if key.data == "stdin":
                if stdin_closed(stdin):
                    return 0
                continue
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                out("x %s" % errno.errorcode.get(e.errno, str(e)))
                if tcp:
                    sel.unregister(s)   # a TCP error is final; wait for stdin
                    dead = True
                continue
            t = time.monotonic()
            if tcp:
                if not data:
                    out("x eof")
                    sel.unregister(s)
                    dead = True
                    continue
                buf += data
                n, buf = len(buf) // MSG, buf[len(buf) // MSG * MSG:]
            else:
                n = 1
            for _ in range(n):
                out("e %.6f" % t)


def main(argv):
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    if argv[:1] == ["connect"]:
        return connect(argv[1:])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(0)
