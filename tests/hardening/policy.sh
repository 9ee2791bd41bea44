#!/bin/sh
# The daemon's abuse policy through its socket: send limits, lockout kept
# across a restart and a kill -9, otpsmsctl, the country policy at -t, who may
# ask (allow_self, allow_groups, control for root only), a corrupt state
# file, and no code in any log or state file.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"

# The socket exists before the state is read (it is made as root): wait for
# the daemon to say it started (slow under valgrind).
start() {
	start_daemon "$1"
	_i=0
	until grep -q "started:" "$TESTDIR/otpsmsd.log"; do
		_i=$((_i + 1))
		[ $_i -gt 600 ] && bail "otpsmsd did not finish starting"
		sleep 0.05
	done
}

make_testdir
STATE="$TESTDIR/state"
mkdir -p "$STATE"
chmod 700 "$STATE"
is_root && chown "$(daemon_user)" "$STATE"
CFG="$TESTDIR/otpsmsd.yaml"
POLICY="state_dir: $STATE
code: { reuse_window: 0 }
limits:
  per_user: 4/10m
  backoff_after: 0
  pending: off
lockout:
  failures: 3
  window: 15m
  duration: 15m"
write_config "$CFG" "$POLICY"
start "$CFG"

# --- least privilege: no capability, no core dumps, seccomp when built in.
is "$(awk '/^CapEff:|^CapPrm:/ { printf "%s ", $2 }' "/proc/$DAEMON_PID/status")" \
    "0000000000000000 0000000000000000 " "the daemon holds no capability"
is "$(awk '/^Max core file size/ { print $5 }' "/proc/$DAEMON_PID/limits")" 0 "core dumps off"
if grep -q '^#define HAVE_SECCOMP 1' "$top_builddir/config.h"; then
	is "$(awk '/^Seccomp:/ { print $2 }' "/proc/$DAEMON_PID/status")" 2 "seccomp filter on"
else
	grep -q "seccomp" "$TESTDIR/otpsmsd.log"
	[ $? -ne 0 ]
	ok "built without seccomp: no filter claimed"
fi

# --- send limit: four codes, then RATE with a wait, nothing sent.
for i in 1 2 3 4; do "$CLIENT" -s "$SOCKET" challenge alice sshd >/dev/null; done
n=$(outbox_count)
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
is "$?" 2 "fifth code in 10 minutes: refused"
case "$r" in "error 10 "[1-9]*) pass "RATE with retry_after ($r)" ;; *) fail "RATE with retry_after ($r)" ;; esac
is "$(outbox_count)" "$n" "nothing sent when refused"
grep -q 'send refused: user=alice .*reason="per_user limit" retry_after=[1-9]' "$TESTDIR/otpsmsd.log"
ok "the refusal is logged with its reason and wait"
"$CLIENT" -s "$SOCKET" challenge bob sshd >/dev/null
ok "another user is not held back"

# --- lockout: three wrong codes lock bob; no code is sent while locked.
for i in 1 2; do
	out=$("$CLIENT" -s "$SOCKET" challenge bob "svc$i")
	id=${out%% *}
	code=$(last_code)
	wrong=$(awk -v c="$code" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
	"$CLIENT" -s "$SOCKET" verify "$id" bob "$wrong" >/dev/null
done
"$CLIENT" -s "$SOCKET" verify "$id" bob "$wrong" >/dev/null
grep -q 'locked out: user=bob .*reason="too many wrong codes" retry_after=900' "$TESTDIR/otpsmsd.log"
ok "third wrong code locks bob for 15 minutes (logged)"
n=$(outbox_count)
r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
case "$r" in "error 11 "[1-9]*) pass "locked user: LOCKED with retry_after ($r)" ;; *) fail "LOCKED ($r)" ;; esac
is "$(outbox_count)" "$n" "no code sent to a locked user"
[ -f "$STATE/state" ] && [ "$(stat -c %a "$STATE/state")" = 600 ]
ok "state file written, mode 0600"

