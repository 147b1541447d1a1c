/* api_test: ring helpers, config checks, attach errors, buffers, ring rules, sm_listen's options and their size. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testlib.h"

static void test_ring_helpers(void)
{
	struct {
		struct sm_ring r;
		struct sm_slot s[8];
	} m;

	memset(&m, 0, sizeof(m));
	*(uint32_t *)&m.r.num_slots = 8;
	T_EQ(sm_ring_next(&m.r, 0), 1);
	T_EQ(sm_ring_next(&m.r, 7), 0);
	T_ASSERT(sm_ring_empty(&m.r));
	m.r.tail = 5;
	T_EQ(sm_ring_space(&m.r), 5);
	m.r.head = 6;
	m.r.tail = 2;
	T_EQ(sm_ring_space(&m.r), 4);
	sm_ring_advance(&m.r, 1);
	T_EQ(m.r.head, 1);
	T_EQ(m.r.cur, 1);
}

static void test_config(void)
{
	struct sm_config cfg;
	struct sm_port *port = (struct sm_port *)&cfg;
	enum sm_engine e;

	sm_config_init(&cfg);
	T_EQ(cfg.buf_size, 2048);
	T_EQ(cfg.engine, SM_ENGINE_AUTO);
	T_ASSERT(cfg.num_bufs >= 1024 && cfg.ring_size >= 64);
	cfg.buf_size = 10;
	T_EQ(sm_open(&port, &cfg), -EINVAL);
	T_ASSERT(port == NULL);
	sm_config_init(&cfg);
	cfg.ring_size = 1;
	T_EQ(sm_open(&port, &cfg), -EINVAL);
	sm_config_init(&cfg);
	cfg.size = 8;  /* no program has a struct that small */
	T_EQ(sm_open(&port, &cfg), -EINVAL);
	T_EQ(sm_engine_parse("uring", &e), 0);
	T_EQ(e, SM_ENGINE_URING);
	T_EQ(sm_engine_parse("epoll", &e), 0);
	T_EQ(e, SM_ENGINE_EPOLL);
	T_EQ(sm_engine_parse("kqueue", &e), -EINVAL);
	T_ASSERT(!strcmp(sm_engine_name(SM_ENGINE_EPOLL), "epoll"));
}

/* The pool is backed by transparent huge pages when the system offers
 * them ("madvise" or "always"): it must be advised before it is faulted
 * in, or it is all 4 KiB pages. */
static long vmstat(const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	if (f)
		fclose(f);
	return found;
}

static void test_pool_thp(void)
{
	long fallback0 = vmstat("thp_fault_fallback");
	struct sm_port *port = t_open(NULL);
	uintptr_t a = (uintptr_t)sm_buf(port, 0), lo, hi;
	char line[512], mode[128] = "";
	long thp = -1;
	bool in = false;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	if (!strstr(mode, "[madvise]") && !strstr(mode, "[always]")) {
		printf("pool THP not checked: transparent huge pages off\n");
		sm_close(port);
		return;
	}
	f = fopen("/proc/self/smaps", "re");
	T_ASSERT(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = a >= lo && a < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &thp) == 1)
			break;
	}
	fclose(f);
	printf("pool: %ld kB in transparent huge pages\n", thp);
	/* The kernel may find no free 2 MiB page (fragmented memory): then
	 * it says so in thp_fault_fallback, which the old code (4 KiB pages
	 * faulted in before the advice) never made it do. */
	T_ASSERT(thp > 0 || vmstat("thp_fault_fallback") > fallback0);
	sm_close(port);
}

