// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel test of the NFLOG reader: rules that log to group 7 and drop TCP and
 * UDP to port 9 on output, loaded with nft -f; connection attempts to
 * 127.0.0.1:9 and [::1]:9 and UDP datagrams must come back decoded (prefix,
 * addresses, ports, SYN) within a second; then a flood of 10,000 datagrams the
 * reader must survive with every message either read or counted lost.
 * Runs only inside the namespaces tests/kernel/run creates (see kt.h).
 * NFTPOL_NFLOG_SEEDS=DIR saves the messages of the first part there (the
 * fuzzer's seeds, tests/fuzz/corpus/nflog/).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>

#include "kt.h"
#include "nft/nflog.h"
#include "base/xalloc.h"

#define GROUP 7
#define FLOOD 10000

static const char ruleset[] = "table inet t {\n"
			      "\tchain c {\n"
			      "\t\ttype filter hook output priority 0;\n"
			      "\t\ttcp dport 9 log prefix \"nftpol test\" group 7 drop\n"
			      "\t\tudp dport 9 log prefix \"u\" group 7 drop\n"
			      "\t}\n"
			      "}\n";

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void load_ruleset(void)
{
	char path[] = "/tmp/nftpol-kt-nflog-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	int ret;

	fputs(ruleset, f);
	fclose(f);
	kt_sh("nft flush ruleset");
	ret = kt_sh("nft -f %s", path);
	unlink(path);
	ck_assert_msg(ret == 0, "nft -f failed");
}

/* Save each packet message as a seed file (NFTPOL_NFLOG_SEEDS). */
static void save_seed(const void *msg, size_t len, void *arg)
{
	const struct nlmsghdr *nlh = msg;
	int *n = arg;
	char *path;
	FILE *f;

	if (nlh->nlmsg_type != (NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET))
		return;
	path = xasprintf("%s/kernel-%d", getenv("NFTPOL_NFLOG_SEEDS"), (*n)++);
	f = fopen(path, "w");
	if (f) {
		fwrite(msg, 1, len, f);
		fclose(f);
	}
	free(path);
}

struct want {
	const char *prefix;
	int family;
	const char *daddr;
	uint8_t l4proto;
	uint16_t sport; /* 0: any */
};

static bool matches(const struct nflog_pkt *p, const struct want *w)
{
	uint8_t a[16] = { 0 };

	inet_pton(w->family, w->daddr, a);
	return !strcmp(p->prefix, w->prefix) && p->family == w->family &&
	       (p->has & NFLOG_HAS_ADDRS) && !memcmp(p->daddr, a, 16) && !memcmp(p->saddr, a, 16) &&
	       p->l4proto == w->l4proto && p->dport == 9 && (!w->sport || p->sport == w->sport);
}

/* Read until a packet as w says comes, at most 2 s; false if none did. */
static bool wait_for(struct nflog *nf, const struct want *w, struct nflog_pkt *got)
{
	struct pollfd pfd = { .fd = nflog_fd(nf), .events = POLLIN };
	double end = now_ms() + 2000;
	struct nflog_pkt p[16];
	size_t n;

	while (now_ms() < end) {
		ck_assert_int_eq(nflog_read(nf, p, 16, &n), 0);
		for (size_t i = 0; i < n; i++) {
			if (matches(&p[i], w)) {
				*got = p[i];
				return true;
			}
		}
		if (n < 16)
			poll(&pfd, 1, 50);
	}
	return false;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Connect to or send to port 9 of addr; the local port used. */
static uint16_t knock(int family, int type, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	int fd = socket(family, type | SOCK_NONBLOCK, 0), ret;
	uint16_t port;

	ck_assert_int_ge(fd, 0);
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		s4->sin_port = htons(9);
		inet_pton(AF_INET, addr, &s4->sin_addr);
	} else {
		s6->sin6_port = htons(9);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
	}
	if (type == SOCK_STREAM) {
		ret = connect(fd, (struct sockaddr *)&ss, len);
		ck_assert(ret < 0 && (errno == EINPROGRESS || errno == EPERM));
	} else {
		/* the drop shows as EPERM to the sender */
		ret = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
		ck_assert(ret < 0 && errno == EPERM);
	}
	port = local_port(fd);
	close(fd);
	return port;
}

static char *nf_log_setting(int pf)
{
	char *out = kt_run("cat /proc/sys/net/netfilter/nf_log/%d 2>&1", pf);

	return out;
}

START_TEST(denied_packets_decoded)
{
	static const struct {
		int family, type;
		const char *addr, *prefix;
	} k[] = {
		{ AF_INET, SOCK_STREAM, "127.0.0.1", "nftpol test" },
		{ AF_INET6, SOCK_STREAM, "::1", "nftpol test" },
		{ AF_INET, SOCK_DGRAM, "127.0.0.1", "u" },
		{ AF_INET6, SOCK_DGRAM, "::1", "u" },
	};
	char *err = NULL, *log4 = nf_log_setting(2), *log6 = nf_log_setting(10), *after;
	unsigned lo = if_nametoindex("lo");
	struct nflog_stats st;
	struct nflog *nf;
	int seeds = 0;

	load_ruleset();
	ck_assert_msg(nflog_open(GROUP, &nf, &err) == 0, "%s", err);
	if (getenv("NFTPOL_NFLOG_SEEDS"))
		nflog_set_raw_cb(nf, save_seed, &seeds);
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint8_t proto = k[i].type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		struct want w = { k[i].prefix, k[i].family, k[i].addr, proto, 0 };
		struct nflog_pkt p;
		double t0 = now_ms();

		w.sport = knock(k[i].family, k[i].type, k[i].addr);
		ck_assert_msg(wait_for(nf, &w, &p), "no log of %s %s port 9 within 2 s",
			      proto == IPPROTO_TCP ? "TCP" : "UDP", k[i].addr);
		printf("nflog: %s %s:%u -> port 9 seen after %.1f ms\n",
		       proto == IPPROTO_TCP ? "TCP SYN" : "UDP", k[i].addr, w.sport, now_ms() - t0);
		ck_assert(now_ms() - t0 < 1000);
		ck_assert_int_eq(nflog_pkt_is_syn(&p), proto == IPPROTO_TCP);
		ck_assert_uint_eq(p.group, GROUP);
		ck_assert_uint_eq(p.hw_protocol, k[i].family == AF_INET ? 0x0800 : 0x86dd);
		ck_assert(p.has & NFLOG_HAS_OUTDEV);
		ck_assert_uint_eq(p.outdev, lo);
		ck_assert(p.has & NFLOG_HAS_SEQ);
		ck_assert_uint_le(p.caplen, NFLOG_COPY_RANGE);
	}
	nflog_stats(nf, &st);
	ck_assert_uint_eq(st.malformed, 0);
	nflog_close(nf);
	/* binding only the group left the namespace's default loggers alone */
	after = nf_log_setting(2);
	ck_assert_str_eq(after, log4);
	free(after);
	after = nf_log_setting(10);
	ck_assert_str_eq(after, log6);
	free(after);
	free(log4);
	free(log6);
}
END_TEST

