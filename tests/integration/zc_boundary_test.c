/* zc_boundary_test: with a pool over 1 GiB and a buffer size that does not divide 1 GiB, the buffer that would straddle two registered regions is sent with SEND_ZC like any other (it failed with EFAULT when regions were cut at 1 GiB). */
#include "testlib.h"

#define BUF 20000      /* does not divide 1 GiB */
#define NBUF 60000     /* 1.2 GB */

int main(void)
{
	uint32_t want = (uint32_t)((1ull << 30) / BUF), b, got_b;
	static uint32_t held[NBUF];
	static char out[BUF], in[BUF];
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *rx, *tx;
	struct sm_stats st;
	int lport, l, cli, fd, n = 0, err = 0;
	size_t len = 0;
	uint64_t end;
	ssize_t r;

	if (getenv("SM_ENGINE") && strcmp(getenv("SM_ENGINE"), "uring"))
		t_skip("SEND_ZC is the io_uring engine's");
	sm_config_init(&cfg);
	cfg.engine = SM_ENGINE_URING;
	cfg.buf_size = BUF;
	cfg.num_bufs = NBUF;
	cfg.zc_threshold = 4096;
	if (sm_open(&port, &cfg) < 0)
		t_skip("no io_uring port with a 1.2 GB pool here (memory, memlock)");
	rx = sm_rxring(port);
	tx = sm_txring(port);
	l = t_listen(&lport);
	T_EQ(sm_attach(port, l), 0);
	cli = t_connect(lport);
	fd = t_accept(port);
	/* Own buffer `want` (the pool hands buffers out in index order). */
	do {
		T_EQ(sm_buf_get(port, &held[n]), 0);
	} while (held[n++] != want && n < NBUF);
	T_EQ(held[n - 1], want);
	for (int i = 0; i < n - 1; i++)
		sm_buf_put(port, held[i]);
	for (int i = 0; i < BUF; i++)
		out[i] = (char)('a' + i % 26);
	memcpy(sm_buf(port, want), out, BUF);
	/* Send it from a TX slot: swap it in. */
	T_ASSERT(!sm_ring_empty(tx));
	b = tx->slot[tx->head].buf_idx;
	tx->slot[tx->head] = (struct sm_slot){ .fd = fd, .buf_idx = want,
					       .len = BUF, .flags = SM_F_BUF_CHANGED };
	sm_ring_advance(tx, sm_ring_next(tx, tx->head));
	sm_buf_put(port, b);
	t_nonblock(cli);
	end = t_now_ms() + 5000;
	while (len < BUF && !err && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 1) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			if (rx->slot[rx->head].flags & SM_F_ERR)
				err = rx->slot[rx->head].err;
		r = read(cli, in + len, BUF - len);
		if (r > 0)
			len += (size_t)r;
	}
	sm_stats(port, &st);
	got_b = want;
	printf("buffer %u (bytes %llu-%llu, 1 GiB at %llu): %zu bytes back, "
	       "tx_zc=%llu, error %s\n", got_b,
	       (unsigned long long)want * BUF,
	       (unsigned long long)(want + 1) * BUF - 1, 1ull << 30, len,
	       (unsigned long long)st.tx_zc, err ? strerror(err) : "none");
	T_EQ(err, 0);
	T_EQ(len, BUF);
	T_ASSERT(!memcmp(in, out, BUF));
	if (st.tx_zc == 0)  /* the pool could not be registered (memlock) */
		t_skip("SEND_ZC not in use: the pool is not registered here");
	close(cli);
	sm_close(port);
	return T_PASS;
}
