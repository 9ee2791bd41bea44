/* Plumbing shared by the HTTP carrier drivers (carrier_util.h): one request
 * on the daemon's curl multi handle, URLs, forms. It knows no driver. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "carrier.h"
#include "carrier_util.h"
#include "cfgtree.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define CARRIER_CA_MAX (512 * 1024)   /* a CA bundle, not the whole system's */

/* ca_file, read at start (carrier_tls_configure). */
struct carrier_tls {
	char *pem;                   /* NUL-terminated */
	size_t len;
};

/* The number of PEM certificates in pem (0: none, or one that does not
 * parse: curl would refuse them at the first send instead). */
static int
pem_certs(const char *pem, size_t len)
{
	BIO *b;
	X509 *x;
	int n = 0;

	if (len > INT_MAX || (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return 0;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	/* Stopped at the end (no start line) or at a bad certificate. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		n = 0;
	ERR_clear_error();
	BIO_free(b);
	return n;
}

int
carrier_tls_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct carrier_tls *t = NULL;
	struct cfg_node *n;
	struct stat st;
	char *path = NULL, where[256], err[512], safe[512];
	int fd = -1, got, r = -1;

	if ((got = cfg_str(ctx, map, "ca_file", &path, 0)) != 1) {
		r = got == 0 ? 0 : -1;
		goto out;
	}
	n = cfg_get(map, "ca_file");
	cfg_path(n, where, sizeof(where));
	if (path[0] != '/') {
		cfg_err(ctx, n, "%s: must be an absolute path", where);
		goto out;
	}
	if (ctx->no_files) {
		r = 0;
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		cfg_err(ctx, n, "out of memory");
		goto out;
	}
	/* Not a secret (certificates are public), but what the daemon trusts:
	 * checked against the daemon's user like every file read at start. */
	cfg_note_read(ctx, path);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) == -1)
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
	else if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(err, sizeof(err), "%s: not a regular file", path);
	else if ((t->pem = read_fd_bounded(fd, path, CARRIER_CA_MAX, &t->len, err,
	    sizeof(err))) != NULL) {
		if (pem_certs(t->pem, t->len) == 0) {
			cfg_err(ctx, n, "%s: no PEM certificate in it, or one that "
			    "does not parse", where);
			goto out;
		}
		carrier_tls_free(c);
		c->tls = t;
		t = NULL;
		r = 0;
		goto out;
	}
	log_safe(safe, sizeof(safe), err);
	cfg_err(ctx, n, "%s: %s", where, safe);
 out:
	if (fd != -1)
		close(fd);
	if (t != NULL) {
		free(t->pem);
		free(t);
	}
	free(path);
	return r;
}

void
carrier_tls_free(struct carrier *c)
{
	if (c->tls == NULL)
		return;
	free(c->tls->pem);
	free(c->tls);
	c->tls = NULL;
}

/* The carrier's CAs in place of the system's: from memory, and no CA
 * directory either (OpenSSL would look certificates up there, by hash, at
 * each new connection). */
static int
set_trust(CURL *easy, const struct carrier_tls *t)
{
	struct curl_blob blob;

	if (t == NULL)
		return 0;
	blob.data = t->pem;
	blob.len = t->len;
	/* No copy: curl copies it into each new connection's settings, and the
	 * carrier outlives its transfers. */
	blob.flags = CURL_BLOB_NOCOPY;
	if (curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CAINFO, NULL) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CAPATH, NULL) != CURLE_OK)
		return -1;
	return 0;
}

struct carrier_req *
carrier_req_new(struct carrier *c, carrier_parse_fn *parse, carrier_done_fn *done,
    void *arg)
{
	struct carrier_req *req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->c = c;
	req->parse = parse;
	req->done = done;
	req->arg = arg;
	return req;
}

char *
carrier_req_body(struct carrier_req *req, size_t size)
{
	if (req->body != NULL || size == 0 || (req->body = malloc(size)) == NULL)
		return NULL;
	req->bodysz = size;
	return req->body;
}

int
carrier_req_header(struct carrier_req *req, const char *fmt, ...)
{
	char line[512];
	struct curl_slist *l;
	va_list ap;
	int n, r = -1;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		goto out;
	if ((l = curl_slist_append(req->headers, line)) == NULL)
		goto out;
	req->headers = l;
	r = 0;
 out:
	explicit_bzero(line, sizeof(line));
	return r;
}

