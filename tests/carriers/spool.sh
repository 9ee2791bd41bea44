#!/bin/sh
# The spool driver with a real gammu-smsd (FILES backend) on its dummy phone
# driver: otpsmsd leaves the message in the outbox, gammu-smsd picks it up,
# "transmits" it and moves it to sent/; the code in it verifies.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
command -v gammu-smsd >/dev/null 2>&1 || skip_all "gammu-smsd not installed (Debian: gammu-smsd)"

make_testdir
G=$TESTDIR/gammu
mkdir -p "$G/dummy" "$G/inbox" "$G/outbox" "$G/sent" "$G/error"
# otpsmsd's user writes the outbox; gammu-smsd (us) reads and moves files.
is_root && chown "$(daemon_user)" "$G/outbox"
cat > "$G/smsdrc" <<EOF2
[gammu]
model = dummy
connection = none
device = $G/dummy

[smsd]
service = files
inboxpath = $G/inbox/
outboxpath = $G/outbox/
sentsmspath = $G/sent/
errorsmspath = $G/error/
logfile = $G/smsd.log
debuglevel = 1
commtimeout = 1
sendtimeout = 5
loopsleep = 1
receivefrequency = 60
statusfrequency = 0
checksecurity = 0
checkbattery = 0
checksignal = 0
EOF2
gammu-smsd -c "$G/smsdrc" >"$G/smsd.out" 2>&1 &
SMSD_PID=$!
at_cleanup 'kill "$SMSD_PID" 2>/dev/null; wait "$SMSD_PID" 2>/dev/null'
_i=0
until grep -q 'Starting phone communication' "$G/smsd.log" 2>/dev/null; do
	_i=$((_i + 1))
	if [ $_i -gt 100 ] || ! kill -0 "$SMSD_PID" 2>/dev/null; then
		sed 's/^/# gammu-smsd: /' "$G/smsd.out" "$G/smsd.log" 2>/dev/null
		bail "gammu-smsd did not start"
	fi
	sleep 0.1
done

write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: modem
    type: spool
    format: gammu
    priority: B
    path: $G/outbox"
start_daemon "$TESTDIR/otpsmsd.yaml"

# wait_sent N: until N files are in sent/ (10 s at most).
wait_sent() {
	_i=0
	while [ "$(ls "$G/sent" | wc -l)" -lt "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

challenge alice
is "$CH_RC" 0 "challenge succeeds: the message is queued"
grep -q 'code sent.*carrier=modem ref=OUTB_+447700900123_[0-9]*\.txt' "$TESTDIR/otpsmsd.log"
ok "audit line names the outbox file"
wait_sent 1
F=$(ls "$G/sent" | head -n 1)
case "$F" in OUTB_+447700900123_*.txt) pass "gammu-smsd moved OUTB_+447700900123_*.txt to sent/" ;;
*) fail "gammu-smsd moved the file to sent/"; diag "sent: '$F'; error: '$(ls "$G/error")'" ;; esac
grep -q "Transmitted $F .* to +447700900123" "$G/smsd.log"
ok "gammu-smsd transmitted it to alice's number"
CODE=$(grep -o '[0-9]\{6\}' "$G/sent/$F" | head -n 1)
is "$(verify alice "$CODE")" ok "the code gammu-smsd sent verifies"
is "$(ls -A "$G/error" | wc -l | tr -d ' ')" 0 "nothing in gammu's error folder"

# A second message right after: another file, no collision, no temporary.
challenge bob
challenge bob
wait_sent 3
is "$(ls "$G/sent" | wc -l | tr -d ' ')" 3 "three messages, three files transmitted"
is "$(ls -A "$G/outbox" | wc -l | tr -d ' ')" 0 "the outbox is empty: no temporary file left behind"

# The outbox gone: failover detail, no code sent, the login fails closed.
mv "$G/outbox" "$G/outbox.away"
challenge alice
is "$CH_RC" 2 "no outbox: the challenge fails"
grep -q 'carrier modem failed.*create: No such file or directory' "$TESTDIR/otpsmsd.log"
ok "no outbox: the reason is logged"
mv "$G/outbox.away" "$G/outbox"

stop_daemon
if [ "$_tap_failed" -ne 0 ]; then
	sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"
	sed 's/^/# gammu-smsd: /' "$G/smsd.log"
fi
done_testing
