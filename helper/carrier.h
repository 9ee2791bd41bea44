/* One small interface for every way of sending a code: each driver is one
 * file (carrier_file.c, carrier_twilio.c, ...) that fills in carrier_ops. */
#ifndef OTPSMS_CARRIER_H
#define OTPSMS_CARRIER_H

#include <stddef.h>

struct cfg_ctx;
struct cfg_node;
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
	const char *user;    /* for the log and for file carriers' records */
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

struct carrier {
	char *name;
	const struct carrier_ops *ops;
	unsigned timeout_ms;
	struct http *http;   /* set before the first send */
	struct loop *loop;
	void *priv;
};

/* The driver table, by type name; NULL if unknown. */
const struct carrier_ops *carrier_lookup(const char *type);
/* "file, twilio": for error messages. */
const char *carrier_types(void);

extern const struct carrier_ops carrier_file_ops;
extern const struct carrier_ops carrier_twilio_ops;

#endif
