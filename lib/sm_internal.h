/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm_internal.h: what the port core, the pool and the engines share.
 * Public names are sm_*, library-internal non-static names sm__*.
 */
#ifndef SM_INTERNAL_H
#define SM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "nic.h"
#include "stackmap.h"

#define SM__NONE UINT32_MAX

#define SM__UNUSED __attribute__((unused))
#define SM__LIKELY(x) __builtin_expect(!!(x), 1)
#define SM__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Who holds a buffer.  Checked when the app hands a buffer to the library,
 * so that one buffer put in two slots is refused instead of corrupting. */
enum sm__owner {
	SM__OWN_FREE = 0,  /* pool free list */
	SM__OWN_APP,       /* a ring slot or an app spare */
	SM__OWN_TXQ,       /* queued or in flight for sending */
	SM__OWN_RXQ,       /* received, waiting for an RX slot */
	SM__OWN_KERNEL,    /* lent to the kernel (provided-buffer ring) */
	SM__OWN_ZC,        /* sent zero-copy, waiting for the notification */
};

/* Per-buffer metadata: buffers queued on a connection are linked here. */
struct sm__bmeta {
	uint32_t next;
	uint32_t off;
	uint32_t len;
	uint8_t owner;
	uint8_t zc_refs;   /* io_uring: zero-copy notices still to come */
	uint8_t pad[2];
};

struct sm__pool {
	uint8_t *base;
	size_t map_len;
	uint32_t num_bufs;
	uint32_t buf_size;
	uint32_t nfree;
	uint32_t in_use_max;
	uint32_t *free;            /* stack of free indexes */
	struct sm__bmeta *meta;
	bool huge;                 /* backed by huge pages */
};

int sm__pool_init(struct sm__pool *p, uint32_t num_bufs, uint32_t buf_size);
void sm__pool_fini(struct sm__pool *p);

static inline void *sm__pool_buf(const struct sm__pool *p, uint32_t idx)
{
	return p->base + (size_t)idx * p->buf_size;
}

static inline uint32_t sm__pool_get(struct sm__pool *p, uint8_t owner)
{
	uint32_t idx, used;

	if (SM__UNLIKELY(p->nfree == 0))
		return SM__NONE;
	idx = p->free[--p->nfree];
	p->meta[idx].owner = owner;
	used = p->num_bufs - p->nfree;
	if (used > p->in_use_max)
		p->in_use_max = used;
	return idx;
}

static inline void sm__pool_put(struct sm__pool *p, uint32_t idx)
{
	p->meta[idx].owner = SM__OWN_FREE;
	p->free[p->nfree++] = idx;
}

/* A FIFO of buffers linked through sm__bmeta.next. */
struct sm__bufq {
	uint32_t head, tail;
	uint32_t count;
	uint64_t bytes;           /* sum of the buffers' meta len */
};

static inline void sm__bufq_init(struct sm__bufq *q)
{
	q->head = q->tail = SM__NONE;
	q->count = 0;
	q->bytes = 0;
}

static inline void sm__bufq_push(struct sm__pool *p, struct sm__bufq *q,
				 uint32_t idx)
{
	p->meta[idx].next = SM__NONE;
	if (q->tail == SM__NONE)
		q->head = idx;
	else
		p->meta[q->tail].next = idx;
	q->tail = idx;
	q->count++;
	q->bytes += p->meta[idx].len;
}

static inline uint32_t sm__bufq_pop(struct sm__pool *p, struct sm__bufq *q)
{
	uint32_t idx = q->head;

	if (idx == SM__NONE)
		return idx;
	q->head = p->meta[idx].next;
	if (q->head == SM__NONE)
		q->tail = SM__NONE;
	q->count--;
	q->bytes -= p->meta[idx].len;
	return idx;
}

/* The first n bytes of the head buffer are gone (a short send). */
static inline void sm__bufq_trim(struct sm__pool *p, struct sm__bufq *q,
				 uint32_t n)
{
	p->meta[q->head].off += n;
	p->meta[q->head].len -= n;
	q->bytes -= n;
}

/* Connection (attached socket) state bits. */
#define SM__C_LISTENER   0x0001  /* a listening socket */
#define SM__C_CLOSING    0x0002  /* app asked to close: drop further RX,
				  * close once the TX queue drains */
