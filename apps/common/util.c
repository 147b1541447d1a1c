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

int util_listen(const char *addr, int port, int *bound)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, ret;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr)
	    == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, addr,
			     &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*bound = ntohs(ss.ss_family == AF_INET6 ?
		       ((struct sockaddr_in6 *)&ss)->sin6_port :
		       ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int util_write_port_file(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

int util_serve(const char *prog, const char *addr, int *port,
	       const struct sm_config *cfg, const char *port_file,
	       struct sm_port **portp)
{
	int lfd = util_listen(addr, *port, port), ret;

	*portp = NULL;
	ret = lfd < 0 ? lfd : sm_open(portp, cfg);
	if (ret == 0)
		ret = sm_attach(*portp, lfd);
	if (ret < 0) {
		fprintf(stderr, "%s: [%s]:%d%s%s: %s\n", prog, addr, *port,
			cfg->ifname ? ", nic " : "",
			cfg->ifname ? cfg->ifname : "", strerror(-ret));
		return EX_OSERR;
	}
	if (cfg->ifname) {
		struct sm_stats st;

		sm_stats(*portp, &st);
		if (!st.busy_poll || !st.napi_settings)
			fprintf(stderr, "%s: nic %s: busy polling %s, NAPI "
				"settings %s: %s\n", prog, cfg->ifname,
				st.busy_poll ? "on" : "off",
				st.napi_settings ? "applied" : "not applied",
				strerror(-st.busy_poll_err));
	}
	if (port_file && util_write_port_file(port_file, *port) < 0) {
		fprintf(stderr, "%s: cannot write %s\n", prog, port_file);
		return EX_CANTCREAT;
	}
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
	fprintf(f, "%s: stats engine=%s syncs=%" PRIu64 " work_syncs=%" PRIu64
		" syscalls=%" PRIu64 " rx_slots=%" PRIu64 " rx_bytes=%" PRIu64
		" tx_slots=%" PRIu64 " tx_bytes=%" PRIu64 " tx_zc=%" PRIu64
		" tx_partial=%" PRIu64 " tx_dropped=%" PRIu64
		" bad_slots=%" PRIu64 " accepted=%" PRIu64
		" accept_dropped=%" PRIu64 " closed=%" PRIu64
		" resets=%" PRIu64
		" errors=%" PRIu64 " pool_empty=%" PRIu64
		" ring_full=%" PRIu64 " rx_stalls=%" PRIu64
		" bufs_total=%u bufs_in_use=%u bufs_in_use_max=%u"
		" bufs_idle=%u conns=%u conns_max=%u\n",
		prog, sm_engine_name(sm_engine(port)), s.syncs, s.work_syncs,
		s.syscalls, s.rx_slots, s.rx_bytes, s.tx_slots, s.tx_bytes,
		s.tx_zc, s.tx_partial, s.tx_dropped, s.bad_slots, s.accepted,
		s.accept_dropped, s.closed, s.resets, s.errors, s.pool_empty,
		s.ring_full, s.rx_stalls, s.bufs_total, s.bufs_in_use,
		s.bufs_in_use_max, s.bufs_idle, s.conns, s.conns_max);
	if (s.nic_ifindex)
		fprintf(f, "%s: nic ifindex=%d busy_poll=%d busy_poll_err=%d"
			" napi_settings=%d napi_count=%u napi_id0=%u"
			" napi_foreign=%" PRIu64 " busy_poll_rx_packets=%" PRId64
			"\n", prog, s.nic_ifindex, s.busy_poll, s.busy_poll_err,
			s.napi_settings, s.napi_count, s.napi_ids[0],
			s.napi_foreign, s.busy_poll_rx_packets);
}
