#!/bin/sh
# The smpp driver through a running otpsmsd against tests/mock/smsc.pl, an
# SMSC on 127.0.0.1 built on Debian's Net::SMPP (libnet-smpp-perl) that
# checks every PDU. Carriers: smpp first, then the file outbox.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

MOCK="$top_srcdir/tests/mock/smsc.pl"
need_daemon
perl -MNet::SMPP -MJSON::PP -e 1 2>/dev/null ||
	skip_all "Net::SMPP not installed (Debian: libnet-smpp-perl)"

make_testdir
PASS=p$(rand_hex 3)
SMSCLOG="$TESTDIR/smsc.jsonl"
MODE="$TESTDIR/smsc-mode"
echo ok > "$MODE"
PORT=$(free_port)

start_smsc() {
	rm -f "$TESTDIR/smsc-port"
	perl "$MOCK" --port "$PORT" --port-file "$TESTDIR/smsc-port" \
	    --system-id otpsms --password "$PASS" --system-type OTP \
	    --mode-file "$MODE" --log "$SMSCLOG" 2>>"$TESTDIR/smsc.err" &
	SMSC_PID=$!
	_i=0
	while [ ! -s "$TESTDIR/smsc-port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$SMSC_PID" 2>/dev/null; then
			sed 's/^/# smsc: /' "$TESTDIR/smsc.err"
			bail "smsc.pl did not start"
		fi
		sleep 0.1
	done
}
stop_smsc() {
	[ -n "${SMSC_PID:-}" ] || return 0
	kill "$SMSC_PID" 2>/dev/null
	wait "$SMSC_PID" 2>/dev/null
	SMSC_PID=
}
at_cleanup 'stop_smsc'
start_smsc

write_secret "$TESTDIR/smpp.password" "$PASS"
is_root && chown "$(id -u)" "$TESTDIR/smpp.password"

# smpp_config FILE EXTRA: the carrier with EXTRA keys (indented) added.
smpp_config() {
	write_config "$1" "code: {reuse_window: 0}
message: \"{code} is your code @ {host} [€]\"
routes:
  - prefix: \"+1\"
    carriers: [smsc, outbox]
    from: ACME
    message: \"Ваш код {code}\"
carriers:
  - name: smsc
    type: smpp
    host: 127.0.0.1
    port: $PORT
    system_id: otpsms
    password_file: $TESTDIR/smpp.password
    system_type: OTP
    from: \"+447700900999\"
    enquire_link: 1s
    timeout: 2s
    retry_backoff: 50ms
    breaker_failures: 0
$2
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
}
smpp_config "$TESTDIR/otpsmsd.yaml" ""
start_daemon "$TESTDIR/otpsmsd.yaml"

# count EVENT: how many such events the SMSC logged.
count() { if [ -f "$SMSCLOG" ]; then grep -c "\"event\":\"$1\"" "$SMSCLOG"; else echo 0; fi; }
# field KEY: KEY of the newest submit_sm.
field() {
	python3 -c '
import json, sys
subs = [json.loads(l) for l in open(sys.argv[1]) if "\"submit_sm\"" in l]
v = subs[-1].get(sys.argv[2], "")
print(v)' "$SMSCLOG" "$1"
}
smsc_code() { field text | sed -n 's/[^0-9]*\([0-9]\{6\}\).*/\1/p'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 1. Accepted: one bind, the submit_sm as the spec says, the code verifies.
challenge alice
is "$CH_RC" 0 "ok: challenge succeeds"
is "$(outbox_count)" 0 "ok: no failover"
is "$(count bind)" 1 "ok: one bind_transceiver"
is "$(field to)" 447700900123 "ok: destination_addr is E.164 without +"
is "$(field from)/$(field source_ton)/$(field source_npi)" 447700900999/1/1 \
    "ok: international sender, TON 1 NPI 1"
is "$(field data_coding)" 0 "ok: GSM-7 text goes as data_coding 0"
CODE=$(smsc_code)
is "$(field text)" "$CODE is your code @ $(hostname) [€]" \
    "ok: GSM-7 text, @ and the extension table (€ [ ]) arrive intact"
is "$(verify alice "$CODE")" ok "ok: the code the SMSC received verifies"
grep -q 'code sent.*carrier=smsc ref=[0-9A-F]\{4,\}' "$TESTDIR/otpsmsd.log"
ok "ok: audit line names the carrier and the SMSC's message_id"
grep -q 'carrier smsc: bound to SMSC 127.0.0.1:[0-9]* (mocksmsc) as otpsms' \
    "$TESTDIR/otpsmsd.log"
ok "ok: the bind is logged"
_i=0
until grep -q 'carrier smsc: delivery receipt for message [0-9]*: stat:DELIVRD' \
    "$TESTDIR/otpsmsd.log" || [ $_i -gt 20 ]; do _i=$((_i + 1)); sleep 0.1; done
grep -q 'carrier smsc: delivery receipt for message [0-9]*: stat:DELIVRD' \
    "$TESTDIR/otpsmsd.log"
ok "ok: the deliver_sm receipt is read and logged"

# 2. A route with an alphanumeric sender and a text GSM-7 lacks: UCS-2.
challenge bob
is "$CH_RC" 0 "ucs2: challenge succeeds"
is "$(field from)/$(field source_ton)/$(field source_npi)" ACME/5/0 \
    "ucs2: the route's alphanumeric sender, TON 5 NPI 0"
is "$(field data_coding)" 8 "ucs2: data_coding 8"
CODE=$(smsc_code)
is "$(field text)" "Ваш код $CODE" "ucs2: the text arrives intact"
is "$(verify bob "$CODE")" ok "ucs2: the code verifies"

# 3. Throttled once (ESME_RTHROTTLED), then accepted: the same carrier again.
n=$(count submit_sm)
echo throttle,ok > "$MODE"
challenge alice
is "$CH_RC" 0 "throttle: challenge succeeds"
is "$(count submit_sm)" $((n + 2)) "throttle: two submit_sm"
is "$(field mode)" ok "throttle: the second was accepted"
is "$(outbox_count)" 0 "throttle: no failover"
grep -q 'carrier smsc throttled.*ESME_RTHROTTLED.*retry 1 of 2' "$TESTDIR/otpsmsd.log"
ok "throttle: the retry is logged"
echo qfull,ok > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/0 "queue full (ESME_RMSGQFUL): retried, no failover"

# 4. Invalid destination (ESME_RINVDSTADR): stop, no failover.
echo invdst > "$MODE"
challenge bob
is "$CH_RC" 2 "invdst: challenge fails"
case "$CH_OUT" in *"cannot receive"*) pass "invdst: the user is told" ;;
*) fail "invdst: the user is told"; diag "got '$CH_OUT'" ;; esac
is "$(outbox_count)" 0 "invdst: no failover"
grep -q 'send refused.*carrier=smsc.*ESME_RINVDSTADR' "$TESTDIR/otpsmsd.log"
ok "invdst: the audit line says why"

