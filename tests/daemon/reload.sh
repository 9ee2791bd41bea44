#!/bin/sh
# Live reload (otpsmsd(8), "Reload"): otpsmsctl reload and SIGHUP read the
# configuration and users_file again without a restart. A login whose code
# was sent before the reload completes with it; a user added to users_file
# logs in; a carrier added to the list is used while the unchanged one is
# kept; lockouts and limits' counts survive; a broken file (YAML error,
# unknown key) or a changed restart-only key is refused whole, each error
# printed as FILE:LINE:COL, and the daemon serves on with the old one.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"

make_testdir
CFG="$TESTDIR/otpsmsd.yaml"
USERS="$TESTDIR/users.yaml"
mkdir -p "$TESTDIR/run" "$TESTDIR/spool"
is_root && chown "$(daemon_user)" "$TESTDIR/spool" "$TESTDIR/run"
OUTBOX="$TESTDIR/spool/outbox.jsonl"
SOCKET="$TESTDIR/run/otpsmsd.sock"

# write_cfg [EXTRA_CARRIER_LINES [EXTRA_TOP_LINES]]
write_cfg() {
	{
		echo "user: $(daemon_user)"
		echo "socket: $SOCKET"
		echo "allow_uids: [$(id -u)]"
		echo "users_file: $USERS"
		echo "code: { reuse_window: 0, max_attempts: 5 }"
		echo "limits: { per_user: 2/1h, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: off }"
		echo "lockout: { failures: 2, window: 15m, duration: 15m }"
		echo "carriers:"
		echo "  - name: outbox"
		echo "    type: file"
		echo "    path: $OUTBOX"
		if [ -n "${1:-}" ]; then printf '%s\n' "$1"; fi
		if [ -n "${2:-}" ]; then printf '%s\n' "$2"; fi
	} > "$CFG.new"
	chmod 644 "$CFG.new"
	mv -f "$CFG.new" "$CFG"
}
write_users() {
	printf '%s\n' "$@" > "$USERS.new"
	chmod 644 "$USERS.new"
	mv -f "$USERS.new" "$USERS"
}
C() { "$CLIENT" -s "$SOCKET" "$@"; }
wrong() { awk -v c="$1" 'BEGIN { printf "%06d", (c + 1) % 1000000 }'; }
# SIGHUP, then wait until the log has one more "reloaded"/"reload refused".
hup() {
	_n=$(grep -c 'reloaded \|reload refused: .*in use is unchanged\|reload refused' "$TESTDIR/otpsmsd.log")
	kill -HUP "$DAEMON_PID"
	_i=0
	while [ "$(grep -c 'reloaded \|reload refused: .*in use is unchanged\|reload refused' "$TESTDIR/otpsmsd.log")" -le "$_n" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && break
		sleep 0.05
	done
}
# otpsmsctl reload (root only: the daemon answers uid 0); else SIGHUP.
reload() {
	if is_root; then
		"$CTL" -u "$(daemon_user)" -s "$SOCKET" reload
	else
		hup
		! tail -n 5 "$TESTDIR/otpsmsd.log" | grep -q 'reload refused'
	fi
}

write_users 'alice: "+447700900123"' 'bob: "+15017122661"' 'erin: "+15017122662"'
write_cfg
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "otpsmsd -t accepts the test configuration"
start_daemon "$CFG"

# --- before: alice's login is open (code sent, not yet typed)
out=$(C challenge alice sshd) || bail "alice's challenge: $out"
alice_id=${out%% *}
alice_code=$(last_code)
# bob locked out (two wrong codes), erin at her per_user limit (2/1h)
out=$(C challenge bob sshd) || bail "bob's challenge: $out"
bob_id=${out%% *}
bob_code=$(last_code)
C verify "$bob_id" bob "$(wrong "$bob_code")" >/dev/null
C verify "$bob_id" bob "$(wrong "$bob_code")" >/dev/null
case "$(C verify "$bob_id" bob "$bob_code")" in
"error 11 "*) pass "bob is locked out before the reload" ;;
*) fail "bob is locked out before the reload" ;;
esac
C challenge erin s1 >/dev/null && C challenge erin s2 >/dev/null
ok "erin's two codes"
case "$(C challenge erin s3)" in
"error 10 "*) pass "erin's third is over per_user before the reload" ;;
*) fail "erin's third is over per_user before the reload" ;;
esac
r=$(C challenge frank sshd)
case "$r" in "error 4 "*) pass "frank is not enrolled yet" ;; *) fail "frank is not enrolled yet: $r" ;; esac

# --- a new user in users_file and a second carrier; reload
write_users 'alice: "+447700900123"' 'bob: "+15017122661"' 'erin: "+15017122662"' \
    'frank: "+15017122663"'
write_cfg "  - name: second
    type: file
    path: $TESTDIR/spool/second.jsonl"
out=$(reload)
ok "reload with a new user and a new carrier ($out)"
grep -q 'reloaded .*: 4 user(s), 2 carrier(s), 1 of them kept' "$TESTDIR/otpsmsd.log"
ok "the log says what the reload holds: 4 users, 2 carriers, the unchanged one kept"
if is_root; then
	"$CTL" -u "$(daemon_user)" -s "$SOCKET" status | grep -q '^carrier second'
	ok "otpsmsctl status shows the new carrier"
