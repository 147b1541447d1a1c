/* SPDX-License-Identifier: BSD-2-Clause */
/* load_opts.c: sm-load's command line and its --help. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-load [OPTIONS] HOST:PORT\n"
"\n"
"A closed-loop load generator on libstackmap for HTTP/1.1 and memcached\n"
"(text protocol).  Opens CONNS connections to HOST:PORT (an IPv4 or IPv6\n"
"literal; [v6]:port) and keeps DEPTH requests in flight on each: a new\n"
"request goes out when a response comes back.  After WARMUP seconds it\n"
"measures for DURATION seconds (or N responses) and prints throughput,\n"
"latency percentiles, errors and its own CPU time per request.\n"
"\n"
"Options:\n"
"  -m, --mode MODE        http (default) or memcached\n"
"  -c, --conns N          connections (default 10)\n"
"  -D, --depth N          requests in flight per connection, pipelined\n"
"                         (default 1)\n"
"  -d, --duration SEC     measured seconds (default 5; fractions allowed)\n"
"  -w, --warmup SEC       unmeasured seconds first (default 1)\n"
"  -n, --requests N       stop after N measured responses (default 0: no\n"
"                         limit); the run stops at DURATION anyway\n"
"  -u, --path PATH        http: the path to GET (default /)\n"
"  -H, --host NAME        http: the Host header (default: HOST)\n"
"  -V, --value-size BYTES\n"
"                         memcached: bytes per value (default 1024)\n"
"  -k, --keys N           memcached: keys key:00000000.. (default 10000)\n"
"  -g, --get-ratio R      memcached: share of gets, 0..1 (default 0.9)\n"
"  -S, --seed N           memcached: seed of the key and op choice\n"
"      --no-preload       memcached: do not set every key before the run\n"
"  -e, --engine ENGINE    uring, epoll or auto (default auto; the\n"
"                         environment variable SM_ENGINE overrides auto)\n"
"  -b, --bufs N           buffers in the pool (default 8192)\n"
"  -s, --buf-size BYTES   bytes per buffer (default 2048)\n"
UTIL_NIC_HELP
"      --watch PID[,PID]  also count these processes' CPU time (user +\n"
"                         system) per request over the measured window:\n"
"                         the server's cost, when it runs on this machine\n"
"  -o, --output FORMAT    text (default) or kv: one line of key=value\n"
"  -v, --verbose          print the requests' size, every failure\n"
"  -h, --help             show this help\n"
"\n"
"Counted: requests, latency, hits and misses in the measured window only;\n"
"errors over the whole run: errors_status (HTTP status not 2xx, memcached\n"
"error lines), errors_proto (unparsable responses: the connection is\n"
"dropped), conn_errors (connections closed or failed; they are not\n"
"reopened) and timeouts (requests unanswered at the hard deadline,\n"
"WARMUP + DURATION + 5 s after the preload; the preload stops when no\n"
"response came for 5 s).\n"
"CPU over the measured window: each core's load (coreN_busy, percent) and\n"
"busy time per request (coreN_us_per_req, all that ran there: processes,\n"
"softirq, NAPI threads), sm-load's own CPU per request\n"
"(client_cpu_us_per_req) and the watched processes'\n"
"(watch_cpu_us_per_req).\n"
"\n"
"Exit status: 0 when the run had no error, 1 when it had errors or no\n"
"response, 64 for a usage error, 71 when the port or a connection cannot\n"
"be set up (connections are given 5 s).\n"
"\n"
"Example: sm-load -c 100 -d 5 127.0.0.1:8080\n");
}

/* ---- options ---- */

static int parse_secs(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= 86400))
		return util_usage_error("sm-load: bad seconds (0..86400)", s);
	*out = v;
	return 0;
}

/* HTTP path and Host go into the request as they are: no blanks, no
 * control bytes (a CR or LF would end the request line early). */
static bool http_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* HOST:PORT or [HOST]:PORT; a literal address only. */
static int parse_target(const char *arg, struct load_opts *o)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->addr;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&o->addr;
	const char *colon, *h = arg;
	char host[INET6_ADDRSTRLEN];
	size_t n;
	int port;

	if (*h == '[') {
		colon = strchr(++h, ']');
		if (!colon || colon[1] != ':')
			return util_usage_error("sm-load: bad [HOST]:PORT", arg);
		n = (size_t)(colon++ - h);
	} else {
		colon = strrchr(h, ':');
		n = colon ? (size_t)(colon - h) : 0;
		if (!colon || memchr(h, ':', n))
			return util_usage_error("sm-load: expected HOST:PORT "
						"(IPv6: [HOST]:PORT)", arg);
	}
	if (n == 0 || n >= sizeof(host))
		return util_usage_error("sm-load: bad HOST", arg);
	memcpy(host, h, n);
	host[n] = 0;
	port = (int)util_num(colon + 1, 1, 65535);
	memset(&o->addr, 0, sizeof(o->addr));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		o->addrlen = sizeof(*a4);
		snprintf(o->host_lit, sizeof(o->host_lit), "%s", host);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		o->addrlen = sizeof(*a6);
		snprintf(o->host_lit, sizeof(o->host_lit), "[%s]", host);
	} else {
		return util_usage_error("sm-load: HOST is not an IPv4 or IPv6 "
					"address", host);
	}
	o->target = arg;
	return 0;
}