static void test_attach_errors(struct sm_port *port)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0), lport;
	int pfd[2], l = t_listen(&lport);

	T_EQ(sm_attach(port, -1), -EBADF);
	T_EQ(sm_attach(port, 1000000), -EBADF);
	T_EQ(sm_attach(port, udp), -EPROTONOSUPPORT);
	T_ASSERT(pipe(pfd) == 0);
	T_EQ(sm_attach(port, pfd[0]), -ENOTSOCK);
	T_EQ(sm_attach(port, l), 0);
	T_EQ(sm_attach(port, l), -EEXIST);
	close(udp);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_buffers(struct sm_port *port)
{
	struct sm_stats st;
	uint32_t b, got[16384];
	int n = 0;

	T_ASSERT(sm_buf(port, 0) != NULL);
	T_ASSERT(sm_buf(port, 1u << 30) == NULL);
	T_ASSERT(sm_buf(port, SM_NO_BUF) == NULL);
	/* Drain the pool: the end is -ENOBUFS, counted. */
	while (n < 16384 && sm_buf_get(port, &b) == 0)
		got[n++] = b;
	T_ASSERT(n > 0 && n < 16384);
	sm_stats(port, &st);
	T_ASSERT(st.pool_empty >= 1);
	T_EQ(st.bufs_in_use, st.bufs_total);
	memset(sm_buf(port, got[0]), 0xab, sm_rxring(port)->buf_size);
	while (n > 0)
		sm_buf_put(port, got[--n]);
	/* A buffer the app does not own is refused, not freed twice. */
	sm_buf_put(port, got[0]);
	sm_stats(port, &st);
	T_EQ(st.bad_slots, 1);
	T_EQ(st.bufs_in_use, st.bufs_idle);
}

static void test_ring_rules(struct sm_port *port)
{
	struct sm_ring *rx = sm_rxring(port), *tx = sm_txring(port);
	uint32_t h = tx->head;

	/* TX tail starts as far as the ring allows: all free slots. */
	T_ASSERT(sm_ring_space(tx) > 0);
	T_ASSERT(sm_ring_empty(rx));
	T_EQ(sm_sync(port, 0), 0);
	/* head beyond tail breaks the rules: -EINVAL, nothing consumed. */
	rx->head = rx->cur = sm_ring_next(rx, rx->tail);
	T_EQ(sm_sync(port, 0), -EINVAL);
	rx->head = rx->cur = rx->tail;
	tx->head = tx->num_slots + 3;
	T_EQ(sm_sync(port, 0), -EINVAL);
	tx->head = tx->cur = h;
	T_EQ(sm_sync(port, 0), 0);
}

static int sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	T_EQ(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

/* sm_listen: options land on the sockets; one listener joins no reuseport
 * group unless asked; a struct from an older header (a smaller size)
 * still works, and a size that cannot be is refused. */
static void test_listen_opts(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sm_listen_opts o;
	socklen_t len = sizeof(sa);
	char cc[16] = "";
	int fd, fd2, two[2];

	sm_listen_opts_init(&o);
	T_EQ(o.size, sizeof(o));
	T_EQ(o.backlog, 4096);
	T_EQ(o.v6only, -1);
	o.defer_accept = 7;
	o.congestion = "reno";
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), &o, 1, NULL, &fd), 0);
	T_EQ(sockopt(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	T_ASSERT(sockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) > 0);
	len = sizeof(cc);
	T_EQ(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len), 0);
	T_EQ(strcmp(cc, "reno"), 0);
	len = sizeof(sa);
	T_EQ(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	/* No group: a second server on the port fails, as it should. */
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), NULL, 1, NULL,
		       &fd2), -EADDRINUSE);
	close(fd);
	/* A program built before congestion existed: the field is not
	 * read (its garbage here is never looked at). */
	sa.sin_port = 0;
	o.congestion = (const char *)1;
	o.size = offsetof(struct sm_listen_opts, congestion);
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), &o, 2, NULL, two),
	     0);
	close(two[0]);
	close(two[1]);
	o.size = 2;
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), &o, 1, NULL, &fd),
	     -EINVAL);
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), NULL, 1,
		       (int[1]){ 0 }, &fd), -EINVAL);  /* steering, no group */
	sm_listen_opts_init(&o);
	o.congestion = "no-such-cc";
	T_EQ(sm_listen((struct sockaddr *)&sa, sizeof(sa), &o, 1, NULL, &fd),
	     -ENOENT);
}

int main(void)
{
	struct sm_port *port;
	struct sm_config cfg;

	test_ring_helpers();
	test_config();
	test_pool_thp();
	test_listen_opts();
	sm_config_init(&cfg);
	cfg.num_bufs = 256;
	cfg.ring_size = 64;
	port = t_open(&cfg);
	test_attach_errors(port);
	test_buffers(port);
	test_ring_rules(port);
	sm_close(port);
	sm_close(NULL);
	printf("api_test: ok\n");
	return T_PASS;
}