void
carrier_req_free(struct carrier_req *req)
{
	struct curl_slist *l;

	if (req == NULL)
		return;
	for (l = req->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(req->headers);
	if (req->body != NULL) {
		explicit_bzero(req->body, req->bodysz);
		free(req->body);
	}
	explicit_bzero(req->errbuf, sizeof(req->errbuf));
	free(req);
}

/* "Timeout was reached: Operation timed out after 2000 ms" into res as
 * FAILOVER, for a transfer that did not get an answer. */
static void
curl_failed(struct carrier_result *res, CURLcode rc, const char *errbuf)
{
	char why[160];

	log_safe(why, sizeof(why), errbuf);
	carrier_result_set(res, CARRIER_FAILOVER, "%s%s%s", curl_easy_strerror(rc),
	    why[0] ? ": " : "", why);
}

/* The transfer is over: the answer read, then done or the driver's then. */
static void
req_done(void *arg, CURLcode rc, long status, const char *body, size_t bodylen)
{
	struct carrier_req *req = arg;
	struct carrier_result res;
	carrier_done_fn *done = req->done;
	void *done_arg = req->arg;

	memset(&res, 0, sizeof(res));
	res.status = CARRIER_FAILOVER;
	if (rc != CURLE_OK)
		curl_failed(&res, rc, req->errbuf);
	else
		req->parse(req, status, body, bodylen, &res);
	if (req->then != NULL) {
		req->then(req, rc, &res);
		carrier_req_free(req);
		return;
	}
	/* The body (and the code in it) goes before anything else runs. */
	carrier_req_free(req);
	done(done_arg, &res);
}

int
carrier_req_start(struct carrier_req *req, const char *url, size_t len,
    size_t max_reply)
{
	const struct carrier *c = req->c;
	const struct curl_slist *headers;
	CURL *easy = NULL;
	long tmo, ctmo;
	int r = -1;

	if (c->http == NULL || len > LONG_MAX || (req->body == NULL && len != 0) ||
	    (req->body != NULL && len > req->bodysz))
		goto out;
	if ((easy = http_easy(c->http)) == NULL)
		goto out;
	tmo = req->timeout_ms ? (long)req->timeout_ms :
	    c->timeout_ms ? (long)c->timeout_ms : CARRIER_TIMEOUT_MS;
	ctmo = tmo < CARRIER_CONNECT_MS ? tmo : CARRIER_CONNECT_MS;
	headers = req->headers != NULL ? req->headers : req->carrier_headers;
	req->errbuf[0] = '\0';
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    (req->body != NULL ?
	    (curl_easy_setopt(easy, CURLOPT_POST, 1L) != CURLE_OK ||
	    /* Our buffer, not COPYPOSTFIELDS: it is wiped when the transfer ends. */
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)len) != CURLE_OK) :
	    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L) != CURLE_OK) ||
	    (headers != NULL &&
	    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK) ||
	    (req->username != NULL &&
	    (curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERNAME, req->username) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PASSWORD,
	    req->password ? req->password : "") != CURLE_OK)) ||
	    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, tmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ctmo) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERAGENT, "otpsmsd/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf) != CURLE_OK ||
	    /* A transfer started while the first connection to the carrier
	     * is still being set up waits to learn whether it multiplexes
	     * (HTTP/2 over TLS) instead of opening one connection (and one
	     * TLS handshake) of its own; on HTTP/1.1 it then opens its own. */
	    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L) != CURLE_OK ||
	    set_trust(easy, c->tls) == -1) {
		log_err_f("carrier %s: cannot set up the transfer", c->name);
		goto out;
	}
	/* http owns easy from here, even when it fails. */
	r = http_start(c->http, easy, max_reply, req_done, req);
	easy = NULL;
 out:
	if (easy != NULL)
		http_easy_release(c->http, easy);
	return r;
}

int
carrier_api_base(struct cfg_ctx *ctx, struct cfg_node *map, const char *dflt,
    char **base, struct cfg_node **at)
{
	int got, r = -1;

	*base = NULL;
	*at = map;
	if ((got = cfg_str(ctx, map, "api_url", base, dflt == NULL)) == -1 ||
	    (got == 0 && dflt == NULL))
		goto out;
	if (got == 1)
		*at = cfg_get(map, "api_url");
	else if ((*base = strdup(dflt)) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	r = 0;
 out:
	return r;
}

int
carrier_api_url(struct cfg_ctx *ctx, struct cfg_node *map, const char *dflt,
    const char *suffix, char **url)
{
	struct cfg_node *at;
	char *base = NULL;
	int r = -1;

	*url = NULL;
	if (carrier_api_base(ctx, map, dflt, &base, &at) == -1 ||
	    carrier_make_url(ctx, at, base, suffix, url) == -1)
		goto out;
	r = 0;
 out:
	free(base);
	return r;
}

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

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int
carrier_pct_encode(char *out, size_t outsz, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n = 0;
	int r = -1;

	if (outsz == 0 || outsz > INT_MAX)
		goto out;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (unreserved(*p)) {
			if (outsz - n < 2)
				goto out;
			out[n++] = (char)*p;
		} else {
			/* Whole "%XX" or nothing: a cut escape would change the text. */
			if (outsz - n < 4)
				goto out;
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 0x0f];
		}
	}
	out[n] = '\0';
	r = (int)n;
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
	if ((n = carrier_pct_encode(out + *off, outsz - *off, value)) == -1)
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

