#!/bin/sh
# The lockout bounds guesses across a fleet (docs/security.md, "Brute force
# (A1)"): two daemons ("hosts") sharing one real redis-server. Codes pending
# for one user on both hosts, wrong guesses spread over hosts and codes,
# one after another and all at once: at most lockout.failures are checked.
# A locked user's right code is refused on every host and not consumed.
# limits.pending counts the fleet's pending codes.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
CTL="$top_builddir/otpsmsctl"
at_cleanup 'stop_host A; stop_host B; stop_redis R'

BOB=+15017122661
DAVE=+447700900222
CONFIG_EXTRA_USERS='  dave: "+447700900222"'
if is_root; then DUR=2m; else DUR=3s; fi
write_config "$TESTDIR/base.yaml" "$(acl_store_yaml closed)
code: { reuse_window: 0, max_attempts: 10 }
limits: { per_user: off, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: 3 }
lockout: { failures: 3, window: 10m, duration: $DUR }"
for h in A B; do
	sed "s|^socket: .*|socket: $TESTDIR/run/$h.sock|" "$TESTDIR/base.yaml" > "$TESTDIR/$h.yaml"
	chmod 644 "$TESTDIR/$h.yaml"
done
sock() { echo "$TESTDIR/run/$1.sock"; }
chal() { "$CLIENT" -s "$(sock "$1")" challenge "$2" "$3"; }
verify() { "$CLIENT" -s "$(sock "$1")" verify "$2" "$3" "$4"; }
wrong() { awk -v c="$1" 'BEGIN { printf "%06d", (c + 1) % 1000000 }'; }
unlock() {  # USER: otpsmsctl on A, or the lock's end
	if is_root; then
		"$CTL" -u "$(daemon_user)" -s "$(sock A)" unlock "$1" > /dev/null
		ok "otpsmsctl unlock $1 on A"
	else
		sleep 3.5
		pass "the 3 s lock ended"
	fi
}

start_redis R "$TESTDIR/redis.conf"
for h in A B; do start_host $h "$TESTDIR/$h.yaml"; done
wait_log A "connected" && wait_log B "connected"
ok "two hosts connect to one Redis"

# --- three codes pending for bob over two hosts; a fourth is refused
for s in 1 2 3; do
	case $s in 2) h=B ;; *) h=A ;; esac
	out=$(chal $h bob "svc$s") || bail "bob's challenge svc$s on $h: $out"
	eval "id$s=\${out%% *} host$s=$h"
	eval "code$s=$(code_for $BOB)"
done
pass "three codes pending for bob: svc1 on A, svc2 on B, svc3 on A"
n=$(outbox_count)
out=$(chal B bob svc4)
case "$out" in
"error 10 "[1-9]*" too many codes pending") pass "a fourth, on B, is refused: RATE ($out)" ;;
*) fail "a fourth, on B, is refused: RATE: $out" ;;
esac
is "$(outbox_count)" "$n" "no fourth code sent"
grep -q 'send refused: user=bob service=svc4 .*reason="too many codes pending"' "$TESTDIR/B.log"
ok "host B logs why"

# --- twelve wrong guesses, each code on both hosts in turn: three checked
checked=0 refused=0
for i in 1 2 3 4; do
	for s in 1 2 3; do
		eval "id=\$id$s code=\$code$s"
		case $(( (i + s) % 2 )) in 0) h=A ;; *) h=B ;; esac
		out=$(verify $h "$id" bob "$(wrong "$code")")
		case "$out" in
		"wrong "*|maxtries) checked=$((checked + 1)) ;;
		"error 11 "[1-9]*) refused=$((refused + 1)) ;;
		*) diag "unexpected answer: $out" ;;
		esac
	done
done
is "$checked" 3 "12 wrong guesses, 3 codes, 2 hosts: lockout.failures (3) checked"
is "$refused" 9 "the other 9 refused as LOCKED"
is "$(cat "$TESTDIR/A.log" "$TESTDIR/B.log" | grep -c 'wrong code: user=bob')" 3 \
    "the hosts' logs show 3 wrong codes checked in all"

# --- the right code while locked: refused on both hosts, not consumed
for h in A B; do
	out=$(verify $h "$id1" bob "$code1")
	case "$out" in
	"error 11 "[1-9]*) pass "bob's right code on $h while locked: LOCKED ($out)" ;;
	*) fail "bob's right code on $h while locked: LOCKED: $out" ;;
	esac
done
unlock bob
is "$(verify B "$id1" bob "$code1")" ok "the code A sent, refused while locked, verifies on B"
is "$(verify A "$id2" bob "$code2")" ok "the code B sent verifies on A"
out=$(chal B bob svc4)
ok "two codes used: bob may have a new one on B"

# --- guesses all at once on both hosts: still three checked
for s in 1 2 3; do
	case $s in 2) h=B ;; *) h=A ;; esac
	out=$(chal $h dave "svc$s") || bail "dave's challenge svc$s: $out"
	eval "did$s=\${out%% *}"
	eval "dcode$s=$(code_for $DAVE)"
done
racers=
for i in 1 2 3 4; do
	for s in 1 2 3; do
		for h in A B; do
			eval "id=\$did$s code=\$dcode$s"
			verify $h "$id" dave "$(wrong "$code")" > "$TESTDIR/race.$i$s$h" 2>&1 &
			racers="$racers $!"
		done
	done
done
wait $racers
checked=$(grep -l '^wrong \|^maxtries' "$TESTDIR"/race.* | wc -l | tr -d ' ')
refused=$(grep -l '^error 11 [1-9]' "$TESTDIR"/race.* | wc -l | tr -d ' ')
is "$checked" 3 "24 concurrent wrong guesses on 2 hosts: 3 checked"
is "$refused" 21 "the other 21 refused as LOCKED"
out=$(verify A "$did3" dave "$dcode3")
case "$out" in
"error 11 "[1-9]*) pass "dave is locked ($out)" ;;
*) fail "dave is locked: $out" ;;
esac
unlock dave
is "$(verify B "$did3" dave "$dcode3")" ok "and his code verifies once unlocked"

# --- what Redis holds: hashes, every key with a TTL
nottl=$(dump_redis "$TESTDIR/dump")
is "$nottl" 0 "every key in Redis has a TTL"
grep -aq "bob\|dave" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "no user name in Redis"
is "$(rcli --scan --pattern "${PREFIX}w:*" | grep -c .)" 2 \
    "the fleet's pending codes: one keyed set per user (bob, dave)"

stop_host A
stop_host B
stop_redis R
done_testing
