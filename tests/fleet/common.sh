# Helpers of the fleet tests (redis.sh, limits.sh, tls.sh, sentinel.sh,
# sentinel_tls.sh): daemons as "hosts" with
# their own sockets and logs, redis-server processes, polling bounded in
# time. Source after tests/lib.sh and make_testdir.

# start_host NAME CONFIG: otpsmsd -f, log in $TESTDIR/NAME.log.
start_host() {
	_sock=$(sed -n 's/^socket: //p' "$2")
	rm -f "$_sock"
	: >"$TESTDIR/$1.log"
	${OTPSMSD_WRAPPER:-} "$OTPSMSD" -f -c "$2" >>"$TESTDIR/$1.log" 2>&1 &
	eval "PID_$1=$!"
	_i=0
	# Listening and set up once it says "started:" (see start_daemon).
	while [ ! -S "$_sock" ] || ! grep -q 'started:' "$TESTDIR/$1.log"; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			sed 's/^/# daemon: /' "$TESTDIR/$1.log"
			bail "otpsmsd $1 did not start"
		fi
		sleep 0.05
	done
}
# stop_host NAME: under the sanitizers or valgrind, a report fails a test.
stop_host() {
	eval "_pid=\${PID_$1:-}"
	[ -n "$_pid" ] || return 0
	kill "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	eval "PID_$1="
	if grep -q 'Sanitizer\|runtime error:\|^==[0-9]*==' "$TESTDIR/$1.log" 2>/dev/null; then
		fail "otpsmsd $1 ran clean under the sanitizers or valgrind"
		grep -A 40 'Sanitizer\|runtime error:\|^==[0-9]*==' "$TESTDIR/$1.log" |
		    head -n 80 | sed 's/^/#   /'
	fi
}
# wait_log NAME PATTERN [TENTHS]: until the host's log has a line (bounded).
wait_log() {
	_i=0
	until grep -q "$2" "$TESTDIR/$1.log" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
}
# The code sent to NUMBER last.
code_for() {
	python3 -c '
import json, re, sys
last = None
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec.get("to") == sys.argv[2]:
        last = re.search(r"\b(\d{4,10})\b", rec["text"]).group(1)
print(last)' "$OUTBOX" "$1"
}
# login SOCKET USER: a challenge then its verify with the code sent; prints
# the verify's answer ("ok"), or "challenge failed".
login() {
	_out=$("$CLIENT" -s "$1" challenge "$2" sshd 192.0.2.1) || {
		echo "challenge failed"
		return 0
	}
	case $2 in
	alice) _n=+447700900123 ;;    # write_config's numbers
	*) _n=+15017122661 ;;
	esac
	"$CLIENT" -s "$1" verify "${_out%% *}" "$2" "$(code_for "$_n")"
}

