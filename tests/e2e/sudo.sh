#!/bin/sh
# End to end: the real sudo (setuid root, Debian's build) with a PAM service
# of the test's own, chosen by a sudoers fragment ("Defaults:USER
# pam_service=otpsms-e2e-sudo"), whose auth stack is pam_otpsms alone. A
# throwaway user runs "sudo -S -k /usr/bin/id -u" and types, on stdin, the
# code the file carrier "texted"; then "sudo -A" with an SUDO_ASKPASS helper,
# and sudo on a real terminal (expect), with a resend from the prompt. Root
# only: the user, the sudoers fragment and the PAM service are removed on
# exit, even on failure.
set -u
. "$top_srcdir/tests/lib.sh"

SERVICE=otpsms-e2e-sudo
TUSER=otpsmse2esudo
NUMBER=+447700900654
BULLET=$(printf '\342\200\242')
MASKED="+44$BULLET$BULLET$BULLET$BULLET${BULLET}0654"
SUDOERS=/etc/sudoers.d/otpsms-e2e

e2e_skip_unless_possible sudo visudo runuser python3 useradd usermod userdel timeout expect
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

# code_cmd: a script printing the newest code in the outbox ($1 = wrong: each
# digit plus one), for the askpass helper and for expect.
cat > "$TESTDIR/lastcode" <<EOF
#!/bin/sh
exec python3 - "\${1:-right}" '$OUTBOX' <<'PY'
import json, re, sys
lines = open(sys.argv[2]).read().splitlines()
code = re.search(r"\b(\d{4,10})\b", json.loads(lines[-1])["text"]).group(1)
if sys.argv[1] == "wrong":
    code = "".join(str((int(c) + 1) % 10) for c in code)
print(code)
PY
EOF
chmod 755 "$TESTDIR/lastcode"

# 7. sudo -A: an SUDO_ASKPASS helper, which sudo runs as the user, reads the
# code from the outbox (made readable for it) and answers sudo's prompt.
chmod 644 "$OUTBOX"
mkdir -p "$TESTDIR/askpass.d"
chown "$TUSER" "$TESTDIR/askpass.d"
cat > "$TESTDIR/sudo-askpass" <<EOF
#!/bin/sh
# SUDO_ASKPASS: \$1 is the prompt; the answer goes to stdout.
printf '%s\n' "\$1" >> '$TESTDIR/askpass.d/prompts'
exec '$TESTDIR/lastcode' "\$(cat '$TESTDIR/askpass.d/mode')"
EOF
chmod 755 "$TESTDIR/sudo-askpass"
# run_askpass MODE: sudo -A as the test user, no terminal, nothing on stdin.
run_askpass() {
	echo "$1" > "$TESTDIR/askpass.d/mode"
	rm -f "$TESTDIR/askpass.d/prompts"    # the helper (the user) writes it
	: > "$TESTDIR/err"
	timeout -k 5 30 runuser -u "$TUSER" -- env SUDO_ASKPASS="$TESTDIR/sudo-askpass" \
	    sudo -A -k /usr/bin/id -u >"$TESTDIR/out" 2>"$TESTDIR/err" </dev/null
	rc=$?
}
m=$(outbox_count)
run_askpass right
if [ "$rc" -eq 0 ] && [ "$(cat "$TESTDIR/out")" = 0 ]; then
	pass "sudo -A, askpass with the right code: ran id as root"
else
	fail "sudo -A, askpass with the right code: ran id as root"
	show
fi
is "$(outbox_count)" "$((m + 1))" "sudo -A: one SMS sent"
if grep -qF "Code sent to $MASKED. Verification code:" "$TESTDIR/askpass.d/prompts"; then
	pass "sudo -A: the askpass helper got our prompt"
else
	fail "sudo -A: the askpass helper got our prompt"
	sed 's/^/#   askpass prompt: /' "$TESTDIR/askpass.d/prompts"
fi
run_askpass wrong
check_refused "sudo -A, askpass with a wrong code: refused"
is "$(outbox_count)" "$((m + 2))" "sudo -A, wrong code: one SMS sent"
run_askpass right
[ "$rc" -eq 0 ] && [ "$(cat "$TESTDIR/out")" = 0 ]
ok "sudo -A: the pending code works on the next try"
is "$(outbox_count)" "$((m + 2))" "sudo -A: reused, no new SMS"

# 8. A real terminal: expect runs sudo on a pty, where sudo reads the code
# from /dev/tty with echo off. tty ANSWER...: each ANSWER (right, wrong or a
# literal) is typed after the next "Verification code: " prompt; rc is 0
# when id printed 0, 1 when sudo refused, 2 without a prompt, 3 on timeout.
# (runuser's own options end at --, so sudo's -k is sudo's.)
tty() {
	timeout -k 5 60 expect -f - >"$TESTDIR/expect.out" 2>&1 <<EOF
set timeout 20
log_file -noappend $TESTDIR/tty.log
spawn -noecho runuser -u $TUSER -- sudo -k /usr/bin/id -u
foreach a {$*} {
	expect {
		"Verification code: " {}
		timeout { exit 3 }
		eof { exit 2 }
	}
	if {\$a eq "right" || \$a eq "wrong"} {
		set a [exec $TESTDIR/lastcode \$a]
	}
	send -- "\$a\r"
}
expect {
	-re "\r\n0\r\n" { exit 0 }
	-re "incorrect|Sorry" { exit 1 }
	timeout { exit 3 }
	eof { exit 1 }
}
EOF
	rc=$?
}
show_tty() {
	echo "#   expect exit $rc; terminal:"
	cat "$TESTDIR/tty.log" "$TESTDIR/expect.out" | head -n 30 | sed 's/^/#   /'
	tail -n 5 "$TESTDIR/otpsmsd.log" | sed 's/^/#   otpsmsd: /'
}
m=$(outbox_count)
tty right
is "$rc" 0 "terminal: the right code typed at sudo's prompt runs id as root"
[ "$rc" -eq 0 ] || show_tty
is "$(outbox_count)" "$((m + 1))" "terminal: one SMS sent"
grep -qF "Code sent to $MASKED. Verification code: " "$TESTDIR/tty.log"
ok "terminal: our prompt on the tty"
! grep -qF "$("$TESTDIR/lastcode")" "$TESTDIR/tty.log"
ok "terminal: the code is not echoed"
tty wrong
is "$rc" 1 "terminal: a wrong code is refused"
[ "$rc" -eq 1 ] || show_tty

# With the default prompts=3: a resend at the terminal, then the code.
e2e_install "/etc/pam.d/$SERVICE" 644 <<EOF
$(e2e_pam_auth)
@include common-account
@include common-session-noninteractive
EOF
tty right    # uses the code pending from the wrong answer
m=$(outbox_count)
tty r right
is "$rc" 0 "terminal: r (resend), then the code: runs id as root"
[ "$rc" -eq 0 ] || show_tty
if grep -qF "Code sent again to $MASKED (Enter: resend). Verification code: " "$TESTDIR/tty.log"; then
	pass "terminal: the second prompt says the code was sent again"
else
	fail "terminal: the second prompt says the code was sent again"
	show_tty
fi
python3 - "$OUTBOX" "$m" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
c = [re.search(r"\b(\d{4,10})\b", json.loads(l)["text"]).group(1) for l in lines]
sys.exit(0 if len(c) == 2 and c[0] == c[1] else 1)
PY
ok "terminal: two SMS with the same code"

# Stopped inside the plan, so that a report from the sanitizers or valgrind
# (stop_daemon turns it into a failed test) is counted.
stop_daemon
done_testing
