#!/bin/sh
# Numbers from a real slapd (docs/directory.md): started here on free
# loopback ports (ldap:// and ldaps://) with a test CA, an mdb database and
# a bind account. Found, absent, several values, national formats, an
# injection attempt in the name, TLS checked against the CA, the cache (ttl,
# otpsmsctl flush) and slapd stopped mid-run: a cached entry is used, an
# uncached user is refused as unavailable, never as "not enrolled".
set -u
. "$top_srcdir/tests/lib.sh"

SLAPD=${SLAPD:-/usr/sbin/slapd}
[ -x "$SLAPD" ] || skip_all "slapd not installed (apt-get install slapd)"
command -v ldapmodify >/dev/null 2>&1 || skip_all "ldap-utils not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
SCHEMA=/etc/ldap/schema
[ -f "$SCHEMA/inetorgperson.schema" ] || skip_all "no OpenLDAP schema in $SCHEMA"

make_testdir
CTL="$top_builddir/otpsmsctl"
L="$TESTDIR/ldap"
mkdir -p "$L/db"
P1=$(free_port)
P2=$(free_port)
SLAPD_PID=
stop_slapd() {
	if [ -n "$SLAPD_PID" ]; then
		kill "$SLAPD_PID" 2>/dev/null
		_i=0
		while kill -0 "$SLAPD_PID" 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.05
			_i=$((_i + 1))
		done
		SLAPD_PID=
	fi
}
at_cleanup 'stop_slapd'

# A test CA and a server certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=otpsms test ldap CA" -keyout "$L/ca.key" -out "$L/ca.crt" \
    >/dev/null 2>&1 || bail "openssl: CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$L/server.key" -out "$L/server.csr" \
    >/dev/null 2>&1 || bail "openssl: server key"
printf 'subjectAltName=IP:127.0.0.1\n' > "$L/server.ext"
openssl x509 -req -in "$L/server.csr" -CA "$L/ca.crt" -CAkey "$L/ca.key" \
    -CAcreateserial -days 2 -extfile "$L/server.ext" -out "$L/server.crt" \
    >/dev/null 2>&1 || bail "openssl: server certificate"
# Another CA, that signed nothing here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=otpsms other CA" -keyout "$L/other.key" -out "$L/other.crt" \
    >/dev/null 2>&1 || bail "openssl: other CA"
