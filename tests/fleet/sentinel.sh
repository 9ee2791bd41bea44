#!/bin/sh
# sentinel://: a primary, a replica and a sentinel (real redis-server, free
# loopback ports, ACL user for the daemon). The daemon asks the sentinels
# in order (a dead one first) for the primary and logins work; after
# SENTINEL FAILOVER the replica is the primary and logins work there
# without a restart; a master name no sentinel knows fails closed and says
# so.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
at_cleanup 'stop_host A; stop_host B; stop_redis S; stop_redis R2; stop_redis R1'

P1=$(free_port)
P2=$(free_port)
SP=$(free_port)
DEAD=$(free_port)
RPASS=$(openssl rand -hex 16)
APASS=$(openssl rand -hex 16)      # replication and the sentinel
PREFIX="t$$:"
printf '%s\n' "$RPASS" > "$TESTDIR/redis.pass"
chmod 600 "$TESTDIR/redis.pass"
openssl rand -hex 32 > "$TESTDIR/fleet.key"
chmod 600 "$TESTDIR/fleet.key"

node_listen() { echo "port $1"; echo "bind 127.0.0.1"; }
node_conf R1 "$P1"
node_conf R2 "$P2" "$P1"
mkdir -p "$TESTDIR/S"
cat > "$TESTDIR/S.conf" <<CONF
port $SP
bind 127.0.0.1
dir $TESTDIR/S
logfile $TESTDIR/S.log
sentinel monitor otpsmsmaster 127.0.0.1 $P1 1
sentinel auth-pass otpsmsmaster $APASS
sentinel down-after-milliseconds otpsmsmaster 2000
sentinel failover-timeout otpsmsmaster 10000
CONF

node() { _np=$1; shift; redis-cli -h 127.0.0.1 -p "$_np" --user default --pass "$APASS" --no-auth-warning "$@"; }
redis_ready_R1() { redis-cli -h 127.0.0.1 -p "$P1" --user otpsms --pass "$RPASS" --no-auth-warning ping; }
redis_ready_R2() { redis-cli -h 127.0.0.1 -p "$P2" --user otpsms --pass "$RPASS" --no-auth-warning ping; }
redis_ready_S() { redis-cli -h 127.0.0.1 -p "$SP" ping; }
sent() { redis-cli -h 127.0.0.1 -p "$SP" "$@"; }
# until COMMAND... prints something matching PATTERN, at most TENTHS.
store_yaml() {  # URL
	printf 'store:\n  type: redis\n  url: "%s"\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 1s\nfleet_key_file: %s\n' \
	    "$1" "$TESTDIR/redis.pass" "$PREFIX" "$TESTDIR/fleet.key"
}
host_config() {  # FILE SOCKNAME URL
	write_config "$1" "$(store_yaml "$3")"
	sed -i "s|^socket: .*|socket: $TESTDIR/run/$2.sock|" "$1"
}
URL="sentinel://127.0.0.1:$DEAD,127.0.0.1:$SP/otpsmsmaster/3"
SOCK_A=$TESTDIR/run/a.sock
SOCK_B=$TESTDIR/run/b.sock

host_config "$TESTDIR/a.yaml" a "$URL"
"$OTPSMSD" -t -c "$TESTDIR/a.yaml" >/dev/null 2>&1
ok "otpsmsd -t accepts a sentinel:// url"
host_config "$TESTDIR/x.yaml" x "sentinel://127.0.0.1:$SP"
"$OTPSMSD" -t -c "$TESTDIR/x.yaml" 2>&1 | grep -q "x.yaml:[0-9]*:[0-9]*: store.url: expected sentinel://"
ok "a sentinel url without a master name is refused, with FILE:LINE"

start_redis R1 "$TESTDIR/R1.conf"
start_redis R2 "$TESTDIR/R2.conf"
start_redis S "$TESTDIR/S.conf" --sentinel
wait_for 100 "master_link_status:up" node "$P2" info replication
ok "the replica follows the primary"

start_host A "$TESTDIR/a.yaml"
wait_log A "redis store .*connected to primary 127.0.0.1:$P1" 300
ok "the daemon finds the primary through the sentinel (the dead one first)"
is "$(login "$SOCK_A" alice)" ok "a login on the primary"
out=$("$CLIENT" -s "$SOCK_A" challenge bob sshd)
ok "a challenge pending on the primary"

sentinel_failover ""
st=$("$top_builddir/otpsmsctl" -u "$(daemon_user)" -s "$SOCK_A" status 2>&1)
echo "$st" | grep -q "^store: redis sentinel://.*; master otpsmsmaster, primary 127.0.0.1:$P2$"
ok "otpsmsctl status names the master and the primary"
echo "$st" | grep -q "^store: up for [0-9]* s$" &&
    echo "$st" | grep -q "^store: latency p50 [0-9.]* ms, p99 [0-9.]* ms" &&
    echo "$st" | grep -q "^store: [0-9]* replies, [0-9]* timeouts, [0-9]* lost connections, [0-9]* error replies, [1-9][0-9]* reconnects$"
ok "and its state, latency and counters (one reconnect at least)"
is "$(node "$P2" -n 3 --scan --pattern "$PREFIX*" | grep -c .)" 2 \
    "the pending challenge came through the failover (replicated)"

# A master no sentinel knows: fails closed, says so.
host_config "$TESTDIR/b.yaml" b "sentinel://127.0.0.1:$SP/nosuchmaster"
start_host B "$TESTDIR/b.yaml"
wait_log B "no sentinel gave the primary of master 'nosuchmaster'" 150
ok "an unknown master name: a clear log line"
grep -q "does not know master 'nosuchmaster'.*logins fail until it is back" "$TESTDIR/B.log"
ok "which says the sentinel does not know it and logins fail"
"$CLIENT" -s "$SOCK_B" challenge alice sshd >/dev/null 2>&1
is "$?" 2 "a challenge fails closed"

grep -q "$RPASS" "$TESTDIR/A.log" "$TESTDIR/B.log"
[ $? -ne 0 ]
ok "the Redis password is in neither log"

stop_host A
stop_host B
stop_redis S
stop_redis R2
stop_redis R1
done_testing
