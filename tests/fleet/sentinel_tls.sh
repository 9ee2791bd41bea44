#!/bin/sh
# sentinels://: Sentinel with TLS everywhere. A primary, a replica and a
# sentinel, all TLS-only (port 0, tls-port, tls-replication yes: the
# replica and the sentinel talk TLS to the nodes), certificates made here
# (IP SAN 127.0.0.1: the sentinel announces IP addresses), an ACL user for
# the daemon. The daemon finds the primary through the sentinel over TLS
# and logins work; after SENTINEL FAILOVER they work on the new primary
# without a restart; another CA fails closed with "certificate verify
# failed" in the log; a sentinel trusted while the primary is not fails
# closed too (the primary is verified, not only the sentinel); plain
# sentinel:// to the TLS sentinel fails closed.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
redis-cli --help 2>&1 | grep -q -- "--tls" || skip_all "redis-cli built without TLS"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
at_cleanup 'stop_host A; stop_host B; stop_host C; stop_host D; stop_redis S2; stop_redis S; stop_redis R2; stop_redis R1'

P1=$(free_port)
P2=$(free_port)
SP=$(free_port)
SP2=$(free_port)
RPASS=$(openssl rand -hex 16)
APASS=$(openssl rand -hex 16)      # replication and the sentinel
PREFIX="t$$:"
P=$TESTDIR/pki
mkdir -p "$P"
printf '%s\n' "$RPASS" > "$TESTDIR/redis.pass"
chmod 600 "$TESTDIR/redis.pass"
openssl rand -hex 32 > "$TESTDIR/fleet.key"
chmod 600 "$TESTDIR/fleet.key"

