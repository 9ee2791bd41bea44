#!/bin/sh
# otpsmsctl talks only to a socket owned and served by root or the daemon's
# user (-u): an impostor listening on the path (a socket planted by another
# user, or swapped in after the path check) gets nothing and is not believed.
# The tests' otpsms-client shares the module's client, so it refuses too.
. "$top_srcdir/tests/lib.sh"
is_root || skip_all "needs root (runs a listener as another user)"
command -v setpriv >/dev/null && [ -x /usr/bin/python3 ] || skip_all "needs setpriv and /usr/bin/python3"
CTL="$top_builddir/otpsmsctl"
make_testdir
IMP="$TESTDIR/imp"
mkdir "$IMP" && chown 65534:65534 "$IMP"
SOCK="$IMP/s.sock"

# A listener as nobody that answers every connection with a CTL_RSP frame
# ("status 0, text hello"), until killed or after 30 s.
# /usr/bin/python3: a python3 found first on PATH may live in root's home.
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4); s.settimeout(30)
body = struct.pack(">I", 0) + struct.pack(">I", 6) + b"hello\n"
frame = struct.pack(">I", 2 + len(body)) + bytes([1, 7]) + body
end = time.time() + 30
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    c.settimeout(2)
    try:
        c.recv(4096)
        c.sendall(frame)
    except OSError:
        pass
    c.close()
' "$SOCK" &
LPID=$!
at_cleanup "kill $LPID 2>/dev/null; wait $LPID 2>/dev/null"
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$SOCK" ] || bail "listener did not start"

r=$("$CTL" -u root -s "$SOCK" status 2>&1)
is "$?" 2 "a socket owned by another user: refused"
case "$r" in *"owned by uid 65534"*) pass "... and says who owns it" ;; *) fail "... owner ($r)" ;; esac
case "$r" in *hello*) fail "... yet its answer was printed" ;; *) pass "... nothing believed" ;; esac

# Owned by root, served by nobody: only SO_PEERCRED tells.
chown 0:0 "$SOCK"
r=$("$CTL" -u root -s "$SOCK" status 2>&1)
is "$?" 2 "a root-owned socket served by another user: refused"
case "$r" in *"served by uid 65534"*) pass "... by its SO_PEERCRED" ;; *) fail "... peer ($r)" ;; esac

# The tests' client goes through the same code (common/daemon_client.c).
chown 65534:65534 "$SOCK"
r=$("$CLIENT" -u root -s "$SOCK" challenge alice 2>&1)
is "$?" 3 "otpsms-client: a socket owned by another user: refused"
case "$r" in *"owned by uid 65534"*) pass "... by the shared client's path check" ;; *) fail "... owner ($r)" ;; esac
chown 0:0 "$SOCK"
r=$("$CLIENT" -u root -s "$SOCK" challenge alice 2>&1)
case "$r" in *"served by uid 65534"*) pass "otpsms-client: served by another user: refused by SO_PEERCRED" ;; *) fail "otpsms-client: peer ($r)" ;; esac

# The same listener is the daemon's user: then it is talked to.
r=$("$CTL" -u nobody -s "$SOCK" status 2>&1)
is "$?" 0 "served by the daemon's user (-u nobody): accepted"
is "$r" "hello" "... and its answer printed"

done_testing
