/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load_cpu.c: whose CPU a measured window used.
 *
 * A benchmark on two cores must say which side ran out of CPU, and what
 * a request cost the server.  sm-load samples, at both ends of its
 * measured window: every core's busy and total time (/proc/stat), and
 * the user + system time of the processes given with --watch (the
 * server: /proc/PID/stat).  So the numbers cover exactly the requests
 * that were counted, with no guess at when the window started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

static long hz;

/* Busy and total ticks of each core ("cpuN user nice system idle iowait
 * irq softirq steal ..."); the number of cores read. */
static int read_cores(struct load_cpu *s)
{
	unsigned long long v[8];
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	int n = 0, id;

	if (!f)
		return 0;
	while (n < LOAD_CPUS && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu",
			   &id, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) != 9 || id != n)
			break;
		s->busy[n] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		s->total[n] = s->busy[n] + v[3] + v[4];
		n++;
	}
	fclose(f);
	return n;
}

/* utime + stime of pid in ticks, or -1 (gone). */
static long long read_pid(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold blanks and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

int load_cpu_check(const struct load_opts *o)
{
	hz = sysconf(_SC_CLK_TCK);
	for (uint32_t i = 0; i < o->nwatch; i++)
		if (read_pid(o->watch[i]) < 0) {
			fprintf(stderr, "sm-load: --watch %d: no such process\n",
				(int)o->watch[i]);
			return -1;
		}
	return 0;
}

void load_cpu_snap(const struct load_opts *o, struct load_cpu *s)
{
	memset(s, 0, sizeof(*s));
	s->ncpu = (uint32_t)read_cores(s);
	for (uint32_t i = 0; i < o->nwatch; i++) {
		long long t = read_pid(o->watch[i]);

		if (t < 0)
			s->watch_gone = true;
		else
			s->watch += (uint64_t)t;
	}
}

void load_cpu_result(const struct load_cpu *a, const struct load_cpu *b,
		     double requests, struct load_cpu_result *r)
{
	double tick_us = 1e6 / (double)(hz > 0 ? hz : 100);

	memset(r, 0, sizeof(*r));
	r->ncpu = a->ncpu < b->ncpu ? a->ncpu : b->ncpu;
	for (uint32_t i = 0; i < r->ncpu; i++) {
		double busy = (double)(b->busy[i] - a->busy[i]);
		double total = (double)(b->total[i] - a->total[i]);

		r->busy_pct[i] = total > 0 ? 100 * busy / total : 0;
		r->us_per_req[i] = requests > 0 ? busy * tick_us / requests : 0;
	}
	r->watch_us_per_req = requests > 0 && !b->watch_gone ?
		(double)(b->watch - a->watch) * tick_us / requests : -1;
}
