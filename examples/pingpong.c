/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pingpong.c: a request/response server on many cores, on the installed
 * libstackmap: a port per thread, the listeners in one SO_REUSEPORT group.
 *
 *	cc -pthread -o pingpong pingpong.c $(pkg-config --cflags --libs stackmap)
 *	./pingpong 7878 4 &  printf 'PING\nPING\n' | nc -q1 127.0.0.1 7878
 *
 * Every line a client sends ("PING\n") is answered with "PONG n\n", n
 * counting the lines this thread answered; the answers to one buffer of
 * requests share TX slots, and none is dropped when the TX ring is full.  Each thread owns its port:
 * pool, rings, engine, its listener and the connections that listener
 * accepts, so the threads share nothing and take no lock.  The kernel
 * spreads new connections over the group.  The ports are opened by main
 * and driven by the threads (stackmap(7), "Threads").
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stackmap.h>

#define MAXT 64

static atomic_int stop;

struct worker {
	pthread_t tid;
	struct sm_port *port;
	unsigned long answered;
};

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

#define ANSWER_MAX 32  /* "PONG n\n" */

/* The answers to one RX slot, one per newline, packed into TX slots;
 * false, with nothing written, when the TX ring cannot take them all
 * (the slot then waits in the RX ring for the next round). */
static bool answer(struct worker *w, const struct sm_slot *in,
		   struct sm_ring *tx)
{
	const char *p = (const char *)sm_buf(w->port, in->buf_idx) + in->off;
	uint32_t i, lines = 0, per = tx->buf_size / ANSWER_MAX;
	struct sm_slot *out = NULL;

	for (i = 0; i < in->len; i++)
		lines += p[i] == '\n';
	if (sm_ring_space(tx) < (lines + per - 1) / per)
		return false;
	for (i = 0; i < in->len; i++) {
		if (p[i] != '\n')
			continue;
		if (out && out->len + ANSWER_MAX > tx->buf_size) {
			sm_ring_advance(tx, sm_ring_next(tx, tx->head));
			out = NULL;
		}
		if (!out) {
			out = &tx->slot[tx->head];
			out->fd = in->fd;
			out->off = out->len = 0;
			out->flags = 0;
		}
		out->len += (uint32_t)snprintf((char *)sm_buf(w->port,
						out->buf_idx) + out->len,
					       ANSWER_MAX, "PONG %lu\n",
					       ++w->answered);
	}
	if (out)
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
	return true;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct sm_ring *rx = sm_rxring(w->port), *tx = sm_txring(w->port);

	while (!atomic_load(&stop) && sm_sync(w->port, 200) >= 0) {
		for (; !sm_ring_empty(rx); sm_ring_advance(rx, sm_ring_next(rx, rx->head))) {
			struct sm_slot *in = &rx->slot[rx->head];

			if (in->flags & (SM_F_EOF | SM_F_ERR)) {
				if (sm_ring_empty(tx))
					break;  /* closed at the next round */
				tx->slot[tx->head].fd = in->fd;
				tx->slot[tx->head].len = 0;
				tx->slot[tx->head].flags = SM_F_CLOSE;
				sm_ring_advance(tx, sm_ring_next(tx, tx->head));
			} else if (!(in->flags & SM_F_ACCEPT) &&
				   !answer(w, in, tx)) {
				break;  /* answered at the next round */
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker w[MAXT];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fds[MAXT], n, i, ret;

	sa.sin_port = htons(argc > 1 ? (uint16_t)atoi(argv[1]) : 7878);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = argc > 2 ? atoi(argv[2]) : 2;
	if (n < 1 || n > MAXT)
		return fprintf(stderr, "pingpong: 1..%d threads\n", MAXT), 2;
	ret = sm_listen((struct sockaddr *)&sa, sizeof(sa), NULL, n, NULL, fds);
	for (i = 0; ret == 0 && i < n; i++)
		if ((ret = sm_open(&w[i].port, NULL)) == 0)
			ret = sm_attach(w[i].port, fds[i]);
	if (ret < 0) {
		fprintf(stderr, "pingpong: %s\n", strerror(-ret));
		return 1;
	}
	getsockname(fds[0], (struct sockaddr *)&sa, &len);
	printf("pingpong: port %d, %d threads\n", ntohs(sa.sin_port), n);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (i = 0; i < n; i++)
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		printf("pingpong: thread %d answered %lu\n", i, w[i].answered);
		sm_close(w[i].port);
	}
	return 0;
}
