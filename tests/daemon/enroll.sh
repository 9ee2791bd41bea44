#!/bin/sh
# Enrolment with proof of possession (docs/enrol.md): otpsmsctl enroll USER
# NUMBER texts a code (made and checked by the daemon) to the new number and
# writes users_file only when the code typed back verifies, editing the text
# (comments and other entries kept byte for byte), then reloads; remove
# takes the entry out the same way. The enrolment code is no login code; a
# wrong code writes nothing; per_number limits apply; not root is refused;
# change-number proves the old number and the new one.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"
is_root || skip_all "otpsmsctl enroll is root's (and the daemon runs as nobody)"

make_testdir
CFG="$TESTDIR/otpsmsd.yaml"
ETC="$TESTDIR/etc"
USERS="$ETC/users.yaml"
mkdir -p "$TESTDIR/run" "$TESTDIR/spool" "$ETC"
chmod 755 "$TESTDIR" "$ETC"
chown "$(daemon_user)" "$TESTDIR/spool" "$TESTDIR/run"
OUTBOX="$TESTDIR/spool/outbox.jsonl"
SOCKET="$TESTDIR/run/otpsmsd.sock"

{
	echo "user: $(daemon_user)"
	echo "socket: $SOCKET"
	echo "allow_uids: [0]"
	echo "users_file: $USERS   # managed by otpsmsctl enroll"
	echo "code: { reuse_window: 0, max_attempts: 3 }"
	echo "limits: { per_user: off, per_number: 3/1h, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: off }"
	echo "lockout: { failures: 20, window: 15m, duration: 15m }"
	echo "carriers:"
	echo "  - name: outbox"
	echo "    type: file"
	echo "    path: $OUTBOX"
} > "$CFG"
chmod 644 "$CFG"
# Odd but valid YAML: a document marker, comments everywhere, quoted keys,
# an indentless sequence with a blank line in it, a flow sequence, an end
# marker.
cat > "$USERS" <<'YAML'
# otpsms users: kept by hand and by otpsmsctl
---
alice: "+447700900123"   # alice's phone
# bob has two
"bob":
- "+15017122661"

- '+15017122662'
'carol.x': ["+33612345678", "+33612345679"]
  # a comment indented

