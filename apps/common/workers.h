/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * workers.h: a server's worker threads, one libstackmap port each (the
 * thread model of stackmap.h): main opens the ports and their listeners,
 * each worker drives its own port on its own CPU.  The listeners form one
 * SO_REUSEPORT group (sm_listen_group), steered by CPU when CPUs are
 * given.  Worker 0 runs in the calling thread.
 */
#ifndef SM_APP_WORKERS_H
#define SM_APP_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "stackmap.h"

#define WORKERS_MAX 256

struct workers {
	int n;
	int ncpus;                 /* CPUs given (--cpus), 0 = none */
	int cpus[WORKERS_MAX];     /* worker i runs on cpus[i % ncpus] */
	struct sm_port *ports[WORKERS_MAX];
	int lfds[WORKERS_MAX];     /* listeners not yet attached */
	int listeners[WORKERS_MAX]; /* worker i's listener, attached */
};

/* Listen on addr:*port (*port gets the real one) with w->n listeners
 * (one plain listener when n is 1) and the TCP options lo (sm_listen;
 * NULL: none), open a port per worker with cfg,
 * attach its listener, publish the port to port_file (if not NULL).
 * Prints what failed as "prog: ..."; 0 or a sysexits code. */
int workers_open(struct workers *w, const char *prog, const char *addr,
		 int *port, const struct sm_config *cfg,
		 const struct sm_listen_opts *lo, const char *port_file);

/* Run fn(arg + i * arg_size) for each worker i, worker i in a thread
 * named "PROG-N" pinned to its CPU (if any); returns when all did. */
void workers_run(struct workers *w, const char *prog, void *(*fn)(void *),
		 void *arg, size_t arg_size);

/* SIGINT and SIGTERM (and SIGQUIT with quit) stop every worker's loop,
 * gracefully where the servers' lim.shutdown_ms says so, and a second
 * one at once.  SIGHUP and SIGUSR1 never stop the server: they raise a
 * flag that workers_reopen_due() takes (log files to reopen). */
void workers_signals(bool quit);
/* True once per SIGHUP or SIGUSR1 received since the last call. */
bool workers_reopen_due(void);

/* Serve until a signal or a failed sync: srv_run() on each worker's
 * server, apps + i * stride, which begins with worker i's struct srv
 * (srv_init'ed on ports[i]).  Then prints a failed sync, a line per
 * worker, and the ports' and servers' counters summed.  True if a sync
 * failed. */
bool workers_serve(struct workers *w, const char *prog, void *apps,
		   size_t stride);

/* The sum of the ports' counters (NIC fields: worker 0's). */
void workers_stats(const struct workers *w, struct sm_stats *st);

/* With more than one worker, one line per worker: "PROG: worker I
 * cpu=C accepted=N rx_slots=N tx_slots=N" (cpu -1: not pinned). */
void workers_print(const struct workers *w, FILE *f, const char *prog);

/* Close every port (and so its sockets). */
void workers_close(struct workers *w);

/* Parse a CPU list ("0-3,6", at most WORKERS_MAX CPUs; that they are
 * online is not checked here) into w; 0 or -1 after printing the error. */
int workers_parse_cpus(struct workers *w, const char *list);

#endif
