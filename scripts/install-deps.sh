#!/bin/sh
# Installs the Debian 12 packages otpsms needs. Run as root.
#
#   ./scripts/install-deps.sh          what building and the demo need
#   ./scripts/install-deps.sh --test   and what the test suite and benchmarks need
#                                      (sanitizers, valgrind, sudo, nginx, Redis,
#                                      Kannel, gammu, an SMPP client, ...)
#
# Always starts from `apt-get update`: a machine that already has the packages
# would hide one missing from these lists. Services that the packages would
# start (ssh, nginx, redis, kannel, gammu-smsd) are never started and are left
# disabled, on systemd and sysvinit hosts alike: the tests and benchmarks run
# their own on free loopback ports. A service whose package was already
# installed is left as the administrator had it; ssh is never touched (the
# demo and the tests run their own sshd, and this may run over SSH).
set -eu

usage() { echo "usage: install-deps.sh [--test]" >&2; exit 2; }
with_test=no
for a in "$@"; do
	case "$a" in
	--test) with_test=yes ;;
	-h|--help) echo "usage: install-deps.sh [--test]"; exit 0 ;;
	*) usage ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi

# Build (autotools, the module, the daemon and its libraries) and the demo (a
# real sshd and ssh client driven by expect; python3 reads the outbox).
PACKAGES="
	build-essential autoconf automake libtool pkg-config make gettext
	libpam0g-dev libpam-modules libpam-runtime
	libcurl4-openssl-dev libssl-dev libyaml-dev libjansson-dev
	libseccomp-dev libhiredis-dev libldap2-dev
	python3 openssh-server openssh-client expect
	passwd procps ca-certificates
"
# The test suite and the benchmarks.
TEST_PACKAGES="
	clang libclang-rt-14-dev valgrind
	python3-yaml sudo iproute2 git
	gammu-smsd libnet-smpp-perl
	nginx wrk nghttp2-client libpam-oath linux-perf
	redis-server redis-tools
	kannel kannel-extras
	debhelper dpkg-dev fakeroot devscripts equivs lintian pamtester
	slapd ldap-utils
	prometheus python3-prometheus-client
"
# service:package, for the services the test packages bring
SERVICES="gammu-smsd:gammu-smsd nginx:nginx-common redis-server:redis-server kannel:kannel slapd:slapd prometheus:prometheus"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
new_services=""
for sp in $SERVICES; do
	installed "${sp#*:}" || new_services="$new_services ${sp%%:*}"
done

[ "$with_test" = yes ] && PACKAGES="$PACKAGES $TEST_PACKAGES"

# invoke-rc.d asks policy-rc.d before it starts a service; one that answers 101
# ("action not allowed") is in place for this install only, unless the machine
# already has its own.
own_policy=no
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	own_policy=yes
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT INT TERM
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES

# Left disabled at boot as well (the init system's own tool).
for s in $new_services; do
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now "$s.service" >/dev/null 2>&1 || true
	elif [ -x "/etc/init.d/$s" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d "$s" disable >/dev/null 2>&1 || true
	fi
done
[ "$own_policy" = yes ] && rm -f /usr/sbin/policy-rc.d
trap - EXIT INT TERM
if [ "$with_test" = yes ]; then
	echo "install-deps.sh: all build, demo and test packages are installed"
else
	echo "install-deps.sh: all build and demo packages are installed (--test adds the test suite's)"
fi
