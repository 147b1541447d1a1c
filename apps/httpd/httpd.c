/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-httpd: an HTTP/1.1 server on libstackmap.
 *
 * Requests are parsed in place in the RX buffers (a head split across
 * buffers is gathered in the connection's input buffer first, by
 * server.c); responses are packed into TX slots by out.c.  Static files
 * are read with pread() straight into TX slot buffers.  One event loop
 * per worker thread (-t N), each over its own port, either engine.  This file sets the server up; the per-connection code
 * is in httpd_conn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "http_resp.h"
#include "httpd.h"
#include "server.h"
#include "service.h"
#include "stackmap.h"
#include "util.h"
#include "workers.h"

/* Worker i's server: the shared settings, its own port and caches. */
static void worker_init(struct httpd *h, const struct httpd *proto,
			struct sm_port *port, const struct opts *o)
{
	struct srv_limits lim = SRV_LIMITS_DEFAULT;

	lim.send_timeout_ms = o->send_s * 1000ull;
	lim.shutdown_ms = o->shutdown_s * 1000ull;
	*h = *proto;
	srv_init(&h->srv, port, &httpd_ops, h, &lim);
}

static int setup(struct httpd *proto, const struct opts *o)
{
	const char *which;
	int ret;

	memset(proto, 0, sizeof(*proto));
	proto->fixed = o->fixed;
	proto->idle_s = o->idle_s;
	proto->header_s = o->header_s;
	proto->autoindex = o->autoindex;
	proto->rootfd = -1;
	ret = http_mime_load(o->mime_types ? o->mime_types :
			     access("/etc/mime.types", R_OK) == 0 ?
			     "/etc/mime.types" : NULL, o->default_type);
	if (ret < 0) {
		fprintf(stderr, "sm-httpd: --mime-types %s: %s\n",
			o->mime_types, strerror(-ret));
		return EX_NOINPUT;
	}
	if (o->access_log &&
	    (ret = http_log_open(o->access_log, NULL, &which)) < 0) {
		fprintf(stderr, "sm-httpd: --access-log %s: %s\n", which,
			strerror(-ret));
		return EX_CANTCREAT;
	}
	if (o->root && (proto->rootfd = open(o->root, O_RDONLY | O_DIRECTORY |
					     O_CLOEXEC)) < 0) {
		fprintf(stderr, "sm-httpd: %s: %s\n", o->root, strerror(errno));
		return EX_NOINPUT;
	}
	if (proto->fixed >= 0 && !(proto->body = malloc((size_t)proto->fixed + 1)))
		return EX_OSERR;
	if (proto->body)
		memset(proto->body, 'x', (size_t)proto->fixed);
	return 0;
}

int main(int argc, char **argv)
{
	static struct workers w;
	struct httpd proto, *hs;
	struct opts o;
	bool failed, pid_written = false;
	const char *which;
	int ret, i;

	if (httpd_parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	w.n = o.threads;
	if (o.cpus && workers_parse_cpus(&w, o.cpus) < 0)
		return EX_USAGE;
	ret = setup(&proto, &o);
	if (ret)
		return ret;
	hs = calloc((size_t)w.n, sizeof(*hs));
	if (!hs) {
		ret = EX_OSERR;
		goto out;
	}
	/* Before any ring or thread: the fork must not copy them. */
	if (o.daemon && service_daemon("sm-httpd") < 0) {
		ret = EX_OSERR;
		goto out;
	}
	workers_signals(true);
	ret = workers_open(&w, "sm-httpd", o.addr, &o.port, &o.cfg,
			   &o.listen, o.port_file);
	if (ret)
		goto out;
	/* The PID file while still root (its directory usually is root's),
	 * then the user, then the parent is told. */
	if (o.pid_file) {
		pid_written = service_pid_file("sm-httpd", o.pid_file) == 0;
		if (!pid_written)
			ret = EX_CANTCREAT;
	}
	/* The error log takes standard error once the start-up errors that
	 * -d shows on the terminal are past; opened while still root. */
	if (!ret && o.error_log &&
	    (ret = http_log_open(NULL, o.error_log, &which)) < 0) {
		fprintf(stderr, "sm-httpd: --error-log %s: %s\n", which,
			strerror(-ret));
		ret = EX_CANTCREAT;
	}
	if (!ret && o.user && service_user("sm-httpd", o.user) < 0)
		ret = EX_NOUSER;
	if (ret) {
		workers_close(&w);
		goto out;
	}
	service_ready(o.error_log != NULL);
	if (o.verbose)
		fprintf(stderr, "sm-httpd: %s engine, [%s]:%d, %s, %d thread%s\n",
			sm_engine_name(sm_engine(w.ports[0])), o.addr, o.port,
			o.root ? o.root : "fixed response", w.n,
			w.n > 1 ? "s" : "");
	for (i = 0; i < w.n; i++)
		worker_init(&hs[i], &proto, w.ports[i], &o);
	hs[0].reopen_due = workers_reopen_due;
	failed = workers_serve(&w, "sm-httpd", hs, sizeof(*hs));
	for (i = 0; i < w.n; i++) {
		srv_fini(&hs[i].srv);
		http_log_flush(&hs[i].log);
		http_log_free(&hs[i].log);
	}
	workers_close(&w);
	ret = failed ? EX_SOFTWARE : 0;
out:
	if (pid_written)  /* another instance's is never touched */
		unlink(o.pid_file);  /* as nginx; fails quietly after -u */
	free(proto.body);
	free(hs);
	return ret;
}
