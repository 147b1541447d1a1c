/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zc_threshold: measures copy sends (IORING_OP_SEND) against zero-copy
 * sends (SEND_ZC from the registered pool) per message size, to choose
 * sm_config.zc_threshold.  One connection over loopback; a reader thread
 * on the other core drains it.  Runs copy and ZC alternately (A B A B...),
 * prints the median throughput and the sender thread's CPU time per MB.
 *
 * usage: zc-threshold [MB [RUNS]], see --help
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "stackmap.h"
#include "util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
	static char buf[1 << 20];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

/* One run: send total bytes in messages of size len; returns seconds
 * (wall) and *cpu (sender thread CPU seconds). */
static double run(uint32_t len, uint64_t total, bool zc, double *cpu)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *tx;
	socklen_t al = sizeof(a);
	int l, c, s, one = 1;
	uint64_t sent = 0;
	pthread_t th;
	double t0, c0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &al))
		exit(1);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof(a)))
		exit(1);
	s = accept(l, NULL, NULL);
	close(l);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sm_config_init(&cfg);
	cfg.engine = SM_ENGINE_URING;
	cfg.buf_size = 65536;
	cfg.num_bufs = 1024;
	cfg.ring_size = 256;
	cfg.zc_threshold = zc ? 1 : 0;
	if (sm_open(&port, &cfg) < 0 || sm_attach(port, s) < 0) {
		fprintf(stderr, "zc-threshold: cannot open an io_uring port\n");
		exit(77);
	}
	pthread_create(&th, NULL, drain, &c);
	tx = sm_txring(port);
	t0 = now_s();
	c0 = thread_cpu_s();
	while (sent < total) {
		while (sent < total && !sm_ring_empty(tx)) {
			struct sm_slot *sl = &tx->slot[tx->head];

			sl->fd = s;
			sl->off = 0;
			sl->len = len;
			sl->flags = 0;
			sent += len;
			sm_ring_advance(tx, sm_ring_next(tx, tx->head));
		}
		sm_sync(port, 1);
	}
	/* Wait for the last sends: every TX buffer back in the ring. */
	while (sm_ring_space(tx) < 255)
		sm_sync(port, 1);
	*cpu = thread_cpu_s() - c0;
	t0 = now_s() - t0;
	sm_close(port);  /* closes s: the reader sees EOF */
	pthread_join(th, NULL);
	return t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const char usage[] =
"Usage: zc-threshold [MB [RUNS]]\n"
"\n"
"Copy sends (IORING_OP_SEND) against zero-copy sends (SEND_ZC from the\n"
"registered pool), per message size from 1 KiB to 64 KiB, over one\n"
"loopback connection drained by a reader thread.  Copy and zero copy\n"
"alternate; the medians of RUNS runs are printed, with the sender's CPU\n"
"time per GB.  The crossover is what sm_config.zc_threshold is for.\n"
"\n"
"  MB      megabytes sent per run and size, 1..65536 (default 256)\n"
"  RUNS    runs per size and mode, 1..16 (default 3)\n"
"  -h, --help  this text\n"
"\n"
"Exit status: 0; 64 on bad usage; 77 when no io_uring port can be\n"
"opened; 1 when the loopback connection fails.\n";

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1024, 2048, 4096, 8192, 16384,
					  32768, 65536 };
	long mb = 256, runs = 3;
	int i, k, m;
	double t[2][16], cpu[2][16];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 3) {
		fprintf(stderr, "zc-threshold: too many arguments\n%s", usage);
		return EX_USAGE;
	}
	if (argc > 1)
		mb = util_num(argv[1], 1, 65536);   /* exits on a bad one */
	if (argc > 2)
		runs = util_num(argv[2], 1, 16);
	printf("# zc-threshold: %ld MB per run, %ld runs, loopback\n", mb, runs);
	printf("%-8s %12s %12s %8s %14s %14s\n", "size", "copy MB/s",
	       "zc MB/s", "zc/copy", "copy cpu s/GB", "zc cpu s/GB");
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		for (k = 0; k < runs; k++)
			for (m = 0; m < 2; m++)
				t[m][k] = run(sizes[i], mb << 20, m, &cpu[m][k]);
		for (m = 0; m < 2; m++) {
			qsort(t[m], (size_t)runs, sizeof(double), cmp);
			qsort(cpu[m], (size_t)runs, sizeof(double), cmp);
		}
		printf("%-8u %12.0f %12.0f %8.2f %14.3f %14.3f\n", sizes[i],
		       (double)mb / t[0][runs / 2], (double)mb / t[1][runs / 2],
		       t[0][runs / 2] / t[1][runs / 2],
		       cpu[0][runs / 2] * 1024 / (double)mb,
		       cpu[1][runs / 2] * 1024 / (double)mb);
		fflush(stdout);
	}
	return 0;
}
