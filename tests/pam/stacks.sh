#!/bin/sh
# pam_otpsms through real libpam (pam_start_confdir) against a real otpsmsd,
# and against fake daemons that misbehave. Every case asserts the exact code
# pam_authenticate() returns; then three stack shapes (required, sufficient,
# [success=1 default=ignore]) show that the right code authenticates and that
# no error path does.
. "$top_srcdir/tests/lib.sh"

PAMTEST="$top_builddir/tests/pam/pamtest"
[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -f "$PAM_MODULE" ] || skip_all "pam_otpsms.so not built"
[ -x "$PAMTEST" ] || skip_all "pamtest not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
    /lib/security /usr/lib/security /lib64/security /usr/lib64/security; do
	if [ -f "$d/pam_deny.so" ] && [ -f "$d/pam_permit.so" ]; then
		PAM_SYSDIR=$d
		break
	fi
done
[ -n "${PAM_SYSDIR:-}" ] || skip_all "pam_deny.so/pam_permit.so not found"
DENY=$PAM_SYSDIR/pam_deny.so
PERMIT=$PAM_SYSDIR/pam_permit.so

make_testdir
CONF=$TESTDIR/pam.d
mkdir -p "$CONF"
DU=$(daemon_user)

# The name service pamtest's module sees (tests/pam/nss_shim.c): alice and
# carol are accounts, known also by aliases, as sssd or winbind resolve
# "Alice" or "alice@example.com"; bob and mallory are unknown to the system;
# a lookup of "nssdown" fails (EIO). Other names go to the real NSS.
cat > "$TESTDIR/nss" <<'EOF'
alice alice 5001 5001
Alice alice 5001 5001
alice@example.com alice 5001 5001
carol carol 5003 5003
Carol carol 5003 5003
nssdown ! 5
EOF
OTPSMS_TEST_NSS=$TESTDIR/nss
export OTPSMS_TEST_NSS

# The main daemon: defaults (6 digits, 5 minutes, 3 attempts, a pending code
# reused for 2 minutes per user, service and caller), with a message that
# names the service so that the tests can tell whose code is whose.
# Limits and lockout (otpsmsd's own tests cover them) high enough never to
# get in the way of the dozens of logins here.
MESSAGE='message: "{code} is your code for {service}"
limits: {per_user: 1000000/1m, per_number: 1000000/1m, per_prefix: 1000000/1m, per_country: 1000000/1m, global: 1000000/1m, backoff_after: 0, pending: off}
lockout: {failures: 0}'
# dora has two numbers (the prompt offers the next one).
CONFIG_EXTRA_USERS='  dora: ["+447700900123", "+447700900456"]'
write_config "$TESTDIR/otpsmsd.yaml" "$MESSAGE"
start_daemon "$TESTDIR/otpsmsd.yaml"

# A second daemon on its own socket and outbox: codes live 30 s, one attempt.
SOCKET2=$TESTDIR/run/short.sock
OUTBOX2=$TESTDIR/spool/short.jsonl
write_config "$TESTDIR/short.yaml" "$MESSAGE
code: {ttl: 30s, max_attempts: 1}"
sed -i -e "s|^socket: .*|socket: $SOCKET2|" -e "s|path: .*|path: $OUTBOX2|" \
    "$TESTDIR/short.yaml"
${OTPSMSD_WRAPPER:-} "$OTPSMSD" -f -c "$TESTDIR/short.yaml" >"$TESTDIR/short.log" 2>&1 &
DAEMON2_PID=$!
at_cleanup 'kill $DAEMON2_PID 2>/dev/null; wait $DAEMON2_PID 2>/dev/null'

# code USER SERVICE OUTBOX [wrong]: the newest code texted to USER for
# SERVICE; with "wrong", every digit plus one: a wrong answer of the right
# shape.
cat > "$TESTDIR/code" <<'EOF'
exec python3 - "$@" <<'PY'
import json, re, sys
user, service, outbox = sys.argv[1:4]
code = None
for line in open(outbox):
    m = json.loads(line)
    t = re.fullmatch(r"(\d{4,10}) is your code for (.*)", m["text"])
    if m.get("user") == user and t and t.group(2) == service:
        code = t.group(1)
if code is None:
    sys.exit(1)
if len(sys.argv) > 4:
    code = "".join(str((int(c) + 1) % 10) for c in code)
print(code)
PY
EOF
# Commands for pamtest -A: right USER SERVICE [OUTBOX], wrong likewise.
right() { echo "sh $TESTDIR/code $1 $2 ${3:-$OUTBOX}"; }
wrong() { echo "sh $TESTDIR/code $1 $2 ${3:-$OUTBOX} wrong"; }

# Fake daemons: each listens on run/MODE.sock and misbehaves in one way.
cat > "$TESTDIR/fake.py" <<'EOF'
import os, socket, struct, sys

mode, path = sys.argv[1], sys.argv[2]

def frame(version, typ, body=b""):
    return struct.pack(">IBB", 2 + len(body), version, typ) + body

def pstr(s):
    return struct.pack(">I", len(s)) + s

def error(code, retry, msg):
    return frame(1, 5, struct.pack(">II", code, retry) + pstr(msg))

challenge = frame(1, 2, b"\x01" * 16 + pstr("+44\u2022\u2022\u2022\u2022\u20220123".encode())
                  + struct.pack(">IIII", 300, 6, 0, 1))
replies = {
    "garbage": b"HTTP/1.0 200 OK\r\n\r\nthis is not a frame\n",
    "version": frame(2, 5, struct.pack(">II", 1, 0) + pstr(b"v2")),
    # A "verified" answer to a challenge request: must not pass.
    "badtype": frame(1, 4, struct.pack(">II", 0, 0)),
    # Announces 100 bytes, sends 10, closes.
    "truncated": struct.pack(">IBB", 100, 1, 2) + b"\0" * 8,
    # A valid challenge followed by bytes after the frame.
    "trailing": challenge + b"\0",
    "peer": challenge,
    "locked": error(11, 60, b"locked out"),
    "delivery": error(5, 0, b"no carrier accepted the message"),
    "number": error(9, 0, b"number cannot receive codes"),
    "numbercheck": error(13, 0, b"number check refused the number"),
    "backup": error(12, 0, b"number check: backup code required"),
    "internal": error(6, 0, b"\x1b[31mred\nnewline"),
}
# Answered at once, before the request is read, then closed: how otpsmsd
# turns away a caller that is not allowed or when it is busy.
at_once = {
    "denied": error(3, 0, b"caller not allowed"),
    "rate": error(10, 42, b"rate limited"),
}

