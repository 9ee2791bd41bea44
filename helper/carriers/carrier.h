/* One small interface for every way of sending a code: each driver is one
 * file (carrier_file.c, http/carrier_twilio.c, ...) that fills in carrier_ops.
 *
 * Adding an HTTP carrier (docs/DESIGN.md, "Adding a carrier"):
 *  1. http/carrier_NAME.c with `const struct carrier_ops carrier_NAME_ops`
 *     (type "NAME", the channels it can send on, configure, send, free);
 *     its pure parts (body building, reply reading) in http/NAME.c and
 *     NAME.h when they deserve unit tests and a fuzzer.
 *  2. configure: read the keys with cfg_str/cfg_secret (secrets from files),
 *     the endpoint with carrier_api_url (api_url, its default and its check),
 *     record errors with cfg_err and set c->priv.
 *  3. send: carrier_req_new(c, parse, done, arg); carrier_req_body and
 *     carrier_form_add (or JSON) for the body, carrier_req_header for
 *     headers, req->username and req->password for HTTP Basic;
 *     carrier_req_start(req, url, len, max_reply). parse reads the answer
 *     into a carrier_result (ACCEPTED, RETRY, FAILOVER, PERMANENT); the
 *     request calls done and wipes itself. A send that outlives its transfer
 *     (polling, delivery reports) sets req->then and calls done itself.
 *  4. free: free priv, wiping secrets.
 *  5. One line in carrier.c's table (carrier_types() and the config's error
 *     messages follow), its extern below, its files in http/local.am, and
 *     its keys in docs/otpsmsd.yaml.5 and docs/carriers.md. */
#ifndef OTPSMS_CARRIER_H
#define OTPSMS_CARRIER_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"    /* METRICS_LAT_BUCKETS */

struct cfg_ctx;
struct cfg_node;
struct carrier_tls;
struct http;
struct loop;

enum carrier_status {
	CARRIER_ACCEPTED,    /* the carrier took the message */
	CARRIER_RETRY,       /* throttled: the same carrier may be retried later */
	CARRIER_FAILOVER,    /* this carrier failed (5xx, timeout, auth): try the next */
	CARRIER_PERMANENT,   /* the number is the problem: stop, tell the user */
};

struct carrier_result {
	enum carrier_status status;
	char detail[256];    /* log-safe reason (no secret, sanitized), "" if none */
	char ref[80];        /* carrier's message id, log-safe, "" if none */
};

struct carrier_msg {
	unsigned channel;    /* PROTO_CH_SMS, PROTO_CH_VOICE or PROTO_CH_WHATSAPP */
	const char *to;      /* E.164 */
	const char *text;    /* holds the code: copy only into buffers you wipe */
	const char *code;    /* the code alone (voice, WhatsApp templates): secret */
	const char *user;    /* for the log and for file carriers' records */
	/* Per route (NULL: the carrier's own setting). Drivers that have no use
	 * for a field ignore it. */
	const char *from;    /* sender: E.164 or an alphanumeric sender ID */
	const char *dlt_entity_id;   /* India DLT principal entity id */
	const char *dlt_template_id; /* India DLT content template id */
	const char *language;        /* voice: BCP 47 tag, e.g. "en-GB" */
	const char *voice;           /* voice: the carrier's voice name */
};

/* Called exactly once per send() that returned 0, possibly before send()
 * returns. res is only valid during the call. */
typedef void carrier_done_fn(void *arg, const struct carrier_result *res);

struct carrier;

struct carrier_ops {
	const char *type;
	unsigned channels;   /* PROTO_CH_* this driver can send on */
	/* Reads the driver's keys from the carrier's map (name, type and timeout
	 * are already read) and sets c->priv. Returns 0, or -1 with errors
	 * recorded in ctx. Runs before privileges are dropped (secret files). */
	int (*configure)(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map);
	/* Starts sending. Returns 0 (done will be called) or -1 (not called). */
	int (*send)(struct carrier *c, const struct carrier_msg *m,
	    carrier_done_fn *done, void *arg);
	void (*free)(struct carrier *c);   /* frees priv, wiping secrets */
};

/* The circuit breaker and counters of one carrier (helper/carriers/route.c). */
struct carrier_health {
	unsigned fails;              /* consecutive failures */
	uint64_t open_until_ms;      /* breaker open until then; 0: closed */
	int probing;                 /* half open: one probe in flight */
	unsigned long accepted, failed, retried, refused;
	char last_error[128];        /* log-safe */
	/* How long sends took (route_observe): cumulative buckets of
	 * metrics_lat_bounds_ms, their count and sum. */
	uint64_t lat_bucket[METRICS_LAT_BUCKETS];
	uint64_t lat_count, lat_sum_ms;
};

struct carrier {
	char *name;
	const struct carrier_ops *ops;
	unsigned timeout_ms;
	struct http *http;   /* set before the first send */
	/* ca_file: of an HTTP carrier (carrier_util.c), NULL: the system's CAs. */
	struct carrier_tls *tls;
	struct loop *loop;
	void *priv;
	unsigned channels;   /* PROTO_CH_* as configured; 0: ops->channels */
	/* Set by route_carrier_defaults / route_read_carrier. */
	unsigned retries;            /* RETRY answers retried on this carrier */
	unsigned retry_backoff_ms;   /* first backoff, doubled each time */
	unsigned breaker_failures;   /* consecutive failures that open it; 0: never */
	unsigned breaker_cooldown_ms;
	struct carrier_health health;
	/* A reload keeps a carrier whose settings did not change (conf.c):
	 * configurations that hold it, and the canonical text of its map
	 * (cfg_node_sig; may hold an inline secret). */
	unsigned refs;
	char *sig;
};

/* What this carrier can send on, as configured. */
static inline unsigned
carrier_channels(const struct carrier *c)
{
	return c->channels != 0 ? c->channels : c->ops->channels;
}

/* The driver table, by type name; NULL if unknown. */
const struct carrier_ops *carrier_lookup(const char *type);
/* The i-th driver of the table; NULL past its end. */
const struct carrier_ops *carrier_driver(size_t i);
/* Every type of the table, "file, twilio, ...": for error messages. */
const char *carrier_types(void);

extern const struct carrier_ops carrier_file_ops;
extern const struct carrier_ops carrier_twilio_ops;
extern const struct carrier_ops carrier_vonage_ops;
extern const struct carrier_ops carrier_spool_ops;
extern const struct carrier_ops carrier_http_ops;
extern const struct carrier_ops carrier_kannel_ops;
extern const struct carrier_ops carrier_smpp_ops;

#endif