static void opts_default(struct load_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_HTTP;
	o->conns = 10;
	o->depth = 1;
	o->duration = 5;
	o->warmup = 1;
	o->path = "/";
	o->value_size = 1024;
	o->keys = 10000;
	o->get_ratio = 0.9;
	o->seed = 1;
	o->preload = true;
	sm_config_init(&o->cfg);
}

/* The options that are not libstackmap's.  0, or -1 (usage error). */
static int parse_opt(int ch, const char *arg, struct load_opts *o)
{
	switch (ch) {
	case 'm':
		if (!strcmp(arg, "http"))
			o->mode = MODE_HTTP;
		else if (!strcmp(arg, "memcached") || !strcmp(arg, "mc"))
			o->mode = MODE_MC;
		else
			return util_usage_error("sm-load: bad mode", arg);
		return 0;
	case 'c': o->conns = (uint32_t)util_num(arg, 1, 65536); return 0;
	case 'D': o->depth = (uint32_t)util_num(arg, 1, 1024); return 0;
	case 'd': return parse_secs(arg, 0.001, &o->duration);
	case 'w': return parse_secs(arg, 0, &o->warmup);
	case 'n': o->requests = (uint64_t)util_num(arg, 0, LONG_MAX); return 0;
	case 'u': o->path = arg; return 0;
	case 'H': o->host = arg; return 0;
	case 'V': o->value_size = (uint32_t)util_num(arg, 0, 1 << 20); return 0;
	case 'k': o->keys = (uint32_t)util_num(arg, 1, 100000000); return 0;
	case 'S': o->seed = (uint64_t)util_num(arg, 0, LONG_MAX); return 0;
	case 'g': {
		char *end;

		errno = 0;
		o->get_ratio = strtod(arg, &end);
		if (errno || end == arg || *end ||
		    !(o->get_ratio >= 0 && o->get_ratio <= 1))
			return util_usage_error("sm-load: bad get ratio (0..1)",
						arg);
		return 0;
	}
	case 'o':
		if (strcmp(arg, "text") && strcmp(arg, "kv"))
			return util_usage_error("sm-load: bad output format",
						arg);
		o->kv = !strcmp(arg, "kv");
		return 0;
	case 'v': o->verbose = true; return 0;
	case 'h': usage(stdout); exit(0);
	}
	usage(stderr);
	return -1;
}

/* --watch PID[,PID...]: up to 8 processes. */
static int parse_watch(const char *arg, struct load_opts *o)
{
	const char *p = arg;
	char *end;
	long v;

	for (;;) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < 1 || v > INT_MAX ||
		    (*end && *end != ',') ||
		    o->nwatch == sizeof(o->watch) / sizeof(o->watch[0]))
			return util_usage_error("sm-load: bad --watch (up to 8 "
						"PIDs, comma-separated)", arg);
		o->watch[o->nwatch++] = (pid_t)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int load_parse_opts(int argc, char **argv, struct load_opts *o)
{
	enum { O_NO_PRELOAD = 256, O_WATCH };
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "conns", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'D' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "requests", required_argument, NULL, 'n' },
		{ "path", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "value-size", required_argument, NULL, 'V' },
		{ "keys", required_argument, NULL, 'k' },
		{ "get-ratio", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 'S' },
		{ "no-preload", no_argument, NULL, O_NO_PRELOAD },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "engine", required_argument, NULL, 'e' },
		{ "bufs", required_argument, NULL, 'b' },
		{ "buf-size", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		UTIL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, r;

	opts_default(o);
	while ((ch = getopt_long(argc, argv, "m:c:D:d:w:n:u:H:V:k:g:S:e:b:s:o:vh",
				 lo, NULL)) != -1) {
		if (ch == O_NO_PRELOAD) {
			o->preload = false;
			continue;
		}
		if (ch == O_WATCH) {
			if (parse_watch(optarg, o) < 0)
				return -1;
			continue;
		}
		r = util_sm_opt(ch, optarg, &o->cfg);
		if (r < 0 || (r == 0 && parse_opt(ch, optarg, o) < 0))
			return -1;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "sm-load: %s\n", optind < argc ?
			"one HOST:PORT only" : "missing HOST:PORT");
		return -1;
	}
	if (parse_target(argv[optind], o) < 0)
		return -1;
	if (!o->host)
		o->host = o->host_lit;
	if (o->path[0] != '/' || !http_token(o->path) || !http_token(o->host))
		return util_usage_error("sm-load: bad path or Host (no blanks, "
					"no control bytes; path starts with /)",
					o->path);
	o->cfg.max_conns = o->conns;
	return 0;
}

