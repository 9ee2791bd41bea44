#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "template.h"

enum var { V_CODE, V_HOST, V_TTL, V_USER, V_SERVICE, V_NONE };

static const struct {
	const char *name;
	size_t worst;        /* longest rendering, for template_check */
} vars[] = {
	[V_CODE] = { "code", 10 },
	[V_HOST] = { "host", 255 },
	[V_TTL] = { "ttl", 20 },
	[V_USER] = { "user", PROTO_MAX_USER },
	[V_SERVICE] = { "service", PROTO_MAX_SERVICE },
};

/* At p (just past '{'): which variable, and its length up to '}'. */
static enum var
var_at(const char *p, size_t *len)
{
	size_t i, n;

	for (i = 0; i < V_NONE; i++) {
		n = strlen(vars[i].name);
		if (strncmp(p, vars[i].name, n) == 0 && p[n] == '}') {
			*len = n + 1;
			return (enum var)i;
		}
	}
	return V_NONE;
}

int
template_domain_valid(const char *s)
{
	size_t i, label = 0, n = strlen(s);
	int alpha = 0;

	if (n == 0 || n > TEMPLATE_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			/* Empty label, or '-' at either end of one. */
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (label == 0) {
			if (s[i] == '-')
				return 0;
			alpha = 0;    /* only the last label's matters */
		}
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (!isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
		label++;
	}
	/* An all-digit last label is an IPv4 address, not an origin host. */
	return alpha;
}

int
template_check(const char *tpl, char *err, size_t errsz)
{
	return template_check_origin(tpl, NULL, err, errsz);
}

int
template_check_origin(const char *tpl, const char *domain, char *err, size_t errsz)
{
	const char *p;
	size_t worst = 0, len;
	int has_code = 0;
	enum var v;

	for (p = tpl; *p != '\0'; p++) {
		if (*p == '}') {
			snprintf(err, errsz, "unbalanced '}' at offset %zu", (size_t)(p - tpl));
			return -1;
		}
		if (*p != '{') {
			if ((unsigned char)*p < 0x20) {
				snprintf(err, errsz, "control character at offset %zu",
				    (size_t)(p - tpl));
				return -1;
			}
			worst++;
			continue;
		}
		if ((v = var_at(p + 1, &len)) == V_NONE) {
			snprintf(err, errsz, "unknown placeholder at offset %zu "
			    "(known: {code} {host} {ttl} {user} {service})", (size_t)(p - tpl));
			return -1;
		}
		has_code |= v == V_CODE;
		worst += vars[v].worst;
		p += len;
	}
	if (domain != NULL) {
		if (!template_domain_valid(domain)) {
			snprintf(err, errsz, "webotp_domain: not a host name");
			return -1;
		}
		/* "\n@" domain " #" code */
		worst += 2 + strlen(domain) + 2 + vars[V_CODE].worst;
	}
	if (!has_code) {
		snprintf(err, errsz, "the message must contain {code}");
		return -1;
	}
	if (worst >= TEMPLATE_MAX) {
		snprintf(err, errsz, "the message can be %zu bytes long; the limit is %d",
		    worst, TEMPLATE_MAX - 1);
		return -1;
	}
	return 0;
}

static void
ttl_text(char *out, size_t outsz, unsigned s)
{
	if (s % 60 == 0)
		snprintf(out, outsz, "%u minute%s", s / 60, s == 60 ? "" : "s");
	else
		snprintf(out, outsz, "%u seconds", s);
}

int
template_render(char *out, size_t outsz, const char *tpl, const struct template_vars *tv)
{
	return template_render_origin(out, outsz, tpl, tv, NULL);
}

int
template_render_origin(char *out, size_t outsz, const char *tpl,
    const struct template_vars *tv, const char *domain)
{
	char ttl[32];
	int n;
	const char *p, *val;
	size_t o = 0, len, vl;
	enum var v;

	if (outsz == 0)
		return -1;
	ttl_text(ttl, sizeof(ttl), tv->ttl_s);
	for (p = tpl; *p != '\0'; p++) {
		val = NULL;
		if (*p == '{' && (v = var_at(p + 1, &len)) != V_NONE) {
			switch (v) {
			case V_CODE: val = tv->code; break;
			case V_HOST: val = tv->host; break;
			case V_TTL: val = ttl; break;
			case V_USER: val = tv->user; break;
			case V_SERVICE: val = tv->service; break;
			default: break;
			}
			p += len;
		}
		if (val == NULL) {
			if (o + 1 >= outsz)
				goto toolong;
			out[o++] = *p;
			continue;
		}
		vl = strlen(val);
		if (o + vl >= outsz)
			goto toolong;
		memcpy(out + o, val, vl);
		o += vl;
	}
	out[o] = '\0';
	if (domain != NULL) {
		/* The WebOTP format: its own last line, nothing after the code. */
		n = snprintf(out + o, outsz - o, "\n@%s #%s", domain, tv->code);
		if (n < 0 || (size_t)n >= outsz - o)
			goto toolong;
	}
	return 0;
toolong:
	explicit_bzero(out, outsz);
	return -1;
}
