#!/bin/sh
# Two daemons (two "hosts", separate sockets) with one fleet key and one real
# redis-server on a free loopback port (ACL user and password, no
# persistence): a login retried on the other host reuses the pending code,
# verifies there, and attempts count fleet-wide; what Redis holds is keyed
# hashes with TTLs; Redis stopped mid-run fails logins closed within the
# timeout, or (on_failure: local) serves them from the host's memory, and
# sharing resumes when Redis is back, without a restart.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
PID_A=
PID_B=
at_cleanup 'stop_host A; stop_host B; stop_redis R'

ALICE=+447700900123
BOB=+15017122661

# Configuration: redis without a fleet key is refused.
store_yaml() { acl_store_yaml "$1" | grep -v '^fleet_key_file:'; }
write_config "$TESTDIR/nokey.yaml" "$(store_yaml closed)"
out=$("$OTPSMSD" -t -c "$TESTDIR/nokey.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "needs fleet_key_file"
ok "type redis without fleet_key_file is refused at config check"

chmod 644 "$TESTDIR/fleet.key"
write_config "$TESTDIR/a.yaml" "$(store_yaml closed)
fleet_key_file: $TESTDIR/fleet.key"
out=$("$OTPSMSD" -t -c "$TESTDIR/a.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "chmod 600"
ok "a readable fleet key is refused"
chmod 600 "$TESTDIR/fleet.key"
"$OTPSMSD" -t -c "$TESTDIR/a.yaml" >/dev/null 2>&1
ok "otpsmsd -t accepts the redis store with a fleet key"
write_config "$TESTDIR/bad.yaml" "store: { type: redis, url: \"redis://redis.example:6379\" }
fleet_key_file: $TESTDIR/fleet.key"
"$OTPSMSD" -t -c "$TESTDIR/bad.yaml" 2>&1 | grep -q "must be an IP address"
ok "a host name in the url is refused (it would block the loop)"

sed "s|^socket: .*|socket: $TESTDIR/run/b.sock|" "$TESTDIR/a.yaml" > "$TESTDIR/b.yaml"
sed "s|on_failure: closed|on_failure: local|" "$TESTDIR/b.yaml" > "$TESTDIR/b-local.yaml"
SOCK_A=$SOCKET
SOCK_B=$TESTDIR/run/b.sock

start_redis R "$TESTDIR/redis.conf"
start_host A "$TESTDIR/a.yaml"
start_host B "$TESTDIR/b.yaml"
wait_log A "redis store .*connected" && wait_log B "redis store .*connected"
ok "both hosts connect to Redis (ACL user and password)"

# A login on A, retried on B: the pending code is reused, one SMS.
out=$("$CLIENT" -s "$SOCK_A" challenge alice sshd 192.0.2.1)
ok "challenge on host A"
id=${out%% *}
code=$(code_for $ALICE)
is "$(outbox_count)" 1 "one SMS"
out=$("$CLIENT" -s "$SOCK_B" challenge alice sshd 192.0.2.1)
is "${out%% *}" "$id" "host B reuses host A's pending challenge"
is "${out##* }" 1 "flagged REUSED"
is "$(outbox_count)" 1 "no second SMS"
grep -q "code reused: user=alice service=sshd" "$TESTDIR/B.log"
ok "host B logs the reuse"

# Inspect Redis while a challenge is pending.
keys=$(rcli --scan --pattern "$PREFIX*")
is "$(echo "$keys" | grep -c .)" 2 "two keys for one pending challenge"
: > "$TESTDIR/dump"
nottl=0
for k in $keys; do
	t=$(rcli pttl "$k")
	[ "$t" -gt 0 ] && [ "$t" -le 300000 ] || nottl=$((nottl + 1))
	echo "$k" >> "$TESTDIR/dump"
	case $(rcli type "$k") in
	hash) rcli hgetall "$k" >> "$TESTDIR/dump" ;;
	*) rcli get "$k" >> "$TESTDIR/dump" ;;
	esac
done
is "$nottl" 0 "every key has a TTL of at most the code's"
grep -aq "$code" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "the code is not in Redis"
grep -aq "alice" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "the user name is not in Redis"
grep -aq "7700900123" "$TESTDIR/dump"
[ $? -ne 0 ]
ok "the number is not in Redis"
grep -aq "^sshd$" "$TESTDIR/dump"
ok "the service is (for the audit line)"

is "$("$CLIENT" -s "$SOCK_B" verify "$id" alice "$code")" ok "host B verifies host A's code"
is "$("$CLIENT" -s "$SOCK_A" verify "$id" alice "$code")" expired "once, fleet-wide"
is "$(rcli --scan --pattern "$PREFIX*" | grep -c .)" 0 "a verified challenge leaves nothing in Redis"

