#!/bin/bash
# report.sh DIR: tables, charts and the summary of a bench.sh run.
#
# Reads DIR/raw.csv (one row per run) and writes, in DIR:
#   exp1.csv exp2.csv      medians per server and concurrency (with min/max)
#   exp3.csv
#   exp1.png exp2.png exp3.png   gnuplot charts (when gnuplot is installed)
#   breakdown.md breakdown.png   where the server core's time goes (b)
#   summary.md             every table, the pair-by-pair ratios, env.txt
# Medians are over runs; a ratio is computed run by run (run i of A over
# run i of B, both measured back to back) and its median and range shown.
set -eu
D=${1:?usage: report.sh DIR}
RAW=$D/raw.csv
[ -f "$RAW" ] || { echo "report: no $RAW" >&2; exit 1; }

# The awk library: median and range of a list, loading raw.csv into
# arrays keyed by exp, server, conns (and run).
AWKLIB='
function isort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function med(s,   a, n) { n = split(s, a, " "); if (!n) return ""; isort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function lo(s,   a, n) { n = split(s, a, " "); isort(a, n); return a[1] }
function hi(s,   a, n) { n = split(s, a, " "); isort(a, n); return a[n] }
function add(k, v) { if (v != "") L[k] = (k in L) ? L[k] " " v : v }
BEGIN { FS = "," }
NR > 1 {
	k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $6
	add(k SUBSEP "rps", $8); add(k SUBSEP "p50", $9); add(k SUBSEP "p90", $10)
	add(k SUBSEP "p99", $11); add(k SUBSEP "err", $13); add(k SUBSEP "cpu", $14)
	add(k SUBSEP "core", $15); add(k SUBSEP "spct", $16); add(k SUBSEP "cpct", $17)
	add(k SUBSEP "sys", $19)
	if ($18 == "client") CB[k] = "*"
	else if ($18 == "both" && CB[k] != "*") CB[k] = "+"
	R[k SUBSEP $7] = $8
	if (!($2 in SEEN)) { SEEN[$2] = 1; ORDER[++NS] = $2 }
	CONC[$1 SUBSEP $4] = 1
}
# concs(e, cs): the concurrencies experiment e ran, sorted into cs; their number
function concs(e, cs,   k, a, n) {
	n = 0
	for (k in CONC) { split(k, a, SUBSEP); if (a[1] == e) cs[++n] = a[2] + 0 }
	isort(cs, n)
	return n
}
function get(e, s, c, v, f,   k) { k = e SUBSEP s SUBSEP "sm-load" SUBSEP c SUBSEP v SUBSEP f; return (k in L) ? L[k] : "" }
function flag(e, s, c, v,   k) { k = e SUBSEP s SUBSEP "sm-load" SUBSEP c SUBSEP v; return (k in CB) ? CB[k] : "" }
# ratio(e, a, b, c, v): "median (min-max)" of run-by-run rps(a) / rps(b)
function ratio(e, a, b, c, v,   ka, kb, r, l) {
	ka = e SUBSEP a SUBSEP "sm-load" SUBSEP c SUBSEP v; kb = e SUBSEP b SUBSEP "sm-load" SUBSEP c SUBSEP v
	l = ""
	for (r = 1; r <= 99; r++)
		if ((ka SUBSEP r) in R && (kb SUBSEP r) in R && R[kb SUBSEP r] > 0)
			l = l " " R[ka SUBSEP r] / R[kb SUBSEP r]
	if (l == "") return "n/a"
	return sprintf("%.2f (%.2f-%.2f)", med(l), lo(l), hi(l))
}
function fmtk(x) { return x == "" ? "-" : sprintf("%.1fk", x / 1000) }
function fmt(x, p) { return x == "" ? "-" : sprintf("%." p "f", x) }
function name(s,   i, n, kv, a) {
	if (!NAMES) {
		NAMES = split("h-uring=sm-httpd io_uring;h-uring-nic=sm-httpd io_uring + NIC;" \
			"h-epoll=sm-httpd epoll;nginx=nginx (1 worker);" \
			"h-uring-bp=sm-httpd io_uring + NIC, busy poll only (--napi-defer 0);" \
			"m-uring=sm-memcached io_uring;m-uring-nic=sm-memcached io_uring + NIC;" \
			"m-epoll=sm-memcached epoll;memcached=memcached -t 1;" \
			"ep-block=Linux epoll_wait(-1);ep-spin=Linux epoll_wait(0), spinning;" \
			"ep-busy=Linux epoll busy poll 50 us", kv, ";")
		for (i = 1; i <= NAMES; i++) { split(kv[i], a, "="); NM[a[1]] = a[2] }
	}
	return (s in NM) ? NM[s] : s
}
'

# sweep_csv EXP VALUE: conns, then median/min/max rps and p50/p99 per server.
sweep_csv() {
	awk "$AWKLIB"'
	END {
		printf "conns"
		for (i = 1; i <= NS; i++)
			printf ",%s,%s_min,%s_max,%s_p50,%s_p99", ORDER[i], ORDER[i], ORDER[i], ORDER[i], ORDER[i]
		print ""
		n = concs(e, cs)
		for (j = 1; j <= n; j++) {
			c = cs[j]; printf "%d", c
			for (i = 1; i <= NS; i++) {
				s = ORDER[i]; l = get(e, s, c, v, "rps")
				printf ",%s,%s,%s,%s,%s", med(l), l == "" ? "" : lo(l), l == "" ? "" : hi(l), med(get(e, s, c, v, "p50")), med(get(e, s, c, v, "p99"))
			}
			print ""
		}
	}' e="$1" v="$2" "$RAW" | awk -F, -v e="$1" '
	# keep only the columns of servers that ran in this experiment
	NR == 1 { for (i = 2; i <= NF; i += 5) name[i] = $i; hdr = $0; next }
	{ rows[NR] = $0; for (i = 2; i <= NF; i += 5) if ($i != "") keep[i] = 1 }
	END {
		n = split(hdr, h, ","); line = h[1]
		for (i = 2; i <= n; i += 5) if (i in keep) line = line "," h[i] "," h[i+1] "," h[i+2] "," h[i+3] "," h[i+4]
		print line
		for (r = 2; r <= NR; r++) {
			m = split(rows[r], f, ","); line = f[1]
			for (i = 2; i <= m; i += 5) if (i in keep) line = line "," f[i] "," f[i+1] "," f[i+2] "," f[i+3] "," f[i+4]
			print line
		}
	}'
}

sweep_csv 1 1024 >"$D/exp1.csv"
sweep_csv 2 1024 >"$D/exp2.csv"
sweep_csv 3 64 >"$D/exp3.csv"

# Charts: throughput against concurrency with the min-max range, and a
# bar chart for experiment 3.
label() {
	case $1 in
	h-uring) echo "sm-httpd io_uring" ;;   h-uring-nic) echo "sm-httpd io_uring + NIC" ;;
	h-epoll) echo "sm-httpd epoll" ;;      nginx) echo "nginx, 1 worker" ;;
	m-uring) echo "sm-memcached io_uring" ;; m-uring-nic) echo "sm-memcached io_uring + NIC" ;;
	m-epoll) echo "sm-memcached epoll" ;;  memcached) echo "memcached -t 1" ;;
	*) echo "$1" ;;
	esac
}
chart_sweep() {  # csv png title ylabel
	local n cols="" i
	n=$(head -n1 "$1" | awk -F, '{ print (NF - 1) / 5 }')
	[ "$n" -ge 1 ] && [ "$(wc -l <"$1")" -ge 2 ] || return 0
	for i in $(seq 0 $((n - 1))); do
		c=$((2 + 5 * i))
		t=$(label "$(head -n1 "$1" | cut -d, -f$c)")
		cols="$cols${cols:+, }'$1' using 1:(\$$c/1000):(\$$((c + 1))/1000):(\$$((c + 2))/1000) with yerrorlines title '$t'"
	done
	gnuplot <<-EOF
	set terminal pngcairo size 800,480 font ",11" noenhanced
	set output '$2'
	set datafile separator ','
	set title '$3'
	set xlabel 'concurrent connections'
	set ylabel '$4'
	set logscale x 2
	set xtics (1, 10, 50, 100, 200, 400)
	set key top left
	set grid
	set yrange [0:*]
	plot $cols
	EOF
}

