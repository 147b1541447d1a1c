/* tx_order_test: per-socket TX order and exactly-once delivery with slow readers, partial sends and random slot sizes. */
#include <signal.h>

#include "testlib.h"

#define NCONN 3
#define TOTAL (8u << 20)  /* bytes per connection */

static uint8_t pattern(uint32_t conn, uint64_t i)
{
	return (uint8_t)(i * 7 + i / 251 + conn * 31);
}

struct peer {
	int cfd;             /* client side, read by the test */
	int sfd;             /* server side, as the port knows it */
	uint64_t sent, got;
	int delay_ms;        /* this reader starts late */
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Queue random-sized, random-offset slots for every peer, round robin. */
static void fill(struct sm_port *port, struct peer *p, uint32_t *seed)
{
	struct sm_ring *tx = sm_txring(port);
	uint32_t k = 0;

	while (!sm_ring_empty(tx)) {
		struct sm_slot *s = &tx->slot[tx->head];
		uint32_t off = rnd(seed) % 64, len, i, j;
		struct peer *q = NULL;
		uint8_t *b;

		for (j = 0; j < NCONN && !q; j++, k++)
			if (p[k % NCONN].sent < TOTAL)
				q = &p[k % NCONN];
		if (!q)
			break;  /* everything is queued */
		len = 1 + rnd(seed) % (tx->buf_size - off);
		if (len > TOTAL - q->sent)
			len = (uint32_t)(TOTAL - q->sent);
		b = (uint8_t *)sm_buf(port, s->buf_idx) + off;
		for (i = 0; i < len; i++)
			b[i] = pattern((uint32_t)(q - p), q->sent + i);
		s->fd = q->sfd;
		s->off = off;
		s->len = len;
		s->flags = 0;
		q->sent += len;
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
	}
}

static void drain(struct peer *p, uint32_t conn, uint64_t t0)
{
	uint8_t buf[65536];
	ssize_t n, i;

	if (t_now_ms() - t0 < (uint64_t)p->delay_ms)
		return;
	while ((n = read(p->cfd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != pattern(conn, p->got + (uint64_t)i)) {
				fprintf(stderr, "conn %u: byte %llu differs\n",
					conn, (unsigned long long)(p->got + i));
				exit(T_FAIL);
			}
		}
		p->got += (uint64_t)n;
	}
	T_ASSERT(n < 0 && errno == EAGAIN);
	T_ASSERT(p->got <= TOTAL);
}

int main(void)
{
	struct sm_config cfg;
	struct sm_port *port;
	struct peer p[NCONN];
	struct sm_stats st;
	uint32_t seed = 12345, i, done = 0;
	uint64_t t0, end;
	int lport, l = t_listen(&lport);

	signal(SIGPIPE, SIG_IGN);
	sm_config_init(&cfg);
	cfg.num_bufs = 1024;  /* small: the send queues fill the pool */
	port = t_open(&cfg);
	T_EQ(sm_attach(port, l), 0);
	for (i = 0; i < NCONN; i++) {
		int sz = 32768;

		memset(&p[i], 0, sizeof(p[i]));
		p[i].cfd = t_connect(lport);
		setsockopt(p[i].cfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		t_nonblock(p[i].cfd);
		T_ASSERT(t_sync_until(port, 1, 2000) >= 1);
		T_ASSERT(sm_rxring(port)->slot[sm_rxring(port)->head].flags &
			 SM_F_ACCEPT);
		p[i].sfd = sm_rxring(port)->slot[sm_rxring(port)->head].fd;
		t_rx_release_all(port);
		p[i].delay_ms = (int)i * 150;
	}
	t0 = t_now_ms();
	end = t0 + 30000;
	while (done < NCONN && t_now_ms() < end) {
		fill(port, p, &seed);
		T_ASSERT(sm_sync(port, 1) >= 0);
		t_rx_release_all(port);
		for (i = 0, done = 0; i < NCONN; i++) {
			drain(&p[i], i, t0);
			done += p[i].got == TOTAL;
		}
	}
	T_EQ(done, NCONN);
	sm_stats(port, &st);
	T_EQ(st.tx_bytes, (uint64_t)NCONN * TOTAL);
	T_EQ(st.tx_dropped + st.bad_slots, 0);
	T_ASSERT(st.pool_empty > 0);  /* the slow readers did push back */
	printf("tx_order_test: ok (%s) tx_slots=%llu partial=%llu "
	       "pool_empty=%llu\n", sm_engine_name(sm_engine(port)),
	       (unsigned long long)st.tx_slots,
	       (unsigned long long)st.tx_partial,
	       (unsigned long long)st.pool_empty);
	sm_close(port);
	return T_PASS;
}
