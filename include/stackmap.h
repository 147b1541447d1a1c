/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stackmap.h: the public API of libstackmap.
 *
 * libstackmap gives one application a netmap-style datapath over the
 * unmodified Linux TCP/IP stack.  Sockets are created and configured with
 * the ordinary socket API (the control path) and then attached to a port.
 * From then on all their data moves through two rings of slots that point
 * into one static pool of fixed-size buffers, and one call, sm_sync(),
 * moves the data of every attached socket in both directions.
 *
 *      struct sm_port (opaque)
 *     +---------------------+
 *     | buffer pool         |----> +------+------+------+-- ... --+
 *     | rx ring  -----------|--+   | buf0 | buf1 | buf2 |         | num_bufs
 *     | tx ring  -----------|-+|   +------+------+------+-- ... --+ x buf_size
 *     | engine (uring/epoll)| ||        ^ sm_buf(port, buf_idx)
 *     +---------------------+ ||        |
 *                             |+-> struct sm_ring           struct sm_slot
 *                             |    +-----------+            +-----------+
 *                             +--> | head      |  slot[i] = | fd        | socket
 *                                  | cur       |            | buf_idx   |--+
 *                                  | tail      |            | off, len  |  |
 *                                  | num_slots |            | flags,err |  |
 *                                  | slot[]    |            +-----------+  |
 *                                  +-----------+       data is at sm_buf()+off
 *
 * Ring rules (netmap's).  Indexes run from 0 to num_slots - 1 and wrap.
 *
 *   - head and cur are written by the application only, tail by the
 *     library only, and only inside sm_sync().
 *   - Slots in [head, tail) belong to the application; all others
 *     (from tail up to head, one of them always kept empty) belong to
 *     the library and must not be touched.
 *   - cur is the application's own cursor, kept for netmap's layout:
 *     the library neither reads nor checks it, and sm_ring_advance()
 *     sets it to head.  An application may keep it ahead of head while
 *     it looks at slots.
 *
 *   RX ring:  [head, tail) are received slots for the application to
 *             consume.  The application returns them by advancing head
 *             (and cur); at the next sm_sync() the library takes back the
 *             buffers of the returned slots and appends new slots at tail.
 *
 *               head            tail
 *                |  app reads    |   library fills   |
 *     ...........[#################).................... (wraps)
 *
 *   TX ring:  [head, tail) are free slots, each already owning an empty
 *             pool buffer.  The application writes data into
 *             sm_buf(port, slot->buf_idx) + off, sets fd/off/len/flags and
 *             advances head (and cur).  sm_sync() sends every slot before
 *             head and moves tail forward as it attaches fresh buffers to
 *             the slots it consumed (tail stops when the pool is empty).
 *
 *               head            tail
 *                |  free, app    |  queued or being    |
 *                |  may fill     |  re-armed, library  |
 *     ...........[ooooooooooooooo)......................
 *
 * Buffers.  Every buffer of the pool has exactly one owner at a time: the
 * library (free, lent to the kernel, queued for sending), a slot of a ring,
 * or the application (spares from sm_buf_get()).  An application may swap
 * the buffer of a slot it owns for another buffer it owns (a spare, or the
 * buffer of a slot of the other ring) and mark the slot SM_F_BUF_CHANGED:
 * this is how received data is kept without copying, or sent back without
 * copying.  It must never put one buffer in two places.
 *
 * Per socket the library guarantees: TX data leaves in slot order, exactly
 * once, whatever the kernel does (partial sends, EAGAIN, slow readers); RX
 * data arrives in order, exactly once; nothing is dropped when buffers or
 * slots run out (the library stops reading and TCP flow control pushes
 * back); no RX slot carries data of a socket after the application asked
 * to close it, even when the kernel reuses the fd number.
 *
 * Sockets attached to a port must be closed through the port (a TX slot
 * with SM_F_CLOSE), never with close(2): the library still has I/O in
 * flight on them.
 *
 * Threads.  A process may open any number of ports; ports share nothing
 * (each has its own pool, rings, engine and sockets), so each can run in
 * its own thread with no lock.  One port is not thread-safe: calls on it
 * must not overlap.  It may be opened, and sockets attached to it, in one
 * thread and driven by another (main sets up, workers run): the first
 * sm_sync() binds the port to the calling thread, for good, and a sync
 * from any other thread then fails with -EBUSY.  (The io_uring engine's
 * ring accepts submissions from one thread only.)  sm_close() may be
 * called from any thread once the driver has stopped syncing.
 * sm_listen() (and sm_listen_group()) makes one listener per port in a
 * SO_REUSEPORT group, so that the kernel spreads connections over the
 * ports, with the kernel's TCP features (Fast Open, MPTCP, deferred
 * accept, congestion control) set on them.
 *
 * ABI.  The structs a program allocates (sm_config, sm_stats,
 * sm_listen_opts) can gain fields at their end without breaking programs
 * built before: each call learns the caller's sizeof (sm_config_init()
 * and sm_listen_opts_init() store it in the struct's size field,
 * sm_stats() passes it), and the library reads and writes that many
 * bytes, as the kernel does for openat2() and clone3(): a field the
 * caller's struct lacks keeps its default, and a caller's struct larger
 * than the library's is taken only when the bytes the library does not
 * know are zero (else -E2BIG).  New symbols go in a new version node;
 * sm_config_init and sm_stats of the releases before 0.5 stay as compatibility
 * symbols (STACKMAP_0.1), so binaries built then run unchanged.
 * sm_version() tells the library's version at run time.
 *
 * Errors: every call that can fail returns a negative errno value.  The
 * library never sets errno, never prints and never exits.
 */
