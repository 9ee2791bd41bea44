/* Routes by E.164 prefix and each carrier's circuit breaker (route.h). */
#include <config.h>
#include "conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "cfgtree.h"
#include "log.h"
#include "proto.h"
#include "route.h"
#include "template.h"
#include "util.h"

#define SENDER_ID_MAX 11             /* GSM alphanumeric originator */
#define DLT_ID_MAX 30

void
route_carrier_defaults(struct carrier *c)
{
	c->retries = ROUTE_DEFAULT_RETRIES;
	c->retry_backoff_ms = ROUTE_DEFAULT_BACKOFF_MS;
	c->breaker_failures = ROUTE_DEFAULT_BREAKER_FAILURES;
	c->breaker_cooldown_ms = ROUTE_DEFAULT_COOLDOWN_MS;
}

void
route_read_carrier(struct cfg_ctx *ctx, struct cfg_node *map, struct carrier *c)
{
	cfg_uint(ctx, map, "retries", &c->retries, 0, 5, 0);
	cfg_duration_ms(ctx, map, "retry_backoff", &c->retry_backoff_ms, 10,
	    ROUTE_MAX_BACKOFF_MS, 0);
	cfg_uint(ctx, map, "breaker_failures", &c->breaker_failures, 0, 1000, 0);
	cfg_duration_ms(ctx, map, "breaker_cooldown", &c->breaker_cooldown_ms, 100,
	    60 * 60 * 1000, 0);
}

/* An E.164 number, or an alphanumeric sender ID (1 to 11 of A-Z a-z 0-9 and
 * space, with at least one letter) where the country allows one. */
static int
sender_valid(const char *s)
{
	size_t i;
	int alpha = 0;

	if (s[0] == '+')
		return e164_valid(s);
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SENDER_ID_MAX)
			return 0;
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (!isdigit((unsigned char)s[i]) && s[i] != ' ')
			return 0;
	}
	return alpha && s[0] != ' ' && s[i - 1] != ' ';
}

static int
prefix_valid(const char *s)
{
	size_t n;

	if (s[0] != '+')
		return 0;
	n = strspn(s + 1, "0123456789");
	return s[1 + n] == '\0' && n <= 15 && (n == 0 || s[1] != '0');
}

static int
digits_valid(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= max && s[n] == '\0';
}

static struct carrier *
find_carrier(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_carriers; i++)
		if (strcmp(c->carriers[i]->name, name) == 0)
			return c->carriers[i];
	return NULL;
}

/* A route's optional string key, checked by valid(); err names the rule. */
static void
route_str(struct cfg_ctx *ctx, struct cfg_node *map, const char *key, char **out,
    int (*valid)(const char *), const char *rule)
{
	char path[256];

	if (cfg_str(ctx, map, key, out, 0) == 1 && valid != NULL && !valid(*out)) {
		cfg_err(ctx, cfg_get(map, key), "%s: %s",
		    cfg_path(cfg_get(map, key), path, sizeof(path)), rule);
		free(*out);
		*out = NULL;
	}
}

static int
dlt_valid(const char *s)
{
	return digits_valid(s, DLT_ID_MAX);
}

/* BCP 47-ish: letters, digits and '-', 2 to 35 bytes. */
static int
lang_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 35)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* Voice names such as "Polly.Amy" or "alice". */
static int
voice_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' &&
		    s[i] != '_')
			return 0;
	return 1;
}

static void
read_route_carriers(struct cfg_ctx *ctx, struct cfg_node *seq, const struct config *c,
    struct route *rt)
{
	struct cfg_node *n;
	struct carrier *car;
	char path[256], shown[80];
	size_t i, j;

	if (!cfg_want_seq(ctx, seq, NULL))
		return;
	if (seq->n == 0 || seq->n > ROUTE_MAX_CARRIERS) {
		cfg_err(ctx, seq, "%s: give 1 to %d carrier names",
		    cfg_path(seq, path, sizeof(path)), ROUTE_MAX_CARRIERS);
		return;
	}
	if ((rt->carriers = calloc(seq->n, sizeof(*rt->carriers))) == NULL) {
		cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++) {
		n = seq->items[i];
		cfg_path(n, path, sizeof(path));
		if (n->type != CFG_SCALAR || cfg_is_null(n)) {
			cfg_err(ctx, n, "%s: expected a carrier name", path);
			continue;
		}
		log_safe(shown, sizeof(shown), n->value);
		if ((car = find_carrier(c, n->value)) == NULL) {
			cfg_err(ctx, n, "%s: no carrier named '%s' under carriers",
			    path, shown);
			continue;
		}
		for (j = 0; j < rt->n_carriers; j++)
			if (rt->carriers[j] == car)
				break;
		if (j < rt->n_carriers) {
			cfg_err(ctx, n, "%s: carrier '%s' listed twice", path, shown);
			continue;
		}
		rt->carriers[rt->n_carriers++] = car;
	}
}

