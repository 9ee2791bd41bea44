#!/bin/sh
# Twilio with deliver_within: a 201 is not taken at its word. The driver polls
# Messages/{sid}.json until Twilio says delivered; undelivered, or no delivery
# within deliver_within, fails over to the next carrier (the file outbox) with
# the same code. The mock validates every request with Twilio's OpenAPI spec.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python

make_testdir
start_twilio_mock "ok deliver:ok"

# No breaker: each case must reach Twilio whatever the one before did.
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: twilio
    type: twilio
    timeout: 2s
    breaker_failures: 0
    account_sid: $SID
    auth_token_file: $TESTDIR/twilio.token
    from: \"+15017122661\"
    api_url: http://127.0.0.1:$PORT
    deliver_within: 3s
    poll_interval: 250ms
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
start_daemon "$TESTDIR/otpsmsd.yaml"

# count KIND: requests of that kind the mock accepted (create: "message").
count() {
	python3 -c '
import json, os, sys
n = 0
if os.path.exists(sys.argv[1]):
    n = sum(json.loads(l)["kind"] == sys.argv[2] for l in open(sys.argv[1]))
print(n)' "$MOCKLOG" "$1"
}
# The code in the newest message create, and that message's status polls.
mock_code() {
	python3 -c '
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
body = [r for r in recs if r["kind"] == "message"][-1]["body"]
print(re.search(r"\b(\d{4,10})\b", body).group(1))' "$MOCKLOG"
}
statuses() {
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(r["status"] for r in recs if r["kind"] == "status"))' "$MOCKLOG"
}

# 1. Delivered: polled through sending and sent (not enough) to delivered.
challenge alice
is "$CH_RC" 0 "delivered: challenge succeeds"
is "$(count message)" 1 "delivered: one message create"
is "$(statuses)" "sending sent delivered" "delivered: polled until delivered, sent is not enough"
is "$(outbox_count)" 0 "delivered: no failover"
CODE1=$(mock_code)
is "$(verify alice "$CODE1")" ok "delivered: the code sent through Twilio verifies"
grep -q 'code sent.*carrier=twilio.*ref=SM[0-9a-f]\{32\}' "$TESTDIR/otpsmsd.log"
ok "delivered: audit line names Twilio's message sid"

# 2. Undelivered (30003): the outbox sends the same code at once.
echo "ok deliver:fail" > "$MODE"
t0=$(date +%s)
challenge bob
t1=$(date +%s)
is "$CH_RC" 0 "undelivered: challenge succeeds through the next carrier"
is "$(count message)" 2 "undelivered: one more create"
is "$(outbox_count)" 1 "undelivered: the outbox got the message"
CODE2=$(mock_code)
is "$(last_code)" "$CODE2" "undelivered: the outbox carries the code Twilio was given"
[ $((t1 - t0)) -lt 3 ]
ok "undelivered: failover before deliver_within ($((t1 - t0)) s)"
is "$(verify bob "$CODE2")" ok "undelivered: the code verifies"
grep -q 'carrier twilio failed.*undelivered, error 30003' "$TESTDIR/otpsmsd.log"
ok "undelivered: the failover is logged with Twilio's error code"

# 3. Never delivered (stays sent): failover after deliver_within, same code.
echo "ok deliver:never" > "$MODE"
t0=$(date +%s)
challenge alice
t1=$(date +%s)
is "$CH_RC" 0 "never: challenge succeeds through the next carrier"
is "$(count message)" 3 "never: one more create"
is "$(outbox_count)" 2 "never: the outbox got the message"
CODE3=$(mock_code)
is "$(last_code)" "$CODE3" "never: the outbox carries the code Twilio was given"
[ $((t1 - t0)) -ge 2 ] && [ $((t1 - t0)) -le 8 ]
ok "never: failover after deliver_within 3s ($((t1 - t0)) s)"
is "$(verify alice "$CODE3")" ok "never: the code verifies"
grep -q 'carrier twilio failed.*not delivered within 3000 ms' "$TESTDIR/otpsmsd.log"
ok "never: the deadline is logged"

! grep -qF "$TOKEN" "$TESTDIR/otpsmsd.log"
ok "the auth token is never logged"
! grep -qwE "$CODE1|$CODE2|$CODE3" "$TESTDIR/otpsmsd.log"
ok "no code is ever logged"
stop_daemon

if [ -s "$TESTDIR/mock.err" ]; then sed 's/^/# mock: /' "$TESTDIR/mock.err"; fi
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"; fi
done_testing
