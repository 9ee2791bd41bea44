#!/bin/sh
# The kannel driver against Debian's real Kannel: bearerbox and smsbox with
# their own configuration on free loopback ports (the package's service is
# never started) and kannel-extras' fakesmsc as the SMSC. Kannel queues a
# message (202) even with its SMSC down; the daemon waits for the delivery
# report: with fakesmsc connected the report comes and the code verifies;
# with it down no report comes within deliver_within and the daemon fails
# over to the next carrier.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

FAKESMSC=/usr/lib/kannel/test/fakesmsc
[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -x "$CLIENT" ] || skip_all "tests/otpsms-client not built"
command -v bearerbox >/dev/null 2>&1 && command -v smsbox >/dev/null 2>&1 ||
	skip_all "Kannel not installed (Debian: kannel)"
[ -x "$FAKESMSC" ] || skip_all "fakesmsc not installed (Debian: kannel-extras)"

make_testdir
K=$TESTDIR/kannel
mkdir -p "$K/store"
ADMIN=$(free_port); BOXC=$(free_port); SMSC=$(free_port); SENDSMS=$(free_port)
DLR=$(free_port)
PASS=kp$(python3 -c 'import secrets; print(secrets.token_hex(8))')
cat > "$K/kannel.conf" <<EOF2
group = core
admin-port = $ADMIN
admin-interface = 127.0.0.1
admin-password = $PASS
smsbox-port = $BOXC
box-allow-ip = 127.0.0.1
log-file = $K/bearerbox.log
log-level = 1
dlr-storage = internal
store-type = spool
store-location = $K/store

group = smsc
smsc = fake
smsc-id = fake
port = $SMSC
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $SENDSMS
sendsms-interface = 127.0.0.1
log-file = $K/smsbox.log
log-level = 1

group = sendsms-user
username = otpsms
password = $PASS
max-messages = 4
concatenation = true
EOF2
bearerbox "$K/kannel.conf" >"$K/bearerbox.out" 2>&1 &
BB_PID=$!
at_cleanup 'kill "$BB_PID" 2>/dev/null; wait "$BB_PID" 2>/dev/null'
# wait_port PORT: until something listens there (10 s at most).
wait_port() {
	python3 - "$1" <<'PY' || bail "nothing listens on port $1"
import socket, sys, time
for _ in range(100):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
    finally:
        s.close()
sys.exit(1)
PY
}
wait_port "$BOXC"
smsbox "$K/kannel.conf" >"$K/smsbox.out" 2>&1 &
SB_PID=$!
at_cleanup 'kill "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null'
wait_port "$SENDSMS"

# fakesmsc: the SMSC. It sends one MO message at start and then only
# receives (prints "Got message N: <from to text ...>").
start_smsc() {
	"$FAKESMSC" -H 127.0.0.1 -r "$SMSC" -i 100000 -m 1 "100 200 text hello" \
	    >>"$K/fakesmsc.out" 2>&1 &
	FS_PID=$!
	_i=0
	until grep -q "fakesmsc: sent message 1" "$K/fakesmsc.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "fakesmsc did not connect"
		sleep 0.1
	done
}
stop_smsc() { kill "$FS_PID" 2>/dev/null; wait "$FS_PID" 2>/dev/null; FS_PID=; }
at_cleanup 'stop_smsc'
start_smsc

(umask 077 && printf '%s\n' "$PASS" > "$TESTDIR/kannel.password")
is_root && chown "$(id -u)" "$TESTDIR/kannel.password"
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: kannel
    type: kannel
    api_url: http://127.0.0.1:$SENDSMS
    username: otpsms
    password_file: $TESTDIR/kannel.password
    from: ACME
    smsc: fake
    dlr_listen: 127.0.0.1:$DLR
    deliver_within: 2s
    breaker_failures: 0
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
start_daemon "$TESTDIR/otpsmsd.yaml"
challenge() {
	CH_OUT=$("$CLIENT" -s "$SOCKET" challenge "$1" sshd 192.0.2.1 2>&1)
	CH_RC=$?
	CH_ID=${CH_OUT%% *}
}
verify() { "$CLIENT" -s "$SOCKET" verify "$CH_ID" "$1" "$2" 2>&1; }

# 1. SMSC up: Kannel delivers to fakesmsc, reports back, the code verifies.
challenge alice
is "$CH_RC" 0 "smsc up: challenge succeeds"
is "$(outbox_count)" 0 "smsc up: no failover"
# (fakesmsc also gets smsbox's answer to its own MO "hello": not ours.)
GOT=$(grep "Got message.*<ACME 447700900123 " "$K/fakesmsc.out" | tail -n 1)
case "$GOT" in *"<ACME 447700900123 text "*) pass "smsc up: fakesmsc got it from ACME to alice" ;;
*) fail "smsc up: fakesmsc got it"; diag "$GOT" ;; esac
CODE=$(echo "$GOT" | sed -n 's/.* text \([0-9]\{6\}\) .*/\1/p')
is "$(verify alice "$CODE")" ok "smsc up: the code fakesmsc received verifies"
grep -q 'code sent.*carrier=kannel ref=dlr-[0-9a-f]\{16\}' "$TESTDIR/otpsmsd.log"
ok "smsc up: accepted on Kannel's delivery report"

# 2. SMSC down: Kannel still says 202 Queued; no report within 2 s: failover.
stop_smsc
t0=$(date +%s%N)
challenge bob
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
is "$CH_RC" 0 "smsc down: challenge succeeds through the next carrier"
is "$(outbox_count)" 1 "smsc down: the outbox got it"
[ "$ms" -ge 1900 ] && [ "$ms" -lt 5000 ]
ok "smsc down: failover after deliver_within, 2 s ($ms ms)"
grep -q 'carrier kannel failed.*no delivery report within 2000 ms (Kannel said "3: Queued for later delivery")' "$TESTDIR/otpsmsd.log"
ok "smsc down: the log says Kannel only queued it"
is "$(verify bob "$(last_code)")" ok "smsc down: the outbox code verifies"

# 3. Wrong credentials: Kannel answers 403 at once: failover, a warning.
start_smsc
printf 'wrong\n' > "$TESTDIR/kannel.password.bad"
stop_daemon
sed "s|password_file: .*|password: wrong-password|" "$TESTDIR/otpsmsd.yaml" > "$TESTDIR/bad.yaml"
chmod 600 "$TESTDIR/bad.yaml"
start_daemon "$TESTDIR/bad.yaml"
challenge alice
is "$CH_RC" 0 "bad password: challenge succeeds through the next carrier"
is "$(outbox_count)" 2 "bad password: the outbox got it"
grep -q 'Kannel refused our credentials' "$TESTDIR/otpsmsd.log"
ok "bad password: the daemon warned"

stop_daemon
! grep -qF "$PASS" "$TESTDIR/otpsmsd.log"
ok "the password is never logged"
if [ "$_tap_failed" -ne 0 ]; then
	sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"
	tail -n 30 "$K/smsbox.log" | sed 's/^/# smsbox: /'
	tail -n 30 "$K/bearerbox.log" | sed 's/^/# bearerbox: /'
fi
done_testing
