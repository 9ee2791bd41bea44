#!/bin/sh
# The docs' commands against the built programs (tests/docs_commands.py):
# otpsmsd and otpsmsctl options and subcommands in their --help, configure
# options, make targets, paths of the tree and their scripts' options,
# pam_otpsms.so arguments through otpsmsctl check-pam, and the man pages'
# SYNOPSIS naming all that --help lists.
. "$top_srcdir/tests/lib.sh"

[ -x "$top_builddir/otpsmsd" ] && [ -x "$top_builddir/otpsmsctl" ] ||
	skip_all "otpsmsd or otpsmsctl not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
make_testdir
TESTDIR=$TESTDIR python3 "$top_srcdir/tests/docs_commands.py" "$top_srcdir" "$top_builddir"
