/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ep-httpd: the plain-Linux baseline of the base-latency experiment.
 *
 * The smallest HTTP responder a Linux programmer would write: one thread,
 * epoll, read(2) and write(2) on each socket, a fixed body for every
 * request.  What varies is how it waits, the modes the StackMap paper
 * compares sm-httpd against:
 *   -t 0    epoll_wait() never sleeps (the CPU spins in the syscall loop)
 *   -t -1   epoll_wait() blocks until an interrupt wakes the thread
 *   -B USEC epoll busy polling (EPIOCSPARAMS, Linux 6.9): epoll_wait()
 *           polls the sockets' NAPI instances for USEC before sleeping
 * It parses nothing but the end of each request head ("\r\n\r\n"), so it
 * costs less per request than any real server: a lower bound for Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "compat.h"
#include "util.h"

#define MAX_EVENTS 256
#define IN_SIZE    16384

struct conn {
	int fd;
	int matched;  /* bytes of "\r\n\r\n" matched at the end of input */
};

static volatile sig_atomic_t stop;
static char *resp;
static size_t resp_len;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ep-httpd [OPTIONS]\n"
"\n"
"A minimal HTTP/1.1 keep-alive responder on plain Linux epoll, read(2) and\n"
"write(2): every request head gets a 200 with a fixed body.  The Linux\n"
"baseline of bench/ (base latency); not a real server.\n"
"\n"
"Options:\n"
"  -p, --port PORT        TCP port (default 8080; 0 = any)\n"
"  -l, --listen ADDR      address (default ::)\n"
"  -f, --fixed BYTES      body size (default 1024)\n"
"  -t, --timeout MS       epoll_wait timeout: 0 spins, -1 blocks (default -1)\n"
"  -B, --busy-poll USEC   epoll busy polling for USEC per wait (EPIOCSPARAMS)\n"
"  -P, --port-file FILE   write the bound port to FILE when ready\n"
"  -h, --help             this help\n"
"\n"
"On SIGTERM prints \"ep-httpd: stats requests=N syscalls=N\".  Exit status:\n"
"0 after a signal, 64 usage error, 71 setup failure.\n");
}

struct opts {
	const char *addr, *port_file;
	int port, timeout, busy_usec;
	long body;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "fixed", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct opts){ .addr = "::", .port = 8080, .timeout = -1,
			    .body = 1024 };
	while ((ch = getopt_long(argc, argv, "p:l:f:t:B:P:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'p': o->port = (int)util_num(optarg, 0, 65535); break;
		case 'l': o->addr = optarg; break;
		case 'f': o->body = util_num(optarg, 0, 1 << 20); break;
		case 't': o->timeout = (int)util_num(optarg, -1, 1000); break;
		case 'B': o->busy_usec = (int)util_num(optarg, 1, 1000000); break;
		case 'P': o->port_file = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument", argv[optind]);
	return 0;
}

static int make_response(long body)
{
	int n;

	resp = malloc((size_t)body + 128);
	if (!resp)
		return -1;
	n = snprintf(resp, 128, "HTTP/1.1 200 OK\r\nServer: ep-httpd\r\n"
		     "Content-Type: text/plain\r\nContent-Length: %ld\r\n\r\n",
		     body);
	memset(resp + n, 'x', (size_t)body);
	resp_len = (size_t)n + (size_t)body;
	return 0;
}

/* Count request heads ending in buf, carrying a partial "\r\n\r\n" match
 * across reads. */
static int count_requests(struct conn *c, const char *buf, ssize_t len)
{
	static const char end[] = "\r\n\r\n";
	int n = 0;

	for (ssize_t i = 0; i < len; i++) {
		if (buf[i] == end[c->matched])
			c->matched++;
		else
			c->matched = buf[i] == '\r';
		if (c->matched == 4) {
			n++;
			c->matched = 0;
		}
	}
	return n;
}

static unsigned long requests, syscalls;

/* Answer every complete request: 0 to keep the connection, -1 to close
 * it.  A response that does not fit the socket buffer is an error here:
 * with a request or a few in flight it never happens. */
static int serve(struct conn *c)
{
	char buf[IN_SIZE];
	ssize_t r;

	for (;;) {
		syscalls++;
		r = read(c->fd, buf, sizeof(buf));
		if (r == 0)
			return -1;
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		for (int n = count_requests(c, buf, r); n > 0; n--) {
			syscalls++;
			if (write(c->fd, resp, resp_len) != (ssize_t)resp_len)
				return -1;
			requests++;
		}
		if (r < (ssize_t)sizeof(buf))
			return 0;  /* drained: level-triggered epoll calls again */
	}
}

static void on_readable(struct conn *c)
{
	if (serve(c) < 0) {
		close(c->fd);  /* also leaves the epoll set */
		free(c);
	}
}

static void on_listener(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int fd, one = 1;

	while ((syscalls++, fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
		}
	}
}

static int setup(const struct opts *o, int *epp, int *lfdp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int port = o->port, lfd, ep;

	lfd = util_listen(o->addr, port, &port);
	if (lfd < 0) {
		fprintf(stderr, "ep-httpd: listen on [%s]:%d: %s\n", o->addr,
			o->port, strerror(-lfd));
		return -1;
	}
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("ep-httpd: epoll");
		return -1;
	}
	if (o->busy_usec) {
		struct epoll_params p = { .busy_poll_usecs = (uint32_t)o->busy_usec,
					  .busy_poll_budget = 64,
					  .prefer_busy_poll = 1 };

		if (ioctl(ep, EPIOCSPARAMS, &p) < 0) {
			/* Linux < 6.9, or a budget over 8 without
			 * CAP_NET_ADMIN: a baseline must not silently
			 * become another one. */
			perror("ep-httpd: EPIOCSPARAMS");
			return -1;
		}
	}
	if (o->port_file && util_write_number_file(o->port_file, port) < 0)
		return -1;
	*epp = ep;
	*lfdp = lfd;
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	struct opts o;
	int ep, lfd;

	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	util_signals(on_signal);
	if (make_response(o.body) < 0 || setup(&o, &ep, &lfd) < 0)
		return EX_OSERR;
	while (!stop) {
		int n;

		syscalls++;
		n = epoll_wait(ep, evs, MAX_EVENTS, o.timeout);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr)
				on_readable(evs[i].data.ptr);
			else
				on_listener(ep, lfd);
		}
	}
	fprintf(stderr, "ep-httpd: stats requests=%lu syscalls=%lu\n",
		requests, syscalls);
	return 0;
}
