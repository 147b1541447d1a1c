/* fuzz_mc_proto: the memcached engine and store (mc_execute) on split client input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_cache.h"
#include "mc_proto.h"
#include "fuzz.h"

/*
 * Input: a 4-byte header, then the byte stream of one connection.
 *   byte 0, bit 0:    memory limit 16 KiB (evictions) instead of 1 MiB
 *           bits 1-2: chunk scale 1, 7, 61 or 4093 bytes
 *           bits 3-4: the clock advances 0, 1, 7 or 86400 s per chunk
 *           bit 5:    the output is full every other time asked
 *           bit 6:    the store has 4 stripes (one budget) instead of 1
 *   bytes 1-3:        chunk i is 1 + byte[1 + i % 3] * scale bytes long
 * After a close (-1) a new connection continues on the same store.
 */
#define HDR 4
#define ITEM_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t now;

static int64_t fuzz_clock(void *arg)
{
	(void)arg;
	return now;
}

/* Discards the output, but reads every byte so that ASan checks the data
 * the engine points at (items, stack buffers) is still valid. */
static void sink_write(void *ctx, const void *p, size_t len)
{
	const unsigned char *b = p;
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += b[i];
	*(volatile unsigned *)ctx += sum;
}

/* The LRU list, the counters and the budget agree. */
static void check_store(const struct mc_store *st)
{
	const struct mc_item *it, *prev = NULL;
	uint64_t n = 0;
	size_t bytes = 0;

	for (it = st->lru_head; it; prev = it, it = it->next) {
		CHECK(it->prev == prev);
		bytes += mc_item_total(it->nkey, it->nbytes);
		n++;
	}
	CHECK(st->lru_tail == prev);
	CHECK(n == st->stats.curr_items);
	CHECK(bytes == st->mem_used);
}

/* Every stripe, and the stripes' bytes are the one budget's. */
static void check_cache(struct mc_cache *c)
{
	size_t used = 0;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		check_store(&c->stripes[i].st);
		used += c->stripes[i].st.mem_used;
	}
	CHECK(used == c->budget.used);
	CHECK(used <= c->budget.maxbytes);
}

struct sess {
	struct mc_cache cache;
	struct mc_thread t;
	struct mc_conn c;
	struct mc_server srv;
	struct mc_out out;
	char *in;
	size_t in_len;
	volatile unsigned sum;
};

/* Output over its limit every other time asked: gets stop and go on. */
static bool fuzz_full(void *ctx)
{
	static unsigned n;

	(void)ctx;
	return ++n & 1;
}

/* What the server does with one read: append, execute, keep the rest. */
static void feed(struct sess *s, const uint8_t *p, size_t n)
{
	ssize_t rc;

	s->in = realloc(s->in, s->in_len + n);
	CHECK(s->in);
	memcpy(s->in + s->in_len, p, n);
	s->in_len += n;
	rc = mc_execute(&s->t, &s->c, s->in, s->in_len, &s->out);
	CHECK(rc >= -1 && rc <= (ssize_t)s->in_len);
	if (rc < 0) {
		CHECK(s->c.state == MC_CONN_CLOSED);
		CHECK(mc_execute(&s->t, &s->c, "version\r\n", 9, &s->out) == -1);
		/* The server closes; the next connection starts clean. */
		mc_conn_release(&s->c);
		mc_conn_init(&s->c);
		s->c.srv = &s->srv;
		s->in_len = 0;
		return;
	}
	CHECK(s->c.state != MC_CONN_CLOSED);
	memmove(s->in, s->in + rc, s->in_len - (size_t)rc);
	s->in_len -= (size_t)rc;
	/* mc_proto.h: the tail is at most one partial command line. */
	CHECK(s->in_len <= MC_GET_LINE_MAX + 1);
	CHECK(s->cache.budget.used <= s->cache.budget.maxbytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t scales[] = { 1, 7, 61, 4093 };
	static const int64_t steps[] = { 0, 1, 7, 86400 };
	struct sess s;
	size_t off = HDR, i = 0, n;
	int64_t step;

	if (size < HDR)
		return 0;
	memset(&s, 0, sizeof(s));
	now = 1700000000;
	CHECK(mc_cache_init(&s.cache, data[0] & 0x40 ? 4 : 1, false,
			    data[0] & 1 ? 16u << 10 : 1u << 20, ITEM_MAX) == 0);
	mc_cache_set_clock(&s.cache, fuzz_clock, NULL);
	for (i = 0; i < s.cache.n; i++)
		s.cache.stripes[i].st.started = now;
	mc_thread_init(&s.t, &s.cache);
	i = 0;
	s.srv.threads = 1;
	s.srv.maxconns = 1024;
	mc_conn_init(&s.c);
	s.c.srv = &s.srv;
	s.out.ctx = (void *)&s.sum;
	s.out.write = sink_write;
	if (data[0] & 0x20)
		s.out.full = fuzz_full;
	step = steps[(data[0] >> 3) & 3];
	while (off < size) {
		n = 1 + data[1 + i % 3] * scales[(data[0] >> 1) & 3];
		if (n > size - off)
			n = size - off;
		feed(&s, data + off, n);
		off += n;
		i++;
		now += step;
	}
	check_cache(&s.cache);
	mc_conn_release(&s.c);
	mc_cache_destroy(&s.cache);
	free(s.in);
	return 0;
}
