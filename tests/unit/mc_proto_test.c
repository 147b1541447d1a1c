/* mc_proto_test: sm-memcached store and protocol engine, split input, junk. */
#include <inttypes.h>

#include "testlib.h"

#include "mc_cache.h"
#include "mc_proto.h"

static int64_t t_clock = 1700000000;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return t_clock;
}

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		T_ASSERT(s->buf);
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
}

/* One connection to one store, fed the way a server would: the unconsumed
 * tail stays in the input buffer and new bytes are appended to it. */
struct sess {
	struct mc_cache cache;
	struct mc_thread t;
	struct mc_conn c;
	struct mc_server srv;
	struct sink out;
	struct mc_out o;
	char *in;
	size_t in_len, in_cap, max_tail;
	bool closed;
};

/* Stripes of the next sess_init(): 1 is the single-threaded server's. */
static unsigned sess_stripes = 1;

/* What "stats" adds up. */
static struct mc_stats sess_stats(struct sess *s)
{
	struct mc_stats sum;
	uint64_t takes, waits;

	mc_cache_stats(&s->cache, &sum, &takes, &waits);
	return sum;
}

/* The store a key lives in. */
static struct mc_store *sess_store(struct sess *s, const char *key)
{
	return &s->cache.stripes[mc_cache_stripe(&s->cache, key,
						  strlen(key))].st;
}

/* The bytes of all stripes' items. */
static size_t sess_used(struct sess *s)
{
	uint64_t buckets, bytes;
	int64_t oldest;

	mc_cache_sizes(&s->cache, &buckets, &bytes, &oldest);
	return bytes;
}

static void extra_stats(void *arg, const struct mc_out *out)
{
	(void)arg;
	mc_stat_printf(out, "sm_test", "%d", 42);
}

static void sess_init(struct sess *s, size_t maxbytes, size_t item_max)
{
	memset(s, 0, sizeof(*s));
	T_EQ(mc_cache_init(&s->cache, sess_stripes, false, maxbytes, item_max),
	     0);
	mc_cache_set_clock(&s->cache, test_clock, NULL);
	for (unsigned i = 0; i < s->cache.n; i++)
		s->cache.stripes[i].st.started = t_clock;
	mc_thread_init(&s->t, &s->cache);
	mc_conn_init(&s->c);
	s->srv.threads = 1;
	s->srv.maxconns = 1024;
	s->srv.stats_cb = extra_stats;
	s->c.srv = &s->srv;
	s->o.ctx = &s->out;
	s->o.write = sink_write;
	sink_write(&s->out, "", 0);
}

static void sess_fini(struct sess *s)
{
	mc_conn_release(&s->c);
	mc_conn_release(&s->c);		/* must be safe twice */
	mc_cache_destroy(&s->cache);
	mc_cache_destroy(&s->cache);
	free(s->out.buf);
	free(s->in);
}

static void sess_feed(struct sess *s, const char *data, size_t len)
{
	ssize_t rc;

	if (s->closed)
		return;
	if (s->in_len + len > s->in_cap) {
		s->in_cap = (s->in_len + len) * 2 + 16;
		s->in = realloc(s->in, s->in_cap);
		T_ASSERT(s->in);
	}
	memcpy(s->in + s->in_len, data, len);
	s->in_len += len;
	rc = mc_execute(&s->t, &s->c, s->in, s->in_len, &s->o);
	if (rc < 0) {
		T_EQ(rc, -1);
		T_EQ(mc_execute(&s->t, &s->c, "x\r\n", 3, &s->o), -1);
		s->closed = true;
		s->in_len = 0;
		return;
	}
	T_ASSERT((size_t)rc <= s->in_len);
	memmove(s->in, s->in + rc, s->in_len - (size_t)rc);
	s->in_len -= (size_t)rc;
	if (s->c.state == MC_CONN_CMD && s->in_len > s->max_tail)
		s->max_tail = s->in_len;
}

