/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define CHUNK_MIN 4096

struct out_chunk {
	struct out_chunk *next;
	size_t off, len, cap;
	char data[];
};

void out_init(struct out *w, struct sm_port *port)
{
	w->port = port;
	w->tx = sm_txring(port);
	w->open_fd = -1;
	w->used = 0;
	w->gen = 1;  /* a zeroed out_q has nothing in the ring */
}

void out_synced(struct out *w)
{
	w->gen++;
	w->moved = false;
}

size_t out_in_ring(const struct out *w, const struct out_q *q)
{
	return q->ring_gen == w->gen ? q->ring : 0;
}

static void count_ring(struct out *w, struct out_q *q, size_t n)
{
	if (q->ring_gen != w->gen) {
		q->ring_gen = w->gen;
		q->ring = 0;
	}
	q->ring += n;
	q->slotted += n;
}

void out_flush(struct out *w)
{
	struct sm_ring *tx = w->tx;
	struct sm_slot *s;

	if (w->open_fd < 0)
		return;
	s = &tx->slot[tx->head];
	s->fd = w->open_fd;
	s->off = 0;
	s->len = w->used;
	sm_ring_advance(tx, sm_ring_next(tx, tx->head));
	w->open_fd = -1;
	w->moved = true;
}

/* Make the slot at head the open slot of fd; false if the ring is full. */
static bool open_slot(struct out *w, int fd)
{
	struct sm_ring *tx = w->tx;

	if (w->open_fd == fd)
		return true;
	out_flush(w);
	if (sm_ring_empty(tx))
		return false;
	w->open_fd = fd;
	w->used = 0;
	tx->slot[tx->head].flags = 0;
	return true;
}

/* Copy into slots while the ring has room; returns bytes taken. */
static size_t to_slots(struct out *w, int fd, struct out_q *q,
		       const char *data, size_t len)
{
	size_t done = 0;

	while (done < len && open_slot(w, fd)) {
		struct sm_slot *s = &w->tx->slot[w->tx->head];
		size_t n = w->tx->buf_size - w->used;

		if (n > len - done)
			n = len - done;
		memcpy((char *)sm_buf(w->port, s->buf_idx) + w->used,
		       data + done, n);
		w->used += (uint32_t)n;
		done += n;
		if (w->used == w->tx->buf_size)
			out_flush(w);
	}
	count_ring(w, q, done);
	return done;
}

static void enqueue(struct out_q *q, const char *data, size_t len)
{
	struct out_chunk *c = q->tail;
	size_t n;

	if (c && c->cap - c->off - c->len >= len) {
		memcpy(c->data + c->off + c->len, data, len);
		c->len += len;
		q->bytes += len;
		return;
	}
	n = len > CHUNK_MIN ? len : CHUNK_MIN;
	c = malloc(sizeof(*c) + n);
	if (!c)
		abort();  /* out of memory: nothing sane left to do */
	c->next = NULL;
	c->off = 0;
	c->len = len;
	c->cap = n;
	memcpy(c->data, data, len);
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->bytes += len;
}

void out_write(struct out *w, int fd, struct out_q *q, const void *data,
	       size_t len)
{
	size_t done = 0;

	if (!q->head && !q->close_after)
		done = to_slots(w, fd, q, data, len);
	if (done < len)
		enqueue(q, (const char *)data + done, len - done);
}

void *out_reserve(struct out *w, int fd, struct out_q *q, uint32_t *room)
{
	struct sm_slot *s;

	if (q->head || q->close_after || !open_slot(w, fd))
		return NULL;
	s = &w->tx->slot[w->tx->head];
	*room = w->tx->buf_size - w->used;
	return (char *)sm_buf(w->port, s->buf_idx) + w->used;
}

void out_commit(struct out *w, struct out_q *q, uint32_t len)
{
	count_ring(w, q, len);
	w->used += len;
	if (w->used == w->tx->buf_size)
		out_flush(w);
}

/* SM_F_CLOSE or SM_F_RESET on the open slot of fd, or on a slot of its
 * own. */
static bool close_now(struct out *w, int fd, uint16_t flag)
{
	if (!open_slot(w, fd))
		return false;
	w->tx->slot[w->tx->head].flags = flag;
	out_flush(w);
	return true;
}

void out_close(struct out *w, int fd, struct out_q *q)
{
	if (q->head || !close_now(w, fd, SM_F_CLOSE))
		q->close_after = true;
}

bool out_reset(struct out *w, int fd, struct out_q *q)
{
	out_q_free(q);
	return close_now(w, fd, SM_F_RESET);
}

bool out_drain(struct out *w, int fd, struct out_q *q, size_t max)
{
	struct out_chunk *c;

	while ((c = q->head) != NULL) {
		size_t n = to_slots(w, fd, q, c->data + c->off,
				    c->len < max ? c->len : max);

		c->off += n;
		c->len -= n;
		q->bytes -= n;
		max -= n;
		if (c->len)
			return false;  /* the ring is full, or max reached */
		q->head = c->next;
		if (!q->head)
			q->tail = NULL;
		free(c);
	}
	if (q->close_after) {
		if (!close_now(w, fd, SM_F_CLOSE))
			return false;
		q->close_after = false;
	}
	return true;
}

void out_q_free(struct out_q *q)
{
	struct out_chunk *c;

	while ((c = q->head) != NULL) {
		q->head = c->next;
		free(c);
	}
	memset(q, 0, sizeof(*q));
}
