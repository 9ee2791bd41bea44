/* A generic HTTP carrier: a POST whose URL, authentication, JSON or form
 * body and reply rules come from the configuration, with presets for
 * Plivo, Telnyx, Sinch, Infobip and MessageBird. Secrets from files. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "carrier.h"
#include "carrier_util.h"
#include "cfgtree.h"
#include "httpc.h"
#include "log.h"
#include "proto.h"
#include "util.h"

#define HTTPC_SECRET_MAX 512
#define HTTPC_ACCOUNT_MAX 128
#define HTTPC_MAX_FIELDS 16

struct httpc {
	char *url;
	json_t *body;                    /* JSON template, or NULL: form */
	char *fnames[HTTPC_MAX_FIELDS];  /* form templates */
	char *fvalues[HTTPC_MAX_FIELDS];
	size_t nfields;
	enum httpc_auth auth;
	char *username;
	char *secret;                    /* secret */
	struct curl_slist *headers;      /* one holds the secret: wiped at free */
	char *from;
	char *ref_path, *error_path;
	char *permanent[HTTPC_MAX_PERMANENT];
	struct httpc_rules rules;
};

/* Replaces every string in a copy of the template document. */
static int
expand_json(json_t *n, const struct httpc_vars *v, char *buf, size_t bufsz)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(n)) {
		if (httpc_expand(buf, bufsz, json_string_value(n), v) == -1)
			return -1;
		/* jansson refuses text that is not UTF-8: so do we. */
		return json_string_set(n, buf);
	}
	if (json_is_array(n)) {
		json_array_foreach(n, i, x)
			if (expand_json(x, v, buf, bufsz) == -1)
				return -1;
	} else if (json_is_object(n)) {
		json_object_foreach(n, k, x)
			if (expand_json(x, v, buf, bufsz) == -1)
				return -1;
	}
	return 0;
}

/* The request body for m into req; its length, or -1. */
static int
httpc_body(const struct httpc *h, const struct carrier_msg *m, struct carrier_req *req)
{
	struct httpc_vars v;
	char buf[HTTPC_BODY_MAX];
	json_t *doc = NULL;
	size_t off = 0, i, n;
	int r = -1;

	v.to = m->to;
	v.from = m->from != NULL ? m->from : h->from;
	v.text = m->text;
	v.code = m->code;
	if (h->body != NULL) {
		if ((doc = json_deep_copy(h->body)) == NULL ||
		    expand_json(doc, &v, buf, sizeof(buf)) == -1)
			goto out;
		if ((n = json_dumpb(doc, NULL, 0, JSON_COMPACT)) == 0 || n > HTTPC_BODY_MAX)
			goto out;
		if (carrier_req_body(req, n + 1) == NULL ||
		    json_dumpb(doc, req->body, n, JSON_COMPACT) != n)
			goto out;
		req->body[n] = '\0';
		r = (int)n;
		goto out;
	}
	if (carrier_req_body(req, HTTPC_BODY_MAX) == NULL)
		goto out;
	for (i = 0; i < h->nfields; i++)
		if (httpc_expand(buf, sizeof(buf), h->fvalues[i], &v) == -1 ||
		    carrier_form_add(req->body, req->bodysz, &off, h->fnames[i], buf) == -1)
			goto out;
	r = (int)off;
 out:
	explicit_bzero(buf, sizeof(buf));
	json_decref(doc);
	return r;
}

static void
httpc_parse(struct carrier_req *req, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	struct httpc *h = req->c->priv;
	int loud = 0;

	httpc_parse_reply(&h->rules, status, body, len, res, &loud);
	if (loud)
		log_warn("carrier %s: the provider refused our credentials (%s); "
		    "check the secret and the account", req->c->name, res->detail);
}

static int
httpc_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct httpc *h = c->priv;
	struct carrier_req *req = NULL;
	int n, r = -1;

	if (h == NULL || m->to == NULL || m->text == NULL ||
	    (m->channel != 0 && m->channel != PROTO_CH_SMS))
		goto out;
	if ((req = carrier_req_new(c, httpc_parse, done, arg)) == NULL)
		goto out;
	if ((n = httpc_body(h, m, req)) == -1) {
		log_warn("carrier %s: cannot build the request body", c->name);
		goto out;
	}
	req->carrier_headers = h->headers;
	if (h->auth == HTTPC_AUTH_BASIC) {
		req->username = h->username;
		req->password = h->secret;
	}
	if (carrier_req_start(req, h->url, (size_t)n, HTTPC_REPLY_MAX) == -1)
		goto out;
	req = NULL;
	r = 0;
 out:
	carrier_req_free(req);
	return r;
}

