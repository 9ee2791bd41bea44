#!/bin/sh
# make bench: otpsmsd measured next to the machine's own limits, in one run.
#   send:    loadgen challenges -> otpsmsd -> twilio driver -> nginx (201)
#            vs wrk on the same nginx URL with the same connection count
#   verify:  loadgen verifies -> otpsmsd, vs the same load on bench/echo
#   memory:  bench/storemem (the daemon's store, 1,000,000 pending)
#   login:   pam_authenticate through libpam: pam_otpsms (file carrier) vs
#            Debian's pam_oath (HOTP users file)
#   cost:    the daemon's instructions (callgrind) and system calls (strace)
#            per send and per verify, which do not move with the machine's load
#   redis:   the send and verify runs again on a second daemon whose store is
#            a real redis-server (issue 7), each run right after the local
#            one; and whole logins (challenge + verify) one at a time through
#            bench/login, local and redis alternating: the latency Redis adds
# Everything on 127.0.0.1 or Unix sockets in a private directory; everything
# started is stopped on exit. Each rate is the median of BENCH_RUNS runs of
# BENCH_SECONDS, the spread (min..max) on a "#" line before the figures.
set -u
. "$top_srcdir/tests/lib.sh"

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-4}
CONC=${BENCH_CONC:-64}
USERS=${BENCH_USERS:-2000}
LOGINS=${BENCH_LOGINS:-101}
LATENCY_LOGINS=${BENCH_LATENCY_LOGINS:-2000}
LOADGEN=$top_builddir/bench/loadgen
ECHO=$top_builddir/bench/echo
PAMAUTH=$top_builddir/bench/pamauth
STOREMEM=$top_builddir/bench/storemem
LOGIN=$top_builddir/bench/login
CURLCLIENT=$top_builddir/bench/curlclient
CTL=$top_builddir/otpsmsctl
SMSC=$top_builddir/bench/smsc
SMPPCLIENT=$top_builddir/bench/smppclient

for c in nginx wrk; do
	command -v "$c" >/dev/null 2>&1 || { echo "bench: $c not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
NGINX=$(command -v nginx)
PAM_OATH=
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
    /lib/security /usr/lib/security; do
	[ -f "$d/pam_oath.so" ] && PAM_OATH=$d/pam_oath.so && break
done
[ -n "$PAM_OATH" ] || { echo "bench: pam_oath.so not found (libpam-oath)" >&2; exit 1; }
PAM_PERMIT=${PAM_OATH%/*}/pam_permit.so
[ -f "$PAM_PERMIT" ] || PAM_PERMIT=pam_permit.so

make_testdir
trap 'cleanup_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
diag "machine: $(nproc) cpu ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(uname -sr)"

# median FILE: the median of the numbers in FILE, one a line
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
spread() { sort -g "$1" | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s..%s", lo, hi}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }     # field NAME < "a=1 b=2"
# The daemon's longest loop turn (the longest it spent away from epoll_wait)
# since the last status, which resets it: loop_reset before a run, loop_note
# NAME FILE after (the "# NAME loop:" line; the ms appended to FILE).
loop_line() { "$CTL" -u "$(daemon_user)" -s "${1:-$SOCKET}" status 2>/dev/null | sed -n 's/^loop: //p'; }
loop_reset() { loop_line "$@" >/dev/null; }
loop_note() {
	_l=$(loop_line)
	diag "$1 loop: ${_l:-no status}"
	echo "$_l" | sed -n 's/^longest turn \([0-9.]*\) ms.*/\1/p' >> "$2"
}
# BENCH_ONLY="send tls verify smpp cost memory login redis" (the default: all): the
# parts to run; the figures of the others come out empty. redis adds its runs
# to the send, verify and login parts that run.
want() { case " ${BENCH_ONLY:-send tls verify smpp cost memory login redis} " in *" $1 "*) return 0;; esac; return 1; }

# BENCH_PERF=DIR: the daemon's first send and verify runs are recorded with
# `perf record -g` into DIR/send.data and DIR/verify.data.
PERF_PID=
profile() {
	[ -n "${BENCH_PERF:-}" ] && [ "$2" -eq 0 ] || return 0
	mkdir -p "$BENCH_PERF"
	perf record -q -F 999 --call-graph "${BENCH_PERF_CG:-fp}" -o "$BENCH_PERF/$1.data" -p "$DAEMON_PID" \
	    -- sleep "$((SECS + 1))" >/dev/null 2>&1 &
	PERF_PID=$!
}
profile_end() {
	[ -n "$PERF_PID" ] && wait "$PERF_PID"
	PERF_PID=
}

# Where the CPU went during a run: cpu_mark before, cpu_note NAME RATE after.
# Prints the daemon's and nginx's CPU time per message (from /proc, 10 ms
# ticks, over the warm-up and the window, so about), the machine's busy share
# of both cores, and how much of it the processes under test did not use
# (other work on the machine).
TICK=$(getconf CLK_TCK)
ticks() { for _p in $1 $(pgrep -P "$1" 2>/dev/null); do awk '{print $14 + $15}' "/proc/$_p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
machine() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
# cpu_mark [DAEMON_PID [REDIS_PID]]: another daemon than $DAEMON_PID, and
# redis-server's CPU as well (printed when given).
cpu_mark() {
	CPU_D=${1:-$DAEMON_PID}; CPU_R=${2:-}
	CPU_D0=$(ticks "$CPU_D"); CPU_N0=$(ticks "$NGINX_PID"); CPU_M0=$(machine)
	CPU_R0=0; [ -n "$CPU_R" ] && CPU_R0=$(ticks "$CPU_R")
	CPU_T0=$(date +%s.%N)
}
cpu_note() {
	CPU_R1=0; [ -n "$CPU_R" ] && CPU_R1=$(ticks "$CPU_R")
	awk -v name="$1" -v rate="$2" -v d0="$CPU_D0" -v d1="$(ticks "$CPU_D")" \
	    -v n0="$CPU_N0" -v n1="$(ticks "$NGINX_PID")" -v m0="$CPU_M0" \
	    -v r="$CPU_R" -v r0="$CPU_R0" -v r1="$CPU_R1" \
	    -v m1="$(machine)" -v t0="$CPU_T0" -v t1="$(date +%s.%N)" -v hz="$TICK" 'BEGIN {
		split(m0, a, " "); split(m1, b, " ")
		tot = b[1] - a[1]; busy = tot - (b[2] - a[2]); msgs = rate * (t1 - t0)
		if (msgs < 1) msgs = 1
		printf "%s cpu: daemon %.1f us/msg (%.0f%% of a core), nginx %.1f us/msg%s; machine %.0f%% busy\n",
		    name, (d1 - d0) / hz * 1e6 / msgs, (d1 - d0) / hz / (t1 - t0) * 100,
		    (n1 - n0) / hz * 1e6 / msgs,
		    (r == "" ? "" : sprintf(", redis-server %.1f us/msg", (r1 - r0) / hz * 1e6 / msgs)),
		    (tot > 0 ? busy / tot * 100 : 0)
	}'
}

