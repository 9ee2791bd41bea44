# Shared by the fleet tests: one real redis-server on a free loopback port
# (ACL user otpsms with a random password, no persistence) and several
# daemons ("hosts", separate sockets) in one test directory. Source after
# tests/lib.sh and make_testdir.

RPORT=$(free_port)
RPASS=$(openssl rand -hex 16)
PREFIX="t$$:"
REDIS_PID=
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

rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" --user otpsms --pass "$RPASS" --no-auth-warning -n 3 "$@"; }

start_redis() {
	redis-server "$TESTDIR/redis.conf" &
	REDIS_PID=$!
	_i=0
	until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "redis-server did not start"
		sleep 0.05
	done
}
stop_redis() {
	if [ -n "$REDIS_PID" ]; then
		kill -CONT "$REDIS_PID" 2>/dev/null
		kill "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
	fi
}

# The store: section for the test's Redis; $1 is on_failure.
store_yaml() {
	printf 'store:\n  type: redis\n  url: redis://127.0.0.1:%s/3\n  username: otpsms\n  password_file: %s\n  key_prefix: "%s"\n  timeout: 300ms\n  on_failure: %s\nfleet_key_file: %s\n' \
	    "$RPORT" "$TESTDIR/redis.pass" "$PREFIX" "$1" "$TESTDIR/fleet.key"
}

# host_config NAME FILE: FILE (written by write_config) with its own socket.
host_config() {
	sed "s|^socket: .*|socket: $TESTDIR/run/$1.sock|" "$2" > "$TESTDIR/$1.yaml"
	chmod 644 "$TESTDIR/$1.yaml"
}

# start_host NAME CONFIG: otpsmsd -f, log in $TESTDIR/NAME.log.
start_host() {
	_sock=$(sed -n 's/^socket: //p' "$2")
	rm -f "$_sock"
	${OTPSMSD_WRAPPER:-} "$OTPSMSD" -f -c "$2" >"$TESTDIR/$1.log" 2>&1 &
	eval "PID_$1=$!"
	_i=0
	while [ ! -S "$_sock" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			sed 's/^/# daemon: /' "$TESTDIR/$1.log"
			bail "otpsmsd $1 did not start"
		fi
		sleep 0.05
	done
}
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
# The code sent to NUMBER last (every host writes one outbox).
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
ms() { date +%s%3N; }

# dump_redis FILE: every key under the prefix, its TTL and its contents;
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
