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

/* ---- the port's dedicated NIC ---- */

/* Where the NIC's original NAPI settings are kept while a port has them
 * changed: a crashed app leaves the file behind, and the next port on the
 * NIC restores the originals from it, not the values the crash left. */
static void state_path(const struct sm__nic *n, char *buf, size_t cap)
{
	const char *dir = getenv("SM_STATE_DIR");
	struct stat st;
	unsigned long ns = 0;

	if (stat("/proc/self/ns/net", &st) == 0)
		ns = (unsigned long)st.st_ino;
	snprintf(buf, cap, "%s/napi-%lu-%d.saved", dir && *dir ? dir :
		 "/run/stackmap", ns, n->ifindex);
}

static void state_save(struct sm__nic *n)
{
	char path[512], tmp[600];
	FILE *f;
	int i;

	state_path(n, path, sizeof(path));
	f = fopen(path, "re");
	if (f) {  /* left by a port that did not close: those are the originals */
		struct sm_napi_info z;

		while (fscanf(f, "%u %" SCNd64 " %" SCNd64 " %" SCNd64, &z.id,
			      &z.defer_hard_irqs, &z.gro_flush_timeout,
			      &z.irq_suspend_timeout) == 4)
			for (i = 0; i < n->n; i++)
				if (n->saved[i].id == z.id) {
					n->saved[i].defer_hard_irqs = z.defer_hard_irqs;
					n->saved[i].gro_flush_timeout = z.gro_flush_timeout;
					n->saved[i].irq_suspend_timeout = z.irq_suspend_timeout;
				}
		fclose(f);
		n->recovered = true;
		return;
	}
	(void)mkdir(getenv("SM_STATE_DIR") ? getenv("SM_STATE_DIR") :
		    "/run/stackmap", 0700);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	for (i = 0; i < n->n; i++)
		fprintf(f, "%u %" PRId64 " %" PRId64 " %" PRId64 "\n",
			n->saved[i].id, n->saved[i].defer_hard_irqs,
			n->saved[i].gro_flush_timeout,
			n->saved[i].irq_suspend_timeout);
	if (fclose(f) == 0)
		(void)rename(tmp, path);
}

static void napi_restore(struct sm__nic *n, int upto)
{
	int i;

	for (i = 0; i < upto; i++)
		(void)sm__napi_set(n->saved[i].id, n->saved[i].defer_hard_irqs,
				   n->saved[i].gro_flush_timeout,
				   n->saved[i].irq_suspend_timeout);
}

/* Apply the config's per-NAPI settings to every NAPI of the NIC. */
static int napi_apply(struct sm__nic *n, const struct sm_config *cfg)
{
	int i, ret;

	if (cfg->napi_defer_hard_irqs < 0 && cfg->napi_gro_flush_ns < 0 &&
	    cfg->napi_irq_suspend_ns < 0)
		return 0;
	state_save(n);
	for (i = 0; i < n->n; i++) {
		ret = sm__napi_set(n->saved[i].id, cfg->napi_defer_hard_irqs,
				   cfg->napi_gro_flush_ns,
				   cfg->napi_irq_suspend_ns);
		if (ret < 0) {
			napi_restore(n, i);
			return ret;
		}
	}
	n->applied = true;
	return 0;
}

int sm__nic_open(struct sm__nic *n, const struct sm_config *cfg,
		 int (*busy_poll)(void *arg, const uint32_t *ids, int n),
		 void *arg)
{
	uint32_t ids[SM__NAPI_MAX];
	int i, ret;

	memset(n, 0, sizeof(*n));
	n->ifindex = (int)if_nametoindex(cfg->ifname);
	if (n->ifindex == 0)
		return -ENODEV;
	n->rx_base = sm__busy_poll_rx_packets();
	n->n = sm__napi_list(n->ifindex, n->saved, SM__NAPI_MAX);
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
	char path[512];

	if (!n->applied)
		return;
	napi_restore(n, n->n);
	state_path(n, path, sizeof(path));
	(void)unlink(path);
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

int sm_nic_napis(const char *ifname, struct sm_napi_info *out, int max)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return sm__napi_list(ifindex, out, max);
}