static void
read_route(struct cfg_ctx *ctx, struct cfg_node *map, struct config *c)
{
	struct route *rt = &c->routes[c->n_routes];
	struct cfg_node *n;
	char path[256], err[256];
	size_t i;

	if (!cfg_want_map(ctx, map, NULL))
		return;
	memset(rt, 0, sizeof(*rt));
	rt->line = map->line;
	if (cfg_str(ctx, map, "prefix", &rt->prefix, 1) == 1) {
		n = cfg_get(map, "prefix");
		cfg_path(n, path, sizeof(path));
		if (!prefix_valid(rt->prefix))
			cfg_err(ctx, n, "%s: must be '+' and 0 to 15 digits (the "
			    "first not 0), quoted: \"+44\"; \"+\" matches every number",
			    path);
		for (i = 0; i < c->n_routes; i++)
			if (strcmp(c->routes[i].prefix, rt->prefix) == 0)
				cfg_err(ctx, n, "%s: prefix given twice (first at line "
				    "%u)", path, c->routes[i].line);
	}
	if ((n = cfg_get(map, "carriers")) == NULL)
		cfg_err(ctx, map, "%s: carriers: required but missing",
		    cfg_path(map, path, sizeof(path)));
	else
		read_route_carriers(ctx, n, c, rt);
	route_str(ctx, map, "from", &rt->from, sender_valid, "must be an E.164 "
	    "number or an alphanumeric sender ID (1 to 11 of A-Z a-z 0-9 and "
	    "space, with a letter)");
	route_str(ctx, map, "webotp_domain", &rt->webotp_domain,
	    template_domain_valid, "must be a host name such as example.com (no "
	    "scheme, port or path)");
	if (cfg_str(ctx, map, "message", &rt->message, 0) == 1 &&
	    template_check_origin(rt->message, route_webotp_domain(c, rt), err,
	    sizeof(err)) == -1) {
		n = cfg_get(map, "message");
		cfg_err(ctx, n, "%s: %s", cfg_path(n, path, sizeof(path)), err);
	} else if (rt->message == NULL && rt->webotp_domain != NULL &&
	    c->message != NULL && template_check_origin(c->message,
	    rt->webotp_domain, err, sizeof(err)) == -1) {
		/* The global message with this route's (longer) domain. */
		n = cfg_get(map, "webotp_domain");
		cfg_err(ctx, n, "%s: message: %s", cfg_path(n, path, sizeof(path)), err);
	}
	route_str(ctx, map, "dlt_entity_id", &rt->dlt_entity_id, dlt_valid,
	    "must be 1 to 30 digits");
	route_str(ctx, map, "dlt_template_id", &rt->dlt_template_id, dlt_valid,
	    "must be 1 to 30 digits");
	route_str(ctx, map, "language", &rt->language, lang_valid,
	    "must be a language tag such as en-GB");
	route_str(ctx, map, "voice", &rt->voice, voice_valid,
	    "must be 1 to 64 of A-Z a-z 0-9 - . _");
	cfg_check_unused(ctx, map);
	/* Kept even when incomplete, so route_free_config frees it. */
	c->n_routes++;
	if (rt->prefix == NULL && (rt->prefix = strdup("")) == NULL)
		cfg_err(ctx, map, "out of memory");
}

void
route_read_config(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *seq;
	size_t i;

	if ((seq = cfg_get(root, "routes")) == NULL || !cfg_want_seq(ctx, seq, NULL))
		return;
	if (seq->n == 0 || seq->n > ROUTE_MAX) {
		cfg_err(ctx, seq, "routes: give 1 to %d routes (or leave routes out "
		    "to use the carriers in order)", ROUTE_MAX);
		return;
	}
	if ((c->routes = calloc(seq->n, sizeof(*c->routes))) == NULL) {
		cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++)
		read_route(ctx, seq->items[i], c);
}

