/* mc_race: a memcached client for concurrency checks (not a test by itself): THREADS connections hammer the same keys at once with incr, cas loops, add races and appends while another reads "stats" in a loop, then the totals, and the stats counters summed over the server's threads, are checked exactly. */
#include <pthread.h>
#include <stdatomic.h>

#include "testlib.h"

#define THREADS 8
#define ROUNDS 500
#define ADD_KEYS 200

static int port;
static atomic_int add_won[ADD_KEYS];
static atomic_long cas_retries;
static atomic_int hammering;

struct conn {
	int fd;
	char buf[4096];
	size_t len;
};

static void c_open(struct conn *c)
{
	int one = 1;

	c->fd = t_connect(port);
	c->len = 0;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void c_send(struct conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	T_EQ(write(c->fd, line, (size_t)n), n);
}

/* One reply line, without "\r\n", into out. */
static void c_line(struct conn *c, char *out, size_t cap)
{
	char *nl;
	ssize_t n;

	while (!(nl = memchr(c->buf, '\n', c->len))) {
		T_ASSERT(c->len < sizeof(c->buf));
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		T_ASSERT(n > 0);
		c->len += (size_t)n;
	}
	*nl = 0;
	if (nl > c->buf && nl[-1] == '\r')
		nl[-1] = 0;
	T_ASSERT((size_t)(nl - c->buf) < cap);
	memcpy(out, c->buf, (size_t)(nl - c->buf) + 1);
	c->len -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->len);
}

static void expect(struct conn *c, const char *want)
{
	char got[512];

	c_line(c, got, sizeof(got));
	if (strcmp(got, want)) {
		fprintf(stderr, "expected '%s', got '%s'\n", want, got);
		exit(T_FAIL);
	}
}

/* gets key: its value (a number) and CAS. */
static void gets(struct conn *c, const char *key, long *val, unsigned long long *cas)
{
	char line[512];

	c_send(c, "gets %s\r\n", key);
	c_line(c, line, sizeof(line));
	T_ASSERT(sscanf(line, "VALUE %*s %*u %*u %llu", cas) == 1);
	c_line(c, line, sizeof(line));
	*val = atol(line);
	expect(c, "END");
}

static void *hammer(void *arg)
{
	int id = (int)(long)arg, i;
	struct conn c;
	char line[512];

	c_open(&c);
	for (i = 0; i < ROUNDS; i++) {
		c_send(&c, "incr ctr 1\r\n");
		c_line(&c, line, sizeof(line));
		T_ASSERT(atol(line) > 0);
	}
	for (i = 0; i < ROUNDS; i++) {
		unsigned long long cas;
		long v;
		char val[32];

		for (;;) {
			gets(&c, "casv", &v, &cas);
			snprintf(val, sizeof(val), "%ld", v + 1);
			c_send(&c, "cas casv 0 0 %zu %llu\r\n%s\r\n", strlen(val), cas, val);
			c_line(&c, line, sizeof(line));
			if (!strcmp(line, "STORED"))
				break;
			T_ASSERT(!strcmp(line, "EXISTS"));
			atomic_fetch_add(&cas_retries, 1);
		}
	}
	for (i = 0; i < ADD_KEYS; i++) {
		c_send(&c, "add race:%d 0 0 2\r\n%02d\r\n", i, id);
		c_line(&c, line, sizeof(line));
		if (!strcmp(line, "STORED"))
			atomic_fetch_add(&add_won[i], 1);
		else
			T_ASSERT(!strcmp(line, "NOT_STORED"));
	}
	for (i = 0; i < ROUNDS; i++) {
		c_send(&c, "append app 0 0 1\r\nx\r\n");
		expect(&c, "STORED");
	}
	close(c.fd);
	return NULL;
}

/* One "stats" counter's value. */
static unsigned long long stat(struct conn *c, const char *name)
{
	unsigned long long v = 0, found = 0;
	char line[512], want[128];

	snprintf(want, sizeof(want), "STAT %s %%llu", name);
	c_send(c, "stats\r\n");
	for (;;) {
		c_line(c, line, sizeof(line));
		if (!strcmp(line, "END"))
			break;
		found += sscanf(line, want, &v) == 1;
	}
	T_EQ(found, 1);
	return v;
}

/* "stats" over and over while the others hammer: its sums are read while
 * every thread's counters move. */
static void *watch(void *arg)
{
	struct conn c;
	int n = 0;

	(void)arg;
	c_open(&c);
	while (atomic_load(&hammering) || n < 2) {
		stat(&c, "incr_hits");
		n++;
	}
	close(c.fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS], w;
	unsigned long long cas;
	struct conn c;
	char line[512];
	long v;
	int i;

	if (argc != 2)
		return T_FAIL;
	port = atoi(argv[1]);
	c_open(&c);
	c_send(&c, "set ctr 0 0 1\r\n0\r\nset casv 0 0 1\r\n0\r\nset app 0 0 0\r\n\r\n");
	expect(&c, "STORED");
	expect(&c, "STORED");
	expect(&c, "STORED");
	for (i = 0; i < ADD_KEYS; i++)
		c_send(&c, "delete race:%d noreply\r\n", i);
	c_send(&c, "stats reset\r\n");
	expect(&c, "RESET");
	atomic_store(&hammering, 1);
	T_EQ(pthread_create(&w, NULL, watch, NULL), 0);
	for (i = 0; i < THREADS; i++)
		T_EQ(pthread_create(&t[i], NULL, hammer, (void *)(long)i), 0);
	for (i = 0; i < THREADS; i++)
		T_EQ(pthread_join(t[i], NULL), 0);
	atomic_store(&hammering, 0);
	T_EQ(pthread_join(w, NULL), 0);
	T_EQ(stat(&c, "incr_hits"), THREADS * ROUNDS);
	T_EQ(stat(&c, "cas_hits"), THREADS * ROUNDS);
	T_EQ(stat(&c, "cas_badval"), (unsigned long long)atomic_load(&cas_retries));
	c_send(&c, "get ctr\r\n");
	c_line(&c, line, sizeof(line));
	c_line(&c, line, sizeof(line));
	T_EQ(atol(line), THREADS * ROUNDS);
	expect(&c, "END");
	gets(&c, "casv", &v, &cas);
	T_EQ(v, THREADS * ROUNDS);
	for (i = 0; i < ADD_KEYS; i++)
		T_EQ(atomic_load(&add_won[i]), 1);
	c_send(&c, "get app\r\n");
	c_line(&c, line, sizeof(line));
	T_ASSERT(sscanf(line, "VALUE app 0 %ld", &v) == 1);
	T_EQ(v, THREADS * ROUNDS);
	printf("incr %d, cas %d (%ld retries), %d add races, append %d, "
	       "their stats: exact\n",
	       THREADS * ROUNDS, THREADS * ROUNDS, atomic_load(&cas_retries),
	       ADD_KEYS, THREADS * ROUNDS);
	close(c.fd);
	return T_PASS;
}
