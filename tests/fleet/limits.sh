#!/bin/sh
# Three daemons (three "hosts") sharing one real redis-server: a per-user
# limit spends across hosts, atomically under concurrent logins; the resend
# backoff follows the user from host to host; wrong codes on different
# hosts add up to one lockout, which holds on every host until otpsmsctl
# unlock on any one of them; what Redis holds of all this is keyed hashes,
# counters and sealed names, every key with a TTL. Redis gone: a host with
# on_failure: closed refuses, one with local decides by its own limits.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
CTL="$top_builddir/otpsmsctl"
at_cleanup 'stop_host A; stop_host B; stop_host C; stop_host D; stop_host E; stop_redis R'

ALICE=+447700900123
BOB=+15017122661
DAVE=+447700900222
FRANK=+447700900333
CONFIG_EXTRA_USERS='  dave: "+447700900222"
  frank: "+447700900333"'
write_config "$TESTDIR/base.yaml" "$(acl_store_yaml closed)
code: { reuse_window: 0 }
limits: { per_user: 4/10m, per_number: off, per_prefix: off, per_country: off, global: 1000/1h, backoff_after: 2, backoff_max: 1m, pending: off }
lockout: { failures: 3, window: 10m, duration: 2m }"
# host_config NAME FILE: FILE with the host's own socket, as NAME.yaml.
host_config() {
	sed "s|^socket: .*|socket: $TESTDIR/run/$1.sock|" "$2" > "$TESTDIR/$1.yaml"
	chmod 644 "$TESTDIR/$1.yaml"
}
for h in A B C; do host_config $h "$TESTDIR/base.yaml"; done
sock() { echo "$TESTDIR/run/$1.sock"; }
chal() { "$CLIENT" -s "$(sock "$1")" challenge "$2" "${3:-sshd}"; }
verify() { "$CLIENT" -s "$(sock "$1")" verify "$2" "$3" "$4"; }
ctl() { _h=$1; shift; "$CTL" -u "$(daemon_user)" -s "$(sock "$_h")" "$@"; }
# wrong CODE: a six-digit code that is not CODE.
wrong() { awk -v c="$1" 'BEGIN { printf "%06d", (c + 1) % 1000000 }'; }

start_redis R "$TESTDIR/redis.conf"
for h in A B C; do start_host $h "$TESTDIR/$h.yaml"; done
wait_log A "connected" && wait_log B "connected" && wait_log C "connected"
ok "three hosts connect to one Redis"

# --- per_user 4/10m spends across hosts (each code verified: no backoff)
n0=$(outbox_count)
for h in A B C A; do
	out=$(chal $h alice) || fail "alice's challenge on $h: $out"
	id=${out%% *}
	is "$(verify $h "$id" alice "$(code_for $ALICE)")" ok "alice logs in on $h"
done
is "$(outbox_count)" $((n0 + 4)) "four codes sent through three hosts"
out=$(chal B alice)
is "$?" 2 "the fifth, on B, is refused"
case "$out" in
"error 10 "[1-9]*) pass "rate limited with a retry_after ($out)" ;;
*) fail "rate limited with a retry_after: $out" ;;
esac
grep -q 'send refused: user=alice.*per_user limit' "$TESTDIR/B.log"
ok "host B names the per_user limit in its log"
is "$(outbox_count)" $((n0 + 4)) "no fifth code"
out=$(chal C bob)
ok "another user is not limited by alice's bucket"
is "$(verify C "${out%% *}" bob "$(code_for $BOB)")" ok "bob logs in"

# --- the resend backoff follows the user (backoff_after 2)
out=$(chal A dave)
ok "dave's first code (A)"
out=$(chal B dave)
ok "dave's second code, unverified (B)"
id=${out%% *}
code=$(code_for $DAVE)
out=$(chal C dave)
is "$?" 2 "a third unverified code, on C, waits for the backoff"
case "$out" in
"error 10 "[1-9]*) pass "rate limited ($out)" ;;
*) fail "rate limited: $out" ;;
esac
grep -q 'send refused: user=dave.*backoff limit' "$TESTDIR/C.log"
ok "host C says it is the backoff"
is "$(verify C "$id" dave "$code")" ok "dave verifies the code B sent, on C"
out=$(chal A dave)
ok "a verified code resets the backoff for the fleet (A sends again)"

