/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server.h: the event loop and connection bookkeeping that sm-httpd and
 * sm-memcached share.  An app gives a table of callbacks (redis' ae style)
 * and a connection struct that begins with struct srv_conn.
 *
 * Input is offered to the app in place, in the RX buffer; what it leaves
 * unconsumed (a partial request) is kept in the connection's input buffer
 * and offered again, with the next bytes appended.  Output goes through
 * out.c; a connection whose queued output exceeds out_limit (or that the
 * app says is busy) is offered no input until it drained, so a client that
 * does not read its answers cannot make the server buffer without bound:
 * its socket is not read either (sm_rx_pause) until its output drained.
 */
#ifndef SM_APP_SERVER_H
#define SM_APP_SERVER_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "out.h"
#include "stackmap.h"

struct srv_conn {
	bool open, closing;
	bool pending;              /* on the pending-output list */
	bool paused;               /* reading paused until output drains */
	bool close_sent;           /* SM_F_CLOSE handed to out.c */
	bool eof;                  /* the peer half-closed; kept input is
				    * still served, then the conn closes */
	bool reset;                /* srv_reset(): abort, drop the output */
	char *in;                  /* unconsumed input */
	size_t in_len;
	uint64_t last_ms;          /* last input */
	uint64_t sent;             /* bytes the kernel took, at sent_ms */
	uint64_t sent_ms;          /* last time output moved, or none held */
	size_t lib_queued;         /* sm_tx_queued() in sync round lib_gen */
	uint64_t lib_gen;
	struct out_q q;
};

struct srv;

struct srv_ops {
	size_t conn_size;          /* the app's struct, srv_conn first */
	void (*on_open)(struct srv *s, int fd, struct srv_conn *c);
	/* Consume input; returns the bytes consumed.  May write, close. */
	size_t (*on_input)(struct srv *s, int fd, struct srv_conn *c,
			   const char *buf, size_t len);
	/* Optional: produce more output (file data); true when done. */
	bool (*on_drain)(struct srv *s, int fd, struct srv_conn *c);
	/* Optional: true while the conn must not be offered input. */
	bool (*busy)(const struct srv_conn *c);
	/* Free what the app holds for the connection (also at exit). */
	void (*on_release)(struct srv *s, int fd, struct srv_conn *c);
	/* Optional: once a second. */
	void (*on_tick)(struct srv *s);
};

/* What an app sets, given to srv_init(). */
struct srv_limits {
	size_t in_max;             /* input kept per connection */
	size_t out_limit;          /* queued output that pauses input, in
				    * the app's queue */
	uint64_t send_timeout_ms;  /* output stalled this long: reset, 0 =
				    * never */
	uint64_t shutdown_ms;      /* graceful stop: answers in flight get
				    * this long to finish, 0 = stop at once */
};
#define SRV_LIMITS_DEFAULT \
	{ .in_max = 1u << 20, .out_limit = 256u << 10, .send_timeout_ms = 60000, \
	  .shutdown_ms = 0 }

struct srv {
	struct sm_port *port;
	struct out w;
	const struct srv_ops *ops;
	void *app;
	char *conns;               /* conn_size bytes per fd */
	size_t nconns;
	int *pend;                 /* fds with output pending */
	size_t npend, pend_cap;
	int *pend_spare;           /* the other list: drain() swaps */
	size_t spare_cap;
	uint64_t now_ms;           /* the clock, read once a round */
	uint64_t tick_ms;          /* the last srv_tick() */
	struct srv_limits lim;
	size_t lib_limit;          /* output held in the library that pauses
				    * input (see server.c) */
	uint32_t bufs_free0;       /* free buffers when idle: the pool but
				    * the idle rings' (bufs_idle) */
	int listen_fd;             /* the port's listener, -1 = none
				    * (workers.c): shut at a graceful stop */
	bool again;                /* a conn closed: drain again, no sleep */
	uint64_t curr, total;      /* open and accepted connections */
	uint64_t send_timeouts;    /* conns reset after send_timeout_ms */
	uint64_t pool_resets;      /* conns reset because the pool ran low */
	int run_err;               /* what ended srv_run (workers.c): 0,
				    * or the failed sync's -errno */
};

/* Serve port with ops; lim NULL takes SRV_LIMITS_DEFAULT. */
void srv_init(struct srv *s, struct sm_port *port, const struct srv_ops *ops,
	      void *app, const struct srv_limits *lim);
/* Serve until *stop (set by a signal handler or another worker: a
 * lock-free atomic, so both are defined): srv_step() in a loop, then a
 * last sync.  With lim.shutdown_ms, the stop is graceful: the listener
 * is shut (new connections are refused), idle connections are closed,
 * and the answers in flight get up to shutdown_ms to finish, each
 * connection closed once answered; *stop reaching 2 (a second signal)
 * ends that at once.  0, or -errno when a sync failed. */
int srv_run(struct srv *s, atomic_int *stop);

/*
 * A round's input and clock from a harness that drives a connection
 * without a socket (tests/fuzz/conn_sim.c), so that what it runs is
 * srv_run's own round.  srv_run gives none: a sync every round, the
 * monotonic clock, the RX ring's slots.
 */
struct srv_feed {
	void *arg;
	bool no_sync;              /* no out_flush, no sync (a full ring) */
	uint64_t now_ms;           /* the round's clock */
	/* After out_flush, before the sync: the round's TX slots. */
	void (*tx)(void *arg);
	/* The round's input, handed to srv_on_slot() and srv_data(). */
	void (*rx)(struct srv *s, void *arg);
};
/* One round of srv_run: out_flush(), sm_sync() (waiting up to wait_ms
 * unless output is due), srv_drain(), the input, srv_drain(), and
 * srv_tick() once a second.  f NULL: as srv_run.  0 or the sync's
 * -errno. */
int srv_step(struct srv *s, int wait_ms, const struct srv_feed *f);
/* One RX slot; a data slot's bytes, given as p[0..len) (not necessarily
 * in a pool buffer). */
void srv_on_slot(struct srv *s, const struct sm_slot *sl);
void srv_data(struct srv *s, int fd, const char *p, size_t len);
/* Set the clock and the tick's start (a harness's own clock). */
void srv_clock(struct srv *s, uint64_t now_ms);

/* Add from's own counters (send_timeouts, pool_resets, total) to to's:
 * the sum over workers. */
void srv_stats_add(struct srv *to, const struct srv *from);

/* Print srv's own counters ("PROG: srv send_timeouts=N ...") to f. */
void srv_print_stats(FILE *f, const char *prog, const struct srv *s);

/* Release every connection's app state. */
void srv_fini(struct srv *s);

/* The connection record of fd (NULL for a negative fd).  The table
 * grows on demand (realloc): a record pointer is valid only until the
 * next srv_conn() of a higher fd, so callbacks use the one they are
 * given and do not keep it across rounds. */
struct srv_conn *srv_conn(struct srv *s, int fd);

void srv_write(struct srv *s, int fd, struct srv_conn *c, const void *data,
	       size_t len);
/* Stop reading fd; close it once its queued output is sent. */
void srv_close(struct srv *s, int fd, struct srv_conn *c);
/* Drop fd's output and close it with a reset. */
void srv_reset(struct srv *s, int fd, struct srv_conn *c);
/* True while fd must not be offered input: too much output queued (by
 * the app or in the library) or the app's busy().  Input callbacks that
 * run many requests from one buffer check it between requests. */
bool srv_busy(struct srv *s, int fd, struct srv_conn *c);
/* True while fd's output in the library is at its limit: on_drain
 * callbacks that produce much output check it as they go. */
bool srv_lib_full(struct srv *s, int fd, struct srv_conn *c);

/* fd has more output to produce (on_drain will be called). */
void srv_pend(struct srv *s, int fd, struct srv_conn *c);
/* True while fd is on the pending list: its output is still moving or
 * produced (on_tick callbacks do not take it for idle). */
bool srv_pending(const struct srv_conn *c);

/* Output written in place (file data read straight into a TX slot's
 * buffer): room for up to *room bytes, or NULL while fd has output
 * queued or the TX ring is full.  srv_commit() then hands over the len
 * bytes written there. */
void *srv_reserve(struct srv *s, int fd, struct srv_conn *c, uint32_t *room);
void srv_commit(struct srv *s, struct srv_conn *c, uint32_t len);

#endif
