/*
 * stall: clients that send requests and never read the answers, the
 * way a hostile or hung client holds a server's output.  Opens N
 * connections, writes REQUEST over and over on each for SECS seconds as
 * far as TCP lets it, never reads, then says how many of them the
 * server reset.  Used by stall_test.sh; not a test by itself.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "testlib.h"

#define MAXC 4096

static void usage(void)
{
	fprintf(stderr,
"Usage: stall -p PORT [-n N] [-t SECS] REQUEST\n"
"Open N connections to 127.0.0.1:PORT (default 10), write REQUEST (escapes \\r \\n) on each\n"
"over and over for SECS seconds (default 5; less if the server reset\n"
"them all) without ever reading, then print how many the server reset: \"stall: N connections, R reset, O\n"
"open, B bytes sent\".  Exit 0, or 1 when a connection cannot be set up.\n");
	exit(64);
}

/* "\r" and "\n" escapes, in place; the new length. */
static size_t unescape(char *s)
{
	char *start = s, *w = s;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == 'r' || s[1] == 'n')) {
			*w++ = s[1] == 'r' ? '\r' : '\n';
			s++;
		} else {
			*w++ = *s;
		}
	}
	return (size_t)(w - start);
}

static int dead(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

int main(int argc, char **argv)
{
	static struct pollfd pf[MAXC];
	static char block[1 << 16];
	int port = 0, n = 10, secs = 5, i, ch, nreset = 0, nopen = 0;
	size_t rlen, blen = 0, off[MAXC] = { 0 };
	unsigned long long sent = 0;
	bool reset[MAXC] = { false };
	uint64_t end;
	char *req;

	while ((ch = getopt(argc, argv, "p:n:t:")) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || port <= 0 || n < 1 || n > MAXC || secs < 1)
		usage();
	req = argv[optind];
	rlen = unescape(req);
	if (!rlen || rlen > sizeof(block))
		usage();
	while (blen + rlen <= sizeof(block)) {
		memcpy(block + blen, req, rlen);
		blen += rlen;
	}
	t_raise_nofile((rlim_t)n + 64);
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), rcv = 16384;

		/* A small window: the server's output stalls sooner. */
		T_ASSERT(fd >= 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		pf[i].fd = t_connect_fd(fd, port);
		pf[i].events = POLLOUT;
		t_nonblock(pf[i].fd);
	}
	end = t_now_ms() + (uint64_t)secs * 1000;
	while (t_now_ms() < end && nreset < n) {
		if (poll(pf, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			ssize_t w;

			if (reset[i] || !pf[i].revents)
				continue;
			w = send(pf[i].fd, block + off[i], blen - off[i],
				 MSG_NOSIGNAL);
			if (w > 0) {
				sent += (unsigned long long)w;
				off[i] = (off[i] + (size_t)w) % blen;
			} else if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				   (pf[i].revents & (POLLERR | POLLHUP))) {
				reset[i] = true;
				pf[i].events = 0;
				nreset++;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (!reset[i] && dead(pf[i].fd)) {
			reset[i] = true;
			nreset++;
		}
		nopen += !reset[i];
		close(pf[i].fd);
	}
	printf("stall: %d connections, %d reset, %d open, %llu bytes sent\n",
	       n, nreset, nopen, sent);
	return 0;
}