# 5. Other errors fail over: a system error, no answer within the timeout,
#    the SMSC closing the connection.
echo syserr > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/1 "syserr: the outbox got it"
echo hang > "$MODE"
t0=$(date +%s%N)
challenge alice
ms=$(ms_since "$t0")
is "$CH_RC/$(outbox_count)" 0/2 "hang: the outbox got it"
[ "$ms" -ge 1900 ] && [ "$ms" -lt 4000 ]
ok "hang: failover after the 2 s timeout ($ms ms)"
grep -q 'carrier smsc failed.*no submit_sm_resp within 2000 ms' "$TESTDIR/otpsmsd.log"
ok "hang: the timeout is logged"
is "$(verify alice "$(last_code)")" ok "hang: the outbox code verifies"
echo close > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/3 "close: the outbox got it"
grep -q 'carrier smsc failed.*session lost before submit_sm_resp' "$TESTDIR/otpsmsd.log"
ok "close: the lost session is logged"

# 6. enquire_link every second keeps the session: no new bind while idle.
echo ok > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/3 "reconnected after close: accepted"
b=$(count bind); e=$(count enquire_link)
sleep 2.6
[ "$(count enquire_link)" -ge $((e + 2)) ]
ok "enquire_link: sent every second while idle ($(count enquire_link) so far)"
is "$(count bind)" "$b" "enquire_link: the same session (no new bind)"