def read_frame(c):
    data = b""
    c.settimeout(5)
    try:
        while True:
            if len(data) >= 4 and len(data) >= 4 + struct.unpack(">I", data[:4])[0]:
                return data
            chunk = c.recv(4096)
            if not chunk:
                return data
            data += chunk
    except OSError:
        return data

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
if mode == "peer":
    # The listener's credentials are taken at listen(): bind as root (the
    # socket file stays root's), listen as uid 1.
    os.setgroups([])
    os.setresgid(1, 1, 1)
    os.setresuid(1, 1, 1)
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    if mode == "mute":
        held.append(c)          # accept, never answer, never close
        continue
    if mode in at_once:
        c.sendall(at_once[mode])
        c.close()
        continue
    req = read_frame(c)
    typ = req[5] if len(req) > 5 else 0
    if mode == "verify-garbage":
        reply = challenge if typ == 1 else b"\xff" * 64
    elif mode == "verify-nouser":
        # The user vanished between the challenge and the verify.
        reply = challenge if typ == 1 else error(4, 0, b"no phone number for user")
    else:
        reply = replies[mode]
    try:
        c.sendall(reply)
    except OSError:
        pass
    c.close()
EOF
start_fake() {  # start_fake MODE [SOCKET]
	_sock=${2:-$TESTDIR/run/$1.sock}
	python3 "$TESTDIR/fake.py" "$1" "$_sock" 2>>"$TESTDIR/fake.log" &
	at_cleanup "kill $! 2>/dev/null"
	_i=0
	while [ ! -S "$_sock" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "fake daemon $1 did not start"
		sleep 0.05
	done
}
FAKES="garbage version badtype truncated trailing verify-garbage mute locked delivery number internal denied rate verify-nouser numbercheck backup"
for f in $FAKES; do start_fake "$f"; done

_i=0
while [ ! -S "$SOCKET2" ]; do
	_i=$((_i + 1))
	if [ $_i -gt 300 ] || ! kill -0 "$DAEMON2_PID" 2>/dev/null; then
		sed 's/^/# daemon2: /' "$TESTDIR/short.log"
		bail "second otpsmsd did not start"
	fi
	sleep 0.05
done

# Module arguments per variant.
args_for() {
	# prompts=1: one answer per authentication, its verdict as it is; the
	# conversation with several answers is tested further down.
	_a="daemon_user=$DU prompts=1"
	case $1 in
	live) echo "$_a socket=$SOCKET" ;;
	nullok) echo "$_a socket=$SOCKET nullok" ;;
	short) echo "$_a socket=$SOCKET2" ;;
	down) echo "$_a socket=$TESTDIR/run/missing.sock" ;;
	mute) echo "$_a socket=$TESTDIR/run/mute.sock timeout=2" ;;
	badopt) echo "$_a socket=$SOCKET bogus_option" ;;
	badtimeout) echo "$_a socket=$SOCKET timeout=0" ;;
	*) echo "$_a socket=$TESTDIR/run/$1.sock" ;;
	esac
}
STACKS="required sufficient jump"
VARIANTS="live nullok short down mute badopt badtimeout owner peer $FAKES"
for st in $STACKS; do
	for v in $VARIANTS; do
		m="$PAM_MODULE $(args_for "$v")"
		case $st in
		required) printf 'auth required %s\n' "$m" ;;
		sufficient) printf 'auth sufficient %s\nauth required %s\n' "$m" "$DENY" ;;
		jump) printf 'auth [success=1 default=ignore] %s\nauth requisite %s\nauth required %s\n' \
		    "$m" "$DENY" "$PERMIT" ;;
		esac > "$CONF/$st-$v"
	done
done

printf 'auth required %s %s nullok\n' "$PAM_MODULE" "$(args_for verify-nouser)" \
    > "$CONF/nullok-verify-nouser"

# The probe shows what the module itself returned: PAM_IGNORE jumps over
# pam_deny to PAM_SUCCESS, anything else ends the stack with that code.
for v in live nullok; do
	printf 'auth [ignore=1 default=die] %s %s\nauth requisite %s\nauth required %s\n' \
	    "$PAM_MODULE" "$(args_for $v)" "$DENY" "$PERMIT" > "$CONF/probe-$v"
done

# pamrun SERVICE USER PAMTEST-ARGS...: $RES is the code's name; the prompts
# and messages are in $TESTDIR/err.
pamrun() {
	_svc=$1 _usr=$2
	shift 2
	RES=$("$PAMTEST" -d "$CONF" -s "$_svc" -u "$_usr" "$@" 2>"$TESTDIR/err" | tail -n 1)
	# With --enable-sanitizers the module runs under ASan/UBSan in pamtest.
	if grep -q 'Sanitizer\|runtime error:' "$TESTDIR/err"; then
		echo "== $_svc $_usr" >> "$TESTDIR/san.log"
		cat "$TESTDIR/err" >> "$TESTDIR/san.log"
	fi
}
expect() {  # expect WANT DESCRIPTION
	is "$RES" "$1" "$2"
	[ "$RES" = "$1" ] || sed 's/^/#   stderr: /' "$TESTDIR/err"
}
refused() {  # refused DESCRIPTION: anything but success (and not empty)
	[ -n "$RES" ] && [ "$RES" != PAM_SUCCESS ]
	ok "$1 (got ${RES:-nothing})"
}
saw() { grep -qF -- "$1" "$TESTDIR/err"; ok "$2"; }
elapsed_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
daemon_verifies() { grep -cE 'verified|wrong code|expired' "$TESTDIR/otpsmsd.log"; }

# Expiry runs in the background while the rest goes on: the "user" reads the
# code when the prompt arrives and types it 31 s later.
"$PAMTEST" -d "$CONF" -s required-short -u alice \
    -A "c=\$($(right alice required-short "$OUTBOX2")); sleep 31; echo \$c" \
    2>"$TESTDIR/ttl.err" | tail -n 1 > "$TESTDIR/ttl.res" &
TTL_JOB=$!

diag "the required stack, one case each"
n0=$(outbox_count)
pamrun required-live alice -A "$(right alice required-live)"
expect PAM_SUCCESS "right code: PAM_SUCCESS"
is "$(outbox_count)" $((n0 + 1)) "one text sent"
saw "prompt: Code sent to +44•••••0123. Verification code: " \
    "one prompt, with the masked number from the daemon"
