/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compat.h: the one place for kernel uapi values that are newer than the
 * headers we build against (Debian 12: liburing 2.3, Linux 6.1 uapi):
 * io_uring, epoll busy-poll parameters, the netdev netlink family.  Every
 * value here is probed at run time before use; a kernel without it makes
 * the feature fall back, never fail.
 */
#ifndef SM_COMPAT_H
#define SM_COMPAT_H

#include <liburing.h>
#include <stdint.h>

/* Linux 6.0 */
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_RECV_MULTISHOT
#define IORING_RECV_MULTISHOT (1U << 1)
#endif
#ifndef IORING_CQE_F_NOTIF
#define IORING_CQE_F_NOTIF (1U << 3)
#endif
/* Linux 6.1 */
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

/* Linux 6.9: NAPI busy polling registered on the ring. */
#ifndef IORING_REGISTER_NAPI
#define IORING_REGISTER_NAPI 27
#define IORING_UNREGISTER_NAPI 28
struct io_uring_napi {
	uint32_t busy_poll_to;
	uint8_t prefer_busy_poll;
	uint8_t opcode;     /* Linux 6.13: IO_URING_NAPI_* below */
	uint8_t pad[2];
	uint32_t op_param;
	uint32_t resv;
};
#endif
/* Linux 6.13: static NAPI id tracking. */
#ifndef IO_URING_NAPI_REGISTER_OP
#define IO_URING_NAPI_REGISTER_OP 0
#define IO_URING_NAPI_STATIC_ADD_ID 1
#define IO_URING_NAPI_STATIC_DEL_ID 2
#define IO_URING_NAPI_TRACKING_DYNAMIC 0
#define IO_URING_NAPI_TRACKING_STATIC 1
#define IO_URING_NAPI_TRACKING_INACTIVE 255
#endif

/* Linux 6.9: per-epoll-instance busy polling. */
#include <sys/ioctl.h>
#ifndef EPIOCSPARAMS
struct epoll_params {
	uint32_t busy_poll_usecs;
	uint16_t busy_poll_budget;
	uint8_t prefer_busy_poll;
	uint8_t __pad;
};
#define EPOLL_IOC_TYPE 0x8A
#define EPIOCSPARAMS _IOW(EPOLL_IOC_TYPE, 0x01, struct epoll_params)
#define EPIOCGPARAMS _IOR(EPOLL_IOC_TYPE, 0x02, struct epoll_params)
#endif

/* Linux 6.9-6.18 netdev family (include/uapi/linux/netdev.h). */
#define SM_NETDEV_CMD_QUEUE_GET 10           /* 6.8 */
#define SM_NETDEV_CMD_NAPI_GET 11
#define SM_NETDEV_CMD_NAPI_SET 14
enum {
	SM_NETDEV_A_NAPI_IFINDEX = 1,
	SM_NETDEV_A_NAPI_ID,
	SM_NETDEV_A_NAPI_IRQ,
	SM_NETDEV_A_NAPI_PID,
	SM_NETDEV_A_NAPI_DEFER_HARD_IRQS,       /* 6.13 */
	SM_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT,     /* 6.13 */
	SM_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT,   /* 6.13 */
	SM_NETDEV_A_NAPI_THREADED,              /* 6.17 */
};

enum {
	SM_NETDEV_A_QUEUE_ID = 1,
	SM_NETDEV_A_QUEUE_IFINDEX,
	SM_NETDEV_A_QUEUE_TYPE,                 /* 0 rx, 1 tx */
	SM_NETDEV_A_QUEUE_NAPI_ID,
};

#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID 56
#endif

#endif /* SM_COMPAT_H */
