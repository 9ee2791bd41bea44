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
# Users: alice and bob have numbers, carol has none.
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
		if [ -n "${2:-}" ]; then printf '%s\n' "$2"; fi
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
	"$OTPSMSD" -f -c "$1" >"$TESTDIR/otpsmsd.log" 2>&1 &
	DAEMON_PID=$!
	_i=0
	while [ ! -S "$SOCKET" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			cat "$TESTDIR/otpsmsd.log" | sed 's/^/# daemon: /'
			bail "otpsmsd did not start"
		fi
		sleep 0.05
	done
}

stop_daemon() {
	if [ -n "${DAEMON_PID:-}" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
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
