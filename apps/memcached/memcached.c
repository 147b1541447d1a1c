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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "memcached_opts.h"
#include "mc_proto.h"
#include "memcached.h"
#include "server.h"
#include "service.h"
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

/* "shutdown" with -A: as a SIGINT, as memcached does it. */
static void shutdown_now(void)
{
	raise(SIGINT);
}

/* -r and -k, as memcached: a core file as large as allowed; memory
 * locked, or a warning. */
static void process_flags(const struct opts *o)
{
	struct rlimit rl;

	if (o->coredumps && getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CORE, &rl);
	}
	if (o->lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		fprintf(stderr, "warning: -k invalid, mlockall() failed: %s\n",
			strerror(errno));
}

int main(int argc, char **argv)
{
	static struct workers w;
	static struct mcd_shared sh;
	struct opts o;
	bool failed, pid_written = false;
	int ret, i;

	if (mc_parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	process_flags(&o);
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
	/* Before any ring or thread: the fork must not copy them. */
	if (o.daemon && service_daemon("sm-memcached") < 0) {
		ret = EX_OSERR;
		goto out;
	}
	workers_signals(false);
	ret = workers_open(&w, "sm-memcached", o.addr, &o.port, &o.cfg,
			   &o.listen, o.port_file);
	if (ret)
		goto out;
	if (o.pid_file) {
		pid_written = service_pid_file("sm-memcached", o.pid_file) == 0;
		if (!pid_written)
			ret = EX_CANTCREAT;
	}
	if (!ret && o.user && service_user("sm-memcached", o.user) < 0)
		ret = EX_NOUSER;
	if (ret) {
		workers_close(&w);
		goto out;
	}
	service_ready(false);
	sh.info.maxconns = (int)o.maxconns;
	sh.info.tcpport = o.port;
	sh.info.threads = w.n;
	sh.info.verbosity = o.verbose;
	sh.info.stats_cb = stats_cb;
	sh.info.shutdown_cb = o.enable_shutdown ? shutdown_now : NULL;
	sh.info.backlog = o.listen.backlog;
	sh.info.napi_ids = o.napi_ids;
	sh.info.inter = strcmp(o.addr, "::") ? o.addr : NULL;
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
	if (pid_written)  /* another instance's is never touched */
		unlink(o.pid_file);
	mc_cache_destroy(&sh.cache);
	free(sh.workers);
	return ret;
}
