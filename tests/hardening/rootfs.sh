#!/bin/sh
# Root never follows a path the daemon's user can write. Started as root,
# otpsmsd makes its socket (and maybe its directory) in a directory that
# user owns; links planted there by that user (as a compromised daemon
# would, before a restart) must not lead root to touch a root-owned file
# elsewhere: it refuses to start, or replaces the link, and the target keeps
# its inode, owner, mode and content.
set -u
. "$top_srcdir/tests/lib.sh"

is_root || skip_all "needs root (starts otpsmsd as root with user: nobody)"
command -v setpriv >/dev/null 2>&1 || skip_all "needs setpriv"
make_testdir
DU=$(daemon_user)
DUID=$(id -u "$DU")
as_daemon() { setpriv --reuid="$DUID" --regid="$(id -g "$DU")" --clear-groups "$@"; }

# What an attacker would like root to change: a root-owned directory with a
# socket (another root service's) and a file, none of it the daemon's.
TARGET="$TESTDIR/target"
mkdir -m 755 "$TARGET"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$TARGET/otpsmsd.sock" || bail "cannot make the target socket"
chmod 600 "$TARGET/otpsmsd.sock"
printf 'root only\n' > "$TARGET/file"
chmod 600 "$TARGET/file"
snap() { stat -c '%i %u:%g %a' "$TARGET/otpsmsd.sock" "$TARGET/file" "$TARGET" | tr '\n' ' '; cat "$TARGET/file"; }
BEFORE=$(snap)

CFG="$TESTDIR/otpsmsd.yaml"
write_config "$CFG" ""    # $TESTDIR/run: owned by the daemon's user

# run_cfg CONFIG: otpsmsd as root. Returns 0 once it says it started (left
# running: stop_daemon), else its exit status.
run_cfg() {
	stop_daemon    # one left running where a refusal was wanted
	# Emptied here, not by the child's redirection: the loop below could
	# otherwise read the last daemon's "started:" before the child truncates.
	: >"$TESTDIR/otpsmsd.log"
	"$OTPSMSD" -f -c "$1" >>"$TESTDIR/otpsmsd.log" 2>&1 &
	DAEMON_PID=$!
	_i=0
	until grep -q "started:" "$TESTDIR/otpsmsd.log"; do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID"
			_rc=$?
			DAEMON_PID=
			return $_rc
		fi
		_i=$((_i + 1))
		[ $_i -gt 200 ] && bail "otpsmsd neither started nor stopped"
		sleep 0.05
	done
	return 0
}
# run_root SOCKET: the same, on SOCKET.
run_root() {
	sed "s|^socket: .*|socket: $1|" "$CFG" > "$TESTDIR/cfg2.yaml"
	chmod 644 "$TESTDIR/cfg2.yaml"
	run_cfg "$TESTDIR/cfg2.yaml"
}

# --- the socket's directory is a link the daemon's user planted.
as_daemon ln -s "$TARGET" "$TESTDIR/run/sub"
run_root "$TESTDIR/run/sub/otpsmsd.sock"
is "$?" 1 "socket directory planted as a link: refused"
grep -q "sub is a symbolic link in a directory that uid $DUID can write" "$TESTDIR/otpsmsd.log"
ok "... saying which link and why"
is "$(snap)" "$BEFORE" "... the root-owned directory it points to is untouched"
rm -f "$TESTDIR/run/sub"

# --- a link further up: the directory holding the socket's directory.
as_daemon mkdir "$TESTDIR/run/a"
as_daemon ln -s "$TESTDIR" "$TESTDIR/run/a/up"
run_root "$TESTDIR/run/a/up/target/otpsmsd.sock"
is "$?" 1 "a link higher up the path, where the daemon's user writes: refused"
is "$(snap)" "$BEFORE" "... target untouched"
run_root "$TESTDIR/run/a/up/target/new/otpsmsd.sock"
is "$?" 1 "... also when the socket's directory would be created"
[ ! -e "$TARGET/new" ]
ok "... and no directory made in the target"
rm -rf "$TESTDIR/run/a"

