/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * port.c: the port, its rings and attached sockets, and the engine-neutral
 * half of sm_sync().
 *
 * sm_sync() runs five steps, in this order:
 *   1. reclaim the RX slots the app returned (their buffers go back),
 *   2. consume the TX slots the app filled (their buffers go to the
 *      per-socket send queues; SM_F_CLOSE marks the socket closing),
 *   3. the engine: submit sends and closes, wait, harvest completions
 *      (new data lands through sm__rx_data() / sm__rx_event()),
 *   4. deliver waiting RX events into the RX ring while it has room,
 *   5. give buffers to the TX slots the app may fill next.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sm_internal.h"

const char *sm_engine_name(enum sm_engine engine)
{
	switch (engine) {
	case SM_ENGINE_URING: return "uring";
	case SM_ENGINE_EPOLL: return "epoll";
	case SM_ENGINE_AUTO: return "auto";
	}
	return "?";
}

int sm_engine_parse(const char *name, enum sm_engine *engine)
{
	if (!strcmp(name, "uring") || !strcmp(name, "io_uring"))
		*engine = SM_ENGINE_URING;
	else if (!strcmp(name, "epoll"))
		*engine = SM_ENGINE_EPOLL;
	else if (!strcmp(name, "auto"))
		*engine = SM_ENGINE_AUTO;
	else
		return -EINVAL;
	return 0;
}

enum sm_engine sm_engine(const struct sm_port *port)
{
	return port->ops->id;
}

void sm__clist_init(struct sm__clist *l)
{
	l->head = l->tail = SM__NONE;
}

static int config_check(const struct sm_config *c)
{
	if (c->num_bufs < 8 || c->num_bufs > (1u << 24))
		return -EINVAL;
	if (c->buf_size < 64 || c->buf_size > (1u << 20))
		return -EINVAL;
	if (c->ring_size < 4 || c->ring_size > (1u << 20))
		return -EINVAL;
	if (c->max_conns < 1 || c->max_conns > (1u << 24) - 1)
		return -EINVAL;
	if (c->ifname && (!*c->ifname || strlen(c->ifname) >= 16))
		return -EINVAL;
	if (c->busy_poll_budget > 65535)
		return -EINVAL;
	if (c->nic_queue >= 0 && (!c->ifname || c->nic_queues < 1 ||
				  c->nic_queues > SM__NAPI_MAX))
		return -EINVAL;
	if ((uint64_t)c->num_bufs * c->buf_size > (64ull << 30))
		return -E2BIG;
	return 0;
}

/* SM_ENGINE names an engine: set, not empty, not "auto". */
static bool env_names_engine(void)
{
	const char *env = getenv("SM_ENGINE");

	return env && *env && strcmp(env, "auto") != 0;
}

static int pick_engine(const struct sm_config *cfg,
		       const struct sm__engine_ops **ops)
{
	enum sm_engine e = cfg->engine;
	const char *env = getenv("SM_ENGINE");

	if (e == SM_ENGINE_AUTO && env_names_engine()) {
		if (sm_engine_parse(env, &e) < 0)
			return -EINVAL;
	}
	if (e == SM_ENGINE_AUTO)
		e = sm__uring_supported() ? SM_ENGINE_URING : SM_ENGINE_EPOLL;
	if (e == SM_ENGINE_URING && !sm__uring_supported())
		return -EOPNOTSUPP;
	*ops = e == SM_ENGINE_URING ? &sm__engine_uring : &sm__engine_epoll;
	return 0;
}

static struct sm_ring *ring_new(uint32_t n, uint32_t buf_size)
{
	struct sm_ring *r;
	uint32_t i;

	r = calloc(1, sizeof(*r) + n * sizeof(r->slot[0]));
	if (!r)
		return NULL;
	*(uint32_t *)&r->num_slots = n;
	*(uint32_t *)&r->buf_size = buf_size;
	for (i = 0; i < n; i++) {
		r->slot[i].fd = -1;
		r->slot[i].buf_idx = SM_NO_BUF;
	}
	return r;
}

