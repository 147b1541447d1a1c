/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sm-nic: what libstackmap would see of a NIC it is asked to dedicate:
 * its NAPI instances and their settings, threaded mode, and whether busy
 * polling can work on it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "stackmap.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sm-nic IFNAME\n"
"\n"
"Prints the NAPI instances of interface IFNAME (through the kernel's netdev\n"
"netlink family): id, IRQ, polling thread, defer-hard-irqs,\n"
"gro-flush-timeout, irq-suspend-timeout, threaded mode; the interface's\n"
"threaded setting and the net.core.busy_poll/busy_read sysctls; and whether\n"
"an application can busy-poll it (sm-httpd --nic IFNAME ...).\n"
"\n"
"Exit status: 0 eligible, 1 not eligible, 64 usage, 69 no such interface.\n");
}

static void print_file(const char *label, const char *path)
{
	char buf[64] = "?";
	FILE *f = fopen(path, "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "?");
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("%-22s %s\n", label, buf);
}

static void print_val(int64_t v, const char *unit)
{
	if (v < 0)
		printf(" %12s", "-");
	else
		printf(" %10lld%s", (long long)v, unit);
}

int main(int argc, char **argv)
{
	struct sm_napi_info napi[64];
	char path[128];
	int n, i;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {  /* no option but --help */
		if (argc == 2)
			fprintf(stderr, "sm-nic: %s: no such option\n", argv[1]);
		usage(stderr);
		return EX_USAGE;
	}
	printf("%-22s %s (ifindex %u)\n", "interface", argv[1],
	       if_nametoindex(argv[1]));
	n = sm_nic_napis(argv[1], napi, (int)(sizeof(napi) / sizeof(napi[0])));
	if (n == -ENODEV) {
		fprintf(stderr, "sm-nic: %s: no such interface\n", argv[1]);
		return EX_UNAVAILABLE;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", argv[1]);
	print_file("threaded (device)", path);
	print_file("net.core.busy_poll", "/proc/sys/net/core/busy_poll");
	print_file("net.core.busy_read", "/proc/sys/net/core/busy_read");
	if (n < 0) {
		printf("%-22s no: %s (netdev netlink NAPI_GET needs Linux 6.9)\n",
		       "busy-poll eligible", strerror(-n));
		return 1;
	}
	printf("%-22s %d\n", "NAPI instances", n);
	if (n > 0)
		printf("  %8s %6s %8s %12s %12s %12s %8s\n", "id", "irq", "pid",
		       "defer-irqs", "gro-flush", "irq-suspend", "threaded");
	for (i = 0; i < n; i++) {
		printf("  %8u %6d %8d", napi[i].id, napi[i].irq, napi[i].pid);
		print_val(napi[i].defer_hard_irqs, "  ");
		print_val(napi[i].gro_flush_timeout, "ns");
		print_val(napi[i].irq_suspend_timeout, "ns");
		printf(" %8d\n", napi[i].threaded);
	}
	for (i = 0; n > 0; i++) {  /* RX queue -> NAPI (QUEUE_GET, 6.8) */
		uint32_t id;

		if (sm_nic_queue_napi(argv[1], (uint32_t)i, &id) < 0)
			break;
		printf("  rx queue %d: NAPI %u\n", i, id);
	}
	if (n == 0) {
		printf("%-22s no: no NAPI instance (a veth has one only with GRO "
		       "on or an XDP program attached)\n", "busy-poll eligible");
		return 1;
	}
	printf("%-22s yes\n", "busy-poll eligible");
	return 0;
}