chart_bars() {  # csv png title
	[ "$(wc -l <"$1")" -ge 2 ] || return 0
	awk -F, 'NR == 1 { for (i = 2; i <= NF; i += 5) n[i] = $i; next }
		{ for (i = 2; i <= NF; i += 5) print n[i] "," $i / 1000 "," $(i+1) / 1000 "," $(i+2) / 1000 }' \
		"$1" | while IFS=, read -r k rest; do echo "$(label "$k"),$rest"; done >"$1.bars"
	gnuplot <<-EOF
	set terminal pngcairo size 640,420 font ",11" noenhanced
	set output '$2'
	set datafile separator ','
	set title '$3'
	set ylabel 'k ops/s (median, min-max)'
	set style fill solid 0.6
	set boxwidth 0.6
	set xtics rotate by -20
	set yrange [0:*]
	set grid ytics
	plot '$1.bars' using 0:2:xtic(1) with boxes notitle, '' using 0:2:3:4 with yerrorbars notitle lc rgb 'black'
	EOF
	rm -f "$1.bars"
}

# breakdown.md and breakdown.csv.med from DIR/breakdown.csv (experiment
# b): per server, medians over runs of req/s, core us/request and each
# category's share; the share times the core's time is its us/request.
# The floor of a workload is the least protocol time per request any of
# its servers spends; a server's distance from it is the share of its
# core spent on anything but protocol processing.
breakdown() {
	local csv=$D/breakdown.csv
	[ -s "$csv" ] && [ "$(wc -l <"$csv")" -ge 2 ] || return 0
	awk "$AWKLIB"'
	NR > 1 && $2 != "" {
		if (!($1 in B)) { B[$1] = 1; BO[++NB] = $1 }
		for (f = 2; f <= 12; f++) add($1 SUBSEP f, $f)
		TOP[$1] = $13
	}
	function m(s, f) { return med(L[s SUBSEP f]) }
	function wl(s) { return s ~ /^m-|^memcached/ ? "memcached" : "http" }
	END {
		for (i = 1; i <= NB; i++) {
			s = BO[i]; pu = m(s, 3) * m(s, 6) / 100
			if (!(wl(s) in FL) || pu < FL[wl(s)]) FL[wl(s)] = pu
		}
		print "## Breakdown: where the server core goes at 100 connections\n" > md
		print "perf (cpu-clock) samples of the whole server core over one measured window per run; shares are of its busy time (the idle loop left out), medians over runs. Protocol: the kernel TCP/IP stack (tcp, ip, skb, GRO, NAPI, veth, qdisc). Syscall/event: syscall entry and exit, io_uring, epoll, poll and socket wakeups, task work, fd lookups, the socket layer. Library: libstackmap and liburing in user space. Copy: payload copies, kernel and user. App: the server in user space. Hypervisor: paravirtual calls (IRQ enabling, MSRs, the clock). Other: scheduler, IRQ and softirq entry, timers, locks, memory allocation. Foreign: samples of other processes on the server core, in percent of all samples (left out of the shares; high means a busy box). See bench/breakdown.awk for the rules. The floor: the least protocol time per request of any server of that workload, which no server on this kernel avoids; a server is off the floor by its non-protocol share.\n" > md
		print "| server | req/s | core us/req | protocol | syscall/event | library | copy | app | hypervisor | other | non-protocol share | us/req over the floor | foreign | other: top symbols |" > md
		print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" > md
		for (i = 1; i <= NB; i++) {
			s = BO[i]; c = m(s, 3)
			printf "| %s | %s | %.2f |", name(s), fmtk(m(s, 2)), c > md
			for (f = 6; f <= 12; f++)
				printf " %.0f%% |", m(s, f) > md
			printf " %.0f%% | %.2f | %.0f%% | %s |\n", 100 - m(s, 6), c - FL[wl(s)], m(s, 5), TOP[s] > md
			printf "%s", s > med_csv
			for (f = 6; f <= 12; f++)
				printf ",%.3f", c * m(s, f) / 100 > med_csv
			print "" > med_csv
		}
		printf "\nFloor (protocol us/request): HTTP %.2f, memcached %.2f.\n", FL["http"], FL["memcached"] > md
	}' md="$D/breakdown.md" med_csv="$D/breakdown.csv.med" "$csv"
	command -v gnuplot >/dev/null || { rm -f "$D/breakdown.csv.med"; return 0; }
	while IFS=, read -r k rest; do echo "$(label "$k" | tr -d ,),$rest"; done \
		<"$D/breakdown.csv.med" >"$D/breakdown.csv.bars"
	gnuplot <<-EOF
	set terminal pngcairo size 820,460 font ",11" noenhanced
	set output '$D/breakdown.png'
	set datafile separator ','
	set title 'Server core time per request at 100 connections'
	set ylabel 'us per request (median)'
	set style data histograms
	set style histogram rowstacked
	set style fill solid 0.7 border -1
	set boxwidth 0.6
	set xtics rotate by -25
	set key top left
	set grid ytics
	set yrange [0:*]
	plot '$D/breakdown.csv.bars' using 2:xtic(1) title 'protocol', '' using 3 title 'syscall/event', \
	     '' using 4 title 'library', '' using 5 title 'copy', '' using 6 title 'app', \
	     '' using 7 title 'hypervisor', '' using 8 title 'other'
	EOF
	rm -f "$D/breakdown.csv.med" "$D/breakdown.csv.bars"
}
breakdown

