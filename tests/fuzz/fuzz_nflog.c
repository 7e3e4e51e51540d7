// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzzing the NFLOG decoder. The input is what one recv() from the kernel
 * could hold: decoded whole as one message, then walked message by message as
 * the reader walks a datagram. Each copy is exactly as long as the input, so
 * the sanitizers see any read past it (a message is given with its padding,
 * as the reader gives it); a decoded packet must be consistent.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz_common.h"
#include "nft/nflog.h"

static void check(const struct nflog_pkt *p)
{
	uint32_t l4 = NFLOG_HAS_PORTS | NFLOG_HAS_TCPFLAGS | NFLOG_HAS_ICMP;

	if (strnlen(p->prefix, sizeof(p->prefix)) == sizeof(p->prefix))
		abort(); /* not terminated */
	if ((p->has & NFLOG_HAS_ADDRS) && p->family != AF_INET && p->family != AF_INET6)
		abort();
	if ((p->has & l4) && !(p->has & NFLOG_HAS_L4PROTO))
		abort();
	if (p->caplen > 0xffff)
		abort();
	nflog_pkt_is_syn(p);
}

static void decode(const uint8_t *data, size_t size)
{
	struct nflog_pkt p;
	/* malloc: 4-byte aligned, as netlink buffers are */
	void *copy = xmalloc(size ? size : 1);

	memcpy(copy, data, size);
	if (nflog_decode(copy, size, &p) == 0)
		check(&p);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr h;
	size_t off = 0, sz;

	decode(data, size);
	while (size - off >= sizeof(h)) {
		memcpy(&h, data + off, sizeof(h));
		sz = ((size_t)h.nlmsg_len + 3) / 4 * 4;
		if (h.nlmsg_len < sizeof(h) || sz > size - off)
			break;
		decode(data + off, sz);
		off += sz;
	}
	return 0;
}