/* Step 5: give buffers to the free TX slots, up to tx_cap. */
static void tx_refill(struct sm_port *port)
{
	struct sm_ring *tx = port->tx;
	struct sm_slot *s;
	uint32_t b;

	while (sm_ring_space(tx) < port->tx_cap) {
		b = sm__pool_get(&port->pool, SM__OWN_APP);
		if (b == SM__NONE) {
			port->st.pool_empty++;
			break;
		}
		s = &tx->slot[tx->tail];
		s->fd = -1;
		s->buf_idx = b;
		s->off = s->len = 0;
		s->flags = s->err = 0;
		tx->tail = sm_ring_next(tx, tx->tail);
	}
}

static int nic_busy_poll(void *arg, const uint32_t *ids, int n)
{
	struct sm_port *port = arg;

	return port->ops->busy_poll(port, ids, n);
}

int sm_open(struct sm_port **portp, const struct sm_config *caller)
{
	struct sm_config own, *cfg = &own;
	struct sm_port *port;
	int ret;

	*portp = NULL;
	ret = sm__config_read(&own, caller);
	if (ret < 0)
		return ret;
	ret = config_check(cfg);
	if (ret < 0)
		return ret;
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->cfg = *cfg;
	port->cfg.ifname = NULL;  /* not kept: the caller owns the string */
	ret = pick_engine(cfg, &port->ops);
	if (ret < 0)
		goto err;
	ret = sm__pool_init(&port->pool, cfg->num_bufs, cfg->buf_size);
	if (ret < 0)
		goto err;
	ret = -ENOMEM;
	port->rx = ring_new(cfg->ring_size, cfg->buf_size);
	port->tx = ring_new(cfg->ring_size, cfg->buf_size);
	port->conns = calloc(cfg->max_conns, sizeof(*port->conns));
	if (!port->rx || !port->tx || !port->conns)
		goto err;
	port->conns_cap = cfg->max_conns;
	port->conns_free = SM__NONE;
	sm__clist_init(&port->pend);
	sm__clist_init(&port->txready);
	sm__clist_init(&port->parked);
	/* The TX ring may hold a quarter of the pool: RX needs the rest. */
	port->tx_cap = cfg->ring_size - 1;
	if (port->tx_cap > cfg->num_bufs / 4)
		port->tx_cap = cfg->num_bufs / 4;
	ret = port->ops->init(port);
	if (ret < 0 && port->ops == &sm__engine_uring &&
	    cfg->engine == SM_ENGINE_AUTO && !env_names_engine()) {
		/* AUTO: a kernel that refuses the ring (sysctl, seccomp,
		 * memlock) still gets a working port. */
		port->ops = &sm__engine_epoll;
		ret = port->ops->init(port);
	}
	if (ret < 0)
		goto err;
	if (cfg->ifname) {
		ret = sm__nic_open(&port->nic, cfg, nic_busy_poll, port);
		if (ret < 0) {
			port->ops->fini(port);
			goto err;
		}
		port->has_nic = true;
	}
	tx_refill(port);
	port->ops->refill(port);
	*portp = port;
	return 0;
err:
	sm__pool_fini(&port->pool);
	free(port->rx);
	free(port->tx);
	free(port->conns);
	free(port);
	return ret;
}

void sm_close(struct sm_port *port)
{
	uint32_t i;

	if (!port)
		return;
	if (port->has_nic)
		sm__nic_close(&port->nic);
	/* The engine goes first: its teardown cancels the kernel's use of
	 * the sockets and of the pool. */
	port->ops->fini(port);
	for (i = 0; i < port->conns_hw; i++) {
		struct sm__conn *c = &port->conns[i];

		if (c->fd >= 0 && !(c->flags & SM__C_CLOSED))
			close(c->fd);
	}
	sm__pool_fini(&port->pool);
	free(port->fdmap);
	free(port->conns);
	free(port->rx);
	free(port->tx);
	free(port);
}

struct sm_ring *sm_rxring(struct sm_port *port)
{
	return port->rx;
}

struct sm_ring *sm_txring(struct sm_port *port)
{
	return port->tx;
}

void *sm_buf(struct sm_port *port, uint32_t buf_idx)
{
	if (buf_idx >= port->pool.num_bufs)
		return NULL;
	return sm__pool_buf(&port->pool, buf_idx);
}

