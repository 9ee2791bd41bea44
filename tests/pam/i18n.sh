#!/bin/sh
# The module's messages in the user's language: every msgid of
# po/pam_otpsms.pot is in the sources and translated in each po/LANG.po
# (msgfmt --check), and a login through real libpam under LANGUAGE=de sees
# the German prompt and messages, the right code still accepted.
. "$top_srcdir/tests/lib.sh"

PAMTEST="$top_builddir/tests/pam/pamtest"
POT="$top_srcdir/po/pam_otpsms.pot"
[ -x "$OTPSMSD" ] || skip_all "otpsmsd not built"
[ -f "$PAM_MODULE" ] || skip_all "pam_otpsms.so not built"
[ -x "$PAMTEST" ] || skip_all "pamtest not built"
command -v msgfmt >/dev/null 2>&1 || skip_all "msgfmt not installed (gettext)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
make_testdir

# --- the catalogues: the template matches the sources, every language is
# complete and its format strings agree with the msgids.
if command -v xgettext >/dev/null 2>&1; then
	(cd "$top_srcdir" && xgettext --from-code=UTF-8 --language=C \
	    --keyword=_ --keyword=N_ --keyword=tell_user:2 --keyword=say:2 \
	    --no-location --sort-output --files-from=po/POTFILES.in \
	    -o "$TESTDIR/fresh.pot")
	msgids() { msgcat --no-wrap "$1" | grep '^msgid' | sort; }
	if [ "$(msgids "$TESTDIR/fresh.pot")" = "$(msgids "$POT")" ]; then
		pass "po/pam_otpsms.pot holds exactly the sources' messages"
	else
		fail "po/pam_otpsms.pot is stale: run make update-po"
		diff "$TESTDIR/fresh.pot" "$POT" | sed 's/^/#   /' | head -n 20
	fi
fi
n=$(msgcat --no-wrap "$POT" | grep -c '^msgid "[^"]')    # long msgids span lines
for po in "$top_srcdir"/po/*.po; do
	l=$(basename "$po" .po)
	st=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
	ok "po/$l.po: msgfmt --check passes"
	is "$st" "$n translated messages." "po/$l.po: all $n messages translated, none fuzzy or missing"
	msgcmp "$po" "$POT" 2>/dev/null
	ok "po/$l.po: every msgid of the template is there"
done
[ -f "$top_builddir/po/de/LC_MESSAGES/pam_otpsms.mo" ]
ok "make built po/de/LC_MESSAGES/pam_otpsms.mo"

# --- a login in German. The C.UTF-8 locale is always there; glibc's gettext
# ignores LANGUAGE only when LC_MESSAGES is "C" or "POSIX" itself.
write_config "$TESTDIR/otpsmsd.yaml" 'message: "{code} is your code"'
start_daemon "$TESTDIR/otpsmsd.yaml"
CONF=$TESTDIR/pam.d
mkdir -p "$CONF"
printf 'auth required %s daemon_user=%s prompts=1 socket=%s\n' "$PAM_MODULE" \
    "$(daemon_user)" "$SOCKET" > "$CONF/de"
cat > "$TESTDIR/code" <<EOF
#!/bin/sh
exec python3 -c 'import json; print(json.loads(open("$OUTBOX").read().splitlines()[-1])["text"].split()[0])'
EOF
run_de() {
	RES=$(LANGUAGE=de LC_ALL=C.UTF-8 OTPSMS_TEST_LOCALEDIR="$top_builddir/po" \
	    "$PAMTEST" -d "$CONF" -s de -u alice "$@" 2>"$TESTDIR/err" | tail -n 1)
}
run_de -A "sh $TESTDIR/code"
is "$RES" PAM_SUCCESS "LANGUAGE=de: the right code is accepted"
grep -qF "prompt: Code an +44•••••0123 gesendet. Bestätigungscode: " "$TESTDIR/err"
ok "LANGUAGE=de: the prompt is German"
[ "$RES" = PAM_SUCCESS ] || sed 's/^/#   stderr: /' "$TESTDIR/err"
run_de -a 000000
is "$RES" PAM_AUTH_ERR "LANGUAGE=de: a wrong code is refused"
grep -qF "error: Falscher Code." "$TESTDIR/err"
ok "LANGUAGE=de: in German"
run_de -a 000000
grep -qF "prompt: Code bereits an +44•••••0123 gesendet. Bestätigungscode: " "$TESTDIR/err"
ok "LANGUAGE=de: the reused code's prompt is German"
RES=$(LC_ALL=C.UTF-8 OTPSMS_TEST_LOCALEDIR="$top_builddir/po" \
    "$PAMTEST" -d "$CONF" -s de -u alice -a 000000 2>"$TESTDIR/err" | tail -n 1)
grep -qF "prompt: Code sent earlier to +44•••••0123. Verification code: " "$TESTDIR/err"
ok "no LANGUAGE: English"

stop_daemon
done_testing
