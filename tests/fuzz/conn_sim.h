/* conn_sim.h: one connection driven through server.c's loop steps, without a socket. */
#ifndef SM_FUZZ_CONN_SIM_H
#define SM_FUZZ_CONN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

/*
 * srv_run's loop, one step at a time, for one connection: the slots it
 * would take from the RX ring go to server.c's own srv_on_slot() and
 * srv_data(), pending output moves with srv_drain(), so that a harness
 * feeds the app's srv_ops exactly as the server does, without a socket.
 * The fd is not attached to the port: the library refuses its TX slots
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
/* The top of srv_run's loop: out_flush(), sm_sync(port, 0), srv_drain().
 * With sync false the ring is not handed over (a full ring, a pool that
 * ran dry): only srv_drain() runs. */
void csim_sync(struct csim *k, bool sync);
/* The end of srv_run's loop: srv_drain(), then on_tick once a second. */
void csim_end_iter(struct csim *k, uint64_t now_ms);
/* Loop until no output is pending; false if rounds did not suffice. */
bool csim_finish(struct csim *k, unsigned rounds);

#endif
