#!/bin/sh
# otpsmsctl user USER: where the user's numbers come from (users:,
# users_file), each masked, pending codes, lock state and the limits left,
# read through the root-only control op; an unknown user says so and exits
# 1; another uid is refused; no full number ever appears.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"

[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -x "$CTL" ] || skip_all "otpsmsctl not built"
[ -x "$CLIENT" ] || skip_all "tests/otpsms-client not built"

make_testdir
CONFIG_EXTRA_USERS='  dora: ["+447700900123", "+33612345678"]'
write_config "$TESTDIR/otpsmsd.yaml" "limits: { per_user: 5/1h, per_number: 3/1h, per_prefix: off, per_country: off, global: off, backoff_after: 3, pending: 3 }
lockout: { failures: 2, window: 15m, duration: 15m }"
start_daemon "$TESTDIR/otpsmsd.yaml"
ctl() { "$CTL" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
ALL=""
has() {  # has OUTPUT PATTERN DESCRIPTION
	case "$1" in *$2*) pass "$3" ;; *) fail "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;; esac
}

# --- a users: map user with two numbers, nothing sent yet.
out=$(ctl user dora)
is "$?" 0 "user dora: exit 0"
ALL="$ALL$out"
has "$out" "source: users: in the configuration" "dora's numbers come from users:"
has "$out" "numbers: 2" "dora has two numbers"
has "$out" "number 1: +44*0123" "number 1 shown masked"
has "$out" "number 2: +33*5678" "number 2 shown masked"
has "$out" "lock: not locked" "dora is not locked"
has "$out" "pending codes: 0 (of 3)" "no code pending"
has "$out" "per_user: 5 of 5 left" "per_user full"
has "$out" "backoff: none (0 of 3" "no backoff"
has "$out" "number 1: per_number 3 of 3 left" "number 1's per_number full"
has "$out" "number 2: per_number 3 of 3 left" "number 2's per_number full"

# --- a send moves the pending count and the limits left.
"$CLIENT" -s "$SOCKET" challenge dora sshd >/dev/null
ok "a code for dora"
out=$(ctl user dora)
ALL="$ALL$out"
has "$out" "pending codes: 1 (of 3), the first expires in" "one code pending after the send"
has "$out" "per_user: 4 of 5 left" "per_user moved"
has "$out" "backoff: none (1 of 3" "one sent unverified"
has "$out" "number 1: per_number 2 of 3 left" "number 1's per_number moved"
has "$out" "number 2: per_number 3 of 3 left" "number 2's per_number untouched"
"$CLIENT" -s "$SOCKET" -f 0x100 challenge dora sshd >/dev/null
out=$(ctl user dora)
ALL="$ALL$out"
has "$out" "pending codes: 2 (of 3)" "two codes pending after a send to number 2"
has "$out" "number 2: per_number 2 of 3 left" "number 2's per_number moved"

# --- a locked user.
r=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
id=${r%% *}
"$CLIENT" -s "$SOCKET" verify "$id" alice 000000 >/dev/null 2>&1
out=$(ctl user alice)
ALL="$ALL$out"
has "$out" "lock: not locked (1 of 2 wrong codes" "one wrong code counted"
"$CLIENT" -s "$SOCKET" verify "$id" alice 000001 >/dev/null 2>&1
out=$(ctl user alice)
ALL="$ALL$out"
has "$out" "lock: LOCKED, " "alice is locked after two wrong codes"
has "$out" "number 1: +44*0123" "alice's one number, masked"
ctl unlock alice >/dev/null
out=$(ctl user alice)
has "$out" "lock: not locked (0 of 2" "unlocked again"

# --- an unknown user: said plainly, exit 1.
out=$(ctl user nosuch)
is "$?" 1 "an unknown user: exit 1"
has "$out" "source: none: not in the configuration's users" "an unknown user is named as such"
has "$out" "numbers: 0" "  ... with no numbers"
ctl user 'bad name' >/dev/null 2>&1
is "$?" 2 "a malformed name is refused"

# --- root only.
if is_root && command -v setpriv >/dev/null 2>&1; then
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -u "$(daemon_user)" \
	    -s "$SOCKET" user dora 2>&1)
	is "$?" 2 "user from another uid refused"
	case "$r" in *0123*) fail "a refusal shows nothing of the user" ;; *) pass "a refusal shows nothing of the user" ;; esac
else
	pass "# SKIP not root"
	pass "# SKIP not root"
fi
stop_daemon

# --- a users_file user.
cat > "$TESTDIR/users.yaml" <<EOU
erin: ["+447700900777", "+15017122661"]
EOU
chmod 644 "$TESTDIR/users.yaml"
write_config "$TESTDIR/otpsmsd.yaml" ""
awk -v f="$TESTDIR/users.yaml" '
	/^users:/ { print "users_file: " f; skip = 1; next }
	skip && /^  / { next }
	{ skip = 0; print }' "$TESTDIR/otpsmsd.yaml" > "$TESTDIR/uf.yaml"
chmod 644 "$TESTDIR/uf.yaml"
start_daemon "$TESTDIR/uf.yaml"
out=$(ctl user erin)
is "$?" 0 "user erin: exit 0"
ALL="$ALL$out"
has "$out" "source: users_file $TESTDIR/users.yaml" "erin's numbers come from users_file"
has "$out" "numbers: 2" "erin has two numbers"
has "$out" "per_user: no limit" "limits off: said so"
out=$(ctl user alice)
is "$?" 1 "alice is not in users_file: exit 1"
stop_daemon

# --- no full number anywhere.
for n in 447700900123 33612345678 447700900777 15017122661; do
	case "$ALL" in *"$n"*) fail "the full number $n was shown" ;; *) pass "no full number ...${n#????????}" ;; esac
done
done_testing
