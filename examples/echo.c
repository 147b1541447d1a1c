/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * echo.c: a TCP echo server on the installed libstackmap, in one page.
 *
 *	cc -o echo echo.c $(pkg-config --cflags --libs stackmap)
 *	./echo 7777 &  printf 'hello\n' | nc -q1 127.0.0.1 7777
 *
 * The data is never copied: each received buffer is swapped into a TX
 * slot, and that slot's empty buffer goes back to the RX slot
 * (SM_F_BUF_CHANGED).  The port owns the listener and every accepted
 * socket; a connection is closed through a TX slot (SM_F_CLOSE).
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stackmap.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Answer what the RX ring holds, while the TX ring has room. */
static void serve(struct sm_ring *rx, struct sm_ring *tx)
{
	while (!sm_ring_empty(rx) && !sm_ring_empty(tx)) {
		struct sm_slot *in = &rx->slot[rx->head];
		struct sm_slot *out = &tx->slot[tx->head];
		uint32_t spare = out->buf_idx;

		out->fd = in->fd;
		out->off = in->off;
		out->len = in->len;
		out->flags = 0;
		if (in->flags & (SM_F_EOF | SM_F_ERR)) {
			out->len = 0;
			out->flags = SM_F_CLOSE;  /* the peer is done: so are we */
		} else if (in->flags & SM_F_ACCEPT) {
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
			continue;  /* a new connection: nothing to send yet */
		} else {
			out->buf_idx = in->buf_idx;  /* the data, as received */
			out->flags = SM_F_BUF_CHANGED;
			in->buf_idx = spare;
			in->flags |= SM_F_BUF_CHANGED;
		}
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
		sm_ring_advance(rx, sm_ring_next(rx, rx->head));
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sm_listen_opts lo;
	struct sm_config cfg;
	struct sm_port *port;
	int fd, ret;

	sa.sin_port = htons(argc > 1 ? (uint16_t)atoi(argv[1]) : 7777);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sm_config_init(&cfg);
	sm_listen_opts_init(&lo);
	if ((ret = sm_open(&port, &cfg)) < 0 ||
	    (ret = sm_listen((struct sockaddr *)&sa, sizeof(sa), &lo, 1, NULL,
			     &fd)) < 0 ||
	    (ret = sm_attach(port, fd)) < 0) {
		fprintf(stderr, "echo: %s\n", strerror(-ret));
		return 1;
	}
	socklen_t len = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);  /* port 0: the real one */
	printf("echo: port %d, %s engine\n", ntohs(sa.sin_port),
	       sm_engine_name(sm_engine(port)));
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		if (sm_sync(port, 500) < 0)  /* a signal ends the wait */
			break;
		serve(sm_rxring(port), sm_txring(port));
	}
	sm_close(port);  /* closes the listener and every connection */
	return 0;
}
