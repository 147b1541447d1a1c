/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-echo: the smallest complete program on libstackmap, a TCP echo server.
 *
 * Received buffers are sent back without a copy: the RX slot's buffer is
 * swapped into a TX slot (SM_F_BUF_CHANGED) and the TX slot's empty buffer
 * goes back to the RX slot.  When the peer closes, so do we.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "stackmap.h"
#include "util.h"
#include "workers.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-echo [OPTIONS]\n"
"\n"
"A TCP echo server on libstackmap: every byte received is sent back on the\n"
"same connection, without a copy; a connection is closed when its peer\n"
"closes or fails.  Runs until SIGINT or SIGTERM, then prints the port's\n"
"counters on standard error.\n"
"\n"
"Options:\n"
"  -p, --port PORT        TCP port to listen on (default 7777; 0 = any)\n"
"  -l, --listen ADDR      address to listen on, IPv4 or IPv6 (default ::)\n"
"  -e, --engine ENGINE    uring, epoll or auto (default auto; the\n"
"                         environment variable SM_ENGINE overrides auto)\n"
"  -b, --bufs N           buffers in the pool (default 8192)\n"
"  -s, --buf-size BYTES   bytes per buffer (default 2048)\n"
"  -r, --ring N           slots per ring (default 1024)\n"
"  -c, --conns N          clients at most (default 65535)\n"
"  -P, --port-file FILE   write the bound port number to FILE when ready\n"
UTIL_NIC_HELP
"  -v, --verbose          print the engine and address at start\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 after a signal, 64 for a usage error, 71 when the port or\n"
"the socket cannot be set up.\n");
}

struct opts {
	const char *addr, *port_file;
	int port, verbose;
	struct sm_config cfg;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "engine", required_argument, NULL, 'e' },
		{ "bufs", required_argument, NULL, 'b' },
		{ "buf-size", required_argument, NULL, 's' },
		{ "ring", required_argument, NULL, 'r' },
		{ "conns", required_argument, NULL, 'c' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		UTIL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->addr = "::";
	o->port = 7777;
	sm_config_init(&o->cfg);
	while ((ch = getopt_long(argc, argv, "p:l:e:b:s:r:c:P:vh", lo,
				 NULL)) != -1) {
		int r = util_sm_opt(ch, optarg, &o->cfg);

		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (ch) {
		case 'p': o->port = (int)util_num(optarg, 0, 65535); break;
		case 'l': o->addr = optarg; break;
		case 'r': o->cfg.ring_size = (uint32_t)util_num(optarg, 4, 1 << 20); break;
		case 'c':  /* clients, and the listener */
			o->cfg.max_conns = (uint32_t)util_num(optarg, 1, 1 << 23) + 1;
			break;
		case 'P': o->port_file = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument", argv[optind]);
	return 0;
}

/* Echo every data slot back by swapping buffers; close on EOF/ERR.
 * Stops when the TX ring has no free slot: the rest waits in the RX ring
 * (and, beyond it, in TCP) until the next sync frees TX slots. */
static void echo(struct sm_ring *rx, struct sm_ring *tx)
{
	while (!sm_ring_empty(rx)) {
		struct sm_slot *s = &rx->slot[rx->head], *t;
		uint32_t spare;

		if (s->flags & SM_F_ACCEPT) {
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
			continue;
		}
		if (sm_ring_empty(tx))
			break;
		t = &tx->slot[tx->head];
		t->fd = s->fd;
		if (s->flags & (SM_F_EOF | SM_F_ERR)) {
			t->len = 0;
			t->flags = SM_F_CLOSE;
		} else {
			spare = t->buf_idx;
			t->buf_idx = s->buf_idx;
			t->off = s->off;
			t->len = s->len;
			t->flags = SM_F_BUF_CHANGED;
			s->buf_idx = spare;
			s->flags |= SM_F_BUF_CHANGED;
		}
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
		sm_ring_advance(rx, sm_ring_next(rx, rx->head));
	}
}

int main(int argc, char **argv)
{
	static struct workers w = { .n = 1 };
	struct sm_port *port;
	struct opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	util_signals(on_signal);
	ret = workers_open(&w, "sm-echo", o.addr, &o.port, &o.cfg, NULL,
			   o.port_file);
	if (ret)
		return ret;
	port = w.ports[0];
	if (o.verbose)
		fprintf(stderr, "sm-echo: %s engine, listening on [%s]:%d\n",
			sm_engine_name(sm_engine(port)), o.addr, o.port);
	while (!stop) {
		/* Bounded wait: a signal landing just before the wait
		 * would otherwise go unnoticed until the next event. */
		ret = sm_sync(port, 500);
		if (ret < 0) {
			fprintf(stderr, "sm-echo: sync: %s\n", strerror(-ret));
			break;
		}
		echo(sm_rxring(port), sm_txring(port));
	}
	util_print_stats(stderr, "sm-echo", port);
	sm_close(port);
	return ret < 0 ? EX_SOFTWARE : 0;
}
