/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-load: a closed-loop HTTP or memcached load generator on libstackmap.
 *
 * N connected sockets are attached to one port; each keeps up to depth
 * requests in flight and sends a new one only when a response came back.
 * Requests are copied into TX slots (several pipelined ones share a slot
 * when they fit), one sm_sync() sends those of every connection and
 * collects every response, and the responses are parsed where they lie
 * in the RX buffers.  So a request costs the kernel's TCP work and a
 * share of one system call (io_uring engine), not the three or four calls
 * of a read/write/epoll client such as wrk.
 *
 * Latency: a request is stamped when it goes into the TX ring (one clock
 * read per loop, shared by the requests of that loop), a response when
 * sm_sync() has returned it (one more clock read).  Only responses that
 * complete inside the measured window count, in a log-linear histogram.
 *
 * The run: [preload: set every key once (memcached)] warmup, measured
 * window, drain (no new requests; wait for those in flight until the
 * hard deadline, warmup + duration + 5 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "util.h"

#define NS		UINT64_C(1000000000)
#define CONNECT_NS	(5 * NS)   /* connecting all connections */
#define GRACE_NS	(5 * NS)   /* drain, after the measured window */
#define STALL_NS	(5 * NS)   /* preload: no response for this long */
#define PRELOAD_DEPTH	16         /* sets in flight per connection */
#define SYNC_MAX_MS	100        /* wait at most, to see signals, ends */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- setup ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* One socket per connection (more than the default 1024 if allowed). */
static void nofile_raise(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int conn_start(struct load *ld, struct conn *c)
{
	const struct load_opts *o = ld->o;
	int one = 1;

	c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	/* Requests go out whole, at once: no Nagle delay behind one in
	 * flight (pipelining). */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0
	    && errno != EINPROGRESS)
		return -errno;
	return 0;
}

/* Wait until every connect() completed, CONNECT_NS at most. */
static int conns_wait(struct load *ld, struct pollfd *pf)
{
	uint64_t end = now_ns() + CONNECT_NS, t;
	uint32_t i, left = ld->nconns;
	socklen_t len;
	int err, n;

	for (i = 0; i < ld->nconns; i++)
		pf[i] = (struct pollfd){ .fd = ld->conns[i].fd,
					 .events = POLLOUT };
	while (left) {
		t = now_ns();
		if (t >= end)
			return -ETIMEDOUT;
		n = poll(pf, ld->nconns, (int)((end - t) / 1000000 + 1));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (stop)
			return -EINTR;
		for (i = 0; n > 0 && i < ld->nconns; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			len = sizeof(err);
			if (getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &err,
				       &len) < 0)
				err = errno;
			if (err)
				return -err;
			pf[i].fd = -1;  /* poll skips it from now on */
			left--;
		}
	}
	return 0;
}

/* Connect, then attach every connection.  0, or -errno (printed). */
static int conns_open(struct load *ld)
{
	struct pollfd *pf = calloc(ld->nconns, sizeof(*pf));
	uint32_t i;
	int ret = pf ? 0 : -ENOMEM, maxfd = 0;

	nofile_raise(ld->nconns + 64);
	for (i = 0; ret == 0 && i < ld->nconns; i++)
		ret = conn_start(ld, &ld->conns[i]);
	if (ret == 0)
		ret = conns_wait(ld, pf);
	free(pf);
	for (i = 0; ret == 0 && i < ld->nconns; i++) {
		ret = sm_attach(ld->port, ld->conns[i].fd);
		if (ret == 0)
			ld->attached = ld->alive = i + 1;
		if (ld->conns[i].fd > maxfd)
			maxfd = ld->conns[i].fd;
	}
	if (ret < 0) {
		fprintf(stderr, "sm-load: connect to %s: %s\n", ld->o->target,
			strerror(-ret));
		return ret;
	}
	ld->fdmap_len = maxfd + 1;
	ld->fdmap = malloc((size_t)ld->fdmap_len * sizeof(*ld->fdmap));
	if (!ld->fdmap)
		return -ENOMEM;
	memset(ld->fdmap, 0xff, (size_t)ld->fdmap_len * sizeof(*ld->fdmap));
	for (i = 0; i < ld->nconns; i++)
		ld->fdmap[ld->conns[i].fd] = (int32_t)i;
	return 0;
}