# --- otpsmsctl
if is_root; then
	r=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" locked)
	case "$r" in "bob "[0-9]*) pass "otpsmsctl locked lists bob" ;; *) fail "otpsmsctl locked ($r)" ;; esac
	"$CTL" -u "$(daemon_user)" -s "$SOCKET" status | grep -q "^state: $STATE"
	ok "otpsmsctl status names the state directory"
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -u "$(daemon_user)" -s "$SOCKET" locked 2>&1)
	is "$?" 2 "otpsmsctl as a non-root user: refused"
	case "$r" in *"run as root"*) pass "... told to run as root" ;; *) fail "... run as root ($r)" ;; esac
fi

# --- the lockout survives a restart and a kill -9.
stop_daemon
start "$CFG"
r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
case "$r" in "error 11 "*) pass "lockout kept across a restart" ;; *) fail "lockout across a restart ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
case "$r" in "error 10 "*) pass "send limit kept across a restart" ;; *) fail "limit across a restart ($r)" ;; esac
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
start "$CFG"
r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
case "$r" in "error 11 "*) pass "lockout kept across a kill -9" ;; *) fail "lockout across kill -9 ($r)" ;; esac

if is_root; then
	"$CTL" -u "$(daemon_user)" -s "$SOCKET" unlock bob >/dev/null
	ok "otpsmsctl unlock bob"
	"$CLIENT" -s "$SOCKET" challenge bob sshd >/dev/null
	ok "bob gets a code again"
	grep -q "unlocked: user=bob" "$TESTDIR/otpsmsd.log"
	ok "the unlock is logged"
	"$CTL" -u "$(daemon_user)" -s "$SOCKET" unlock bob >/dev/null
	is "$?" 1 "unlocking a user that is not locked: exit 1"
fi

# --- no code in any log or state file.
stop_daemon
leaks=0
for c in $(python3 -c '
import json, re, sys
for l in open(sys.argv[1]):
    print(re.search(r"\b(\d{4,10})\b", json.loads(l)["text"]).group(1))' "$OUTBOX"); do
	if grep -rq -- "$c" "$TESTDIR/otpsmsd.log" "$STATE"; then leaks=$((leaks + 1)); fi
done
is "$leaks" 0 "no code sent in this run appears in the log or state files"

# --- a corrupt state file is reported, set aside and replaced.
printf 'otpsms-state 1\nl bob 99999999999999 0\nend 0000\n' > "$STATE/state"
is_root && chown "$(daemon_user)" "$STATE/state"
chmod 600 "$STATE/state"
start "$CFG"
grep -q "corrupt state file" "$TESTDIR/otpsmsd.log"
ok "corrupt state file reported"
[ -f "$STATE/state.corrupt" ]
ok "and kept aside as state.corrupt"
"$CLIENT" -s "$SOCKET" challenge bob sshd >/dev/null
ok "its content was not trusted"
stop_daemon

# --- a name beyond ASCII (josé) survives a restart and takes no one else's
# lockout with it.
rm -f "$STATE/state" "$STATE/state.corrupt"
JOSE=$(printf 'jos\303\251')
CONFIG_EXTRA_USERS="  \"$JOSE\": \"+447700900555\"" write_config "$CFG" "$POLICY"
start "$CFG"
for i in 1 2 3; do
	out=$("$CLIENT" -s "$SOCKET" challenge alice "svc$i")
	id=${out%% *}
	code=$(last_code)
	wrong=$(awk -v c="$code" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
	"$CLIENT" -s "$SOCKET" verify "$id" alice "$wrong" >/dev/null
done
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
case "$r" in "error 11 "*) pass "alice locked" ;; *) fail "alice locked ($r)" ;; esac
for i in 1 2 3 4; do "$CLIENT" -s "$SOCKET" challenge "$JOSE" sshd >/dev/null; done
r=$("$CLIENT" -s "$SOCKET" challenge "$JOSE" sshd)
case "$r" in "error 10 "*) pass "four codes sent to $JOSE, the fifth held back" ;; *) fail "$JOSE's limit ($r)" ;; esac
stop_daemon
grep -q 'jos%C3%A9' "$STATE/state"
ok "$JOSE is spelt jos%C3%A9 in the state file"
start "$CFG"
grep -q "corrupt state file\|cannot be read" "$TESTDIR/otpsmsd.log"
[ $? -ne 0 ]
ok "the state file loads whole after the restart"
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
case "$r" in "error 11 "*) pass "alice still locked after a restart" ;; *) fail "alice's lockout after a restart ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" challenge "$JOSE" sshd)
case "$r" in "error 10 "*) pass "$JOSE's send limit kept too" ;; *) fail "$JOSE's limit after a restart ($r)" ;; esac
stop_daemon

