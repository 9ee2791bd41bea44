#!/bin/sh
# otpsmsctl check-pam: every PAM stack printed in the docs (extracted from
# them by tests/pam/doc_stacks.py, so the docs cannot drift) is clean, or warns
# exactly as its annotation says; stacks that are wrong in each way warn with
# the right kind at the right FILE:LINE; files it cannot read are errors.
# Exit status: 0 clean, 1 warnings, 2 errors.
. "$top_srcdir/tests/lib.sh"

CTL="$top_builddir/otpsmsctl"
[ -x "$CTL" ] || skip_all "otpsmsctl not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
make_testdir
D=$TESTDIR/docs
mkdir -p "$D"

# Debian 12's /etc/pam.d/common-auth (what the guides' @include means), and
# the other files they include.
common() {
	cat > "$1/common-auth" <<'EOF2'
# here are the per-package modules (the "Primary" block)
auth	[success=1 default=ignore]	pam_unix.so nullok
# here's the fallback if no module succeeds
auth	requisite			pam_deny.so
# prime the stack with a positive return value if there isn't one already;
auth	required			pam_permit.so
# and here are more per-package modules (the "Additional" block)
auth	optional			pam_cap.so
EOF2
	printf 'account required pam_unix.so\n' > "$1/common-account"
	printf 'session required pam_unix.so\n' > "$1/common-session-noninteractive"
}
common "$D"

# check [-k] FILE: $OUT (stdout), $ERR (stderr), $RC.
check() {
	OUT=$("$CTL" check-pam "$@" 2>"$TESTDIR/stderr")
	RC=$?
	ERR=$(cat "$TESTDIR/stderr")
}

diag "every stack in the docs"
python3 "$top_srcdir/tests/pam/doc_stacks.py" "$D" \
    "$top_srcdir/docs/pam_otpsms.8" "$top_srcdir/docs/sshd.md" \
    "$top_srcdir/docs/sudo.md" "$top_srcdir/docs/bastion.md" \
    "$top_srcdir/README.md" > "$TESTDIR/stacks" || bail "doc_stacks.py failed"
n=$(wc -l < "$TESTDIR/stacks")
[ "$n" -ge 15 ]
ok "found the docs' stacks ($n)"
while read -r s; do
	set -- $(cat "$D/$s.how")
	case ${1:-} in
	expect)
		shift
		check "$D/$s"
		is "$RC" 1 "$s (printed as what not to do): warns"
		for k in "$@"; do
			printf '%s\n' "$OUT" | grep -q "^$D/$s:[0-9]*: warning: \[$k\]"
			ok "$s: warns [$k]"
		done
		;;
	-k)
		check -k "$D/$s"
		is "$RC:$OUT$ERR" "0:" "$s (after a key): clean"
		;;
	*)
		check "$D/$s"
		is "$RC:$OUT$ERR" "0:" "$s: clean"
		;;
	esac
done < "$TESTDIR/stacks"

diag "stacks that warn, each at its line"
B=$TESTDIR/bad
mkdir -p "$B"
common "$B"
# want FILE LINE KIND DESCRIPTION: check FILE, exit 1, and that warning.
want() {
	check "$B/$1"
	is "$RC" 1 "$4: exit status 1"
	printf '%s\n' "$OUT" | grep -q "^$B/$1:$2: warning: \[$3\] "
	ok "$4: [$3] at line $2"
	[ "$RC" = 1 ] && printf '%s\n' "$OUT" | grep -q "^$B/$1:$2: warning: \[$3\] " ||
	    printf '%s\n' "$OUT$ERR" | sed 's/^/#   /'
}
# nowarn FILE KIND DESCRIPTION: no warning of that kind.
nowarn() {
	check "$B/$1"
	! printf '%s\n' "$OUT" | grep -q "\[$2\]"
	ok "$3: no [$2]"
}

cat > "$B/required" <<'EOF2'
# the enrolment stack as it used to be printed
auth required pam_unix.so
auth required pam_otpsms.so nullok
EOF2
want required 2 first-factor "required first factor"
cat > "$B/optional" <<'EOF2'
auth optional pam_unix.so
auth required pam_otpsms.so
EOF2
want optional 1 first-factor "optional first factor"
cat > "$B/default-ignore" <<'EOF2'
auth [success=1 default=ignore] pam_unix.so
auth required pam_otpsms.so
auth required pam_permit.so
EOF2
want default-ignore 1 first-factor "[success=1 default=ignore] first factor, no pam_deny"
cat > "$B/default-ok" <<'EOF2'

auth   [success=ok new_authtok_reqd=ok default=ok]   pam_unix.so
auth requisite pam_otpsms.so
EOF2
want default-ok 2 first-factor "[... default=ok] first factor"
# A continuation: the warning names the line where the entry starts, and the
# lines after keep their numbers.
cat > "$B/continued" <<'EOF2'
auth requisite pam_env.so
auth required \
    pam_sss.so \
    use_first_pass
