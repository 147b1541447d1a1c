/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

long util_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "bad number '%s' (expected %ld..%ld)\n", s,
			min, max);
		exit(EX_USAGE);
	}
	return v;
}

int util_threads(const char *s)
{
	long n;

	if (strcmp(s, "auto"))
		return (int)util_num(s, 1, 256);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int util_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s\n", what, arg);
	return -1;
}

void util_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int util_sockaddr(const char *addr, int port, struct sockaddr_storage *ss,
		  socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr)
	    == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, addr,
			     &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
	} else {
		return -EINVAL;
	}
	return 0;
}

int util_listen(const char *addr, int port, int *bound)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, ret;

	if (util_sockaddr(addr, port, &ss, &len) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ret = bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	      listen(fd, 4096) < 0 ? -errno : util_bound_port(fd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	*bound = ret;
	return fd;
}

int util_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	return ntohs(ss.ss_family == AF_INET6 ?
		     ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
}

int util_write_number_file(const char *path, long v)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", v);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

int util_sm_opt(int ch, const char *arg, struct sm_config *cfg)
{
	switch (ch) {
	case 'e':
		if (sm_engine_parse(arg, &cfg->engine) < 0)
			return util_usage_error("bad engine", arg);
		return 1;
	case 'b':
		cfg->num_bufs = (uint32_t)util_num(arg, 8, 1 << 24);
		return 1;
	case 's':
		cfg->buf_size = (uint32_t)util_num(arg, 64, 1 << 20);
		return 1;
	case UTIL_OPT_NIC:
		cfg->ifname = arg;
		return 1;
	case UTIL_OPT_BUSY:
		cfg->busy_poll_usec = (uint32_t)util_num(arg, 0, 1000000);
		return 1;
	case UTIL_OPT_DEFER:
		cfg->napi_defer_hard_irqs = util_num(arg, 0, INT32_MAX);
		if (cfg->napi_defer_hard_irqs == 0)
			cfg->napi_defer_hard_irqs = cfg->napi_gro_flush_ns =
				cfg->napi_irq_suspend_ns = -1;
		return 1;
	}
	return 0;
}

void util_print_stats(FILE *f, const char *prog, struct sm_port *port)
{
	struct sm_stats s;

	sm_stats(port, &s);
	util_print_stats_of(f, prog, sm_engine(port), &s);
}

void util_print_stats_of(FILE *f, const char *prog, enum sm_engine e,
			 const struct sm_stats *st)
{
	fprintf(f, "%s: stats engine=%s", prog, sm_engine_name(e));
#define X(name) fprintf(f, " " #name "=%" PRIu64, (uint64_t)st->name);
	UTIL_SM_COUNTERS(X)
#undef X
	fputc('\n', f);
	if (st->nic_ifindex)
		fprintf(f, "%s: nic ifindex=%d busy_poll=%d busy_poll_err=%d"
			" napi_settings=%d napi_count=%u napi_id0=%u"
			" napi_foreign=%" PRIu64 " busy_poll_rx_packets=%" PRId64
			"\n", prog, st->nic_ifindex, st->busy_poll,
			st->busy_poll_err, st->napi_settings, st->napi_count,
			st->napi_ids[0], st->napi_foreign,
			st->busy_poll_rx_packets);
}

int util_tcp_opt(int ch, const char *arg, struct sm_listen_opts *lo)
{
	switch (ch) {
	case UTIL_OPT_FASTOPEN:
		lo->fastopen = (int)util_num(arg, 1, 1 << 20);
		return 1;
	case UTIL_OPT_MPTCP:
		lo->mptcp = 1;
		return 1;
	case UTIL_OPT_DEFER_ACCEPT:
		lo->defer_accept = (int)util_num(arg, 1, 3600);
		return 1;
	case UTIL_OPT_CONGESTION:
		lo->congestion = arg;
		return 1;
	}
	return 0;
}