# --- lockout: wrong codes on three hosts add up
out=$(chal A bob)
id=${out%% *}
code=$(code_for $BOB)
bad=$(wrong "$code")
is "$(verify A "$id" bob "$bad")" "wrong 2" "bob: a wrong code on A"
is "$(verify B "$id" bob "$bad")" "wrong 1" "a wrong code on B"
is "$(verify C "$id" bob "$bad")" maxtries "a third on C locks bob"
grep -q 'locked out: user=bob.*too many wrong codes' "$TESTDIR/C.log"
ok "host C logs the lockout"
for h in A B C; do
	out=$(chal $h bob)
	case "$out" in
	"error 11 "[1-9]*) pass "bob is locked out on $h ($out)" ;;
	*) fail "bob is locked out on $h: $out" ;;
	esac
done

# --- what Redis holds
nottl=$(dump_redis "$TESTDIR/dump")
is "$nottl" 0 "every key in Redis has a TTL"
grep -aq "alice\|bob\|dave\|frank" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "no user name in Redis (lock names are sealed)"
grep -aq "7700900\|5017122661" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "no number or prefix in Redis"
grep -aq "$code" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "no code in Redis"

if is_root; then
	r=$(ctl B locked)
	case "$r" in "bob "[0-9]*) pass "otpsmsctl locked on B lists bob" ;; *) fail "otpsmsctl locked on B: $r" ;; esac
	r=$(ctl A unlock bob)
	is "$r" "bob unlocked" "otpsmsctl unlock bob on A"
	out=$(chal C bob)
	ok "bob gets a code on C again"
	is "$(verify B "${out%% *}" bob "$(code_for $BOB)")" ok "and logs in on B"
	is "$(ctl C locked)" "no user is locked out" "nobody is locked on C"
	r=$(ctl C unlock bob)
	is "$?" 1 "unlocking a user who is not locked says so"
	ctl A status > "$TESTDIR/status"
	grep -q "^limits and lockouts: shared" "$TESTDIR/status"
	ok "otpsmsctl status says limits are shared"
else
	for i in 1 2 3 4 5 6 7; do pass "# SKIP otpsmsctl needs root"; done
fi

# --- concurrent logins on three hosts cannot overspend one bucket (the
# hosts restart without the backoff, which would otherwise cut in)
for h in A B C; do stop_host $h; done
sed 's/backoff_after: 2/backoff_after: 0/' "$TESTDIR/base.yaml" > "$TESTDIR/nobackoff.yaml"
for h in A B C; do
	host_config $h "$TESTDIR/nobackoff.yaml"
	start_host $h "$TESTDIR/$h.yaml"
done
wait_log A "connected" && wait_log B "connected" && wait_log C "connected"
n0=$(outbox_count)
racers=
for i in 1 2 3; do
	for h in A B C; do
		chal $h frank "svc$i$h" > "$TESTDIR/race.$i$h" 2>&1 &
		racers="$racers $!"
	done
done
wait $racers
granted=$(grep -L '^error' "$TESTDIR"/race.* | wc -l | tr -d ' ')
limited=$(grep -l '^error 10 ' "$TESTDIR"/race.* | wc -l | tr -d ' ')
is "$granted" 4 "nine concurrent challenges on three hosts: exactly four pass"
is "$limited" 5 "the other five are rate limited"
is "$(outbox_count)" $((n0 + 4)) "and exactly four codes go out"

# --- Redis gone: closed hosts refuse the policy check itself; a host with
# on_failure: local lets its own limits decide, and says so
sed 's/on_failure: closed/on_failure: local/' "$TESTDIR/nobackoff.yaml" > "$TESTDIR/local.yaml"
host_config D "$TESTDIR/local.yaml"
start_host D "$TESTDIR/D.yaml"
wait_log D "connected"
out=$(chal D frank)
is "${out%% *}" error "frank's bucket is spent for host D too"
stop_redis R
wait_log A "logins fail until it is back" 50
out=$(chal A dave)
case "$out" in "error 6 "*) pass "no limits without Redis: refused (closed)" ;; *) fail "refused (closed): $out" ;; esac
wait_log D "serving logins from this host's memory" 50
out=$(chal D frank)
ok "on_failure: local, Redis down: host D's own limits decide (frank gets a code)"
if is_root; then
	ctl D status | grep -q "^limits and lockouts: shared .*, 1 decided by this host alone"
	ok "otpsmsctl status counts the decision D took alone"