int sm_buf_get(struct sm_port *port, uint32_t *buf_idx)
{
	uint32_t b = sm__pool_get(&port->pool, SM__OWN_APP);

	if (b == SM__NONE) {
		port->st.pool_empty++;
		return -ENOBUFS;
	}
	*buf_idx = b;
	return 0;
}

/* Is b a buffer the app owns (and may hand to the library)? */
static bool buf_ok(const struct sm_port *port, uint32_t b)
{
	return b < port->pool.num_bufs &&
	       port->pool.meta[b].owner == SM__OWN_APP;
}

void sm_buf_put(struct sm_port *port, uint32_t buf_idx)
{
	if (!buf_ok(port, buf_idx)) {
		port->st.bad_slots++;
		return;
	}
	sm__pool_put(&port->pool, buf_idx);
}

/* ---- connections ---- */

static int fdmap_grow(struct sm_port *port, int fd)
{
	uint32_t n = port->fdmap_len ? port->fdmap_len : 1024;
	uint32_t *m;

	while (n <= (uint32_t)fd)
		n *= 2;
	m = realloc(port->fdmap, n * sizeof(*m));
	if (!m)
		return -ENOMEM;
	memset(m + port->fdmap_len, 0, (n - port->fdmap_len) * sizeof(*m));
	port->fdmap = m;
	port->fdmap_len = n;
	return 0;
}

struct sm__conn *sm__conn_by_fd(struct sm_port *port, int fd)
{
	uint32_t i;

	if (fd < 0 || (uint32_t)fd >= port->fdmap_len)
		return NULL;
	i = port->fdmap[fd];
	return i ? &port->conns[i - 1] : NULL;
}

struct sm__conn *sm__conn_new(struct sm_port *port, int fd, uint32_t flags)
{
	struct sm__conn *c;
	uint32_t i, gen;

	if ((uint32_t)fd >= port->fdmap_len && fdmap_grow(port, fd) < 0)
		return NULL;
	if (port->conns_free != SM__NONE) {
		i = port->conns_free;
		port->conns_free = port->conns[i].next_pend;
	} else if (port->conns_hw < port->conns_cap) {
		i = port->conns_hw++;
	} else {
		return NULL;
	}
	c = &port->conns[i];
	gen = c->gen + 1;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->fd = fd;
	c->flags = flags;
	sm__bufq_init(&c->txq);
	sm__bufq_init(&c->rxq);
	c->next_pend = c->next_tx = c->next_rx = SM__NONE;
	/* A closing conn may still map this fd number: the new one wins. */
	port->fdmap[fd] = i + 1;
	if (++port->nconns > port->st.conns_max)
		port->st.conns_max = port->nconns;
	return c;
}

/* The RX slots c has waiting: its queued buffers, an ACCEPT, and one
 * EOF-or-ERR.  port->npend is their sum over all conns; the code that
 * changes c's rxq or PEND_* bits notes pend_slots(c) first and calls
 * pend_account() after, the one place npend changes. */
static uint32_t pend_slots(const struct sm__conn *c)
{
	return c->rxq.count + !!(c->flags & SM__C_PEND_ACCEPT) +
	       !!(c->flags & (SM__C_PEND_EOF | SM__C_PEND_ERR));
}

static void pend_account(struct sm_port *port, const struct sm__conn *c,
			 uint32_t before)
{
	port->npend = port->npend - before + pend_slots(c);
}

static void rxq_drop(struct sm_port *port, struct sm__conn *c)
{
	uint32_t b, before = pend_slots(c);

	while ((b = sm__bufq_pop(&port->pool, &c->rxq)) != SM__NONE)
		sm__pool_put(&port->pool, b);
	c->flags &= ~(SM__C_PEND_ACCEPT | SM__C_PEND_EOF | SM__C_PEND_ERR);
	pend_account(port, c, before);
}

static void conn_free(struct sm_port *port, struct sm__conn *c)
{
	uint32_t i = sm__conn_idx(port, c);

	c->fd = -1;
	c->flags = 0;
	c->next_pend = port->conns_free;
	port->conns_free = i;
}

