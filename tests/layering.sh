#!/bin/sh
# The layering of docs/DESIGN.md ("Map"), checked from the #include lines.
#
# Includes name headers bare ("store.h"), found through one -I per folder,
# so each bare name is mapped to the folder that holds it: the includer's
# own folder first (as the preprocessor does), then the one header of that
# name under common/ or helper/. Names found nowhere (<config.h>, system
# headers, tests/tap.h) are not the tree's and are skipped.
#
# Rules the code meets fail the test when broken. Rules it does not meet
# yet are TAP TODO items: reported with their offending lines, not counted
# as failures; once one holds, its "ok ... # TODO" is an unexpected pass,
# which fails make check: move it from the TODO list to the enforced ones.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || bail "cannot enter $top_srcdir"

tmp=$(mktemp -d) || bail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

find common helper pam_otpsms tools -name '*.h' | LC_ALL=C sort >"$tmp/headers"
find common helper pam_otpsms tools -name '*.[ch]' | LC_ALL=C sort >"$tmp/sources"
[ -s "$tmp/sources" ] && grep -q '^helper/' "$tmp/sources" ||
	bail "no sources under $top_srcdir"

# One line per include of the tree's own headers: "includer header-path".
# A bare name resolves on the -I path: common/ and helper/ (every folder).
# shellcheck disable=SC2046
awk -v hdrs="$tmp/headers" -v dups="$tmp/dups" '
function norm(p,   n, i, a, out, k) {
	n = split(p, a, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (a[i] == "." || a[i] == "") continue
		if (a[i] == ".." && k > 0) { k--; continue }
		out[++k] = a[i]
	}
	p = ""
	for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") out[i]
	return p
}
BEGIN {
	while ((getline p < hdrs) > 0) {
		have[p] = 1
		if (p !~ /^(common|helper)\//) continue
		n = p; sub(/.*\//, "", n)
		if (n in where) print n ": " where[n] " " p > dups
		else where[n] = p
	}
}
FNR == 1 { dir = FILENAME; sub(/\/[^\/]*$/, "", dir) }
/^[ \t]*#[ \t]*include[ \t]*"/ {
	h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
	p = norm(dir "/" h)
	if (p in have) r = p
	else if (index(h, "/") == 0 && (h in where)) r = where[h]
	else next
	print FILENAME, r
}' $(cat "$tmp/sources") >"$tmp/edges"
[ -s "$tmp/edges" ] || bail "no includes found"
touch "$tmp/dups"

# rule DESCRIPTION FROM_REGEX TO_REGEX [TODO-REASON]: no include from a file
# matching FROM of a header matching TO (extended regexes on paths).
rule() {
	awk -v f="$2" -v t="$3" '$1 ~ f && $2 ~ t { print $1 " includes " $2 }' \
	    "$tmp/edges" >"$tmp/bad"
	report "$1" "$4"
}

# report DESCRIPTION [TODO-REASON]: $tmp/bad holds the offending lines.
report() {
	_tap_n=$((_tap_n + 1))
	if [ -n "$2" ]; then
		if [ -s "$tmp/bad" ]; then
			echo "not ok $_tap_n - $1 # TODO $2"
		else
			echo "ok $_tap_n - $1 # TODO $2"
			diag "this rule holds now: enforce it (tests/layering.sh)"
		fi
	elif [ -s "$tmp/bad" ]; then
		echo "not ok $_tap_n - $1"
		_tap_failed=$((_tap_failed + 1))
	else
		echo "ok $_tap_n - $1"
	fi
	sed 's/^/#   /' "$tmp/bad"
}

# cycles DESCRIPTION NODE-SED [FROM_REGEX] [TODO-REASON]: the graph of
# includes, each path mapped to a node by NODE-SED, restricted to edges
# whose both ends match FROM_REGEX, has no cycle (each strongly connected
# group of two or more nodes is printed).
cycles() {
	awk -v r="$3" '$1 ~ r && $2 ~ r' "$tmp/edges" |
	    sed -E "s|^([^ ]*) (.*)$|\\1\\n\\2|" | sed -E "$2" |
	    paste -d ' ' - - |
	    awk '$1 != $2 {
		if (!($1 in id)) { id[$1] = ++n; name[n] = $1 }
		if (!($2 in id)) { id[$2] = ++n; name[n] = $2 }
		e[id[$1], id[$2]] = 1
		if (!(($1, $2) in o)) { o[$1, $2] = 1; from[++m] = $1; to[m] = $2 }
	}
	END {
		for (k = 1; k <= n; k++) for (i = 1; i <= n; i++)
			if ((i, k) in e) for (j = 1; j <= n; j++)
				if ((k, j) in e) e[i, j] = 1
		for (i = 1; i <= n; i++) {
			if (seen[i] || !((i, i) in e)) continue
			s = name[i]; g[i] = i
			for (j = i + 1; j <= n; j++)
				if (((i, j) in e) && ((j, i) in e)) {
					s = s " " name[j]; seen[j] = 1; g[j] = i
				}
			print "cycle: " s
			for (k = 1; k <= m; k++)
				if (g[id[from[k]]] == i && g[id[to[k]]] == i)
					print "  " from[k] " -> " to[k]
		}
	}' >"$tmp/bad"
	report "$1" "$4"
}

