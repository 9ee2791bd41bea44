#!/bin/sh
# The kannel driver's report listener under a local user's flood
# (tests/mock/dlr_flood.py: some 200 connections at once, idle, slowloris,
# junk and forged reports, each one the daemon closes replaced at once),
# against real bearerbox, smsbox and fakesmsc. The listener must never be
# what fails a send: every login's code is delivered on Kannel's own report
# and verifies, nothing fails with "no carrier accepted", the breaker stays
# closed; with the SMSC down, the missing report is not held against Kannel
# while the listener is flooded. Without a flood, forged reports (no token,
# a wrong token) change no message's state.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/kannel_setup.inc"
CTL="$top_builddir/otpsmsctl"
FLOOD="$top_srcdir/tests/mock/dlr_flood.py"
[ -x "$CTL" ] || skip_all "otpsmsctl not built"

# Kannel alone: a failed send fails the login, and the breaker counts it.
conf() {
	write_config "$1" "code: {reuse_window: 0}
carriers:
  - name: kannel
    type: kannel
    api_url: http://127.0.0.1:$SENDSMS
    username: otpsms
    password_file: $TESTDIR/kannel.password
    from: ACME
    smsc: fake
    dlr_listen: 127.0.0.1:$DLR
    deliver_within: 3s
    breaker_failures: 2
$2"
}
conf "$TESTDIR/otpsmsd.yaml"
start_daemon "$TESTDIR/otpsmsd.yaml"
ctl() { "$CTL" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
# fakesmsc's newest message to number $1: its code (empty when none).
smsc_code() {
	grep "Got message.*<ACME $1 text " "$K/fakesmsc.out" | tail -n 1 |
	    sed -n 's/.* text \([0-9]\{6\}\) .*/\1/p'
}
smsc_count() { grep -c "Got message.*<ACME $1 text " "$K/fakesmsc.out"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

python3 "$FLOOD" flood "$DLR" "$TESTDIR/flood.stats" &
FLOOD_PID=$!
at_cleanup 'kill "$FLOOD_PID" 2>/dev/null; wait "$FLOOD_PID" 2>/dev/null'
_i=0
until [ -s "$TESTDIR/flood.stats" ] && [ "$(cut -d" " -f2 "$TESTDIR/flood.stats")" -ge 50 ]; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && bail "the flood did not start: $(cat "$TESTDIR/flood.stats" 2>/dev/null)"
	sleep 0.1
done
diag "flood running: $(cat "$TESTDIR/flood.stats")"

# 1. Logins while the flood runs, the SMSC up.
n=0
slow=0
for user in alice bob alice bob alice bob; do
	n=$((n + 1))
	case $user in alice) num=447700900123 ;; *) num=15017122661 ;; esac
	before=$(smsc_count "$num")
	t0=$(ms_now)
	challenge "$user"
	ms=$(($(ms_now) - t0))
	is "$CH_RC" 0 "flood, login $n ($user): challenge succeeds"
	[ "$CH_RC" -eq 0 ] || diag "$CH_OUT"
	# Accepted before deliver_within: only Kannel's report does that.
	[ "$ms" -lt 2500 ] || slow=$((slow + 1))
	_i=0
	while [ "$(smsc_count "$num")" -le "$before" ] && [ $_i -lt 50 ]; do
		_i=$((_i + 1)); sleep 0.1
	done
	is "$(verify "$user" "$(smsc_code "$num")")" ok \
	    "flood, login $n ($user): the code fakesmsc received verifies"
