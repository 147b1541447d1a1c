#!/bin/bash
# machine.sh: one line naming the machine a result comes from: CPU model,
# CPU count, kernel, and the cost of one null system call (getppid, timed
# by `perf bench syscall basic` over 2 million calls; "n/a" without
# perf).  Syscall cost is what separates the machine kinds seen so far
# (77 ns on an Intel Xeon VM, about 1.1 us on a paravirtualized AMD EPYC
# guest), and batching is worth what a syscall costs.
set -eu
ns=n/a
if command -v perf >/dev/null; then
	ns=$(perf bench syscall basic -l 2000000 2>/dev/null |
		awk '/usecs\/op/ { printf "%.0f", $1 * 1000 }')
	[ -n "$ns" ] || ns=n/a
fi
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, Linux $(uname -r), null syscall $ns ns (getppid, perf bench)"
