// SPDX-License-Identifier: GPL-2.0-or-later
/* Denied connections, named (see denied.h). */
#include "agent/daemon/denied.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "nft/nflog.h"

#define FOLD_SLOTS 4096 /* connection attempts remembered (power of two) */
#define FOLD_MS 30000	/* retransmissions within this are the same attempt */
#define READ_BATCH 64	/* packets taken from the socket at once */
#define READ_MAX 4096	/* packets handled per call: the rest waits for the next turn */

struct fold_slot {
	uint64_t hash;
	int64_t until;
};

struct denied {
	struct nflog *nf;
	uint32_t rate;	/* lines a second (also the bucket's size) */
	double tokens;	/* the line budget */
	int64_t refill; /* when tokens were last topped up */
	struct fold_slot fold[FOLD_SLOTS];
	struct strmap *by_ip; /* address text -> struct pod * of the snapshot */
	uint64_t ip_gen;      /* store generation by_ip reflects; ~0: none */
	struct denied_stats st;
};

/*
 * A reader of NFLOG group for the agent, writing at most rate lines a second.
 * Returns 0 and *out, or -errno with *err (owned by the caller).
 */
int denied_new(uint16_t group, uint32_t rate, struct denied **out, char **err)
{
	struct denied *d;
	struct nflog *nf;
	int ret = nflog_open(group, &nf, err);

	*out = NULL;
	if (ret < 0)
		return ret;
	d = xcalloc(1, sizeof(*d));
	d->nf = nf;
	d->rate = rate ? rate : DENIED_RATE_DEFAULT;
	d->tokens = d->rate;
	d->ip_gen = ~(uint64_t)0;
	*out = d;
	return 0;
}

void denied_free(struct denied *d)
{
	if (!d)
		return;
	nflog_close(d->nf);
	strmap_free(d->by_ip);
	free(d);
}

int denied_fd(const struct denied *d)
{
	return nflog_fd(d->nf);
}

void denied_stats(const struct denied *d, struct denied_stats *out)
{
	struct nflog_stats ns;

	*out = d->st;
	nflog_stats(d->nf, &ns);
	out->suppressed += ns.lost;
}

/* Index the eligible pods of c by address (the first by namespace/name wins, as in the table). */
static void index_pods(struct denied *d, const struct store *s, const struct cluster *c)
{
	if (d->ip_gen == store_generation(s) && d->by_ip)
		return;
	strmap_free(d->by_ip);
	d->by_ip = strmap_new();
	for (size_t i = 0; i < c->npods; i++) {
		const struct pod *p = &c->pods[i];

		if (!model_pod_eligible(p))
			continue;
		for (size_t j = 0; j < p->nips; j++) {
			char ip[INET6_ADDRSTRLEN];

			inet_ntop(p->ips[j].family, p->ips[j].a, ip, sizeof(ip));
			if (!strmap_get(d->by_ip, ip))
				strmap_put(d->by_ip, ip, (void *)(uintptr_t)(i + 1));
		}
	}
	d->ip_gen = store_generation(s);
}

