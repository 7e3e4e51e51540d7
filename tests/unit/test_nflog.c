// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the NFLOG decoder on hand-built nfnetlink_log messages (IPv4 TCP
 * SYN, IPv6 UDP behind a hop-by-hop header, SCTP, ICMP, fragments), cut at
 * every byte, with and without a prefix, and malformed.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>

#include "nft/nflog.h"

/* A message under construction: 4-byte aligned like a netlink buffer. */
struct msg {
	uint32_t buf[1024];
	struct nlmsghdr *nlh;
};

static void msg_start(struct msg *m, uint8_t nfproto)
{
	struct nfgenmsg *g;

	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;
	g = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*g));
	g->nfgen_family = nfproto;
	g->version = NFNETLINK_V0;
	g->res_id = htons(7);
}

/* The attributes the kernel sends for a locally generated packet. */
static void msg_meta(struct msg *m, uint16_t hwproto, const char *prefix)
{
	struct nfulnl_msg_packet_hdr h = { .hw_protocol = htons(hwproto),
					   .hook = NF_INET_LOCAL_OUT };

	mnl_attr_put(m->nlh, NFULA_PACKET_HDR, sizeof(h), &h);
	if (prefix)
		mnl_attr_put_strz(m->nlh, NFULA_PREFIX, prefix);
	mnl_attr_put_u32(m->nlh, NFULA_IFINDEX_OUTDEV, htonl(1));
	mnl_attr_put_u32(m->nlh, NFULA_SEQ, htonl(41));
}

/* An IPv4 header for a packet of l4len transport bytes; returns its length. */
static size_t ip4(uint8_t *p, uint8_t proto, size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(p + 16, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	return 20;
}

static size_t ip6(uint8_t *p, uint8_t nh, size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, "fd00::1", p + 8);
	inet_pton(AF_INET6, "fd00::2", p + 24);
	return 40;
}

static size_t ports(uint8_t *p, uint16_t sport, uint16_t dport, size_t len)
{
	memset(p, 0, len);
	p[0] = (uint8_t)(sport >> 8);
	p[1] = (uint8_t)sport;
	p[2] = (uint8_t)(dport >> 8);
	p[3] = (uint8_t)dport;
	return len;
}

static size_t tcp4_syn(uint8_t *p, uint8_t flags)
{
	size_t n = ip4(p, IPPROTO_TCP, 20);

	n += ports(p + n, 40000, 9, 20);
	p[20 + 12] = 5 << 4;
	p[20 + 13] = flags;
	return n;
}

/* IPv6 UDP 5353 -> 53 behind an 8-byte hop-by-hop options header. */
static size_t udp6_hbh(uint8_t *p)
{
	size_t n = ip6(p, IPPROTO_HOPOPTS, 16);

	memset(p + n, 0, 8);
	p[n] = IPPROTO_UDP; /* next header; length 0: 8 bytes; PadN follows */
	p[n + 2] = 1;
	p[n + 3] = 4;
	n += 8;
	n += ports(p + n, 5353, 53, 8);
	p[n - 3] = 8;
	return n;
}

static int decode(struct msg *m, struct nflog_pkt *o)
{
	return nflog_decode(m->buf, m->nlh->nlmsg_len, o);
}

static void build_tcp4(struct msg *m, size_t caplen, uint8_t flags)
{
	uint8_t pkt[64];
	size_t n = tcp4_syn(pkt, flags);
	struct nfulnl_msg_packet_timestamp ts = { .sec = htobe64(1700000000),
						  .usec = htobe64(123456) };

	msg_start(m, NFPROTO_IPV4);
	msg_meta(m, 0x0800, "nftpol test");
	mnl_attr_put(m->nlh, NFULA_TIMESTAMP, sizeof(ts), &ts);
	mnl_attr_put(m->nlh, NFULA_PAYLOAD, caplen < n ? caplen : n, pkt);
}