# --- Enforced: the code meets these; breaking one fails make check. ------
rule "helper/carriers/ includes nothing from service/, store/ or policy/" \
    '^helper/carriers/' '^helper/(service|store|policy)/'
# A driver is one file against carrier.h and carrier_util.h: the shared part
# knows none of them (helper/carriers/http/, smpp/, spool.h).
rule "carriers' shared code (carrier, carrier_util, route) includes no driver's header" \
    '^helper/carriers/(carrier|carrier_util|route)\.[ch]$' \
    '^helper/carriers/(spool\.h$|http/|smpp/)'
rule "helper/redis/ includes nothing from store/ or policy/" \
    '^helper/redis/' '^helper/(store|policy)/'
rule "helper/store/ includes nothing from service/, policy/ or carriers/" \
    '^helper/store/' '^helper/(service|policy|carriers)/'
rule "helper/ includes nothing of service/ outside service/ but main.c" \
    '^helper/(core|config|store|redis|policy|carriers|directory|backup)/' '^helper/service/'
rule "helper/backup/ includes nothing of helper/ but core/" \
    '^helper/backup/' '^helper/(privsep|service|config|store|redis|policy|carriers|directory)/'
# The fleet's policy (policy/redis/) builds on the local one; the local
# engine knows nothing of Redis.
rule "helper/policy/ outside redis/ includes nothing from policy/redis/ or redis/" \
    '^helper/policy/[^/]*$' '^helper/(policy/)?redis/'
rule "helper/directory/ includes nothing from service/, store/, policy/, carriers/ or redis/" \
    '^helper/directory/' '^helper/(service|store|policy|carriers|redis)/'
# The record of a pending challenge is core's (pending.h): the code and
# the seal need nothing of store/.
rule "helper/core/ includes nothing from the other helper/ folders" \
    '^helper/core/' '^helper/(privsep|service|config|store|redis|policy|backup|carriers|directory)/'
rule "helper/privsep/ includes nothing from the other helper/ folders" \
    '^helper/privsep/' '^helper/(core|service|config|store|redis|policy|backup|carriers|directory)/'
rule "common/ includes nothing from helper/" '^common/' '^helper/'
rule "pam_otpsms/ includes nothing from helper/" '^pam_otpsms/' '^helper/'
rule "tools/ includes nothing from helper/ (otpsmsctl speaks the protocol)" \
    '^tools/' '^helper/'
# The server is given its dispatch table (dispatch.c, by main.c): it
# names no handler, and the handlers answer through server.h.
cycles "helper/service/: no include cycle between its parts (x.c with x.h)" \
    's|\.[ch]$||' '^helper/service/'
rule "helper/service/: server and peer include no handler's header" \
    '^helper/service/(server|peer)\.[ch]$' \
    '^helper/service/(dispatch|request|challenge|verify|control/control)\.h$'
# A bare name must mean one file, and "config.h" only autoconf's.
cp "$tmp/dups" "$tmp/bad"
report "each header name under common/ and helper/ is unique"
find common helper pam_otpsms tools tests -name config.h >"$tmp/bad"
report "no source header named config.h (it is autoconf's)"

# --- Not met yet (TODO): reported, not failed. ----------------------------
# service/control/ is service's handlers (dispatch.c names them): one node.
cycles "helper/: no include cycle between its folders" \
    's|/[^/]*$||; s|^helper/service/.*|helper/service|' '^helper/.*/' \
    "conf.h holds the policy's settings (countries.h, ratelimit.h, lockout.h) and conf.c asks carrier.h and route.h, which read conf.h"

done_testing