static void
httpc_free_priv(struct httpc *h)
{
	struct curl_slist *l;
	size_t i;

	if (h == NULL)
		return;
	for (l = h->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h->headers);
	json_decref(h->body);
	for (i = 0; i < h->nfields; i++) {
		free(h->fnames[i]);
		free(h->fvalues[i]);
	}
	for (i = 0; i < h->rules.n_permanent; i++)
		free(h->permanent[i]);
	free(h->url);
	free(h->username);
	freezero_str(h->secret);
	free(h->from);
	free(h->ref_path);
	free(h->error_path);
	free(h);
}

/* Letters, digits, '_', '-' and '.': what goes into a URL as is. */
static int
account_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= HTTPC_ACCOUNT_MAX || (!isalnum((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-' && s[i] != '.'))
			return 0;
	return i > 0;
}

static int
path_valid(const char *s)
{
	size_t i;

	if (s[0] != '/')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 256 || (!isalnum((unsigned char)s[i]) &&
		    strchr("/_.~-{}", s[i]) == NULL))
			return 0;
	return 1;
}

/* Replaces {account} in s; malloc'd, or NULL. */
static char *
with_account(const char *s, const char *account)
{
	char out[CARRIER_URL_MAX];
	const char *p;
	size_t off = 0, n;

	for (p = s; *p != '\0'; p++) {
		if (strncmp(p, "{account}", 9) == 0) {
			n = strlen(account);
			if (off + n >= sizeof(out))
				return NULL;
			memcpy(out + off, account, n);
			off += n;
			p += 8;
		} else {
			if (off + 1 >= sizeof(out))
				return NULL;
			out[off++] = *p;
		}
	}
	out[off] = '\0';
	return strdup(out);
}

/* 0 if every string in the template expands (with stand-in values). */
static int
check_template(const char *tpl)
{
	struct httpc_vars v = { "+447700900123", "ACME", "123456 x", "123456" };
	char buf[HTTPC_BODY_MAX];
	int r;

	r = httpc_expand(buf, sizeof(buf), tpl, &v) == -1 ? -1 : 0;
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int
check_json(json_t *n)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(n))
		return check_template(json_string_value(n));
	if (json_is_array(n)) {
		json_array_foreach(n, i, x)
			if (check_json(x) == -1)
				return -1;
	} else if (json_is_object(n)) {
		json_object_foreach(n, k, x)
			if (check_template(k) == -1 || check_json(x) == -1)
				return -1;
	}
	return 0;
}

/* url, account and auth, from the preset and the keys. */
static int
httpc_configure_url(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map,
    struct httpc *h, const struct httpc_preset *p)
{
	struct cfg_node *at;
	char *account = NULL, *base = NULL, *path = NULL, *b = NULL, *pa = NULL;
	char *suffix = NULL, where[256];
	int got, r = -1;

	if (cfg_str(ctx, map, "account", &account, 0) == -1)
		goto out;
	if (account != NULL && !account_valid(account)) {
		at = cfg_get(map, "account");
		cfg_err(ctx, at, "%s: 1 to %d of A-Z a-z 0-9 _ - .",
		    cfg_path(at, where, sizeof(where)), HTTPC_ACCOUNT_MAX);
		goto out;
	}
	if (carrier_api_base(ctx, map, p != NULL ? p->base : NULL, &base, &at) == -1)
		goto out;
	if ((got = cfg_str(ctx, map, "path", &path, p == NULL)) == -1 ||
	    (got == 0 && p == NULL))
		goto out;
	if (got == 0 && (path = strdup(p->path)) == NULL)
		goto out;
	if (!path_valid(path)) {
		cfg_err(ctx, map, "carrier %s: path must start with / and hold only "
		    "A-Z a-z 0-9 / _ . ~ - and {account}", c->name);
		goto out;
	}
	if ((strstr(base, "{account}") || strstr(path, "{account}")) && account == NULL) {
		cfg_err(ctx, map, "carrier %s: account: required by %s", c->name,
		    p ? p->name : "path");
		goto out;
	}
	if ((b = with_account(base, account ? account : "")) == NULL ||
	    (pa = with_account(path, account ? account : "")) == NULL) {
		cfg_err(ctx, map, "carrier %s: URL too long", c->name);
		goto out;
	}
	if (carrier_make_url(ctx, at, b, pa, &h->url) == -1)
		goto out;
	if (p != NULL && p->auth == HTTPC_AUTH_BASIC && account != NULL &&
	    (h->username = strdup(account)) == NULL)
		goto out;
	r = 0;
 out:
	free(account);
	free(base);
	free(path);
	free(b);
	free(pa);
	free(suffix);
	return r;
}