else
	pass "# SKIP otpsmsctl needs root"
fi
start_redis R "$TESTDIR/redis.conf"
wait_log A "back after" 100
out=$(chal A dave)
ok "limits shared again once Redis is back"
wait_log D "back after" 100
out=$(chal D frank)
ok "host D sends again once Redis is back"
# Redis restarted empty (no persistence): dave's bucket (A) and frank's (D).
is "$(rcli --scan --pattern "${PREFIX}b:u:*" | grep -c .)" 2 \
    "and counts in the fleet's buckets again"

# --- a reused code gives its token back to the fleet's bucket (per_user 4)
sed 's/reuse_window: 0/reuse_window: 5m/' "$TESTDIR/nobackoff.yaml" > "$TESTDIR/reuse.yaml"
host_config E "$TESTDIR/reuse.yaml"
start_host E "$TESTDIR/E.yaml"
wait_log E "connected"
n0=$(outbox_count)
for i in 1 2 3 4 5 6; do
	chal E alice r1 > /dev/null || fail "alice's login r1, try $i"
done
is "$(outbox_count)" $((n0 + 1)) "six tries of one login: one code, five reused"
for s in r2 r3 r4; do
	chal E alice $s > /dev/null || fail "alice's login $s"
done
is "$(outbox_count)" $((n0 + 4)) "three more logins: the reuses cost no token"
out=$(chal E alice r5)
is "$?" 2 "the fifth code is refused ($out)"
stop_host E

for h in A B C D; do
	grep -q "$RPASS" "$TESTDIR/$h.log" && fail "the Redis password in $h's log"
done

# --- the scripts themselves, against this Redis, with clocks of our choice:
# each script of helper/policy/redis/*.lua (what the build embeds) with its
# TIME prelude replaced by a read of the key $L"now" (the same rules as
# ratelimit.c and lockout.c).
L="${PREFIX}lua:"
lua() {  # NAME_lua: the script NAME.lua, as the daemon sends it but for the clock
	awk -v clock="${L}now" '
	/^[ \t]*(--|$)/ { next }
	$0 == "local tm = redis.call(\047TIME\047)" {
		printf "local now = tonumber(redis.call(\047GET\047, \047%s\047)) ", clock
		skip = 1
		next
	}
	skip && /^local now = / { skip = 0; next }
	{ skip = 0; sub(/^[ \t]+/, ""); printf "%s ", $0 }' \
	    "$top_srcdir/helper/policy/redis/${1%_lua}.lua" | sed 's/ $//'
}
at() { rcli set "${L}now" "$1" > /dev/null; }
ev() { _s=$1; shift; rcli eval "$(lua "$_s")" "$@" | tr '\n' ' ' | sed 's/ $//'; }
RES="${L}lock ${L}backoff ${L}bucket"
case "$(lua reserve_lua)" in
"local now = tonumber(redis.call('GET', '${L}now')) local l = redis.call('PTTL'"*"return {0, 0, 0}")
	pass "the reserve script read from helper/policy/redis/reserve.lua" ;;
*) fail "the reserve script read from helper/policy/redis/reserve.lua: $(lua reserve_lua)" ;;
esac
# A bucket of 2 per 10 s: the C engine's numbers (ratelimit.c).
at 1000000
is "$(ev reserve_lua 3 $RES 2 10000)" "0 0 0" "lua reserve: first token"
is "$(ev reserve_lua 3 $RES 2 10000)" "0 0 0" "lua reserve: second token"
is "$(ev reserve_lua 3 $RES 2 10000)" "2 5000 1" "lua reserve: empty, half a window to wait"
ttl=$(rcli pttl "${L}bucket")
[ "$ttl" -gt 9000 ] && [ "$ttl" -le 10000 ]
ok "lua reserve: the bucket's TTL is its window ($ttl)"
at 1004999
is "$(ev reserve_lua 3 $RES 2 10000)" "2 1 1" "lua reserve: 1 ms short of a token"
ev refund_lua 1 "${L}bucket" 2 10000 > /dev/null
is "$(rcli hget "${L}bucket" lv)" 19998 "lua refund: a token back on the refilled level"
is "$(ev reserve_lua 3 $RES 2 10000)" "0 0 0" "lua reserve: the refunded token"
at 1005000
is "$(ev reserve_lua 3 $RES 2 10000)" "0 0 0" "lua reserve: the last ms refilled the token"
is "$(ev reserve_lua 3 $RES 2 10000)" "2 5000 1" "lua reserve: and the bucket is empty again"
at 1020000
ev refund_lua 1 "${L}bucket" 2 10000 > /dev/null
is "$(rcli exists "${L}bucket")" 0 "lua refund: a full bucket is deleted"
# The largest bucket (1000000/24h): levels near 2^47 go back exactly.
is "$(ev reserve_lua 3 $RES 1000000 86400000)" "0 0 0" "lua reserve: the largest bucket"
is "$(rcli hget "${L}bucket" lv)" 86399913600000 "lua reserve: its level written back exactly"
rcli del "${L}bucket" > /dev/null
# Backoff at backoff_max 24h plus jitter: the key lasts past its wait.
rcli hset "${L}backoff" n 20 > /dev/null
is "$(ev delivered_lua 1 "${L}backoff" 1 30000 86400000 999 86400000)" 95031360 \
    "lua delivered: backoff_max 24h plus 9.99% jitter"
