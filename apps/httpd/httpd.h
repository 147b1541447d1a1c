/* SPDX-License-Identifier: BSD-2-Clause */
/* httpd.h: what sm-httpd's files share. */
#ifndef SM_HTTPD_H
#define SM_HTTPD_H

#include "server.h"
#include <time.h>

#include "http_log.h"
#include "http_parser.h"

#include "stackmap.h"

/* The server: what httpd_ops' callbacks find in srv.app. */
struct httpd {
	struct srv srv;
	int rootfd;
	long fixed;                /* --fixed body size, -1 = serve files */
	char *body;                /* the fixed body (shared, read only) */
	unsigned idle_s, header_s;
	/* The fixed response's head, per [HTTP minor][keep-alive], valid
	 * for the second it was made in (its Date line changes with it). */
	struct httpd_head {
		time_t made;
		size_t len;
		char buf[256];
	} head[2][2];
	struct http_logbuf log;    /* this worker's access log lines */
	const struct http_req *req;/* the request being answered, or NULL */
	bool (*reopen_due)(void);  /* worker 0: a SIGUSR1/SIGHUP came */
	bool autoindex;            /* list directories without index.html */
};

/* The per-connection callbacks (httpd_conn.c), for srv_init(). */
extern const struct srv_ops httpd_ops;

struct opts {
	const char *addr, *root, *port_file, *cpus;
	const char *mime_types;    /* NULL: /etc/mime.types if present */
	const char *pid_file, *user;
	const char *access_log, *error_log;
	int daemon, autoindex;
	unsigned shutdown_s;       /* graceful stop's limit */
	const char *default_type;
	int threads;               /* worker threads (ports) */
	int port, verbose;
	long fixed;                /* body size, -1 = serve root */
	unsigned idle_s, header_s, send_s;
	struct sm_config cfg;
	struct sm_listen_opts listen;  /* the kernel's TCP features */
};

/* Parse the command line; -1 after printing a usage error. */
int httpd_parse_opts(int argc, char **argv, struct opts *o);

#endif