chmod 644 "$L"/*.crt

BASE="dc=example,dc=com"
ROOTPW=$(openssl rand -hex 12)
BINDPW=$(openssl rand -hex 12)
cat > "$L/slapd.conf" <<CONF
include $SCHEMA/core.schema
include $SCHEMA/cosine.schema
include $SCHEMA/inetorgperson.schema
include $SCHEMA/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $L/slapd.pid
TLSCACertificateFile $L/ca.crt
TLSCertificateFile $L/server.crt
TLSCertificateKeyFile $L/server.key
# Nothing in clear: every operation needs TLS (ldaps:// or StartTLS).
security tls=1
database mdb
maxsize 10485760
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw $ROOTPW
directory $L/db
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="ou=people,$BASE" by dn.exact="cn=otpsms,ou=services,$BASE" read by * none
access to * by dn.exact="cn=otpsms,ou=services,$BASE" read by anonymous auth by * none
CONF

person() {  # uid then attribute lines
	_u=$1
	shift
	printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' \
	    "$_u" "$BASE" "$_u" "$_u" "$_u"
	for _a in "$@"; do printf '%s\n' "$_a"; done
	printf '\n'
}
{
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: example\ndc: example\n\n' "$BASE"
	printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
	printf 'dn: ou=services,%s\nobjectClass: organizationalUnit\nou: services\n\n' "$BASE"
	printf 'dn: cn=otpsms,ou=services,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: otpsms\nuserPassword: %s\n\n' "$BASE" "$BINDPW"
	person dave "mobile: +447700900111"
	person alice "mobile: +447700900999"
	person erin "mobile: call reception" "mobile: +15017122662" "telephoneNumber: +15017122663"
	person frank "mobile: 07700 900124"
	person gina "mobile: +447700900131"
	person hank "mobile: +447700900141"
	person ivy "description: no number here"
	person jack "mobile: ask the front desk"
} > "$L/data.ldif"
"${SLAPD%slapd}slapadd" -f "$L/slapd.conf" -l "$L/data.ldif" >"$L/slapadd.log" 2>&1 ||
    { sed 's/^/# /' "$L/slapadd.log"; bail "slapadd"; }

start_slapd() {
	"$SLAPD" -f "$L/slapd.conf" -h "ldap://127.0.0.1:$P1/ ldaps://127.0.0.1:$P2/" \
	    -d 0 >>"$L/slapd.log" 2>&1 &
	SLAPD_PID=$!
	_i=0
	until LDAPTLS_CACERT="$L/ca.crt" ldapsearch -x -H "ldaps://127.0.0.1:$P2/" \
	    -D "cn=admin,$BASE" -w "$ROOTPW" -b "$BASE" -s base >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$SLAPD_PID" 2>/dev/null; then
			sed 's/^/# slapd: /' "$L/slapd.log"
			bail "slapd did not start"
		fi
		sleep 0.1
	done
}
set_mobile() {  # uid number
	printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\nreplace: mobile\nmobile: %s\n' \
	    "$1" "$BASE" "$2" | LDAPTLS_CACERT="$L/ca.crt" ldapmodify -x \
	    -H "ldaps://127.0.0.1:$P2/" -D "cn=admin,$BASE" -w "$ROOTPW" >/dev/null 2>&1
}
last_to() {
	python3 -c '
import json, sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["to"])' "$OUTBOX"
}
# challenge USER: the client's answer ("error CODE ..." on a refusal).
challenge() { "$CLIENT" -s "$SOCKET" challenge "$1" sshd 192.0.2.1 2>&1; }
# issued ANSWER: true when the answer is a challenge (ID MASKED TTL ...).
issued() { echo "$1" | grep -Eq '^[0-9a-f]{32} \+'; }

printf '%s\n' "$BINDPW" > "$TESTDIR/ldap.pass"
chmod 600 "$TESTDIR/ldap.pass"
dir_yaml() {  # URL [extra lines inside directory:]
	printf 'code: { reuse_window: 0 }\ndirectory:\n  type: ldap\n  url: %s\n' "$1"
	printf '  bind_dn: cn=otpsms,ou=services,%s\n' "$BASE"
	printf '  bind_password_file: %s\n' "$TESTDIR/ldap.pass"
	printf '  base: ou=people,%s\n' "$BASE"
	printf '  filter: "(&(objectClass=inetOrgPerson)(uid={user}))"\n'
	printf '  attributes: [mobile, telephoneNumber]\n'
	printf '  default_country: "+44"\n'
	printf '  timeout: 2s\n'
	printf '  cache: { ttl: 3s, negative_ttl: 1s, stale_for: 1h }\n'
	[ -n "${2:-}" ] && printf '%s\n' "$2"
	return 0
}

# Configuration checks.
write_config "$TESTDIR/plain.yaml" "$(dir_yaml "ldap://127.0.0.1:$P1/")"
out=$("$OTPSMSD" -t -c "$TESTDIR/plain.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "plain.yaml:[0-9]*:[0-9]*: directory.url: ldap:// sends the bind"
ok "plain ldap:// without starttls is refused with FILE:LINE:COL"
write_config "$TESTDIR/nouser.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/ca.crt" |
    sed 's/(uid={user})/(uid=dave)/')"
out=$("$OTPSMSD" -t -c "$TESTDIR/nouser.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "directory.filter: the filter names {user} exactly once"
ok "a filter without {user} is refused"
write_config "$TESTDIR/inline.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/ca.crt" |
    sed "s|bind_password_file: .*|bind_password: $BINDPW|")"
chmod 644 "$TESTDIR/inline.yaml"
out=$("$OTPSMSD" -t -c "$TESTDIR/inline.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "bind_password" && ! echo "$out" | grep -q "$BINDPW"
ok "an inline bind_password in a readable file is refused, never quoted"
chmod 644 "$TESTDIR/ldap.pass"
write_config "$TESTDIR/loose.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/ca.crt")"
out=$("$OTPSMSD" -t -c "$TESTDIR/loose.yaml" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "ldap.pass"
ok "a readable bind_password_file is refused"
chmod 600 "$TESTDIR/ldap.pass"

start_slapd
write_config "$TESTDIR/d.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/ca.crt")"
"$OTPSMSD" -t -c "$TESTDIR/d.yaml" >/dev/null 2>&1
ok "otpsmsd -t accepts the directory block"
start_daemon "$TESTDIR/d.yaml"
grep -q "seccomp allow-list loaded" "$TESTDIR/otpsmsd.log" && diag "otpsmsd runs under its seccomp allow-list"

out=$(challenge dave)
issued "$out"
ok "a user found in the directory gets a code ($out)"
is "$(last_to)" "+447700900111" "sent to the directory's number"

challenge alice >/dev/null
is "$(last_to)" "+447700900123" "users: is asked before the directory"

out=$(challenge zed)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 4" "a user not in the directory is not enrolled"
out=$(challenge ivy)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 4" "an entry without a number is not enrolled"
# A number that cannot be read is a data error: never "not enrolled" (nullok
# would then skip the code), the login fails closed.
out=$(challenge jack)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 6" "an entry whose only number is unusable: unavailable, not unenrolled"
grep -q "user=jack: no value of the entry is a usable number" "$TESTDIR/otpsmsd.log"
ok "... and the log says why"

challenge erin >/dev/null
is "$(last_to)" "+15017122662" "several values: the first usable one"
grep -q "user=erin attribute=mobile: a value that is not a phone number" "$TESTDIR/otpsmsd.log"
ok "the unusable value is logged with user and attribute"
! grep -q "call reception" "$TESTDIR/otpsmsd.log"
ok "the value itself stays out of the log"

challenge frank >/dev/null
is "$(last_to)" "+447700900124" "a national number becomes E.164 with default_country"

n0=$(outbox_count)
out=$(challenge '*')
is "$(echo "$out" | cut -d' ' -f1-2)" "error 4" "the name '*' matches nobody (escaped), not everyone"
out=$(challenge 'dave)(uid=*')
is "$(echo "$out" | cut -d' ' -f1-2)" "error 4" "a filter injection in the name matches nobody"
out=$(challenge 'x*)(|(uid=dave)')
is "$(echo "$out" | cut -d' ' -f1-2)" "error 4" "an OR injection in the name matches nobody"
is "$(outbox_count)" "$n0" "no code went out for an injected name"

# The cache: a change is seen after ttl, or at once after otpsmsctl flush.
set_mobile dave "+447700900112"
ok "dave's number changed in the directory"
challenge dave >/dev/null
is "$(last_to)" "+447700900111" "within ttl the cached number is used"
out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" flush dave)
ok "otpsmsctl flush dave ($out)"
challenge dave >/dev/null
is "$(last_to)" "+447700900112" "after flush the new number is used at once"
out=$("$CTL" -u "$(daemon_user)" -s "$SOCKET" flush nobody-cached)
[ $? -eq 0 ] && echo "$out" | grep -q "nothing cached"
ok "flush of a user not cached says so"
set_mobile dave "+447700900113"
sleep 3.5
challenge dave >/dev/null
is "$(last_to)" "+447700900113" "after ttl the new number is used"

# slapd stopped: cached entries stand in (stale_for), the rest fail closed.
challenge gina >/dev/null
is "$(last_to)" "+447700900131" "gina looked up (now cached)"
sleep 3.5    # past ttl: the directory is asked again, and does not answer
stop_slapd
out=$(challenge gina)
issued "$out"
ok "slapd down: a cached entry younger than stale_for is used ($out)"
is "$(last_to)" "+447700900131" "to the cached number"
grep -q "user=gina: directory unavailable (.*); using the entry cached" "$TESTDIR/otpsmsd.log"
ok "the stale use is logged with why"
out=$(challenge hank)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 6" "slapd down: an uncached user is unavailable, never 'not enrolled'"
grep -q "user=hank: directory unavailable (.*) and no usable cached entry: the login fails closed" "$TESTDIR/otpsmsd.log"
ok "the refusal is logged with why"
out=$(challenge zed)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 6" "slapd down: an expired negative entry is unavailable too"
start_slapd
out=$(challenge hank)
issued "$out"
ok "slapd back: the next lookup works without a restart ($out)"
stop_daemon

# TLS: a CA that did not sign the server's certificate is refused.
write_config "$TESTDIR/other.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/other.crt")"
start_daemon "$TESTDIR/other.yaml"
out=$(challenge dave); [ -n "${DIRTEST_DEBUG:-}" ] && sed "s/^/# log: /" "$TESTDIR/otpsmsd.log"
is "$(echo "$out" | cut -d' ' -f1-2)" "error 6" "ldaps:// with the wrong CA: unavailable"
grep -q "user=dave: directory unavailable" "$TESTDIR/otpsmsd.log"
ok "and logged"
stop_daemon
write_config "$TESTDIR/noca.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/")"
start_daemon "$TESTDIR/noca.yaml"
out=$(challenge dave); [ -n "${DIRTEST_DEBUG:-}" ] && sed "s/^/# log: /" "$TESTDIR/otpsmsd.log"
is "$(echo "$out" | cut -d' ' -f1-2)" "error 6" "ldaps:// without the CA (system store): unavailable"
stop_daemon

# StartTLS on ldap://, and two URLs tried in order (the first refuses).
DEAD=$(free_port)
write_config "$TESTDIR/starttls.yaml" "$(dir_yaml "ldap://127.0.0.1:$DEAD/ ldap://127.0.0.1:$P1/" \
    "  ca_file: $L/ca.crt
  starttls: true")"
start_daemon "$TESTDIR/starttls.yaml"
out=$(challenge gina)
issued "$out"
ok "StartTLS, the second URL when the first refuses ($out)"
stop_daemon

# The country policy applies to a directory's number as to a configured one.
write_config "$TESTDIR/cc.yaml" "$(dir_yaml "ldaps://127.0.0.1:$P2/" "  ca_file: $L/ca.crt")
countries: { allow: [\"+44\"] }"
sed -i '/^  bob:/d' "$TESTDIR/cc.yaml"
start_daemon "$TESTDIR/cc.yaml"
n0=$(outbox_count)
out=$(challenge erin)
is "$(echo "$out" | cut -d' ' -f1-2)" "error 9" "a directory number outside countries.allow is refused"
is "$(outbox_count)" "$n0" "and nothing is sent"
out=$(challenge gina)
issued "$out"
ok "one inside is sent ($out)"
stop_daemon

done_testing