static void print_escaped(const char *what, const char *p, size_t n)
{
	size_t i;

	fprintf(stderr, "%s (%zu bytes): \"", what, n);
	for (i = 0; i < n && i < 600; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r')
			fputs("\\r", stderr);
		else if (ch == '\n')
			fputs("\\n", stderr);
		else if (ch < 0x20 || ch > 0x7e)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
	fputs(i < n ? "...\"\n" : "\"\n", stderr);
}

static void expect_(struct sess *s, const char *in, size_t n,
		    const char *want, int line)
{
	s->out.len = 0;
	sess_feed(s, in, n);
	if (s->out.len != strlen(want) ||
	    memcmp(s->out.buf, want, s->out.len)) {
		fprintf(stderr, "%s:%d: output mismatch\n", __FILE__, line);
		print_escaped("input", in, n);
		print_escaped("got", s->out.buf, s->out.len);
		print_escaped("want", want, strlen(want));
		exit(T_FAIL);
	}
}

#define EXPECT(s, in, want) expect_(s, in, strlen(in), want, __LINE__)

static void test_get_set_cas(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "get foo\r\n", "END\r\n");
	EXPECT(&s, "set foo 5 0 3\r\nbar\r\n", "STORED\r\n");
	EXPECT(&s, "get foo\r\n", "VALUE foo 5 3\r\nbar\r\nEND\r\n");
	EXPECT(&s, "gets foo\r\n", "VALUE foo 5 3 1\r\nbar\r\nEND\r\n");
	EXPECT(&s, "cas foo 7 0 3 1\r\nbaz\r\n", "STORED\r\n");
	EXPECT(&s, "cas foo 7 0 3 1\r\nbaz\r\n", "EXISTS\r\n");
	EXPECT(&s, "cas foo 7 0 3 0\r\nbaz\r\n", "EXISTS\r\n");
	EXPECT(&s, "cas nope 0 0 1 5\r\nx\r\n", "NOT_FOUND\r\n");
	EXPECT(&s, "gets foo nope foo\n",
	       "VALUE foo 7 3 2\r\nbaz\r\nVALUE foo 7 3 2\r\nbaz\r\nEND\r\n");
	/* A value may hold CR LF: the block is length-delimited. */
	EXPECT(&s, "set v 0 0 4\r\na\r\nb\r\nget v\r\n",
	       "STORED\r\nVALUE v 0 4\r\na\r\nb\r\nEND\r\n");
	EXPECT(&s, "set e 4294967295 0 0\r\n\r\nget e\r\n",
	       "STORED\r\nVALUE e 4294967295 0\r\n\r\nEND\r\n");
	EXPECT(&s, "set e 4294967296 0 0\r\n",
	       "CLIENT_ERROR bad command line format\r\n");
	EXPECT(&s, "set e 0 0 -1\r\n",
	       "CLIENT_ERROR bad command line format\r\n");
	EXPECT(&s, "set e 0 0 abc\r\n",
	       "CLIENT_ERROR bad command line format\r\n");
	EXPECT(&s, "set e 0 0\r\n", "ERROR\r\n");
	EXPECT(&s, "get\r\n", "ERROR\r\n");
	T_EQ(sess_stats(&s).cas_hits, 1);
	T_EQ(sess_stats(&s).cas_badval, 2);
	T_EQ(sess_stats(&s).cas_misses, 1);
	sess_fini(&s);
}

static void test_add_replace_concat(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "add k 1 0 1\r\na\r\n", "STORED\r\n");
	EXPECT(&s, "add k 1 0 1\r\nb\r\n", "NOT_STORED\r\n");
	EXPECT(&s, "replace k 2 0 2\r\nbb\r\n", "STORED\r\n");
	EXPECT(&s, "replace q 2 0 2\r\nbb\r\n", "NOT_STORED\r\n");
	EXPECT(&s, "append k 9 0 3\r\nccc\r\n", "STORED\r\n");
	EXPECT(&s, "prepend k 9 0 1\r\n_\r\n", "STORED\r\n");
	EXPECT(&s, "append q 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
	EXPECT(&s, "prepend q 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
	/* append keeps the old flags */
	EXPECT(&s, "get k q\r\n", "VALUE k 2 6\r\n_bbccc\r\nEND\r\n");
	sess_fini(&s);
}

static void test_delete(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "set a 0 0 1\r\n1\r\ndelete a\r\ndelete a\r\n",
	       "STORED\r\nDELETED\r\nNOT_FOUND\r\n");
	EXPECT(&s, "set a 0 0 1\r\n1\r\ndelete a 0\r\n",
	       "STORED\r\nDELETED\r\n");
	EXPECT(&s, "set a 0 0 1\r\n1\r\ndelete a 0 noreply\r\nget a\r\n",
	       "STORED\r\nEND\r\n");
	EXPECT(&s, "delete a 5\r\n", "CLIENT_ERROR bad command line format.  "
	       "Usage: delete <key> [noreply]\r\n");
	EXPECT(&s, "delete a b c d e\r\n", "ERROR\r\n");
	EXPECT(&s, "delete\r\n", "ERROR\r\n");
	T_EQ(sess_stats(&s).delete_hits, 3);
	T_EQ(sess_stats(&s).delete_misses, 1);
	sess_fini(&s);
}

static void test_incr_decr(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 20\r\n",
	       "STORED\r\n15\r\n0\r\n");
	/* in place: the length stays, padded with spaces, as memcached */
	EXPECT(&s, "get n\r\n", "VALUE n 0 2\r\n0 \r\nEND\r\n");
	EXPECT(&s, "set n 0 0 1\r\n9\r\nincr n 1\r\nget n\r\n",
	       "STORED\r\n10\r\nVALUE n 0 2\r\n10\r\nEND\r\n");
	EXPECT(&s, "set n 3 0 20\r\n18446744073709551615\r\nincr n 2\r\n",
	       "STORED\r\n1\r\n");
	EXPECT(&s, "incr n 18446744073709551615\r\n", "0\r\n");
	EXPECT(&s, "incr n 18446744073709551616\r\n",
	       "CLIENT_ERROR invalid numeric delta argument\r\n");
	EXPECT(&s, "incr n -1\r\n",
	       "CLIENT_ERROR invalid numeric delta argument\r\n");
	EXPECT(&s, "incr n abc\r\n",
	       "CLIENT_ERROR invalid numeric delta argument\r\n");
	EXPECT(&s, "set s 0 0 3\r\nabc\r\nincr s 1\r\n", "STORED\r\n"
	       "CLIENT_ERROR cannot increment or decrement "
	       "non-numeric value\r\n");
	EXPECT(&s, "set s 0 0 0\r\n\r\ndecr s 1\r\n", "STORED\r\n"
	       "CLIENT_ERROR cannot increment or decrement "
	       "non-numeric value\r\n");
	EXPECT(&s, "incr nope 1\r\ndecr nope 1\r\n",
	       "NOT_FOUND\r\nNOT_FOUND\r\n");
	EXPECT(&s, "incr n\r\n", "ERROR\r\n");
	T_EQ(sess_stats(&s).incr_misses, 1);
	T_EQ(sess_stats(&s).decr_misses, 1);
	sess_fini(&s);
}

