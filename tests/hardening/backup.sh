#!/bin/sh
# Break-glass backup codes (docs/security.md, "Backup codes"): with every
# carrier down the module asks for a backup code instead of failing; a code
# logs in once through real libpam, the same code again fails, a new set
# revokes the old one, wrong codes count towards the lockout, and no code
# appears in the log or the state directory (only salted scrypt hashes).
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"
PAMTEST="$top_builddir/tests/pam/pamtest"
[ -x "$PAMTEST" ] || skip_all "pamtest not built"
[ -f "$PAM_MODULE" ] || skip_all "pam_otpsms.so not built"
is_root || skip_all "otpsmsctl backup-codes needs root"

make_testdir
STATE="$TESTDIR/state"
mkdir -p "$STATE" "$TESTDIR/pam.d"
chmod 700 "$STATE"
chown "$(daemon_user)" "$STATE"
CFG="$TESTDIR/otpsmsd.yaml"
# The only carrier writes where nobody can: every send fails (DELIVERY).
write_config "$CFG" "state_dir: $STATE
lockout: { failures: 3, window: 15m, duration: 15m }
carriers:
  - name: down
    type: file
    path: /proc/otpsms-nowhere/outbox.jsonl"
start_daemon "$CFG"
DU=$(daemon_user)
CTLX() { "$CTL" -u "$DU" -s "$SOCKET" "$@"; }
M="$PAM_MODULE daemon_user=$DU socket=$SOCKET prompts=1"
printf 'auth required %s\n' "$M" > "$TESTDIR/pam.d/bg"
printf 'auth required %s backup=no\n' "$M" > "$TESTDIR/pam.d/nobackup"
login() {  # login USER ANSWER [SERVICE]: the PAM code's name
	# The daemon hashes at most BACKUP_KDF_PER_SEC (4) a second.
	sleep 0.3
	"$PAMTEST" -d "$TESTDIR/pam.d" -s "${3:-bg}" -u "$1" -a "$2" \
	    2>"$TESTDIR/err" | tail -n 1
}
wrong_of() { echo "$1" | tr 0123456789 1234567890; }

# --- issue three codes for alice
out=$(CTLX backup-codes alice -n 3)
ok "otpsmsctl backup-codes alice -n 3"
codes=$(printf '%s\n' "$out" | grep -E '^[0-9]{5}-[0-9]{5}$')
is "$(printf '%s\n' "$codes" | wc -l | tr -d ' ')" 3 "three codes NNNNN-NNNNN printed"
c1=$(printf '%s\n' "$codes" | sed -n 1p)
c2=$(printf '%s\n' "$codes" | sed -n 2p)
c3=$(printf '%s\n' "$codes" | sed -n 3p)
[ "$c1" != "$c2" ] && [ "$c2" != "$c3" ]
ok "the codes differ"
out=$(CTLX backup-codes alice -n 21 2>&1)
is "$?" 2 "-n 21 refused"

st=$(stat -c '%a %U' "$STATE/backup")
is "$st" "600 $DU" "state_dir/backup: mode 0600, the daemon's user"

# --- carriers down: the module asks for a backup code
is "$(login alice "$c1")" PAM_SUCCESS "carriers down: a backup code logs in"
grep -q "prompt: No carrier could deliver the code. Backup code: " "$TESTDIR/err"
ok "the prompt says why and asks for a backup code"
grep -q "backup code used, 2 left: user=alice" "$TESTDIR/otpsmsd.log"
ok "audit: backup code used, 2 left"
is "$(login alice "$c1")" PAM_AUTH_ERR "the same code again: refused"
is "$(login alice "$(echo "$c2" | tr -d -)")" PAM_SUCCESS \
    "a code without its dash works too"

# --- backup=no: fail closed as before
is "$(login alice "$c3" nobackup)" PAM_AUTHINFO_UNAVAIL "backup=no: no fallback"

# --- a new set revokes the old one
out=$(CTLX backup-codes alice -n 2)
n1=$(printf '%s\n' "$out" | grep -E '^[0-9]{5}-[0-9]{5}$' | sed -n 1p)
n2=$(printf '%s\n' "$out" | grep -E '^[0-9]{5}-[0-9]{5}$' | sed -n 2p)
is "$(login alice "$c3")" PAM_AUTH_ERR "an unused code of the old set: refused after a new set"
is "$(login alice "$n1")" PAM_SUCCESS "a code of the new set logs in"

# --- wrong backup codes count towards the lockout (failures: 3)
out=$(CTLX backup-codes bob -n 1)
k=$(printf '%s\n' "$out" | grep -E '^[0-9]{5}-[0-9]{5}$')
for i in 1 2 3; do
	is "$(login bob "$(wrong_of "$k")")" PAM_AUTH_ERR "bob: wrong backup code $i"
done
is "$(grep -c 'wrong backup code: user=bob' "$TESTDIR/otpsmsd.log")" 3 \
    "each wrong one is logged"
is "$(login bob "$k")" PAM_AUTH_ERR "bob's right code once locked: refused"
grep -q "Too many failed attempts" "$TESTDIR/err"
ok "the user is told of the lockout"
CTLX unlock bob > /dev/null
is "$(login bob "$k")" PAM_SUCCESS "unlocked: the code was not consumed"

# --- no code anywhere but in otpsmsctl's output
leak=0
for c in $c1 $c2 $c3 $n1 $n2 $k; do
	d=$(echo "$c" | tr -d -)
	for f in "$TESTDIR/otpsmsd.log" "$STATE"/*; do
		if grep -q -e "$c" -e "$d" "$f"; then leak=1; diag "$c in $f"; fi
	done
done
is "$leak" 0 "no code in the log or the state directory"

# --- the set survives a restart, single use included
stop_daemon
start_daemon "$CFG"
is "$(login alice "$n1")" PAM_AUTH_ERR "after a restart: a used code stays used"
is "$(login alice "$n2")" PAM_SUCCESS "after a restart: an unused code works"
done_testing
