/* Calling codes and the prefix policy that stops SMS pumping to premium and
 * shared-cost ranges (International Revenue Share Fraud). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "countries.h"
#include "util.h"

/* E.164 calling codes of two digits (ITU-T E.164 assigned list). With 1 and
 * 7 these are all the codes shorter than three digits. */
static const char *const two_digit[] = {
	"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43",
	"44", "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56",
	"57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
	"86", "90", "91", "92", "93", "94", "95", "98", NULL
};

/* Ranges where the caller pays the receiver, or that SMS pumping favours.
 * Documented in docs/security.md and otpsmsd.yaml(5). */
const char *const country_builtin_deny[] = {
	"+800",     /* international freephone: not a handset */
	"+808",     /* international shared cost */
	"+870",     /* Inmarsat */
	"+878",     /* universal personal telecommunications */
	"+881",     /* global mobile satellite */
	"+882",     /* international networks (classic IRSF target) */
	"+883",     /* international networks */
	"+888",     /* OCHA humanitarian */
	"+979",     /* international premium rate */
	"+991",     /* ITPCS trial */
	"+1900",    /* NANP premium rate */
	"+1976",    /* NANP premium-like */
	"+449",     /* UK 09 premium rate */
	"+4487",    /* UK 087 shared revenue */
	"+4484",    /* UK 084 shared cost */
	"+4470",    /* UK 070 personal numbers (pumping favourite) */
	"+49900",   /* DE premium rate */
	"+49137",   /* DE mass-call services */
	"+3389",    /* FR 089 premium rate */
	"+3381",    /* FR 081 shared cost */
	"+3382",    /* FR 082 shared cost */
	NULL
};

int
country_code(const char *e164, char *out, size_t outsz)
{
	size_t i, n = 3;

	if (!e164_valid(e164) || outsz < 4)
		return -1;
	if (e164[1] == '1' || e164[1] == '7')
		n = 1;
	else
		for (i = 0; two_digit[i] != NULL; i++)
			if (strncmp(e164 + 1, two_digit[i], 2) == 0)
				n = 2;
	memcpy(out, e164 + 1, n);
	out[n] = '\0';
	return 0;
}

int
country_prefix_valid(const char *s)
{
	size_t n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (n = 1; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= 2 && n <= COUNTRY_PREFIX_MAX;
}

static size_t
match(const char *prefix, const char *e164)
{
	size_t n = strlen(prefix);

	return strncmp(prefix, e164, n) == 0 ? n : 0;
}

int
country_allowed(const struct country_policy *p, const char *e164, char *why,
    size_t whysz)
{
	const char *best_deny = NULL, *best_allow = NULL;
	size_t i, n, dlen = 0, alen = 0;
	int r = 0;

	if (!e164_valid(e164)) {
		if (why != NULL)
			snprintf(why, whysz, "not an E.164 number");
		goto out;
	}
	for (i = 0; country_builtin_deny[i] != NULL; i++)
		if ((n = match(country_builtin_deny[i], e164)) > dlen) {
			dlen = n;
			best_deny = country_builtin_deny[i];
		}
	for (i = 0; p != NULL && i < p->n_deny; i++)
		if ((n = match(p->deny[i], e164)) > dlen) {
			dlen = n;
			best_deny = p->deny[i];
		}
	for (i = 0; p != NULL && i < p->n_allow; i++)
		if ((n = match(p->allow[i], e164)) > alen) {
			alen = n;
			best_allow = p->allow[i];
		}
	if (best_deny != NULL && dlen >= alen) {
		if (why != NULL)
			snprintf(why, whysz, "matches deny prefix %s", best_deny);
		goto out;
	}
	if (p != NULL && p->n_allow > 0 && best_allow == NULL) {
		if (why != NULL)
			snprintf(why, whysz, "not in countries.allow");
		goto out;
	}
	r = 1;
 out:
	return r;
}

void
country_policy_free(struct country_policy *p)
{
	free(p->allow);
	free(p->deny);
	memset(p, 0, sizeof(*p));
}
