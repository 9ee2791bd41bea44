#!/bin/sh
# Runs the libFuzzer targets built by tests/fuzz/build.sh.
#   tests/fuzz/run.sh BUILDDIR -max_total_time=30 [TARGET...]   (CI)
#   tests/fuzz/run.sh BUILDDIR -runs=10000000 [TARGET...]       (benchmark)
# Each target starts from its seeds (tests/fuzz/seeds/TARGET, read only:
# libFuzzer writes new inputs into the FIRST corpus directory, so a scratch
# one under BUILDDIR/fuzz-corpus comes first) and prints one line:
#   TARGET ok|FAIL runs=N secs=S crashes=C leaks=L timeouts=T ooms=O
# FUZZ_JOBS targets run at once (default: the number of CPUs). Exit 1 when
# any target found anything. Crash inputs are kept in BUILDDIR/fuzz-artifacts.
set -u
bld=$(cd "$1" && pwd)
limit=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
targets=${*:-$(cd "$bld/tests/fuzz" && ls fuzz_* | grep -v '\.' )}
mkdir -p "$bld/fuzz-corpus" "$bld/fuzz-artifacts" "$bld/fuzz-logs"

one() {  # one TARGET: runs it, prints its line, returns 1 on a finding
	t=$1
	log="$bld/fuzz-logs/$t.log"
	corpus="$bld/fuzz-corpus/$t"
	mkdir -p "$corpus"
	seeds=
	[ -d "$top/tests/fuzz/seeds/$t" ] && seeds="$top/tests/fuzz/seeds/$t"
	start=$(date +%s)
	# -timeout: one input taking over 10 s is a finding; -rss_limit_mb: so
	# is memory growth. Leak detection is on (ASan's LeakSanitizer).
	# shellcheck disable=SC2086
	"$bld/tests/fuzz/$t" "$limit" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$bld/fuzz-artifacts/$t-" \
	    "$corpus" $seeds >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(grep -c 'ERROR: AddressSanitizer\|ERROR: libFuzzer: deadly signal\|runtime error:\|ERROR: libFuzzer: fuzz target exited' "$log")
	leaks=$(grep -c 'ERROR: LeakSanitizer' "$log")
	timeouts=$(grep -c 'ERROR: libFuzzer: timeout' "$log")
	ooms=$(grep -c 'ERROR: libFuzzer: out-of-memory' "$log")
	status=ok
	[ "$rc" -eq 0 ] || status=FAIL
	echo "$t $status runs=${runs:-?} secs=$secs crashes=$crashes leaks=$leaks timeouts=$timeouts ooms=$ooms"
	if [ "$status" = FAIL ]; then
		grep -B 2 -A 30 'ERROR:\|runtime error:' "$log" | head -n 60
		return 1
	fi
}

rc=0
pids=
n=0
for t in $targets; do
	[ -x "$bld/tests/fuzz/$t" ] || { echo "$t FAIL: not built"; rc=1; continue; }
	one "$t" >"$bld/fuzz-logs/$t.line" 2>&1 &
	pids="$pids $!:$t"
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		for p in $pids; do
			wait "${p%%:*}" || rc=1
			cat "$bld/fuzz-logs/${p#*:}.line"
		done
		pids=
		n=0
	fi
done
for p in $pids; do
	wait "${p%%:*}" || rc=1
	cat "$bld/fuzz-logs/${p#*:}.line"
done
exit $rc
