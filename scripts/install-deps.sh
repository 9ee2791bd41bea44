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
	libseccomp-dev
	clang libclang-rt-14-dev valgrind
	python3 python3-yaml openssh-server openssh-client sudo expect
	passwd procps iproute2 ca-certificates git
	nginx wrk libpam-oath linux-perf
"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
# Debian starts ssh.service on install where systemd runs; the tests run their
# own sshd on a free loopback port and never need the system one.
echo "install-deps.sh: all build and test packages are installed"
