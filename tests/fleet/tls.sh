#!/bin/sh
# rediss://: a real redis-server on a TLS-only port with a CA, server and
# client certificates made here (IP SAN 127.0.0.1) and an ACL user. The
# daemon verifies the server always: the right CA works, a wrong CA or a
# wrong tls_server_name fails logins closed and says why; with
# tls-auth-clients the client certificate is needed; plain redis:// to the
# TLS port fails closed.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
at_cleanup 'stop_host A; stop_host B; stop_redis R'

RPORT=$(free_port)
RPASS=$(openssl rand -hex 16)
PREFIX="t$$:"
P=$TESTDIR/pki
mkdir -p "$P" "$TESTDIR/redis"

# A CA, the server's certificate (IP SAN), a client's, and another CA
# (mkca, mkcert: common.sh).
mkca ca
mkca other
mkcert server redis "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert client otpsms "extendedKeyUsage=clientAuth"
chmod 600 "$P"/*.key
printf '%s\n' "$RPASS" > "$TESTDIR/redis.pass"
chmod 600 "$TESTDIR/redis.pass"
openssl rand -hex 32 > "$TESTDIR/fleet.key"
chmod 600 "$TESTDIR/fleet.key"

redis_conf() {  # AUTH-CLIENTS
	cat > "$TESTDIR/redis.conf" <<CONF
port 0
tls-port $RPORT
bind 127.0.0.1
tls-cert-file $P/server.crt
tls-key-file $P/server.key
tls-ca-cert-file $P/ca.crt
tls-auth-clients $1
save ""
appendonly no
daemonize no
dir $TESTDIR/redis
logfile $TESTDIR/redis.log
user default off
user otpsms on >$RPASS ~$PREFIX* +@all
CONF
}
rcli() {
	redis-cli --tls --cacert "$P/ca.crt" --cert "$P/client.crt" \
	    --key "$P/client.key" -h 127.0.0.1 -p "$RPORT" --user otpsms \
	    --pass "$RPASS" --no-auth-warning -n 3 "$@"
}
redis_ready_R() { rcli ping; }

store_yaml() {  # URL [EXTRA-LINES]
	printf 'store:\n  type: redis\n  url: %s\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 2s\n%s\nfleet_key_file: %s\n' \
	    "$1" "$TESTDIR/redis.pass" "$PREFIX" "${2:-}" "$TESTDIR/fleet.key"
}
host_config() {  # FILE SOCKNAME URL [EXTRA-LINES]
	write_config "$1" "$(store_yaml "$3" "${4:-}")"
	sed -i "s|^socket: .*|socket: $TESTDIR/run/$2.sock|" "$1"
}
URL=rediss://127.0.0.1:$RPORT/3
SOCK_A=$TESTDIR/run/a.sock
SOCK_B=$TESTDIR/run/b.sock

# Configuration checks.
host_config "$TESTDIR/a.yaml" a "$URL" "  tls_ca_file: $P/ca.crt"
"$OTPSMSD" -t -c "$TESTDIR/a.yaml" >/dev/null 2>&1
ok "otpsmsd -t accepts rediss:// with tls_ca_file"
host_config "$TESTDIR/x.yaml" x "$URL" "  tls_ca_file: $P/ca.crt
  tls_cert_file: $P/client.crt"
"$OTPSMSD" -t -c "$TESTDIR/x.yaml" 2>&1 | grep -q "tls_cert_file and tls_key_file go together"
ok "a client certificate without its key is refused"
cp "$P/client.key" "$P/loose.key"
chmod 644 "$P/loose.key"
host_config "$TESTDIR/x.yaml" x "$URL" "  tls_ca_file: $P/ca.crt
  tls_cert_file: $P/client.crt
  tls_key_file: $P/loose.key"
"$OTPSMSD" -t -c "$TESTDIR/x.yaml" 2>&1 | grep -q "tls_key_file: .*chmod 600"
ok "a client key readable by others is refused"
host_config "$TESTDIR/x.yaml" x "$URL" "  tls_ca_file: $P/server.csr"
"$OTPSMSD" -t -c "$TESTDIR/x.yaml" 2>&1 | grep -q "tls_ca_file: no PEM certificate"
ok "a CA file without a certificate is refused"
host_config "$TESTDIR/x.yaml" x "redis://127.0.0.1:$RPORT/3" "  tls_ca_file: $P/ca.crt"
"$OTPSMSD" -t -c "$TESTDIR/x.yaml" 2>&1 | grep -q "x.yaml:[0-9]*:[0-9]*: store.tls_ca_file: only with a rediss://"
ok "tls_ca_file with redis:// is refused, with FILE:LINE"

# The right CA: logins work over TLS.
redis_conf no
start_redis R "$TESTDIR/redis.conf"
start_host A "$TESTDIR/a.yaml"
wait_log A "redis store .*connected" 300
ok "the daemon connects over TLS (CA checked, IP SAN)"
out=$("$CLIENT" -s "$SOCK_A" challenge alice sshd 192.0.2.1)
ok "a challenge over TLS"
is "$(rcli --scan --pattern "$PREFIX*" | grep -c .)" 2 "redis-cli --tls sees its two keys"
is "$("$CLIENT" -s "$SOCK_A" verify "${out%% *}" alice "$(code_for +447700900123)")" ok \
    "its verify over TLS"
is "$(rcli --scan --pattern "$PREFIX*" | grep -c .)" 0 "nothing left in Redis"

# Another CA: the server is refused, logins fail closed, the log says why.
host_config "$TESTDIR/b.yaml" b "$URL" "  tls_ca_file: $P/other.crt"
start_host B "$TESTDIR/b.yaml"
wait_log B "certificate verify failed" 150
ok "with another CA: certificate verify failed, in the log"
grep -q "logins fail until it is back" "$TESTDIR/B.log"
ok "and logins fail (on_failure: closed)"
"$CLIENT" -s "$SOCK_B" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"
stop_host B

# A name the certificate does not hold.
host_config "$TESTDIR/b.yaml" b "$URL" "  tls_ca_file: $P/ca.crt
  tls_server_name: redis.example.net"
start_host B "$TESTDIR/b.yaml"
wait_log B "certificate verify failed (hostname mismatch)" 150
ok "tls_server_name is verified: hostname mismatch"
stop_host B

# Plain redis:// to the TLS port.
host_config "$TESTDIR/b.yaml" b "redis://127.0.0.1:$RPORT/3"
start_host B "$TESTDIR/b.yaml"
wait_log B "logins fail until it is back" 150
ok "plain redis:// to the TLS port: logins fail"
"$CLIENT" -s "$SOCK_B" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"
stop_host B
stop_host A

# tls-auth-clients yes: the client certificate is needed.
stop_redis R
redis_conf yes
start_redis R "$TESTDIR/redis.conf"
start_host A "$TESTDIR/a.yaml"
wait_log A "logins fail until it is back" 150
ok "without a client certificate the server refuses us"
host_config "$TESTDIR/b.yaml" b "$URL" "  tls_ca_file: $P/ca.crt
  tls_cert_file: $P/client.crt
  tls_key_file: $P/client.key"
start_host B "$TESTDIR/b.yaml"
wait_log B "redis store .*connected" 300
ok "with tls_cert_file and tls_key_file it connects"
is "$(login "$SOCK_B" bob)" ok "a login over TLS with a client certificate"

# A client certificate from an intermediate CA: its file carries the chain.
stop_host B
mkcert inter "otpsms test intermediate" "basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign"
mkcert client2 otpsms "extendedKeyUsage=clientAuth" inter
chmod 600 "$P"/*.key
cat "$P/client2.crt" "$P/inter.crt" > "$P/client2-chain.crt"
host_config "$TESTDIR/b.yaml" b "$URL" "  tls_ca_file: $P/ca.crt
  tls_cert_file: $P/client2-chain.crt
  tls_key_file: $P/client2.key"
start_host B "$TESTDIR/b.yaml"
wait_log B "redis store .*connected" 300
ok "a client certificate from an intermediate CA, chain in the file: connects"
is "$(login "$SOCK_B" alice)" ok "and a login works"

grep -q "$RPASS" "$TESTDIR/A.log" "$TESTDIR/B.log"
[ $? -ne 0 ]
ok "the Redis password is in neither log"

stop_host A
stop_host B
stop_redis R
done_testing