used=$($(right alice required-live))

n0=$(outbox_count)
pamrun required-live alice -a "$used"
expect PAM_AUTH_ERR "the same right code a second time: PAM_AUTH_ERR"
is "$(outbox_count)" $((n0 + 1)) "a verified code is not reused: a new one was sent"

n0=$(outbox_count)
pamrun required-live alice -A "$(right alice required-live)"
expect PAM_SUCCESS "a retry gets the pending code: PAM_SUCCESS"
saw "prompt: Code sent earlier to +44•••••0123. Verification code: " \
    "and says it was sent earlier (PROTO_CF_REUSED)"
is "$(outbox_count)" "$n0" "no second text"

pamrun required-live alice -r 192.0.2.7 -A "$(right alice required-live)"
expect PAM_SUCCESS "with a remote host"
grep -q 'rhost=192.0.2.7' "$TESTDIR/otpsmsd.log"
ok "the daemon got PAM_RHOST"

pamrun required-live bob -A "$(wrong bob required-live)"
expect PAM_AUTH_ERR "wrong code: PAM_AUTH_ERR"
saw "prompt: Code sent to +15•••••2661. Verification code: " "bob's number masked"
saw "error: Wrong code." "the user is told"

pamrun required-live alice -A "echo \"  \$($(right alice required-live))	 \""
expect PAM_SUCCESS "surrounding whitespace is stripped"

# Answers that cannot be codes are refused by the module: six of them use
# none of the pending code's three attempts.
v0=$(daemon_verifies)
[ "$v0" -gt 0 ]
ok "the daemon logs its verifies ($v0 so far)"
for a in "12ab" "" "   " "123456789012345678901234567890123" "+123456" "１２３４５６"; do
	pamrun required-live alice -a "$a"
	expect PAM_AUTH_ERR "answer \"$a\" is not a code: PAM_AUTH_ERR"
done
is "$(daemon_verifies)" "$v0" "answers that are not codes never reach the daemon"
pamrun required-live alice -A "$(right alice required-live)"
expect PAM_SUCCESS "and the pending code still works after six of them"

# Three wrong answers to one pending code: the third is the last attempt.
pamrun required-live bob -A "$(right bob required-live)"
expect PAM_SUCCESS "bob's pending code (one attempt used) verifies"
pamrun required-live bob -A "$(wrong bob required-live)"
r1=$RES
pamrun required-live bob -A "$(wrong bob required-live)"
r2=$RES
pamrun required-live bob -A "$(wrong bob required-live)"
is "$r1 $r2 $RES" "PAM_AUTH_ERR PAM_AUTH_ERR PAM_MAXTRIES" \
    "three wrong answers: PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_MAXTRIES"
saw "error: Wrong code; no attempts left." "the user is told"
burned=$($(right bob required-live))
n0=$(outbox_count)
pamrun required-live bob -a "$burned"
expect PAM_AUTH_ERR "then the right code fails: PAM_AUTH_ERR"
is "$(outbox_count)" $((n0 + 1)) "a burned code is not reused: a new one was sent"

# With max_attempts 1 the first wrong answer is the last one.
pamrun required-short bob -A "$(wrong bob required-short "$OUTBOX2")"
expect PAM_MAXTRIES "last attempt wrong (max_attempts 1): PAM_MAXTRIES"
burned=$($(right bob required-short "$OUTBOX2"))
pamrun required-short bob -a "$burned"
expect PAM_MAXTRIES "then the burned code fails (a wrong answer to the new one): PAM_MAXTRIES"

pamrun required-live carol -a 123456
expect PAM_USER_UNKNOWN "user without a number: PAM_USER_UNKNOWN"
pamrun probe-live carol -a 123456
expect PAM_USER_UNKNOWN "probe: the module itself returns PAM_USER_UNKNOWN"
pamrun probe-nullok carol -a 123456
expect PAM_SUCCESS "user without a number, nullok: the module returns PAM_IGNORE (probe)"
pamrun required-nullok carol -a 123456
expect PAM_PERM_DENIED "so a stack of nothing but pam_otpsms nullok is PAM_PERM_DENIED"
pamrun required-nullok alice -A "$(right alice required-nullok)"
expect PAM_SUCCESS "nullok changes nothing for a user with a number"
pamrun required-nullok alice -A "$(wrong alice required-nullok)"
expect PAM_AUTH_ERR "nor for a wrong code"

pamrun required-down alice -a 123456
expect PAM_AUTHINFO_UNAVAIL "daemon down (no socket): PAM_AUTHINFO_UNAVAIL"
saw "error: SMS verification is unavailable; try again later." \
    "the user is told it is unavailable"
t0=$(date +%s%N)
pamrun required-mute alice -a 123456
ms=$(elapsed_ms "$t0")
expect PAM_AUTHINFO_UNAVAIL "daemon mute: PAM_AUTHINFO_UNAVAIL"
[ "$ms" -ge 1800 ] && [ "$ms" -lt 5000 ]
ok "after the 2 s timeout (${ms} ms)"
for f in garbage version badtype truncated trailing verify-garbage internal denied; do
	pamrun "required-$f" alice -a 123456
	expect PAM_AUTHINFO_UNAVAIL "fake daemon \"$f\": PAM_AUTHINFO_UNAVAIL"
done
pamrun required-delivery alice -a 123456
expect PAM_AUTHINFO_UNAVAIL "no carrier delivered: PAM_AUTHINFO_UNAVAIL"
saw "error: No carrier could deliver the code." "and the user is told"
pamrun required-number alice -a 123456
expect PAM_AUTHINFO_UNAVAIL "number cannot receive codes: PAM_AUTHINFO_UNAVAIL"
saw "error: Your phone number cannot receive codes; contact your administrator." \
    "and the user is told"
# number_checks refused the number (NUMBER_CHECK): refused, and told why.
pamrun required-numbercheck alice -a 123456
expect PAM_AUTH_ERR "numbercheck: PAM_AUTH_ERR, not unavailable"
saw "error: This number cannot receive codes now; use a backup code or call the helpdesk." \
    "numbercheck: and the user is told"
