/* short_send_test: a peer that resets the connection while a long chain of sends waits for room: the app hears SM_F_ERR with the kernel's error (ECONNRESET or EPIPE), never a made-up EIO, and every buffer comes back. */
#include "testlib.h"

#define CHUNK 60000  /* in one buffer: the peer takes part of it */

int main(void)
{
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *rx, *tx;
	int lport, l = t_listen(&lport), cli, fd, small = 4096, err = 0, i;
	struct linger lg = { 1, 0 };
	static char chunk[CHUNK];
	uint64_t end;
	struct sm_stats st;

	sm_config_init(&cfg);
	cfg.buf_size = 65536;
	cfg.num_bufs = 256;
	port = t_open(&cfg);
	rx = sm_rxring(port);
	tx = sm_txring(port);
	memset(chunk, 'r', sizeof(chunk));
	T_EQ(sm_attach(port, l), 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(cli, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	t_connect_fd(cli, lport);
	fd = t_accept(port);
	/* Small buffers both ways: a send takes a part of its buffer and
	 * waits for room. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	/* Not reading it: the error can only come from the sends. */
	T_EQ(sm_rx_pause(port, fd, 1), 0);
	/* Far more than the peer's window: sends wait for room in chains. */
	for (i = 0; i < 4; i++) {
		while (!sm_ring_empty(tx))
			t_send(port, fd, chunk, CHUNK, 0);
		T_ASSERT(sm_sync(port, 1) >= 0);
	}
	setsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cli);  /* a reset, with the chain in flight */
	end = t_now_ms() + 5000;
	while (!err && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 10) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			if (rx->slot[rx->head].flags & SM_F_ERR)
				err = rx->slot[rx->head].err;
	}
	printf("SM_F_ERR: %s (%d)\n", strerror(err), err);
	T_ASSERT(err == ECONNRESET || err == EPIPE);
	t_send(port, fd, "", 0, SM_F_CLOSE);
	for (i = 0; i < 50; i++) {
		T_ASSERT(sm_sync(port, 1) >= 0);
		t_rx_release_all(port);
	}
	sm_stats(port, &st);
	T_EQ(st.bufs_in_use, st.bufs_idle);
	sm_close(port);
	return T_PASS;
}
