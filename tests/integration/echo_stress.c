/* echo_stress: independent epoll TCP echo client that verifies echo servers */
/* SPDX-License-Identifier: BSD-2-Clause */
/* No libstackmap here on purpose: it judges the library from outside. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_MAX	16384		/* largest single send() */
#define RX_BUF		65536
#define MAX_EVENTS	256
#define FD_SPARE	64		/* fds beyond CONNS: stdio, epoll */
#define GOLDEN		0x9e3779b97f4a7c15ULL	/* splitmix64 increment */
#define FNV_OFF		0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

typedef unsigned long long ull;

struct opts {
	const char *addr;
	char port[8];		/* decimal, for getaddrinfo() */
	ull conns, bytes, seed, timeout, delay_ms;
	ull msg;		/* ping-pong message size, 0 = stream */
	int quiet;
};

struct conn {
	int fd;
	uint8_t connected, shut;
	uint32_t chunk_left;	/* bytes left of the current random chunk */
	uint64_t key;		/* stream key, from seed and index */
	uint64_t chunk_state;	/* splitmix64 state for the chunk sizes */
	ull sent, rcvd;		/* also the send and verify generator states */
	uint64_t hash;		/* FNV-1a of the verified bytes */
};

struct ctx {
	const struct opts *o;
	struct conn *conns;
	ull live;
	int ep, reading;
	uint64_t t0, read_at, deadline;		/* ms, CLOCK_MONOTONIC */
	struct sockaddr_storage sa;
	socklen_t salen;
	uint8_t *txbuf, *rxbuf, *expbuf;	/* one allocation */
};

__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("echo_stress: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* splitmix64's output function. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Bytes [off, off + len) of a connection's stream.  Word k is splitmix64
 * after k + 1 steps from key, so a generator's whole state is its offset:
 * the send side (c->sent) and the verify side (c->rcvd) each regenerate
 * their part, and no stream is ever held in memory.
 */
static void stream_fill(uint64_t key, ull off, uint8_t *buf, size_t len)
{
	while (len) {
		uint64_t w = mix64(key + ((off >> 3) + 1) * GOLDEN);
		size_t skip = off & 7, n = 8 - skip < len ? 8 - skip : len;

		memcpy(buf, (uint8_t *)&w + skip, n);
		buf += n;
		off += n;
		len -= n;
	}
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: echo_stress -p PORT [-a ADDR] [-c CONNS] [-n BYTES] [-s SEED]\n"
"                   [-t TIMEOUT] [-r DELAY_MS] [-m SIZE] [-q] [-h]\n"
"Open CONNS connections at once to a TCP echo server, send BYTES\n"
"pseudo-random bytes on each, half-close, verify the echo and the EOF.\n"
"  -a ADDR      IPv4 or IPv6 literal (default 127.0.0.1)\n"
"  -c CONNS     connections (default 100)\n"
"  -n BYTES     bytes per connection, may be 0 (default 100000)\n"
"  -s SEED      stream seed (default 1)\n"
"  -t TIMEOUT   fail after this many seconds (default 60)\n"
"  -r DELAY_MS  slow reader: read nothing for DELAY_MS ms (default 0)\n"
"  -m SIZE      ping-pong: send SIZE-byte messages, each only after the\n"
"               previous one came back whole (request/response load)\n"
"  -q           no summary line\n"
"Exit status: 0 pass, 1 fail, 2 usage error, 77 skip.\n");
}

