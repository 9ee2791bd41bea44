#!/bin/sh
# Backup codes on a fleet (docs/security.md "Backup codes", docs/fleet.md):
# two daemons ("hosts") sharing one real redis-server. A code issued on A
# works on B, once: the same code again fails on A and on B; a new set
# issued on B revokes A's old codes; Redis holds no code and no user name
# (keyed hashes only) and a Redis writer cannot plant a code; wrong codes
# count towards the fleet's lockout; Redis down fails closed, on_failure:
# local included.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"
is_root || skip_all "otpsmsctl backup-codes needs root"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
CTL="$top_builddir/otpsmsctl"
at_cleanup 'stop_host A; stop_host B; stop_host C; stop_redis R'

write_config "$TESTDIR/base.yaml" "$(acl_store_yaml closed)
lockout: { failures: 3, window: 10m, duration: 10m }"
write_config "$TESTDIR/local.yaml" "$(acl_store_yaml local)
lockout: { failures: 3, window: 10m, duration: 10m }"
for h in A B; do
	sed "s|^socket: .*|socket: $TESTDIR/run/$h.sock|" "$TESTDIR/base.yaml" > "$TESTDIR/$h.yaml"
	chmod 644 "$TESTDIR/$h.yaml"
done
sed "s|^socket: .*|socket: $TESTDIR/run/C.sock|" "$TESTDIR/local.yaml" > "$TESTDIR/C.yaml"
chmod 644 "$TESTDIR/C.yaml"
sock() { echo "$TESTDIR/run/$1.sock"; }
DU=$(daemon_user)
ctl() { h=$1; shift; "$CTL" -u "$DU" -s "$(sock "$h")" "$@"; }
codes_of() { printf '%s\n' "$1" | grep -E '^[0-9]{5}-[0-9]{5}$'; }
# backup HOST USER CODE: the daemon's answer ("ok", "wrong 0", "error ...").
# Each host hashes at most BACKUP_KDF_PER_SEC (4) a second.
backup() { sleep 0.3; "$CLIENT" -s "$(sock "$1")" backup "$2" "$3"; }
wrong_of() { echo "$1" | tr 0123456789 1234567890; }

start_redis R "$TESTDIR/redis.conf"
for h in A B C; do start_host $h "$TESTDIR/$h.yaml"; done
wait_log A "connected" && wait_log B "connected" && wait_log C "connected"
ok "three hosts connect to one Redis"

# --- a set issued on A is the fleet's
out=$(ctl A backup-codes alice -n 3)
ok "otpsmsctl backup-codes alice -n 3 on A"
c1=$(codes_of "$out" | sed -n 1p)
c2=$(codes_of "$out" | sed -n 2p)
c3=$(codes_of "$out" | sed -n 3p)
[ -n "$c3" ]
ok "three codes printed"
is "$(backup B alice "$c1")" ok "a code issued on A works on B"
grep -q "backup code used, 2 left: user=alice" "$TESTDIR/B.log"
ok "B's audit: backup code used, 2 left"
is "$(backup A alice "$c1")" "wrong 0" "the same code again on A: refused"
is "$(backup B alice "$c1")" "wrong 0" "the same code again on B: refused"

# --- two hosts racing on one code: one success
backup A alice "$c2" > "$TESTDIR/race.A" &
rA=$!
backup B alice "$c2" > "$TESTDIR/race.B" &
rB=$!
wait $rA $rB
is "$(cat "$TESTDIR/race.A" "$TESTDIR/race.B" | grep -c '^ok$')" 1 \
    "one code sent to A and B at once: exactly one success"
ctl A unlock alice > /dev/null

# --- what Redis holds
nottl=$(dump_redis "$TESTDIR/dump")
leak=0
for c in $c1 $c2 $c3; do
	d=$(echo "$c" | tr -d -)
	if grep -q -e "$c" -e "$d" "$TESTDIR/dump"; then leak=1; diag "$c in Redis"; fi
done
is "$leak" 0 "no code in Redis, with or without its dash"
if grep -q alice "$TESTDIR/dump"; then
	fail "no user name in Redis"
