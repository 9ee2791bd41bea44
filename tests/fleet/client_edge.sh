#!/bin/sh
# The Redis client (helper/redis/redis_client.c) against a misbehaving server: a
# proxy in front of a real redis-server that answers one command at a time
# and, as told, cuts replies into 1-byte pieces, sends two replies in one
# segment, never answers, closes mid-reply, announces a huge array, sends a
# reply too big in total (elements or bytes), or one nobody asked for.
# Every request is answered once (fails closed when the reply is bad), the
# connection is made again, and the daemon stays up and clean.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
PID_A=
PROXY_PID=
at_cleanup 'stop_host A; [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; stop_redis R'

ALICE=+447700900123
BOB=+15017122661
PPORT=$(free_port)
MODE=$TESTDIR/mode
: > "$MODE"

# The proxy. MODE holds "split" or "coalesce" (every reply, until changed)
# or a fault for the next EVAL only (the file is then emptied): hang,
# close, hugehdr, elements, bulk, extra.
cat > "$TESTDIR/proxy.py" <<'PY'
import os, socket, sys, threading, time

lport, uport, modefile, logfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()

def log(msg):
    with lock, open(logfile, "a") as f:
        f.write(msg + "\n")

def mode_for(name):
    with lock:
        with open(modefile) as f:
            m = f.read().strip()
        if m in ("split", "coalesce"):
            return m
        if m and name == b"EVAL":
            open(modefile, "w").close()
            return m
    return ""

def read_reply(f):
    line = f.readline()
    if not line:
        raise EOFError
    t, n = line[:1], line[1:-2]
    if t == b"$" and int(n) >= 0:
        return line + f.read(int(n) + 2)
    if t == b"*":
        return line + b"".join(read_reply(f) for _ in range(max(int(n), 0)))
    return line

def commands(buf):
    """Whole commands at the start of buf (RESP arrays of bulk strings)."""
    out = []
    while True:
        p = 0
        try:
            e = buf.index(b"\r\n", p)
            argc, p, args = int(buf[1:e]), e + 2, []
            for _ in range(argc):
                e = buf.index(b"\r\n", p)
                n = int(buf[p + 1:e])
                if len(buf) < e + 2 + n + 2:
                    raise ValueError
                args.append(buf[e + 2:e + 2 + n])
                p = e + 2 + n + 2
        except ValueError:
            return out, buf
        out.append((buf[:p], args[0].upper()))
        buf = buf[p:]

