# Shell helpers shared by the carrier tests (tests/carriers/*.sh): what
# each of them needs to run, the daemon asked for a code and checked, the
# request log a mock writes, secrets in private files. Source it instead of
# tests/lib.sh (it sources that too):
#   . "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"

# need_daemon: skips the test unless otpsmsd and tests/otpsms-client are built.
need_daemon() {
	[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
	[ -x "$CLIENT" ] || skip_all "tests/otpsms-client not built"
}

# need_python [yaml]: skips the test without python3 (or PyYAML).
need_python() {
	command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
	if [ "${1:-}" = yaml ]; then
		python3 -c 'import yaml' 2>/dev/null || skip_all "PyYAML (python3-yaml) not installed"
	fi
}

# rand_hex N: N random bytes in hex (credentials the mocks expect).
rand_hex() { python3 -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"; }

# write_secret FILE VALUE: VALUE in a private file, as in production.
write_secret() { (umask 077 && printf '%s\n' "$2" > "$1"); }

# challenge USER: asks the daemon ($SOCKET) for a code; sets CH_OUT (the
# reply), CH_RC (the client's status) and CH_ID (the challenge id).
challenge() {
	CH_OUT=$("$CLIENT" -s "$SOCKET" challenge "$1" sshd 192.0.2.1 2>&1)
	CH_RC=$?
	CH_ID=${CH_OUT%% *}
}
# verify USER CODE: the daemon's answer to CODE for the last challenge.
verify() { "$CLIENT" -s "$SOCKET" verify "$CH_ID" "$1" "$2" 2>&1; }

# The mocks' request logs: one JSON object a line in $MOCKLOG.
# mock_count: how many requests the mock accepted.
mock_count() { if [ -f "$MOCKLOG" ]; then wc -l < "$MOCKLOG" | tr -d ' '; else echo 0; fi; }
# mock_field KEY: KEY of the newest request ("" when absent; objects and
# lists as JSON with sorted keys).
mock_field() {
	python3 -c '
import json, sys
rec = json.loads(open(sys.argv[1]).read().splitlines()[-1])
v = rec.get(sys.argv[2])
print("" if v is None else (json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v))' "$MOCKLOG" "$1"
}
# mock_code KEY: the code (4 to 10 digits) in KEY of the newest request.
mock_code() { mock_field "$1" | grep -o '[0-9]\{4,10\}' | head -n 1; }

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most).
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

# start_twilio_mock MODE [OPTION...]: tests/mock/twilio_mock.py checking each
# request with Twilio's OpenAPI description ($TWILIO_SPEC or the bundled one),
# with fresh credentials: $SID, $TOKEN (also in $TESTDIR/twilio.token). Its
# mode is the file $MODE (MODE at first, re-read on each request), its log
# $MOCKLOG; sets PORT. OPTIONs go to the mock.
start_twilio_mock() {
	SPEC="${TWILIO_SPEC:-$top_srcdir/tests/mock/specs/twilio/twilio_api_v2010.json}"
	[ -f "$SPEC" ] || bail "Twilio OpenAPI description not found at $SPEC"
	SID=AC$(rand_hex 16)
	TOKEN=tok$(rand_hex 12)
	MOCKLOG="$TESTDIR/twilio-requests.jsonl"
	MODE="$TESTDIR/twilio-mode"
	echo "$1" > "$MODE"
	shift
	start_mock twilio python3 "$top_srcdir/tests/mock/twilio_mock.py" --spec "$SPEC" \
	    --sid "$SID" --token "$TOKEN" --mode ok --mode-file "$MODE" \
	    --log "$MOCKLOG" "$@"
	write_secret "$TESTDIR/twilio.token" "$TOKEN"
}

# start_vonage_mock MODE [OPTION...]: tests/mock/vonage_mock.py checking each
# request with Vonage's API description (sms.yml), with fresh credentials:
# $KEY, $SECRET (also in $TESTDIR/vonage.secret). Mode file $MODE, log
# $MOCKLOG, PORT as start_twilio_mock. Needs need_python yaml.
start_vonage_mock() {
	SPEC="$top_srcdir/tests/mock/specs/vonage/sms.yml"
	[ -f "$SPEC" ] || bail "Vonage API description not found at $SPEC"
	KEY=$(rand_hex 4)
	SECRET=sec$(rand_hex 12)
	MOCKLOG="$TESTDIR/vonage-requests.jsonl"
	MODE="$TESTDIR/vonage-mode"
	_vmode=$1
	shift
	echo "$_vmode" > "$MODE"
	start_mock vonage python3 "$top_srcdir/tests/mock/vonage_mock.py" --spec "$SPEC" \
	    --key "$KEY" --secret "$SECRET" --mode "$_vmode" --mode-file "$MODE" \
	    --log "$MOCKLOG" "$@"
	write_secret "$TESTDIR/vonage.secret" "$SECRET"
}
