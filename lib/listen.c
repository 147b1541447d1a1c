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
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
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

/* One member: bound to ss (whose port the first member fills in). */
static int member(struct sockaddr_storage *ss, socklen_t len, int backlog)
{
	int fd, one = 1, ret;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)ss, len) < 0 ||
	    listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, &len) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int sm_listen_group(const struct sockaddr *sa, socklen_t salen, int backlog,
		    int n, const int *cpus, int *fds)
{
	struct sockaddr_storage ss;
	int i, ret = 0;

	if (!sa || n < 1 || n > SM__GROUP_MAX || salen > sizeof(ss) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return -EINVAL;
	for (i = 0; cpus && i < n; i++)
		if (cpus[i] < 0)
			return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen);
	for (i = 0; i < n && ret >= 0; i++) {
		ret = fds[i] = member(&ss, salen, backlog);
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