/* The engine is done with c (closed, nothing in flight). */
void sm__conn_release(struct sm_port *port, struct sm__conn *c)
{
	uint32_t i = sm__conn_idx(port, c);

	if (c->fd >= 0 && (uint32_t)c->fd < port->fdmap_len &&
	    port->fdmap[c->fd] == i + 1)
		port->fdmap[c->fd] = 0;
	rxq_drop(port, c);
	/* Output that can no longer leave (the socket failed while it was
	 * queued): nothing is in flight any more, so it goes back. */
	while (c->txq.count) {
		uint32_t b = sm__bufq_pop(&port->pool, &c->txq);

		if (port->pool.meta[b].owner == SM__OWN_TXQ)
			sm__pool_put(&port->pool, b);
		port->st.tx_dropped++;
	}
	port->nconns--;
	port->st.closed++;
	if (c->flags & SM__C_ON_PEND) {
		/* Freed when step 4 pops it from the pending list. */
		c->flags |= SM__C_ZOMBIE;
		c->fd = -1;
		return;
	}
	conn_free(port, c);
}

int sm_attach(struct sm_port *port, int fd)
{
	int type, listening, fl, ret;
	socklen_t len = sizeof(type);
	struct sm__conn *c;

	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	if (type != SOCK_STREAM)
		return -EPROTONOSUPPORT;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return -errno;
	c = sm__conn_by_fd(port, fd);
	if (c && !(c->flags & SM__C_CLOSED))
		return -EEXIST;
	/* A record the library has closed, waiting for its last
	 * completions: the kernel gave its number to this new socket, so
	 * the number is the new socket's now (the record's release leaves
	 * a mapping that is not its own alone). */
	if (c)
		port->fdmap[fd] = 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	c = sm__conn_new(port, fd, listening ? SM__C_LISTENER : 0);
	if (!c)
		return port->nconns >= port->conns_cap ? -ENOSPC : -ENOMEM;
	ret = port->ops->attach(port, c);
	if (ret < 0) {
		port->fdmap[fd] = 0;
		port->nconns--;
		conn_free(port, c);
		return ret;
	}
	return 0;
}

int64_t sm_tx_queued(struct sm_port *port, int fd)
{
	struct sm__conn *c = sm__conn_by_fd(port, fd);

	return c ? (int64_t)c->txq.bytes : -EBADF;
}

int sm_rx_pause(struct sm_port *port, int fd, int pause)
{
	struct sm__conn *c = sm__conn_by_fd(port, fd);

	if (!c || (c->flags & (SM__C_CLOSING | SM__C_LISTENER)))
		return -EBADF;
	if (!pause == !(c->flags & SM__C_PAUSED))
		return 0;
	c->flags ^= SM__C_PAUSED;
	port->ops->pause(port, c);
	return 0;
}

/* ---- RX: engines hand in data and events here ---- */

/* Free buffers RX may take: all but what the TX ring needs to give each
 * of its free slots a buffer.  Without this reserve, received data could
 * hold every buffer while the app needs a TX slot to answer it (and so to
 * return its RX slots): a deadlock, seen with a 32-buffer pool. */
uint32_t sm__rx_avail(const struct sm_port *port)
{
	uint32_t space = sm_ring_space(port->tx), need;

	need = space < port->tx_cap ? port->tx_cap - space : 0;
	return port->pool.nfree > need ? port->pool.nfree - need : 0;
}

/* Free RX slots the library may fill now, minus what already waits. */
uint32_t sm__rx_room(const struct sm_port *port)
{
	const struct sm_ring *rx = port->rx;
	uint32_t free_slots = rx->num_slots - 1 - sm_ring_space(rx);

	return free_slots > port->npend ? free_slots - port->npend : 0;
}

static bool rx_ring_full(const struct sm_port *port)
{
	const struct sm_ring *rx = port->rx;

	return sm_ring_next(rx, rx->tail) == port->rx_hwhead;
}

static void rx_put(struct sm_port *port, int fd, uint32_t buf, uint32_t off,
		   uint32_t len, uint16_t flags, int err)
{
	struct sm_ring *rx = port->rx;
	struct sm_slot *s = &rx->slot[rx->tail];

	s->fd = fd;
	s->buf_idx = buf;
	s->off = off;
	s->len = len;
	s->flags = flags;
	s->err = (uint16_t)err;
	rx->tail = sm_ring_next(rx, rx->tail);
	port->st.rx_slots++;
	port->st.rx_bytes += len;
}