static void test_expiry_touch(void)
{
	char cmd[128];
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "set r 0 10 1\r\nr\r\nset z 0 -1 1\r\nz\r\nget z\r\n",
	       "STORED\r\nSTORED\r\nEND\r\n");
	snprintf(cmd, sizeof(cmd), "set a 0 %lld 1\r\na\r\n",
		 (long long)t_clock + 100);
	EXPECT(&s, cmd, "STORED\r\n");
	EXPECT(&s, "set m 0 2592000 1\r\nm\r\n", "STORED\r\n");
	t_clock += 9;
	EXPECT(&s, "get r a\r\n",
	       "VALUE r 0 1\r\nr\r\nVALUE a 0 1\r\na\r\nEND\r\n");
	t_clock += 1;
	EXPECT(&s, "get r a\r\n", "VALUE a 0 1\r\na\r\nEND\r\n");
	t_clock += 90;
	EXPECT(&s, "get a m\r\n", "VALUE m 0 1\r\nm\r\nEND\r\n");
	EXPECT(&s, "touch m 5\r\ntouch q 5\r\n", "TOUCHED\r\nNOT_FOUND\r\n");
	EXPECT(&s, "touch m x\r\n",
	       "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT(&s, "gat 100 m q\r\n", "VALUE m 0 1\r\nm\r\nEND\r\n");
	t_clock += 99;
	EXPECT(&s, "gats 0 m\r\n", "VALUE m 0 1 4\r\nm\r\nEND\r\n");
	t_clock += 1000000;
	EXPECT(&s, "get m\r\n", "VALUE m 0 1\r\nm\r\nEND\r\n");
	EXPECT(&s, "gat x m\r\n", "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT(&s, "gat -1 m\r\nget m\r\n",
	       "VALUE m 0 1\r\nm\r\nEND\r\nEND\r\n");
	T_EQ(sess_stats(&s).touch_hits, 4);
	T_EQ(sess_stats(&s).touch_misses, 2);
	sess_fini(&s);
}

static void test_flush(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "set a 0 0 1\r\na\r\nflush_all\r\nget a\r\n",
	       "STORED\r\nOK\r\nEND\r\n");
	EXPECT(&s, "set a 0 0 1\r\na\r\nflush_all noreply\r\nget a\r\n",
	       "STORED\r\nEND\r\n");
	EXPECT(&s, "flush_all x\r\n",
	       "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT(&s, "set a 0 0 1\r\na\r\nflush_all 10\r\n", "STORED\r\nOK\r\n");
	t_clock += 5;
	EXPECT(&s, "set b 0 0 1\r\nb\r\nget a b\r\n",
	       "STORED\r\nVALUE a 0 1\r\na\r\nVALUE b 0 1\r\nb\r\nEND\r\n");
	t_clock += 5;	/* the deadline: both were stored before it */
	EXPECT(&s, "set c 0 0 1\r\nc\r\nget a b c\r\n",
	       "STORED\r\nVALUE c 0 1\r\nc\r\nEND\r\n");
	EXPECT(&s, "flush_all 0 noreply\r\nget c\r\n", "END\r\n");
	T_EQ(sess_stats(&s).cmd_flush, 5);
	sess_fini(&s);
}

static void set_value(struct sess *s, const char *key, size_t n)
{
	char line[128], *v = malloc(n + 2);

	T_ASSERT(v);
	memset(v, 'v', n);
	memcpy(v + n, "\r\n", 2);
	snprintf(line, sizeof(line), "set %s 0 0 %zu\r\n", key, n);
	sess_feed(s, line, strlen(line));
	sess_feed(s, v, n + 2);
	free(v);
}

static bool has_key(struct sess *s, const char *key)
{
	return mc_store_find(sess_store(s, key), key, strlen(key), false) != NULL;
}

static void test_lru(void)
{
	struct sess s;
	char key[32];
	int i;

	sess_init(&s, 64 * 1024, 16 * 1024);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		set_value(&s, key, 1000);
	}
	T_EQ(sess_stats(&s).evictions, 0);
	sess_feed(&s, "get key0\r\n", 10);	/* the bump saves key0 */
	for (i = 50; i < 80; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		set_value(&s, key, 1000);
		T_ASSERT(sess_used(&s) <= mc_store_maxbytes(mc_cache_any(&s.cache)));
	}
	T_ASSERT(sess_stats(&s).evictions > 0);
	T_EQ(sess_stats(&s).curr_items + sess_stats(&s).evictions, 80);
	/* One LRU per stripe: the order is exact only within a stripe. */
	if (s.cache.n == 1)
		T_ASSERT(has_key(&s, "key0") && !has_key(&s, "key1"));
	T_ASSERT(has_key(&s, "key79") && has_key(&s, "key78"));
	EXPECT(&s, "cache_memlimit 4\r\n", "MEMLIMIT_TOO_SMALL cannot set "
	       "maxbytes to less than 8m\r\n");
	sess_fini(&s);
}

static int expect_any_(struct sess *s, const char *in, const char *want)
{
	s->out.len = 0;
	sess_feed(s, in, strlen(in));
	return s->out.len >= strlen(want) &&
	       !memcmp(s->out.buf, want, strlen(want));
}

