#!/bin/bash
# testbed.sh: the StackMap paper's two machines joined by a link, on one box.
#
#   testbed.sh up [NAME]                 create (or re-apply) testbed NAME
#   testbed.sh down [NAME]               remove it
#   testbed.sh exec NAME server|client CMD...
#                                        run CMD in that host's namespace,
#                                        pinned to that host's CPU
#   testbed.sh exec NAME server-all|client-all CMD...
#                                        in that host's namespace, on every
#                                        CPU (it pins its own threads)
#   testbed.sh status [NAME]             show addresses, NAPI, pinning
#
# Two network namespaces, sm-srv-NAME (198.18.0.2) and sm-cli-NAME
# (198.18.0.1, RFC 2544 benchmark range), joined by a veth pair sms-NAME /
# smc-NAME.  So that the receiving side has a NAPI instance to busy-poll
# (a veth only receives TCP through NAPI when GRO is on at the receiver
# and the sender does not use TSO/GSO), GRO is on and TSO/GSO off on both
# ends.  Each side's receive processing runs on its own CPU, as on two
# machines: threaded NAPI, the server's kthread on CPU 1 and the client's
# on CPU 0, like the processes that exec starts.  NAME defaults to "tb";
# tests use a random one.  Needs root.
#
# TB_QUEUES=N (default 1) gives the veth pair N queues a side, each
# receive queue with its own NAPI instance; the server's queue i has its
# NAPI thread on CPU TB_SRV_CPU0 + i mod TB_SRV_NCPU (default: CPU i), as
# a multi-queue NIC with one queue per core, so that sm-httpd -t N --cpus
# 0-(N-1) --nic has a queue, a NAPI and a core per worker; the client's
# on TB_CLI_CPU0 + i mod TB_CLI_NCPU (default: all on the client's CPU).
set -eu

NAME=${2:-tb}
SRV_NS=sm-srv-$NAME CLI_NS=sm-cli-$NAME
SRV_IF=sms-$NAME CLI_IF=smc-$NAME
SRV_IP=198.18.0.2 CLI_IP=198.18.0.1
SRV_CPU=1 CLI_CPU=0
[ "$(nproc)" -ge 2 ] || SRV_CPU=0
QUEUES=${TB_QUEUES:-1}
SM_NIC=${SM_NIC:-$(dirname "$0")/../build/sm-nic}

die() { echo "testbed: $*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
	for t in ip ethtool taskset; do
		command -v $t >/dev/null || die "$t is not installed"
	done
	[ ${#SRV_IF} -le 15 ] || die "name '$NAME' too long (at most 11 characters)"
}

# Pin the NAPI kthreads of interface $2 to CPU $3 (kthread names are
# "napi/IFNAME-ID", cut at 15 characters).
napi_pids() {
	local p="napi/$1-"
	pgrep "^${p:0:15}" || true
}
pin_napi() {
	local pid
	for pid in $(napi_pids "$2"); do
		taskset -pc "$3" "$pid" >/dev/null
	done
}

# Pin the NAPI thread of each receive queue i of interface $2 (namespace
# $1) to CPU $3 + i mod $4; sm-nic maps queue to NAPI id to thread.
pin_queues() {
	[ -x "$SM_NIC" ] || die "TB_QUEUES needs $SM_NIC (make)"
	ip netns exec "$1" "$SM_NIC" "$2" | awk '
		$1 ~ /^[0-9]+$/ && NF >= 7 { pid[$1] = $3 }
		$1 == "rx" && $2 == "queue" { q = $3; sub(":", "", q); napi[q] = $5 }
		END { for (q in napi) print q, pid[napi[q]] }' |
	while read -r q pid; do
		taskset -pc $(($3 + q % $4)) "$pid" >/dev/null
	done
}

side_up() {  # ns ifname ip cpu [queues first-cpu cpus]
	ip -n "$1" link set lo up
	ip -n "$1" addr replace "$3/24" dev "$2"
	ip -n "$1" link set "$2" up
	ip netns exec "$1" ethtool -K "$2" gro on tso off gso off >/dev/null 2>&1 ||
		die "ethtool -K $2 failed"
	echo 1 | ip netns exec "$1" tee "/sys/class/net/$2/threaded" >/dev/null
	if [ "${5:-1}" -gt 1 ]; then
		pin_queues "$1" "$2" "$6" "$7"
	else
		pin_napi "$1" "$2" "$4"
	fi
}

up() {
	need_root
	ip netns add "$SRV_NS" 2>/dev/null || true
	ip netns add "$CLI_NS" 2>/dev/null || true
	if ! ip -n "$SRV_NS" link show "$SRV_IF" >/dev/null 2>&1; then
		ip link add "$SRV_IF" numtxqueues "$QUEUES" numrxqueues "$QUEUES" \
			type veth peer name "$CLI_IF" numtxqueues "$QUEUES" \
			numrxqueues "$QUEUES"
		ip link set "$SRV_IF" netns "$SRV_NS"
		ip link set "$CLI_IF" netns "$CLI_NS"
	fi
	side_up "$SRV_NS" "$SRV_IF" "$SRV_IP" "$SRV_CPU" "$QUEUES" \
		"${TB_SRV_CPU0:-0}" "${TB_SRV_NCPU:-$(nproc)}"
	side_up "$CLI_NS" "$CLI_IF" "$CLI_IP" "$CLI_CPU" "$QUEUES" \
		"${TB_CLI_CPU0:-$CLI_CPU}" "${TB_CLI_NCPU:-1}"
	echo "testbed $NAME: server $SRV_NS $SRV_IF $SRV_IP cpu $SRV_CPU," \
	     "client $CLI_NS $CLI_IF $CLI_IP cpu $CLI_CPU, $QUEUES queue(s)"
}

down() {
	need_root
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
}

status() {
	need_root
	ip -n "$SRV_NS" -br addr show "$SRV_IF"
	ip -n "$CLI_NS" -br addr show "$CLI_IF"
	for pid in $(napi_pids "$SRV_IF") $(napi_pids "$CLI_IF"); do
		echo "$(cat "/proc/$pid/comm") pid $pid $(taskset -pc "$pid" | sed 's/.*: /cpus /')"
	done
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
exec)
	[ $# -ge 4 ] || die "usage: testbed.sh exec NAME server|client CMD..."
	need_root
	case $3 in
	server) ns=$SRV_NS cpu=$SRV_CPU ;;
	server-all) ns=$SRV_NS cpu=0-$(($(nproc) - 1)) ;;
	client) ns=$CLI_NS cpu=$CLI_CPU ;;
	client-all) ns=$CLI_NS cpu=0-$(($(nproc) - 1)) ;;
	*) die "exec: server, server-all, client or client-all, not '$3'" ;;
	esac
	shift 3
	exec ip netns exec "$ns" taskset -c "$cpu" "$@" ;;
*) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 64 ;;
esac
