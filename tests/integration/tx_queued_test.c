/* tx_queued_test: sm_tx_queued() is exactly what the library holds for a socket (handed over, not yet taken by the kernel) through short sends to a peer that does not read, and 0 once it has read everything. */
#include "testlib.h"

#define CHUNK 2000
#define TOTAL (8u << 20)

/* What the kernel has taken so far, by the port's counters. */
static uint64_t taken(struct sm_port *port)
{
	struct sm_stats st;

	sm_stats(port, &st);
	return st.tx_bytes;
}

int main(void)
{
	struct sm_port *port = t_open(NULL);
	int lport, l = t_listen(&lport), cli, fd = -1, rcv = 4096;
	struct sm_ring *tx = sm_txring(port);
	static char chunk[CHUNK], buf[1 << 16];
	uint64_t queued = 0, got = 0, end;
	ssize_t n;

	memset(chunk, 'q', sizeof(chunk));
	T_EQ(sm_attach(port, l), 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	/* A small receive buffer, so that sends come up short soon. */
	setsockopt(cli, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	t_connect_fd(cli, lport);
	fd = t_accept(port);
	T_EQ(sm_tx_queued(port, -1), -EBADF);
	/* Queue until the library holds 1 MiB the kernel would not take. */
	end = t_now_ms() + 10000;
	while (queued - taken(port) < (1u << 20) && queued < TOTAL &&
	       t_now_ms() < end) {
		while (!sm_ring_empty(tx) && queued < TOTAL) {
			t_send(port, fd, chunk, CHUNK, 0);
			queued += CHUNK;
		}
		T_ASSERT(sm_sync(port, 1) >= 0);
		T_EQ(sm_tx_queued(port, fd), (int64_t)(queued - taken(port)));
	}
	printf("held for a non-reader: %lld bytes (%llu queued, %llu taken)\n",
	       (long long)sm_tx_queued(port, fd), (unsigned long long)queued,
	       (unsigned long long)taken(port));
	T_ASSERT(sm_tx_queued(port, fd) > 0);
	/* Now read everything: the library's hold falls to 0, exactly. */
	t_nonblock(cli);
	end = t_now_ms() + 20000;
	while (got < queued && t_now_ms() < end) {
		n = read(cli, buf, sizeof(buf));
		if (n > 0)
			got += (uint64_t)n;
		T_ASSERT(sm_sync(port, 0) >= 0);
		T_EQ(sm_tx_queued(port, fd), (int64_t)(queued - taken(port)));
	}
	T_EQ(got, queued);
	for (int i = 0; i < 100 && sm_tx_queued(port, fd); i++)
		T_ASSERT(sm_sync(port, 1) >= 0);
	T_EQ(sm_tx_queued(port, fd), 0);
	close(cli);
	sm_close(port);
	return T_PASS;
}
