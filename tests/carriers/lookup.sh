#!/bin/sh
# number_checks through a running otpsmsd: Twilio Lookup v2 asked before a
# code is made, against tests/mock/lookup_mock.py, which checks every request
# with Twilio's own OpenAPI description (twilio_lookups_v2.json). Codes go to
# the file outbox, so "nothing sent" is an outbox that did not grow.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/carriers/lib.sh"
CTL="$top_builddir/otpsmsctl"

need_daemon
need_python
[ -x "$CTL" ] || skip_all "otpsmsctl not built"

make_testdir
SPEC="$top_srcdir/tests/mock/specs/twilio/twilio_lookups_v2.json"
[ -f "$SPEC" ] || bail "Twilio Lookup description not found at $SPEC"
SID=AC$(rand_hex 16)
TOKEN=tok$(rand_hex 12)
MOCKLOG="$TESTDIR/lookup-requests.jsonl"
INVALID="$TESTDIR/lookup-invalid.jsonl"
MODE="$TESTDIR/lookup-mode"
echo "swap:400 line:mobile risk:10" > "$MODE"
start_mock lookup python3 "$top_srcdir/tests/mock/lookup_mock.py" --spec "$SPEC" \
    --sid "$SID" --token "$TOKEN" --mode-file "$MODE" --log "$MOCKLOG" \
    --invalid-log "$INVALID"
write_secret "$TESTDIR/lookup.token" "$TOKEN"

# One user per case: each number is looked up (and cached) on its own.
CONFIG_EXTRA_USERS='  u1: "+447700900001"
  u2: "+447700900002"
  u3: "+447700900003"
  u4: "+447700900004"
  u5: "+447700900005"
  u6: "+447700900006"
  u7: "+447700900007"
  u8: "+447700900008"
  u9: "+447700900009"'
checks_config() {    # $1: on_failure, $2: sim_swap action
	write_config "$TESTDIR/otpsmsd.yaml" "code: {reuse_window: 0}
number_checks:
  provider: twilio_lookup
  account_sid: $SID
  auth_token_file: $TESTDIR/lookup.token
  api_url: http://127.0.0.1:$PORT
  sim_swap: { within: 7d, action: $2 }
  line_types: { deny: [nonFixedVoip, landline, tollFree, premium] }
  sms_pumping_risk: { above: 80, action: refuse }
  cache: 24h
  timeout: 1s
  on_failure: $1"
}
checks_config send refuse
start_daemon "$TESTDIR/otpsmsd.yaml"
ctl() { "$CTL" -u "$(daemon_user)" -s "$SOCKET" "$@"; }
log_has() { grep -q "$1" "$TESTDIR/otpsmsd.log"; }
# refused WHAT CODE: the last challenge was refused with PROTO error CODE.
refused() {
	case "$CH_OUT" in "error $2 "*) pass "$1: refused with error $2" ;;
	*) fail "$1: refused with error $2"; diag "got '$CH_OUT'" ;; esac
}

# 1. A clean number: one lookup with the three fields, then the code.
challenge u1
is "$CH_RC" 0 "clean: challenge succeeds"
is "$(outbox_count)" 1 "clean: the code was sent"
is "$(mock_count)" 1 "clean: one lookup"
is "$(mock_field number)" "+447700900001" "clean: the lookup names the number"
is "$(mock_field fields)" '["sim_swap", "line_type_intelligence", "sms_pumping_risk"]' \
    "clean: Fields asks for the three checks"
is "$(mock_field auth_user)" "$SID" "clean: Basic auth with the account SID"
is "$(verify u1 "$(last_code)")" ok "clean: the code verifies"

# 2. Cached: the same number again does no lookup.
challenge u1
is "$CH_RC" 0 "cached: challenge succeeds"
is "$(mock_count)" 1 "cached: no second lookup"
is "$(outbox_count)" 2 "cached: the code was sent"

# 3. SIM swapped two days ago, within 7d: refused, nothing sent.
echo "swap:2 line:mobile risk:10" > "$MODE"
challenge u2
refused "sim swap" 13
is "$(outbox_count)" 2 "sim swap: nothing sent"
log_has 'send refused: user=u2 .*check=number reason="sim swap within 7 days (2 days ago)"'
ok "sim swap: logged with the reason"
challenge u2
is "$(mock_count)" 2 "sim swap: the refusal is cached too"
refused "sim swap, cached" 13