START_TEST(ipv4_tcp_syn)
{
	struct nflog_pkt o;
	struct msg m;

	build_tcp4(&m, 64, NFLOG_TCP_SYN);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_str_eq(o.prefix, "nftpol test");
	ck_assert_uint_eq(o.group, 7);
	ck_assert_uint_eq(o.nfproto, NFPROTO_IPV4);
	ck_assert_uint_eq(o.hw_protocol, 0x0800);
	ck_assert_uint_eq(o.hook, NF_INET_LOCAL_OUT);
	ck_assert_uint_eq(o.family, AF_INET);
	ck_assert_mem_eq(o.saddr, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	ck_assert_mem_eq(o.daddr, ((uint8_t[]){ 10, 0, 0, 2 }), 4);
	ck_assert_uint_eq(o.l4proto, IPPROTO_TCP);
	ck_assert_uint_eq(o.sport, 40000);
	ck_assert_uint_eq(o.dport, 9);
	ck_assert_uint_eq(o.tcp_flags, NFLOG_TCP_SYN);
	ck_assert(nflog_pkt_is_syn(&o));
	ck_assert_uint_eq(o.outdev, 1);
	ck_assert_uint_eq(o.seq, 41);
	ck_assert_uint_eq(o.ts_sec, 1700000000);
	ck_assert_uint_eq(o.ts_usec, 123456);
	ck_assert_uint_eq(o.caplen, 40);
	ck_assert_uint_eq(o.has, NFLOG_HAS_PREFIX | NFLOG_HAS_HWPROTO | NFLOG_HAS_ADDRS |
					 NFLOG_HAS_L4PROTO | NFLOG_HAS_PORTS | NFLOG_HAS_TCPFLAGS |
					 NFLOG_HAS_TIMESTAMP | NFLOG_HAS_OUTDEV | NFLOG_HAS_SEQ);

	build_tcp4(&m, 64, NFLOG_TCP_SYN | NFLOG_TCP_ACK);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert(!nflog_pkt_is_syn(&o));
	build_tcp4(&m, 64, NFLOG_TCP_RST);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert(!nflog_pkt_is_syn(&o));
}
END_TEST

static void build_udp6(struct msg *m, size_t caplen)
{
	uint8_t pkt[64];
	size_t n = udp6_hbh(pkt);

	msg_start(m, NFPROTO_IPV6);
	msg_meta(m, 0x86dd, "u");
	mnl_attr_put(m->nlh, NFULA_PAYLOAD, caplen < n ? caplen : n, pkt);
}

START_TEST(ipv6_udp_hop_by_hop)
{
	struct in6_addr a;
	struct nflog_pkt o;
	struct msg m;

	build_udp6(&m, 64);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_str_eq(o.prefix, "u");
	ck_assert_uint_eq(o.family, AF_INET6);
	inet_pton(AF_INET6, "fd00::1", &a);
	ck_assert_mem_eq(o.saddr, &a, 16);
	inet_pton(AF_INET6, "fd00::2", &a);
	ck_assert_mem_eq(o.daddr, &a, 16);
	ck_assert_uint_eq(o.l4proto, IPPROTO_UDP);
	ck_assert_uint_eq(o.sport, 5353);
	ck_assert_uint_eq(o.dport, 53);
	ck_assert(!nflog_pkt_is_syn(&o));
	ck_assert_uint_eq(o.has & (NFLOG_HAS_PORTS | NFLOG_HAS_TCPFLAGS | NFLOG_L4_TRUNCATED |
				   NFLOG_FRAGMENT | NFLOG_HAS_TIMESTAMP),
			  NFLOG_HAS_PORTS);
}
END_TEST

START_TEST(sctp_and_icmp)
{
	struct nflog_pkt o;
	struct msg m;
	uint8_t pkt[64];
	size_t n;

	n = ip4(pkt, IPPROTO_SCTP, 12);
	n += ports(pkt + n, 7777, 132, 12);
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.l4proto, IPPROTO_SCTP);
	ck_assert_uint_eq(o.sport, 7777);
	ck_assert_uint_eq(o.dport, 132);
	ck_assert_uint_eq(o.has, NFLOG_HAS_ADDRS | NFLOG_HAS_L4PROTO | NFLOG_HAS_PORTS);

	n = ip4(pkt, IPPROTO_ICMP, 8);
	memset(pkt + n, 0, 8);
	pkt[n] = 8; /* echo request */
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n + 8, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.l4proto, IPPROTO_ICMP);
	ck_assert_uint_eq(o.icmp_type, 8);
	ck_assert_uint_eq(o.has & (NFLOG_HAS_ICMP | NFLOG_HAS_PORTS), NFLOG_HAS_ICMP);

	n = ip6(pkt, IPPROTO_ICMPV6, 8);
	memset(pkt + n, 0, 8);
	pkt[n] = 128;
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n + 8, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.l4proto, IPPROTO_ICMPV6);
	ck_assert_uint_eq(o.icmp_type, 128);
	ck_assert(o.has & NFLOG_HAS_ICMP);

	/* ICMP inside IPv6 is not ICMPv6: no type read */
	pkt[6] = IPPROTO_ICMP;
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n + 8, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert(!(o.has & NFLOG_HAS_ICMP));
}
END_TEST

