/* Plumbing shared by the HTTP carrier drivers (carrier_util.h). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "carrier_util.h"
#include "cfgtree.h"
#include "http.h"
#include "twilio.h"
#include "util.h"

int
carrier_make_url(struct cfg_ctx *ctx, const struct cfg_node *at, char *base,
    const char *suffix, char **url)
{
	char where[256];
	size_t len, i, skip;
	int n, r = -1;

	*url = NULL;
	cfg_path(at, where, sizeof(where));
	if (strncmp(base, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(base, "http://", 7) == 0)
		skip = 7;
	else {
		cfg_err(ctx, at, "%s: must start with http:// or https://", where);
		goto out;
	}
	len = strlen(base);
	while (len > skip && base[len - 1] == '/')
		base[--len] = '\0';
	if (len == skip || base[skip] == '/') {
		cfg_err(ctx, at, "%s: has no host", where);
		goto out;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)base[i] <= 0x20 || (unsigned char)base[i] >= 0x7f ||
		    base[i] == '?' || base[i] == '#' || base[i] == '@') {
			cfg_err(ctx, at, "%s: must not contain spaces, control "
			    "characters, credentials, a query or a fragment", where);
			goto out;
		}
	}
	if ((*url = malloc(CARRIER_URL_MAX)) == NULL) {
		cfg_err(ctx, at, "out of memory");
		goto out;
	}
	n = snprintf(*url, CARRIER_URL_MAX, "%s%s", base, suffix);
	if (n < 0 || n >= CARRIER_URL_MAX) {
		cfg_err(ctx, at, "%s: too long", where);
		free(*url);
		*url = NULL;
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
carrier_form_add(char *out, size_t outsz, size_t *off, const char *name,
    const char *value)
{
	int n, r = -1;

	if (*off >= outsz)
		goto out;
	n = snprintf(out + *off, outsz - *off, "%s%s=", *off ? "&" : "", name);
	if (n < 0 || (size_t)n >= outsz - *off)
		goto out;
	*off += (size_t)n;
	if ((n = twilio_pct_encode(out + *off, outsz - *off, value)) == -1)
		goto out;
	*off += (size_t)n;
	r = 0;
 out:
	return r;
}

void
carrier_mask_numbers(char *s)
{
	size_t i, j, n, start;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		for (n = 0; s[i + n] >= '0' && s[i + n] <= '9'; n++)
			;
		start = i;
		if (n >= 7)
			for (j = 2; j < n - 4; j++)
				s[start + j] = '*';
		i += n - 1;
	}
}

void
carrier_result_set(struct carrier_result *res, int status, const char *fmt, ...)
{
	va_list ap;

	res->status = (enum carrier_status)status;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

CURL *
carrier_easy_post(const struct carrier *c, const char *url, const char *body,
    size_t len, struct curl_slist *headers, char *errbuf)
{
	CURL *easy;
	long tmo, ctmo;

	if ((easy = http_easy(c->http)) == NULL)
		return NULL;
	tmo = c->timeout_ms ? (long)c->timeout_ms : 10000;
	ctmo = tmo < CARRIER_CONNECT_MS ? tmo : CARRIER_CONNECT_MS;
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POST, 1L) != CURLE_OK ||
	    /* The caller's buffer, not COPYPOSTFIELDS: it is wiped when done. */
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)len) != CURLE_OK ||
	    (headers != NULL &&
	    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK) ||
	    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, tmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ctmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERAGENT, "otpsmsd/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		http_easy_release(c->http, easy);
		return NULL;
	}
	return easy;
}

void
carrier_curl_failed(struct carrier_result *res, CURLcode rc, const char *errbuf)
{
	char why[160];

	log_safe(why, sizeof(why), errbuf != NULL ? errbuf : "");
	memset(res, 0, sizeof(*res));
	carrier_result_set(res, CARRIER_FAILOVER, "%s%s%s", curl_easy_strerror(rc),
	    why[0] ? ": " : "", why);
}