#define SM__C_RX_DONE    0x0004  /* EOF or error seen, no more reading */
#define SM__C_TX_DEAD    0x0008  /* send failed: drop further TX */
#define SM__C_CLOSED     0x0010  /* fd closed (or close submitted) */
#define SM__C_ON_PEND    0x0020  /* on the port's pending-RX list */
#define SM__C_ON_TXQ     0x0040  /* on the port's TX-ready list */
#define SM__C_ON_RXREADY 0x0080  /* on the engine's RX-ready list */
#define SM__C_PEND_ACCEPT 0x0100 /* an ACCEPT slot waits for the ring */
#define SM__C_PEND_EOF   0x0200  /* an EOF slot waits (after the data) */
#define SM__C_PEND_ERR   0x0400  /* an ERR slot waits (after the data) */
#define SM__C_ERR_SENT   0x0800  /* an ERR slot was delivered/queued */
#define SM__C_ZOMBIE     0x1000  /* released while on the pending list */
#define SM__C_PAUSED     0x2000  /* the app paused reading (sm_rx_pause) */

struct sm__conn {
	int fd;
	uint32_t flags;           /* SM__C_* */
	int err;                  /* errno of the failure, for SM_F_ERR */
	struct sm__bufq txq;      /* buffers to send, in order */
	struct sm__bufq rxq;      /* received, not yet in the RX ring */
	uint32_t next_pend;       /* port pending-RX list */
	uint32_t next_tx;         /* port TX-ready list */
	uint32_t next_rx;         /* engine RX-ready / stalled list */
	uint32_t inflight;        /* engine operations not yet completed */
	uint32_t tx_sent;         /* engine: queued buffers already submitted */
	uint32_t gen;             /* bumped at each reuse of this slot */
	uint32_t eng;             /* engine private bits */
};

/* An intrusive singly linked FIFO of connections. */
struct sm__clist {
	uint32_t head, tail;
};

struct sm_port;

/* One engine per file, each filling this table (netmap's txsync/rxsync). */
struct sm__engine_ops {
	enum sm_engine id;
	int (*init)(struct sm_port *port);
	void (*fini)(struct sm_port *port);
	/* A new conn (listener or stream) to watch; 0 or -errno. */
	int (*attach)(struct sm_port *port, struct sm__conn *c);
	/* Submit queued TX and closes, wait up to timeout_ms (0 when
	 * port->nowait), harvest events through sm__rx_*().  Returns 0 or
	 * -errno for a failure of the whole port. */
	int (*sync)(struct sm_port *port, int timeout_ms);
	/* The pool got free buffers back: may lend them to the kernel. */
	void (*refill)(struct sm_port *port);
	/* Reading of c was paused or resumed (SM__C_PAUSED changed). */
	void (*pause)(struct sm_port *port, struct sm__conn *c);
	/* Listener l, parked by sm__accept_wait(), may accept again. */
	void (*accept_again)(struct sm_port *port, struct sm__conn *l);
	/* Busy-poll these NAPI instances (cfg.busy_poll_usec); 0 or -errno. */
	int (*busy_poll)(struct sm_port *port, const uint32_t *ids, int n);
	/* Optional: the calling thread becomes the port's driver (its first
	 * sm_sync()); what the engine ties to one thread happens here.
	 * 0 or -errno. */
	int (*bind)(struct sm_port *port);
};

/* A listener parked by EMFILE (and the like) is retried when one of the
 * port's sockets closes, and at the latest this often: fds freed
 * elsewhere in the process (a server's file fds) wake no one. */
#define SM__PAUSE_RETRY_MS 100

static inline uint64_t sm__mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);  /* vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* An accept(2) error that every retry would get again (the listener is
 * shut down or not one): the listener is reported failed (SM_F_ERR) and
 * not polled again.  Others (ECONNABORTED, the network errors accept
 * passes on, EMFILE...) are retried. */
static inline bool sm__accept_fatal(int err)
{
	return err == EINVAL || err == EBADF || err == ENOTSOCK ||
	       err == EFAULT;
}

extern const struct sm__engine_ops sm__engine_uring;
extern const struct sm__engine_ops sm__engine_epoll;

/* Probe whether the running kernel supports the io_uring engine. */
bool sm__uring_supported(void);

