#!/bin/sh
# The whole test suite, as CI runs it (README: second command):
#   1. a -Werror build, `make check` (unit, PAM stacks, daemon, carriers
#      against the Python mocks) and `make check-integration` (Kannel, gammu,
#      the SMPP SMSC, Redis and Sentinel, and with OTPSMS_E2E=1 the e2e
#      tests: sshd and sudo, which write under /etc)
#   2. an ASan+UBSan build and the same two targets (the e2e tests skip there:
#      sshd and sudo cannot load a sanitized module)
#   3. the unit tests under valgrind
#   4. the daemon-level tests in a --with-seccomp build (the allow-list)
#   5. every libFuzzer target for a bounded time (tests/fuzz/run.sh)
#   6. `make distcheck`
#   7. the Debian packages, from distcheck's tarball (tests/e2e/debian.sh)
# The last line counts every TAP result of every step: "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out="$top/_build"
jobs=$(nproc 2>/dev/null || echo 2)
# Fuzzing: FUZZ_SECONDS per target, or a 270 s budget shared by the targets
# (issue 4: at most 5 CPU-minutes in all), FUZZ_JOBS (default: CPUs) at once.
fuzz_budget=270
passed=0
failed=0
steps_failed=""

count_logs() {  # count_logs BUILDDIR: adds the automake test-suite totals
	# test-suite.log (make check), test-suite-integration.log (the other tier)
	for log in $(find "$1" -name 'test-suite*.log' 2>/dev/null); do
		p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
		f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
		x=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
		xp=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0} + ${x:-0} + ${xp:-0}))
	done
}

step() {  # step NAME COMMAND...: runs a step, records a failure
	name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		steps_failed="$steps_failed $name"
	fi
}

show_failures() {  # prints the logs of failed tests in BUILDDIR
	find "$1" -name '*.log' ! -name test-suite.log ! -name config.log 2>/dev/null |
	while read -r l; do
		if grep -q '^not ok\|^Bail out\|^ERROR\|^FAIL' "$l" 2>/dev/null; then
			echo "--- $l"
			tail -n 60 "$l"
		fi
	done
}

build() {  # build DIR CONFIGURE-ARGS...
	dir=$1
	shift
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" &&
	    "$top/configure" -q "$@" && make -j"$jobs" >make.log 2>&1 ||
	    { tail -n 40 "$dir/make.log" 2>/dev/null; cd "$top"; return 1; }
	cd "$top"
}

check() {  # check DIR: make check and make check-integration, failures shown
	(cd "$1" && make -j"$jobs" check >check.log 2>&1)
	rc=$?
	# The e2e tests (under /etc) are asked for here: this is the whole suite.
	(cd "$1" && OTPSMS_E2E=1 make -j"$jobs" check-integration >check-integration.log 2>&1) || rc=1
	cat "$1/check-integration.log" >>"$1/check.log"
	grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' "$1/check.log" | grep -v '^PASS' || true
	[ $rc -eq 0 ] || show_failures "$1"
	count_logs "$1"
	return $rc
}

# The fleet's tests (tests/fleet/common.sh is their library, not a test).
FLEET_TESTS="tests/fleet/redis.sh tests/fleet/limits.sh tests/fleet/tls.sh tests/fleet/sentinel.sh tests/fleet/sentinel_tls.sh tests/fleet/client_edge.sh tests/fleet/tamper.sh tests/fleet/lockout.sh tests/fleet/backup.sh"

valgrind_units() {
	rc=0
	for t in "$out/werror"/tests/unit/test_*; do
		case "$t" in *.o|*.log|*.trs|*.c) continue ;; esac
		[ -x "$t" ] || continue
		if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		    "$t" >"$t.valgrind.log" 2>&1; then
			passed=$((passed + 1))
			echo "ok - valgrind $(basename "$t")"
		else
			failed=$((failed + 1))
			echo "not ok - valgrind $(basename "$t")"
			tail -n 30 "$t.valgrind.log"
			rc=1
		fi
	done
	# The daemon itself under valgrind, driven through its socket.
	for t in tests/daemon/protocol.sh tests/daemon/reload.sh tests/hardening/lockout.sh tests/hardening/backup.sh tests/carriers/twilio.sh tests/carriers/twilio_tls.sh tests/carriers/lookup.sh tests/carriers/kannel_flood.sh $FLEET_TESTS tests/directory/ldap.sh; do
		log="$out/werror/valgrind-$(basename "$t" .sh).log"
		top_srcdir="$top" top_builddir="$out/werror" \
		    OTPSMSD_WRAPPER="valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite" \
		    sh "$top/$t" >"$log" 2>&1
		p=$(grep -c '^ok' "$log")
		f=$(grep -c '^not ok' "$log")
		passed=$((passed + p))
		failed=$((failed + f))
		echo "valgrind daemon $t: $p passed, $f failed"
		if [ "$f" -ne 0 ] || ! grep -q '^1\.\.' "$log"; then
			grep -A 20 '^not ok\|^Bail' "$log" | head -n 60
			rc=1
		fi
	done
	return $rc
}

