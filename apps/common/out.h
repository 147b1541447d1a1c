/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * out.h: writing a connection's output into TX slots.
 *
 * The servers answer with byte streams (headers, bodies, memcached lines);
 * this packs them into TX slots: consecutive writes for one socket share
 * a slot until it is full (the "open" slot at tx->head is advanced only
 * when full, when another socket writes, or at out_flush() before a sync).
 * What the TX ring cannot take now waits, in order, in the connection's
 * out_q (heap chunks) and is moved into slots by out_drain() later.
 */
#ifndef SM_APP_OUT_H
#define SM_APP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stackmap.h"

struct out_chunk;

/* A connection's output that did not fit the TX ring yet. */
struct out_q {
	struct out_chunk *head, *tail;
	size_t bytes;
	size_t ring;        /* bytes put in TX slots in sync round ring_gen */
	uint64_t ring_gen;
	uint64_t slotted;   /* bytes ever put in TX slots */
	bool close_after;   /* queue SM_F_CLOSE once drained */
};

struct out {
	struct sm_port *port;
	struct sm_ring *tx;
	int open_fd;        /* fd of the slot being filled, -1 if none */
	uint32_t used;      /* bytes in the open slot */
	uint64_t gen;       /* sync round: out_synced() after each sm_sync */
	bool moved;         /* slots were handed over in this round */
};

void out_init(struct out *w, struct sm_port *port);

/* Append len bytes of fd's output (q is fd's queue). */
void out_write(struct out *w, int fd, struct out_q *q, const void *data,
	       size_t len);

/* A TX slot's buffer for fd to fill directly (e.g. by pread): returns its
 * address and *room; commit with out_commit().  NULL if q is not empty or
 * the ring has no free slot. */
void *out_reserve(struct out *w, int fd, struct out_q *q, uint32_t *room);
void out_commit(struct out *w, struct out_q *q, uint32_t len);

/* Close fd once everything written before is sent. */
void out_close(struct out *w, int fd, struct out_q *q);

/* Abort fd: drop its queue and everything the library holds for it, and
 * close it with a reset (SM_F_RESET).  False if the TX ring is full (try
 * again after the next sync). */
bool out_reset(struct out *w, int fd, struct out_q *q);

/* Move at most max bytes of queued output into TX slots; true when q is
 * empty afterwards. */
bool out_drain(struct out *w, int fd, struct out_q *q, size_t max);

/* Hand the open slot to the library: call before sm_sync(). */
void out_flush(struct out *w);

/* The sync that out_flush() prepared happened: slots written so far now
 * belong to the library (sm_tx_queued() counts what is left of them). */
void out_synced(struct out *w);

/* Bytes of q put in TX slots since the last out_synced(): the library
 * does not know of them yet. */
size_t out_in_ring(const struct out *w, const struct out_q *q);

/* Free a queue's chunks (connection gone). */
void out_q_free(struct out_q *q);

#endif
