/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine_uring.c: the ring API on io_uring, one io_uring_enter per sync.
 *
 *  - The pool is lent to the kernel through a provided-buffer ring: each
 *    socket has one multishot recv that picks pool buffers itself, so
 *    received data lands where the app reads it, with no per-recv call.
 *    A recv that ends without IORING_CQE_F_MORE is re-armed; one that
 *    ends with -ENOBUFS waits until buffers come back (TCP pushes back).
 *  - Listeners have one multishot accept.
 *  - Sends: per socket, the queued buffers go out as one linked chain of
 *    IORING_OP_SEND (MSG_WAITALL: the kernel retries short sends itself),
 *    SEND_ZC from the registered pool at or above cfg.zc_threshold.  Only
 *    one chain per socket is in flight, so data leaves in slot order; a
 *    chain broken by a short send is resumed from the first unsent byte,
 *    and so is one whose socket refused SEND_ZC (MPTCP has no zero
 *    copy): that socket's sends are copied from then on.
 *  - Everything a sync prepares is submitted, and every completion
 *    harvested, by a single io_uring_enter (or none when there is nothing
 *    to submit and no completion or task work pending).
 *
 * user_data = op << 56 | conn index << 32 | buffer index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compat.h"
#include "sm_internal.h"

#define UR_SQ 4096
#define UR_CHAIN 32            /* sends per socket per chain */
#define UR_BGID 0
#define UR_FIXED_MAX (1u << 30) /* bytes per registered buffer */

enum ur_op { UR_ACCEPT = 1, UR_RECV, UR_SEND, UR_CLOSE, UR_CANCEL, UR_FDCLOSE };

/* sm__conn.eng bits */
#define UR_ARMED   0x1   /* a multishot recv/accept is in the kernel */
#define UR_STALLED 0x2   /* recv ended with -ENOBUFS */
#define UR_CANCELING 0x4 /* a cancel of the recv was submitted */
#define UR_SHORT   0x8   /* a short send broke the chain in flight */
#define UR_NOZC    0x10  /* the socket refused SEND_ZC: copy sends only */

struct ur {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_len;
	uint32_t br_entries;
	uint32_t lend_target;   /* buffers to keep lent to the kernel */
	bool zc;                /* SEND_ZC from registered buffers works */
	size_t fixed_len;       /* bytes per registered region: whole
				 * buffers, at most UR_FIXED_MAX */
	bool taskrun_flag;      /* the kernel flags pending task work */
	bool disabled;          /* created disabled: ur_bind() enables it */
	bool backlog;           /* the SQ filled up: work left for next sync */
	struct sm__clist want;  /* conns whose recv/accept must be armed */
};

static inline uint64_t ud(enum ur_op op, uint32_t conn, uint32_t buf)
{
	return (uint64_t)op << 56 | (uint64_t)(conn & 0xffffff) << 32 | buf;
}

/* ---- probing ---- */

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

bool sm__uring_supported(void)
{
	static int cached = -1;
	struct io_uring_probe *pr;

	if (cached >= 0)
		return cached;
	cached = 0;
	/* Multishot recv with provided-buffer rings: Linux 6.0. */
	if (!kernel_at_least(6, 0))
		return false;
	pr = io_uring_get_probe();
	if (!pr)
		return false;
	cached = io_uring_opcode_supported(pr, IORING_OP_SEND) &&
		 io_uring_opcode_supported(pr, IORING_OP_RECV) &&
		 io_uring_opcode_supported(pr, IORING_OP_ACCEPT) &&
		 io_uring_opcode_supported(pr, IORING_OP_CLOSE) &&
		 io_uring_opcode_supported(pr, IORING_OP_ASYNC_CANCEL);
	io_uring_free_probe(pr);
	return cached;
}

static bool zc_supported(struct io_uring *ring)
{
	struct io_uring_probe *pr = io_uring_get_probe_ring(ring);
	bool ok;

	if (!pr)
		return false;
	ok = io_uring_opcode_supported(pr, IORING_OP_SEND_ZC);
	io_uring_free_probe(pr);
	return ok;
}

/* ---- setup ---- */

