/* The directory's pure parts (dirnum.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "dirnum.h"
#include "util.h"

/* RFC 4515 3: these, and (we add) every byte that is not printable ASCII,
 * as a backslash and two hex digits: nothing in a name can end the
 * assertion value or start a wildcard. */
static int
must_escape(unsigned char c)
{
	return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 ||
	    c >= 0x7f;
}

int
dir_filter_build(char *out, size_t outsz, const char *tmpl, const char *user)
{
	static const char hex[] = "0123456789abcdef";
	const char *at;
	size_t o = 0, i, head;
	unsigned char c;
	int r = -1;

	if (outsz == 0 || (at = strstr(tmpl, "{user}")) == NULL)
		goto out;
	head = (size_t)(at - tmpl);
	if (head >= outsz)
		goto out;
	memcpy(out, tmpl, head);
	o = head;
	for (i = 0; user[i] != '\0'; i++) {
		c = (unsigned char)user[i];
		if (must_escape(c)) {
			if (o + 3 >= outsz)
				goto out;
			out[o++] = '\\';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= outsz)
				goto out;
			out[o++] = (char)c;
		}
	}
	at += strlen("{user}");
	if (o + strlen(at) >= outsz)
		goto out;
	memcpy(out + o, at, strlen(at) + 1);
	r = 0;
 out:
	if (r != 0 && outsz > 0)
		out[0] = '\0';
	return r;
}

int
dir_number_normalize(char *out, size_t outsz, const char *value,
    const char *default_country)
{
	char digits[32];
	size_t n = 0, i;
	int plus = 0, w, r = -1;

	if (outsz < 17)
		goto out;
	for (i = 0; value[i] != '\0'; i++) {
		if (value[i] == '+' && n == 0 && !plus)
			plus = 1;
		else if (value[i] >= '0' && value[i] <= '9') {
			if (n + 1 >= sizeof(digits))
				goto out;
			digits[n++] = value[i];
		} else if (!strchr(" -./()", value[i]) || i > 64)
			goto out;    /* letters, "ext", a second '+' */
	}
	digits[n] = '\0';
	if (plus)
		w = snprintf(out, outsz, "+%s", digits);
	else if (n > 2 && digits[0] == '0' && digits[1] == '0')
		w = snprintf(out, outsz, "+%s", digits + 2);
	else if (n > 1 && digits[0] == '0' && digits[1] != '0' &&
	    default_country != NULL)
		w = snprintf(out, outsz, "%s%s", default_country, digits + 1);
	else
		goto out;
	/* Never a truncated number that happens to look valid. */
	if (w < 0 || (size_t)w >= outsz || !e164_valid(out))
		goto out;
	r = 0;
 out:
	if (r != 0 && outsz > 0)
		out[0] = '\0';
	return r;
}