/* "ns/name" of the pod at address ip (text), or the address itself, into buf. */
static const char *end_name(const struct denied *d, const struct cluster *c, const char *ip,
			    char *buf, size_t size)
{
	uintptr_t i = (uintptr_t)strmap_get(d->by_ip, ip);

	if (!i)
		return ip;
	snprintf(buf, size, "%s/%s", c->pods[i - 1].ns, c->pods[i - 1].name);
	return buf;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

/* Whether the packet belongs to a connection attempt logged in the last FOLD_MS. */
static bool folded(struct denied *d, const struct nflog_pkt *p, int64_t now)
{
	uint64_t h = fnv(14695981039346656037u, &p->family, 1);
	struct fold_slot *s;

	h = fnv(h, p->saddr, 16);
	h = fnv(h, p->daddr, 16);
	h = fnv(h, &p->l4proto, 1);
	h = fnv(h, &p->sport, 2);
	h = fnv(h, &p->dport, 2);
	h = fnv(h, p->prefix, strlen(p->prefix));
	s = &d->fold[h & (FOLD_SLOTS - 1)];
	if (s->hash == h && s->until > now)
		return true;
	s->hash = h;
	s->until = now + FOLD_MS;
	return false;
}

/* Take one line from the budget (rate a second, bursts up to rate). */
static bool budget(struct denied *d, int64_t now)
{
	if (now > d->refill) {
		d->tokens += (double)(now - d->refill) * d->rate / 1000.0;
		if (d->tokens > d->rate)
			d->tokens = d->rate;
		d->refill = now;
	}
	if (d->tokens < 1)
		return false;
	d->tokens -= 1;
	return true;
}

static const char *proto_name(uint8_t p)
{
	if (p == IPPROTO_ICMP)
		return "icmp";
	return p == IPPROTO_ICMPV6 ? "icmpv6" : model_proto_name(p);
}

/* Write the line of one denied (or, in audit mode, would-be denied) packet. */
static void log_packet(const struct denied *d, const struct cluster *c, const struct nflog_pkt *p,
		       const struct compile_ctr *k, bool audit_all)
{
	char sip[INET6_ADDRSTRLEN], dip[INET6_ADDRSTRLEN], sb[512], db[512];
	const char *src, *dst, *dirn = k->dir == DIR_INGRESS ? "ingress" : "egress";
	bool would = k->kind == COMPILE_CTR_AUDIT || audit_all;
	const char *msg = would ? "would deny (audit mode): connection allowed" : "denied";

	inet_ntop(p->family, p->saddr, sip, sizeof(sip));
	inet_ntop(p->family, p->daddr, dip, sizeof(dip));
	src = end_name(d, c, sip, sb, sizeof(sb));
	dst = end_name(d, c, dip, db, sizeof(db));
	if (k->kind == COMPILE_CTR_CNP) {
		log_info(msg, LOG_FIELDS(LOG_STR("direction", dirn), LOG_STR("src", src),
					 LOG_STR("src_ip", sip), LOG_STR("dst", dst),
					 LOG_STR("dst_ip", dip),
					 LOG_STR("proto", proto_name(p->l4proto)),
					 LOG_UINT("dport", p->dport),
					 LOG_STR("tier", model_cnp_tier_name(k->tier)),
					 LOG_STR("kind", model_cnp_source_kind(k->source)),
					 LOG_STR("policy", k->policy), LOG_UINT("rule", k->rule),
					 LOG_STR("rule_name", k->rule_name),
					 LOG_STR("action", model_cnp_action_name(k->action))));
		return;
	}
	log_info(msg,
		 LOG_FIELDS(LOG_STR("direction", dirn), LOG_STR("src", src), LOG_STR("src_ip", sip),
			    LOG_STR("dst", dst), LOG_STR("dst_ip", dip),
			    LOG_STR("proto", proto_name(p->l4proto)), LOG_UINT("dport", p->dport),
			    LOG_STR("policies", k->policy), LOG_STR("tier", "NetworkPolicy")));
}

/*
 * Read what the group holds (bounded: the rest waits for the next turn) and
 * log each new connection attempt within the line budget. meta names what the
 * table's counters (the log prefixes) stand for; c is the store's snapshot.
 */
void denied_handle(struct denied *d, const struct store *s, const struct cluster *c,
		   const struct compile_meta *meta, bool audit_all, int64_t now)
{
	struct nflog_pkt pkts[READ_BATCH];
	size_t total = 0, n;

	index_pods(d, s, c);
	while (total < READ_MAX) {
		if (nflog_read(d->nf, pkts, READ_BATCH, &n) < 0 || !n)
			break;
		total += n;
		for (size_t i = 0; i < n; i++) {
			const struct nflog_pkt *p = &pkts[i];
			size_t plen = strlen(COMPILE_LOG_PREFIX);
			const struct compile_ctr *k =
				!strncmp(p->prefix, COMPILE_LOG_PREFIX, plen)
					? compile_meta_find(meta, p->prefix + plen)
					: NULL;

			d->st.received++;
			if (!k || !(p->has & NFLOG_HAS_ADDRS)) {
				d->st.suppressed++;
				continue;
			}
			if (folded(d, p, now)) {
				d->st.folded++;
				continue;
			}
			if (!budget(d, now)) {
				d->st.suppressed++;
				continue;
			}
			log_packet(d, c, p, k, audit_all);
			d->st.logged++;
		}
		if (n < READ_BATCH)
			break;
	}
}