/* Strict unsigned parse of the whole string, within [min, max]. */
static int parse_num(const char *s, ull min, ull max, ull *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	ull port;
	int ch, bad = 0;

	*o = (struct opts){ .addr = "127.0.0.1", .conns = 100,
			    .bytes = 100000, .seed = 1, .timeout = 60 };
	while ((ch = getopt(argc, argv, "p:a:c:n:s:t:r:m:qh")) != -1) {
		switch (ch) {
		case 'p': bad |= parse_num(optarg, 1, 65535, &port);
			  snprintf(o->port, sizeof(o->port), "%llu", port);
			  break;
		case 'a': o->addr = optarg; break;
		case 'c': bad |= parse_num(optarg, 1, 1 << 24, &o->conns); break;
		case 'n': bad |= parse_num(optarg, 0, 1ULL << 50, &o->bytes); break;
		case 's': bad |= parse_num(optarg, 0, UINT64_MAX, &o->seed); break;
		case 't': bad |= parse_num(optarg, 1, 86400, &o->timeout); break;
		case 'r': bad |= parse_num(optarg, 0, 86400000, &o->delay_ms); break;
		case 'm': bad |= parse_num(optarg, 1, 1 << 24, &o->msg); break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); exit(0);
		default: bad = -EINVAL;
		}
	}
	if (bad || !o->port[0] || optind != argc) {
		fail("%s", bad || o->port[0] ? "bad option or value" :
		     "-p PORT is required");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Literals only: a test must not depend on name resolution. */
static int parse_addr(struct ctx *x)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;

	if (getaddrinfo(x->o->addr, x->o->port, &hints, &ai))
		return fail("-a %s: not an IPv4 or IPv6 literal", x->o->addr);
	memcpy(&x->sa, ai->ai_addr, ai->ai_addrlen);
	x->salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Every connection needs an fd at once; too few is a skip, not a fail. */
static int raise_nofile(ull conns)
{
	rlim_t need = (rlim_t)conns + FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return fail("skip: getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
		      need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= need)
		return 0;
	return fail("skip: %llu conns need %llu fds, RLIMIT_NOFILE hard "
		    "limit is %llu", conns, (ull)need, (ull)rl.rlim_max);
}

static void conn_init(struct conn *c, uint64_t seed, uint64_t i)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->key = mix64(seed * GOLDEN + mix64(i + 1));
	/* Another walk from the same key, for the chunk sizes. */
	c->chunk_state = mix64(c->key ^ 0x5bd1e9955bd1e995ULL);
	c->hash = FNV_OFF;
}

static int conn_open(struct ctx *x, ull i)
{
	struct conn *c = &x->conns[i];
	/* Edge-triggered: every handler runs until EAGAIN, so a slow reader
	 * is not woken again and again for data it refuses to read. */
	struct epoll_event ev = { .data.u64 = i, .events = EPOLLIN | EPOLLOUT |
				  EPOLLRDHUP | EPOLLET };

	c->fd = socket(x->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail("conn %llu: socket: %s", i, strerror(errno));
	x->live++;
	if (connect(c->fd, (struct sockaddr *)&x->sa, x->salen) &&
	    errno != EINPROGRESS)
		return fail("conn %llu: connect to %s port %s: %s", i,
			    x->o->addr, x->o->port, strerror(errno));
	if (epoll_ctl(x->ep, EPOLL_CTL_ADD, c->fd, &ev))
		return fail("epoll_ctl: %s", strerror(errno));
	return 0;
}

static void conn_close(struct ctx *x, struct conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	x->live--;
}

static int conn_fail(struct conn *c, ull i, const char *what, int err)
{
	return fail("conn %llu: %s: %s (sent %llu, verified %llu)", i, what,
		    strerror(err), c->sent, c->rcvd);
}

static int conn_sockerr(struct conn *c, ull i)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err)
		return 0;
	return conn_fail(c, i, c->connected ? "socket error" : "connect", err);
}

