#!/bin/sh
# End to end: Debian's real sshd and the real ssh client, with
# "AuthenticationMethods publickey,keyboard-interactive:pam" and pam_otpsms in
# the auth stack of a PAM service of the test's own (sshd runs through a
# symlink named otpsms-e2e-sshd: OpenSSH uses its program name as the PAM
# service). A throwaway user logs in with a key, then the code the file
# carrier "texted". Root only: it adds a user and /etc/pam.d/otpsms-e2e-sshd,
# both removed on exit, even on failure.
set -u
. "$top_srcdir/tests/lib.sh"

SERVICE=otpsms-e2e-sshd
TUSER=otpsmse2essh
NUMBER=+447700900321
BULLET=$(printf '\342\200\242')
MASKED="+44$BULLET$BULLET$BULLET$BULLET${BULLET}0321"

[ -x /usr/sbin/sshd ] || skip_all "sshd not installed (openssh-server)"
e2e_skip_unless_possible ssh ssh-keygen python3 useradd usermod userdel timeout
e2e_lock

make_testdir
e2e_traps

CONFIG_EXTRA_USERS="  $TUSER: \"$NUMBER\""
write_config "$TESTDIR/otpsmsd.yaml" ""
start_daemon "$TESTDIR/otpsmsd.yaml"

e2e_add_user "$TUSER"
e2e_user_key "$TUSER"
e2e_install "/etc/pam.d/$SERVICE" 644 <<EOF
$(e2e_pam_auth prompts=1)
@include common-account
@include common-session-noninteractive
EOF
e2e_start_sshd "$SERVICE" "$TUSER"
e2e_askpass
: > "$TESTDIR/prompts"
pass "sshd listening on 127.0.0.1:$SSHD_PORT as $SERVICE"

prompts() { wc -l < "$TESTDIR/prompts" | tr -d ' '; }
show_logs() {
	tail -n 25 "$TESTDIR/sshd.log" | sed 's/^/#   sshd: /'
	tail -n 8 "$TESTDIR/otpsmsd.log" | sed 's/^/#   otpsmsd: /'
}
# is_logged GOT WANT WHAT: is, with the logs when it fails.
is_logged() {
	is "$1" "$2" "$3"
	[ "$1" = "$2" ] || { show_logs; sed 's/^/#   prompt: /' "$TESTDIR/prompts"; }
}
# check_refused WHAT STATUS OUTPUT: ssh exited 255 without running the command.
check_refused() {
	if [ "$2" -eq 255 ] && ! grep -q LOGGED-IN "$3"; then
		pass "$1"
	else
		fail "$1"
		echo "#   ssh exit $2; output:"
		sed 's/^/#   /' "$3"
		show_logs
	fi
}

# 1. A key that is not authorized: refused before PAM, so nothing is texted.
ssh-keygen -q -t ed25519 -N '' -f "$TESTDIR/other_key" </dev/null
n=$(outbox_count)
E2E_KEY_SAVED=$E2E_KEY
E2E_KEY=$TESTDIR/other_key
e2e_ssh "$TUSER" right 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
rc=$?
E2E_KEY=$E2E_KEY_SAVED
check_refused "unknown key: refused" "$rc" "$TESTDIR/out"
is_logged "$(outbox_count)" "$n" "unknown key: no SMS sent (publickey comes first)"
is_logged "$(prompts)" 0 "unknown key: no code prompt"

# 2. BatchMode=yes (scripts, scp/sftp in batch): the client cannot answer
# keyboard-interactive, so the key alone is not enough and nothing is texted.
e2e_ssh "$TUSER" right -o BatchMode=yes 'echo LOGGED-IN' \
    >"$TESTDIR/out" 2>&1
check_refused "BatchMode=yes: key alone refused" "$?" "$TESTDIR/out"
is_logged "$(outbox_count)" "$n" "BatchMode=yes: no SMS sent"

# 3. The right code: the remote command runs.
e2e_ssh "$TUSER" right 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -qx LOGGED-IN "$TESTDIR/out"; then
	pass "right code: logged in, remote command ran"