static int port_open(struct load *ld)
{
	const struct load_opts *o = ld->o;
	struct sm_stats st;
	int ret = sm_open(&ld->port, &o->cfg);

	if (ret < 0) {
		fprintf(stderr, "sm-load: cannot open the port: %s\n",
			strerror(-ret));
		return ret;
	}
	ld->rx = sm_rxring(ld->port);
	ld->tx = sm_txring(ld->port);
	ld->buf_size = ld->tx->buf_size;
	sm_stats(ld->port, &st);
	if (o->cfg.ifname && (!st.busy_poll || !st.napi_settings))
		fprintf(stderr, "sm-load: nic %s: busy polling %s, NAPI "
			"settings %s: %s\n", o->cfg.ifname,
			st.busy_poll ? "on" : "off",
			st.napi_settings ? "applied" : "not applied",
			strerror(-st.busy_poll_err));
	return 0;
}

/* Everything but the connections; 0 or a sysexits code (printed). */
static int load_init(struct load *ld, const struct load_opts *o)
{
	bool nomem;
	uint32_t i;

	hist_init(&ld->hist);
	ld->o = o;
	ld->proto = o->mode == MODE_MC ? &load_mc : &load_http;
	ld->nconns = o->conns;
	ld->fdepth = o->depth;
	if (ld->proto->preload && o->preload && ld->fdepth < PRELOAD_DEPTH)
		ld->fdepth = PRELOAD_DEPTH;
	ld->conns = calloc(ld->nconns, sizeof(*ld->conns));
	ld->ready = calloc(ld->nconns, sizeof(*ld->ready));
	nomem = !ld->conns || !ld->ready;
	for (i = 0; ld->conns && i < ld->nconns; i++) {
		ld->conns[i].fd = -1;
		ld->conns[i].idx = i;
		ld->conns[i].fifo = calloc(ld->fdepth, sizeof(struct req));
		nomem |= !ld->conns[i].fifo;
	}
	if (nomem || ld->proto->init(ld) < 0) {
		fprintf(stderr, "sm-load: out of memory\n");
		return EX_OSERR;
	}
	if (port_open(ld) < 0)
		return EX_OSERR;
	/* A request must fit in what the TX ring can hold at once. */
	if ((uint64_t)sm_ring_space(ld->tx) * ld->buf_size < ld->req_max) {
		fprintf(stderr, "sm-load: a %zu-byte request does not fit in "
			"the TX ring (%u slots of %u bytes): raise -b or -s\n",
			ld->req_max, sm_ring_space(ld->tx), ld->buf_size);
		return EX_USAGE;
	}
	return 0;
}

static void load_fini(struct load *ld)
{
	uint32_t i;

	sm_close(ld->port);  /* closes the attached sockets */
	for (i = 0; ld->conns && i < ld->nconns; i++) {
		if (i >= ld->attached && ld->conns[i].fd >= 0)
			close(ld->conns[i].fd);
		free(ld->conns[i].fifo);
	}
	if (ld->proto)
		ld->proto->fini(ld);
	free(ld->conns);
	free(ld->ready);
	free(ld->fdmap);
}

/* ---- the TX ring ---- */

/* Close the slot being filled: it goes out at the next sync. */
static void tx_flush(struct load *ld)
{
	if (!ld->ts)
		return;
	sm_ring_advance(ld->tx, sm_ring_next(ld->tx, ld->tx->head));
	ld->ts = NULL;
}

/* Is there room for need more bytes for fd?  A slot carries one socket's
 * data: another socket's slot is closed first. */
static bool tx_room(struct load *ld, int fd, size_t need)
{
	if (ld->ts && ld->ts->fd != fd)
		tx_flush(ld);
	return (uint64_t)sm_ring_space(ld->tx) * ld->buf_size -
	       (ld->ts ? ld->ts->len : 0) >= need;
}

