# breakdown.awk: a `perf report --sort comm,sym` of the server core,
# summed by where the time goes.  Input lines:
# "  12.34%  sm-httpd-0  [k] tcp_sendmsg" ("[.]" for user space).
# -v comms="A B" names the server's threads; -v libsyms=FILE names
# libstackmap's functions, one per line (nm of build/libstackmap.a).
# Output, one CSV line: idle and foreign (other processes that ran on
# the core: not the server's, its softirq's or its NAPI thread's) in
# percent of all samples; then the shares of the rest, the server's
# busy time: protocol, syscall/event, library, copy, app, hypervisor,
# other; then the top symbols of "other".
#
#   protocol  the kernel's TCP/IP processing: tcp, ip, skb, sockets'
#             protocol side, GRO, NAPI, the veth driver, netfilter, qdisc
#   syscall   entering and leaving the kernel and the event machinery
#             around the data: syscall entry/exit, io_uring, epoll, poll
#             and wakeups of sockets, task work, fd lookups, the socket
#             layer's sendmsg/recvmsg, LSM hooks
#   library   libstackmap and liburing in user space (the rings' side of
#             the event machinery)
#   copy      copies of payload, kernel and user (copy_*_user, memcpy)
#   app       the server's own code and the rest of user space (libc)
#   hypervisor paravirtual calls: IRQ enabling, MSR writes, the clock
#             (pvm_*, pvclock_*, kvm_*, hv_*, xen_*)
#   other     scheduler, IRQ and softirq entry, timers, locks, memory
#             allocation
#   idle      the idle loop (not in the shares)
BEGIN {
	n = split(comms, a, " ")
	for (i = 1; i <= n; i++)
		OURS[a[i]] = 1
	if (libsyms != "")
		while ((getline l < libsyms) > 0)
			LIB[l] = 1
}
function cat_of(ring, s) {
	if (s ~ /^(pvm_safe_halt|default_idle|native_safe_halt|cpuidle|do_idle|acpi_idle|intel_idle|poll_idle|arch_cpu_idle|cpu_idle|mwait_idle|cpu_startup_entry|amd_e400_idle|hv_native_safe_halt|kvm_wait)/)
		return "idle"
	if (s ~ /(^|_)(memcpy|memmove)|^__?copy_|^_copy_|copy_user|^rep_movs|copy_to_iter|copy_from_iter|copy_datagram|^csum_partial_copy|^copyout|^copyin|^simple_copy_to_iter|^__check_object_size|^check_heap_object/)
		return "copy"
	if (ring == ".")
		return (s in LIB) || s ~ /^_*io_uring/ ? "library" : "app"
	if (s ~ /^(pvm_|pvclock|kvm_|hv_|xen_|paravirt_)/)
		return "hypervisor"
	if (s ~ /^(entry_SYSCALL|do_syscall|syscall_|x64_sys_call|__x64_sys|__ia32_sys|__do_sys|__se_sys|ksys_|__sys_|sys_|io_uring|__io_|io_|epoll|__ep_|ep_|do_epoll|fget|__fget|fdget|__fdget|fput|__fput|task_work|tctx_task_work|sock_poll|tcp_poll|sock_sendmsg|__sock_sendmsg|sock_recvmsg|sock_read_iter|sock_write_iter|security_|apparmor|aa_|bpf_lsm|fsnotify|__fsnotify|exit_to_user_mode|syscall_exit|__rseq|rseq_|import_iovec|__import_iovec|iovec_|rw_verify_area|vfs_read|vfs_write|vfs_readv|vfs_writev|do_iter|__wake_up|wake_up|ep_poll_callback|__pollwait|poll_freewait|sock_def_readable|sock_def_write_space|sk_stream_write_space|tcp_check_space|__fdget_pos|ret_from_fork|restore_fpregs|switch_fpu|fpregs|move_addr_to|__copy_msghdr|copy_msghdr|___sys|sockfd_lookup|__sock_release|sock_close|__x86_return|__x86_indirect|srso_|entry_untrain|retbleed|clear_bhb|__pi_|llist_reverse_order)/)
		return "syscall"
	if (s ~ /^_*(tcp|ip|ipv4|ipv6|ip6|inet|inet6|skb|kfree_skb|consume_skb|alloc_skb|build_skb|napi|net_|netif|dev_|veth|gro|eth_|nf_|nft_|neigh|dst_|fib|raw_|icmp|qdisc|sch_|pfifo|validate_xmit|csum|sk_|sock_|lock_sock|release_sock|bpf_skb|bpf_sk|reuseport|sk_reuseport|page_frag|skb_|__skb|mptcp|secure_tcp|tcp4|tcp6|rps_|process_backlog|do_xdp|xdp_|loopback|ingress|egress|bbr_|cubictcp|bictcp|get_netmem|put_netmem|netmem)/)
		return "protocol"
	return "other"
}
/%/ && NF >= 4 {
	p = $1; sub(/%$/, "", p)
	r = $3; gsub(/[\[\]]/, "", r)
	s = $4
	c = cat_of(r, s)
	if (c != "idle" && !($2 in OURS) && $2 !~ /^(swapper|ksoftirqd\/|napi\/)/)
		c = "foreign"
	T[c] += p
	if (c == "other") O[s] += p
}
END {
	busy = 100 - T["idle"] - T["foreign"]
	if (busy <= 0) busy = 1
	printf "%.1f,%.1f", T["idle"], T["foreign"]
	split("protocol syscall library copy app hypervisor other", C, " ")
	for (k = 1; k <= 7; k++)
		printf ",%.1f", 100 * T[C[k]] / busy
	printf ","
	n = 0
	for (k = 1; k <= 3; k++) {
		best = ""; bv = -1
		for (s in O) if (O[s] > bv) { bv = O[s]; best = s }
		if (best == "") break
		printf "%s%s %.1f", n++ ? "; " : "", best, 100 * bv / busy
		delete O[best]
	}
	print ""
}
