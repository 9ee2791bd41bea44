#!/bin/sh
# The otpsms demo (README: first command, after scripts/install-deps.sh).
# Run as root on a Debian 12 machine with the packages installed:
#
#   ./scripts/install-deps.sh && ./scripts/demo.sh
#
# It builds otpsms in ./_build/demo (nothing is installed), starts otpsmsd with the
# "file" carrier (texts land in a local outbox file instead of a phone), and
# logs in through a REAL sshd with a REAL ssh client, the way an administrator
# would set it up: a key first, then the code sent by SMS. It shows the prompt
# the user sees, the message that "arrived", and that the right code lets the
# user in while a wrong one does not.
#
# What it adds to the machine, all removed when it exits (even on failure or
# Ctrl-C): a user "otpsmsdemo", the PAM service /etc/pam.d/otpsms-demo-sshd,
# /run/sshd if it was missing, and a private sshd on a free port of 127.0.0.1
# (the system's sshd, if any, is not touched). The build stays in ./_build/demo.
#
# Exit status: 0 if everything behaved as it should, 1 otherwise.
# DEMO_BUILD_DIR=DIR uses another build directory (configured if needed).
set -u

top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
build=${DEMO_BUILD_DIR:-$top/_build/demo}
DEMO_USER=otpsmsdemo
SERVICE=otpsms-demo-sshd
NUMBER=+447700900123

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() { echo "demo.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run me as root: I add a user and a PAM service (and remove them)"
for c in autoreconf make cc pkg-config python3 ssh ssh-keygen expect timeout useradd; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing: run ./scripts/install-deps.sh first"
done
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd is missing: run ./scripts/install-deps.sh first"

# --- 1. Build -----------------------------------------------------------------
say "Building otpsms in $build (nothing is installed)"
if [ -f "$top/config.status" ]; then
	die "$top was configured in place; run 'make distclean' there first"
fi
if [ ! -x "$top/configure" ]; then
	(cd "$top" && ./autogen.sh) >"${TMPDIR:-/tmp}/otpsms-autogen.log" 2>&1 ||
		{ tail -n 30 "${TMPDIR:-/tmp}/otpsms-autogen.log"; die "autogen.sh failed"; }
fi
mkdir -p "$build" || die "cannot create $build"
if [ ! -f "$build/Makefile" ]; then
	(cd "$build" && "$top/configure" -q) || die "configure failed"
fi
(cd "$build" && make -j"$(nproc 2>/dev/null || echo 2)" >"$build/demo-make.log" 2>&1) ||
	{ tail -n 40 "$build/demo-make.log"; die "make failed (log: $build/demo-make.log)"; }
echo "built: $build/otpsmsd and $build/.libs/pam_otpsms.so"

# --- 2. A daemon, a user, a PAM service, an sshd -------------------------------
top_srcdir=$top
top_builddir=$build
export top_srcdir top_builddir
. "$top/tests/lib.sh"
e2e_lock
make_testdir    # a private directory, and the trap that undoes everything
e2e_traps

say "Starting otpsmsd (file carrier: texts go to an outbox file)"
CONFIG_EXTRA_USERS="  $DEMO_USER: \"$NUMBER\""
write_config "$TESTDIR/otpsmsd.yaml" "message: \"{code} is your login code for {host}. It expires in {ttl}.\""
sed 's/^/    /' "$TESTDIR/otpsmsd.yaml"
cat <<'EOF'
    Turned off for the demo, and why: the send limits and the resend backoff
    ("limits:") and the lockout ("lockout:"), so that running the demo several
    times in a row never locks the demo user out or waits for a backoff. A real
    configuration keeps their defaults (otpsmsd.yaml(5), docs/security.md). The
    file carrier stands in for a real one (Twilio, Vonage, Kannel, SMPP, ...).
EOF
start_daemon "$TESTDIR/otpsmsd.yaml"
echo "otpsmsd is running as $(daemon_user), socket $SOCKET"

say "Adding the demo user $DEMO_USER (phone $NUMBER) with an SSH key"
e2e_add_user "$DEMO_USER"
e2e_user_key "$DEMO_USER"

say "PAM service /etc/pam.d/$SERVICE (sshd reads the file named after itself)"
e2e_install "/etc/pam.d/$SERVICE" 644 <<EOF
$(e2e_pam_auth)
@include common-account
@include common-session-noninteractive
EOF
sed 's/^/    /' "/etc/pam.d/$SERVICE"

e2e_start_sshd "$SERVICE" "$DEMO_USER"
say "A real sshd on 127.0.0.1:$SSHD_PORT, with (among others):"
grep -E '^(UsePAM|KbdInteractiveAuthentication|PasswordAuthentication|AuthenticationMethods)' \
    "$TESTDIR/sshd_config" | sed 's/^/    /'
e2e_askpass    # used below only to read the code out of the outbox

# login ANSWER WHAT: an interactive ssh login in a pseudo-terminal (expect plays
# the user): waits for the prompt, "reads the SMS", types ANSWER's code.
# Returns ssh's exit status.
cat > "$TESTDIR/login.exp" <<'EOF'
set timeout 30
log_user 1
spawn -noecho ssh -F /dev/null -p $env(SSHD_PORT) -i $env(E2E_KEY) \
    -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o PreferredAuthentications=publickey,keyboard-interactive \
    -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
    -l $env(DEMO_USER) 127.0.0.1 {echo "LOGGED-IN as $(id -un) on $(hostname)"}
expect {
	-re {Verification code: $} {}
	timeout { send_user "\n(no code prompt within 30 s)\n"; exit 124 }
	eof { lassign [wait] pid sid oserr status; exit $status }
}
set code [exec $env(DEMO_DIR)/askpass prompt]
send_user "\[$env(DEMO_TYPES): $code\]\n"
send -- "$code\r"
# After a wrong code the module says so and asks again (code.max_attempts):
# the user keeps typing wrong codes until the daemon burns the code and the
# module refuses the login, which ends the session at once.
expect {
	-re {Verification code: $} {
		set code [exec $env(DEMO_DIR)/askpass prompt]
		send_user "\[$env(DEMO_TYPES) again: $code\]\n"
		send -- "$code\r"
		exp_continue
	}
	timeout { send_user "\n(no answer within 30 s)\n"; exit 124 }
	eof {}
}
lassign [wait] pid sid oserr status
exit $status
EOF
login() {
	E2E_ANSWER=$1 DEMO_TYPES=$2 SSHD_PORT=$SSHD_PORT E2E_KEY=$E2E_KEY DEMO_USER=$DEMO_USER \
	    DEMO_DIR=$TESTDIR SSH_ASKPASS='' SSH_ASKPASS_REQUIRE='' DISPLAY='' SSH_AUTH_SOCK='' \
	    timeout -k 5 60 expect -f "$TESTDIR/login.exp" >"$TESTDIR/session" 2>&1
	_rc=$?
	tr -d '\r' < "$TESTDIR/session" | sed 's/^/    | /'
	return $_rc
}

failed=0
n=$(outbox_count)

# --- 3. The right code ----------------------------------------------------------
say "Logging in: ssh $DEMO_USER@127.0.0.1 (what the user sees)"
login right "the user reads the SMS and types"
rc=$?
say "The SMS that \"arrived\" (the file carrier's outbox, one JSON line per text)"
if [ "$(outbox_count)" -gt "$n" ]; then
	tail -n 1 "$OUTBOX" | sed 's/^/    /'
else
	echo "    (nothing arrived)"
	failed=1
fi
say "Result"
if [ "$rc" -eq 0 ] && grep -q "LOGGED-IN as $DEMO_USER" "$TESTDIR/session"; then
	echo "login accepted: key + SMS code, the remote command ran"
else
	echo "FAILED: the right code did not log in (ssh exit $rc)"
	failed=1
fi

# --- 4. A wrong code --------------------------------------------------------------
say "Again, typing a wrong code"
login wrong "the user types a wrong code"
rc=$?
say "Result"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ! grep -q "LOGGED-IN" "$TESTDIR/session"; then
	echo "login refused (ssh exit $rc): the key alone is not enough"
else
	echo "FAILED: a wrong code logged in"
	failed=1
fi

say "What otpsmsd logged (its audit lines: what an administrator greps for)"
grep -E 'code sent|verified|wrong code|expired|refused' "$TESTDIR/otpsmsd.log" | sed 's/^/    /'

say "Cleaning up: stopping sshd and otpsmsd, removing $DEMO_USER and /etc/pam.d/$SERVICE"
if [ "$failed" -eq 0 ]; then
	echo "demo OK"
else
	echo "demo FAILED"
fi
exit "$failed"
