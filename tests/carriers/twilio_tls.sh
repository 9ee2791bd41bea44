#!/bin/sh
# ca_file: (every HTTP carrier, carrier_util.c): the Twilio driver over HTTPS
# to the mock serving a certificate from a private test CA. Without ca_file
# the certificate is refused (the send fails over to the outbox); with it the
# send goes through; a ca_file of another CA is refused too (the file replaces
# the system's CAs, it does not add to them); a bad ca_file stops the start.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"

need_daemon
need_python
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"

make_testdir
FROM=+15017122661
P=$TESTDIR/pki
mkdir -p "$P"
# mkca NAME: a self-signed CA ($P/NAME.pem, $P/NAME.key).
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$P/$1.key" -out "$P/$1.pem" -days 2 -subj "/CN=otpsms test $1" \
	    >/dev/null 2>&1 || bail "openssl: cannot make $1"
}
mkca ca
mkca other
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/srv.key" -out "$P/srv.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$P/srv.ext" &&
openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
    -CAcreateserial -days 2 -extfile "$P/srv.ext" -out "$P/srv.pem" >/dev/null 2>&1 ||
	bail "openssl: cannot make the server certificate"
chmod 0644 "$P"/*.pem
start_twilio_mock ok --tls-cert "$P/srv.pem" --tls-key "$P/srv.key"

# config FILE [CA_LINE]: twilio over https to the mock, then the outbox.
config() {
	write_config "$1" "code: {reuse_window: 0}
carriers:
  - name: twilio
    type: twilio
    timeout: 2s
    account_sid: $SID
    auth_token_file: $TESTDIR/twilio.token
    from: \"$FROM\"
    api_url: https://127.0.0.1:$PORT/${2:+
    $2}
  - name: outbox
    type: file
    path: $TESTDIR/spool/outbox.jsonl"
}

# 1. No ca_file: the system's CAs do not know the test CA.
config "$TESTDIR/none.yaml"
start_daemon "$TESTDIR/none.yaml"
challenge alice
is "$CH_RC" 0 "no ca_file: the challenge goes through the next carrier"
is "$(mock_count)" 0 "no ca_file: the mock got no request"
is "$(outbox_count)" 1 "no ca_file: the outbox got the message"
grep -q 'carrier twilio failed.*[Cc]ertificate' "$TESTDIR/otpsmsd.log"
ok "no ca_file: the daemon logged the refused certificate"
stop_daemon

# 2. ca_file: the test CA: the send goes to Twilio. The file is read at
# start: moved away before the first connection, it is not missed (curl's
# CURLOPT_CAINFO would open it at each new connection, after the privilege
# drop and under seccomp).
config "$TESTDIR/ca.yaml" "ca_file: $P/ca.pem"
start_daemon "$TESTDIR/ca.yaml"
mv "$P/ca.pem" "$P/ca.pem.away"
challenge alice
is "$CH_RC" 0 "ca_file: challenge succeeds"
is "$(mock_count)" 1 "ca_file: the mock got the request over TLS"
is "$(outbox_count)" 1 "ca_file: the outbox is not used"
is "$(verify alice "$(mock_code body)")" ok "ca_file: the code sent over TLS verifies"
mv "$P/ca.pem.away" "$P/ca.pem"
challenge bob
is "$(mock_count)" 2 "ca_file: a second send goes through"
stop_daemon

# 3. ca_file of another CA: refused, not added to the system's.
config "$TESTDIR/other.yaml" "ca_file: $P/other.pem"
start_daemon "$TESTDIR/other.yaml"
challenge alice
is "$(mock_count)" 2 "other CA: the mock got no request"
is "$(outbox_count)" 2 "other CA: failover to the outbox"
stop_daemon

# 4. Bad ca_file: the configuration is refused at start.
printf 'not a certificate\n' > "$P/junk.pem"
for v in "$P/junk.pem" "$P/missing.pem" "pki/ca.pem" "$P"; do
	config "$TESTDIR/bad.yaml" "ca_file: $v"
	out=$("$OTPSMSD" -t -c "$TESTDIR/bad.yaml" 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q 'ca_file'
	ok "ca_file $v: refused at start"
	[ "$rc" -ne 0 ] || diag "$out"
done

if [ "$_tap_failed" -ne 0 ]; then
	sed 's/^/# mock: /' "$TESTDIR/mock.err"
	sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log"
fi
done_testing