def serve(c):
    u = socket.create_connection(("127.0.0.1", uport))
    uf = u.makefile("rb")
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf, hung = b"", False
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            buf += data
            cmds, buf = commands(buf)
            if cmds and mode_for(b"") == "coalesce":
                # Wait for more, to answer them in one segment.
                c.settimeout(0.2)
                try:
                    while True:
                        data = c.recv(65536)
                        if not data:
                            break
                        buf += data
                except socket.timeout:
                    pass
                c.settimeout(None)
                more, buf = commands(buf)
                cmds += more
            replies = []
            for raw, name in cmds:
                if hung:
                    continue
                m = mode_for(name)
                u.sendall(raw)
                r = read_reply(uf)
                if m:
                    log("%s %s" % (m, name.decode()))
                if m == "hang":
                    hung = True
                    continue
                if m == "close":
                    c.sendall(r[:len(r) // 2])
                    time.sleep(0.05)
                    return
                if m == "hugehdr":
                    r = b"*2000000000\r\n"
                elif m == "elements":
                    r = b"*2\r\n" + (b"*3000\r\n" + b":1\r\n" * 3000) * 2
                elif m == "bulk":
                    r = b"*4\r\n" + (b"$900000\r\n" + b"x" * 900000 + b"\r\n") * 4
                elif m == "extra":
                    r += b"+OK\r\n"
                replies.append((m, r))
            if len(replies) > 1 and replies[0][0] == "coalesce":
                log("coalesced %d replies" % len(replies))
                c.sendall(b"".join(r for _, r in replies))
                continue
            for m, r in replies:
                if m == "split":
                    for i in range(len(r)):
                        c.sendall(r[i:i + 1])
                        time.sleep(0.001)
                else:
                    c.sendall(r)
    except (OSError, EOFError):
        pass
    finally:
        c.close()
        u.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", lport))
s.listen(16)
log("listening")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

write_config "$TESTDIR/a.yaml" "$(acl_store_yaml closed |
    sed "s|redis://127.0.0.1:$RPORT/|redis://127.0.0.1:$PPORT/|; s|timeout: 300ms|timeout: 1s|")
code: { reuse_window: 0 }
limits: { per_user: 100/10m, per_number: off, per_prefix: off, per_country: off, global: 1000/1h }"

start_redis R "$TESTDIR/redis.conf"
python3 "$TESTDIR/proxy.py" "$PPORT" "$RPORT" "$MODE" "$TESTDIR/proxy.log" &
PROXY_PID=$!
wait_proxy() {
	_i=0
	until grep -q listening "$TESTDIR/proxy.log" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "the proxy did not start"
		sleep 0.05
	done
}
wait_proxy
start_host A "$TESTDIR/a.yaml"
wait_log A "redis store .*connected"
ok "the daemon connects through the proxy (AUTH, PING)"

is "$(login "$SOCKET" alice)" ok "a login through the proxy"
nfd() { ls "/proc/$PID_A/fd" | wc -l; }
sleep 0.3
fds=$(nfd)

# mark; since PATTERN [TENTHS]: until a line logged after the mark matches
# (bounded).
mark() { from=$(($(wc -l < "$TESTDIR/A.log") + 1)); }
since() {
	_i=0
	until tail -n "+$from" "$TESTDIR/A.log" | grep -q "$1"; do
		_i=$((_i + 1))
		[ $_i -gt "${2:-100}" ] && return 1
		sleep 0.1
	done
}
# fault MODE WHAT PATTERN: the next EVAL gets MODE; the challenge fails
# closed within the timeout, the log says PATTERN, the connection comes
# back and a login works again.
fault() {
	sleep 0.3    # the last login's background requests are done
	mark
	echo "$1" > "$MODE"
	t0=$(ms)
	r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
	rc=$?
	t1=$(ms)
	is "$rc" 2 "$2: the challenge fails closed"
	case "$r" in "error 6 "*) pass "$2: error INTERNAL" ;; *) fail "$2: error INTERNAL ($r)" ;; esac
	[ $((t1 - t0)) -lt 3000 ]
	ok "$2: answered within the timeout ($((t1 - t0)) ms)"
	grep -q "$1 EVAL" "$TESTDIR/proxy.log"
	ok "$2: the proxy did it"
	since "$3" 30
	ok "$2: the daemon says \"$3\""
	since "redis store .*back after"
	ok "$2: the connection is made again"
	is "$(login "$SOCKET" alice)" ok "$2: a login works again"
}

# Replies in 1-byte pieces, each its own segment.
echo split > "$MODE"
is "$(login "$SOCKET" alice)" ok "replies cut into 1-byte pieces"
is "$(login "$SOCKET" bob)" ok "again, for another user"

# Two replies in one segment: two logins at once.
sleep 0.3
echo coalesce > "$MODE"
login "$SOCKET" alice > "$TESTDIR/l1" &
l1=$!
login "$SOCKET" bob > "$TESTDIR/l2" &
l2=$!
wait $l1 $l2
: > "$MODE"
is "$(cat "$TESTDIR/l1") $(cat "$TESTDIR/l2")" "ok ok" \
    "two logins whose replies share segments"
grep -q "coalesced [2-9] replies" "$TESTDIR/proxy.log"
ok "the proxy did send several replies in one segment"

fault hang "no reply" "no reply within the timeout"
fault close "closed mid-reply" "connection closed"
fault hugehdr "an array of 2000000000 elements" "protocol error in a reply"
fault elements "6002 elements in nested arrays" "protocol error in a reply"
fault bulk "3.6 MB in one reply" "protocol error in a reply"

# A reply nobody asked for, behind a good one: the connection goes.
sleep 0.3
mark
echo extra > "$MODE"
"$CLIENT" -s "$SOCKET" challenge bob sshd > /dev/null
since "a reply nobody asked for" 30
ok "an unasked-for reply drops the connection"
since "redis store .*back after"
ok "which is made again"
is "$(login "$SOCKET" alice)" ok "and a login works"

kill -0 "$PID_A"
ok "the daemon is still running"
# (A client's connection may take a moment to be closed under valgrind.)
_i=0
while [ "$(nfd)" -ne "$fds" ] && [ $_i -lt 30 ]; do _i=$((_i + 1)); sleep 0.1; done
is "$(nfd)" "$fds" "as many descriptors open as before the faults"
[ "$(nfd)" -eq "$fds" ] || ls -l "/proc/$PID_A/fd" | sed 's/^/# /'
grep -q "$RPASS" "$TESTDIR/A.log"
[ $? -ne 0 ]
ok "the Redis password is not in the log"

stop_host A
[ "$_tap_failed" -eq 0 ] || tail -n 30 "$TESTDIR/A.log" | sed 's/^/# A: /'
done_testing