ttl=$(rcli pttl "${L}backoff")
[ "$ttl" -gt 95031360 ]
ok "lua delivered: the backoff key outlives its wait ($ttl ms)"
at $((1020000 + 95031359))
is "$(ev reserve_lua 2 "${L}lock" "${L}backoff")" "2 1 0" "lua reserve: the backoff holds to its last ms"
at $((1020000 + 95031360))
is "$(ev reserve_lua 2 "${L}lock" "${L}backoff")" "0 0 0" "lua reserve: and ends on time"
is "$(ev delivered_lua 1 "${L}backoff" 1 30000 86400000 0 86400000)" 86400000 \
    "lua delivered: the count survived the wait (still at the cap)"
rcli del "${L}backoff" > /dev/null
# Lockout: 3 in 10 s (lockout.c's window: a failure window ms old is out).
FK="${L}fail ${L}lockx ${L}locks"
at 2000000
is "$(ev failure_lua 3 $FK 3 10000 600000 sealx1)" 0 "lua failure: first"
at 2005000
is "$(ev failure_lua 3 $FK 3 10000 600000 sealx1)" 0 "lua failure: second"
at 2010000
is "$(ev failure_lua 3 $FK 3 10000 600000 sealx1)" 0 "lua failure: third, the first left the window"
ttl=$(rcli pttl "${L}fail")
[ "$ttl" -gt 9000 ] && [ "$ttl" -le 10000 ]
ok "lua failure: the list's TTL is the window ($ttl)"
at 2014999
is "$(ev failure_lua 3 $FK 3 10000 600000 sealx1)" 600000 "lua failure: three within the window lock"
is "$(rcli exists "${L}fail")" 0 "lua failure: the history that locked is spent"
# A shorter lock after a longer one keeps the set alive for the longer.
is "$(ev failure_lua 3 "${L}faily" "${L}locky" "${L}locks" 1 10000 120000 sealy)" 120000 \
    "lua failure: another user, a shorter lock"
ttl=$(rcli pttl "${L}locks")
[ "$ttl" -gt 590000 ]
ok "lua failure: the locks set lives as long as its longest lock ($ttl)"
# The same user locked again (another host, another nonce): one entry.
is "$(ev failure_lua 3 "${L}fail" "${L}lockx" "${L}locks" 1 10000 600000 sealx2)" 600000 \
    "lua failure: the locked user locked again"
is "$(rcli zcard "${L}locks")" 2 "lua failure: one entry per locked user"
is "$(rcli zscore "${L}locks" sealx1)" "" "lua failure: the older sealed name is gone"
at $((2014999 + 120000))
is "$(ev locked_lua 1 "${L}locks")" "$((2014999 + 120000)) sealx2 $((2014999 + 600000))" \
    "lua locked: ended locks leave the list"
is "$(ev unlock_lua 4 "${L}lockx" "${L}fail" "${L}backoff" "${L}locks")" 1 "lua unlock: locked"
is "$(rcli exists "${L}locks" "${L}lockx")" 0 "lua unlock: lock and entry gone"
is "$(ev unlock_lua 4 "${L}lockx" "${L}fail" "${L}backoff" "${L}locks")" 0 "lua unlock: not locked"
rcli del "${L}now" "${L}locky" > /dev/null
stop_host A
stop_host B
stop_host C
stop_host D
stop_redis R
done_testing
