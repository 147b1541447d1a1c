/* conn_sim.c: server.c's handling of one connection, reproduced for the fuzzers. */
#include <stdlib.h>
#include <string.h>

#include "conn_sim.h"
#include "stackmap.h"

#define IN_MIN 4096                /* server.c's */

void csim_init(struct csim *k, struct srv *s, int fd,
	       void (*inspect)(void *arg, const char *p, size_t n), void *arg)
{
	memset(k, 0, sizeof(*k));
	k->s = s;
	k->fd = fd;
	k->tx_seen = sm_txring(s->port)->head;
	k->tick_ms = s->now_ms;
	k->inspect = inspect;
	k->arg = arg;
}

struct srv_conn *csim_conn(struct csim *k)
{
	return srv_conn(k->s, k->fd);
}

/* server.c: release() */
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

/* server.c: busy() */
static bool busy(const struct srv *s, const struct srv_conn *c)
{
	return c->q.bytes > s->out_limit || (s->ops->busy && s->ops->busy(c));
}

/* server.c: stash() */
static void stash(struct srv *s, int fd, struct srv_conn *c, const char *p,
		  size_t n)
{
	size_t cap = IN_MIN;

	if (c->in_len + n > s->in_max) {
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

/* server.c: feed_stash() */
static void feed_stash(struct srv *s, int fd, struct srv_conn *c)
{
	size_t len = c->in_len;   /* srv_close() zeroes c->in_len */
	size_t n = s->ops->on_input(s, fd, c, c->in, len);

	if (n > len)
		abort();  /* on_input consumed more than it was given */
	if (!c->open || c->closing)
		return;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* server.c: pause_if_busy().  The fd is not attached, so the library
 * answers -EBADF and nothing changes, as for a socket already closing. */
static void pause_if_busy(struct srv *s, int fd, struct srv_conn *c)
{
	bool b = c->open && !c->closing && busy(s, c);

	if (b != c->paused && sm_rx_pause(s->port, fd, b) == 0)
		c->paused = b;
}

/* server.c: on_data() */
void csim_data(struct csim *k, const char *p, size_t len)
{
	struct srv *s = k->s;
	struct srv_conn *c = srv_conn(s, k->fd);
	size_t n;

	if (!c->open || c->closing)
		return;
	c->last_ms = s->now_ms;
	if (c->in_len || busy(s, c)) {
		stash(s, k->fd, c, p, len);
		if (c->open && !c->closing && !busy(s, c))
			feed_stash(s, k->fd, c);
	} else {
		n = s->ops->on_input(s, k->fd, c, p, len);
		if (n > len)
			abort();  /* on_input consumed more than it was given */
		if (c->open && !c->closing && n < len)
			stash(s, k->fd, c, p + n, len - n);
	}
	pause_if_busy(s, k->fd, c);
}

/* server.c: on_slot(), SM_F_ACCEPT */
void csim_accept(struct csim *k)
{
	struct srv *s = k->s;
	struct srv_conn *c = srv_conn(s, k->fd);

	memset(c, 0, s->ops->conn_size);
	c->open = true;
	c->last_ms = s->now_ms;
	s->curr++;
	s->total++;
	s->ops->on_open(s, k->fd, c);
}

/* server.c: on_slot(), SM_F_EOF */
void csim_eof(struct csim *k)
{
	struct srv_conn *c = srv_conn(k->s, k->fd);

	if (c->open)
		srv_close(k->s, k->fd, c);
}

/* server.c: finish_close() */
static void finish_close(struct srv *s, int fd, struct srv_conn *c)
{
	if (!c->q.close_after && !c->q.bytes)
		out_close(&s->w, fd, &c->q);
	if (c->q.close_after)
		srv_pend(s, fd, c);
	else
		release(s, fd, c);
}

/* server.c: drain_one() */
static void drain_one(struct srv *s, int fd)
{
	struct srv_conn *c = srv_conn(s, fd);

	c->pending = false;
	if (!c->open)
		return;
	if (!out_drain(&s->w, fd, &c->q) ||
	    (s->ops->on_drain && !s->ops->on_drain(s, fd, c))) {
		srv_pend(s, fd, c);
		return;
	}
	if (c->closing) {
		finish_close(s, fd, c);
		return;
	}
	if (c->in_len && !busy(s, c))
		feed_stash(s, fd, c);
	pause_if_busy(s, fd, c);
}

/* server.c: drain_all() */
static void drain_all(struct srv *s)
{
	size_t i, n = s->npend;
	int *list = s->pend;

	s->pend = NULL;
	s->npend = s->pend_cap = 0;
	for (i = 0; i < n; i++)
		drain_one(s, list[i]);
	free(list);
}

/* Show the harness what was written into TX slots since the last look. */
static void inspect_tx(struct csim *k)
{
	struct sm_ring *tx = sm_txring(k->s->port);
	uint32_t i;

	for (i = k->tx_seen; i != tx->head; i = sm_ring_next(tx, i)) {
		struct sm_slot *sl = &tx->slot[i];

		if (sl->fd != k->fd)
			abort();  /* out.c wrote for another socket */
		if (k->inspect && sl->len)
			k->inspect(k->arg, (const char *)sm_buf(k->s->port,
				   sl->buf_idx) + sl->off, sl->len);
	}
	k->tx_seen = tx->head;
}

void csim_sync(struct csim *k, bool sync)
{
	struct srv *s = k->s;

	if (sync) {
		out_flush(&s->w);
		inspect_tx(k);
		if (sm_sync(s->port, 0) < 0)
			abort();
	}
	drain_all(s);
}

void csim_end_iter(struct csim *k, uint64_t now_ms)
{
	struct srv *s = k->s;

	drain_all(s);
	s->now_ms = now_ms;
	if (s->ops->on_tick && s->now_ms - k->tick_ms >= 1000) {
		k->tick_ms = s->now_ms;
		s->ops->on_tick(s);
	}
}

bool csim_finish(struct csim *k, unsigned rounds)
{
	struct srv *s = k->s;

	while (rounds--) {
		csim_sync(k, true);
		if (!s->npend)
			break;
	}
	out_flush(&s->w);
	inspect_tx(k);
	if (sm_sync(s->port, 0) < 0)
		abort();
	return s->npend == 0;
}