# --- the redis store: a real redis-server, as tests/fleet/redis.sh runs it ----
# On a free loopback port, an ACL user with a password, no persistence. Each
# redis daemon is a second otpsmsd (its own socket) with the same config plus
# store: {type: redis} and a fleet key, started beside the local one so the
# runs of both alternate. REDIS_SKIP says why the redis part does not run.
REDIS_SKIP=
REDIS_PID=
RD_PID=
if ! want redis; then
	REDIS_SKIP="not in BENCH_ONLY"
elif ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	REDIS_SKIP="redis-server not installed (apt-get install redis-server)"
fi
. "$top_srcdir/tests/fleet/common.sh"
# On database 0 (common.sh's is the tests' 3).
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" --user otpsms --pass "$RPASS" --no-auth-warning "$@"; }
start_redis() {
	PREFIX=bench:
	acl_redis
	redis-server "$TESTDIR/redis.conf" &
	REDIS_PID=$!
	_i=0
	until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$REDIS_PID" 2>/dev/null; then
			REDIS_SKIP="redis-server did not start: $(tail -1 "$TESTDIR/redis.log" 2>/dev/null)"
			stop_redis
			return 1
		fi
		sleep 0.05
	done
	diag "redis: $(redis-server --version | cut -d' ' -f1-3) on 127.0.0.1:$RPORT"
}
stop_redis() {
	[ -n "$REDIS_PID" ] || return 0
	kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}
# start_rd CONFIG SOCKET: a copy of CONFIG on the redis store, its daemon on
# SOCKET (RD_PID, log in $TESTDIR/rd.log), once it answers verifies (which
# fail closed, ERROR, until it has connected to Redis).
start_rd() {
	sed "s|^socket: .*|socket: $2|; s|$OUTBOX|$TESTDIR/spool/rd-outbox.jsonl|" "$1" > "$TESTDIR/rd.yaml"
	printf 'store: { type: redis, url: "redis://127.0.0.1:%s/0", username: otpsms, password_file: %s, key_prefix: "bench:", timeout: 2s }\nfleet_key_file: %s\n' \
	    "$RPORT" "$TESTDIR/redis.pass" "$TESTDIR/fleet.key" >> "$TESTDIR/rd.yaml"
	rm -f "$2"
	"$OTPSMSD" -f -c "$TESTDIR/rd.yaml" > "$TESTDIR/rd.log" 2>&1 &
	RD_PID=$!
	_i=0
	until [ -S "$2" ] && "$LOADGEN" -s "$2" -m verify -c 1 -d 0.05 -w 0 -u 1 2>/dev/null |
	    grep -q '^ok=[1-9][0-9]* errors=0 '; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$RD_PID" 2>/dev/null; then
			sed 's/^/# redis daemon: /' "$TESTDIR/rd.log"
			echo "bench: otpsmsd on the redis store did not start" >&2
			exit 1
		fi
		sleep 0.05
	done
}
stop_rd() {
	[ -n "$RD_PID" ] || return 0
	kill "$RD_PID" 2>/dev/null; wait "$RD_PID" 2>/dev/null
	RD_PID=
}
at_cleanup 'stop_rd; stop_redis'
[ -z "$REDIS_SKIP" ] && start_redis
[ -n "$REDIS_SKIP" ] && diag "redis: skipped: $REDIS_SKIP"
RSOCK=$TESTDIR/run/rd.sock

# --- the carrier: nginx answering the Twilio-shaped POST ---------------------
# Cleartext on NGINX_PORT; HTTPS with a test CA's certificate (made here) on
# TLS_PORT (HTTP/1.1 only) and H2_PORT (ALPN h2, HTTP/1.1 for wrk).
NGINX_PORT=$(free_port)
TLS_PORT=$(free_port)
H2_PORT=$(free_port)
mkdir -p "$TESTDIR/nginx" "$TESTDIR/tls"
TLS_OK=
if want tls && command -v openssl >/dev/null 2>&1; then
	_t=$TESTDIR/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$_t/ca.key" -out "$_t/ca.pem" -days 2 -subj "/CN=otpsms bench CA" >/dev/null 2>&1 &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$_t/srv.key" -out "$_t/srv.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$_t/srv.ext" &&
	openssl x509 -req -in "$_t/srv.csr" -CA "$_t/ca.pem" -CAkey "$_t/ca.key" \
	    -CAcreateserial -days 2 -extfile "$_t/srv.ext" -out "$_t/srv.pem" >/dev/null 2>&1 &&
	TLS_OK=1
fi
TLS_SERVERS=
[ -n "$TLS_OK" ] && TLS_SERVERS="
	ssl_certificate $TESTDIR/tls/srv.pem;
	ssl_certificate_key $TESTDIR/tls/srv.key;
	ssl_session_cache shared:bench:10m;
	server {
		listen 127.0.0.1:$TLS_PORT ssl;
		location / {
			default_type application/json;
			return 201 '{\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"status\":\"queued\"}';
		}
	}
	# HTTP/2: nginx's return answers before the request's DATA frame is
	# read and resets the stream (NO_ERROR), which curl 7.88 reports as
	# a failed transfer (about 1% of sends). A carrier reads the body:
	# here nginx reads it too, proxying to a return on a Unix socket.
	upstream answer { server unix:$TESTDIR/nginx/answer.sock; keepalive 64; }
	server {
		listen unix:$TESTDIR/nginx/answer.sock;
		location / {
			default_type application/json;
			return 201 '{\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"status\":\"queued\"}';
		}
	}
	server {
		listen 127.0.0.1:$H2_PORT ssl http2;
		location / {
			proxy_pass http://answer;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
		}
	}"
