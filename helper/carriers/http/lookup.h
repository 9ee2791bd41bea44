/* Number checks before a code is texted (number_checks:, docs/carriers.md):
 * Twilio Lookup v2 asked about the number's last SIM swap, its line type and
 * its SMS pumping risk, on the loop, its answer cached per number.
 * The reading of the answer and the decision are pure (lookup.c), for the
 * unit tests and tests/fuzz/fuzz_lookup_reply.c; the transfer and the cache
 * are lookup_check.c. */
#ifndef OTPSMS_LOOKUP_H
#define OTPSMS_LOOKUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

struct http;
struct loop;

#define LOOKUP_REPLY_MAX (64 * 1024)
#define LOOKUP_WHY_MAX 128

/* What one field of the answer said. */
enum lookup_field { LOOKUP_ABSENT, LOOKUP_OK, LOOKUP_ERROR };

struct lookup_reply {
	long status;                 /* HTTP status */
	int json;                    /* the body was a JSON object */
	enum lookup_field sim;
	int64_t swap_time;           /* last_sim_swap_date (Unix time); -1: none */
	int swapped_in_period;       /* -1: not said */
	enum lookup_field line;
	char line_type[NC_TYPE_MAX]; /* letters only, else LOOKUP_ERROR */
	enum lookup_field risk;
	int risk_score;              /* 0..100 */
	int error_code;              /* the first field's error_code, or 0 */
};

/* Reads an answer (len bytes of body) into out. Only well-formed fields are
 * LOOKUP_OK; nothing else of the body is kept. */
void lookup_parse_reply(long status, const char *body, size_t len,
    struct lookup_reply *out);

enum lookup_verdict {
	LOOKUP_PASS,                 /* text the code */
	LOOKUP_REFUSE,               /* refuse: the number cannot get codes now */
	LOOKUP_BACKUP,               /* refuse, ask for a backup code */
	LOOKUP_FAILED,               /* no answer to decide on: on_failure */
};

/* The verdict of nc's checks on rep at Unix time now, and why (log-safe:
 * built from our words and well-formed fields only). A refusal found in
 * any field wins over a failure of another. */
enum lookup_verdict lookup_decide(const struct number_checks_conf *nc,
    const struct lookup_reply *rep, int64_t now, char *why, size_t whysz);

/* "2020-04-27T10:18:50Z" (RFC 3339, UTC or an offset, optional fraction)
 * to Unix time. Returns 0, or -1 when it is not one. */
int lookup_parse_time(const char *s, int64_t *out);

/* The Fields query value for nc ("sim_swap,line_type_intelligence"). */
void lookup_fields(const struct number_checks_conf *nc, char *out, size_t outsz);

/* The checks on the daemon's loop. */
struct numcheck;

/* verdict is PASS, REFUSE or BACKUP (a failure already turned into PASS or
 * REFUSE by on_failure; failed says it was one); why is log-safe. */
typedef void numcheck_done_fn(void *arg, enum lookup_verdict verdict, int failed,
    const char *why);

/* NULL when nc is not enabled or out of memory (check nc->enabled). */
struct numcheck *numcheck_new(const struct number_checks_conf *nc,
    struct loop *l, struct http *h);
void numcheck_free(struct numcheck *n);

/* Checks e164. Returns 0: done is called (maybe before this returns), once;
 * -1: nothing started, done not called. */
int numcheck_start(struct numcheck *n, const char *e164, numcheck_done_fn *done,
    void *arg);

/* otpsmsctl status: appends the checks' counters to out. */
void numcheck_status(const struct numcheck *n, char *out, size_t outsz);

/* otpsmsctl user: the cached verdict on e164 (enum lookup_verdict), with
 * the seconds it stays cached and its reason, or -1 if none is cached.
 * Asks nobody. */
int numcheck_peek(const struct numcheck *n, const char *e164, unsigned *secs,
    char *why, size_t whysz);

#endif
