#!/bin/sh
# otpsmsctl's carrier view through a running otpsmsd: routes NUMBER, status
# with each carrier's breaker and counters, test-send through a route or one
# carrier (a real message, no code), and the WebOTP last line of a code.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"
CTL="$top_builddir/otpsmsctl"

[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -x "$CTL" ] || skip_all "otpsmsctl not built"
[ -x "$CLIENT" ] || skip_all "tests/otpsms-client not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

make_testdir
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
host: testhost.example
webotp_domain: login.example.com
carriers:
  - {name: broken, type: file, path: $TESTDIR/missing/outbox.jsonl,
     breaker_failures: 1, breaker_cooldown: 1h}
  - {name: outbox, type: file, path: $TESTDIR/spool/outbox.jsonl}
routes:
  - {prefix: \"+44\", carriers: [broken, outbox], from: ACME}
  - {prefix: \"+1\", carriers: [outbox], webotp_domain: example.us}"
start_daemon "$TESTDIR/otpsmsd.yaml"
ctl() { "$CTL" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
# The newest outbox record's field $1.
last() {
	python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' \
	    "$OUTBOX" "$1"
}

# --- WebOTP: the origin-bound last line, top-level domain and a route's own.
"$CLIENT" -s "$SOCKET" challenge alice sshd >/dev/null
ok "alice's code sent (through the +44 route, after broken failed)"
code=$(last_code)
is "$(last text | tail -n 1)" "@login.example.com #$code" "WebOTP last line: top-level domain"
is "$(last text | wc -l)" 2 "the WebOTP line is a line of its own"
"$CLIENT" -s "$SOCKET" challenge bob sshd >/dev/null
code=$(last_code)
is "$(last text | tail -n 1)" "@example.us #$code" "WebOTP last line: the route's domain"

# --- routes NUMBER
r=$(ctl routes +447700900123)
is "$?" 0 "routes: exit 0"
case "$r" in
*'route "+44" (line '*'): broken (failing, skipped), outbox (from "ACME") (webotp login.example.com)')
	pass "routes: +44 route, carriers in order, open breaker marked" ;;
*) fail "routes: +44 route ($r)" ;;
esac
case "$r" in '+44'*'0123:'*) pass "routes: the number is masked" ;; *) fail "masked ($r)" ;; esac
# The masked number's dots: '*' where the locale is not UTF-8 (its three
# bytes used to print as "???"), the bullet itself where it is.
r=$(LC_ALL=C ctl routes +447700900123)
case "$r" in '+44*****0123: route'*) pass "routes, C locale: the dots are '*'" ;;
*) fail "routes, C locale ($r)" ;; esac
r=$(LC_ALL=C.UTF-8 ctl routes +447700900123)
case "$r" in "+44$(printf '\342\200\242\342\200\242\342\200\242\342\200\242\342\200\242')0123: route"*)
	pass "routes, UTF-8 locale: the dots are bullets" ;;
*) fail "routes, UTF-8 locale ($r)" ;; esac
r=$(ctl routes +33612345678)
case "$r" in *"no route matches, carriers in order: broken (failing, skipped), outbox (webotp login.example.com)")
	pass "routes: no route matches" ;; *) fail "routes: no match ($r)" ;; esac
r=$(ctl routes +15017122661)
case "$r" in *'route "+1"'*': outbox (webotp example.us)') pass "routes: the route's own domain" ;;
*) fail "routes +1 ($r)" ;; esac
ctl routes 447700900123 >/dev/null 2>&1
is "$?" 2 "routes: not an E.164 number refused"

# --- status: each carrier's breaker and counters.
s=$(ctl status)
is "$?" 0 "status: exit 0"
printf '%s\n' "$s" | grep -q '^carrier broken (file): failing, retry in [0-9]* s; accepted 0, failed 1 (1 in a row), retried 0, refused 0; last error: '
ok "status: broken failing (breaker open), its failure and last error"
printf '%s\n' "$s" | grep -q '^carrier outbox (file): healthy; accepted 2, failed 0'
ok "status: outbox healthy, 2 accepted"
printf '%s\n' "$s" | grep -q '^pending codes: 2$'
ok "status: still shows the daemon's counters"
# The loop's longest turn since the last status (issue 16), then reset.
printf '%s\n' "$s" | grep -q '^loop: longest turn [0-9]*\.[0-9][0-9][0-9] ms ([0-9]* events.*), [1-9][0-9]* turns, [0-9]* of 1 ms or more, since the last status$'
ok "status: the loop's longest turn"
s=$(ctl status)
printf '%s\n' "$s" | grep -q '^loop: longest turn [0-9.]* ms ([0-9]* events.*), [1-9][0-9]* turns'
ok "status: counted again after the reset"

# --- test-send: a real message, no code, with each carrier's verdict.
n=$(outbox_count)
r=$(ctl test-send +447700900123 --carrier outbox)
is "$?" 0 "test-send --carrier outbox: exit 0"
case "$r" in "carrier outbox (file): accepted"*) pass "test-send: the carrier's verdict" ;;
*) fail "test-send verdict ($r)" ;; esac
is "$(outbox_count)" $((n + 1)) "test-send: one message went out"
is "$(last text)" "otpsms test message from testhost.example" "test-send: the test text, no code"
is "$(last to)" "+447700900123" "test-send: to the number given"
is "$(last user)" "otpsmsctl" "test-send: recorded as otpsmsctl's"
r=$(ctl test-send +447700900123)
is "$?" 0 "test-send through the route: exit 0"
case "$r" in "carrier broken (file): failed (fail over)"*"
carrier outbox (file): accepted"*) pass "test-send through the route: each carrier's verdict, in order" ;;
*) fail "route verdicts ($r)" ;; esac
r=$(ctl test-send +447700900123 --carrier broken)
is "$?" 1 "test-send through a failing carrier: exit 1"
case "$r" in *"failed (fail over); "*) pass "test-send: the failure and its reason" ;;
*) fail "failure reason ($r)" ;; esac
r=$(ctl test-send +447700900123 --carrier nosuch 2>&1)
is "$?" 2 "test-send --carrier with an unknown name refused"
case "$r" in *"no carrier by that name"*) pass "unknown carrier: said so" ;; *) fail "unknown ($r)" ;; esac
s=$(ctl status)
printf '%s\n' "$s" | grep -q '^carrier outbox (file): healthy; accepted 2, failed 0'
ok "test sends leave the counters alone"
printf '%s\n' "$s" | grep -q '^carrier broken (file): failing, retry in [0-9]* s; accepted 0, failed 1 '
ok "test sends leave the breaker alone"
grep -q 'test message: to=+44[^ ]*0123 by=otpsmsctl pid=[0-9]* result=accepted' "$TESTDIR/otpsmsd.log"
ok "test-send logged, number masked"
grep 'test message' "$TESTDIR/otpsmsd.log" | grep -q '+447700900123'
[ $? -ne 0 ]
ok "no full number in the test-send log lines"

# --- root only.
if is_root && command -v setpriv >/dev/null 2>&1; then
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -u "$(daemon_user)" \
	    -s "$SOCKET" test-send +447700900123 2>&1)
	is "$?" 2 "test-send from another uid refused"
	n=$(outbox_count)
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -u "$(daemon_user)" \
	    -s "$SOCKET" routes +447700900123 >/dev/null 2>&1
	is "$?" 2 "routes from another uid refused"
else
	pass "# SKIP not root"
	pass "# SKIP not root"
fi

stop_daemon
done_testing
