/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-httpd: an HTTP/1.1 server on libstackmap.
 *
 * Requests are parsed in place in the RX buffers (a head split across
 * buffers is gathered in the connection's input buffer first, by
 * server.c); responses are packed into TX slots by out.c.  Static files
 * are read with pread() straight into TX slot buffers.  One event loop,
 * either engine.  This file sets the server up; the per-connection code
 * is in httpd_conn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "httpd.h"
#include "server.h"
#include "stackmap.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sm_port *port = NULL;
	struct httpd h;
	struct opts o;
	int ret;

	memset(&h, 0, sizeof(h));
	if (httpd_parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	h.fixed = o.fixed;
	h.idle_s = o.idle_s;
	h.header_s = o.header_s;
	h.rootfd = -1;
	if (o.root && (h.rootfd = open(o.root, O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC)) < 0) {
		fprintf(stderr, "sm-httpd: %s: %s\n", o.root, strerror(errno));
		return EX_NOINPUT;
	}
	if (h.fixed >= 0 && !(h.body = malloc((size_t)h.fixed + 1)))
		return EX_OSERR;
	if (h.body)
		memset(h.body, 'x', (size_t)h.fixed);
	util_signals(on_signal);
	ret = util_serve("sm-httpd", o.addr, &o.port, &o.cfg, o.port_file,
			 &port);
	if (ret)
		return ret;
	if (o.verbose)
		fprintf(stderr, "sm-httpd: %s engine, [%s]:%d, %s\n",
			sm_engine_name(sm_engine(port)), o.addr, o.port,
			o.root ? o.root : "fixed response");
	srv_init(&h.srv, port, &httpd_ops, &h);
	h.srv.send_timeout_ms = o.send_s * 1000ull;
	ret = srv_run(&h.srv, &stop);
	if (ret < 0)
		fprintf(stderr, "sm-httpd: sync: %s\n", strerror(-ret));
	util_print_stats(stderr, "sm-httpd", port);
	srv_print_stats(stderr, "sm-httpd", &h.srv);
	srv_fini(&h.srv);
	sm_close(port);
	free(h.body);
	return ret < 0 ? EX_SOFTWARE : 0;
}
