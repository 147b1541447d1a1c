/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * memcached_conn.c: sm-memcached's per-connection code, the callbacks of
 * mcd_ops that apps/common/server.c calls: each connection's bytes go to
 * the protocol engine in place, its answers into the connection's output.
 * Separate from main() so that a harness (tests/fuzz/fuzz_mc_conn.c) can
 * drive it without a socket.
 */
#include <string.h>
#include <stddef.h>
#include <sys/types.h>

#include "mc_proto.h"
#include "memcached.h"
#include "server.h"

struct mconn {
	struct srv_conn sc;        /* first: the shared bookkeeping */
	struct mc_conn mc;
	bool rejected;             /* over -c: not counted as current */
};

struct sink {                      /* mc_out's context for one call */
	struct srv *s;
	int fd;
	struct srv_conn *c;
};

#define MC(c) (&((struct mconn *)(c))->mc)
#define APP(s) ((struct mcd *)(s)->app)

__thread struct mcd *mcd_self;

void mcd_lock(struct mcd_shared *sh)
{
	if (sh->threaded)
		pthread_mutex_lock(&sh->lock);
}

void mcd_unlock(struct mcd_shared *sh)
{
	if (sh->threaded)
		pthread_mutex_unlock(&sh->lock);
}

/* The info's counters are read by "stats" in any worker, unlocked. */
static void count(uint64_t *v, int64_t n)
{
	__atomic_add_fetch(v, (uint64_t)n, __ATOMIC_RELAXED);
}

static void sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *k = ctx;

	srv_write(k->s, k->fd, k->c, data, len);
}

static bool sink_full(void *ctx)
{
	struct sink *k = ctx;

	return srv_busy(k->s, k->fd, k->c);
}

static void m_open(struct srv *s, int fd, struct srv_conn *c)
{
	struct mcd_shared *sh = APP(s)->sh;

	bool over;

	mc_conn_init(MC(c));
	MC(c)->srv = &sh->info;
	mcd_lock(sh);
	/* -c is the whole server's, over all workers: as memcached, the
	 * connection over it is told so and closed. */
	over = sh->info.maxconns > 0 &&
	       sh->info.curr_connections >= (uint64_t)sh->info.maxconns;
	count(over ? &sh->info.rejected_connections :
		     &sh->info.curr_connections, 1);
	count(&sh->info.total_connections, 1);
	mcd_unlock(sh);
	if (over) {
		static const char msg[] = "ERROR Too many open connections\r\n";

		((struct mconn *)c)->rejected = true;
		srv_write(s, fd, c, msg, sizeof(msg) - 1);
		srv_close(s, fd, c);
	}
}

static void m_release(struct srv *s, int fd, struct srv_conn *c)
{
	struct mcd_shared *sh = APP(s)->sh;

	(void)fd;
	mcd_lock(sh);
	if (!((struct mconn *)c)->rejected)
		count(&sh->info.curr_connections, -1);
	mcd_unlock(sh);
	mc_conn_release(MC(c));
}

/* Once a second: publish this worker's counters for "stats". */
static void m_tick(struct srv *s)
{
	struct mcd *m = APP(s);

	if (!m->sh->threaded)
		return;
	mcd_lock(m->sh);
	sm_stats(s->port, &m->snap);
	m->snap_send_timeouts = s->send_timeouts;
	m->snap_pool_resets = s->pool_resets;
	mcd_unlock(m->sh);
}

/* Commands are offered one line at a time, so that a buffer of pipelined
 * gets of large items stops when this connection's output is over the
 * limit (the rest is kept and offered again once it drained). */
static size_t m_input(struct srv *s, int fd, struct srv_conn *c,
		      const char *buf, size_t len)
{
	struct sink k = { s, fd, c };
	struct mc_out out = { &k, sink_write, sink_full };
	size_t off = 0, want;
	ssize_t n;

	while (off < len && !srv_busy(s, fd, c)) {
		const char *nl = memchr(buf + off, '\n', len - off);

		want = nl ? (size_t)(nl - buf) + 1 - off : len - off;
		mcd_self = APP(s);
		n = mc_execute(&APP(s)->mt, MC(c), buf + off, want, &out);
		if (n < 0) {  /* quit, or an error memcached closes on */
			srv_close(s, fd, c);
			return len;
		}
		off += (size_t)n;
		if ((size_t)n < want)
			break;  /* an incomplete line: wait for more */
	}
	return off;
}

const struct srv_ops mcd_ops = {
	.conn_size = sizeof(struct mconn),
	.on_open = m_open,
	.on_input = m_input,
	.on_release = m_release,
	.on_tick = m_tick,
};