erin: +447700900999
...
YAML
chmod 644 "$USERS"
cp "$USERS" "$TESTDIR/users.orig"
"$OTPSMSD" -t -c "$CFG" >/dev/null 2>&1
ok "otpsmsd -t accepts the test configuration and users_file"
start_daemon "$CFG"
ctl() { "$CTL" -c "$CFG" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
C() { "$CLIENT" -s "$SOCKET" "$@"; }
# code_after N: waits for message N+1 in the outbox, prints its code.
code_after() {
	_i=0
	while [ "$(outbox_count)" -le "$1" ] && [ $_i -lt 200 ]; do
		_i=$((_i + 1)); sleep 0.05
	done
	last_code
}
wrong() { awk -v c="$1" 'BEGIN { printf "%06d", (c + 1) % 1000000 }'; }

# --- enroll dave: the code goes to the new number, typed back, written
n=$(outbox_count)
out=$( (code_after "$n") | ctl enroll dave +447700900555 2>&1)
ok "enroll dave with the right code succeeds: $out"
tail -n 1 "$OUTBOX" | grep -q '"to":"+447700900555"'
ok "the enrolment code went to the new number"
{ cat "$TESTDIR/users.orig" | sed '/^\.\.\.$/d'; echo 'dave: "+447700900555"'; echo '...'; } > "$TESTDIR/want"
diff -u "$TESTDIR/want" "$USERS" >&2
ok "users_file: dave added before the end marker, every other byte kept"
[ "$(stat -c %a "$USERS")" = 644 ]
ok "users_file keeps its mode"
grep -q 'reload done: by=otpsmsctl.*reason="enroll user=dave' "$TESTDIR/otpsmsd.log"
ok "the daemon logged the reload with its reason"
grep -q 'verified: user=dave service=otpsmsctl-enroll' "$TESTDIR/otpsmsd.log"
ok "the daemon audited the proof"
out=$(C challenge dave sshd) && id=${out%% *} && code=$(last_code) &&
    [ "$(C verify "$id" dave "$code")" = ok ]
ok "dave logs in after the reload"

# --- the enrolment code is no login code: ENROLL_SEND by hand (the client
# prints the whole id), then that id and code in a login's VERIFY.
ctl_frame() {  # ctl_frame OP ARG: a PROTO_CTL_REQ frame in hex
	python3 -c 'import struct, sys
op = int(sys.argv[1]); a = sys.argv[2].encode()
body = bytes([1, 6]) + struct.pack(">I", op) + struct.pack(">I", len(a)) + a
sys.stdout.write((struct.pack(">I", len(body)) + body).hex())' "$1" "$2"
}
n=$(outbox_count)
out=$("$CLIENT" -u "$(daemon_user)" -s "$SOCKET" rawid "$(ctl_frame 11 '+447700900556 frank')")
eid=${out%% *}
ecode=$(code_after "$n")
[ ${#eid} -eq 32 ]
ok "ENROLL_SEND answers a challenge id ($out)"
r=$(C verify "$eid" frank "$ecode" 2>&1)
[ "$r" != ok ]
ok "the enrolment code does not log frank in ($r)"
r=$(C verify "$eid" '+447700900556 frank' "$ecode" 2>&1)
[ "$r" != ok ]
ok "nor under the enrolment key as a user name ($r)"
! grep -q frank "$USERS"
ok "an enrolment not typed back writes nothing"

# --- a wrong code: nothing written
cp "$USERS" "$TESTDIR/before"
n=$(outbox_count)
out=$( (c=$(code_after "$n"); wrong "$c"; wrong "$((c + 1))"; wrong "$((c + 2))") | ctl enroll gina +447700900557 2>&1)
[ $? -ne 0 ] && cmp -s "$TESTDIR/before" "$USERS"
ok "wrong codes: enroll fails and users_file is unchanged"
echo "$out" | grep -q 'wrong code'
ok "wrong codes are reported"

# --- remove: the entry goes, comments and the rest stay
ctl remove bob >/dev/null 2>&1
ok "remove bob"
cat > "$TESTDIR/want" <<'YAML'
# otpsms users: kept by hand and by otpsmsctl
---
alice: "+447700900123"   # alice's phone
# bob has two
'carol.x': ["+33612345678", "+33612345679"]
  # a comment indented

erin: +447700900999
dave: "+447700900555"
...
YAML
diff -u "$TESTDIR/want" "$USERS" >&2
ok "users_file: bob's entry (an indentless sequence) gone, the rest as it was"
r=$(C challenge bob sshd 2>&1)
echo "$r" | grep -q '^error 4 ' 
ok "bob has no number after the reload ($r)"
! ctl remove bob >/dev/null 2>&1
ok "removing a user not in users_file fails"

# --- enroll replaces an existing user's entry in place (quoted key)
n=$(outbox_count)
( code_after "$n" ) | ctl enroll carol.x +33612345670 >/dev/null 2>&1
ok "re-enroll carol.x"
grep -q '^carol.x: "+33612345670"$' "$USERS" && ! grep -q 33612345678 "$USERS" &&
    [ "$(sed -n 5p "$USERS")" = 'carol.x: "+33612345670"' ]
ok "carol.x's entry replaced where it was"

# --- limits apply: per_number 3/1h
n=$(outbox_count)
( code_after "$n" ) | ctl enroll hank +447700900558 >/dev/null 2>&1
( code_after "$((n + 1))" ) | ctl enroll hank2 +447700900558 >/dev/null 2>&1
( code_after "$((n + 2))" ) | ctl enroll hank4 +447700900558 >/dev/null 2>&1
cp "$USERS" "$TESTDIR/before"
out=$(echo 123456 | ctl enroll hank3 +447700900558 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q 'rate limited' && cmp -s "$TESTDIR/before" "$USERS"
ok "per_number limits the enrolment codes ($out)"

# --- not root
out=$(echo 123456 | setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -c "$CFG" -s "$SOCKET" enroll ivan +447700900559 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q 'run as root'
ok "not root: refused ($out)"

# --- change-number: through sudo's variables, both numbers proved
n=$(outbox_count)
useradd_done=
if ! getent passwd otpsmsenr >/dev/null; then
	useradd -M -s /bin/false otpsmsenr 2>/dev/null && useradd_done=1
	at_cleanup 'userdel otpsmsenr 2>/dev/null'
fi
if getent passwd otpsmsenr >/dev/null; then
	n=$(outbox_count)
	( code_after "$n" ) | ctl enroll otpsmsenr +447700900560 >/dev/null 2>&1
	ok "enroll otpsmsenr"
	n=$(outbox_count)
	out=$( (c1=$(code_after "$n"); echo "$c1"; code_after "$((n + 1))") |
	    SUDO_USER=otpsmsenr SUDO_UID=$(id -u otpsmsenr) ctl change-number +447700900561 2>&1)
	ok "change-number with both codes: $out"
	tail -n 2 "$OUTBOX" | head -n 1 | grep -q '"to":"+447700900560"' &&
	    tail -n 1 "$OUTBOX" | grep -q '"to":"+447700900561"'
	ok "the first code went to the old number, the second to the new"
	grep -q '^otpsmsenr: "+447700900561"$' "$USERS"
	ok "users_file holds the new number"
	n=$(outbox_count)
	out=$( (c1=$(code_after "$n"); wrong "$c1"; wrong "$c1"; wrong "$c1") |
	    SUDO_USER=otpsmsenr SUDO_UID=$(id -u otpsmsenr) ctl change-number +447700900562 2>&1)
	[ $? -ne 0 ] && grep -q '^otpsmsenr: "+447700900561"$' "$USERS" &&
	    [ "$(outbox_count)" -eq $((n + 1)) ]
	ok "change-number without the old number's code: nothing sent to the new one, nothing written"
	out=$(echo 1 | ctl change-number +447700900563 2>&1)
	[ $? -ne 0 ] && echo "$out" | grep -q sudo
	ok "change-number outside sudo is refused"
else
	diag "no useradd: change-number not tested"
fi
: "$useradd_done"

# --- no users_file: refused with the fix
sed 's/^users_file:.*/users: { alice: "+447700900123" }/' "$CFG" > "$TESTDIR/inline.yaml"
out=$(echo 1 | "$CTL" -c "$TESTDIR/inline.yaml" -s "$SOCKET" enroll zed +447700900570 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q 'users_file'
ok "users inline: refused, naming users_file ($out)"
grep -v '^users_file:' "$CFG" > "$TESTDIR/none.yaml"
out=$(echo 1 | "$CTL" -c "$TESTDIR/none.yaml" -s "$SOCKET" enroll zed +447700900570 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q 'set users_file'
ok "no users_file: refused with the fix ($out)"

stop_daemon
done_testing
