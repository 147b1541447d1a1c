/* hist_test: sm-load's latency histogram: bucket bounds, <1% error, quantiles. */
#include "testlib.h"
#include "hist.h"

/* Every value lands in a bucket that holds it, and the buckets tile the
 * range without gaps, each at most 1/HIST_SUB of its lower bound wide. */
static void test_buckets(void)
{
	uint32_t i;

	T_EQ(hist_index(0), 0);
	T_EQ(hist_index(HIST_MAX_NS), HIST_BUCKETS - 1);
	T_EQ(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	for (i = 0; i + 1 < HIST_BUCKETS; i++) {
		T_EQ(hist_low(i) + hist_width(i), hist_low(i + 1));
		T_EQ(hist_index(hist_low(i)), i);
		T_EQ(hist_index(hist_low(i) + hist_width(i) - 1), i);
		if (hist_low(i) >= 2 * HIST_SUB)
			T_ASSERT(hist_width(i) * HIST_SUB <= hist_low(i));
	}
	T_EQ(hist_low(HIST_BUCKETS - 1) + hist_width(HIST_BUCKETS - 1) - 1,
	     HIST_MAX_NS);
	/* 10 s is inside the range */
	T_ASSERT(hist_index(UINT64_C(10000000000)) < HIST_BUCKETS - 1);
}

/* A value read back is within 1% of the value put in, 1 us .. 10 s. */
static void test_error(void)
{
	struct hist h;
	uint64_t v, got;

	for (v = 1000; v <= UINT64_C(10000000000); v = v * 101 / 100 + 7) {
		hist_init(&h);
		hist_add(&h, v);
		hist_add(&h, UINT64_C(20000000000));  /* keep max above v */
		hist_add(&h, 0);                      /* and min below */
		got = hist_quantile(&h, 0.5);
		T_ASSERT(got * 100 >= v * 99 && got * 100 <= v * 101);
	}
}

static void test_quantiles(void)
{
	struct hist h;
	uint64_t i, p50, p90, p99, p999, max;

	hist_init(&h);
	T_EQ(hist_quantile(&h, 0.5), 0);
	T_ASSERT(hist_mean(&h) == 0);
	hist_add(&h, 12345);
	T_EQ(hist_quantile(&h, 0), 12345);  /* clamped to min..max */
	T_EQ(hist_quantile(&h, 0.5), 12345);
	T_EQ(hist_quantile(&h, 1), 12345);

	/* 1..100000 us, once each */
	hist_init(&h);
	for (i = 1; i <= 100000; i++)
		hist_add(&h, i * 1000);
	T_EQ(h.count, 100000);
	T_EQ(h.min, 1000);
	T_EQ(h.max, 100000000);
	p50 = hist_quantile(&h, 0.5);
	p90 = hist_quantile(&h, 0.9);
	p99 = hist_quantile(&h, 0.99);
	p999 = hist_quantile(&h, 0.999);
	max = hist_quantile(&h, 1);
	T_ASSERT(p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max);
	T_ASSERT(p50 >= 49500000 && p50 <= 50500000);
	T_ASSERT(p90 >= 89100000 && p90 <= 90900000);
	T_ASSERT(p99 >= 98010000 && p99 <= 99990000);
	T_EQ(max, 100000000);
	T_ASSERT(hist_mean(&h) == 50000500.0);

	/* 99 fast, 1 slow: p99 is fast, p99.9 slow */
	hist_init(&h);
	for (i = 0; i < 99; i++)
		hist_add(&h, 20000);
	hist_add(&h, 5000000);
	T_ASSERT(hist_quantile(&h, 0.99) < 20300);
	T_ASSERT(hist_quantile(&h, 0.999) > 4950000);

	/* beyond the buckets: counted in the last, max kept exactly */
	hist_init(&h);
	hist_add(&h, UINT64_C(60000000000));
	T_EQ(h.b[HIST_BUCKETS - 1], 1);
	T_EQ(hist_quantile(&h, 1), UINT64_C(60000000000));
	T_EQ(hist_quantile(&h, 0.5), UINT64_C(60000000000));
}

int main(void)
{
	test_buckets();
	test_error();
	test_quantiles();
	return T_PASS;
}
