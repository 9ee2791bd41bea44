#!/bin/sh
# Redis may deny service, never move a code between users. Two hosts share
# one real redis-server; the test rewrites it with redis-cli as a Redis
# writer with an enrolled account of their own (bob) would: bob's owner
# pointer {prefix}p:... aimed at alice's pending challenge, then alice's
# record made to look like bob's field by field (user hash, uid, service,
# owner). A resend or a reused login as bob must send nothing to bob's
# number, alice's code must not verify for bob, and each refusal is logged
# as tampering with the challenge id prefix, never the code. A verify that
# Redis calls right must also hold for the daemon: a rewritten service, or a
# MAC Redis saw in a wrong answer (MONITOR) put in place of the record's,
# is refused.
set -u
. "$top_srcdir/tests/lib.sh"

command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"

make_testdir
. "$top_srcdir/tests/fleet/common.sh"
acl_redis
PID_A=
PID_B=
PID_C=
MON_PID=
at_cleanup 'stop_host A; stop_host B; stop_host C; stop_redis R; [ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null'

ALICE=+447700900123
BOB=+15017122661

write_config "$TESTDIR/a.yaml" "$(acl_store_yaml closed)"
sed "s|^socket: .*|socket: $TESTDIR/run/b.sock|" "$TESTDIR/a.yaml" > "$TESTDIR/b.yaml"
SOCK_A=$SOCKET
SOCK_B=$TESTDIR/run/b.sock
# Host C asks the shared limits too: its pending lookup runs beside them.
write_config "$TESTDIR/c.yaml" "$(acl_store_yaml closed)
limits: { per_user: 100/1h, per_number: off, per_prefix: off, per_country: off, global: off, backoff_after: 0 }"
sed -i "s|^socket: .*|socket: $TESTDIR/run/c.sock|" "$TESTDIR/c.yaml"
SOCK_C=$TESTDIR/run/c.sock

# resend SOCKET USER SERVICE: a CHALLENGE_REQ with the resend flag, as the
# module sends it from the prompt; "type 2" when a code went out.
resend() {
	_hex=$(python3 -c '
import struct, sys
s = lambda x: struct.pack(">I", len(x)) + x
body = s(sys.argv[1].encode()) + s(sys.argv[2].encode()) + s(b"192.0.2.1") \
    + s(b"") + s(b"") + struct.pack(">I", 1)
print((struct.pack(">I", 2 + len(body)) + bytes([1, 1]) + body).hex())' "$2" "$3")
	"$CLIENT" -s "$1" raw "$_hex" 2>&1
}
# sent_to NUMBER: how many messages went to NUMBER.
sent_to() {
	[ -f "$OUTBOX" ] || { echo 0; return; }
	python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("to") == sys.argv[2]))' "$OUTBOX" "$1"
}
# code_sent_to CODE NUMBER: 0 if a message to NUMBER carried CODE.
code_sent_to() {
	[ -f "$OUTBOX" ] || return 1
	python3 -c '
import json, sys
sys.exit(0 if any(sys.argv[2] in json.loads(l)["text"] and
    json.loads(l).get("to") == sys.argv[3] for l in open(sys.argv[1])) else 1)' \
	    "$OUTBOX" "$1" "$2"
}
tampered() { grep -c "tampering refused" "$TESTDIR/A.log" "$TESTDIR/B.log" "$TESTDIR/C.log" | awk -F: '{ n += $2 } END { print n }'; }
ckey() { echo "${PREFIX}c:$1"; }

start_redis R "$TESTDIR/redis.conf"
start_host A "$TESTDIR/a.yaml"
start_host B "$TESTDIR/b.yaml"
start_host C "$TESTDIR/c.yaml"
wait_log A "redis store .*connected" && wait_log B "redis store .*connected" &&
    wait_log C "redis store .*connected"
ok "the hosts connect to Redis"

# Alice's pending code (the victim), bob's own (the attacker's account).
out=$("$CLIENT" -s "$SOCK_A" challenge alice sshd 192.0.2.1)
ok "alice's challenge on A"
VID=${out%% *}
VCODE=$(code_for $ALICE)
VPFX=$(printf '%.16s' "$VID")
out=$("$CLIENT" -s "$SOCK_A" challenge bob sudo 192.0.2.1)
ok "bob's challenge on A"
BID=${out%% *}
BOB_SENT=$(sent_to $BOB)
is "$BOB_SENT" 1 "bob got his own code"
BOWNER=$(rcli hget "$(ckey "$BID")" owner)
VOWNER=$(rcli hget "$(ckey "$VID")" owner)
case $BOWNER in "${PREFIX}p:"*) pass "bob's owner pointer: $BOWNER" ;; *) fail "bob's owner pointer: '$BOWNER'" ;; esac
is "$(rcli get "$BOWNER")" "$BID" "it names bob's challenge"

