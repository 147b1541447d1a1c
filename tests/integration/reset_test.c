/* reset_test: SM_F_RESET on a peer that never reads: the output queued for it (and in flight, on io_uring) goes back to the pool at once, the peer sees a reset, another connection is not disturbed. */
#include <sys/time.h>

#include "testlib.h"

#define CHUNK 2000

/* Queue output for sfd until the library holds at least min bytes the
 * kernel will not take (the peer does not read). */
static void fill(struct sm_port *port, int sfd, int64_t min)
{
	static char data[CHUNK];
	uint64_t end = t_now_ms() + 10000;

	memset(data, 'r', sizeof(data));
	while (sm_tx_queued(port, sfd) < min) {
		T_ASSERT(t_now_ms() < end);
		while (!sm_ring_empty(sm_txring(port)) &&
		       sm_tx_queued(port, sfd) < min)
			t_send(port, sfd, data, CHUNK, 0);
		T_ASSERT(sm_sync(port, 1) >= 0);
	}
}

int main(void)
{
	struct sm_port *port;
	struct sm_config cfg;
	struct sm_stats st0, st;
	uint32_t free0;
	int l, pnum, c1, c2, s1, s2, err = 0;
	char buf[65536], msg[] = "still here";
	size_t got = 0;
	uint64_t end;
	ssize_t n;

	sm_config_init(&cfg);
	cfg.num_bufs = 2048;
	port = t_open(&cfg);
	l = t_listen(&pnum);
	T_EQ(sm_attach(port, l), 0);
	c1 = t_connect(pnum);
	s1 = t_accept(port);
	c2 = t_connect(pnum);
	s2 = t_accept(port);
	sm_stats(port, &st0);
	free0 = sm_bufs_free(port);
	T_EQ(free0, st0.bufs_total - st0.bufs_in_use);

	/* c1 never reads: 1 MB stays in the library, and the kernel takes
	 * no more (its window is closed: no FIN can pass the reset). */
	for (int64_t q = -1; q != sm_tx_queued(port, s1) ||
			     q < (1 << 20);) {
		fill(port, s1, 1 << 20);
		q = sm_tx_queued(port, s1);
		for (end = t_now_ms() + 200; t_now_ms() < end;)
			T_ASSERT(sm_sync(port, 10) >= 0);
	}
	T_ASSERT(sm_bufs_free(port) < free0 - 400);

	/* Reset, on a slot that carries data too: that is dropped. */
	t_send(port, s1, "dropped", 7, SM_F_RESET);
	end = t_now_ms() + 3000;
	do {
		T_ASSERT(sm_sync(port, 10) >= 0);
		sm_stats(port, &st);
	} while (st.closed == st0.closed && t_now_ms() < end);
	T_EQ(st.closed, st0.closed + 1);
	T_EQ(st.resets, st0.resets + 1);
	T_EQ(sm_tx_queued(port, s1), -EBADF);
	T_EQ(st.bufs_in_use, st.bufs_idle);
	T_ASSERT(st.tx_dropped > st0.tx_dropped);

	/* The peer reads what the kernel had taken, then the reset. */
	T_ASSERT(setsockopt(c1, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 3, 0 },
			    sizeof(struct timeval)) == 0);
	end = t_now_ms() + 5000;
	while (t_now_ms() < end) {
		n = read(c1, buf, sizeof(buf));
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		err = n < 0 ? errno : 0;
		break;
	}
	T_EQ(err, ECONNRESET);
	T_ASSERT(got < st.tx_bytes);

	/* The other connection still works. */
	t_send(port, s2, msg, sizeof(msg), SM_F_CLOSE);
	T_EQ(t_read_eof(port, c2, buf, sizeof(buf), 3000), sizeof(msg));
	T_ASSERT(!memcmp(buf, msg, sizeof(msg)));
	sm_stats(port, &st);
	T_EQ(st.resets, st0.resets + 1);
	T_EQ(st.bad_slots, 0);
	printf("reset_test: %s: ok, the peer read %zu bytes, then ECONNRESET\n",
	       sm_engine_name(sm_engine(port)), got);
	close(c1);
	close(c2);
	sm_close(port);
	return T_PASS;
}
