/* What the HTTP carrier drivers share: the base URL check, form encoding,
 * masking numbers in carriers' messages, and one configured POST transfer. */
#ifndef OTPSMS_CARRIER_UTIL_H
#define OTPSMS_CARRIER_UTIL_H

#include <stddef.h>
#include <curl/curl.h>

struct carrier;
struct carrier_result;
struct cfg_ctx;
struct cfg_node;

#define CARRIER_URL_MAX 512
#define CARRIER_CONNECT_MS 5000

/* Checks base (http:// or https://, a host, no spaces, credentials, query or
 * fragment), removes trailing '/', and writes base + suffix to a malloc'd
 * *url. Returns 0, or -1 with an error recorded at `at`. */
int carrier_make_url(struct cfg_ctx *ctx, const struct cfg_node *at,
    char *base, const char *suffix, char **url);

/* Appends "&name=" (no '&' at offset 0) and the percent-encoded value at
 * out[*off]. Returns 0, or -1 when it does not fit. */
int carrier_form_add(char *out, size_t outsz, size_t *off, const char *name,
    const char *value);

/* Masks E.164-looking digit runs in s ("+447700900123" or "447700900123")
 * to their first two and last four digits, in place. */
void carrier_mask_numbers(char *s);

/* Sets result and its printf-style detail. */
void carrier_result_set(struct carrier_result *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An easy handle (http_easy: from the pool) for POST body (len bytes, the caller's buffer, kept
 * until the transfer ends) to url: http/https only, no redirects, the
 * carrier's timeout, User-Agent otpsmsd/VERSION, errbuf (CURL_ERROR_SIZE).
 * headers may be NULL. NULL on failure. */
CURL *carrier_easy_post(const struct carrier *c, const char *url, const char *body,
    size_t len, struct curl_slist *headers, char *errbuf);

/* "Timeout was reached: Operation timed out after 2000 ms" into res as
 * FAILOVER, for a transfer that did not get an answer. */
void carrier_curl_failed(struct carrier_result *res, CURLcode rc, const char *errbuf);

#endif
