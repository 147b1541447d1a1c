/* SPDX-License-Identifier: BSD-2-Clause */
/* mc_store.c: hash table, LRU and byte budget of sm-memcached. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc_store.h"

#define MC_HASHPOWER_INIT	14
#define MC_HASHPOWER_MAX	30

static int64_t mc_default_clock(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

void mc_store_set_clock(struct mc_store *st, mc_clock_fn fn, void *arg)
{
	st->clock = fn ? fn : mc_default_clock;
	st->clock_arg = fn ? arg : NULL;
}

int64_t mc_store_now(const struct mc_store *st)
{
	return st->clock(st->clock_arg);
}

/* Item times are 32-bit unix seconds (good until 2106). */
static uint32_t mc_clamp32(int64_t t)
{
	if (t < 0)
		return 0;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static uint32_t mc_now32(const struct mc_store *st)
{
	return mc_clamp32(mc_store_now(st));
}

uint32_t mc_store_realtime(const struct mc_store *st, int64_t exptime)
{
	if (exptime == 0)
		return 0;
	/* Negative: memcached maps it to a time long past, so the item is
	 * stored but dead at once.  Unix time 1 is that time here. */
	if (exptime < 0)
		return 1;
	if (exptime > MC_REALTIME_MAXDELTA)
		return mc_clamp32(exptime);
	return mc_clamp32(mc_store_now(st) + exptime);
}

size_t mc_item_total(size_t nkey, size_t nbytes)
{
	return sizeof(struct mc_item) + nkey + nbytes + 2;
}

uint64_t mc_store_next_cas(struct mc_store *st)
{
	return __atomic_add_fetch(st->cas_src, 1, __ATOMIC_RELAXED);
}

size_t mc_store_maxbytes(const struct mc_store *st)
{
	return __atomic_load_n(&st->budget->maxbytes, __ATOMIC_RELAXED);
}

static bool mc_over_budget(const struct mc_store *st, size_t need)
{
	return __atomic_load_n(&st->budget->used, __ATOMIC_RELAXED) + need >
	       mc_store_maxbytes(st);
}

/* FNV-1a, folded to 32 bits: keys are short and this is branch-free. */
uint32_t mc_store_hash(const char *key, size_t nkey)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < nkey; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static struct mc_item **mc_bucket(struct mc_store *st, uint32_t hv)
{
	return &st->table[hv & ((1u << st->hashpower) - 1)];
}

int mc_store_init(struct mc_store *st, size_t maxbytes, size_t item_size_max)
{
	memset(st, 0, sizeof(*st));
	if (!maxbytes)
		maxbytes = MC_MAXBYTES_DEFAULT;
	if (!item_size_max)
		item_size_max = MC_ITEM_SIZE_MAX;
	if (item_size_max > maxbytes ||
	    item_size_max < mc_item_total(MC_KEY_MAX, 0))
		return -EINVAL;
	st->hashpower = MC_HASHPOWER_INIT;
	st->table = calloc((size_t)1 << st->hashpower, sizeof(*st->table));
	if (!st->table)
		return -ENOMEM;
	st->own.maxbytes = maxbytes;
	st->budget = &st->own;
	st->cas_src = &st->cas_last;
	st->item_size_max = item_size_max;
	mc_store_set_clock(st, NULL, NULL);
	st->started = mc_store_now(st);
	return 0;
}

void mc_store_share(struct mc_store *st, struct mc_budget *budget,
		    uint64_t *cas_src, mc_reclaim_fn reclaim, void *arg)
{
	st->budget = budget;
	st->cas_src = cas_src;
	st->reclaim = reclaim;
	st->reclaim_arg = arg;
}

void mc_store_destroy(struct mc_store *st)
{
	struct mc_item *it, *next;

	for (it = st->lru_head; it; it = next) {
		next = it->next;
		free(it);
	}
	st->lru_head = st->lru_tail = NULL;
	free(st->table);
	st->table = NULL;
	if (st->budget)
		__atomic_sub_fetch(&st->budget->used, st->mem_used,
				   __ATOMIC_RELAXED);
	st->mem_used = 0;
	st->stats.curr_items = 0;
	st->stats.bytes = 0;
}

/* Double the table.  On allocation failure keep the old one: chains only
 * get longer, nothing breaks. */
static void mc_grow(struct mc_store *st)
{
	uint32_t hp = st->hashpower + 1, mask = (1u << hp) - 1;
	struct mc_item **nt, *it, *next;
	size_t i, n = (size_t)1 << st->hashpower;

	if (hp > MC_HASHPOWER_MAX)
		return;
	nt = calloc((size_t)1 << hp, sizeof(*nt));
	if (!nt)
		return;
	for (i = 0; i < n; i++) {
		for (it = st->table[i]; it; it = next) {
			next = it->h_next;
			it->h_next = nt[it->hv & mask];
			nt[it->hv & mask] = it;
		}
	}
	free(st->table);
	st->table = nt;
	st->hashpower = hp;
}

static void mc_lru_unlink(struct mc_store *st, struct mc_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		st->lru_head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		st->lru_tail = it->prev;
	it->prev = it->next = NULL;
}

static void mc_lru_push(struct mc_store *st, struct mc_item *it)
{
	it->prev = NULL;
	it->next = st->lru_head;
	if (st->lru_head)
		st->lru_head->prev = it;
	else
		st->lru_tail = it;
	st->lru_head = it;
}

static void mc_bump(struct mc_store *st, struct mc_item *it, uint32_t now)
{
	it->iflags |= MC_IT_FETCHED;
	it->atime = now;
	if (st->lru_head != it) {
		mc_lru_unlink(st, it);
		mc_lru_push(st, it);
	}
}

void mc_store_bump(struct mc_store *st, struct mc_item *it)
{
	mc_bump(st, it, mc_now32(st));
}

void mc_store_unlink(struct mc_store *st, struct mc_item *it)
{
	struct mc_item **pp = mc_bucket(st, it->hv);

	while (*pp && *pp != it)
		pp = &(*pp)->h_next;
	if (*pp)
		*pp = it->h_next;
	mc_lru_unlink(st, it);
	st->mem_used -= mc_item_total(it->nkey, it->nbytes);
	__atomic_sub_fetch(&st->budget->used,
			   mc_item_total(it->nkey, it->nbytes), __ATOMIC_RELAXED);
	st->stats.bytes = st->mem_used;
	st->stats.curr_items--;
	free(it);
}

static void mc_link(struct mc_store *st, struct mc_item *it, uint32_t now)
{
	struct mc_item **b = mc_bucket(st, it->hv);
	size_t n = (size_t)1 << st->hashpower;

	it->time = now;
	it->atime = now;
	it->h_next = *b;
	*b = it;
	mc_lru_push(st, it);
	st->mem_used += mc_item_total(it->nkey, it->nbytes);
	__atomic_add_fetch(&st->budget->used,
			   mc_item_total(it->nkey, it->nbytes), __ATOMIC_RELAXED);
	st->stats.bytes = st->mem_used;
	st->stats.curr_items++;
	st->stats.total_items++;
	if (st->stats.curr_items > n + n / 2)
		mc_grow(st);
}

static bool mc_flushed(const struct mc_store *st, const struct mc_item *it,
		       uint32_t now)
{
	return st->oldest_live && st->oldest_live <= now &&
	       it->time <= st->oldest_live;
}

static bool mc_expired(const struct mc_item *it, uint32_t now)
{
	return it->exptime && it->exptime <= now;
}

/* The tail item goes: a dead one is "reclaimed", a live one an
 * "eviction". */
static bool mc_evict_tail(struct mc_store *st, uint32_t now)
{
	struct mc_item *it = st->lru_tail;
	bool unfetched;

	if (!it)
		return false;
	unfetched = !(it->iflags & MC_IT_FETCHED);
	if (mc_expired(it, now) || mc_flushed(st, it, now)) {
		st->stats.reclaimed++;
		st->stats.expired_unfetched += unfetched;
	} else {
		st->stats.evictions++;
		st->stats.evicted_unfetched += unfetched;
	}
	mc_store_unlink(st, it);
	return true;
}

bool mc_store_evict_tail(struct mc_store *st)
{
	return mc_evict_tail(st, mc_now32(st));
}

/* Evict until need more bytes fit the budget: from this store's LRU tail,
 * then, with a shared budget, from the others' (st->reclaim). */
static void mc_make_room(struct mc_store *st, size_t need, uint32_t now)
{
	while (mc_over_budget(st, need)) {
		if (mc_evict_tail(st, now))
			continue;
		if (!st->reclaim || !st->reclaim(st->reclaim_arg, st, need))
			break;
	}
}

static struct mc_item *mc_lookup(struct mc_store *st, const char *key,
				 size_t nkey, uint32_t hv)
{
	struct mc_item *it;

	for (it = *mc_bucket(st, hv); it; it = it->h_next)
		if (it->hv == hv && it->nkey == nkey &&
		    !memcmp(mc_item_key(it), key, nkey))
			return it;
	return NULL;
}

struct mc_item *mc_store_find(struct mc_store *st, const char *key,
			      size_t nkey, bool bump)
{
	uint32_t now = mc_now32(st);
	struct mc_item *it = mc_lookup(st, key, nkey, mc_store_hash(key, nkey));

	if (!it)
		return NULL;
	if (mc_flushed(st, it, now)) {
		st->stats.get_flushed++;
		mc_store_unlink(st, it);
		return NULL;
	}
	if (mc_expired(it, now)) {
		st->stats.get_expired++;
		mc_store_unlink(st, it);
		return NULL;
	}
	if (bump)
		mc_bump(st, it, now);
	return it;
}

int mc_store_delete(struct mc_store *st, const char *key, size_t nkey)
{
	struct mc_item *it = mc_store_find(st, key, nkey, false);

	if (!it)
		return -ENOENT;
	mc_store_unlink(st, it);
	return 0;
}

int mc_item_alloc(struct mc_store *st, const char *key, size_t nkey,
		  uint32_t flags, uint32_t exptime, size_t nbytes,
		  struct mc_item **out)
{
	size_t total = mc_item_total(nkey, nbytes);
	struct mc_item *it;

	*out = NULL;
	if (nkey > MC_KEY_MAX || total > st->item_size_max)
		return -E2BIG;
	it = malloc(total);
	if (!it) {
		st->stats.malloc_fails++;
		return -ENOMEM;
	}
	memset(it, 0, sizeof(*it));
	it->hv = mc_store_hash(key, nkey);
	it->flags = flags;
	it->exptime = exptime;
	it->nbytes = (uint32_t)nbytes;
	it->nkey = (uint8_t)nkey;
	memcpy(mc_item_key(it), key, nkey);
	memcpy(mc_item_value(it) + nbytes, "\r\n", 2);
	*out = it;
	return 0;
}

void mc_item_free(struct mc_item *it)
{
	free(it);
}

/* Replace old (may be NULL) by it and link it with a fresh CAS. */
static void mc_install(struct mc_store *st, struct mc_item *old,
		       struct mc_item *it, uint64_t new_cas)
{
	uint32_t now = mc_now32(st);

	if (old)
		mc_store_unlink(st, old);
	it->cas = new_cas ? new_cas : mc_store_next_cas(st);
	mc_make_room(st, mc_item_total(it->nkey, it->nbytes), now);
	mc_link(st, it, now);
}

/* append/prepend: a new item with old's flags and exptime holding both
 * values; NULL when it would be too large or malloc fails. */
static struct mc_item *mc_concat(struct mc_store *st, struct mc_item *old,
				 struct mc_item *it, bool append)
{
	struct mc_item *n;
	struct mc_item *first = append ? old : it, *second = append ? it : old;

	if (mc_item_alloc(st, mc_item_key(old), old->nkey, old->flags,
			  old->exptime, (size_t)old->nbytes + it->nbytes, &n))
		return NULL;
	memcpy(mc_item_value(n), mc_item_value(first), first->nbytes);
	memcpy(mc_item_value(n) + first->nbytes, mc_item_value(second),
	       second->nbytes);
	return n;
}

enum mc_cas_res { MC_CAS_NONE, MC_CAS_MATCH, MC_CAS_STALE, MC_CAS_BADVAL };

static enum mc_cas_res mc_cas_check(const struct mc_store_args *a,
				    const struct mc_item *old)
{
	if (!a->cas)
		return MC_CAS_NONE;
	if (a->cas == old->cas)
		return MC_CAS_MATCH;
	if (a->stale_ok && a->cas < old->cas)
		return MC_CAS_STALE;
	return MC_CAS_BADVAL;
}

/* The rules of memcached's do_store_item() when the key exists.  *itp may
 * be swapped for the combined item of append/prepend. */
static enum mc_store_res mc_store_existing(struct mc_store *st,
					   struct mc_item **itp,
					   struct mc_item *old,
					   const struct mc_store_args *a)
{
	enum mc_cas_res cr = mc_cas_check(a, old);
	struct mc_item *it = *itp, *n;

	switch (a->op) {
	case MC_OP_ADD:
		mc_bump(st, old, mc_now32(st));	/* add promotes the loser */
		return MC_NOT_STORED;
	case MC_OP_CAS:
		if (cr == MC_CAS_STALE) {
			/* Keep the TTL and the recache token of the newer
			 * item; the stored value is marked stale. */
			it->exptime = old->exptime;
			it->iflags |= MC_IT_STALE |
				      (old->iflags & MC_IT_TOKEN_SENT);
		} else if (cr != MC_CAS_MATCH) {
			st->stats.cas_badval++;
			return MC_EXISTS;
		}
		st->stats.cas_hits++;
		return MC_STORED;
	case MC_OP_APPEND:
	case MC_OP_PREPEND:
		if (cr != MC_CAS_NONE && cr != MC_CAS_MATCH)
			return MC_EXISTS;
		n = mc_concat(st, old, it, a->op == MC_OP_APPEND);
		if (!n)
			return MC_NOT_STORED;
		mc_item_free(it);
		*itp = n;
		return MC_STORED;
	default:
		return MC_STORED;
	}
}

static enum mc_store_res mc_store_missing(struct mc_store *st,
					  const struct mc_store_args *a)
{
	switch (a->op) {
	case MC_OP_ADD:
	case MC_OP_SET:
		return MC_STORED;
	case MC_OP_APPEND:
	case MC_OP_PREPEND:
		return a->vivify ? MC_STORED : MC_NOT_STORED;
	case MC_OP_CAS:
		st->stats.cas_misses++;
		return MC_NOT_FOUND;
	default:
		return MC_NOT_STORED;
	}
}

enum mc_store_res mc_store_item(struct mc_store *st, struct mc_item *it,
				const struct mc_store_args *a,
				struct mc_item **stored)
{
	struct mc_item *old;
	enum mc_store_res res;

	if (stored)
		*stored = NULL;
	old = mc_store_find(st, mc_item_key(it), it->nkey, false);
	if (old)
		res = mc_store_existing(st, &it, old, a);
	else
		res = mc_store_missing(st, a);
	if (res != MC_STORED) {
		mc_item_free(it);
		return res;
	}
	mc_install(st, old, it, a->new_cas);
	if (stored)
		*stored = it;
	return MC_STORED;
}

/* memcached's safe_strtoull() on the stored value: leading blanks, digits,
 * then a blank or NUL (the stored "\r\n" always ends it). */
static bool mc_value_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *start;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	start = p;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == start || (*p && !isspace((unsigned char)*p)))
		return false;
	*out = v;
	return true;
}

