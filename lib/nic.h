/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nic.h: a dedicated NIC's NAPI instances, through the "netdev" generic
 * netlink family (NAPI_GET, NAPI_SET; Linux 6.9 / 6.13), without libnl.
 */
#ifndef SM_NIC_H
#define SM_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "stackmap.h"

#define SM__NAPI_MAX 256

/* NAPI instances of interface ifindex; returns how many (<= max) or
 * -errno (-EOPNOTSUPP: no netdev family or no NAPI_GET). */
int sm__napi_list(int ifindex, struct sm_napi_info *out, int max);

/* Set the tunables of NAPI id (a value < 0 is left alone); 0 or -errno
 * (-EPERM without CAP_NET_ADMIN). */
int sm__napi_set(uint32_t id, int64_t defer_hard_irqs,
		 int64_t gro_flush_timeout, int64_t irq_suspend_timeout);

/* The NAPI id of RX queue `queue` of ifindex: 0 and *id, or -errno
 * (-ENOENT no such queue, -ENODATA the queue has no NAPI instance). */
int sm__queue_napi(int ifindex, uint32_t queue, uint32_t *id);

/* A port's dedicated NIC, or its queues of it. */
struct sm__nic {
	int ifindex;
	int n;                          /* NAPI instances this port polls */
	struct sm_napi_info saved[SM__NAPI_MAX]; /* original settings */
	int users[SM__NAPI_MAX];        /* held LOCK_SH: this port uses it */
	bool applied;                   /* our settings are in force */
	bool recovered;                 /* originals from a crashed port */
	bool busy_poll;
	int err;                        /* what did not work, -errno */
	int64_t rx_base;                /* BusyPollRxPackets at open */
};

/* Look the NIC up (its queues cfg->nic_queue.., or all of it), apply the
 * per-NAPI settings (saving the originals, shared with every other port
 * and process on the same NAPI instances: see nic.c), and register busy
 * polling through busy_poll(arg, ids, n).  Fails for an unknown
 * interface (-ENODEV) or queue (-ENOENT, -ENODATA); what else fails is
 * kept in n->err and the port runs without it. */
int sm__nic_open(struct sm__nic *n, const struct sm_config *cfg,
		 int (*busy_poll)(void *arg, const uint32_t *ids, int n),
		 void *arg);
/* Let go of the NAPI instances; the last user restores the originals.
 * Safe to call twice. */
void sm__nic_close(struct sm__nic *n);
/* False if socket fd's traffic came through another NAPI than the NIC's. */
bool sm__nic_owns(const struct sm__nic *n, int fd);

/* The kernel's TcpExtBusyPollRxPackets (this network namespace), or -1. */
int64_t sm__busy_poll_rx_packets(void);

#endif
