/* thread_test: the thread model: a port opened in one thread is driven by another, a sync from a third is refused with -EBUSY, ports in concurrent threads share nothing, and sm_listen_group spreads (or steers by CPU) connections over ports. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "testlib.h"

#define NPORTS 4

struct worker {
	struct sm_port *port;
	int lfd, lport;
	pthread_barrier_t *bound;  /* reached after the first sync */
	int echoed;                /* bytes sent back */
};

/* Echo whatever arrives until the peer closes; then close it. */
static void *echo(void *arg)
{
	struct worker *w = arg;
	struct sm_ring *rx = sm_rxring(w->port);
	uint64_t end = t_now_ms() + 10000;
	bool eof = false;

	T_ASSERT(sm_sync(w->port, 0) >= 0);
	if (w->bound)
		pthread_barrier_wait(w->bound);
	while (!eof && t_now_ms() < end) {
		T_ASSERT(sm_sync(w->port, 10) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur =
		     sm_ring_next(rx, rx->head)) {
			struct sm_slot *s = &rx->slot[rx->head];

			if (s->flags & SM_F_EOF) {
				t_send(w->port, s->fd, "", 0, SM_F_CLOSE);
				eof = true;
			} else if (s->len) {
				t_send(w->port, s->fd,
				       (char *)sm_buf(w->port, s->buf_idx) + s->off,
				       s->len, 0);
				w->echoed += (int)s->len;
			}
		}
	}
	T_ASSERT(eof);
	for (int i = 0; i < 20; i++)  /* let the close go out */
		T_ASSERT(sm_sync(w->port, 1) >= 0);
	return NULL;
}

static void worker_open(struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->port = t_open(NULL);
	w->lfd = t_listen(&w->lport);
	T_EQ(sm_attach(w->port, w->lfd), 0);
}

/* One request/answer on a client of w, then close. */
static void client_round(int port)
{
	char buf[64];
	int fd = t_connect(port);
	ssize_t n;

	T_EQ(write(fd, "ping", 4), 4);
	n = read(fd, buf, sizeof(buf));
	T_EQ(n, 4);
	T_ASSERT(!memcmp(buf, "ping", 4));
	shutdown(fd, SHUT_WR);
	T_EQ(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}

/* Opened here, driven by a worker; this thread's sync is refused. */
static void test_handoff(void)
{
	pthread_barrier_t bound;
	struct worker w;
	pthread_t t;

	worker_open(&w);
	pthread_barrier_init(&bound, NULL, 2);
	w.bound = &bound;
	T_EQ(pthread_create(&t, NULL, echo, &w), 0);
	pthread_barrier_wait(&bound);
	T_EQ(sm_sync(w.port, 0), -EBUSY);
	client_round(w.lport);
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(w.echoed, 4);
	T_EQ(sm_sync(w.port, 0), -EBUSY);  /* bound for good */
	sm_close(w.port);
	pthread_barrier_destroy(&bound);
}

/* NPORTS ports, each in its own thread, served at the same time. */
static void test_concurrent_ports(void)
{
	struct worker w[NPORTS];
	pthread_t t[NPORTS];
	int i;

	for (i = 0; i < NPORTS; i++) {
		worker_open(&w[i]);
		T_EQ(pthread_create(&t[i], NULL, echo, &w[i]), 0);
	}
	for (i = 0; i < NPORTS; i++)
		client_round(w[i].lport);
	for (i = 0; i < NPORTS; i++) {
		T_EQ(pthread_join(t[i], NULL), 0);
		T_EQ(w[i].echoed, 4);
		sm_close(w[i].port);
	}
}

struct acceptor {
	struct sm_port *port;
	atomic_int *stop;
	atomic_int accepted;
};

/* Count (and close) the connections this port accepts, until *stop. */
static void *count_accepts(void *arg)
{
	struct acceptor *a = arg;
	struct sm_ring *rx = sm_rxring(a->port);

	while (!atomic_load(a->stop)) {
		T_ASSERT(sm_sync(a->port, 5) >= 0);
		for (; !sm_ring_empty(rx); rx->head = rx->cur =
		     sm_ring_next(rx, rx->head))
			if (rx->slot[rx->head].flags & SM_F_ACCEPT) {
				atomic_fetch_add(&a->accepted, 1);
				t_send(a->port, rx->slot[rx->head].fd, "", 0,
				       SM_F_CLOSE);
			}
	}
	return NULL;
}

/* nconn connections to a 2-listener group (steered by cpus, or not),
 * made from client_cpu (-1: anywhere); got[i]: port i's share. */
static void group_round(const int *cpus, int client_cpu, int nconn,
			int got[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct acceptor a[2];
	pthread_t t[2];
	atomic_int stop = 0;
	int fds[2], i, port;
	socklen_t len = sizeof(sa);
	cpu_set_t all, one;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_EQ(sm_listen_group((struct sockaddr *)&sa, sizeof(sa), 128, 2,
			     cpus, fds), 0);
	T_EQ(getsockname(fds[1], (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	for (i = 0; i < 2; i++) {
		a[i].port = t_open(NULL);
		a[i].stop = &stop;
		atomic_init(&a[i].accepted, 0);
		T_EQ(sm_attach(a[i].port, fds[i]), 0);
		T_EQ(pthread_create(&t[i], NULL, count_accepts, &a[i]), 0);
	}
	T_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
	if (client_cpu >= 0) {
		/* On loopback the SYN is processed on the sender's CPU. */
		CPU_ZERO(&one);
		CPU_SET(client_cpu, &one);
		T_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
	}
	for (i = 0; i < nconn; i++)
		close(t_connect(port));
	T_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
	for (uint64_t end = t_now_ms() + 5000; t_now_ms() < end &&
	     atomic_load(&a[0].accepted) + atomic_load(&a[1].accepted) < nconn; )
		usleep(1000);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++) {
		T_EQ(pthread_join(t[i], NULL), 0);
		got[i] = atomic_load(&a[i].accepted);
		sm_close(a[i].port);
	}
	T_EQ(got[0] + got[1], nconn);
}

static void test_listen_group(void)
{
	int got[2], cpus[2] = { 0, 1 }, fds[2];
	struct sockaddr_in sa = { .sin_family = AF_INET };

	T_EQ(sm_listen_group((struct sockaddr *)&sa, sizeof(sa), 1, 0, NULL,
			     fds), -EINVAL);
	/* The kernel's hash: both ports get a share (all 64 on one port
	 * by chance: 2^-63). */
	group_round(NULL, -1, 64, got);
	printf("hash: %d / %d\n", got[0], got[1]);
	T_ASSERT(got[0] > 0 && got[1] > 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("steering not checked: one CPU\n");
		return;
	}
	/* Steered: every SYN made on CPU 1 goes to the port of CPU 1. */
	group_round(cpus, 1, 32, got);
	printf("steered from CPU 1: %d / %d\n", got[0], got[1]);
	T_EQ(got[1], 32);
	group_round(cpus, 0, 32, got);
	printf("steered from CPU 0: %d / %d\n", got[0], got[1]);
	T_EQ(got[0], 32);
}

int main(void)
{
	test_handoff();
	test_concurrent_ports();
	test_listen_group();
	return T_PASS;
}
