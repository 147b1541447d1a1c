/* SPDX-License-Identifier: BSD-2-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server.h"

#define IN_MIN 4096

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void synced(struct srv *s);

void srv_init(struct srv *s, struct sm_port *port, const struct srv_ops *ops,
	      void *app, const struct srv_limits *lim)
{
	static const struct srv_limits dflt = SRV_LIMITS_DEFAULT;

	memset(s, 0, sizeof(*s));
	s->port = port;
	s->ops = ops;
	s->app = app;
	s->lim = lim ? *lim : dflt;
	s->listen_fd = -1;
	out_init(&s->w, port);
	srv_clock(s, mono_ms());
	s->bufs_free0 = sm_bufs_free(port);  /* nothing is in use yet */
	synced(s);
}

void srv_clock(struct srv *s, uint64_t now_ms)
{
	s->now_ms = s->tick_ms = now_ms;
}

struct srv_conn *srv_conn(struct srv *s, int fd)
{
	size_t n, sz = s->ops->conn_size;

	if (fd < 0)
		return NULL;
	if ((size_t)fd >= s->nconns) {
		n = s->nconns ? s->nconns : 1024;
		while (n <= (size_t)fd)
			n *= 2;
		s->conns = realloc(s->conns, n * sz);
		if (!s->conns)
			abort();  /* out of memory: nothing sane to do */
		memset(s->conns + s->nconns * sz, 0, (n - s->nconns) * sz);
		s->nconns = n;
	}
	return (struct srv_conn *)(s->conns + (size_t)fd * sz);
}

void srv_pend(struct srv *s, int fd, struct srv_conn *c)
{
	if (c->pending)
		return;
	if (s->npend == s->pend_cap) {
		s->pend_cap = s->pend_cap ? s->pend_cap * 2 : 256;
		s->pend = realloc(s->pend, s->pend_cap * sizeof(*s->pend));
		if (!s->pend)
			abort();
	}
	s->pend[s->npend++] = fd;
	c->pending = true;
}

bool srv_pending(const struct srv_conn *c)
{
	return c->pending;
}

void *srv_reserve(struct srv *s, int fd, struct srv_conn *c, uint32_t *room)
{
	return out_reserve(&s->w, fd, &c->q, room);
}

void srv_commit(struct srv *s, struct srv_conn *c, uint32_t len)
{
	out_commit(&s->w, &c->q, len);
}

void srv_write(struct srv *s, int fd, struct srv_conn *c, const void *data,
	       size_t len)
{
	out_write(&s->w, fd, &c->q, data, len);
	if (c->q.bytes)
		srv_pend(s, fd, c);
}

static void release(struct srv *s, int fd, struct srv_conn *c)
{
	s->ops->on_release(s, fd, c);
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	out_q_free(&c->q);
	c->open = false;
	s->curr--;
}

/*
 * Output the library holds for one connection (handed over in TX slots,
 * not yet taken by the kernel) comes from the pool all connections share:
 * a client that does not read must not fill it.  Up to 256 KiB (128
 * default buffers) while 8 MiB or more of the pool is free (half the
 * default pool), then 1/32 of what is free, at least 16 KiB: the more is
 * held, the less one more slow reader can take.  More waits in the app's
 * own queue, up to out_limit; beyond that the connection is not read.
 * What the pool still cannot take back is reclaimed by check_stalls().
 */
#define LIB_LIMIT (256 << 10)
#define LIB_MIN (16 << 10)

/* After each sm_sync(). */
static void synced(struct srv *s)
{
	size_t l = (size_t)sm_bufs_free(s->port) * s->w.tx->buf_size / 32;

	out_synced(&s->w);
	s->lib_limit = l > LIB_LIMIT ? LIB_LIMIT : l < LIB_MIN ? LIB_MIN : l;
}

/* What the library holds for fd changes only in sm_sync(): asked once a
 * round (sm_tx_queued() walks fd's queue), then what this round added. */
static size_t lib_held(struct srv *s, int fd, struct srv_conn *c)
{
	if (c->lib_gen != s->w.gen) {
		int64_t n = sm_tx_queued(s->port, fd);

		c->lib_queued = n > 0 ? (size_t)n : 0;
		c->lib_gen = s->w.gen;
	}
	return c->lib_queued + out_in_ring(&s->w, &c->q);
}

