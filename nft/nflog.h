/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the packets nftables rules send to an NFLOG group (`log group N`):
 * one NETLINK_NETFILTER socket bound to the group, and a decoder of the
 * kernel's messages into plain data (prefix, addresses, protocol, ports, TCP
 * flags, interfaces). The decoder is a pure function of the bytes it is given.
 */
#ifndef NFT_NFLOG_H
#define NFT_NFLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nflog;

/* Bytes of each packet the kernel copies: IPv6 + extension headers + L4 ports. */
#define NFLOG_COPY_RANGE 128
/* Room for a rule's prefix with its NUL (nft allows 127 characters). */
#define NFLOG_PREFIX_MAX 128
/* IPv6 extension headers walked before giving up on the L4 header. */
#define NFLOG_EXTHDR_MAX 8

/* What a decoded packet carries (struct nflog_pkt.has). */
enum nflog_has {
	NFLOG_HAS_PREFIX = 1u << 0,	   /* prefix (perhaps truncated) */
	NFLOG_HAS_HWPROTO = 1u << 1,	   /* hw_protocol and hook */
	NFLOG_HAS_ADDRS = 1u << 2,	   /* family, saddr, daddr */
	NFLOG_HAS_PORTS = 1u << 3,	   /* sport, dport (TCP, UDP, SCTP) */
	NFLOG_HAS_TCPFLAGS = 1u << 4,	   /* tcp_flags */
	NFLOG_HAS_ICMP = 1u << 5,	   /* icmp_type, icmp_code (ICMP, ICMPv6) */
	NFLOG_HAS_TIMESTAMP = 1u << 6,	   /* ts_sec, ts_usec (input, forward only) */
	NFLOG_HAS_INDEV = 1u << 7,	   /* indev */
	NFLOG_HAS_OUTDEV = 1u << 8,	   /* outdev */
	NFLOG_HAS_SEQ = 1u << 9,	   /* seq */
	NFLOG_PREFIX_TRUNCATED = 1u << 10, /* the kernel's prefix did not fit */
	NFLOG_FRAGMENT = 1u << 11,	   /* an IP fragment (ports only in the first) */
	NFLOG_L4_TRUNCATED = 1u << 12,	   /* the L4 header was cut short or unreachable */
	NFLOG_HAS_L4PROTO = 1u << 13,	   /* l4proto */
};

/* TCP flags (the header's 14th byte). */
#define NFLOG_TCP_FIN 0x01
#define NFLOG_TCP_SYN 0x02
#define NFLOG_TCP_RST 0x04
#define NFLOG_TCP_ACK 0x10

/* One logged packet, decoded. Fields are host order; absent ones are zero. */
struct nflog_pkt {
	uint32_t has;	      /* NFLOG_HAS_* and flags */
	uint8_t nfproto;      /* the hook's family (nfgenmsg): NFPROTO_IPV4, ... */
	uint16_t group;	      /* NFLOG group */
	uint16_t hw_protocol; /* ETH_P_IP, ETH_P_IPV6, ... */
	uint8_t hook;	      /* NF_INET_LOCAL_OUT, ... */
	uint8_t family;	      /* AF_INET or AF_INET6, from the IP version */
	uint8_t saddr[16];    /* network order; IPv4 in the first 4 bytes */
	uint8_t daddr[16];
	uint8_t l4proto;       /* IPPROTO_*: the header after the IPv6 extensions */
	uint16_t sport, dport; /* TCP, UDP, SCTP */
	uint8_t tcp_flags;     /* NFLOG_TCP_* */
	uint8_t icmp_type, icmp_code;
	uint32_t indev, outdev; /* ifindex */
	uint32_t seq;		/* the group's message counter */
	uint64_t ts_sec;	/* packet timestamp */
	uint32_t ts_usec;
	uint32_t caplen;	       /* bytes of the packet the message carried */
	char prefix[NFLOG_PREFIX_MAX]; /* always NUL-terminated */
};

/* What a reader has seen since it was opened. */
struct nflog_stats {
	uint64_t received;  /* packet messages decoded */
	uint64_t lost;	    /* messages the kernel dropped (gaps in seq) */
	uint64_t overruns;  /* times the socket overran (ENOBUFS) */
	uint64_t malformed; /* messages that did not decode, or not from the kernel */
};

/* Sees every message received before it is decoded (debugging, capture). */
typedef void (*nflog_raw_cb)(const void *msg, size_t len, void *arg);

int nflog_open(uint16_t group, struct nflog **out, char **err) __attribute__((warn_unused_result));
int nflog_fd(const struct nflog *nf);
int nflog_read(struct nflog *nf, struct nflog_pkt *out, size_t max, size_t *n)
	__attribute__((warn_unused_result));
void nflog_stats(const struct nflog *nf, struct nflog_stats *st);
void nflog_set_raw_cb(struct nflog *nf, nflog_raw_cb cb, void *arg);
void nflog_close(struct nflog *nf);

int nflog_decode(const void *buf, size_t len, struct nflog_pkt *out)
	__attribute__((warn_unused_result));
bool nflog_pkt_is_syn(const struct nflog_pkt *p);

#endif
