/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_store.h: the item store of sm-memcached.  A chained hash table that
 * doubles when it gets crowded, one LRU list, and a byte budget: linking an
 * item evicts from the LRU tail until the linked items fit in maxbytes.
 *
 * Items are one malloc'd block each:
 *
 *	struct mc_item | key (nkey bytes) | value (nbytes bytes) | "\r\n"
 *
 * The "\r\n" is stored with the value so a GET hit is one write of
 * nbytes + 2 bytes straight from the item, and so a data block read from
 * the wire lands in the item with its terminator, which is checked there.
 *
 * Ownership and lifetime: a store is single-threaded and keeps no
 * reference counts (sm-memcached's workers share several stores, each
 * under its own lock: mc_cache.h).  A pointer returned by a lookup stays valid until the
 * next call that can unlink or free items (any store, delete, delta, touch,
 * flush or lookup of another key may evict or expire it), so callers use it
 * at once.  An item from mc_item_alloc() belongs to the caller until it is
 * passed to mc_store_item() (which always takes it) or mc_item_free().
 *
 * Time is unix seconds from a clock the owner can replace (tests move it).
 * Expiration times follow memcached: 0 never expires, up to 30 days is
 * relative, larger is an absolute unix time, negative is already expired.
 */
#ifndef MC_STORE_H
#define MC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_KEY_MAX		250
#define MC_ITEM_SIZE_MAX	(1024 * 1024)
#define MC_MAXBYTES_DEFAULT	(64 * 1024 * 1024)
#define MC_REALTIME_MAXDELTA	(60 * 60 * 24 * 30)
#define MC_INCR_MAX		24	/* decimal u64 + NUL, with room */

enum {
	MC_IT_FETCHED	 = 1 << 0,	/* hit by a get since it was stored */
	MC_IT_TOKEN_SENT = 1 << 1,	/* a meta client won the recache */
	MC_IT_STALE	 = 1 << 2,	/* invalidated by md I / ms I */
};

struct mc_item {
	struct mc_item *h_next;		/* hash chain */
	struct mc_item *prev, *next;	/* LRU: head is the most recent */
	uint64_t cas;
	uint32_t exptime;		/* absolute unix time, 0 = never */
	uint32_t time;			/* when linked, for flush_all */
	uint32_t atime;			/* last access, for mg l */
	uint32_t hv;
	uint32_t flags;			/* client flags */
	uint32_t nbytes;		/* value length without "\r\n" */
	uint8_t nkey;
	uint8_t iflags;			/* MC_IT_* */
	char data[];			/* key, value, "\r\n" */
};

static inline char *mc_item_key(struct mc_item *it)
{
	return it->data;
}

static inline char *mc_item_value(struct mc_item *it)
{
	return it->data + it->nkey;
}

/* Counters for "stats"; the protocol engine bumps the command ones. */
struct mc_stats {
	uint64_t curr_items, total_items, bytes;
	uint64_t evictions, reclaimed, expired_unfetched, evicted_unfetched;
	uint64_t cmd_get, cmd_set, cmd_flush, cmd_touch, cmd_meta;
	uint64_t get_hits, get_misses, get_expired, get_flushed;
	uint64_t delete_hits, delete_misses;
	uint64_t incr_hits, incr_misses, decr_hits, decr_misses;
	uint64_t cas_hits, cas_misses, cas_badval;
	uint64_t touch_hits, touch_misses;
	uint64_t store_too_large, store_no_memory, malloc_fails;
	uint64_t bytes_read, bytes_written;
};

typedef int64_t (*mc_clock_fn)(void *arg);

/* The byte budget of linked items (-m), a store's own or one that several
 * stores share: both fields are read and written with atomics. */
struct mc_budget {
	size_t maxbytes;
	size_t used;			/* mc_item_total() of linked items */
};

struct mc_store;
/* Make room elsewhere for need more bytes of this store's budget once its
 * own LRU is empty; true if it freed something (mc_store_share()). */
typedef bool (*mc_reclaim_fn)(void *arg, struct mc_store *self,
			      size_t need);

struct mc_store {
	struct mc_item **table;
	uint32_t hashpower;		/* table has 1 << hashpower buckets */
	struct mc_item *lru_head, *lru_tail;
	struct mc_budget *budget;	/* &own, or shared */
	struct mc_budget own;
	size_t item_size_max;		/* largest mc_item_total() */
	size_t mem_used;		/* of this store's linked items */
	uint64_t *cas_src;		/* &cas_last, or shared (atomic) */
	uint64_t cas_last;		/* last CAS unique handed out */
	mc_reclaim_fn reclaim;		/* NULL: the budget is its own */
	void *reclaim_arg;
	uint32_t oldest_live;		/* flush_all: items linked at or
					 * before this are dead once it has
					 * passed; 0 = none */
	int64_t started;		/* clock at init, for uptime */
	mc_clock_fn clock;
	void *clock_arg;
	struct mc_stats stats;
};