static void test_too_large_and_bad_chunk(void)
{
	struct sess s;

	sess_init(&s, 1024 * 1024, 16 * 1024);
	EXPECT(&s, "set big 0 0 3\r\nold\r\n", "STORED\r\n");
	s.out.len = 0;
	set_value(&s, "big", 20000);
	T_ASSERT(!strcmp(s.out.buf,
			 "SERVER_ERROR object too large for cache\r\n"));
	/* swallowed; the old value is gone; the connection still works */
	EXPECT(&s, "get big\r\n", "END\r\n");
	EXPECT(&s, "set big 0 0 99999 noreply\r\n", "");
	T_EQ(s.c.state, MC_CONN_SWALLOW);
	EXPECT(&s, "ms big 99999 T0\r\n", "");	/* still swallowing */
	T_EQ(sess_stats(&s).store_too_large, 2);
	mc_conn_init(&s.c);
	s.c.srv = &s.srv;
	EXPECT(&s, "ms big 99999 T0\r\n",
	       "SERVER_ERROR object too large for cache\r\n");
	mc_conn_init(&s.c);
	s.c.srv = &s.srv;
	s.in_len = 0;
	EXPECT(&s, "set k 0 0 3\r\nabcde\r\nget k\r\n",
	       "CLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n");
	EXPECT(&s, "set k 0 0 3 noreply\r\nabcde\r\n", "ERROR\r\n");
	EXPECT(&s, "ms k 3 q\r\nabcde\r\n",
	       "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
	T_ASSERT(expect_any_(&s, "set k 0 0 1\r\nx\r\n", "STORED"));
	sess_fini(&s);
}

static void test_noreply(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "set k 0 0 1 noreply\r\n1\r\n", "");
	EXPECT(&s, "add k 0 0 1 noreply\r\n2\r\n", "");
	EXPECT(&s, "add j 0 0 1 noreply\r\n2\r\n", "");
	EXPECT(&s, "replace k 0 0 1 noreply\r\n3\r\n", "");
	EXPECT(&s, "append k 0 0 1 noreply\r\n4\r\n", "");
	EXPECT(&s, "prepend k 0 0 1 noreply\r\n5\r\n", "");
	EXPECT(&s, "gets k\r\n", "VALUE k 0 3 5\r\n534\r\nEND\r\n");
	EXPECT(&s, "cas k 0 0 1 5 noreply\r\n6\r\n", "");
	EXPECT(&s, "cas k 0 0 1 5 noreply\r\n7\r\n", "");
	EXPECT(&s, "incr k 3 noreply\r\n", "");
	EXPECT(&s, "decr k 2 noreply\r\n", "");
	EXPECT(&s, "touch k 0 noreply\r\n", "");
	EXPECT(&s, "verbosity 1 noreply\r\n", "");
	EXPECT(&s, "get k\r\n", "VALUE k 0 1\r\n7\r\nEND\r\n");
	EXPECT(&s, "delete k noreply\r\nincr k 1 noreply\r\n", "");
	EXPECT(&s, "get k j\r\n", "VALUE j 0 1\r\n2\r\nEND\r\n");
	EXPECT(&s, "set k 0 0 x noreply\r\n", "");
	sess_fini(&s);
}

static void test_meta(void)
{
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "ms foo 3 T0 F5\r\nbar\r\n", "HD\r\n");
	EXPECT(&s, "mg foo v f t c k s O123\r\n",
	       "VA 3 f5 t-1 c1 kfoo s3 O123\r\nbar\r\n");
	EXPECT(&s, "mg foo\r\nmg foo h l\r\n", "HD\r\nHD h1 l0\r\n");
	EXPECT(&s, "mg nope v\r\nmg nope v q k O9\r\nmn\r\n",
	       "EN\r\nMN\r\n");
	EXPECT(&s, "mg nope k Oab\r\n", "EN knope Oab\r\n");
	EXPECT(&s, "ms foo 3 C999\r\nxyz\r\n", "EX\r\n");
	EXPECT(&s, "ms foo 3 C1 c k\r\nxyz\r\n", "HD c2 kfoo\r\n");
	EXPECT(&s, "ms foo 2 MA s q\r\n!!\r\nmg foo v\r\n",
	       "VA 5\r\nxyz!!\r\n");
	EXPECT(&s, "ms foo 1 ME\r\nx\r\nms new 1 MR\r\nx\r\n", "NS\r\nNS\r\n");
	EXPECT(&s, "ms new 1 MA N30 T0\r\nx\r\nmg new t v\r\n",
	       "HD\r\nVA 1 t30\r\nx\r\n");
	EXPECT(&s, "mg new T100 t\r\n", "HD t100\r\n");
	EXPECT(&s, "ms new 2 MX\r\nhi\r\nmn\r\n",
	       "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n");
	EXPECT(&s, "ms new abc\r\n",
	       "CLIENT_ERROR bad command line format\r\n");
	EXPECT(&s, "ms new\r\n", "CLIENT_ERROR bad command line format\r\n");
	EXPECT(&s, "mg foo v v\r\n", "CLIENT_ERROR duplicate flag\r\n");
	EXPECT(&s, "mg foo z\r\n", "CLIENT_ERROR invalid flag\r\n");
	EXPECT(&s, "mg foo Tx\r\n",
	       "CLIENT_ERROR bad token in command line format\r\n");
	EXPECT(&s, "mg foo O123456789012345678901234567890123\r\n",
	       "CLIENT_ERROR opaque token too long\r\n");
	EXPECT(&s, "md foo C1\r\nmd foo q\r\nmd foo\r\nmd foo q Ox k\r\n",
	       "EX\r\nNF\r\nNF Ox kfoo\r\n");
	EXPECT(&s, "mg viv N30 s\r\nmg viv s\r\n", "HD s0 W\r\nHD s0 Z\r\n");
	EXPECT(&s, "ms st 2\r\nok\r\nmd st I T30\r\nmg st v c\r\nmg st\r\n",
	       "HD\r\nHD\r\nVA 2 c7 X W\r\nok\r\nHD Z X\r\n");
	EXPECT(&s, "ms n 1\r\n5\r\nma n\r\nma n v\r\nma n MD D10 v t\r\n",
	       "HD\r\nHD\r\nVA 1\r\n7\r\nVA 1 t-1\r\n0\r\n");
	EXPECT(&s, "ma nope\r\nma nope q\r\nma c N0 J10 v c\r\nma n q\r\n",
	       "NF\r\nNF\r\nVA 2 c12\r\n10\r\n");
	EXPECT(&s, "ma n MX\r\n",
	       "CLIENT_ERROR invalid mode for ma M token\r\n");
	EXPECT(&s, "ma n C1\r\n", "EX\r\n");
	EXPECT(&s, "ma st\r\n", "CLIENT_ERROR cannot increment or decrement "
	       "non-numeric value\r\n");
	EXPECT(&s, "mz foo\r\nm\r\n", "ERROR\r\nERROR\r\n");
	sess_fini(&s);
}

