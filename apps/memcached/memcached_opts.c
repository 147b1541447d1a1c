/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * memcached_opts.c: sm-memcached's command line.  Every flag of memcached 1.6
 * (memcached -h) means here what it means there, or is refused with a
 * message that names it: none is ignored or takes another meaning, so a
 * memcached command line (Debian's /etc/memcached.conf) either starts
 * the same server or says why not.  The project's own options have long
 * names only, that memcached does not use.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_cache.h"
#include "memcached_opts.h"
#include "mc_proto.h"
#include "util.h"
#include "workers.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-memcached [OPTIONS]\n"
"\n"
"A memcached-compatible server on libstackmap: the text protocol (get,\n"
"gets, set, add, replace, append, prepend, cas, delete, incr, decr, touch,\n"
"gat, gats, flush_all, version, verbosity, stats, quit) and the meta\n"
"commands (mg, ms, md, mn, ma), noreply, LRU eviction under a memory\n"
"limit.  \"stats\" also reports the datapath counters (STAT sm_*).\n"
"Prints them on standard error too when it stops (SIGINT, SIGTERM);\n"
"SIGHUP and SIGUSR1 do not stop it.  memcached's flags keep memcached's\n"
"meanings; those it does not serve are refused by name.\n"
"\n"
"memcached options:\n"
"  -p, --port PORT           TCP port (default 11211; 0 = any free port)\n"
"  -l, --listen ADDR         IPv4 or IPv6 address or host name (default\n"
"                            all)\n"
"  -d, --daemon              run in the background (returns once serving)\n"
"  -P, --pidfile FILE        write the PID to FILE\n"
"  -u, --user USER           run as USER once the port is bound (root only)\n"
"  -r, --enable-coredumps    maximize the core file limit\n"
"  -A, --enable-shutdown     the \"shutdown\" command stops the server\n"
"  -k, --lock-memory         lock down all paged memory (mlockall)\n"
"  -m, --memory-limit MB     item memory in megabytes (default 64)\n"
"  -c, --conn-limit N        simultaneous connections (default 1024), over\n"
"                            all threads; one more is told \"ERROR Too many\n"
"                            open connections\" and closed, as memcached\n"
"  -b, --listen-backlog N    the listen backlog (default 1024)\n"
"  -I, --max-item-size SIZE  largest item, bytes or with k/m (default 1m,\n"
"                            1k..128m)\n"
"  -U, --udp-port PORT       only 0: UDP is not served (memcached's default)\n"
"  -B, --protocol NAME       only ascii (auto is taken as ascii)\n"
"  -t, --threads N           worker threads, each with its own port and\n"
"                            listener (one SO_REUSEPORT group), sharing\n"
"                            one store (default 4, as memcached; auto =\n"
"                            one per online CPU)\n"
"  -N, --napi_ids N          N RX queues, each with its worker: accepted\n"
"                            with --nic, where worker i owns queue i and,\n"
"                            when queue i's NAPI thread or IRQ is on one\n"
"                            CPU, runs there and gets the connections\n"
"                            that queue receives (by default; N at most -t)\n"
"  -X, --disable-dumping     accepted: there is no cachedump or metadump\n"
"  -W, --disable-watch       accepted: there is no watch\n"
"  -o, --extended LIST       memcached's extended options: maxconns_fast\n"
"                            (the default) is taken, others are refused\n"
"  -v, --verbose             more output (repeatable)\n"
"  -V, --version             print the version and exit\n"
"  -i, --license             print the license and exit\n"
"  -h, --help                this help\n"
"  Refused, by name: -s -a (UNIX sockets), -M, -f -n\n"
"  (slabs), -L, -D, -R, -C, -S, -F, -Y, -e, -Z, -B binary.\n"
"\n"
"StackMap options:\n"
"      --engine ENGINE       uring, epoll or auto (default auto; the\n"
"                            environment variable SM_ENGINE overrides auto)\n"
"      --bufs N              buffers in each thread's pool (default 8192)\n"
"      --buf-size BYTES      bytes per buffer (default 2048)\n"
"      --port-file FILE      write the bound port to FILE once listening\n"
"      --cpus LIST           pin worker i to the i-th CPU of LIST (0-3,6)\n"
"                            and give it the connections whose packets\n"
"                            that CPU receives (a reuseport BPF program;\n"
"                            default with --nic: queue i's NAPI CPU)\n"
"      --lock-stripes N      split the store over N stripes, each with its\n"
"                            own lock, hash table and LRU, under one -m\n"
"                            (default 1 with one thread, else 4 per thread\n"
"                            up to 64; 1 = one lock for the whole store)\n"
"      --send-timeout S      reset a connection whose client took none of\n"
"                            its answers for S seconds (default 60; 0 =\n"
"                            never, as memcached)\n"
UTIL_NIC_HELP
UTIL_TCP_HELP
"\n"
"Exit status: 0 after a signal, 64 usage error, 67 no such user, 71 the\n"
"socket or the port cannot be set up, 73 the PID file cannot be written.\n"
"\n"
"Example: sm-memcached -p 11211 -m 256 &  memcaslap -s 127.0.0.1:11211 -t 10s\n");
}