# The daemon wants a backup code (BACKUP_REQUIRED): the module asks for one;
# an answer that is not one is refused without asking the daemon.
pamrun required-backup alice -a 123456
expect PAM_AUTH_ERR "backup: PAM_AUTH_ERR, not unavailable"
saw "prompt: A backup code is required. Backup code: " "backup: asked for a backup code"
saw "error: A backup code is required." "backup: and the user is told"
pamrun required-rate alice -a 123456
expect PAM_AUTH_ERR "rate limited (answered before the request was read): PAM_AUTH_ERR"
saw "error: Too many codes requested; try again in 42 seconds." \
    "and the user is told when to retry"
pamrun required-locked alice -a 123456
expect PAM_AUTH_ERR "locked out: PAM_AUTH_ERR"
saw "error: Too many failed attempts; locked out for 60 seconds, until " \
    "and the user is told when to retry"
pamrun required-verify-nouser alice -a 123456
expect PAM_USER_UNKNOWN "no number at verify time: PAM_USER_UNKNOWN"
pamrun nullok-verify-nouser alice -a 123456
expect PAM_USER_UNKNOWN "even with nullok: a code was sent, so never PAM_IGNORE"

diag "canonical names: the module asks for the name NSS gives (pw_name)"
for u in Alice alice@example.com; do
	pamrun required-live "$u" -A "$(right alice required-live)"
	expect PAM_SUCCESS "$u (an alias of alice): a code to alice's number verifies"
	saw "prompt: Code sent" "$u: asked for the code"
	pamrun probe-nullok "$u" -a 000000
	refused "$u under nullok, alice enrolled: not skipped (no PAM_IGNORE)"
	saw "+44•••••0123. Verification code: " "$u under nullok: the code goes to alice's number"
done
! grep -q 'user=Alice\|user=alice@' "$TESTDIR/otpsmsd.log"
ok "the daemon was only ever asked about alice, never an alias"
pamrun probe-nullok Carol -a 000000
expect PAM_SUCCESS "Carol (alias of carol, no number) under nullok: PAM_IGNORE (probe)"
pamrun probe-nullok mallory -a 000000
expect PAM_USER_UNKNOWN "a name unknown to the system and the daemon under nullok: PAM_USER_UNKNOWN, not PAM_IGNORE"
pamrun required-nullok mallory -a 000000
expect PAM_USER_UNKNOWN "and so in a stack of the module alone"
pamrun required-nullok bob -A "$(right bob required-nullok)"
expect PAM_SUCCESS "a name unknown to the system but enrolled (a VPN's own users) is still asked, and verifies"
pamrun probe-nullok nssdown -a 000000
expect PAM_AUTHINFO_UNAVAIL "the name service failing: PAM_AUTHINFO_UNAVAIL, never PAM_IGNORE"

if is_root; then
	# A socket owned by someone else is not even connected to.
	start_fake mute "$TESTDIR/run/owner.sock"
	chown 1 "$TESTDIR/run/owner.sock"
	t0=$(date +%s%N)
	pamrun required-owner alice -a 123456
	ms=$(elapsed_ms "$t0")
	expect PAM_AUTHINFO_UNAVAIL "socket owned by another user: PAM_AUTHINFO_UNAVAIL"
	[ "$ms" -lt 1500 ]
	ok "refused before connecting (${ms} ms)"
	start_fake peer
	pamrun required-peer alice -a 123456
	expect PAM_AUTHINFO_UNAVAIL "root's socket, served by another uid (SO_PEERCRED): PAM_AUTHINFO_UNAVAIL"
else
	for i in 1 2 3; do pass "# SKIP socket owner and peer checks need root"; done
fi

pamrun required-badopt alice -a 123456
expect PAM_SERVICE_ERR "unknown module option: PAM_SERVICE_ERR"
pamrun required-badtimeout alice -a 123456
expect PAM_SERVICE_ERR "timeout=0: PAM_SERVICE_ERR"

n0=$(outbox_count)
pamrun required-live alice -n
expect PAM_CONV_ERR "NULL conversation function: PAM_CONV_ERR"
is "$(outbox_count)" "$n0" "and no text was sent"
pamrun required-live alice
expect PAM_CONV_ERR "conversation that fails: PAM_CONV_ERR"

diag "stacks: the right code passes, no error path does"
for st in $STACKS; do
	pamrun "$st-live" alice -A "$(right alice "$st-live")"
	expect PAM_SUCCESS "$st: right code authenticates"
	pamrun "$st-live" alice -A "$(wrong alice "$st-live")"
	refused "$st: wrong code does not"
	pamrun "$st-live" alice -a "not-a-code"
	refused "$st: an answer that is not a code does not"
	pamrun "$st-live" carol -a 123456
	refused "$st: no number does not"
	pamrun "$st-nullok" carol -a 123456
	refused "$st: no number with nullok does not"
	pamrun "$st-live" alice -n
	refused "$st: NULL conversation does not"
	pamrun "$st-badopt" alice -a 123456
	refused "$st: unknown option does not"
	for v in down $FAKES; do
		pamrun "$st-$v" alice -a 123456
		refused "$st: daemon $v does not"
	done
	if is_root; then
		pamrun "$st-owner" alice -a 123456
		refused "$st: socket owned by another user does not"
		pamrun "$st-peer" alice -a 123456
		refused "$st: socket served by another uid does not"
	fi
done

diag "the conversation: several answers, resend, fallback, prompt, echo"
# A queue of answers for one authentication: each prompt takes the next line
# of $TESTDIR/queue: RIGHT or WRONG (the newest code texted to $Q_USER for
# $Q_SVC), or the line itself.
cat > "$TESTDIR/next" <<EOF2
a=\$(head -n 1 "$TESTDIR/queue"); sed -i 1d "$TESTDIR/queue"
case "\$a" in
RIGHT) exec sh "$TESTDIR/code" "\$Q_USER" "\$Q_SVC" "$OUTBOX" ;;
WRONG) exec sh "$TESTDIR/code" "\$Q_USER" "\$Q_SVC" "$OUTBOX" wrong ;;
*) printf '%s\n' "\$a" ;;
esac
EOF2
# qrun SERVICE USER ANSWER...: one authentication answered from the queue.
qrun() {
	_svc=$1 _usr=$2
	shift 2
	printf '%s\n' "$@" > "$TESTDIR/queue"
	Q_USER=$_usr Q_SVC=$_svc pamrun "$_svc" "$_usr" -A "sh $TESTDIR/next"
}
prompts_seen() { grep -c '^prompt' "$TESTDIR/err"; }
codes_for() {  # the codes texted to USER for SERVICE, one per line
	python3 - "$1" "$2" "$OUTBOX" <<'PY'
import json, re, sys
for line in open(sys.argv[3]):
    m = json.loads(line)
    t = re.fullmatch(r"(\d{4,10}) is your code for (.*)", m["text"])
    if m.get("user") == sys.argv[1] and t and t.group(2) == sys.argv[2]:
        print(t.group(1))
PY
}
M="$PAM_MODULE daemon_user=$DU socket=$SOCKET"
printf 'auth required %s\n' "$M" > "$CONF/conv"
printf 'auth required %s prompts=2\n' "$M" > "$CONF/conv2"
printf 'auth required %s [prompt=Your SMS code: ]\n' "$M" > "$CONF/conv-prompt"
printf 'auth required %s echo prompts=1\n' "$M" > "$CONF/conv-echo"

