#!/bin/sh
# The Twilio driver through a running otpsmsd, against the local mock that
# checks each request with Twilio's own OpenAPI description. Carriers: twilio
# first, then the file outbox, so every Twilio failure must fail over to it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python

make_testdir
FROM=+15017122661
# The token lives in a private file, as in production.
start_twilio_mock error500

# Every case asks for a new code: no reuse of a pending one (see code.reuse_window).
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: twilio
    type: twilio
    timeout: 2s
    account_sid: $SID
    auth_token_file: $TESTDIR/twilio.token
    from: \"$FROM\"
    api_url: http://127.0.0.1:$PORT/
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
start_daemon "$TESTDIR/otpsmsd.yaml"



# 1. Twilio answers 500 (HTML): failover to the outbox.
challenge alice
is "$CH_RC" 0 "500: challenge succeeds through the next carrier"
is "$(mock_count)" 1 "500: the mock saw one valid request"
is "$(mock_field mode)" error500 "500: ... in mode error500"
is "$(outbox_count)" 1 "500: the outbox got the message"
is "$(verify alice "$(last_code)")" ok "500: the outbox code verifies"
grep -q 'carrier twilio failed.*HTTP 500' "$TESTDIR/otpsmsd.log"
ok "500: daemon logged the failover with the HTTP status"

# 2. Twilio accepts the connection and never answers: timeout, failover.
echo hang > "$MODE"
t0=$(date +%s)
challenge bob
t1=$(date +%s)
is "$CH_RC" 0 "hang: challenge succeeds through the next carrier"
is "$(mock_count)" 2 "hang: the mock saw the request"
is "$(outbox_count)" 2 "hang: the outbox got the message"
[ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -le 10 ]
ok "hang: failover after the carrier timeout ($((t1 - t0)) s)"
is "$(verify bob "$(last_code)")" ok "hang: the outbox code verifies"
grep -q 'carrier twilio failed.*[Tt]imeout' "$TESTDIR/otpsmsd.log"
ok "hang: daemon logged the timeout"

# 3. Twilio accepts: one request with the right fields, nothing in the outbox.
echo ok > "$MODE"
challenge alice
is "$CH_RC" 0 "ok: challenge succeeds"
is "$(mock_count)" 3 "ok: one more request"
is "$(outbox_count)" 2 "ok: the outbox is not used"
is "$(mock_field to)" "+447700900123" "ok: To is alice's number"
is "$(mock_field from)" "$FROM" "ok: From is the configured sender"
is "$(mock_field auth_user)" "$SID" "ok: Basic auth user is the account SID"
case "$(mock_field user_agent)" in otpsmsd/*) pass "ok: User-Agent otpsmsd/VERSION" ;;
*) fail "ok: User-Agent otpsmsd/VERSION"; diag "got '$(mock_field user_agent)'" ;; esac
CODE=$(mock_code body)
[ -n "$CODE" ]
ok "ok: the body carries a code"
is "$(verify alice "$CODE")" ok "ok: the code sent through Twilio verifies"
grep -q 'code sent.*carrier=twilio.*ref=SM[0-9a-f]\{32\}' "$TESTDIR/otpsmsd.log"
ok "ok: audit line names the carrier and Twilio's message sid"

# 4. Twilio says the number is invalid (21211): no failover, the user is told.
echo error400 > "$MODE"
challenge bob
is "$CH_RC" 2 "21211: challenge fails"
case "$CH_OUT" in error*) pass "21211: client shows an error" ;;
*) fail "21211: client shows an error"; diag "got '$CH_OUT'" ;; esac
is "$(outbox_count)" 2 "21211: no failover to the outbox"

# 5. Throttled (429/20429): retried twice on Twilio (retries: 2, after 250
#    and 500 ms), then the next carrier. Refused credentials (401/20003):
#    the next carrier at once.
echo error429 > "$MODE"
challenge alice
is "$CH_RC" 0 "429: challenge succeeds through the next carrier"
is "$(mock_count)" 7 "429: the first request and two retries"
is "$(outbox_count)" 3 "429: the outbox got the message"
grep -q 'carrier twilio throttled.*retry 2 of 2 in 500 ms' "$TESTDIR/otpsmsd.log"
ok "429: the retries are logged with their backoff"
echo auth > "$MODE"
challenge bob
is "$CH_RC" 0 "401: challenge succeeds through the next carrier"
is "$(outbox_count)" 4 "401: the outbox got the message"
grep -q 'refused our credentials' "$TESTDIR/otpsmsd.log"
ok "401: daemon warned about the credentials"
is "$(mock_count)" 8 "every request the daemon sent passed the spec checks"

# Secrets stay out of the log.
! grep -qF "$TOKEN" "$TESTDIR/otpsmsd.log"
ok "the auth token is never logged"
! grep -qwF "$CODE" "$TESTDIR/otpsmsd.log"
ok "the code is never logged"

if [ -s "$TESTDIR/mock.err" ]; then sed 's/^/# mock: /' "$TESTDIR/mock.err"; fi
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"; fi
done_testing
