/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testlib.h: helpers for the in-process tests.  A test is one binary that
 * exits 0 (pass), 1 (fail) or 77 (skip, with the reason printed).  The
 * engine comes from SM_ENGINE (the runner runs each test on each engine).
 */
#ifndef SM_TESTLIB_H
#define SM_TESTLIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stackmap.h"

#define T_PASS 0
#define T_FAIL 1
#define T_SKIP 77

#define T_ASSERT(cond) do {                                                \
	if (!(cond)) {                                                     \
		fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, \
			__LINE__, #cond);                                  \
		exit(T_FAIL);                                              \
	}                                                                  \
} while (0)

#define T_EQ(a, b) do {                                                    \
	long long a_ = (long long)(a), b_ = (long long)(b);                \
	if (a_ != b_) {                                                    \
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, a_, #b, b_);               \
		exit(T_FAIL);                                              \
	}                                                                  \
} while (0)

static inline void t_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(T_SKIP);
}

static inline uint64_t t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A port on the engine SM_ENGINE names (auto when unset). */
static inline struct sm_port *t_open(struct sm_config *cfg)
{
	struct sm_config def;
	struct sm_port *port;
	int ret;

	if (!cfg) {
		sm_config_init(&def);
		cfg = &def;
	}
	ret = sm_open(&port, cfg);
	if (ret == -EOPNOTSUPP)
		t_skip("engine not supported by this kernel");
	if (ret < 0) {
		fprintf(stderr, "sm_open: %s\n", strerror(-ret));
		exit(T_FAIL);
	}
	return port;
}

static inline bool t_engine_is(struct sm_port *port, enum sm_engine e)
{
	return sm_engine(port) == e;
}

/* A loopback listener on an ephemeral port; *port_out gets its port. */
static inline int t_listen(int *port_out)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	T_ASSERT(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_ASSERT(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	T_ASSERT(listen(fd, 4096) == 0);
	T_ASSERT(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port_out = ntohs(a.sin_port);
	return fd;
}

/* Connect fd to 127.0.0.1:port (blocking connect: the listen backlog
 * completes the handshake without the server's help). */
static inline int t_connect_fd(int fd, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	T_ASSERT(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	T_ASSERT(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	return fd;
}

static inline int t_connect(int port)
{
	return t_connect_fd(socket(AF_INET, SOCK_STREAM, 0), port);
}

static inline void t_nonblock(int fd)
{
	T_ASSERT(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

static inline void t_raise_nofile(rlim_t want)
{
	struct rlimit rl;

	T_ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur >= want)
		return;
	/* Root may raise the hard limit too (up to fs.nr_open). */
	if (rl.rlim_max < want) {
		struct rlimit hard = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &hard) == 0)
			return;
	}
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	T_ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur < want)
		t_skip("cannot raise the open file limit");
}

/* Queue one TX slot (copying data) for fd; fails the test if no slot. */
static inline void t_send(struct sm_port *port, int fd, const void *data,
			  uint32_t len, uint16_t flags)
{
	struct sm_ring *tx = sm_txring(port);
	struct sm_slot *s;

	T_ASSERT(!sm_ring_empty(tx));
	s = &tx->slot[tx->head];
	T_ASSERT(len <= tx->buf_size);
	memcpy(sm_buf(port, s->buf_idx), data, len);
	s->fd = fd;
	s->off = 0;
	s->len = len;
	s->flags = flags;
	sm_ring_advance(tx, sm_ring_next(tx, tx->head));
}

/* Sync until the RX ring holds at least n slots or ms pass. */
static inline uint32_t t_sync_until(struct sm_port *port, uint32_t n,
				    int ms)
{
	uint64_t end = t_now_ms() + (uint64_t)ms;
	struct sm_ring *rx = sm_rxring(port);

	while (sm_ring_space(rx) < n && t_now_ms() < end)
		T_ASSERT(sm_sync(port, 10) >= 0);
	return sm_ring_space(rx);
}

/* Sync until the first RX slot announces a new connection (2 s at
 * most); that slot is given back and the server-side fd returned. */
static inline int t_accept(struct sm_port *port)
{
	struct sm_ring *rx = sm_rxring(port);
	int fd;

	T_ASSERT(t_sync_until(port, 1, 2000) >= 1);
	T_ASSERT(rx->slot[rx->head].flags & SM_F_ACCEPT);
	fd = rx->slot[rx->head].fd;
	sm_ring_advance(rx, sm_ring_next(rx, rx->head));
	return fd;
}

/* Read the client socket fd to EOF while the port keeps syncing (its
 * sends and closes complete in later syncs).  Returns the byte count. */
static inline size_t t_read_eof(struct sm_port *port, int fd, void *buf,
				size_t cap, int ms)
{
	uint64_t end = t_now_ms() + (uint64_t)ms;
	size_t len = 0;
	ssize_t n;

	t_nonblock(fd);
	while (t_now_ms() < end) {
		n = read(fd, (char *)buf + len, cap - len);
		if (n == 0)
			return len;
		if (n > 0)
			len += (size_t)n;
		else
			T_ASSERT(errno == EAGAIN && sm_sync(port, 1) >= 0);
		T_ASSERT(len < cap);
	}
	fprintf(stderr, "no EOF after %d ms\n", ms);
	exit(T_FAIL);
}

/* Return every RX slot to the library. */
static inline void t_rx_release_all(struct sm_port *port)
{
	struct sm_ring *rx = sm_rxring(port);

	sm_ring_advance(rx, rx->tail);
}

#endif /* SM_TESTLIB_H */
