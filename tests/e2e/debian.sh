#!/bin/sh
# The Debian packages, as an administrator meets them (README: "Install from
# the Debian packages"): built with dpkg-buildpackage from a copy of the tree
# (never in it), checked by lintian, installed with apt-get, a password + code
# login through the installed module and the installed daemon, then purged,
# leaving nothing behind.
#
#   tests/e2e/debian.sh [TARBALL]
#
# TARBALL: a `make dist` tarball (scripts/test.sh passes distcheck's);
# without it, the files git tracks in $top_srcdir, as they are in the working
# tree. Root only: it installs packages and adds a user and a PAM service.
# Skips when otpsms is already installed here (by dpkg or make install): it
# would purge an administrator's configuration.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"

tarball=${1:-}
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
PAMDIR=/usr/lib/$MULTIARCH/security
UNIT=/lib/systemd/system/otpsmsd.service
CONF=/etc/otpsms/otpsmsd.yaml
SERVICE=/etc/pam.d/otpsms-debian-test
TUSER=otpsmsdeb
PASSWORD=Debian-e2e-0ne
PKGS="otpsmsd libpam-otpsms"
OUTBOX=/var/lib/otpsms/outbox.jsonl
SOCKET=/run/otpsms/otpsmsd.sock

is_root || skip_all "needs root (installs packages, adds a user and a PAM service)"
for c in dpkg-buildpackage lintian apt-get pamtester pam-auth-update openssl setpriv; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
done
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed\|config-files' &&
	    skip_all "package $p is installed here: not touching it"
done
for f in /etc/otpsms /var/lib/otpsms /run/otpsms "$PAMDIR/pam_otpsms.so" /usr/sbin/otpsmsd; do
	[ -e "$f" ] && skip_all "$f exists (otpsms installed by hand?): not touching it"
done
if [ -z "$tarball" ] && ! git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	skip_all "neither a tarball nor a git checkout to build from"
fi

make_testdir
e2e_traps
systemd=no
[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && systemd=yes
diag "systemd running: $systemd"

# --- build, in a copy ------------------------------------------------------
src=$TESTDIR/src
mkdir -p "$src"
if [ -n "$tarball" ]; then
	tar -xzf "$tarball" -C "$src" --strip-components=1
else
	(cd "$top_srcdir" && git ls-files -z | tar --null -cf - -T -) | tar -xf - -C "$src"
fi
ok "a copy of the tree to build from"
[ -f "$src/debian/control" ] || bail "no debian/ in the copy (EXTRA_DIST?)"

# README's command, simulated: debian/control's build dependencies resolve
# (and are installed: install-deps.sh --test has them).
(cd "$src" && apt-get build-dep -s ./) >"$TESTDIR/build-dep.log" 2>&1
ok "apt-get build-dep ./ (simulated)"
grep -q '^0 upgraded, 0 newly installed' "$TESTDIR/build-dep.log"
ok "every build dependency is installed"

# The test suite ran already (make check): nocheck keeps this one build.
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc 2>/dev/null || echo 2)" \
    dpkg-buildpackage -us -uc -b) >"$TESTDIR/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -n 40 "$TESTDIR/build.log" | sed 's/^/# /'
is "$rc" 0 "dpkg-buildpackage -us -uc -b"
[ $rc -eq 0 ] || bail "no packages"
debs=$(ls "$TESTDIR"/otpsmsd_*.deb "$TESTDIR"/libpam-otpsms_*.deb 2>/dev/null | grep -v dbgsym)
is "$(echo "$debs" | wc -w)" 2 "two packages: otpsmsd and libpam-otpsms"

# Errors and warnings fail; an override in debian/ must say why.
lintian --fail-on error,warning "$TESTDIR"/otpsms_*.changes >"$TESTDIR/lintian.log" 2>&1
rc=$?
grep '^[EW]: ' "$TESTDIR/lintian.log" | sed 's/^/# /'
is "$rc" 0 "lintian: no errors, no warnings"
dpkg-deb -c "$TESTDIR"/libpam-otpsms_*.deb | grep " \./usr/lib/$MULTIARCH/security/pam_otpsms\.so$" >/dev/null
ok "the module is in the multiarch PAM directory"

