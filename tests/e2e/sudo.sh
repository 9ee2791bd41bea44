#!/bin/sh
# End to end: the real sudo (setuid root, Debian's build) with a PAM service
# of the test's own, chosen by a sudoers fragment ("Defaults:USER
# pam_service=otpsms-e2e-sudo"), whose auth stack is pam_otpsms alone. A
# throwaway user runs "sudo -S -k /usr/bin/id -u" and types, on stdin, the
# code the file carrier "texted". Root only: the user, the sudoers fragment
# and the PAM service are removed on exit, even on failure.
set -u
. "$top_srcdir/tests/lib.sh"

SERVICE=otpsms-e2e-sudo
TUSER=otpsmse2esudo
NUMBER=+447700900654
BULLET=$(printf '\342\200\242')
MASKED="+44$BULLET$BULLET$BULLET$BULLET${BULLET}0654"
SUDOERS=/etc/sudoers.d/otpsms-e2e

e2e_skip_unless_possible sudo visudo runuser python3 useradd usermod userdel timeout
# sudo must really be setuid root here (not on a nosuid mount, say).
[ -u "$(command -v sudo)" ] || skip_all "sudo is not setuid root"
[ -d /etc/sudoers.d ] || skip_all "no /etc/sudoers.d"
grep -Eq '^[@#]includedir[[:space:]]+/etc/sudoers.d' /etc/sudoers ||
	skip_all "/etc/sudoers does not include /etc/sudoers.d"

e2e_lock
make_testdir
e2e_traps

CONFIG_EXTRA_USERS="  $TUSER: \"$NUMBER\""
write_config "$TESTDIR/otpsmsd.yaml" ""
start_daemon "$TESTDIR/otpsmsd.yaml"

e2e_add_user "$TUSER"
e2e_install "/etc/pam.d/$SERVICE" 644 <<EOF
$(e2e_pam_auth prompts=1)
@include common-account
@include common-session-noninteractive
EOF

# Checked by visudo before it goes anywhere near /etc/sudoers.d: a broken
# fragment there would break sudo for everyone.
cat > "$TESTDIR/sudoers" <<EOF
# $E2E_MARK: written by ${0##*/}, removed when it exits
Defaults:$TUSER pam_service=$SERVICE
Defaults:$TUSER !lecture, timestamp_timeout=0, passwd_tries=1, !mail_badpass
$TUSER ALL=(root) /usr/bin/id
EOF
visudo -cqf "$TESTDIR/sudoers" || bail "visudo rejects the sudoers fragment"
tail -n +2 "$TESTDIR/sudoers" > "$TESTDIR/sudoers.body"    # e2e_install marks it
e2e_install "$SUDOERS" 440 < "$TESTDIR/sudoers.body"    # not in a pipe: a subshell
visudo -cq || bail "sudoers as a whole no longer parses"
pass "sudoers fragment installed, PAM service $SERVICE"

# feed ANSWER WAIT: like a user, waits (up to WAIT seconds) for sudo's code
# prompt on $TESTDIR/err, then writes the answer on stdout. ANSWER: right
# (the code in the newest outbox message: new or reused, it is the pending
# one), wrong (every digit plus one) or a literal string.
feed() {
	_i=0
	until grep -q "Verification code: " "$TESTDIR/err" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt $(($2 * 20)) ] && return 0
		sleep 0.05
	done
	case "$1" in
	right) last_code ;;
	wrong) last_code | tr 0123456789 1234567890 ;;
	*) printf '%s\n' "$1" ;;
	esac
}
# run_sudo ANSWER WAIT: sudo as the test user; sets rc, $TESTDIR/out, err.
run_sudo() {
	: > "$TESTDIR/err"    # emptied before feed looks at it
	feed "$1" "$2" | timeout -k 5 30 runuser -u "$TUSER" -- \
	    sudo -S -k /usr/bin/id -u >"$TESTDIR/out" 2>>"$TESTDIR/err"
	rc=$?
}
show() {
	echo "#   sudo exit $rc; stdout:"
	sed 's/^/#   /' "$TESTDIR/out"
	echo "#   stderr:"
	sed 's/^/#   /' "$TESTDIR/err"
	tail -n 5 "$TESTDIR/otpsmsd.log" | sed 's/^/#   otpsmsd: /'
}
check_refused() {
	if [ "$rc" -ne 0 ] && ! grep -qx 0 "$TESTDIR/out"; then
		pass "$1"
	else
		fail "$1"
		show
	fi
}

