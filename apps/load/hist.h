/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hist.h: a log-linear latency histogram (HDR-like), in nanoseconds.
 *
 * Values below 256 ns have a bucket each.  Above, every power-of-two
 * range [2^m, 2^(m+1)) is split into HIST_SUB equal buckets, so a
 * bucket is at most 1/HIST_SUB of its lower bound wide: a value read
 * back as its bucket's midpoint is within 0.4% of the true one.  The
 * buckets reach HIST_MAX_NS (about 17 s); larger values count in the
 * last bucket, and min, max, count and sum are kept exactly.
 */
#ifndef SM_LOAD_HIST_H
#define SM_LOAD_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)	/* buckets per power of two */
#define HIST_TOP_BIT	34			/* 2^34 ns = 17.2 s */
#define HIST_MAX_NS	((UINT64_C(1) << HIST_TOP_BIT) - 1)
#define HIST_BUCKETS	((HIST_TOP_BIT - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count, sum, min, max;
	uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t ns);

/* The bucket of value ns, and the values [low, low + width) it holds. */
uint32_t hist_index(uint64_t ns);
uint64_t hist_low(uint32_t idx);
uint64_t hist_width(uint32_t idx);

/* The value at quantile q (0..1): the midpoint of the bucket that holds
 * the ceil(q * count)-th smallest value, clamped to [min, max].  q = 1 is
 * max exactly.  0 when the histogram is empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Mean in ns (0 when empty). */
double hist_mean(const struct hist *h);

#endif