qrun conv bob RIGHT
expect PAM_SUCCESS "default prompts=3: right code first"
saw "prompt: Code sent to +15•••••2661 (Enter: resend). Verification code: " \
    "the prompt offers a resend (the file carrier sends SMS only)"
qrun conv bob WRONG WRONG RIGHT
expect PAM_SUCCESS "wrong, wrong, right in one authentication: PAM_SUCCESS"
is "$(prompts_seen)" 3 "three prompts"
is "$(grep -c 'error: Wrong code.' "$TESTDIR/err")" 2 "told twice it was wrong"
saw "prompt: Code sent to +15•••••2661. Verification code: " \
    "the last prompt offers no resend (no answer would be left for the code)"
qrun conv bob WRONG 12ab WRONG
expect PAM_MAXTRIES "three answers without the code: PAM_MAXTRIES"
qrun conv2 bob WRONG WRONG
expect PAM_MAXTRIES "prompts=2: two wrong answers: PAM_MAXTRIES"
is "$(prompts_seen)" 2 "prompts=2: two prompts"

# Resend: the same code again, attempts not reset.
n0=$(outbox_count)
qrun conv alice WRONG "" RIGHT
expect PAM_SUCCESS "wrong, empty answer (resend), right: PAM_SUCCESS"
is "$(outbox_count)" $((n0 + 2)) "the resend texted again"
c=$(codes_for alice conv | tail -n 2 | sort -u | wc -l)
is "$c" 1 "the same code both times"
saw "prompt: Code sent again to +44•••••0123. Verification code: " \
    "the prompt after a resend says it was sent again"
grep -q 'resend: user=alice service=conv .*channel=sms attempts_left=2' "$TESTDIR/otpsmsd.log"
ok "daemon audit: resend on SMS, the wrong answer's attempt still counted"
n0=$(outbox_count)
qrun conv alice r R RIGHT
expect PAM_SUCCESS "r and R resend too"
is "$(outbox_count)" $((n0 + 3)) "a new code, then two resends"
qrun conv alice v RIGHT
expect PAM_SUCCESS "v without a voice carrier: told, and the code still works"
saw "error: A voice call is not available." "the user is told voice is not available"
qrun conv alice w RIGHT
saw "error: WhatsApp is not available." "and WhatsApp"
printf 'auth required %s prompts=1\n' "$M" > "$CONF/conv1"
qrun conv1 alice ""
expect PAM_AUTH_ERR "prompts=1: an empty answer is no resend (no answer left): PAM_AUTH_ERR"
saw "prompt: Code sent to +44•••••0123. Verification code: " "and no resend is offered"

qrun conv-prompt alice RIGHT
expect PAM_SUCCESS "prompt= with PAM's bracket syntax"
saw "prompt: Code sent to +44•••••0123 (Enter: resend). Your SMS code: " \
    "the prompt ends with the text given"
qrun conv-echo alice RIGHT
expect PAM_SUCCESS "echo"
saw "prompt-echo: Code sent to +44•••••0123. Verification code: " \
    "echo: the prompt is PAM_PROMPT_ECHO_ON"

diag "several numbers: n at the prompt"
qrun conv dora n RIGHT
expect PAM_SUCCESS "n, then the code sent to the second number: PAM_SUCCESS"
saw "prompt: Code sent to +44•••••0123 (Enter: resend, n: next number). Verification code: " \
    "the first prompt offers the next number"
saw "prompt: Code sent to +44•••••0456 (Enter: resend). Verification code: " \
    "the next prompt names the second number, masked, and offers no third"
last_to=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["to"])' "$OUTBOX")
is "$last_to" "+447700900456" "the code went to the second number"
grep -q 'code sent: user=dora service=conv .*to=+44•••••0456' "$TESTDIR/otpsmsd.log"
ok "daemon audit: sent to the second number"
qrun conv dora n n RIGHT
expect PAM_SUCCESS "n twice: told there is no other number, the code still works"
saw "error: There is no other number to send the code to." "told there is no third number"
qrun conv bob n RIGHT
expect PAM_SUCCESS "one number: n is refused locally, the code still works"
saw "error: There is no other number to send the code to." "bob is told he has no other number"

diag "who is asked: groups, trusted networks"
# Real system accounts (root in group root, daemon in group daemon) with
# numbers in the daemon's list (added by the second write below).
G="$M prompts=1"
for spec in "only-root only_groups=root" "only-two only_groups=nogroup,root" \
    "skip-root skip_groups=root" "only-bogus only_groups=root,otpsms-no-such-group" \
    "skip-bogus skip_groups=otpsms-no-such-group" \
    "nets trusted_nets=10.0.0.0/8,192.0.2.0/24,fd00::/8" \
    "nets-host trusted_nets=127.0.0.1" "nets-bad trusted_nets=10.1.2.3/8" \
    "nets-name trusted_nets=localhost"; do
	set -- $spec
	printf 'auth [ignore=1 default=die] %s %s\nauth requisite %s\nauth required %s\n' \
	    "$G" "$2" "$DENY" "$PERMIT" > "$CONF/probe-$1"
done
stop_daemon
CONFIG_EXTRA_USERS='  root: "+447700900555"
  daemon: "+447700900556"'