fi

is "$(C verify "$alice_id" alice "$alice_code")" ok \
    "the login open across the reload completes with its code"
out=$(C challenge frank sshd)
ok "the user added to users_file gets a code ($out)"
is "$(C verify "${out%% *}" frank "$(last_code)")" ok "and logs in"
case "$(C verify "$bob_id" bob "$bob_code")" in
"error 11 "*) pass "bob's lockout survives the reload" ;;
*) fail "bob's lockout survives the reload" ;;
esac
case "$(C challenge erin s4)" in
"error 10 "*) pass "erin's per_user count survives the reload" ;;
*) fail "erin's per_user count survives the reload" ;;
esac

# --- a YAML error: refused whole, FILE:LINE:COL, the old one serves on
cp "$CFG" "$TESTDIR/good.yaml"
printf 'code: { digits: 6\nmax_clients: [\n' >> "$CFG"
if is_root; then
	out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" reload)
	is "$?" 1 "otpsmsctl reload of a broken file exits 1"
	case "$out" in
	*"$CFG:"[0-9]*:[0-9]*": "*) pass "it prints the error as FILE:LINE:COL ($(echo "$out" | head -n 1))" ;;
	*) fail "it prints the error as FILE:LINE:COL: $out" ;;
	esac
else
	hup
fi
grep -q "reload refused: $CFG:[0-9]*:[0-9]*: " "$TESTDIR/otpsmsd.log"
ok "the daemon logs the error as FILE:LINE:COL"
out=$(C challenge frank sudo)
ok "the daemon serves on with the last good configuration ($out)"
is "$(C verify "${out%% *}" frank "$(last_code)")" ok "frank still logs in"

# --- an unknown key, with SIGHUP: same refusal
cp "$TESTDIR/good.yaml" "$CFG"
echo "max_clientz: 10" >> "$CFG"
line=$(grep -n '^max_clientz' "$CFG" | cut -d: -f1)
hup
grep -q "reload refused: $CFG:$line:1: max_clientz: unknown key" "$TESTDIR/otpsmsd.log"
ok "SIGHUP: an unknown key is refused, at $CFG:$line:1"
if is_root; then
	out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" reload)
	is "$?" 1 "otpsmsctl reload: unknown key, exit 1"
	case "$out" in *"$CFG:$line:1: max_clientz: unknown key"*) pass "printed at FILE:LINE:COL" ;;
	*) fail "printed at FILE:LINE:COL: $out" ;; esac
fi

# --- a broken users_file: its own name and position
cp "$TESTDIR/good.yaml" "$CFG"
write_users 'alice: "+447700900123"' 'grace: "07700"'
hup
grep -q "reload refused: $USERS:2:8: grace: not an E.164 number" "$TESTDIR/otpsmsd.log"
ok "a bad number in users_file is refused at $USERS:2:8"
is "$(C verify 00112233445566778899aabbccddeeff alice 123456)" expired "still serving"
r=$(C challenge grace sshd)
case "$r" in "error 4 "*) pass "grace is not in (the users_file was refused)" ;; *) fail "grace is not in: $r" ;; esac

# --- a restart-only key is named
write_users 'alice: "+447700900123"' 'bob: "+15017122661"' 'erin: "+15017122662"' \
    'frank: "+15017122663"' 'grace: "+15017122664"'
sed "s|^socket: .*|socket: $TESTDIR/run/other.sock|" "$TESTDIR/good.yaml" > "$CFG"
if is_root; then
	out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" reload)
	is "$?" 1 "otpsmsctl reload: a changed socket, exit 1"
	case "$out" in *"$CFG:2:1: socket: changed, and it cannot change on a reload; restart"*)
		pass "the restart-only key is named" ;; *) fail "the restart-only key is named: $out" ;; esac
else
	hup
	grep -q "reload refused: $CFG:2:1: socket: changed, and it cannot change on a reload" \
	    "$TESTDIR/otpsmsd.log"
	ok "the restart-only key is named"
fi

# --- SIGHUP does what otpsmsctl reload does
cp "$TESTDIR/good.yaml" "$CFG"
hup
tail -n 3 "$TESTDIR/otpsmsd.log" | grep -q 'reloaded .*: 5 user(s)'
ok "SIGHUP reloads: grace is in"
out=$(C challenge grace sshd)
ok "grace gets a code ($out)"
is "$(C verify "${out%% *}" grace "$(last_code)")" ok "and logs in"

# --- a config the daemon's user cannot read: the error says what to do
if is_root; then
	chmod 600 "$CFG"
	out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" reload)
	is "$?" 1 "a 0600 root configuration cannot be reloaded by the daemon's user"
	case "$out" in *"Permission denied"*"0640"*) pass "the error names the fix" ;;
	*) fail "the error names the fix: $out" ;; esac
	chmod 644 "$CFG"
fi

kill -0 "$DAEMON_PID"
ok "otpsmsd is still running"
stop_daemon
done_testing
