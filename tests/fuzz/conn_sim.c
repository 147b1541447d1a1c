/* conn_sim.c: one connection driven through server.c's own code, for the fuzzers. */
#include <stdlib.h>
#include <string.h>

#include "conn_sim.h"
#include "stackmap.h"

void csim_init(struct csim *k, struct srv *s, int fd,
	       void (*inspect)(void *arg, const char *p, size_t n), void *arg)
{
	memset(k, 0, sizeof(*k));
	/*
	 * The connection table sized for fd, not srv_conn()'s first 1024
	 * entries: per input, allocating and clearing those (an mmap under
	 * ASan) and on_tick's walk over them (every comparison traced for
	 * the value profile) took most of the time.  srv_conn() grows the
	 * table as ever; the servers' code sees the same open and closed
	 * entries, only fewer closed ones.
	 */
	if (!s->conns) {
		s->conns = calloc((size_t)fd + 1, s->ops->conn_size);
		if (!s->conns)
			abort();
		s->nconns = (size_t)fd + 1;
	}
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

/* The slots srv_run would see, handed to server.c's own code. */
void csim_accept(struct csim *k)
{
	struct sm_slot sl = { .fd = k->fd, .buf_idx = SM_NO_BUF,
			      .flags = SM_F_ACCEPT };

	srv_on_slot(k->s, &sl);
}

void csim_eof(struct csim *k)
{
	struct sm_slot sl = { .fd = k->fd, .buf_idx = SM_NO_BUF,
			      .flags = SM_F_EOF };

	srv_on_slot(k->s, &sl);
}

/* Given as an exact-size copy, so that ASan sees any read beyond it. */
void csim_data(struct csim *k, const char *p, size_t len)
{
	srv_data(k->s, k->fd, p, len);
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
		srv_synced(s);
	}
	srv_drain(s);
}

void csim_end_iter(struct csim *k, uint64_t now_ms)
{
	struct srv *s = k->s;

	srv_drain(s);
	s->now_ms = now_ms;
	if (s->now_ms - k->tick_ms >= 1000) {
		k->tick_ms = s->now_ms;
		srv_tick(s);
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