/* Send as much as the socket takes; half-close once all BYTES are out. */
static int conn_write(struct ctx *x, struct conn *c, ull i)
{
	ull end = x->o->bytes, m = x->o->msg;

	/* Ping-pong: message k goes out once message k-1 is back whole. */
	if (m && (c->rcvd / m + 1) * m < end)
		end = (c->rcvd / m + 1) * m;
	while (c->sent < end) {
		ull left = end - c->sent;
		size_t len;
		ssize_t n;

		if (m) {
			c->chunk_left = (uint32_t)(left < CHUNK_MAX ? left : CHUNK_MAX);
		} else if (!c->chunk_left) {
			c->chunk_state += GOLDEN;
			c->chunk_left = 1 + mix64(c->chunk_state) % CHUNK_MAX;
		}
		len = c->chunk_left < left ? c->chunk_left : left;
		stream_fill(c->key, c->sent, x->txbuf, len);
		n = send(c->fd, x->txbuf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return conn_fail(c, i, "send", errno);
		/* A partial send leaves the rest of the chunk for later. */
		c->sent += (ull)n;
		c->chunk_left -= (uint32_t)n;
	}
	if (c->sent < x->o->bytes)
		return 0;
	if (!c->shut && shutdown(c->fd, SHUT_WR))
		return conn_fail(c, i, "shutdown", errno);
	c->shut = 1;
	return 0;
}

/* Check n received bytes against the stream at c->rcvd. */
static int conn_verify(struct ctx *x, struct conn *c, ull i, size_t n)
{
	ull left = x->o->bytes - c->rcvd;
	size_t want = n < left ? n : (size_t)left, k;

	stream_fill(c->key, c->rcvd, x->expbuf, want);
	if (memcmp(x->expbuf, x->rxbuf, want)) {
		for (k = 0; x->expbuf[k] == x->rxbuf[k]; k++)
			;
		return fail("conn %llu: mismatch at byte offset %llu: "
			    "expected 0x%02x, got 0x%02x", i, c->rcvd + k,
			    x->expbuf[k], x->rxbuf[k]);
	}
	c->hash = fnv1a(c->hash, x->rxbuf, want);
	c->rcvd += want;
	if (want < n)
		return fail("conn %llu: received %zu bytes beyond the %llu "
			    "sent", i, n - want, x->o->bytes);
	return 0;
}

/* Returns 1 when the connection is complete: all bytes, then EOF. */
static int conn_read(struct ctx *x, struct conn *c, ull i)
{
	for (;;) {
		ssize_t n = recv(c->fd, x->rxbuf, RX_BUF, 0);

		if (n > 0 && conn_verify(x, c, i, (size_t)n))
			return -1;
		/* Ping-pong: a message came back, the next may go. */
		if (n > 0 && x->o->msg && conn_write(x, c, i))
			return -1;
		if (n == 0)
			break;
		if (n > 0 || errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return conn_fail(c, i, "recv", errno);
	}
	if (c->rcvd < x->o->bytes)
		return fail("conn %llu: early EOF at byte offset %llu of %llu "
			    "(sent %llu)", i, c->rcvd, x->o->bytes, c->sent);
	return 1;
}

static int conn_event(struct ctx *x, ull i, uint32_t events)
{
	struct conn *c = &x->conns[i];
	int ret;

	if (c->fd < 0)
		return 0;
	if ((events & EPOLLERR) && conn_sockerr(c, i))
		return -1;
	if (!c->connected) {
		/* The first EPOLLOUT (or HUP) tells how the connect ended. */
		if (!(events & (EPOLLOUT | EPOLLHUP)))
			return 0;
		if (conn_sockerr(c, i))
			return -1;
		c->connected = 1;
	}
	if (conn_write(x, c, i))
		return -1;
	if (!x->reading)
		return 0;
	ret = conn_read(x, c, i);
	if (ret > 0)
		conn_close(x, c);
	return ret < 0 ? -1 : 0;
}

/* The slow-reader delay is over.  Edge-triggered read events were
 * ignored meanwhile, so read every connection once to re-arm them. */
static int start_reading(struct ctx *x)
{
	ull i;

	x->reading = 1;
	for (i = 0; i < x->o->conns; i++)
		if (x->conns[i].connected && conn_event(x, i, EPOLLIN))
			return -1;
	return 0;
}

static int report_timeout(struct ctx *x)
{
	ull i, shown = 0;
	struct conn *c;

	fail("timeout after %llu s: %llu of %llu connections not finished",
	     x->o->timeout, x->live, x->o->conns);
	/* A few of the stuck ones show where they stopped. */
	for (i = 0, c = x->conns; i < x->o->conns && shown < 5; i++, c++)
		if (c->fd >= 0 && ++shown)
			fail("  conn %llu: connected %d, sent %llu, shut %d, "
			     "verified %llu of %llu", i, c->connected, c->sent,
			     c->shut, c->rcvd, x->o->bytes);
	return -1;
}

static int run(struct ctx *x)
{
	struct epoll_event ev[MAX_EVENTS];
	int i, n;

	while (x->live) {
		uint64_t now = now_ms(), until = x->deadline;

		if (now >= x->deadline)
			return report_timeout(x);
		if (!x->reading && now >= x->read_at) {
			if (start_reading(x))
				return -1;
			continue;	/* it may have finished them all */
		}
		if (!x->reading && x->read_at < until)
			until = x->read_at;
		n = epoll_wait(x->ep, ev, MAX_EVENTS, (int)(until - now));
		if (n < 0 && errno != EINTR)
			return fail("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			if (conn_event(x, ev[i].data.u64, ev[i].events))
				return -1;
	}
	return 0;
}

static void summary(const struct ctx *x)
{
	uint64_t ms = now_ms() - x->t0, sum = FNV_OFF;
	ull i, total = x->o->conns * x->o->bytes;

	/* Connection order, whatever order they finished in. */
	for (i = 0; i < x->o->conns; i++)
		sum = fnv1a(sum, (const uint8_t *)&x->conns[i].hash,
			    sizeof(x->conns[i].hash));
	printf("echo_stress: %llu conns, %llu bytes each way, %llu ms, "
	       "%.1f MB/s, checksum 0x%016llx\n", x->o->conns, total, (ull)ms,
	       (double)total / 1e3 / (double)(ms ? ms : 1), (ull)sum);
	if (x->o->msg)
		printf("echo_stress: %llu messages of %llu bytes, %.0f per "
		       "second\n", total / x->o->msg, x->o->msg,
		       (double)(total / x->o->msg) * 1e3 /
		       (double)(ms ? ms : 1));
}

static int setup(struct ctx *x)
{
	ull i;

	x->conns = calloc(x->o->conns, sizeof(*x->conns));
	x->rxbuf = malloc(2 * RX_BUF + CHUNK_MAX);
	if (!x->conns || !x->rxbuf)
		return fail("out of memory");
	x->expbuf = x->rxbuf + RX_BUF;
	x->txbuf = x->expbuf + RX_BUF;
	for (i = 0; i < x->o->conns; i++)
		conn_init(&x->conns[i], x->o->seed, i);
	x->ep = epoll_create1(EPOLL_CLOEXEC);
	if (x->ep < 0)
		return fail("epoll_create1: %s", strerror(errno));
	x->t0 = now_ms();
	x->deadline = x->t0 + x->o->timeout * 1000;
	x->read_at = x->t0 + x->o->delay_ms;
	x->reading = x->o->delay_ms == 0;
	for (i = 0; i < x->o->conns; i++)
		if (conn_open(x, i))
			return -1;
	return 0;
}

static void teardown(struct ctx *x)
{
	ull i;

	for (i = 0; x->conns && i < x->o->conns; i++)
		conn_close(x, &x->conns[i]);
	if (x->ep >= 0)
		close(x->ep);
	free(x->conns);
	free(x->rxbuf);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct ctx x = { .o = &o, .ep = -1 };
	int ret;

	if (parse_opts(argc, argv, &o) || parse_addr(&x))
		return 2;
	if (raise_nofile(o.conns))
		return 77;
	signal(SIGPIPE, SIG_IGN);	/* belt and braces with MSG_NOSIGNAL */
	ret = setup(&x) || run(&x) ? 1 : 0;
	if (!ret && !o.quiet)
		summary(&x);
	teardown(&x);
	return ret;
}
