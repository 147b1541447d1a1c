/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine_epoll.c: the ring API on plain Linux readiness I/O.
 *
 * This is the fallback engine and the "Linux" baseline of every benchmark,
 * so it is written as a good epoll server would be: edge-triggered events
 * registered once per socket (no epoll_ctl on the data path), a ready list
 * instead of re-polling, short reads taken as "drained" (saves the final
 * EAGAIN read), a readv over several buffers for a stream, queued output
 * written with one writev per socket, and
 * EPOLLOUT edges only consulted after the kernel refused data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compat.h"
#include "sm_internal.h"

#define EP_EVENTS 512
#define EP_IOV 64          /* buffers per writev */
#define EP_RX_BUDGET 16    /* buffers read per socket per sync, fairness */
#define EP_RX_IOV 8        /* buffers per readv */
#define EP_ACCEPT_BUDGET 256

/* sm__conn.eng bits */
#define EP_WRITABLE  0x1   /* no EAGAIN seen since the last EPOLLOUT */
#define EP_READABLE  0x2   /* an edge came and the socket is not drained */
#define EP_HUP       0x4   /* the edge said EOF or error: read to the end */

struct ep {
	int epfd;
	struct sm__clist rxready;   /* readable conns and busy listeners */
	struct epoll_event ev[EP_EVENTS];
};

static int ep_init(struct sm_port *port)
{
	struct ep *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		int ret = -errno;

		free(e);
		return ret;
	}
	sm__clist_init(&e->rxready);
	port->eng = e;
	return 0;
}

static void ep_fini(struct sm_port *port)
{
	struct ep *e = port->eng;

	if (!e)
		return;
	close(e->epfd);
	free(e);
	port->eng = NULL;
}

static int ep_attach(struct sm_port *port, struct sm__conn *c)
{
	struct ep *e = port->eng;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };

	if (!(c->flags & SM__C_LISTENER))
		ev.events |= EPOLLOUT;
	ev.data.u64 = (uint64_t)c->gen << 32 | sm__conn_idx(port, c);
	c->eng = EP_WRITABLE;
	port->st.syscalls++;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return -errno;
	return 0;
}

static void ep_refill(struct sm_port *port SM__UNUSED)
{
}

static void rxready_add(struct sm_port *port, struct sm__conn *c)
{
	struct ep *e = port->eng;

	if (!(c->flags & SM__C_ON_RXREADY)) {
		c->flags |= SM__C_ON_RXREADY;
		SM__CLIST_PUSH(port, &e->rxready, c, next_rx);
	}
}

/* Write as much of c's queue as the socket takes. */
static void ep_flush(struct sm_port *port, struct sm__conn *c)
{
	struct sm__pool *p = &port->pool;
	struct iovec iov[EP_IOV];
	uint32_t b, n;
	ssize_t r;

	while (c->txq.count && (c->eng & EP_WRITABLE) &&
	       !(c->flags & SM__C_TX_DEAD)) {
		size_t want = 0;

		for (n = 0, b = c->txq.head; b != SM__NONE && n < EP_IOV;
		     b = p->meta[b].next, n++) {
			iov[n].iov_base = (uint8_t *)sm__pool_buf(p, b) +
					  p->meta[b].off;
			iov[n].iov_len = p->meta[b].len;
			want += iov[n].iov_len;
		}
		port->st.syscalls++;
		if (n == 1)
			r = send(c->fd, iov[0].iov_base, iov[0].iov_len,
				 MSG_NOSIGNAL);
		else
			r = sendmsg(c->fd, &(struct msghdr){ .msg_iov = iov,
				    .msg_iovlen = n }, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->eng &= ~EP_WRITABLE;
			} else if (errno != EINTR) {
				sm__tx_failed(port, c, errno);
			}
			continue;
		}
		port->st.tx_bytes += (uint64_t)r;
		if ((size_t)r < want) {
			/* The socket buffer is full: wait for EPOLLOUT. */
			port->st.tx_partial++;
			c->eng &= ~EP_WRITABLE;
		}
		/* Pop what went out whole; trim what went out in part. */
		while (r > 0) {
			b = c->txq.head;
			if ((size_t)r < p->meta[b].len) {
				sm__bufq_trim(p, &c->txq, (uint32_t)r);
				break;
			}
			r -= p->meta[b].len;
			sm__pool_put(p, sm__tx_done(port, c));
		}
	}
}