static void test_errors_and_admin(void)
{
	char key[300], line[400];
	struct sess s;

	sess_init(&s, 0, 0);
	EXPECT(&s, "bogus\r\n\r\n\n   \r\nxx yy\r\n",
	       "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n");
	memset(key, 'k', 251);
	key[251] = '\0';
	snprintf(line, sizeof(line), "set %s 0 0 1\r\nx\r\n", key);
	EXPECT(&s, line, "CLIENT_ERROR bad command line format\r\nERROR\r\n");
	snprintf(line, sizeof(line), "get a %s\r\n", key);
	EXPECT(&s, line, "CLIENT_ERROR bad command line format\r\n");
	snprintf(line, sizeof(line), "mg %s v\r\n", key);
	EXPECT(&s, line, "CLIENT_ERROR bad command line format\r\n");
	key[250] = '\0';
	snprintf(line, sizeof(line), "set %s 0 0 1\r\nx\r\n", key);
	EXPECT(&s, line, "STORED\r\n");
	/* Control bytes in keys are accepted, as memcached does. */
	EXPECT(&s, "get a\tb\r\n", "END\r\n");
	EXPECT(&s, "set \x01k 0 0 1\r\nx\r\nget \x01k\r\n",
	       "STORED\r\nVALUE \x01k 0 1\r\nx\r\nEND\r\n");
	EXPECT(&s, "delete \x01k\r\n", "DELETED\r\n");
	EXPECT(&s, "version\r\n", "VERSION " MC_VERSION "\r\n");
	EXPECT(&s, "verbosity 1\r\nverbosity\r\n", "OK\r\nERROR\r\n");
	T_EQ(s.srv.verbosity, 1);
	EXPECT(&s, "stats nope\r\nstats noreply\r\n", "ERROR\r\nERROR\r\n");
	EXPECT(&s, "shutdown\r\n", "ERROR: shutdown not enabled\r\n");
	T_ASSERT(expect_any_(&s, "stats\r\n", "STAT pid "));
	T_ASSERT(strstr(s.out.buf, "STAT curr_items 1\r\n"));
	T_ASSERT(strstr(s.out.buf, "STAT version " MC_VERSION "\r\n"));
	T_ASSERT(strstr(s.out.buf, "STAT sm_test 42\r\nEND\r\n"));
	T_ASSERT(expect_any_(&s, "stats settings\r\n",
				 "STAT maxbytes 67108864\r\n"));
	T_ASSERT(strstr(s.out.buf, "STAT item_size_max 1048576\r\n"));
	T_ASSERT(expect_any_(&s, "stats items\r\nstats slabs\r\n",
				 "STAT items:1:number 1\r\n"));
	EXPECT(&s, "stats reset\r\n", "RESET\r\n");
	T_EQ(sess_stats(&s).cmd_set, 0);
	T_EQ(sess_stats(&s).curr_items, 1);
	EXPECT(&s, "cache_memlimit 100\r\n", "OK\r\n");
	T_EQ(mc_store_maxbytes(mc_cache_any(&s.cache)), 100 * 1024 * 1024);
	expect_(&s, "get a\0b\r\n", 9, "END\r\n", __LINE__);
	EXPECT(&s, "quit\r\n", "");
	T_ASSERT(s.closed);
	sess_fini(&s);
}