static void pend_add(struct sm_port *port, struct sm__conn *c)
{
	if (!(c->flags & SM__C_ON_PEND)) {
		c->flags |= SM__C_ON_PEND;
		SM__CLIST_PUSH(port, &port->pend, c, next_pend);
	}
}

/* The engine received len bytes into buffer buf for c. */
void sm__rx_data(struct sm_port *port, struct sm__conn *c, uint32_t buf,
		 uint32_t len)
{
	struct sm__pool *p = &port->pool;
	uint32_t before;

	if (c->flags & (SM__C_CLOSING | SM__C_ERR_SENT)) {
		/* The app closed this socket, or its SM_F_ERR is out (the
		 * last slot of a connection): its data must not surface. */
		sm__pool_put(p, buf);
		return;
	}
	/* Straight into the ring only when nobody waits: else in line
	 * behind those who do (fairness, see pend_deliver). */
	if (port->pend.head == SM__NONE && !rx_ring_full(port)) {
		p->meta[buf].owner = SM__OWN_APP;
		rx_put(port, c->fd, buf, 0, len, 0, 0);
		return;
	}
	p->meta[buf].owner = SM__OWN_RXQ;
	p->meta[buf].off = 0;
	p->meta[buf].len = len;
	before = pend_slots(c);
	sm__bufq_push(p, &c->rxq, buf);
	pend_account(port, c, before);
	pend_add(port, c);
}

/* An ACCEPT, EOF or ERR event for c. */
void sm__rx_event(struct sm_port *port, struct sm__conn *c, uint16_t flag,
		  int err)
{
	uint32_t pflag, before;

	if (flag != SM_F_ACCEPT) {
		c->flags |= SM__C_RX_DONE;
		if (flag == SM_F_ERR) {
			if (c->flags & SM__C_ERR_SENT)
				return;
			c->flags |= SM__C_ERR_SENT;
			c->err = err;
			port->st.errors++;
		}
	}
	if (c->flags & SM__C_CLOSING)
		return;
	if (flag == SM_F_ACCEPT && port->has_nic && port->nic.n) {
		port->st.syscalls++;
		if (!sm__nic_owns(&port->nic, c->fd))
			port->st.napi_foreign++;
	}
	if (port->pend.head == SM__NONE && !rx_ring_full(port)) {
		rx_put(port, c->fd, SM_NO_BUF, 0, 0, flag, err);
		return;
	}
	pflag = flag == SM_F_ACCEPT ? SM__C_PEND_ACCEPT :
		flag == SM_F_EOF ? SM__C_PEND_EOF : SM__C_PEND_ERR;
	/* EOF and ERR share one pending slot: ERR wins, it says more. */
	if (pflag != SM__C_PEND_ACCEPT &&
	    (c->flags & (SM__C_PEND_EOF | SM__C_PEND_ERR))) {
		if (pflag == SM__C_PEND_ERR)
			c->flags = (c->flags & ~SM__C_PEND_EOF) | pflag;
		return;
	}
	before = pend_slots(c);
	c->flags |= pflag;
	pend_account(port, c, before);
	pend_add(port, c);
}

/* Step 4: move waiting events of each conn, in order, into the ring. */
/* Step 4, round robin: each waiting conn delivers up to SM__PEND_TURN
 * slots, then goes to the back of the line if it has more.  With the
 * rule that fresh data joins the line while anyone waits, a conn that
 * had to wait is served within a few rounds however much the others
 * receive. */
#define SM__PEND_TURN 4

