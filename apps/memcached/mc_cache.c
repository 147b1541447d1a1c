/* SPDX-License-Identifier: BSD-2-Clause */
/* mc_cache.c: the striped store of sm-memcached's workers (mc_cache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mc_cache.h"

#define MC_STRIPES_PER_THREAD	4

unsigned mc_cache_stripes_for(int threads)
{
	unsigned n = 1;

	if (threads <= 1)
		return 1;
	while (n < (unsigned)threads * MC_STRIPES_PER_THREAD &&
	       n < MC_STRIPES_MAX)
		n <<= 1;
	return n;
}

struct mc_store *mc_cache_lock(struct mc_cache *c, unsigned i)
{
	struct mc_stripe *s = &c->stripes[i];

	if (c->locking) {
		if (pthread_mutex_trylock(&s->lock) != 0) {
			pthread_mutex_lock(&s->lock);
			s->waits++;
		}
		s->takes++;
	}
	return &s->st;
}

void mc_cache_unlock(struct mc_cache *c, unsigned i)
{
	if (c->locking)
		pthread_mutex_unlock(&c->stripes[i].lock);
}

/* self's LRU is empty and the budget still has no room: evict from the
 * other stripes' tails, each only if its lock is free (self's is held). */
static bool mc_cache_reclaim(void *arg, struct mc_store *self, size_t need)
{
	struct mc_cache *c = arg;
	bool freed = false;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct mc_stripe *s = &c->stripes[i];

		if (&s->st == self ||
		    (c->locking && pthread_mutex_trylock(&s->lock) != 0))
			continue;
		while (__atomic_load_n(&c->budget.used, __ATOMIC_RELAXED) +
		       need > __atomic_load_n(&c->budget.maxbytes,
					      __ATOMIC_RELAXED) &&
		       mc_store_evict_tail(&s->st))
			freed = true;
		mc_cache_unlock(c, i);
		if (freed)
			break;
	}
	return freed;
}

int mc_cache_init(struct mc_cache *c, unsigned stripes, bool locking,
		  size_t maxbytes, size_t item_size_max)
{
	unsigned i, bits = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!stripes)
		stripes = 1;
	if (stripes > MC_STRIPES_MAX)
		stripes = MC_STRIPES_MAX;
	while ((2u << bits) <= stripes)
		bits++;
	c->n = 1u << bits;
	c->shift = 32 - bits;
	c->locking = locking;
	c->stripes = calloc(c->n, sizeof(*c->stripes));
	if (!c->stripes)
		return -ENOMEM;
	pthread_mutex_init(&c->admin, NULL);
	for (i = 0; i < c->n; i++) {
		struct mc_stripe *s = &c->stripes[i];

		pthread_mutex_init(&s->lock, NULL);
		ret = mc_store_init(&s->st, maxbytes, item_size_max);
		if (ret < 0) {
			mc_cache_destroy(c);
			return ret;
		}
		/* The first stripe's limits are the cache's. */
		c->budget.maxbytes = s->st.own.maxbytes;
		mc_store_share(&s->st, &c->budget, &c->cas,
			       c->n > 1 ? mc_cache_reclaim : NULL, c);
	}
	return 0;
}

void mc_cache_destroy(struct mc_cache *c)
{
	unsigned i;

	if (!c->stripes)
		return;
	for (i = 0; i < c->n; i++) {
		mc_store_destroy(&c->stripes[i].st);
		pthread_mutex_destroy(&c->stripes[i].lock);
	}
	pthread_mutex_destroy(&c->admin);
	free(c->stripes);
	c->stripes = NULL;
}

void mc_cache_set_clock(struct mc_cache *c, mc_clock_fn fn, void *arg)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		mc_store_set_clock(&c->stripes[i].st, fn, arg);
}

void mc_thread_init(struct mc_thread *t, struct mc_cache *c)
{
	memset(t, 0, sizeof(*t));
	t->cache = c;
	pthread_mutex_lock(&c->admin);
	t->next = c->threads;
	c->threads = t;
	pthread_mutex_unlock(&c->admin);
}