static void ep_close_conn(struct sm_port *port, struct sm__conn *c)
{
	port->st.syscalls++;
	close(c->fd);
	c->flags |= SM__C_CLOSED;
	/* On the ready list: released when popped from it. */
	if (!(c->flags & SM__C_ON_RXREADY))
		sm__conn_release(port, c);
	sm__accept_retry(port);  /* an fd is free again */
}

/* Submit: write queued output, close what the app closed. */
static void ep_tx(struct sm_port *port)
{
	struct sm__conn *c;

	while ((c = sm__txready_peek(port))) {
		sm__txready_pop(port);
		ep_flush(port, c);
		if ((c->flags & SM__C_CLOSING) &&
		    (c->txq.count == 0 || (c->flags & SM__C_TX_DEAD)))
			ep_close_conn(port, c);
	}
}

static void ep_accept(struct sm_port *port, struct sm__conn *l)
{
	struct sm__conn *c;
	int fd, n;

	for (n = 0; n < EP_ACCEPT_BUDGET; n++) {
		if (sm__rx_room(port) == 0)
			break;
		port->st.syscalls++;
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				l->eng &= ~EP_READABLE;
				return;
			}
			if (sm__accept_fatal(errno)) {
				sm__rx_event(port, l, SM_F_ERR, errno);
				return;  /* RX_DONE: not polled again */
			}
			if (sm__accept_wait(port, l, errno))
				return;  /* parked; its edge kept in mind */
			continue;  /* ECONNABORTED and the like */
		}
		c = sm__conn_new(port, fd, 0);
		if (!c || ep_attach(port, c) < 0) {
			if (c) {
				c->flags |= SM__C_CLOSED;
				sm__conn_release(port, c);
			}
			port->st.accept_dropped++;
			close(fd);
			continue;
		}
		port->st.accepted++;
		sm__rx_event(port, c, SM_F_ACCEPT, 0);
		c->eng |= EP_READABLE;  /* data may have come with the SYN ACK */
		rxready_add(port, c);
	}
	rxready_add(port, l);  /* budget or room ran out: more next time */
}

/* Read from c until drained, its budget is spent or room runs out: one
 * buffer per recv() while reads come short (small messages), a readv()
 * over up to EP_RX_IOV once one has filled its buffer (a stream).
 * Returns false when reading stopped for lack of room or buffers. */
static bool ep_read(struct sm_port *port, struct sm__conn *c)
{
	struct sm__pool *p = &port->pool;
	struct iovec iov[EP_RX_IOV];
	uint32_t b[EP_RX_IOV], n, k, i, want = 1;
	size_t left;
	ssize_t r;

	for (n = 0; n < EP_RX_BUDGET; n += k) {
		k = sm__rx_room(port);
		if (k == 0) {
			port->st.rx_stalls++;
			return false;
		}
		k = k < want ? k : want;
		k = k < EP_RX_BUDGET - n ? k : EP_RX_BUDGET - n;
		for (i = 0; i < k && sm__rx_avail(port); i++) {
			b[i] = sm__pool_get(p, SM__OWN_RXQ);
			iov[i].iov_base = sm__pool_buf(p, b[i]);
			iov[i].iov_len = p->buf_size;
		}
		if ((k = i) == 0) {
			port->st.pool_empty++;
			port->st.rx_stalls++;
			return false;
		}
		port->st.syscalls++;
		r = k == 1 ? recv(c->fd, iov[0].iov_base, p->buf_size, 0)
			   : readv(c->fd, iov, (int)k);
		for (i = 0, left = r > 0 ? (size_t)r : 0; i < k; i++) {
			size_t len = left < p->buf_size ? left : p->buf_size;

			if (len)
				sm__rx_data(port, c, b[i], (uint32_t)len);
			else
				sm__pool_put(p, b[i]);
			left -= len;
		}
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			c->eng &= ~EP_READABLE;
			if (r == 0)
				sm__rx_event(port, c, SM_F_EOF, 0);
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				sm__rx_event(port, c, SM_F_ERR, errno);
			return true;
		}
		if ((size_t)r < k * p->buf_size && !(c->eng & EP_HUP)) {
			/* Short read: drained; the next byte brings an edge.
			 * Not so for a FIN reported by the edge we consumed:
			 * then read on until recv() says 0. */
			c->eng &= ~EP_READABLE;
			return true;
		}
		want = EP_RX_IOV;
	}
	return true;
}