# 4. Swapped ten days ago, outside the window: sent.
echo "swap:10 line:mobile risk:10" > "$MODE"
challenge u3
is "$CH_RC" 0 "old swap: challenge succeeds"
is "$(outbox_count)" 3 "old swap: the code was sent"

# 5. A denied line type.
echo "swap:400 line:nonFixedVoip risk:10" > "$MODE"
challenge u4
refused "line type" 13
is "$(outbox_count)" 3 "line type: nothing sent"
log_has 'reason="line type nonFixedVoip"'
ok "line type: logged with the type"

# 6. Pumping risk above the threshold.
echo "swap:400 line:mobile risk:95" > "$MODE"
challenge u5
refused "pumping risk" 13
is "$(outbox_count)" 3 "pumping risk: nothing sent"
log_has 'reason="pumping risk 95 above 80"'
ok "pumping risk: logged with the score"

# 7. on_failure: send. A 500 and a hang both send the code, the hang
# within the timeout (1 s), neither is cached.
echo "error500" > "$MODE"
challenge u6
is "$CH_RC" 0 "500, on_failure send: challenge succeeds"
is "$(outbox_count)" 4 "500, on_failure send: the code was sent"
log_has 'number check failed for user=u6 .*lookup answered HTTP 500; on_failure: send'
ok "500: the failure is logged"
echo "hang" > "$MODE"
t0=$(date +%s)
challenge u7
t1=$(date +%s)
is "$CH_RC" 0 "hang, on_failure send: challenge succeeds"
is "$(outbox_count)" 5 "hang, on_failure send: the code was sent"
[ $((t1 - t0)) -le 4 ]
ok "hang: it cost at most the timeout ($((t1 - t0)) s)"
n=$(mock_count)
echo "swap:400 line:mobile risk:10" > "$MODE"
challenge u6
is "$(mock_count)" $((n + 1)) "a failure is not cached: asked again"

# 8. Every check failing in the answer (error_code set): a failure too.
echo "fielderror" > "$MODE"
challenge u8
is "$CH_RC" 0 "field errors, on_failure send: challenge succeeds"
log_has 'lookup gave no sim_swap (error 60606)'
ok "field errors: logged with Twilio's error code"

# 9. otpsmsctl status counts them.
st=$(ctl status)
case "$st" in *"number checks: lookups=9 cached=2 passed=3 refused=3 backup_required=0 failed_sent=3 failed_refused=0"*)
	pass "status: the checks' counters" ;;
*) fail "status: the checks' counters"; printf '%s\n' "$st" | sed 's/^/#   /' ;; esac
stop_daemon

# 10. on_failure: refuse, and sim_swap action require_backup.
checks_config refuse require_backup
start_daemon "$TESTDIR/otpsmsd.yaml"
sent=$(outbox_count)
echo "error500" > "$MODE"
challenge u1
refused "500, on_failure refuse" 13
log_has 'number check failed for user=u1 .*on_failure: refuse'
ok "500, on_failure refuse: logged"
echo "hang" > "$MODE"
t0=$(date +%s)
challenge u2
t1=$(date +%s)
refused "hang, on_failure refuse" 13
[ $((t1 - t0)) -le 4 ]
ok "hang, on_failure refuse: at most the timeout ($((t1 - t0)) s)"
echo "swap:1 line:mobile risk:10" > "$MODE"
challenge u9
refused "require_backup" 12
log_has 'reason="sim swap within 7 days (1 days ago)" action=require_backup'
ok "require_backup: logged"
echo "swapnodate" > "$MODE"
challenge u3
refused "swapped_in_period without a date" 12
is "$(outbox_count)" "$sent" "on_failure refuse, require_backup: nothing sent"
stop_daemon

# The daemon never sent a request the description does not allow.
if [ -s "$INVALID" ]; then
	fail "every lookup request fits Twilio's description"
	sed 's/^/#   /' "$INVALID"
else
	pass "every lookup request fits Twilio's description"
fi
[ "$(mock_count)" -ge 12 ]
ok "the mock saw the lookups ($(mock_count))"

done_testing