static void pend_deliver(struct sm_port *port)
{
	struct sm__pool *p = &port->pool;
	struct sm__conn *c;
	uint32_t b, n, before;

	while (port->pend.head != SM__NONE) {
		c = &port->conns[port->pend.head];
		before = pend_slots(c);
		n = 0;
		if ((c->flags & SM__C_PEND_ACCEPT) && !rx_ring_full(port)) {
			rx_put(port, c->fd, SM_NO_BUF, 0, 0, SM_F_ACCEPT, 0);
			c->flags &= ~SM__C_PEND_ACCEPT;
		}
		while (!(c->flags & SM__C_PEND_ACCEPT) && !rx_ring_full(port) &&
		       n < SM__PEND_TURN &&
		       (b = sm__bufq_pop(p, &c->rxq)) != SM__NONE) {
			p->meta[b].owner = SM__OWN_APP;
			rx_put(port, c->fd, b, p->meta[b].off, p->meta[b].len,
			       0, 0);
			n++;
		}
		if (c->rxq.count == 0 && !(c->flags & SM__C_PEND_ACCEPT) &&
		    (c->flags & (SM__C_PEND_EOF | SM__C_PEND_ERR)) &&
		    !rx_ring_full(port)) {
			bool err = c->flags & SM__C_PEND_ERR;

			rx_put(port, c->fd, SM_NO_BUF, 0, 0,
			       err ? SM_F_ERR : SM_F_EOF, err ? c->err : 0);
			c->flags &= ~(SM__C_PEND_EOF | SM__C_PEND_ERR);
		}
		pend_account(port, c, before);
		if (c->flags & (SM__C_PEND_ACCEPT | SM__C_PEND_EOF |
				SM__C_PEND_ERR) || c->rxq.count) {
			if (rx_ring_full(port)) {
				port->st.ring_full++;
				return;
			}
			/* Its turn is over: to the back of the line. */
			port->pend.head = c->next_pend;
			if (port->pend.head == SM__NONE)
				port->pend.tail = SM__NONE;
			SM__CLIST_PUSH(port, &port->pend, c, next_pend);
			continue;
		}
		port->pend.head = c->next_pend;
		if (port->pend.head == SM__NONE)
			port->pend.tail = SM__NONE;
		c->flags &= ~SM__C_ON_PEND;
		if (c->flags & SM__C_ZOMBIE)
			conn_free(port, c);
	}
}

/* ---- TX ---- */

void sm__txready(struct sm_port *port, struct sm__conn *c)
{
	if (!(c->flags & SM__C_ON_TXQ)) {
		c->flags |= SM__C_ON_TXQ;
		SM__CLIST_PUSH(port, &port->txready, c, next_tx);
	}
}

/* The engines' view of the TX-ready list: the first conn with TX to
 * submit or a close to do (NULL if none), and taking it off. */
struct sm__conn *sm__txready_peek(struct sm_port *port)
{
	uint32_t i = port->txready.head;

	return i == SM__NONE ? NULL : sm__conn_at(port, i);
}

void sm__txready_pop(struct sm_port *port)
{
	struct sm__conn *c = sm__conn_at(port, port->txready.head);

	port->txready.head = c->next_tx;
	if (port->txready.head == SM__NONE)
		port->txready.tail = SM__NONE;
	c->flags &= ~SM__C_ON_TXQ;
}

/* ---- listeners out of fds ---- */

/* An accept on l failed with err.  For EMFILE and the like, retrying at
 * once would fail again: l is parked (true) until a socket of the port
 * closes or SM__PAUSE_RETRY_MS pass, then handed back to the engine.
 * While parked it counts as on the engine's ready list (ON_RXREADY), so
 * the engine leaves its link alone. */
bool sm__accept_wait(struct sm_port *port, struct sm__conn *l, int err)
{
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return false;
	if (port->parked.head == SM__NONE)
		port->parked_ms = sm__mono_ms();
	l->flags |= SM__C_ON_RXREADY;
	SM__CLIST_PUSH(port, &port->parked, l, next_rx);
	return true;
}

/* An fd is free again: parked listeners may accept. */
void sm__accept_retry(struct sm_port *port)
{
	uint32_t i = port->parked.head;

	sm__clist_init(&port->parked);
	while (i != SM__NONE) {
		struct sm__conn *l = sm__conn_at(port, i);

		i = l->next_rx;
		l->flags &= ~SM__C_ON_RXREADY;
		port->ops->accept_again(port, l);
	}
}

/* At the start of a sync: parked listeners whose retry is due go back,
 * and the wait is no longer than the retry while any stays parked. */
int sm__accept_timeout(struct sm_port *port, int timeout_ms)
{
	if (port->parked.head == SM__NONE)
		return timeout_ms;
	if (sm__mono_ms() - port->parked_ms >= SM__PAUSE_RETRY_MS) {
		sm__accept_retry(port);
		return timeout_ms;
	}
	return timeout_ms < 0 || timeout_ms > SM__PAUSE_RETRY_MS ?
	       SM__PAUSE_RETRY_MS : timeout_ms;
}