static int
httpc_configure_auth(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map,
    struct httpc *h, const struct httpc_preset *p, const char **scheme)
{
	char *auth = NULL, *user = NULL;
	size_t i;
	int r = -1;

	h->auth = p ? p->auth : HTTPC_AUTH_NONE;
	*scheme = p ? p->scheme : NULL;
	if (cfg_str(ctx, map, "auth", &auth, 0) == -1)
		goto out;
	if (auth != NULL) {
		if (strcmp(auth, "none") == 0)
			h->auth = HTTPC_AUTH_NONE;
		else if (strcmp(auth, "basic") == 0)
			h->auth = HTTPC_AUTH_BASIC;
		else if (strcmp(auth, "bearer") == 0 || strcmp(auth, "app") == 0 ||
		    strcmp(auth, "accesskey") == 0) {
			h->auth = HTTPC_AUTH_SCHEME;
			*scheme = auth[0] == 'b' ? "Bearer" : auth[1] == 'p' ? "App" :
			    "AccessKey";
		} else {
			cfg_err(ctx, cfg_get(map, "auth"), "carrier %s: auth must be "
			    "none, basic, bearer, app or accesskey", c->name);
			goto out;
		}
	}
	if (cfg_str(ctx, map, "username", &user, 0) == 1) {
		free(h->username);
		h->username = user;
	}
	if (h->auth == HTTPC_AUTH_BASIC && h->username == NULL) {
		cfg_err(ctx, map, "carrier %s: basic auth needs username (or account)",
		    c->name);
		goto out;
	}
	if (cfg_secret(ctx, map, "secret", &h->secret, HTTPC_SECRET_MAX,
	    h->auth != HTTPC_AUTH_NONE) == -1)
		goto out;
	/* It goes into a header: no line breaks or controls. */
	for (i = 0; h->secret != NULL && h->secret[i] != '\0'; i++)
		if ((unsigned char)h->secret[i] < 0x20 || h->secret[i] == 0x7f) {
			cfg_err(ctx, map, "carrier %s: the secret holds a control "
			    "character", c->name);
			goto out;
		}
	r = 0;
 out:
	free(auth);
	return r;
}

/* body (JSON template) or fields (form), reply rules, sender. */
static int
httpc_configure_body(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map,
    struct httpc *h, const struct httpc_preset *p)
{
	struct cfg_node *f, *seq;
	char *body = NULL, *fmt = NULL;
	json_error_t jerr;
	size_t i;
	int form = 0, r = -1;

