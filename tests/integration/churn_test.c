/* churn_test: 100,000 connect/send/close cycles (half ending in a reset) and then 10,000 concurrent connections; every byte echoed, every connection and buffer given back. */
#include <signal.h>
#include <sys/wait.h>

#include "testlib.h"

#define CHURN 100000
#define BATCH 250
#define CONC 10000

/* Serve: answer each data slot with its bytes, close on EOF/ERR. */
static void serve(struct sm_port *port, uint64_t *accepted)
{
	struct sm_ring *rx = sm_rxring(port), *tx = sm_txring(port);

	while (!sm_ring_empty(rx) && !sm_ring_empty(tx)) {
		struct sm_slot *s = &rx->slot[rx->head];
		struct sm_slot *t = &tx->slot[tx->head];

		if (s->flags & SM_F_ACCEPT) {
			(*accepted)++;
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
			continue;
		}
		t->fd = s->fd;
		t->off = 0;
		t->len = s->len;
		t->flags = s->len ? 0 : SM_F_CLOSE;
		if (s->len)
			memcpy(sm_buf(port, t->buf_idx),
			       (char *)sm_buf(port, s->buf_idx) + s->off, s->len);
		sm_ring_advance(tx, sm_ring_next(tx, tx->head));
		sm_ring_advance(rx, sm_ring_next(rx, rx->head));
	}
}

/* Read exactly n bytes from nonblocking fd while the server syncs. */
static void expect_echo(struct sm_port *port, int fd, const char *want,
			size_t n, uint64_t *accepted)
{
	uint64_t end = t_now_ms() + 10000;
	char buf[64];
	size_t got = 0;

	while (got < n && t_now_ms() < end) {
		ssize_t k = read(fd, buf + got, n - got);

		if (k > 0) {
			got += (size_t)k;
			continue;
		}
		T_ASSERT(k < 0 && errno == EAGAIN);
		T_ASSERT(sm_sync(port, 1) >= 0);
		serve(port, accepted);
	}
	T_EQ(got, n);
	T_ASSERT(!memcmp(buf, want, n));
}

static void churn(struct sm_port *port, int lport, uint64_t *accepted)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	int fds[BATCH], i, k;

	for (i = 0; i < CHURN; i += BATCH) {
		for (k = 0; k < BATCH; k++) {
			fds[k] = t_connect(lport);
			/* Resets leave no TIME_WAIT: the ports can be reused. */
			T_EQ(setsockopt(fds[k], SOL_SOCKET, SO_LINGER, &rst,
					sizeof(rst)), 0);
			t_nonblock(fds[k]);
			T_EQ(write(fds[k], "ping", 4), 4);
		}
		for (k = 0; k < BATCH; k++) {
			expect_echo(port, fds[k], "ping", 4, accepted);
			if (k % 2)
				shutdown(fds[k], SHUT_WR);  /* EOF first */
			close(fds[k]);              /* then the reset */
		}
		T_ASSERT(sm_sync(port, 0) >= 0);
		serve(port, accepted);
	}
}

/* The clients of the concurrency test, in a child process (so that each
 * process needs CONC descriptors, not both): connect all, send on all,
 * then check every echo.  Exit status 0 = all echoed. */
static int clients(int lport)
{
	int *fds = calloc(CONC, sizeof(*fds)), i;
	char msg[16], buf[16];

	if (!fds)
		return 1;
	for (i = 0; i < CONC; i++)
		fds[i] = t_connect(lport);
	for (i = 0; i < CONC; i++) {
		snprintf(msg, sizeof(msg), "%08d", i);
		if (write(fds[i], msg, 8) != 8)
			return 1;
	}
	for (i = 0; i < CONC; i++) {
		snprintf(msg, sizeof(msg), "%08d", i);
		if (read(fds[i], buf, 8) != 8 || memcmp(buf, msg, 8)) {
			fprintf(stderr, "connection %d: bad echo\n", i);
			return 1;
		}
	}
	return 0;
}

static void concurrent(struct sm_port *port, int lport, uint64_t *accepted)
{
	uint64_t end = t_now_ms() + 60000;
	int status = -1;
	pid_t pid = fork();

	T_ASSERT(pid >= 0);
	if (pid == 0)
		_exit(clients(lport));
	while (waitpid(pid, &status, WNOHANG) == 0 && t_now_ms() < end) {
		T_ASSERT(sm_sync(port, 1) >= 0);
		serve(port, accepted);
	}
	if (t_now_ms() >= end)
		kill(pid, SIGKILL);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	struct sm_stats st;
	struct sm_port *port;
	uint64_t accepted = 0, end;
	int lport, l;

	signal(SIGPIPE, SIG_IGN);
	t_raise_nofile(CONC + 1024);
	port = t_open(NULL);
	l = t_listen(&lport);
	T_EQ(sm_attach(port, l), 0);
	churn(port, lport, &accepted);
	concurrent(port, lport, &accepted);
	end = t_now_ms() + 10000;
	do {
		T_ASSERT(sm_sync(port, 1) >= 0);
		serve(port, &accepted);
		sm_stats(port, &st);
	} while ((st.conns > 1 || st.bufs_in_use != st.bufs_idle) &&
		 t_now_ms() < end);
	T_EQ(accepted, CHURN + CONC);
	T_EQ(st.accepted, CHURN + CONC);
	T_EQ(st.conns, 1);
	T_EQ(st.bufs_in_use, st.bufs_idle);
	T_EQ(st.bad_slots, 0);
	printf("churn_test: ok (%s) %d churned, %d concurrent, conns_max=%u, "
	       "errors=%llu\n", sm_engine_name(sm_engine(port)), CHURN, CONC,
	       st.conns_max, (unsigned long long)st.errors);
	sm_close(port);
	return T_PASS;
}
