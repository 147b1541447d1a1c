/* mptcp_req: one request over a Multipath TCP socket; prints the answer and whether the connection really is MPTCP. */
/* SPDX-License-Identifier: BSD-2-Clause */
/* No libstackmap here on purpose: a client as any other program is. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/mptcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

/*
 * Usage: mptcp_req ADDR PORT REQUEST
 * Sends REQUEST (C escapes \r and \n are taken), reads until the server
 * closes, writes what it read to stdout, then one line to stderr:
 * "mptcp=yes" when MPTCP_INFO answers without the fallback flag (the
 * server spoke MPTCP), "mptcp=fallback" when it answered plain TCP.
 * Exit 0, or 1 on a socket error (77 when the kernel has no MPTCP).
 */
static size_t unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && (r[1] == 'r' || r[1] == 'n')) {
			*w++ = r[1] == 'r' ? '\r' : '\n';
			r += 2;
		} else {
			*w++ = *r++;
		}
	}
	return (size_t)(w - s);
}

/* Whether the connection is MPTCP end to end: MPTCP_INFO fails, or
 * flags a fallback, when the peer answered with plain TCP. */
static const char *mptcp_state(int fd)
{
	struct mptcp_info mi;
	socklen_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &mi, &len) < 0 || len == 0)
		return "fallback";
	return mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK ? "fallback" : "yes";
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char buf[4096];
	const char *state;
	size_t len;
	ssize_t n;
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: mptcp_req IPV4ADDR PORT REQUEST\n");
		return 1;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (fd < 0) {
		fprintf(stderr, "mptcp_req: socket: %s\n", strerror(errno));
		return errno == EPROTONOSUPPORT || errno == EINVAL ? 77 : 1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "mptcp_req: connect: %s\n", strerror(errno));
		return 1;
	}
	len = unescape(argv[3]);
	if (write(fd, argv[3], len) != (ssize_t)len) {
		fprintf(stderr, "mptcp_req: write: %s\n", strerror(errno));
		return 1;
	}
	state = mptcp_state(fd);  /* before the close, while it is alive */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0) {
		fprintf(stderr, "mptcp_req: read: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "mptcp=%s\n", state);
	close(fd);
	return 0;
}
