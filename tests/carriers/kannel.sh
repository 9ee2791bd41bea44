#!/bin/sh
# The kannel driver against Debian's real Kannel: bearerbox and smsbox with
# their own configuration on free loopback ports (the package's service is
# never started) and kannel-extras' fakesmsc as the SMSC. Kannel queues a
# message (202) even with its SMSC down; the daemon waits for the delivery
# report: with fakesmsc connected the report comes and the code verifies;
# with it down no report comes within deliver_within and the daemon fails
# over to the next carrier.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/kannel_setup.inc"

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
