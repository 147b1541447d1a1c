/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-memcached: a memcached-compatible server on libstackmap.
 *
 * The protocol engine (mc_proto.c, mc_meta.c, mc_admin.c) and the store
 * (mc_store.c, striped over the workers by mc_cache.c) know nothing of
 * sockets; memcached_conn.c feeds them each
 * connection's bytes, in place in the RX buffers, and packs their answers
 * into TX slots, on the loop the servers share (apps/common/server.c).
 * This file sets the server up.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mc_proto.h"
#include "memcached.h"
#include "server.h"
#include "stackmap.h"
#include "util.h"
#include "workers.h"

/* "stats" ends with the datapath counters, as STAT sm_<name>, summed
 * over the workers: the asking worker's live, the others' as of their
 * last tick (a worker's port is read only by its own thread), under the
 * shared lock. */
static void stats_cb(void *arg, const struct mc_out *out)
{
	struct mcd_shared *sh = arg;
	struct sm_stats st, one;
	uint64_t send_timeouts = 0, pool_resets = 0;
	int i;

	memset(&st, 0, sizeof(st));
	mcd_lock(sh);
	for (i = 0; i < sh->nworkers; i++) {
		struct mcd *m = &sh->workers[i];

		if (m == mcd_self || !sh->threaded) {
			sm_stats(m->srv.port, &one);
			send_timeouts += m->srv.send_timeouts;
			pool_resets += m->srv.pool_resets;
		} else {
			one = m->snap;
			send_timeouts += m->snap_send_timeouts;
			pool_resets += m->snap_pool_resets;
		}
#define X(f) st.f += one.f;
		UTIL_SM_COUNTERS(X)
#undef X
	}
	mcd_unlock(sh);
	mc_stat_printf(out, "sm_engine", "%s",
		       sm_engine_name(sm_engine(sh->workers[0].srv.port)));
#define X(f) mc_stat_printf(out, "sm_" #f, "%" PRIu64, (uint64_t)st.f);
	UTIL_SM_COUNTERS(X)
#undef X
	mc_stat_printf(out, "sm_send_timeouts", "%" PRIu64, send_timeouts);
	mc_stat_printf(out, "sm_pool_resets", "%" PRIu64, pool_resets);
}

struct opts {
	const char *addr, *port_file, *cpus;
	int port, udp, threads, verbose, stripes, napi_ids;
	unsigned send_s;
	long maxconns;
	size_t maxbytes, item_max;
	struct sm_config cfg;
	struct sm_listen_opts listen;  /* the kernel's TCP features */
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-memcached [OPTIONS]\n"
"\n"
"A memcached-compatible server on libstackmap: the text protocol (get,\n"
"gets, set, add, replace, append, prepend, cas, delete, incr, decr, touch,\n"
"gat, gats, flush_all, version, verbosity, stats, quit) and the meta\n"
"commands (mg, ms, md, mn, ma), noreply, LRU eviction under a memory\n"
"limit.  \"stats\" also reports the datapath counters (STAT sm_*).\n"
"Prints them on standard error too when it stops (SIGINT, SIGTERM).\n"
"\n"
"memcached options:\n"
"  -p, --port PORT           TCP port (default 11211; 0 = any free port)\n"
"  -l, --listen ADDR         IPv4 or IPv6 address (default ::, all)\n"
"  -m, --memory-limit MB     item memory in megabytes (default 64)\n"
"  -c, --conn-limit N        simultaneous connections (default 1024), over\n"
"                            all threads; one more is told \"ERROR Too many\n"
"                            open connections\" and closed, as memcached\n"
"  -I, --max-item-size SIZE  largest item, bytes or with k/m (default 1m,\n"
"                            1k..128m)\n"
"  -U, --udp-port PORT       only 0: UDP is not served (memcached's default)\n"
"  -t, --threads N           worker threads, each with its own port and\n"
"                            listener (one SO_REUSEPORT group), sharing\n"
"                            one store (default 4, as memcached; auto =\n"
"                            one per online CPU)\n"
"  -N, --napi_ids N          N RX queues, each with its worker: accepted\n"
"                            with --nic, where worker i owns queue i and,\n"
"                            when queue i's NAPI thread or IRQ is on one\n"
"                            CPU, runs there and gets the connections\n"
"                            that queue receives (by default; N at most -t)\n"
"  -v, --verbose             more output (repeatable)\n"
"  -h, --help                this help\n"
"\n"
"StackMap options:\n"
"  -e, --engine ENGINE       uring, epoll or auto (default auto; the\n"
"                            environment variable SM_ENGINE overrides auto)\n"
"  -b, --bufs N              buffers in each thread's pool (default 8192)\n"
"  -s, --buf-size BYTES      bytes per buffer (default 2048)\n"
"  -P, --port-file FILE      write the bound port to FILE once listening\n"
"      --cpus LIST           pin worker i to the i-th CPU of LIST (0-3,6)\n"
"                            and give it the connections whose packets\n"
"                            that CPU receives (a reuseport BPF program;\n"
"                            default with --nic: queue i's NAPI CPU)\n"
"      --lock-stripes N      split the store over N stripes, each with its\n"
"                            own lock, hash table and LRU, under one -m\n"
"                            (default 1 with one thread, else 4 per thread\n"
"                            up to 64; 1 = one lock for the whole store)\n"
"      --send-timeout S      reset a connection whose client took none of\n"
"                            its answers for S seconds (default 60; 0 =\n"
"                            never, as memcached)\n"
UTIL_NIC_HELP
UTIL_TCP_HELP
"\n"
"Exit status: 0 after a signal, 64 usage error, 71 the socket or the port\n"
"cannot be set up.\n"
"\n"
"Example: sm-memcached -p 11211 -m 256 &  memcaslap -s 127.0.0.1:11211 -t 10s\n");
}

