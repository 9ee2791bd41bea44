#!/bin/sh
# Builds every libFuzzer target: tests/fuzz/build.sh OUTDIR CONFIGURED_BUILDDIR
# (the build dir provides config.h). Each target links just the sources it needs.
set -eu
out=$1
bld=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I$bld -I$top/common -I$top/helper"
COMMON="$top/common/buf.c $top/common/proto.c $top/common/util.c $top/common/log.c"
PKG="$(pkg-config --cflags --libs libcrypto libcurl yaml-0.1 jansson)"
DAEMON="$top/helper/cfgtree.c $top/helper/config.c $top/helper/carrier.c
	$top/helper/carrier_file.c $top/helper/carrier_twilio.c $top/helper/template.c
	$top/helper/carrier_vonage.c $top/helper/carrier_util.c $top/helper/route.c
	$top/helper/carrier_spool.c
	$top/helper/http.c $top/helper/loop.c
	$top/helper/config_policy.c $top/helper/countries.c $top/helper/ratelimit.c
	$top/helper/lockout.c $top/helper/keytab.c"

# shellcheck disable=SC2086
$CC $FLAGS -o "$out/fuzz_proto" "$top/tests/fuzz/fuzz_proto.c" $COMMON
for t in fuzz_config fuzz_twilio_reply fuzz_vonage_reply; do
	[ -f "$top/tests/fuzz/$t.c" ] || continue
	# shellcheck disable=SC2086
	$CC $FLAGS -o "$out/$t" "$top/tests/fuzz/$t.c" $DAEMON $COMMON $PKG
done