static int ring_setup(struct ur *u)
{
	/* Strongest first; each older kernel refuses a flag with -EINVAL.
	 * A SINGLE_ISSUER ring belongs to the task that creates it, unless
	 * it starts disabled: then to the task that enables it.  So the
	 * ring starts disabled, and ur_bind() enables it in the thread that
	 * first syncs (the port may be opened by another). */
	static const unsigned flagsets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL |
			IORING_SETUP_R_DISABLED,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_SUBMIT_ALL | IORING_SETUP_R_DISABLED,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
			IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct io_uring_params p;
	size_t i;
	int ret = -EINVAL;

	for (i = 0; i < sizeof(flagsets) / sizeof(flagsets[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flagsets[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = UR_SQ * 4;
		ret = io_uring_queue_init_params(UR_SQ, &u->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0)
		return ret;
	u->taskrun_flag = p.flags & IORING_SETUP_TASKRUN_FLAG;
	u->disabled = p.flags & IORING_SETUP_R_DISABLED;
	return 0;
}

/* The driving thread's first sync: enable the ring (it becomes the ring's
 * single issuer) and register its fd, a per-thread table entry that saves
 * the fd lookup in every enter (harmless if refused). */
static int ur_bind(struct sm_port *port)
{
	struct ur *u = port->eng;
	int ret;

	if (u->disabled) {
		/* (liburing 2.3 declares io_uring_enable_rings() but does
		 * not export it.) */
		ret = (int)syscall(__NR_io_uring_register, u->ring.ring_fd,
				   IORING_REGISTER_ENABLE_RINGS, NULL, 0);
		if (ret < 0)
			return -errno;
		u->disabled = false;
	}
	(void)io_uring_register_ring_fd(&u->ring);
	return 0;
}

static int bufring_setup(struct sm_port *port, struct ur *u)
{
	struct io_uring_buf_reg reg;
	uint32_t n = 1, budget;
	int ret;

	/* bid is 16 bits: the io_uring engine addresses 65536 buffers. */
	if (port->pool.num_bufs > 65536)
		return -E2BIG;
	/* A quarter of the pool: enough for what arrives between two syncs,
	 * and lent buffers cannot be taken back.  Lending more let idle
	 * receive buffers sit in the kernel while send queues to a client
	 * that did not read drained the rest, leaving the TX ring none to
	 * answer anyone with. */
	budget = port->pool.num_bufs / 4;
	while (n < budget && n < 32768)
		n <<= 1;
	u->br_entries = n;
	u->lend_target = budget < n ? budget : n;
	if (u->lend_target == 0)
		u->lend_target = 1;
	u->br_len = (n * sizeof(struct io_uring_buf) + 4095) & ~(size_t)4095;
	u->br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->br == MAP_FAILED) {
		u->br = NULL;
		return -ENOMEM;
	}
	io_uring_buf_ring_init(u->br);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uintptr_t)u->br;
	reg.ring_entries = n;
	reg.bgid = UR_BGID;
	ret = io_uring_register_buf_ring(&u->ring, &reg, 0);
	return ret < 0 ? ret : 0;
}

/* Register the pool as fixed buffers for SEND_ZC; optional (needs
 * RLIMIT_MEMLOCK room when not privileged). */
static void fixed_setup(struct sm_port *port, struct ur *u)
{
	struct sm__pool *p = &port->pool;
	struct iovec iov[64];
	size_t off, n = 0;

	if (!port->cfg.zc_threshold || !zc_supported(&u->ring))
		return;
	/* Regions of whole buffers: a buffer across two regions could not
	 * be named by one buf_index (its SEND_ZC failed with -EFAULT). */
	u->fixed_len = UR_FIXED_MAX / p->buf_size * p->buf_size;
	for (off = 0; off < p->map_len && n < 64; off += u->fixed_len, n++) {
		iov[n].iov_base = p->base + off;
		iov[n].iov_len = p->map_len - off < u->fixed_len ?
				 p->map_len - off : u->fixed_len;
	}
	u->zc = off >= p->map_len &&
		io_uring_register_buffers(&u->ring, iov, (unsigned)n) == 0;
}

/* At teardown, the fds nobody will see again: closes still in the SQ,
 * and sockets accepted into completions not yet harvested. */
static void close_unseen(struct ur *u)
{
	struct io_uring *ring = &u->ring;
	unsigned kflags = IO_URING_READ_ONCE(*ring->sq.kflags);
	struct io_uring_cqe *cqe;
	unsigned i, head;

	for (i = ring->sq.sqe_head; i != ring->sq.sqe_tail; i++) {
		const struct io_uring_sqe *sqe =
			&ring->sq.sqes[i & ring->sq.ring_mask];

		if (sqe->opcode == IORING_OP_CLOSE)
			close(sqe->fd);
	}
	/* Deferred task work and overflowed CQEs into the CQ: one enter,
	 * made only when the kernel flags either (or cannot say). */
	if (!u->taskrun_flag ||
	    (kflags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)))
		(void)io_uring_get_events(ring);
	io_uring_for_each_cqe(ring, head, cqe)
		if ((enum ur_op)(cqe->user_data >> 56) == UR_ACCEPT &&
		    cqe->res >= 0)
			close(cqe->res);
}

static void ur_fini(struct sm_port *port)
{
	struct ur *u = port->eng;

	if (!u)
		return;
	if (!u->disabled)
		close_unseen(u);
	/* Tearing the ring down cancels every request and drops the
	 * kernel's references to the sockets and the pool. */
	io_uring_queue_exit(&u->ring);
	if (u->br)
		munmap(u->br, u->br_len);
	free(u);
	port->eng = NULL;
}

static int ur_init(struct sm_port *port)
{
	struct ur *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	sm__clist_init(&u->want);
	ret = ring_setup(u);
	if (ret < 0) {
		free(u);
		return ret;
	}
	port->eng = u;
	ret = bufring_setup(port, u);
	if (ret < 0) {
		ur_fini(port);
		return ret;
	}
	fixed_setup(port, u);
	return 0;
}

/* Lend free pool buffers to the kernel, up to the target. */
static void ur_refill(struct sm_port *port)
{
	struct ur *u = port->eng;
	struct sm__pool *p = &port->pool;
	int mask = io_uring_buf_ring_mask(u->br_entries), n = 0;
	uint32_t b;

	while (port->lent < u->lend_target && sm__rx_avail(port) > 0) {
		b = sm__pool_get(p, SM__OWN_KERNEL);
		io_uring_buf_ring_add(u->br, sm__pool_buf(p, b), p->buf_size,
				      (unsigned short)b, mask, n++);
		port->lent++;
	}
	if (n)
		io_uring_buf_ring_advance(u->br, n);
}

static void want_add(struct sm_port *port, struct sm__conn *c)
{
	struct ur *u = port->eng;

	if (!(c->flags & SM__C_ON_RXREADY)) {
		c->flags |= SM__C_ON_RXREADY;
		SM__CLIST_PUSH(port, &u->want, c, next_rx);
	}
}

static int ur_attach(struct sm_port *port, struct sm__conn *c)
{
	want_add(port, c);
	return 0;
}

static void maybe_release(struct sm_port *port, struct sm__conn *c)
{
	if ((c->flags & SM__C_CLOSED) && c->inflight == 0 &&
	    !(c->flags & (SM__C_ON_RXREADY | SM__C_ON_TXQ)))
		sm__conn_release(port, c);
}

/* ---- submission ---- */

/* Cancel c's multishot recv (a pause).  With the SQ full, c waits on the
 * want list and arm_wanted() submits the cancel at the next sync. */
static void cancel_recv(struct sm_port *port, struct ur *u, struct sm__conn *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		u->backlog = true;
		want_add(port, c);
		return;
	}
	io_uring_prep_cancel64(sqe, ud(UR_RECV, sm__conn_idx(port, c), 0), 0);
	io_uring_sqe_set_data64(sqe, ud(UR_CANCEL, 0, 0));
	c->eng |= UR_CANCELING;
}