# 1. Bob's pointer aimed at alice's challenge: the script sees the record is
# not bob's (user, service, owner differ).
is "$(rcli set "$BOWNER" "$VID" keepttl)" OK "tamper: bob's pointer -> alice's challenge"
n=$(tampered)
r=$(resend "$SOCK_B" bob sudo)
case "$r" in "error 6 "*) pass "bob's resend is refused ($r)" ;; *) fail "bob's resend is refused: $r" ;; esac
is "$(sent_to $BOB)" "$BOB_SENT" "nothing sent to bob's number"
code_sent_to "$VCODE" $BOB
[ $? -ne 0 ]
ok "alice's code never reached bob's number"
[ "$(tampered)" -gt "$n" ]
ok "the refusal is logged as tampering"
grep -q "tampering refused: user=bob service=sudo rhost=192.0.2.1 id=$VPFX" "$TESTDIR/B.log"
ok "an audit line names bob, the service and alice's challenge id prefix"
grep -q "redis store .*tampering.* id=$VPFX" "$TESTDIR/B.log"
ok "and the store says which record it refused"

# A login as bob (not a resend) would reuse the pending code: refused too,
# rather than handing bob alice's challenge id.
r=$("$CLIENT" -s "$SOCK_A" challenge bob sudo 192.0.2.1 2>&1)
case "$r" in "error 6 "*) pass "bob's login does not reuse alice's challenge ($r)" ;;
*) fail "bob's login does not reuse alice's challenge: $r" ;; esac
is "$(sent_to $BOB)" "$BOB_SENT" "nothing sent to bob's number"
n=$(tampered)
r=$("$CLIENT" -s "$SOCK_C" challenge bob sudo 192.0.2.1 2>&1)
case "$r" in "error 6 "*) pass "nor on a host with limits (lookup beside the policy) ($r)" ;;
*) fail "nor on a host with limits: $r" ;; esac
is "$(sent_to $BOB)" "$BOB_SENT" "nothing sent to bob's number"
grep -q "tampering refused: user=bob service=sudo rhost=192.0.2.1 id=$VPFX" "$TESTDIR/C.log"
ok "host C logs it"

# 2. The record made to look like bob's, one field after another: user hash,
# then service, then uid (the same here: one test uid calls for both), then
# the owner field itself. The first three still
# leave a field the script checks; the last passes every check Redis can
# answer for, and only the seal (bound to alice, her uid, sshd) refuses.
for f in user service uid owner; do
	rcli hset "$(ckey "$VID")" "$f" "$(rcli hget "$(ckey "$BID")" "$f")" >/dev/null
	n=$(tampered)
	r=$(resend "$SOCK_B" bob sudo)
	case "$r" in "error 6 "*) pass "$f rewritten: bob's resend is refused" ;;
	*) fail "$f rewritten: bob's resend is refused: $r" ;; esac
	is "$(sent_to $BOB)" "$BOB_SENT" "$f rewritten: nothing sent to bob's number"
	[ "$(tampered)" -gt "$n" ]
	ok "$f rewritten: logged as tampering"
	r=$("$CLIENT" -s "$SOCK_A" challenge bob sudo 192.0.2.1 2>&1)
	case "$r" in "error 6 "*) pass "$f rewritten: bob's login does not reuse alice's challenge" ;;
	*) fail "$f rewritten: bob's login does not reuse alice's challenge: $r" ;; esac
done
grep -q "redis store .*tampering refused: challenge id=$VPFX is not the owner's (its names or its seal" "$TESTDIR/B.log"
ok "the last one passed the script's checks and was refused by the seal"
is "$(sent_to $BOB)" "$BOB_SENT" "after every variant, bob's number got only his own code"

# Alice's code, even known, does not verify for bob on a record that now
# says bob (the MAC binds user and uid), and the daemon never logged it.
r=$("$CLIENT" -s "$SOCK_A" verify "$VID" bob "$VCODE")
case "$r" in ok) fail "alice's code verifies for bob" ;; *) pass "alice's code does not verify for bob ($r)" ;; esac
grep -q "$VCODE" "$TESTDIR/A.log" "$TESTDIR/B.log" "$TESTDIR/C.log"
[ $? -ne 0 ]
ok "no log line holds alice's code"

# A rewritten uid on alice's own record: refused to alice too (the script
# compares the uid; denial of service is all Redis can do).
out=$("$CLIENT" -s "$SOCK_A" challenge alice login 192.0.2.1)
ok "alice's second challenge (service login)"
VID2=${out%% *}
n=$(sent_to $ALICE)
rcli hset "$(ckey "$VID2")" uid 4242 >/dev/null
t=$(tampered)
r=$(resend "$SOCK_B" alice login)
case "$r" in "error 6 "*) pass "a rewritten uid: the resend is refused" ;; *) fail "a rewritten uid: the resend is refused: $r" ;; esac
is "$(sent_to $ALICE)" "$n" "nothing sent"
[ "$(tampered)" -gt "$t" ]
ok "logged as tampering"

