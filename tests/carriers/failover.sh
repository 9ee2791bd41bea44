#!/bin/sh
# Routes and failover with injected faults, through a running otpsmsd: routes
# by longest prefix with their own sender and message, the circuit breaker
# (open after consecutive failures, skipped, probed after its cool-down), the
# last resort when every carrier of a route is cooling down, a refused
# connection, and a hung carrier costing no more than its timeout.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

MOCK="$top_srcdir/tests/mock/vonage_mock.py"
SPEC="$top_srcdir/tests/mock/specs/vonage/sms.yml"

need_daemon
need_python yaml

make_testdir
MOCKLOG="$TESTDIR/vonage-requests.jsonl"
MODE="$TESTDIR/vonage-mode"
echo ok > "$MODE"
start_mock vonage python3 "$MOCK" --spec "$SPEC" \
    --key abcd1234 --secret abcdef0123456789 --mode-file "$MODE" \
    --log "$MOCKLOG"
DEAD=$(free_port)     # nothing listens there: connection refused

CONFIG_EXTRA_USERS='  dave: "+33612345678"
  erin: "+4915123456789"
  frank: "+3225551234"'
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: vonage
    type: vonage
    timeout: 1s
    api_key: abcd1234
    api_secret: abcdef0123456789
    from: \"+447700900999\"
    api_url: http://127.0.0.1:$PORT
    retries: 0
    breaker_failures: 2
    breaker_cooldown: 1500ms
  - name: dead
    type: vonage
    timeout: 1s
    api_key: abcd1234
    api_secret: abcdef0123456789
    from: ACME
    api_url: http://127.0.0.1:$DEAD
    breaker_failures: 0
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl
  - name: us
    type: file
    path: $TESTDIR/spool/us.jsonl
routes:
  - prefix: \"+44\"
    carriers: [vonage, outbox]
    from: ACMEUK
    message: \"UK {code} for {host}\"
  - prefix: \"+1\"
    carriers: [us]
  - prefix: \"+49\"
    carriers: [vonage]
  - prefix: \"+32\"
    carriers: [dead, outbox]"
chmod 600 "$TESTDIR/otpsmsd.yaml"   # it holds a secret inline
is_root && chown "$(id -u)" "$TESTDIR/otpsmsd.yaml"

# -t shows the route each user's number takes.
"$OTPSMSD" -t -c "$TESTDIR/otpsmsd.yaml" >"$TESTDIR/t.out" 2>"$TESTDIR/t.err"
ok "otpsmsd -t accepts routes"
grep -q '^alice +44.*0123: route "+44" (line [0-9]*): vonage, outbox (from "ACMEUK")$' "$TESTDIR/t.out"
ok "-t: alice takes +44 with its sender"
grep -q '^bob +1.*2661: route "+1" (line [0-9]*): us$' "$TESTDIR/t.out"
ok "-t: bob takes +1"
grep -q '^dave +33.*5678: no route matches, carriers in order: vonage, dead, outbox, us$' "$TESTDIR/t.out"
ok "-t: dave has no route: the carriers in order"
! grep -q '^warning' "$TESTDIR/t.out"
ok "-t: short messages, no segment warning"
python3 -c '
import sys
cfg = open(sys.argv[1], encoding="utf-8").read()
long = "UK {code} for {host} " + "\u00e9t\u00e9 " * 20
open(sys.argv[2], "w", encoding="utf-8").write(
    cfg.replace("message: \"UK {code} for {host}\"", "message: \"%s\"" % long))
' "$TESTDIR/otpsmsd.yaml" "$TESTDIR/long.yaml"
chmod 600 "$TESTDIR/long.yaml"
"$OTPSMSD" -t -c "$TESTDIR/long.yaml" >"$TESTDIR/t2.out" 2>&1
grep -q '^warning: the message of route "+44" can be [0-9]* UCS-2 characters long, more than one SMS' "$TESTDIR/t2.out"
ok "-t: warns when a route's message needs more than one SMS (UCS-2)"
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# -t: /' "$TESTDIR/t.out" "$TESTDIR/t.err" "$TESTDIR/t2.out"; fi

start_daemon "$TESTDIR/otpsmsd.yaml"
us_count() { if [ -f "$TESTDIR/spool/us.jsonl" ]; then wc -l < "$TESTDIR/spool/us.jsonl" | tr -d ' '; else echo 0; fi; }
log_count() { grep -c "$1" "$TESTDIR/otpsmsd.log"; }