fuzz() {  # every libFuzzer target (tests/fuzz.am), the budget shared
	rc=0
	rm -rf "$out/fuzz"
	"$top/tests/fuzz/build.sh" "$out/fuzz" || return 1
	n=$(ls "$out/fuzz/tests/fuzz" | grep -c '^fuzz_[a-z0-9_]*$')
	fuzz_seconds=${FUZZ_SECONDS:-$((fuzz_budget / (n > 0 ? n : 1)))}
	echo "$n fuzz targets, $fuzz_seconds s each"
	"$top/tests/fuzz/run.sh" "$out/fuzz" -max_total_time="$fuzz_seconds" \
	    >"$out/fuzz/run.log" 2>&1 || rc=1
	cat "$out/fuzz/run.log"
	p=$(grep -c '^fuzz_[a-z_]* ok ' "$out/fuzz/run.log")
	f=$(grep -c '^fuzz_[a-z_]* FAIL' "$out/fuzz/run.log")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$p" -gt 0 ] || rc=1
	return $rc
}

# The daemon-level tests in a --with-seccomp build, so that the allow-list
# meets every system call the daemon, libcurl and the carriers make; and the
# filter's refusals from the inside (tests/unit/test_sandbox).
seccomp_tests() {
	(cd "$out/seccomp" && make -j"$jobs" check TESTS="tests/unit/test_sandbox \
	    tests/daemon/protocol.sh tests/daemon/reload.sh tests/daemon/numbers.sh tests/daemon/metrics.sh tests/daemon/user.sh tests/hardening/policy.sh tests/hardening/rootfs.sh tests/hardening/lockout.sh tests/hardening/backup.sh \
	    $FLEET_TESTS tests/directory/ldap.sh $(cd "$top" && ls tests/carriers/*.sh | grep -v /lib.sh)" \
	    >check.log 2>&1)
	rc=$?
	grep -E '^(FAIL|ERROR|SKIP|XFAIL|XPASS):' "$out/seccomp/check.log" || true
	[ $rc -eq 0 ] || show_failures "$out/seccomp"
	count_logs "$out/seccomp"
	return $rc
}

# The Debian packages from distcheck's tarball: built, linted, installed, a
# login through them, purged (tests/e2e/debian.sh, root only).
debian_packages() {
	log="$out/debian.log"
	tarball=$(ls "$out"/werror/otpsms-*.tar.gz 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || { echo "no tarball from distcheck"; failed=$((failed + 1)); return 1; }
	top_srcdir="$top" top_builddir="$out/werror" sh "$top/tests/e2e/debian.sh" "$tarball" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok' "$log")
	f=$(grep -c '^not ok' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	echo "debian packages: $p passed, $f failed"
	grep '^1\.\.0 # SKIP' "$log" || true
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ] || ! grep -q '^1\.\.' "$log"; then
		grep -A 20 '^not ok\|^Bail\|^# ' "$log" | head -n 60
		return 1
	fi
}

distcheck() {
	(cd "$out/werror" && make distcheck >distcheck.log 2>&1) && { passed=$((passed + 1)); return 0; }
	tail -n 40 "$out/werror/distcheck.log"
	failed=$((failed + 1))
	return 1
}

step autogen sh -c "./autogen.sh >/dev/null 2>&1"
mkdir -p "$out"
step build-werror build "$out/werror" --enable-werror
step check-werror check "$out/werror"
step build-sanitizers build "$out/asan" --enable-werror --enable-sanitizers
OTPSMS_SANITIZED=1
export OTPSMS_SANITIZED
step check-sanitizers check "$out/asan"
unset OTPSMS_SANITIZED
step valgrind valgrind_units
step build-seccomp build "$out/seccomp" --enable-werror --with-seccomp
step check-seccomp seccomp_tests
step fuzz fuzz
step distcheck distcheck
step debian debian_packages

[ -z "$steps_failed" ] || echo "failed steps:$steps_failed"
echo "$passed passed, $failed failed"
[ -z "$steps_failed" ] && [ "$failed" -eq 0 ]
