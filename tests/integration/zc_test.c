/* zc_test: large slots go out with SEND_ZC (io_uring), in order and exactly once, and their buffers come back after the notifications. */
#include <pthread.h>

#include "testlib.h"

#define BUF (64 * 1024)
#define NSLOTS 512

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 13 + i / 65521);
}

struct reader {
	int fd;
	uint64_t got;
	int bad;
};

/* The peer: reads everything, checking each byte. */
static void *read_all(void *arg)
{
	struct reader *r = arg;
	static uint8_t buf[1 << 20];
	ssize_t n, i;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] != pattern(r->got + (uint64_t)i))
				r->bad = 1;
		r->got += (uint64_t)n;
	}
	return NULL;
}

int main(void)
{
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_ring *tx;
	struct sm_stats st;
	struct reader r = { 0 };
	pthread_t th;
	uint64_t sent = 0, end;
	int lport, l = t_listen(&lport), fd, i = 0;

	sm_config_init(&cfg);
	cfg.buf_size = BUF;
	cfg.num_bufs = 256;
	cfg.ring_size = 64;
	cfg.zc_threshold = 16384;
	port = t_open(&cfg);
	tx = sm_txring(port);
	T_EQ(sm_attach(port, l), 0);
	r.fd = t_connect(lport);
	T_ASSERT(t_sync_until(port, 1, 2000) == 1);
	fd = sm_rxring(port)->slot[sm_rxring(port)->head].fd;
	t_rx_release_all(port);
	T_EQ(pthread_create(&th, NULL, read_all, &r), 0);
	end = t_now_ms() + 30000;
	while (i < NSLOTS && t_now_ms() < end) {
		while (i < NSLOTS && !sm_ring_empty(tx)) {
			struct sm_slot *s = &tx->slot[tx->head];
			/* Sizes on both sides of the threshold. */
			uint32_t len = (i % 3) ? BUF : 1000 + (uint32_t)i, k;
			uint8_t *b = sm_buf(port, s->buf_idx);

			for (k = 0; k < len; k++)
				b[k] = pattern(sent + k);
			s->fd = fd;
			s->off = 0;
			s->len = len;
			s->flags = ++i == NSLOTS ? SM_F_CLOSE : 0;
			sent += len;
			sm_ring_advance(tx, sm_ring_next(tx, tx->head));
		}
		T_ASSERT(sm_sync(port, 1) >= 0);
	}
	T_EQ(i, NSLOTS);
	/* Sync until the close is done and every buffer is back. */
	do {
		T_ASSERT(sm_sync(port, 1) >= 0);
		sm_stats(port, &st);
	} while ((st.conns > 1 || st.bufs_in_use != st.bufs_idle) &&
		 t_now_ms() < end);
	T_EQ(pthread_join(th, NULL), 0);
	T_EQ(r.got, sent);
	T_EQ(r.bad, 0);
	T_EQ(st.conns, 1);
	T_EQ(st.bufs_in_use, st.bufs_idle);
	if (t_engine_is(port, SM_ENGINE_URING) && st.tx_zc == 0)
		t_skip("SEND_ZC unavailable (kernel or RLIMIT_MEMLOCK)");
	printf("zc_test: ok (%s) %llu bytes, %llu zero-copy sends\n",
	       sm_engine_name(sm_engine(port)), (unsigned long long)sent,
	       (unsigned long long)st.tx_zc);
	sm_close(port);
	return T_PASS;
}