# 1. Routes: +44 through vonage with the route's sender and message.
challenge alice
is "$CH_RC" 0 "+44: challenge succeeds"
is "$(mock_count)" 1 "+44: through vonage"
is "$(mock_field from)" ACMEUK "+44: the route's sender ID"
case "$(mock_field text)" in "UK "[0-9]*" for "*) pass "+44: the route's message" ;;
*) fail "+44: the route's message"; diag "got '$(mock_field text)'" ;; esac
is "$(verify alice "$(mock_field text | grep -o '[0-9]\{6\}')")" ok "+44: its code verifies"

# 2. +1 goes to its own carrier only; no route: the carriers in order.
challenge bob
is "$CH_RC" 0 "+1: challenge succeeds"
is "$(us_count)" 1 "+1: through the us carrier"
is "$(mock_count)" 1 "+1: vonage not used"
challenge dave
is "$CH_RC" 0 "no route: challenge succeeds"
is "$(mock_count)" 2 "no route: the first carrier, vonage"
is "$(mock_field from)" "+447700900999" "no route: the carrier's own sender"
case "$(mock_field text)" in *"is your login code"*) pass "no route: the global message" ;;
*) fail "no route: the global message" ;; esac

# 3. The breaker: two failures open it, then vonage is skipped.
echo internal > "$MODE"
challenge alice
challenge alice
is "$CH_RC" 0 "two failures: still delivered through the outbox"
is "$(mock_count)" 4 "two failures: two requests"
is "$(outbox_count)" 2 "two failures: both in the outbox"
is "$(log_count 'carrier vonage: 2 consecutive failure(s), circuit open')" 1 \
    "the breaker opened, and said so"
challenge alice
is "$CH_RC" 0 "open: delivered"
is "$(mock_count)" 4 "open: vonage skipped, no request"
is "$(outbox_count)" 3 "open: straight to the outbox"

# 4. Every carrier of the route cooling down: they are tried anyway.
echo ok > "$MODE"
challenge erin
is "$CH_RC" 0 "last resort: delivered"
is "$(mock_count)" 5 "last resort: vonage tried although open"
is "$(log_count 'trying those cooling down')" 1 "last resort: logged"
is "$(log_count 'carrier vonage: answering again, circuit closed')" 1 \
    "last resort: a success closes the breaker"

# 5. Open again, then the probe after the cool-down closes it.
echo internal > "$MODE"
challenge alice
challenge alice
is "$(mock_count)" 7 "reopened: two more failures"
echo ok > "$MODE"
challenge alice
is "$(mock_count)" 7 "reopened: skipped during the cool-down"
sleep 1.6
challenge alice
is "$CH_RC" 0 "after the cool-down: delivered"
is "$(mock_count)" 8 "after the cool-down: one probe to vonage"
is "$(mock_field mode)" ok "after the cool-down: the probe was accepted"
is "$(log_count 'cool-down over, probing it')" 1 "the probe is logged"
is "$(log_count 'circuit closed')" 2 "the probe closed the breaker"

# 6. A refused connection fails over at once; a hung carrier costs its
#    timeout (1 s) and no more.
o=$(outbox_count)
t0=$(date +%s%N)
challenge frank
t1=$(date +%s%N)
is "$CH_RC" 0 "refused connection: delivered by the next carrier"
is "$(outbox_count)" $((o + 1)) "refused connection: in the outbox"
[ $(((t1 - t0) / 1000000)) -lt 900 ]
ok "refused connection: failover at once ($(((t1 - t0) / 1000000)) ms)"
grep -q "carrier dead failed.*onnect" "$TESTDIR/otpsmsd.log"
ok "refused connection: logged"
echo hang > "$MODE"
t0=$(date +%s%N)
challenge alice
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
is "$CH_RC" 0 "hung carrier: delivered by the next carrier"
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ]
ok "hung carrier: costs its timeout, 1 s ($ms ms)"
echo ok > "$MODE"

stop_daemon
! grep -q 'invalid request' "$TESTDIR/mock.err"
ok "the mock found nothing to refuse"
if [ -s "$TESTDIR/mock.err" ]; then sed 's/^/# mock: /' "$TESTDIR/mock.err"; fi
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"; fi
done_testing