	if (cfg_str(ctx, map, "format", &fmt, 0) == -1)
		goto out;
	if (fmt != NULL && strcmp(fmt, "form") == 0)
		form = 1;
	else if (fmt != NULL && strcmp(fmt, "json") != 0) {
		cfg_err(ctx, cfg_get(map, "format"), "carrier %s: format must be json "
		    "or form", c->name);
		goto out;
	}
	if (form) {
		if ((f = cfg_get(map, "fields")) == NULL || !cfg_want_map(ctx, f, NULL) ||
		    f->n == 0 || f->n > HTTPC_MAX_FIELDS) {
			cfg_err(ctx, map, "carrier %s: format form needs fields: 1 to %d "
			    "name: template pairs", c->name, HTTPC_MAX_FIELDS);
			goto out;
		}
		for (i = 0; i < f->n; i++) {
			f->used[i] = 1;
			if (f->items[i]->type != CFG_SCALAR ||
			    check_template(f->items[i]->value) == -1) {
				cfg_err(ctx, f->items[i], "carrier %s: fields.%s: a template "
				    "with {to} {to_digits} {from} {text} {code}", c->name,
				    f->keys[i]->value);
				goto out;
			}
			if ((h->fnames[i] = strdup(f->keys[i]->value)) == NULL ||
			    (h->fvalues[i] = strdup(f->items[i]->value)) == NULL)
				goto out;
			h->nfields++;
		}
	} else {
		if (cfg_str(ctx, map, "body", &body, p == NULL) != 1 && p == NULL)
			goto out;
		h->body = json_loads(body ? body : p->body, JSON_REJECT_DUPLICATES, &jerr);
		if (h->body == NULL || check_json(h->body) == -1) {
			cfg_err(ctx, cfg_get(map, "body") ? cfg_get(map, "body") : map,
			    "carrier %s: body must be a JSON document whose strings are "
			    "templates with {to} {to_digits} {from} {text} {code}", c->name);
			goto out;
		}
	}
	if (cfg_str(ctx, map, "ref_path", &h->ref_path, 0) == -1 ||
	    cfg_str(ctx, map, "error_path", &h->error_path, 0) == -1)
		goto out;
	if (h->ref_path == NULL && p != NULL && (h->ref_path = strdup(p->ref_path)) == NULL)
		goto out;
	if (h->error_path == NULL && p != NULL &&
	    (h->error_path = strdup(p->error_path)) == NULL)
		goto out;
	if ((seq = cfg_get(map, "permanent_errors")) != NULL) {
		if (!cfg_want_seq(ctx, seq, NULL) || seq->n > HTTPC_MAX_PERMANENT)
			goto out;
		for (i = 0; i < seq->n; i++) {
			if (seq->items[i]->type != CFG_SCALAR || cfg_is_null(seq->items[i]))
				goto out;
			if ((h->permanent[i] = strdup(seq->items[i]->value)) == NULL)
				goto out;
			h->rules.permanent[i] = h->permanent[i];
			h->rules.n_permanent++;
		}
	}
	h->rules.ref_path = h->ref_path;
	h->rules.error_path = h->error_path;
	if (cfg_str(ctx, map, "from", &h->from, 1) != 1)
		goto out;
	r = 0;
 out:
	free(body);
	free(fmt);
	return r;
}

static int
httpc_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	const struct httpc_preset *p = NULL;
	struct httpc *h;
	const char *scheme = NULL;
	char *preset = NULL, hdr[HTTPC_SECRET_MAX + 64];
	struct curl_slist *l;
	size_t nerr = ctx->nerr;
	int r = -1;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	if (cfg_str(ctx, map, "preset", &preset, 0) == 1 &&
	    (p = httpc_preset(preset)) == NULL) {
		cfg_err(ctx, cfg_get(map, "preset"), "carrier %s: unknown preset (known: "
		    "%s)", c->name, httpc_preset_names());
		goto out;
	}
	if (carrier_tls_configure(c, ctx, map) == -1 ||
	    httpc_configure_url(c, ctx, map, h, p) == -1 ||
	    httpc_configure_auth(c, ctx, map, h, p, &scheme) == -1 ||
	    httpc_configure_body(c, ctx, map, h, p) == -1)
		goto out;
	if ((l = curl_slist_append(NULL, h->body ? "Content-Type: application/json" :
	    "Content-Type: application/x-www-form-urlencoded")) == NULL)
		goto out;
	h->headers = l;
	if (curl_slist_append(l, "Accept: application/json") == NULL ||
	    curl_slist_append(l, "Expect:") == NULL)
		goto out;
	if (h->auth == HTTPC_AUTH_SCHEME) {
		snprintf(hdr, sizeof(hdr), "Authorization: %s %s", scheme, h->secret);
		l = curl_slist_append(l, hdr);
		explicit_bzero(hdr, sizeof(hdr));
		if (l == NULL)
			goto out;
	}
	c->priv = h;
	h = NULL;
	r = 0;
 out:
	if (r == -1 && ctx->nerr == nerr)
		cfg_err(ctx, map, "carrier %s: invalid http carrier settings", c->name);
	if (r == -1)
		carrier_tls_free(c);
	free(preset);
	httpc_free_priv(h);
	return r;
}

static void
httpc_free(struct carrier *c)
{
	httpc_free_priv(c->priv);
	c->priv = NULL;
	carrier_tls_free(c);
}

const struct carrier_ops carrier_http_ops = {
	.type = "http",
	.channels = PROTO_CH_SMS,
	.configure = httpc_configure,
	.send = httpc_send,
	.free = httpc_free,
};
