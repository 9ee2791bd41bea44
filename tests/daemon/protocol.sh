#!/bin/sh
# The daemon through its socket: challenge and verify, single use, attempts,
# peers it must refuse, malformed input that must not hurt other clients.
set -u
. "$top_srcdir/tests/lib.sh"

make_testdir
write_config "$TESTDIR/otpsmsd.yaml" "client_timeout: 2s"
"$OTPSMSD" -t -c "$TESTDIR/otpsmsd.yaml" 2>/dev/null
ok "otpsmsd -t accepts the test configuration"
start_daemon "$TESTDIR/otpsmsd.yaml"

out=$("$CLIENT" -s "$SOCKET" challenge alice sshd 192.0.2.7)
ok "challenge for alice"
id=${out%% *}
is "$(echo "$out" | cut -d' ' -f3-5)" "300 6 0" "reply carries ttl, digits, flags"
case "$out" in *"+44"*0123*) pass "masked number in the reply" ;; *) fail "masked number in the reply: $out" ;; esac
is "$(outbox_count)" 1 "one message in the outbox"
code=$(last_code)
case "$code" in [0-9][0-9][0-9][0-9][0-9][0-9]) pass "six-digit code sent" ;; *) fail "six-digit code sent: $code" ;; esac
grep -q "+447700900123" "$OUTBOX"
ok "sent to alice's number"
grep -q "$code" "$TESTDIR/otpsmsd.log"
[ $? -ne 0 ]
ok "the code is not in the daemon's log"
grep -q "code sent: user=alice service=sshd rhost=192.0.2.7" "$TESTDIR/otpsmsd.log"
ok "audit line for the send"

wrong=$(awk -v c="$code" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
is "$("$CLIENT" -s "$SOCKET" verify "$id" bob "$code")" "expired" "another user's name does not verify"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$wrong")" "wrong 2" "wrong code, two attempts left"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$code")" "ok" "right code verifies"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$code")" "expired" "a code verifies once"

out=$("$CLIENT" -s "$SOCKET" challenge alice)
id=${out%% *}
code=$(last_code)
"$CLIENT" -s "$SOCKET" verify "$id" alice 000000 >/dev/null
"$CLIENT" -s "$SOCKET" verify "$id" alice 000001 >/dev/null
r=$("$CLIENT" -s "$SOCKET" verify "$id" alice 000002)
[ "$code" = 000000 ] || [ "$code" = 000001 ] || [ "$code" = 000002 ] || is "$r" "maxtries" "third wrong code burns it"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$code")" "expired" "burned code no longer verifies"

# One login, one SMS: the same user and service again reuses the pending code.
out=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
id=${out%% *}
code=$(last_code)
n=$(outbox_count)
out2=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
is "${out2%% *}" "$id" "a retry of the same login reuses the pending challenge"
is "${out2##* }" 1 "the reply says it was reused"
is "$(outbox_count)" "$n" "no second SMS"
grep -q "code reused: user=alice service=sshd" "$TESTDIR/otpsmsd.log"
ok "audit line for the reuse"
out3=$("$CLIENT" -s "$SOCKET" challenge alice sudo)
[ "${out3%% *}" != "$id" ] && [ "$(outbox_count)" -gt "$n" ]
ok "another service gets its own code"
"$CLIENT" -s "$SOCKET" verify "$id" alice 99999x >/dev/null
"$CLIENT" -s "$SOCKET" challenge alice sshd >/dev/null
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$wrong")" "wrong 1" "attempts count across the reused login"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$code")" "ok" "the reused code verifies"
out4=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
[ "${out4%% *}" != "$id" ]
ok "after verification a new login gets a new code"

r=$("$CLIENT" -s "$SOCKET" challenge carol)
is "$?" 2 "user without a number: error reply"
case "$r" in "error 4 "*) pass "error is NOUSER" ;; *) fail "error is NOUSER: $r" ;; esac
is "$("$CLIENT" -s "$SOCKET" verify 00112233445566778899aabbccddeeff alice 123456)" "expired" "unknown challenge id"

# Malformed input: each gets an error or a close, and the daemon lives on.
r=$("$CLIENT" -s "$SOCKET" raw 0000000101)
case "$r" in "error 2 "*) pass "short frame: MALFORMED" ;; *) fail "short frame: MALFORMED ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" raw 0000ffff0101)
case "$r" in "error 2 "*) pass "oversized length: MALFORMED" ;; *) fail "oversized length ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" raw 000000020901)
case "$r" in "error 1 "*) pass "other protocol version: VERSION" ;; *) fail "other protocol version ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" raw 000000020163)
case "$r" in "error 2 "*) pass "unknown type: MALFORMED" ;; *) fail "unknown type ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" raw 00000006010200000001)
case "$r" in "error 2 "*) pass "reply type sent as a request: MALFORMED" ;; *) fail "reply as request ($r)" ;; esac

# A client that connects and says nothing is closed at its deadline and does
# not hold up anyone else.
python3 - "$SOCKET" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(4)
PY
slow=$!
sleep 0.2
"$CLIENT" -s "$SOCKET" challenge bob >/dev/null
ok "other clients are served while one is silent"
t0=$(date +%s)
python3 - "$SOCKET" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
data = s.recv(100)
sys.exit(0 if data[5:6] == b"\x05" else 1)
PY
ok "a silent client gets a TIMEOUT error at its deadline"
t1=$(date +%s)
[ $((t1 - t0)) -le 4 ]
ok "deadline honoured ($((t1 - t0)) s for client_timeout 2s)"
wait $slow

# Many clients at once.
i=0
pids=
while [ $i -lt 50 ]; do
	"$CLIENT" -s "$SOCKET" challenge bob "svc$i" >/dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
is "$(grep -c '"+15017122661"' "$OUTBOX")" 51 "50 concurrent challenges (distinct services) all sent"

# A caller not in allow_uids is refused before anything is parsed.
if is_root; then
	chmod 666 "$SOCKET"
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CLIENT" -s "$SOCKET" challenge alice)
	case "$r" in "error 3 "*) pass "uid not in allow_uids: DENIED" ;; *) fail "uid not allowed ($r)" ;; esac
	pid=$(cat /proc/$DAEMON_PID/status | awk '/^Uid:/ {print $2 $3 $4 $5}')
	is "$pid" "65534655346553465534" "the daemon runs as its user (real, effective, saved, fs uid)"
	grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$DAEMON_PID/status
	ok "the daemon holds no capabilities"
fi

kill -0 "$DAEMON_PID"
ok "the daemon survived all of it"
"$CLIENT" -s "$SOCKET" challenge alice >/dev/null
ok "and still serves"
stop_daemon
done_testing