/* Arm the multishot recv/accept of conns on the want list. */
static void arm_wanted(struct sm_port *port, struct ur *u)
{
	struct sm__clist list = u->want;
	struct io_uring_sqe *sqe;
	struct sm__conn *c;
	uint32_t i, ci;

	sm__clist_init(&u->want);
	for (i = list.head; i != SM__NONE; ) {
		c = sm__conn_at(port, i);
		ci = i;
		i = c->next_rx;
		c->flags &= ~SM__C_ON_RXREADY;
		if ((c->flags & (SM__C_PAUSED | SM__C_CLOSING | SM__C_CLOSED)) ==
		    SM__C_PAUSED && (c->eng & (UR_ARMED | UR_CANCELING)) ==
		    UR_ARMED) {
			cancel_recv(port, u, c);  /* a pause the SQ had no room for */
			continue;
		}
		if (c->flags & (SM__C_CLOSING | SM__C_CLOSED | SM__C_RX_DONE |
				SM__C_PAUSED) || (c->eng & UR_ARMED)) {
			maybe_release(port, c);
			continue;
		}
		/* No buffer to lend: arming would only fail with ENOBUFS. */
		if (!(c->flags & SM__C_LISTENER) && port->lent == 0) {
			want_add(port, c);
			continue;
		}
		sqe = io_uring_get_sqe(&u->ring);
		if (!sqe) {
			u->backlog = true;
			want_add(port, c);
			continue;
		}
		if (c->flags & SM__C_LISTENER) {
			io_uring_prep_multishot_accept(sqe, c->fd, NULL, NULL,
						       SOCK_NONBLOCK |
						       SOCK_CLOEXEC);
			io_uring_sqe_set_data64(sqe, ud(UR_ACCEPT, ci, 0));
		} else {
			io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
			sqe->flags |= IOSQE_BUFFER_SELECT;
			sqe->buf_group = UR_BGID;
			io_uring_sqe_set_data64(sqe, ud(UR_RECV, ci, 0));
		}
		c->eng = (c->eng | UR_ARMED) & ~UR_STALLED;
		c->inflight++;
	}
}

