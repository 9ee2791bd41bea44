/* Which carriers a number goes through (routes by longest E.164 prefix), and
 * each carrier's health: retries of throttled sends and a circuit breaker
 * that skips a failing carrier for a cool-down, then lets one probe through. */
#ifndef OTPSMS_ROUTE_H
#define OTPSMS_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "carrier.h"

struct cfg_ctx;
struct cfg_node;
struct config;

#define ROUTE_MAX 256
#define ROUTE_MAX_CARRIERS 16
#define ROUTE_PREFIX_MAX 16          /* '+' and up to 15 digits */

#define ROUTE_DEFAULT_RETRIES 2
#define ROUTE_DEFAULT_BACKOFF_MS 250
#define ROUTE_MAX_BACKOFF_MS 2000
#define ROUTE_DEFAULT_BREAKER_FAILURES 3
#define ROUTE_DEFAULT_COOLDOWN_MS 30000

struct route {
	char *prefix;                /* "+44"; "+" matches every number */
	struct carrier **carriers;   /* borrowed from config->carriers, in order */
	size_t n_carriers;
	char *from;                  /* NULL: each carrier's own sender */
	char *message;               /* NULL: config->message */
	char *dlt_entity_id;
	char *dlt_template_id;
	char *language;
	char *voice;
	char *webotp_domain;         /* NULL: config->webotp_domain */
	unsigned line;               /* in the configuration, for -t */
};

/* Configuration (called from config.c). */
void route_carrier_defaults(struct carrier *c);
/* Reads retries, retry_backoff, breaker_failures, breaker_cooldown from a
 * carrier's map. */
void route_read_carrier(struct cfg_ctx *ctx, struct cfg_node *map, struct carrier *c);
/* Reads routes: after the carriers (it names them). */
void route_read_config(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c);
void route_free_config(struct config *c);

/* The route for number (longest prefix), or NULL: then cfg->carriers. */
const struct route *route_lookup(const struct config *c, const char *e164);
/* The ordered carriers for number, through its route if any. */
struct carrier *const *route_carriers(const struct config *c, const struct route *rt,
    size_t *n);
/* The WebOTP domain for a number's route (rt may be NULL), or NULL. */
const char *route_webotp_domain(const struct config *c, const struct route *rt);
/* -t: one line per user, which route and carriers their number takes, and
 * a warning for each message that can take more than one SMS. */
void route_print(FILE *f, const struct config *c);
/* Length of s in SMS units; *ucs2 set when it cannot go as GSM-7. */
size_t route_sms_units(const char *s, int *ucs2);

/* For otpsmsctl status: one line per carrier with its breaker state and
 * counters, appended to buf (NUL-terminated, truncated to fit). */
void route_status(const struct config *c, char *buf, size_t bufsz, uint64_t now);

/* The breaker. allow: 1 if c may be tried now (closed, or open with its
 * cool-down over: then this caller is the one probe). */
int route_breaker_allow(struct carrier *c, uint64_t now);
/* Records the end of a send: ACCEPTED and PERMANENT (the carrier answered)
 * close the breaker; FAILOVER, and RETRY once retries are spent, count as
 * failures. detail is log-safe. */
void route_breaker_done(struct carrier *c, enum carrier_status st, const char *detail,
    uint64_t now);
/* A send through c ended (whatever the answer) after ms: the latency
 * histogram of the metrics. */
void route_observe(struct carrier *c, uint64_t ms);
/* Backoff before retry number n (1, 2, ...) of c. */
unsigned route_backoff_ms(const struct carrier *c, unsigned n);

#endif
