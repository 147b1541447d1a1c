/* conn_sim.c: one connection driven through server.c's own rounds, for the fuzzers. */
#include <stdlib.h>
#include <string.h>

#include "conn_sim.h"
#include "stackmap.h"

void csim_init(struct csim *k, struct srv *s, int fd, uint64_t now_ms,
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
	srv_clock(s, now_ms);
	k->s = s;
	k->fd = fd;
	k->tx_seen = sm_txring(s->port)->head;
	k->inspect = inspect;
	k->arg = arg;
}

static struct csim_ev *push(struct csim *k)
{
	if (k->nev == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 8;
		k->ev = realloc(k->ev, k->cap * sizeof(*k->ev));
		if (!k->ev)
			abort();
	}
	return memset(&k->ev[k->nev++], 0, sizeof(*k->ev));
}

/* Given as an exact-size copy, so that ASan sees any read beyond it. */
void csim_data(struct csim *k, const void *p, size_t len)
{
	struct csim_ev *e = push(k);

	e->p = malloc(len ? len : 1);
	if (!e->p)
		abort();
	memcpy(e->p, p, len);
	e->len = len;
}

void csim_eof(struct csim *k)
{
	push(k)->flags = SM_F_EOF;
}

/* The round's input step: the slots srv_run would see, handed to
 * server.c's own code. */
static void play(struct srv *s, void *arg)
{
	struct csim *k = arg;
	struct sm_slot sl = { .fd = k->fd, .buf_idx = SM_NO_BUF };
	size_t i;

	for (i = 0; i < k->nev; i++) {
		struct csim_ev *e = &k->ev[i];

		if (e->flags) {
			sl.flags = e->flags;
			srv_on_slot(s, &sl);
			continue;
		}
		if (!srv_conn(s, k->fd)->open) {
			sl.flags = SM_F_ACCEPT;
			srv_on_slot(s, &sl);
		}
		srv_data(s, k->fd, e->p, e->len);
		free(e->p);
	}
	k->nev = 0;
}

/* Show the harness what was written into TX slots since the last look. */
static void inspect_tx(void *arg)
{
	struct csim *k = arg;
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

void csim_round(struct csim *k, uint64_t now_ms, bool sync)
{
	struct srv_feed f = { .arg = k, .no_sync = !sync, .now_ms = now_ms,
			      .tx = inspect_tx, .rx = play };

	if (srv_step(k->s, 0, &f) < 0)
		abort();
}

bool csim_finish(struct csim *k, uint64_t now_ms, unsigned rounds)
{
	bool done = false;

	while (rounds-- && !done) {
		csim_round(k, now_ms, true);
		done = !k->s->npend;
	}
	/* What the last round wrote goes out, and is inspected. */
	out_flush(&k->s->w);
	inspect_tx(k);
	if (sm_sync(k->s->port, 0) < 0)
		abort();
	return done;
}

void csim_fini(struct csim *k)
{
	while (k->nev)
		free(k->ev[--k->nev].p);
	free(k->ev);
	k->ev = NULL;
	k->nev = k->cap = 0;
}
