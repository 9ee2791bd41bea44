#!/bin/sh
# metrics_file across reloads (otpsmsd(8), "Reload"): a reload that takes
# metrics_file away stops the writes and the daemon serves on (it used to
# write to a NULL path at the next tick and crash); one that gives it back,
# or adds it, starts them.
set -u
. "$top_srcdir/tests/lib.sh"

make_testdir
mkdir -p "$TESTDIR/textfile"
is_root && chown "$(daemon_user)" "$TESTDIR/textfile"
PROM="$TESTDIR/textfile/otpsmsd.prom"
CFG="$TESTDIR/otpsmsd.yaml"
# The configuration is rewritten in place: the daemon reads it again as its
# own user, so it stays readable (write_config's file is 0644).
with_metrics() { write_config "$CFG" "metrics_file: $PROM
metrics_interval: 1s"; }
without_metrics() { write_config "$CFG" ""; }
# SIGHUP, then wait for the log to say the reload was done.
hup() {
	_n=$(grep -c 'reloaded \|reload refused' "$TESTDIR/otpsmsd.log")
	kill -HUP "$DAEMON_PID"
	_i=0
	while [ "$(grep -c 'reloaded \|reload refused' "$TESTDIR/otpsmsd.log")" -le "$_n" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && break
		sleep 0.05
	done
}

with_metrics
start_daemon "$CFG"
sleep 0.5    # the first write follows the socket
[ -f "$PROM" ]
ok "metrics_file written at start"

without_metrics
hup
grep -q 'reloaded ' "$TESTDIR/otpsmsd.log"
ok "the reload without metrics_file took effect"
rm -f "$PROM"
sleep 2.5
kill -0 "$DAEMON_PID"
ok "the daemon survived the metrics ticks after metrics_file went away"
[ ! -e "$PROM" ]
ok "no more metrics_file writes once it is gone from the configuration"
out=$("$CLIENT" -s "$SOCKET" challenge alice sshd)
ok "a login is still served ($out)"

with_metrics
hup
sleep 2.5
[ -f "$PROM" ]
ok "a reload that gives metrics_file back starts the writes again"
kill -0 "$DAEMON_PID"
ok "the daemon survived"
stop_daemon
done_testing
