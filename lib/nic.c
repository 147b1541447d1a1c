/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nic.c: NAPI instances of a NIC through the netdev generic netlink family.
 *
 * The uapi values (compat.h) come from Linux 6.18; the Debian 12 headers
 * (6.1) predate them.  A kernel without them answers ENOENT (no family) or
 * EOPNOTSUPP/EINVAL (no command), which callers treat as "no busy poll".
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "compat.h"
#include "nic.h"


#define NL_BUF 16384

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static void put_attr(struct nlreq *r, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void req_init(struct nlreq *r, uint16_t family, uint8_t cmd,
		     uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = family;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = 1;
}

/* Send r and call cb for every reply message until done; 0 or -errno. */
static int nl_talk(int fd, struct nlreq *r,
		   void (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	char *buf = malloc(NL_BUF);
	int ret = -EIO;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	if (send(fd, r, r->n.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	while ((n = recv(fd, buf, NL_BUF, 0)) > 0) {
		struct nlmsghdr *h;
		size_t left = (size_t)n;

		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;  /* 0 is the ack of a "do" */
			}
			if (cb)
				cb(h, arg);
		}
	}
	ret = n < 0 ? -errno : -EIO;
out:
	free(buf);
	return ret;
}

/* Walk the attributes after the genl header. */
#define FOR_ATTRS(h, a, left)                                               \
	for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN),    \
	     left = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);          \
	     left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&              \
	     a->nla_len <= left;                                            \
	     left -= NLA_ALIGN(a->nla_len),                                 \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static int64_t attr_uint(const struct nlattr *a)
{
	const char *p = (const char *)a + NLA_HDRLEN;
	uint64_t v64;
	uint32_t v32;

	if (a->nla_len - NLA_HDRLEN >= 8) {
		memcpy(&v64, p, 8);
		return (int64_t)v64;
	}
	memcpy(&v32, p, 4);
	return v32;
}

static void family_cb(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *a;
	int left;

	FOR_ATTRS(h, a, left)
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(arg, (const char *)a + NLA_HDRLEN, 2);
}

/* A generic netlink socket and the id of the netdev family. */
static int nl_open(uint16_t *family)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlreq r;
	int fd, ret;

	struct timeval tv = { .tv_sec = 2 };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* Never hang on a kernel that does not answer as expected. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*family = 0;
	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
	ret = nl_talk(fd, &r, family_cb, family);
	if (ret == 0 && *family == 0)
		ret = -EOPNOTSUPP;
	if (ret < 0) {
		close(fd);
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	}
	return fd;
}

struct napi_dump {
	struct sm_napi_info *out;
	int n, max, ifindex;
};

static void napi_cb(const struct nlmsghdr *h, void *arg)
{
	struct napi_dump *d = arg;
	struct sm_napi_info z = { 0, -1, -1, -1, -1, -1, -1 };
	const struct nlattr *a;
	int left, ifindex = -1;

	FOR_ATTRS(h, a, left) {
		int64_t v = attr_uint(a);

		switch (a->nla_type) {
		case SM_NETDEV_A_NAPI_IFINDEX: ifindex = (int)v; break;
		case SM_NETDEV_A_NAPI_ID: z.id = (uint32_t)v; break;
		case SM_NETDEV_A_NAPI_IRQ: z.irq = (int32_t)v; break;
		case SM_NETDEV_A_NAPI_PID: z.pid = (int32_t)v; break;
		case SM_NETDEV_A_NAPI_DEFER_HARD_IRQS: z.defer_hard_irqs = v; break;
		case SM_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT: z.gro_flush_timeout = v; break;
		case SM_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT: z.irq_suspend_timeout = v; break;
		case SM_NETDEV_A_NAPI_THREADED: z.threaded = (int32_t)v; break;
		}
	}
	if (ifindex == d->ifindex && z.id && d->n < d->max)
		d->out[d->n++] = z;
}

int sm__napi_list(int ifindex, struct sm_napi_info *out, int max)
{
	struct napi_dump d = { out, 0, max, ifindex };
	uint32_t ifi = (uint32_t)ifindex;
	struct nlreq r;
	uint16_t fam;
	int fd = nl_open(&fam), ret;

	if (fd < 0)
		return fd;
	req_init(&r, fam, SM_NETDEV_CMD_NAPI_GET, NLM_F_DUMP);
	put_attr(&r, SM_NETDEV_A_NAPI_IFINDEX, &ifi, 4);
	ret = nl_talk(fd, &r, napi_cb, &d);
	close(fd);
	if (ret == -EINVAL)
		ret = -EOPNOTSUPP;
	return ret < 0 ? ret : d.n;
}