/* The engine sent the first buffer of c's queue completely: pop it.  The
 * engine decides when the buffer is free (now, or after a ZC notice). */
uint32_t sm__tx_done(struct sm_port *port, struct sm__conn *c)
{
	port->st.tx_slots++;
	return sm__bufq_pop(&port->pool, &c->txq);
}

/* c will send nothing more: buffers not yet handed to the kernel go
 * back; those in flight (tx_sent) come back with their completions. */
static void tx_drop_unsent(struct sm_port *port, struct sm__conn *c)
{
	struct sm__pool *p = &port->pool;
	uint32_t b, keep = c->tx_sent, i = 0;
	struct sm__bufq rest;

	c->flags |= SM__C_TX_DEAD;
	sm__bufq_init(&rest);
	while ((b = sm__bufq_pop(p, &c->txq)) != SM__NONE) {
		if (i++ < keep) {
			sm__bufq_push(p, &rest, b);
		} else {
			port->st.tx_dropped++;
			sm__pool_put(p, b);
		}
	}
	c->txq = rest;
}

/* A send on c failed: the connection is dead for sending.  Buffers not
 * yet handed to the kernel are dropped; the app hears of it by SM_F_ERR. */
void sm__tx_failed(struct sm_port *port, struct sm__conn *c, int err)
{
	tx_drop_unsent(port, c);
	sm__rx_event(port, c, SM_F_ERR, err);
}

/* SM_F_RESET: drop c's output and close it with a reset.  shutdown()
 * also wakes a send waiting for room in the socket (io_uring): it fails
 * at once, and the close follows when nothing is in flight. */
static void conn_reset(struct sm_port *port, struct sm__conn *c)
{
	static const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	shutdown(c->fd, SHUT_RDWR);
	port->st.syscalls += 2;
	port->st.resets++;
	tx_drop_unsent(port, c);
}

/* Is index i in the circular range [from, to]? */
static bool ring_between(const struct sm_ring *r, uint32_t from, uint32_t i,
			 uint32_t to)
{
	uint32_t n = r->num_slots;

	if (i >= n)
		return false;
	return (i + n - from) % n <= (to + n - from) % n;
}

/* Step 1: take back the buffers of the RX slots the app returned. */
static int rx_reclaim(struct sm_port *port)
{
	struct sm_ring *rx = port->rx;
	uint32_t i;

	if (!ring_between(rx, port->rx_hwhead, rx->head, rx->tail))
		return -EINVAL;
	for (i = port->rx_hwhead; i != rx->head; i = sm_ring_next(rx, i)) {
		struct sm_slot *s = &rx->slot[i];

		if (s->buf_idx == SM_NO_BUF)
			;
		else if (buf_ok(port, s->buf_idx))
			sm__pool_put(&port->pool, s->buf_idx);
		else
			port->st.bad_slots++;
		s->buf_idx = SM_NO_BUF;
		s->fd = -1;
	}
	port->rx_hwhead = rx->head;
	return 0;
}

/* One filled TX slot: queue its buffer on its socket.  A slot naming an
 * unknown or closed socket, a buffer the app does not own, or data beyond
 * its buffer is refused and counted, never sent. */
static void tx_consume_slot(struct sm_port *port, struct sm_slot *s)
{
	struct sm__pool *p = &port->pool;
	struct sm__conn *c = sm__conn_by_fd(port, s->fd);
	uint32_t b = s->buf_idx;
	bool own = buf_ok(port, b);
	bool bad = (b != SM_NO_BUF && !own) ||
		   !c || (c->flags & SM__C_CLOSING) ||
		   (s->len && (!own || (uint64_t)s->off + s->len > p->buf_size));

	s->buf_idx = SM_NO_BUF;
	if (bad) {
		port->st.bad_slots++;
		if (own)
			sm__pool_put(p, b);
		return;
	}
	if (s->len && (c->flags & (SM__C_TX_DEAD | SM__C_LISTENER) ||
		       (s->flags & SM_F_RESET))) {
		port->st.tx_dropped++;
		sm__pool_put(p, b);
	} else if (s->len) {
		p->meta[b].owner = SM__OWN_TXQ;
		p->meta[b].off = s->off;
		p->meta[b].len = s->len;
		sm__bufq_push(p, &c->txq, b);
		sm__txready(port, c);
	} else if (own) {
		sm__pool_put(p, b);
	}
	if ((s->flags & SM_F_RESET) && !(c->flags & SM__C_LISTENER))
		conn_reset(port, c);
	if (s->flags & (SM_F_CLOSE | SM_F_RESET)) {
		c->flags |= SM__C_CLOSING;
		rxq_drop(port, c);
		sm__txready(port, c);
	}
}