# Attempts are one counter for the fleet.
out=$("$CLIENT" -s "$SOCK_A" challenge bob sshd)
id=${out%% *}
code=$(code_for $BOB)
wrong=$(awk -v c="$code" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
is "$("$CLIENT" -s "$SOCK_B" verify "$id" alice "$code")" expired "another user cannot use it from another host"
is "$("$CLIENT" -s "$SOCK_A" verify "$id" bob "$wrong")" "wrong 2" "wrong on A: two left"
is "$("$CLIENT" -s "$SOCK_B" verify "$id" bob "$wrong")" "wrong 1" "wrong on B: one left"
is "$("$CLIENT" -s "$SOCK_A" verify "$id" bob "$wrong")" maxtries "third wrong, on A: burned"
is "$("$CLIENT" -s "$SOCK_B" verify "$id" bob "$code")" expired "the burned code fails on B too"

# Redis stops: on_failure closed fails logins within the timeout.
stop_redis R
wait_log A "logins fail until it is back" 50
ok "host A says Redis is gone and logins fail"
n=$(outbox_count)
t0=$(ms)
r=$("$CLIENT" -s "$SOCK_A" challenge alice sshd)
rc=$?
t1=$(ms)
is "$rc" 2 "a challenge fails while Redis is down (closed)"
case "$r" in "error 6 "*) pass "error INTERNAL (the module's PAM_AUTHINFO_UNAVAIL)" ;; *) fail "error INTERNAL: $r" ;; esac
[ $((t1 - t0)) -lt 2000 ]
ok "within the timeout ($((t1 - t0)) ms)"
is "$(outbox_count)" "$n" "no code sent without a store"
r=$("$CLIENT" -s "$SOCK_B" verify 00112233445566778899aabbccddeeff alice 123456)
case "$r" in "error 6 "*) pass "a verify fails closed too" ;; *) fail "a verify fails closed: $r" ;; esac

# Redis back: shared again without a restart.
start_redis R "$TESTDIR/redis.conf"
wait_log A "redis store .*back after" 100 && wait_log B "redis store .*back after" 100
ok "both hosts reconnect on their own"
out=$("$CLIENT" -s "$SOCK_A" challenge alice sshd)
ok "challenge on A after the outage"
id=${out%% *}
out=$("$CLIENT" -s "$SOCK_B" challenge alice sshd)
is "${out%% *} ${out##* }" "$id 1" "host B reuses it: shared again"

# A wedged Redis (the socket open, no reply): bounded by the timeout, and
# the connection is dropped and made again.
kill -STOP "$REDIS_PID_R"
t0=$(ms)
r=$("$CLIENT" -s "$SOCK_A" challenge bob wedged)
rc=$?
t1=$(ms)
is "$rc" 2 "a challenge fails while Redis does not answer"
[ $((t1 - t0)) -ge 250 ] && [ $((t1 - t0)) -lt 3000 ]
ok "after the 300 ms timeout, not much later ($((t1 - t0)) ms)"
grep -q "no reply within the timeout" "$TESTDIR/A.log"
ok "host A logs the timeout"
kill -CONT "$REDIS_PID_R"
_i=0
until [ "$(grep -c "redis store .*back after" "$TESTDIR/A.log")" -ge 2 ] || [ $_i -gt 100 ]; do
	_i=$((_i + 1))
	sleep 0.1
done
out=$("$CLIENT" -s "$SOCK_A" challenge bob wedged)
ok "host A works again once Redis answers"

# on_failure: local. B restarts with it; Redis goes away again.
stop_host B
start_host B "$TESTDIR/b-local.yaml"
wait_log B "redis store .*connected"
ok "host B (on_failure: local) connected"
stop_redis R
wait_log B "serving logins from this host's memory" 50
ok "host B says it falls back to its own memory"
n=$(outbox_count)
out=$("$CLIENT" -s "$SOCK_B" challenge bob sudo)
ok "a challenge on B works while Redis is down"
lid=${out%% *}
lcode=$(code_for $BOB)
is "$(outbox_count)" $((n + 1)) "its code is sent"
grep -q "served from this host's memory" "$TESTDIR/B.log"
ok "and B logs that it served it alone"
out=$("$CLIENT" -s "$SOCK_A" challenge bob sudo)
is "$?" 2 "host A (closed) still refuses meanwhile"

start_redis R "$TESTDIR/redis.conf"
wait_log B "redis store .*back after" 100
ok "host B reconnects"
grep -q "request(s) were served by this host alone" "$TESTDIR/B.log"
ok "and says how many it served alone"
is "$("$CLIENT" -s "$SOCK_B" verify "$lid" bob "$lcode")" ok "the code kept locally still verifies on B"
wait_log A "redis store .*back after" 100
out=$("$CLIENT" -s "$SOCK_B" challenge alice login)
id=${out%% *}
out=$("$CLIENT" -s "$SOCK_A" challenge alice login)
is "${out%% *} ${out##* }" "$id 1" "shared again after the local outage"

grep -q "$RPASS" "$TESTDIR/A.log" "$TESTDIR/B.log"
[ $? -ne 0 ]
ok "the Redis password is in neither log"

stop_host A
stop_host B
stop_redis R
done_testing
