/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * listen.c: the listeners of a group of ports (control path, no engine).
 *
 * One listener per port, all bound to one address in a SO_REUSEPORT
 * group: the kernel spreads new connections over them by a hash of the
 * 4-tuple, so each port (each thread) accepts its share with no lock and
 * no hand-off.  With a CPU per port, a classic BPF program chooses the
 * listener instead: the one whose CPU processed the connection's SYN,
 * which is the CPU of the NIC queue the flow hashes to (RSS) when each
 * queue's interrupt and NAPI thread are pinned to its port's CPU.  Then a
 * connection's queue, NAPI, thread and core are one (memcached's -N by
 * NAPI id, and the IRQ-suspension paper's setup, do the same).
 *
 * The kernel's TCP features are socket options of the listener, which
 * accepted connections inherit: Fast Open, deferred accept, congestion
 * control, and MPTCP as the listener's protocol.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sm_internal.h"

#define SM__GROUP_MAX 1024

/* A reuseport program's answer is an index into the group, in the order
 * the sockets listened; an index past the group makes the kernel fall
 * back to its hash.  So: A = the SYN's CPU; for each i, "if A == cpus[i]
 * return i"; else return n (the hash). */
static int attach_steering(int fd, int n, const int *cpus)
{
	struct sock_filter prog[2 + 2 * SM__GROUP_MAX];
	struct sock_fprog fp;
	int i, k = 0;

	prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 SKF_AD_OFF + SKF_AD_CPU);
	for (i = 0; i < n; i++) {
		/* equal: fall to the next instruction (return i); else skip it */
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
							 BPF_K, (uint32_t)cpus[i], 0, 1);
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							 (uint32_t)i);
	}
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (uint32_t)n);
	fp.len = (unsigned short)k;
	fp.filter = prog;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp,
		       sizeof(fp)) < 0)
		return -errno;
	return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port_be)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = port_be;
	else
		((struct sockaddr_in *)ss)->sin_port = port_be;
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ?
	       ((const struct sockaddr_in6 *)ss)->sin6_port :
	       ((const struct sockaddr_in *)ss)->sin_port;
}

/* The caller's options (NULL: the defaults), read at its size. */
static int read_opts(struct sm_listen_opts *o, const struct sm_listen_opts *in)
{
	sm_listen_opts_init(o);
	if (!in)
		return 0;
	if (in->size < offsetof(struct sm_listen_opts, backlog) +
		       sizeof(in->backlog))
		return -EINVAL;
	if (sm__struct_read(o, sizeof(*o), in, in->size) < 0)
		return -E2BIG;
	o->size = sizeof(*o);
	if (o->backlog < 0 || o->fastopen < 0 || o->defer_accept < 0 ||
	    o->v6only < -1 || o->v6only > 1)
		return -EINVAL;
	return 0;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* The options that must be set before bind(), then those of a TCP
 * listener; each only when asked, so the kernel's defaults stay. */
static int set_opts(int fd, int family, const struct sm_listen_opts *o,
		    bool reuseport)
{
	int ret = setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);

	if (!ret && reuseport)
		ret = setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!ret && family == AF_INET6 && o->v6only >= 0)
		ret = setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, o->v6only);
	if (!ret && o->fastopen)
		ret = setint(fd, IPPROTO_TCP, TCP_FASTOPEN, o->fastopen);
	if (!ret && o->defer_accept)
		ret = setint(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, o->defer_accept);
	if (!ret && o->congestion &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, o->congestion,
		       (socklen_t)strlen(o->congestion)) < 0)
		ret = -errno;
	return ret;
}

/* One member: bound to ss (whose port the first member fills in). */
static int member(struct sockaddr_storage *ss, socklen_t len,
		  const struct sm_listen_opts *o, bool reuseport)
{
	int fd, ret;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC,
		    o->mptcp ? IPPROTO_MPTCP : 0);
	if (fd < 0)
		return o->mptcp && (errno == EINVAL || errno == ENOPROTOOPT) ?
		       -EPROTONOSUPPORT : -errno;
	ret = set_opts(fd, ss->ss_family, o, reuseport);
	if (!ret && (bind(fd, (struct sockaddr *)ss, len) < 0 ||
		     listen(fd, o->backlog) < 0 ||
		     getsockname(fd, (struct sockaddr *)ss, &len) < 0))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int sm_listen(const struct sockaddr *sa, socklen_t salen,
	      const struct sm_listen_opts *opts, int n, const int *cpus,
	      int *fds)
{
	struct sm_listen_opts o;
	struct sockaddr_storage ss;
	int i, ret;

	if (!sa || !fds || n < 1 || n > SM__GROUP_MAX || salen > sizeof(ss) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return -EINVAL;
	for (i = 0; cpus && i < n; i++)
		if (cpus[i] < 0)
			return -EINVAL;
	ret = read_opts(&o, opts);
	if (ret)
		return ret;
	if (cpus && n == 1 && !o.reuseport)
		return -EINVAL;  /* steering picks among a group's members */
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen);
	for (i = 0; i < n && ret >= 0; i++) {
		ret = fds[i] = member(&ss, salen, &o, n > 1 || o.reuseport);
		/* Port 0: the others join the port the first one got. */
		set_port(&ss, get_port(&ss));
	}
	if (ret >= 0 && cpus)
		ret = attach_steering(fds[0], n, cpus);
	if (ret < 0) {
		while (i-- > 0)
			if (fds[i] >= 0)
				close(fds[i]);
		return ret;
	}
	return 0;
}

int sm_listen_group(const struct sockaddr *sa, socklen_t salen, int backlog,
		    int n, const int *cpus, int *fds)
{
	struct sm_listen_opts o;

	sm_listen_opts_init(&o);
	o.backlog = backlog;
	o.reuseport = 1;
	return sm_listen(sa, salen, &o, n, cpus, fds);
}
