/* SPDX-License-Identifier: BSD-2-Clause */
/* httpd_opts.c: sm-httpd's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-httpd (-r DIR | --fixed SIZE) [OPTIONS]\n"
"\n"
"An HTTP/1.1 server on libstackmap: keep-alive, pipelining, GET and HEAD.\n"
"Serves the files under DIR (types by extension, index.html for\n"
"directories, a 301 to DIR/ for a directory named without its slash,\n"
"nothing outside DIR) with ETag and Last-Modified, conditional requests\n"
"(304, 412) and single byte ranges (206, 416), or answers every GET with\n"
"a 200 OK body of SIZE bytes (the StackMap paper's benchmark: --fixed\n"
"1024).\n"
"SIGTERM, SIGINT and SIGQUIT stop it gracefully (as nginx's QUIT): it\n"
"stops accepting, closes idle connections and lets the answers in flight\n"
"finish, for --shutdown-timeout seconds at most; a second signal stops it\n"
"at once.  SIGHUP and SIGUSR1 never stop it.  Prints the datapath\n"
"counters on standard error when it stops.\n"
"\n"
"Options:\n"
"  -r, --root DIR         document root\n"
"      --fixed SIZE       fixed response body of SIZE bytes (0..1048576)\n"
"  -p, --port PORT        TCP port (default 8080; 0 = any free port)\n"
"  -l, --listen ADDR      IPv4 or IPv6 address (default ::, all)\n"
"  -e, --engine ENGINE    uring, epoll or auto (default auto; the\n"
"                         environment variable SM_ENGINE overrides auto)\n"
"  -c, --conns N          clients at most (default 65535)\n"
"  -b, --bufs N           buffers in each thread's pool (default 8192)\n"
"  -s, --buf-size BYTES   bytes per buffer (default 2048)\n"
"      --idle-timeout S   close a connection idle for S seconds (default 60)\n"
"      --header-timeout S answer 408 when a request head takes longer than\n"
"                         S seconds to arrive (default 10)\n"
"      --access-log FILE  one line per request, in nginx's combined format,\n"
"                         written in batches (once a second at least)\n"
"      --error-log FILE   the server's messages (its standard error);\n"
"                         SIGUSR1 and SIGHUP reopen both (logrotate)\n"
"      --autoindex        list a directory that has no index.html, as\n"
"                         nginx's autoindex (default off: 404)\n"
"      --mime-types FILE  the types by extension, as /etc/mime.types\n"
"                         (default: that file, else a built-in table)\n"
"      --default-type TYPE  the type of a file whose extension has none\n"
"                         (default application/octet-stream)\n"
"      --send-timeout S   reset a connection whose client took none of its\n"
"                         answers for S seconds (default 60; 0 = never)\n"
"  -P, --port-file FILE   write the bound port to FILE once listening\n"
"  -d, --daemon           run in the background; the command exits 0 once\n"
"                         the server serves, or with its error\n"
"      --pid-file FILE    write the server's PID to FILE (removed at exit)\n"
"  -u, --user USER        run as USER once the port is bound (root only;\n"
"                         port 80 without staying root)\n"
"      --shutdown-timeout S  a graceful stop's limit (default 30)\n"
"  -t, --threads N        worker threads, each with its own port and\n"
"                         listener in one SO_REUSEPORT group (default 1;\n"
"                         auto = one per online CPU)\n"
"      --cpus LIST        pin worker i to the i-th CPU of LIST (0-3,6)\n"
"                         and give it the connections whose packets that\n"
"                         CPU receives (a reuseport BPF program;\n"
"                         default with --nic: queue i's NAPI CPU)\n"
UTIL_NIC_HELP
UTIL_TCP_HELP
"  -v, --verbose          print the engine and address at start\n"
"  -h, --help             this help\n"
"\n"
"Errors: 400 malformed, 403 forbidden, 404 missing, 405 other methods,\n"
"408 slow head, 413 body over 1 MiB, 414 URI over 4096 bytes, 431 head over\n"
"16 KiB or over 64 fields, 501 Transfer-Encoding, 505 other versions.\n"
"\n"
"Exit status: 0 after a signal, 64 usage error, 66 DIR unusable, 67 no\n"
"such user, 71 the socket or the port cannot be set up, 73 the PID file\n"
"cannot be written.\n"
"\n"
"Example: sm-httpd --fixed 1024 -p 8080 &  wrk -t1 -c100 -d10s http://127.0.0.1:8080/\n");
}

int httpd_parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_FIXED = 256, O_IDLE, O_HEADER, O_SEND, O_CPUS, O_MIME,
	       O_DEFTYPE, O_PIDFILE, O_SHUTDOWN, O_ACCESS, O_ERROR,
	       O_AUTOINDEX };
	static const struct option lo[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "fixed", required_argument, NULL, O_FIXED },
		{ "port", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "engine", required_argument, NULL, 'e' },
		{ "conns", required_argument, NULL, 'c' },
		{ "bufs", required_argument, NULL, 'b' },
		{ "buf-size", required_argument, NULL, 's' },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "header-timeout", required_argument, NULL, O_HEADER },
		{ "send-timeout", required_argument, NULL, O_SEND },
		{ "mime-types", required_argument, NULL, O_MIME },
		{ "autoindex", no_argument, NULL, O_AUTOINDEX },
		{ "access-log", required_argument, NULL, O_ACCESS },
		{ "error-log", required_argument, NULL, O_ERROR },
		{ "default-type", required_argument, NULL, O_DEFTYPE },
		{ "port-file", required_argument, NULL, 'P' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "user", required_argument, NULL, 'u' },
		{ "shutdown-timeout", required_argument, NULL, O_SHUTDOWN },
		{ "threads", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		UTIL_LONGOPTS,
		UTIL_TCP_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->addr = "::";
	o->port = 8080;
	o->fixed = -1;
	o->idle_s = 60;
	o->header_s = 10;
	o->send_s = 60;
	o->threads = 1;
	o->shutdown_s = 30;
	sm_config_init(&o->cfg);
	sm_listen_opts_init(&o->listen);
	while ((ch = getopt_long(argc, argv, "r:p:l:e:c:b:s:P:t:du:vh", lo,
				 NULL)) != -1) {
		int r = util_sm_opt(ch, optarg, &o->cfg);

		if (r < 0)
			return -1;
		if (r > 0 || util_tcp_opt(ch, optarg, &o->listen))
			continue;
		switch (ch) {
		case 'r': o->root = optarg; break;
		case O_FIXED: o->fixed = util_num(optarg, 0, 1 << 20); break;
		case 'p': o->port = (int)util_num(optarg, 0, 65535); break;
		case 'l': o->addr = optarg; break;
		case 'c':  /* clients, and the listener */
			o->cfg.max_conns = (uint32_t)util_num(optarg, 1, 1 << 23) + 1;
			break;
		case O_IDLE: o->idle_s = (unsigned)util_num(optarg, 1, 86400); break;
		case O_HEADER: o->header_s = (unsigned)util_num(optarg, 1, 86400); break;
		case O_SEND: o->send_s = (unsigned)util_num(optarg, 0, 86400); break;
		case 'P': o->port_file = optarg; break;
		case 'd': o->daemon = 1; break;
		case O_PIDFILE: o->pid_file = optarg; break;
		case 'u': o->user = optarg; break;
		case O_SHUTDOWN: o->shutdown_s = (unsigned)util_num(optarg, 0, 86400); break;
		case 't': o->threads = util_threads(optarg); break;
		case O_CPUS: o->cpus = optarg; break;
		case O_MIME: o->mime_types = optarg; break;
		case O_AUTOINDEX: o->autoindex = 1; break;
		case O_ACCESS: o->access_log = optarg; break;
		case O_ERROR: o->error_log = optarg; break;
		case O_DEFTYPE: o->default_type = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument", argv[optind]);
	if (!o->root == (o->fixed < 0)) {
		fprintf(stderr, "sm-httpd: give exactly one of -r DIR and --fixed SIZE\n");
		usage(stderr);
		return -1;
	}
	return 0;
}
