/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load.h: what sm-load's files share.
 *
 * sm-load.c owns the connections, the TX ring and the clock; a protocol
 * (load_http.c, load_mc.c) writes requests with load_put() and parses
 * the response stream of one connection, calling load_done() once per
 * complete response.  Requests of a connection are answered in order, so
 * a FIFO per connection (size fdepth) pairs each response with its
 * request: its send time and what it was (op).
 */
#ifndef SM_LOAD_H
#define SM_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "hist.h"
#include "stackmap.h"

enum load_mode { MODE_HTTP, MODE_MC };

struct load_opts {
	enum load_mode mode;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *target;        /* HOST:PORT as given */
	char host_lit[64];         /* HOST, v6 in brackets (default Host) */
	const char *host, *path;   /* HTTP Host header, path */
	uint32_t conns, depth, value_size, keys;
	double duration, warmup;   /* seconds */
	double get_ratio;
	uint64_t requests, seed;
	bool preload, kv, verbose;
	struct sm_config cfg;
	uint32_t nwatch;           /* --watch: processes whose CPU to count */
	pid_t watch[8];
};

/* Parse the command line (load_opts.c).  0, or -1 after a message. */
int load_parse_opts(int argc, char **argv, struct load_opts *o);

/* CPU accounting over the measured window (load_cpu.c). */
#define LOAD_CPUS 64
struct load_cpu {
	uint32_t ncpu;
	bool watch_gone;           /* a watched process exited */
	uint64_t watch;            /* ticks of the watched processes */
	uint64_t busy[LOAD_CPUS], total[LOAD_CPUS];  /* ticks per core */
};
struct load_cpu_result {
	uint32_t ncpu;
	double busy_pct[LOAD_CPUS];    /* share of the window each core ran */
	double us_per_req[LOAD_CPUS];  /* its busy time per request */
	double watch_us_per_req;       /* -1: nothing watched, or gone */
};
/* Check that the watched processes exist.  0, or -1 after a message. */
int load_cpu_check(const struct load_opts *o);
void load_cpu_snap(const struct load_opts *o, struct load_cpu *s);
void load_cpu_result(const struct load_cpu *a, const struct load_cpu *b,
		     double requests, struct load_cpu_result *r);

/* HTTP response parser state (load_http.c). */
struct http_ps {
	uint8_t st, pos;
	uint8_t cl;                /* Content-Length value: 0 none, 1 digits,
				    * 2 after them */
	bool match, cl_seen;
	uint16_t status;
	uint32_t head_len;
	uint64_t left;             /* Content-Length, then body to skip */
};

/* memcached response parser state (load_mc.c). */
#define LOAD_LINE_MAX 256
struct mc_ps {
	uint8_t st;
	bool value;                /* a get's VALUE came: END must follow */
	uint16_t len;              /* bytes gathered in line */
	uint64_t left;             /* data bytes to skip */
	char line[LOAD_LINE_MAX];    /* a line split across RX slots */
};

/* A request in flight. */
struct req {
	uint64_t t_ns;             /* when it went into the TX ring */
	uint32_t op;               /* the protocol's: get or set */
};

struct conn {
	int fd;
	uint32_t idx;
	uint32_t inflight;         /* requests not yet answered */
	uint32_t head;             /* the oldest of them in fifo */
	bool dead, closed;         /* failed; its close is queued */
	bool queued;               /* in the ready list */
	struct req *fifo;          /* fdepth entries */
	union {
		struct http_ps http;
		struct mc_ps mc;
	} ps;
};

/* What a complete response was. */
enum load_resp {
	RESP_OK,                   /* HTTP 2xx, STORED */
	RESP_ERR,                  /* other HTTP status, memcached error */
	RESP_HIT,
	RESP_MISS,
};

struct load;

struct load_proto {
	const char *name;
	/* Build what requests need, set req_max.  0, or -1 after printing. */
	int (*init)(struct load *ld);
	void (*fini)(struct load *ld);
	/* Write one request for fd with load_put(); return its op.  The
	 * caller made room for req_max bytes. */
	uint32_t (*request)(struct load *ld, int fd);
	/* The same, storing key (NULL: the protocol has no preload). */
	uint32_t (*preload)(struct load *ld, int fd, uint32_t key);
	/* Consume the next len bytes of c's response stream.  0, or -1 for
	 * a protocol error (ld->why says which). */
	int (*parse)(struct load *ld, struct conn *c, const char *p,
		     uint32_t len);
};

extern const struct load_proto load_http, load_mc;

enum load_phase { PH_PRELOAD, PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_DONE };

/* A snapshot of the counters at either end of the measured window. */
struct load_snap {
	uint64_t ns, cpu_us, syscalls, rx_bytes, tx_bytes;
	struct load_cpu cpu;
};

struct load {
	const struct load_opts *o;
	const struct load_proto *proto;
	struct sm_port *port;
	struct sm_ring *rx, *tx;
	uint32_t buf_size;
	struct sm_slot *ts;        /* TX slot being filled, or NULL */
	char *tbuf;                /* its buffer */
	uint64_t now;              /* ns, CLOCK_MONOTONIC */
	enum load_phase phase;
	uint64_t warm_end, meas_end, hard_end, last_rx;

	/* protocol data */
	char *req, *aux;           /* http: the request; mc: value, set tail */
	size_t req_len, aux_len, req_max;
	uint64_t rng, get_thr;
	uint32_t preload_next;
	const char *why;           /* the last protocol error */

	/* connections */
	struct conn *conns;
	uint32_t nconns, fdepth;
	uint32_t attached;         /* conns[0..attached) are the port's */
	uint32_t alive;            /* attached and not failed */
	uint32_t *ready, nready;   /* connections that may send */
	int32_t *fdmap;            /* fd -> conn index, -1 none */
	int fdmap_len;
	uint64_t inflight;

	/* whole run */
	uint64_t sent, done, rx_bytes, tx_bytes;
	uint64_t err_status, err_proto, err_conn, timeouts;
	bool failed, interrupted, measured;
	/* measured window */
	uint64_t requests, hits, misses;
	struct load_snap s0, s1;
	struct hist hist;
};

/* Copy n bytes of a request for fd into the TX ring. */
void load_put(struct load *ld, int fd, const void *p, size_t n);

/* c's oldest request got its complete response.  0, or -1 when c had no
 * request in flight (ld->why set). */
int load_done(struct load *ld, struct conn *c, enum load_resp r);

/* The op of c's oldest request in flight (c->inflight > 0). */
static inline uint32_t load_head_op(const struct conn *c)
{
	return c->fifo[c->head].op;
}

#endif
