#!/bin/sh
# Limit tokens are taken when a send is let through, not when the carrier
# accepts it: five logins that arrive together while the carrier takes 1.5 s
# to answer get exactly per_user codes out, the rest are refused at once
# (without the reservation all five pass the check and five texts go out).
# A send that no carrier accepted gives its token back.
# The carrier: tests/carriers/lib.sh's Vonage mock.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python yaml

make_testdir
start_vonage_mock slow --slow-ms 1500
STATE="$TESTDIR/state"
mkdir -p "$STATE" && chmod 700 "$STATE"
is_root && chown "$(daemon_user)" "$STATE"

write_config "$TESTDIR/otpsmsd.yaml" "state_dir: $STATE
code: { reuse_window: 0 }
limits: { per_user: 2/10m, per_number: off, per_prefix: off, per_country: off,
  global: off, backoff_after: 0 }
carriers:
  - name: vonage
    type: vonage
    timeout: 5s
    retries: 0
    breaker_failures: 0
    api_key: \"$KEY\"
    api_secret_file: $TESTDIR/vonage.secret
    from: ACME
    api_url: http://127.0.0.1:$PORT/"
start_daemon "$TESTDIR/otpsmsd.yaml"

# --- five at once, per_user 2, a carrier that takes 1.5 s.
pids=
for i in 1 2 3 4 5; do
	"$CLIENT" -s "$SOCKET" challenge alice "svc$i" >"$TESTDIR/r$i" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
refused=$(cat "$TESTDIR"/r[1-5] | grep -c '^error 10 ')
is "$refused" 3 "5 overlapping logins, per_user 2: 3 refused (rate limited)"
is "$(mock_count)" 2 "... and exactly 2 texts sent"
grep -q 'reason="per_user limit"' "$TESTDIR/otpsmsd.log"
ok "... the refusals logged with their limit"

# --- no carrier accepts: the tokens come back.
echo http500 > "$MODE"
r=$("$CLIENT" -s "$SOCKET" challenge bob a)
case "$r" in "error 5 "*) pass "carrier fails: delivery error ($r)" ;; *) fail "delivery error ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" challenge bob b)
case "$r" in "error 5 "*) pass "... twice" ;; *) fail "delivery error twice ($r)" ;; esac
echo ok > "$MODE"
"$CLIENT" -s "$SOCKET" challenge bob c >/dev/null
ok "carrier back: bob gets a code (the failed sends cost nothing)"
"$CLIENT" -s "$SOCKET" challenge bob d >/dev/null
ok "... and a second one"
r=$("$CLIENT" -s "$SOCKET" challenge bob e)
case "$r" in "error 10 "*) pass "... the third is over per_user 2" ;; *) fail "third ($r)" ;; esac

stop_daemon
done_testing
