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
};

struct sink {                      /* mc_out's context for one call */
	struct srv *s;
	int fd;
	struct srv_conn *c;
};

#define MC(c) (&((struct mconn *)(c))->mc)
#define APP(s) ((struct mcd *)(s)->app)

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
	(void)fd;
	mc_conn_init(MC(c));
	MC(c)->srv = &APP(s)->info;
	APP(s)->info.curr_connections = s->curr;
	APP(s)->info.total_connections = s->total;
}

static void m_release(struct srv *s, int fd, struct srv_conn *c)
{
	(void)fd;
	mc_conn_release(MC(c));
	APP(s)->info.curr_connections = s->curr - 1;
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
		n = mc_execute(&APP(s)->store, MC(c), buf + off, want, &out);
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
};
