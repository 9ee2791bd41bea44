#!/bin/sh
# Builds every libFuzzer target: tests/fuzz/build.sh OUTDIR [CONFIGURE-ARGS...]
# configures OUTDIR with --enable-fuzzing (clang, ASan, UBSan, coverage; see
# tests/fuzz.am) unless it already is, and makes only the targets. They land
# in OUTDIR/tests/fuzz/fuzz_*; tests/fuzz/run.sh runs them.
set -eu
out=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cd "$out"
if [ ! -f Makefile ] || ! grep -q '^FUZZ_LDFLAGS = -fsanitize=fuzzer' Makefile; then
	"$top/configure" -q --enable-fuzzing "$@"
fi
make -j"$(nproc 2>/dev/null || echo 2)" fuzz-targets >fuzz-make.log 2>&1 ||
    { tail -n 40 fuzz-make.log; exit 1; }
