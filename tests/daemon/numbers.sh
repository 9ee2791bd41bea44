#!/bin/sh
# Several numbers per user, through the socket: the first request goes to
# the first number and says another exists (CHALLENGE_RSP flag MORE, 2); the
# number index in CHALLENGE_REQ's flags (bits 8-15) sends a new code to the
# next one, with its own per_number limit; a resend repeats a code only to
# the number it went to; a user with one number is never offered another.
set -u
. "$top_srcdir/tests/lib.sh"

make_testdir
CONFIG_EXTRA_USERS='  dora: ["+447700900123", "+447700900456", "+33612345678"]'
write_config "$TESTDIR/otpsmsd.yaml" "limits: { per_user: off, per_number: 1/1h, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: 3 }"
start_daemon "$TESTDIR/otpsmsd.yaml"

last_to() {
	python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["to"])' "$OUTBOX"
}

out=$("$CLIENT" -s "$SOCKET" challenge dora sshd)
ok "challenge for dora"
id1=${out%% *}
code1=$(last_code)
is "$(last_to)" "+447700900123" "the first code goes to the first number"
case "$out" in *"+44"*0123*) pass "the reply names the first number, masked" ;; *) fail "masked first number: $out" ;; esac
is "${out##* }" 2 "the reply says another number exists (MORE)"

# 0x100: number 2 (index 1).
out=$("$CLIENT" -s "$SOCKET" -f 0x100 challenge dora sshd)
ok "a challenge for dora's second number"
id2=${out%% *}
code2=$(last_code)
[ "$id2" != "$id1" ]
ok "it is a new challenge"
is "$(last_to)" "+447700900456" "the code went to the second number"
case "$out" in *"+44"*0456*) pass "the reply names the second number, masked" ;; *) fail "masked second number: $out" ;; esac
case "$out" in *"0900456"*) fail "the reply holds the full number: $out" ;; *) pass "the number is masked" ;; esac
is "${out##* }" 2 "a third number exists (MORE)"
grep -q "code sent: user=dora service=sshd .*to=+44[^ ]*0456" "$TESTDIR/otpsmsd.log"
ok "the audit line names the masked second number"

# per_number is 1/1h: the first number has had its code; the second too.
n=$(outbox_count)
r=$("$CLIENT" -s "$SOCKET" -f 0x101 challenge dora sshd)
case "$r" in "error 10 "*) pass "a resend to the second number: its own per_number limit (RATE)" ;; *) fail "resend to number 2 limited: $r" ;; esac
out=$("$CLIENT" -s "$SOCKET" -f 0x200 challenge dora sshd)
ok "the third number has its own budget"
is "$(last_to)" "+33612345678" "the code went to the third number"
is "${out##* }" 0 "no number after the last: MORE not set"
id3=${out%% *}
r=$("$CLIENT" -s "$SOCKET" -f 0x300 challenge dora sshd)
case "$r" in "error 9 "*) pass "no fourth number: NUMBER" ;; *) fail "no fourth number: $r" ;; esac
is "$(outbox_count)" "$((n + 1))" "refused requests sent nothing"

# The code for the second number verifies with its own id; the first too
# (abandoned by the module, it stays pending until it expires).
is "$("$CLIENT" -s "$SOCKET" verify "$id2" dora "$code2")" "ok" "the second number's code verifies"
is "$("$CLIENT" -s "$SOCKET" verify "$id1" dora "$code1")" "ok" "the first code still verified until it expired"

r=$("$CLIENT" -s "$SOCKET" challenge dora sudo)
is "$?" 2 "per_number still holds for the first number on another service"

# One number: never MORE.
out=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
is "${out##* }" 0 "a user with one number: no MORE"
r=$("$CLIENT" -s "$SOCKET" -f 0x100 challenge bob sshd)
case "$r" in "error 9 "*) pass "bob has no second number: NUMBER" ;; *) fail "bob number 2: $r" ;; esac
stop_daemon

# A resend repeats the code to the number it went to; reuse the same.
write_config "$TESTDIR/otpsmsd.yaml" "code: { reuse_window: 5m }"
start_daemon "$TESTDIR/otpsmsd.yaml"
"$CLIENT" -s "$SOCKET" challenge dora sshd >/dev/null
out=$("$CLIENT" -s "$SOCKET" -f 0x100 challenge dora sshd)
id2=${out%% *}
code2=$(last_code)
is "$(last_to)" "+447700900456" "with a reuse window, the next number still gets a new code"
out=$("$CLIENT" -s "$SOCKET" -f 0x101 challenge dora sshd)
is "${out%% *}" "$id2" "a resend at number 2 repeats its pending code"
is "$(last_to)" "+447700900456" "  ... to the second number"
is "$(last_code)" "$code2" "  ... the same code"
out=$("$CLIENT" -s "$SOCKET" challenge dora sshd)
[ "${out%% *}" != "$id2" ]
ok "a first request is not answered with the second number's code"
is "$(last_to)" "+447700900123" "  ... a new code goes to the first number"
stop_daemon
done_testing
