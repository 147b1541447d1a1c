/* SPDX-License-Identifier: BSD-2-Clause */
/* memcached.h: what sm-memcached's files share. */
#ifndef SM_MEMCACHED_H
#define SM_MEMCACHED_H

#include <pthread.h>
#include <stdbool.h>

#include "mc_cache.h"
#include "mc_proto.h"
#include "server.h"
#include "stackmap.h"

/* What the workers (-t N) share: the store (striped, mc_cache.h) and the
 * server's info.  The lock guards the info's connection counts and the
 * workers' published counters (snap), not the store. */
struct mcd_shared {
	struct mc_cache cache;
	struct mc_server info;
	bool threaded;             /* more than one worker: lock */
	pthread_mutex_t lock;
	int nworkers;
	struct mcd *workers;       /* for "stats": their counters */
};

/* One worker: what mcd_ops' callbacks find in srv.app. */
struct mcd {
	struct srv srv;
	struct mcd_shared *sh;
	struct mc_thread mt;       /* its command counters, its cache */
	/* The port's counters as of this worker's last tick (under the
	 * lock): what "stats" in another worker adds up. */
	struct sm_stats snap;
	uint64_t snap_send_timeouts, snap_pool_resets;
};

/* The worker whose thread runs a command (for "stats"), or NULL. */
extern __thread struct mcd *mcd_self;

void mcd_lock(struct mcd_shared *sh);
void mcd_unlock(struct mcd_shared *sh);

/* The per-connection callbacks (memcached_conn.c), for srv_init(). */
extern const struct srv_ops mcd_ops;

#endif