/* Step 2: consume the TX slots [tx_hwcur, head). */
static int tx_consume(struct sm_port *port)
{
	struct sm_ring *tx = port->tx;
	uint32_t i;

	if (!ring_between(tx, port->tx_hwcur, tx->head, tx->tail))
		return -EINVAL;
	for (i = port->tx_hwcur; i != tx->head; i = sm_ring_next(tx, i)) {
		tx_consume_slot(port, &tx->slot[i]);
		tx->slot[i].flags = 0;
	}
	port->tx_hwcur = tx->head;
	return 0;
}

/* The thread model (stackmap.h): the first sync binds the port to its
 * thread, for good; a sync from any other thread is refused. */
static int bind_thread(struct sm_port *port)
{
	int ret;

	if (port->bound)
		return pthread_equal(port->driver, pthread_self()) ? 0 : -EBUSY;
	ret = port->ops->bind ? port->ops->bind(port) : 0;
	if (ret < 0)
		return ret;
	port->driver = pthread_self();
	port->bound = true;
	return 0;
}

int sm_sync(struct sm_port *port, int timeout_ms)
{
	uint64_t before;
	bool starved;
	int ret;

	/* Nothing else of the port is read before the thread is checked:
	 * a wrong thread's sync may overlap the driver's. */
	ret = bind_thread(port);
	if (ret < 0)
		return ret;
	before = port->st.rx_slots;
	/* The app owns no TX slot and filled none: it waits for one. */
	starved = sm_ring_empty(port->tx) && port->tx->head == port->tx_hwcur;
	port->st.syncs++;
	ret = rx_reclaim(port);
	if (ret == 0)
		ret = tx_consume(port);
	if (ret < 0)
		return ret;
	/* Events waiting for ring room that the app just made: no sleep. */
	port->nowait = port->pend.head != SM__NONE && !rx_ring_full(port);
	/* A starved app that just gave buffers back (RX slots, sm_buf_put)
	 * gets its TX slots now, not after the wait (step 5). */
	if (starved && port->pool.nfree) {
		tx_refill(port);
		port->nowait |= !sm_ring_empty(port->tx);
	}
	port->ops->refill(port);
	ret = port->ops->sync(port, timeout_ms);
	pend_deliver(port);
	tx_refill(port);
	if (ret < 0)
		return ret;
	return (int)(port->st.rx_slots - before);
}

uint32_t sm_bufs_free(const struct sm_port *port)
{
	return port->pool.nfree;
}

/* Into the library's own struct; sm_stats_size() copies the caller's
 * part (abi.c). */
void sm__stats(struct sm_port *port, struct sm_stats *st)
{
	struct sm__pool *p = &port->pool;

	*st = port->st;
	st->bufs_total = p->num_bufs;
	st->bufs_in_use = p->num_bufs - p->nfree;
	st->bufs_in_use_max = p->in_use_max;
	st->bufs_idle = sm_ring_space(port->tx) + port->lent;
	st->busy_poll_rx_packets = -1;
	if (port->has_nic) {
		const struct sm__nic *n = &port->nic;
		int64_t now = sm__busy_poll_rx_packets();
		uint32_t i;

		st->nic_ifindex = n->ifindex;
		st->busy_poll = n->busy_poll;
		st->busy_poll_err = n->err;
		st->napi_settings = n->applied;
		st->napi_count = (uint32_t)n->n;
		for (i = 0; i < 8 && i < (uint32_t)n->n; i++)
			st->napi_ids[i] = n->saved[i].id;
		if (now >= 0 && n->rx_base >= 0)
			st->busy_poll_rx_packets = now - n->rx_base;
	}
	st->conns = port->nconns;
}