#ifndef STACKMAP_H
#define STACKMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SM_VERSION_MAJOR 0
#define SM_VERSION_MINOR 5
#define SM_VERSION_PATCH 0
/* The version as one number, as sm_version() returns it at run time. */
#define SM_VERSION_NUM(major, minor, patch) \
	((uint32_t)(major) << 16 | (uint32_t)(minor) << 8 | (uint32_t)(patch))
#define SM_VERSION \
	SM_VERSION_NUM(SM_VERSION_MAJOR, SM_VERSION_MINOR, SM_VERSION_PATCH)

/* buf_idx of a slot that carries no buffer (RX control slots). */
#define SM_NO_BUF UINT32_MAX

/* A port: pool, rings, engine and attached sockets (opaque). */
struct sm_port;

/* Slot flags. */
/* RX: a new connection; fd is the accepted socket, len is 0. */
#define SM_F_ACCEPT       0x0001
/* RX: the peer closed its side (no more data will come); len is 0. */
#define SM_F_EOF          0x0002
/* RX: the connection failed (or a listener cannot accept any more, e.g.
 * EINVAL once shut down); err holds the errno; len is 0.  It is the
 * socket's last RX slot: no data follows it, even if a failed send left
 * the receiving side open.  The socket stays attached until closed. */
#define SM_F_ERR          0x0004
/* TX: close the socket once all data queued before this slot, and this
 * slot's own data (len may be 0), has been sent. */
#define SM_F_CLOSE        0x0008
/* RX or TX: the application replaced buf_idx with another buffer it owned.
 * Informational: the library always uses the index found in the slot. */
#define SM_F_BUF_CHANGED  0x0010
/* TX: abort the connection: drop the data still queued for the socket
 * (and this slot's), close it with a reset (SO_LINGER 0).  For a peer
 * that stopped reading: its queued buffers go back to the pool at once,
 * where SM_F_CLOSE would wait for ever for them to be sent. */
#define SM_F_RESET        0x0020

struct sm_slot {
	int32_t  fd;      /* lib (RX) / app (TX): the socket of this slot */
	uint32_t buf_idx; /* index of the slot's buffer, or SM_NO_BUF */
	uint32_t off;     /* data starts at sm_buf(port, buf_idx) + off */
	uint32_t len;     /* bytes of data */
	uint16_t flags;   /* SM_F_* */
	uint16_t err;     /* RX with SM_F_ERR: the errno of the failure */
};

struct sm_ring {
	uint32_t head;      /* app: first slot owned by the app */
	uint32_t cur;       /* app: its own cursor; the library ignores it */
	uint32_t tail;      /* lib: first slot owned by the library */
	const uint32_t num_slots;
	const uint32_t buf_size;
	uint32_t reserved;
	struct sm_slot slot[];
};

/* Index after i. */
static inline uint32_t sm_ring_next(const struct sm_ring *r, uint32_t i)
{
	return i + 1 == r->num_slots ? 0 : i + 1;
}

/* Number of slots the application owns: RX slots to read, TX slots free. */
static inline uint32_t sm_ring_space(const struct sm_ring *r)
{
	int64_t n = (int64_t)r->tail - (int64_t)r->head;

	return (uint32_t)(n < 0 ? n + r->num_slots : n);
}