/* A send of len bytes on c goes as SEND_ZC: the ring has the pool
 * registered, the length reaches cfg.zc_threshold, and c's socket has
 * not refused zero copy. */
static bool zc_send(const struct sm_port *port, const struct ur *u,
		    const struct sm__conn *c, uint32_t len)
{
	uint32_t thr = port->cfg.zc_threshold;

	return u->zc && thr && len >= thr && !(c->eng & UR_NOZC);
}

/* Submit c's queued buffers as one linked chain; false if no room. */
static bool send_chain(struct sm_port *port, struct ur *u, struct sm__conn *c)
{
	struct sm__pool *p = &port->pool;
	uint32_t n = c->txq.count, k, b, ci = sm__conn_idx(port, c);
	struct io_uring_sqe *sqe = NULL;

	if (n > UR_CHAIN)
		n = UR_CHAIN;
	if (n > io_uring_sq_space_left(&u->ring))
		n = io_uring_sq_space_left(&u->ring);
	if (n == 0)
		return false;
	for (k = 0, b = c->txq.head; k < n; k++, b = p->meta[b].next) {
		void *data = (uint8_t *)sm__pool_buf(p, b) + p->meta[b].off;
		uint32_t len = p->meta[b].len;
		/* MSG_MORE on all but the last send: the chain leaves as
		 * full segments, as one writev would.  Without it, each
		 * buffer's sub-MSS tail went out alone, and the next one
		 * waited, under Nagle (Minshall's rule), for the peer's
		 * delayed ACK: 40 ms for any response over one buffer. */
		int fl = MSG_WAITALL | MSG_NOSIGNAL | (k + 1 < n ? MSG_MORE : 0);

		sqe = io_uring_get_sqe(&u->ring);
		if (zc_send(port, u, c, len)) {
			size_t at = (size_t)((uint8_t *)data - p->base);

			io_uring_prep_send_zc_fixed(sqe, c->fd, data, len, fl,
						    0, at / u->fixed_len);
		} else {
			io_uring_prep_send(sqe, c->fd, data, len, fl);
		}
		io_uring_sqe_set_data64(sqe, ud(UR_SEND, ci, b));
		sqe->flags |= IOSQE_IO_LINK;
	}
	sqe->flags &= ~IOSQE_IO_LINK;  /* the chain ends here */
	c->tx_sent = n;
	c->inflight += n;
	return true;
}

