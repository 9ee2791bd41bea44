# Lua scripts into C strings: each FILE.lua given becomes
#   static const char FILE_lua[] = "line\n" ...;
# Whole-line comments (--) and blank lines are dropped; the rest goes to
# Redis as written. Used by the make rules of helper/*/local.am.
function close_script() {
	if (name != "")
		printf "\t\"\";\n\n"
}
FNR == 1 {
	close_script()
	name = FILENAME
	sub(/.*\//, "", name)
	sub(/\.lua$/, "", name)
	if (name !~ /^[A-Za-z_][A-Za-z0-9_]*$/) {
		print "lua2c: " FILENAME ": not a C name" > "/dev/stderr"
		exit 1
	}
	printf "static const char %s_lua[] =\n", name
}
/^[ \t]*(--|$)/ { next }
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	printf "\t\"%s\\n\"\n", $0
}
END {
	close_script()
}
