#!/bin/sh
# The lockout bounds guesses, not only sends (docs/security.md, "Brute force
# (A1)"): with several codes pending for one user (one per service), many
# wrong guesses spread over them are checked at most lockout.failures
# times; a locked user's right code is refused (LOCKED, with a retry) and
# not consumed, so it still verifies once the lock is lifted; and at most
# limits.pending codes wait for one user at once.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"

make_testdir
CFG="$TESTDIR/otpsmsd.yaml"
# Root lifts the lock with otpsmsctl unlock; otherwise it ends by itself.
if is_root; then DUR=15m; else DUR=3s; fi
write_config "$CFG" "code: { reuse_window: 0, max_attempts: 10 }
limits: { per_user: off, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: 3 }
lockout: { failures: 3, window: 15m, duration: $DUR }"
start_daemon "$CFG"
C() { "$CLIENT" -s "$SOCKET" "$@"; }
wrong() { awk -v c="$1" 'BEGIN { printf "%06d", (c + 1) % 1000000 }'; }

# --- three codes pending for bob, one per service
for s in 1 2 3; do
	out=$(C challenge bob "svc$s") || bail "bob's challenge svc$s: $out"
	eval "id$s=\${out%% *}"
	eval "code$s=$(last_code)"
done
pass "three codes pending for bob (svc1, svc2, svc3)"

# --- the fourth is over limits.pending: refused, nothing sent
n=$(outbox_count)
out=$(C challenge bob svc4)
is "$?" 2 "a fourth pending code is refused"
case "$out" in
"error 10 "[1-9]*" too many codes pending") pass "RATE, with the wait and why ($out)" ;;
*) fail "RATE, with the wait and why: $out" ;;
esac
is "$(outbox_count)" "$n" "no fourth code sent"
grep -q 'send refused: user=bob service=svc4 .*reason="too many codes pending" retry_after=[1-9]' \
    "$TESTDIR/otpsmsd.log"
ok "the refusal is logged with its reason"
C challenge alice svc1 > /dev/null
ok "another user is not held back"

# --- twelve wrong guesses over the three codes: three are checked
checked=0 refused=0
for i in 1 2 3 4; do
	for s in 1 2 3; do
		eval "id=\$id$s code=\$code$s"
		out=$(C verify "$id" bob "$(wrong "$code")")
		case "$out" in
		"wrong "*|maxtries) checked=$((checked + 1)) ;;
		"error 11 "[1-9]*) refused=$((refused + 1)) ;;
		*) diag "unexpected answer: $out" ;;
		esac
	done
done
is "$checked" 3 "12 wrong guesses over 3 pending codes: lockout.failures (3) checked"
is "$refused" 9 "the other 9 refused as LOCKED with a retry"
is "$(grep -c 'wrong code: user=bob' "$TESTDIR/otpsmsd.log")" 3 "the log shows 3 wrong codes checked"
grep -q 'verify refused: user=bob .*reason="locked out after wrong codes" retry_after=[1-9]' \
    "$TESTDIR/otpsmsd.log"
ok "the refused guesses are logged"

# --- the right code while locked: refused, not consumed
out=$(C verify "$id1" bob "$code1")
is "$?" 2 "bob's right code while locked: refused"
case "$out" in
"error 11 "[1-9]*) pass "LOCKED with retry_after ($out)" ;;
*) fail "LOCKED with retry_after: $out" ;;
esac
grep -q "verified: user=bob" "$TESTDIR/otpsmsd.log"
[ $? -ne 0 ]
ok "nothing verified for bob while locked"

# --- lock lifted: the codes were not consumed
if is_root; then
	"$CTL" -u "$(daemon_user)" -s "$SOCKET" unlock bob > /dev/null
	ok "otpsmsctl unlock bob"
else
	sleep 3.5
	pass "the 3 s lock ended"
fi
is "$(C verify "$id1" bob "$code1")" ok "the code refused while locked verifies now"
is "$(C verify "$id2" bob "$code2")" ok "and another pending one"
out=$(C challenge bob svc4)
ok "with two codes used, bob may have a new one ($out)"

stop_daemon
done_testing