int sm__napi_set(uint32_t id, int64_t defer_hard_irqs,
		 int64_t gro_flush_timeout, int64_t irq_suspend_timeout)
{
	struct nlreq r;
	uint16_t fam;
	uint32_t v32;
	uint64_t v64;
	int fd = nl_open(&fam), ret;

	if (fd < 0)
		return fd;
	req_init(&r, fam, SM_NETDEV_CMD_NAPI_SET, NLM_F_ACK);
	put_attr(&r, SM_NETDEV_A_NAPI_ID, &id, 4);
	if (defer_hard_irqs >= 0) {
		v32 = (uint32_t)defer_hard_irqs;
		put_attr(&r, SM_NETDEV_A_NAPI_DEFER_HARD_IRQS, &v32, 4);
	}
	if (gro_flush_timeout >= 0) {
		v64 = (uint64_t)gro_flush_timeout;
		put_attr(&r, SM_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT, &v64, 8);
	}
	if (irq_suspend_timeout >= 0) {
		v64 = (uint64_t)irq_suspend_timeout;
		put_attr(&r, SM_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT, &v64, 8);
	}
	ret = nl_talk(fd, &r, NULL, NULL);
	close(fd);
	return ret;
}

static void queue_cb(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *a;
	int left;

	FOR_ATTRS(h, a, left)
		if (a->nla_type == SM_NETDEV_A_QUEUE_NAPI_ID)
			*(uint32_t *)arg = (uint32_t)attr_uint(a);
}

