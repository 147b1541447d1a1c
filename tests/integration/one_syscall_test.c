/* one_syscall_test: with io_uring and 100 connections, every sync that has work makes exactly one system call. */
#include "testlib.h"

#define NCONN 100
#define ROUNDS 50
#define REQ 64
#define RESP 1024

static void accept_all(struct sm_port *port, int *sfd)
{
	struct sm_ring *rx = sm_rxring(port);
	int n = 0;
	uint64_t end = t_now_ms() + 5000;

	while (n < NCONN && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 10) >= 0);
		while (!sm_ring_empty(rx)) {
			struct sm_slot *s = &rx->slot[rx->head];

			T_ASSERT(s->flags & SM_F_ACCEPT);
			sfd[n++] = s->fd;
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
		}
	}
	T_EQ(n, NCONN);
}

/* Answer each request slot with one response slot. */
static int serve(struct sm_port *port, char *resp)
{
	struct sm_ring *rx = sm_rxring(port);
	int bytes = 0;

	while (!sm_ring_empty(rx)) {
		struct sm_slot *s = &rx->slot[rx->head];

		T_EQ(s->flags, 0);
		bytes += (int)s->len;
		t_send(port, s->fd, resp, RESP, 0);
		sm_ring_advance(rx, sm_ring_next(rx, rx->head));
	}
	return bytes;
}

int main(void)
{
	struct sm_port *port = t_open(NULL);
	struct sm_stats a, b;
	char req[REQ], resp[RESP], buf[RESP];
	int cfd[NCONN], sfd[NCONN], lport, l = t_listen(&lport), i, r;
	uint64_t syncs = 0, maxcalls = 0, worksyncs = 0;

	if (!t_engine_is(port, SM_ENGINE_URING))
		t_skip("one syscall per sync is the io_uring engine's property");
	t_raise_nofile(4 * NCONN + 64);
	memset(req, 'q', sizeof(req));
	memset(resp, 'r', sizeof(resp));
	T_EQ(sm_attach(port, l), 0);
	for (i = 0; i < NCONN; i++) {
		cfd[i] = t_connect(lport);
		t_nonblock(cfd[i]);
	}
	accept_all(port, sfd);
	for (r = 0; r < ROUNDS; r++) {
		int got = 0;
		uint64_t end = t_now_ms() + 5000;

		for (i = 0; i < NCONN; i++)
			T_EQ(write(cfd[i], req, REQ), REQ);
		/* Serve until every request is in and answered. */
		while (got < NCONN * REQ && t_now_ms() < end) {
			sm_stats(port, &a);
			T_ASSERT(sm_sync(port, 100) >= 0);
			sm_stats(port, &b);
			syncs++;
			if (b.work_syncs > a.work_syncs)
				worksyncs++;
			T_ASSERT(b.syscalls - a.syscalls <= 1);
			T_EQ(b.syscalls - a.syscalls, b.work_syncs - a.work_syncs);
			if (b.syscalls - a.syscalls > maxcalls)
				maxcalls = b.syscalls - a.syscalls;
			got += serve(port, resp);
		}
		T_EQ(got, NCONN * REQ);
		for (i = 0; i < NCONN; i++) {
			size_t n = 0;

			while (n < RESP) {
				ssize_t k = read(cfd[i], buf, RESP - n);

				if (k <= 0) {
					/* Responses still in the SQ: sync. */
					T_ASSERT(sm_sync(port, 10) >= 0);
					continue;
				}
				n += (size_t)k;
			}
		}
	}
	sm_stats(port, &b);
	T_EQ(b.tx_slots, (uint64_t)NCONN * ROUNDS);
	printf("one_syscall_test: ok: %llu syncs with work, max %llu syscall "
	       "per sync, %llu syscalls for %d requests (%.3f per request)\n",
	       (unsigned long long)worksyncs, (unsigned long long)maxcalls,
	       (unsigned long long)b.syscalls, NCONN * ROUNDS,
	       (double)b.syscalls / (NCONN * ROUNDS));
	sm_close(port);
	return T_PASS;
}
