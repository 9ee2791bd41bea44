#!/bin/sh
# End to end, the deployments of docs/sshd.md and docs/bastion.md with
# Debian's real sshd and ssh client: password then code in one
# keyboard-interactive PAM run (pam_unix through common-auth, one SMS);
# "AuthenticationMethods password,keyboard-interactive" never letting anyone
# in without the code; an exempt group (skip_groups) and which stacks let it
# in with a key alone; trusted_nets covering 127.0.0.1 and not; a resend from
# the prompt (the same code again); forward_pass into pam_unix use_first_pass.
# sshd runs as a symlink named after a PAM service of the test's own, whose
# stack is rewritten per case; its sshd_config is changed with SIGHUP.
# Root only: the user, the group, the PAM service are removed on exit.
set -u
. "$top_srcdir/tests/lib.sh"

SERVICE=otpsms-e2e-sshdep
TUSER=otpsmse2edep
GROUP=otpsmse2eexempt
NUMBER=+447700900432
PASSWORD='e2e Pass-word 7'
BULLET=$(printf '\342\200\242')
MASKED="+44$BULLET$BULLET$BULLET$BULLET${BULLET}0432"

[ -x /usr/sbin/sshd ] || skip_all "sshd not installed (openssh-server)"
e2e_skip_unless_possible ssh ssh-keygen python3 useradd usermod userdel \
    groupadd groupdel gpasswd chpasswd timeout
[ -f /etc/pam.d/common-auth ] || skip_all "no /etc/pam.d/common-auth (Debian's stack)"
e2e_lock

make_testdir
e2e_traps

CONFIG_EXTRA_USERS="  $TUSER: \"$NUMBER\""
write_config "$TESTDIR/otpsmsd.yaml" ""
start_daemon "$TESTDIR/otpsmsd.yaml"

e2e_add_user "$TUSER"
e2e_user_key "$TUSER"
printf '%s:%s\n' "$TUSER" "$PASSWORD" | chpasswd || bail "chpasswd"
# The exempt group: a leftover of ours (no members but the test user) is
# removed first; anyone else's group of that name stops the test.
if getent group "$GROUP" >/dev/null 2>&1; then
	_m=$(getent group "$GROUP" | cut -d: -f4)
	[ -z "$_m" ] || [ "$_m" = "$TUSER" ] || bail "group $GROUP exists and is not ours"
	groupdel "$GROUP" || bail "cannot remove leftover group $GROUP"
fi
groupadd "$GROUP" || bail "groupadd $GROUP"
at_cleanup "groupdel '$GROUP' 2>/dev/null"

# pam SHAPE: the auth stack of the service (account and session as Debian's).
pam() {
	e2e_install "/etc/pam.d/$SERVICE" 644 <<-EOF
	$1
	@include common-account
	@include common-session-noninteractive
	EOF
}
pam "$(e2e_pam_auth)"
e2e_start_sshd "$SERVICE" "$TUSER"
pass "sshd listening on 127.0.0.1:$SSHD_PORT as $SERVICE"

# The askpass answers each prompt with the next line of $TESTDIR/queue: PASS
# (the user's password), RIGHT or WRONG (the newest code in the outbox, or
# each digit plus one), PASSRIGHT (password then code, forward_pass), EMPTY,
# or the line itself. An empty queue is a test bug: ssh would turn a failed
# askpass into an empty answer (a resend), so it answers "x" instead.
cat > "$TESTDIR/askpass" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >> '$TESTDIR/prompts'
echo . >> '$TESTDIR/calls'
printf '%s\n' "\$1" > '$TESTDIR/prompt.'\$(wc -l < '$TESTDIR/calls' | tr -d ' ')
a=\$(head -n 1 '$TESTDIR/queue' 2>/dev/null)
sed -i 1d '$TESTDIR/queue' 2>/dev/null
code() {
	python3 - "\$1" '$OUTBOX' <<'PY'
import json, re, sys
lines = open(sys.argv[2]).read().splitlines()
code = re.search(r"\b(\d{4,10})\b", json.loads(lines[-1])["text"]).group(1)
if sys.argv[1] == "WRONG":
    code = "".join(str((int(c) + 1) % 10) for c in code)
print(code)
PY
}
case "\$a" in
PASS) printf '%s\n' '$PASSWORD' ;;
RIGHT|WRONG) code "\$a" ;;
PASSRIGHT) printf '%s%s\n' '$PASSWORD' "\$(code RIGHT)" ;;
WRONGPASSRIGHT) printf 'not%s%s\n' '$PASSWORD' "\$(code RIGHT)" ;;
EMPTY) echo ;;
'') echo x ;;
*) printf '%s\n' "\$a" ;;
esac
EOF
chmod 700 "$TESTDIR/askpass"