void
route_free_config(struct config *c)
{
	struct route *rt;
	size_t i;

	for (i = 0; i < c->n_routes; i++) {
		rt = &c->routes[i];
		free(rt->prefix);
		free(rt->carriers);
		free(rt->from);
		free(rt->message);
		free(rt->dlt_entity_id);
		free(rt->dlt_template_id);
		free(rt->language);
		free(rt->voice);
		free(rt->webotp_domain);
	}
	free(c->routes);
	c->routes = NULL;
	c->n_routes = 0;
}

const struct route *
route_lookup(const struct config *c, const char *e164)
{
	const struct route *best = NULL;
	size_t i, len, best_len = 0;

	for (i = 0; i < c->n_routes; i++) {
		len = strlen(c->routes[i].prefix);
		if (len == 0 || c->routes[i].n_carriers == 0 ||
		    strncmp(e164, c->routes[i].prefix, len) != 0)
			continue;
		if (best == NULL || len > best_len) {
			best = &c->routes[i];
			best_len = len;
		}
	}
	return best;
}

const char *
route_webotp_domain(const struct config *c, const struct route *rt)
{
	if (rt != NULL && rt->webotp_domain != NULL)
		return rt->webotp_domain;
	return c->webotp_domain;
}

struct carrier *const *
route_carriers(const struct config *c, const struct route *rt, size_t *n)
{
	if (rt != NULL) {
		*n = rt->n_carriers;
		return rt->carriers;
	}
	*n = c->n_carriers;
	return c->carriers;
}

/* SMS length of s: GSM-7 septets (the extension table's ^{}\\[~]| count two),
 * or, when any byte is not ASCII or is '`', UCS-2 code units (approximated
 * by characters: conservative for GSM's own accented letters). */
size_t
route_sms_units(const char *s, int *ucs2)
{
	const unsigned char *p;
	size_t n = 0;

	*ucs2 = 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80 || *p == '`')
			*ucs2 = 1;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*ucs2) {
			/* One unit per UTF-8 character; 4-byte ones take two. */
			if ((*p & 0xc0) != 0x80)
				n += *p >= 0xf0 ? 2 : 1;
		} else
			n += strchr("^{}\\[~]|", *p) != NULL ? 2 : 1;
	}
	return n;
}

/* -t: warns when a message can take more than one SMS with this host, the
 * longest user name, a 16-byte service and the code's digits. */
static void
check_segments(FILE *f, const struct config *c, const char *tpl, const char *domain,
    const char *where)
{
	struct template_vars tv;
	char text[TEMPLATE_MAX], code[16], user[PROTO_MAX_USER + 1] = "";
	size_t i, n;
	int ucs2;

	for (i = 0; i < c->n_users; i++)
		if (strlen(c->users[i].name) > strlen(user))
			snprintf(user, sizeof(user), "%s", c->users[i].name);
	memset(code, '0', c->digits < sizeof(code) ? c->digits : sizeof(code) - 1);
	code[c->digits < sizeof(code) ? c->digits : sizeof(code) - 1] = '\0';
	tv.code = code;
	tv.host = c->host;
	tv.ttl_s = c->ttl_ms / 1000;
	tv.user = user;
	tv.service = "service-16-bytes";
	if (template_render_origin(text, sizeof(text), tpl, &tv, domain) != 0)
		return;
	n = route_sms_units(text, &ucs2);
	if (n > (ucs2 ? 70u : 160u))
		fprintf(f, "warning: %s can be %zu %s long, more than one SMS "
		    "(%u in %s)\n", where, n, ucs2 ? "UCS-2 characters" : "GSM-7 septets",
		    ucs2 ? 70 : 160, ucs2 ? "UCS-2, which any non-ASCII character "
		    "forces" : "GSM-7");
	explicit_bzero(text, sizeof(text));
}

void
route_print(FILE *f, const struct config *c)
{
	char where[64];

	const struct route *rt;
	struct carrier *const *cars;
	char masked[64];
	size_t i, j, n;

	for (i = 0; i < c->n_users; i++) {
		rt = route_lookup(c, c->users[i].number);
		cars = route_carriers(c, rt, &n);
		mask_number(masked, sizeof(masked), c->users[i].number);
		if (rt != NULL)
			fprintf(f, "%s %s: route \"%s\" (line %u):", c->users[i].name,
			    masked, rt->prefix, rt->line);
		else
			fprintf(f, "%s %s: %s:", c->users[i].name, masked,
			    c->n_routes > 0 ? "no route matches, carriers in order" :
			    "carriers in order");
		for (j = 0; j < n; j++)
			fprintf(f, "%s%s", j ? ", " : " ", cars[j]->name);
		if (rt != NULL && rt->from != NULL)
			fprintf(f, " (from \"%s\")", rt->from);
		fputc('\n', f);
	}
	check_segments(f, c, c->message, c->webotp_domain, "message");
	for (i = 0; i < c->n_routes; i++) {
		if (c->routes[i].message == NULL && c->routes[i].webotp_domain == NULL)
			continue;
		snprintf(where, sizeof(where), "the message of route \"%s\"",
		    c->routes[i].prefix);
		check_segments(f, c, c->routes[i].message ? c->routes[i].message :
		    c->message, route_webotp_domain(c, &c->routes[i]), where);
	}
}