done
is "$slow" 0 "flood: every login accepted on Kannel's delivery report, not after deliver_within"
! grep -q 'no carrier accepted' "$TESTDIR/otpsmsd.log"
ok "flood: no challenge failed with \"no carrier accepted\""
! grep -q "accepted on Kannel's 202" "$TESTDIR/otpsmsd.log"
ok "flood: no report was lost to the flood"
s=$(ctl status)
printf '%s\n' "$s" | grep -q '^carrier kannel (kannel): healthy; accepted 6, failed 0'
ok "flood: kannel stays healthy (breaker closed), 6 accepted, none failed"
[ "$_tap_failed" -eq 0 ] || diag "$s"
# The flood writes its counts every 0.5 s, from its own loop: on a loaded
# machine give it up to 10 s to report what the listener has closed.
_i=0
while :; do
	stats=$(cat "$TESTDIR/flood.stats")
	set -- $stats
	[ "$4" -ge 200 ] || [ $_i -ge 100 ] && break
	_i=$((_i + 1))
	sleep 0.1
done
diag "flood: $stats"
[ "$4" -ge 200 ]
ok "flood: the listener closed the flood's connections ($4 of $2)"
is "$6" 0 "flood: no forged report was answered 200"

# 2. The SMSC down, the flood on: Kannel queues it (202) and no report can
# come. The listener was flooded, so that is not Kannel's failure: accepted
# on its 202, with a warning; fakesmsc gets the code once it is back.
stop_smsc
before=$(smsc_count 447700900123)
t0=$(ms_now)
challenge alice
ms=$(($(ms_now) - t0))
is "$CH_RC" 0 "flood, smsc down: challenge succeeds"
[ "$ms" -ge 2900 ] && [ "$ms" -lt 6000 ]
ok "flood, smsc down: accepted after deliver_within, 3 s ($ms ms)"
grep -q "carrier kannel: no delivery report within 3000 ms while [0-9]* connections to the report listener were dropped.*accepted on Kannel's 202" "$TESTDIR/otpsmsd.log"
ok "flood, smsc down: the daemon warned of the flood"
printf '%s\n' "$(ctl status)" | grep -q '^carrier kannel (kannel): healthy; accepted 7, failed 0'
ok "flood, smsc down: kannel stays healthy (breaker closed)"
start_smsc
_i=0
while [ "$(smsc_count 447700900123)" -le "$before" ] && [ $_i -lt 300 ]; do
	_i=$((_i + 1)); sleep 0.1
done
is "$(verify alice "$(smsc_code 447700900123)")" ok \
    "flood, smsc down: Kannel delivers the code once the SMSC is back; it verifies"
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null

# 3. No flood, the SMSC down, an outbox behind Kannel: forged reports for the
# pending message (delivered 1, SMSC accepted 8, rejected 16; no token, a
# wrong token) are refused and change nothing: the daemon fails over after
# deliver_within, as when nobody forges.
stop_daemon
stop_smsc
conf "$TESTDIR/outbox.yaml" "  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
start_daemon "$TESTDIR/outbox.yaml"
t0=$(ms_now)
( challenge bob; echo "$CH_RC" > "$TESTDIR/ch.rc" ) &
CH_PID=$!
sleep 0.5
answers=$(python3 "$FLOOD" forge "$DLR" | sort | uniq -c | tr -s ' ')
wait "$CH_PID"
ms=$(($(ms_now) - t0))
is "$answers" " 6 400" "forged reports: all six answered 400"
is "$(cat "$TESTDIR/ch.rc")" 0 "forged reports: the challenge succeeds through the outbox"
is "$(outbox_count)" 1 "forged reports: Kannel's send failed over, as with no forgery"
[ "$ms" -ge 2900 ]
ok "forged reports: failover after deliver_within ($ms ms), not at a forged 16"
grep -q 'carrier kannel failed.*no delivery report within 3000 ms' "$TESTDIR/otpsmsd.log"
ok "forged reports: no report was taken"
! grep -q "accepted on Kannel's 202" "$TESTDIR/otpsmsd.log"
ok "forged reports: well-formed forgeries are not taken for a flood"

stop_daemon
! grep -qF "$PASS" "$TESTDIR/otpsmsd.log"
ok "the password is never logged"
if [ "$_tap_failed" -ne 0 ]; then
	sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log" | tail -n 60
	tail -n 30 "$K/smsbox.log" | sed 's/^/# smsbox: /'
fi
done_testing