# --- one garbled record among good ones: skipped and logged by its line, the
# others kept (the checksum holds: only the record is bad).
until_ms=$(( $(date +%s) * 1000 + 600000 ))
printf 'otpsms-state 2\nl bob %s 0\nl bad%%zz %s 0\nl alice %s 0\n' \
    "$until_ms" "$until_ms" "$until_ms" > "$TESTDIR/state.body"
{ cat "$TESTDIR/state.body"; printf 'end %s\n' "$(sha256sum < "$TESTDIR/state.body" | cut -d' ' -f1)"; } > "$STATE/state"
is_root && chown "$(daemon_user)" "$STATE/state"
chmod 600 "$STATE/state"
start "$CFG"
grep -q "state file $STATE/state: line 3 cannot be read; skipped, the other records are kept" "$TESTDIR/otpsmsd.log"
ok "the garbled record is logged with its line number"
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
case "$r" in "error 11 "*) pass "alice's record (after it) kept" ;; *) fail "alice after a garbled record ($r)" ;; esac
r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
case "$r" in "error 11 "*) pass "bob's record (before it) kept" ;; *) fail "bob after a garbled record ($r)" ;; esac
[ ! -f "$STATE/state.corrupt" ]
ok "the file was not set aside"
stop_daemon

# --- an explicit state_dir that is unsafe stops the daemon.
ln -s "$STATE" "$TESTDIR/state-link"
write_config "$CFG" "state_dir: $TESTDIR/state-link"
"$OTPSMSD" -f -c "$CFG" >"$TESTDIR/bad.log" 2>&1
is "$?" 1 "a state_dir that is a symbolic link: the daemon refuses to start"
grep -q "symbolic link" "$TESTDIR/bad.log"
ok "... and says why"

# --- the country policy at -t.
CONFIG_EXTRA_USERS='  mallory: "+88212345678"' write_config "$CFG" ""
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "-t refuses a user with a premium-range number"
case "$r" in *"users.mallory: number refused by the country policy (matches deny prefix +882)"*)
	pass "with a clear message" ;; *) fail "message ($r)" ;; esac
write_config "$CFG" 'countries: { allow: ["+1"] }'
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"users.alice: number refused by the country policy (not in countries.allow)"*)
	pass "-t refuses a number outside countries.allow" ;; *) fail "allow list ($r)" ;; esac

# --- insecure modes are refused with a clear message.
write_config "$CFG" ""
chmod 664 "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "a group-writable configuration is refused"
case "$r" in *writable*) pass "... saying it is writable" ;; *) fail "message ($r)" ;; esac
printf 'tok\n' > "$TESTDIR/token"
chmod 644 "$TESTDIR/token"
ln -sf "$TESTDIR/token" "$TESTDIR/token-link"
write_config "$CFG" "carriers:
  - name: t
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token_file: $TESTDIR/token
    from: \"+15017122661\""
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"accessible by group or others"*) pass "a world-readable secret file is refused" ;;
	*) fail "secret mode ($r)" ;; esac
chmod 600 "$TESTDIR/token"
sed -i "s#$TESTDIR/token\$#$TESTDIR/token-link#" "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "a secret file behind a symbolic link is refused"
# systemd credentials: auth_token_credential: NAME in $CREDENTIALS_DIRECTORY.
mkdir -p "$TESTDIR/creds"
printf 'tok\n' > "$TESTDIR/creds/twilio.token"
chmod 400 "$TESTDIR/creds/twilio.token"
sed -i "s#auth_token_file: .*#auth_token_credential: twilio.token#" "$CFG"
CREDENTIALS_DIRECTORY="$TESTDIR/creds" "$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "auth_token_credential read from \$CREDENTIALS_DIRECTORY"
r=$(env -u CREDENTIALS_DIRECTORY "$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"CREDENTIALS_DIRECTORY is not set"*) pass "without it: a clear message" ;;
	*) fail "no credentials directory ($r)" ;; esac
