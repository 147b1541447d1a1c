/* SPDX-License-Identifier: BSD-2-Clause */
/* workers.c: a port per worker thread, listeners in one reuseport group. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "server.h"
#include "util.h"
#include "workers.h"

/* The listeners: one plain socket for one worker (a second server on the
 * same port then fails as it should), else a SO_REUSEPORT group. */
static int listeners(struct workers *w, const char *addr, int *port,
		     const struct sm_listen_opts *lo)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret, i;

	if (util_sockaddr(addr, *port, &ss, &len) < 0)
		return -EINVAL;
	/* Steering needs a group: one listener takes every connection. */
	ret = sm_listen((struct sockaddr *)&ss, len, lo, w->n,
			w->n > 1 && w->ncpus >= w->n ? w->cpus : NULL,
			w->lfds);
	if (ret < 0) {
		for (i = 0; i < w->n; i++)
			w->lfds[i] = -1;
		return ret;
	}
	ret = util_bound_port(w->lfds[0]);
	if (ret > 0)
		*port = ret;
	return 0;
}

/* RX queues of ifname that have a NAPI instance we can name (0: none,
 * or a kernel without QUEUE_GET). */
static int nic_queues(const char *ifname)
{
	uint32_t id;
	int q = 0;

	while (q < 4096 && sm_nic_queue_napi(ifname, (uint32_t)q, &id) == 0)
		q++;
	return q;
}

/* The one CPU that set holds, or -1. */
static int only_cpu(const cpu_set_t *set)
{
	int c;

	for (c = 0; CPU_COUNT(set) == 1 && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set))
			return c;
	return -1;
}

/* The CPU that NAPI instance n processes its packets on, if one: its
 * kthread's when threaded, else its interrupt's; -1 when it may move. */
