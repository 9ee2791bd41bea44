#!/bin/sh
# Backup codes leave no copy in the daemon's memory once they are sent
# (docs/security.md, "Backup codes"): otpsmsctl backup-codes' reply is the
# only place the daemon writes them, and its output buffer is wiped when the
# connection ends. Reads the daemon's writable mappings through
# /proc/PID/mem (root, with ptrace rights over it).
set -u
. "$top_srcdir/tests/lib.sh"
CTL="$top_builddir/otpsmsctl"
is_root || skip_all "otpsmsctl backup-codes and /proc/PID/mem need root"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

make_testdir
STATE="$TESTDIR/state"
mkdir -p "$STATE"
chmod 700 "$STATE"
chown "$(daemon_user)" "$STATE"
write_config "$TESTDIR/otpsmsd.yaml" "state_dir: $STATE"
start_daemon "$TESTDIR/otpsmsd.yaml"
python3 -c 'import sys; open("/proc/%s/mem" % sys.argv[1], "rb").close()' \
    "$DAEMON_PID" 2>/dev/null || skip_all "cannot read the daemon's memory here"

out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" backup-codes alice -n 20)
ok "otpsmsctl backup-codes alice -n 20"
codes=$(printf '%s\n' "$out" | grep -E '^[0-9]{5}-[0-9]{5}$')
is "$(printf '%s\n' "$codes" | wc -l | tr -d ' ')" 20 "twenty codes printed"
sleep 0.3    # the connection is closed and freed on the daemon's side

# The writable mappings but the main stack, each code as printed.
printf '%s\n' "$codes" | python3 -c '
import re, sys
pid = sys.argv[1]
codes = [l.strip().encode() for l in sys.stdin if l.strip()]
found = 0
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb") as mem:
    for line in maps:
        f = line.split()
        # The heap and anonymous maps; the main stack is left out (a
        # residue there, below the frames of the loop, is a known open point).
        if "w" not in f[1] or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]", "[stack]")):
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        # ASan reserves terabytes of shadow: not where a reply lands.
        if hi - lo > (1 << 30):
            continue
        # In chunks that overlap by a code length, so none is cut in two.
        step = 1 << 20
        for off in range(lo, hi, step):
            try:
                mem.seek(off)
                data = mem.read(min(step + 16, hi - off))
            except (OSError, OverflowError, ValueError):
                continue
            found += sum(data[:step + 10].count(c) for c in codes)
print("# %d copies of the codes found" % found)
sys.exit(1 if found else 0)' "$DAEMON_PID"
ok "no backup code left in the daemon's memory after the reply"
kill -0 "$DAEMON_PID"
ok "the daemon survived"
stop_daemon
done_testing