# --- the socket's name is a link to a root-owned file.
as_daemon ln -s "$TARGET/file" "$TESTDIR/run/otpsmsd.sock"
run_root "$TESTDIR/run/otpsmsd.sock"
is "$?" 1 "socket name planted as a link: refused"
grep -q "exists and is not a socket (a symbolic link)" "$TESTDIR/otpsmsd.log"
ok "... saying so"
is "$(snap)" "$BEFORE" "... the file it points to keeps its owner, mode and content"
[ -L "$TESTDIR/run/otpsmsd.sock" ]
ok "... and the link is left for the administrator to see"
rm -f "$TESTDIR/run/otpsmsd.sock"

# --- a hard link to a root-owned socket in place of the stale socket: only
# its name is removed, the new socket is ours (fs.protected_hardlinks stops
# the daemon's user making it; root plays that part here).
ln "$TARGET/otpsmsd.sock" "$TESTDIR/run/otpsmsd.sock"
run_root "$TESTDIR/run/otpsmsd.sock"
is "$?" 0 "a hard link as the stale socket: replaced, the daemon starts"
stop_daemon
is "$(snap)" "$BEFORE" "... the linked socket keeps its owner and mode"

# --- a link root made, in a directory only root writes, is still followed.
ln -s run "$TESTDIR/runlink"
run_root "$TESTDIR/runlink/otpsmsd.sock"
is "$?" 0 "a link in a root-only directory is followed: the daemon starts"
is "$(stat -c '%U %a' "$TESTDIR/run/otpsmsd.sock" 2>/dev/null)" "$DU 660" \
    "... its socket is the daemon's, mode 0660"
stop_daemon

# --- a missing socket directory is made, the daemon's, mode 0755.
run_root "$TESTDIR/run/new/otpsmsd.sock"
is "$?" 0 "a missing socket directory is made"
is "$(stat -c '%U %a' "$TESTDIR/run/new")" "$DU 755" "... owned by the daemon's user, mode 0755"
stop_daemon

# --- files root reads: never where the daemon's user chose what they hold.
stop_daemon
cp "$CFG" "$TESTDIR/run/otpsmsd.yaml"
run_cfg "$TESTDIR/run/otpsmsd.yaml"
is "$?" 1 "configuration in a directory the daemon's user can write: refused"
grep -q "run/otpsmsd.yaml: in a directory that uid $DUID can write" "$TESTDIR/otpsmsd.log"
ok "... saying why"
rm -f "$TESTDIR/run/otpsmsd.yaml"
printf 'a-root-secret\n' > "$TARGET/token"
chmod 600 "$TARGET/token"
BEFORE=$(snap)
as_daemon ln -s "$TARGET" "$TESTDIR/run/sec"
sed '/^carriers:/,$d' "$CFG" > "$TESTDIR/cfg3.yaml"
cat >> "$TESTDIR/cfg3.yaml" <<EOF
carriers:
  - name: twilio
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token_file: $TESTDIR/run/sec/token
    from: "+15005550006"
    api_url: http://127.0.0.1:1/
EOF
chmod 644 "$TESTDIR/cfg3.yaml"
run_cfg "$TESTDIR/cfg3.yaml"
is "$?" 1 "a secret reached through a link the daemon's user planted: refused"
grep -q "sec is a symbolic link in a directory that uid $DUID can write" "$TESTDIR/otpsmsd.log"
ok "... saying which link"
"$OTPSMSD" -t -c "$TESTDIR/cfg3.yaml" >/dev/null 2>&1
is "$?" 1 "... and otpsmsd -t says so too"
is "$(snap)" "$BEFORE" "... the root-owned target is untouched"
rm -f "$TESTDIR/run/sec"
stop_daemon    # one left running where a refusal was wanted

# --- state files: read, renamed and replaced as the daemon's user only.
STATE="$TESTDIR/state"
mkdir -m 700 "$STATE"
chown "$DU" "$STATE"
as_daemon ln -s "$TARGET/file" "$STATE/state"
write_config "$CFG" "state_dir: $STATE"
start_daemon "$CFG"
_i=0
until grep -q "started:" "$TESTDIR/otpsmsd.log"; do
	_i=$((_i + 1))
	[ $_i -gt 200 ] && bail "otpsmsd did not finish starting"
	sleep 0.05
done
"$CLIENT" -s "$SOCKET" challenge alice sshd >/dev/null
ok "state file planted as a link: the daemon starts and serves"
stop_daemon
is "$(snap)" "$BEFORE" "... the file it points to keeps its owner, mode and content"
[ -f "$STATE/state" ] && [ ! -L "$STATE/state" ]
ok "... and the link was replaced by the daemon's own state file"

done_testing
