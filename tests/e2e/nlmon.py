# SPDX-License-Identifier: GPL-2.0-or-later
"""Print every nftables change the kernel announces in this network namespace
(netlink group NFNLGRP_NFTABLES), one line a message: the CLOCK_MONOTONIC
seconds it was received at, its type (newsetelem, delsetelem, newgen, ...)
and, for set elements, the IPv4 address each element key starts with (a
concatenated key starts with its first field).  `nft monitor` does the same
but looks the table up again for every change: at 100k elements it falls
seconds behind.  Prints "ready" once subscribed; "enobufs" when the kernel
dropped messages.  Stdlib only; run it under `ip netns exec`."""
import errno
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNLGRP_NFTABLES = 7
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
SO_RCVBUFFORCE = 33
NFNL_SUBSYS_NFTABLES = 10
NAMES = {0: "newtable", 2: "deltable", 3: "newchain", 5: "delchain", 6: "newrule",
         8: "delrule", 9: "newset", 11: "delset", 12: "newsetelem", 14: "delsetelem",
         15: "newgen", 18: "newobj", 20: "delobj"}
ELEM_MSGS = (12, 14)


def attrs(buf):
    """(type, payload) of each netlink attribute in BUF."""
    off = 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            return
        yield typ & 0x3fff, buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def nested(buf, *path):
    """Payloads reached by following attribute types PATH down from BUF."""
    if not path:
        yield buf
        return
    for typ, val in attrs(buf):
        if typ == path[0]:
            yield from nested(val, *path[1:])


def elem_ips(payload):
    # NFTA_SET_ELEM_LIST_ELEMENTS / NFTA_LIST_ELEM / NFTA_SET_ELEM_KEY / NFTA_DATA_VALUE
    return [socket.inet_ntoa(v[:4]) for v in nested(payload, 3, 1, 1, 1) if len(v) >= 4]


def messages(data, t):
    off = 0
    while off + 16 <= len(data):
        ln, typ = struct.unpack_from("=IH", data, off)
        if ln < 16:
            break
        if typ >> 8 == NFNL_SUBSYS_NFTABLES:
            msg = typ & 0xff
            ips = elem_ips(data[off + 20:off + ln]) if msg in ELEM_MSGS else []
            yield "%.6f %s %s" % (t, NAMES.get(msg, str(msg)), " ".join(ips))
        off += (ln + 3) & ~3


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    print("ready", flush=True)
    out = sys.stdout
    while True:
        try:
            data = s.recv(1 << 20)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            out.write("%.6f enobufs\n" % time.monotonic())
            continue
        t = time.monotonic()
        for line in messages(data, t):
            out.write(line + "\n")
        out.flush()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
