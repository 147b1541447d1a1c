/* fuzz_mc_conn: sm-memcached's per-connection code (mcd_ops) on a client byte stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_sim.h"
#include "memcached.h"
#include "stackmap.h"
#include "fuzz.h"

/*
 * Input: a 4-byte header, then the bytes the client sends.
 *   byte 0, bit 0:    memory limit 16 KiB (evictions) instead of 1 MiB
 *           bits 1-2: chunk scale 1, 7, 61 or 1021 bytes
 *           bits 3-4: the clock advances 0, 1, 7 or 86400 s per step
 *           bit 5:    the client closes (EOF) after its last byte
 *           bit 6:    out_limit 4 KiB instead of sm-memcached's 4 items
 *           bit 7:    no sync until the end: the TX ring fills up
 *   bytes 1-3, for chunk i, b = byte[1 + i % 3]:
 *           bits 0-5: the chunk is 1 + (b & 63) * scale bytes long
 *           bit 6:    same round (srv_step) as the chunk before
 *           bit 7:    the clock advances one step first (a round runs
 *                     at the clock its last chunk set)
 * A connection the server closed is followed by a new one (same fd) on
 * the same store.
 */
#define HDR 4
#define FD 7
#define ITEM_MAX 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sm_port *port;
static int64_t clock_s;

static int64_t fuzz_clock(void *arg)
{
	(void)arg;
	return clock_s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sm_config cfg;

	(void)argc;
	(void)argv;
	sm_config_init(&cfg);
	cfg.engine = SM_ENGINE_EPOLL;
	cfg.ring_size = 64;
	cfg.num_bufs = 512;
	cfg.max_conns = 16;
	CHECK(sm_open(&port, &cfg) == 0);
	return 0;
}

/* sm-memcached's stats_cb, in short: the datapath counters. */
static void stats_cb(void *arg, const struct mc_out *out)
{
	struct sm_stats st;

	sm_stats(arg, &st);
	mc_stat_printf(out, "sm_engine", "%s", sm_engine_name(sm_engine(arg)));
	mc_stat_printf(out, "sm_bad_slots", "%llu",
		       (unsigned long long)st.bad_slots);
}

/* Every byte written is read, so ASan checks it was valid to send. */
static void inspect(void *arg, const char *p, size_t n)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (unsigned char)p[i];
	*(volatile unsigned *)arg += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t scales[] = { 1, 7, 61, 1021 };
	static const int64_t steps[] = { 0, 1, 7, 86400 };
	volatile unsigned sum = 0;
	struct mcd_shared sh;
	struct mcd m;
	struct csim k;
	size_t off = HDR, i = 0, n;
	uint64_t now_ms = 1000000;
	int64_t step;
	struct srv_limits lim = SRV_LIMITS_DEFAULT;
	bool sync;

	if (size < HDR)
		return 0;
	memset(&m, 0, sizeof(m));
	memset(&sh, 0, sizeof(sh));
	m.sh = &sh;
	sh.nworkers = 1;
	sh.workers = &m;
	clock_s = 1700000000;
	CHECK(mc_cache_init(&sh.cache, 1, false,
			    data[0] & 1 ? 16u << 10 : 1u << 20, ITEM_MAX) == 0);
	mc_cache_set_clock(&sh.cache, fuzz_clock, NULL);
	sh.cache.stripes[0].st.started = clock_s;
	mc_thread_init(&m.mt, &sh.cache);
	sh.info.maxconns = 16;
	sh.info.tcpport = 11211;
	sh.info.threads = 1;
	sh.info.stats_cb = stats_cb;
	sh.info.stats_arg = port;
	lim.out_limit = data[0] & 0x40 ? 4096 : 4 * ITEM_MAX;
	srv_init(&m.srv, port, &mcd_ops, &m, &lim);
	step = steps[(data[0] >> 3) & 3];
	sync = !(data[0] & 0x80);
	csim_init(&k, &m.srv, FD, now_ms, inspect, (void *)&sum);
	while (off < size) {
		uint8_t b = data[1 + i % 3];

		n = 1 + (b & 63) * scales[(data[0] >> 1) & 3];
		if (n > size - off)
			n = size - off;
		if (i > 0 && !(b & 0x40))
			csim_round(&k, now_ms, sync);
		if (b & 0x80) {
			clock_s += step;
			now_ms += (uint64_t)step * 1000;
		}
		csim_data(&k, data + off, n);
		off += n;
		i++;
	}
	if (data[0] & 0x20)
		csim_eof(&k);
	csim_round(&k, now_ms, sync);
	CHECK(csim_finish(&k, now_ms, 1000));
	csim_fini(&k);
	srv_fini(&m.srv);
	CHECK(sh.cache.budget.used <= sh.cache.budget.maxbytes);
	mc_cache_destroy(&sh.cache);
	return 0;
}
