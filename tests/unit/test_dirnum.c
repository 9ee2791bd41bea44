/* The directory's pure parts: RFC 4515 escaping of a name into the filter
 * (every special and non-printable byte escaped, bounds kept) and telephone
 * numbers as people type them into E.164 (helper/directory/dirnum.c). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "dirnum.h"
#include "tap.h"

static const char *
filt(const char *tmpl, const char *user)
{
	static char out[512];

	if (dir_filter_build(out, sizeof(out), tmpl, user) != 0)
		return "(failed)";
	return out;
}

static const char *
norm(const char *v, const char *cc)
{
	static char out[17];

	if (dir_number_normalize(out, sizeof(out), v, cc) != 0)
		return "(refused)";
	return out;
}

int
main(void)
{
	char small[12];
	char name[300];

	is_str(filt("(uid={user})", "alice"), "(uid=alice)", "a plain name");
	is_str(filt("(&(objectClass=posixAccount)(uid={user})(memberOf=cn=a))",
	    "bob"), "(&(objectClass=posixAccount)(uid=bob)(memberOf=cn=a))",
	    "the name lands where {user} is, the rest kept");
	is_str(filt("(uid={user})", "*"), "(uid=\\2a)", "'*' escaped: no wildcard");
	is_str(filt("(uid={user})", "dave)(uid=*"), "(uid=dave\\29\\28uid=\\2a)",
	    "parentheses escaped: the assertion cannot be closed");
	is_str(filt("(uid={user})", "a\\b"), "(uid=a\\5cb)", "backslash escaped");
	is_str(filt("(uid={user})", "jos\xc3\xa9"), "(uid=jos\\c3\\a9)",
	    "non-ASCII bytes escaped");
	is_str(filt("(uid={user})", "x\x01y"), "(uid=x\\01y)", "control bytes escaped");
	is_str(filt("(uid=dave)", "x"), "(failed)", "a template without {user}");
	ok(dir_filter_build(small, sizeof(small), "(uid={user})", "abcdef") != 0 &&
	    small[0] == '\0', "too long for the buffer: refused, nothing half-built");
	ok(dir_filter_build(small, sizeof(small), "(uid={user})", "abc") == 0,
	    "one that fits");
	memset(name, '*', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ok(dir_filter_build(small, sizeof(small), "(uid={user})", name) != 0,
	    "escaping growth is bounded too");

	is_str(norm("+447700900123", NULL), "+447700900123", "E.164 as is");
	is_str(norm("+44 7700 900123", NULL), "+447700900123", "spaces dropped");
	is_str(norm("+1 (501) 712-2661", NULL), "+15017122661", "US punctuation");
	is_str(norm("0044 7700 900123", NULL), "+447700900123", "00 international");
	is_str(norm("07700 900123", "+44"), "+447700900123",
	    "national with default_country: trunk 0 dropped");
	is_str(norm("07700 900123", NULL), "(refused)",
	    "national without default_country");
	is_str(norm("7700900123", "+44"), "(refused)", "no trunk 0, no country");
	is_str(norm("+44 7700 900123 ext 5", NULL), "(refused)", "an extension");
	is_str(norm("call reception", "+44"), "(refused)", "words");
	is_str(norm("+44+7700900123", NULL), "(refused)", "a second '+'");
	is_str(norm("+44 7700 900123 4567 8901", NULL), "(refused)",
	    "too many digits");
	is_str(norm("0123456789012345678", "+44"), "(refused)",
	    "national that would overflow: refused, never truncated");
	is_str(norm("", "+44"), "(refused)", "empty");
	is_str(norm("+", "+44"), "(refused)", "a lone '+'");
	is_str(norm("+0447700900123", NULL), "(refused)", "country code 0");
	return done_testing();
}
