#!/bin/sh
# Installs every package otpsms needs to build, test and demo on Debian 12.
# Run as root. Always starts from `apt-get update`: a machine that already
# has the packages would hide one missing from this list.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi

PACKAGES="
	build-essential autoconf automake libtool pkg-config make
	libpam0g-dev libpam-modules libpam-runtime
	libcurl4-openssl-dev libssl-dev libyaml-dev libjansson-dev
	libseccomp-dev libhiredis-dev
	clang libclang-rt-14-dev valgrind
	python3 python3-yaml openssh-server openssh-client sudo expect
	gammu-smsd
	libnet-smpp-perl
	passwd procps iproute2 ca-certificates git
	nginx wrk libpam-oath linux-perf
	redis-server redis-tools
"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
# Debian starts ssh.service on install where systemd runs; the tests run their
# own sshd on a free loopback port and never need the system one.
# The same for gammu-smsd: tests/carriers/spool.sh runs its own, on gammu's
# dummy phone driver; the packaged service would look for a modem. nginx is
# only the benchmark's stand-in carrier, started by `make bench` on a free port.
# redis-server: tests/fleet start their own on a free loopback port.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable --now gammu-smsd.service nginx.service redis-server.service >/dev/null 2>&1 || true
fi
# Kannel (tests/carriers/kannel.sh starts bearerbox, smsbox and fakesmsc on
# free loopback ports with its own configuration): its package's service is
# never started. invoke-rc.d asks policy-rc.d; one that says 101 ("action
# not allowed") is put in place for this install only, unless the machine
# already has one.
KANNEL_PACKAGES="kannel kannel-extras"
if [ -e /usr/sbin/policy-rc.d ]; then
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $KANNEL_PACKAGES
else
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $KANNEL_PACKAGES || {
		rm -f /usr/sbin/policy-rc.d
		exit 1
	}
	rm -f /usr/sbin/policy-rc.d
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable kannel.service >/dev/null 2>&1 || true
fi
echo "install-deps.sh: all build and test packages are installed"
