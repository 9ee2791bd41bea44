#!/bin/sh
# The built module exports exactly the pam_sm_* entry points it implements:
# dlsym_check proves it through the dynamic loader, nm through the table.
. "$top_srcdir/tests/lib.sh"

[ -f "$PAM_MODULE" ] || bail "module not built: $PAM_MODULE"
make_testdir

# dlsym_check speaks TAP itself; fold its results into this plan.
"$top_builddir/tests/pam/dlsym_check" "$PAM_MODULE" > "$TESTDIR/dlsym.tap" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) pass "dlsym: ${line#* - }" ;;
	"not ok "*) fail "dlsym: ${line#* - }" ;;
	"#"*|"Bail out!"*) echo "# $line" ;;
	esac
done < "$TESTDIR/dlsym.tap"
[ "$rc" -eq 0 ]
ok "dlsym_check exits 0"

# nm comes with binutils, a build dependency: no skipping.
syms=$(nm -D --defined-only "$PAM_MODULE" |
    awk 'NF == 3 && $2 !~ /^[aA]$/ { print $3 }' | sort | tr '\n' ' ')
is "$syms" "pam_sm_authenticate pam_sm_setcred " \
    "nm -D --defined-only: the entry points and nothing else"
# The module never ends the process it is loaded into, and logs only
# through pam_syslog.
bad=$(nm -D --undefined-only "$PAM_MODULE" |
    awk '{ sub(/@.*/, "", $2); print $2 }' |
    grep -E '^(exit|_exit|_Exit|abort|openlog|closelog|syslog|vsyslog|err|errx)$' | tr '\n' ' ')
is "$bad" "" "the module references no exit, abort or syslog of its own"
# Kept loaded after pam_end (-z nodelete): a process that logs many users in
# does not map, relocate and bind the module again for each login
# (docs/performance.md, "The login").
readelf -d "$PAM_MODULE" | grep -q 'FLAGS_1.*NODELETE'
ok "readelf -d: the module is NODELETE"

done_testing