enum mc_store_op {
	MC_OP_SET, MC_OP_ADD, MC_OP_REPLACE, MC_OP_APPEND, MC_OP_PREPEND,
	MC_OP_CAS,
};

enum mc_store_res { MC_STORED, MC_EXISTS, MC_NOT_FOUND, MC_NOT_STORED };

struct mc_store_args {
	enum mc_store_op op;
	uint64_t cas;		/* compare with the stored CAS; 0 = none
				 * (MC_OP_CAS with 0 never matches) */
	uint64_t new_cas;	/* CAS to give the stored item; 0 = next */
	bool stale_ok;		/* meta I: a lower CAS stores, marked stale */
	bool vivify;		/* meta N: append/prepend create on a miss */
};

enum mc_delta_res {
	MC_DELTA_OK, MC_DELTA_NON_NUMERIC, MC_DELTA_EOM, MC_DELTA_NOT_FOUND,
	MC_DELTA_CAS_MISMATCH,
};

/* maxbytes 0 = 64 MB, item_size_max 0 = 1 MB.  0, -EINVAL (item limit
 * above the budget or below one small item) or -ENOMEM. */
int mc_store_init(struct mc_store *st, size_t maxbytes, size_t item_size_max);
/* Make st one of several stores behind one budget and one CAS counter,
 * before it holds any item.  reclaim (may be NULL) is called when st's own
 * LRU is empty and the budget still has no room. */
void mc_store_share(struct mc_store *st, struct mc_budget *budget,
		    uint64_t *cas_src, mc_reclaim_fn reclaim, void *arg);
/* Free every item and the table; safe to call twice. */
void mc_store_destroy(struct mc_store *st);
/* NULL restores time(NULL). */
void mc_store_set_clock(struct mc_store *st, mc_clock_fn fn, void *arg);
int64_t mc_store_now(const struct mc_store *st);
/* memcached exptime (relative, absolute or negative) to absolute time. */
uint32_t mc_store_realtime(const struct mc_store *st, int64_t exptime);
/* Bytes an item of this shape costs against the budget and the limit. */
size_t mc_item_total(size_t nkey, size_t nbytes);
/* The hash of a key; a store's buckets use its low bits. */
uint32_t mc_store_hash(const char *key, size_t nkey);
size_t mc_store_maxbytes(const struct mc_store *st);
/* Evict the LRU tail item, counted as memcached counts it; false if the
 * store is empty. */
bool mc_store_evict_tail(struct mc_store *st);

/* Live item or NULL; expired and flushed items are removed on the way.
 * bump moves it to the LRU head and marks it fetched. */
struct mc_item *mc_store_find(struct mc_store *st, const char *key,
			      size_t nkey, bool bump);
/* Move a linked item to the LRU head and mark it fetched. */
void mc_store_bump(struct mc_store *st, struct mc_item *it);
/* Unlink and free a linked item. */
void mc_store_unlink(struct mc_store *st, struct mc_item *it);
/* 0 and the item removed, or -ENOENT. */
int mc_store_delete(struct mc_store *st, const char *key, size_t nkey);

/* An unlinked item with room for nbytes of value plus "\r\n"; the caller
 * fills mc_item_value().  0, -E2BIG (over item_size_max) or -ENOMEM. */
int mc_item_alloc(struct mc_store *st, const char *key, size_t nkey,
		  uint32_t flags, uint32_t exptime, size_t nbytes,
		  struct mc_item **out);
void mc_item_free(struct mc_item *it);

/* Store it by a->op; always takes it.  *stored (may be NULL) gets the
 * linked result on MC_STORED (for append the combined item). */
enum mc_store_res mc_store_item(struct mc_store *st, struct mc_item *it,
				const struct mc_store_args *a,
				struct mc_item **stored);

/* incr/decr: unsigned 64-bit, incr wraps, decr stops at 0.  *cas != 0
 * must match the item; it is updated to the new CAS.  buf gets the new
 * value in decimal; *itp (may be NULL) the item. */
enum mc_delta_res mc_store_delta(struct mc_store *st, const char *key,
				 size_t nkey, bool incr, uint64_t delta,
				 uint64_t *cas, char buf[MC_INCR_MAX],
				 struct mc_item **itp);

/* New absolute exptime for a live item; the item or NULL. */
struct mc_item *mc_store_touch(struct mc_store *st, const char *key,
			       size_t nkey, uint32_t exptime);

/* flush_all [delay]: delay <= 0 drops every item now; otherwise items
 * linked before the (memcached) time delay becomes dead at that time. */
void mc_store_flush(struct mc_store *st, int64_t delay);

/* A new budget (cache_memlimit); evicts st down to it.  0 or -EINVAL. */
int mc_store_set_maxbytes(struct mc_store *st, size_t maxbytes);

uint64_t mc_store_next_cas(struct mc_store *st);

#endif /* MC_STORE_H */
