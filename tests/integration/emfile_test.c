/* emfile_test: a listener paused because the process ran out of fds (EMFILE) accepts again once fds are freed anywhere, not only when one of the port's own sockets closes. */
#include "testlib.h"

#define FILL 4096

int main(void)
{
	struct sm_port *port = t_open(NULL);
	struct sm_ring *rx = sm_rxring(port);
	static int fill[FILL];
	int lport, l = t_listen(&lport), cli, n = 0, i, got = 0, probe;
	struct rlimit rl, low;
	uint64_t end;

	/* The limit first: io_uring's accept takes it when it is armed. */
	T_ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	probe = dup(0);
	close(probe);
	low = rl;
	low.rlim_cur = (rlim_t)probe + 64;  /* a little room above what is open */
	T_ASSERT(setrlimit(RLIMIT_NOFILE, &low) == 0);
	T_EQ(sm_attach(port, l), 0);
	T_ASSERT(sm_sync(port, 0) >= 0);
	/* Take every fd left but one, for the client: the accept has none. */
	while (n < FILL && (fill[n] = dup(0)) >= 0)
		n++;
	T_ASSERT(n < FILL && errno == EMFILE);
	close(fill[--n]);
	cli = t_connect(lport);  /* the handshake completes in the backlog */
	for (i = 0; i < 20; i++) {
		T_ASSERT(sm_sync(port, 5) >= 0);
		T_ASSERT(sm_ring_empty(rx));  /* nothing accepted: no fd */
	}
	/* Free fds that were never the port's (as a server's file fds). */
	for (i = 0; i < 8; i++)
		close(fill[--n]);
	end = t_now_ms() + 5000;
	while (!got && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 50) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			got += !!(rx->slot[rx->head].flags & SM_F_ACCEPT);
	}
	printf("accepted %d after fds were freed elsewhere\n", got);
	T_EQ(got, 1);
	while (n > 0)
		close(fill[--n]);
	T_ASSERT(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	close(cli);
	sm_close(port);
	return T_PASS;
}
