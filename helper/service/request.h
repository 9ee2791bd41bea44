/* A request in flight, shared by the files that handle one: request.c (its
 * life: the client going away, the error reply, the audit line, the end),
 * challenge.c (a new code and its delivery), verify.c (an answer). Nothing
 * else includes this. */
#ifndef OTPSMS_REQUEST_H
#define OTPSMS_REQUEST_H

#include <stdint.h>

#include "backup.h"
#include "conf.h"
#include "loop.h"
#include "policy.h"
#include "proto.h"
#include "route.h"
#include "store.h"
#include "template.h"

struct daemon;
struct client;

struct request {
	struct daemon *d;
	struct config *cfg;          /* d->cfg when it began, held: a reload
	                              * does not change a request under way */
	struct client *client;       /* NULL once it went away */
	int type;
	uint64_t start_ms;
	/* challenge */
	struct challenge ch;
	char code[16];               /* secret: wiped as soon as it is sent */
	char text[TEMPLATE_MAX];     /* secret: holds the code */
	char to[20];
	char masked[PROTO_MAX_MASKED + 1];
	/* delivery: try_carrier and on_sent */
	const struct route *route;   /* NULL: the carriers in order */
	struct carrier *const *cars; /* the route's carriers, in order */
	size_t n_cars;
	size_t carrier;              /* index in cars of the one being tried */
	int routed;                  /* route chosen, text rendered for it */
	int pass;                    /* 0: skip open breakers; 1: only those */
	uint32_t skipped;            /* bit i: cars[i] skipped on pass 0 */
	unsigned retries;            /* RETRY answers from cars[carrier] */
	uint64_t send_ms;            /* when the current send started */
	unsigned channel;            /* PROTO_CH_*; 0 is SMS */
	struct loop_timer backoff;   /* before retrying a throttled carrier */
	/* for the audit line, already log-safe */
	char user[PROTO_MAX_USER + 1];
	char service[PROTO_MAX_SERVICE + 1];
	char rhost[PROTO_MAX_RHOST + 1];
	char id_hex[17];
	int resend;                  /* the pending code, sent again */
	int reserved;                /* POLICY_HELD_*: where its limit tokens are */
	/* verify: the answer, sent once a wrong code is counted */
	uint32_t vstatus;
	unsigned vleft;
	struct policy_guess guess;   /* of the user's lockout budget */
	int pending_added;           /* the new code counts as pending */
	uint32_t flags;              /* the challenge request's PROTO_RF_* */
	/* A new challenge asks the policy and looks for a pending code at
	 * once (with Redis, two round trips in parallel, not in a row), and
	 * goes on when both have answered. */
	int waiting;                 /* answers still due */
	int pol_e;
	unsigned pol_retry;
	int pol_held;
	char pol_why[128];
	int found;                   /* pend holds the pending challenge */
	struct challenge pend;       /* secret-ish (mac, seal): wiped with r */
	char tampered[17];           /* id prefix of a record not the caller's */
	unsigned numidx;             /* which of the user's numbers r->to is */
	unsigned n_numbers;          /* how many the user has */
	/* backup code: the set's salt while the code is hashed (code holds
	 * its digits until the worker has its copy) */
	uint8_t bsalt[BACKUP_SALT_LEN];
	int bset;                    /* the user has a set (of that salt) */
	/* An enrolment (enrol.c): ch.user is the store's key "NUMBER USER"
	 * and ch.uid ENROL_UID; the limits and lockout count against the user
	 * named here. Empty: ch.user. */
	char pol_user[PROTO_MAX_USER + 1];
};

/* An enrolment's challenges belong to no caller: no peer has this uid
 * (SO_PEERCRED), so neither a login's verify (the store matches the uid and
 * the MAC covers it) nor its pending-code lookup can ever reach one. */
#define ENROL_UID ((uid_t)-1)
#define ENROL_SERVICE "otpsmsctl-enroll"

/* Who the policy counts this request against. */
static inline const char *
request_pol_user(const struct request *r)
{
	return r->pol_user[0] != '\0' ? r->pol_user : r->ch.user;
}

/* A new request of this type for client c, which it waits on
 * (client_on_close: if c goes away first, r->client becomes NULL and the
 * request finishes quietly; the SMS may still go). NULL: out of memory. */
struct request *request_new(struct daemon *d, struct client *c, int type);

/* Frees r; limit tokens it still holds go back (nothing went out). */
void request_free(struct request *r);
void request_wipe_secrets(struct request *r);
/* The error reply (if the client is still there), then request_free. */
void request_fail(struct request *r, unsigned code, const char *msg);
/* One audit line: "EVENT: user=... service=... rhost=... id=... latency_ms=..." */
void request_audit(struct request *r, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
