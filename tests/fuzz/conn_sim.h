/* conn_sim.h: one connection driven through server.c's own rounds, without a socket. */
#ifndef SM_FUZZ_CONN_SIM_H
#define SM_FUZZ_CONN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

/*
 * srv_run's round (srv_step), for one connection: the slots a round
 * would take from the RX ring are queued here and handed to server.c's
 * own srv_on_slot() and srv_data() at the round's input step, so that a
 * harness feeds the app's srv_ops exactly as the server does.  The fd is
 * not attached to the port: the library refuses its TX slots (bad_slots)
 * and takes their buffers back, which recycles the ring.  Everything
 * written to TX slots is shown to inspect() before each sync.
 */
struct csim_ev {
	uint32_t flags;            /* SM_F_EOF, or 0 for data */
	char *p;                   /* data: an exact-size copy */
	size_t len;
};

struct csim {
	struct srv *s;
	int fd;
	uint32_t tx_seen;          /* TX slots before this were inspected */
	void (*inspect)(void *arg, const char *p, size_t n);
	void *arg;
	struct csim_ev *ev;        /* the next round's input */
	size_t nev, cap;
};

/* The server's clock starts at now_ms. */
void csim_init(struct csim *k, struct srv *s, int fd, uint64_t now_ms,
	       void (*inspect)(void *arg, const char *p, size_t n), void *arg);
/* A data slot of p[0..len) in the next round.  A connection the server
 * closed (or never opened) is first opened anew on the same fd, with an
 * SM_F_ACCEPT slot. */
void csim_data(struct csim *k, const void *p, size_t len);
/* An SM_F_EOF slot in the next round. */
void csim_eof(struct csim *k);
/* One srv_step() at clock now_ms with the queued slots as its input;
 * sync false: no flush and no sync (a full ring, a pool that ran dry). */
void csim_round(struct csim *k, uint64_t now_ms, bool sync);
/* Rounds with syncs until no output is pending; false if rounds did
 * not suffice. */
bool csim_finish(struct csim *k, uint64_t now_ms, unsigned rounds);
void csim_fini(struct csim *k);

#endif