# 7. SMSC down: fail over at once to the file carrier.
stop_smsc
t0=$(date +%s%N)
challenge alice
ms=$(ms_since "$t0")
is "$CH_RC/$(outbox_count)" 0/4 "smsc down: the outbox got it"
[ "$ms" -lt 1500 ]
ok "smsc down: a refused connection fails over at once ($ms ms)"
grep -q 'carrier smsc failed.*SMPP session not bound: cannot connect' "$TESTDIR/otpsmsd.log"
ok "smsc down: the log says why"

# 8. SMSC back: the session reconnects by itself (backoff) and sends again.
start_smsc
_i=0
until [ "$(count bind)" -gt "$b" ] || [ $_i -gt 150 ]; do _i=$((_i + 1)); sleep 0.1; done
[ "$(count bind)" -gt "$b" ]
ok "smsc back: the daemon binds again on its own"
challenge alice
is "$CH_RC/$(outbox_count)" 0/4 "smsc back: accepted through SMPP again"
is "$(verify alice "$(smsc_code)")" ok "smsc back: the code verifies"

# 9. deliver_within: accepted on the DELIVRD receipt (its id in decimal,
#    the submit_sm_resp's in hex; or the TLVs), failed over on UNDELIV or
#    on no receipt in time.
stop_daemon
smpp_config "$TESTDIR/otpsmsd.yaml" "    deliver_within: 1s"
start_daemon "$TESTDIR/otpsmsd.yaml"
for m in ok tlv; do
	echo $m > "$MODE"
	challenge alice
	is "$CH_RC/$(outbox_count)" 0/4 "deliver_within, $m: accepted on the receipt"
done
grep -q 'code sent.*carrier=smsc.*ref=[0-9A-F]\{4,\}' "$TESTDIR/otpsmsd.log"
ok "deliver_within: the audit line has the message_id"
echo undeliv > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/5 "deliver_within, UNDELIV receipt: failover"
grep -q 'carrier smsc failed.*not delivered (receipt stat:UNDELIV)' "$TESTDIR/otpsmsd.log"
ok "deliver_within, UNDELIV: logged"
echo noreceipt > "$MODE"
t0=$(date +%s%N)
challenge alice
ms=$(ms_since "$t0")
is "$CH_RC/$(outbox_count)" 0/6 "deliver_within, no receipt: failover"
[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]
ok "deliver_within, no receipt: after 1 s ($ms ms)"

# 10. A wrong password: the bind is refused, a warning, failover.
stop_daemon
(umask 077 && printf 'wrong\n' > "$TESTDIR/smpp.password")
start_daemon "$TESTDIR/otpsmsd.yaml"
echo ok > "$MODE"
challenge alice
is "$CH_RC/$(outbox_count)" 0/7 "bad password: the outbox got it"
grep -q 'carrier smsc: the SMSC refused our bind_transceiver: 0x0000000e (ESME_RINVPASWD)' \
    "$TESTDIR/otpsmsd.log"
ok "bad password: the daemon warned"

stop_daemon
! grep -qF "$PASS" "$TESTDIR/otpsmsd.log"
ok "the password is never logged"
! grep -q "code sent.*$CODE\|[^0-9]$CODE[^0-9]" "$TESTDIR/otpsmsd.log"
ok "no code in the daemon's log"
! grep -q 'invalid request' "$TESTDIR/smsc.err"
ok "the SMSC found nothing to refuse"
if [ "$_tap_failed" -ne 0 ]; then
	sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"
	sed 's/^/# smsc: /' "$TESTDIR/smsc.err" | tail -n 20
fi
done_testing