bool srv_lib_full(struct srv *s, int fd, struct srv_conn *c)
{
	return lib_held(s, fd, c) >= s->lib_limit;
}

bool srv_busy(struct srv *s, int fd, struct srv_conn *c)
{
	return c->q.bytes > s->lim.out_limit || srv_lib_full(s, fd, c) ||
	       (s->ops->busy && s->ops->busy(c));
}

/* Keep unconsumed input; a connection over in_max is closed. */
static void stash(struct srv *s, int fd, struct srv_conn *c, const char *p,
		  size_t n)
{
	size_t cap = IN_MIN;

	if (c->in_len + n > s->lim.in_max) {
		srv_close(s, fd, c);
		return;
	}
	while (cap < c->in_len + n)
		cap *= 2;
	if (!c->in || cap > IN_MIN) {
		c->in = realloc(c->in, cap);
		if (!c->in)
			abort();
	}
	memmove(c->in + c->in_len, p, n);
	c->in_len += n;
}

static void feed_stash(struct srv *s, int fd, struct srv_conn *c)
{
	size_t n = s->ops->on_input(s, fd, c, c->in, c->in_len);

	if (!c->open || c->closing)
		return;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* A busy conn is not read: TCP pushes back on the client (sm_rx_pause). */
static void pause_if_busy(struct srv *s, int fd, struct srv_conn *c)
{
	bool b = c->open && !c->closing && srv_busy(s, fd, c);

	if (b != c->paused && sm_rx_pause(s->port, fd, b) == 0)
		c->paused = b;
	if (c->paused)
		srv_pend(s, fd, c);  /* drain_one resumes it once drained */
}

void srv_data(struct srv *s, int fd, const char *p, size_t len)
{
	struct srv_conn *c = srv_conn(s, fd);
	size_t n;

	if (!c->open || c->closing)
		return;
	c->last_ms = s->now_ms;
	if (c->in_len || srv_busy(s, fd, c)) {
		stash(s, fd, c, p, len);
		if (c->open && !c->closing && !srv_busy(s, fd, c))
			feed_stash(s, fd, c);
	} else {
		n = s->ops->on_input(s, fd, c, p, len);  /* in place: usual */
		if (c->open && !c->closing && n < len)
			stash(s, fd, c, p + n, len - n);
	}
	pause_if_busy(s, fd, c);
}

/*
 * Everything fd had to say is written: close it once the library has
 * sent all of it.  A close handed over with output still queued would
 * leave the library holding those buffers for as long as the peer does
 * not read, out of the app's sight; waiting here, check_stalls() can
 * still reset the connection.
 */
static void finish_close(struct srv *s, int fd, struct srv_conn *c)
{
	if (c->reset) {
		if (!out_reset(&s->w, fd, &c->q)) {
			srv_pend(s, fd, c);  /* the TX ring is full */
			return;
		}
		release(s, fd, c);
		return;
	}
	if (!c->close_sent) {
		if (lib_held(s, fd, c)) {
			srv_pend(s, fd, c);
			return;
		}
		c->close_sent = true;
		out_close(&s->w, fd, &c->q);
	}
	if (c->q.close_after)
		srv_pend(s, fd, c);  /* the ring was full: out_drain closes */
	else
		release(s, fd, c);
}

/* Move fd's pending output into TX slots, then serve its kept input. */
static void drain_one(struct srv *s, int fd)
{
	struct srv_conn *c = srv_conn(s, fd);
	size_t held;

	c->pending = false;
	if (!c->open)
		return;
	if (c->reset) {
		finish_close(s, fd, c);
		return;
	}
	held = lib_held(s, fd, c);
	if (held >= s->lib_limit) {
		srv_pend(s, fd, c);  /* wait until the kernel takes some */
		return;
	}
	if (!out_drain(&s->w, fd, &c->q, s->lib_limit - held) ||
	    (s->ops->on_drain && !s->ops->on_drain(s, fd, c))) {
		srv_pend(s, fd, c);
		return;
	}
	if (c->closing) {
		finish_close(s, fd, c);
		return;
	}
	if (c->in_len && !srv_busy(s, fd, c))
		feed_stash(s, fd, c);
	if (c->eof && c->open && !c->closing && !srv_busy(s, fd, c)) {
		srv_close(s, fd, c);  /* what is left can never complete */
		return;
	}
	pause_if_busy(s, fd, c);
}

/* Move pending output into TX slots, and serve the input it held back. */
static void drain(struct srv *s)
{
	size_t i, n = s->npend, cap = s->pend_cap;
	int *list = s->pend;

	/* Conns that still wait go on the other list (two lists swapped
	 * every round: no allocation once they are grown). */
	s->pend = s->pend_spare;
	s->pend_cap = s->spare_cap;
	s->npend = 0;
	for (i = 0; i < n; i++)
		drain_one(s, list[i]);
	s->pend_spare = list;
	s->spare_cap = cap;
}

/* The close completes in drain(), after the current callback: the
 * caller may still be parsing c->in. */
void srv_close(struct srv *s, int fd, struct srv_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->in_len = 0;
	s->again = true;
	srv_pend(s, fd, c);
}

void srv_reset(struct srv *s, int fd, struct srv_conn *c)
{
	c->reset = true;
	c->closing = true;
	c->in_len = 0;
	s->again = true;
	srv_pend(s, fd, c);
}

/*
 * Output that does not move.  A connection whose peer took no byte of its
 * queued output (the app's or the library's) for send_timeout_ms, or
 * that holds pool buffers the kernel took none of for a second while less
 * than 1/8 of the buffers free when idle are left, is reset: its buffers
 * go back at once.
 * Without this, clients that never read would keep their share of the
 * pool for ever and, enough of them, all of it.
 */
static void check_stalls(struct srv *s)
{
	bool low = sm_bufs_free(s->port) < s->bufs_free0 / 8;
	size_t fd;

	for (fd = 0; fd < s->nconns; fd++) {
		struct srv_conn *c = srv_conn(s, (int)fd);
		size_t lib;
		uint64_t sent, stalled;

		if (!c->open || c->reset || c->close_sent)
			continue;
		lib = lib_held(s, (int)fd, c);
		sent = c->q.slotted > lib ? c->q.slotted - lib : 0;
		if ((!lib && !c->q.bytes) || sent != c->sent) {
			c->sent = sent;
			c->sent_ms = s->now_ms;
			continue;
		}
		stalled = s->now_ms - c->sent_ms;
		if (s->lim.send_timeout_ms && stalled >= s->lim.send_timeout_ms)
			s->send_timeouts++;
		else if (low && lib && stalled >= 1000)
			s->pool_resets++;  /* it holds pool buffers */
		else
			continue;
		srv_reset(s, (int)fd, c);
	}
}

/* Once a second: stalled output, then the app's on_tick. */
static void tick(struct srv *s)
{
	check_stalls(s);
	if (s->ops->on_tick)
		s->ops->on_tick(s);
}

void srv_on_slot(struct srv *s, const struct sm_slot *sl)
{
	struct srv_conn *c = srv_conn(s, sl->fd);

	if (sl->flags & SM_F_ACCEPT) {
		memset(c, 0, s->ops->conn_size);
		c->open = true;
		c->last_ms = c->sent_ms = s->now_ms;
		s->curr++;
		s->total++;
		s->ops->on_open(s, sl->fd, c);
	} else if (sl->flags & (SM_F_EOF | SM_F_ERR)) {
		if (!c->open)
			return;
		if (sl->flags & SM_F_ERR) {
			srv_reset(s, sl->fd, c);  /* nobody will read it */
		} else if (c->in_len) {
			/* A half-close after pipelined requests: they are
			 * still answered (drain_one closes afterwards). */
			c->eof = true;
			srv_pend(s, sl->fd, c);
		} else {
			srv_close(s, sl->fd, c);
		}
	} else {
		srv_data(s, sl->fd, (const char *)sm_buf(s->port, sl->buf_idx) +
			sl->off, sl->len);
	}
}

/*
 * One round, from a request's point of view: its bytes arrive in an RX
 * slot and go to the app's on_input in place (srv_data).  Three detours:
 *  - stash: what on_input leaves (a partial request), or all of it while
 *    the connection is busy, is kept in c->in and offered again later;
 *  - drain: a connection with output the library could not take yet (or
 *    a file still to read, or input kept) is on the pending list, and
 *    drain() moves its output into TX slots and feeds its kept input, at
 *    the round's start (room freed by the sync) and end (this round's);
 *  - lazy TX publish: out.c packs the app's writes into TX slots, and
 *    a slot still open (not full, no other socket wrote since) is
 *    published only by out_flush() at the next round's start, so small
 *    answers share slots and one sync sends every answer of a round.
 */
int srv_step(struct srv *s, int wait_ms, const struct srv_feed *f)
{
	struct sm_ring *rx = sm_rxring(s->port);
	int ret;

	if (!f || !f->no_sync) {
		out_flush(&s->w);
		if (f && f->tx)
			f->tx(f->arg);
		/* Connections wait for the library to send what this round
		 * wrote (a close, more output), or were just closed: no
		 * sleep.  Output that could not move waits for the
		 * completions or events that free room, which wake the
		 * sync. */
		ret = sm_sync(s->port, s->npend && (s->w.moved || s->again) ?
				       0 : wait_ms);
		s->again = false;
		if (ret < 0)
			return ret;
		synced(s);
	}
	s->now_ms = f ? f->now_ms : mono_ms();
	drain(s);
	if (f) {
		f->rx(s, f->arg);
	} else {
		while (!sm_ring_empty(rx)) {
			srv_on_slot(s, &rx->slot[rx->head]);
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
		}
	}
	drain(s);
	if (s->now_ms - s->tick_ms >= 1000) {
		s->tick_ms = s->now_ms;
		tick(s);
	}
	return 0;
}

/* Graceful stop: a connection with nothing in flight (no output to
 * move, no partial request) is closed; the others finish first. */
static void close_idle(struct srv *s)
{
	size_t fd;

	for (fd = 0; fd < s->nconns; fd++) {
		struct srv_conn *c = srv_conn(s, (int)fd);

		if (c->open && !c->closing && !c->pending && !c->in_len)
			srv_close(s, (int)fd, c);
	}
}

static int drain_gracefully(struct srv *s, atomic_int *stop)
{
	uint64_t end = mono_ms() + s->lim.shutdown_ms;
	int ret;

	/* A listener shut down fails its accepts: the library reports it
	 * once (SM_F_ERR) and the kernel refuses new connections. */
	if (s->listen_fd >= 0)
		shutdown(s->listen_fd, SHUT_RDWR);
	while (s->curr > 0 && s->now_ms < end &&
	       atomic_load_explicit(stop, memory_order_relaxed) < 2) {
		close_idle(s);
		if ((ret = srv_step(s, 100, NULL)) < 0)
			return ret;
	}
	return 0;
}

int srv_run(struct srv *s, atomic_int *stop)
{
	int ret;

	/* A bounded wait: a signal just before it is seen in 500 ms. */
	while (!atomic_load_explicit(stop, memory_order_relaxed))
		if ((ret = srv_step(s, 500, NULL)) < 0)
			return ret;
	if (s->lim.shutdown_ms && (ret = drain_gracefully(s, stop)) < 0)
		return ret;
	/* Hand back the RX slots consumed last and push what is queued, so
	 * the final counters show buffers as they really are. */
	out_flush(&s->w);
	ret = sm_sync(s->port, 0);
	return ret < 0 ? ret : 0;
}

void srv_stats_add(struct srv *to, const struct srv *from)
{
	to->send_timeouts += from->send_timeouts;
	to->pool_resets += from->pool_resets;
	to->total += from->total;
}

void srv_print_stats(FILE *f, const char *prog, const struct srv *s)
{
	fprintf(f, "%s: srv send_timeouts=%" PRIu64 " pool_resets=%" PRIu64
		" conns_total=%" PRIu64 "\n", prog, s->send_timeouts,
		s->pool_resets, s->total);
}

void srv_fini(struct srv *s)
{
	size_t fd;

	for (fd = 0; fd < s->nconns; fd++) {
		struct srv_conn *c = srv_conn(s, (int)fd);

		if (c->open)
			release(s, (int)fd, c);
	}
	free(s->conns);
	free(s->pend);
	free(s->pend_spare);
}
