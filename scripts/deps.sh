#!/bin/sh
# deps.sh: install the Debian packages that the build, the tests and the
# demonstration need, when they are missing; "deps.sh bench" adds what
# bench/bench.sh needs (gnuplot for the charts, perf to count syscalls).  Needs root to install;
# without root it only reports what is missing.
set -eu

PKGS="gcc make libc6-dev liburing-dev pkg-config clang libclang-rt-14-dev strace procps iproute2 ethtool util-linux curl wrk apache2-utils memcached libmemcached-tools nginx-light abigail-tools man-db groff-base media-types python3"
[ "${1:-}" = bench ] && PKGS="$PKGS gnuplot-nox linux-perf"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
