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
	bool close_after;   /* queue SM_F_CLOSE once drained */
};

struct out {
	struct sm_port *port;
	struct sm_ring *tx;
	int open_fd;        /* fd of the slot being filled, -1 if none */
	uint32_t used;      /* bytes in the open slot */
};

void out_init(struct out *w, struct sm_port *port);

/* Append len bytes of fd's output (q is fd's queue). */
void out_write(struct out *w, int fd, struct out_q *q, const void *data,
	       size_t len);

/* A TX slot's buffer for fd to fill directly (e.g. by pread): returns its
 * address and *room; commit with out_commit().  NULL if q is not empty or
 * the ring has no free slot. */
void *out_reserve(struct out *w, int fd, struct out_q *q, uint32_t *room);
void out_commit(struct out *w, uint32_t len);

/* Close fd once everything written before is sent. */
void out_close(struct out *w, int fd, struct out_q *q);

/* Move queued output into TX slots; true when q is empty afterwards. */
bool out_drain(struct out *w, int fd, struct out_q *q);

/* Hand the open slot to the library: call before sm_sync(). */
void out_flush(struct out *w);

/* Free a queue's chunks (connection gone). */
void out_q_free(struct out_q *q);

#endif
