/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * abi.c: the structs a program allocates and hands to the library
 * (sm_config, sm_stats, sm_listen_opts), read and written at the
 * caller's size, and the symbols kept for binaries built before.
 *
 * A struct grows at its end.  Each carries, or each call is given, the
 * caller's sizeof, and the library copies that many bytes, as the kernel
 * does for openat2() and clone3() (copy_struct_from_user): fields the
 * caller's struct lacks keep their defaults, and bytes of a larger
 * struct (a program built against a newer header) must be zero.
 *
 * sm_config_init() and sm_stats() were functions up to 0.4 and are
 * inline over *_size() since 0.5.  The old symbols stay, at the 0.4
 * layout, under their old version node (.symver), so that binaries
 * linked then bind to them and run unchanged.
 */
#include <errno.h>
#include <string.h>

#include "sm_internal.h"

#define SM__DEF_BUFS 8192
#define SM__DEF_BUF_SIZE 2048
#define SM__DEF_RING 1024
#define SM__DEF_CONNS 65536
/* See docs/architecture.md, "SEND_ZC threshold", for the measurement. */
#define SM__DEF_ZC_THRESHOLD 65536

/* What a 0.4 program's structs hold: sm_config up to nic_queues (its
 * size field was a reserved flags, 0), sm_stats up to
 * busy_poll_rx_packets.  These never change. */
#define SM__CONFIG_V1 (offsetof(struct sm_config, nic_queues) + sizeof(uint32_t))
#define SM__STATS_V1 (offsetof(struct sm_stats, busy_poll_rx_packets) + \
		      sizeof(int64_t))

int sm__struct_read(void *dst, size_t dsize, const void *in, size_t isize)
{
	const unsigned char *extra = (const unsigned char *)in + dsize;
	size_t i;

	for (i = 0; isize > dsize && i < isize - dsize; i++)
		if (extra[i])
			return -E2BIG;
	memcpy(dst, in, isize < dsize ? isize : dsize);
	return 0;
}

static void config_defaults(struct sm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine = SM_ENGINE_AUTO;
	cfg->num_bufs = SM__DEF_BUFS;
	cfg->buf_size = SM__DEF_BUF_SIZE;
	cfg->ring_size = SM__DEF_RING;
	cfg->max_conns = SM__DEF_CONNS;
	cfg->zc_threshold = SM__DEF_ZC_THRESHOLD;
	cfg->busy_poll_usec = 50;
	cfg->busy_poll_budget = 64;
	/* While the app polls, the NIC's interrupts stay deferred (100
	 * polls without work) and GRO-held packets wait at most 200 us; after
	 * a poll that found events, interrupts stay off for up to 20 ms
	 * (Documentation/networking/napi.rst, "IRQ suspension"). */
	cfg->napi_defer_hard_irqs = 100;
	cfg->napi_gro_flush_ns = 200000;
	cfg->napi_irq_suspend_ns = 20000000;
	cfg->nic_queue = -1;
	cfg->nic_queues = 1;
	cfg->size = sizeof(*cfg);
}

/* Defaults into the caller's size bytes of dst, and a zeroed tail the
 * library does not know (a program built against a newer header). */
static void put_defaults(void *dst, size_t size, const void *d, size_t dsize)
{
	if (size > dsize)
		memset((char *)dst + dsize, 0, size - dsize);
	memcpy(dst, d, size < dsize ? size : dsize);
}

void sm_config_init_size(struct sm_config *cfg, size_t size)
{
	struct sm_config d;

	if (size < SM__CONFIG_V1 || size > UINT32_MAX)
		return;  /* no such program: nothing is safe to write */
	config_defaults(&d);
	put_defaults(cfg, size, &d, sizeof(d));
	cfg->size = (uint32_t)size;
}

void sm_listen_opts_init_size(struct sm_listen_opts *o, size_t size)
{
	struct sm_listen_opts d;

	if (size < sizeof(o->size) || size > UINT32_MAX)
		return;
	memset(&d, 0, sizeof(d));
	d.backlog = 4096;
	d.v6only = -1;
	put_defaults(o, size, &d, sizeof(d));
	o->size = (uint32_t)size;
}

int sm__config_read(struct sm_config *cfg, const struct sm_config *caller)
{
	size_t size;

	config_defaults(cfg);
	if (!caller)
		return 0;
	size = caller->size ? caller->size : SM__CONFIG_V1;
	if (size < SM__CONFIG_V1)
		return -EINVAL;
	if (sm__struct_read(cfg, sizeof(*cfg), caller, size) < 0)
		return -E2BIG;
	cfg->size = sizeof(*cfg);
	return 0;
}

void sm_stats_size(struct sm_port *port, struct sm_stats *st, size_t size)
{
	struct sm_stats own;

	sm__stats(port, &own);
	put_defaults(st, size, &own, sizeof(own));
}

uint32_t sm_version(void)
{
	return SM_VERSION;
}

/* The 0.1 symbols, for binaries linked against 0.4 or before: their
 * structs are of the V1 size.  Not reachable from C programs built now,
 * whose sm_config_init() and sm_stats() are the inline ones. */
void sm__config_init_v1(struct sm_config *cfg);
void sm__stats_v1(struct sm_port *port, struct sm_stats *st);

__asm__(".symver sm__config_init_v1, sm_config_init@STACKMAP_0.1");
void sm__config_init_v1(struct sm_config *cfg)
{
	sm_config_init_size(cfg, SM__CONFIG_V1);
	cfg->size = 0;  /* the "flags" of 0.4, which sm_open read as 0 */
}

__asm__(".symver sm__stats_v1, sm_stats@STACKMAP_0.1");
void sm__stats_v1(struct sm_port *port, struct sm_stats *st)
{
	sm_stats_size(port, st, SM__STATS_V1);
}
