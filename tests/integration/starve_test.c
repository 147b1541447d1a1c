/* starve_test: an app that owns no TX slot while the pool is dry (it holds every buffer) and gives buffers back gets TX slots from that very sync, which does not first sleep its timeout. */
#include "testlib.h"

#define WAIT_MS 3000

int main(void)
{
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *tx;
	uint32_t spare[64];
	int n = 0, i, lport, l;
	uint64_t t0, ms;

	sm_config_init(&cfg);
	cfg.num_bufs = 64;  /* 16 for the TX ring, 16 lent for RX */
	port = t_open(&cfg);
	tx = sm_txring(port);
	l = t_listen(&lport);
	T_EQ(sm_attach(port, l), 0);
	T_ASSERT(sm_sync(port, 0) >= 0);
	/* Keep every TX slot's buffer (the slots go back empty, carrying no
	 * buffer), then take the pool's last ones: nothing is left. */
	while (!sm_ring_empty(tx)) {
		struct sm_slot *s = &tx->slot[tx->head];

		spare[n++] = s->buf_idx;
		s->buf_idx = SM_NO_BUF;
		s->fd = l;
		s->len = 0;
		s->flags = 0;
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
	}
	while (n < 64 && sm_buf_get(port, &spare[n]) == 0)
		n++;
	T_ASSERT(sm_sync(port, 0) >= 0);
	T_ASSERT(sm_ring_empty(tx) && sm_bufs_free(port) == 0);
	printf("starved: no TX slot, no free buffer, %d buffers held\n", n);
	/* Give them back: this sync hands out TX slots, and does not wait
	 * (no event would come: nothing is connected). */
	for (i = 0; i < n; i++)
		sm_buf_put(port, spare[i]);
	t0 = t_now_ms();
	T_ASSERT(sm_sync(port, WAIT_MS) >= 0);
	ms = t_now_ms() - t0;
	printf("sync with %d ms to wait returned after %llu ms, %u TX slots\n",
	       WAIT_MS, (unsigned long long)ms, sm_ring_space(tx));
	T_ASSERT(!sm_ring_empty(tx));
	/* Not a timing threshold: it did not sleep its timeout. */
	T_ASSERT(ms < WAIT_MS / 2);
	sm_close(port);
	return T_PASS;
}