static size_t mc_u64_dec(uint64_t v, char *buf)
{
	char tmp[MC_INCR_MAX];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* Write the new number into it: in place when it fits (memcached pads with
 * spaces and keeps the length), else into a new item.  The item or NULL. */
static struct mc_item *mc_delta_store(struct mc_store *st, struct mc_item *it,
				      const char *buf, size_t len)
{
	struct mc_item *n;

	if (len <= it->nbytes) {
		memcpy(mc_item_value(it), buf, len);
		memset(mc_item_value(it) + len, ' ', it->nbytes - len);
		it->cas = mc_store_next_cas(st);
		mc_bump(st, it, mc_now32(st));
		return it;
	}
	if (mc_item_alloc(st, mc_item_key(it), it->nkey, it->flags,
			  it->exptime, len, &n))
		return NULL;
	memcpy(mc_item_value(n), buf, len);
	n->iflags = it->iflags;
	mc_install(st, it, n, 0);
	return n;
}

enum mc_delta_res mc_store_delta(struct mc_store *st, const char *key,
				 size_t nkey, bool incr, uint64_t delta,
				 uint64_t *cas, char buf[MC_INCR_MAX],
				 struct mc_item **itp)
{
	struct mc_item *it = mc_store_find(st, key, nkey, false);
	uint64_t v;
	size_t len;

	if (itp)
		*itp = NULL;
	if (!it)
		return MC_DELTA_NOT_FOUND;
	if (it->nbytes == 0)
		return MC_DELTA_NON_NUMERIC;
	if (cas && *cas && it->cas != *cas)
		return MC_DELTA_CAS_MISMATCH;
	if (!mc_value_u64(mc_item_value(it), &v))
		return MC_DELTA_NON_NUMERIC;
	if (incr)
		v += delta;		/* wraps at 2^64, as memcached */
	else
		v = delta > v ? 0 : v - delta;
	if (incr)
		st->stats.incr_hits++;
	else
		st->stats.decr_hits++;
	len = mc_u64_dec(v, buf);
	it = mc_delta_store(st, it, buf, len);
	if (!it)
		return MC_DELTA_EOM;
	if (cas)
		*cas = it->cas;
	if (itp)
		*itp = it;
	return MC_DELTA_OK;
}

struct mc_item *mc_store_touch(struct mc_store *st, const char *key,
			       size_t nkey, uint32_t exptime)
{
	struct mc_item *it = mc_store_find(st, key, nkey, true);

	if (it)
		it->exptime = exptime;
	return it;
}

void mc_store_flush(struct mc_store *st, int64_t delay)
{
	if (delay > 0) {
		/* memcached: oldest_live = realtime(delay) - 1. */
		st->oldest_live = mc_store_realtime(st, delay) - 1;
		return;
	}
	/* Dropping everything now also cancels a pending delayed flush,
	 * which memcached does by overwriting oldest_live. */
	st->oldest_live = 0;
	while (st->lru_tail)
		mc_store_unlink(st, st->lru_tail);
}

int mc_store_set_maxbytes(struct mc_store *st, size_t maxbytes)
{
	if (maxbytes < st->item_size_max)
		return -EINVAL;
	__atomic_store_n(&st->budget->maxbytes, maxbytes, __ATOMIC_RELAXED);
	mc_make_room(st, 0, mc_now32(st));
	return 0;
}