n=$(outbox_count)

# 1. The right code: the command runs as root.
run_sudo right 10
if [ "$rc" -eq 0 ] && [ "$(cat "$TESTDIR/out")" = 0 ]; then
	pass "right code: sudo ran id as root"
else
	fail "right code: sudo ran id as root"
	show
fi
is "$(outbox_count)" "$((n + 1))" "right code: one SMS sent"
if grep -qF "Code sent to $MASKED. Verification code:" "$TESTDIR/err"; then
	pass "sudo shows our prompt with the masked number ($MASKED)"
else
	fail "sudo shows our prompt with the masked number ($MASKED)"
	show
fi
grep -q "code sent: user=$TUSER service=$SERVICE " "$TESTDIR/otpsmsd.log"
ok "daemon audit: code sent, PAM service $SERVICE"
grep -q "verified: user=$TUSER " "$TESTDIR/otpsmsd.log"
ok "daemon audit: verified"

# 2. A wrong code: refused, the command does not run.
run_sudo wrong 10
check_refused "wrong code: refused"
grep -qi "incorrect" "$TESTDIR/err"
ok "wrong code: sudo reports an incorrect attempt"
is "$(outbox_count)" "$((n + 2))" "wrong code: one SMS sent"

# 3. An empty answer: refused without asking the daemon. The next sudo gets
# the code still pending from case 2 (code.reuse_window): no new SMS.
run_sudo '' 10
check_refused "empty answer: refused"
is "$(outbox_count)" "$((n + 2))" "retry: the pending code is reused, no new SMS"
grep -qF "Code sent earlier to $MASKED. Verification code:" "$TESTDIR/err"
ok "retry: the prompt says the code was sent earlier"
run_sudo right 10
[ "$rc" -eq 0 ] && [ "$(cat "$TESTDIR/out")" = 0 ]
ok "retry: the pending code works"
is "$(outbox_count)" "$((n + 2))" "retry: still no new SMS"

# 4. sudo -n (scripts, cron): cannot prompt, so refused, and nothing is texted.
m=$(outbox_count)
timeout -k 5 30 runuser -u "$TUSER" -- sudo -n -k /usr/bin/id -u \
    >"$TESTDIR/out" 2>"$TESTDIR/err" </dev/null
rc=$?
check_refused "sudo -n: refused"
is "$(outbox_count)" "$m" "sudo -n: no SMS sent"

# 5. The daemon is down: fail closed, no prompt.
stop_daemon
run_sudo right 2
check_refused "daemon stopped: refused"
if grep -q "Verification code" "$TESTDIR/err"; then
	fail "daemon stopped: no code prompt"
	show
else
	pass "daemon stopped: no code prompt"
fi
# (sudo 1.9.13 calls pam_authenticate with PAM_SILENT: the module's own
# messages, "Wrong code." or "unavailable", are not shown; sudo prints its
# "incorrect password attempt" whatever the PAM code.)

# 6. Back up: sudo works again, with a new code (a restart forgets codes).
start_daemon "$TESTDIR/otpsmsd.yaml"
run_sudo right 10
[ "$rc" -eq 0 ] && [ "$(cat "$TESTDIR/out")" = 0 ]
ok "daemon restarted: right code works again"
is "$(outbox_count)" "$((n + 3))" "daemon restarted: a new SMS"

# Stopped inside the plan, so that a report from the sanitizers or valgrind
# (stop_daemon turns it into a failed test) is counted.
stop_daemon
done_testing
