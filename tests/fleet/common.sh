# Helpers of the fleet tests (tls.sh, sentinel.sh): daemons as "hosts" with
# their own sockets and logs, redis-server processes, polling bounded in
# time. Source after tests/lib.sh and make_testdir.

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