-AUTH Required pam_otpsms.so
EOF2
want continued 2 first-factor "a line continued with \\, a -type, upper case"
cat > "$B/sufficient-before" <<'EOF2'
auth sufficient pam_sss.so
auth requisite pam_unix.so
auth required pam_otpsms.so
EOF2
want sufficient-before 1 skips-code "sufficient before the module"
cat > "$B/done-before" <<'EOF2'
auth requisite pam_unix.so
auth [success=done default=ignore] pam_fprintd.so
auth required pam_otpsms.so
EOF2
want done-before 2 skips-code "[success=done ...] before the module"
cat > "$B/jump-over" <<'EOF2'
auth [success=2 default=die] pam_unix.so
auth required pam_otpsms.so
auth required pam_deny.so
auth required pam_permit.so
EOF2
want jump-over 1 skips-code "a jump over the module"
cat > "$B/sufficient-module" <<'EOF2'
# code or password
auth sufficient pam_otpsms.so
@include common-auth
EOF2
want sufficient-module 2 code-optional "sufficient pam_otpsms before the password"
cat > "$B/optional-module" <<'EOF2'
auth requisite pam_unix.so
auth [success=ok default=ignore] pam_otpsms.so
EOF2
want optional-module 2 code-optional "[... default=ignore] pam_otpsms"
cat > "$B/exempt" <<'EOF2'
auth required pam_otpsms.so skip_groups=robots
auth required pam_permit.so
EOF2
want exempt 1 exempt-nothing "an exempt user passes with nothing"
check -k "$B/exempt"
is "$RC:$OUT" "0:" "the same with -k (the application asked for a key first): clean"
cat > "$B/nets" <<'EOF2'
auth requisite pam_unix.so
auth required pam_otpsms.so trusted_nets=10.0.0.0/8,0.0.0.0/0
EOF2
want nets 2 option "trusted_nets=0.0.0.0/0 exempts everyone"
cat > "$B/groups" <<'EOF2'
auth requisite pam_unix.so
auth required pam_otpsms.so only_groups=staff,ops skip_groups=ops,staff
EOF2
want groups 2 option "every only_groups group skipped"
cat > "$B/typo" <<'EOF2'
auth requisite pam_unix.so
auth required pam_otpsms.so nulok
EOF2
want typo 2 option "an unknown option (the module would refuse everyone)"
printf 'auth requisite pam_unix.so\nauth [success=ok default=die] pam_otpsms.so [prompt=Your code: ] only_groups=staff skip_groups=ops\n' > "$B/fine"
check "$B/fine"
is "$RC:$OUT$ERR" "0:" "a bracketed module argument, groups that differ: clean"
# Includes: auth include / substack, relative to the file's directory.
printf 'auth required pam_unix.so\n' > "$B/pw-required"
printf 'auth include pw-required\nauth required pam_otpsms.so\n' > "$B/inc"
check "$B/inc"
is "$RC" 1 "auth include of a required first factor: exit status 1"
printf '%s\n' "$OUT" | grep -q "^$B/pw-required:1: warning: \[first-factor\]"
ok "auth include: the warning names the included file's line (pw-required:1)"
printf 'auth substack common-auth\nauth required pam_otpsms.so\n' > "$B/substack"
check "$B/substack"
is "$RC:$OUT$ERR" "0:" "auth substack common-auth: clean"
printf 'auth required pam_permit.so\n' > "$B/no-module"
check "$B/no-module"
is "$RC:$OUT$ERR" "0:" "a file that does not name the module: nothing to say"
nowarn required skips-code "required first factor"
nowarn sufficient-module first-factor "sufficient module first"

diag "errors: exit 2"
check "$B/missing"
is "$RC" 2 "a missing file"
printf 'auth [success=ok default=die pam_unix.so\nauth required pam_otpsms.so\n' > "$B/bracket"
check "$B/bracket"
is "$RC" 2 "an unclosed ["
printf '%s\n' "$ERR" | grep -q "^$B/bracket:1: error: "
ok "named at its line"
printf 'auth [success=maybe] pam_unix.so\nauth required pam_otpsms.so\n' > "$B/action"
check "$B/action"
is "$RC" 2 "an unknown action"
python3 -c 'print("auth required pam_otpsms.so " + "x" * 5000)' > "$B/long"
check "$B/long"
is "$RC" 2 "a line longer than the bound"
printf '@include loop\nauth required pam_otpsms.so\n' > "$B/loop"
check "$B/loop"
is "$RC" 2 "an include loop"
printf 'auth required pam_otpsms.so\n\000\n' > "$B/nul"
check "$B/nul"
is "$RC" 2 "a NUL byte"
printf '@include nowhere\nauth required pam_otpsms.so\n' > "$B/noinc"
check "$B/noinc"
is "$RC" 2 "a missing include"
check "$B/required" "$B/missing"
is "$RC" 2 "several files: the worst status"

if is_root && command -v setpriv >/dev/null 2>&1; then
	chmod -R a+rX "$TESTDIR"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$CTL" check-pam "$B/required" >/dev/null 2>&1
	is "$?" 1 "needs no root: works as nobody"
else
	pass "# SKIP the unprivileged run needs root and setpriv"
fi

done_testing
