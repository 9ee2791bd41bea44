#!/bin/sh
# The fuzzing benchmark (issue 4; not part of CI): every libFuzzer target for
# 10 million executions, each from its seeds, and per target one line:
#   TARGET ok|FAIL runs=N secs=S crashes=C leaks=L timeouts=T ooms=O
# then a total. "ok" means libFuzzer ran all its executions and found no
# crash, no leak (LeakSanitizer), no input slower than 10 s and no memory
# growth past 2 GB. Findings are kept in BUILDDIR/fuzz-artifacts.
#
#   scripts/fuzz-bench.sh [-n RUNS] [-j JOBS] [-b BUILDDIR] [TARGET...]
#
# Defaults: 10000000 runs, one target per CPU at a time, _build/fuzz-bench.
# The slow targets take hours at 10 million (fuzz_client_reply does a real
# Unix-socket exchange per input, about 1,500 a second on one core; the
# configuration parser about 2,500): give them fewer with -n, or name only the
# fast ones. docs/security.md has the figures of the last run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runs=10000000
jobs=$(nproc 2>/dev/null || echo 2)
bld="$top/_build/fuzz-bench"
while getopts n:j:b: o; do
	case $o in
	n) runs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	b) bld=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-j JOBS] [-b BUILDDIR] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
echo "building the fuzz targets in $bld"
"$top/tests/fuzz/build.sh" "$bld" || exit 1
echo "running each for $runs executions, $jobs at a time"
start=$(date +%s)
{ FUZZ_JOBS=$jobs "$top/tests/fuzz/run.sh" "$bld" -runs="$runs" "$@"; echo $? >"$bld/fuzz-bench.rc"; } |
    tee "$bld/fuzz-bench.txt"
rc=$(cat "$bld/fuzz-bench.rc")
echo "total: $(( $(date +%s) - start )) s, $(grep -c ' ok ' "$bld/fuzz-bench.txt") ok, $(grep -c ' FAIL' "$bld/fuzz-bench.txt") failed"
exit $rc
