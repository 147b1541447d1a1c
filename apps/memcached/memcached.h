/* SPDX-License-Identifier: BSD-2-Clause */
/* memcached.h: what sm-memcached's files share. */
#ifndef SM_MEMCACHED_H
#define SM_MEMCACHED_H

#include "mc_proto.h"
#include "server.h"

/* The server: what mcd_ops' callbacks find in srv.app. */
struct mcd {
	struct srv srv;
	struct mc_store store;
	struct mc_server info;
};

/* The per-connection callbacks (memcached_conn.c), for srv_init(). */
extern const struct srv_ops mcd_ops;

#endif
