/* conn_sim.h: one connection driven as apps/common/server.c drives it, without a socket. */
#ifndef SM_FUZZ_CONN_SIM_H
#define SM_FUZZ_CONN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

/*
 * server.c's loop (srv_run) and its per-slot handling (on_slot, on_data,
 * stash, drain_one, finish_close, release) are static; this reproduces
 * them for one connection, step for step, so that a harness can feed the
 * app's srv_ops the input an RX slot would carry without a socket.  The
 * fd is not attached to the port: the library refuses its TX slots
 * (bad_slots) and takes their buffers back, which recycles the ring.
 * Everything written to TX slots is shown to inspect() before each sync.
 */
struct csim {
	struct srv *s;
	int fd;
	uint32_t tx_seen;          /* TX slots before this were inspected */
	uint64_t tick_ms;          /* last on_tick */
	void (*inspect)(void *arg, const char *p, size_t n);
	void *arg;
};

void csim_init(struct csim *k, struct srv *s, int fd,
	       void (*inspect)(void *arg, const char *p, size_t n), void *arg);
struct srv_conn *csim_conn(struct csim *k);
/* An SM_F_ACCEPT slot for k->fd. */
void csim_accept(struct csim *k);
/* A data slot: p[0..len) (the caller gives an exact-size copy). */
void csim_data(struct csim *k, const char *p, size_t len);
/* An SM_F_EOF slot. */
void csim_eof(struct csim *k);
/* The top of srv_run's loop: out_flush(), sm_sync(port, 0), drain_all().
 * With sync false the ring is not handed over (a full ring, a pool that
 * ran dry): only drain_all() runs. */
void csim_sync(struct csim *k, bool sync);
/* The end of srv_run's loop: drain_all(), then on_tick once a second. */
void csim_end_iter(struct csim *k, uint64_t now_ms);
/* Loop until no output is pending; false if rounds did not suffice. */
bool csim_finish(struct csim *k, unsigned rounds);

#endif
