#!/bin/sh
# End to end: README.md's Install and Configure sections, followed as
# written. The sh block under "## Install" runs line by line in a copy of the
# source tree, with one change: "make install" installs into a scratch
# DESTDIR. The rest is real: the otpsms user, /var/lib/otpsms and
# /etc/otpsms (with the Twilio token file) are created as the README says;
# the configuration is the README's YAML block. systemd is not running here,
# so "systemctl ..." is done the way the shipped unit does it: otpsmsd -t
# then otpsmsd -f, as otpsms from the start (User=otpsms), with
# /run/otpsms made as RuntimeDirectory= would. A code for alice must then
# reach the outbox. Root only, like every e2e test; everything it created is
# removed on exit, and it stops before touching a user or directory that
# already exists.
set -u
. "$top_srcdir/tests/lib.sh"

e2e_skip_unless_possible python3 useradd userdel setpriv install
for p in /etc/otpsms /var/lib/otpsms /run/otpsms; do
	[ -e "$p" ] && skip_all "$p exists: not touching an otpsms already installed"
done
getent passwd otpsms >/dev/null 2>&1 && skip_all "user otpsms exists: not touching it"
getent group otpsms >/dev/null 2>&1 && skip_all "group otpsms exists: not touching it"
[ -d "$top_srcdir/helper" ] && [ -f "$top_srcdir/configure.ac" ] ||
	skip_all "no source tree to build from"

e2e_lock
make_testdir
e2e_traps
at_cleanup 'userdel otpsms >/dev/null 2>&1; groupdel otpsms >/dev/null 2>&1; rm -rf /etc/otpsms /var/lib/otpsms /run/otpsms'
at_cleanup '[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null; [ -n "${RPID:-}" ] && wait "$RPID" 2>/dev/null'

# The README's blocks: the first ```sh after "## Install", the first ```yaml
# after "## Configure".
python3 - "$top_srcdir/README.md" "$TESTDIR" <<'EOF' || bail "cannot find the README's blocks"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def block(section, lang):
    s = text.index("\n## " + section + "\n")
    m = re.compile(r"```" + lang + r"\n(.*?)```", re.S).search(text, s)
    return m.group(1)
open(sys.argv[2] + "/install.sh", "w").write(block("Install", "sh"))
open(sys.argv[2] + "/otpsmsd.yaml", "w").write(block("Configure", "yaml"))
EOF
grep -q '^make && make install' "$TESTDIR/install.sh"
ok "README: the Install block builds and installs"

# The copy to build in (autogen.sh writes into its tree).
mkdir "$TESTDIR/src"
(cd "$top_srcdir" && tar --exclude=./_build --exclude=./.git --exclude='*.o' \
    --exclude='*.lo' --exclude=autom4te.cache -cf - .) | (cd "$TESTDIR/src" && tar -xf -) ||
	bail "cannot copy the source tree"