# --- install ---------------------------------------------------------------
e2e_lock
user_existed=no
getent passwd otpsms >/dev/null 2>&1 && user_existed=yes
[ "$user_existed" = yes ] || at_cleanup "userdel otpsms >/dev/null 2>&1; groupdel otpsms >/dev/null 2>&1"
at_cleanup "stop_deb_daemon; apt-get purge -y -q $PKGS >/dev/null 2>&1"
cp /etc/pam.d/common-auth "$TESTDIR/common-auth.before"

stop_deb_daemon() {
	if [ "$systemd" = yes ]; then
		systemctl stop otpsmsd >/dev/null 2>&1
	else
		stop_daemon
	fi
}

# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $debs >"$TESTDIR/install.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -n 30 "$TESTDIR/install.log" | sed 's/^/# /'
is "$rc" 0 "apt-get install ./otpsmsd_*.deb ./libpam-otpsms_*.deb"
[ $rc -eq 0 ] || bail "not installed"

is "$(getent passwd otpsms | cut -d: -f6,7)" "/var/lib/otpsms:/usr/sbin/nologin" \
    "user otpsms: home /var/lib/otpsms, no shell"
is "$(stat -c '%a %U %G' /var/lib/otpsms 2>&1)" "700 otpsms otpsms" \
    "/var/lib/otpsms: otpsms's, 0700 (as StateDirectoryMode=)"
is "$(stat -c '%a %U %G' "$CONF" 2>&1)" "640 root otpsms" "$CONF: 0640 root:otpsms"
dpkg-query -W -f='${Conffiles}\n' otpsmsd | grep -q " $CONF "
ok "$CONF is a conffile"
[ -f "$PAMDIR/pam_otpsms.so" ] && [ -f "$UNIT" ] && [ -x /usr/sbin/otpsmsd ] && [ -x /usr/sbin/otpsmsctl ]
ok "module, unit, otpsmsd and otpsmsctl installed"
grep -q '^Default: no$' /usr/share/pam-configs/otpsms
ok "the pam-auth-update profile is Default: no"
cmp -s /etc/pam.d/common-auth "$TESTDIR/common-auth.before"
ok "installing changed no PAM stack (common-auth as before)"
setpriv --reuid=otpsms --regid=otpsms --init-groups -- /usr/sbin/otpsmsd -t -c "$CONF" >"$TESTDIR/t.log" 2>&1
ok "the shipped example configuration is valid, read as otpsms"

