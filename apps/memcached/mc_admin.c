/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mc_admin.c: the server commands of the engine: stats (general, settings,
 * items, slabs, reset), flush_all, version, verbosity, cache_memlimit,
 * shutdown and quit.  Names and order of the stats follow memcached 1.6 so
 * tools that scrape them (memstat, monitoring) find what they expect.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mc_int.h"

#define MC_MAX_VERBOSITY 2

void mc_stat_printf(const struct mc_out *out, const char *name,
		    const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, m;

	n = snprintf(buf, sizeof(buf), "STAT %s ", name);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		return;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;	/* truncated value */
	memcpy(buf + n, "\r\n", 2);
	out->write(out->ctx, buf, (size_t)n + 2);
}

/* Stats go through the engine's sink so bytes_written counts them. */
static void mc_count_write(void *ctx, const void *data, size_t len)
{
	mc__write(ctx, data, len);
}

static void mc_u64(const struct mc_out *o, const char *name, uint64_t v)
{
	mc_stat_printf(o, name, "%llu", (unsigned long long)v);
}

static void mc_stats_process(struct mc_ctx *x, const struct mc_out *o)
{
	const struct mc_server *srv = x->c->srv;
	const struct mc_store *any = MC_ANY(x);
	int64_t now = mc_store_now(any);
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	mc_stat_printf(o, "pid", "%ld", (long)getpid());
	mc_stat_printf(o, "uptime", "%lld",
		       (long long)(now - any->started));
	mc_stat_printf(o, "time", "%lld", (long long)now);
	mc_stat_printf(o, "version", "%s", MC_VERSION);
	mc_stat_printf(o, "pointer_size", "%d", (int)(8 * sizeof(void *)));
	mc_stat_printf(o, "rusage_user", "%ld.%06ld",
		       (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
	mc_stat_printf(o, "rusage_system", "%ld.%06ld",
		       (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
	mc_stat_printf(o, "max_connections", "%d", srv ? srv->maxconns : 0);
	mc_u64(o, "curr_connections", srv ? MC_LOAD(srv->curr_connections) : 0);
	mc_u64(o, "total_connections",
	       srv ? MC_LOAD(srv->total_connections) : 0);
	mc_u64(o, "rejected_connections",
	       srv ? MC_LOAD(srv->rejected_connections) : 0);
}

static void mc_stats_commands(const struct mc_stats *s,
			      const struct mc_out *o)
{
	const struct { const char *name; uint64_t v; } t[] = {
		{ "cmd_get", s->cmd_get }, { "cmd_set", s->cmd_set },
		{ "cmd_flush", s->cmd_flush }, { "cmd_touch", s->cmd_touch },
		{ "cmd_meta", s->cmd_meta }, { "get_hits", s->get_hits },
		{ "get_misses", s->get_misses },
		{ "get_expired", s->get_expired },
		{ "get_flushed", s->get_flushed },
		{ "delete_misses", s->delete_misses },
		{ "delete_hits", s->delete_hits },
		{ "incr_misses", s->incr_misses },
		{ "incr_hits", s->incr_hits },
		{ "decr_misses", s->decr_misses },
		{ "decr_hits", s->decr_hits },
		{ "cas_misses", s->cas_misses }, { "cas_hits", s->cas_hits },
		{ "cas_badval", s->cas_badval },
		{ "touch_hits", s->touch_hits },
		{ "touch_misses", s->touch_misses },
		{ "store_too_large", s->store_too_large },
		{ "store_no_memory", s->store_no_memory },
		{ "auth_cmds", 0 }, { "auth_errors", 0 },
		{ "bytes_read", s->bytes_read },
		{ "bytes_written", s->bytes_written },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		mc_u64(o, t[i].name, t[i].v);
}

/*
 * memcached's counters and settings of machinery this server does not
 * have (slab classes and their mover, the LRU crawler and maintainer,
 * watchers, read buffers, TLS, extstore's are left out): printed with the
 * value that is true here (no slab was moved, no connection yielded, the
 * listener was never disabled: over -c a connection is told and closed),
 * so that monitoring that reads them by name finds them.
 */
struct mc_absent {
	const char *name, *value;
};

static const struct mc_absent absent_stats[] = {
	{ "response_obj_oom", "0" }, { "response_obj_count", "0" },
	{ "response_obj_bytes", "0" }, { "read_buf_count", "0" },
	{ "read_buf_bytes", "0" }, { "read_buf_bytes_free", "0" },
	{ "read_buf_oom", "0" }, { "reserved_fds", "0" },
	{ "listen_disabled_num", "0" }, { "time_in_listen_disabled_us", "0" },
	{ "conn_yields", "0" }, { "slab_reassign_rescues", "0" },
	{ "slab_reassign_chunk_rescues", "0" },
	{ "slab_reassign_evictions_nomem", "0" },
	{ "slab_reassign_inline_reclaim", "0" },
	{ "slab_reassign_busy_items", "0" },
	{ "slab_reassign_busy_deletes", "0" },
	{ "slab_reassign_running", "0" }, { "slabs_moved", "0" },
	{ "lru_crawler_running", "0" }, { "lru_crawler_starts", "0" },
	{ "lru_maintainer_juggles", "0" }, { "log_worker_dropped", "0" },
	{ "log_worker_written", "0" }, { "log_watcher_skipped", "0" },
	{ "log_watcher_sent", "0" }, { "log_watchers", "0" },
	{ "unexpected_napi_ids", "0" }, { "round_robin_fallback", "0" },
	{ "slab_global_page_pool", "0" }, { "evicted_active", "0" },
	{ "crawler_reclaimed", "0" }, { "crawler_items_checked", "0" },
	{ "lrutail_reflocked", "0" }, { "moves_to_cold", "0" },
	{ "moves_to_warm", "0" }, { "moves_within_lru", "0" },
	{ "direct_reclaims", "0" }, { "lru_bumps_dropped", "0" },
	{ "libevent", "none" },
};

/* Settings of memcached that are fixed here: no slab classes (their
 * values are memcached's defaults, which -f and -n would have changed
 * and are refused), no crawler, no TLS, no UNIX socket. */
static const struct mc_absent absent_settings[] = {
	{ "domain_socket", "NULL" }, { "umask", "700" },
	{ "growth_factor", "1.25" }, { "chunk_size", "48" },
	{ "stat_key_prefix", ":" }, { "detail_enabled", "no" },
	{ "reqs_per_event", "20" }, { "maxconns_fast", "yes" },
	{ "slab_reassign", "no" }, { "slab_automove", "0" },
	{ "slab_automove_ratio", "0.80" }, { "slab_automove_window", "30" },
	{ "slab_automove_freeratio", "0.010" },
	{ "slab_chunk_max", "524288" }, { "lru_crawler", "no" },
	{ "lru_crawler_sleep", "100" }, { "lru_crawler_tocrawl", "0" },
	{ "tail_repair_time", "0" }, { "lru_maintainer_thread", "no" },
	{ "hot_lru_pct", "20" }, { "warm_lru_pct", "40" },
	{ "hot_max_factor", "0.20" }, { "warm_max_factor", "2.00" },
	{ "temp_lru", "no" }, { "temporary_ttl", "61" },
	{ "watcher_logbuf_size", "262144" },
	{ "worker_logbuf_size", "65536" }, { "read_buf_mem_limit", "0" },
	{ "track_sizes", "no" }, { "inline_ascii_response", "no" },
	{ "ssl_enabled", "no" }, { "ssl_chain_cert", "(null)" },
	{ "ssl_key", "(null)" }, { "ssl_verify_mode", "0" },
	{ "ssl_keyformat", "1" }, { "ssl_ciphers", "NULL" },
	{ "ssl_ca_cert", "NULL" }, { "ssl_wbuf_size", "16384" },
	{ "ssl_session_cache", "no" }, { "ssl_kernel_tls", "no" },
	{ "ssl_min_version", "tlsv1.2" }, { "memory_file", "(null)" },
};

static void mc_stats_absent(const struct mc_out *o, const struct mc_absent *t,
			    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mc_stat_printf(o, t[i].name, "%s", t[i].value);
}

static void mc_stats_general(struct mc_ctx *x, const struct mc_out *o)
{
	const struct mc_server *srv = x->c->srv;
	struct mc_cache *cache = x->t->cache;
	uint64_t buckets, bytes, takes, waits;
	struct mc_stats sum, *s = &sum;
	unsigned power = 0;
	int64_t oldest;

	mc_cache_stats(cache, &sum, &takes, &waits);
	mc_cache_sizes(cache, &buckets, &bytes, &oldest);
	while (((uint64_t)2 << power) <= buckets)
		power++;
	mc_stats_process(x, o);
	mc_stats_commands(s, o);
	mc_u64(o, "limit_maxbytes", mc_store_maxbytes(MC_ANY(x)));
	mc_stat_printf(o, "accepting_conns", "%u", 1u);
	mc_stat_printf(o, "threads", "%d", srv ? srv->threads : 1);
	mc_stat_printf(o, "hash_power_level", "%u", power);
	mc_u64(o, "hash_bytes", buckets * sizeof(void *));
	mc_stat_printf(o, "hash_is_expanding", "%u", 0u);
	mc_u64(o, "malloc_fails", s->malloc_fails);
	mc_u64(o, "bytes", s->bytes);
	mc_u64(o, "curr_items", s->curr_items);
	mc_u64(o, "total_items", s->total_items);
	mc_u64(o, "expired_unfetched", s->expired_unfetched);
	mc_u64(o, "evicted_unfetched", s->evicted_unfetched);
	mc_u64(o, "evictions", s->evictions);
	mc_u64(o, "reclaimed", s->reclaimed);
	mc_stats_absent(o, absent_stats, sizeof(absent_stats) /
			sizeof(absent_stats[0]));
	mc_u64(o, "connection_structures",
	       srv ? MC_LOAD(srv->curr_connections) + (uint64_t)srv->threads : 0);
	mc_u64(o, "sm_store_stripes", cache->n);
	mc_u64(o, "sm_store_lock_takes", takes);
	mc_u64(o, "sm_store_lock_waits", waits);
	if (srv && srv->stats_cb)
		srv->stats_cb(srv->stats_arg, o);
}

static void mc_stats_settings(struct mc_ctx *x, const struct mc_out *o)
{
	const struct mc_server *srv = x->c->srv;
	struct mc_store *st = mc_cache_lock(x->t->cache, 0);
	uint32_t oldest_live = st->oldest_live;	/* the same in every stripe */

	mc_cache_unlock(x->t->cache, 0);
	mc_u64(o, "maxbytes", mc_store_maxbytes(st));
	mc_stat_printf(o, "maxconns", "%d", srv ? srv->maxconns : 0);
	mc_stat_printf(o, "tcpport", "%d", srv ? srv->tcpport : 0);
	mc_stat_printf(o, "udpport", "%d", 0);
	mc_stat_printf(o, "verbosity", "%d", srv ? MC_LOAD(srv->verbosity) : 0);
	mc_stat_printf(o, "oldest", "%lu", (unsigned long)oldest_live);
	mc_stat_printf(o, "evictions", "%s", "on");
	mc_stat_printf(o, "num_threads", "%d", srv ? srv->threads : 1);
	mc_stat_printf(o, "cas_enabled", "%s", "yes");
	mc_stat_printf(o, "binding_protocol", "%s", "ascii");
	mc_stat_printf(o, "auth_enabled_sasl", "%s", "no");
	mc_stat_printf(o, "auth_enabled_ascii", "%s", "no");
	mc_u64(o, "item_size_max", MC_ANY(x)->item_size_max);
	mc_stat_printf(o, "hashpower_init", "%d", 0);
	mc_stat_printf(o, "flush_enabled", "%s", "yes");
	mc_stat_printf(o, "dump_enabled", "%s", "no");
	mc_stat_printf(o, "hash_algorithm", "%s", "fnv1a");
	mc_stat_printf(o, "lru_segmented", "%s", "no");
	mc_stat_printf(o, "idle_timeout", "%d", 0);
	mc_stat_printf(o, "client_flags_size", "%d", 4);
	mc_stat_printf(o, "inter", "%s", srv && srv->inter ? srv->inter : "NULL");
	mc_stat_printf(o, "shutdown_command", "%s",
		       srv && srv->shutdown_cb ? "yes" : "no");
	mc_stat_printf(o, "num_threads_per_udp", "%d", srv ? srv->threads : 1);
	mc_stat_printf(o, "tcp_backlog", "%d", srv ? srv->backlog : 0);
	if (srv && srv->napi_ids)
		mc_stat_printf(o, "num_napi_ids", "%d", srv->napi_ids);
	else
		mc_stat_printf(o, "num_napi_ids", "%s", "(null)");
	mc_stats_absent(o, absent_settings, sizeof(absent_settings) /
			sizeof(absent_settings[0]));
}

/* The LRUs (one per stripe), shown as memcached's slab class 1: the age
 * is the oldest tail's. */
static void mc_stats_items(struct mc_ctx *x, const struct mc_out *o)
{
	struct mc_cache *cache = x->t->cache;
	uint64_t buckets, bytes, takes, waits;
	struct mc_stats s;
	int64_t oldest, age = 0;

	mc_cache_stats(cache, &s, &takes, &waits);
	mc_cache_sizes(cache, &buckets, &bytes, &oldest);
	if (!s.curr_items)
		return;
	if (oldest >= 0)
		age = mc_store_now(MC_ANY(x)) - oldest;
	mc_u64(o, "items:1:number", s.curr_items);
	mc_stat_printf(o, "items:1:age", "%lld", (long long)age);
	mc_u64(o, "items:1:evicted", s.evictions);
	mc_u64(o, "items:1:evicted_unfetched", s.evicted_unfetched);
	mc_u64(o, "items:1:expired_unfetched", s.expired_unfetched);
	mc_u64(o, "items:1:reclaimed", s.reclaimed);
}

static void mc_stats_slabs(struct mc_ctx *x, const struct mc_out *o)
{
	uint64_t buckets, bytes;
	int64_t oldest;

	mc_cache_sizes(x->t->cache, &buckets, &bytes, &oldest);
	mc_stat_printf(o, "active_slabs", "%d", bytes ? 1 : 0);
	mc_u64(o, "total_malloced", bytes);
}

/* stats [settings|items|slabs|sizes|reset]; others are "ERROR".  "stats
 * sizes" is memcached's with size tracking off (its default). */
int mc__cmd_stats(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const struct mc_out o = { x, mc_count_write, NULL };

	(void)arg;
	mc__store_done(x);	/* the stats visit every stripe */
	if (ntok == 2) {
		mc_stats_general(x, &o);
	} else if (mc__tok_is(&t[1], "reset")) {
		mc_cache_reset(x->t->cache);
		mc__reply(x, "RESET");
		return 0;
	} else if (mc__tok_is(&t[1], "settings")) {
		mc_stats_settings(x, &o);
	} else if (mc__tok_is(&t[1], "items")) {
		mc_stats_items(x, &o);
	} else if (mc__tok_is(&t[1], "slabs")) {
		mc_stats_slabs(x, &o);
	} else if (mc__tok_is(&t[1], "sizes")) {
		mc_stat_printf(&o, "sizes_status", "%s", "disabled");
	} else {
		mc__reply(x, "ERROR");
		return 0;
	}
	mc__write(x, "END\r\n", 5);
	return 0;
}

/* flush_all [delay] [noreply] */
int mc__cmd_flush_all(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	int32_t delay = 0;

	(void)arg;
	mc__noreply_maybe(x, t, ntok);
	MC_COUNT(x, cmd_flush);
	if (ntok != (x->c->noreply ? 3 : 2) && !mc__tok_i32(&t[1], &delay)) {
		mc__reply(x, "CLIENT_ERROR invalid exptime argument");
		return 0;
	}
	mc__store_done(x);
	mc_cache_flush(x->t->cache, delay);
	mc__reply(x, "OK");
	return 0;
}

int mc__cmd_version(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	(void)t;
	(void)ntok;
	(void)arg;
	mc__reply(x, "VERSION " MC_VERSION);
	return 0;
}

/* verbosity <level> [noreply]: stored for the server; the engine logs
 * nothing itself. */
int mc__cmd_verbosity(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	uint32_t level;

	(void)arg;
	mc__noreply_maybe(x, t, ntok);
	if (!mc__tok_u32(&t[1], &level)) {
		mc__reply(x, "CLIENT_ERROR bad command line format");
		return 0;
	}
	if (x->c->srv)
		__atomic_store_n(&x->c->srv->verbosity,
				 level > MC_MAX_VERBOSITY ? MC_MAX_VERBOSITY :
							    (int)level,
				 __ATOMIC_RELAXED);
	mc__reply(x, "OK");
	return 0;
}

/* cache_memlimit <megabytes> */
int mc__cmd_memlimit(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	uint32_t mb;

	(void)ntok;
	(void)arg;
	mc__store_done(x);	/* every stripe evicts down to it */
	if (!mc__tok_u32(&t[1], &mb))
		mc__reply(x, "ERROR");
	else if (mb < 8)
		mc__reply(x, "MEMLIMIT_TOO_SMALL cannot set maxbytes to less "
			  "than 8m");
	else if (mb > 1000000000)
		mc__reply(x, "MEMLIMIT_ADJUST_FAILED input value is megabytes "
			  "not bytes");
	else if (mc_cache_set_maxbytes(x->t->cache, (size_t)mb * 1024 * 1024))
		mc__reply(x, "MEMLIMIT_ADJUST_FAILED out of bounds or unable "
			  "to adjust");
	else
		mc__reply(x, "OK");
	return 0;
}

/* "shutdown [graceful]", as memcached 1.6: refused without -A; with it,
 * the server stops and the connection closes without an answer. */
int mc__cmd_shutdown(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	const struct mc_server *srv = x->c->srv;

	(void)arg;
	if (!srv || !srv->shutdown_cb) {
		mc__reply(x, "ERROR: shutdown not enabled");
		return 0;
	}
	if (ntok > 3 || (ntok == 3 && (t[1].len != 8 ||
					memcmp(t[1].s, "graceful", 8)))) {
		mc__reply(x, "CLIENT_ERROR invalid shutdown mode");
		return 0;
	}
	srv->shutdown_cb();
	return -1;
}

int mc__cmd_quit(struct mc_ctx *x, struct mc_tok *t, int ntok, int arg)
{
	(void)x;
	(void)t;
	(void)ntok;
	(void)arg;
	return -1;
}