/* QUEUE_GET of one RX queue: its NAPI id (0: the driver reports none). */
static int queue_get(int ifindex, uint32_t queue, uint32_t *id)
{
	uint32_t ifi = (uint32_t)ifindex, type = 0;  /* rx */
	struct nlreq r;
	uint16_t fam;
	int fd = nl_open(&fam), ret;

	if (fd < 0)
		return fd;
	*id = 0;
	req_init(&r, fam, SM_NETDEV_CMD_QUEUE_GET, NLM_F_ACK);
	put_attr(&r, SM_NETDEV_A_QUEUE_IFINDEX, &ifi, 4);
	put_attr(&r, SM_NETDEV_A_QUEUE_TYPE, &type, 4);
	put_attr(&r, SM_NETDEV_A_QUEUE_ID, &queue, 4);
	ret = nl_talk(fd, &r, queue_cb, id);
	close(fd);
	return ret == -EINVAL ? -ENOENT : ret;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A driver that does not link its queues to NAPI instances (veth, as of
 * 6.18) but has one per RX queue, made in queue order: NAPI ids grow as
 * instances are added, so queue i has the i-th smallest id. */
static int queue_by_order(int ifindex, uint32_t queue, uint32_t *id)
{
	struct sm_napi_info all[SM__NAPI_MAX];
	uint32_t ids[SM__NAPI_MAX], nq = 0, dummy;
	int i, n = sm__napi_list(ifindex, all, SM__NAPI_MAX);

	while (nq < SM__NAPI_MAX + 1 && queue_get(ifindex, nq, &dummy) == 0)
		nq++;
	if (n <= 0 || (uint32_t)n != nq || queue >= nq)
		return -ENODATA;
	for (i = 0; i < n; i++)
		ids[i] = all[i].id;
	qsort(ids, (size_t)n, sizeof(ids[0]), cmp_u32);
	*id = ids[queue];
	return 0;
}

int sm__queue_napi(int ifindex, uint32_t queue, uint32_t *id)
{
	int ret = queue_get(ifindex, queue, id);

	if (ret == 0 && *id == 0)
		ret = queue_by_order(ifindex, queue, id);
	return ret;
}

int64_t sm__busy_poll_rx_packets(void)
{
	char names[8192], vals[8192];
	FILE *f = fopen("/proc/net/netstat", "re");
	int64_t v = -1;

	if (!f)
		return -1;
	/* Pairs of lines: "TcpExt: name name ...", "TcpExt: 1 2 ...". */
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		char *sn, *sv, *n, *val;

		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		val = strtok_r(vals, " \n", &sv);
		while (n && val) {
			if (!strcmp(n, "BusyPollRxPackets"))
				v = strtoll(val, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			val = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

/* ---- the port's dedicated NIC: per-NAPI state shared by every port ----
 *
 * Any number of ports, in any number of processes, may use one NIC, each
 * a few of its NAPI instances (its queues) or all of them.  The original
 * settings of a NAPI instance must come back when its last user goes,
 * whether it closed or crashed.  State, in SM_STATE_DIR (default
 * /run/stackmap):
 *
 *   nic.lock          flock LOCK_EX around every open and close below: no
 *                     two ports (threads or processes) change state at once
 *   napi-ID.users     every port using NAPI instance ID holds LOCK_SH on
 *                     its own open of this file; the kernel lets go when
 *                     the process dies, however it dies
 *   napi-ID.saved     ID's original settings, written (tmp, fsync,
 *                     rename) before the first user changes them
 *
 * Open: LOCK_EX|LOCK_NB on napi-ID.users succeeds only when no live port
 * uses ID.  Then a napi-ID.saved left behind is a crashed user's: its
 * values are the originals (what is in force now is the crash's).  Else
 * the current values are.  They are saved, and only once they are on
 * disk are ours applied; then the lock goes down to LOCK_SH.  When other
 * users are live, the settings are already theirs: we take LOCK_SH.
 * Close: LOCK_EX|LOCK_NB again; it succeeds for the last user only, who
 * restores the originals and removes the files.  (flock's conversion is
 * not atomic, but nobody else converts while we hold nic.lock.)
 */

static const char *state_dir(void)
{
	const char *d = secure_getenv("SM_STATE_DIR");

	return d && *d ? d : "/run/stackmap";
}

static int state_file(char *buf, size_t cap, const char *name, uint32_t id)
{
	int n = id ? snprintf(buf, cap, "%s/napi-%u.%s", state_dir(), id, name)
		   : snprintf(buf, cap, "%s/%s", state_dir(), name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* The global lock, held: its fd, or -errno. */
static int state_lock(void)
{
	char path[512];
	int fd, ret;

	(void)mkdir(state_dir(), 0700);
	ret = state_file(path, sizeof(path), "nic.lock", 0);
	if (ret < 0)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}

static void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);  /* drops the lock */
}

/* The originals of z from napi-ID.saved: 0, -ENOENT or -errno. */
static int saved_read(struct sm_napi_info *z)
{
	char path[512];
	uint32_t id;
	FILE *f;
	int ret = state_file(path, sizeof(path), "saved", z->id);

	if (ret < 0)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = fscanf(f, "%u %" SCNd64 " %" SCNd64 " %" SCNd64, &id,
		     &z->defer_hard_irqs, &z->gro_flush_timeout,
		     &z->irq_suspend_timeout) == 4 && id == z->id ? 0 : -EINVAL;
	fclose(f);
	return ret;
}

/* Write z's settings to napi-ID.saved, durably: 0 or -errno. */
static int saved_write(const struct sm_napi_info *z)
{
	char path[512], tmp[600];
	int fd, ret = state_file(path, sizeof(path), "saved", z->id);
	FILE *f;

	if (ret < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		return ret;
	}
	fprintf(f, "%u %" PRId64 " %" PRId64 " %" PRId64 "\n", z->id,
		z->defer_hard_irqs, z->gro_flush_timeout, z->irq_suspend_timeout);
	ret = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -errno;
	if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		(void)unlink(tmp);
	return ret;
}

static void saved_remove(uint32_t id)
{
	char path[512];

	if (state_file(path, sizeof(path), "saved", id) == 0)
		(void)unlink(path);
	if (state_file(path, sizeof(path), "users", id) == 0)
		(void)unlink(path);
}

static bool cfg_sets_napi(const struct sm_config *cfg)
{
	return cfg->napi_defer_hard_irqs >= 0 || cfg->napi_gro_flush_ns >= 0 ||
	       cfg->napi_irq_suspend_ns >= 0;
}

/* Put z's saved (original) settings back on the NIC. */
static void napi_put_back(const struct sm_napi_info *z)
{
	(void)sm__napi_set(z->id, z->defer_hard_irqs, z->gro_flush_timeout,
			   z->irq_suspend_timeout);
}

/* The first user of z: save the originals (a crashed user's file wins),
 * then apply cfg's.  0 or -errno, with nothing applied. */
static int first_use(struct sm__nic *n, struct sm_napi_info *z,
		     const struct sm_config *cfg)
{
	int ret;

	if (saved_read(z) == 0)
		n->recovered = true;
	else if ((ret = saved_write(z)) < 0)
		return ret;  /* never change what we could not save */
	ret = sm__napi_set(z->id, cfg->napi_defer_hard_irqs,
			   cfg->napi_gro_flush_ns, cfg->napi_irq_suspend_ns);
	if (ret < 0) {
		napi_put_back(z);
		saved_remove(z->id);  /* no stale file for the next one */
	}
	return ret;
}

/* Become a user of NAPI instance i (under the global lock). */
static int napi_join(struct sm__nic *n, int i, const struct sm_config *cfg)
{
	struct sm_napi_info *z = &n->saved[i];
	char path[512];
	int fd, ret = state_file(path, sizeof(path), "users", z->id);

	if (ret < 0)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		ret = first_use(n, z, cfg);
	else  /* live users: theirs are in force; theirs are the originals */
		(void)saved_read(z);
	if (ret == 0 && flock(fd, LOCK_SH) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	n->users[i] = fd;
	return 0;
}

/* Stop using NAPI instance i (under the global lock); the last user puts
 * the originals back. */
static void napi_leave(struct sm__nic *n, int i)
{
	struct sm_napi_info *z = &n->saved[i];

	if (n->users[i] < 0)
		return;
	if (flock(n->users[i], LOCK_EX | LOCK_NB) == 0) {
		napi_put_back(z);
		saved_remove(z->id);
	}
	close(n->users[i]);
	n->users[i] = -1;
}

/* Apply the config's per-NAPI settings to the port's NAPI instances. */
static int napi_apply(struct sm__nic *n, const struct sm_config *cfg)
{
	int i, lock, ret = 0;

	if (!cfg_sets_napi(cfg))
		return 0;
	/* A NAPI_SET that changes nothing: -EPERM without CAP_NET_ADMIN,
	 * before any state file is touched. */
	ret = sm__napi_set(n->saved[0].id, -1, -1, -1);
	if (ret < 0)
		return ret;
	lock = state_lock();
	if (lock < 0)
		return lock;
	for (i = 0; i < n->n && ret == 0; i++)
		ret = napi_join(n, i, cfg);
	if (ret < 0)
		while (i-- > 0)
			napi_leave(n, i);
	state_unlock(lock);
	n->applied = ret == 0;
	return ret;
}

/* Keep only the NAPI instances of RX queues first..first+count-1. */
static int pick_queues(struct sm__nic *n, int32_t first, uint32_t count)
{
	struct sm_napi_info all[SM__NAPI_MAX];
	uint32_t q, id;
	int i, k = 0, ret;

	memcpy(all, n->saved, sizeof(all[0]) * (size_t)n->n);
	for (q = (uint32_t)first; q < (uint32_t)first + count; q++) {
		ret = sm__queue_napi(n->ifindex, q, &id);
		if (ret < 0)
			return ret;
		for (i = 0; i < n->n && all[i].id != id; i++)
			;
		if (i == n->n)
			return -ENODATA;
		for (ret = 0; ret < k && n->saved[ret].id != id; ret++)
			;
		if (ret == k)  /* two queues may share one NAPI */
			n->saved[k++] = all[i];
	}
	n->n = k;
	return 0;
}

int sm__nic_open(struct sm__nic *n, const struct sm_config *cfg,
		 int (*busy_poll)(void *arg, const uint32_t *ids, int n),
		 void *arg)
{
	uint32_t ids[SM__NAPI_MAX];
	int i, ret;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < SM__NAPI_MAX; i++)
		n->users[i] = -1;
	n->ifindex = (int)if_nametoindex(cfg->ifname);
	if (n->ifindex == 0)
		return -ENODEV;
	n->rx_base = sm__busy_poll_rx_packets();
	n->n = sm__napi_list(n->ifindex, n->saved, SM__NAPI_MAX);
	if (n->n > 0 && cfg->nic_queue >= 0) {
		ret = pick_queues(n, cfg->nic_queue, cfg->nic_queues);
		if (ret < 0)
			return ret;
	}
	if (n->n <= 0) {
		/* No NAPI: a veth without GRO or XDP, or an old kernel. */
		n->err = n->n < 0 ? n->n : -ENODATA;
		n->n = 0;
		return 0;
	}
	n->err = napi_apply(n, cfg);
	for (i = 0; i < n->n; i++)
		ids[i] = n->saved[i].id;
	ret = busy_poll(arg, ids, n->n);
	if (ret < 0 && !n->err)
		n->err = ret;
	n->busy_poll = ret == 0;
	return 0;
}

void sm__nic_close(struct sm__nic *n)
{
	int i, lock;

	if (!n->applied)
		return;
	lock = state_lock();
	/* Without the lock (state dir gone), still let go of ours. */
	for (i = 0; i < n->n; i++)
		napi_leave(n, i);
	state_unlock(lock);
	n->applied = false;
}

bool sm__nic_owns(const struct sm__nic *n, int fd)
{
	uint32_t id = 0;
	socklen_t len = sizeof(id);
	int i;

	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &id, &len) < 0)
		return true;  /* cannot tell: do not count */
	for (i = 0; i < n->n; i++)
		if (n->saved[i].id == id)
			return true;
	return false;
}

int sm_nic_queue_napi(const char *ifname, uint32_t queue, uint32_t *napi_id)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return sm__queue_napi(ifindex, queue, napi_id);
}

int sm_nic_napis(const char *ifname, struct sm_napi_info *out, int max)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return sm__napi_list(ifindex, out, max);
}