START_TEST(fragments)
{
	struct nflog_pkt o;
	struct msg m;
	uint8_t pkt[80];
	size_t n;

	/* IPv4, first fragment (MF): ports; a later one (offset 185): none */
	n = tcp4_syn(pkt, NFLOG_TCP_SYN);
	pkt[6] = 0x20;
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has & (NFLOG_FRAGMENT | NFLOG_HAS_PORTS),
			  NFLOG_FRAGMENT | NFLOG_HAS_PORTS);
	pkt[6] = 0x00;
	pkt[7] = 185;
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has & (NFLOG_FRAGMENT | NFLOG_HAS_PORTS | NFLOG_HAS_L4PROTO),
			  NFLOG_FRAGMENT | NFLOG_HAS_L4PROTO);
	ck_assert_uint_eq(o.l4proto, IPPROTO_TCP);

	/* IPv6 fragment header, offset 8 bytes: protocol known, no ports */
	n = ip6(pkt, IPPROTO_FRAGMENT, 16);
	memset(pkt + n, 0, 8);
	pkt[n] = IPPROTO_UDP;
	pkt[n + 3] = 8;
	n += 8;
	n += ports(pkt + n, 1, 2, 8);
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.l4proto, IPPROTO_UDP);
	ck_assert_uint_eq(o.has & (NFLOG_FRAGMENT | NFLOG_HAS_PORTS), NFLOG_FRAGMENT);
	/* offset 0 (the first fragment): ports */
	pkt[40 + 3] = 1; /* M flag */
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.sport, 1);
	ck_assert_uint_eq(o.has & (NFLOG_FRAGMENT | NFLOG_HAS_PORTS),
			  NFLOG_FRAGMENT | NFLOG_HAS_PORTS);
}
END_TEST

/* More extension headers than the decoder walks: no transport header read. */
START_TEST(extension_header_bound)
{
	uint8_t pkt[40 + 8 * (NFLOG_EXTHDR_MAX + 2)];
	struct nflog_pkt o;
	struct msg m;
	size_t n = ip6(pkt, IPPROTO_DSTOPTS, 8 * (NFLOG_EXTHDR_MAX + 2));

	for (int i = 0; i < NFLOG_EXTHDR_MAX + 2; i++, n += 8) {
		memset(pkt + n, 0, 8);
		pkt[n] = i == NFLOG_EXTHDR_MAX + 1 ? IPPROTO_TCP : IPPROTO_DSTOPTS;
	}
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has & (NFLOG_HAS_ADDRS | NFLOG_HAS_L4PROTO | NFLOG_L4_TRUNCATED),
			  NFLOG_HAS_ADDRS | NFLOG_L4_TRUNCATED);
	/* a header claiming more bytes than there are */
	pkt[41] = 200;
	msg_start(&m, NFPROTO_IPV6);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, n, pkt);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has & (NFLOG_HAS_L4PROTO | NFLOG_L4_TRUNCATED), NFLOG_L4_TRUNCATED);
}
END_TEST

/* The bits a payload of k bytes may give; checked against what it gives. */
static void check_cut(const struct nflog_pkt *o, size_t k, size_t l3, size_t full)
{
	ck_assert_int_eq(!!(o->has & NFLOG_HAS_ADDRS), k >= l3);
	ck_assert_uint_eq(o->caplen, k);
	if (o->has & NFLOG_HAS_PORTS)
		ck_assert_uint_ge(k, full - (o->l4proto == IPPROTO_TCP ? 16 : 4));
	if (k == full)
		ck_assert(o->has & NFLOG_HAS_PORTS);
}

/* Payloads cut at every length, messages cut at every length: no over-read. */
START_TEST(truncated_everywhere)
{
	struct nflog_pkt o;
	struct msg m;

	for (size_t k = 0; k <= 40; k++) {
		build_tcp4(&m, k, NFLOG_TCP_SYN);
		ck_assert_int_eq(decode(&m, &o), 0);
		check_cut(&o, k, 20, 40);
		ck_assert_int_eq(!!(o.has & NFLOG_HAS_TCPFLAGS), k >= 34);
		ck_assert_int_eq(nflog_pkt_is_syn(&o), k >= 34);
		ck_assert_int_eq(!!(o.has & NFLOG_L4_TRUNCATED), k >= 20 && k < 34);
	}
	for (size_t k = 0; k <= 56; k++) {
		build_udp6(&m, k);
		ck_assert_int_eq(decode(&m, &o), 0);
		check_cut(&o, k, 40, 56);
		ck_assert_int_eq(!!(o.has & NFLOG_HAS_PORTS), k >= 52);
	}
	build_tcp4(&m, 40, NFLOG_TCP_SYN);
	for (size_t len = 0; len < m.nlh->nlmsg_len; len++) {
		void *cut = malloc(len ? len : 1);

		memcpy(cut, m.buf, len);
		ck_assert_int_eq(nflog_decode(cut, len, &o), -EINVAL);
		ck_assert_uint_eq(o.has, 0);
		free(cut);
	}
}
END_TEST