/* "1m", "512k", "1048576". */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return 0;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	return *end ? 0 : (size_t)v;
}

/* memcached's flags that are not served here, and why. */
static const struct { int ch; const char *name, *why; } refused[] = {
	{ 's', "-s/--unix-socket", "UNIX sockets are not served" },
	{ 'a', "-a/--unix-mask", "UNIX sockets are not served" },
	{ 'M', "-M/--disable-evictions", "the store always evicts under -m" },
	{ 'f', "-f/--slab-growth-factor", "the store has no slab classes" },
	{ 'n', "-n/--slab-min-size", "the store has no slab classes" },
	{ 'L', "-L/--enable-largepages", "not served" },
	{ 'D', "-D", "per-prefix stats are not served" },
	{ 'R', "-R/--max-reqs-per-event", "not served" },
	{ 'C', "-C/--disable-cas", "CAS is always on" },
	{ 'S', "-S/--enable-sasl", "SASL is not served" },
	{ 'F', "-F/--disable-flush-all", "not served" },
	{ 'Y', "-Y/--auth-file", "authentication is not served" },
	{ 'e', "-e/--memory-file", "a restartable cache is not served" },
	{ 'Z', "-Z/--enable-ssl", "TLS is not served" },
};

static int refuse(int ch)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (refused[i].ch == ch) {
			fprintf(stderr, "sm-memcached: %s: %s\n",
				refused[i].name, refused[i].why);
			return -1;
		}
	usage(stderr);
	return -1;
}

/* -o a,b=c: memcached's extended options.  maxconns_fast is what this
 * server does (a connection over -c is told and closed at once). */
static int extended(char *list)
{
	char *save, *opt;

	for (opt = strtok_r(list, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save))
		if (strcmp(opt, "maxconns_fast") != 0) {
			fprintf(stderr, "sm-memcached: -o %s: not served "
				"(only maxconns_fast is)\n", opt);
			return -1;
		}
	return 0;
}

/* -l: an address, or a host name resolved here (its first address).
 * memcached also takes a comma-separated list: not served yet. */
static int resolve(struct opts *o)
{
	static char lit[INET6_ADDRSTRLEN];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	unsigned char buf[sizeof(struct in6_addr)];
	int ret;

	if (strchr(o->addr, ',')) {
		fprintf(stderr, "sm-memcached: -l %s: one address only (a "
			"list is not served yet)\n", o->addr);
		return -1;
	}
	if (inet_pton(AF_INET, o->addr, buf) == 1 ||
	    inet_pton(AF_INET6, o->addr, buf) == 1)
		return 0;
	ret = getaddrinfo(o->addr, NULL, &hints, &ai);
	if (ret) {
		fprintf(stderr, "sm-memcached: -l %s: %s\n", o->addr,
			gai_strerror(ret));
		return -1;
	}
	if (ai->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
			  lit, sizeof(lit));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			  lit, sizeof(lit));
	freeaddrinfo(ai);
	o->addr = lit;
	return 0;
}