cat > "$TESTDIR/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TESTDIR/nginx/nginx.pid;
error_log $TESTDIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 10000000;
	keepalive_timeout 60s;
	client_body_temp_path $TESTDIR/nginx/body;
	proxy_temp_path $TESTDIR/nginx/proxy;
	fastcgi_temp_path $TESTDIR/nginx/fastcgi;
	uwsgi_temp_path $TESTDIR/nginx/uwsgi;
	scgi_temp_path $TESTDIR/nginx/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		location / {
			default_type application/json;
			return 201 '{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}';
		}
	}$TLS_SERVERS
}
EOF
"$NGINX" -p "$TESTDIR/nginx" -c "$TESTDIR/nginx/nginx.conf" 2>"$TESTDIR/nginx/stderr" &
NGINX_PID=$!
at_cleanup 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null'
URL=http://127.0.0.1:$NGINX_PORT/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json
i=0
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$NGINX_PORT" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat "$TESTDIR/nginx/stderr" >&2; echo "bench: nginx did not start" >&2; exit 1; }
	sleep 0.05
done

# --- the daemon: many users, twilio driver on nginx, no limits in the way ----
(umask 077 && echo 0123456789abcdef0123456789abcdef > "$TESTDIR/twilio.token")
# The daemon's rate limits would (rightly) stop one user's thousands of logins.
LIMITS_OFF='limits: { per_user: off, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0, pending: off }'
CONFIG_EXTRA_USERS=$(awk -v n="$USERS" 'BEGIN { for (i = 0; i < n; i++) printf "  bench%d: \"+4477009%05d\"\n", i, i }')
write_config "$TESTDIR/otpsmsd.yaml" "max_clients: 4096
message: \"{code} is your code\"
code: { reuse_window: 0s }
$LIMITS_OFF
carriers:
  - name: nginx
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token_file: $TESTDIR/twilio.token
    from: \"+15017122661\"
    api_url: http://127.0.0.1:$NGINX_PORT"
# BENCH_LOOP_PROFILE=1: the daemon of the send and verify runs with -d, so
# the loop also measures its turns' CPU time (in the "loop:" lines) and logs
# every turn of 5 ms or more with its CPU time and slowest handler (printed
# after the runs): a stall of the daemon's own, or the machine preempting it.
if [ -n "${BENCH_LOOP_PROFILE:-}" ]; then
	printf '#!/bin/sh\nexec "$@" -d\n' > "$TESTDIR/with-d"
	chmod 755 "$TESTDIR/with-d"
	OTPSMSD_WRAPPER=$TESTDIR/with-d start_daemon "$TESTDIR/otpsmsd.yaml"
else
	start_daemon "$TESTDIR/otpsmsd.yaml"
fi
[ -z "$REDIS_SKIP" ] && { want send || want verify; } && start_rd "$TESTDIR/otpsmsd.yaml" "$RSOCK"