/* The caller made room with tx_room(). */
void load_put(struct load *ld, int fd, const void *p, size_t n)
{
	const char *src = p;
	struct sm_slot *s;
	size_t k;

	ld->tx_bytes += n;
	while (n) {
		s = ld->ts;
		if (!s) {
			s = ld->ts = &ld->tx->slot[ld->tx->head];
			s->fd = fd;
			s->off = s->len = 0;
			s->flags = 0;
			ld->tbuf = sm_buf(ld->port, s->buf_idx);
		}
		k = ld->buf_size - s->len;
		if (k > n)
			k = n;
		memcpy(ld->tbuf + s->len, src, k);
		s->len += (uint32_t)k;
		src += k;
		n -= k;
		if (s->len == ld->buf_size)
			tx_flush(ld);
	}
}

/* Queue the close of a failed connection: false if no slot is free. */
static bool conn_close(struct load *ld, struct conn *c)
{
	struct sm_slot *s;

	tx_flush(ld);
	if (sm_ring_empty(ld->tx))
		return false;
	s = &ld->tx->slot[ld->tx->head];
	s->fd = c->fd;
	s->off = s->len = 0;
	s->flags = SM_F_CLOSE;
	sm_ring_advance(ld->tx, sm_ring_next(ld->tx, ld->tx->head));
	ld->fdmap[c->fd] = -1;
	c->closed = true;
	return true;
}

static void conn_queue(struct load *ld, struct conn *c)
{
	if (!c->queued) {
		c->queued = true;
		ld->ready[ld->nready++] = c->idx;
	}
}

/* Send what c may: true when done, false when the TX ring is full. */
static bool conn_fill(struct load *ld, struct conn *c)
{
	bool pre = ld->phase == PH_PRELOAD;
	uint32_t lim = pre ? ld->fdepth : ld->o->depth, op;
	struct req *r;

	if (c->dead)
		return c->closed || conn_close(ld, c);
	if (ld->phase > PH_MEASURE)
		return true;
	while (c->inflight < lim) {
		if (pre && ld->preload_next >= ld->o->keys)
			return true;
		if (!tx_room(ld, c->fd, ld->req_max))
			return false;
		op = pre ? ld->proto->preload(ld, c->fd, ld->preload_next++) :
			   ld->proto->request(ld, c->fd);
		r = &c->fifo[(c->head + c->inflight) % ld->fdepth];
		r->t_ns = ld->now;
		r->op = op;
		c->inflight++;
		ld->inflight++;
		ld->sent++;
	}
	return true;
}

static void fill(struct load *ld)
{
	uint32_t i, keep = 0;
	struct conn *c;

	for (i = 0; i < ld->nready; i++) {
		c = &ld->conns[ld->ready[i]];
		if (conn_fill(ld, c))
			c->queued = false;
		else
			ld->ready[keep++] = c->idx;
	}
	ld->nready = keep;
	tx_flush(ld);
}

/* ---- responses ---- */

static void snap_take(struct load *ld, struct load_snap *s)
{
	struct rusage ru;
	struct sm_stats st;

	getrusage(RUSAGE_SELF, &ru);
	sm_stats(ld->port, &st);
	s->ns = ld->now;
	s->cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		    1000000 + (uint64_t)(ru.ru_utime.tv_usec +
					 ru.ru_stime.tv_usec);
	s->syscalls = st.syscalls;
	s->rx_bytes = ld->rx_bytes;
	s->tx_bytes = ld->tx_bytes;
	load_cpu_snap(ld->o, &s->cpu);
}

static void end_measure(struct load *ld)
{
	snap_take(ld, &ld->s1);
	ld->phase = PH_DRAIN;
}

/* The end, whatever the phase: a measured window started is closed. */
static void load_stop(struct load *ld)
{
	if (ld->phase == PH_MEASURE)
		end_measure(ld);
	ld->timeouts = ld->inflight;
	ld->phase = PH_DONE;
}