void
route_status(const struct config *c, char *buf, size_t bufsz, uint64_t now)
{
	const struct carrier_health *h;
	char state[48];
	size_t i, off;
	int n;

	if (bufsz == 0)
		return;
	off = strnlen(buf, bufsz - 1);
	buf[off] = '\0';
	for (i = 0; i < c->n_carriers && off < bufsz - 1; i++) {
		h = &c->carriers[i]->health;
		/* The breaker's state in an administrator's words: "closed"
		 * reads as "broken" to anyone but an electrician. */
		if (h->probing)
			snprintf(state, sizeof(state), "failing, trying it now");
		else if (h->open_until_ms > now)
			snprintf(state, sizeof(state), "failing, retry in %llu s",
			    (unsigned long long)((h->open_until_ms - now + 999) / 1000));
		else if (h->open_until_ms != 0)
			snprintf(state, sizeof(state), "failing, next send retries it");
		else
			snprintf(state, sizeof(state), "healthy");
		n = snprintf(buf + off, bufsz - off, "carrier %s (%s): %s; accepted %lu, "
		    "failed %lu (%u in a row), retried %lu, refused %lu%s%s\n",
		    c->carriers[i]->name, c->carriers[i]->ops->type, state, h->accepted,
		    h->failed, h->fails, h->retried, h->refused,
		    h->last_error[0] ? "; last error: " : "", h->last_error);
		if (n < 0 || (size_t)n >= bufsz - off) {
			buf[off] = '\0';
			break;
		}
		off += (size_t)n;
	}
}

int
route_breaker_allow(struct carrier *c, uint64_t now)
{
	struct carrier_health *h = &c->health;

	if (h->open_until_ms == 0)
		return 1;
	if (now < h->open_until_ms || h->probing)
		return 0;
	/* Cool-down over: this send is the probe; others still skip it. */
	h->probing = 1;
	log_info("carrier %s: cool-down over, probing it", c->name);
	return 1;
}

void
route_breaker_done(struct carrier *c, enum carrier_status st, const char *detail,
    uint64_t now)
{
	struct carrier_health *h = &c->health;
	int was_open = h->open_until_ms != 0;

	h->probing = 0;
	switch (st) {
	case CARRIER_ACCEPTED:
	case CARRIER_PERMANENT:
		if (st == CARRIER_ACCEPTED)
			h->accepted++;
		else
			h->refused++;
		h->fails = 0;
		h->open_until_ms = 0;
		if (was_open)
			log_info("carrier %s: answering again, circuit closed", c->name);
		return;
	case CARRIER_RETRY:
	case CARRIER_FAILOVER:
		break;
	}
	h->failed++;
	h->fails++;
	snprintf(h->last_error, sizeof(h->last_error), "%s", detail ? detail : "");
	if (c->breaker_failures == 0)
		return;
	/* A failed probe opens it again at once. */
	if (was_open || h->fails >= c->breaker_failures) {
		h->open_until_ms = now + c->breaker_cooldown_ms;
		log_warn("carrier %s: %u consecutive failure(s), circuit open: skipped "
		    "for %u ms", c->name, h->fails, c->breaker_cooldown_ms);
	}
}

void
route_observe(struct carrier *c, uint64_t ms)
{
	struct carrier_health *h = &c->health;
	size_t i;

	for (i = 0; i < METRICS_LAT_BUCKETS; i++)
		if (ms <= metrics_lat_bounds_ms[i])
			h->lat_bucket[i]++;
	h->lat_count++;
	h->lat_sum_ms += ms;
}

unsigned
route_backoff_ms(const struct carrier *c, unsigned n)
{
	unsigned ms = c->retry_backoff_ms;

	while (n-- > 1 && ms < ROUTE_MAX_BACKOFF_MS)
		ms *= 2;
	return ms < ROUTE_MAX_BACKOFF_MS ? ms : ROUTE_MAX_BACKOFF_MS;
}