static int napi_cpu(const struct sm_napi_info *n)
{
	cpu_set_t set;
	char path[64], list[32];
	FILE *f;
	char *end;
	long cpu;

	CPU_ZERO(&set);
	if (n->pid > 0 && n->threaded != 0)
		return sched_getaffinity(n->pid, sizeof(set), &set) == 0 ?
		       only_cpu(&set) : -1;
	if (n->irq <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", n->irq);
	f = fopen(path, "r");
	if (!f)
		return -1;
	cpu = -1;
	if (fgets(list, sizeof(list), f)) {
		cpu = strtol(list, &end, 10);
		if (end == list || (*end != '\n' && *end != '\0'))
			cpu = -1;  /* a range or a list: not one CPU */
	}
	fclose(f);
	return (int)cpu;
}

/* Steering by default: with a NIC of a queue per worker and no --cpus,
 * worker i runs on the CPU of queue i's NAPI instance, when each queue is
 * processed on one CPU of its own, so that the listeners' program gives
 * it the connections that queue receives.  As memcached's -N (a thread
 * per NAPI id), with no hand-off: the kernel picks the listener.  When a
 * NAPI may move (not pinned) or two share a CPU, it says so and leaves
 * the connections to the kernel's hash. */
static void nic_cpus(struct workers *w, const char *prog, const char *ifname)
{
	struct sm_napi_info napis[256];
	int cpus[WORKERS_MAX], i, k, n;
	uint32_t id;

	n = sm_nic_napis(ifname, napis, 256);
	for (i = 0; n > 0 && i < w->n; i++) {
		cpus[i] = -1;
		if (sm_nic_queue_napi(ifname, (uint32_t)i, &id) < 0)
			break;
		for (k = 0; k < n && cpus[i] < 0; k++)
			if (napis[k].id == id)
				cpus[i] = napi_cpu(&napis[k]);
		if (cpus[i] < 0)
			break;
	}
	if (n <= 0 || i < w->n) {
		fprintf(stderr, "%s: nic %s: queue %d's NAPI instance is not on "
			"one CPU: the kernel's hash spreads the connections "
			"(pin its thread or IRQ, or give --cpus)\n", prog,
			ifname, n <= 0 ? 0 : i);
		return;
	}
	for (i = 1; i < w->n; i++)
		for (k = 0; k < i; k++)
			if (cpus[k] == cpus[i]) {
				fprintf(stderr, "%s: nic %s: queues %d and %d "
					"are processed on one CPU: the kernel's "
					"hash spreads the connections\n", prog,
					ifname, k, i);
				return;
			}
	for (i = 0; i < w->n; i++)
		w->cpus[i] = cpus[i];
	w->ncpus = w->n;
	fprintf(stderr, "%s: nic %s: worker i on the CPU of queue i's NAPI "
		"instance, with its connections (--cpus to choose)\n", prog,
		ifname);
}

/* What the listeners were asked for, for an error message. */
static void print_tcp_opts(FILE *f, const struct sm_listen_opts *lo)
{
	if (!lo)
		return;
	if (lo->fastopen)
		fprintf(f, " --fastopen %d", lo->fastopen);
	if (lo->mptcp)
		fprintf(f, " --mptcp");
	if (lo->defer_accept)
		fprintf(f, " --defer-accept %d", lo->defer_accept);
	if (lo->congestion)
		fprintf(f, " --congestion %s", lo->congestion);
}

/* Fast Open's server side needs bit 2 of the sysctl (per network
 * namespace): without it the option is set and does nothing. */
static void check_fastopen(const char *prog, const struct sm_listen_opts *lo)
{
	FILE *f;
	int v = -1;

	if (!lo || !lo->fastopen)
		return;
	f = fopen("/proc/sys/net/ipv4/tcp_fastopen", "r");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	if (v >= 0 && !(v & 2))
		fprintf(stderr, "%s: --fastopen: net.ipv4.tcp_fastopen is %d, "
			"without the server bit (2): Fast Open stays off until "
			"it is set\n", prog, v);
}

int workers_open(struct workers *w, const char *prog, const char *addr,
		 int *port, const struct sm_config *cfg,
		 const struct sm_listen_opts *lo, const char *port_file)
{
	int i, ret, nq = cfg->ifname && w->n > 1 ? nic_queues(cfg->ifname) : 0;

	for (i = 0; i < w->n; i++) {
		w->ports[i] = NULL;
		w->lfds[i] = -1;
	}
	if (nq >= w->n && !w->ncpus)
		nic_cpus(w, prog, cfg->ifname);
	ret = listeners(w, addr, port, lo);
	if (ret < 0) {
		fprintf(stderr, "%s: listen on [%s]:%d", prog, addr, *port);
		print_tcp_opts(stderr, lo);
		fprintf(stderr, ": %s\n", strerror(-ret));
		return EX_OSERR;
	}
	check_fastopen(prog, lo);
	for (i = 0; ret == 0 && i < w->n; i++) {
		struct sm_config c = *cfg;

		/* Many workers on a NIC: worker i owns RX queue i, or shares
		 * queue i mod N with others when the NIC has fewer queues. */
		if (nq > 0) {
			c.nic_queue = i % nq;
			c.nic_queues = 1;
		}
		ret = sm_open(&w->ports[i], &c);
		if (ret == 0 && (ret = sm_attach(w->ports[i], w->lfds[i])) == 0) {
			w->listeners[i] = w->lfds[i];
			w->lfds[i] = -1;  /* the port's now */
		}
	}
	if (ret < 0) {
		fprintf(stderr, "%s: [%s]:%d%s%s", prog, addr, *port,
			cfg->ifname ? ", nic " : "",
			cfg->ifname ? cfg->ifname : "");
		if (nq > 0)
			fprintf(stderr, " queue %d", (i - 1) % nq);
		fprintf(stderr, ": %s\n", strerror(-ret));
		for (i = 0; i < w->n; i++)
			if (w->lfds[i] >= 0)
				close(w->lfds[i]);
		workers_close(w);
		return EX_OSERR;
	}
	if (cfg->ifname) {
		struct sm_stats st;

		sm_stats(w->ports[0], &st);
		if (!st.busy_poll || !st.napi_settings)
			fprintf(stderr, "%s: nic %s: busy polling %s, NAPI "
				"settings %s: %s\n", prog, cfg->ifname,
				st.busy_poll ? "on" : "off",
				st.napi_settings ? "applied" : "not applied",
				strerror(-st.busy_poll_err));
	}
	if (port_file && util_write_number_file(port_file, *port) < 0) {
		fprintf(stderr, "%s: cannot write %s\n", prog, port_file);
		return EX_CANTCREAT;
	}
	return 0;
}

struct start {
	struct workers *w;
	int i;
	const char *prog;
	void *(*fn)(void *);
	void *arg;
};

/* In the worker's thread: its name and CPU, then the app's loop. */
static void *start(void *p)
{
	struct start *s = p;
	char name[16];

	snprintf(name, sizeof(name), "%.10s-%d", s->prog, s->i);
	(void)pthread_setname_np(pthread_self(), name);
	if (s->w->ncpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(s->w->cpus[s->i % s->w->ncpus], &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			fprintf(stderr, "%s: worker %d: cannot run on CPU %d\n",
				s->prog, s->i, s->w->cpus[s->i % s->w->ncpus]);
	}
	return s->fn(s->arg);
}

void workers_run(struct workers *w, const char *prog, void *(*fn)(void *),
		 void *arg, size_t arg_size)
{
	struct start st[WORKERS_MAX];
	pthread_t tid[WORKERS_MAX];
	bool started[WORKERS_MAX] = { false };
	int i;

	for (i = 0; i < w->n; i++)
		st[i] = (struct start){ w, i, prog, fn,
					(char *)arg + (size_t)i * arg_size };
	for (i = 1; i < w->n; i++) {
		started[i] = pthread_create(&tid[i], NULL, start, &st[i]) == 0;
		if (!started[i])  /* run it here after worker 0 instead */
			fprintf(stderr, "%s: worker %d: no thread\n", prog, i);
	}
	start(&st[0]);
	for (i = 1; i < w->n; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
}

static atomic_int stop;             /* signals to stop so far */
static atomic_int reopen;           /* SIGHUP or SIGUSR1 not yet seen */

static void on_signal(int sig)
{
	if (sig == SIGHUP || sig == SIGUSR1)
		atomic_store(&reopen, 1);
	else
		atomic_fetch_add(&stop, 1);
}

void workers_signals(bool quit)
{
	struct sigaction sa;

	util_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (quit)
		sigaction(SIGQUIT, &sa, NULL);
}

bool workers_reopen_due(void)
{
	return atomic_exchange(&reopen, 0) != 0;
}

/* In worker i's thread: its server's loop; a failed sync stops all. */
static void *serve_one(void *app)
{
	struct srv *s = app;

	s->run_err = srv_run(s, &stop);
	if (s->run_err < 0)
		atomic_store(&stop, 2);  /* the others stop at once */
	return NULL;
}

bool workers_serve(struct workers *w, const char *prog, void *apps,
		   size_t stride)
{
	struct srv sum;
	struct sm_stats st;
	bool failed = false;
	int i;

	for (i = 0; i < w->n; i++)
		((struct srv *)((char *)apps + (size_t)i * stride))->listen_fd =
			w->listeners[i];
	workers_run(w, prog, serve_one, apps, stride);
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < w->n; i++) {
		const struct srv *s = (const struct srv *)
				      ((char *)apps + (size_t)i * stride);

		if (s->run_err < 0) {
			fprintf(stderr, "%s: sync: %s\n", prog,
				strerror(-s->run_err));
			failed = true;
		}
		srv_stats_add(&sum, s);
	}
	workers_print(w, stderr, prog);
	workers_stats(w, &st);
	util_print_stats_of(stderr, prog, sm_engine(w->ports[0]), &st);
	srv_print_stats(stderr, prog, &sum);
	return failed;
}

void workers_stats(const struct workers *w, struct sm_stats *st)
{
	struct sm_stats one;
	int i;

	sm_stats(w->ports[0], st);
	for (i = 1; i < w->n; i++) {
		sm_stats(w->ports[i], &one);
#define X(name) st->name += one.name;
		UTIL_SM_COUNTERS(X)
#undef X
		st->napi_foreign += one.napi_foreign;
	}
}

void workers_print(const struct workers *w, FILE *f, const char *prog)
{
	struct sm_stats st;
	int i;

	for (i = 0; w->n > 1 && i < w->n; i++) {
		sm_stats(w->ports[i], &st);
		fprintf(f, "%s: worker %d cpu=%d accepted=%llu rx_slots=%llu"
			" tx_slots=%llu", prog, i,
			w->ncpus ? w->cpus[i % w->ncpus] : -1,
			(unsigned long long)st.accepted,
			(unsigned long long)st.rx_slots,
			(unsigned long long)st.tx_slots);
		if (st.nic_ifindex)
			fprintf(f, " napi_id=%u busy_poll=%d napi_foreign=%llu",
				st.napi_count ? st.napi_ids[0] : 0,
				st.busy_poll,
				(unsigned long long)st.napi_foreign);
		fputc('\n', f);
	}
}

void workers_close(struct workers *w)
{
	int i;

	for (i = 0; i < w->n; i++) {
		sm_close(w->ports[i]);
		w->ports[i] = NULL;
	}
}

int workers_parse_cpus(struct workers *w, const char *list)
{
	const char *p = list;
	char *end;
	long a, b;

	w->ncpus = 0;
	while (*p) {
		a = b = strtol(p, &end, 10);
		if (end == p || a < 0 || a >= CPU_SETSIZE)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a || b >= CPU_SETSIZE)
				goto bad;
		}
		for (; a <= b; a++) {
			if (w->ncpus == WORKERS_MAX)
				goto bad;
			w->cpus[w->ncpus++] = (int)a;
		}
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	if (w->ncpus)
		return 0;
bad:
	return util_usage_error("bad CPU list (expected e.g. 0-3,6)", list);
}