int load_done(struct load *ld, struct conn *c, enum load_resp r)
{
	uint64_t sent;

	if (!c->inflight) {
		ld->why = "response without a request";
		return -1;
	}
	sent = c->fifo[c->head].t_ns;
	c->head = c->head + 1 == ld->fdepth ? 0 : c->head + 1;
	c->inflight--;
	ld->inflight--;
	ld->done++;
	conn_queue(ld, c);
	if (r == RESP_ERR)
		ld->err_status++;
	if (ld->phase != PH_MEASURE)
		return 0;
	hist_add(&ld->hist, ld->now - sent);
	ld->hits += r == RESP_HIT;
	ld->misses += r == RESP_MISS;
	if (++ld->requests == ld->o->requests)
		end_measure(ld);
	return 0;
}

/* c is gone: its requests in flight are lost, its socket is closed. */
static void conn_fail(struct load *ld, struct conn *c, const char *why)
{
	if (ld->err_conn + ld->err_proto == 1 || ld->o->verbose)
		fprintf(stderr, "sm-load: connection %u: %s (%u requests in "
			"flight)\n", c->idx, why, c->inflight);
	ld->inflight -= c->inflight;
	c->inflight = 0;
	c->dead = true;
	conn_queue(ld, c);
	if (--ld->alive == 0) {
		fprintf(stderr, "sm-load: all connections failed\n");
		ld->failed = true;
		load_stop(ld);
	}
}

static void rx_slot(struct load *ld, const struct sm_slot *s)
{
	int32_t i = s->fd >= 0 && s->fd < ld->fdmap_len ? ld->fdmap[s->fd] : -1;
	struct conn *c = i >= 0 ? &ld->conns[i] : NULL;
	const char *p;

	if (!c || c->dead)
		return;
	if (s->flags & (SM_F_EOF | SM_F_ERR)) {
		ld->err_conn++;
		conn_fail(ld, c, s->flags & SM_F_ERR ? strerror(s->err) :
			  "closed by the server");
		return;
	}
	ld->rx_bytes += s->len;
	ld->last_rx = ld->now;
	p = (const char *)sm_buf(ld->port, s->buf_idx) + s->off;
	if (ld->proto->parse(ld, c, p, s->len) < 0) {
		ld->err_proto++;
		conn_fail(ld, c, ld->why);
	}
}

static void rx_parse(struct load *ld)
{
	struct sm_ring *rx = ld->rx;
	uint32_t i;

	for (i = rx->head; i != rx->tail && ld->phase != PH_DONE;
	     i = sm_ring_next(rx, i))
		rx_slot(ld, &rx->slot[i]);
	sm_ring_advance(rx, rx->tail);
}

/* ---- the run ---- */

static void queue_all(struct load *ld)
{
	uint32_t i;

	for (i = 0; i < ld->nconns; i++)
		conn_queue(ld, &ld->conns[i]);
}

static void start_warmup(struct load *ld)
{
	ld->warm_end = ld->now + (uint64_t)(ld->o->warmup * NS);
	ld->meas_end = ld->warm_end + (uint64_t)(ld->o->duration * NS);
	ld->hard_end = ld->meas_end + GRACE_NS;
	ld->phase = PH_WARMUP;
	queue_all(ld);  /* preload may have left them out */
}

static void phase_step(struct load *ld)
{
	if (stop) {
		ld->interrupted = true;
		load_stop(ld);
		ld->timeouts = 0;  /* cut short, not unanswered */
		return;
	}
	if (ld->phase == PH_PRELOAD) {
		if (ld->preload_next >= ld->o->keys && !ld->inflight) {
			start_warmup(ld);
		} else if (ld->inflight && ld->now - ld->last_rx > STALL_NS) {
			fprintf(stderr, "sm-load: preload: no response for "
				"%" PRIu64 " s\n", STALL_NS / NS);
			load_stop(ld);
		}
	}
	if (ld->phase == PH_WARMUP && ld->now >= ld->warm_end) {
		snap_take(ld, &ld->s0);
		ld->measured = true;
		ld->phase = PH_MEASURE;
	}
	if (ld->phase == PH_MEASURE && ld->now >= ld->meas_end)
		end_measure(ld);
	if (ld->phase == PH_DRAIN && (!ld->inflight ||
				      ld->now >= ld->hard_end))
		load_stop(ld);
}

