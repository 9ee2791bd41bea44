/* The daemon's metrics: a snapshot of its counters, its compact wire form
 * (the body of PROTO_METRICS_RSP, one page of carriers per frame) and its
 * text renderings, shared by otpsmsctl (OpenMetrics, `otpsmsctl metrics`)
 * and the daemon's metrics_file writer (Prometheus text 0.0.4, which
 * node_exporter's textfile collector reads). docs/monitoring.md lists the
 * metrics. No label holds a user name or a number: results and reasons are
 * fixed words, carriers are the names the administrator gave them. */
#ifndef OTPSMS_METRICS_H
#define OTPSMS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_MAX_CARRIERS 16      /* the configuration's cap */
#define METRICS_CARRIER_NAME 64
#define METRICS_PAGE_CARRIERS 6      /* per frame: stays under PROTO_MAX_FRAME */
#define METRICS_LAT_BUCKETS 9        /* finite bounds; +Inf is the count */

/* Upper bounds of the send latency buckets, in ms. */
extern const uint32_t metrics_lat_bounds_ms[METRICS_LAT_BUCKETS];

/* The result of a challenge or a verification, as answered: the answer's
 * status, or the PROTO_E_* it was refused with (METRICS_R_ERR + code - 1). */
enum metrics_result {
	METRICS_R_OK = 0,        /* challenge: a code was sent; verify: right */
	METRICS_R_REUSED = 1,    /* challenge: a pending code was reused */
	METRICS_R_WRONG = 2,     /* verify */
	METRICS_R_EXPIRED = 3,   /* verify: unknown, expired or used */
	METRICS_R_MAXTRIES = 4,  /* verify: wrong, and the last attempt */
	METRICS_R_ERR = 5,       /* + PROTO_E_* - 1, for codes 1..11 */
	METRICS_R_OTHER = 16,    /* an error code this table does not name */
	METRICS_NRESULTS = 17
};

/* Why a request was refused (PROTO_ERROR answers that are refusals). */
enum metrics_refusal {
	METRICS_REF_DENIED = 0,  /* caller not allowed */
	METRICS_REF_LOCKED = 1,  /* user locked out */
	METRICS_REF_RATE = 2,    /* rate limits, pending codes */
	METRICS_REF_NUMBER = 3,  /* country policy, number checks */
	METRICS_REF_BUSY = 4,    /* too many clients */
	METRICS_NREFUSALS = 5
};

enum metrics_breaker {
	METRICS_BREAKER_CLOSED = 0,
	METRICS_BREAKER_OPEN = 1,
	METRICS_BREAKER_HALF_OPEN = 2,   /* cool-down over: the next send probes */
	METRICS_NBREAKER = 3
};

struct metrics_carrier {
	char name[METRICS_CARRIER_NAME];
	uint8_t breaker;                 /* enum metrics_breaker */
	uint32_t fails;                  /* consecutive failures */
	uint64_t accepted, failed, retried, refused;
	uint64_t lat_bucket[METRICS_LAT_BUCKETS];  /* cumulative: <= bound */
	uint64_t lat_count;
	uint64_t lat_sum_ms;
};

struct metrics_snap {
	uint64_t start_time;             /* Unix seconds */
	uint64_t now;                    /* Unix seconds, when taken */
	uint64_t challenges[METRICS_NRESULTS];
	uint64_t verifies[METRICS_NRESULTS];
	uint64_t refusals[METRICS_NREFUSALS];
	uint64_t codes_sent;             /* the policy's: accepted by a carrier */
	uint64_t lockouts;               /* the policy's: users locked, ever */
	uint64_t reloads;
	uint64_t pending;                /* pending codes (gauge) */
	uint64_t locked;                 /* users locked out now (gauge) */
	uint64_t clients;                /* connected clients (gauge) */
	uint32_t n_carriers;             /* configured, in all */
	uint32_t first;                  /* index of carriers[0] on this page */
	uint32_t n_page;                 /* carriers[] on this page */
	struct metrics_carrier carriers[METRICS_MAX_CARRIERS];
};

/* Result index for an error code (PROTO_E_*). */
unsigned metrics_result_of_error(uint32_t code);
/* Refusal index for an error code, or -1 when it is no refusal. */
int metrics_refusal_of_error(uint32_t code);

/* The wire form of one page: s->carriers[0 .. n_page-1] are carriers first
 * .. first+n_page-1. 0 or a buf.h / PROTO_* error. Decode bounds every
 * count and string (it is fuzzed with the rest of proto.c). */
int metrics_encode(struct buf *b, const struct metrics_snap *s);
int metrics_decode(struct buf *b, struct metrics_snap *s);

/* Appends the text of s (its n_page carriers, all of them when the pages
 * were merged) to out: openmetrics 1 for OpenMetrics 1.0 (# UNIT, counter
 * families without _total, # EOF), 0 for the Prometheus text format 0.0.4.
 * 0 or -1 (out of memory or over out's cap). */
int metrics_render(const struct metrics_snap *s, int openmetrics, struct buf *out);

#endif
