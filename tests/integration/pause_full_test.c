/* pause_full_test: sm_rx_pause() holds even when more sockets are paused
 * in one round than the io_uring submission queue has entries (4096).  A
 * paused socket's data stays in the kernel (TCP pushes back) until it is
 * resumed, and then all of it arrives. */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "testlib.h"

#define N 4300      /* over the io_uring engine's 4096 SQ entries */
#define ROUNDS 300  /* syncs to let any recv still armed take its data */

int main(void)
{
	static int mine[N], peer[N];
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *rx;
	uint32_t got = 0, taken = 0;
	int i, r, sv[2], queued;

	t_raise_nofile(2 * N + 64);
	sm_config_init(&cfg);
	cfg.num_bufs = 4 * N;
	port = t_open(&cfg);
	rx = sm_rxring(port);
	for (i = 0; i < N; i++) {
		T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv) == 0);
		mine[i] = sv[0];
		peer[i] = sv[1];
		T_EQ(sm_attach(port, mine[i]), 0);
	}
	for (r = 0; r < 5; r++)  /* every receive armed */
		T_ASSERT(sm_sync(port, 0) >= 0);
	/* Every socket paused between two syncs: more pauses than SQEs. */
	for (i = 0; i < N; i++)
		T_EQ(sm_rx_pause(port, mine[i], 1), 0);
	for (r = 0; r < 5; r++)
		T_ASSERT(sm_sync(port, 0) >= 0);
	for (i = 0; i < N; i++)
		T_EQ(write(peer[i], "x", 1), 1);
	for (r = 0; r < ROUNDS; r++) {
		T_ASSERT(sm_sync(port, 1) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			got += rx->slot[rx->head].len;
	}
	for (i = 0; i < N; i++) {
		T_EQ(ioctl(mine[i], FIONREAD, &queued), 0);
		taken += queued == 0;
	}
	printf("paused: %u of %d sockets had their data taken, %u bytes "
	       "delivered\n", taken, N, got);
	T_EQ(taken, 0);
	T_EQ(got, 0);
	/* Resumed: every byte arrives. */
	for (i = 0; i < N; i++)
		T_EQ(sm_rx_pause(port, mine[i], 0), 0);
	while (got < N) {
		T_ASSERT(t_sync_until(port, 1, 5000) >= 1);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			got += rx->slot[rx->head].len;
	}
	T_EQ(got, N);
	for (i = 0; i < N; i++)
		close(peer[i]);
	sm_close(port);
	return 0;
}