# 3. Verify: Redis says "ok" but the daemon checks the seal. A service
# rewritten on alice's record: her right code is refused, not verified.
out=$("$CLIENT" -s "$SOCK_A" challenge alice su 192.0.2.1)
VID3=${out%% *}
VCODE3=$(code_for $ALICE)
rcli hset "$(ckey "$VID3")" service sudo >/dev/null
n=$(tampered)
r=$("$CLIENT" -s "$SOCK_B" verify "$VID3" alice "$VCODE3")
case "$r" in "error 6 "*) pass "a rewritten service: the verify is refused ($r)" ;;
*) fail "a rewritten service: the verify is refused: $r" ;; esac
[ "$(tampered)" -gt "$n" ]
ok "logged as tampering"
grep -q "redis store .*tampering.* id=$(printf '%.16s' "$VID3")" "$TESTDIR/B.log"
ok "naming the challenge id prefix"

# A Redis writer sees every MAC the daemon sends (MONITOR): the MAC of a
# wrong answer, put in place of the record's, makes the script say "ok" to
# that wrong answer. The seal holds the real code: refused.
out=$("$CLIENT" -s "$SOCK_A" challenge alice sshd2 192.0.2.1)
VID4=${out%% *}
VCODE4=$(code_for $ALICE)
WRONG=$(awk -v c="$VCODE4" 'BEGIN { printf "%06d", (c + 1) % 1000000 }')
rcli monitor > "$TESTDIR/monitor" 2>/dev/null &
MON_PID=$!
sleep 0.3
r=$("$CLIENT" -s "$SOCK_A" verify "$VID4" alice "$WRONG")
is "$r" "wrong 2" "a wrong answer (seen by MONITOR)"
sleep 0.3
kill "$MON_PID" 2>/dev/null
wait "$MON_PID" 2>/dev/null
MON_PID=
# The 3rd argument after the key of the verify script's EVAL: the MAC.
python3 -c '
import sys
# MONITOR quotes each argument as Redis prints strings (sdscatrepr).
esc = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("a"): 7, ord("b"): 8}
def args(line):
    out, i = [], 0
    while True:
        i = line.find(b"\"", i)
        if i < 0:
            return out
        i += 1
        a = bytearray()
        while line[i] != ord("\""):
            c = line[i]
            if c == ord("\\"):
                c = line[i + 1]
                if c == ord("x"):
                    a.append(int(line[i + 2:i + 4], 16))
                    i += 4
                    continue
                a.append(esc.get(c, c))
                i += 2
                continue
            a.append(c)
            i += 1
        out.append(bytes(a))
        i += 1
key = sys.argv[2].encode()
for line in open(sys.argv[1], "rb"):
    a = args(line)
    if len(a) > 6 and a[0].upper() == b"EVAL" and a[3] == key:
        open(sys.argv[3], "wb").write(a[6])
        sys.exit(0)
sys.exit(1)' "$TESTDIR/monitor" "$(ckey "$VID4")" "$TESTDIR/seenmac"
ok "the MAC of the wrong answer, read off MONITOR"
is "$(wc -c < "$TESTDIR/seenmac" | tr -d ' ')" 32 "32 bytes"
rcli -x hset "$(ckey "$VID4")" mac < "$TESTDIR/seenmac" >/dev/null
n=$(tampered)
r=$("$CLIENT" -s "$SOCK_B" verify "$VID4" alice "$WRONG")
case "$r" in ok) fail "the wrong code verifies once its MAC is planted" ;;
*) pass "the wrong code does not verify once its MAC is planted ($r)" ;; esac
[ "$(tampered)" -gt "$n" ]
ok "logged as tampering"

# Untouched records still work across the hosts: bob's own resend and login.
out=$("$CLIENT" -s "$SOCK_A" challenge bob ftp 192.0.2.1)
BID5=${out%% *}
is "$(resend "$SOCK_B" bob ftp)" "type 2" "bob's own resend (untampered) goes out"
is "$(sent_to $BOB)" $((BOB_SENT + 2)) "to bob's number"
is "$("$CLIENT" -s "$SOCK_A" verify "$BID5" bob "$(code_for $BOB)")" ok "and verifies"
out=$("$CLIENT" -s "$SOCK_A" challenge alice imap 192.0.2.1)
AID6=${out%% *}
out=$("$CLIENT" -s "$SOCK_B" challenge alice imap 192.0.2.1)
is "${out%% *} ${out##* }" "$AID6 1" "an untampered login is reused on the other host"
is "$("$CLIENT" -s "$SOCK_B" verify "$AID6" alice "$(code_for $ALICE)")" ok "and verifies there"

for c in "$VCODE" "$VCODE3" "$VCODE4"; do
	grep -q "$c" "$TESTDIR/A.log" "$TESTDIR/B.log" "$TESTDIR/C.log" && fail "a code ($c) is in a log"
done
pass "no code in either log"

stop_host A
stop_host B
stop_host C
stop_redis R
done_testing