# login DESCRIPTION ANSWER... [-- ssh options]: one ssh login answered from
# the queue; sets rc, n_sms (texts sent), n_prompts, $TESTDIR/out.
login() {
	_what=$1
	shift
	: > "$TESTDIR/queue"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		printf '%s\n' "$1" >> "$TESTDIR/queue"
		shift
	done
	[ $# -gt 0 ] && shift
	: > "$TESTDIR/prompts"
	: > "$TESTDIR/calls"
	rm -f "$TESTDIR"/prompt.*
	_n0=$(outbox_count)
	e2e_ssh "$TUSER" queue "$@" 'echo LOGGED-IN' >"$TESTDIR/out" 2>&1
	rc=$?
	n_sms=$(($(outbox_count) - _n0))
	n_prompts=$(wc -l < "$TESTDIR/calls" | tr -d ' ')
	LAST=$_what
}
show_logs() {
	echo "#   ssh exit $rc; output:"
	sed 's/^/#   /' "$TESTDIR/out"
	sed 's/^/#   prompt: /' "$TESTDIR/prompts"
	tail -n 20 "$TESTDIR/sshd.log" | sed 's/^/#   sshd: /'
	tail -n 6 "$TESTDIR/otpsmsd.log" | sed 's/^/#   otpsmsd: /'
}
logged_in() {
	if [ "$rc" -eq 0 ] && grep -qx LOGGED-IN "$TESTDIR/out"; then
		pass "$LAST: logged in"
	else
		fail "$LAST: logged in"
		show_logs
	fi
}
refused() {
	if [ "$rc" -eq 255 ] && ! grep -q LOGGED-IN "$TESTDIR/out"; then
		pass "$LAST: refused"
	else
		fail "$LAST: refused"
		show_logs
	fi
}
sms_is() { is "$n_sms" "$1" "$LAST: $1 SMS sent"; }
prompts_is() { is "$n_prompts" "$1" "$LAST: $1 prompt(s)"; }
prompted() {  # prompted N TEXT: prompt N (from 1) contains TEXT
	if grep -qF -- "$2" "$TESTDIR/prompt.$1" 2>/dev/null; then
		pass "$LAST: prompt $1 says \"$2\""
	else
		fail "$LAST: prompt $1 says \"$2\""
		sed 's/^/#   prompt: /' "$TESTDIR/prompts"
	fi
}
# A restart forgets pending codes: each section starts with none, so that
# "one SMS" is not a code reused from an earlier case.
fresh_daemon() { stop_daemon; start_daemon "$TESTDIR/otpsmsd.yaml"; }
KEYFIRST="-o PreferredAuthentications=publickey,keyboard-interactive"

diag "password then code in one keyboard-interactive PAM run (common-auth + pam_otpsms)"
e2e_sshd_set AuthenticationMethods keyboard-interactive:pam
pam "@include common-auth
$(e2e_pam_auth)"
login "password, right code" PASS RIGHT -- -o PreferredAuthentications=keyboard-interactive
logged_in
sms_is 1
prompts_is 2
prompted 1 "Password"
prompted 2 "Code sent to $MASKED (Enter: resend). Verification code"
grep -q "Accepted keyboard-interactive/pam for $TUSER from 127.0.0.1" "$TESTDIR/sshd.log"
ok "$LAST: sshd log: Accepted keyboard-interactive/pam"
login "wrong password" notthepassword RIGHT -- -o PreferredAuthentications=keyboard-interactive
refused
sms_is 0
prompts_is 1
login "password, wrong code then right code" PASS WRONG RIGHT -- \
    -o PreferredAuthentications=keyboard-interactive
logged_in
sms_is 1
prompts_is 3
login "password, three wrong codes" PASS WRONG WRONG WRONG -- \
    -o PreferredAuthentications=keyboard-interactive
refused
sms_is 1
grep -q "wrong code: user=$TUSER .*attempts_left=0 reason=\"code burned\"" "$TESTDIR/otpsmsd.log"
ok "$LAST: the daemon burned the code on the third"

diag "AuthenticationMethods password,keyboard-interactive: never in without the code"
fresh_daemon
e2e_sshd_set AuthenticationMethods password,keyboard-interactive:pam \
    PasswordAuthentication yes
v0=$(grep -c 'verified: ' "$TESTDIR/otpsmsd.log")
login "password method, password everywhere" PASS PASS PASS PASS -- \
    -o PreferredAuthentications=password,keyboard-interactive
refused
# sshd's password method runs the whole stack and answers the code prompt
# with the password itself; the module refuses it without asking the daemon.
grep -q "Failed password for $TUSER from 127.0.0.1" "$TESTDIR/sshd.log"
ok "$LAST: sshd log: the password step fails (the stack wants the code)"
is "$(grep -c 'verified: ' "$TESTDIR/otpsmsd.log")" "$v0" "$LAST: nothing verified"
[ "$n_sms" -le 1 ]
ok "$LAST: at most one SMS ($n_sms)"
login "password method, then codes" PASS RIGHT RIGHT RIGHT -- \
    -o PreferredAuthentications=password,keyboard-interactive -o NumberOfPasswordPrompts=3
refused
is "$(grep -c 'verified: ' "$TESTDIR/otpsmsd.log")" "$v0" "$LAST: nothing verified"
is "$n_sms" 0 "$LAST: the pending code is reused, no new SMS"
e2e_sshd_set AuthenticationMethods publickey,keyboard-interactive:pam \
    PasswordAuthentication no

diag "an exempt group (skip_groups): which stacks let it in with the key alone"
fresh_daemon
usermod -aG "$GROUP" "$TUSER" || bail "usermod -aG"
pam "$(e2e_pam_auth "skip_groups=$GROUP")"
login "exempt, module alone" x x x -- $KEYFIRST
refused
sms_is 0
prompts_is 0
# (PAM_IGNORE alone decides nothing: libpam returns PAM_PERM_DENIED.)
# The documented shape for "key alone for the exempt" (bastion.md): the
# module, then pam_permit, behind publickey in AuthenticationMethods.
pam "$(e2e_pam_auth "skip_groups=$GROUP")
auth required pam_permit.so"
login "exempt, module + pam_permit after a key" x x x -- $KEYFIRST
logged_in
sms_is 0
prompts_is 0
gpasswd -d "$TUSER" "$GROUP" >/dev/null || bail "gpasswd -d"
login "not exempt (left the group), right code" RIGHT -- $KEYFIRST
logged_in
sms_is 1
prompts_is 1
login "not exempt, not a code" letmein x x -- $KEYFIRST
refused
usermod -aG "$GROUP" "$TUSER" || bail "usermod -aG"
# The same stack without the key in front is no check at all for the
# exempt: what pam_otpsms(8) calls unsafe.
e2e_sshd_set AuthenticationMethods keyboard-interactive:pam
login "UNSAFE (documented): module + pam_permit without publickey" x x x -- \
    -o PreferredAuthentications=keyboard-interactive
logged_in
prompts_is 0
# With a password module in the stack instead, the exempt give the password.
pam "@include common-auth
$(e2e_pam_auth "skip_groups=$GROUP")"
login "exempt, common-auth + module: password only" PASS x x -- \
    -o PreferredAuthentications=keyboard-interactive
logged_in
sms_is 0
prompts_is 1
login "exempt, common-auth + module: wrong password" nope x x -- \
    -o PreferredAuthentications=keyboard-interactive
refused
e2e_sshd_set AuthenticationMethods publickey,keyboard-interactive:pam
gpasswd -d "$TUSER" "$GROUP" >/dev/null || bail "gpasswd -d"

diag "trusted_nets with sshd on 127.0.0.1"
fresh_daemon
pam "$(e2e_pam_auth "trusted_nets=127.0.0.0/8,::1/128 prompts=1")
auth required pam_permit.so"
login "trusted_nets covers 127.0.0.1" x -- $KEYFIRST
logged_in
sms_is 0
prompts_is 0
pam "$(e2e_pam_auth "trusted_nets=10.0.0.0/8,fd00::/8 prompts=1")
auth required pam_permit.so"
login "trusted_nets does not cover 127.0.0.1, right code" RIGHT -- $KEYFIRST
logged_in
sms_is 1
prompts_is 1
login "trusted_nets does not cover 127.0.0.1, wrong code" WRONG -- $KEYFIRST
refused
sms_is 1
pam "$(e2e_pam_auth "trusted_nets=127.0.0.0/8 prompts=1")"
login "trusted_nets covers 127.0.0.1, module alone" x -- $KEYFIRST
refused
sms_is 0

diag "resend from the prompt"
fresh_daemon
pam "$(e2e_pam_auth)"
login "r, then the code" r RIGHT -- $KEYFIRST
logged_in
sms_is 2
prompts_is 2
prompted 2 "Code sent again to $MASKED"
python3 - "$OUTBOX" <<'PY'
import json, re, sys
m = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[-2:]]
c = [re.search(r"\b(\d{4,10})\b", x["text"]).group(1) for x in m]
sys.exit(0 if len(c) == 2 and c[0] == c[1] else 1)
PY
ok "$LAST: the second SMS has the same code"
grep -q "resend: user=$TUSER service=$SERVICE .*channel=sms" "$TESTDIR/otpsmsd.log"
ok "$LAST: daemon audit: resend on SMS"
login "empty answer (Enter), then the code" EMPTY RIGHT -- $KEYFIRST
logged_in
sms_is 2

diag "forward_pass into pam_unix use_first_pass: one prompt for both"
fresh_daemon
pam "$(e2e_pam_auth "forward_pass prompts=1" | sed 's/^auth required /auth requisite /')
auth required pam_unix.so use_first_pass"
login "password and code in one answer" PASSRIGHT -- $KEYFIRST
logged_in
sms_is 1
prompts_is 1
prompted 1 "Password followed by the code"
v0=$(grep -c "verified: user=$TUSER" "$TESTDIR/otpsmsd.log")
login "wrong password, right code" WRONGPASSRIGHT -- $KEYFIRST
refused
sms_is 1
is "$(grep -c "verified: user=$TUSER" "$TESTDIR/otpsmsd.log")" $((v0 + 1)) \
    "$LAST: the code was right (pam_unix refused the password)"

# Stopped inside the plan, so that a report from the sanitizers or valgrind
# (stop_daemon turns it into a failed test) is counted.
stop_daemon
done_testing