/* True when the application owns no slot of the ring. */
static inline int sm_ring_empty(const struct sm_ring *r)
{
	return r->head == r->tail;
}

/* Give all slots up to (not including) i back to the library. */
static inline void sm_ring_advance(struct sm_ring *r, uint32_t i)
{
	r->head = r->cur = i;
}

enum sm_engine {
	SM_ENGINE_AUTO = 0,  /* io_uring if the kernel has what we need */
	SM_ENGINE_URING,
	SM_ENGINE_EPOLL,
};

struct sm_config {
	enum sm_engine engine;  /* AUTO: env SM_ENGINE=uring|epoll overrides */
	uint32_t num_bufs;      /* buffers in the pool (default 8192) */
	uint32_t buf_size;      /* bytes per buffer (default 2048) */
	uint32_t ring_size;     /* slots per ring (default 1024) */
	uint32_t max_conns;     /* attached sockets at most (default 65536) */
	uint32_t zc_threshold;  /* io_uring: sends of at least this many bytes
				 * use SEND_ZC; 0 = never (default: see
				 * docs/architecture.md) */
	/* Dedicated NIC (optional): the app's syncs busy-poll its NAPI
	 * instances, as StackMap's app-driven NIC I/O.  Needs CAP_NET_ADMIN
	 * for the per-NAPI settings; without it (or on an older kernel) the
	 * port runs without them and sm_stats() says why. */
	const char *ifname;     /* interface to register, or NULL */
	uint32_t busy_poll_usec;/* busy-poll time per wait (default 50 us) */
	uint32_t busy_poll_budget; /* packets per poll, epoll (default 64) */
	/* Per-NAPI settings applied while the port is open (restored by
	 * sm_close), -1 = leave the kernel's value alone. */
	int64_t napi_defer_hard_irqs;  /* default 100 */
	int64_t napi_gro_flush_ns;     /* default 200000 (200 us) */
	int64_t napi_irq_suspend_ns;   /* default 20000000 (20 ms) */
	/* The caller's sizeof(struct sm_config), set by sm_config_init():
	 * how the struct grows (see "ABI" above).  0: a program built
	 * before 0.5, whose struct ends at nic_queues (the field was a
	 * reserved "flags", 0). */
	uint32_t size;
	/* The NIC's RX queues this port owns: nic_queues of them from
	 * nic_queue (the netdev family's QUEUE_GET maps each to its NAPI
	 * instance, which the port alone busy-polls).  -1 (default): the
	 * whole NIC.  Ports and processes may share a NIC: each NAPI
	 * instance's original settings come back when its last user
	 * closes or, after a crash, when the next user opens. */
	int32_t nic_queue;
	uint32_t nic_queues;    /* default 1 */
};

struct sm_stats {
	uint64_t syncs;          /* sm_sync() calls */
	uint64_t work_syncs;     /* syncs that had I/O to submit or harvest */
	uint64_t syscalls;       /* system calls made by sm_sync() */
	uint64_t rx_slots, rx_bytes;
	uint64_t tx_slots, tx_bytes;
	uint64_t tx_zc;          /* sends done with SEND_ZC */
	uint64_t tx_partial;     /* sends the kernel took only in part */
	uint64_t tx_dropped;     /* TX data for a failed or closed socket */
	uint64_t bad_slots;      /* slots refused: unknown fd, bad buffer index
				  * or owner, off + len beyond the buffer */
	uint64_t accepted;       /* connections accepted on attached listeners */
	uint64_t accept_dropped; /* accepted then closed: max_conns reached */
	uint64_t closed;         /* sockets closed by the library */
	uint64_t resets;         /* of them, aborted by SM_F_RESET */
	uint64_t errors;         /* SM_F_ERR slots delivered */
	uint64_t pool_empty;     /* times a buffer was needed and none free */
	uint64_t ring_full;      /* syncs that left RX data waiting: ring full */
	uint64_t rx_stalls;      /* times a socket's reading was paused */
	uint32_t bufs_total;
	uint32_t bufs_in_use;    /* not in the free list (rings, kernel, app) */
	uint32_t bufs_in_use_max;/* high-water mark of bufs_in_use */
	uint32_t bufs_idle;      /* in use by an idle port (TX ring, lent RX) */
	uint32_t conns;          /* attached sockets now */
	uint32_t conns_max;      /* high-water mark of conns */
	/* Dedicated NIC (cfg.ifname) */
	int32_t nic_ifindex;     /* 0: no NIC registered */
	int32_t busy_poll;       /* 1 busy polling on, 0 off */
	int32_t busy_poll_err;   /* why not, or why the NAPI settings were
				  * not applied (-EPERM, -EOPNOTSUPP...) */
	int32_t napi_settings;   /* 1 if the per-NAPI settings are applied */
	uint32_t napi_count;     /* NAPI instances of the NIC */
	uint32_t napi_ids[8];    /* the first of them */
	uint64_t napi_foreign;   /* accepted sockets whose SO_INCOMING_NAPI_ID
				  * is not the NIC's (traffic elsewhere) */
	int64_t busy_poll_rx_packets; /* TcpExtBusyPollRxPackets since open
				  * (whole network namespace), -1 unknown */
};