/* "1m", "512k", "1048576". */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return 0;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	return *end ? 0 : (size_t)v;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_SEND = 256, O_CPUS, O_STRIPES };
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "memory-limit", required_argument, NULL, 'm' },
		{ "conn-limit", required_argument, NULL, 'c' },
		{ "max-item-size", required_argument, NULL, 'I' },
		{ "udp-port", required_argument, NULL, 'U' },
		{ "threads", required_argument, NULL, 't' },
		{ "napi_ids", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "engine", required_argument, NULL, 'e' },
		{ "bufs", required_argument, NULL, 'b' },
		{ "buf-size", required_argument, NULL, 's' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "send-timeout", required_argument, NULL, O_SEND },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "lock-stripes", required_argument, NULL, O_STRIPES },
		{ "help", no_argument, NULL, 'h' },
		UTIL_LONGOPTS,
		UTIL_TCP_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->addr = "::";
	o->port = 11211;
	o->maxconns = 1024;
	o->threads = 4;
	o->maxbytes = 64u << 20;
	o->item_max = 1u << 20;
	o->send_s = 60;
	sm_config_init(&o->cfg);
	sm_listen_opts_init(&o->listen);
	while ((ch = getopt_long(argc, argv, "p:l:m:c:I:U:t:N:ve:b:s:P:h", lo,
				 NULL)) != -1) {
		int r = util_sm_opt(ch, optarg, &o->cfg);

		if (r < 0)
			return -1;
		if (r > 0 || util_tcp_opt(ch, optarg, &o->listen))
			continue;
		switch (ch) {
		case 'p': o->port = (int)util_num(optarg, 0, 65535); break;
		case 'l': o->addr = optarg; break;
		case 'm': o->maxbytes = (size_t)util_num(optarg, 1, 1 << 20) << 20; break;
		case 'c': o->maxconns = util_num(optarg, 1, 1 << 22); break;
		case 'I':
			o->item_max = parse_size(optarg);
			if (o->item_max < 1024 || o->item_max > (128u << 20))
				return util_usage_error("bad item size", optarg);
			break;
		case 'U':
			if (util_num(optarg, 0, 65535) != 0)
				return util_usage_error("UDP is not supported, -U must be 0", optarg);
			break;
		case 't': o->threads = util_threads(optarg); break;
		case 'N': o->napi_ids = (int)util_num(optarg, 1, WORKERS_MAX); break;
		case O_CPUS: o->cpus = optarg; break;
		case O_STRIPES:
			o->stripes = (int)util_num(optarg, 1, MC_STRIPES_MAX);
			if (o->stripes & (o->stripes - 1))
				return util_usage_error("--lock-stripes must be a power of two", optarg);
			break;
		case 'v': o->verbose++; break;
		case 'P': o->port_file = optarg; break;
		case O_SEND: o->send_s = (unsigned)util_num(optarg, 0, 86400); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument", argv[optind]);
	if (o->napi_ids > o->threads) {  /* memcached's words */
		fprintf(stderr, "Number of napi_ids(%d) cannot be greater than "
			"number of threads(%d)\n", o->napi_ids, o->threads);
		return -1;
	}
	/* memcached -N hands each connection to the thread of its NAPI id;
	 * here each worker owns a queue of its --nic, and the listeners'
	 * program steers (workers.c).  Without a NIC there is no queue. */
	if (o->napi_ids && !o->cfg.ifname) {
		fprintf(stderr, "-N (a worker per NAPI id) needs --nic IFNAME, "
			"whose queues the workers own\n");
		return -1;
	}
	/* -c is counted over all workers (memcached_conn.c), which tell a
	 * connection over it so, as memcached does.  A port takes that
	 * many, its listener, and room for 64 being told: past that, the
	 * library closes new ones at once (accept_dropped). */
	o->cfg.max_conns = (uint32_t)o->maxconns + 1 + 64;
	return 0;
}

static void worker_init(struct mcd *m, struct mcd_shared *sh,
			struct sm_port *port, const struct opts *o)
{
	/* A client may pipeline a get of many large items: keep its input
	 * and stop offering more only past a few items of output. */
	struct srv_limits lim = SRV_LIMITS_DEFAULT;

	lim.out_limit = 4 * o->item_max;
	lim.send_timeout_ms = o->send_s * 1000ull;
	m->sh = sh;
	mc_thread_init(&m->mt, &sh->cache);
	srv_init(&m->srv, port, &mcd_ops, m, &lim);
}

/* The store's and the shared connection counts, after the workers'. */
static void report(const struct workers *w, struct mcd_shared *sh)
{
	uint64_t takes, waits;
	struct mc_stats sum;

	mc_cache_stats(&sh->cache, &sum, &takes, &waits);
	fprintf(stderr, "sm-memcached: mc threads=%d total_connections=%llu"
		" rejected_connections=%llu store_stripes=%u"
		" store_lock_takes=%llu store_lock_waits=%llu\n", w->n,
		(unsigned long long)sh->info.total_connections,
		(unsigned long long)sh->info.rejected_connections,
		sh->cache.n, (unsigned long long)takes,
		(unsigned long long)waits);
}

int main(int argc, char **argv)
{
	static struct workers w;
	static struct mcd_shared sh;
	struct opts o;
	bool failed;
	int ret, i;

	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	w.n = o.threads;
	if (o.cpus && workers_parse_cpus(&w, o.cpus) < 0)
		return EX_USAGE;
	sh.workers = calloc((size_t)w.n, sizeof(*sh.workers));
	if (!o.stripes)
		o.stripes = (int)mc_cache_stripes_for(w.n);
	if (!sh.workers || mc_cache_init(&sh.cache, (unsigned)o.stripes,
					 w.n > 1, o.maxbytes, o.item_max) < 0) {
		fprintf(stderr, "sm-memcached: cannot allocate the store\n");
		free(sh.workers);
		return EX_OSERR;
	}
	sh.nworkers = w.n;
	sh.threaded = w.n > 1;
	pthread_mutex_init(&sh.lock, NULL);
	workers_signals(false);
	ret = workers_open(&w, "sm-memcached", o.addr, &o.port, &o.cfg,
			   &o.listen, o.port_file);
	if (ret)
		goto out;
	sh.info.maxconns = (int)o.maxconns;
	sh.info.tcpport = o.port;
	sh.info.threads = w.n;
	sh.info.verbosity = o.verbose;
	sh.info.stats_cb = stats_cb;
	sh.info.stats_arg = &sh;
	if (o.verbose)
		fprintf(stderr, "sm-memcached: %s engine, [%s]:%d, %zu MB, "
			"items up to %zu bytes, %d thread%s\n",
			sm_engine_name(sm_engine(w.ports[0])), o.addr, o.port,
			o.maxbytes >> 20, o.item_max, w.n, w.n > 1 ? "s" : "");
	for (i = 0; i < w.n; i++)
		worker_init(&sh.workers[i], &sh, w.ports[i], &o);
	failed = workers_serve(&w, "sm-memcached", sh.workers,
			       sizeof(*sh.workers));
	report(&w, &sh);
	for (i = 0; i < w.n; i++)
		srv_fini(&sh.workers[i].srv);
	workers_close(&w);
	ret = failed ? EX_SOFTWARE : 0;
out:
	mc_cache_destroy(&sh.cache);
	free(sh.workers);
	return ret;
}
