/* SPDX-License-Identifier: BSD-2-Clause */
/* memcached_opts.h: sm-memcached's command line, memcached's flags with their meanings. */
#ifndef SM_MEMCACHED_OPTS_H
#define SM_MEMCACHED_OPTS_H

#include <stddef.h>

#include "stackmap.h"

struct opts {
	const char *addr, *port_file, *cpus, *pid_file, *user;
	int port, threads, verbose, stripes, napi_ids;
	int daemon, coredumps, lock_memory, enable_shutdown;
	unsigned send_s;
	long maxconns;
	size_t maxbytes, item_max;
	struct sm_config cfg;
	struct sm_listen_opts listen;  /* the kernel's TCP features */
};

/* Parse argv; -1 after printing a usage error (naming the flag), exits 0
 * for -h, -V and -i. */
int mc_parse_opts(int argc, char **argv, struct opts *o);

#endif