# wrk sends what the daemon sends: the same POST, form and Basic auth.
cat > "$TESTDIR/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = "To=%2B447700900001&From=%2B15017122661&Body=123456%20is%20your%20code"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
EOF
: > "$TESTDIR/send"; : > "$TESTDIR/sendp99"; : > "$TESTDIR/http"; : > "$TESTDIR/curl"
: > "$TESTDIR/loopsend"; : > "$TESTDIR/loopverify"; : > "$TESTDIR/loophalf"
: > "$TESTDIR/verify"; : > "$TESTDIR/unix"
: > "$TESTDIR/rsend"; : > "$TESTDIR/rsendp99"; : > "$TESTDIR/rverify"
r=0
while want send && [ $r -lt "$RUNS" ]; do
	profile send $r
	loop_reset
	cpu_mark
	out=$("$LOADGEN" -s "$SOCKET" -m challenge -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
	profile_end
	diag "send run $((r + 1)): $out"
	diag "$(cpu_note send "$(echo "$out" | field rate)")"
	loop_note send "$TESTDIR/loopsend"
	echo "$out" | field rate >> "$TESTDIR/send"
	echo "$out" | field p99_ms >> "$TESTDIR/sendp99"
	if [ -n "$RD_PID" ]; then
		cpu_mark "$RD_PID" "$REDIS_PID"
		out=$("$LOADGEN" -s "$RSOCK" -m challenge -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
		diag "send redis run $((r + 1)): $out"
		diag "$(cpu_note "send redis" "$(echo "$out" | field rate)")"
		echo "$out" | field rate >> "$TESTDIR/rsend"
		echo "$out" | field p99_ms >> "$TESTDIR/rsendp99"
	fi
	out=$(wrk -t 1 -c "$CONC" -d "${SECS}s" -s "$TESTDIR/post.lua" "$URL" 2>&1)
	rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
	diag "wrk run $((r + 1)): $rps/s $(echo "$out" | grep -i 'non-2xx\|errors' | tr '\n' ' ')"
	echo "$rps" >> "$TESTDIR/http"
	# libcurl's own rate for the same POSTs, pooled handles, same
	# connection count: what the daemon could reach through curl.
	out=$("$CURLCLIENT" -u "$URL" -c "$CONC" -d "$SECS" -w 1)
	diag "curlclient run $((r + 1)): $out"
	echo "$out" | field rate >> "$TESTDIR/curl"
	r=$((r + 1))
done
diag "daemon rss after the send runs: $(sed -n 's/^VmRSS: *//p' /proc/$DAEMON_PID/status)"

# --- the send over HTTPS: HTTP/1.1 and HTTP/2 -------------------------------------
# A daemon per protocol, the same configuration on its own socket, its carrier
# on nginx's TLS port with ca_file: the bench CA (as a private CA would be
# deployed). Each round: the daemon's send rate, then wrk (HTTP/1.1) or
# h2load (HTTP/2: 1 connection per 16 streams, as many streams in flight as
# the daemon's clients) and curlclient (-2 for HTTP/2) on the same URL.
# start_tls NAME PORT: TLS_PID, TLS_SOCK.
start_tls() {
	TLS_SOCK=$TESTDIR/run/$1.sock
	sed "s|^socket: .*|socket: $TLS_SOCK|; s|$OUTBOX|$TESTDIR/spool/$1-outbox.jsonl|; s|api_url: http://127.0.0.1:$NGINX_PORT|api_url: https://127.0.0.1:$2\\
    ca_file: $TESTDIR/tls/ca.pem|" "$TESTDIR/otpsmsd.yaml" > "$TESTDIR/$1.yaml"
	rm -f "$TLS_SOCK"
	"$OTPSMSD" -f -c "$TESTDIR/$1.yaml" > "$TESTDIR/$1.log" 2>&1 &
	TLS_PID=$!
	_i=0
	until [ -S "$TLS_SOCK" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$TLS_PID" 2>/dev/null; then
			sed "s/^/# $1 daemon: /" "$TESTDIR/$1.log"
			echo "bench: otpsmsd on HTTPS did not start" >&2
			exit 1
		fi
		sleep 0.05
	done
}
TLS_PATH=/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json
: > "$TESTDIR/send_tls"; : > "$TESTDIR/curl_tls"; : > "$TESTDIR/http_tls"
: > "$TESTDIR/send_h2"; : > "$TESTDIR/curl_h2"; : > "$TESTDIR/http_h2"
TLS_SKIP=
if ! want tls; then TLS_SKIP="not in BENCH_ONLY"
elif [ -z "$TLS_OK" ]; then TLS_SKIP="cannot make the test certificate (openssl)"
elif ! command -v h2load >/dev/null 2>&1; then TLS_SKIP="h2load not installed (nghttp2-client)"
fi
[ -n "$TLS_SKIP" ] && diag "tls: skipped: $TLS_SKIP"
H2_CONNS=$(( (CONC + 15) / 16 ))
printf '%s' "To=%2B447700900001&From=%2B15017122661&Body=123456%20is%20your%20code" > "$TESTDIR/post.body"
for proto in tls h2; do
	[ -z "$TLS_SKIP" ] || break
	if [ $proto = tls ]; then port=$TLS_PORT; else port=$H2_PORT; fi
	start_tls "$proto" "$port"
	turl=https://127.0.0.1:$port$TLS_PATH
	r=0
	while [ $r -lt "$RUNS" ]; do
		cpu_mark "$TLS_PID"
		out=$("$LOADGEN" -s "$TLS_SOCK" -m challenge -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
		diag "send $proto run $((r + 1)): $out"
		diag "$(cpu_note "send $proto" "$(echo "$out" | field rate)")"
		echo "$out" | field rate >> "$TESTDIR/send_$proto"
		# The daemon's kept connections to nginx (multiplexed or not).
		command -v ss >/dev/null 2>&1 &&
		    diag "send $proto: the daemon holds $(ss -Htnp state established "( dport = :$port )" 2>/dev/null | grep -c "pid=$TLS_PID,") connections to nginx"
		if [ $proto = tls ]; then
			out=$(wrk -t 1 -c "$CONC" -d "${SECS}s" -s "$TESTDIR/post.lua" "$turl" 2>&1)
			rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
			diag "wrk https run $((r + 1)): $rps/s $(echo "$out" | grep -i 'non-2xx\|errors' | tr '\n' ' ')"
			copt=
		else
			out=$(h2load -c "$H2_CONNS" -m 16 -D "$SECS" --warm-up-time=1 \
			    -d "$TESTDIR/post.body" \
			    -H "Content-Type: application/x-www-form-urlencoded" \
			    -H "Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==" \
			    "$turl" 2>&1)
			rps=$(echo "$out" | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
			diag "h2load run $((r + 1)): $rps/s $(echo "$out" | grep '^requests:' | tr '\n' ' ')"
			copt=-2
		fi
		echo "${rps:-0}" >> "$TESTDIR/http_$proto"
		out=$("$CURLCLIENT" -u "$turl" -c "$CONC" -d "$SECS" -w 1 -k $copt)
		diag "curlclient $proto run $((r + 1)): $out"
		echo "$out" | field rate >> "$TESTDIR/curl_$proto"
		r=$((r + 1))
	done
	diag "$proto daemon: $(grep -c 'code sent' "$TESTDIR/$proto.log") sent, $(grep -c 'failed' "$TESTDIR/$proto.log") failures logged"
	grep 'failed' "$TESTDIR/$proto.log" | sed 's/.*failed/failed/' | sort | uniq -c | sort -rn | head -3 |
	    while read -r l; do diag "$proto daemon: $l"; done
	kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null
done

r=0
while want verify && [ $r -lt "$RUNS" ]; do
	profile verify $r
	loop_reset
	cpu_mark
	out=$("$LOADGEN" -s "$SOCKET" -m verify -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
	profile_end
	diag "verify run $((r + 1)): $out"
	diag "$(cpu_note verify "$(echo "$out" | field rate)")"
	loop_note verify "$TESTDIR/loopverify"
	echo "$out" | field rate >> "$TESTDIR/verify"
	if [ -n "$RD_PID" ]; then
		cpu_mark "$RD_PID" "$REDIS_PID"
		out=$("$LOADGEN" -s "$RSOCK" -m verify -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
		diag "verify redis run $((r + 1)): $out"
		diag "$(cpu_note "verify redis" "$(echo "$out" | field rate)")"
		echo "$out" | field rate >> "$TESTDIR/rverify"
	fi
	"$ECHO" -s "$TESTDIR/echo.sock" &
	ECHO_PID=$!
	i=0
	while [ ! -S "$TESTDIR/echo.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	out=$("$LOADGEN" -s "$TESTDIR/echo.sock" -m verify -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
	kill $ECHO_PID; wait $ECHO_PID 2>/dev/null
	diag "echo run $((r + 1)): $out"
	echo "$out" | field rate >> "$TESTDIR/unix"
	r=$((r + 1))
done
VERIFY=$(median "$TESTDIR/verify")
half=$(awk -v v="$VERIFY" 'BEGIN { printf "%d", v / 2 }')
: > "$TESTDIR/verifyp99"; : > "$TESTDIR/unixp99"
r=0
while want verify && [ $r -lt "$RUNS" ]; do
	loop_reset
	out=$("$LOADGEN" -s "$SOCKET" -m verify -c "$CONC" -d "$SECS" -w 1 -r "$half" -u "$USERS")
	diag "verify at $half/s run $((r + 1)): $out (load $(cut -d' ' -f1-3 /proc/loadavg))"
	loop_note "verify at $half/s" "$TESTDIR/loophalf"
	echo "$out" | field p99_ms >> "$TESTDIR/verifyp99"
	# The reference: the minimal server's own p99 at the same rate, same run.
	"$ECHO" -s "$TESTDIR/echo.sock" &
	ECHO_PID=$!
	i=0
	while [ ! -S "$TESTDIR/echo.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	out=$("$LOADGEN" -s "$TESTDIR/echo.sock" -m verify -c "$CONC" -d "$SECS" -w 1 -r "$half" -u "$USERS")
	kill $ECHO_PID; wait $ECHO_PID 2>/dev/null
	diag "echo at $half/s run $((r + 1)): $out"
	echo "$out" | field p99_ms >> "$TESTDIR/unixp99"
	r=$((r + 1))
done
stop_daemon
if [ -n "${BENCH_LOOP_PROFILE:-}" ]; then
	diag "long loop turns (-d): $(grep -c 'loop: a turn of' "$TESTDIR/otpsmsd.log")"
	grep 'loop: a turn of' "$TESTDIR/otpsmsd.log" | sort -t' ' -k7 -n | tail -20 | sed 's/^/# /'
fi
[ -n "$RD_PID" ] && diag "redis daemon rss after the send and verify runs: $(sed -n 's/^VmRSS: *//p' /proc/$RD_PID/status); redis-server: $(rcli info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p') for $(rcli dbsize) keys"
stop_rd

# --- SMPP: the daemon's smpp driver against bench/smsc ------------------------
# bench/smsc answers every submit_sm at once; its limit in the same run is
# bench/smppclient (one session, the same window, submit_sm of the same
# shape). The daemon: the same users and load as the send runs, its one
# carrier the smsc (window 100, the driver's largest).
: > "$TESTDIR/smpp"; : > "$TESTDIR/smpplimit"; : > "$TESTDIR/loopsmpp"
if want smpp; then
	"$SMSC" -p "$TESTDIR/smsc.port" &
	SMSC_PID=$!
	at_cleanup 'kill $SMSC_PID 2>/dev/null; wait $SMSC_PID 2>/dev/null'
	i=0
	while [ ! -s "$TESTDIR/smsc.port" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	SMSC_PORT=$(cat "$TESTDIR/smsc.port")
	(umask 077 && echo secret > "$TESTDIR/smpp.password")
	write_config "$TESTDIR/smpp.yaml" "max_clients: 4096
message: \"{code} is your code\"
code: { reuse_window: 0s }
$LIMITS_OFF
carriers:
  - name: smsc
    type: smpp
    host: 127.0.0.1
    port: $SMSC_PORT
    system_id: otpsms
    password_file: $TESTDIR/smpp.password
    system_type: OTP
    from: \"+447700900999\"
    window: 100"
	start_daemon "$TESTDIR/smpp.yaml"
	r=0
	while [ $r -lt "$RUNS" ]; do
		loop_reset
		cpu_mark
		out=$("$LOADGEN" -s "$SOCKET" -m challenge -c "$CONC" -d "$SECS" -w 1 -u "$USERS")
		diag "send smpp run $((r + 1)): $out"
		diag "$(cpu_note "send smpp" "$(echo "$out" | field rate)")"
		loop_note "send smpp" "$TESTDIR/loopsmpp"
		echo "$out" | field rate >> "$TESTDIR/smpp"
		out=$("$SMPPCLIENT" -p "$SMSC_PORT" -d "$SECS" -w 1 -W 100)
		diag "smppclient run $((r + 1)): $out"
		echo "$out" | field rate >> "$TESTDIR/smpplimit"
		r=$((r + 1))
	done
	stop_daemon
fi

# --- cost per message, whatever the machine's load ---------------------------
# Rates move with what else runs on the machine; these do not: the daemon's
# user-space instructions per message (callgrind, two runs of different
# length, the difference divided by the difference in messages, so start-up
# and shutdown cancel out) and its system calls per message (strace -c).
# Slow under valgrind, so few clients and short runs.
cost_ir() {   # cost_ir MODE SECONDS [CONFIG SOCKET]: "MESSAGES INSTRUCTIONS"
	# Opened as root at start, written as the daemon's user at exit.
	mkdir -p "$TESTDIR/cg"; : > "$TESTDIR/cg/out"; chmod 666 "$TESTDIR/cg/out"
	_n=0
	if [ -z "${3:-}" ]; then
		OTPSMSD_WRAPPER="valgrind -q --tool=callgrind --vgdb=no --callgrind-out-file=$TESTDIR/cg/out" \
		    start_daemon "$TESTDIR/otpsmsd.yaml" >&2
		_n=$("$LOADGEN" -s "$SOCKET" -m "$1" -c 4 -d "$2" -w 0 -u "$USERS" | field ok)
		stop_daemon >&2
	else
		rm -f "$4"
		valgrind -q --tool=callgrind --vgdb=no --callgrind-out-file="$TESTDIR/cg/out" \
		    "$OTPSMSD" -f -c "$3" > "$TESTDIR/cg/log" 2>&1 &
		_p=$!
		_i=0
		while [ ! -S "$4" ] && [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
		_n=$("$LOADGEN" -s "$4" -m "$1" -c 4 -d "$2" -w 0 -u "$USERS" | field ok)
		kill "$_p"; wait "$_p" 2>/dev/null
	fi
	echo "$_n $(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$TESTDIR/cg/out")"
}
cost_sys() {  # cost_sys MODE: "MESSAGES SYSCALLS" and the top calls in $TESTDIR/strace
	start_daemon "$TESTDIR/otpsmsd.yaml" >&2
	strace -c -f -o "$TESTDIR/strace" -p "$DAEMON_PID" 2>/dev/null &
	_st=$!
	sleep 0.5
	_n=$("$LOADGEN" -s "$SOCKET" -m "$1" -c 16 -d 2 -w 0 -u "$USERS" | field ok)
	kill -INT $_st; wait $_st 2>/dev/null
	stop_daemon >&2
	echo "$_n $(awk '$NF == "total" {print $4}' "$TESTDIR/strace")"
}
if want cost && command -v valgrind >/dev/null 2>&1 && command -v strace >/dev/null 2>&1; then
	for m in challenge verify; do
		a=$(cost_ir $m 2); b=$(cost_ir $m 6); c=$(cost_sys $m)
		diag "$m cost: $(echo "$a $b $c" | awk '{
		    printf "%.0f instructions/msg (user space; %d and %d msgs), %.1f syscalls/msg", \
		    ($4 - $2) / ($3 - $1), $1, $3, $6 / $5 }')"
		diag "$m syscalls/msg: $(awk -v n="${c%% *}" '$NF != "total" && $4 ~ /^[0-9]+$/ {
		    printf "%s %.2f, ", $NF, $4 / n }' "$TESTDIR/strace" | head -c 400)"
	done
fi
# The same over HTTPS, HTTP/1.1 and HTTP/2 (the tls part's configurations).
if want cost && [ -z "$TLS_SKIP" ] && command -v valgrind >/dev/null 2>&1; then
	for proto in tls h2; do
		a=$(cost_ir challenge 2 "$TESTDIR/$proto.yaml" "$TESTDIR/run/$proto.sock")
		b=$(cost_ir challenge 6 "$TESTDIR/$proto.yaml" "$TESTDIR/run/$proto.sock")
		# System calls: strace -c on a daemon of this configuration.
		rm -f "$TESTDIR/run/$proto.sock"
		"$OTPSMSD" -f -c "$TESTDIR/$proto.yaml" > "$TESTDIR/cg/log" 2>&1 &
		_p=$!
		_i=0
		while [ ! -S "$TESTDIR/run/$proto.sock" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
		strace -c -f -o "$TESTDIR/strace" -p "$_p" 2>/dev/null &
		_st=$!
		sleep 0.5
		_n=$("$LOADGEN" -s "$TESTDIR/run/$proto.sock" -m challenge -c 16 -d 2 -w 0 -u "$USERS" | field ok)
		kill -INT $_st; wait $_st 2>/dev/null
		kill "$_p"; wait "$_p" 2>/dev/null
		c="$_n $(awk '$NF == "total" {print $4}' "$TESTDIR/strace")"
		diag "challenge $proto cost: $(echo "$a $b $c" | awk '{
		    printf "%.0f instructions/msg (user space; %d and %d msgs), %.1f syscalls/msg", \
		    ($4 - $2) / ($3 - $1), $1, $3, $6 / $5 }')"
		diag "challenge $proto syscalls/msg: $(awk -v n="${c%% *}" '$NF != "total" && $4 ~ /^[0-9]+$/ {
		    printf "%s %.2f, ", $NF, $4 / n }' "$TESTDIR/strace" | head -c 400)"
	done
fi

# --- memory -------------------------------------------------------------------
: > "$TESTDIR/bpp"
r=0
while want memory && [ $r -lt "$RUNS" ]; do
	out=$("$STOREMEM" -n 1000000) || { echo "bench: storemem failed" >&2; exit 1; }
	diag "store run $((r + 1)): $out"
	echo "$out" | field bytes_per_pending >> "$TESTDIR/bpp"
	r=$((r + 1))
done

# --- logins through libpam ------------------------------------------------------
CONFIG_EXTRA_USERS=
write_config "$TESTDIR/login.yaml" "message: \"{code} is your code\"
code: { reuse_window: 0s }
$LIMITS_OFF"
start_daemon "$TESTDIR/login.yaml"
mkdir -p "$TESTDIR/pam.d"
echo "auth required $PAM_MODULE socket=$SOCKET daemon_user=$(daemon_user) timeout=10" \
    > "$TESTDIR/pam.d/bench-otpsms"
KEY=3132333435363738393031323334353637383930
printf 'HOTP\talice\t-\t%s\n' "$KEY" > "$TESTDIR/oath.users"
chmod 600 "$TESTDIR/oath.users"
echo "auth required $PAM_OATH usersfile=$TESTDIR/oath.users window=5 digits=6" \
    > "$TESTDIR/pam.d/bench-oath"
# libpam's own cost in the same run: pam_start, a stack of one module that
# asks nothing, pam_end. The modules' figures are also given above it.
echo "auth required $PAM_PERMIT" > "$TESTDIR/pam.d/bench-permit"
: > "$TESTDIR/pam"; : > "$TESTDIR/oath"; : > "$TESTDIR/permit"
r=0
while want login && [ $r -lt "$RUNS" ]; do
	out=$("$PAMAUTH" -d "$TESTDIR/pam.d" -s bench-otpsms -u alice -n "$LOGINS" -o "$OUTBOX") ||
	    { cat "$TESTDIR/otpsmsd.log" | tail -5 >&2; echo "bench: pam_otpsms logins failed" >&2; exit 1; }
	diag "pam_otpsms run $((r + 1)): $out"
	echo "$out" | field median_ms >> "$TESTDIR/pam"
	# A fresh users file each run: HOTP counters start at 0.
	printf 'HOTP\talice\t-\t%s\n' "$KEY" > "$TESTDIR/oath.users"
	out=$("$PAMAUTH" -d "$TESTDIR/pam.d" -s bench-oath -u alice -n "$LOGINS" -k "$KEY") ||
	    { echo "bench: pam_oath logins failed" >&2; exit 1; }
	diag "pam_oath run $((r + 1)): $out"
	echo "$out" | field median_ms >> "$TESTDIR/oath"
	out=$("$PAMAUTH" -d "$TESTDIR/pam.d" -s bench-permit -u alice -n "$LOGINS") ||
	    { echo "bench: pam_permit logins failed" >&2; exit 1; }
	diag "pam_permit run $((r + 1)): $out"
	echo "$out" | field median_ms >> "$TESTDIR/permit"
	r=$((r + 1))
done
stop_daemon

# --- login latency: local store vs redis store ----------------------------------
# bench/login: LATENCY_LOGINS whole logins one after another (challenge, the
# code from the file carrier's outbox, verify OK), the two exchanges timed;
# the local daemon and the redis one alternate run by run. The policy is on,
# as deployed (every bucket checked and spent, lockout at its defaults; with
# the redis store, through Redis), with buckets no run can empty. Redis
# commands per login from INFO commandstats around the redis runs (whatever
# the store's number of round trips becomes; redis-cli's own INFO, AUTH and
# PING not counted).
LIMITS_HIGH='limits: { per_user: 1000/1s, per_number: 1000/1s, per_prefix: 1000000/1s, per_country: 1000000/1s, global: 1000000/1s, backoff_after: 5 }'
: > "$TESTDIR/lat50"; : > "$TESTDIR/lat99"; : > "$TESTDIR/rlat50"; : > "$TESTDIR/rlat99"
: > "$TESTDIR/rcmds"
if want login && [ -z "$REDIS_SKIP" ]; then
	CONFIG_EXTRA_USERS=$(awk -v n="$USERS" 'BEGIN { for (i = 0; i < n; i++) printf "  bench%d: \"+4477009%05d\"\n", i, i }')
	write_config "$TESTDIR/latency.yaml" "message: \"{code} is your code\"
code: { reuse_window: 0s }
$LIMITS_HIGH
lockout: { failures: 5, window: 15m, duration: 15m }"
	CONFIG_EXTRA_USERS=
	start_daemon "$TESTDIR/latency.yaml"
	start_rd "$TESTDIR/latency.yaml" "$RSOCK"
	bycmd() { rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ && $1 !~ /^cmdstat_(info|auth|ping)$/ { sub("cmdstat_", "", $1); print $1, $3 }'; }
	calls() { bycmd | awk '{ s += $2 } END { print s + 0 }'; }
	bycmd > "$TESTDIR/cmds0"
	r=0
	while [ $r -lt "$RUNS" ]; do
		out=$("$LOGIN" -s "$SOCKET" -o "$OUTBOX" -n "$LATENCY_LOGINS" -u "$USERS") ||
		    { tail -5 "$TESTDIR/otpsmsd.log" >&2; echo "bench: logins on the local store failed" >&2; exit 1; }
		diag "login local run $((r + 1)): $out"
		echo "$out" | field p50_ms >> "$TESTDIR/lat50"
		echo "$out" | field p99_ms >> "$TESTDIR/lat99"
		c0=$(calls)
		out=$("$LOGIN" -s "$RSOCK" -o "$TESTDIR/spool/rd-outbox.jsonl" -n "$LATENCY_LOGINS" -u "$USERS") ||
		    { tail -5 "$TESTDIR/rd.log" >&2; echo "bench: logins on the redis store failed" >&2; exit 1; }
		c1=$(calls)
		diag "login redis run $((r + 1)): $out"
		echo "$out" | field p50_ms >> "$TESTDIR/rlat50"
		echo "$out" | field p99_ms >> "$TESTDIR/rlat99"
		awk -v a="$c0" -v b="$c1" -v n="$LATENCY_LOGINS" 'BEGIN { printf "%.2f\n", (b - a) / n }' >> "$TESTDIR/rcmds"
		r=$((r + 1))
	done
	bycmd > "$TESTDIR/cmds1"
	diag "redis commands per login (challenge + verify): $(median "$TESTDIR/rcmds") ($(awk -v n="$((RUNS * LATENCY_LOGINS))" \
	    'NR == FNR { a[$1] = $2; next } $2 - a[$1] > 0 { printf "%s%s %.2f", sep, $1, ($2 - a[$1]) / n; sep = ", " }' \
	    "$TESTDIR/cmds0" "$TESTDIR/cmds1"))"
	stop_rd
	stop_daemon
fi
stop_redis

# --- the figures ------------------------------------------------------------------
SEND=$(median "$TESTDIR/send"); HTTP=$(median "$TESTDIR/http"); CURL=$(median "$TESTDIR/curl")
UNIX=$(median "$TESTDIR/unix"); PAM=$(median "$TESTDIR/pam"); OATH=$(median "$TESTDIR/oath")
PERMIT=$(median "$TESTDIR/permit")
diag "spread (min..max of $RUNS runs): send $(spread "$TESTDIR/send"), send_p99 $(spread "$TESTDIR/sendp99"), http $(spread "$TESTDIR/http"), verify $(spread "$TESTDIR/verify"), unix $(spread "$TESTDIR/unix"), verify_p99 $(spread "$TESTDIR/verifyp99"), echo p99 at that rate $(spread "$TESTDIR/unixp99") (median $(median "$TESTDIR/unixp99")), bytes_per_pending $(spread "$TESTDIR/bpp"), pam_auth $(spread "$TESTDIR/pam"), pam_oath $(spread "$TESTDIR/oath"), pam_permit $(spread "$TESTDIR/permit"), curl $(spread "$TESTDIR/curl"), loop_max_ms send $(spread "$TESTDIR/loopsend") verify $(spread "$TESTDIR/loopverify") at half load $(spread "$TESTDIR/loophalf") smpp $(spread "$TESTDIR/loopsmpp"), send_smpp $(spread "$TESTDIR/smpp"), smpp_limit $(spread "$TESTDIR/smpplimit")"
diag "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpu"
awk -v s="$SEND" -v sp="$(median "$TESTDIR/sendp99")" -v h="$HTTP" -v v="$VERIFY" \
    -v u="$UNIX" -v vp="$(median "$TESTDIR/verifyp99")" -v b="$(median "$TESTDIR/bpp")" \
    -v p="$PAM" -v o="$OATH" -v c="$CURL" -v pp="$PERMIT" \
    -v ls="$(median "$TESTDIR/loopsend")" -v lv="$(median "$TESTDIR/loopverify")" \
    -v lh="$(median "$TESTDIR/loophalf")" -v ep="$(median "$TESTDIR/unixp99")" \
    -v sm="$(median "$TESTDIR/smpp")" -v sl="$(median "$TESTDIR/smpplimit")" \
    -v lsm="$(median "$TESTDIR/loopsmpp")" 'BEGIN {
	printf "send_rate: %d /s\n", s
	printf "send_p99: %.2f ms\n", sp
	printf "http_limit: %d /s\n", h
	printf "send_vs_limit: %.2f\n", (h > 0 ? s / h : 0)
	printf "curl_limit: %d /s\n", c
	printf "send_vs_curl: %.2f\n", (c > 0 ? s / c : 0)
	printf "send_rate_smpp: %d /s\n", sm
	printf "smpp_limit: %d /s\n", sl
	printf "smpp_vs_limit: %.2f\n", (sl > 0 ? sm / sl : 0)
	printf "loop_max_ms_smpp: %.3f\n", lsm
	printf "verify_rate: %d /s\n", v
	printf "unix_limit: %d /s\n", u
	printf "verify_vs_limit: %.2f\n", (u > 0 ? v / u : 0)
	printf "verify_p99: %.2f ms\n", vp
	printf "echo_p99: %.2f ms\n", ep
	printf "verify_p99_vs_echo: %.2f\n", (ep > 0 ? vp / ep : 0)
	printf "loop_max_ms: %.3f\n", lh
	printf "loop_max_ms_send: %.3f\n", ls
	printf "loop_max_ms_verify: %.3f\n", lv
	printf "bytes_per_pending: %.0f\n", b
	printf "pam_auth_ms: %.3f\n", p
	printf "pam_oath_ms: %.3f\n", o
	printf "pam_vs_oath: %.2f\n", (o > 0 ? p / o : 0)
	printf "pam_permit_ms: %.3f\n", pp
	printf "pam_auth_above_permit_ms: %.3f\n", p - pp
	printf "pam_oath_above_permit_ms: %.3f\n", o - pp
	printf "pam_vs_oath_above_permit: %.2f\n", (o - pp > 0 ? (p - pp) / (o - pp) : 0)
}'
if [ -n "$TLS_SKIP" ]; then
	echo "tls: skipped: $TLS_SKIP"
else
	diag "tls spread (min..max of $RUNS runs): send_tls $(spread "$TESTDIR/send_tls"), curl_tls $(spread "$TESTDIR/curl_tls"), http_tls $(spread "$TESTDIR/http_tls"), send_h2 $(spread "$TESTDIR/send_h2"), curl_h2 $(spread "$TESTDIR/curl_h2"), http_h2 $(spread "$TESTDIR/http_h2")"
	awk -v s="$(median "$TESTDIR/send_tls")" -v c="$(median "$TESTDIR/curl_tls")" \
	    -v h="$(median "$TESTDIR/http_tls")" -v s2="$(median "$TESTDIR/send_h2")" \
	    -v c2="$(median "$TESTDIR/curl_h2")" -v h2="$(median "$TESTDIR/http_h2")" 'BEGIN {
		printf "send_rate_tls: %d /s\n", s
		printf "curl_limit_tls: %d /s\n", c
		printf "send_vs_curl_tls: %.2f\n", (c > 0 ? s / c : 0)
		printf "http_limit_tls: %d /s\n", h
		printf "send_vs_limit_tls: %.2f\n", (h > 0 ? s / h : 0)
		printf "send_rate_h2: %d /s\n", s2
		printf "curl_limit_h2: %d /s\n", c2
		printf "send_vs_curl_h2: %.2f\n", (c2 > 0 ? s2 / c2 : 0)
		printf "http_limit_h2: %d /s\n", h2
		printf "send_vs_limit_h2: %.2f\n", (h2 > 0 ? s2 / h2 : 0)
	}'
fi
if [ -n "$REDIS_SKIP" ]; then
	echo "redis: skipped: $REDIS_SKIP"
	exit 0
fi
diag "redis spread (min..max of $RUNS runs): send_redis $(spread "$TESTDIR/rsend"), send_p99_redis $(spread "$TESTDIR/rsendp99"), verify_redis $(spread "$TESTDIR/rverify"), login_p50_local $(spread "$TESTDIR/lat50"), login_p50_redis $(spread "$TESTDIR/rlat50"), login_p99_local $(spread "$TESTDIR/lat99"), login_p99_redis $(spread "$TESTDIR/rlat99")"
awk -v s="$SEND" -v rs="$(median "$TESTDIR/rsend")" -v rsp="$(median "$TESTDIR/rsendp99")" \
    -v v="$VERIFY" -v rv="$(median "$TESTDIR/rverify")" \
    -v l50="$(median "$TESTDIR/lat50")" -v r50="$(median "$TESTDIR/rlat50")" \
    -v l99="$(median "$TESTDIR/lat99")" -v r99="$(median "$TESTDIR/rlat99")" 'BEGIN {
	printf "send_rate_redis: %d /s\n", rs
	printf "send_p99_redis: %.2f ms\n", rsp
	printf "redis_vs_local_send: %.2f\n", (s > 0 ? rs / s : 0)
	printf "verify_rate_redis: %d /s\n", rv
	printf "redis_vs_local_verify: %.2f\n", (v > 0 ? rv / v : 0)
	printf "login_p50_ms_local: %.3f\n", l50
	printf "login_p50_ms_redis: %.3f\n", r50
	printf "login_p99_ms_local: %.3f\n", l99
	printf "login_p99_ms_redis: %.3f\n", r99
	printf "redis_extra_p50_ms: %.3f\n", r50 - l50
	printf "redis_extra_p99_ms: %.3f\n", r99 - l99
	printf "redis_vs_local_login_p50: %.2f\n", (l50 > 0 ? r50 / l50 : 0)
	printf "redis_vs_local_login_p99: %.2f\n", (l99 > 0 ? r99 / l99 : 0)
}'
