#!/bin/sh
# What an administrator meets first: --help and --version, and otpsmsd -t
# checking what the daemon will need as the user it runs as (secret files it
# can read, an outbox and a state_dir it can write), a configuration with no
# users, and the file carrier's failure naming its path.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

# --- --help and --version: stdout, exit 0; a bad option still exits 2.
for prog in "$OTPSMSD" "$CTL"; do
	name=${prog##*/}
	out=$("$prog" --help 2>/dev/null)
	is "$?" 0 "$name --help: exit 0"
	case "$out" in "usage: $name "*--version*) pass "$name --help: the usage on stdout" ;;
	*) fail "$name --help ($out)" ;; esac
	out=$("$prog" --version 2>/dev/null)
	is "$?" 0 "$name --version: exit 0"
	is "$out" "$name (otpsms) $VERSION" "$name --version: name and version on stdout"
	out=$("$prog" --no-such-option 2>/dev/null)
	is "$?" 2 "$name with a bad option: exit 2"
	is "$out" "" "$name with a bad option: nothing on stdout"
done

make_testdir
DUSER=$(daemon_user)
DGROUP=$(id -gn "$DUSER")
CFG="$TESTDIR/otpsmsd.yaml"

# --- no users and no users_file: every login would be refused.
mkdir -p "$TESTDIR/spool"
is_root && chown "$DUSER" "$TESTDIR/spool"
printf 'user: %s\nsocket: %s/run/s.sock\ncarriers: [{name: o, type: file, path: %s/spool/o.jsonl}]\n' \
    "$DUSER" "$TESTDIR" "$TESTDIR" > "$CFG"
chmod 644 "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 0 "-t: a configuration with no users is valid"
case "$r" in *"$CFG: warning: no users: and no users_file: every login will be refused"*)
	pass "-t: ... but warns that it has no users" ;; *) fail "no users ($r)" ;; esac
case "$r" in *"configuration OK, with the warnings above"*) pass "-t: OK, pointing at the warnings" ;;
*) fail "OK line ($r)" ;; esac
printf '# nobody yet\n' > "$TESTDIR/users.yaml"
chmod 644 "$TESTDIR/users.yaml"
printf 'users_file: %s\n' "$TESTDIR/users.yaml" >> "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"$CFG:4:13: warning: users_file: the file lists no users"*)
	pass "-t: an empty users_file is warned about at its line" ;; *) fail "empty users_file ($r)" ;; esac
write_config "$CFG" ""
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"no users"*) fail "users: no warning expected ($r)" ;; *) pass "-t: users: no such warning" ;; esac

# --- the file carrier's outbox: the daemon's user must create or append it.
mkdir -p "$TESTDIR/ro"
chmod 555 "$TESTDIR/ro"
write_config "$CFG" "carriers:
  - name: outbox
    type: file
    path: $TESTDIR/ro/outbox.jsonl"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "-t: an outbox the daemon's user cannot create is an error"
line=$(grep -n "path: $TESTDIR/ro/outbox.jsonl" "$CFG" | cut -d: -f1)
case "$r" in *"$CFG:$line:11: carriers[0].path: $TESTDIR/ro/outbox.jsonl: the daemon's user $DUSER cannot write it: cannot create it in $TESTDIR/ro: "*)
	pass "-t: ... at the path's FILE:LINE:COL, naming the user and the directory" ;;
*) fail "outbox message ($r)" ;; esac
sed -i "s#$TESTDIR/ro/outbox.jsonl#$TESTDIR/none/outbox.jsonl#" "$CFG"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
case "$r" in *"cannot create it in $TESTDIR/none: "*"No such file or directory"*)
	pass "-t: an outbox directory that does not exist is an error" ;; *) fail "missing dir ($r)" ;; esac

# --- the file carrier's failure names the path in the log.
write_config "$CFG" "carriers:
  - name: outbox
    type: file
    path: $TESTDIR/none/outbox.jsonl"
start_daemon "$CFG"
"$CLIENT" -s "$SOCKET" challenge alice sshd >/dev/null 2>&1
stop_daemon
grep -q "cannot open $TESTDIR/none/outbox.jsonl: No such file or directory" "$TESTDIR/otpsmsd.log"
ok "a failed send logs the outbox path it could not open"

# --- an explicit state_dir the daemon's user cannot use stops the start:
# -t says so; the default one only warns (limits kept in memory).
mkdir -p "$TESTDIR/state"
chmod 777 "$TESTDIR/state"
is_root && chown "$DUSER" "$TESTDIR/state"
write_config "$CFG" "state_dir: $TESTDIR/state"
r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
is "$?" 1 "-t: a state_dir writable by others is an error"
case "$r" in *"$CFG:"*":12: state_dir: $TESTDIR/state: writable by group or others (mode 0777)"*)
	pass "-t: ... at its FILE:LINE:COL" ;; *) fail "state_dir message ($r)" ;; esac
chmod 700 "$TESTDIR/state"
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "-t: a state_dir of the daemon's user, 0700: accepted"

# --- secret files, as root: root reads them, but the shipped unit starts
# the daemon as its user, who must read them too.
if is_root; then
	printf 'tok\n' > "$TESTDIR/token"
	chmod 600 "$TESTDIR/token"
	write_config "$CFG" "carriers:
  - name: t
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token_file: $TESTDIR/token
    from: \"+15017122661\""
	r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
	is "$?" 0 "-t as root: a root-only secret file is valid (a root-started daemon reads it)"
	line=$(grep -n "auth_token_file:" "$CFG" | cut -d: -f1)
	case "$r" in *"$CFG:$line:22: warning: carriers[0].auth_token_file: $TESTDIR/token: user $DUSER (uid $(id -u "$DUSER")), as otpsmsd.service runs, cannot read it"*"chgrp $DGROUP and chmod 640 it, or use auth_token_credential"*)
		pass "-t as root: ... but warns, at FILE:LINE:COL, that the daemon's user cannot read it" ;;
	*) fail "secret warning ($r)" ;; esac
	chgrp "$DGROUP" "$TESTDIR/token"
	chmod 640 "$TESTDIR/token"
	r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
	is "$?" 0 "-t: 0640 root:$DGROUP (the daemon's group): accepted"
	case "$r" in *"cannot read it"*) fail "0640 root:$DGROUP: no warning ($r)" ;;
	*) pass "-t: ... with no warning" ;; esac
	su -s /bin/sh "$DUSER" -c "'$OTPSMSD' -t -c '$CFG'" >/dev/null 2>&1
	ok "-t run as $DUSER (as the unit's ExecStartPre): 0640 root:$DGROUP read"
	chgrp root "$TESTDIR/token"
	r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
	is "$?" 1 "-t: 0640 with another group (root): still refused"
	case "$r" in *"accessible by group or others (mode 0640)"*) pass "-t: ... saying why" ;;
	*) fail "0640 root:root ($r)" ;; esac
	chgrp "$DGROUP" "$TESTDIR/token"
	chmod 700 "$TESTDIR"
	r=$("$OTPSMSD" -t -c "$CFG" 2>&1)
	case "$r" in *"cannot read it (no search permission on $TESTDIR (mode 0700))"*)
		pass "-t as root: a directory the daemon's user cannot search is named" ;;
	*) fail "search permission ($r)" ;; esac
	chmod 755 "$TESTDIR"
fi

done_testing