write_config "$TESTDIR/otpsmsd.yaml" "$MESSAGE"
start_daemon "$TESTDIR/otpsmsd.yaml"
# (probe: PAM_SUCCESS means the module returned PAM_IGNORE.)
pamrun probe-only-root daemon -a 000000
expect PAM_SUCCESS "only_groups=root: daemon (not a member) is ignored"
pamrun probe-only-root root -a 000000
refused "only_groups=root: root is asked"
saw "prompt: Code sent" "only_groups=root: root is asked for the code"
pamrun probe-only-two root -a 000000
refused "only_groups=nogroup,root: root is asked"
saw "prompt: Code sent" "only_groups=nogroup,root: root is asked for the code"
pamrun probe-skip-root root -a 000000
expect PAM_SUCCESS "skip_groups=root: root is ignored"
pamrun probe-skip-root daemon -a 000000
refused "skip_groups=root: daemon is asked"
saw "prompt: Code sent" "skip_groups=root: daemon is asked for the code"
pamrun probe-only-root bob -a 000000
expect PAM_USER_UNKNOWN "only_groups: a user unknown to the system is not ignored"
pamrun probe-only-bogus root -a 000000
expect PAM_SERVICE_ERR "only_groups with a group that does not exist: PAM_SERVICE_ERR"
pamrun probe-skip-bogus daemon -a 000000
expect PAM_SERVICE_ERR "skip_groups with a group that does not exist: PAM_SERVICE_ERR"
for h in 10.1.2.3 192.0.2.200 fd12:3456::1 ::ffff:10.9.9.9; do
	pamrun probe-nets alice -r "$h" -a 000000
	expect PAM_SUCCESS "trusted_nets: $h is inside, ignored"
done
for h in 11.0.0.1 192.0.3.1 fe80::1 ::1 127.0.0.1 10.0.0.1.example.com; do
	pamrun probe-nets alice -r "$h" -a 000000
	refused "trusted_nets: $h is outside: not ignored"
	saw "prompt: Code sent" "trusted_nets: $h is outside: asked for the code"
done
pamrun probe-nets alice -a 000000
refused "trusted_nets: no remote host: not ignored"
saw "prompt: Code sent" "trusted_nets: no remote host: asked for the code"
pamrun probe-nets-host alice -r 127.0.0.1 -a 000000
expect PAM_SUCCESS "trusted_nets=127.0.0.1: one host"
pamrun probe-nets-name alice -r localhost -a 000000
expect PAM_SERVICE_ERR "trusted_nets=localhost: a name is not a net (PAM_SERVICE_ERR)"
pamrun probe-nets-bad alice -r 10.1.2.3 -a 000000
expect PAM_SERVICE_ERR "trusted_nets=10.1.2.3/8: host bits set, refused"

diag "stacks where PAM_IGNORE is right (and one where it is not)"
# pam_permit stands for a password module that accepted, pam_deny for one
# that refused. The exempt user is root (skip_groups=root).
X="$G skip_groups=root"
mk() { cat > "$CONF/$1"; }
printf 'auth required %s\nauth required %s\n' "$PERMIT" "$X" | mk ign-req-pw-ok
printf 'auth required %s\nauth required %s\n' "$DENY" "$X" | mk ign-req-pw-bad
printf 'auth sufficient %s\nauth required %s\n' "$X" "$DENY" | mk ign-suff
printf 'auth [success=1 default=ignore] %s\nauth requisite %s\nauth required %s\n' \
    "$X" "$DENY" "$PERMIT" | mk ign-jump
printf 'auth [success=done new_authtok_reqd=done ignore=ignore default=die] %s\nauth required %s\n' \
    "$X" "$PERMIT" | mk ign-done-pw-ok
printf 'auth [success=done new_authtok_reqd=done ignore=ignore default=die] %s\nauth required %s\n' \
    "$X" "$DENY" | mk ign-done-pw-bad
# The unsafe one: the module alone in front of a module that always passes.
printf 'auth required %s\nauth required %s\n' "$X" "$PERMIT" | mk ign-unsafe
pamrun ign-req-pw-ok root -a x
expect PAM_SUCCESS "required after the password: exempt user passes on the password"
pamrun ign-req-pw-bad root -a x
expect PAM_AUTH_ERR "required after the password: exempt user with a bad password fails"
pamrun ign-req-pw-ok daemon -A "$(right daemon ign-req-pw-ok)"
expect PAM_SUCCESS "required after the password: others give the code"
pamrun ign-req-pw-ok daemon -a 12ab
refused "required after the password: others without the code fail"
pamrun ign-suff root -a x
expect PAM_AUTH_ERR "sufficient + pam_deny: exempt user is not let in"
pamrun ign-jump root -a x
expect PAM_AUTH_ERR "[success=1 default=ignore]: exempt user lands on pam_deny"
pamrun ign-done-pw-ok root -a x
expect PAM_SUCCESS "[success=done ... ignore=ignore default=die]: exempt user goes on to the password"
pamrun ign-done-pw-bad root -a x
expect PAM_AUTH_ERR "... and a bad password still fails"
pamrun ign-done-pw-ok daemon -A "$(right daemon ign-done-pw-ok)"
expect PAM_SUCCESS "[success=done ...]: the code alone ends the stack with success"
pamrun ign-done-pw-ok daemon -a 12ab
expect PAM_AUTH_ERR "[success=done ... default=die]: a failure ends it"
pamrun ign-unsafe root -a x
expect PAM_SUCCESS "UNSAFE (documented): module + pam_permit lets an exempt user in with nothing"

diag "forward_pass, use_first_pass"
cat > "$TESTDIR/checkpw" <<'EOF2'
#!/bin/sh
# pam_exec expose_authtok: the token arrives on stdin, NUL-terminated.
tok=$(tr -d '\0')
[ "$tok" = "s3cret pass" ]
EOF2
chmod 755 "$TESTDIR/checkpw"
EXEC=$PAM_SYSDIR/pam_exec.so
if [ -f "$EXEC" ]; then
	printf 'auth requisite %s forward_pass\nauth required %s expose_authtok quiet %s\n' \
	    "$M" "$EXEC" "$TESTDIR/checkpw" | mk fwd
	cat > "$TESTDIR/fwdans" <<EOF2
c=\$(sh "$TESTDIR/code" alice fwd "$OUTBOX") && printf '%s\n' "\$1\$c"
EOF2
	pamrun fwd alice -A "sh $TESTDIR/fwdans 's3cret pass'"
	expect PAM_SUCCESS "forward_pass: password and code in one answer; the password reaches the next module"
	saw "Password followed by the code: " "forward_pass: the prompt asks for both"
	pamrun fwd alice -A "sh $TESTDIR/fwdans 'wrong pass'"
	refused "forward_pass: right code, wrong password: the next module refuses"
	pamrun fwd alice -a "s3cret pass000000"
	refused "forward_pass: right password, wrong code: refused"
else
	for i in 1 2 3 4; do pass "# SKIP pam_exec.so not found"; done
