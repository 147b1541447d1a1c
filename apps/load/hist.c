/* SPDX-License-Identifier: BSD-2-Clause */
/* hist.c: the log-linear latency histogram (see hist.h). */
#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/*
 * Below 2 * HIST_SUB the index is the value.  For ns in [2^m, 2^(m+1)),
 * m >= HIST_SUB_BITS, ns >> (m - HIST_SUB_BITS) is in [HIST_SUB,
 * 2 * HIST_SUB): each range takes the next HIST_SUB indexes.
 */
uint32_t hist_index(uint64_t ns)
{
	uint32_t m, shift;

	if (ns > HIST_MAX_NS)
		ns = HIST_MAX_NS;
	if (ns < 2 * HIST_SUB)
		return (uint32_t)ns;
	m = 63 - (uint32_t)__builtin_clzll(ns);
	shift = m - HIST_SUB_BITS;
	return (shift << HIST_SUB_BITS) + (uint32_t)(ns >> shift);
}

uint64_t hist_low(uint32_t idx)
{
	uint32_t shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	return (uint64_t)((idx & (HIST_SUB - 1)) + HIST_SUB) << shift;
}

uint64_t hist_width(uint32_t idx)
{
	if (idx < 2 * HIST_SUB)
		return 1;
	return UINT64_C(1) << ((idx >> HIST_SUB_BITS) - 1);
}

void hist_add(struct hist *h, uint64_t ns)
{
	h->b[hist_index(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	double want = q * (double)h->count;
	uint64_t rank, seen = 0, v;
	uint32_t i;

	if (!h->count)
		return 0;
	if (q >= 1.0)
		return h->max;
	rank = (uint64_t)want;
	if ((double)rank < want || rank == 0)  /* ceil, at least 1 */
		rank++;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)  /* cannot happen: counts sum to count */
		return h->max;
	v = hist_low(i) + (hist_width(i) - 1) / 2;
	if (v < h->min)
		v = h->min;
	return v > h->max ? h->max : v;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0;
}