/* Cancel c's multishot request and close its fd, in this order. */
static bool close_conn(struct sm_port *port, struct ur *u, struct sm__conn *c)
{
	uint32_t ci = sm__conn_idx(port, c);
	struct io_uring_sqe *sqe;

	if (io_uring_sq_space_left(&u->ring) < 2)
		return false;
	if (c->eng & UR_ARMED) {
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_cancel64(sqe, ud((c->flags & SM__C_LISTENER) ?
					       UR_ACCEPT : UR_RECV, ci, 0), 0);
		io_uring_sqe_set_data64(sqe, ud(UR_CANCEL, ci, 0));
	}
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_close(sqe, c->fd);
	io_uring_sqe_set_data64(sqe, ud(UR_CLOSE, ci, 0));
	c->flags |= SM__C_CLOSED;
	c->inflight++;
	return true;
}

static void ur_tx(struct sm_port *port, struct ur *u)
{
	struct sm__conn *c;
	bool ok = true;

	while (ok && (c = sm__txready_peek(port))) {
		if (c->flags & SM__C_CLOSED || c->tx_sent) {
			ok = true;  /* in flight: its completion requeues */
		} else if (c->txq.count && !(c->flags & SM__C_TX_DEAD)) {
			ok = send_chain(port, u, c);
		} else if (c->flags & SM__C_CLOSING) {
			ok = close_conn(port, u, c);
		}
		if (!ok) {
			u->backlog = true;
			break;
		}
		sm__txready_pop(port);
		maybe_release(port, c);
	}
}

/* ---- completions ---- */

static void close_fd(struct sm_port *port, struct ur *u, int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		port->st.syscalls++;
		close(fd);
		return;
	}
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data64(sqe, ud(UR_FDCLOSE, 0, 0));
}

static void on_accept(struct sm_port *port, struct ur *u, struct sm__conn *l,
		      const struct io_uring_cqe *cqe)
{
	struct sm__conn *c;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		l->eng &= ~UR_ARMED;
		l->inflight--;
	}
	if (cqe->res >= 0) {
		c = sm__conn_new(port, cqe->res, 0);
		if (!c) {
			port->st.accept_dropped++;
			close_fd(port, u, cqe->res);
		} else {
			port->st.accepted++;
			sm__rx_event(port, c, SM_F_ACCEPT, 0);
			want_add(port, c);
		}
	} else if (sm__accept_fatal(-cqe->res)) {
		/* RX_DONE: arm_wanted leaves it alone from now on. */
		sm__rx_event(port, l, SM_F_ERR, -cqe->res);
	}
	if (l->eng & UR_ARMED || l->flags & (SM__C_CLOSING | SM__C_CLOSED)) {
		maybe_release(port, l);
		return;
	}
	if (!sm__accept_wait(port, l, -cqe->res))
		want_add(port, l);  /* else re-arming would fail at once */
}

static void on_recv(struct sm_port *port, struct ur *u, struct sm__conn *c,
		    const struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	/* A cancel we submitted (pause) ends the recv with -ECANCELED: not
	 * an error, even if the connection was resumed since. */
	bool canceled = c->eng & UR_CANCELING;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		c->eng &= ~(UR_ARMED | UR_CANCELING);
		c->inflight--;
	}
	if (res > 0) {
		uint32_t b = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

		port->lent--;
		sm__rx_data(port, c, b, (uint32_t)res);
	} else if (res == 0) {
		sm__rx_event(port, c, SM_F_EOF, 0);
	} else if (res == -ENOBUFS) {
		port->st.pool_empty++;
		port->st.rx_stalls++;
		c->eng |= UR_STALLED;
	} else if (res != -ECANCELED || !(canceled ||
		   (c->flags & (SM__C_CLOSING | SM__C_PAUSED)))) {
		sm__rx_event(port, c, SM_F_ERR, -res);
	}
	if (c->flags & SM__C_CLOSED)
		maybe_release(port, c);  /* the close's cancel, or its last data */
	else if (!(c->eng & UR_ARMED))
		want_add(port, c);  /* re-armed unless done or closing */
	else if ((c->flags & SM__C_ERR_SENT) && !(c->eng & UR_CANCELING))
		cancel_recv(port, u, c);  /* a send failed: reading ends too */
}

