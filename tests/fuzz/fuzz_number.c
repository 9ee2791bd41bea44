/* libFuzzer: number parsing, masking, calling codes, the country policy and
 * routing, each against a plain reference written here. The input is lines:
 * the first is the number; then "+PFX" adds an allow entry, "-+PFX" a deny
 * entry, "r+PFX" a route. Built by tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "carrier_util.h"
#include "countries.h"
#include "ratelimit.h"
#include "route.h"
#include "util.h"
/* By path: "config.h" alone is autoconf's header in the build dir. */
#include "conf.h"

#define MAX_LIST 16
#define LINE_CAP 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
ref_e164(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 9 || n > 16 || s[0] != '+' || s[1] == '0')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static size_t
ref_match(const char *pfx, const char *num)
{
	return strncmp(pfx, num, strlen(pfx)) == 0 ? strlen(pfx) : 0;
}

/* Longest match decides, deny wins a tie, an allow list must match. */
static int
ref_allowed(const struct country_policy *p, const char *num)
{
	size_t i, n, dlen = 0, alen = 0;

	if (!ref_e164(num))
		return 0;
	for (i = 0; country_builtin_deny[i] != NULL; i++)
		if ((n = ref_match(country_builtin_deny[i], num)) > dlen)
			dlen = n;
	for (i = 0; i < p->n_deny; i++)
		if ((n = ref_match(p->deny[i], num)) > dlen)
			dlen = n;
	for (i = 0; i < p->n_allow; i++)
		if ((n = ref_match(p->allow[i], num)) > alen)
			alen = n;
	if (dlen > 0 && dlen >= alen)
		return 0;
	return p->n_allow == 0 || alen > 0;
}

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char allow[MAX_LIST][COUNTRY_PREFIX_MAX + 1];
	static char deny[MAX_LIST][COUNTRY_PREFIX_MAX + 1];
	static char rpfx[MAX_LIST][LINE_CAP + 1];
	struct route routes[MAX_LIST];
	struct carrier car, *cars[1] = { &car };
	struct country_policy pol;
	struct config cfg;
	struct limits_conf lc;
	struct limits *lim;
	const struct route *rt, *ref;
	char num[LINE_CAP + 1], line[LINE_CAP + 1], masked[64], cc[8], why[128];
	char logline[LINE_CAP + 1];
	const char *p = (const char *)data, *end = p + size, *nl, *lw;
	size_t i, n, first = 1, best;

	memset(&pol, 0, sizeof(pol));
	memset(&cfg, 0, sizeof(cfg));
	memset(&car, 0, sizeof(car));
	pol.allow = allow;
	pol.deny = deny;
	cfg.routes = routes;
	num[0] = '\0';
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n > LINE_CAP)
			n = LINE_CAP;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (strlen(line) != n)
			continue;        /* a NUL inside: not a C string */
		if (first) {
			memcpy(num, line, n + 1);
			first = 0;
		} else if (line[0] == '+' && country_prefix_valid(line) &&
		    pol.n_allow < MAX_LIST)
			memcpy(allow[pol.n_allow++], line, n + 1);
		else if (line[0] == '-' && country_prefix_valid(line + 1) &&
		    pol.n_deny < MAX_LIST)
			memcpy(deny[pol.n_deny++], line + 1, n);
		else if (line[0] == 'r' && cfg.n_routes < MAX_LIST) {
			memcpy(rpfx[cfg.n_routes], line + 1, n);
			memset(&routes[cfg.n_routes], 0, sizeof(routes[0]));
			routes[cfg.n_routes].prefix = rpfx[cfg.n_routes];
			routes[cfg.n_routes].carriers = cars;
			routes[cfg.n_routes].n_carriers = 1;
			cfg.n_routes++;
		}
	}

	if (e164_valid(num) != ref_e164(num))
		abort();
	mask_number(masked, sizeof(masked), num);
	if (ref_e164(num)) {
		n = strlen(num);
		/* "+44" five bullets "0123": the middle never shows. */
		if (strncmp(masked, num, 3) != 0 || strlen(masked) != 3 + 15 + 4 ||
		    strcmp(masked + 18, num + n - 4) != 0)
			abort();
	} else if (strcmp(masked, "your phone") != 0)
		abort();

	if ((country_code(num, cc, sizeof(cc)) == 0) != ref_e164(num))
		abort();
	if (ref_e164(num) && (strlen(cc) < 1 || strlen(cc) > 3 ||
	    strncmp(cc, num + 1, strlen(cc)) != 0))
		abort();

	why[0] = '\0';
	if (country_allowed(&pol, num, why, sizeof(why)) != ref_allowed(&pol, num))
		abort();
	check_printable(why);

	/* Routing: the longest matching prefix, the first one on a tie. */
	rt = route_lookup(&cfg, num);
	ref = NULL;
	best = 0;
	for (i = 0; i < cfg.n_routes; i++) {
		n = strlen(routes[i].prefix);
		if (n > 0 && strncmp(num, routes[i].prefix, n) == 0 && n > best) {
			best = n;
			ref = &routes[i];
		}
	}
	if (rt != ref)
		abort();

	/* The limits' keys for this number (prefix, country): reserve, give
	 * back, check again: a refund restores what the reserve took. */
	limits_conf_default(&lc);
	lc.rate[LIM_GLOBAL].count = 0;
	if ((lim = limits_new(&lc)) != NULL) {
		lw = NULL;
		for (i = 0; i < 10; i++)
			if (limits_reserve(lim, "u", num, 1000000, &lw) != 0)
				abort();
		if (limits_reserve(lim, "u", num, 1000000, &lw) == 0 || lw == NULL)
			abort();
		limits_refund(lim, "u", num, 1000000);
		if (limits_reserve(lim, "u", num, 1000000, &lw) != 0)
			abort();
		limits_free(lim);
	}

	/* What the carriers' error details go through before a log line. */
	memcpy(logline, num, strlen(num) + 1);
	carrier_mask_numbers(logline);
	if (strlen(logline) != strlen(num))
		abort();
	return 0;
}