static long rss_kb(void)
{
	char *s = kt_run("grep VmRSS /proc/%d/status", (int)getpid());
	long kb = 0;

	sscanf(s, "VmRSS: %ld", &kb);
	free(s);
	return kb;
}

/* Drain what is pending; the number of packets read. */
static size_t drain(struct nflog *nf, int quiet_ms)
{
	struct pollfd pfd = { .fd = nflog_fd(nf), .events = POLLIN };
	struct nflog_pkt p[64];
	size_t n, total = 0;

	for (;;) {
		ck_assert_int_eq(nflog_read(nf, p, 64, &n), 0);
		total += n;
		if (n == 64)
			continue;
		if (poll(&pfd, 1, quiet_ms) == 0)
			return total;
	}
}

/* Send n datagrams as fast as we can, then read; every one read or counted lost. */
static void flood(int n, struct nflog_stats *st)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct want w = { "u", AF_INET, "127.0.0.1", IPPROTO_UDP, 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), eperm = 0;
	struct nflog_pkt p;
	struct nflog *nf;
	char *err = NULL;
	double t0, t1;
	long rss0, rss1;
	size_t got;

	load_ruleset();
	ck_assert_msg(nflog_open(GROUP, &nf, &err) == 0, "%s", err);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	rss0 = rss_kb();
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		eperm += sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
			 errno == EPERM;
	t1 = now_ms();
	ck_assert_int_eq(eperm, n);
	got = drain(nf, 200);
	/* one more after the flood: the reader still works, and its seq closes the gap */
	w.sport = knock(AF_INET, SOCK_DGRAM, "127.0.0.1");
	ck_assert_msg(wait_for(nf, &w, &p), "no log after the flood");
	got++;
	rss1 = rss_kb();
	nflog_stats(nf, st);
	printf("nflog flood: %d datagrams sent in %.0f ms; read %zu, lost %llu, overruns %llu, "
	       "malformed %llu; RSS %ld -> %ld kB\n",
	       n, t1 - t0, got, (unsigned long long)st->lost, (unsigned long long)st->overruns,
	       (unsigned long long)st->malformed, rss0, rss1);
	ck_assert_uint_eq(st->received, got);
	ck_assert_uint_eq(st->received + st->lost, (uint64_t)n + 1);
	ck_assert_uint_eq(st->malformed, 0);
	ck_assert_int_lt(rss1 - rss0, 4096);
	nflog_close(nf);
	close(fd);
}

START_TEST(flood_10k)
{
	struct nflog_stats st;

	flood(FLOOD, &st);
}
END_TEST

/* Ten times more than the socket buffer holds: it overruns, the reader goes on. */
START_TEST(flood_overrun)
{
	struct nflog_stats st;

	flood(10 * FLOOD, &st);
	ck_assert_uint_gt(st.overruns, 0);
	ck_assert_uint_gt(st.lost, 0);
}
END_TEST

START_TEST(group_taken)
{
	struct nflog *a, *b = NULL;
	char *err = NULL;

	ck_assert_int_eq(nflog_open(GROUP, &a, &err), 0);
	/* the kernel says EPERM: the group belongs to another socket */
	ck_assert_int_eq(nflog_open(GROUP, &b, &err), -EPERM);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(err, "group 7"));
	free(err);
	nflog_close(a);
	/* closing the socket released the group */
	ck_assert_int_eq(nflog_open(GROUP, &b, &err), 0);
	nflog_close(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel_nflog");
	TCase *tc = tcase_create("nflog");
	SRunner *sr;
	int failed;

	if (!kt_guard()) {
		printf("kernel tests skipped: not inside a test network namespace\n");
		return 0;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, denied_packets_decoded);
	tcase_add_test(tc, flood_10k);
	tcase_add_test(tc, flood_overrun);
	tcase_add_test(tc, group_taken);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	kt_sh("nft flush ruleset");
	return failed ? 1 : 0;
}
