// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connection-rate load tool for the data-path benchmark.
 *   connrate server PORT            accept and close connections forever
 *   connrate client ADDR PORT SECS  connect/close as fast as possible for SECS
 *                                   seconds; prints "connections_per_second N"
 * Closing with SO_LINGER 0 sends a reset, so no TIME_WAIT state piles up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int server(unsigned port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096)) {
		perror("connrate server");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

static int client(const char *addr, unsigned port, double secs)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned long n = 0, failed = 0;
	double start, end;

	if (parse_addr(addr, port, &ss, &len)) {
		fprintf(stderr, "connrate: bad address %s\n", addr);
		return 2;
	}
	start = now();
	end = start + secs;
	while (now() < end) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0)
			return 1;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			n++;
		else
			failed++;
		close(fd);
	}
	printf("connections_per_second %.0f\nfailed %lu\n", (double)n / (now() - start), failed);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return server((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], (unsigned)strtoul(argv[3], NULL, 10), strtod(argv[4], NULL));
	fprintf(stderr, "usage: connrate server PORT | connrate client ADDR PORT SECONDS\n");
	return 2;
}
