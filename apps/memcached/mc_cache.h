/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_cache.h: the item store that sm-memcached's workers share.  The key
 * space is split over stripes by the key's hash; each stripe is a whole
 * mc_store (hash table and LRU) under its own mutex, so that workers
 * touching different keys never wait for each other.  What makes it one
 * cache and not several:
 *
 *   - one byte budget (-m) for all stripes: a stripe evicts from its own
 *     LRU tail first, then from the others' (mc_store_share());
 *   - one CAS counter, so CAS uniques are unique server-wide;
 *   - flush_all, cache_memlimit and stats visit every stripe.
 *
 * A command works on one key at a time and a thread holds at most one
 * stripe lock at a time (mc_cache_lock() of another stripe is only called
 * after mc_cache_unlock()), so there is no lock order to get wrong.  The
 * reclaim path holds its own stripe and only try-locks the others.
 *
 * The command counters (cmd_get, get_hits...) are not the stores': each
 * thread counts its own in struct mc_thread, written by that thread alone
 * and read by "stats" in any, with relaxed atomics.  memcached splits its
 * stats the same way (per-thread counters, per-slab-class item counts).
 */
#ifndef MC_CACHE_H
#define MC_CACHE_H

#include <pthread.h>
#include <stdbool.h>

#include "mc_store.h"

#define MC_STRIPES_MAX	64

struct mc_stripe {
	pthread_mutex_t lock;
	uint64_t takes, waits;	/* lock taken / found held: under lock */
	struct mc_store st;
} __attribute__((aligned(64)));

struct mc_thread;

struct mc_cache {
	struct mc_stripe *stripes;
	unsigned n;		/* a power of two */
	unsigned shift;		/* stripe = hash >> shift */
	bool locking;		/* several threads: take the locks */
	struct mc_budget budget;
	uint64_t cas;		/* the last CAS unique, all stripes' */
	pthread_mutex_t admin;	/* threads, base */
	struct mc_thread *threads;
	struct mc_stats base;	/* thread counters at the last reset */
};

/* One thread's context for mc_execute(): its cache and its counters. */
struct mc_thread {
	struct mc_cache *cache;
	struct mc_thread *next;
	struct mc_stats stats;	/* the command counters; see above */
};

/* The stripes a cache for this many threads gets: 1 for one thread (no
 * locks at all), else four per thread up to MC_STRIPES_MAX. */
unsigned mc_cache_stripes_for(int threads);
/* stripes 0 = mc_cache_stripes_for(1); rounded down to a power of two.
 * locking: more than one thread will use it.  0, -EINVAL or -ENOMEM. */
int mc_cache_init(struct mc_cache *c, unsigned stripes, bool locking,
		  size_t maxbytes, size_t item_size_max);
void mc_cache_destroy(struct mc_cache *c);
/* Every stripe's clock (tests). */
void mc_cache_set_clock(struct mc_cache *c, mc_clock_fn fn, void *arg);
/* Register t, zeroed, as a thread of c. */
void mc_thread_init(struct mc_thread *t, struct mc_cache *c);

static inline unsigned mc_cache_stripe(const struct mc_cache *c,
				       const char *key, size_t nkey)
{
	return c->n == 1 ? 0 : mc_store_hash(key, nkey) >> c->shift;
}

struct mc_store *mc_cache_lock(struct mc_cache *c, unsigned i);
void mc_cache_unlock(struct mc_cache *c, unsigned i);
/* Any stripe's store for what all share (clock, limits), unlocked. */
static inline const struct mc_store *mc_cache_any(const struct mc_cache *c)
{
	return &c->stripes[0].st;
}

/* The sum of the stripes' counters and the threads' since the last
 * mc_cache_reset(); the lock counters separately. */
void mc_cache_stats(struct mc_cache *c, struct mc_stats *sum,
		    uint64_t *lock_takes, uint64_t *lock_waits);
/* "stats reset". */
void mc_cache_reset(struct mc_cache *c);
/* The stripes' hash table buckets, and the memory of their items. */
void mc_cache_sizes(struct mc_cache *c, uint64_t *buckets, uint64_t *bytes,
		    int64_t *oldest_atime);
void mc_cache_flush(struct mc_cache *c, int64_t delay);
int mc_cache_set_maxbytes(struct mc_cache *c, size_t maxbytes);

/* Thread counters: one writer (the thread), readers anywhere. */
static inline void mc_count(uint64_t *v, uint64_t n)
{
	__atomic_store_n(v, __atomic_load_n(v, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

#endif /* MC_CACHE_H */