fi
# use_first_pass with no token from an earlier module: refused, no prompt.
printf 'auth required %s use_first_pass\n' "$M" | mk first
pamrun first bob -a 123456
expect PAM_AUTHTOK_RECOVERY_ERR "use_first_pass without PAM_AUTHTOK: PAM_AUTHTOK_RECOVERY_ERR"
! grep -q '^prompt' "$TESTDIR/err"
ok "use_first_pass: no prompt"
pamrun first bob -a 123456
expect PAM_AUTHTOK_RECOVERY_ERR "and again with the code pending"

# use_first_pass with a token: pam_exec expose_authtok is the earlier module
# (a real one, from Linux-PAM): it prompts "Password: ", stores the answer as
# PAM_AUTHTOK and feeds it to a command (readtok: reads it, succeeds). The
# answer is the newest code texted for the service, or 000000 before any.
cat > "$TESTDIR/readtok" <<'EOF2'
#!/bin/sh
cat >/dev/null
EOF2
chmod 755 "$TESTDIR/readtok"
cat > "$TESTDIR/tokans" <<EOF2
c=\$(sh "$TESTDIR/code" "\$1" "\$2" "$OUTBOX" \$4) || c=000000
printf '%s\n' "\$3\$c"
EOF2
# tok USER SERVICE [PASSWORD [wrong]]: pamtest -A command for that answer.
tok() { echo "sh $TESTDIR/tokans $1 $2 '${3:-}' ${4:-}"; }
if [ -f "$EXEC" ]; then
	printf 'auth requisite %s expose_authtok quiet %s\nauth required %s use_first_pass\n' \
	    "$EXEC" "$TESTDIR/readtok" "$M" | mk first-tok
	n0=$(outbox_count)
	pamrun first-tok alice -A "$(tok alice first-tok)"
	expect PAM_AUTH_ERR "use_first_pass, token typed before any code: PAM_AUTH_ERR"
	saw "prompt: Password: " "the earlier module (pam_exec) asked for the token"
	is "$(grep -c '^prompt' "$TESTDIR/err")" 1 "use_first_pass: pam_otpsms itself does not prompt"
	saw "error: Code sent to +44•••••0123. Enter it at the next prompt." \
	    "use_first_pass: the user is told the code was sent"
	is "$(outbox_count)" $((n0 + 1)) "use_first_pass: one text sent"
	v0=$(daemon_verifies)
	pamrun first-tok alice -A "$(tok alice first-tok)"
	expect PAM_SUCCESS "use_first_pass: the next try, PAM_AUTHTOK holds the pending code: PAM_SUCCESS"
	is "$(outbox_count)" $((n0 + 1)) "use_first_pass: the pending code was reused, no second text"
	is "$(daemon_verifies)" $((v0 + 1)) "use_first_pass: the daemon verified the token"
	pamrun first-tok alice -A "$(tok alice first-tok)"
	expect PAM_AUTH_ERR "use_first_pass: a used code is not reused, a new one is sent"
	pamrun first-tok alice -A "$(tok alice first-tok '' wrong)"
	expect PAM_AUTH_ERR "use_first_pass: a wrong code in PAM_AUTHTOK: PAM_AUTH_ERR"
	is "$(daemon_verifies)" $((v0 + 2)) "use_first_pass: and the daemon checked it"
	pamrun first-tok carol -A "$(tok carol first-tok)"
	expect PAM_USER_UNKNOWN "use_first_pass: user without a number: PAM_USER_UNKNOWN"

	# With forward_pass: the token is password then code; the password is
	# put back as PAM_AUTHTOK for the module after (checkpw wants exactly
	# "s3cret pass", so it fails unless the code was taken off).
	printf 'auth requisite %s expose_authtok quiet %s\nauth requisite %s use_first_pass forward_pass\nauth required %s expose_authtok quiet %s\n' \
	    "$EXEC" "$TESTDIR/readtok" "$M" "$EXEC" "$TESTDIR/checkpw" | mk first-fwd
	pamrun first-fwd alice -A "$(tok alice first-fwd 's3cret pass')"
	expect PAM_AUTH_ERR "use_first_pass forward_pass: first try texts the code: PAM_AUTH_ERR"
	pamrun first-fwd alice -A "$(tok alice first-fwd 's3cret pass')"
	expect PAM_SUCCESS "use_first_pass forward_pass: password and pending code: PAM_SUCCESS, the password reached the next module"
	pamrun first-fwd alice -A "$(tok alice first-fwd 's3cret pass')"    # a new code
	pamrun first-fwd alice -A "$(tok alice first-fwd 's3cret pass' wrong)"
	refused "use_first_pass forward_pass: right password, wrong code: refused"
	pamrun first-fwd alice -A "$(tok alice first-fwd 'wrong pass')"
	refused "use_first_pass forward_pass: right code, wrong password: the next module refuses"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do pass "# SKIP pam_exec.so not found"; done
fi

diag "conf=, debug"
if is_root; then
	# conf= must be root-owned and not group/world writable.
	cat > "$TESTDIR/pam_otpsms.conf" <<EOF2
# shared options, as in /etc/security/pam_otpsms.conf
socket=$SOCKET daemon_user=$DU
prompts=1
[prompt=Conf code: ]
EOF2
	chmod 644 "$TESTDIR/pam_otpsms.conf"
	printf 'auth required %s conf=%s\n' "$PAM_MODULE" "$TESTDIR/pam_otpsms.conf" | mk conf
	printf 'auth required %s [prompt=Line code: ] conf=%s\n' "$PAM_MODULE" \
	    "$TESTDIR/pam_otpsms.conf" | mk conf-over
	pamrun conf alice -A "$(right alice conf)"
	expect PAM_SUCCESS "conf=: socket, daemon_user and prompt from the file"
	saw "prompt: Code sent to +44•••••0123. Conf code: " "conf=: the file's prompt= (bracket syntax), prompts=1 (no resend offered)"
	pamrun conf alice -A "$(wrong alice conf)"
	expect PAM_AUTH_ERR "conf=: prompts=1 from the file: a wrong code is PAM_AUTH_ERR"
	pamrun conf-over alice -A "$(right alice conf-over)"
	expect PAM_SUCCESS "conf=: with an option on the line too"
	saw "Line code: " "conf=: the line's option wins, even written before conf="
	chmod 664 "$TESTDIR/pam_otpsms.conf"
	n0=$(outbox_count)
	pamrun conf alice -A "$(right alice conf)"
	expect PAM_SERVICE_ERR "conf=: a group-writable file: PAM_SERVICE_ERR"
	is "$(outbox_count)" "$n0" "conf=: and nothing is texted"
	chmod 644 "$TESTDIR/pam_otpsms.conf"
	ln -s "$TESTDIR/pam_otpsms.conf" "$TESTDIR/conf-link"
	printf 'auth required %s conf=%s\n' "$PAM_MODULE" "$TESTDIR/conf-link" | mk conf-link
	pamrun conf-link alice -A "$(right alice conf-link)"
	expect PAM_SERVICE_ERR "conf=: a symbolic link: PAM_SERVICE_ERR"
	echo "prompts=1 nulok" > "$TESTDIR/conf-typo"
	chmod 644 "$TESTDIR/conf-typo"
	printf 'auth required %s %s conf=%s\n' "$PAM_MODULE" "$(args_for live)" \
	    "$TESTDIR/conf-typo" | mk conf-typo
	pamrun conf-typo alice -A "$(right alice conf-typo)"
	expect PAM_SERVICE_ERR "conf=: a typo in the file: PAM_SERVICE_ERR"