static int after(struct opts *o)
{
	if (resolve(o) < 0)
		return -1;
	if (o->napi_ids > o->threads) {  /* memcached's words */
		fprintf(stderr, "Number of napi_ids(%d) cannot be greater than "
			"number of threads(%d)\n", o->napi_ids, o->threads);
		return -1;
	}
	/* memcached -N hands each connection to the thread of its NAPI id;
	 * here each worker owns a queue of its --nic, and the listeners'
	 * program steers (workers.c).  Without a NIC there is no queue. */
	if (o->napi_ids && !o->cfg.ifname) {
		fprintf(stderr, "-N (a worker per NAPI id) needs --nic IFNAME, "
			"whose queues the workers own\n");
		return -1;
	}
	/* -c is counted over all workers (memcached_conn.c), which tell a
	 * connection over it so, as memcached does.  A port takes that
	 * many, its listener, and room for 64 being told: past that, the
	 * library closes new ones at once (accept_dropped). */
	o->cfg.max_conns = (uint32_t)o->maxconns + 1 + 64;
	return 0;
}

static void defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->addr = "::";
	o->port = 11211;
	o->maxconns = 1024;
	o->threads = 4;
	o->maxbytes = 64u << 20;
	o->item_max = 1u << 20;
	o->send_s = 60;
	sm_config_init(&o->cfg);
	sm_listen_opts_init(&o->listen);
	o->listen.backlog = 1024;  /* memcached's */
}

/* One of memcached's flags (0), not one (1), or a bad value (-1). */
static int mc_flag(int ch, char *arg, struct opts *o)
{
	switch (ch) {
	case 'p': o->port = (int)util_num(arg, 0, 65535); break;
	case 'l': o->addr = arg; break;
	case 'd': o->daemon = 1; break;
	case 'P': o->pid_file = arg; break;
	case 'u': o->user = arg; break;
	case 'r': o->coredumps = 1; break;
	case 'A': o->enable_shutdown = 1; break;
	case 'k': o->lock_memory = 1; break;
	case 'm': o->maxbytes = (size_t)util_num(arg, 1, 1 << 20) << 20; break;
	case 'c': o->maxconns = util_num(arg, 1, 1 << 22); break;
	case 'b': o->listen.backlog = (int)util_num(arg, 1, 1 << 20); break;
	case 'I':
		o->item_max = parse_size(arg);
		if (o->item_max < 1024 || o->item_max > (128u << 20))
			return util_usage_error("bad item size", arg);
		break;
	case 'U':
		if (util_num(arg, 0, 65535) != 0)
			return util_usage_error("-U: UDP is not served, -U must be 0", arg);
		break;
	case 'B':
		if (strcmp(arg, "ascii") && strcmp(arg, "auto"))
			return util_usage_error("-B: only the ascii protocol is served", arg);
		break;
	case 't': o->threads = util_threads(arg); break;
	case 'N': o->napi_ids = (int)util_num(arg, 1, WORKERS_MAX); break;
	case 'X': case 'W': break;  /* nothing of the kind to disable */
	case 'o': return extended(arg);
	case 'v': o->verbose++; break;
	case 'V': printf("memcached %s (sm-memcached)\n", MC_VERSION); exit(0);
	case 'i': printf("sm-memcached: BSD-2-Clause; memcached's protocol "
			 "and flags, memcached (BSD-3-Clause) not included.\n");
		  exit(0);
	case 'h': usage(stdout); exit(0);
	default: return 1;
	}
	return 0;
}

