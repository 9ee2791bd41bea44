#!/bin/sh
# The generic http driver's presets (Plivo, Telnyx, Sinch, Infobip,
# MessageBird) through a running otpsmsd, each against a strict local
# stand-in of its provider's API (tests/mock/http_mock.py): fields and
# authentication on the wire, the code verifies, 5xx and a refused
# credential fail over (with a warning), an error code listed in
# permanent_errors stops, and the secret never reaches the log.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

MOCK="$top_srcdir/tests/mock/http_mock.py"
need_daemon
need_python

make_testdir

# preset NAME PERMANENT_CODE: one provider, one mock, one daemon.
preset() {
	P=$1
	D=$TESTDIR/$P
	mkdir -p "$D"
	chmod 755 "$D"
	MOCKLOG=$D/requests.jsonl
	SECRET=s$(rand_hex 12)
	ACCOUNT=acct$(rand_hex 4)
	echo ok > "$D/mode"
	python3 "$MOCK" --preset "$P" --account "$ACCOUNT" --secret "$SECRET" \
	    --port-file "$D/port" --mode-file "$D/mode" --log "$MOCKLOG" 2>"$D/mock.err" &
	MOCK_PID=$!
	_i=0
	while [ ! -s "$D/port" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "$P mock did not start"
		sleep 0.1
	done
	write_secret "$D/secret" "$SECRET"
	write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
carriers:
  - name: $P
    type: http
    preset: $P
    account: $ACCOUNT
    secret_file: $D/secret
    from: ACME
    api_url: http://127.0.0.1:$(cat "$D/port")
    timeout: 2s
    retries: 0
    breaker_failures: 0
    permanent_errors: [\"$2\"]
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
	start_daemon "$TESTDIR/otpsmsd.yaml"
	o=$(outbox_count)

	challenge alice
	is "$CH_RC" 0 "$P: challenge succeeds"
	is "$(mock_field to)" "+447700900123" "$P: the number, in the provider's form"
	is "$(mock_field from)" ACME "$P: the sender"
	is "$(mock_field auth)" True "$P: the provider's authentication"
	is "$(outbox_count)" "$o" "$P: no failover"
	CODE=$(mock_field text | grep -o '[0-9]\{6\}' | head -n 1)
	is "$(verify alice "$CODE")" ok "$P: the code verifies"
	grep -q "code sent.*carrier=$P ref=[^-]" "$TESTDIR/otpsmsd.log"
	ok "$P: audit line with the provider's message id"

	echo error500 > "$D/mode"
	challenge bob
	is "$(outbox_count)" $((o + 1)) "$P: 5xx fails over"
	echo auth > "$D/mode"
	challenge bob
	is "$(outbox_count)" $((o + 2)) "$P: 401 fails over"
	grep -q "carrier $P: the provider refused our credentials" "$TESTDIR/otpsmsd.log"
	ok "$P: 401 warns loudly"
	echo error400 > "$D/mode"
	challenge alice
	is "$CH_RC" 2 "$P: error $2 listed in permanent_errors stops"
	is "$(outbox_count)" $((o + 2)) "$P: ... without failover"

	stop_daemon
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	! grep -q "invalid request" "$D/mock.err"
	ok "$P: the stand-in found nothing to refuse"
	! grep -qF "$SECRET" "$TESTDIR/otpsmsd.log"
	ok "$P: the secret is never logged"
	if [ "$_tap_failed" -ne 0 ]; then
		sed 's/^/# mock: /' "$D/mock.err"
		sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"
	fi
}

preset plivo invalid_destination
preset telnyx 40310
preset sinch syntax_invalid_parameter_format
preset infobip BAD_REQUEST
preset messagebird 21
done_testing