/* One NAPI instance of a NIC (sm_nic_napis); -1: not reported. */
struct sm_napi_info {
	uint32_t id;
	int32_t irq, pid, threaded;
	int64_t defer_hard_irqs;
	int64_t gro_flush_timeout;     /* ns */
	int64_t irq_suspend_timeout;   /* ns */
};

/* The NAPI instances of interface ifname (at most max): their count, or
 * -errno (-ENODEV no such interface, -EOPNOTSUPP kernel too old). */
int sm_nic_napis(const char *ifname, struct sm_napi_info *out, int max);

/* n listening TCP sockets on address sa (IPv4 or IPv6; port 0 = any free
 * port, the same for all), one per port, in one SO_REUSEPORT group, each
 * with this listen backlog, into fds[0..n).  The kernel spreads new
 * connections over them.  With cpus (n CPU numbers, NULL = none), a
 * classic BPF program gives a connection to listener i when its SYN was
 * processed on CPU cpus[i] (on a NIC: the CPU of the queue's interrupt
 * and NAPI thread), and the others to the kernel's hash.  0 or -errno
 * (-EINVAL bad arguments, at most 1024 listeners); on failure nothing is
 * left open. */
int sm_listen_group(const struct sockaddr *sa, socklen_t salen, int backlog,
		    int n, const int *cpus, int *fds);

/*
 * The kernel's TCP features on listeners: what sm_listen() sets on each.
 * sm_listen_opts_init() leaves every feature at the kernel's default:
 * zero, but backlog 4096 and v6only -1 (0 turns IPV6_V6ONLY off).  The
 * struct grows as the others (see "ABI" above): size is the caller's
 * sizeof, set by sm_listen_opts_init().
 */
struct sm_listen_opts {
	uint32_t size;          /* sizeof(struct sm_listen_opts), by init */
	int backlog;            /* listen()'s backlog (init: 4096) */
	int fastopen;           /* TCP_FASTOPEN: pending Fast Open requests
				 * queued at most; 0 = off.  The server bit
				 * (2) of net.ipv4.tcp_fastopen must be on */
	int defer_accept;       /* TCP_DEFER_ACCEPT: seconds a connection
				 * waits for its first data before it is
				 * accepted; 0 = off */
	int v6only;             /* IPV6_V6ONLY on an IPv6 address: 1 on,
				 * 0 off, -1 the system's (init: -1) */
	int mptcp;              /* 1: IPPROTO_MPTCP listeners (a peer that
				 * does not speak MPTCP falls back to TCP,
				 * connection by connection) */
	int reuseport;          /* 1: SO_REUSEPORT even for one listener
				 * (n > 1 always sets it) */
	const char *congestion; /* TCP_CONGESTION by name ("bbr"), NULL =
				 * the system's default */
};

/* Fill o (size bytes: the caller's sizeof) with the defaults and set
 * o->size.  Programs call sm_listen_opts_init(). */
void sm_listen_opts_init_size(struct sm_listen_opts *o, size_t size);
static inline void sm_listen_opts_init(struct sm_listen_opts *o)
{
	sm_listen_opts_init_size(o, sizeof(*o));
}

/* n listening sockets on sa as sm_listen_group(), with the options o
 * (NULL: the defaults).  One listener (n = 1) joins no SO_REUSEPORT
 * group unless o->reuseport, so a second server on the port fails as it
 * should; cpus (as sm_listen_group's) need a group: n > 1 or
 * o->reuseport.  0 or -errno: -EINVAL bad arguments or o->size (cpus
 * without a group), -E2BIG an o larger than the library's whose fields
 * past it are set, -ENOENT a
 * congestion control the kernel does not have, -EPERM one it does not
 * allow this process, -EPROTONOSUPPORT no MPTCP (net.mptcp.enabled=0),
 * or the failing call's; on failure nothing is left open. */