/* Serve the ready list once; conns still readable go to its end. */
static void ep_rx(struct sm_port *port)
{
	struct ep *e = port->eng;
	struct sm__clist list = e->rxready;
	struct sm__conn *c;
	uint32_t i;

	sm__clist_init(&e->rxready);
	for (i = list.head; i != SM__NONE; ) {
		c = sm__conn_at(port, i);
		i = c->next_rx;
		c->flags &= ~SM__C_ON_RXREADY;
		if (c->flags & SM__C_CLOSED) {
			sm__conn_release(port, c);
			continue;
		}
		/* Paused: dropped from the list, READABLE remembered. */
		if (c->flags & (SM__C_CLOSING | SM__C_RX_DONE | SM__C_PAUSED))
			continue;
		if (c->flags & SM__C_LISTENER) {
			ep_accept(port, c);
			continue;
		}
		if (!ep_read(port, c)) {
			/* Room or buffers ran out at c: the conns not reached
			 * go first next time, c after them (round robin;
			 * else the head of the list took the room every
			 * round and the tail waited for ever). */
			while (i != SM__NONE) {
				struct sm__conn *o = sm__conn_at(port, i);

				i = o->next_rx;
				o->flags &= ~SM__C_ON_RXREADY;
				rxready_add(port, o);
			}
			rxready_add(port, c);
			break;
		}
		if (c->eng & EP_READABLE)
			rxready_add(port, c);
	}
}

static void ep_event(struct sm_port *port, const struct epoll_event *ev)
{
	uint32_t i = (uint32_t)ev->data.u64;
	struct sm__conn *c = sm__conn_at(port, i);

	if (c->gen != (uint32_t)(ev->data.u64 >> 32) ||
	    (c->flags & SM__C_CLOSED))
		return;  /* a stale event of a closed socket */
	if ((ev->events & (EPOLLOUT | EPOLLERR)) &&
	    !(c->flags & SM__C_LISTENER)) {
		c->eng |= EP_WRITABLE;
		if (c->txq.count)
			sm__txready(port, c);
	}
	if (ev->events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		c->eng |= EP_HUP;
	if (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
		c->eng |= EP_READABLE;
		rxready_add(port, c);
	}
}

static int ep_sync(struct sm_port *port, int timeout_ms)
{
	struct ep *e = port->eng;
	bool work = sm__txready_peek(port) != NULL;
	int n, i;

	timeout_ms = sm__accept_timeout(port, timeout_ms);
	ep_tx(port);
	/* Sockets left readable only help if there is room and a buffer to
	 * read into; otherwise sleep until sends free some (no spinning). */
	if (port->nowait || sm__txready_peek(port) ||
	    (e->rxready.head != SM__NONE && sm__rx_room(port) > 0 &&
	     sm__rx_avail(port) > 0))
		timeout_ms = 0;
	port->st.syscalls++;
	n = epoll_wait(e->epfd, e->ev, EP_EVENTS, timeout_ms);
	if (n < 0)
		n = 0;  /* EINTR: the caller syncs again */
	for (i = 0; i < n; i++)
		ep_event(port, &e->ev[i]);
	if (n > 0 || work)
		port->st.work_syncs++;
	ep_rx(port);
	/* Sockets that became writable again: do not wait a whole sync. */
	ep_tx(port);
	return 0;
}

static void ep_pause(struct sm_port *port, struct sm__conn *c)
{
	if (!(c->flags & SM__C_PAUSED) && (c->eng & EP_READABLE))
		rxready_add(port, c);
}

/* EPIOCSPARAMS (Linux 6.9): epoll_wait busy-polls the NAPI of the ready
 * sockets for up to busy_poll_usec, preferring it to softirq processing.
 * This is also the paper's "Linux busy_poll" baseline.  The NAPI ids are
 * the kernel's to find (from the sockets). */
static int ep_busy_poll(struct sm_port *port, const uint32_t *ids, int n)
{
	struct ep *e = port->eng;
	struct epoll_params p;

	(void)ids;
	(void)n;
	memset(&p, 0, sizeof(p));
	p.busy_poll_usecs = port->cfg.busy_poll_usec;
	p.busy_poll_budget = (uint16_t)port->cfg.busy_poll_budget;
	p.prefer_busy_poll = 1;
	if (ioctl(e->epfd, EPIOCSPARAMS, &p) < 0)
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	return 0;
}

const struct sm__engine_ops sm__engine_epoll = {
	.id = SM_ENGINE_EPOLL,
	.init = ep_init,
	.fini = ep_fini,
	.attach = ep_attach,
	.sync = ep_sync,
	.refill = ep_refill,
	.pause = ep_pause,
	.accept_again = rxready_add,
	.busy_poll = ep_busy_poll,
};