static void test_close_cases(void)
{
	static char buf[70000];
	struct sess s;
	size_t n;

	sess_init(&s, 0, 0);
	EXPECT(&s, "GET / HTTP/1.1\r\n", "");
	T_ASSERT(s.closed);
	sess_fini(&s);

	sess_init(&s, 0, 0);
	memset(buf, 'a', MC_LINE_MAX + 1);	/* may still end in "\r\n" */
	expect_(&s, buf, MC_LINE_MAX + 1, "", __LINE__);
	T_ASSERT(!s.closed);
	expect_(&s, "a", 1, "CLIENT_ERROR line too long\r\n", __LINE__);
	T_ASSERT(s.closed);
	sess_fini(&s);

	/* A multiget may be long: 5000 keys in 33 KB, fed in pieces. */
	sess_init(&s, 0, 0);
	n = (size_t)sprintf(buf, "get");
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(buf + n, " k%d", i);
	n += (size_t)sprintf(buf + n, "\r\n");
	for (size_t off = 0; off < n; off += 1000)
		sess_feed(&s, buf + off, n - off < 1000 ? n - off : 1000);
	T_ASSERT(!s.closed && !strcmp(s.out.buf, "END\r\n"));
	T_EQ(sess_stats(&s).get_misses, 5000);
	memset(buf, ' ', 66000);
	memcpy(buf, "gets", 4);
	expect_(&s, buf, 66000, "CLIENT_ERROR line too long\r\n", __LINE__);
	sess_fini(&s);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Feed a session whole (mode 0), a byte at a time (1) or in random
 * pieces (2); returns its output, "<closed>" appended if it closed. */
static char *run_split(const char *in, size_t n, int mode, size_t *len)
{
	struct sess s;
	size_t off = 0, k;
	char *res;

	sess_init(&s, 1024 * 1024, 16 * 1024);
	while (off < n && !s.closed) {
		k = mode == 0 ? n : mode == 1 ? 1 : 1 + rnd() % 700;
		if (k > n - off)
			k = n - off;
		sess_feed(&s, in + off, k);
		off += k;
	}
	if (s.closed)
		sink_write(&s.out, "<closed>", 8);
	T_ASSERT(s.max_tail <= MC_GET_LINE_MAX + 1);
	*len = s.out.len;
	res = s.out.buf;
	s.out.buf = NULL;
	sess_fini(&s);
	return res;
}

static size_t build_session(char *b)
{
	size_t n = 0;
	int i;

	n += (size_t)sprintf(b + n, "set a 1 0 5\r\nhello\r\nget a b\r\n"
		"gets a\r\nappend a 0 0 2 noreply\r\n!!\r\nincr x 1\r\n"
		"set x 0 0 2\r\n41\r\nincr x 1\r\ndecr x 50\r\n"
		"ms m 4 T0 F3 c\r\nmeta\r\nmg m v f c k s Oq\r\nmg zz q\r\n"
		"mn\r\nmd m q\r\nmg m\r\nbogus line\r\n\r\n"
		"set bad 0 0 2\r\nxyz\r\nset big 0 0 5000\r\n");
	memset(b + n, 'B', 5000);
	n += 5000;
	n += (size_t)sprintf(b + n, "\r\nget big\r\nset huge 0 0 20000\r\n");
	memset(b + n, 'H', 20000);
	n += 20000;
	n += (size_t)sprintf(b + n, "\r\nget huge a\r\nget");
	for (i = 0; i < 600; i++)
		n += (size_t)sprintf(b + n, " a%d", i % 7 ? i : 0);
	n += (size_t)sprintf(b + n, " a\r\ndelete a\r\nstats settings\r\n"
		"touch x 10\r\nflush_all\r\nget x\r\nquit\r\nget x\r\n");
	return n;
}

static bool always_full(void *ctx)
{
	(void)ctx;
	return true;
}

/*
 * A get whose output is over the limit stops after each value and leaves
 * the rest of its line unconsumed; fed again (as the server does once the
 * output drained), it goes on.  The answers are those of an unbounded
 * get, byte for byte; touches and the NUL end of a line are kept.
 */
static void test_get_stops_when_full(void)
{
	static const char cmds[] =
		"gets k1 nope k2 k3\r\nget k4\r\ngat 100 k1 k2\r\n"
		"get k3 k2\0 k1\r\nget\r\nget k1\r\nversion\r\n";
	struct sess a, b;
	size_t rc, calls = 0, n = sizeof(cmds) - 1;

	sess_init(&a, 1 << 20, 1 << 16);
	sess_init(&b, 1 << 20, 1 << 16);
	EXPECT(&a, "set k1 1 0 2\r\nv1\r\nset k2 2 0 2\r\nv2\r\n"
		   "set k3 3 0 2\r\nv3\r\nset k4 4 0 2\r\nv4\r\n",
	       "STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n");
	EXPECT(&b, "set k1 1 0 2\r\nv1\r\nset k2 2 0 2\r\nv2\r\n"
		   "set k3 3 0 2\r\nv3\r\nset k4 4 0 2\r\nv4\r\n",
	       "STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n");
	a.out.len = b.out.len = 0;
	sess_feed(&a, cmds, n);
	T_EQ(a.in_len, 0);
	b.o.full = always_full;
	sess_feed(&b, cmds, n);
	/* Stopped after k1's value, inside the first line. */
	T_EQ(b.c.state, MC_CONN_GET);
	T_EQ(b.in_len, n - strlen("gets k1"));
	for (calls = 1; b.in_len && calls < 100; calls++) {
		rc = b.in_len;
		sess_feed(&b, "", 0);
		T_ASSERT(b.in_len < rc);  /* always some progress */
	}
	T_EQ(b.in_len, 0);
	T_EQ(b.c.state, MC_CONN_CMD);
	/* A stop after each key, hit or miss, that has another after it:
	 * k1 nope k2 | k1 | k3 (the NUL ends that line). */
	T_EQ(calls, 6);
	if (a.out.len != b.out.len || memcmp(a.out.buf, b.out.buf, a.out.len)) {
		print_escaped("unbounded", a.out.buf, a.out.len);
		print_escaped("stopping", b.out.buf, b.out.len);
		exit(T_FAIL);
	}
	T_ASSERT(strstr(b.out.buf, "VALUE k3 3 2\r\nv3\r\nVALUE k2 2 2\r\n"
			"v2\r\nEND\r\nERROR\r\n"));
	T_EQ(sess_stats(&a).touch_hits, 2);
	T_EQ(sess_stats(&b).touch_hits, 2);
	T_EQ(sess_stats(&a).get_hits, sess_stats(&b).get_hits);
	T_EQ(sess_stats(&a).get_misses, sess_stats(&b).get_misses);
	sess_fini(&a);
	sess_fini(&b);
}

static void test_split(void)
{
	static char in[40000];
	size_t n = build_session(in), l0, l, i;
	char *whole = run_split(in, n, 0, &l0), *o;

	T_ASSERT(strstr(whole, "VALUE a 1 5\r\nhello\r\nEND\r\n"));
	T_ASSERT(strstr(whole, "SERVER_ERROR object too large for cache\r\n"
			"VALUE a 1 7\r\nhello!!\r\nEND\r\n"));
	T_ASSERT(strstr(whole, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"));
	T_ASSERT(strstr(whole, "OK\r\nEND\r\n<closed>"));
	for (i = 0; i < 12; i++) {
		o = run_split(in, n, i == 0 ? 1 : 2, &l);
		if (l != l0 || memcmp(o, whole, l)) {
			fprintf(stderr, "split run %zu differs\n", i);
			print_escaped("whole", whole, l0);
			print_escaped("split", o, l);
			exit(T_FAIL);
		}
		free(o);
	}
	free(whole);
}

static const char *const frags[] = {
	"get ", "gets ", "gat 1 ", "set ", "add ", "cas ", "append ",
	"incr ", "decr ", "delete ", "touch ", "mg ", "ms ", "md ", "ma ",
	"mn", "flush_all ", "stats ", "verbosity ", "k", "key", " ", "  ",
	"0 ", "1 ", "5 ", "-1 ", "99999 ", "18446744073709551616 ",
	"noreply", "\r\n", "\n", "\r", "v ", "q ", "T5 ", "N5 ", "C1 ",
	"MA ", "ME ", "D3 ", "Oab ", "k s c f t ", "I ", "x ", "HTTP/",
	"quit", "1234567890",
};

static size_t gen_noise(char *b)
{
	size_t n = 0, f;

	while (n < 64 && rnd() % 8) {
		if (rnd() % 4 == 0) {
			b[n++] = (char)rnd();
			continue;
		}
		f = rnd() % (sizeof(frags) / sizeof(frags[0]));
		memcpy(b + n, frags[f], strlen(frags[f]));
		n += strlen(frags[f]);
	}
	return n;
}

/* A data block of len bytes (digits now and then, for incr), usually
 * with its "\r\n". */
static size_t gen_block(char *b, size_t len)
{
	size_t i;
	bool digits = rnd() % 2;

	for (i = 0; i < len; i++)
		b[i] = digits ? (char)('0' + rnd() % 10) :
				 (char)('a' + rnd() % 26);
	memcpy(b + len, rnd() % 16 ? "\r\n" : "xy", 2);
	return len + 2;
}

static size_t gen_flags(char *b, const char *set)
{
	size_t n = 0, i, len = strlen(set);

	for (i = rnd() % 6; i; i--) {
		b[n++] = ' ';
		b[n++] = set[rnd() % len];
		if (rnd() % 3 == 0)
			n += (size_t)sprintf(b + n, "%u", rnd() % 50);
	}
	return n;
}

/* One well-formed-ish command on keys k0..k39. */
static size_t gen_cmd(char *b)
{
	static const char *const ops[] = {
		"set", "add", "replace", "append", "prepend", "cas",
	};
	size_t len = rnd() % 8 ? rnd() % 64 : rnd() % 40000, n = 0;
	unsigned k = rnd() % 40, op = rnd() % 6;

	switch (rnd() % 10) {
	case 0:
	case 1:
		n = (size_t)sprintf(b, "%s k%u %u %d %zu", ops[op], k,
				    rnd() % 9, (int)(rnd() % 20) - 2, len);
		if (op == 5)
			n += (size_t)sprintf(b + n, " %u", rnd() % 30);
		n += (size_t)sprintf(b + n, "%s\r\n",
				     rnd() % 4 ? "" : " noreply");
		return n + gen_block(b + n, len);
	case 2:
		n = (size_t)sprintf(b, "ms k%u %zu", k, len);
		n += gen_flags(b + n, "FTCqOIMkcsNE");
		n += (size_t)sprintf(b + n, "\r\n");
		return n + gen_block(b + n, len);
	case 3:
		return (size_t)sprintf(b, "%s k%u k%u k%u\r\n",
				       rnd() % 2 ? "get" : "gets", k,
				       rnd() % 40, rnd() % 40);
	case 4:
	case 5:
		n = (size_t)sprintf(b, "m%c k%u", "gdam"[rnd() % 4], k);
		n += gen_flags(b + n, "vftcksqOTNhluCDJMIxRE");
		return n + (size_t)sprintf(b + n, "\r\n");
	case 6:
		return (size_t)sprintf(b, "%s k%u %u\r\n",
				       rnd() % 2 ? "incr" : "decr", k, rnd());
	case 7:
		return (size_t)sprintf(b, "%s k%u%s\r\n",
				       rnd() % 2 ? "delete" : "touch", k,
				       rnd() % 2 ? " 1" : "");
	case 8:
		return (size_t)sprintf(b, "gat %d k%u\r\n",
				       (int)(rnd() % 9) - 1, k);
	default:
		return rnd() % 50 ? gen_noise(b) :
		       (size_t)sprintf(b, "flush_all %u\r\n", rnd() % 3);
	}
}

/* Random protocol-ish input in random pieces: never crash, always -1 or
 * [0, len], the kept tail bounded, the byte budget kept. */
static void test_garbage(void)
{
	static char piece[41000];
	size_t n, off, k;
	struct sess s;
	int it, closes = 0;

	sess_init(&s, 96 * 1024, 32 * 1024);
	for (it = 0; it < 100000; it++) {
		n = rnd() % 4 ? gen_cmd(piece) : gen_noise(piece);
		if (rnd() % 2)		/* else it runs into the next piece */
			n += (size_t)sprintf(piece + n, "\r\n");
		if (n && rnd() % 8 == 0)
			piece[rnd() % n] = (char)rnd();	/* corrupt a byte */
		if (rnd() % 64 == 0)
			t_clock += rnd() % 10;
		s.out.len = 0;
		for (off = 0; off < n && !s.closed; off += k) {
			k = 1 + rnd() % 4096;
			k = k < n - off ? k : n - off;
			sess_feed(&s, piece + off, k);
			T_ASSERT(s.in_len <= MC_GET_LINE_MAX + 1);
		}
		if (s.closed) {
			closes++;
			mc_conn_release(&s.c);
			mc_conn_init(&s.c);
			s.c.srv = &s.srv;
			s.closed = false;
		}
	}
	T_ASSERT(closes > 0 && sess_stats(&s).cmd_set > 1000);
	T_ASSERT(sess_stats(&s).get_hits > 1000 && sess_stats(&s).evictions > 0);
	T_ASSERT(sess_used(&s) <= mc_store_maxbytes(mc_cache_any(&s.cache)));
	sess_fini(&s);
}

/* The same inputs on every run: the same seed, the same clock. */
static void run_all(void)
{
	rng_state = 88172645463325252ULL;
	t_clock = 1700000000;
	test_get_set_cas();
	test_add_replace_concat();
	test_delete();
	test_incr_decr();
	test_expiry_touch();
	test_flush();
	test_lru();
	test_too_large_and_bad_chunk();
	test_noreply();
	test_meta();
	test_errors_and_admin();
	test_close_cases();
	test_get_stops_when_full();
	test_split();
	test_garbage();
}

/* What makes 8 stripes one cache: one budget that any stripe's store
 * makes room in, even when its own LRU holds too little; CAS uniques
 * unique over the stripes; flush_all and stats over all of them. */
static void test_stripes(void)
{
	static char big[12000];
	char cmd[128], key[16];
	uint64_t cas[1000], evicted;
	struct mc_store *st;
	struct sess s;
	int i, j;

	sess_stripes = 8;
	sess_init(&s, 64 * 1024, 16 * 1024);
	T_EQ(s.cache.n, 8);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(cmd, sizeof(cmd), "set %s 0 0 10\r\n0123456789\r\n"
			 "gets %s\r\n", key, key);
		s.out.len = 0;
		sess_feed(&s, cmd, strlen(cmd));
		T_ASSERT(strstr(s.out.buf, "STORED\r\nVALUE "));
		T_ASSERT(sscanf(strstr(s.out.buf, "VALUE"),
				"VALUE %*s 0 10 %" SCNu64, &cas[i]) == 1);
		for (j = 0; j < i; j++)
			T_ASSERT(cas[j] != cas[i]);
		T_ASSERT(sess_used(&s) <= 64 * 1024);
	}
	/* Full: the budget is used whole, over all stripes. */
	evicted = sess_stats(&s).evictions;
	T_ASSERT(evicted > 0);
	T_ASSERT(sess_used(&s) > 60 * 1024);
	T_EQ(s.cache.budget.used, sess_used(&s));
	/* big's stripe holds about an eighth of the budget: to make room
	 * for 12000 bytes it empties itself, then evicts from the others. */
	st = sess_store(&s, "big");
	T_ASSERT(st->mem_used < sizeof(big));
	memset(big, 'v', sizeof(big));
	snprintf(cmd, sizeof(cmd), "set big 0 0 %zu\r\n", sizeof(big));
	s.out.len = 0;
	sess_feed(&s, cmd, strlen(cmd));
	sess_feed(&s, big, sizeof(big));
	sess_feed(&s, "\r\n", 2);
	T_ASSERT(s.out.len == 8 && !memcmp(s.out.buf, "STORED\r\n", 8));
	T_EQ(st->stats.curr_items, 1);
	T_ASSERT(sess_stats(&s).evictions > evicted + 30);
	T_ASSERT(sess_used(&s) <= 64 * 1024);
	T_EQ(s.cache.budget.used, sess_used(&s));
	EXPECT(&s, "flush_all\r\n", "OK\r\n");
	T_EQ(sess_used(&s), 0);
	T_EQ(sess_stats(&s).curr_items, 0);
	T_EQ(s.cache.budget.used, 0);
	sess_fini(&s);
	sess_stripes = 1;
}

/* The protocol's answers do not depend on the striping: the whole suite
 * runs on the single-threaded server's one stripe and on a cache of 8. */
int main(void)
{
	for (sess_stripes = 1; sess_stripes <= 8; sess_stripes *= 8)
		run_all();
	test_stripes();
	printf("mc_proto_test: ok\n");
	return T_PASS;
}
