/* conn_events_test: ACCEPT/EOF/ERR slots, and no data after close even when the fd number is reused. */
#include <signal.h>

#include "testlib.h"

/* Find the next RX slot for fd (skipping others), within ms. */
static struct sm_slot *next_for(struct sm_port *port, int fd, int ms)
{
	struct sm_ring *rx = sm_rxring(port);
	uint64_t end = t_now_ms() + (uint64_t)ms;

	for (;;) {
		while (!sm_ring_empty(rx)) {
			struct sm_slot *s = &rx->slot[rx->head];

			if (fd < 0 || s->fd == fd)
				return s;
			sm_ring_advance(rx, sm_ring_next(rx, rx->head));
		}
		if (t_now_ms() > end)
			return NULL;
		T_ASSERT(sm_sync(port, 10) >= 0);
	}
}

static void pop(struct sm_port *port)
{
	struct sm_ring *rx = sm_rxring(port);

	sm_ring_advance(rx, sm_ring_next(rx, rx->head));
}

static int accept_one(struct sm_port *port)
{
	struct sm_slot *s = next_for(port, -1, 2000);
	int fd;

	T_ASSERT(s != NULL);
	T_ASSERT(s->flags & SM_F_ACCEPT);
	T_EQ(s->len, 0);
	T_EQ(s->buf_idx, SM_NO_BUF);
	fd = s->fd;
	pop(port);
	return fd;
}

/* Read all data for fd until an EOF or ERR slot; returns its flags. */
static uint16_t read_to_end(struct sm_port *port, int fd, char *out,
			    size_t cap, size_t *len, int *err)
{
	struct sm_slot *s;

	*len = 0;
	while ((s = next_for(port, fd, 2000)) != NULL) {
		uint16_t f = s->flags;

		if (f & (SM_F_EOF | SM_F_ERR)) {
			*err = s->err;
			pop(port);
			return f;
		}
		if (out) {  /* NULL: only count */
			T_ASSERT(*len + s->len <= cap);
			memcpy(out + *len, (char *)sm_buf(port, s->buf_idx) +
			       s->off, s->len);
		}
		*len += s->len;
		pop(port);
	}
	return 0;
}

static void test_eof(struct sm_port *port, int lport)
{
	char buf[4096];
	size_t len;
	int c = t_connect(lport), fd, err = 0;

	fd = accept_one(port);
	T_EQ(write(c, "hello", 5), 5);
	T_EQ(shutdown(c, SHUT_WR), 0);
	T_EQ(read_to_end(port, fd, buf, sizeof(buf), &len, &err), SM_F_EOF);
	T_EQ(len, 5);
	T_ASSERT(!memcmp(buf, "hello", 5));
	/* Half-closed: we can still answer, then close. */
	t_send(port, fd, "bye", 3, SM_F_CLOSE);
	T_EQ(t_read_eof(port, c, buf, sizeof(buf), 2000), 3);
	T_ASSERT(!memcmp(buf, "bye", 3));
	close(c);
}

static void test_err(struct sm_port *port, int lport)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[64];
	size_t len;
	int c = t_connect(lport), fd, err = 0;

	fd = accept_one(port);
	T_EQ(write(c, "x", 1), 1);
	/* Linger 0: close sends a RST. */
	T_EQ(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(c);
	T_EQ(read_to_end(port, fd, buf, sizeof(buf), &len, &err), SM_F_ERR);
	T_EQ(err, ECONNRESET);
	t_send(port, fd, "", 0, SM_F_CLOSE);
	T_ASSERT(sm_sync(port, 0) >= 0);
}