int sm_listen(const struct sockaddr *sa, socklen_t salen,
	      const struct sm_listen_opts *o, int n, const int *cpus,
	      int *fds);

/* The NAPI instance of RX queue `queue` of interface ifname: 0 and
 * *napi_id, or -errno (-ENODEV no such interface, -ENOENT no such queue,
 * -ENODATA no NAPI instance for it, -EOPNOTSUPP kernel too old). */
int sm_nic_queue_napi(const char *ifname, uint32_t queue, uint32_t *napi_id);

/* Fill cfg (size bytes: the caller's sizeof) with the defaults and set
 * cfg->size.  Programs call sm_config_init(), which passes their sizeof. */
void sm_config_init_size(struct sm_config *cfg, size_t size);
/* Fill cfg with the defaults. */
static inline void sm_config_init(struct sm_config *cfg)
{
	sm_config_init_size(cfg, sizeof(*cfg));
}

/* Create a port (pool, rings, engine).  0 or -errno. */
int sm_open(struct sm_port **portp, const struct sm_config *cfg);

/* Close every attached socket and free the port.  NULL is allowed. */
void sm_close(struct sm_port *port);

/* Put a stream socket (TCP, MPTCP or AF_UNIX; listening or connected) on
 * the port's datapath.  The socket is made non-blocking.  Connections
 * accepted on an attached listener are attached by the library and
 * announced with SM_F_ACCEPT.  0 or -errno (-EBADF a negative fd,
 * -ENOTSOCK, -EPROTONOSUPPORT not a stream, -EEXIST already attached,
 * -ENOSPC max_conns reached...). */
int sm_attach(struct sm_port *port, int fd);

struct sm_ring *sm_rxring(struct sm_port *port);
struct sm_ring *sm_txring(struct sm_port *port);

/* Address of buffer buf_idx (NULL when out of range). */
void *sm_buf(struct sm_port *port, uint32_t buf_idx);

/* Take a spare buffer from the pool (0 or -ENOBUFS) / give one back. */
int sm_buf_get(struct sm_port *port, uint32_t *buf_idx);
void sm_buf_put(struct sm_port *port, uint32_t buf_idx);

/* Bytes the library holds queued for socket fd (handed over in TX slots,
 * not yet taken by the kernel), or -EBADF.  With sm_rx_pause(), lets an
 * app bound what one slow reader holds of the shared pool. */
int64_t sm_tx_queued(struct sm_port *port, int fd);

/* Buffers in the pool's free list now: what sockets may still take
 * (an app can shrink what it lets one slow reader hold as this falls). */
uint32_t sm_bufs_free(const struct sm_port *port);

/* Stop (pause = 1) or resume (pause = 0) reading socket fd.  Data already
 * received still arrives; beyond that TCP flow control pushes the peer
 * back.  For apps that bound a connection's output: a client that does
 * not read its answers is not read either.  0 or -EBADF (not attached, a
 * listener, or a socket being closed). */
int sm_rx_pause(struct sm_port *port, int fd, int pause);

/* Send every TX slot before head, collect what arrived on every attached
 * socket into the RX ring.  timeout_ms: 0 never blocks, -1 waits for at
 * least one event, > 0 waits at most that long.  Returns the number of
 * new RX slots, or -errno (-EINVAL when the app broke the ring rules,
 * -EBUSY when called from another thread than the port's first sync). */
int sm_sync(struct sm_port *port, int timeout_ms);

/* The port's counters into st, size bytes of it (the caller's sizeof:
 * a counter the library does not have reads 0).  Programs call
 * sm_stats(), which passes their sizeof. */
void sm_stats_size(struct sm_port *port, struct sm_stats *st, size_t size);
static inline void sm_stats(struct sm_port *port, struct sm_stats *st)
{
	sm_stats_size(port, st, sizeof(*st));
}

/* The engine the port runs on (never SM_ENGINE_AUTO) and its name. */
enum sm_engine sm_engine(const struct sm_port *port);
const char *sm_engine_name(enum sm_engine engine);

/* Parse "uring", "epoll" or "auto".  0 or -EINVAL. */
int sm_engine_parse(const char *name, enum sm_engine *engine);

/* The version of the library the program runs with, SM_VERSION's
 * encoding (major << 16 | minor << 8 | patch): compare it with the
 * SM_VERSION it was built against.  New in 0.3. */
uint32_t sm_version(void);

#ifdef __cplusplus
}
#endif
#endif /* STACKMAP_H */