# start_redis NAME CONF [REDIS-ARGS...]: redis-server in the background, PID
# in REDIS_PID_NAME; ready when `redis_ready NAME` says so (the caller
# defines redis_ready_NAME as a command that prints PONG).
start_redis() {
	_name=$1
	_conf=$2
	shift 2
	redis-server "$_conf" "$@" >/dev/null 2>&1 &
	eval "REDIS_PID_$_name=$!"
	_i=0
	until [ "$("redis_ready_$_name" 2>/dev/null)" = PONG ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "redis-server $_name did not start"
		sleep 0.05
	done
}
stop_redis() {
	eval "_pid=\${REDIS_PID_$1:-}"
	[ -n "$_pid" ] || return 0
	kill -CONT "$_pid" 2>/dev/null
	kill "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	eval "REDIS_PID_$1="
}
ms() { date +%s%3N; }

# A test PKI in $P (tls.sh, sentinel_tls.sh): mkca NAME makes a CA
# ($P/NAME.crt, .key); mkcert NAME CN EXT [CA] a certificate signed by $P/CA
# (default ca) with the extensions EXT (one a line, e.g.
# "subjectAltName=IP:127.0.0.1").
mkca() {  # NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=otpsms test $1" -keyout "$P/$1.key" \
	    -out "$P/$1.crt" >/dev/null 2>&1 || bail "openssl: CA $1"
}
mkcert() {  # NAME CN EXT [CA]
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$2" -keyout "$P/$1.key" -out "$P/$1.csr" >/dev/null 2>&1 &&
	printf '%s\n' "$3" > "$P/$1.ext" &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/${4:-ca}.crt" \
	    -CAkey "$P/${4:-ca}.key" \
	    -CAcreateserial -days 2 -extfile "$P/$1.ext" -out "$P/$1.crt" \
	    >/dev/null 2>&1 || bail "openssl: certificate $1"
}

# acl_redis: one plain redis-server "R" on a free loopback port for the
# tests that need no TLS or Sentinel: ACL user otpsms with a random
# password, confined to the key prefix ($PREFIX if set, else one for this
# test), no persistence. Sets RPORT, RPASS, PREFIX, writes $TESTDIR/redis.pass, fleet.key and redis.conf and
# defines rcli (redis-cli on database 3 as that user). Start it with
# `start_redis R "$TESTDIR/redis.conf"`.
acl_redis() {
	RPORT=$(free_port)
	RPASS=$(openssl rand -hex 16)
	PREFIX=${PREFIX:-t$$:}
	mkdir -p "$TESTDIR/redis"
	printf '%s\n' "$RPASS" > "$TESTDIR/redis.pass"
	chmod 600 "$TESTDIR/redis.pass"
	openssl rand -hex 32 > "$TESTDIR/fleet.key"
	chmod 600 "$TESTDIR/fleet.key"
	cat > "$TESTDIR/redis.conf" <<CONF
port $RPORT
bind 127.0.0.1
save ""
appendonly no
daemonize no
dir $TESTDIR/redis
logfile $TESTDIR/redis.log
user default off
user otpsms on >$RPASS ~$PREFIX* +@all
CONF
}
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" --user otpsms --pass "$RPASS" --no-auth-warning -n 3 "$@"; }
redis_ready_R() { rcli ping; }

# acl_store_yaml ON_FAILURE: the store: section (and fleet key) for it.
acl_store_yaml() {
	printf 'store:\n  type: redis\n  url: redis://127.0.0.1:%s/3\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 300ms\n  on_failure: %s\nfleet_key_file: %s\n' \
	    "$RPORT" "$TESTDIR/redis.pass" "$PREFIX" "$1" "$TESTDIR/fleet.key"
}

# dump_redis FILE: every key under the prefix and its contents into FILE;
# prints how many keys have no TTL.
dump_redis() {
	: > "$1"
	_nottl=0
	for _k in $(rcli --scan --pattern "$PREFIX*"); do
		[ "$(rcli pttl "$_k")" -gt 0 ] || _nottl=$((_nottl + 1))
		echo "$_k" >> "$1"
		case $(rcli type "$_k") in
		hash) rcli hgetall "$_k" >> "$1" ;;
		list) rcli lrange "$_k" 0 -1 >> "$1" ;;
		zset) rcli zrange "$_k" 0 -1 withscores >> "$1" ;;
		*) rcli get "$_k" >> "$1" ;;
		esac
	done
	echo "$_nottl"
}

# wait_for TENTHS PATTERN COMMAND...: until COMMAND's output has PATTERN.
wait_for() {  # TENTHS PATTERN COMMAND...
	_t=$1 _p=$2
	shift 2
	_i=0
	until "$@" 2>/dev/null | grep -q "$_p"; do
		_i=$((_i + 1))
		[ $_i -gt "$_t" ] && return 1
		sleep 0.1
	done
}

# sentinel_failover [LABEL]: SENTINEL FAILOVER of otpsmsmaster from $P1 to
# $P2, then a login through host A ($SOCK_A) on the new primary without a
# restart. Uses the test's sent (redis-cli to the sentinel) and node PORT.
sentinel_failover() {
	wait_for 150 "$P2" sent sentinel replicas otpsmsmaster
	ok "the sentinel knows the replica${1:-}"
	sent sentinel failover otpsmsmaster | grep -q OK
	ok "SENTINEL FAILOVER"
	wait_for 200 "$P2" sent sentinel get-master-addr-by-name otpsmsmaster
	ok "the sentinel reports the replica as the new primary"
	wait_for 300 "role:slave" node "$P1" info replication
	ok "the old primary is turned into a replica"
	_i=0
	until [ "$(login "$SOCK_A" alice)" = ok ] || [ $_i -gt 50 ]; do
		_i=$((_i + 1))
		sleep 0.2
	done
	[ $_i -le 50 ]
	ok "a login works on the new primary, without a restart"
	wait_log A "127.0.0.1:$P2" 10
	ok "the daemon says which primary it uses now"
	node "$P2" info replication | grep -q "role:master"
	ok "and that one is the primary"
}

# node_conf NAME PORT [REPLICAOF-PORT]: a Sentinel test's Redis node (no
# persistence, user default for replication and the sentinel, otpsms for
# the daemon); the test's node_listen PORT writes how it listens.
node_conf() {
	mkdir -p "$TESTDIR/$1"
	{
		node_listen "$2"
		echo "save \"\""
		echo "appendonly no"
		echo "dir $TESTDIR/$1"
		echo "logfile $TESTDIR/$1.log"
		echo "masterauth $APASS"
		echo "user default on >$APASS ~* &* +@all"
		echo "user otpsms on >$RPASS ~$PREFIX* +@all"
		[ -n "${3:-}" ] && echo "replicaof 127.0.0.1 $3"
	} > "$TESTDIR/$1.conf"
}
