#!/bin/sh
# The Vonage driver through a running otpsmsd, against the local mock that
# checks each request with Vonage's own API description (sms.yml). Carriers:
# vonage first, then the file outbox, so a failover shows in the outbox.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python yaml

make_testdir
start_vonage_mock ok

# No breaker here (tests/carriers/failover.sh has it): each case stands alone.
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: vonage
    type: vonage
    timeout: 2s
    api_key: \"$KEY\"
    api_secret_file: $TESTDIR/vonage.secret
    from: ACME
    api_url: http://127.0.0.1:$PORT/
    retry_backoff: 50ms
    breaker_failures: 0
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
start_daemon "$TESTDIR/otpsmsd.yaml"


# 1. Accepted: one request with Vonage's fields; the code verifies.
challenge alice
is "$CH_RC" 0 "ok: challenge succeeds"
is "$(mock_count)" 1 "ok: the mock saw one valid request"
is "$(outbox_count)" 0 "ok: the outbox is not used"
is "$(mock_field to)" "447700900123" "ok: to is E.164 without '+'"
is "$(mock_field from)" "ACME" "ok: from is the configured sender ID"
is "$(mock_field api_key)" "$KEY" "ok: api_key"
is "$(mock_field type)" "" "ok: ASCII text is sent as type text (the default)"
case "$(mock_field user_agent)" in otpsmsd/*) pass "ok: User-Agent otpsmsd/VERSION" ;;
*) fail "ok: User-Agent otpsmsd/VERSION" ;; esac
CODE=$(mock_code text)
is "$(verify alice "$CODE")" ok "ok: the code sent through Vonage verifies"
grep -q 'code sent.*carrier=vonage.*ref=[0-9A-F]\{16\}' "$TESTDIR/otpsmsd.log"
ok "ok: audit line names the carrier and Vonage's message-id"

# 2. Throttled once (status 1), then accepted: the same carrier, after a pause.
echo throttle,ok > "$MODE"
challenge bob
is "$CH_RC" 0 "throttle once: challenge succeeds"
is "$(mock_count)" 3 "throttle once: two requests to Vonage"
is "$(mock_field mode)" ok "throttle once: the second was accepted"
is "$(outbox_count)" 0 "throttle once: no failover"
grep -q 'carrier vonage throttled.*status 1.*retry 1 of 2' "$TESTDIR/otpsmsd.log"
ok "throttle once: the retry is logged"

# 3. Throttled every time: 1 + 2 retries, then the next carrier.
echo throttle > "$MODE"
challenge alice
is "$CH_RC" 0 "throttled: challenge succeeds through the next carrier"
is "$(mock_count)" 6 "throttled: three requests (retries: 2)"
is "$(outbox_count)" 1 "throttled: the outbox got the message"
is "$(verify alice "$(last_code)")" ok "throttled: the outbox code verifies"

# 4. Internal error (5), HTTP 500, a reply that is not JSON, a hung server,
#    a multi-part reply with a refused part: fail over.
n=6; o=1
for m in internal http500 garbage hang multipart; do
	echo $m > "$MODE"
	challenge bob
	n=$((n + 1)); o=$((o + 1))
	is "$CH_RC" 0 "$m: challenge succeeds through the next carrier"
	is "$(mock_count)" $n "$m: one request"
	is "$(outbox_count)" $o "$m: the outbox got the message"
done
grep -q 'carrier vonage failed.*[Tt]imeout' "$TESTDIR/otpsmsd.log"
ok "hang: the timeout is logged"
grep -q 'carrier vonage failed.*Vonage status 5' "$TESTDIR/otpsmsd.log"
ok "internal: Vonage's status is logged"

# 5. Our account (4 credentials, 9 credit, 29 demo): fail over, warn loudly.
for m in auth quota demo; do
	echo $m > "$MODE"
	challenge alice
	n=$((n + 1)); o=$((o + 1))
	is "$CH_RC" 0 "$m: challenge succeeds through the next carrier"
	is "$(outbox_count)" $o "$m: the outbox got the message"
done
is "$(grep -c 'Vonage refused our account' "$TESTDIR/otpsmsd.log")" 3 \
    "account problems: one loud warning each"

# 6. The number is the problem (3 invalid, 7 barred, 33 deactivated): stop.
for m in invalid barred deactivated; do
	echo $m > "$MODE"
	challenge bob
	n=$((n + 1))
	is "$CH_RC" 2 "$m: challenge fails"
	case "$CH_OUT" in *"cannot receive"*) pass "$m: the user is told" ;;
	*) fail "$m: the user is told"; diag "got '$CH_OUT'" ;; esac
	is "$(outbox_count)" $o "$m: no failover"
done
grep -q 'send refused.*carrier=vonage.*Vonage status 33' "$TESTDIR/otpsmsd.log"
ok "deactivated: audit line says why"
is "$(mock_count)" $n "every request the daemon sent passed the spec checks"
! grep -q 'invalid request' "$TESTDIR/mock.err"
ok "the mock found nothing to refuse"

# Secrets stay out of the log.
! grep -qF "$SECRET" "$TESTDIR/otpsmsd.log"
ok "the api_secret is never logged"
! grep -qwF "$CODE" "$TESTDIR/otpsmsd.log"
ok "the code is never logged"

stop_daemon
if [ -s "$TESTDIR/mock.err" ]; then sed 's/^/# mock: /' "$TESTDIR/mock.err"; fi
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"; fi
done_testing