/* A closed socket's data never surfaces, even under a reused fd number. */
static void test_fd_reuse(struct sm_port *port, int lport)
{
	struct sm_ring *rx = sm_rxring(port);
	char junk[1024], buf[64];
	int a = t_connect(lport), b = -1, fa, fb = -1, i;
	size_t len;
	int err;

	memset(junk, 'A', sizeof(junk));
	fa = accept_one(port);
	for (i = 0; i < 64; i++)
		T_EQ(write(a, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	for (i = 0; i < 20 && fb != fa; i++) {
		/* The client socket takes its fd number before the server
		 * frees one, so the accepted socket can get fa's. */
		b = socket(AF_INET, SOCK_STREAM, 0);
		if (i == 0) {
			/* Close before reading anything: the 64 KiB of a
			 * must vanish. */
			t_send(port, fa, "", 0, SM_F_CLOSE);
			T_ASSERT(sm_sync(port, 0) >= 0);
		}
		T_ASSERT(sm_sync(port, 5) >= 0);
		t_connect_fd(b, lport);
		fb = accept_one(port);
		if (fb != fa) {
			t_send(port, fb, "", 0, SM_F_CLOSE);
			close(b);
		}
	}
	T_EQ(fb, fa);  /* the kernel gave the new socket the old number */
	for (i = 0; i < 64; i++)
		(void)!write(a, junk, sizeof(junk));
	T_EQ(write(b, "B-data", 6), 6);
	T_EQ(shutdown(b, SHUT_WR), 0);
	while (!sm_ring_empty(rx) && rx->slot[rx->head].fd != fb)
		pop(port);
	T_EQ(read_to_end(port, fb, buf, sizeof(buf), &len, &err), SM_F_EOF);
	T_EQ(len, 6);
	T_ASSERT(!memcmp(buf, "B-data", 6));
	t_send(port, fb, "", 0, SM_F_CLOSE);
	T_ASSERT(sm_sync(port, 0) >= 0);
	close(a);
	close(b);
}

/* A paused socket is not read (TCP pushes the peer back), and resuming
 * delivers what waited, in order. */
static void test_pause(struct sm_port *port, int lport)
{
	static char junk[65536];
	size_t len, total = 0;
	int c = t_connect(lport), fd, err = 0, i;

	fd = accept_one(port);
	T_EQ(sm_rx_pause(port, fd, 1), 0);
	T_EQ(sm_rx_pause(port, fd, 1), 0);  /* twice is fine */
	T_EQ(sm_rx_pause(port, 12345, 1), -EBADF);
	T_ASSERT(sm_sync(port, 0) >= 0);
	t_nonblock(c);
	/* Write until the kernel refuses: nobody reads the other end. */
	for (i = 0; i < 4096; i++) {
		ssize_t n = write(c, junk, sizeof(junk));

		if (n < 0) {
			T_ASSERT(errno == EAGAIN);
			break;
		}
		total += (size_t)n;
		if (i % 16 == 0)
			T_ASSERT(sm_sync(port, 0) >= 0);
	}
	T_ASSERT(i < 4096);  /* flow control stopped the writer */
	T_ASSERT(sm_ring_empty(sm_rxring(port)));
	T_EQ(sm_rx_pause(port, fd, 0), 0);
	T_EQ(shutdown(c, SHUT_WR), 0);
	T_EQ(read_to_end(port, fd, NULL, 0, &len, &err), SM_F_EOF);
	T_EQ(len, total);
	t_send(port, fd, "", 0, SM_F_CLOSE);
	T_ASSERT(sm_sync(port, 0) >= 0);
	close(c);
}

static void check_no_leak(struct sm_port *port)
{
	struct sm_stats st;
	int i;

	/* Let the closes complete, then every buffer is back. */
	for (i = 0; i < 100; i++) {
		t_rx_release_all(port);
		T_ASSERT(sm_sync(port, 10) >= 0);
		sm_stats(port, &st);
		if (st.conns == 1 && st.bufs_in_use == st.bufs_idle)
			break;
	}
	T_EQ(st.conns, 1);
	T_EQ(st.bufs_in_use, st.bufs_idle);
	T_EQ(st.bad_slots, 0);
	T_ASSERT(st.errors >= 1);
}

int main(void)
{
	struct sm_port *port = t_open(NULL);
	int lport, l = t_listen(&lport);

	signal(SIGPIPE, SIG_IGN);  /* writes to a socket the server reset */
	T_EQ(sm_attach(port, l), 0);
	test_eof(port, lport);
	test_err(port, lport);
	test_fd_reuse(port, lport);
	test_pause(port, lport);
	check_no_leak(port);
	printf("conn_events_test: ok (%s)\n",
	       sm_engine_name(sm_engine(port)));
	sm_close(port);
	return T_PASS;
}
