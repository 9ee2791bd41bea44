#!/bin/sh
# The whole test suite, as CI runs it (README: second command):
#   1. a -Werror build and `make check` (unit, PAM stacks, carriers, sshd, sudo)
#   2. an ASan+UBSan build and `make check` (the e2e tests skip there: sshd and
#      sudo cannot load a sanitized module)
#   3. the unit tests under valgrind
#   4. every libFuzzer target for a bounded time
#   5. `make distcheck`
# The last line counts every TAP result of every step: "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out="$top/_build"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
steps_failed=""

count_logs() {  # count_logs BUILDDIR: adds the automake test-suite totals
	for log in $(find "$1" -name test-suite.log 2>/dev/null); do
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

check() {  # check DIR: make check, failures shown
	(cd "$1" && make -j"$jobs" check >check.log 2>&1)
	rc=$?
	grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' "$1/check.log" | grep -v '^PASS' || true
	[ $rc -eq 0 ] || show_failures "$1"
	count_logs "$1"
	return $rc
}

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
	for t in tests/daemon/protocol.sh tests/carriers/twilio.sh; do
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

fuzz() {
	rc=0
	"$top/tests/fuzz/build.sh" "$out/fuzz" "$out/werror" || return 1
	for f in "$out"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		mkdir -p "$out/fuzz/corpus-$name"
		seeds=
		[ -d "$top/tests/fuzz/seeds/$name" ] && seeds="$top/tests/fuzz/seeds/$name"
		# shellcheck disable=SC2086
		if "$f" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
		    "$out/fuzz/corpus-$name" $seeds \
		    >"$out/fuzz/$name.log" 2>&1; then
			passed=$((passed + 1))
			echo "ok - $name: $(grep -c . "$out/fuzz/$name.log") log lines, $(tail -n 1 "$out/fuzz/$name.log")"
		else
			failed=$((failed + 1))
			echo "not ok - $name"
			tail -n 40 "$out/fuzz/$name.log"
			rc=1
		fi
	done
	return $rc
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
step fuzz fuzz
step distcheck distcheck

[ -z "$steps_failed" ] || echo "failed steps:$steps_failed"
echo "$passed passed, $failed failed"
[ -z "$steps_failed" ] && [ "$failed" -eq 0 ]
