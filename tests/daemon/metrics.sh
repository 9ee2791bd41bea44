#!/bin/sh
# Metrics: otpsmsctl metrics (OpenMetrics, checked by the Python client's
# parser) and metrics_file (Prometheus text 0.0.4 for node_exporter's
# textfile collector, checked by promtool check metrics);
# the counters move after a login and a failed send; no user name or number
# in either; the file is replaced atomically, with its mode and owner, and
# never written through a link. contrib/grafana-otpsms.json uses only
# metrics that exist.
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"

[ -x "$CTL" ] || skip_all "otpsmsctl not built"
is_root || skip_all "otpsmsctl metrics is root's"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
PROMTOOL=$(command -v promtool) || skip_all "promtool not found (Debian: prometheus)"
# Debian's python3-prometheus-client is /usr/bin/python3's, which may not be
# the python3 on PATH.
PYOM=
for py in python3 /usr/bin/python3; do
	"$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null && { PYOM=$py; break; }
done
[ -n "$PYOM" ] || skip_all "python3-prometheus-client not found"

make_testdir
mkdir -p "$TESTDIR/textfile"
chown "$(daemon_user)" "$TESTDIR/textfile"
PROM="$TESTDIR/textfile/otpsmsd.prom"
# bob (+1...) goes only through a carrier that cannot write: a failed send.
write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
metrics_file: $PROM
metrics_interval: 1s
carriers:
  - {name: broken, type: file, path: $TESTDIR/missing/outbox.jsonl,
     breaker_failures: 1, breaker_cooldown: 1h}
  - {name: outbox, type: file, path: $TESTDIR/spool/outbox.jsonl}
routes:
  - {prefix: \"+44\", carriers: [outbox]}
  - {prefix: \"+1\", carriers: [broken]}"
start_daemon "$TESTDIR/otpsmsd.yaml"
ctl() { "$CTL" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
# value TEXT SAMPLE: the value of one sample line (name and labels as shown).
value() { printf '%s\n' "$1" | awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print "missing" }'; }

# --- otpsmsctl metrics: valid OpenMetrics, before anything happened.
m0=$(ctl metrics)
ok "otpsmsctl metrics"
# promtool (2.42) parses the 0.0.4 text format only: the OpenMetrics
# reference parser checks otpsmsctl's output, promtool metrics_file's.
check_om() {
	printf '%s\n' "$1" | "$PYOM" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
n = sum(1 for f in text_string_to_metric_families(sys.stdin.read()))
print("# %d families" % n)'
}
check_om "$m0"
ok "otpsmsctl metrics is valid OpenMetrics (prometheus_client's strict parser)"
is "$(printf '%s\n' "$m0" | tail -n 1)" "# EOF" "OpenMetrics ends with # EOF"
printf '%s\n' "$m0" | grep -q '^# TYPE otpsms_challenges counter$'
ok "OpenMetrics names a counter family without _total"
printf '%s\n' "$m0" | grep -q '^# UNIT otpsms_carrier_send_duration_seconds seconds$'
ok "OpenMetrics gives the histogram's unit"
is "$(value "$m0" 'otpsms_challenges_total{result="ok"}')" 0 "no challenge yet"
is "$(value "$m0" otpsms_up)" 1 "otpsms_up"
start=$(value "$m0" otpsms_start_time_seconds)
now=$(date +%s)
[ "$start" -le "$now" ] && [ "$start" -gt $((now - 600)) ]
ok "start time is the daemon's ($start)"

# --- A login (challenge + right code), a wrong code, a failed send.
out=$("$CLIENT" -s "$SOCKET" challenge alice sshd 192.0.2.7)
ok "challenge for alice"
id=${out%% *}
code=$(last_code)
is "$(value "$(ctl metrics)" otpsms_pending_codes)" 1 "one code pending"
wrong=$(awk -v c="$code" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$wrong")" "wrong 2" "a wrong code"
is "$("$CLIENT" -s "$SOCKET" verify "$id" alice "$code")" "ok" "the right code"
r=$("$CLIENT" -s "$SOCKET" challenge bob sshd)
case "$r" in "error 5 "*) pass "bob's send fails (DELIVERY)" ;; *) fail "bob's send fails: $r" ;; esac
r=$("$CLIENT" -s "$SOCKET" challenge carol sshd)
case "$r" in "error 4 "*) pass "carol has no number" ;; *) fail "carol: $r" ;; esac

m1=$(ctl metrics)
ok "otpsmsctl metrics after the login"
check_om "$m1"
ok "still valid OpenMetrics"
is "$(value "$m1" 'otpsms_challenges_total{result="ok"}')" 1 "challenges ok: 1"
is "$(value "$m1" 'otpsms_challenges_total{result="delivery"}')" 1 "challenges failed delivery: 1"
is "$(value "$m1" 'otpsms_challenges_total{result="nouser"}')" 1 "challenges without a number: 1"
is "$(value "$m1" 'otpsms_verifies_total{result="ok"}')" 1 "verifies ok: 1"
is "$(value "$m1" 'otpsms_verifies_total{result="wrong"}')" 1 "verifies wrong: 1"
is "$(value "$m1" otpsms_codes_sent_total)" 1 "codes sent (the policy's count): 1"
is "$(value "$m1" 'otpsms_carrier_sends_total{carrier="outbox",result="accepted"}')" 1 \
    "outbox accepted one send"
is "$(value "$m1" 'otpsms_carrier_sends_total{carrier="broken",result="failed"}')" 1 \
    "broken failed one send"
is "$(value "$m1" 'otpsms_carrier_breaker_state{carrier="broken",state="open"}')" 1 \
    "broken's breaker is open"
