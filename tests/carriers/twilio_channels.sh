#!/bin/sh
# Twilio voice calls and WhatsApp through a running otpsmsd, against the mock
# checked by Twilio's OpenAPI description: a resend asked for at the prompt
# (PROTO_RF_RESEND with VOICE or WHATSAPP) carries the same code by a call
# that reads it digit by digit, twice, in the route's language and voice, or
# by an approved WhatsApp template; a route's alphanumeric sender on SMS.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python

make_testdir
HX=HX$(rand_hex 16)
start_twilio_mock ok

CONFIG_EXTRA_USERS='  dave: "+33612345678"'
write_config "$TESTDIR/otpsmsd.yaml" "carriers:
  - name: twilio
    type: twilio
    timeout: 2s
    account_sid: $SID
    auth_token_file: $TESTDIR/twilio.token
    from: \"+15017122661\"
    voice_from: \"+15017122662\"
    voice_intro: \"Your ACME code is\"
    whatsapp_from: \"+15017122663\"
    whatsapp_content_sid: $HX
    api_url: http://127.0.0.1:$PORT
  - name: sms-only
    type: file
    path: $TESTDIR/spool/outbox.jsonl
routes:
  - prefix: \"+44\"
    carriers: [twilio]
    from: ACME
    language: en-GB
    voice: Polly.Amy
  - prefix: \"+33\"
    carriers: [sms-only]"
start_daemon "$TESTDIR/otpsmsd.yaml"

# resend USER FLAGS: a CHALLENGE_REQ with flags (1 resend, 2 voice, 4
# WhatsApp) as a raw frame; prints "type 2" when the code went out again,
# "error CODE RETRY MESSAGE" when refused.
resend() {
	_hex=$(python3 -c '
import struct, sys
s = lambda x: struct.pack(">I", len(x)) + x
body = s(sys.argv[1].encode()) + s(b"sshd") + s(b"192.0.2.1") + s(b"") + s(b"") \
    + struct.pack(">I", int(sys.argv[2]))
print((struct.pack(">I", 2 + len(body)) + bytes([1, 1]) + body).hex())' "$1" "$2")
	"$CLIENT" -s "$SOCKET" raw "$_hex" 2>&1
}

# 1. SMS on the +44 route: the route's alphanumeric sender ID.
challenge alice
is "$CH_RC" 0 "sms: challenge succeeds"
is "$(mock_field kind)" message "sms: a message"
is "$(mock_field from)" ACME "sms: From is the route's sender ID"
CODE=$(mock_field body | grep -o '[0-9]\{6\}' | head -n 1)
[ -n "$CODE" ]
ok "sms: the body carries the code"

# 2. Voice: the same code, read digit by digit, twice, en-GB, Polly.Amy.
is "$(resend alice 3)" "type 2" "voice: the resend is accepted"
is "$(mock_count)" 2 "voice: one more request"
is "$(mock_field kind)" call "voice: a call (Calls.json)"
is "$(mock_field to)" "+447700900123" "voice: To is alice's number"
is "$(mock_field from)" "+15017122662" "voice: From is voice_from"
SPOKEN=$(echo "$CODE" | sed 's/./&, /g; s/, $/./')
is "$(mock_field says)" "[\"Your ACME code is\", \"$SPOKEN\", \"$SPOKEN\"]" \
    "voice: the intro, then the digits one by one, twice"
case "$(mock_field twiml)" in *'<Say language="en-GB" voice="Polly.Amy">'*) pass "voice: the route's language and voice" ;;
*) fail "voice: the route's language and voice"; diag "$(mock_field twiml)" ;; esac
is "$(verify alice "$CODE")" ok "voice: the code read out verifies"
grep -q 'code sent.*carrier=twilio ref=CA[0-9a-f]\{32\}' "$TESTDIR/otpsmsd.log"
ok "voice: audit line with the call sid"

# 3. WhatsApp: the same code in the approved template.
challenge bob
CODE=$(mock_field body | grep -o '[0-9]\{6\}' | head -n 1)
is "$(resend bob 5)" "type 2" "whatsapp: the resend is accepted"
is "$(mock_field kind)" message "whatsapp: a message"
is "$(mock_field to)" "whatsapp:+15017122661" "whatsapp: To is whatsapp:+E164"
is "$(mock_field from)" "whatsapp:+15017122663" "whatsapp: From is whatsapp_from"
is "$(mock_field content_sid)" "$HX" "whatsapp: ContentSid is the template"
is "$(mock_field content_variables)" "{\"1\": \"$CODE\"}" "whatsapp: the code is variable 1"
is "$(mock_field body)" "" "whatsapp: no free text"
is "$(verify bob "$CODE")" ok "whatsapp: the code verifies"

# 4. A number whose carriers cannot call: the resend is refused.
challenge dave
is "$CH_RC" 0 "sms-only route: challenge succeeds"
n=$(mock_count)
is "$(resend dave 3)" "error 5 0 no carrier for this channel" \
    "sms-only route: a voice resend is refused (PROTO_E_DELIVERY)"
is "$(mock_count)" "$n" "sms-only route: nothing sent"

stop_daemon
[ ! -s "$TESTDIR/mock.err" ]
ok "the mock refused nothing"
! grep -qF "$TOKEN" "$TESTDIR/otpsmsd.log"
ok "the auth token is never logged"
if [ -s "$TESTDIR/mock.err" ]; then sed 's/^/# mock: /' "$TESTDIR/mock.err"; fi
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"; fi
done_testing