/* Free a sent buffer now, or when its zero-copy notices are all in. */
static void sent_buf_free(struct sm_port *port, uint32_t b)
{
	struct sm__pool *p = &port->pool;

	if (p->meta[b].zc_refs)  /* ZC notices outstanding */
		p->meta[b].owner = SM__OWN_ZC;
	else
		sm__pool_put(p, b);
}

static void on_send(struct sm_port *port, struct sm__conn *c, uint32_t b,
		    const struct io_uring_cqe *cqe)
{
	struct sm__pool *p = &port->pool;
	int res = cqe->res;

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		/* The kernel no longer reads buffer b. */
		if (--p->meta[b].zc_refs == 0 &&
		    p->meta[b].owner == SM__OWN_ZC)
			sm__pool_put(p, b);
		return;
	}
	if (cqe->flags & IORING_CQE_F_MORE) {
		p->meta[b].zc_refs++;  /* a notice will follow */
		if (res >= 0)
			port->st.tx_zc++;  /* a SEND_ZC that sent */
	}
	if (res == -ECANCELED && (c->eng & UR_SHORT)) {
		/* The rest of a chain that a short send broke: it stays
		 * queued, and goes again from the first unsent byte. */
	} else if (res == -EOPNOTSUPP && c->txq.head == b &&
		   zc_send(port, port->eng, c, p->meta[b].len)) {
		/* A socket without zero copy (MPTCP, for one) refused
		 * SEND_ZC and sent nothing: the chain goes again, as
		 * after a short send, with copy sends from now on. */
		c->eng |= UR_NOZC | UR_SHORT;
		res = 0;
	} else if (c->txq.head != b) {
		res = -EIO;  /* cannot happen: completions follow the chain */
	} else if (res >= 0) {
		port->st.tx_bytes += (uint64_t)res;
		if ((uint32_t)res >= p->meta[b].len) {
			sent_buf_free(port, sm__tx_done(port, c));
		} else {
			/* Short (an error after some progress, whose errno
			 * the resent rest will report): the rest of the
			 * chain is cancelled. */
			sm__bufq_trim(p, &c->txq, (uint32_t)res);
			port->st.tx_partial++;
			c->eng |= UR_SHORT;
		}
	}
	if (res < 0 && (res != -ECANCELED || (c->flags & SM__C_TX_DEAD))) {
		if (!(c->flags & SM__C_TX_DEAD))
			sm__tx_failed(port, c, -res);
		if (c->txq.head == b)
			sent_buf_free(port, sm__bufq_pop(p, &c->txq));
	}
	c->tx_sent--;
	c->inflight--;
	if (c->tx_sent == 0)
		c->eng &= ~UR_SHORT;
	if (c->tx_sent == 0 && ((c->txq.count && !(c->flags & SM__C_TX_DEAD)) ||
				(c->flags & SM__C_CLOSING)))
		sm__txready(port, c);
	maybe_release(port, c);
}

static void on_cqe(struct sm_port *port, struct ur *u,
		   const struct io_uring_cqe *cqe)
{
	uint64_t d = io_uring_cqe_get_data64(cqe);
	enum ur_op op = (enum ur_op)(d >> 56);
	struct sm__conn *c = sm__conn_at(port, (uint32_t)(d >> 32) & 0xffffff);

	switch (op) {
	case UR_ACCEPT:
		on_accept(port, u, c, cqe);
		break;
	case UR_RECV:
		on_recv(port, u, c, cqe);
		break;
	case UR_SEND:
		on_send(port, c, (uint32_t)d, cqe);
		break;
	case UR_CLOSE:
		c->inflight--;
		maybe_release(port, c);
		sm__accept_retry(port);  /* an fd is free again */
		break;
	case UR_CANCEL:
	case UR_FDCLOSE:
		break;
	}
}

