/* listen_err_test: a listener whose every accept fails for good (shut down: EINVAL) is reported once with SM_F_ERR and then left alone; syncs wait their timeout again instead of spinning. */
#include "testlib.h"

int main(void)
{
	struct sm_port *port = t_open(NULL);
	struct sm_ring *rx = sm_rxring(port);
	int lport, l = t_listen(&lport), err = 0, errs = 0, syncs = 0;
	uint64_t end;

	T_EQ(sm_attach(port, l), 0);
	T_ASSERT(sm_sync(port, 0) >= 0);
	T_ASSERT(sm_sync(port, 0) >= 0);  /* the accept is armed */
	/* A shut-down listener: accept(2) fails with EINVAL from now on. */
	T_EQ(shutdown(l, SHUT_RDWR), 0);
	end = t_now_ms() + 2000;
	while (!err && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 10) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			if (rx->slot[rx->head].fd == l &&
			    (rx->slot[rx->head].flags & SM_F_ERR))
				err = rx->slot[rx->head].err;
	}
	printf("listener: SM_F_ERR %s\n", strerror(err));
	T_EQ(err, EINVAL);
	/* Now nothing happens: 300 ms of 50 ms syncs are a handful (a spin
	 * makes thousands; a slow box makes fewer, never more). */
	end = t_now_ms() + 300;
	while (t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 50) >= 0);
		syncs++;
		for (; !sm_ring_empty(rx); rx->head = rx->cur = sm_ring_next(rx, rx->head))
			errs += !!(rx->slot[rx->head].flags & SM_F_ERR);
	}
	printf("then %d syncs in 300 ms, %d more errors\n", syncs, errs);
	T_ASSERT(syncs < 100);
	T_EQ(errs, 0);
	sm_close(port);
	return T_PASS;
}