/* How long sm_sync() may wait: until the next phase change at most. */
static int sync_timeout(const struct load *ld)
{
	uint64_t dl, ms;

	switch (ld->phase) {
	case PH_PRELOAD: dl = ld->last_rx + STALL_NS; break;
	case PH_WARMUP: dl = ld->warm_end; break;
	case PH_MEASURE: dl = ld->meas_end; break;
	default: dl = ld->inflight ? ld->hard_end : 0; break;
	}
	if (dl <= ld->now)
		return 0;
	ms = (dl - ld->now + 999999) / 1000000;
	return ms > SYNC_MAX_MS ? SYNC_MAX_MS : (int)ms;
}

static void run(struct load *ld)
{
	int ret;

	ld->now = ld->last_rx = now_ns();
	if (ld->proto->preload && ld->o->preload) {
		ld->phase = PH_PRELOAD;
		queue_all(ld);
	} else {
		start_warmup(ld);
	}
	for (;;) {
		ld->now = now_ns();  /* completions of the last sync */
		phase_step(ld);
		if (ld->phase == PH_DONE)
			return;
		rx_parse(ld);
		if (ld->phase == PH_DONE)
			return;
		ld->now = now_ns();  /* send time of this round's requests */
		fill(ld);
		ret = sm_sync(ld->port, sync_timeout(ld));
		if (ret < 0) {
			fprintf(stderr, "sm-load: sync: %s\n", strerror(-ret));
			ld->failed = true;
			return;
		}
	}
}

/* ---- the report ---- */

struct result {
	double secs, rps, cpu_us, syscalls, lat[6];
	uint64_t errors, rx, tx;
	struct load_cpu_result cpu;
};

static void result_get(const struct load *ld, struct result *r)
{
	static const double q[5] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
	const struct load_snap *a = &ld->s0, *b = &ld->s1;
	double n = (double)ld->requests;
	int i;

	memset(r, 0, sizeof(*r));
	r->errors = ld->err_status + ld->err_proto + ld->err_conn +
		    ld->timeouts;
	if (!ld->measured || !ld->requests)
		return;
	r->secs = (double)(b->ns - a->ns) / NS;
	r->rps = r->secs > 0 ? (double)ld->requests / r->secs : 0;
	r->cpu_us = (double)(b->cpu_us - a->cpu_us) / n;
	r->syscalls = (double)(b->syscalls - a->syscalls) / n;
	r->rx = b->rx_bytes - a->rx_bytes;
	r->tx = b->tx_bytes - a->tx_bytes;
	for (i = 0; i < 5; i++)
		r->lat[i] = (double)hist_quantile(&ld->hist, q[i]) / 1000;
	r->lat[5] = hist_mean(&ld->hist) / 1000;
	load_cpu_result(&a->cpu, &b->cpu, n, &r->cpu);
}

static void print_kv(const struct load *ld, const struct result *r)
{
	printf("mode=%s engine=%s conns=%u depth=%u requests=%" PRIu64
	       " duration=%.3f rps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f"
	       " p999_us=%.1f max_us=%.1f mean_us=%.1f errors=%" PRIu64
	       " errors_status=%" PRIu64 " errors_proto=%" PRIu64
	       " conn_errors=%" PRIu64 " timeouts=%" PRIu64 " hits=%" PRIu64
	       " misses=%" PRIu64 " client_cpu_us_per_req=%.3f"
	       " syscalls_per_req=%.3f bytes_rx=%" PRIu64 " bytes_tx=%" PRIu64
	       " sent=%" PRIu64 " completed=%" PRIu64 " rx_bytes_total=%"
	       PRIu64 " tx_bytes_total=%" PRIu64 " outstanding=%" PRIu64,
	       ld->proto->name, sm_engine_name(sm_engine(ld->port)),
	       ld->o->conns, ld->o->depth, ld->requests, r->secs, r->rps,
	       r->lat[0], r->lat[1], r->lat[2], r->lat[3], r->lat[4],
	       r->lat[5], r->errors, ld->err_status, ld->err_proto,
	       ld->err_conn, ld->timeouts, ld->hits, ld->misses, r->cpu_us,
	       r->syscalls, r->rx, r->tx, ld->sent, ld->done, ld->rx_bytes,
	       ld->tx_bytes, ld->inflight);
	for (uint32_t i = 0; i < r->cpu.ncpu; i++)
		printf(" core%u_busy=%.1f core%u_us_per_req=%.3f", i,
		       r->cpu.busy_pct[i], i, r->cpu.us_per_req[i]);
	if (ld->o->nwatch)
		printf(" watch_cpu_us_per_req=%.3f", r->cpu.watch_us_per_req);
	printf("\n");
}