/* One io_uring_enter: submit what is prepared, wait if asked, run the
 * deferred task work that posts completions. */
static int ur_enter(struct sm_port *port, struct ur *u, int timeout_ms)
{
	struct io_uring *ring = &u->ring;
	unsigned pending = io_uring_sq_ready(ring);
	unsigned kflags = IO_URING_READ_ONCE(*ring->sq.kflags);
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	int ret;

	if (port->nowait || u->backlog || io_uring_cq_ready(ring))
		timeout_ms = 0;
	if (timeout_ms == 0 && !pending && u->taskrun_flag &&
	    !(kflags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)))
		return 0;  /* nothing to submit, nothing to run: no syscall */
	port->st.syscalls++;
	if (timeout_ms == 0) {
		ret = io_uring_submit_and_get_events(ring);
	} else if (timeout_ms < 0) {
		ret = io_uring_submit_and_wait(ring, 1);
	} else {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
		ret = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts,
						       NULL);
	}
	if (ret == -ETIME || ret == -EINTR || ret == -EAGAIN || ret == -EBUSY)
		ret = 0;
	return ret < 0 ? ret : 0;
}

static int ur_sync(struct sm_port *port, int timeout_ms)
{
	struct ur *u = port->eng;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	uint64_t syscalls = port->st.syscalls;
	int ret;

	u->backlog = false;
	timeout_ms = sm__accept_timeout(port, timeout_ms);
	ur_tx(port, u);
	arm_wanted(port, u);
	ret = ur_enter(port, u, timeout_ms);
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		on_cqe(port, u, cqe);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	if (n || port->st.syscalls != syscalls)
		port->st.work_syncs++;
	return ret;
}

/* Pause: cancel the multishot recv (its end is not re-armed while paused).
 * Resume: arm it again at the next sync. */
static void ur_pause(struct sm_port *port, struct sm__conn *c)
{
	struct ur *u = port->eng;

	if (!(c->flags & SM__C_PAUSED)) {
		want_add(port, c);
		return;
	}
	if ((c->eng & (UR_ARMED | UR_CANCELING)) == UR_ARMED)
		cancel_recv(port, u, c);
}

/* One IORING_REGISTER_NAPI call.  The kernel writes the previous settings
 * back into the argument, so every call gets a fresh struct. */
static int napi_register(struct ur *u, uint32_t usec, uint8_t opcode,
			 uint32_t param)
{
	struct io_uring_napi n;

	memset(&n, 0, sizeof(n));
	n.busy_poll_to = usec;
	n.prefer_busy_poll = 1;
	n.opcode = opcode;
	n.op_param = param;
	if (syscall(__NR_io_uring_register, u->ring.ring_fd,
		    IORING_REGISTER_NAPI, &n, 1) < 0)
		return -errno;
	return 0;
}

/* Busy-poll the NIC's NAPI ids while io_uring_enter waits: static tracking
 * (Linux 6.13: exactly these ids), else dynamic (6.9: the ids of the
 * sockets that have requests), else -EOPNOTSUPP. */
static int ur_busy_poll(struct sm_port *port, const uint32_t *ids, int n)
{
	struct ur *u = port->eng;
	uint32_t usec = port->cfg.busy_poll_usec;
	int i, ret;

	ret = napi_register(u, usec, IO_URING_NAPI_REGISTER_OP,
			    IO_URING_NAPI_TRACKING_STATIC);
	for (i = 0; ret == 0 && i < n; i++)
		ret = napi_register(u, usec, IO_URING_NAPI_STATIC_ADD_ID,
				    ids[i]);
	if (ret == -EINVAL)
		ret = napi_register(u, usec, 0, 0);
	return ret == -EINVAL ? -EOPNOTSUPP : ret;
}

const struct sm__engine_ops sm__engine_uring = {
	.id = SM_ENGINE_URING,
	.init = ur_init,
	.fini = ur_fini,
	.attach = ur_attach,
	.sync = ur_sync,
	.refill = ur_refill,
	.pause = ur_pause,
	.accept_again = want_add,
	.busy_poll = ur_busy_poll,
	.bind = ur_bind,
};