START_TEST(prefix_missing_oversized_unterminated)
{
	char big[300];
	struct nflog_pkt o;
	struct msg m;

	msg_start(&m, NFPROTO_IPV4);
	msg_meta(&m, 0x0800, NULL);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert(!(o.has & NFLOG_HAS_PREFIX));
	ck_assert_str_eq(o.prefix, "");
	ck_assert(o.has & NFLOG_HAS_HWPROTO);

	memset(big, 'A', sizeof(big));
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PREFIX, sizeof(big), big);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(strlen(o.prefix), NFLOG_PREFIX_MAX - 1);
	ck_assert(o.has & NFLOG_PREFIX_TRUNCATED);

	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PREFIX, 3, "abc");
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_str_eq(o.prefix, "abc");
	ck_assert_uint_eq(o.has, NFLOG_HAS_PREFIX);

	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PREFIX, 0, "");
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_str_eq(o.prefix, "");
	ck_assert_uint_eq(o.has, NFLOG_HAS_PREFIX);
}
END_TEST

START_TEST(malformed_messages)
{
	uint8_t ip4_bad[40] = { 0x44 };
	uint8_t h[16] = { 0 };
	struct nflog_pkt o;
	struct msg m;

	build_tcp4(&m, 40, NFLOG_TCP_SYN);
	m.nlh->nlmsg_len += 4; /* longer than the buffer given */
	ck_assert_int_eq(nflog_decode(m.buf, m.nlh->nlmsg_len - 4, &o), -EINVAL);
	m.nlh->nlmsg_len = 8; /* shorter than its own header */
	ck_assert_int_eq(nflog_decode(m.buf, 64, &o), -EINVAL);
	m.nlh->nlmsg_len = NLMSG_HDRLEN + 2; /* no room for the nfgenmsg */
	ck_assert_int_eq(nflog_decode(m.buf, 64, &o), -EINVAL);
	ck_assert_int_eq(nflog_decode(NULL, 0, &o), -EINVAL);
	/* lengths libmnl's int comparison would take (2 GiB and more) */
	for (uint32_t huge = 0x80000000; huge;
	     huge = huge < 0xfffffff0 ? huge + 0x7ffffff8 : huge + 1) {
		m.nlh->nlmsg_len = huge;
		ck_assert_int_eq(nflog_decode(m.buf, sizeof(m.buf), &o), -EINVAL);
	}
	/* not 4-byte aligned */
	build_tcp4(&m, 40, NFLOG_TCP_SYN);
	memmove((char *)m.buf + 2, m.buf, m.nlh->nlmsg_len);
	ck_assert_int_eq(nflog_decode((char *)m.buf + 2, 200, &o), -EINVAL);

	/* not a packet message */
	build_tcp4(&m, 40, NFLOG_TCP_SYN);
	m.nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG;
	ck_assert_int_eq(decode(&m, &o), -EINVAL);
	m.nlh->nlmsg_type = NFNL_SUBSYS_QUEUE << 8;
	ck_assert_int_eq(decode(&m, &o), -EINVAL);

	/* attributes too short for what they hold */
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PACKET_HDR, 2, h);
	ck_assert_int_eq(decode(&m, &o), -EINVAL);
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_TIMESTAMP, 8, h);
	ck_assert_int_eq(decode(&m, &o), -EINVAL);
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_IFINDEX_INDEV, 2, h);
	ck_assert_int_eq(decode(&m, &o), -EINVAL);

	/* an unknown attribute is skipped; an attribute overrunning the message ends it */
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put_u32(m.nlh, 200, 1);
	mnl_attr_put_u32(m.nlh, NFULA_IFINDEX_INDEV, htonl(3));
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.indev, 3);
	((struct nlattr *)((char *)m.buf + NLMSG_HDRLEN + 4 + 8))->nla_len = 200;
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has, 0);

	/* a payload that is not IP */
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, 4, "\x50\x00\x00\x00");
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has, 0);
	ck_assert_uint_eq(o.caplen, 4);
	/* an IPv4 header length below 5 words */
	msg_start(&m, NFPROTO_IPV4);
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, 40, ip4_bad);
	ck_assert_int_eq(decode(&m, &o), 0);
	ck_assert_uint_eq(o.has, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nflog");
	TCase *tc = tcase_create("decode");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ipv4_tcp_syn);
	tcase_add_test(tc, ipv6_udp_hop_by_hop);
	tcase_add_test(tc, sctp_and_icmp);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, extension_header_bound);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, prefix_missing_oversized_unterminated);
	tcase_add_test(tc, malformed_messages);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
