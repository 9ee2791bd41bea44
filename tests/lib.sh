# Shared shell helpers for the integration tests: TAP output, free ports,
# a real otpsmsd on a private socket, the file carrier's outbox.
# Source it: . "$top_srcdir/tests/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
OTPSMSD="$top_builddir/otpsmsd"
CLIENT="$top_builddir/tests/otpsms-client"
PAM_MODULE="$top_builddir/.libs/pam_otpsms.so"

_tap_n=0
_tap_failed=0
ok() {  # ok DESCRIPTION -- after a command: ok "text" (uses $?)
	_rc=$?
	_tap_n=$((_tap_n + 1))
	if [ "$_rc" -eq 0 ]; then
		echo "ok $_tap_n - $1"
	else
		echo "not ok $_tap_n - $1"
		_tap_failed=$((_tap_failed + 1))
	fi
	return 0
}
pass() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
fail() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $1"; }
is() {  # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3"; echo "#   got '$1', want '$2'"; fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
bail() { echo "Bail out! $1"; exit 1; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
diag() { echo "# $*"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# A free TCP port on 127.0.0.1 (bound and released by the kernel's choice).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# A private directory for one test, removed on exit. Traversable by the
# daemon's user when the test runs as root.
make_testdir() {
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/otpsms-test.XXXXXX") || bail "mktemp"
	chmod 755 "$TESTDIR"
	trap 'cleanup_all' EXIT
}

# The user the daemon drops to: nobody when root, else ourselves.
daemon_user() { if is_root; then echo nobody; else id -un; fi; }

_cleanup_hooks=""
at_cleanup() { _cleanup_hooks="$1; $_cleanup_hooks"; }
cleanup_all() {
	eval "$_cleanup_hooks"
	stop_daemon
	[ -n "${TESTDIR:-}" ] && rm -rf "$TESTDIR"
}

# write_config FILE EXTRA_YAML: a minimal config on $TESTDIR with the file
# carrier; EXTRA_YAML (may be empty) is appended verbatim (top-level keys).
# Users: alice and bob have numbers, carol has none. CONFIG_EXTRA_USERS (may be
# unset) is appended verbatim under users:, e.g. '  someone: "+447700900123"'.
write_config() {
	_cfg=$1
	mkdir -p "$TESTDIR/run" "$TESTDIR/spool"
	is_root && chown "$(daemon_user)" "$TESTDIR/spool" "$TESTDIR/run"
	OUTBOX="$TESTDIR/spool/outbox.jsonl"
	SOCKET="$TESTDIR/run/otpsmsd.sock"
	{
		echo "user: $(daemon_user)"
		echo "socket: $SOCKET"
		echo "allow_uids: [$(id -u)]"
		echo "users:"
		echo "  alice: \"+447700900123\""
		echo "  bob: \"+15017122661\""
		if [ -n "${CONFIG_EXTRA_USERS:-}" ]; then printf '%s\n' "$CONFIG_EXTRA_USERS"; fi
		if [ -n "${2:-}" ]; then printf '%s\n' "$2"; fi
		# The abuse policy (limits, backoff, lockout) is off unless the
		# test sets it: most tests send many unverified codes in seconds.
		# tests/hardening tests the policy and its defaults.
		if ! printf '%s' "${2:-}" | grep -q '^limits:'; then
			echo "limits: { per_user: off, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: off }"
		fi
		if ! printf '%s' "${2:-}" | grep -q '^lockout:'; then
			echo "lockout: { failures: 0 }"
		fi
		if ! printf '%s' "${2:-}" | grep -q '^carriers:'; then
			echo "carriers:"
			echo "  - name: outbox"
			echo "    type: file"
			echo "    path: $OUTBOX"
		fi
	} > "$_cfg"
	chmod 644 "$_cfg"
}

# start_daemon CONFIG: runs otpsmsd -f in the background, waits for its socket.
start_daemon() {
	rm -f "$SOCKET"
	# Emptied here, not by the child's redirection (which may come after
	# the wait below has read the last run's log).
	: >"$TESTDIR/otpsmsd.log"
	# OTPSMSD_WRAPPER: e.g. "valgrind -q --leak-check=full" (scripts/test.sh)
	${OTPSMSD_WRAPPER:-} "$OTPSMSD" -f -c "$1" >>"$TESTDIR/otpsmsd.log" 2>&1 &
	DAEMON_PID=$!
	_i=0
	# The socket exists from bind(); "started:" comes once it listens and
	# everything is set up (a slow start, under valgrind, shows the gap).
	while [ ! -S "$SOCKET" ] || ! grep -q 'started:' "$TESTDIR/otpsmsd.log"; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			cat "$TESTDIR/otpsmsd.log" | sed 's/^/# daemon: /'
			bail "otpsmsd did not start"
		fi
		sleep 0.05
	done
}

# Stops the daemon; under sanitizers its report (leaks at exit included)
# becomes a failed test.
stop_daemon() {
	if [ -n "${DAEMON_PID:-}" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		if grep -q 'Sanitizer\|runtime error:\|^==[0-9]*==' "$TESTDIR/otpsmsd.log" 2>/dev/null; then
			fail "otpsmsd ran clean under the sanitizers or valgrind"
			grep -A 40 'Sanitizer\|runtime error:\|^==[0-9]*==' "$TESTDIR/otpsmsd.log" |
			    head -n 80 | sed 's/^/#   /'
		fi
	fi
}

# The code in the newest message of the outbox (the file carrier's record).
last_code() {
	python3 -c '
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
m = re.search(r"\b(\d{4,10})\b", json.loads(lines[-1])["text"])
print(m.group(1))' "$OUTBOX"
}
outbox_count() { if [ -f "$OUTBOX" ]; then wc -l < "$OUTBOX" | tr -d ' '; else echo 0; fi; }

# ---------------------------------------------------------------------------
# End to end (tests/e2e, scripts/demo.sh): real users, PAM services, sshd, ssh.
# All of these change the machine, so each registers its undo with at_cleanup
# (run by make_testdir's EXIT trap, newest first). Root only.

# Marks what we create, so a leftover from an interrupted run can be told
# from something that belongs to the administrator.
E2E_MARK="otpsms e2e (temporary)"

# e2e_skip_unless_possible CMD...: skips the whole test unless it was asked
# for (OTPSMS_E2E=1: it adds a user and files under /etc, so never from a
# plain make check, even as root), we are root, the daemon and module are
# built (without sanitizers: sshd and sudo cannot dlopen an ASan module) and
# every CMD is installed.
e2e_skip_unless_possible() {
	[ "${OTPSMS_E2E:-}" = 1 ] ||
		skip_all "writes under /etc: runs only with OTPSMS_E2E=1 (scripts/test.sh sets it)"
	is_root || skip_all "needs root (adds a user and files under /etc)"
	[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
	[ -f "$PAM_MODULE" ] || skip_all "pam_otpsms.so not built"
	if [ -n "${OTPSMS_SANITIZED:-}" ] ||
	    { command -v ldd >/dev/null 2>&1 && ldd "$PAM_MODULE" 2>/dev/null | grep -q 'libasan\|libubsan'; }; then
		skip_all "sanitized build: sshd and sudo cannot load an ASan module"
	fi
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "$_c not installed"
	done
}

# e2e_lock: waits (up to 5 minutes) until no other e2e test is running, from
# this build or any other on the machine (a second clone, a CI run): they
# add users and files under /etc/pam.d and /etc/sudoers.d. The lock is taken
# on /etc/pam.d itself (flock on fd 9, released at exit): nothing to create
# or leave behind.
e2e_lock() {
	command -v flock >/dev/null 2>&1 || return 0
	exec 9</etc/pam.d || bail "cannot open /etc/pam.d to lock it"
	flock -w 300 9 || bail "another e2e test is still running after 5 minutes"
}

# Make INT/TERM/HUP run the EXIT trap too (dash does not on its own).
e2e_traps() { trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP; }

# e2e_add_user NAME: a throwaway local user with a home and /bin/sh, removed
# (userdel -r) on exit. A leftover of ours (GECOS marker) is removed first;
# anyone else's user of that name stops the test.
e2e_add_user() {
	if getent passwd "$1" >/dev/null 2>&1; then
		[ "$(getent passwd "$1" | cut -d: -f5)" = "$E2E_MARK" ] ||
			bail "user $1 exists and is not ours: not touching it"
		userdel -r "$1" >/dev/null 2>&1 || bail "cannot remove leftover user $1"
	fi
	useradd -m -c "$E2E_MARK" -s /bin/sh "$1" || bail "useradd $1"
	at_cleanup "e2e_del_user '$1'"
	# No password (not "!" = locked): this user logs in with key + code only.
	usermod -p '*' "$1" || bail "usermod $1"
}
e2e_del_user() {
	_i=0
	while ! userdel -r "$1" >/dev/null 2>&1; do
		getent passwd "$1" >/dev/null 2>&1 || return 0
		_i=$((_i + 1))
		if [ $_i -gt 20 ]; then
			echo "# cannot remove user $1" >&2
			return 1
		fi
		sleep 0.25  # a session of its own may still be ending
	done
}

# e2e_install FILE MODE < CONTENT: writes a system file (PAM service, sudoers
# fragment) with a first-line marker, removed on exit. Refuses to overwrite
# a file that is not ours.
e2e_install() {
	if [ -e "$1" ] && ! grep -q "$E2E_MARK" "$1" 2>/dev/null; then
		bail "$1 exists and is not ours: not touching it"
	fi
	at_cleanup "rm -f '$1' '$1.otpsms-tmp'"
	{
		echo "# $E2E_MARK: written by ${0##*/}, removed when it exits"
		cat
	} > "$1.otpsms-tmp" || bail "cannot write $1"
	if ! chmod "$2" "$1.otpsms-tmp" || ! mv -f "$1.otpsms-tmp" "$1"; then
		bail "cannot install $1"
	fi
}

# e2e_pam_auth [OPTIONS]: the auth line for the built module and this test's
# daemon (write_config sets SOCKET). Absolute path: nothing is installed.
e2e_pam_auth() {
	echo "auth required $PAM_MODULE socket=$SOCKET daemon_user=$(daemon_user) timeout=10${1:+ $1}"
}

# e2e_user_key USER: a fresh ed25519 key ($E2E_KEY, in $TESTDIR) allowed in
# USER's ~/.ssh/authorized_keys.
e2e_user_key() {
	E2E_KEY=$TESTDIR/id_ed25519
	rm -f "$E2E_KEY" "$E2E_KEY.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$E2E_MARK" -f "$E2E_KEY" </dev/null || bail "ssh-keygen"
	_home=$(getent passwd "$1" | cut -d: -f6)
	mkdir -p "$_home/.ssh"
	cp "$E2E_KEY.pub" "$_home/.ssh/authorized_keys"
	chmod 700 "$_home/.ssh"
	chmod 600 "$_home/.ssh/authorized_keys"
	chown -R "$1:" "$_home/.ssh"
}

# e2e_start_sshd SERVICE USER: Debian's real sshd on 127.0.0.1:$SSHD_PORT,
# foreground (-D -e, log in $TESTDIR/sshd.log), its own config and host key,
# run through a symlink named SERVICE: OpenSSH uses its program name as the
# PAM service name, so it reads /etc/pam.d/SERVICE. Only USER may log in,
# with a key and then keyboard-interactive through PAM.
e2e_start_sshd() {
	SSHD=${SSHD:-/usr/sbin/sshd}
	if [ ! -d /run/sshd ]; then    # privilege separation directory
		mkdir -m 0755 /run/sshd || bail "mkdir /run/sshd"
		at_cleanup "rmdir /run/sshd 2>/dev/null"
	fi
	ssh-keygen -q -t ed25519 -N '' -f "$TESTDIR/ssh_host_ed25519_key" </dev/null ||
		bail "ssh-keygen (host key)"
	SSHD_PORT=$(free_port)
	cat > "$TESTDIR/sshd_config" <<-CFG
	# Nothing from /etc/ssh: this file is the whole configuration.
	ListenAddress 127.0.0.1
	Port $SSHD_PORT
	HostKey $TESTDIR/ssh_host_ed25519_key
	PidFile $TESTDIR/sshd.pid
	AuthorizedKeysFile .ssh/authorized_keys
	AllowUsers $2
	PermitRootLogin no
	StrictModes yes
	UseDNS no
	PrintMotd no
	LogLevel VERBOSE
	LoginGraceTime 30
	MaxAuthTries 6
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication yes
	UsePAM yes
	AuthenticationMethods publickey,keyboard-interactive:pam
	Subsystem sftp internal-sftp
	CFG
	ln -sf "$SSHD" "$TESTDIR/$1"
	"$TESTDIR/$1" -t -f "$TESTDIR/sshd_config" >"$TESTDIR/sshd.log" 2>&1 || {
		sed 's/^/# sshd -t: /' "$TESTDIR/sshd.log"
		bail "sshd rejects its configuration"
	}
	"$TESTDIR/$1" -D -e -f "$TESTDIR/sshd_config" >>"$TESTDIR/sshd.log" 2>&1 9>&- &
	SSHD_PID=$!
	at_cleanup "e2e_stop_sshd"
	_i=0
	until grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$TESTDIR/sshd.log"; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$SSHD_PID" 2>/dev/null; then
			sed 's/^/# sshd: /' "$TESTDIR/sshd.log"
			bail "sshd did not start"
		fi
		sleep 0.05
	done
}
e2e_stop_sshd() {
	if [ -n "${SSHD_PID:-}" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
}

# e2e_askpass: $TESTDIR/askpass, the SSH_ASKPASS program e2e_ssh uses. ssh
# runs it once per keyboard-interactive prompt with the prompt as $1; it
# records the prompt in $TESTDIR/prompts and answers per $E2E_ANSWER:
# "right" (the code in the newest outbox message), "wrong" (each digit of
# it plus one: the right shape, never the code) or anything else, verbatim.
e2e_askpass() {
	cat > "$TESTDIR/askpass" <<-EOF
	#!/bin/sh
	printf '%s\n' "\$1" >> '$TESTDIR/prompts'
	case "\${E2E_ANSWER:-}" in
	right|wrong) exec python3 - "\$E2E_ANSWER" '$OUTBOX' <<'PY' ;;
	import json, re, sys
	lines = open(sys.argv[2]).read().splitlines()
	code = re.search(r"\b(\d{4,10})\b", json.loads(lines[-1])["text"]).group(1)
	if sys.argv[1] == "wrong":
	    code = "".join(str((int(c) + 1) % 10) for c in code)
	print(code)
	PY
	*) printf '%s\n' "\${E2E_ANSWER:-}" ;;
	esac
	EOF
	chmod 700 "$TESTDIR/askpass"
}

# e2e_ssh USER ANSWER [ssh options] COMMAND: the real ssh client against
# e2e_start_sshd's server as USER, with $E2E_KEY, answering the code prompt
# through e2e_askpass (ANSWER: see there). No tty, no agent, no ~/.ssh/config.
# The caller's options come first, so they win (ssh keeps the first value).
# Returns ssh's exit status (255: refused), bounded by a 30 s timeout (124).
e2e_ssh() {
	_user=$1
	_answer=$2
	shift 2
	_n=$#
	_i=0
	for _a in "$@"; do    # the last argument is the command
		_i=$((_i + 1))
		if [ $_i -eq $_n ]; then _cmd=$_a; else set -- "$@" "$_a"; fi
	done
	shift "$_n"
	E2E_ANSWER=$_answer SSH_ASKPASS=$TESTDIR/askpass SSH_ASKPASS_REQUIRE=force \
	    DISPLAY='' SSH_AUTH_SOCK='' \
	    timeout -k 5 30 ssh -F /dev/null "$@" -p "$SSHD_PORT" -i "$E2E_KEY" \
	    -o IdentitiesOnly=yes -o BatchMode=no \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o PreferredAuthentications=publickey,keyboard-interactive \
	    -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o LogLevel=ERROR \
	    -l "$_user" 127.0.0.1 "$_cmd" </dev/null
}

# e2e_sshd_set KEYWORD VALUE [KEYWORD VALUE ...]: changes keywords that
# e2e_start_sshd's configuration already sets (sshd keeps the first value it
# reads, so they are replaced in place), checks the result with sshd -t and
# has the running sshd read it again: on SIGHUP sshd re-executes itself, same
# pid, same port. Waits until it listens again.
e2e_sshd_set() {
	while [ $# -ge 2 ]; do
		grep -q "^$1 " "$TESTDIR/sshd_config" || bail "e2e_sshd_set: no $1 in sshd_config"
		sed -i "s|^$1 .*|$1 $2|" "$TESTDIR/sshd_config"
		shift 2
	done
	"${SSHD:-/usr/sbin/sshd}" -t -f "$TESTDIR/sshd_config" >"$TESTDIR/sshd-t.log" 2>&1 || {
		sed 's/^/# sshd -t: /' "$TESTDIR/sshd-t.log"
		bail "sshd rejects its new configuration"
	}
	_n=$(grep -c "Server listening on 127.0.0.1 port $SSHD_PORT" "$TESTDIR/sshd.log")
	kill -HUP "$SSHD_PID" || bail "sshd is gone"
	_i=0
	while [ "$(grep -c "Server listening on 127.0.0.1 port $SSHD_PORT" "$TESTDIR/sshd.log")" -le "$_n" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$SSHD_PID" 2>/dev/null; then
			tail -n 20 "$TESTDIR/sshd.log" | sed 's/^/# sshd: /'
			bail "sshd did not restart"
		fi
		sleep 0.05
	done
}

# start_mock NAME COMMAND...: starts a mock server in the background with
# "--port 0 --port-file $TESTDIR/NAME-port" appended and its stderr in
# $TESTDIR/mock.err, waits (up to 10 s) for the port it bound, and sets
# MOCK_PID and PORT. The mock is stopped when the test exits.
start_mock() {
	_mname=$1
	shift
	"$@" --port 0 --port-file "$TESTDIR/$_mname-port" 2>"$TESTDIR/mock.err" &
	MOCK_PID=$!
	at_cleanup 'kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null'
	_i=0
	while [ ! -s "$TESTDIR/$_mname-port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$MOCK_PID" 2>/dev/null; then
			sed 's/^/# mock: /' "$TESTDIR/mock.err"
			bail "$_mname mock did not start"
		fi
		sleep 0.1
	done
	PORT=$(cat "$TESTDIR/$_mname-port")
}