# --- the profile, enabled in a copy of the PAM configuration ----------------
# pam-auth-update --root: the real /etc/pam.d is never touched.
root=$TESTDIR/root
mkdir -p "$root/etc/pam.d" "$root/var/lib/pam" "$root/usr/share/pam-configs"
cp /etc/pam.d/common-* "$root/etc/pam.d/"
cp -a /var/lib/pam/. "$root/var/lib/pam/"
cp /usr/share/pam-configs/* "$root/usr/share/pam-configs/"
DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$root" --force --enable otpsms >"$TESTDIR/pau.log" 2>&1
ok "pam-auth-update --enable otpsms"
auth=$root/etc/pam.d/common-auth
line_of() { grep -n "$1" "$auth" | head -1 | cut -d: -f1; }
u=$(line_of 'pam_unix\.so')
d=$(line_of 'requisite.*pam_deny\.so')
o=$(line_of 'required.*pam_otpsms\.so')
[ -n "$u" ] && [ -n "$d" ] && [ -n "$o" ] && [ "$u" -lt "$d" ] && [ "$d" -lt "$o" ]
ok "common-auth: pam_unix, then requisite pam_deny, then required pam_otpsms"
/usr/sbin/otpsmsctl check-pam "$auth" >"$TESTDIR/checkpam.log" 2>&1
ok "otpsmsctl check-pam accepts the generated common-auth"

# --- configure, start, log in ----------------------------------------------
e2e_add_user "$TUSER"
usermod -p "$(openssl passwd -6 "$PASSWORD")" "$TUSER" || bail "usermod"
# In place: the conffile keeps its mode and group.
cat >"$CONF" <<EOF
allow_uids: [0]
users:
  $TUSER: "+447700900123"
carriers:
  - name: outbox
    type: file
    path: $OUTBOX
EOF
# Not in a pipeline: e2e_install registers its removal in this shell.
{
	grep -v '^#' "$auth" | grep .
	echo "account required pam_permit.so"
} >"$TESTDIR/service"
e2e_install "$SERVICE" 0644 <"$TESTDIR/service"

if [ "$systemd" = yes ]; then
	systemctl restart otpsmsd
	ok "systemctl restart otpsmsd"
else
	# As the unit does: its ExecStartPre and ExecStart, as User=, with its
	# RuntimeDirectory= and UMask=.
	grep -q '^User=otpsms$' "$UNIT"
	ok "the unit runs the daemon as otpsms"
	pre=$(sed -n 's/^ExecStartPre=//p' "$UNIT")
	start=$(sed -n 's/^ExecStart=//p' "$UNIT")
	install -d -o otpsms -g otpsms -m 0750 /run/otpsms
	# shellcheck disable=SC2086
	(umask 077 && setpriv --reuid=otpsms --regid=otpsms --init-groups -- $pre) >"$TESTDIR/pre.log" 2>&1
	ok "ExecStartPre: $pre"
	# shellcheck disable=SC2086
	(umask 077 && exec setpriv --reuid=otpsms --regid=otpsms --init-groups -- $start) \
	    >"$TESTDIR/otpsmsd.log" 2>&1 &
	DAEMON_PID=$!
fi
i=0
while [ ! -S "$SOCKET" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
[ -S "$SOCKET" ]
ok "the daemon listens on $SOCKET"
[ -S "$SOCKET" ] || { sed 's/^/# daemon: /' "$TESTDIR/otpsmsd.log" 2>/dev/null; bail "no daemon"; }
/usr/sbin/otpsmsctl status >"$TESTDIR/status.log" 2>&1
ok "otpsmsctl status"

# pamtester reads the answers from a FIFO: the password first, the code once
# the outbox has it.
pam_login() {  # pam_login PASSWORD OUTBOX_COUNT: answers the code once the outbox has more; sets $login_out
	rm -f "$TESTDIR/in"
	mkfifo "$TESTDIR/in"
	pamtester otpsms-debian-test "$TUSER" authenticate <"$TESTDIR/in" >"$TESTDIR/pt.out" 2>&1 &
	_pt=$!
	exec 8>"$TESTDIR/in"
	printf '%s\n' "$1" >&8
	_before=$2
	_i=0
	while [ "$(outbox_count)" -le "$_before" ] && kill -0 "$_pt" 2>/dev/null && [ $_i -lt 300 ]; do
		_i=$((_i + 1))
		sleep 0.05
	done
	if [ "$(outbox_count)" -gt "$_before" ]; then
		printf '%s\n' "$(last_code)" >&8
	fi
	exec 8>&-
	wait "$_pt"
	login_out=$(cat "$TESTDIR/pt.out")
}

pam_login wrong-password 0
case "$login_out" in *"successfully authenticated"*) false ;; *) true ;; esac
ok "a wrong password is refused"
is "$(outbox_count)" 0 "and sends no code (the password is requisite)"

pam_login "$PASSWORD" 0
echo "$login_out" | grep -q 'Code sent to +44'
ok "the right password: the module says where the code went"
is "$(outbox_count)" 1 "one code in the outbox"
echo "$login_out" | grep -q 'successfully authenticated'
ok "password + code: authenticated through the installed module and daemon"
[ $_tap_failed -eq 0 ] || echo "$login_out" | sed 's/^/# pamtester: /'

# --- purge -----------------------------------------------------------------
stop_deb_daemon
rm -f "$SERVICE"
# Every file the packages hold, and their own directories.
listed=$(dpkg -L $PKGS 2>/dev/null | while read -r f; do [ -d "$f" ] || echo "$f"; done)
listed="$listed /usr/share/doc/otpsmsd /usr/share/doc/libpam-otpsms"
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $PKGS >"$TESTDIR/purge.log" 2>&1
ok "apt-get purge otpsmsd libpam-otpsms"
left=""
for f in $listed /etc/otpsms /var/lib/otpsms /run/otpsms "$PAMDIR/pam_otpsms.so" "$UNIT" \
    /etc/systemd/system/multi-user.target.wants/otpsmsd.service; do
	[ -e "$f" ] && left="$left $f"
done
is "$left" "" "nothing the packages installed or made is left"
gone=yes
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = not-installed ] || gone=no
done
[ "$gone" = yes ]
ok "dpkg knows neither package any more"
cmp -s /etc/pam.d/common-auth "$TESTDIR/common-auth.before"
ok "common-auth as before"
getent passwd otpsms >/dev/null
ok "user otpsms is kept (README.Debian)"

done_testing