else
	fail "right code: logged in, remote command ran"
	echo "#   ssh exit $rc; output:"
	sed 's/^/#   /' "$TESTDIR/out"
	show_logs
fi
is_logged "$(outbox_count)" "$((n + 1))" "right code: one SMS sent"
is_logged "$(prompts)" 1 "right code: one prompt"
if grep -qF "Code sent to $MASKED. Verification code:" "$TESTDIR/prompts"; then
	pass "the prompt shows the masked number ($MASKED)"
else
	fail "the prompt shows the masked number ($MASKED)"
	sed 's/^/#   prompt: /' "$TESTDIR/prompts"
fi
if grep -qF "$NUMBER" "$TESTDIR/prompts"; then
	fail "the prompt does not show the whole number"
else
	pass "the prompt does not show the whole number"
fi
python3 - "$OUTBOX" "$TUSER" "$NUMBER" <<'PY'
import json, sys
m = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if m["user"] == sys.argv[2] and m["to"] == sys.argv[3]
         and m["carrier"] == "outbox" else 1)
PY
ok "the outbox message is for $TUSER at $NUMBER"
grep -q "code sent: user=$TUSER service=$SERVICE rhost=127.0.0.1 " "$TESTDIR/otpsmsd.log"
ok "daemon audit: code sent, PAM service $SERVICE, rhost 127.0.0.1"
grep -q "verified: user=$TUSER " "$TESTDIR/otpsmsd.log"
ok "daemon audit: verified"
grep -q "Accepted keyboard-interactive/pam for $TUSER from 127.0.0.1" "$TESTDIR/sshd.log"
ok "sshd log: Accepted keyboard-interactive/pam"

# 4. A wrong code (the right shape, every digit off by one): refused.
e2e_ssh "$TUSER" wrong 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
check_refused "wrong code: refused" "$?" "$TESTDIR/out"
is_logged "$(outbox_count)" "$((n + 2))" "wrong code: one more SMS sent"
grep -q "wrong code: user=$TUSER " "$TESTDIR/otpsmsd.log"
ok "daemon audit: wrong code"

# 5. Something that is not a code at all: refused without asking the daemon.
# A retry of the same login within code.reuse_window (default 2 minutes)
# gets the code still pending from case 4: no new SMS, and the prompt says so.
e2e_ssh "$TUSER" 'letmein' 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
check_refused "not a code: refused" "$?" "$TESTDIR/out"
is_logged "$(outbox_count)" "$((n + 2))" "retry: the pending code is reused, no new SMS"
if tail -n 1 "$TESTDIR/prompts" | grep -qF "Code sent earlier to $MASKED. Verification code:"; then
	pass "retry: the prompt says the code was sent earlier"
else
	fail "retry: the prompt says the code was sent earlier"
	sed 's/^/#   prompt: /' "$TESTDIR/prompts"
fi
grep -q "code reused: user=$TUSER service=$SERVICE " "$TESTDIR/otpsmsd.log"
ok "daemon audit: code reused"

# 6. The reused code (not burned by case 5's non-code) logs in.
e2e_ssh "$TUSER" right 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx LOGGED-IN "$TESTDIR/out"
ok "retry: the pending code logs in"
is_logged "$(outbox_count)" "$((n + 2))" "retry: still no new SMS"

# 7. The daemon is down: fail closed, and the user is not even prompted.
stop_daemon
p=$(prompts)
e2e_ssh "$TUSER" right 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
check_refused "daemon stopped: refused" "$?" "$TESTDIR/out"
is_logged "$(prompts)" "$p" "daemon stopped: no code prompt"
is_logged "$(outbox_count)" "$((n + 2))" "daemon stopped: no SMS sent"

# 8. Back up: logins work again, with a new code (a restart forgets codes).
start_daemon "$TESTDIR/otpsmsd.yaml"
e2e_ssh "$TUSER" right 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx LOGGED-IN "$TESTDIR/out"
ok "daemon restarted: right code logs in again"
is_logged "$(outbox_count)" "$((n + 3))" "daemon restarted: a new SMS"

# Stopped inside the plan, so that a report from the sanitizers or valgrind
# (stop_daemon turns it into a failed test) is counted.
stop_daemon
done_testing