# One certificate for the three servers; they also show it as clients to
# one another (replication, the sentinel's links), hence both usages.
mkca ca
mkca other
mkcert server redis "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
# A second sentinel's, from the other CA.
mkcert sentinel2 redis "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth" other
chmod 600 "$P"/*.key

tls_conf() {  # PORT [CERT]
	echo "port 0"
	echo "bind 127.0.0.1"
	echo "tls-port $1"
	echo "tls-replication yes"
	echo "tls-cert-file $P/${2:-server}.crt"
	echo "tls-key-file $P/${2:-server}.key"
	echo "tls-ca-cert-file $P/ca.crt"
	echo "tls-auth-clients no"
}
node_listen() { tls_conf "$1"; }
node_conf R1 "$P1"
node_conf R2 "$P2" "$P1"
mkdir -p "$TESTDIR/S"
{
	tls_conf "$SP"
	echo "dir $TESTDIR/S"
	echo "logfile $TESTDIR/S.log"
	echo "sentinel monitor otpsmsmaster 127.0.0.1 $P1 1"
	echo "sentinel auth-pass otpsmsmaster $APASS"
	echo "sentinel down-after-milliseconds otpsmsmaster 2000"
	echo "sentinel failover-timeout otpsmsmaster 10000"
} > "$TESTDIR/S.conf"

tcli() { redis-cli --tls --cacert "$P/ca.crt" -h 127.0.0.1 "$@"; }
node() { _np=$1; shift; tcli -p "$_np" --user default --pass "$APASS" --no-auth-warning "$@"; }
redis_ready_R1() { tcli -p "$P1" --user otpsms --pass "$RPASS" --no-auth-warning ping; }
redis_ready_R2() { tcli -p "$P2" --user otpsms --pass "$RPASS" --no-auth-warning ping; }
redis_ready_S() { tcli -p "$SP" ping; }
redis_ready_S2() { redis-cli --tls --cacert "$P/other.crt" -h 127.0.0.1 -p "$SP2" ping; }
sent() { tcli -p "$SP" "$@"; }
# until COMMAND... prints something matching PATTERN, at most TENTHS.
store_yaml() {  # URL CA
	printf 'store:\n  type: redis\n  url: "%s"\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 2s\n  tls_ca_file: %s\nfleet_key_file: %s\n' \
	    "$1" "$TESTDIR/redis.pass" "$PREFIX" "$2" "$TESTDIR/fleet.key"
}
host_config() {  # FILE SOCKNAME URL CA
	write_config "$1" "$(store_yaml "$3" "$4")"
	sed -i "s|^socket: .*|socket: $TESTDIR/run/$2.sock|" "$1"
}
URL="sentinels://127.0.0.1:$SP/otpsmsmaster/3"
SOCK_A=$TESTDIR/run/a.sock
SOCK_B=$TESTDIR/run/b.sock
SOCK_C=$TESTDIR/run/c.sock

host_config "$TESTDIR/a.yaml" a "$URL" "$P/ca.crt"
"$OTPSMSD" -t -c "$TESTDIR/a.yaml" >/dev/null 2>&1
ok "otpsmsd -t accepts a sentinels:// url with tls_ca_file"

start_redis R1 "$TESTDIR/R1.conf"
start_redis R2 "$TESTDIR/R2.conf"
start_redis S "$TESTDIR/S.conf" --sentinel
wait_for 100 "master_link_status:up" node "$P2" info replication
ok "the replica follows the primary over TLS"
tcli -p "$P1" --user otpsms --pass "$RPASS" --no-auth-warning --no-raw ping 2>/dev/null |
    grep -q PONG && ! redis-cli -h 127.0.0.1 -p "$P1" ping >/dev/null 2>&1
ok "the nodes speak TLS only"

start_host A "$TESTDIR/a.yaml"
wait_log A "redis store .*connected to primary 127.0.0.1:$P1" 300
ok "the daemon finds the primary through the sentinel, both over TLS"
is "$(login "$SOCK_A" alice)" ok "a login on the primary"
out=$("$CLIENT" -s "$SOCK_A" challenge bob sshd)
ok "a challenge pending on the primary"

sentinel_failover " (over TLS)"
st=$("$top_builddir/otpsmsctl" -u "$(daemon_user)" -s "$SOCK_A" status 2>&1)
echo "$st" | grep -q "^store: redis sentinels://.* (TLS); master otpsmsmaster, primary 127.0.0.1:$P2$"
ok "otpsmsctl status says TLS and names the new primary"
is "$(node "$P2" -n 3 --scan --pattern "$PREFIX*" | grep -c .)" 2 \
    "the pending challenge came through the failover (replicated over TLS)"

# Another CA: the sentinel is refused, logins fail closed, the log says why.
host_config "$TESTDIR/b.yaml" b "$URL" "$P/other.crt"
start_host B "$TESTDIR/b.yaml"
wait_log B "certificate verify failed" 150
ok "with another CA: certificate verify failed, in the log"
grep -q "no sentinel gave the primary of master 'otpsmsmaster'.*logins fail until it is back" \
    "$TESTDIR/B.log"
ok "no primary without a verified sentinel; logins fail (on_failure: closed)"
"$CLIENT" -s "$SOCK_B" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"
stop_host B

# A sentinel the daemon trusts (the other CA) naming a primary it does not:
# the primary's certificate is verified too.
mkdir -p "$TESTDIR/S2"
{
	tls_conf "$SP2" sentinel2
	echo "dir $TESTDIR/S2"
	echo "logfile $TESTDIR/S2.log"
	echo "sentinel monitor otpsmsmaster 127.0.0.1 $P2 1"
	echo "sentinel auth-pass otpsmsmaster $APASS"
} > "$TESTDIR/S2.conf"
start_redis S2 "$TESTDIR/S2.conf" --sentinel
host_config "$TESTDIR/d.yaml" d "sentinels://127.0.0.1:$SP2/otpsmsmaster/3" \
    "$P/other.crt"
sed -i "s|^socket: .*|socket: $TESTDIR/run/d.sock|" "$TESTDIR/d.yaml"
start_host D "$TESTDIR/d.yaml"
wait_log D "certificate verify failed" 150
ok "a trusted sentinel, an untrusted primary: certificate verify failed"
! grep -q "no sentinel gave" "$TESTDIR/D.log" &&
    grep -q "logins fail until it is back" "$TESTDIR/D.log"
ok "that is the primary's certificate (the sentinel answered); logins fail"
"$CLIENT" -s "$TESTDIR/run/d.sock" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"
stop_host D
stop_redis S2

# sentinel:// (no TLS) to the TLS sentinel.
write_config "$TESTDIR/c.yaml" "$(printf 'store:\n  type: redis\n  url: "sentinel://127.0.0.1:%s/otpsmsmaster/3"\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 1s\nfleet_key_file: %s\n' \
    "$SP" "$TESTDIR/redis.pass" "$PREFIX" "$TESTDIR/fleet.key")"
sed -i "s|^socket: .*|socket: $SOCK_C|" "$TESTDIR/c.yaml"
start_host C "$TESTDIR/c.yaml"
wait_log C "no sentinel gave the primary of master 'otpsmsmaster'" 150
ok "plain sentinel:// to the TLS sentinel: no primary, a log line"
"$CLIENT" -s "$SOCK_C" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"
stop_host C

grep -q "$RPASS" "$TESTDIR/A.log" "$TESTDIR/B.log" "$TESTDIR/C.log" \
    "$TESTDIR/D.log"
[ $? -ne 0 ]
ok "the Redis password is in no log"

stop_host A
stop_redis S
stop_redis R2
stop_redis R1
done_testing
