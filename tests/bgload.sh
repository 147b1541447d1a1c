#!/bin/bash
# bgload.sh CMD...: run CMD with a light background load beside it, the
# kind a developer's or a shared box has: on every CPU a process busy
# 3 ms of every 10 (30%), and a loop of file reads and git.  The load
# stops when CMD ends; the exit status is CMD's.  Used to check that no
# test depends on an idle machine (issue 17): tests/bgload.sh make test
set -u
[ $# -ge 1 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }

duty() {  # busy 3 ms, sleep 7 ms, forever
	local t
	while :; do
		t=$(( ${EPOCHREALTIME/./} + 3000 ))
		while [ "${EPOCHREALTIME/./}" -lt "$t" ]; do :; done
		sleep 0.007
	done
}
files() {  # read the tree and its history, forever
	while :; do
		git log -p -n 50 >/dev/null 2>&1
		cat lib/*.c apps/*/*.c >/dev/null 2>&1
		sleep 0.05
	done
}

pids=""
for cpu in $(seq 0 $(( $(nproc) - 1 ))); do
	duty & taskset -pc "$cpu" $! >/dev/null; pids="$pids $!"
done
files & pids="$pids $!"
trap 'kill $pids 2>/dev/null' EXIT
"$@"