static void print_text(const struct load *ld, const struct result *r)
{
	printf("requests   %" PRIu64 " in %.3f s: %.1f req/s\n",
	       ld->requests, r->secs, r->rps);
	printf("latency    p50 %.1f us, p90 %.1f, p99 %.1f, p99.9 %.1f, "
	       "max %.1f, mean %.1f\n", r->lat[0], r->lat[1], r->lat[2],
	       r->lat[3], r->lat[4], r->lat[5]);
	printf("errors     %" PRIu64 " (status %" PRIu64 ", protocol %"
	       PRIu64 ", connections %" PRIu64 ", timeouts %" PRIu64 ")\n",
	       r->errors, ld->err_status, ld->err_proto, ld->err_conn,
	       ld->timeouts);
	if (ld->proto->preload)
		printf("memcached  hits %" PRIu64 ", misses %" PRIu64 "\n",
		       ld->hits, ld->misses);
	printf("client     %.3f us CPU and %.3f syscalls per request; "
	       "%" PRIu64 " bytes in, %" PRIu64 " out\n", r->cpu_us,
	       r->syscalls, r->rx, r->tx);
	if (ld->o->nwatch)
		printf("watched    %.3f us CPU per request\n",
		       r->cpu.watch_us_per_req);
	printf("cores     ");
	for (uint32_t i = 0; i < r->cpu.ncpu; i++)
		printf(" cpu%u %.0f%% (%.2f us/req)%s", i, r->cpu.busy_pct[i],
		       r->cpu.us_per_req[i], i + 1 < r->cpu.ncpu ? "," : "\n");
}

/* Print the results; the exit status. */
static int report(const struct load *ld)
{
	struct result r;

	result_get(ld, &r);
	if (ld->interrupted)
		fprintf(stderr, "sm-load: interrupted\n");
	if (ld->timeouts)
		fprintf(stderr, "sm-load: %" PRIu64 " requests still "
			"outstanding at the deadline\n", ld->timeouts);
	if (ld->measured && !ld->requests)
		fprintf(stderr, "sm-load: no response in the measured "
			"window\n");
	if (ld->o->kv)
		print_kv(ld, &r);
	else
		print_text(ld, &r);
	return r.errors || ld->failed || !ld->requests ? 1 : 0;
}

static void print_config(const struct load *ld)
{
	const struct load_opts *o = ld->o;

	if (o->kv)
		return;
	printf("sm-load: %s %s%s, %u connections, depth %u, %s engine, "
	       "warmup %g s, duration %g s", ld->proto->name, o->target,
	       o->mode == MODE_HTTP ? o->path : "", o->conns, o->depth,
	       sm_engine_name(sm_engine(ld->port)), o->warmup, o->duration);
	if (o->mode == MODE_MC)
		printf(", %u keys, %u-byte values, get ratio %g%s", o->keys,
		       o->value_size, o->get_ratio,
		       o->preload ? ", preload" : "");
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct load_opts o;
	struct load *ld;
	int ret;

	if (load_parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	if (load_cpu_check(&o) < 0)
		return EX_USAGE;
	util_signals(on_signal);
	/* calloc: the histogram is too big for the stack */
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return EX_OSERR;
	ret = load_init(ld, &o);
	if (ret == 0 && conns_open(ld) < 0)
		ret = EX_OSERR;
	if (ret == 0) {
		print_config(ld);
		run(ld);
		ret = report(ld);
	}
	load_fini(ld);
	free(ld);
	return ret;
}