int mc_parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_SEND = 256, O_CPUS, O_STRIPES, O_ENGINE, O_BUFS, O_BUFSIZE,
	       O_PORTFILE };
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "udp-port", required_argument, NULL, 'U' },
		{ "unix-socket", required_argument, NULL, 's' },
		{ "unix-mask", required_argument, NULL, 'a' },
		{ "enable-shutdown", no_argument, NULL, 'A' },
		{ "listen", required_argument, NULL, 'l' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "enable-coredumps", no_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "memory-limit", required_argument, NULL, 'm' },
		{ "disable-evictions", no_argument, NULL, 'M' },
		{ "conn-limit", required_argument, NULL, 'c' },
		{ "lock-memory", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "license", no_argument, NULL, 'i' },
		{ "version", no_argument, NULL, 'V' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "slab-growth-factor", required_argument, NULL, 'f' },
		{ "slab-min-size", required_argument, NULL, 'n' },
		{ "enable-largepages", no_argument, NULL, 'L' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-reqs-per-event", required_argument, NULL, 'R' },
		{ "disable-cas", no_argument, NULL, 'C' },
		{ "listen-backlog", required_argument, NULL, 'b' },
		{ "protocol", required_argument, NULL, 'B' },
		{ "max-item-size", required_argument, NULL, 'I' },
		{ "enable-sasl", no_argument, NULL, 'S' },
		{ "disable-flush-all", no_argument, NULL, 'F' },
		{ "disable-dumping", no_argument, NULL, 'X' },
		{ "disable-watch", no_argument, NULL, 'W' },
		{ "auth-file", required_argument, NULL, 'Y' },
		{ "memory-file", required_argument, NULL, 'e' },
		{ "enable-ssl", no_argument, NULL, 'Z' },
		{ "extended", required_argument, NULL, 'o' },
		{ "napi_ids", required_argument, NULL, 'N' },
		/* This project's own. */
		{ "engine", required_argument, NULL, O_ENGINE },
		{ "bufs", required_argument, NULL, O_BUFS },
		{ "buf-size", required_argument, NULL, O_BUFSIZE },
		{ "port-file", required_argument, NULL, O_PORTFILE },
		{ "send-timeout", required_argument, NULL, O_SEND },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "lock-stripes", required_argument, NULL, O_STRIPES },
		UTIL_LONGOPTS,
		UTIL_TCP_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const char shorts[] =
		"p:U:s:a:Al:dru:m:Mc:kvhiVP:f:n:LD:t:R:Cb:B:I:SFXWY:e:Zo:N:";
	int ch, r;

	defaults(o);
	opterr = 0;  /* an unknown flag gets our message, below */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if ((r = mc_flag(ch, optarg, o)) <= 0) {
			if (r < 0)
				return -1;
			continue;
		}
		/* Ours: the library's options under their long names. */
		r = ch == O_ENGINE ? util_sm_opt('e', optarg, &o->cfg) :
		    ch == O_BUFS ? util_sm_opt('b', optarg, &o->cfg) :
		    ch == O_BUFSIZE ? util_sm_opt('s', optarg, &o->cfg) :
		    ch >= 0x1000 ? util_sm_opt(ch, optarg, &o->cfg) : 0;
		if (r < 0)
			return -1;
		if (r > 0 || util_tcp_opt(ch, optarg, &o->listen))
			continue;
		switch (ch) {
		case O_PORTFILE: o->port_file = optarg; break;
		case O_CPUS: o->cpus = optarg; break;
		case O_STRIPES:
			o->stripes = (int)util_num(optarg, 1, MC_STRIPES_MAX);
			if (o->stripes & (o->stripes - 1))
				return util_usage_error("--lock-stripes must be a power of two", optarg);
			break;
		case O_SEND: o->send_s = (unsigned)util_num(optarg, 0, 86400); break;
		case '?':
			if (optopt)
				fprintf(stderr, "sm-memcached: -%c: unknown or "
					"missing its value\n", optopt);
			else
				fprintf(stderr, "sm-memcached: %s: unknown option\n",
					argv[optind - 1]);
			return -1;
		default:
			return refuse(ch);
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument", argv[optind]);
	return after(o);
}