else
	pass "no user name in Redis"
fi
bk=$(grep -c "^${PREFIX}k:[0-9a-f]\{32\}\$" "$TESTDIR/dump")
is "$bk" 1 "alice's set: one key, {prefix}k: and a 32-hex keyed hash"
key=$(grep "^${PREFIX}k:" "$TESTDIR/dump")
rcli get "$key" | grep -Eq '^[0-9a-f]{32}( [0-9a-f]{64}){1}$'
ok "its value: the salt and the one unused code's hash (64 hex)"
is "$(rcli pttl "$key")" -1 "the set has no TTL: it never expires silently"
diag "keys without a TTL: $nottl (the backup sets only)"

# --- a new set, issued on B, revokes the old one on A
out=$(ctl B backup-codes alice -n 2)
n1=$(codes_of "$out" | sed -n 1p)
n2=$(codes_of "$out" | sed -n 2p)
[ -n "$n2" ]
ok "a new set for alice issued on B"
is "$(backup A alice "$c3")" "wrong 0" "A: an unused code of the old set is refused"
is "$(backup A alice "$n1")" ok "A: a code of B's new set logs in"
is "$(backup B alice "$n1")" "wrong 0" "B: and it is used up"
ctl A unlock alice > /dev/null

# --- wrong codes count towards the fleet's lockout (failures: 3)
out=$(ctl A backup-codes bob -n 1)
k=$(codes_of "$out")
w=$(wrong_of "$k")
is "$(backup A bob "$w")" "wrong 0" "bob: a wrong code on A"
is "$(backup B bob "$w")" "wrong 0" "bob: a wrong code on B"
is "$(backup A bob "$w")" "wrong 0" "bob: a wrong code on A again"
out=$(backup B bob "$k")
case "$out" in
"error 11 "*) pass "bob's right code on B once locked: refused ($out)" ;;
*) fail "bob's right code on B once locked: refused: $out" ;;
esac
ctl B unlock bob > /dev/null
is "$(backup A bob "$k")" ok "unlocked: the code was not consumed"

# --- a Redis writer cannot plant a code: the entries are keyed by the
# fleet key and bound to the user, not bare scrypt hashes
salt=$(rcli getrange "$key" 0 31)
planted=$(python3 -c '
import hashlib, sys
print(hashlib.scrypt(b"5555566666", salt=bytes.fromhex(sys.argv[1]), n=16384,
    r=8, p=1, dklen=32, maxmem=64 * 1024 * 1024).hex())' "$salt")
rcli set "$key" "$salt $planted" > /dev/null
is "$(backup A alice 55555-66666)" "wrong 0" \
    "a code planted in Redis as salt + scrypt(code): refused"
ctl A unlock alice > /dev/null

# --- Redis down: fail closed, on_failure: local too
stop_redis R
out=$(backup A alice "$n2")
case "$out" in
"error 6 "*) pass "Redis down (on_failure: closed): INTERNAL ($out)" ;;
*) fail "Redis down (on_failure: closed): INTERNAL: $out" ;;
esac
out=$(backup C alice "$n2")
case "$out" in
"error 6 "*) pass "Redis down, on_failure: local: still INTERNAL, no local set ($out)" ;;
*) fail "Redis down, on_failure: local: still INTERNAL, no local set: $out" ;;
esac
out=$(ctl A backup-codes carol -n 1 2>&1)
is "$?" 2 "otpsmsctl backup-codes with Redis down: fails (exit 2)"
case "$out" in
*"shared store did not answer"*) pass "and says why" ;;
*) fail "and says why: $out" ;;
esac
if codes_of "$out" | grep -q .; then
	fail "no code printed for a set that was not stored"
else
	pass "no code printed for a set that was not stored"
fi
for h in A B C; do stop_host $h; done
for h in A B C; do
	if grep -q -e "$n2" -e "$(echo "$n2" | tr -d -)" "$TESTDIR/$h.log"; then
		fail "no code in $h's log"
	else
		pass "no code in $h's log"
	fi
done
done_testing