if command -v gnuplot >/dev/null; then
	chart_sweep "$D/exp1.csv" "$D/exp1.png" "HTTP, 1024-byte responses, one server core" "k requests/s (median, min-max)"
	chart_sweep "$D/exp2.csv" "$D/exp2.png" "memcached 90% get / 10% set, 1024-byte values, one server core" "k ops/s (median, min-max)"
	chart_bars "$D/exp3.csv" "$D/exp3.png" "memcached, 64-byte values, 60 connections"
fi

# summary.md: the tables.
awk "$AWKLIB"'
function sweep(e, v,   i, j, n, c, s, cs, l) {
	n = concs(e, cs)
	if (!n) return
	printf "| server |"; for (j = 1; j <= n; j++) printf " %d |", cs[j]; print ""
	printf "|---|"; for (j = 1; j <= n; j++) printf "---:|"; print ""
	for (i = 1; i <= NS; i++) {
		s = ORDER[i]; if (get(e, s, cs[1], v, "rps") == "" && get(e, s, cs[n], v, "rps") == "") continue
		printf "| %s |", name(s)
		for (j = 1; j <= n; j++) { l = get(e, s, cs[j], v, "rps"); printf " %s%s |", fmtk(med(l)), flag(e, s, cs[j], v) }
		print ""
	}
	print ""
	print "Latency p50 / p99 (us), medians:"
	print ""
	printf "| server |"; for (j = 1; j <= n; j++) printf " %d |", cs[j]; print ""
	printf "|---|"; for (j = 1; j <= n; j++) printf "---:|"; print ""
	for (i = 1; i <= NS; i++) {
		s = ORDER[i]; if (get(e, s, cs[1], v, "rps") == "" && get(e, s, cs[n], v, "rps") == "") continue
		printf "| %s |", name(s)
		for (j = 1; j <= n; j++) printf " %s / %s |", fmt(med(get(e, s, cs[j], v, "p50")), 0), fmt(med(get(e, s, cs[j], v, "p99")), 0)
		print ""
	}
	print ""
}
function ratios(e, v, pairs,   np, p, a, j, n, cs, k) {
	n = concs(e, cs)
	if (!n) return
	printf "| ratio (run by run) |"; for (j = 1; j <= n; j++) printf " %d |", cs[j]; print ""
	printf "|---|"; for (j = 1; j <= n; j++) printf "---:|"; print ""
	np = split(pairs, p, " ")
	for (k = 1; k <= np; k++) {
		split(p[k], a, "/")
		if (get(e, a[1], cs[1], v, "rps") == "" || get(e, a[2], cs[1], v, "rps") == "") continue
		printf "| %s / %s |", name(a[1]), name(a[2])
		for (j = 1; j <= n; j++) printf " %s |", ratio(e, a[1], a[2], cs[j], v)
		print ""
	}
	print ""
}
# Syscalls per request: the count from perf (experiment 5) when there is one,
# else the count the server keeps itself (marked "o").
function cost(e, v, c,   i, s, sys) {
	for (i = 1; i <= NS; i++) {
		s = ORDER[i]; if (get(e, s, c, v, "rps") == "") continue
		sys = fmt(med(get(5, s, c, v, "sys")), 2)
		if (sys == "-" && get(e, s, c, v, "sys") != "") sys = fmt(med(get(e, s, c, v, "sys")), 2) " o"
		printf "| %s | %s | %s | %s | %s | %s |\n", name(s), fmtk(med(get(e, s, c, v, "rps"))),
			fmt(med(get(e, s, c, v, "cpu")), 2), fmt(med(get(e, s, c, v, "core")), 2),
			sys, fmt(med(get(e, s, c, v, "spct")), 0) "% / " fmt(med(get(e, s, c, v, "cpct")), 0) "%"
	}
}
END {
	print "## 1. HTTP, 1024-byte responses: requests/s (median of runs)\n"
	print "`*`: in at least one run the client core was saturated (>= 95% busy) while the server core was not: that point measures the client. `+`: both cores were saturated.\n"
	sweep(1, 1024)
	ratios(1, 1024, "h-uring/nginx h-uring-nic/nginx h-uring/h-epoll h-uring-nic/h-uring h-epoll/nginx")
	print "## 2. memcached, 90% get / 10% set, 1024-byte values: ops/s\n"
	sweep(2, 1024)
	ratios(2, 1024, "m-uring/memcached m-uring-nic/memcached m-uring/m-epoll m-uring-nic/m-uring m-epoll/memcached")
	print "## 3. memcached, 64-byte values, 60 connections\n"
	print "| server | ops/s | min-max | p50 / p99 us | vs memcached |"
	print "|---|---:|---:|---:|---:|"
	for (i = 1; i <= NS; i++) {
		s = ORDER[i]; l = get(3, s, 60, 64, "rps"); if (l == "") continue
		printf "| %s | %s | %s-%s | %s / %s | %s |\n", name(s), fmtk(med(l)), fmtk(lo(l)), fmtk(hi(l)),
			fmt(med(get(3, s, 60, 64, "p50")), 0), fmt(med(get(3, s, 60, 64, "p99")), 0), ratio(3, s, "memcached", 60, 64)
	}
	print ""
	print "## 4. Base latency: one connection, 94-byte request (the paper: 97), 1024-byte response\n"
	print "| server | p50 us | p99 us | p50 range | req/s |"
	print "|---|---:|---:|---:|---:|"
	for (i = 1; i <= NS; i++) {
		s = ORDER[i]; l = get(4, s, 1, 1024, "p50"); if (l == "") continue
		printf "| %s | %s | %s | %s-%s | %s |\n", name(s), fmt(med(l), 1), fmt(med(get(4, s, 1, 1024, "p99")), 1),
			fmt(lo(l), 1), fmt(hi(l), 1), fmtk(med(get(4, s, 1, 1024, "rps")))
	}
	print ""
	print "## 5. Cost per request at 100 connections\n"
	print "Server CPU: user + system time of the server process over the measured window, per request. Server core: all busy time of the server core (process, its NAPI thread, softirq) per request. Syscalls: counted by the raw_syscalls tracepoint (perf stat) over a separate run. Load: server core / client core busy.\n"
	print "| server | req/s | server CPU us/req | server core us/req | syscalls/req | load srv / cli |"
	print "|---|---:|---:|---:|---:|---:|"
	cost(1, 1024, 100); cost(2, 1024, 100)
	print ""
	print "## Validation: sm-load against wrk and memcaslap\n"
	print "| server | conns | sm-load req/s | other client | its req/s | sm-load / other | client core (sm-load / other) |"
	print "|---|---:|---:|---|---:|---:|---:|"
	for (c = 1; c <= 1000; c++) for (i = 1; i <= NS; i++) {
		s = ORDER[i]; va = get("v", s, c, 1024, "rps"); if (va == "") continue
		for (o = 1; o <= 2; o++) {
			cl = o == 1 ? "wrk" : "memcaslap"; k = "v" SUBSEP s SUBSEP cl SUBSEP c SUBSEP 1024
			if (!((k SUBSEP "rps") in L)) continue
			vb = med(L[k SUBSEP "rps"])
			printf "| %s | %d | %s | %s | %s | %.2f | %s%% / %s%% |\n", name(s), c, fmtk(med(va)), cl, fmtk(vb), (vb > 0 ? med(va) / vb : 0),
				fmt(med(get("v", s, c, 1024, "cpct")), 0), fmt(med(L[k SUBSEP "cpct"]), 0)
		}
	}
	print ""
}' "$RAW" >"$D/summary.md.tmp"
{
	echo "# StackMap benchmark results"
	echo
	echo '```'
	cat "$D/env.txt" 2>/dev/null
	echo '```'
	echo
	cat "$D/summary.md.tmp"
	if [ -s "$D/breakdown.md" ]; then
		echo
		cat "$D/breakdown.md"
	fi
	if [ -s "$D/scale.md" ]; then
		echo
		cat "$D/scale.md"
	fi
} >"$D/summary.md"
rm -f "$D/summary.md.tmp"
echo "report: $D/summary.md"