struct sm_port {
	struct sm_config cfg;
	const struct sm__engine_ops *ops;
	void *eng;                 /* engine private state */
	struct sm__pool pool;
	struct sm_ring *rx, *tx;
	uint32_t rx_hwhead;        /* RX: first slot not yet reclaimed */
	uint32_t tx_hwcur;         /* TX: first slot not yet consumed */
	uint32_t tx_cap;           /* TX ring: buffers it may hold */
	uint32_t lent;             /* buffers lent to the kernel (RX) */

	struct sm__conn *conns;
	uint32_t conns_cap;        /* max_conns */
	uint32_t conns_hw;         /* slots [0, conns_hw) ever used */
	uint32_t conns_free;       /* free list through next_pend */
	uint32_t nconns;
	uint32_t *fdmap;           /* fd -> conn index + 1, 0 = none */
	uint32_t fdmap_len;

	struct sm__clist pend;     /* conns with RX events waiting */
	struct sm__clist txready;  /* conns with TX to submit or to close */
	struct sm__clist parked;   /* listeners waiting out EMFILE & co. */
	uint64_t parked_ms;        /* when the first of them was parked */
	uint32_t npend;            /* RX slots waiting on the pending list */
	bool nowait;               /* work is pending: do not block */
	bool bound;                /* driver is set (the first sm_sync) */
	pthread_t driver;          /* the one thread that may sync */
	bool has_nic;              /* cfg.ifname registered: nic is valid */
	struct sm__nic nic;
	struct sm_stats st;
};

static inline struct sm__conn *sm__conn_at(struct sm_port *port, uint32_t i)
{
	return &port->conns[i];
}

static inline uint32_t sm__conn_idx(struct sm_port *port, struct sm__conn *c)
{
	return (uint32_t)(c - port->conns);
}

/* List helpers; `field` is one of next_pend / next_tx / next_rx. */
void sm__clist_init(struct sm__clist *l);
#define SM__CLIST_PUSH(port, l, c, field) do {                             \
	uint32_t i_ = sm__conn_idx((port), (c));                           \
	(c)->field = SM__NONE;                                             \
	if ((l)->tail == SM__NONE)                                         \
		(l)->head = i_;                                            \
	else                                                               \
		(port)->conns[(l)->tail].field = i_;                       \
	(l)->tail = i_;                                                    \
} while (0)

/* Core services for the engines (port.c). */
struct sm__conn *sm__conn_new(struct sm_port *port, int fd, uint32_t flags);
void sm__conn_release(struct sm_port *port, struct sm__conn *c);
struct sm__conn *sm__conn_by_fd(struct sm_port *port, int fd);
void sm__rx_data(struct sm_port *port, struct sm__conn *c, uint32_t buf,
		 uint32_t len);
void sm__rx_event(struct sm_port *port, struct sm__conn *c, uint16_t flag,
		  int err);
uint32_t sm__tx_done(struct sm_port *port, struct sm__conn *c);
void sm__tx_failed(struct sm_port *port, struct sm__conn *c, int err);
void sm__txready(struct sm_port *port, struct sm__conn *c);
struct sm__conn *sm__txready_peek(struct sm_port *port);
void sm__txready_pop(struct sm_port *port);
bool sm__accept_wait(struct sm_port *port, struct sm__conn *l, int err);
void sm__accept_retry(struct sm_port *port);
int sm__accept_timeout(struct sm_port *port, int timeout_ms);
uint32_t sm__rx_room(const struct sm_port *port);
uint32_t sm__rx_avail(const struct sm_port *port);

/* abi.c: the structs callers allocate, read at the caller's size. */
/* Copy the caller's in (isize bytes) over dst (dsize bytes, already
 * holding the defaults), as the kernel's copy_struct_from_user(): 0, or
 * -E2BIG when in is larger and its extra bytes are not zero. */
int sm__struct_read(void *dst, size_t dsize, const void *in, size_t isize);
/* The caller's config (NULL: the defaults) into cfg; 0 or -errno. */
int sm__config_read(struct sm_config *cfg, const struct sm_config *caller);
/* The port's counters, in the library's own struct (port.c). */
void sm__stats(struct sm_port *port, struct sm_stats *st);

#endif /* SM_INTERNAL_H */
