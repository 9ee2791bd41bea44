# Sourced by the kannel tests (after tests/lib.sh): Debian's real bearerbox
# and smsbox with their own configuration on free loopback ports (the
# package's service is never started), kannel-extras' fakesmsc as the SMSC
# (start_smsc, stop_smsc), a free port for the daemon's report listener
# ($DLR) and the sendsms password in $TESTDIR/kannel.password ($PASS).
FAKESMSC=/usr/lib/kannel/test/fakesmsc
[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -x "$CLIENT" ] || skip_all "tests/otpsms-client not built"
command -v bearerbox >/dev/null 2>&1 && command -v smsbox >/dev/null 2>&1 ||
	skip_all "Kannel not installed (Debian: kannel)"
[ -x "$FAKESMSC" ] || skip_all "fakesmsc not installed (Debian: kannel-extras)"

make_testdir
K=$TESTDIR/kannel
mkdir -p "$K/store"
ADMIN=$(free_port); BOXC=$(free_port); SMSC=$(free_port); SENDSMS=$(free_port)
DLR=$(free_port)
PASS=kp$(python3 -c 'import secrets; print(secrets.token_hex(8))')
cat > "$K/kannel.conf" <<EOF2
group = core
admin-port = $ADMIN
admin-interface = 127.0.0.1
admin-password = $PASS
smsbox-port = $BOXC
box-allow-ip = 127.0.0.1
log-file = $K/bearerbox.log
log-level = 1
dlr-storage = internal
store-type = spool
store-location = $K/store

group = smsc
smsc = fake
smsc-id = fake
port = $SMSC
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $SENDSMS
sendsms-interface = 127.0.0.1
log-file = $K/smsbox.log
log-level = 1

group = sendsms-user
username = otpsms
password = $PASS
max-messages = 4
concatenation = true
EOF2
bearerbox "$K/kannel.conf" >"$K/bearerbox.out" 2>&1 &
BB_PID=$!
at_cleanup 'kill "$BB_PID" 2>/dev/null; wait "$BB_PID" 2>/dev/null'
# wait_port PORT: until something listens there (10 s at most).
wait_port() {
	python3 - "$1" <<'PY' || bail "nothing listens on port $1"
import socket, sys, time
for _ in range(100):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
    finally:
        s.close()
sys.exit(1)
PY
}
wait_port "$BOXC"
smsbox "$K/kannel.conf" >"$K/smsbox.out" 2>&1 &
SB_PID=$!
at_cleanup 'kill "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null'
wait_port "$SENDSMS"

# fakesmsc: the SMSC. It sends one MO message at start and then only
# receives (prints "Got message N: <from to text ...>").
start_smsc() {
	"$FAKESMSC" -H 127.0.0.1 -r "$SMSC" -i 100000 -m 1 "100 200 text hello" \
	    >>"$K/fakesmsc.out" 2>&1 &
	FS_PID=$!
	_i=0
	until grep -q "fakesmsc: sent message 1" "$K/fakesmsc.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "fakesmsc did not connect"
		sleep 0.1
	done
}
stop_smsc() { kill "$FS_PID" 2>/dev/null; wait "$FS_PID" 2>/dev/null; FS_PID=; }
at_cleanup 'stop_smsc'
start_smsc

(umask 077 && printf '%s\n' "$PASS" > "$TESTDIR/kannel.password")
is_root && chown "$(id -u)" "$TESTDIR/kannel.password"