DEST=$TESTDIR/root
# Run the Install block one command at a time, stopping at systemctl.
while IFS= read -r line; do
	case "$line" in ''|'#'*|' '*) continue ;; esac
	cmd=${line%%#*}
	# Lines ending in \ continue on the next.
	while case "$cmd" in *'\ ') true ;; *'\') true ;; *) false ;; esac; do
		IFS= read -r more || break
		cmd="${cmd%\\*} ${more%%#*}"
	done
	case "$cmd" in
	systemctl*) break ;;
	'make && make install'*) cmd="make -j2 >make.log 2>&1 && make install DESTDIR='$DEST' >>make.log 2>&1" ;;
	./configure*) cmd="$cmd >configure.log 2>&1" ;;
	./autogen.sh*) cmd="$cmd >autogen.log 2>&1" ;;
	esac
	case "$cmd" in *'otpsmsd -t'*)
		# The README's check, with the daemon it just installed.
		cmd=$(printf '%s' "$cmd" | sed "s#^otpsmsd #$DEST/usr/local/sbin/otpsmsd #") ;;
	esac
	(cd "$TESTDIR/src" && eval "$cmd") >"$TESTDIR/step.out" 2>&1
	rc=$?
	is "$rc" 0 "README: $(printf '%s' "$cmd" | cut -c1-70)"
	if [ "$rc" -ne 0 ]; then
		sed 's/^/#   /' "$TESTDIR/step.out"
		tail -n 20 "$TESTDIR/src/make.log" "$TESTDIR/src/configure.log" 2>/dev/null | sed 's/^/#   /'
		done_testing
		exit 1
	fi
	case "$cmd" in *'install -d'*' /etc/otpsms'*)
		# "then write /etc/otpsms/otpsmsd.yaml (below)"
		install -m 0644 "$TESTDIR/otpsmsd.yaml" /etc/otpsms/otpsmsd.yaml ;;
	esac
	case "$cmd" in *'/etc/otpsms/twilio.token'*)
		# "then put the token in it": as the administrator would.
		printf '0123456789abcdef0123456789abcdef\n' > /etc/otpsms/twilio.token ;;
	esac
	case "$cmd" in *'otpsmsd -t'*) cp "$TESTDIR/step.out" "$TESTDIR/t-root.out" ;; esac
done < "$TESTDIR/install.sh"

OTPSMSD_I=$DEST/usr/local/sbin/otpsmsd
[ -x "$OTPSMSD_I" ]
ok "otpsmsd installed in /usr/local/sbin (under DESTDIR)"
ls "$DEST"/usr/lib/*/security/pam_otpsms.so >/dev/null 2>&1
ok "pam_otpsms.so installed in the PAM directory (under DESTDIR)"
[ -f "$TESTDIR/t-root.out" ] && ! grep -q 'warning' "$TESTDIR/t-root.out"
ok "the README runs otpsmsd -t as root: no warning (the token is readable by otpsms too)"
[ -s "$TESTDIR/t-root.out" ] && sed 's/^/#   -t: /' "$TESTDIR/t-root.out"

# systemctl enable --now otpsmsd, as the unit would: RuntimeDirectory=,
# then ExecStartPre and ExecStart as User=otpsms.
install -d -m 0750 -o otpsms -g otpsms /run/otpsms
as_otpsms() { setpriv --reuid otpsms --regid otpsms --init-groups "$@"; }
as_otpsms "$OTPSMSD_I" -t -c /etc/otpsms/otpsmsd.yaml >"$TESTDIR/t.out" 2>&1
ok "ExecStartPre: otpsmsd -t as otpsms accepts the README's configuration"
# Not through the function: $! must be the daemon itself (setpriv execs it).
setpriv --reuid otpsms --regid otpsms --init-groups "$OTPSMSD_I" -f \
    -c /etc/otpsms/otpsmsd.yaml >"$TESTDIR/run.log" 2>&1 &
RPID=$!
i=0
while [ ! -S /run/otpsms/otpsmsd.sock ] && [ $i -lt 200 ] && kill -0 "$RPID" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
[ -S /run/otpsms/otpsmsd.sock ]
ok "ExecStart: otpsmsd -f as otpsms is serving /run/otpsms/otpsmsd.sock"
# Twilio is not reachable from a test: the README's second carrier, the
# outbox, takes the code.
out=$(timeout 60 "$CLIENT" -s /run/otpsms/otpsmsd.sock challenge alice sshd 2>&1)
ok "a code for alice is sent ($out)"
[ -s /var/lib/otpsms/outbox.jsonl ] && grep -q '"+447700900123"' /var/lib/otpsms/outbox.jsonl
ok "it reached the outbox in /var/lib/otpsms, the directory the README makes"
if [ "$_tap_failed" -ne 0 ]; then sed 's/^/#   daemon: /' "$TESTDIR/run.log" "$TESTDIR/t.out"; fi
kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
RPID=

done_testing