#define MC_NSTATS (sizeof(struct mc_stats) / sizeof(uint64_t))

/* struct mc_stats is all uint64_t: sum it as an array. */
static void mc_stats_add(struct mc_stats *sum, const struct mc_stats *s,
			 bool atomic)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *v = (const uint64_t *)s;
	size_t i;

	_Static_assert(sizeof(struct mc_stats) % sizeof(uint64_t) == 0,
		       "struct mc_stats holds only uint64_t");
	for (i = 0; i < MC_NSTATS; i++)
		d[i] += atomic ? __atomic_load_n(&v[i], __ATOMIC_RELAXED)
			       : v[i];
}

/* The threads' counters, summed; under c->admin. */
static void mc_threads_sum(struct mc_cache *c, struct mc_stats *sum)
{
	const struct mc_thread *t;

	memset(sum, 0, sizeof(*sum));
	for (t = c->threads; t; t = t->next)
		mc_stats_add(sum, &t->stats, true);
}

void mc_cache_stats(struct mc_cache *c, struct mc_stats *sum,
		    uint64_t *lock_takes, uint64_t *lock_waits)
{
	const uint64_t *b = (const uint64_t *)&c->base;
	struct mc_stats th;
	unsigned i;
	size_t k;

	memset(sum, 0, sizeof(*sum));
	*lock_takes = *lock_waits = 0;
	for (i = 0; i < c->n; i++) {
		struct mc_stripe *s = &c->stripes[i];

		mc_cache_lock(c, i);
		mc_stats_add(sum, &s->st.stats, false);
		*lock_takes += s->takes;
		*lock_waits += s->waits;
		mc_cache_unlock(c, i);
	}
	pthread_mutex_lock(&c->admin);
	mc_threads_sum(c, &th);
	for (k = 0; k < MC_NSTATS; k++)
		((uint64_t *)&th)[k] -= b[k];
	pthread_mutex_unlock(&c->admin);
	mc_stats_add(sum, &th, false);
}

/* What "stats reset" clears: counters, not the state of the cache.  The
 * threads' counters are never written by another thread: the reset
 * moves the base instead. */
void mc_cache_reset(struct mc_cache *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct mc_store *st = mc_cache_lock(c, i);
		struct mc_stats keep = {
			.curr_items = st->stats.curr_items,
			.bytes = st->stats.bytes,
		};

		st->stats = keep;
		mc_cache_unlock(c, i);
	}
	pthread_mutex_lock(&c->admin);
	mc_threads_sum(c, &c->base);
	pthread_mutex_unlock(&c->admin);
}

void mc_cache_sizes(struct mc_cache *c, uint64_t *buckets, uint64_t *bytes,
		    int64_t *oldest_atime)
{
	unsigned i;

	*buckets = *bytes = 0;
	*oldest_atime = -1;
	for (i = 0; i < c->n; i++) {
		struct mc_store *st = mc_cache_lock(c, i);

		*buckets += (uint64_t)1 << st->hashpower;
		*bytes += st->mem_used;
		if (st->lru_tail && (*oldest_atime < 0 ||
				     st->lru_tail->atime < *oldest_atime))
			*oldest_atime = st->lru_tail->atime;
		mc_cache_unlock(c, i);
	}
}

void mc_cache_flush(struct mc_cache *c, int64_t delay)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		mc_store_flush(mc_cache_lock(c, i), delay);
		mc_cache_unlock(c, i);
	}
}

int mc_cache_set_maxbytes(struct mc_cache *c, size_t maxbytes)
{
	unsigned i;
	int ret = 0;

	/* Every stripe checks the limit against its item size and then
	 * evicts its share down to the new budget. */
	for (i = 0; i < c->n && !ret; i++) {
		ret = mc_store_set_maxbytes(mc_cache_lock(c, i), maxbytes);
		mc_cache_unlock(c, i);
	}
	return ret;
}
