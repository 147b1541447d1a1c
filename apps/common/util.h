/* SPDX-License-Identifier: BSD-2-Clause */
/* util.h: small helpers shared by the programs (not part of the library). */
#ifndef SM_APP_UTIL_H
#define SM_APP_UTIL_H

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

#include "stackmap.h"

/* Parse a decimal number in [min, max]; on error print it, exit 64. */
long util_num(const char *s, long min, long max);

/* A thread count: 1..256, or "auto" (one per online CPU); on error
 * print it, exit 64. */
int util_threads(const char *s);

/* Print "what: arg" to stderr and return -1 (for option parsing). */
int util_usage_error(const char *what, const char *arg);

/* SIGINT/SIGTERM run handler, without SA_RESTART so that a blocking
 * sm_sync() returns; SIGPIPE is ignored. */
void util_signals(void (*handler)(int));

/* addr (v4 or v6 literal) and port as a socket address; 0 or -EINVAL. */
int util_sockaddr(const char *addr, int port, struct sockaddr_storage *ss,
		  socklen_t *len);

/* Listening TCP socket on addr:port (v4 or v6 literal, "::" = any);
 * *bound gets the real port.  fd or -errno. */
int util_listen(const char *addr, int port, int *bound);

/* The port socket fd is bound to, or -errno. */
int util_bound_port(int fd);

/* The libstackmap options the programs share: -e ENGINE, -b N, -s BYTES,
 * --nic IFNAME, --busy-poll USEC, --napi-defer N (UTIL_LONGOPTS in each
 * option table).
 * 1 if ch was one of them, 0 if not, -1 for a bad value. */
#define UTIL_OPT_NIC 0x1001
#define UTIL_OPT_BUSY 0x1002
#define UTIL_OPT_DEFER 0x1003
#define UTIL_LONGOPTS \
	{ "nic", required_argument, NULL, UTIL_OPT_NIC }, \
	{ "busy-poll", required_argument, NULL, UTIL_OPT_BUSY }, \
	{ "napi-defer", required_argument, NULL, UTIL_OPT_DEFER }
#define UTIL_NIC_HELP \
"      --nic IFNAME       dedicate interface IFNAME to this server: its\n" \
"                         NAPI instances are busy-polled by the server's\n" \
"                         own syncs, their interrupts deferred (needs root\n" \
"                         for the per-NAPI settings; see sm-nic)\n" \
"      --busy-poll USEC   busy-poll time per wait (default 50)\n" \
"      --napi-defer N     the NIC's defer-hard-irqs while registered\n" \
"                         (default 100, with gro-flush-timeout 200 us and\n" \
"                         irq-suspend-timeout 20 ms); 0: leave all three\n" \
"                         NAPI settings as they are (busy polling only)\n"
int util_sm_opt(int ch, const char *arg, struct sm_config *cfg);

/* The kernel's TCP features on the listeners (sm_listen), shared by the
 * servers: --fastopen N, --mptcp, --defer-accept S, --congestion NAME
 * (UTIL_TCP_LONGOPTS in each option table).  1 if ch was one of them
 * (into lo), 0 if not; a bad number exits 64 (util_num). */
#define UTIL_OPT_FASTOPEN 0x1010
#define UTIL_OPT_MPTCP 0x1011
#define UTIL_OPT_DEFER_ACCEPT 0x1012
#define UTIL_OPT_CONGESTION 0x1013
#define UTIL_TCP_LONGOPTS \
	{ "fastopen", required_argument, NULL, UTIL_OPT_FASTOPEN }, \
	{ "mptcp", no_argument, NULL, UTIL_OPT_MPTCP }, \
	{ "defer-accept", required_argument, NULL, UTIL_OPT_DEFER_ACCEPT }, \
	{ "congestion", required_argument, NULL, UTIL_OPT_CONGESTION }
#define UTIL_TCP_HELP \
"      --fastopen N       TCP Fast Open: answer data in a client's SYN,\n" \
"                         at most N such SYNs pending (needs bit 2 of\n" \
"                         sysctl net.ipv4.tcp_fastopen)\n" \
"      --mptcp            Multipath TCP listeners (clients without MPTCP\n" \
"                         get plain TCP)\n" \
"      --defer-accept S   accept a connection only once its first data\n" \
"                         arrived, waiting up to S seconds\n" \
"      --congestion NAME  congestion control of the connections (bbr,\n" \
"                         cubic..., see sysctl\n" \
"                         net.ipv4.tcp_available_congestion_control)\n"
int util_tcp_opt(int ch, const char *arg, struct sm_listen_opts *lo);

/* Write the number v to path atomically (tmp file, then rename): the
 * port file, the PID file.  0, or -1 with errno set. */
int util_write_number_file(const char *path, long v);

/* The counters of struct sm_stats that the servers print, sum over
 * workers and report: X(name) for each (one edit adds one). */
#define UTIL_SM_COUNTERS(X)                                                \
	X(syncs) X(work_syncs) X(syscalls) X(rx_slots) X(rx_bytes)         \
	X(tx_slots) X(tx_bytes) X(tx_zc) X(tx_partial) X(tx_dropped)       \
	X(bad_slots) X(accepted) X(accept_dropped) X(closed) X(resets)     \
	X(errors) X(pool_empty) X(ring_full) X(rx_stalls) X(bufs_total)    \
	X(bufs_in_use) X(bufs_in_use_max) X(bufs_idle) X(conns)            \
	X(conns_max)

/* Print the port's counters as "prog: stats key=value ...". */
void util_print_stats(FILE *f, const char *prog, struct sm_port *port);
/* The same for counters st of ports on engine e (summed workers). */
void util_print_stats_of(FILE *f, const char *prog, enum sm_engine e,
			 const struct sm_stats *st);

#endif