is "$(value "$m1" 'otpsms_carrier_breaker_state{carrier="outbox",state="closed"}')" 1 \
    "outbox's breaker is closed"
is "$(value "$m1" 'otpsms_carrier_send_duration_seconds_count{carrier="outbox"}')" 1 \
    "outbox's send latency observed once"
is "$(value "$m1" 'otpsms_carrier_send_duration_seconds_bucket{carrier="outbox",le="+Inf"}')" 1 \
    "and in the +Inf bucket"

# Refusals by reason: a caller not allowed, refused before anything is read.
chmod 666 "$SOCKET"
setpriv --reuid=65534 --regid=65534 --clear-groups "$CLIENT" -s "$SOCKET" \
    challenge alice >/dev/null 2>&1
m2=$(ctl metrics)
is "$(value "$m2" 'otpsms_refusals_total{reason="denied"}')" 1 "a refused caller counts as a refusal"

# --- Nothing that names a user or a number.
for t in "$m1" "$m2"; do
	printf '%s\n' "$t" | grep -E -n 'alice|bob|carol|\+?447700900123|15017122661|0123|2661' \
	    >"$TESTDIR/leak" && { fail "no user name or number: $(head -n 3 "$TESTDIR/leak")"; continue; }
	pass "no user name or number in otpsmsctl metrics"
done

# --- metrics_file: the daemon's own, rewritten every second.
_i=0
while ! grep -q 'otpsms_verifies_total{result="ok"} 1' "$PROM" 2>/dev/null; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && break
	sleep 0.05
done
[ -f "$PROM" ]
ok "metrics_file written"
"$PROMTOOL" check metrics <"$PROM" >"$TESTDIR/promtool.out" 2>&1
ok "promtool check metrics accepts metrics_file" || sed 's/^/# /' "$TESTDIR/promtool.out"
grep -q '^# TYPE otpsms_challenges_total counter$' "$PROM"
ok "metrics_file is text format 0.0.4 (counter family named with _total)"
grep -q '^# EOF\|^# UNIT' "$PROM"
[ $? -ne 0 ]
ok "metrics_file has no OpenMetrics-only lines"
is "$(value "$(cat "$PROM")" 'otpsms_challenges_total{result="ok"}')" 1 \
    "metrics_file shows the login"
is "$(stat -c '%a %U' "$PROM")" "644 $(daemon_user)" "mode 0644, owned by the daemon's user"
grep -E -q 'alice|bob|carol|447700900123|15017122661' "$PROM"
[ $? -ne 0 ]
ok "no user name or number in metrics_file"
ls -a "$TESTDIR/textfile" | grep -q '\.tmp$'
[ $? -ne 0 ]
ok "no temporary file left beside it"

# Atomic: a reader polling the file never sees it partial.
python3 - "$PROM" <<'PY'
import sys, time
end = time.time() + 2.5
n = bad = 0
while time.time() < end:
    try:
        t = open(sys.argv[1]).read()
    except FileNotFoundError:
        bad += 1
        continue
    n += 1
    if not t.startswith("# HELP otpsms_up") or \
       not t.rstrip("\n").endswith('_count{carrier="outbox"} 1'):
        bad += 1
print("# %d reads, %d partial or missing" % (n, bad))
sys.exit(1 if bad or n < 10 else 0)
PY
ok "never a partial or missing file while it is rewritten"
# A hard link keeps the old inode alive, so the file system cannot hand its
# number to the next file (a freed inode's number is often reused at once).
ln "$PROM" "$TESTDIR/held.prom"
ino1=$(stat -c %i "$TESTDIR/held.prom")
sleep 1.5
ino2=$(stat -c %i "$PROM")
rm -f "$TESTDIR/held.prom"
[ "$ino1" != "$ino2" ]
ok "the file is replaced (rename), not rewritten in place"

# A link planted at the path is replaced, never written through.
echo "precious" >"$TESTDIR/target"
ln -sf "$TESTDIR/target" "$PROM"
sleep 1.5
is "$(cat "$TESTDIR/target")" "precious" "a symlink at metrics_file is not followed"
[ -f "$PROM" ] && [ ! -L "$PROM" ]
ok "the link was replaced by the file"
# ... nor at the temporary name.
ln -sf "$TESTDIR/target" "$TESTDIR/textfile/.otpsmsd.prom.tmp"
sleep 1.5
is "$(cat "$TESTDIR/target")" "precious" "a symlink at the temporary name is not followed"

# --- The Grafana dashboard: valid JSON, every otpsms_* name it uses exists.
printf '%s\n' "$m2" >"$TESTDIR/metrics.txt"
python3 - "$top_srcdir/contrib/grafana-otpsms.json" "$TESTDIR/metrics.txt" <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
have = set()
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip():
        continue
    have.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("expr", "query") and isinstance(v, str):
                exprs.append(v)
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(dash)
used = set()
for e in exprs:
    used |= set(re.findall(r"\b(otpsms_[a-zA-Z0-9_]+)", e))
missing = sorted(used - have)
print("# %d queries, %d metric names" % (len(exprs), len(used)))
for m in missing:
    print("# missing: " + m)
sys.exit(1 if missing or not exprs else 0)
PY
ok "contrib/grafana-otpsms.json: valid JSON, every metric it uses exists"

kill -0 "$DAEMON_PID"
ok "the daemon survived"
stop_daemon
grep -q 'metrics_file' "$TESTDIR/otpsmsd.log"
[ $? -ne 0 ]
ok "no metrics_file error logged"
done_testing
