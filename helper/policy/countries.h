/* Where codes may be sent: ITU calling codes and a prefix policy (allow,
 * deny, and a built-in deny list of premium and shared-cost ranges). */
#ifndef OTPSMS_COUNTRIES_H
#define OTPSMS_COUNTRIES_H

#include <stddef.h>

#define COUNTRY_PREFIX_MAX 16    /* "+" and up to 15 digits */
#define COUNTRY_LIST_MAX 256

struct country_policy {
	char (*allow)[COUNTRY_PREFIX_MAX + 1];   /* empty: every country */
	size_t n_allow;
	char (*deny)[COUNTRY_PREFIX_MAX + 1];    /* the admin's, on top of the built-in list */
	size_t n_deny;
};

/* The ITU calling code of an E.164 number ("+447700900123" -> "44"), into
 * out (size >= 4). The code space is prefix-free: 1 and 7 are one digit, a
 * short list is two, everything else three. 0, or -1 if e164 is not E.164. */
int country_code(const char *e164, char *out, size_t outsz);

/* "+", 1 to 15 digits, first not 0: an allow/deny entry. */
int country_prefix_valid(const char *s);

/* 1 if the number may receive codes. The longest matching prefix among
 * allow, deny and the built-in deny list decides (deny wins a tie); with an
 * allow list, a number that matches none of it is refused. why (if not
 * NULL) says what refused it, for logs: "built-in deny +882" etc. */
int country_allowed(const struct country_policy *p, const char *e164,
    char *why, size_t whysz);

/* The built-in deny list, NULL-terminated, for docs and tests. */
extern const char *const country_builtin_deny[];

void country_policy_free(struct country_policy *p);

#endif