chmod 444 "$TESTDIR/creds/twilio.token"
r=$(CREDENTIALS_DIRECTORY="$TESTDIR/creds" "$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"accessible by group or others"*) pass "a readable credential is refused" ;;
	*) fail "credential mode ($r)" ;; esac

# --- an inline secret makes the config as secret as a *_file: not readable
# by others, nor by a group other than the daemon's.
write_config "$CFG" "carriers:
  - name: t
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: 0123456789abcdef0123456789abcdef
    from: \"+15017122661\""
DGROUP=$(id -gn "$(daemon_user)")
is_root && chgrp "$DGROUP" "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "-t refuses a 0644 config with an inline auth_token"
case "$r" in *"$CFG:11:17: carriers[0].auth_token: inline secret in a file that others can read (mode 0644): chmod 600 the file (or chmod 640 and chgrp $DGROUP, the daemon's group), or move the secret to auth_token_file"*)
	pass "... at the token's FILE:LINE:COL, with the fix" ;; *) fail "inline secret message ($r)" ;; esac
"$OTPSMSD" -f -c "$CFG" >"$TESTDIR/bad.log" 2>&1
is "$?" 1 "the daemon refuses to start with it too"
grep -q "inline secret in a file that others can read" "$TESTDIR/bad.log"
ok "... and says why"
chmod 600 "$CFG"
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "the same config, 0600: accepted"
chmod 640 "$CFG"
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "0640 with the daemon's group ($DGROUP): accepted"
if is_root; then
	chgrp root "$CFG"
	r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
	is "$?" 1 "0640 with another group (root): refused"
	case "$r" in *"inline secret in a file that group root can read (mode 0640)"*)
		pass "... saying which group" ;; *) fail "group message ($r)" ;; esac
fi
write_config "$CFG" ""
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "a 0644 config without inline secrets: accepted"

# --- who may ask (root only: needs other uids).
if is_root; then
	write_config "$CFG" "state_dir: $STATE"
	start "$CFG"
	n=$(outbox_count)
	r=$(setpriv --reuid=1 --regid=65534 --clear-groups "$CLIENT" -s "$SOCKET" challenge alice)
	case "$r" in "error 3 "*) pass "non-root caller, not allowed: DENIED" ;; *) fail "DENIED ($r)" ;; esac
	is "$(outbox_count)" "$n" "nothing sent"
	stop_daemon
	CONFIG_EXTRA_USERS='  daemon: "+447700900999"' write_config "$CFG" "state_dir: $STATE
allow_self: true
max_clients_per_uid: 1"
	start "$CFG"
	r=$(setpriv --reuid=1 --regid=65534 --clear-groups "$CLIENT" -s "$SOCKET" challenge alice)
	case "$r" in "error 3 "*) pass "allow_self: another user's code is refused" ;; *) fail "allow_self other ($r)" ;; esac
	is "$(outbox_count)" "$n" "nothing sent"
	grep -q "allow_self: may ask for its own user only" "$TESTDIR/otpsmsd.log"
	ok "the refusal is logged"
	setpriv --reuid=1 --regid=65534 --clear-groups "$CLIENT" -s "$SOCKET" challenge daemon >/dev/null
	ok "allow_self: its own user gets a code"
	# max_clients_per_uid: 1: a second connection of uid 1 while one is open.
	python3 -c '
import os, socket, sys, time
os.setgroups([]); os.setgid(65534); os.setuid(1)
a = socket.socket(socket.AF_UNIX); a.connect(sys.argv[1])
time.sleep(0.3)
b = socket.socket(socket.AF_UNIX); b.connect(sys.argv[1])
b.settimeout(5)
d = b.recv(100)
print("busy" if len(d) > 10 and d[5] == 5 and d[9] == 7 else "not busy %r" % d)' "$SOCKET" > "$TESTDIR/cap.out" 2>&1
	is "$(cat "$TESTDIR/cap.out")" busy "max_clients_per_uid: a second connection is BUSY"
	stop_daemon
	write_config "$CFG" "state_dir: $STATE
allow_groups: [nogroup]"
	start "$CFG"
	setpriv --reuid=1 --regid=1 --groups=65534 "$CLIENT" -s "$SOCKET" challenge alice >/dev/null
	ok "allow_groups: a supplementary group admits the caller"
	stop_daemon
fi
done_testing