else
	for i in 1 2 3 4 5 6 7 8 9; do pass "# SKIP conf= needs a root-owned file"; done
fi
printf 'auth required %s debug\n' "$M prompts=1" | mk debug
pamrun debug alice -A "$(right alice debug)"
expect PAM_SUCCESS "debug: the right code still authenticates"
pamrun debug alice -A "$(wrong alice debug)"
expect PAM_AUTH_ERR "debug: a wrong code is still refused"

diag "the first factor: requisite before the module (pam_otpsms(8), THE FIRST FACTOR)"
# A daemon of its own with the lockout on (2 wrong codes lock a user), and
# pam_deny standing for a wrong password. The corrected enrolment stack
# (requisite) must not text, prompt or count; the old shape (required) did,
# and two logins with a wrong password locked the user out.
SOCKET3=$TESTDIR/run/lock.sock
OUTBOX3=$TESTDIR/spool/lock.jsonl
write_config "$TESTDIR/lock.yaml" "$MESSAGE
lockout: {failures: 2, window: 15m, duration: 15m}"
sed -i -e "s|^socket: .*|socket: $SOCKET3|" -e "s|path: .*|path: $OUTBOX3|" \
    -e '/^lockout: { failures: 0 }$/d' -e '/^lockout: {failures: 0}$/d' \
    "$TESTDIR/lock.yaml"
${OTPSMSD_WRAPPER:-} "$OTPSMSD" -f -c "$TESTDIR/lock.yaml" >"$TESTDIR/lock.log" 2>&1 &
DAEMON3_PID=$!
at_cleanup 'kill $DAEMON3_PID 2>/dev/null; wait $DAEMON3_PID 2>/dev/null'
_i=0
while [ ! -S "$SOCKET3" ]; do
	_i=$((_i + 1))
	if [ $_i -gt 300 ] || ! kill -0 "$DAEMON3_PID" 2>/dev/null; then
		sed 's/^/# daemon3: /' "$TESTDIR/lock.log"
		bail "third otpsmsd did not start"
	fi
	sleep 0.05
done
L="$PAM_MODULE daemon_user=$DU socket=$SOCKET3 prompts=1"
printf 'auth requisite %s\nauth required %s nullok\n' "$DENY" "$L" | mk ff-requisite
printf 'auth [success=ok new_authtok_reqd=ok ignore=ignore default=die] %s\nauth required %s nullok\n' \
    "$DENY" "$L" | mk ff-die
printf 'auth required %s\nauth required %s nullok\n' "$DENY" "$L" | mk ff-required
printf 'auth required %s\n' "$L" | mk ff-code
out3() { [ -f "$OUTBOX3" ] && wc -l < "$OUTBOX3" || echo 0; }
for st in ff-requisite ff-die; do
	for i in 1 2 3; do
		pamrun "$st" alice -A "$(wrong alice "$st" "$OUTBOX3")"
		expect PAM_AUTH_ERR "$st: wrong first factor ($i): PAM_AUTH_ERR"
		! grep -q '^prompt' "$TESTDIR/err"
		ok "$st: wrong first factor ($i): no prompt, no number shown"
	done
done
is "$(out3)" 0 "a wrong first factor, six times: no text sent (outbox empty)"
pamrun ff-code alice -A "$(right alice ff-code "$OUTBOX3")"
expect PAM_SUCCESS "and alice is not locked out: her code verifies (lockout at 2 wrong codes)"
! grep -q 'locked out: user=alice' "$TESTDIR/lock.log"
ok "the daemon locked nobody out"
# The old shape, for contrast (what the test would see with required).
n0=$(out3)
pamrun ff-required bob -A "$(wrong bob ff-required "$OUTBOX3")"
pamrun ff-required bob -A "$(wrong bob ff-required "$OUTBOX3")"
[ "$(out3)" -gt "$n0" ]
ok "required (the old docs): a wrong first factor still texted bob"
pamrun ff-code bob -A "$(right bob ff-code "$OUTBOX3")"
expect PAM_AUTH_ERR "required (the old docs): two wrong passwords locked bob out"
saw "error: Too many failed attempts; locked out" "and bob is told he is locked out"

diag "waiting for the expiry case"
wait "$TTL_JOB"
RES=$(cat "$TESTDIR/ttl.res")
cp "$TESTDIR/ttl.err" "$TESTDIR/err"
expect PAM_AUTH_ERR "right code typed after its 30 s ttl: PAM_AUTH_ERR"

for pid in "$DAEMON_PID" "$DAEMON2_PID"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "otpsmsd $pid survived the tests"
		sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log" "$TESTDIR/short.log"
	else
		pass "otpsmsd $pid survived the tests"
	fi
done
if [ -s "$TESTDIR/san.log" ]; then
	fail "pam_otpsms ran clean under the sanitizers"
	head -n 60 "$TESTDIR/san.log" | sed 's/^/#   /'
else
	pass "pam_otpsms ran clean under the sanitizers (when enabled)"
fi
# The main daemon's log is checked by stop_daemon at exit; this one here.
kill "$DAEMON2_PID" 2>/dev/null
wait "$DAEMON2_PID" 2>/dev/null
! grep -q 'Sanitizer\|runtime error:\|^==[0-9]*==' "$TESTDIR/short.log"
ok "the second otpsmsd ran clean under the sanitizers or valgrind"

done_testing
