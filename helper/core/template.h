/* The SMS text: a template with {code} {host} {ttl} {user} {service}, and
 * an optional WebOTP last line. */
#ifndef OTPSMS_TEMPLATE_H
#define OTPSMS_TEMPLATE_H

#include <stddef.h>

#define TEMPLATE_MAX 640    /* rendered text cap: four SMS segments */

struct template_vars {
	const char *code;
	const char *host;
	unsigned ttl_s;
	const char *user;
	const char *service;
};

/* 0 if tpl is usable: contains {code}, only known placeholders, balanced
 * braces, and fits TEMPLATE_MAX with the longest values. Else -1 and err. */
int template_check(const char *tpl, char *err, size_t errsz);
/* Renders into out; -1 if it does not fit. {ttl} renders as "5 minutes",
 * "90 seconds". out holds the code afterwards: wipe it. */
int template_render(char *out, size_t outsz, const char *tpl, const struct template_vars *v);

/* WebOTP (origin-bound codes): with a domain, the text gets a last line
 * "@domain #code" that browsers match against the page's origin. NULL
 * domain: as above. */
#define TEMPLATE_DOMAIN_MAX 253
/* 1 if s is a host name: dot-separated labels of 1 to 63 letters, digits and
 * '-' (not at either end), at most 253 bytes, the last label not all digits. */
int template_domain_valid(const char *s);
int template_check_origin(const char *tpl, const char *domain, char *err, size_t errsz);
int template_render_origin(char *out, size_t outsz, const char *tpl,
    const struct template_vars *v, const char *domain);

#endif
