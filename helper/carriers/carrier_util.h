/* What the HTTP carrier drivers share: one request (carrier_req: its body,
 * headers, credentials and the reading of its reply), the api_url default and
 * check, form encoding and masking numbers in carriers' messages. Drivers
 * include this; it includes no driver. carrier.h says how a driver uses it. */
#ifndef OTPSMS_CARRIER_UTIL_H
#define OTPSMS_CARRIER_UTIL_H

#include <stddef.h>
#include <curl/curl.h>

#include "carrier.h"

struct cfg_ctx;
struct cfg_node;

#define CARRIER_URL_MAX 512
#define CARRIER_CONNECT_MS 5000
#define CARRIER_TIMEOUT_MS 10000     /* a carrier's timeout when none is set */

struct carrier_req;

/* Reads the carrier's answer (status and body, len bytes, NUL-terminated)
 * into res, which is zeroed and FAILOVER when it is called. Called only when
 * an answer came. */
typedef void carrier_parse_fn(struct carrier_req *req, long status,
    const char *body, size_t len, struct carrier_result *res);

/* For a send that outlives its transfer (polled, or confirmed by a delivery
 * report): called in place of done when the transfer ends, rc its outcome and
 * res what parse made of the answer, or FAILOVER with curl's reason when
 * rc != CURLE_OK. The driver calls done itself, later. req is freed (body and
 * headers wiped) when it returns. */
typedef void carrier_then_fn(struct carrier_req *req, CURLcode rc,
    struct carrier_result *res);

/* One HTTP request of a carrier. Made by carrier_req_new; the driver fills in
 * the body, headers and credentials; carrier_req_start sends it. */
struct carrier_req {
	struct carrier *c;
	carrier_done_fn *done;       /* the send's callback, and its argument */
	void *arg;
	carrier_parse_fn *parse;
	carrier_then_fn *then;       /* NULL: done(res), then req is freed */
	void *priv;                  /* the driver's, for parse and then; not freed */
	char *body;                  /* carrier_req_body: holds the code; wiped */
	size_t bodysz;
	struct curl_slist *headers;  /* carrier_req_header: wiped, may hold a secret */
	/* A list the carrier keeps (not freed here), used when headers is NULL. */
	const struct curl_slist *carrier_headers;
	/* HTTP Basic when username is set; the carrier's strings, not copied. */
	const char *username;
	const char *password;
	unsigned timeout_ms;         /* 0: the carrier's */
	char errbuf[CURL_ERROR_SIZE];
};

/* A request for one transfer of c; NULL when out of memory. */
struct carrier_req *carrier_req_new(struct carrier *c, carrier_parse_fn *parse,
    carrier_done_fn *done, void *arg);

/* A body buffer of size bytes (wiped when req is freed); NULL when out of
 * memory. The request is a POST of it. Without a body it is a GET. */
char *carrier_req_body(struct carrier_req *req, size_t size);

/* Appends a header line ("Expect:", "X-Key: value"); the line may hold a
 * secret: it is wiped when req is freed. Returns 0, or -1. */
int carrier_req_header(struct carrier_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Starts the transfer to url (http or https only, no redirects, the timeout,
 * User-Agent otpsmsd/VERSION), posting len bytes of the body if there is one,
 * an answer of at most max_reply bytes. Returns 0: req is carrier_util's now,
 * freed when the transfer ends (after done or then). Returns -1: nothing
 * started, nothing called, req is still the caller's. */
int carrier_req_start(struct carrier_req *req, const char *url, size_t len,
    size_t max_reply);

/* Frees a request that was not started (or from then), wiping what it holds.
 * NULL is fine. */
void carrier_req_free(struct carrier_req *req);

/* ca_file (every HTTP carrier): an absolute path to a PEM file of the CAs
 * that sign the carrier's certificate, trusted instead of the system's.
 * Read now (as root, at start, noted for rootfs_check_read) and handed to
 * curl from memory (CURLOPT_CAINFO_BLOB): nothing is opened after the
 * privilege drop. Sets c->tls when present. Returns 0 (absent or read), or
 * -1 with an error recorded. carrier_tls_free(c) undoes it (the driver's
 * free calls it); NULL c->tls is fine. */
int carrier_tls_configure(struct carrier *c, struct cfg_ctx *ctx,
    struct cfg_node *map);
void carrier_tls_free(struct carrier *c);

/* Reads api_url (a base URL; dflt when absent, required when dflt is NULL)
 * into a malloc'd *base, and *at, where errors about it are recorded. Returns
 * 0, or -1 with an error recorded. */
int carrier_api_base(struct cfg_ctx *ctx, struct cfg_node *map, const char *dflt,
    char **base, struct cfg_node **at);

/* carrier_api_base then carrier_make_url: *url is api_url (or dflt) checked,
 * with suffix appended. Returns 0, or -1 with an error recorded. */
int carrier_api_url(struct cfg_ctx *ctx, struct cfg_node *map, const char *dflt,
    const char *suffix, char **url);

/* Checks base (http:// or https://, a host, no spaces, credentials, query or
 * fragment), removes trailing '/', and writes base + suffix to a malloc'd
 * *url. Returns 0, or -1 with an error recorded at `at`. */
int carrier_make_url(struct cfg_ctx *ctx, const struct cfg_node *at,
    char *base, const char *suffix, char **url);

/* Percent-encodes in (RFC 3986: unreserved kept, everything else %XX, upper
 * case) into out. Returns the length written, or -1 if it does not fit. */
int carrier_pct_encode(char *out, size_t outsz, const char *in);

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

#endif
